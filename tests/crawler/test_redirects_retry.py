"""Redirects that leave the site, loop or reach a private address are refused; Retry-After is honoured."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from crawler.redirects import RedirectRefused, SiteRedirectMiddleware, is_non_public_host
from crawler.retry import BackoffRetryMiddleware, retry_after_seconds
from crawler.settings import scrapy_settings
from pipeline.config import Settings
from pipeline.sites import Site

pytestmark = pytest.mark.timeout(30)
SITE = Site(name="paper", base_url="https://baolangson.vn", start_urls=("/",), redirect_hosts=("www.baolangson.vn",))


def middleware(site: Site = SITE) -> SiteRedirectMiddleware:
    crawler = get_crawler(Spider)
    crawler.spider = SimpleNamespace(site=site)  # type: ignore[assignment]
    return SiteRedirectMiddleware(crawler)


def redirected(url: str, *chain: str) -> Request:
    return Request(url, meta={"redirect_urls": list(chain)})


def test_first_requests_and_redirects_within_the_site_pass() -> None:
    mw = middleware()
    assert mw.process_request(Request("https://other.example/x")) is None  # not a redirect: discovery decides
    assert mw.process_request(redirected("https://baolangson.vn/b", "https://baolangson.vn/a")) is None
    assert mw.process_request(redirected("https://www.baolangson.vn/b", "https://baolangson.vn/a")) is None  # declared


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("https://elsewhere.example/a", "redirected off site to elsewhere.example"),
        ("http://169.254.169.254/latest/meta-data/", "private or local address"),
        ("http://10.0.0.1/admin", "private or local address"),
        ("http://localhost:8080/", "private or local address"),
        ("http://[::1]/", "private or local address"),
        ("ftp://baolangson.vn/file", "non-HTTP"),
        ("https://baolangson.vn/a", "redirect loop: https://baolangson.vn/a → https://baolangson.vn/b → https://baolangson.vn/a"),
    ],
)
def test_refused_redirects_say_why(target: str, reason: str) -> None:
    with pytest.raises(RedirectRefused, match=reason.replace("[", r"\[").replace(".", r"\.")):
        middleware().process_request(redirected(target, "https://baolangson.vn/a", "https://baolangson.vn/b"))


def test_a_site_on_a_local_address_may_redirect_within_it() -> None:
    local = dataclasses.replace(SITE, base_url="http://127.0.0.1:8000", redirect_hosts=())
    mw = middleware(local)
    assert mw.process_request(redirected("http://127.0.0.1:8000/b", "http://127.0.0.1:8000/a")) is None
    with pytest.raises(RedirectRefused, match="off site"):
        mw.process_request(redirected("http://127.0.0.2:8000/b", "http://127.0.0.1:8000/a"))


def test_non_public_hosts() -> None:
    assert all(map(is_non_public_host, ["http://127.0.0.1/", "http://192.168.1.5/", "http://a.localhost/", "http:///x"]))
    assert not any(map(is_non_public_host, ["https://baolangson.vn/", "http://8.8.8.8/", "https://[2001:4860::8888]/"]))


def test_retry_after_seconds() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert retry_after_seconds(b"7") == 7.0
    assert retry_after_seconds("Thu, 01 Jan 2026 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Thu, 01 Jan 2026 11:00:00 GMT", now=now) == 0.0  # in the past: no wait
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def _retry_wait(status: int, retry_after: str, cap: float) -> float:
    settings = scrapy_settings(Settings(retry_backoff=0.0, retry_after_max=cap), archive=None)
    crawler = get_crawler(Spider, settings_dict=settings)
    crawler.spider = Spider.from_crawler(crawler, "test")
    mw = BackoffRetryMiddleware.from_crawler(crawler)
    request = Request("https://baolangson.vn/a")
    response = Response(request.url, status=status, headers={"Retry-After": retry_after}, request=request)
    waited: list[float] = []

    async def wait(retry: Request, *, at_least: float = 0.0) -> None:
        waited.append(at_least)

    mw._wait = wait  # type: ignore[method-assign]
    result = asyncio.run(mw.process_response(request, response))
    assert isinstance(result, Request)
    return waited[0]


def test_retry_after_is_honoured_on_429_and_503_up_to_the_cap() -> None:
    assert _retry_wait(429, "3", cap=120) == 3.0
    assert _retry_wait(503, "600", cap=120) == 120.0
    assert _retry_wait(500, "30", cap=120) == 0.0  # a 500's Retry-After asks nothing of us
