"""Run crawls: one ``CrawlerProcess``, one crawler per site running concurrently, one archive run per site.

Called by the CLI and by the scheduler's child process. Twisted's reactor cannot restart, so ``run_crawls`` runs
once per process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler, CrawlerProcess

from crawler.settings import scrapy_settings
from crawler.spiders.news import NewsSpider
from pipeline.archive.leases import LeaseKeeper, recover_stale
from pipeline.archive.run import Archive, RunSummary, open_run
from pipeline.config import Settings
from pipeline.dedup.clusters import NearDuplicateIndex
from pipeline.extraction.worker import ExtractionPool
from pipeline.sites import Site
from storage import repository
from storage.db import create_engine_for, session_factory
from storage.migrate import require_current

if TYPE_CHECKING:
    from scrapy.http import Response
    from sqlalchemy.orm import Session, sessionmaker
    from twisted.python.failure import Failure

    from storage.models import SiteLease

__all__ = ["run_crawls", "run_status"]

log = logging.getLogger(__name__)
ProgressCallback = Callable[[str, dict[str, int]], None]


def run_status(close_reason: str | None, spider_error: str | None) -> str:
    """A run's final status from the spider's close reason and its first callback exception."""
    if close_reason == "shutdown":
        return "interrupted"
    if spider_error is not None:
        return "failed"
    if close_reason == "finished" or (close_reason or "").startswith("closespider_"):
        return "succeeded"
    return "failed"


@dataclass
class _Run:
    """One site's crawler, its archive and what its signals reported."""

    site: Site
    archive: Archive
    crawler: Crawler
    close_reason: str | None = None
    pages_fetched: int = 0
    errors: list[str] = field(default_factory=list)

    def connect(self) -> None:
        self.crawler.signals.connect(self._spider_closed, signal=signals.spider_closed)
        self.crawler.signals.connect(self._spider_error, signal=signals.spider_error)

    def _spider_closed(self, spider: Spider, reason: str) -> None:
        self.close_reason = reason
        # Read before the stats collector closes: the engine sends spider_closed first.
        self.pages_fetched = int(self.crawler.stats.get_value("downloader/response_count", 0) or 0)

    def _spider_error(self, failure: Failure, response: Response, spider: Spider) -> None:
        self.errors.append(f"{failure.type.__name__ if failure.type else 'error'}: {failure.getErrorMessage()} ({response.url})")
        log.error("spider error on %s: %s", response.url, failure.getErrorMessage(), extra=self._extra)

    def crawl_failed(self, failure: Failure) -> None:
        self.errors.append(f"crawler failed: {failure.getErrorMessage()}")
        log.error("crawler for %s failed: %s", self.site.name, failure.getErrorMessage(), extra=self._extra)

    @property
    def _extra(self) -> dict[str, Any]:
        return {"site": self.site.name, "run_id": self.archive.run_id}

    def finish(self) -> RunSummary:
        status = run_status(self.close_reason, self.errors[0] if self.errors else None)
        error = "; ".join(self.errors[:3]) or None
        if status == "interrupted":
            error = "interrupted (SIGINT/SIGTERM)"
        elif status == "failed" and error is None:
            error = f"spider closed: {self.close_reason}" if self.close_reason else "the crawl did not run"
        elif status == "succeeded" and self.pages_fetched == 0 and self.archive.counts()["errors"]:
            # Every start page failed (DNS, refused, timeouts): nothing was crawled, and the operator must hear of it.
            status, error = "failed", f"no page could be fetched ({self.archive.counts()['errors']} errors; see pages.error)"
        return self.archive.finish(status, pages_fetched=self.pages_fetched, error=error)


def run_crawls(
    settings: Settings, sites: Sequence[Site], *, trigger: str = "manual", max_articles: int | None = None,
    refresh: bool = False, log_level: str = "WARNING", on_progress: ProgressCallback | None = None, wait: bool = True,
    on_wait: Callable[[str, SiteLease], None] | None = None, sessions: sessionmaker[Session] | None = None,
) -> list[RunSummary]:  # fmt: skip
    """Crawl every site concurrently, each into its own archive run; returns the runs' summaries in site order.

    Each site's lease is taken first (in name order, so two processes wanting overlapping sites cannot deadlock):
    waiting for a crawl of the same site in another process, or, with ``wait=False``, raising ``SiteBusy`` before
    anything is crawled. ``sessions`` is the caller's session factory on an archive whose schema it checked (the
    command line has one); without it the archive of ``settings`` is opened and checked here.
    """
    engine = None
    if sessions is None:
        engine = create_engine_for(settings.database_url)
        require_current(engine)
        sessions = session_factory(engine)
    ttl = timedelta(seconds=settings.lease_ttl)
    recover_stale(sessions, ttl)
    keeper = LeaseKeeper(sessions, ttl, wait=wait, on_wait=on_wait)
    try:
        with sessions.begin() as session:
            site_ids = {s.name: repository.ensure_site(session, s.name, s.base_url, s.title).id for s in sites}
        for site in sorted(sites, key=lambda s: s.name):
            keeper.acquire(site_ids[site.name], site.name)
        keeper.start_heartbeat()
        NearDuplicateIndex(settings.near_dup_params).ensure(sessions)
        return _crawl_with_leases(settings, sessions, sites, keeper, site_ids, trigger=trigger, max_articles=max_articles,
                                  refresh=refresh, log_level=log_level, on_progress=on_progress)  # fmt: skip
    finally:
        keeper.release_all()
        if engine is not None:
            engine.dispose()


def _crawl_with_leases(
    settings: Settings, sessions: sessionmaker[Session], sites: Sequence[Site], keeper: LeaseKeeper,
    site_ids: dict[str, int], *, trigger: str, max_articles: int | None, refresh: bool, log_level: str,
    on_progress: ProgressCallback | None,
) -> list[RunSummary]:  # fmt: skip
    logging.getLogger("scrapy").setLevel(log_level.upper())
    # The CLI owns logging output: Scrapy adds no root handler of its own.
    base = {**scrapy_settings(settings, archive=None, log_level=log_level), "LOG_INSTALL_ROOT_HANDLER": False}
    process = CrawlerProcess(base)
    runs: list[_Run] = []
    # One pool of extraction workers for every site of this crawl: the cores are shared, not multiplied by sites.
    pool = ExtractionPool(settings.extract_timeout, settings.extract_workers)
    try:
        for site in sites:
            archive = open_run(
                sessions, site, trigger=trigger, refresh=refresh, settings=settings, pool=pool, site_id=site_ids[site.name]
            )
            keeper.attach_run(site_ids[site.name], archive.run_id)
            # create_crawler() installs the reactor with the first crawler; this run's values go in at "cmdline"
            # priority because crawl() merges the process's (archive-less) settings over equal priorities.
            crawler = process.create_crawler(NewsSpider)
            own = scrapy_settings(
                settings, archive=archive, refresh=refresh, log_level=log_level, on_progress=on_progress, site=site
            )
            crawler.settings.update(own, priority="cmdline")
            run = _Run(site, archive, crawler)
            runs.append(run)
            run.connect()
            log.info("crawling %s (run %d)", site.name, archive.run_id, extra={"site": site.name, "run_id": archive.run_id})
            process.crawl(crawler, site=site, max_articles=max_articles).addErrback(run.crawl_failed)
        process.start()
    finally:
        pool.close()
        summaries = [run.finish() for run in runs]
    return summaries
