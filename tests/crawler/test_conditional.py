"""Conditional requests (issue 4, cheap re-crawls): ETag / Last-Modified for feeds, sitemaps and listing pages.

Unit tests of ``ConditionalRequestMiddleware``, of the spider's 304 handling and of which validators it hands over,
and of ``Archive`` keeping them for a succeeded run only; then end to end through the real command line against a
replica site served from a copy the test can change: a second crawl of the unchanged site is all 304s and no article,
a crawl killed after the changed listing came back stores nothing that would hide the new article, the next crawl
fetches that article and no archived one, and a run cut short by ``--max-articles`` keeps no validators.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from operator_cli import cli_env, run_cli
from scrapy import Request
from scrapy.exceptions import DownloadTimeoutError, IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse, Response
from scrapy.spidermiddlewares.httperror import HttpErrorMiddleware
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from sqlalchemy import func, select
from twisted.python.failure import Failure

from crawler.conditional import CONDITIONAL_STAT, NOT_MODIFIED_STAT, ConditionalRequestMiddleware
from crawler.settings import scrapy_settings
from crawler.spiders.news import NewsSpider
from newsharvest.replica.server import FAULT_PATHS, SITES_ROOT, ReplicaServer, request_kind
from pipeline.archive.run import open_run
from pipeline.config import Settings
from pipeline.page import FetchedPage, PageHints
from pipeline.sites import Site, load_sites
from storage.db import create_engine_for, session_factory
from storage.migrate import upgrade
from storage.models import CrawlRun, DocumentUrl, HttpValidator

OLD = "https://old.baolangson.vn"
ART1 = f"{OLD}/chinh-tri/xay-dung-dang/310783-hoi-nghi-ban-chap-hanh-dang-bo-tinh.html"
ART2 = f"{OLD}/chinh-tri/146052-ky-niem-ngay-15-7-2013-tai-lang-son.html"
ART3 = f"{OLD}/chinh-tri/146050-tiep-xuc-cu-tri.html"
ETAG = '"abc123"'
MODIFIED = "Mon, 23 Nov 2026 08:00:00 GMT"
FIXTURE_PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages" / "baolangson_old"


@dataclass
class ValidatorsArchive:
    """The fake archive of conftest, plus stored validators and what the spider handed over."""

    site: Site
    known: set[str] = field(default_factory=set)
    run_id: int = 7
    stored: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    remembered: dict[str, tuple[str | None, str | None, set[str]]] = field(default_factory=dict)
    errors: list[dict[str, object]] = field(default_factory=list)
    skipped: int = 0

    def known_urls(self, urls):
        return {url for url in urls if url in self.known}

    def record_error(self, url, message, *, status=None, kind="listing"):
        self.errors.append({"url": url, "message": message, "status": status, "kind": kind})

    def note_skipped(self, n=1):
        self.skipped += n

    def validators(self, url):
        return self.stored.get(url)

    def remember_validators(self, url, etag, last_modified, *, links=()):
        self.remembered[url] = (etag, last_modified, set(links))


def crawler_for(archive, *, refresh=False, spider=NewsSpider):
    return get_crawler(spider, settings_dict=scrapy_settings(Settings(), archive=archive, refresh=refresh))


def make_spider(site, archive, *, refresh=False, **kwargs):
    crawler = crawler_for(archive, refresh=refresh)
    spider = NewsSpider.from_crawler(crawler, site=site, **kwargs)
    spider.clock = lambda: datetime(2026, 1, 2, tzinfo=UTC)
    return spider


def listing_html(data: Path) -> bytes:
    return (data / "old_baolangson_listing.html").read_bytes()


def ok_response(url, body, kind="listing", headers=None):
    request = Request(url, meta={"nh_kind": kind})
    return HtmlResponse(url=url, body=body, encoding="utf-8", request=request, headers=headers or {})


def not_modified(url, kind="listing", *, sent=(ETAG, MODIFIED), headers=None):
    request_headers = {"If-None-Match": sent[0], "If-Modified-Since": sent[1]}
    request = Request(url, meta={"nh_kind": kind, "handle_httpstatus_list": [304]}, headers=request_headers)
    return Response(url=url, status=304, request=request, headers=headers or {})


# -- the middleware ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["feed", "sitemap", "listing"])
def test_stored_validators_make_discovery_requests_conditional(sites, kind):
    url = f"{OLD}/chinh-tri"
    archive = ValidatorsArchive(sites["baolangson_old"], stored={url: (ETAG, MODIFIED)})
    crawler = crawler_for(archive)
    mw = build_from_crawler(ConditionalRequestMiddleware, crawler)
    request = Request(url, meta={"nh_kind": kind})
    assert mw.process_request(request) is None
    assert request.headers[b"If-None-Match"] == ETAG.encode()
    assert request.headers[b"If-Modified-Since"] == MODIFIED.encode()
    assert crawler.stats.get_value(CONDITIONAL_STAT) == 1


def test_only_the_validators_stored_are_sent(sites):
    url = f"{OLD}/kinh-te"
    archive = ValidatorsArchive(sites["baolangson_old"], stored={url: (None, MODIFIED)})
    mw = build_from_crawler(ConditionalRequestMiddleware, crawler_for(archive))
    request = Request(url, meta={"nh_kind": "listing"})
    mw.process_request(request)
    assert b"If-None-Match" not in request.headers and request.headers[b"If-Modified-Since"] == MODIFIED.encode()
    unknown = Request(f"{OLD}/van-hoa", meta={"nh_kind": "listing"})
    mw.process_request(unknown)
    assert b"If-None-Match" not in unknown.headers and b"If-Modified-Since" not in unknown.headers


def test_articles_and_robots_txt_are_never_conditional(sites):
    archive = ValidatorsArchive(sites["baolangson_old"], stored={ART1: (ETAG, MODIFIED), f"{OLD}/robots.txt": (ETAG, MODIFIED)})
    crawler = crawler_for(archive)
    mw = build_from_crawler(ConditionalRequestMiddleware, crawler)
    article = Request(ART1, meta={"nh_kind": "article"})
    robots = Request(f"{OLD}/robots.txt", meta={"dont_obey_robotstxt": True})  # as RobotsTxtMiddleware builds it
    for request in (article, robots):
        mw.process_request(request)
        assert b"If-None-Match" not in request.headers and b"If-Modified-Since" not in request.headers
    assert crawler.stats.get_value(CONDITIONAL_STAT) is None


def test_refresh_sends_no_validators_and_a_copy_loses_those_of_another_url(sites):
    url = f"{OLD}/chinh-tri"
    archive = ValidatorsArchive(sites["baolangson_old"], stored={url: (ETAG, MODIFIED)})
    refreshing = build_from_crawler(ConditionalRequestMiddleware, crawler_for(archive, refresh=True))
    request = Request(url, meta={"nh_kind": "listing"})
    refreshing.process_request(request)
    assert b"If-None-Match" not in request.headers
    # A redirect or retry copies the request with its headers; they describe the URL it came from, not this one.
    mw = build_from_crawler(ConditionalRequestMiddleware, crawler_for(archive))
    redirected = Request(f"{OLD}/chinh-tri/", meta={"nh_kind": "listing"}, headers={"If-None-Match": '"other"'})
    mw.process_request(redirected)
    assert b"If-None-Match" not in redirected.headers


def test_middleware_is_registered_and_needs_an_archive():
    built = scrapy_settings(Settings(), archive=None)["DOWNLOADER_MIDDLEWARES"]
    assert built["crawler.conditional.ConditionalRequestMiddleware"] > built["crawler.middlewares.SeenUrlMiddleware"]
    with pytest.raises(NotConfigured):
        build_from_crawler(ConditionalRequestMiddleware, crawler_for(None))


# -- the spider --------------------------------------------------------------------------------------------------


def test_discovery_requests_take_304_themselves_and_articles_do_not(sites, data):
    site = sites["baolangson_old"]
    spider = make_spider(site, ValidatorsArchive(site))
    listing = spider._listing_request(f"{OLD}/chinh-tri")
    feed = spider._discovery_request(f"{OLD}/rss.xml", "feed")
    assert listing is not None and listing.meta["handle_httpstatus_list"] == [304] == feed.meta["handle_httpstatus_list"]
    response = not_modified(f"{OLD}/chinh-tri")
    HttpErrorMiddleware.from_crawler(spider.crawler).process_spider_input(response)  # does not raise HttpError
    articles = list(spider.parse_listing(ok_response(f"{OLD}/chinh-tri", listing_html(data))))
    assert all(304 not in r.meta["handle_httpstatus_list"] for r in articles if r.meta["nh_kind"] == "article")


@pytest.mark.parametrize(
    ("kind", "callback"), [("feed", "parse_feed"), ("sitemap", "parse_sitemap"), ("listing", "parse_listing")]
)
def test_304_is_nothing_new_counted_and_logged_with_the_run(sites, caplog, kind, callback):
    site = sites["baolangson_old"]
    archive = ValidatorsArchive(site)
    spider = make_spider(site, archive)
    url = f"{OLD}/chinh-tri"
    with caplog.at_level(logging.INFO, logger="crawler.spiders.news"):
        assert list(getattr(spider, callback)(not_modified(url, kind, headers={"ETag": '"new"'}))) == []
    assert archive.errors == []  # no error recorded, no pagination, no article
    stats = spider.crawler.stats
    assert stats.get_value(NOT_MODIFIED_STAT) == 1 and stats.get_value(f"{NOT_MODIFIED_STAT}/{kind}") == 1
    assert any(f"{url} not modified (run 7)" in r.getMessage() and r.run_id == 7 for r in caplog.records)
    assert spider.seen_validators[url] == ('"new"', None)  # what the 304 answered with


def test_a_304_without_validators_keeps_those_the_request_sent(sites):
    site = sites["baolangson_old"]
    spider = make_spider(site, ValidatorsArchive(site))
    list(spider.parse_listing(not_modified(f"{OLD}/kinh-te")))
    assert spider.seen_validators[f"{OLD}/kinh-te"] == (ETAG, MODIFIED)


def test_closed_hands_over_pages_whose_new_articles_were_dealt_with(sites, data):
    site = sites["baolangson_old"]
    archive = ValidatorsArchive(site, known={ART1})
    spider = make_spider(site, archive)
    headers = {"ETag": ETAG, "Last-Modified": MODIFIED}
    list(spider.parse_listing(ok_response(f"{OLD}/chinh-tri", listing_html(data), headers=headers)))
    list(spider.parse_listing(not_modified(f"{OLD}/kinh-te")))
    # ART2 stored, ART3 gone for good (404): the page is done with.
    list(spider.parse_article(HtmlResponse(ART2, body=b"<html></html>", request=Request(ART2, meta={"nh_url": ART2}))))
    list(spider.parse_article(HtmlResponse(ART3, status=404, body=b"", request=Request(ART3, meta={"nh_url": ART3}))))
    spider.closed("finished")
    assert archive.remembered == {
        f"{OLD}/chinh-tri": (ETAG, MODIFIED, {ART2, ART3}),  # the known ART1 was nothing new
        f"{OLD}/kinh-te": (ETAG, MODIFIED, set()),
    }


@pytest.mark.parametrize(
    "outcome",
    [
        lambda spider: spider.parse_article(
            HtmlResponse(ART3, status=503, body=b"", request=Request(ART3, meta={"nh_url": ART3}))
        ),
        lambda spider: spider.article_failed(_failure(DownloadTimeoutError("timed out"), ART3)),
    ],
    ids=["http-503", "timeout"],
)
def test_an_article_that_may_succeed_next_time_keeps_its_page_unconditional(sites, data, outcome):
    site = sites["baolangson_old"]
    archive = ValidatorsArchive(site)
    spider = make_spider(site, archive)
    list(spider.parse_listing(ok_response(f"{OLD}/chinh-tri", listing_html(data), headers={"ETag": ETAG})))
    list(spider.parse_listing(not_modified(f"{OLD}/kinh-te")))
    list(outcome(spider))
    spider.closed("finished")
    assert list(archive.remembered) == [f"{OLD}/kinh-te"]


def test_robots_refusal_is_a_decision_not_a_failure_to_retry(sites, data):
    site = sites["baolangson_old"]
    archive = ValidatorsArchive(site)
    spider = make_spider(site, archive)
    list(spider.parse_listing(ok_response(f"{OLD}/chinh-tri", listing_html(data), headers={"ETag": ETAG})))
    list(spider.article_failed(_failure(IgnoreRequest("Forbidden by robots.txt"), ART3)))
    spider.closed("finished")
    assert f"{OLD}/chinh-tri" in archive.remembered


def test_nothing_is_handed_over_after_a_shutdown_or_a_max_articles_cut(sites, data):
    site = sites["baolangson_old"]
    archive = ValidatorsArchive(site)
    interrupted = make_spider(site, archive)
    list(interrupted.parse_listing(ok_response(f"{OLD}/chinh-tri", listing_html(data), headers={"ETag": ETAG})))
    interrupted.closed("shutdown")
    assert archive.remembered == {}

    limited = make_spider(site, archive, max_articles=1)  # the page shows 3 new articles: 2 are left unfetched
    list(limited.parse_listing(ok_response(f"{OLD}/chinh-tri", listing_html(data), headers={"ETag": ETAG})))
    assert limited.truncated
    limited.closed("finished")
    assert archive.remembered == {}

    enough = make_spider(site, archive, max_articles=3)  # room for all three; only the pager was not followed
    list(enough.parse_listing(ok_response(f"{OLD}/chinh-tri", listing_html(data), headers={"ETag": ETAG})))
    assert enough.truncated  # its next pages may hold more new articles
    roomy = make_spider(site, archive, max_articles=10)
    list(roomy.parse_listing(ok_response(f"{OLD}/chinh-tri", listing_html(data), headers={"ETag": ETAG})))
    assert not roomy.truncated


def test_a_sitemap_index_keeps_no_validators(sites, data):
    site = dataclasses.replace(sites["vanphong"], sitemaps=("/sitemap.xml",))
    spider = make_spider(site, ValidatorsArchive(site))
    url = "https://vanphong.langson.gov.vn/sitemap.xml"
    index = Response(url=url, body=(data / "sitemap_index.xml").read_bytes(), headers={"ETag": ETAG},
                     request=Request(url, meta={"nh_kind": "sitemap"}))  # fmt: skip
    assert len(list(spider.parse_sitemap(index))) == 2
    assert url not in spider.seen_validators  # its children may change while it does not
    child = f"{url}?page=1"
    pages = Response(url=child, body=(data / "sitemap.xml").read_bytes(), headers={"ETag": ETAG},
                     request=Request(child, meta={"nh_kind": "sitemap"}))  # fmt: skip
    list(spider.parse_sitemap(pages))
    assert spider.seen_validators[child] == (ETAG, None)


def _failure(exc, url):
    failure = Failure(exc)
    failure.request = Request(url, meta={"nh_kind": "article", "nh_url": url, "nh_hints": PageHints()})
    return failure


# -- the archive -------------------------------------------------------------------------------------------------


BASE = "http://paper.test"


@pytest.fixture
def sessions(db_url: str):
    engine = create_engine_for(db_url)
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


def _open(sessions):
    site = load_sites()["baolangson_old"].with_base_url(BASE)
    return open_run(sessions, site, trigger="manual", settings=Settings(max_page_bytes=200_000))


def _article(path: str, status: int | None = 200, error: str | None = None) -> FetchedPage:
    body = (FIXTURE_PAGES / "299801-dang-bo-van-phong-ubnd-tinh-dai-hoi-nhiem-ky-2020-2025.html").read_bytes()
    return FetchedPage(
        site="baolangson_old", url=BASE + path, final_url=BASE + path, status=status,
        headers={"Content-Type": "text/html; charset=utf-8"}, body=body if status == 200 else b"",
        fetched_at=datetime(2026, 11, 23, tzinfo=UTC), hints=PageHints(), error=error,
    )  # fmt: skip


def test_archive_stores_validators_for_a_succeeded_run_once_their_articles_are_dealt_with(sessions):
    archive = _open(sessions)
    archive.ingest(_article("/chinh-tri/1-a.html"))
    archive.ingest(_article("/chinh-tri/2-gone.html", status=404))
    archive.remember_validators(
        f"{BASE}/chinh-tri", ETAG, MODIFIED, links=[f"{BASE}/chinh-tri/1-a.html", f"{BASE}/chinh-tri/2-gone.html"]
    )
    archive.remember_validators(f"{BASE}/kinh-te/", '"k"', None, links=[f"{BASE}/kinh-te/9-never-stored.html"])
    archive.remember_validators(f"{BASE}/rss.xml?utm_source=x", None, MODIFIED)
    assert archive.validators(f"{BASE}/chinh-tri") is None  # nothing is written before the run ends
    archive.finish("succeeded", pages_fetched=2)

    later = _open(sessions)
    assert later.validators(f"{BASE}/chinh-tri/") == (ETAG, MODIFIED)  # looked up by canonical URL
    assert later.validators(f"{BASE}/kinh-te") is None  # an article it led to is neither stored nor recorded
    assert later.validators(f"{BASE}/rss.xml") == (None, MODIFIED)
    later.remember_validators(f"{BASE}/chinh-tri", '"changed"', None)
    later.finish("failed", pages_fetched=1, error="boom")
    interrupted = _open(sessions)
    interrupted.remember_validators(f"{BASE}/chinh-tri", '"changed"', None)
    interrupted.finish("interrupted", pages_fetched=1)
    assert _open(sessions).validators(f"{BASE}/chinh-tri") == (ETAG, MODIFIED)  # failed and interrupted runs store nothing

    dropped = _open(sessions)
    dropped.remember_validators(f"{BASE}/rss.xml", None, None)  # the server stopped sending any
    dropped.remember_validators(f"{BASE}/chinh-tri", '"' + "x" * 600 + '"', MODIFIED)  # too long to store: left out
    assert dropped.save_validators() == 2
    assert dropped.validators(f"{BASE}/rss.xml") is None
    assert dropped.validators(f"{BASE}/chinh-tri") == (None, MODIFIED)
    dropped.finish("succeeded", pages_fetched=0)
    with sessions() as session:
        rows = session.scalars(select(HttpValidator)).all()
    assert [r.url for r in rows] == [f"{BASE}/chinh-tri"] and rows[0].site_id == dropped.site_id


# -- end to end: the command line against a replica site -----------------------------------------------------------

SITE = "sonoivu"
NEW_ID = 5500
NEW_TITLE = "Sở Nội vụ tổ chức hội nghị tập huấn công tác văn thư, lưu trữ năm 2020"
NEW_PARAGRAPHS = (
    "Ngày 24/8, Sở Nội vụ tổ chức hội nghị tập huấn nghiệp vụ công tác văn thư, lưu trữ cho hơn 150 công chức, viên chức "
    "phụ trách công tác văn thư của các sở, ban, ngành và UBND các huyện, thành phố trên địa bàn tỉnh.",
    "Tại hội nghị, các học viên được giới thiệu những điểm mới của Nghị định về công tác văn thư, hướng dẫn lập hồ sơ điện tử, "
    "quản lý văn bản đi, văn bản đến trên hệ thống quản lý văn bản và điều hành, cùng cách bảo quản tài liệu giấy đúng quy định.",
    "Phát biểu bế mạc, lãnh đạo Sở đề nghị các cơ quan, đơn vị rà soát danh mục hồ sơ, bố trí kho lưu trữ phù hợp và đẩy mạnh "
    "số hóa tài liệu, góp phần xây dựng chính quyền điện tử của tỉnh Lạng Sơn trong giai đoạn tới.",
    "Minh Châu",
)


@pytest.fixture
def site_copy(tmp_path: Path) -> Path:
    """A copy of the shipped replica site files that a test may change."""
    root = tmp_path / "sites"
    shutil.copytree(SITES_ROOT / SITE, root / SITE)
    return root


def env_for(db_url: str, home: Path) -> dict[str, str]:
    return cli_env(db_url, home)


def cli(db_url: str, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(env_for(db_url, home), *args, timeout=120)


def crawl(db_url: str, home: Path, server: ReplicaServer, *extra: str) -> subprocess.CompletedProcess[str]:
    result = cli(db_url, home, "crawl", SITE, f"--base-url={server.base_urls[SITE]}", *extra)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def validators_in(db_url: str) -> dict[str, tuple[str | None, str | None]]:
    with session_factory(db_url)() as session:
        return {r.url: (r.etag, r.last_modified) for r in session.scalars(select(HttpValidator))}


def last_run(db_url: str) -> CrawlRun:
    with session_factory(db_url)() as session:
        run = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)).one()
        session.expunge(run)
        return run


def stored_paths(db_url: str, base: str) -> set[str]:
    with session_factory(db_url)() as session:
        return {url.removeprefix(base) for url in session.scalars(select(DocumentUrl.url))}


def add_article(root: Path) -> str:
    """Publish a new article on the copy: its page, and a row at the top of the first listing page (not in the feed)."""
    site_dir = root / SITE
    template = (site_dir / "vi/node/5412.html").read_text(encoding="utf-8")
    old_title = re.search(r'<span class="field field--name-title">(.*?)</span>', template)
    assert old_title is not None
    body = "".join(f"<p>{text}</p>" for text in NEW_PARAGRAPHS)
    page = template.replace("/vi/node/5412", f"/vi/node/{NEW_ID}").replace(old_title.group(1), NEW_TITLE)
    page = re.sub(r"(field--name-body[^>]*>).*?(</div></article>)", lambda m: m.group(1) + body + m.group(2), page, flags=re.S)
    page = page.replace("Thu, 08/20/2020 - 09:05", "Mon, 08/24/2020 - 10:00")
    (site_dir / f"vi/node/{NEW_ID}.html").write_text(page, encoding="utf-8")
    listing = site_dir / "vi/tin-tuc-su-kien.html"
    lines = listing.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if 'class="views-row"' in line)
    row = re.sub(r'href="/vi/[^"]+"', f'href="/vi/node/{NEW_ID}"', lines[at])
    row = re.sub(r'(hreflang="vi">)[^<]*(</a>)', lambda m: m.group(1) + NEW_TITLE + m.group(2), row)
    row = re.sub(r"\w{3}, \d\d/\d\d/\d{4} - \d\d:\d\d", "Mon, 08/24/2020 - 10:00", row)
    lines.insert(at, row)
    listing.write_text("".join(lines), encoding="utf-8")
    return f"/vi/node/{NEW_ID}"


@pytest.mark.slow
def test_unchanged_site_is_all_304s_and_a_new_article_is_fetched_without_any_archived_one(
    sqlite_url: str, tmp_path: Path, site_copy: Path
) -> None:
    home = tmp_path / "home"
    assert cli(sqlite_url, home, "init").returncode == 0
    site = load_sites()[SITE]
    with ReplicaServer(sites=(SITE,), root=site_copy, crawl_delay=0.0, slow_seconds=3.0) as server:
        base = server.base_urls[SITE]
        site = site.with_base_url(base)
        crawl(sqlite_url, home, server)
        first_requests = server.requests(SITE)
        first_articles = [p for p in first_requests if request_kind(site, p) == "article"]
        assert len(first_articles) >= 8 and last_run(sqlite_url).new_documents >= 8
        saved = validators_in(sqlite_url)
        assert f"{base}/rss.xml" in saved and f"{base}/vi/tin-tuc-su-kien" in saved

        # Second crawl, nothing changed: robots.txt, then a 304 for the feed and the listing; no article at all.
        server.clear_requests()
        crawl(sqlite_url, home, server)
        # (Statuses come from the server's answers; which requests were made, from its request log: the slow fault page
        # of the first crawl answers late, after its client gave up.)
        answered = [(answer.path, answer.status) for answer in server.answers(SITE)]
        requested = server.requests(SITE)
        assert not [p for p in requested if request_kind(site, p) == "article"], requested
        assert {p: s for p, s in answered if request_kind(site, p) in ("feed", "listing")} == {
            "/rss.xml": 304,
            "/vi/tin-tuc-su-kien": 304,
        }
        assert len(requested) <= 4 < len(first_requests) // 3, requested
        second = last_run(sqlite_url)
        assert second.status == "succeeded" and second.new_documents == 0 and second.errors == 0  # a 304 is not an error

        # The site publishes an article on its listing page. A crawl killed after the changed listing came back but
        # before the article was fetched must not have stored the listing's new ETag, or the article would be lost.
        new_path = add_article(site_copy)
        server.clear_requests()
        server.crawl_delay = 1.5  # robots.txt now asks for 1.5 s between requests: time to kill between the two
        args = [sys.executable, "-m", "newsharvest", "crawl", SITE, f"--base-url={base}"]
        victim = subprocess.Popen(args, env=env_for(sqlite_url, home), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while "/vi/tin-tuc-su-kien" not in server.requests(SITE):
                assert time.monotonic() < deadline and victim.poll() is None, server.requests(SITE)
                time.sleep(0.02)
            time.sleep(0.6)  # the 200 is in and parsed; the article request waits for the crawl delay
        finally:
            os.killpg(victim.pid, signal.SIGKILL)
            victim.wait(30)
        assert new_path not in server.requests(SITE)
        assert validators_in(sqlite_url) == saved

        # The next crawl gets the listing in full and fetches the new article, and no article it already has. The new
        # row sends it paging on (something new), into the page of fault links whose 500 and timeout keep it
        # unconditional: those are tried again, as they are on every crawl until they answer.
        archived = stored_paths(sqlite_url, base)
        server.crawl_delay = 0.0
        server.clear_requests()
        crawl(sqlite_url, home, server)
        answered = [(answer.path, answer.status) for answer in server.answers(SITE)]
        fetched = [p for p in server.requests(SITE) if request_kind(site, p) == "article"]
        assert fetched.count(new_path) == 1 and not set(fetched) & archived, fetched
        assert set(fetched) - {new_path} <= set(FAULT_PATHS[SITE].values()), fetched
        assert {p: s for p, s in answered if p == "/vi/tin-tuc-su-kien?page=2"} == {"/vi/tin-tuc-su-kien?page=2": 304}
        assert dict(answered)["/vi/tin-tuc-su-kien"] == 200 and dict(answered)["/rss.xml"] == 304
        assert last_run(sqlite_url).new_documents == 1 and new_path in stored_paths(sqlite_url, base)
        assert validators_in(sqlite_url)[f"{base}/vi/tin-tuc-su-kien"] != saved[f"{base}/vi/tin-tuc-su-kien"]

        # And the crawl after that is back to 304s.
        server.clear_requests()
        crawl(sqlite_url, home, server)
        assert not [p for p in server.requests(SITE) if request_kind(site, p) == "article"]
    with session_factory(sqlite_url)() as session:
        statuses = list(session.scalars(select(CrawlRun.status).order_by(CrawlRun.id)))
    assert statuses == ["succeeded", "succeeded", "failed", "succeeded", "succeeded"]  # the killed run: failed at the next start


@pytest.mark.slow
def test_a_run_cut_short_by_max_articles_keeps_no_validators(sqlite_url: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert cli(sqlite_url, home, "init").returncode == 0
    with ReplicaServer(sites=(SITE,), crawl_delay=0.0, slow_seconds=3.0) as server:
        base = server.base_urls[SITE]
        site = load_sites()[SITE].with_base_url(base)
        crawl(sqlite_url, home, server, "--max-articles", "2")
        assert validators_in(sqlite_url) == {}
        assert last_run(sqlite_url).new_documents == 2
        first_stored = stored_paths(sqlite_url, base)

        server.clear_requests()
        crawl(sqlite_url, home, server)
        answered = [(answer.path, answer.status) for answer in server.answers(SITE)]
        discovery = {p: s for p, s in answered if request_kind(site, p) in ("feed", "listing")}
        assert discovery["/rss.xml"] == 200 and discovery["/vi/tin-tuc-su-kien"] == 200  # no 304 hides the rest
        fetched = {p for p, _ in answered if request_kind(site, p) == "article"}
        assert fetched and not fetched & first_stored  # the rest, and none of the two already stored
        assert last_run(sqlite_url).new_documents >= 8
        assert validators_in(sqlite_url)  # this complete run keeps them
    with session_factory(sqlite_url)() as session:
        assert session.scalar(select(func.count()).select_from(CrawlRun).where(CrawlRun.status == "succeeded")) == 2
