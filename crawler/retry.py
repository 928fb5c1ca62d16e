"""Retries with exponential backoff: a server that answered 503 or timed out gets room to recover.

Scrapy's RetryMiddleware re-queues a failed request at once; this subclass waits ``base * 2**(n-1)`` seconds (capped)
before handing back the n-th retry. The wait is a Twisted timer, so other downloads go on meanwhile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

from crawler.settings import BACKOFF_BASE_KEY, BACKOFF_MAX_KEY

if TYPE_CHECKING:
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

__all__ = ["BACKOFF_BASE_KEY", "BACKOFF_MAX_KEY", "BackoffRetryMiddleware", "backoff_delay"]


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Seconds to wait before retry number ``attempt`` (1-based)."""
    return max(0.0, min(cap, base * 2.0 ** (attempt - 1)))


class BackoffRetryMiddleware(RetryMiddleware):
    """RetryMiddleware that waits with exponential backoff before each retry."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat(BACKOFF_BASE_KEY, 1.0)
        self.cap = settings.getfloat(BACKOFF_MAX_KEY, 60.0)

    async def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:  # type: ignore[override]
        """Scrapy's retry decision, then the backoff wait when it retries."""
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self._wait(result)
        return result

    async def process_exception(self, request: Request, exception: Exception, spider: Any = None) -> Request | Response | None:  # type: ignore[override]
        """Scrapy's retry decision for timeouts and connection errors, then the backoff wait."""
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._wait(result)
        return result

    async def _wait(self, retry: Request) -> None:
        delay = backoff_delay(int(retry.meta.get("retry_times", 1)), self.base, self.cap)
        if delay > 0:
            # Imported here: importing the reactor module installs a reactor, which Scrapy must choose first.
            from twisted.internet import reactor

            await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))
