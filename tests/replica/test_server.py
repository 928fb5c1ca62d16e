"""The replica server and the shipped replica sites: routes, placeholders, faults, conditional requests, URL shapes."""

from __future__ import annotations

import re
import time
import unicodedata
import urllib.error
import urllib.request
import urllib.robotparser
from collections.abc import Iterator
from datetime import date
from email.message import Message
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.html
import pytest

from newsharvest.replica.build import load_articles
from newsharvest.replica.server import FAULT_PATHS, SITE_NAMES, ReplicaServer, file_for
from pipeline.sites import load_sites

pytestmark = pytest.mark.timeout(30)

TODAY = date(2021, 1, 19)  # a Tuesday, the day seed 002 was captured
SEEDS = Path(__file__).resolve().parents[2] / "newsharvest" / "seeds"
SEED_PAGES = {"000": ("sonoivu", 5348), "001": ("langson_portal", 31300), "002": ("baolangson_old", 293518),
              "003": ("baolangson_old", 322415), "004": ("baolangson_old", 313640)}  # fmt: skip
# Lines the seeds captured from page chrome: the skip link, sonoivu's slogan, the old paper's header date.
_CHROME_LINE = re.compile(
    r"^(Skip to main content|Công chức, viên chức và người lao động Sở Nội vụ ra sức thi đua.*|Thứ \w+,\s+\d\d/\d\d/\d{4})$"
)


class Reply:
    """Status, headers and body of one HTTP exchange (errors included)."""

    def __init__(self, status: int, headers: Message, body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode(self.headers.get_content_charset() or "utf-8")


def fetch(url: str, *, method: str = "GET", headers: dict[str, str] | None = None, timeout: float = 5.0) -> Reply:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Reply(response.status, response.headers, response.read())
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, exc.headers, exc.read())


def collapse(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).replace("\xa0", " ").split())


def page_text(html: str) -> str:
    return collapse(lxml.html.fromstring(html).text_content())


def hrefs(html: str, base: str) -> list[str]:
    return [urljoin(base, a.get("href")) for a in lxml.html.fromstring(html).iter("a") if a.get("href")]


def article_path(site: str, article_id: int) -> str:
    return next(a.path for a in load_articles(site)[1] if a.id == article_id)


@pytest.fixture(scope="module")
def server() -> Iterator[ReplicaServer]:
    with ReplicaServer(slow_seconds=0.5, today=lambda: TODAY) as srv:
        yield srv


@pytest.fixture(scope="module")
def sites() -> dict[str, object]:
    return dict(load_sites())


def test_binds_loopback_on_ephemeral_ports(server: ReplicaServer) -> None:
    urls = server.base_urls
    assert set(urls) == set(SITE_NAMES)
    assert all(re.fullmatch(r"http://127\.0\.0\.1:\d+", u) for u in urls.values())
    assert len(set(urls.values())) == 3


@pytest.mark.parametrize("site", SITE_NAMES)
def test_home_and_robots(server: ReplicaServer, site: str) -> None:
    base = server.base_urls[site]
    assert fetch(base + "/").status == 200
    robots = fetch(base + "/robots.txt")
    assert robots.status == 200 and robots.headers.get_content_type() == "text/plain"
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(robots.text.splitlines())
    if site == "baolangson_old":
        assert not parser.can_fetch("*", base + article_path(site, 294324))  # under /uncategorized/
        assert not parser.can_fetch("*", base + "/search?q=x")
        assert parser.can_fetch("*", base + article_path(site, 293518))
    else:
        assert "Crawl-delay: 10" in robots.text and "Disallow: /index.php/user/login/" in robots.text
        assert parser.crawl_delay("*") == 10
        assert not parser.can_fetch("*", base + "/vi/search/node?keys=x")
        assert parser.can_fetch("*", base + "/vi/tin-tuc-su-kien?page=1")


def test_crawl_delay_rewrite() -> None:
    with ReplicaServer(sites=["sonoivu", "baolangson_old"], crawl_delay=0.05) as srv:
        text = fetch(srv.base_urls["sonoivu"] + "/robots.txt").text
        assert "Crawl-delay: 0.05\n" in text and "Crawl-delay: 10" not in text
        assert "Crawl-delay" not in fetch(srv.base_urls["baolangson_old"] + "/robots.txt").text
        assert set(srv.base_urls) == {"sonoivu", "baolangson_old"}


def test_unknown_site_is_refused() -> None:
    with pytest.raises(ValueError, match="nosuchsite"):
        ReplicaServer(sites=["nosuchsite"])


def test_old_paper_listing_and_pager(server: ReplicaServer) -> None:
    base = server.base_urls["baolangson_old"]
    first = fetch(base + "/chinh-tri")
    assert first.status == 200 and first.headers["Content-Type"] == "text/html; charset=utf-8"
    assert base + "/chinh-tri/trang-2" in hrefs(first.text, base + "/chinh-tri")
    assert re.search(r"\d\d:\d\d \| \d\d/\d\d/\d{4}", first.text)
    second = fetch(base + "/chinh-tri/trang-2")
    assert second.status == 200
    assert base + article_path("baolangson_old", 294324) in hrefs(first.text + second.text, base + "/")
    assert fetch(base + "/chinh-tri/trang-9").status == 404
    # Newest first: the first page's dates are all later than the second page's.
    stamps = [re.findall(r"(\d\d):(\d\d) \| (\d\d)/(\d\d)/(\d{4})", r.text) for r in (first, second)]
    as_keys = [[(y, mo, d, h, mi) for h, mi, d, mo, y in page] for page in stamps]
    assert as_keys[0] == sorted(as_keys[0], reverse=True) and min(as_keys[0]) > max(as_keys[1])


@pytest.mark.parametrize("site", ["sonoivu", "langson_portal"])
def test_drupal_listing_and_pager(server: ReplicaServer, site: str) -> None:
    base = server.base_urls[site]
    first = fetch(base + "/vi/tin-tuc-su-kien")
    assert first.status == 200 and 'class="pager__item pager__item--next"><a href="?page=1" rel="next">' in first.text
    second = fetch(base + "/vi/tin-tuc-su-kien?page=1")
    assert second.status == 200 and first.text != second.text
    assert fetch(base + "/vi/tin-tuc-su-kien?page=0").body == first.body
    assert fetch(base + "/vi/tin-tuc-su-kien?page=99").status == 404


def test_article_pages(server: ReplicaServer) -> None:
    old = fetch(server.base_urls["baolangson_old"] + article_path("baolangson_old", 299215))
    assert old.status == 200 and '<h1 class="title">Xuất nhập khẩu qua cửa khẩu Hữu Nghị phục hồi sau dịch</h1>' in old.text
    assert "<p><strong>LSO-</strong>" in old.text and 'class="caption"' in old.text
    base = server.base_urls["sonoivu"]
    node = fetch(base + "/vi/node/5301")
    assert node.status == 200 and "Gửi bởi admin vào Wed, 04/08/2020 - 09:20" in page_text(node.text)
    assert "&nbsp; &nbsp; &nbsp; " in node.text and "&aacute;" in node.text
    assert f'<link rel="canonical" href="{base}/vi/node/5301">' in node.text
    hidden = fetch(base + "/vi/node/5362")
    assert hidden.status == 200 and "node__submitted" not in hidden.text
    alias = fetch(base + "/vi/hoi-nghi-so-ket-cong-tac-ton-giao-6-thang-dau-nam-2020")
    assert alias.status == 200 and alias.body == fetch(base + "/vi/node/5404").body
    head = fetch(base + "/vi/node/5301", method="HEAD")
    assert head.status == 200 and head.body == b"" and int(head.headers["Content-Length"]) == len(node.body)


def test_feed(server: ReplicaServer, sites: dict[str, object]) -> None:
    for name in ("sonoivu", "langson_portal"):
        base = server.base_urls[name]
        reply = fetch(base + "/rss.xml")
        assert reply.headers.get_content_type() == "application/rss+xml"
        feed = feedparser.parse(reply.body)
        assert not feed.bozo and 6 <= len(feed.entries) <= 10
        dates = [e.published_parsed for e in feed.entries]
        assert dates == sorted(dates, reverse=True)
        for entry in feed.entries:
            assert entry.link.startswith(base + "/vi/") and sites[name].is_article_url(entry.link)  # type: ignore[attr-defined]
            assert entry.published.endswith("+0700") and entry.author == "admin"
        assert fetch(feed.entries[0].link).status == 200


def test_fault_routes(server: ReplicaServer) -> None:
    base = server.base_urls["sonoivu"]
    faults = FAULT_PATHS["sonoivu"]
    assert fetch(base + faults["not_found"]).status == 404
    assert [fetch(base + faults["server_error"]).status for _ in range(3)] == [500, 500, 500]
    pdf = fetch(base + faults["pdf"])
    assert pdf.status == 200 and pdf.headers["Content-Type"] == "application/pdf" and pdf.body.startswith(b"%PDF-1.")
    started = time.monotonic()
    slow = fetch(base + faults["slow"], timeout=10)
    assert slow.status == 200 and 0.45 <= time.monotonic() - started < 5
    assert fetch(base + "/no/such/page").status == 404
    assert fetch(base + "/../robots.txt").status in (400, 404)
    listed = "".join(fetch(f"{base}/vi/tin-tuc-su-kien?page={n}").text for n in range(3))
    assert all(f'href="{path}"' in listed for path in faults.values())
    assert 'href="https://dichvucong.langson.gov.vn/' in listed and 'href="/vi/search/node?keys=x"' in listed


def test_today_placeholder(server: ReplicaServer) -> None:
    text = fetch(server.base_urls["baolangson_old"] + article_path("baolangson_old", 293518)).text
    assert '<span class="header-date">Thứ ba,&nbsp; 19/01/2021</span>' in text
    assert "{TODAY_VI}" not in text and "{BASE_URL}" not in text


def test_windows_1258_page(server: ReplicaServer) -> None:
    reply = fetch(server.base_urls["baolangson_old"] + article_path("baolangson_old", 320877))
    assert reply.headers["Content-Type"] == "text/html; charset=windows-1258"
    assert b'charset=windows-1258"' in reply.body
    text = reply.body.decode("cp1258")
    assert not unicodedata.is_normalized("NFC", text)
    assert "Mẫu Sơn hút khách dịp cuối năm" in unicodedata.normalize("NFC", text)
    assert "Thứ ba,&nbsp; 19/01/2021" in unicodedata.normalize("NFC", text)


def test_decomposed_unicode_page(server: ReplicaServer) -> None:
    text = fetch(server.base_urls["baolangson_old"] + article_path("baolangson_old", 302447)).text
    title = unicodedata.normalize("NFD", "Na Chi Lăng được mùa, được giá")
    assert f'<h1 class="title">{title}</h1>' in text


def test_cross_site_duplicate_is_verbatim(server: ReplicaServer) -> None:
    def body(site: str, path: str) -> tuple[str, str]:
        doc = lxml.html.fromstring(fetch(server.base_urls[site] + path).text)
        return doc.findtext(".//h1"), doc.xpath("string(//div[contains(@class,'field--name-body')])")

    assert body("sonoivu", "/vi/node/5377") == body("langson_portal", "/vi/node/31214")


def test_conditional_requests(server: ReplicaServer) -> None:
    url = server.base_urls["sonoivu"] + "/vi/node/5348"
    first = fetch(url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag and modified
    again = fetch(url, headers={"If-None-Match": etag})
    assert again.status == 304 and again.body == b"" and again.headers["ETag"] == etag
    assert fetch(url, headers={"If-Modified-Since": modified}).status == 304
    assert fetch(url, headers={"If-None-Match": '"other"'}).status == 200
    assert fetch(url, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status == 200


def test_request_log(server: ReplicaServer) -> None:
    server.clear_requests()
    base = server.base_urls["langson_portal"]
    fetch(base + "/vi/tin-tuc-su-kien?page=1")
    fetch(base + "/robots.txt")
    assert server.requests("langson_portal") == ["/vi/tin-tuc-su-kien?page=1", "/robots.txt"]
    assert server.requests("sonoivu") == []
    server.clear_requests()
    assert server.requests("langson_portal") == []


@pytest.mark.parametrize("site", SITE_NAMES)
def test_urls_match_site_patterns(server: ReplicaServer, sites: dict[str, object], site: str) -> None:
    declared = sites[site]
    base = server.base_urls[site]
    _, articles = load_articles(site)
    own = [a for a in articles if not a.path.startswith("http")]
    assert len([a for a in own if not a.fault]) >= 7
    assert all(declared.is_article_url(base + a.path) for a in own)  # type: ignore[attr-defined]
    # Walk the listings from the declared start URLs: every pager link is a listing URL, and every article is reached.
    queue, seen, found = [base + p for p in declared.start_urls], set(), set()  # type: ignore[attr-defined]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        assert declared.is_listing_url(url), url  # type: ignore[attr-defined]
        reply = fetch(url)
        assert reply.status == 200, url
        for link in hrefs(reply.text, url):
            if urlsplit(link).netloc != urlsplit(base).netloc:
                continue
            if declared.is_article_url(link):  # type: ignore[attr-defined]
                found.add(urlsplit(link).path)
            elif declared.is_listing_url(link):  # type: ignore[attr-defined]
                queue.append(link)
    assert len(seen) >= 2
    assert {a.path for a in own} <= found


@pytest.mark.parametrize("seed", sorted(SEED_PAGES))
def test_seed_pages_hold_the_seed(server: ReplicaServer, seed: str) -> None:
    site, article_id = SEED_PAGES[seed]
    reply = fetch(server.base_urls[site] + article_path(site, article_id))
    text = page_text(reply.text)
    lines = next(SEEDS.glob(f"{seed}_*.txt")).read_text(encoding="utf-8").split("\n")
    body = [collapse(line) for line in lines if collapse(line) and not _CHROME_LINE.match(line)]
    assert len(body) >= 6
    doc = lxml.html.fromstring(reply.text)
    assert collapse(doc.findtext(".//h1") or doc.xpath("string(//h1)")) == body[0]
    position = 0
    for line in body:  # every line, in the seed's order
        assert line in text[position:], line
        position = text.index(line, position) + len(line)


def test_file_mapping() -> None:
    root = Path("/r")
    assert file_for(root, "/") == root / "index.html"
    assert file_for(root, "/chinh-tri/trang-2/") == root / "chinh-tri" / "trang-2.html"
    assert file_for(root, "/vi/tin-tuc-su-kien", "page=1") == root / "vi" / "tin-tuc-su-kien@page=1.html"
    assert file_for(root, "/rss.xml") == root / "rss.xml"
    assert file_for(root, "/a/../b") is None and file_for(root, "/x.html.headers") is None
    assert file_for(root, "/vi/node/1", "a=<b>") is None
