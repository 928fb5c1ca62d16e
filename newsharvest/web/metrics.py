"""``/metrics``: the archive's counts in the Prometheus text format, read from the database at each scrape.

The numbers live in the database, not in this process (crawls run in other processes, on other machines), so a
custom collector reads them per scrape instead of counting events. Families (each labelled by ``site``; seed
documents under ``site="seed"``):

- ``newsharvest_runs_total{site,trigger,status}``: crawl runs recorded;
- ``newsharvest_pages_total{site,outcome}``: fetches recorded, by what the pipeline did with them (``error`` = failed);
- ``newsharvest_errors_total{site}``: failed fetches counted by the runs (articles, listings, feeds, sitemaps);
- ``newsharvest_documents{site}``: documents in the archive;
- ``newsharvest_crawl_running{site}``: 1 while a crawl holds the site's lease;
- ``newsharvest_last_success_timestamp_seconds{site}``: when the site's last succeeded run finished (alert on age);
- ``newsharvest_database_up``: 0 when the archive could not be read for this scrape (then nothing else is sent).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import StorageError
from storage.models import CrawlRun, Document, Page, SiteLease, SiteRecord

__all__ = ["ArchiveCollector"]

log = logging.getLogger(__name__)


class ArchiveCollector(Collector):
    """Reads the archive's counts at each ``collect``."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def collect(self) -> Iterator[Metric]:
        """The metric families (see the module docstring)."""
        up = GaugeMetricFamily("newsharvest_database_up", "Whether the archive could be read for this scrape.")
        try:
            with self._sessions() as session:
                families = list(self._families(session))
        except (SQLAlchemyError, StorageError) as exc:
            log.warning("metrics: the archive could not be read: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self, session: Session) -> Iterator[Metric]:
        yield self._runs(session)
        yield self._pages(session)
        yield self._errors(session)
        yield self._documents(session)
        yield self._running(session)
        yield self._last_success(session)

    @staticmethod
    def _runs(session: Session) -> Metric:
        family = CounterMetricFamily("newsharvest_runs", "Crawl runs recorded.", labels=["site", "trigger", "status"])
        rows = session.execute(
            select(SiteRecord.name, CrawlRun.trigger, CrawlRun.status, func.count())
            .join(SiteRecord, SiteRecord.id == CrawlRun.site_id)
            .group_by(SiteRecord.name, CrawlRun.trigger, CrawlRun.status)
        )
        for name, trigger, status, count in rows:
            family.add_metric([name, trigger, status], count)
        return family

    @staticmethod
    def _pages(session: Session) -> Metric:
        family = CounterMetricFamily("newsharvest_pages", "Fetches recorded, by outcome.", labels=["site", "outcome"])
        rows = session.execute(
            select(SiteRecord.name, Page.outcome, func.count())
            .join(SiteRecord, SiteRecord.id == Page.site_id)
            .group_by(SiteRecord.name, Page.outcome)
        )
        for name, outcome, count in rows:
            family.add_metric([name, outcome], count)
        return family

    @staticmethod
    def _errors(session: Session) -> Metric:
        family = CounterMetricFamily("newsharvest_errors", "Failed fetches counted by the crawl runs.", labels=["site"])
        rows = session.execute(
            select(SiteRecord.name, func.coalesce(func.sum(CrawlRun.errors), 0))
            .join(SiteRecord, SiteRecord.id == CrawlRun.site_id)
            .group_by(SiteRecord.name)
        )
        for name, count in rows:
            family.add_metric([name], int(count))
        return family

    @staticmethod
    def _documents(session: Session) -> Metric:
        family = GaugeMetricFamily("newsharvest_documents", "Documents in the archive.", labels=["site"])
        site = func.coalesce(SiteRecord.name, "seed")
        rows = session.execute(
            select(site, func.count())
            .select_from(Document)
            .outerjoin(SiteRecord, SiteRecord.id == Document.site_id)
            .group_by(site)
        )
        for name, count in rows:
            family.add_metric([name], count)
        return family

    @staticmethod
    def _running(session: Session) -> Metric:
        family = GaugeMetricFamily("newsharvest_crawl_running", "1 while a crawl holds the site's lease.", labels=["site"])
        held = set(session.scalars(select(SiteRecord.name).join(SiteLease, SiteLease.site_id == SiteRecord.id)))
        for name in session.scalars(select(SiteRecord.name).order_by(SiteRecord.name)):
            family.add_metric([name], 1 if name in held else 0)
        return family

    @staticmethod
    def _last_success(session: Session) -> Metric:
        family = GaugeMetricFamily(
            "newsharvest_last_success_timestamp_seconds",
            "When the site's last succeeded run finished (Unix time).",
            labels=["site"],
        )
        rows = session.execute(
            select(SiteRecord.name, func.max(CrawlRun.finished_at))
            .join(SiteRecord, SiteRecord.id == CrawlRun.site_id)
            .where(CrawlRun.status == "succeeded")
            .group_by(SiteRecord.name)
        )
        for name, finished in rows:
            if finished is not None:
                family.add_metric([name], _timestamp(finished))
        return family


def _timestamp(value: object) -> float:
    """A ``max()`` of a UTC column as Unix time (aware; naive text would be UTC, as SQLite stores it)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
