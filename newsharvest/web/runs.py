"""Crawl runs as the API and the page show them, and each site's health read from its last finished run.

Runs are listed newest first and paged by keyset on the run id (``before``): a page never repeats a run while new
runs start. Health is a judgement on the site's last finished run, meant to catch a site that changed its layout
before its archive goes quietly empty: many article pages without a body (``not_article``) or documents without a
date are the usual signs, besides fetches that fail.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from storage.models import CrawlRun, Document, Page, SiteRecord

__all__ = ["RUN_FIELDS", "SiteHealth", "document_counts", "list_runs", "run_detail", "site_health"]

RUN_FIELDS = (
    "id", "trigger", "status", "started_at", "finished_at", "pages_fetched", "new_documents", "near_duplicates",
    "duplicates", "errors", "skipped_known", "error",
)  # fmt: skip
# A share of a run's article pages at or above this is a warning: failed fetches, or pages/documents without a body
# or a date. One bad page in a small run is not a layout change; a quarter of them is worth a look.
WARNING_SHARE = 0.25
FAILED_PAGES_SHOWN = 200


def _run_record(run: CrawlRun, site: str) -> dict[str, Any]:
    return {field: getattr(run, field) for field in RUN_FIELDS} | {"site": site}


def list_runs(
    session: Session, *, site: str | None = None, status: str | None = None, before: int | None = None, limit: int = 50
) -> tuple[list[dict[str, Any]], int | None]:
    """Runs newest first (only ``site``'s, only those with ``status``, only ids below ``before``) and the next
    page's ``before`` (None on the last page)."""
    query = select(CrawlRun, SiteRecord.name).join(SiteRecord, SiteRecord.id == CrawlRun.site_id)
    if site is not None:
        query = query.where(SiteRecord.name == site)
    if status is not None:
        query = query.where(CrawlRun.status == status)
    if before is not None:
        query = query.where(CrawlRun.id < before)
    rows = session.execute(query.order_by(CrawlRun.id.desc()).limit(limit + 1)).all()
    records = [_run_record(run, name) for run, name in rows[:limit]]
    return records, (records[-1]["id"] if len(rows) > limit else None)


def run_detail(session: Session, run_id: int) -> dict[str, Any] | None:
    """One run with the fetches it failed on; None when there is no such run."""
    row = session.execute(
        select(CrawlRun, SiteRecord.name).join(SiteRecord, SiteRecord.id == CrawlRun.site_id).where(CrawlRun.id == run_id)
    ).first()
    if row is None:
        return None
    failed = session.execute(
        select(Page.url, Page.kind, Page.status, Page.error)
        .where(Page.run_id == run_id, Page.outcome == "error")
        .order_by(Page.id)
        .limit(FAILED_PAGES_SHOWN)
    ).mappings()
    return _run_record(row[0], row[1]) | {"failed_pages": [dict(page) for page in failed]}


@dataclass(frozen=True)
class SiteHealth:
    """What the site's last finished run says about it."""

    status: str  # ok | warning | failing | unknown
    reason: str | None
    run_id: int | None
    article_pages: int = 0
    errors: int = 0
    without_body: int = 0
    without_date: int = 0

    def as_json(self) -> dict[str, Any]:
        """The health as a JSON object (``SiteHealthOut``)."""
        return dict(self.__dict__)


def _judge(run: dict[str, Any] | None, counts: tuple[int, int, int, int]) -> SiteHealth:
    if run is None:
        return SiteHealth("unknown", "never crawled", None)
    pages, errors, without_body, without_date = counts
    detail = {"article_pages": pages, "errors": errors, "without_body": without_body, "without_date": without_date}
    if run["status"] == "failed":
        return SiteHealth("failing", f"the last run failed: {run['error'] or 'no reason recorded'}", run["id"], **detail)
    if pages and errors == pages:
        return SiteHealth("failing", "every article page of the last run failed", run["id"], **detail)
    signs = []
    if pages and errors / pages >= WARNING_SHARE:
        signs.append(f"{errors} of {pages} article pages failed")
    if pages and without_body / pages >= WARNING_SHARE:
        signs.append(f"{without_body} of {pages} article pages had no article body (layout changed?)")
    created = max(1, int(run["new_documents"] or 0))
    if without_date and without_date / created >= WARNING_SHARE:
        signs.append(f"{without_date} of {created} new documents have no date (layout changed?)")
    if signs:
        return SiteHealth("warning", "; ".join(signs), run["id"], **detail)
    return SiteHealth("ok", None, run["id"], **detail)


def site_health(session: Session, last_runs: dict[str, dict[str, Any] | None]) -> dict[str, SiteHealth]:
    """Site → health, from each site's last finished run (``pipeline.service.status``'s ``last_run``)."""
    run_ids = [run["id"] for run in last_runs.values() if run is not None]
    counts = _article_page_counts(session, run_ids)
    return {site: _judge(run, counts.get(run["id"], (0, 0, 0, 0)) if run else (0, 0, 0, 0)) for site, run in last_runs.items()}


def _article_page_counts(session: Session, run_ids: Iterable[int]) -> dict[int, tuple[int, int, int, int]]:
    """Run id → (article pages, failed, without a body, new documents without a date)."""
    ids = list(run_ids)
    if not ids:
        return {}
    undated = and_(Page.outcome.in_(("new", "near_duplicate")), Document.published_at.is_(None))
    rows = session.execute(
        select(
            Page.run_id,
            func.count(),
            func.sum(case((Page.outcome == "error", 1), else_=0)),
            func.sum(case((Page.outcome == "not_article", 1), else_=0)),
            func.sum(case((undated, 1), else_=0)),
        )
        .outerjoin(Document, Document.id == Page.document_id)
        .where(Page.run_id.in_(ids), Page.kind == "article")
        .group_by(Page.run_id)
    )
    return {run_id: (int(n), int(e or 0), int(b or 0), int(d or 0)) for run_id, n, e, b, d in rows}


def document_counts(session: Session) -> dict[str, int]:
    """Site name → documents first crawled from it."""
    rows = session.execute(
        select(SiteRecord.name, func.count(Document.id))
        .join(Document, Document.site_id == SiteRecord.id)
        .group_by(SiteRecord.name)
    )
    return {name: int(count) for name, count in rows}
