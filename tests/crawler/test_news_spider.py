"""NewsSpider callbacks without a server: responses built by hand, a fake archive, a fixed clock."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime

import pytest
from scrapy.exceptions import DownloadCancelledError, DownloadConnectionRefusedError, DownloadTimeoutError, IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawler.middlewares import KnownUrl
from crawler.redirects import RedirectRefused
from crawler.settings import scrapy_settings
from crawler.spiders.news import NewsSpider, describe_failure
from pipeline.config import Settings
from pipeline.document import PageHints
from pipeline.page import FetchedPage

pytestmark = pytest.mark.timeout(30)
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
OLD = "https://old.baolangson.vn"
ART1 = f"{OLD}/chinh-tri/xay-dung-dang/310783-hoi-nghi-ban-chap-hanh-dang-bo-tinh.html"
ART2 = f"{OLD}/chinh-tri/146052-ky-niem-ngay-15-7-2013-tai-lang-son.html"
ART3 = f"{OLD}/chinh-tri/146050-tiep-xuc-cu-tri.html"


def make_spider(site, archive=None, *, refresh=False, **kwargs):
    crawler = get_crawler(NewsSpider, settings_dict=scrapy_settings(Settings(), archive=archive, refresh=refresh))
    spider = NewsSpider.from_crawler(crawler, site=site, **kwargs)
    spider.clock = lambda: NOW
    return spider


def listing_response(url, body, kind="listing"):
    return HtmlResponse(url=url, body=body, encoding="utf-8", request=Request(url, meta={"nh_kind": kind}))


def requests_of(results):
    return [r for r in results if isinstance(r, Request)]


def start_requests(spider):
    async def collect():
        return [request async for request in spider.start()]

    return asyncio.run(collect())


def test_start_yields_feeds_sitemaps_and_start_pages(sites):
    site = dataclasses.replace(sites["vanphong"], sitemaps=("/sitemap.xml",))
    spider = make_spider(site)
    requests = start_requests(spider)
    assert [(r.url, r.meta["nh_kind"]) for r in requests] == [
        ("https://vanphong.langson.gov.vn/rss.xml", "feed"),
        ("https://vanphong.langson.gov.vn/sitemap.xml", "sitemap"),
        ("https://vanphong.langson.gov.vn/vi/tin-tuc-su-kien", "listing"),
    ]
    assert all(r.errback == spider.discovery_failed for r in requests)


def test_site_by_name_from_the_command_line():
    spider = NewsSpider(site="sonoivu", max_articles="5")
    assert spider.site.name == "sonoivu" and spider.max_articles == 5
    with pytest.raises(ValueError, match="unknown site"):
        NewsSpider(site="nowhere")


def test_listing_with_new_articles_follows_pager(sites, data, make_archive):
    site = sites["baolangson_old"]
    archive = make_archive(site, known={ART1})
    spider = make_spider(site, archive)
    results = list(
        spider.parse_listing(listing_response(f"{OLD}/chinh-tri", (data / "old_baolangson_listing.html").read_bytes()))
    )
    articles = [r for r in requests_of(results) if r.meta["nh_kind"] == "article"]
    listings = [r.url for r in requests_of(results) if r.meta["nh_kind"] == "listing"]
    assert [r.url for r in articles] == [ART1, ART2, ART3]  # the known one too: SeenUrlMiddleware skips and counts it
    assert articles[0].meta["nh_hints"] == PageHints(
        published="08:54 | 16/07/2013", title="Hội nghị Ban Chấp hành Đảng bộ tỉnh", source="listing"
    )
    assert articles[0].errback == spider.article_failed
    assert f"{OLD}/chinh-tri/trang-2" in listings and f"{OLD}/chinh-tri/trang-3" in listings
    assert spider.new_articles == 2


def test_listing_with_nothing_new_stops_paging(sites, data, make_archive):
    site = sites["baolangson_old"]
    archive = make_archive(site, known={ART1, ART2, ART3})
    spider = make_spider(site, archive)
    results = list(
        spider.parse_listing(listing_response(f"{OLD}/chinh-tri/trang-2", (data / "old_baolangson_listing.html").read_bytes()))
    )
    assert [r.meta["nh_kind"] for r in requests_of(results)] == ["article"] * 3
    assert archive.asked  # the archive was asked once for the page's article links


def test_refresh_pages_on_even_when_everything_is_known(sites, data, make_archive):
    site = sites["baolangson_old"]
    archive = make_archive(site, known={ART1, ART2, ART3}, refresh=True)
    spider = make_spider(site, archive, refresh=True)
    results = list(
        spider.parse_listing(listing_response(f"{OLD}/chinh-tri", (data / "old_baolangson_listing.html").read_bytes()))
    )
    assert any(r.meta["nh_kind"] == "listing" for r in requests_of(results))


def test_listing_page_limit(sites, data):
    site = dataclasses.replace(sites["baolangson_old"], start_urls=("/chinh-tri",), max_listing_pages=2)
    spider = make_spider(site)
    assert len(start_requests(spider)) == 1
    results = list(
        spider.parse_listing(listing_response(f"{OLD}/chinh-tri", (data / "old_baolangson_listing.html").read_bytes()))
    )
    listings = [r.url for r in requests_of(results) if r.meta["nh_kind"] == "listing"]
    assert listings == [f"{OLD}/kinh-te"]  # start page + 1 = the limit of 2


def test_max_articles_counts_new_articles_only(sites, data, make_archive):
    site = sites["baolangson_old"]
    archive = make_archive(site, known={ART1})
    spider = make_spider(site, archive, max_articles=1)
    results = list(
        spider.parse_listing(listing_response(f"{OLD}/chinh-tri", (data / "old_baolangson_listing.html").read_bytes()))
    )
    assert [r.url for r in requests_of(results)] == [ART1, ART2]  # known ART1 is not counted; no paging once full
    more = list(spider.parse_listing(listing_response(f"{OLD}/kinh-te", (data / "old_baolangson_listing.html").read_bytes())))
    assert more == []


def test_feed_keeps_own_article_urls_only(sites, data, make_archive):
    site = sites["sonoivu"]
    spider = make_spider(site, make_archive(site))
    url = "https://sonoivu.langson.gov.vn/rss.xml"
    response = TextResponse(url=url, body=(data / "drupal_rss.xml").read_bytes(), request=Request(url, meta={"nh_kind": "feed"}))
    requests = list(spider.parse_feed(response))
    assert [r.url for r in requests] == [
        "https://sonoivu.langson.gov.vn/vi/hoi-nghi-tong-ket-cong-tac-thi-dua-khen-thuong-nam-2020",
        "https://sonoivu.langson.gov.vn/vi/node/74790",
    ]
    assert requests[0].meta["nh_hints"].published == "Mon, 21 Dec 2020 09:15:00 +0000"


def test_broken_feed_is_recorded(sites, make_archive):
    site = sites["sonoivu"]
    archive = make_archive(site)
    spider = make_spider(site, archive)
    url = "https://sonoivu.langson.gov.vn/rss.xml"
    assert (
        list(spider.parse_feed(HtmlResponse(url=url, body="<html><p>Trang chủ</p></html>".encode(), request=Request(url)))) == []
    )
    assert archive.errors[0]["kind"] == "feed" and archive.errors[0]["status"] == 200


def test_sitemap_index_follows_own_children_and_sitemap_articles(sites, data):
    site = dataclasses.replace(sites["vanphong"], sitemaps=("/sitemap.xml",))
    spider = make_spider(site)
    url = "https://vanphong.langson.gov.vn/sitemap.xml"
    index = list(spider.parse_sitemap(Response(url=url, body=(data / "sitemap_index.xml").read_bytes(), request=Request(url))))
    assert [(r.url, r.meta["nh_kind"]) for r in index] == [
        ("https://vanphong.langson.gov.vn/sitemap.xml?page=1", "sitemap"),
        ("https://vanphong.langson.gov.vn/sitemap.xml?page=2", "sitemap"),
    ]
    pages = list(spider.parse_sitemap(Response(url=url, body=(data / "sitemap.xml").read_bytes(), request=Request(url))))
    assert [r.url for r in pages] == [
        "https://vanphong.langson.gov.vn/vi/node/74804",
        "https://vanphong.langson.gov.vn/vi/uy-ban-nhan-dan-tinh-hop-phien-thuong-ky-thang-5",
    ]  # the listing page in the sitemap is not an article


HINTS = PageHints(title="T", source="listing")


def article_request(url, hints=HINTS):
    return Request(url, meta={"nh_kind": "article", "nh_url": url, "nh_hints": hints, "download_timeout": 30.0})


def test_article_response_becomes_fetched_page(sites):
    spider = make_spider(sites["baolangson_old"])
    request = article_request(ART1)
    response = HtmlResponse(
        url=ART1 + "?utm=x", status=200, body="<html>Lạng Sơn</html>".encode(),
        headers={"Content-Type": "text/html; charset=utf-8", "Set-Cookie": ["a=1", "b=2"]}, request=request,
    )  # fmt: skip
    (page,) = spider.parse_article(response)
    assert page == FetchedPage(
        site="baolangson_old", url=ART1, final_url=response.url, status=200,
        headers={"Content-Type": "text/html; charset=utf-8", "Set-Cookie": "a=1"}, body=response.body, fetched_at=NOW,
        hints=PageHints(title="T", source="listing"), error=None,
    )  # fmt: skip


def test_http_error_and_pdf_become_fetched_pages(sites):
    spider = make_spider(sites["baolangson_old"])
    (missing,) = spider.parse_article(HtmlResponse(url=ART1, status=404, body=b"<html>404</html>", request=article_request(ART1)))
    assert (missing.status, missing.error) == (404, "HTTP 404")
    pdf = Response(
        url=ART2, status=200, body=b"%PDF-1.4", headers={"Content-Type": "application/pdf"}, request=article_request(ART2)
    )
    (page,) = spider.parse_article(pdf)
    assert page.error is None and page.body == b"%PDF-1.4" and page.content_type == "application/pdf"


def failure_for(exc, request):
    failure = Failure(exc)
    failure.request = request
    return failure


@pytest.mark.parametrize(
    ("exc", "status", "message"),
    [
        (DownloadTimeoutError("Getting x took longer than 30.0 seconds."), None, "timeout after 30s"),
        (DownloadConnectionRefusedError(), None, "connection refused"),
        (
            DownloadCancelledError("Received 9000000 bytes which is larger than download max size (8388608)"),
            None,
            "too large: the page exceeded the download size limit (8,388,608 bytes, NEWSHARVEST_MAX_PAGE_BYTES)",
        ),
        # the body grew past the limit: Scrapy cancels the download without a message
        (
            DownloadCancelledError(),
            None,
            "too large: the page exceeded the download size limit (8,388,608 bytes, NEWSHARVEST_MAX_PAGE_BYTES)",
        ),
        (IgnoreRequest("max redirections reached"), None, "too many redirects: the chain is longer than the redirect limit"),
        (RedirectRefused("redirect loop: a → b → a"), None, "redirect loop: a → b → a"),
        (IgnoreRequest("Forbidden by robots.txt"), None, "forbidden by robots.txt"),
    ],
)
def test_errback_records_network_failures(sites, exc, status, message):
    spider = make_spider(sites["baolangson_old"])
    (page,) = spider.article_failed(failure_for(exc, article_request(ART1)))
    assert (page.url, page.final_url, page.status, page.error, page.body) == (ART1, ART1, status, message, b"")
    assert page.hints.title == "T" and page.fetched_at == NOW


def test_errback_ignores_known_urls_and_unwraps_http_errors(sites):
    spider = make_spider(sites["baolangson_old"])
    assert list(spider.article_failed(failure_for(KnownUrl("already archived"), article_request(ART1)))) == []
    response = HtmlResponse(url=ART1, status=301, body=b"", request=article_request(ART1))
    (page,) = spider.article_failed(failure_for(HttpError(response, "Ignoring non-200 response"), article_request(ART1)))
    assert (page.status, page.error) == (301, None)


def test_discovery_failures_are_recorded_and_crawl_goes_on(sites, make_archive):
    site = sites["baolangson_old"]
    archive = make_archive(site)
    spider = make_spider(site, archive)
    url = f"{OLD}/chinh-tri"
    response = HtmlResponse(url=url, status=503, body=b"busy", request=Request(url, meta={"nh_kind": "listing"}))
    spider.discovery_failed(failure_for(HttpError(response, "Ignoring non-200 response"), response.request))
    spider.discovery_failed(failure_for(DownloadTimeoutError(), Request(f"{OLD}/sitemap.xml", meta={"nh_kind": "sitemap"})))
    spider.discovery_failed(failure_for(IgnoreRequest("Forbidden by robots.txt"), Request(f"{OLD}/chinh-tri/trang-3")))
    assert archive.errors == [
        {"url": url, "message": "HTTP 503", "status": 503, "kind": "listing"},
        {"url": f"{OLD}/sitemap.xml", "message": "timeout after 30s", "status": None, "kind": "sitemap"},
    ]


def test_describe_unknown_failure():
    assert describe_failure(RuntimeError("boom")) == (None, "RuntimeError: boom")


def test_best_listing_hint_wins_when_an_article_is_found_twice(sites, make_archive):
    site = sites["baolangson_old"].with_base_url("http://paper.test")
    spider = make_spider(site, make_archive(site))
    url = "http://paper.test/kinh-te/299215-xuat-nhap-khau.html"
    home = f'<ul><li><a href="{url}">Xuất nhập khẩu</a><p>LSO-Ngày 15/7/2020, hoạt động…</p></li><li><a href="/x/1-a.html">A</a></li></ul>'
    category = (
        f'<ul><li class="item"><a class="thumb" href="{url}"><img src="a.jpg"></a><h3><a href="{url}">Xuất nhập khẩu</a></h3>'
        '<div class="date-time">08:54 | 16/07/2020</div><div class="sapo">LSO-Ngày 15/7/2020, hoạt động…</div></li>'
        '<li><a href="/x/2-b.html">B</a></li></ul>'
    )
    first = requests_of(spider.parse_listing(listing_response("http://paper.test/", home)))
    requests_of(spider.parse_listing(listing_response("http://paper.test/kinh-te", category)))
    article_request = next(r for r in first if r.url == url)
    assert article_request.meta["nh_hints"].published == "15/7/2020"  # the home page only quotes the lead
    page = next(spider.parse_article(HtmlResponse(url=url, body=b"<html></html>", request=article_request)))
    assert page.hints.published == "08:54 | 16/07/2020"  # the category listing's own timestamp wins


def test_overlong_article_link_is_recorded_not_dropped(sites):
    site = sites["baolangson_old"]
    spider = make_spider(site)
    long_url = ART1.replace(".html", "-" + "x" * 2100 + ".html")
    html = f'<html><body><a href="{long_url}">Hội nghị Ban Chấp hành</a><a href="{ART1}">Tin khác</a></body></html>'
    results = list(spider.parse_listing(listing_response(f"{OLD}/chinh-tri", html.encode())))
    (refused,) = [r for r in results if isinstance(r, FetchedPage)]
    assert refused.error.startswith("link too long (2,1") and "not fetched" in refused.error
    assert refused.url.startswith(long_url[:1900]) and len(refused.url) <= 2048 and refused.body == b""
    assert [r.url for r in requests_of(results) if r.meta["nh_kind"] == "article"] == [ART1]


def test_article_requests_bypass_the_dupefilter_so_redirect_loops_surface(sites):
    spider = make_spider(sites["baolangson_old"])
    html = f'<html><body><a href="{ART1}">Hội nghị</a></body></html>'
    (request,) = [r for r in requests_of(spider.parse_listing(listing_response(f"{OLD}/chinh-tri", html.encode())))
                  if r.meta["nh_kind"] == "article"]  # fmt: skip
    assert request.dont_filter  # a loop back to it then ends in the redirect middleware, with a reason
