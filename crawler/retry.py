"""Retries with exponential backoff: a server that answered 503 or timed out gets room to recover.

Scrapy's RetryMiddleware re-queues a failed request at once; this subclass waits ``base * 2**(n-1)`` seconds (capped)
before handing back the n-th retry — or, when a 429 or 503 answer says ``Retry-After`` (seconds or an HTTP date),
that long if it is longer, up to ``NEWSHARVEST_RETRY_AFTER_MAX``. The wait is a Twisted timer, so other downloads go
on meanwhile.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

from crawler.settings import BACKOFF_BASE_KEY, BACKOFF_MAX_KEY, RETRY_AFTER_MAX_KEY

if TYPE_CHECKING:
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

__all__ = ["BACKOFF_BASE_KEY", "BACKOFF_MAX_KEY", "BackoffRetryMiddleware", "backoff_delay", "retry_after_seconds"]

# Statuses whose Retry-After asks for a pause (RFC 9110 §10.2.3, RFC 6585 §4).
_RETRY_AFTER_STATUSES = frozenset({429, 503})


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Seconds to wait before retry number ``attempt`` (1-based)."""
    return max(0.0, min(cap, base * 2.0 ** (attempt - 1)))


def retry_after_seconds(value: bytes | str | None, *, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delta-seconds or an HTTP date), or None when absent or unreadable."""
    if value is None:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """RetryMiddleware that waits with exponential backoff before each retry."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat(BACKOFF_BASE_KEY, 1.0)
        self.cap = settings.getfloat(BACKOFF_MAX_KEY, 60.0)
        self.retry_after_cap = settings.getfloat(RETRY_AFTER_MAX_KEY, 120.0)

    async def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:  # type: ignore[override]
        """Scrapy's retry decision, then the backoff wait when it retries."""
        result = super().process_response(request, response)
        if isinstance(result, Request):
            asked = retry_after_seconds(response.headers.get("Retry-After")) if response.status in _RETRY_AFTER_STATUSES else None
            await self._wait(result, at_least=min(asked, self.retry_after_cap) if asked is not None else 0.0)
        return result

    async def process_exception(self, request: Request, exception: Exception, spider: Any = None) -> Request | Response | None:  # type: ignore[override]
        """Scrapy's retry decision for timeouts and connection errors, then the backoff wait."""
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._wait(result)
        return result

    async def _wait(self, retry: Request, *, at_least: float = 0.0) -> None:
        delay = max(at_least, backoff_delay(int(retry.meta.get("retry_times", 1)), self.base, self.cap))
        if delay > 0:
            # Imported here: importing the reactor module installs a reactor, which Scrapy must choose first.
            from twisted.internet import reactor

            await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))
