"""A failed request, said in words an operator understands (stored as ``pages.error`` and logged in one line)."""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import defer
from twisted.internet import error as twisted_error
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from crawler.redirects import RedirectRefused

__all__ = ["describe_failure"]

_TIMEOUTS = (DownloadTimeoutError, twisted_error.TimeoutError, twisted_error.TCPTimedOutError)
_CONNECTION_LOST = (twisted_error.ConnectionLost, twisted_error.ConnectionDone, ResponseFailed, ResponseNeverReceived)


def describe_failure(
    exc: BaseException, *, timeout: float | None = None, max_bytes: int | None = None
) -> tuple[int | None, str]:
    """HTTP status (if a response arrived) and a short message for a failed request.

    ``timeout`` and ``max_bytes`` are the limits the request ran under, named in the message when one was hit.
    """
    if isinstance(exc, HttpError):
        return exc.response.status, f"HTTP {exc.response.status}"
    if isinstance(exc, _TIMEOUTS):
        return None, f"timeout after {timeout:g}s" if timeout else "timeout"
    if isinstance(exc, DownloadConnectionRefusedError | twisted_error.ConnectionRefusedError):
        return None, "connection refused"
    if isinstance(exc, CannotResolveHostError | twisted_error.DNSLookupError):
        return None, "DNS lookup failed"
    if isinstance(exc, DownloadCancelledError | defer.CancelledError):
        # Scrapy cancels a download at the size limit (with a message when Content-Length announced it, without
        # one when the body grew past it); nothing else cancels our downloads.
        limit = f" ({max_bytes:,} bytes, NEWSHARVEST_MAX_PAGE_BYTES)" if max_bytes else ""
        return None, f"too large: the page exceeded the download size limit{limit}"
    if isinstance(exc, ResponseDataLossError):
        return None, "incomplete response: the connection closed before the announced length arrived"
    if isinstance(exc, RedirectRefused):
        return None, str(exc)
    if isinstance(exc, IgnoreRequest) and "DOWNLOAD_MAXSIZE" in str(exc):  # a compressed body inflating past it
        limit = f" ({max_bytes:,} bytes, NEWSHARVEST_MAX_PAGE_BYTES)" if max_bytes else ""
        return None, f"too large: the page inflates beyond the download size limit{limit} (a gzip bomb?)"
    if isinstance(exc, IgnoreRequest) and "robots.txt" in str(exc):
        return None, "forbidden by robots.txt"
    if isinstance(exc, IgnoreRequest) and "max redirections" in str(exc):
        return None, "too many redirects: the chain is longer than the redirect limit"
    if isinstance(exc, _CONNECTION_LOST):
        return None, "connection lost: the server closed or reset it before the answer was complete"
    if isinstance(exc, twisted_error.ConnectError):
        return None, f"connection failed: {exc}"
    return None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
