"""Scrapy settings: politeness defaults and component order; values come from ``pipeline.config.Settings``.

The module-level names are what ``scrapy crawl news -a site=NAME`` uses (``scrapy.cfg`` points here);
``scrapy_settings()`` maps our ``Settings`` onto the same names for ``crawler.runner``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from pipeline.config import Settings
from pipeline.sites import Site

__all__ = ["ARCHIVE_KEY", "PROGRESS_KEY", "REFRESH_KEY", "Shared", "archive_from", "scrapy_settings"]

T = TypeVar("T")

# Keys of our own values inside Scrapy's settings.
ARCHIVE_KEY = "NEWSHARVEST_ARCHIVE"
REFRESH_KEY = "NEWSHARVEST_REFRESH"
PROGRESS_KEY = "NEWSHARVEST_ON_PROGRESS"
# Settings keys of the backoff between retries (crawler.retry): first wait in seconds, and its cap.
BACKOFF_BASE_KEY = "NEWSHARVEST_RETRY_BACKOFF"
BACKOFF_MAX_KEY = "NEWSHARVEST_RETRY_BACKOFF_MAX"
# The longest Retry-After (seconds) a 429/503 answer gets honoured for.
RETRY_AFTER_MAX_KEY = "NEWSHARVEST_RETRY_AFTER_MAX"
# Redirects followed for one request; a longer chain (or a loop) is recorded as such.
REDIRECT_MAX_TIMES = 10
# The HTTP statuses worth a retry: server trouble, gateway timeouts, rate limiting.
RETRY_CODES = [500, 502, 503, 504, 522, 524, 408, 429]


class Shared(Generic[T]):
    """Holds an object inside Scrapy settings without being deep-copied (``Crawler`` deep-copies its settings)."""

    def __init__(self, value: T) -> None:
        self.value = value

    def __deepcopy__(self, memo: dict[int, Any]) -> Shared[T]:
        return self

    def __copy__(self) -> Shared[T]:
        return self

    def __repr__(self) -> str:
        return f"Shared({self.value!r})"


def archive_from(settings: Any, *, key: str = ARCHIVE_KEY) -> Any | None:
    """The object stored under ``key`` (the run's archive by default) in Scrapy settings, or None."""
    value = settings.get(key)
    return value.value if isinstance(value, Shared) else value


def required_archive(settings: Any) -> tuple[Any, str]:
    """The run's archive and its site name; ``NotConfigured`` switches a component off when there is none."""
    from scrapy.exceptions import NotConfigured

    archive = archive_from(settings)
    if archive is None:
        raise NotConfigured(f"no archive ({ARCHIVE_KEY}) configured")
    return archive, getattr(getattr(archive, "site", None), "name", "")


_DEFAULTS = Settings()

BOT_NAME = "newsharvest"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Politeness: obey robots.txt (our extension adds its Crawl-delay), identify ourselves, few requests per host.
ROBOTSTXT_OBEY = True
USER_AGENT = _DEFAULTS.user_agent
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = _DEFAULTS.concurrency_per_host
DOWNLOAD_DELAY = _DEFAULTS.download_delay
# ±50% around DOWNLOAD_DELAY (replaces RANDOMIZE_DOWNLOAD_DELAY, deprecated in Scrapy 2.19).
DOWNLOAD_DELAY_JITTER = 0.5
DOWNLOAD_TIMEOUT = _DEFAULTS.download_timeout
# Larger pages are cancelled mid-download; the errback records them as "too large".
DOWNLOAD_MAXSIZE = _DEFAULTS.max_page_bytes
DOWNLOAD_WARNSIZE = min(_DEFAULTS.max_page_bytes, 2 * 1024 * 1024)

# AutoThrottle through our subclass, which never goes below a host's robots.txt Crawl-delay.
AUTOTHROTTLE_ENABLED = True
# AutoThrottle starts at twice the minimum delay (2 s by default) and adapts from there to the host's latency.
START_DELAY_FACTOR = 2.0
AUTOTHROTTLE_START_DELAY = START_DELAY_FACTOR * _DEFAULTS.download_delay
AUTOTHROTTLE_MAX_DELAY = _DEFAULTS.autothrottle_max_delay
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Scrapy 2.19 retries immediately (no backoff setting); AutoThrottle slows the host down instead.
RETRY_ENABLED = True
RETRY_TIMES = _DEFAULTS.retry_times
RETRY_HTTP_CODES = RETRY_CODES

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
HTTPCACHE_ENABLED = False
LOG_LEVEL = "INFO"

DOWNLOADER_MIDDLEWARES = {
    # First of all: a redirect that leaves the site, loops or points into a private network is refused and recorded.
    "crawler.redirects.SiteRedirectMiddleware": 50,
    # Scrapy's robots.txt handling, with an unreachable robots.txt logged in one line instead of a traceback.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.QuietRobotsTxtMiddleware": 100,
    # After RobotsTxtMiddleware (100): a known URL is skipped before anything is downloaded for it.
    "crawler.middlewares.SeenUrlMiddleware": 120,
    # Feeds, sitemaps and listings carry the validators of the last successful run (robots.txt and articles do not).
    "crawler.conditional.ConditionalRequestMiddleware": 130,
    # Scrapy's retries, with exponential backoff between attempts.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.retry.BackoffRetryMiddleware": 550,
}
EXTENSIONS = {
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.extensions.CrawlDelayAutoThrottle": 0,
}
ITEM_PIPELINES = {"crawler.pipelines.ArchivePipeline": 300}


def scrapy_settings(
    settings: Settings, *, archive: object | None, refresh: bool = False, log_level: str = "WARNING",
    on_progress: Callable[[str, dict[str, int]], None] | None = None, site: Site | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Scrapy settings for one crawl from our ``Settings`` (the run's archive is shared, not copied); a ``site``'s own
    politeness keys (``concurrency_per_host``, ``download_delay``, ``autothrottle``) replace the global values."""
    if site is not None and site.concurrency_per_host is not None:
        settings = dataclasses.replace(settings, concurrency_per_host=site.concurrency_per_host)
    if site is not None and site.download_delay is not None:
        settings = dataclasses.replace(settings, download_delay=site.download_delay)
    autothrottle = site.autothrottle if site is not None and site.autothrottle is not None else True
    return {
        "BOT_NAME": BOT_NAME,
        "SPIDER_MODULES": SPIDER_MODULES,
        "ROBOTSTXT_OBEY": True,
        "USER_AGENT": settings.user_agent,
        "CONCURRENT_REQUESTS": CONCURRENT_REQUESTS,
        "CONCURRENT_REQUESTS_PER_DOMAIN": settings.concurrency_per_host,
        "DOWNLOAD_DELAY": settings.download_delay,
        "DOWNLOAD_DELAY_JITTER": DOWNLOAD_DELAY_JITTER,
        "DOWNLOAD_TIMEOUT": settings.download_timeout,
        "DOWNLOAD_MAXSIZE": settings.max_page_bytes,
        "DOWNLOAD_WARNSIZE": min(settings.max_page_bytes, DOWNLOAD_WARNSIZE),
        "AUTOTHROTTLE_ENABLED": autothrottle,
        "AUTOTHROTTLE_START_DELAY": START_DELAY_FACTOR * settings.download_delay,
        "AUTOTHROTTLE_MAX_DELAY": max(settings.autothrottle_max_delay, settings.download_delay),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": AUTOTHROTTLE_TARGET_CONCURRENCY,
        "RETRY_ENABLED": settings.retry_times > 0,
        "RETRY_TIMES": settings.retry_times,
        "RETRY_HTTP_CODES": list(RETRY_CODES),
        BACKOFF_BASE_KEY: settings.retry_backoff,
        RETRY_AFTER_MAX_KEY: settings.retry_after_max,
        "REDIRECT_MAX_TIMES": REDIRECT_MAX_TIMES,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        "LOG_LEVEL": log_level.upper(),
        "DOWNLOADER_MIDDLEWARES": dict(DOWNLOADER_MIDDLEWARES),
        "EXTENSIONS": dict(EXTENSIONS),
        "ITEM_PIPELINES": dict(ITEM_PIPELINES),
        ARCHIVE_KEY: Shared(archive) if archive is not None else None,
        REFRESH_KEY: refresh,
        PROGRESS_KEY: Shared(on_progress) if on_progress is not None else None,
    }
