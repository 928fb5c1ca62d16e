"""The JSON API under ``/api`` (read-only but for starting a crawl), ``/health`` and ``/metrics``.

Handlers are plain ``def`` functions: FastAPI runs them on its thread pool, so database reads never block the event
loop. Errors: 404 for an unknown document, run or site, 422 for a bad parameter, 503 when the archive is unavailable
or its schema is not this version's (see ``newsharvest.web.app``).
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy.orm import Session

from newsharvest.web import documents as docs
from newsharvest.web.crawl_launcher import CrawlBusy, CrawlStarted
from newsharvest.web.overview import site_overview
from newsharvest.web.runs import list_runs, run_detail
from newsharvest.web.schemas import (
    CrawlRequest,
    CrawlStartedOut,
    DocumentDetailOut,
    DocumentPage,
    ErrorOut,
    HealthOut,
    RunDetailOut,
    RunPage,
    SearchPage,
    SiteOut,
    StatusOut,
)
from newsharvest.web.state import WebState, read_session, web_state
from pipeline.service.status import site_statuses
from storage.db import database_error, describe_db_url
from storage.errors import StorageError
from storage.models import utcnow
from storage.search import SearchQueryError, search

__all__ = ["check_token", "crawl_site", "router", "service_router"]

# Row ids are 32-bit integers on PostgreSQL: a larger one is a bad parameter, not a database error.
MAX_ID = 2**31 - 1
SITE_NAME = r"^[a-z][a-z0-9_]*$"

Sessions = Annotated[Session, Depends(read_session)]
State = Annotated[WebState, Depends(web_state)]
SiteParam = Annotated[
    str | None, Query(max_length=100, pattern=SITE_NAME, description='a site\'s name; "seed" for seed documents')
]
SinceParam = Annotated[date | None, Query(description="published on or after this day (UTC)")]
UntilParam = Annotated[date | None, Query(description="published on or before this day (UTC)")]
NearDupParam = Annotated[bool, Query(description="also list near-duplicates (by default one document per story)")]
QueryParam = Annotated[str, Query(min_length=1, max_length=500, description='words and "quoted phrases"; diacritics optional')]
_UNAVAILABLE: dict[int | str, dict[str, Any]] = {503: {"model": ErrorOut, "description": "archive unavailable or schema behind"}}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "no such item"}}

router = APIRouter(prefix="/api", responses=_UNAVAILABLE)
service_router = APIRouter(tags=["service"])
_bearer = HTTPBearer(auto_error=False, description="the NEWSHARVEST_API_TOKEN the server was started with")


def _window(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """Days as an instant window [since 00:00Z, the day after until 00:00Z)."""
    start = datetime.combine(since, time.min, UTC) if since else None
    end = datetime.combine(until, time.min, UTC) + timedelta(days=1) if until and until < date.max else None
    return start, end


def _bad_parameter(name: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("query", name), "msg": message, "type": "value_error", "input": None}])


@router.get("/documents", response_model=DocumentPage, tags=["documents"])
def list_documents(
    session: Sessions, site: SiteParam = None, since: SinceParam = None, until: UntilParam = None,
    q: Annotated[str | None, Query(max_length=500, description="only documents matching these words (see /api/search)")] = None,
    include_near_duplicates: NearDupParam = False,
    cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> dict[str, Any]:  # fmt: skip
    """Documents, newest publication first (undated last), one per story unless near-duplicates are included.

    Keyset pagination: pass the page's `next_cursor` as `cursor`. With `q`, only documents matching the query are
    listed (still newest first; `/api/search` ranks them by relevance instead).
    """
    try:
        after = docs.DocumentCursor.decode(cursor) if cursor else None
    except docs.CursorError as exc:
        raise _bad_parameter("cursor", str(exc)) from exc
    since_at, until_at = _window(since, until)
    matches: tuple[tuple[int, int], ...] | None = None
    if q is not None:
        try:  # every matching document (the search caps its candidates), then listed in date order
            hits = search(session, q, site=site, since=since_at, until=until_at, limit=1000, include_near_duplicates=True)
        except SearchQueryError as exc:
            raise _bad_parameter("q", str(exc)) from exc
        matches = tuple((hit.document_id, hit.cluster_id) for hit in hits)
    where = docs.DocumentFilter(site, since_at, until_at, include_near_duplicates, matches)
    items, following = docs.list_documents(session, where, cursor=after, limit=limit)
    return {"items": items, "next_cursor": following.encode() if following else None}


@router.get("/documents/{document_id}", response_model=DocumentDetailOut, responses=_NOT_FOUND, tags=["documents"])
def get_document(session: Sessions, document_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> dict[str, Any]:
    """One document with its text, every URL it was seen at, and its near-duplicate cluster (root first)."""
    found = docs.document_detail(session, document_id)
    if found is None:
        raise HTTPException(404, f"no document {document_id}")
    return found


@router.get("/search", response_model=SearchPage, tags=["documents"])
def search_documents(
    session: Sessions, q: QueryParam,
    site: SiteParam = None, since: SinceParam = None, until: UntilParam = None, include_near_duplicates: NearDupParam = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 20, offset: Annotated[int, Query(ge=0, le=1000)] = 0,
) -> dict[str, Any]:  # fmt: skip
    """Full-text search, best first, with snippets (HTML: escaped text, matches in `<mark>`); near-duplicates of one
    story collapse into its best-ranked document (`also_matched`) unless included."""
    since_at, until_at = _window(since, until)
    try:
        hits = search(
            session, q, site=site, since=since_at, until=until_at, limit=limit + 1, offset=offset,
            include_near_duplicates=include_near_duplicates,
        )  # fmt: skip
    except SearchQueryError as exc:
        raise _bad_parameter("q", str(exc)) from exc
    more = len(hits) > limit
    return {"query": q, "items": [hit.as_json() for hit in hits[:limit]], "next_offset": offset + limit if more else None}


@router.get("/sites", response_model=list[SiteOut], tags=["sites"])
def list_sites(session: Sessions, state: State) -> list[dict[str, Any]]:
    """Every declared site (and every site only the archive still knows): last and next run, the crawl running now,
    documents, and health (failures, article pages without a body, documents without a date in the last run)."""
    return site_overview(session, state.sites(), utcnow())


@router.get("/sites/{name}", response_model=SiteOut, responses=_NOT_FOUND, tags=["sites"])
def get_site(session: Sessions, state: State, name: Annotated[str, Path(max_length=100)]) -> dict[str, Any]:
    """One site, as in `/api/sites`."""
    found = site_overview(session, state.sites(), utcnow(), only=name)
    if not found:
        raise HTTPException(404, f"no site {name!r}: not declared and not in the archive")
    return found[0]


@router.get("/status", response_model=list[StatusOut], tags=["sites"])
def status(session: Sessions, state: State) -> list[dict[str, Any]]:
    """Exactly what `newsharvest status --json` prints, one object per site."""
    return [entry.as_json() for entry in site_statuses(session, state.sites(), utcnow())]


@router.get("/runs", response_model=RunPage, tags=["runs"])
def get_runs(
    session: Sessions, site: SiteParam = None,
    status: Annotated[Literal["running", "succeeded", "failed", "interrupted"] | None, Query()] = None,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID, description="`next_before` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:  # fmt: skip
    """Crawl runs, newest first, with their counts (keyset pagination on the run id: pass `next_before` as `before`)."""
    items, following = list_runs(session, site=site, status=status, before=before, limit=limit)
    return {"items": items, "next_before": following}


@router.get("/runs/{run_id}", response_model=RunDetailOut, responses=_NOT_FOUND, tags=["runs"])
def get_run(session: Sessions, run_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> dict[str, Any]:
    """One run with the fetches it failed on."""
    found = run_detail(session, run_id)
    if found is None:
        raise HTTPException(404, f"no run {run_id}")
    return found


def check_token(state: WebState, given: str | None) -> None:
    """Refuse a crawl start: 403 when no token is configured, 401 when ``given`` is not the token."""
    expected = state.settings.api_token
    if not expected:
        raise HTTPException(403, "starting crawls over HTTP is off: the server has no NEWSHARVEST_API_TOKEN")
    if given is None or not secrets.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(401, "a valid token is needed to start a crawl", headers={"WWW-Authenticate": "Bearer"})


def crawl_site(state: WebState, name: str, options: CrawlRequest) -> CrawlStarted:
    """Start a crawl of the declared site ``name`` (404 when undeclared, 409 while it is being crawled)."""
    if name not in state.sites():
        raise HTTPException(404, f"no declared site {name!r}")
    try:
        return state.launcher.start(name, max_articles=options.max_articles, refresh=options.refresh)
    except CrawlBusy as exc:
        raise HTTPException(409, str(exc)) from exc


@router.post(
    "/sites/{name}/crawl", status_code=202, response_model=CrawlStartedOut, tags=["sites"],
    responses={
        401: {"model": ErrorOut, "description": "missing or wrong token"},
        403: {"model": ErrorOut, "description": "no token configured: starting crawls over HTTP is off"},
        409: {"model": ErrorOut, "description": "the site is being crawled"}, **_NOT_FOUND,
    },
)  # fmt: skip
def start_crawl(
    request: Request, state: State, name: Annotated[str, Path(max_length=100)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)], options: CrawlRequest | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Start a manual crawl of the site now, as a child process under the site's lease (as the scheduler does).

    Needs `Authorization: Bearer <NEWSHARVEST_API_TOKEN>`. The run appears in `/api/runs` once the child holds the
    site's lease (a second or two).
    """
    check_token(state, credentials.credentials if credentials else None)
    state.check_schema()
    started = crawl_site(state, name, options or CrawlRequest())
    return {"site": started.site, "pid": started.pid, "started_at": started.started_at, "runs_url": f"/api/runs?site={name}"}


@service_router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}})
def health(state: State, response: Response) -> dict[str, Any]:
    """Whether the archive can be read at this version's schema (503 when not)."""
    where = describe_db_url(state.engine.url)
    result: dict[str, Any] = {"database": where, "schema_expected": state.expected_schema, "schema_revision": None}
    try:
        result["schema_revision"] = state.check_schema()
    except Exception as exc:
        problem = database_error(exc) or exc
        if not isinstance(problem, StorageError):
            raise
        response.status_code = 503
        return result | {"status": "unavailable", "detail": str(problem)}
    return result | {"status": "ok"}


@service_router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def metrics(request: Request) -> Response:
    """The archive's counts in the Prometheus text format (runs, pages and errors per site; see `newsharvest.web.metrics`)."""
    registry: CollectorRegistry = request.app.state.metrics_registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
