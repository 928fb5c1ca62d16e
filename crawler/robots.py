"""robots.txt as Scrapy handles it, with an unreachable robots.txt logged as one line.

Scrapy logs a failed robots.txt download at ERROR with the whole traceback (two 40-line tracebacks per host for a
site that is down), before the crawl reports the same failure for every page. An unreachable robots.txt is an
expected network failure: one WARNING line, then the crawl goes on as Scrapy does (no robots.txt: all allowed).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest

__all__ = ["QuietRobotsTxtMiddleware"]

log = logging.getLogger(__name__)


def _not_download_error(record: logging.LogRecord) -> bool:
    """Drop Scrapy's "Error downloading <robots.txt>" record (with traceback); ``_robots_error`` logs one line."""
    return not str(record.msg).startswith("Error downloading")


class QuietRobotsTxtMiddleware(RobotsTxtMiddleware):
    """``RobotsTxtMiddleware`` whose download failures are one log line each."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        scrapy_logger = logging.getLogger("scrapy.downloadermiddlewares.robotstxt")
        if _not_download_error not in scrapy_logger.filters:
            scrapy_logger.addFilter(_not_download_error)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if not isinstance(exc, IgnoreRequest):
            from crawler.spiders.news import describe_failure

            _, message = describe_failure(exc)
            log.warning("robots.txt of %s unavailable (%s): crawling as if it allowed everything", netloc, message)
        super()._robots_error(exc, netloc)
