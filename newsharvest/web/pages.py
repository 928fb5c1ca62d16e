"""The operator's page: server-rendered HTML (Jinja2), htmx for the live runs table, no build step, no CDN.

- ``/``: the sites, their last and next run, the crawl running now, health, and a button to start a crawl;
- ``/runs`` (``/runs/table``, the part htmx refreshes while a crawl runs), ``/runs/{id}``: runs with counts and errors;
- ``/search``: search with snippets; ``/documents/{id}``: a document with its URLs and its cluster.

Starting a crawl needs the API token, typed into the form once: it is then kept in an HttpOnly, SameSite=Strict
cookie, which another site's form cannot send (no cross-site request forgery). Words in English or Vietnamese
(``newsharvest.web.i18n``).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsharvest.web import documents as docs
from newsharvest.web.api import MAX_ID, SITE_NAME, check_token, crawl_site
from newsharvest.web.i18n import LANG_COOKIE, LANGUAGES, choose_language, translator
from newsharvest.web.overview import site_overview
from newsharvest.web.runs import list_runs, run_detail
from newsharvest.web.schemas import CrawlRequest
from newsharvest.web.state import WebState, read_session, web_state
from storage.models import CrawlRun, utcnow
from storage.search import SearchQueryError, search

__all__ = ["TOKEN_COOKIE", "render", "router"]

TEMPLATES = FilePath(__file__).resolve().parent / "templates"
TOKEN_COOKIE = "newsharvest_token"
_YEAR = 365 * 24 * 3600
_ENV = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), undefined=StrictUndefined)

router = APIRouter(include_in_schema=False)
Sessions = Annotated[Session, Depends(read_session)]
State = Annotated[WebState, Depends(web_state)]


def _when(value: datetime | str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.strftime("%Y-%m-%d %H:%M") + ("Z" if value.utcoffset() is not None and not value.utcoffset() else "")


_ENV.filters["when"] = _when


def language(request: Request) -> str:
    """The request's language (``?lang``, cookie, Accept-Language)."""
    return choose_language(
        request.query_params.get("lang"), request.cookies.get(LANG_COOKIE), request.headers.get("accept-language")
    )


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """``template`` rendered in the request's language; a ``?lang=`` choice is remembered in a cookie."""
    lang = language(request)
    other = "vi" if lang == "en" else "en"
    switch = dict(request.query_params) | {"lang": other}
    html = _ENV.get_template(template).render(
        t=translator(lang), lang=lang, switch_url=f"{request.url.path}?{urlencode(switch)}", path=request.url.path, **context
    )
    response = HTMLResponse(html, status_code=status_code)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=_YEAR, samesite="lax")
    return response


def _sites_page(
    request: Request, session: Session, state: WebState, status_code: int = 200, error: str | None = None
) -> HTMLResponse:
    sites = site_overview(session, state.sites(), utcnow())
    token_known = bool(request.cookies.get(TOKEN_COOKIE))
    return render(request, "index.html", status_code, sites=sites, token_known=token_known, error=error)


@router.get("/", response_class=HTMLResponse)
def index(request: Request, session: Sessions, state: State) -> HTMLResponse:
    """The sites, with a crawl button each."""
    return _sites_page(request, session, state)


@router.post("/sites/{name}/crawl", response_class=HTMLResponse)
async def start_crawl(request: Request, state: State, name: Annotated[str, Path(max_length=100)]) -> Response:
    """The crawl button: start a crawl (token from the form or the cookie), then show the runs as they go."""
    form = {key: values[-1] for key, values in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    typed = form.get("token", "").strip()
    max_articles = form.get("max_articles", "").strip()
    try:
        options = CrawlRequest(max_articles=int(max_articles) if max_articles.isdigit() else None)
        check_token(state, typed or request.cookies.get(TOKEN_COOKIE))
        await run_in_threadpool(state.check_schema)
        after = await run_in_threadpool(_last_run_id, state)
        started = await run_in_threadpool(crawl_site, state, name, options)
    except (HTTPException, ValueError) as exc:
        status_code, detail = (exc.status_code, str(exc.detail)) if isinstance(exc, HTTPException) else (422, str(exc))
        return await run_in_threadpool(_refused_page, request, state, status_code, detail)
    response = RedirectResponse(f"/runs?{urlencode({'watch': name, 'after': after, 'pid': started.pid})}", status_code=303)
    if typed:
        response.set_cookie(
            TOKEN_COOKIE, typed, max_age=_YEAR, httponly=True, samesite="strict", secure=request.url.scheme == "https"
        )
    return response


def _last_run_id(state: WebState) -> int:
    with state.sessions() as session:
        return int(session.scalar(select(func.max(CrawlRun.id))) or 0)


def _refused_page(request: Request, state: WebState, status_code: int, detail: str) -> HTMLResponse:
    with state.sessions() as session:
        return _sites_page(request, session, state, status_code, detail)


def _runs_context(session: Session, site: str | None, before: int | None, watch: str | None, after: int) -> dict[str, Any]:
    runs, following = list_runs(session, site=site, before=before, limit=50)
    # Live while a run is going, or while the crawl just started has not finished its run yet.
    watched_done = watch is None or any(r["site"] == watch and r["id"] > after and r["status"] != "running" for r in runs)
    live = any(r["status"] == "running" for r in runs) or not watched_done
    query = urlencode({k: v for k, v in {"site": site, "before": before, "watch": watch, "after": after}.items() if v})
    return {
        "runs": runs,
        "next_before": following,
        "live": live,
        "table_url": f"/runs/table?{query}",
        "site": site,
        "watch": watch,
    }


RunsSite = Annotated[str | None, Query(max_length=100, pattern=SITE_NAME)]
RunsBefore = Annotated[int | None, Query(ge=1, le=MAX_ID)]
RunsAfter = Annotated[int, Query(ge=0, le=MAX_ID)]


@router.get("/runs", response_class=HTMLResponse)
def runs_page(
    request: Request, session: Sessions, site: RunsSite = None, before: RunsBefore = None, watch: RunsSite = None,
    after: RunsAfter = 0, pid: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:  # fmt: skip
    """Runs, newest first; refreshed every two seconds while one runs."""
    return render(request, "runs.html", **_runs_context(session, site, before, watch, after), started_pid=pid)


@router.get("/runs/table", response_class=HTMLResponse)
def runs_table(
    request: Request, session: Sessions, site: RunsSite = None, before: RunsBefore = None, watch: RunsSite = None,
    after: RunsAfter = 0,
) -> HTMLResponse:  # fmt: skip
    """The runs table alone (what htmx swaps in)."""
    return render(request, "_runs_table.html", **_runs_context(session, site, before, watch, after))


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, session: Sessions, run_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> HTMLResponse:
    """One run and the fetches it failed on."""
    run = run_detail(session, run_id)
    if run is None:
        raise HTTPException(404, f"no run {run_id}")
    return render(request, "run.html", run=run)


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request, session: Sessions, state: State, q: Annotated[str, Query(max_length=500)] = "",
    site: Annotated[str, Query(max_length=100)] = "", include_near_duplicates: bool = False,
    offset: Annotated[int, Query(ge=0, le=1000)] = 0,
) -> HTMLResponse:  # fmt: skip
    """The search form and, for a query, its results with snippets."""
    hits, error, more = [], None, False
    if q.strip():
        try:
            found = search(
                session, q, site=site or None, limit=21, offset=offset, include_near_duplicates=include_near_duplicates
            )
            hits, more = [h.as_json() for h in found[:20]], len(found) > 20
        except SearchQueryError as exc:
            error = str(exc)
    params = {"q": q, "site": site, "include_near_duplicates": include_near_duplicates or ""}
    next_url = f"/search?{urlencode({k: v for k, v in params.items() if v} | {'offset': offset + 20})}" if more else None
    return render(
        request, "search.html", q=q, site=site, include_near_duplicates=include_near_duplicates, hits=hits, error=error,
        next_url=next_url, site_names=sorted(state.sites()),
    )  # fmt: skip


@router.get("/documents/{document_id}", response_class=HTMLResponse)
def document_page(request: Request, session: Sessions, document_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> HTMLResponse:
    """One document: its text, URLs and cluster."""
    document = docs.document_detail(session, document_id)
    if document is None:
        raise HTTPException(404, f"no document {document_id}")
    return render(request, "document.html", doc=document)
