"""``NewsSpider``: one generic spider driven by a ``Site``: feeds, sitemaps and listing pages → ``FetchedPage`` items.

Discovery stays on the site's host and follows only article and listing URLs. A listing page leads to further
listing pages only when it showed at least one article the archive does not have yet: that is how an incremental
crawl stops at the first page of already archived news. Every article URL ends as one ``FetchedPage``, fetched or
failed, so the pipeline records each failure against its URL; failed feeds, sitemaps and listings go to
``archive.record_error``.

Feeds, sitemaps and listings are requested conditionally (``crawler.conditional``): a 304 Not Modified is "nothing
new here", no links, no pagination, no error. The validators of a 200 (or 304) are handed to the archive when the
spider closes normally, and only for responses whose every new article was fetched or definitively refused: an
article that failed for a reason that may pass (a 5xx, a timeout) keeps its page unconditional for the next crawl,
and so does every page of a run that ``max_articles`` cut short. The archive writes them only if the run succeeds.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

import scrapy
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import defer

from crawler.conditional import NOT_MODIFIED_STAT, sent_validators, validators_of
from crawler.discovery import DiscoveredLink, links_from_feed, links_from_listing, links_from_sitemap
from crawler.failures import describe_failure
from crawler.middlewares import ARCHIVED_META, KnownUrl
from crawler.settings import REFRESH_KEY, archive_from
from pipeline.document import PageHints
from pipeline.errors import ContentError
from pipeline.page import FetchedPage
from pipeline.sites import Site

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure

__all__ = ["MAX_URL_CHARS", "NewsSpider", "describe_failure"]

log = logging.getLogger(__name__)
# Scheduling order: discovery documents first, then the articles they found, then deeper listing pages.
FEED_PRIORITY, ARTICLE_PRIORITY, LISTING_PRIORITY = 30, 20, 10
# Statuses an article callback receives itself (3xx stay with RedirectMiddleware: handle_httpstatus_all disables it).
ARTICLE_META = {"handle_httpstatus_list": list(range(400, 600))}
# Feeds, sitemaps and listings are conditional requests: their callbacks take a 304 Not Modified themselves.
DISCOVERY_META = {"handle_httpstatus_list": [304]}
KNOWN_URL_BATCH = 500
# Links longer than this are not followed (browsers' and Scrapy's URLLENGTH_LIMIT): recorded as refused instead.
MAX_URL_CHARS = 2083
# What of an overlong URL is stored (the URL columns hold 2048 characters).
_STORED_URL_CHARS = 2000


class SpiderArchive(Protocol):
    """The part of ``pipeline.archive.run.Archive`` the spider uses."""

    run_id: int

    def known_urls(self, urls: Iterable[str]) -> set[str]: ...

    def record_error(self, url: str, message: str, *, status: int | None = None, kind: str = "listing") -> None: ...

    def remember_validators(
        self, url: str, etag: str | None, last_modified: str | None, *, links: Iterable[str] = ()
    ) -> None: ...


def _load_site(name: str) -> Site:
    from pipeline.config import Settings
    from pipeline.sites import load_sites

    sites = load_sites(Settings.load().sites_files)
    if name not in sites:
        raise ValueError(f"unknown site {name!r}; known: {', '.join(sorted(sites))}")
    return sites[name]


class NewsSpider(scrapy.Spider):
    """Crawl one declared site: discover article URLs and yield one ``FetchedPage`` per article URL."""

    name = "news"

    def __init__(self, site: Site | str | None = None, max_articles: int | str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if site is None:
            raise ValueError("NewsSpider needs a site: -a site=NAME")
        self.site: Site = site if isinstance(site, Site) else _load_site(site)
        self.max_articles: int | None = int(max_articles) if max_articles not in (None, "") else None
        self.archive: SpiderArchive | None = None
        self.refresh = False
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.download_timeout_s: float | None = None
        self.max_bytes: int | None = None
        self.articles: set[str] = set()  # article URLs scheduled in this run
        self.new_articles = 0  # of those, not yet archived: what max_articles limits
        self.listings: set[str] = set()  # listing URLs scheduled in this run
        # The best hints seen for each article URL: a URL first found on the home page (no date) may later show up
        # on a category listing that gives its date; the request already scheduled must still get that date.
        self.hints: dict[str, PageHints] = {}
        # Conditional requests: the validators each feed, sitemap and listing URL answered with in this run, the new
        # article URLs each one led to, the article URLs worth another try next run, and whether max_articles left
        # anything unfetched. ``closed`` hands the validators of fully handled responses to the archive.
        self.seen_validators: dict[str, tuple[str | None, str | None]] = {}
        self.led_to: dict[str, set[str]] = {}
        self.retry_later: set[str] = set()
        self.truncated = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        """Build the spider and attach the run's archive from the crawl settings."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.archive = archive_from(crawler.settings)
        spider.refresh = crawler.settings.getbool(REFRESH_KEY)
        spider.download_timeout_s = crawler.settings.getfloat("DOWNLOAD_TIMEOUT")
        spider.max_bytes = crawler.settings.getint("DOWNLOAD_MAXSIZE") or None
        return spider

    @property
    def log_extra(self) -> dict[str, Any]:
        """Logging context of this crawl."""
        return {"site": self.site.name, "run_id": getattr(self.archive, "run_id", None)}

    async def start(self) -> AsyncIterator[Request]:
        """Every feed, sitemap and start page of the site."""
        for url in self.site.feeds:
            yield self._discovery_request(self.site.absolute(url), "feed")
        for url in self.site.sitemaps:
            yield self._discovery_request(self.site.absolute(url), "sitemap")
        for url in self.site.start_urls:
            request = self._listing_request(self.site.absolute(url))
            if request is not None:
                yield request

    # -- callbacks ---------------------------------------------------------------------------------------------

    def parse_feed(self, response: Response) -> Iterator[Request | FetchedPage]:
        """Article requests for the entries of a feed (none when it is not modified)."""
        if self._not_modified(response):
            return
        try:
            links = links_from_feed(response.body, response.url)
        except ContentError as exc:
            self._record_error(response.url, str(exc), status=response.status, kind="feed")
            return
        self._note_validators(response)
        yield from self._article_requests(links, source=response.url)

    def parse_sitemap(self, response: Response) -> Iterator[Request | FetchedPage]:
        """Article requests for a sitemap's pages; child sitemaps of an index are fetched in turn."""
        if self._not_modified(response):
            return
        try:
            links, children = links_from_sitemap(response.body, response.url)
        except ContentError as exc:
            self._record_error(response.url, str(exc), status=response.status, kind="sitemap")
            return
        if not children:
            # An index keeps no validators: its children can change while it stays the same, so it is always read.
            self._note_validators(response)
        for child in children:
            if self.site.is_own_url(child):
                yield self._discovery_request(child, "sitemap")
        yield from self._article_requests(links, source=response.url)

    def parse_listing(self, response: Response) -> Iterator[Request | FetchedPage]:
        """Article requests for a listing page; its pagination only when it showed something new (a 304 shows nothing)."""
        if self._not_modified(response):
            return
        if not isinstance(response, TextResponse):
            self._record_error(response.url, "listing page is not HTML", status=response.status, kind="listing")
            return
        found = links_from_listing(response.text, response.url, self.site)
        fresh = self._unknown([link.url for link in found.articles])
        self._note_validators(response)
        yield from self._article_requests(found.articles, fresh=fresh, source=response.url)
        if not fresh:
            log.info("nothing new on %s: not paging further", response.url, extra=self.log_extra)
            return
        if self._max_reached():
            if any(url not in self.listings for url in found.listings):
                self.truncated = True
            return
        for url in found.listings:
            request = self._listing_request(url)
            if request is not None:
                yield request

    def parse_article(self, response: Response) -> Iterator[FetchedPage]:
        """The fetched article (any status, any content type) as a ``FetchedPage``."""
        status = response.status
        if _worth_retrying(status):
            self.retry_later.add(response.meta.get("nh_url", response.url))
        yield FetchedPage(
            site=self.site.name,
            url=response.meta.get("nh_url", response.url),
            final_url=response.url,
            status=status,
            headers=_first_values(response),
            body=response.body,
            fetched_at=self.clock(),
            hints=self._hints_for(response.meta.get("nh_url", response.url), response.meta.get("nh_hints")),
            error=f"HTTP {status}" if status >= 400 else None,
        )

    def article_failed(self, failure: Failure) -> Iterator[FetchedPage]:
        """A failed article request as a ``FetchedPage`` carrying the error; archived URLs are just skipped."""
        exc = failure.value
        assert exc is not None
        if isinstance(exc, KnownUrl):
            return
        request: Request = failure.request  # type: ignore[attr-defined]  # set by Scrapy on errback failures
        if isinstance(exc, HttpError):
            yield from self.parse_article(exc.response)
            return
        status, message = describe_failure(
            exc, timeout=request.meta.get("download_timeout", self.download_timeout_s), max_bytes=self.max_bytes
        )
        url = request.meta.get("nh_url", request.url)
        if _failure_may_pass(exc):
            self.retry_later.add(url)
        yield FetchedPage(
            site=self.site.name, url=url, final_url=url, status=status, headers={}, body=b"", fetched_at=self.clock(),
            hints=self._hints_for(url, request.meta.get("nh_hints")), error=message,
        )  # fmt: skip

    def discovery_failed(self, failure: Failure) -> None:
        """Record a failed feed, sitemap or listing fetch; the crawl goes on."""
        request: Request = failure.request  # type: ignore[attr-defined]  # set by Scrapy on errback failures
        assert failure.value is not None
        status, message = describe_failure(
            failure.value, timeout=request.meta.get("download_timeout", self.download_timeout_s), max_bytes=self.max_bytes
        )
        if message == "forbidden by robots.txt":
            # The site asked us not to look there: a decision to respect, not a failure to record.
            log.info("%s %s: %s", request.meta.get("nh_kind", "listing"), request.url, message, extra=self.log_extra)
            return
        self._record_error(request.url, message, status=status, kind=request.meta.get("nh_kind", "listing"))

    def closed(self, reason: str) -> None:
        """Hand the validators of fully handled feeds, sitemaps and listings to the archive (stored if the run succeeds)."""
        if self.archive is None or not self.seen_validators:
            return
        if reason != "finished":
            log.info("crawl closed (%s): no HTTP validators kept", reason, extra=self.log_extra)
            return
        if self.truncated:
            log.info("max_articles (%s) left articles unfetched: no validators kept", self.max_articles, extra=self.log_extra)
            return
        for url, (etag, last_modified) in self.seen_validators.items():
            found = self.led_to.get(url, set())
            retry = found & self.retry_later
            if retry:
                log.info("%s: %d article(s) to try again next crawl, validators not kept", url, len(retry), extra=self.log_extra)
                continue
            self.archive.remember_validators(url, etag, last_modified, links=found)

    # -- requests ----------------------------------------------------------------------------------------------

    def _discovery_request(self, url: str, kind: str) -> Request:
        callback = self.parse_feed if kind == "feed" else self.parse_sitemap
        meta = {"nh_kind": kind, **DISCOVERY_META}
        return Request(url, callback=callback, errback=self.discovery_failed, meta=meta, priority=FEED_PRIORITY)

    def _listing_request(self, url: str) -> Request | None:
        if url in self.listings:
            return None
        if len(self.listings) >= self.site.max_listing_pages:
            log.info("listing page limit (%d) reached: not fetching %s", self.site.max_listing_pages, url, extra=self.log_extra)
            return None
        self.listings.add(url)
        meta = {"nh_kind": "listing", **DISCOVERY_META}
        return Request(url, callback=self.parse_listing, errback=self.discovery_failed, meta=meta, priority=LISTING_PRIORITY)

    def _article_requests(
        self, links: Iterable[DiscoveredLink], *, fresh: set[str] | None = None, source: str | None = None
    ) -> Iterator[Request | FetchedPage]:
        candidates = [link for link in links if self.site.is_own_url(link.url) and self.site.is_article_url(link.url)]
        if fresh is None:
            fresh = self._unknown([link.url for link in candidates])
        if source is not None:
            self.led_to.setdefault(source, set()).update(link.url for link in candidates if link.url in fresh)
        for index, link in enumerate(candidates):
            self._remember_hints(link)
            if link.url in self.articles:
                continue  # counted once; Scrapy's dupefilter drops the repeated request anyway
            if self._max_reached():
                log.info("max_articles (%d) reached: no more article requests", self.max_articles, extra=self.log_extra)
                rest = candidates[index:]
                self.truncated |= any(other.url in fresh and other.url not in self.articles for other in rest)
                return
            self.articles.add(link.url)
            self.new_articles += link.url in fresh
            if len(link.url) > MAX_URL_CHARS:
                reason = f"link too long ({len(link.url):,} characters, limit {MAX_URL_CHARS:,}): not fetched"
                yield self._refused_article(link, reason)
                continue
            # dont_filter: the spider requests each article URL once already (``self.articles``); Scrapy's
            # dupefilter would silently drop a redirect back to a URL of the chain, and the article with it.
            yield Request(
                link.url, callback=self.parse_article, errback=self.article_failed, priority=ARTICLE_PRIORITY,
                meta={
                    "nh_kind": "article", "nh_url": link.url, "nh_hints": link.hints, ARCHIVED_META: link.url not in fresh,
                    **ARTICLE_META,
                },
                dont_filter=True,
            )  # fmt: skip

    def _refused_article(self, link: DiscoveredLink, reason: str) -> FetchedPage:
        """An article link the crawl will not fetch, as a failed page (so it is recorded, not silently dropped)."""
        url = link.url if len(link.url) <= _STORED_URL_CHARS else link.url[:_STORED_URL_CHARS] + "…"
        log.warning("article %s: %s", url[:200], reason, extra=self.log_extra)
        return FetchedPage(
            site=self.site.name, url=url, final_url=url, status=None, headers={}, body=b"", fetched_at=self.clock(),
            hints=link.hints, error=reason,
        )  # fmt: skip

    # -- helpers -----------------------------------------------------------------------------------------------

    def _not_modified(self, response: Response) -> bool:
        """Whether ``response`` is a 304: counted, logged, its validators kept, and nothing else to do with it."""
        if response.status != 304:
            return False
        kind = response.meta.get("nh_kind", "listing")
        stats = getattr(getattr(self, "crawler", None), "stats", None)
        if stats is not None:
            stats.inc_value(NOT_MODIFIED_STAT)
            stats.inc_value(f"{NOT_MODIFIED_STAT}/{kind}")
        run_id = self.log_extra["run_id"]
        log.info("%s %s not modified (run %s): nothing new there", kind, response.url, run_id, extra=self.log_extra)
        self._note_validators(response)
        return True

    def _note_validators(self, response: Response) -> None:
        """Keep the validators ``response`` answered with (a 304 may omit them: those the request sent stand)."""
        etag, last_modified = validators_of(response)
        if response.status == 304 and etag is None and last_modified is None:
            etag, last_modified = sent_validators(response.request) if response.request is not None else (None, None)
        self.seen_validators[response.url] = (etag, last_modified)

    def _remember_hints(self, link: DiscoveredLink) -> None:
        current = self.hints.get(link.url)
        if current is None or _hint_rank(link.hints) > _hint_rank(current):
            self.hints[link.url] = link.hints

    def _hints_for(self, url: str, fallback: PageHints | None) -> PageHints:
        return self.hints.get(url) or fallback or PageHints()

    def _max_reached(self) -> bool:
        return self.max_articles is not None and self.new_articles >= self.max_articles

    def _unknown(self, urls: list[str]) -> set[str]:
        """The URLs the archive does not hold yet (all of them on a refresh run or without an archive)."""
        if self.refresh or self.archive is None:
            return set(urls)
        known: set[str] = set()
        for start in range(0, len(urls), KNOWN_URL_BATCH):
            known |= self.archive.known_urls(urls[start : start + KNOWN_URL_BATCH])
        return {url for url in urls if url not in known}

    def _record_error(self, url: str, message: str, *, status: int | None, kind: str) -> None:
        if self.archive is None:
            log.warning("%s %s: %s", kind, url, message, extra=self.log_extra)
            return
        self.archive.record_error(url, message, status=status, kind=kind)


def _worth_retrying(status: int) -> bool:
    """Whether an article answered with ``status`` may be fetched next time: server trouble, timeouts, rate limiting."""
    return status >= 500 or status in (408, 429)


def _failure_may_pass(exc: BaseException) -> bool:
    """Whether a failed article request (no response) may succeed next time, as opposed to a refusal of ours."""
    if isinstance(exc, IgnoreRequest):  # robots.txt, an archived URL, a refused redirect: decisions, not failures
        return False
    return not isinstance(exc, DownloadCancelledError | defer.CancelledError)  # the size limit: it stays too large


def _hint_rank(hints: PageHints) -> tuple[int, int, int]:
    """Order hints by usefulness: a date with a time of day, then any date, then a title."""
    published = hints.published or ""
    return (":" in published, bool(published), bool(hints.title))


def _first_values(response: Response) -> dict[str, str]:
    """Response headers as ``{name: first value}``."""
    headers: dict[str, str] = {}
    for name, values in response.headers.items():
        if values:
            headers[name.decode("latin-1")] = values[0].decode("latin-1")
    return headers
