"""Scrapy components built from a crawler: SeenUrlMiddleware, the Crawl-delay AutoThrottle, ArchivePipeline."""

from __future__ import annotations

import asyncio
import copy
import functools
from types import SimpleNamespace

import pytest
from scrapy import Request, Spider, signals
from scrapy.core.downloader import Downloader
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import HtmlResponse
from scrapy.robotstxt import ProtegoRobotParser
from scrapy.settings import Settings as ScrapySettings
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.extensions import CrawlDelayAutoThrottle
from crawler.middlewares import ARCHIVED_META, SKIPPED_STAT, KnownUrl, SeenUrlMiddleware
from crawler.pipelines import ArchivePipeline
from crawler.settings import ARCHIVE_KEY, Shared, archive_from, scrapy_settings
from pipeline.config import Settings
from pipeline.page import FetchedPage

pytestmark = pytest.mark.timeout(30)
HOST = "sonoivu.langson.gov.vn"
ARTICLE = f"https://{HOST}/vi/node/74804"


def crawler_with(archive, *, refresh=False, **overrides):
    settings = scrapy_settings(Settings(download_delay=1.0), archive=archive, refresh=refresh)
    settings.update(overrides)
    return get_crawler(Spider, settings_dict=settings)


# -- SeenUrlMiddleware -------------------------------------------------------------------------------------------


def test_known_article_is_ignored_and_counted(sites, make_archive):
    archive = make_archive(sites["sonoivu"], known={ARTICLE})
    crawler = crawler_with(archive)
    mw = build_from_crawler(SeenUrlMiddleware, crawler)
    with pytest.raises(KnownUrl) as caught:
        mw.process_request(Request(ARTICLE, meta={"nh_kind": "article"}))
    assert isinstance(caught.value, IgnoreRequest)
    assert crawler.stats.get_value(SKIPPED_STAT) == 1 and archive.skipped == 1


def test_what_the_spider_looked_up_is_not_asked_again(sites, make_archive):
    archive = make_archive(sites["sonoivu"], known={ARTICLE})
    crawler = crawler_with(archive)
    mw = build_from_crawler(SeenUrlMiddleware, crawler)
    with pytest.raises(KnownUrl):
        mw.process_request(Request(f"https://{HOST}/vi/node/2", meta={"nh_kind": "article", ARCHIVED_META: True}))
    assert mw.process_request(Request(ARTICLE, meta={"nh_kind": "article", ARCHIVED_META: False})) is None
    assert archive.asked == [] and archive.skipped == 1 and crawler.stats.get_value(SKIPPED_STAT) == 1


def test_new_articles_listings_and_refresh_pass(sites, make_archive):
    archive = make_archive(sites["sonoivu"], known={ARTICLE})
    mw = build_from_crawler(SeenUrlMiddleware, crawler_with(archive))
    assert mw.process_request(Request(f"https://{HOST}/vi/node/1", meta={"nh_kind": "article"})) is None
    assert mw.process_request(Request(ARTICLE, meta={"nh_kind": "listing"})) is None
    assert mw.process_request(Request(ARTICLE)) is None
    refreshing = build_from_crawler(SeenUrlMiddleware, crawler_with(archive, refresh=True))
    assert refreshing.process_request(Request(ARTICLE, meta={"nh_kind": "article"})) is None
    assert archive.skipped == 0


def test_middleware_and_pipeline_need_an_archive():
    crawler = crawler_with(None)
    with pytest.raises(NotConfigured):
        build_from_crawler(SeenUrlMiddleware, crawler)
    with pytest.raises(NotConfigured):
        build_from_crawler(ArchivePipeline, crawler)


def test_archive_survives_the_settings_deep_copy(sites, make_archive):
    archive = make_archive(sites["sonoivu"])
    settings = ScrapySettings(scrapy_settings(Settings(), archive=archive))
    assert archive_from(settings.copy()) is archive
    assert copy.deepcopy(Shared(archive)).value is archive
    assert settings.get(ARCHIVE_KEY).value is archive


def test_settings_map_ours_to_scrapys():
    ours = Settings(
        download_delay=2.5, download_timeout=12.0, max_page_bytes=1000, retry_times=0, concurrency_per_host=1, user_agent="ua/1"
    )
    mapped = scrapy_settings(ours, archive=None, log_level="info")
    assert mapped["DOWNLOAD_DELAY"] == 2.5 and mapped["DOWNLOAD_TIMEOUT"] == 12.0 and mapped["DOWNLOAD_MAXSIZE"] == 1000
    assert mapped["RETRY_ENABLED"] is False and mapped["CONCURRENT_REQUESTS_PER_DOMAIN"] == 1 and mapped["USER_AGENT"] == "ua/1"
    assert mapped["ROBOTSTXT_OBEY"] is True and mapped["COOKIES_ENABLED"] is False and mapped["LOG_LEVEL"] == "INFO"
    assert mapped["EXTENSIONS"]["scrapy.extensions.throttle.AutoThrottle"] is None
    assert "TWISTED_REACTOR" not in mapped


# -- ArchivePipeline ---------------------------------------------------------------------------------------------


def test_pipeline_ingests_and_reports_progress(sites, make_archive):
    from datetime import UTC, datetime

    archive = make_archive(sites["sonoivu"])
    seen = []
    settings = scrapy_settings(Settings(), archive=archive, on_progress=lambda site, counts: seen.append((site, counts["pages"])))
    pipeline = build_from_crawler(ArchivePipeline, get_crawler(Spider, settings_dict=settings))
    page = FetchedPage(
        site="sonoivu",
        url=ARTICLE,
        final_url=ARTICLE,
        status=200,
        headers={},
        body=b"",
        fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert asyncio.run(pipeline.process_item(page)) is page  # prepared at once: nothing to wait for
    assert archive.ingested == [page] and seen == [("sonoivu", 1)]
    assert asyncio.run(pipeline.process_item({"other": 1})) == {"other": 1}


# -- Crawl-delay AutoThrottle ------------------------------------------------------------------------------------


def in_loop(test):
    """Run the test body inside an asyncio loop: Scrapy's downloader starts its slot GC loop on the running loop."""

    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        async def body():
            return test(*args, **kwargs)

        return asyncio.run(body())

    return wrapper


NO_HANDLERS = {"DOWNLOAD_HANDLERS": {"http": None, "https": None}}  # nothing is downloaded here


def throttled(**overrides):
    crawler = crawler_with(None, AUTOTHROTTLE_START_DELAY=1.0, AUTOTHROTTLE_MAX_DELAY=60.0, **NO_HANDLERS, **overrides)
    crawler.engine = SimpleNamespace(downloader=Downloader(crawler))
    # get_crawler() already built the extensions from the EXTENSIONS setting: use that instance.
    (extension,) = [ext for ext in crawler.extensions.middlewares if isinstance(ext, CrawlDelayAutoThrottle)]
    spider = Spider("t")
    if extension.enabled:
        extension._spider_opened(spider)
    return crawler, extension, spider


def robots(crawler, text):
    return build_from_crawler(ProtegoRobotParser, crawler, text.encode())


def fast_response(key, url=ARTICLE):
    request = Request(url, meta={"download_slot": key, "download_latency": 0.05})
    return HtmlResponse(url=url, status=200, body=b"<html></html>", request=request), request


@in_loop
def test_robots_crawl_delay_raises_the_slot_and_autothrottle_never_lowers_it(caplog):
    crawler, _extension, spider = throttled()
    downloader = crawler.engine.downloader
    key, slot = downloader._get_slot(Request(ARTICLE))
    assert slot.delay == 1.0
    with caplog.at_level("INFO", logger="crawler.extensions"):
        crawler.signals.send_catch_log(
            signals.robots_parsed, robotparser=robots(crawler, "User-agent: *\nCrawl-delay: 10\n"), request=Request(ARTICLE)
        )
        crawler.signals.send_catch_log(
            signals.robots_parsed, robotparser=robots(crawler, "User-agent: *\nCrawl-delay: 10\n"), request=Request(ARTICLE)
        )
    assert slot.delay == 10.0
    assert [r.getMessage() for r in caplog.records].count(f"robots.txt Crawl-delay 10.0s applied to {HOST}") == 1
    for _ in range(5):
        response, request = fast_response(key)
        crawler.signals.send_catch_log(signals.response_downloaded, response=response, request=request, spider=spider)
    assert slot.delay == 10.0
    # An idle slot that Scrapy garbage-collects comes back with the floor.
    del downloader.slots[key]
    assert downloader._get_slot(Request(ARTICLE))[1].delay == 10.0
    downloader.close()


@in_loop
def test_stock_autothrottle_would_lower_the_delay():
    crawler = crawler_with(None, AUTOTHROTTLE_START_DELAY=10.0, DOWNLOAD_DELAY=1.0, EXTENSIONS={}, **NO_HANDLERS)
    crawler.engine = SimpleNamespace(downloader=Downloader(crawler))
    stock = build_from_crawler(AutoThrottle, crawler)
    stock._spider_opened(Spider("t"))
    key, slot = crawler.engine.downloader._get_slot(Request(ARTICLE))
    response, request = fast_response(key)
    stock._response_downloaded(response, request, Spider("t"))
    assert slot.delay < 10.0


@in_loop
def test_no_crawl_delay_leaves_autothrottle_alone():
    crawler, extension, _spider = throttled()
    _key, slot = crawler.engine.downloader._get_slot(Request(ARTICLE))
    crawler.signals.send_catch_log(
        signals.robots_parsed, robotparser=robots(crawler, "User-agent: *\nDisallow: /user/\n"), request=Request(ARTICLE)
    )
    assert extension.floors == {} and slot.delay == 1.0


@in_loop
def test_crawl_delay_applies_without_autothrottle():
    crawler, _extension, _ = throttled(AUTOTHROTTLE_ENABLED=False)
    crawler.signals.send_catch_log(
        signals.robots_parsed, robotparser=robots(crawler, "User-agent: *\nCrawl-delay: 3\n"), request=Request(ARTICLE)
    )
    assert crawler.engine.downloader._get_slot(Request(ARTICLE))[1].delay == 3.0


def test_retries_back_off_exponentially_and_replace_scrapys_middleware():
    from crawler.retry import backoff_delay

    assert [backoff_delay(n, 1.0, 60.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert backoff_delay(10, 1.0, 60.0) == 60.0 and backoff_delay(1, 0.0, 60.0) == 0.0
    built = scrapy_settings(Settings(retry_backoff=0.5, retry_times=3), archive=None)
    assert built["DOWNLOADER_MIDDLEWARES"]["scrapy.downloadermiddlewares.retry.RetryMiddleware"] is None
    assert "crawler.retry.BackoffRetryMiddleware" in built["DOWNLOADER_MIDDLEWARES"]
    assert built["NEWSHARVEST_RETRY_BACKOFF"] == 0.5 and built["RETRY_TIMES"] == 3
