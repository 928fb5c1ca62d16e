"""Each site as the operator sees it: its declaration, last and next run, the crawl running now, documents, health.

Built on ``pipeline.service.status.site_statuses`` (what ``newsharvest status`` prints), so the page, the API and the
command line agree on every site's state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsharvest.web.runs import document_counts, site_health
from pipeline.service.status import site_statuses
from pipeline.sites import Site
from storage.models import SiteRecord

__all__ = ["site_overview"]


def site_overview(session: Session, sites: dict[str, Site], now: datetime, only: str | None = None) -> list[dict[str, Any]]:
    """Every declared site and every site only the archive knows, by name (just ``only`` when given)."""
    statuses = [s for s in site_statuses(session, sites, now) if only is None or s.site == only]
    names = {s.site for s in statuses}
    records = {r.name: r for r in session.scalars(select(SiteRecord).where(SiteRecord.name.in_(names)))}
    health = site_health(session, {s.site: s.last_run for s in statuses})
    counts = document_counts(session)
    result = []
    for status in statuses:
        declared, record = sites.get(status.site), records.get(status.site)
        last = status.last_run
        result.append({
            "name": status.site,
            "title": declared.title if declared else (record.title if record else ""),
            "base_url": declared.base_url if declared else (record.base_url if record else None),
            "declared": declared is not None,
            "schedule": status.schedule,
            "last_run": None if last is None else _without_duration(last) | {"site": status.site},
            "next_run": status.next_run,
            "running": status.running,
            "documents": counts.get(status.site, 0),
            "health": health[status.site].as_json(),
        })  # fmt: skip
    return result


def _without_duration(run: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in run.items() if key != "duration_seconds"}
