"""Downloader middleware: article URLs whose canonical form is already archived are not fetched again."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from scrapy.exceptions import IgnoreRequest

from crawler.settings import REFRESH_KEY, required_archive

if TYPE_CHECKING:
    from collections.abc import Iterable

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

__all__ = ["ARCHIVED_META", "SKIPPED_STAT", "KnownUrl", "SeenUrlMiddleware"]

log = logging.getLogger(__name__)
SKIPPED_STAT = "newsharvest/skipped_known"
# Request meta set by the spider, which looked the URL up in the archive when it found it (in batches): True when
# archived, False when not. Without it the middleware asks the archive itself.
ARCHIVED_META = "nh_archived"


class KnownArchive(Protocol):
    """The part of ``pipeline.archive.run.Archive`` this middleware uses."""

    run_id: int

    def known_urls(self, urls: Iterable[str]) -> set[str]: ...

    def note_skipped(self, n: int = 1) -> None: ...


class KnownUrl(IgnoreRequest):
    """The article is already in the archive: not an error, nothing to record."""


class SeenUrlMiddleware:
    """Skip article requests for URLs the archive already holds, unless the run refreshes."""

    def __init__(self, archive: KnownArchive, stats: StatsCollector, *, refresh: bool, site: str = "") -> None:
        self.archive = archive
        self.stats = stats
        self.refresh = refresh
        self.site = site

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SeenUrlMiddleware:
        """Build from the crawl's settings; switched off when no archive is configured."""
        archive, site = required_archive(crawler.settings)
        refresh = crawler.settings.getbool(REFRESH_KEY)
        assert crawler.stats is not None
        return cls(archive, crawler.stats, refresh=refresh, site=site)

    def process_request(self, request: Request) -> None:
        """Raise ``KnownUrl`` (an ``IgnoreRequest``) for an archived article URL; let everything else through."""
        if self.refresh or request.meta.get("nh_kind") != "article":
            return
        archived = request.meta.get(ARCHIVED_META)
        if archived is None:  # not looked up by the spider: ask the archive
            archived = bool(self.archive.known_urls([request.url]))
        if archived:
            self.stats.inc_value(SKIPPED_STAT)
            self.archive.note_skipped(1)
            log.debug("already archived: %s", request.url, extra={"site": self.site, "run_id": self.archive.run_id})
            raise KnownUrl(f"already archived: {request.url}")
