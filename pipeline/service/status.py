"""``newsharvest status``: for each site, its last run, whether a crawl is running now, and when the next is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Float, MetaData, String, Table, func, inspect, select
from sqlalchemy.orm import Session

from pipeline.archive.leases import holder_is_alive
from pipeline.service.schedules import JOB_PREFIX, JOBS_TABLE, next_run_after
from pipeline.sites import Site
from storage.models import CrawlRun, SiteLease, SiteRecord

__all__ = ["SiteStatus", "site_statuses"]

# APScheduler's job store table (``newsharvest schedule``): read-only here, for the next run time it computed.
_JOBS = Table(JOBS_TABLE, MetaData(), Column("id", String(191)), Column("next_run_time", Float))

_RUN_FIELDS = (
    "id", "trigger", "status", "started_at", "finished_at", "pages_fetched", "new_documents", "near_duplicates",
    "duplicates", "errors", "skipped_known", "error",
)  # fmt: skip


@dataclass(frozen=True)
class SiteStatus:
    """One site's state as ``status`` reports it."""

    site: str
    schedule: dict[str, str] | None
    last_run: dict[str, Any] | None  # the newest finished run: _RUN_FIELDS plus duration_seconds
    running: dict[str, Any] | None  # the crawl holding the site's lease now: run_id, holder, since, stale
    next_run: datetime | None  # due time of the next scheduled crawl; None without a schedule

    def as_json(self) -> dict[str, Any]:
        """The status as a JSON object (public field names, see README)."""
        return {
            "site": self.site, "schedule": self.schedule, "last_run": _jsonable(self.last_run),
            "running": _jsonable(self.running), "next_run": self.next_run.isoformat() if self.next_run else None,
        }  # fmt: skip


def _jsonable(record: dict[str, Any] | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in record.items()}


def site_statuses(session: Session, sites: dict[str, Site], now: datetime) -> list[SiteStatus]:
    """Every declared site, and every site the archive knows that is no longer declared, by name.

    ``next_run`` is the scheduler's own plan when a service has registered the site's job in this archive, else what
    the site's schedule implies (the cron's next time; an interval's from the last scheduled start).
    """
    records = {r.name: r for r in session.scalars(select(SiteRecord))}
    planned = _scheduler_next_runs(session)
    leases = {lease.site_id: lease for lease in session.scalars(select(SiteLease))}
    result = []
    for name in sorted(set(sites) | set(records)):
        record, site = records.get(name), sites.get(name)
        last = running = None
        last_scheduled: datetime | None = None
        if record is not None:
            last = _last_finished_run(session, record.id)
            last_scheduled = session.scalar(
                select(func.max(CrawlRun.started_at)).where(CrawlRun.site_id == record.id, CrawlRun.trigger == "scheduled")
            )
            lease = leases.get(record.id)
            if lease is not None:
                stale = lease.expires_at < now or holder_is_alive(lease.holder) is False
                running = {"run_id": lease.run_id, "holder": lease.holder, "since": lease.acquired_at, "stale": stale}
        schedule = dict(site.schedule) if site is not None and site.schedule else None
        next_run = planned.get(name) or (next_run_after(site, now, last_scheduled) if site is not None and schedule else None)
        result.append(SiteStatus(name, schedule, last, running, next_run))
    return result


def _last_finished_run(session: Session, site_id: int) -> dict[str, Any] | None:
    run = session.scalar(
        select(CrawlRun)
        .where(CrawlRun.site_id == site_id, CrawlRun.status != "running")
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        .limit(1)
    )
    if run is None:
        return None
    record = {field: getattr(run, field) for field in _RUN_FIELDS}
    duration = (run.finished_at - run.started_at).total_seconds() if run.finished_at else None
    return record | {"duration_seconds": round(duration, 1) if duration is not None else None}


def _scheduler_next_runs(session: Session) -> dict[str, datetime]:
    """Site → next run time from the scheduler's job store, when a service has one in this archive."""
    if not inspect(session.connection()).has_table(_JOBS.name):
        return {}
    rows = session.execute(select(_JOBS.c.id, _JOBS.c.next_run_time).where(_JOBS.c.id.startswith(JOB_PREFIX)))
    return {job_id.removeprefix(JOB_PREFIX): datetime.fromtimestamp(when, UTC) for job_id, when in rows if when is not None}
