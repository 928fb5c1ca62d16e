"""The throughput bench (bench/throughput.py, bench/throughput_site.py; issue 10) measures a realistic site.

The numbers come from running the bench (``bench/results/throughput_baseline.json``); here, in seconds: the generated
site is consistent (sizes, listings, sitemaps, robots.txt, site file), deterministic, realistic enough that our own
extraction reads every field of an article right, and made of articles different enough that near-duplicate
detection leaves them apart. With nginx installed, a crawl of 30 articles through the bench's own measurement stores
all 30 (skipped, with the reason, without nginx: the bench installs it, a test does not).
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import lxml.etree
import lxml.html
import pytest
from bench_scripts import load_bench

from pipeline.dedup.neardup import shingle_hashes
from pipeline.extraction.extract import extract
from pipeline.sites import Site, parse_sites

site_module = load_bench("throughput_site")
bench = load_bench("throughput")

N = 30
BASE = "http://127.0.0.1:8080"
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("throughput_site")
    return out, site_module.generate(out, N, seed=7, base_url=BASE, sitemap_chunk=12)


@pytest.fixture(scope="module")
def declared(written: tuple[Path, object]) -> Site:
    out, _site = written
    return parse_sites((out / "site.toml").read_text(encoding="utf-8"), str(out / "site.toml"))[site_module.SITE_NAME]


def _locs(path: Path) -> list[str]:
    return [str(loc) for loc in lxml.etree.parse(str(path)).xpath("//s:loc/text()", namespaces=SITEMAP_NS)]


def test_article_pages_are_60_to_150_kb_of_mostly_chrome(written: tuple[Path, object]) -> None:
    out, site = written
    for index, teaser in enumerate(site.teasers):
        page = (out / teaser.path.lstrip("/")).read_bytes()
        assert 55_000 <= len(page) <= 152_000, (teaser.path, len(page))
        article = site.article(index)
        assert site_module.PARAGRAPHS_MIN <= len(article.paragraphs) - (article.caption is not None) <= site_module.PARAGRAPHS_MAX
        assert sum(len(p.encode()) for p in article.body) * 3 < len(page)  # the body is the smaller part
        root = lxml.html.fromstring(page)
        assert root.xpath("//h1")[0].text_content() == article.title
        assert article.dateline in root.text_content()
        assert {"Tin mới", "Đọc nhiều", "Tin liên quan"} <= {h.text_content() for h in root.xpath("//h2")}


def test_listings_show_every_article_once_with_pagination(written: tuple[Path, object], declared: Site) -> None:
    out, site = written
    assert site.listing_pages == 2 and declared.max_listing_pages > site.listing_pages
    shown: list[str] = []
    for page in range(1, site.listing_pages + 1):
        path = f"/tin-tuc/trang-{page}.html"
        assert declared.is_listing_url(BASE + path) and not declared.is_article_url(BASE + path)
        root = lxml.html.fromstring((out / path.lstrip("/")).read_bytes())
        links = {BASE + href for href in root.xpath("//h3/a/@href")}
        assert all(declared.is_article_url(url) for url in links)
        shown += links
        pager = set(root.xpath("//div[@class='pagination']//a/@href"))
        assert all(declared.is_listing_url(BASE + href) for href in pager) and pager
    assert sorted(shown) == sorted(site.article_urls())
    first = lxml.html.fromstring((out / "tin-tuc/trang-1.html").read_bytes())
    assert first.xpath("//h3/a/@href")[0] == site.teasers[-1].path  # newest first


def test_sitemap_index_lists_every_article_in_chunks(written: tuple[Path, object], declared: Site) -> None:
    out, site = written
    children = _locs(out / "sitemap.xml")
    assert children == [f"{BASE}/sitemaps/articles-{k}.xml" for k in (1, 2, 3)]
    urls = list(itertools.chain.from_iterable(_locs(out / url.removeprefix(BASE + "/")) for url in children))
    assert urls == site.article_urls() and all(declared.is_article_url(u) and declared.is_own_url(u) for u in urls)
    assert re.search(r"^Allow: /$", (out / "robots.txt").read_text(encoding="utf-8"), re.M)
    assert declared.sitemaps == ("/sitemap.xml",) and declared.start_urls == ("/tin-tuc/trang-1.html",)
    assert declared.autothrottle is False and declared.base_url == BASE


def test_generation_is_deterministic(written: tuple[Path, object], tmp_path: Path) -> None:
    out, site = written
    again = site_module.GeneratedSite(N, seed=7, base_url=BASE)
    assert again.article_page(3) == (out / site.teasers[3].path.lstrip("/")).read_text(encoding="utf-8")
    other = site_module.GeneratedSite(N, seed=8, base_url=BASE)
    assert other.article(3).body != site.article(3).body


@pytest.mark.parametrize("index", [0, 11, 29])
def test_our_extraction_reads_every_field(written: tuple[Path, object], declared: Site, index: int) -> None:
    out, site = written
    article = site.article(index)
    html = (out / article.path.lstrip("/")).read_text(encoding="utf-8")
    assert article.dateline.startswith(site_module.vietnamese_weekday(article.published) + ", ")
    got = extract(html, BASE + article.path, declared)
    assert got.title == article.title
    assert got.published_at == article.published.replace(tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert list(got.authors) == [article.author]
    assert got.text.split("\n") == list(article.body)
    assert got.lang == "vi"


def test_articles_are_not_near_duplicates_of_each_other(written: tuple[Path, object]) -> None:
    _out, site = written
    shingles = [shingle_hashes("\n".join(site.article(i).body), 5) for i in range(N)]
    worst = max(len(a & b) / len(a | b) for a, b in itertools.combinations(shingles, 2))
    assert worst < 0.1  # the near-duplicate index only looks at pairs from about 0.2


def _nginx() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None)


@pytest.mark.slow
def test_a_crawl_through_the_bench_stores_every_article(tmp_path: Path) -> None:
    nginx = _nginx()
    if nginx is None:
        if os.environ.get("NEWSHARVEST_REQUIRE_SERVICES") == "1":  # CI installs it (.ci/run)
            pytest.fail("nginx is required here (NEWSHARVEST_REQUIRE_SERVICES=1) but is not installed")
        pytest.skip("nginx is not installed (bench/throughput.py installs it with apt-get; this test does not)")
    port = bench.free_port()
    site = site_module.generate(tmp_path / "site", N, seed=3, base_url=f"http://127.0.0.1:{port}")
    with bench.NginxServer(nginx, tmp_path / "site", port, tmp_path / "nginx") as server:
        crawl = bench.measure_crawl(site, tmp_path / "site" / "site.toml", tmp_path / "crawl", server)
    assert crawl.exit_code == 0, crawl.stderr_tail
    assert crawl.documents == N and crawl.missing == 0 and crawl.near_duplicates == 0
    assert crawl.pages == {"article/new": N}, crawl.pages
    assert crawl.run["status"] == "succeeded" and crawl.requests >= N + 2
    assert crawl.peak_rss_bytes > 50 * 2**20 and crawl.articles_per_s > 0
