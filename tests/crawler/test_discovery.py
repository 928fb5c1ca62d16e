"""Discovery on recorded-shape bytes: feeds, sitemaps (plain, index, gzip) and two kinds of listing pages."""

from __future__ import annotations

import gzip

import pytest

from crawler.discovery import DATE_TEXT_RE, links_from_feed, links_from_listing, links_from_sitemap
from pipeline.document import PageHints
from pipeline.errors import ContentError

pytestmark = pytest.mark.timeout(30)


def test_rss_feed_links_keep_raw_pubdate_and_title(data):
    links = links_from_feed((data / "drupal_rss.xml").read_bytes(), "https://sonoivu.langson.gov.vn/rss.xml")
    assert [link.url for link in links] == [
        "https://sonoivu.langson.gov.vn/vi/hoi-nghi-tong-ket-cong-tac-thi-dua-khen-thuong-nam-2020",
        "https://sonoivu.langson.gov.vn/vi/node/74790",  # fragment dropped, the repeat de-duplicated
        "https://langson.gov.vn/vi/node/90863",  # other hosts are the spider's to drop (it knows the site)
        "https://sonoivu.langson.gov.vn/vi/lien-he",
    ]
    assert links[0].hints == PageHints(
        published="Mon, 21 Dec 2020 09:15:00 +0000",
        title="Hội nghị tổng kết công tác thi đua, khen thưởng năm 2020",
        source="feed",
    )
    assert links[3].hints.published is None


def test_atom_feed_resolves_relative_links_and_prefers_published(data):
    links = links_from_feed((data / "atom.xml").read_bytes(), "https://baolangson.vn/rss/home.rss")
    assert [(link.url, link.hints.published) for link in links] == [
        ("https://baolangson.vn/hanh-trinh-hoi-nhap-bat-dau-tu-ren-luyen-5071654.html", "2025-06-17T13:43:02+07:00"),
        ("https://baolangson.vn/lang-son-day-manh-chuyen-doi-so-5071700.html", "2025-06-18T08:00:00+07:00"),
    ]


def test_html_instead_of_feed_is_a_content_error():
    with pytest.raises(ContentError):
        links_from_feed(b"<html><body><h1>404</h1><p>Not found</p></body></html>", "https://baolangson.vn/rss/home.rss")


def test_sitemap_urls_with_lastmod(data):
    links, children = links_from_sitemap((data / "sitemap.xml").read_bytes(), "https://vanphong.langson.gov.vn/sitemap.xml")
    assert children == []
    assert [(link.url, link.hints.published) for link in links] == [
        ("https://vanphong.langson.gov.vn/vi/node/74804", "2020-12-21T09:15:00+07:00"),
        ("https://vanphong.langson.gov.vn/vi/uy-ban-nhan-dan-tinh-hop-phien-thuong-ky-thang-5", "2020-05-22"),
        ("https://vanphong.langson.gov.vn/vi/tin-tuc-su-kien", None),
    ]
    assert {link.hints.source for link in links} == {"sitemap"}


def test_sitemap_index_gives_children(data):
    links, children = links_from_sitemap((data / "sitemap_index.xml").read_bytes(), "https://vanphong.langson.gov.vn/sitemap.xml")
    assert links == []
    assert children == [
        "https://vanphong.langson.gov.vn/sitemap.xml?page=1",
        "https://vanphong.langson.gov.vn/sitemap.xml?page=2",
        "https://cdn.example.com/sitemap-3.xml",
    ]


def test_gzipped_sitemap(data):
    body = gzip.compress((data / "sitemap.xml").read_bytes())
    links, _ = links_from_sitemap(body, "https://vanphong.langson.gov.vn/sitemap.xml.gz")
    assert len(links) == 3


def test_gzip_bomb_is_refused(data):
    body = gzip.compress((data / "sitemap.xml").read_bytes())
    with pytest.raises(ContentError):
        links_from_sitemap(body, "https://vanphong.langson.gov.vn/sitemap.xml.gz", max_size=100)


@pytest.mark.parametrize("body", [b"", b"<html><body>soft 404</body></html>", b"\x00\x01binary"])
def test_not_a_sitemap(body):
    with pytest.raises(ContentError):
        links_from_sitemap(body, "https://vanphong.langson.gov.vn/sitemap.xml")


def test_old_baolangson_listing_dates_per_item_and_pager(data, sites):
    site = sites["baolangson_old"]
    html = (data / "old_baolangson_listing.html").read_bytes()
    found = links_from_listing(html, "https://old.baolangson.vn/chinh-tri", site)
    assert [(link.url, link.hints.published, link.hints.title) for link in found.articles] == [
        (
            "https://old.baolangson.vn/chinh-tri/xay-dung-dang/310783-hoi-nghi-ban-chap-hanh-dang-bo-tinh.html",
            "08:54 | 16/07/2013",
            "Hội nghị Ban Chấp hành Đảng bộ tỉnh",  # the image link to the same article gives no title
        ),
        # The date inside the title is not the item's date.
        (
            "https://old.baolangson.vn/chinh-tri/146052-ky-niem-ngay-15-7-2013-tai-lang-son.html",
            "16:20 | 15/07/2013",
            "Kỷ niệm ngày 15/7/2013 tại Lạng Sơn",
        ),
        # No date in the item: the header date (the day the page was served) must not leak in.
        ("https://old.baolangson.vn/chinh-tri/146050-tiep-xuc-cu-tri.html", None, "Tiếp xúc cử tri"),
    ]
    assert {link.hints.source for link in found.articles} == {"listing"}
    assert found.listings == [
        "https://old.baolangson.vn/chinh-tri",
        "https://old.baolangson.vn/kinh-te",
        "https://old.baolangson.vn/chinh-tri/trang-2",
        "https://old.baolangson.vn/chinh-tri/trang-3",
    ]


def test_drupal_views_listing_zero_based_pager_and_month_first_dates(data, sites):
    site = sites["sonoivu"]
    html = (data / "drupal_views_listing.html").read_text(encoding="utf-8")
    found = links_from_listing(html, "https://sonoivu.langson.gov.vn/vi/tin-tuc-su-kien", site)
    assert [(link.url, link.hints.published) for link in found.articles] == [
        ("https://sonoivu.langson.gov.vn/vi/hoi-nghi-tong-ket-cong-tac-thi-dua-khen-thuong-nam-2020", "12/21/2020 - 16:15"),
        ("https://sonoivu.langson.gov.vn/vi/node/74790", "05/22/2020 - 10:30"),
    ]
    assert found.listings == [
        "https://sonoivu.langson.gov.vn/vi/tin-tuc-su-kien",
        "https://sonoivu.langson.gov.vn/vi/taxonomy/term/12",
        "https://sonoivu.langson.gov.vn/vi/tin-tuc-su-kien?page=0",
        "https://sonoivu.langson.gov.vn/vi/tin-tuc-su-kien?page=1",
        "https://sonoivu.langson.gov.vn/vi/tin-tuc-su-kien?page=41",
    ]


def test_listing_of_a_site_without_article_pattern_yields_no_articles(data, sites):
    import dataclasses

    site = dataclasses.replace(sites["sonoivu"], article_url_pattern=None)
    found = links_from_listing(
        (data / "drupal_views_listing.html").read_bytes(), "https://sonoivu.langson.gov.vn/vi/tin-tuc-su-kien", site
    )
    assert found.articles == []
    assert "https://sonoivu.langson.gov.vn/vi/tin-tuc-su-kien?page=1" in found.listings


def test_time_element_wins_and_empty_pages_are_empty(sites):
    site = sites["baolangson"]
    html = '<ul><li><a href="/a-b-1234567.html">A</a><time datetime="2025-06-17T13:43:02+0700">17/06</time></li></ul>'
    found = links_from_listing(html, "https://baolangson.vn/chinh-tri", site)
    assert found.articles[0].hints.published == "2025-06-17T13:43:02+0700"
    assert links_from_listing(b"", "https://baolangson.vn/chinh-tri", site).articles == []


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("08:54 | 16/07/2013", "08:54 | 16/07/2013"),
        ("Thu, 07/16/2020 - 08:54", "07/16/2020 - 08:54"),
        ("Thứ 4, 01.01.2014 | 08:00:00", "01.01.2014 | 08:00:00"),
        ("cập nhật 8-1-2026", "8-1-2026"),
    ],
)
def test_date_text_pattern(text, match):
    found = DATE_TEXT_RE.search(text)
    assert found is not None and found.group(0) == match
