"""Downloader middleware: feeds, sitemaps and listing pages are requested conditionally (ETag / Last-Modified).

A request whose ``nh_kind`` is ``feed``, ``sitemap`` or ``listing`` gets ``If-None-Match`` and ``If-Modified-Since``
from the validators the archive stored for its canonical URL, so an unchanged page costs a 304 and no article
fetch. Articles and robots.txt are never made conditional, and a ``--refresh`` run sends no validators at all.

Which validators are stored, and when, is the spider's and the archive's business (``NewsSpider.closed``,
``Archive.remember_validators``): only once the articles a page led to are in the archive, and only for a run that
succeeded, so a crawl killed half-way never turns a page with unfetched news into a 304.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from crawler.settings import REFRESH_KEY, required_archive

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

__all__ = [
    "CONDITIONAL_KINDS",
    "CONDITIONAL_STAT",
    "NOT_MODIFIED_STAT",
    "ConditionalRequestMiddleware",
    "ValidatorArchive",
    "sent_validators",
    "validators_of",
]

log = logging.getLogger(__name__)
# The request kinds (``meta["nh_kind"]``) that are worth a conditional request.
CONDITIONAL_KINDS = frozenset({"feed", "sitemap", "listing"})
CONDITIONAL_STAT = "newsharvest/conditional_requests"
NOT_MODIFIED_STAT = "newsharvest/not_modified"
_CONDITIONAL_HEADERS = (b"If-None-Match", b"If-Modified-Since")


class ValidatorArchive(Protocol):
    """The part of ``pipeline.archive.run.Archive`` this middleware uses."""

    run_id: int

    def validators(self, url: str) -> tuple[str | None, str | None] | None: ...


def _header(headers: object, name: bytes) -> str | None:
    value = headers.get(name)  # type: ignore[attr-defined]  # scrapy.http.Headers: bytes values
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return text.strip() or None


def validators_of(response: Response) -> tuple[str | None, str | None]:
    """The ``ETag`` and ``Last-Modified`` a response carries (None where absent)."""
    return _header(response.headers, b"ETag"), _header(response.headers, b"Last-Modified")


def sent_validators(request: Request) -> tuple[str | None, str | None]:
    """The ``If-None-Match`` and ``If-Modified-Since`` a request carries (None where absent)."""
    return _header(request.headers, b"If-None-Match"), _header(request.headers, b"If-Modified-Since")


class ConditionalRequestMiddleware:
    """Add the stored validators to feed, sitemap and listing requests, unless the run refreshes."""

    def __init__(self, archive: ValidatorArchive, stats: StatsCollector, *, refresh: bool, site: str = "") -> None:
        self.archive = archive
        self.stats = stats
        self.refresh = refresh
        self.site = site

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        """Build from the crawl's settings; switched off when no archive is configured."""
        archive, site = required_archive(crawler.settings)
        assert crawler.stats is not None
        return cls(archive, crawler.stats, refresh=crawler.settings.getbool(REFRESH_KEY), site=site)

    def process_request(self, request: Request) -> None:
        """Set ``If-None-Match`` / ``If-Modified-Since`` on a feed, sitemap or listing request from its URL's validators."""
        if request.meta.get("nh_kind") not in CONDITIONAL_KINDS:
            return
        # A redirected or retried copy carries the headers of the request it came from: they name another URL's state.
        for name in _CONDITIONAL_HEADERS:
            request.headers.pop(name, None)
        if self.refresh:
            return
        stored = self.archive.validators(request.url)
        if stored is None or stored == (None, None):
            return
        etag, last_modified = stored
        if etag:
            request.headers[b"If-None-Match"] = etag
        if last_modified:
            request.headers[b"If-Modified-Since"] = last_modified
        self.stats.inc_value(CONDITIONAL_STAT)
        log.debug("conditional request for %s", request.url, extra={"site": self.site, "run_id": self.archive.run_id})
