"""extract() on recorded pages of each site template, plus the rules around trafilatura."""

from __future__ import annotations

import json
import pickle
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import lxml.html
import pytest

from pipeline.archive.seeds import parse_seed
from pipeline.document import Extraction, PageHints
from pipeline.errors import NotArticleError
from pipeline.extraction.decode import decode_html
from pipeline.extraction.extract import extract
from pipeline.extraction.page_tree import divs_as_paragraphs
from pipeline.sites import Selectors, Site, load_sites
from pipeline.text import content_hash

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "tests" / "fixtures" / "pages"  # one directory per declared site, named after it
SEEDS = ROOT / "newsharvest" / "seeds"  # shipped copies of ../shared/seeds
SITES = load_sites()
DECLARED = sorted(SITES)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _fixture(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    meta = json.loads(path.with_name(path.stem + ".meta.json").read_text(encoding="utf-8"))
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
    return meta, expected


def _extract(path: Path) -> Extraction:
    meta, _ = _fixture(path)
    html = decode_html(path.read_bytes(), meta["content_type"])
    return extract(html, meta["url"], SITES[path.parent.name], PageHints(**meta["hints"]))


def _site_pages(name: str) -> list[Path]:
    return sorted((PAGES / name).glob("*.html"))


# The inventory is driven by the site declarations: every declared site's fixture directory, nothing else.
ALL = [path for name in DECLARED for path in _site_pages(name)]
ARTICLES = [p for p in ALL if not _fixture(p)[1].get("not_article")]
NON_ARTICLES = [p for p in ALL if _fixture(p)[1].get("not_article")]
WITH_SEED = [p for p in ARTICLES if "seed" in _fixture(p)[1]]


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def test_fixture_inventory() -> None:
    assert len(WITH_SEED) == 5
    assert len(NON_ARTICLES) >= 2


@pytest.mark.parametrize("name", DECLARED)
def test_every_declared_site_has_fixtures(name: str) -> None:
    directory = PAGES / name
    todo = (
        f"site {name!r} is declared (load_sites()) but has no article fixture: add <page>.html, <page>.meta.json and "
        f"<page>.expected.json to {directory.relative_to(ROOT)}/"
    )
    assert directory.is_dir(), todo
    assert any(path in ARTICLES for path in _site_pages(name)), todo


def test_every_fixture_directory_is_a_declared_site() -> None:
    undeclared = sorted(d.name for d in PAGES.iterdir() if d.is_dir() and d.name not in SITES)
    assert not undeclared, f"fixture directories named after no declared site (load_sites()): {undeclared}"


@pytest.mark.parametrize("path", ARTICLES, ids=_id)
def test_article_fixture(path: Path) -> None:
    _, expected = _fixture(path)
    got = _extract(path)
    assert got.title == expected["title"]
    assert got.published_at is not None
    assert got.published_at.isoformat() == expected["date"]
    assert got.date_source == expected["date_source"]
    assert list(got.authors) == expected["authors"]
    assert got.lang == expected["lang"]
    for snippet in expected["with"]:
        assert snippet in got.text
    for snippet in expected["without"]:
        assert snippet not in got.text
    assert got.text.split("\n")[0] != got.title


@pytest.mark.parametrize("path", WITH_SEED, ids=_id)
def test_crawled_copy_hashes_like_seed(path: Path) -> None:
    _, expected = _fixture(path)
    seed_path = SEEDS / f"{expected['seed']}.txt"
    seed = parse_seed(seed_path.read_text(encoding="utf-8"), seed_path.stem, SITES[path.parent.name].drop_lines)
    got = _extract(path)
    assert content_hash(got.text) == content_hash(seed.text)
    assert (got.title, got.authors) == (seed.title, seed.authors)


@pytest.mark.parametrize("path", NON_ARTICLES, ids=_id)
def test_non_article_fixture(path: Path) -> None:
    with pytest.raises(NotArticleError):
        _extract(path)


def test_encoding_variants_agree() -> None:
    texts = {_extract(p).text for p in ARTICLES if "giao-ban" in p.stem and p.parent.name == "baolangson_old"}
    assert len(texts) == 1  # NFD, windows-1258 and mojibake copies extract to the same NFC text


def test_extract_is_picklable() -> None:
    assert pickle.loads(pickle.dumps(extract)) is extract


BODY = "".join(
    f"<p>Đoạn văn thứ {n}: Ban Thường vụ Tỉnh ủy tổ chức hội nghị, triển khai các nhiệm vụ trọng tâm của năm.</p>"
    for n in range(1, 6)
)


def _page(head: str = "", body: str = BODY, extra: str = "") -> str:
    title = "<title>Tiêu đề bài viết | Báo Lạng Sơn</title>"
    return f"<html><head>{head}{title}</head><body>{extra}<article>{body}</article></body></html>"


GENERIC = Site(name="generic", base_url="https://example.vn")


def test_title_from_title_tag_without_suffix() -> None:
    assert extract(_page(), "https://example.vn/a", GENERIC).title == "Tiêu đề bài viết"


def test_meta_date_beats_hints_and_lead() -> None:
    head = '<meta property="article:published_time" content="2020-05-22T08:30:00+07:00">'
    got = extract(_page(head, "<p>Ngày 1/5/2020, " + BODY[3:]), "https://example.vn/a", GENERIC, PageHints("01/01/2020"))
    assert (got.published_at, got.date_source) == (datetime(2020, 5, 22, 8, 30, tzinfo=TZ), "meta")


def test_jsonld_date() -> None:
    ld = '{"@graph": [{"@type": "NewsArticle", "datePublished": "2021-03-04T05:06:07+07:00"}]}'
    head = f'<script type="application/ld+json">{ld}</script>'
    got = extract(_page(head), "https://example.vn/a", GENERIC)
    assert (got.published_at, got.date_source) == (datetime(2021, 3, 4, 5, 6, 7, tzinfo=TZ), "jsonld")


def test_drop_selectors_css_and_xpath() -> None:
    site = Site(
        name="s", base_url="https://example.vn",
        selectors=Selectors(drop=(".header-date", "//div[@id='promo']"), date="span.post-date", author="//p[@class='author']"),
    )  # fmt: skip
    extra = (
        '<span class="header-date">Thứ ba, 19/01/2021</span>'
        '<div id="promo"><p>Quảng cáo khuyến mại cực lớn hôm nay cho mọi người!</p></div>'
    )
    body = '<span class="post-date">08:30 | 22/05/2020</span>' + BODY + '<p class="author">Thanh Huyền</p>'
    got = extract(_page(body=body, extra=extra), "https://example.vn/a", site)
    assert (got.published_at, got.date_source) == (datetime(2020, 5, 22, 8, 30, tzinfo=TZ), "selector")
    assert got.authors == ("Thanh Huyền",)
    assert "Quảng cáo" not in got.text and "Thanh Huyền" not in got.text


def test_short_page_is_not_an_article() -> None:
    with pytest.raises(NotArticleError):
        extract(_page(body="<p>Trang không tồn tại.</p>"), "https://example.vn/404", GENERIC)


def test_empty_page_is_not_an_article() -> None:
    with pytest.raises(NotArticleError):
        extract("", "https://example.vn/", GENERIC)


def test_english_last_line_is_not_taken_for_a_byline() -> None:
    sentence = "The committee met on Tuesday and discussed the plan number {} for the city budget."
    body = "".join(f"<p>{sentence.format(n)}</p>" for n in range(6))
    got = extract(_page(body=body + "<p>Associated Press</p>"), "https://example.com/a", GENERIC)
    assert got.lang == "en" and got.authors == () and got.text.endswith("Associated Press")


def test_closing_teaser_box_goes_and_the_byline_above_it_is_found() -> None:
    teaser = (
        '<div class="tdi"><a href="/a{n}"><img src="/t{n}.jpg"></a><a class="tdt" href="/a{n}">Tin tiêu điểm số {n} về'
        ' hoạt động nhân đạo</a><div class="tds">Tóm tắt của bài số {n}: hội tiếp nhận ủng hộ, trao quà cho người dân'
        " vùng lũ và tổ chức các hoạt động thiện nguyện khác trong tỉnh...</div></div>"
    )
    box = '<div class="tieudiem"><div class="head">Tin tiêu điểm</div>' + "".join(teaser.format(n=n) for n in range(6))
    paragraphs = "".join(f"<p>Đoạn {n}: hội viên các xã vùng cao được hỗ trợ sửa nhà, cây giống và con giống.</p>" for n in range(12))
    body = BODY + paragraphs + '<p style="text-align: right;"><strong>Nguyễn Thu Trang</strong></p>'
    share = '<div class="chiase"><a href="#">[Quay lại]</a> <a href="#">[Lên đầu trang]</a></div>'
    html = (
        "<html><head><title>Tiêu đề</title></head><body><div class='main'><h1>Tiêu đề bài viết</h1>"
        f"<div class='noidung'>{body}</div>{share}{box}</div></div></body></html>"
    )
    got = extract(html, "https://example.vn/a", GENERIC)
    assert got.authors == ("Nguyễn Thu Trang",)
    assert "Tóm tắt" not in got.text and "Tin tiêu điểm" not in got.text and got.text.endswith("cây giống và con giống.")


def test_a_page_without_an_article_is_not_its_footer() -> None:
    footer = (
        "<footer><p>Báo Lạng Sơn điện tử. Giấy phép số 123/GP-BTTTT do Bộ Thông tin và Truyền thông cấp ngày 1/1/2020.</p>"
        "<p>Địa chỉ: Số 1 đường Hoàng Văn Thụ, phường Chi Lăng, thành phố Lạng Sơn, tỉnh Lạng Sơn, Việt Nam.</p>"
        "<p>Tổng biên tập: Nguyễn Văn A. Điện thoại: 0205 3812 345. Email: baolangson@gmail.com. Ghi rõ nguồn khi"
        " phát hành lại thông tin từ website này.</p></footer>"
    )
    menu = "<nav><ul>" + "".join(f"<li><a href='/c{n}'>Chuyên mục số {n}</a></li>" for n in range(8)) + "</ul></nav>"
    html = f"<html><head><title>Ảnh phóng sự</title></head><body>{menu}<h1>Ảnh phóng sự</h1><img src='/a.jpg'>{footer}</body></html>"
    with pytest.raises(NotArticleError, match="no article body: only the page's header, footer or menus"):
        extract(html, "https://example.vn/anh", GENERIC)


EN_BODY = "".join(
    f"<p>Paragraph {n}: exporters shipped more rice to the Philippines and Indonesia, the ministry said on Tuesday.</p>"
    for n in range(6)
)


def test_an_english_lead_that_opens_with_the_dateline_is_the_first_paragraph() -> None:
    lead = "HÀ NỘI — Việt Nam exported 3.3 million tonnes of rice in the first four months, the ministry said."
    html = (
        "<html lang='en'><head><title>Rice exports</title></head><body><article><h1>Rice exports rise</h1>"
        f"<div class='detail-sapo'>{lead}</div><div class='detail-content'>{EN_BODY}</div></article></body></html>"
    )
    site = Site(name="en", base_url="https://example.com", lang="en")
    assert extract(html, "https://example.com/a", site).text.startswith(lead)


def test_an_agency_byline_element_is_the_attribution() -> None:
    html = (
        "<html lang='en'><head><title>Dong</title></head><body><article><h1>Central bank sells dollars</h1>"
        "<div class='css-byline css-byline--agency'><span class='agency'>Reuters</span></div>"
        f"{EN_BODY}</article></body></html>"
    )
    got = extract(html, "https://example.com/a", Site(name="en", base_url="https://example.com", lang="en"))
    assert (got.authors, got.attribution) == ((), "Reuters")


def test_a_lazy_loaded_photo_keeps_its_caption() -> None:
    figure = (
        "<figure class='wp-caption'><img src='data:,' data-lazy-src='/a.jpg'><noscript><img src='/a.jpg'></noscript>"
        "<figcaption>Một góc ngõ cổ ở thôn Bát Tràng. Ảnh: Trần Minh Đức</figcaption></figure>"
    )
    got = extract(_page(body=BODY + figure + BODY.replace("Đoạn", "Phần")), "https://example.vn/a", GENERIC)
    assert "Một góc ngõ cổ ở thôn Bát Tràng. Ảnh: Trần Minh Đức" in got.text.splitlines()


def test_a_closing_author_bio_names_the_writer_when_nothing_else_does() -> None:
    bio = "<p><strong>Nguyễn Thị Lan</strong> is Green Karst’s community outreach officer in Cao Bằng.</p>"
    html = f"<html lang='en'><head><title>Rangers</title></head><body><article><h1>Rangers trained</h1>{EN_BODY}{bio}</article></body></html>"
    got = extract(html, "https://example.org/a", Site(name="en", base_url="https://example.org", lang="en"))
    assert got.authors == ("Nguyễn Thị Lan",) and "outreach officer" not in got.text


def test_a_visible_byline_beats_a_meta_author_naming_the_site() -> None:
    head = '<meta id="MetaAuthor" name="author" content="Sở Lao động - Thương binh và Xã hội tỉnh Thái Nguyên">'
    byline = '<div class="tacgia-tin"><span id="dnn_lblAuthor" class="tacgia">Ngọc Lan - Trung tâm Dịch vụ việc làm</span></div>'
    got = extract(_page(head=head, extra=byline), "https://example.vn/a", GENERIC)
    assert got.authors == ("Ngọc Lan",)


def test_a_short_author_box_is_the_byline_and_an_account_is_not() -> None:
    head = '<meta name="author" content="ctv_doisong">'
    box = (
        "<div class='author-box'><img class='avatar' src='/a.jpg' alt=''> <a class='author-name' rel='author'"
        " href='/tac-gia/minh-chau'>ThS. Minh Châu</a> - <a class='author-name' rel='author' href='/tac-gia/le-hang'>"
        "Lê Hằng</a></div>"
    )
    got = extract(_page(head=head, extra=box), "https://example.vn/a", GENERIC)
    assert got.authors == ("Minh Châu", "Lê Hằng")


def test_the_innermost_byline_element_names_the_writers() -> None:
    """Ghost's byline block holds the date and the reading time around its author names; Tuổi Trẻ's has one box per
    writer, each with a "Theo dõi" (follow) button."""
    ghost = (
        "<div class='article-byline'><section class='article-byline-content'><div class='article-byline-meta'>"
        "<h4 class='author-name'><a href='/author/a/'>Nguyễn Thảo Vy</a>, <a href='/author/b/'>Trần Đức Huy</a></h4>"
        "<div class='byline-meta-content'><time datetime='2024-05-14'>14 thg 5, 2024</time> • 6 phút đọc</div>"
        "</div></section></div>"
    )
    assert extract(_page(extra=ghost), "https://example.vn/a", GENERIC).authors == ("Nguyễn Thảo Vy", "Trần Đức Huy")
    boxes = "".join(
        f"<div class='author-info'><div class='author-meta'><a class='name' href='/tac-gia/x'>{name}</a>"
        "<span class='author-follow'><i class='icon-plus'></i> Theo dõi</span></div></div>"
        for name in ("Hoàng Hương", "Mai Trâm")
    )
    got = extract(_page(extra=f"<div class='detail-author'>{boxes}</div>"), "https://example.vn/a", GENERIC)
    assert (got.authors, got.attribution) == (("Hoàng Hương", "Mai Trâm"), "")


def test_a_layout_wrapper_named_sidebar_around_main_is_no_sidebar() -> None:
    field = (
        "<div class='field field--name-field-tac-gia'><div class='field__label'>Tác giả</div>"
        "<div class='field__item'>Văn phòng Hiệp hội</div></div>"
    )
    html = _page(extra="").replace("<body>", "<body><div class='sidebar-grid'><main>").replace(
        "</article>", f"</article>{field}</main></div>"
    )
    assert extract(html, "https://example.vn/a", GENERIC).authors == ("Văn phòng Hiệp hội",)


def test_a_department_signing_in_bold_before_the_attachments_is_the_author() -> None:
    head = '<meta name="COPYRIGHT" content="Copyright 2024 by Cục Thống kê tỉnh Nam Định"><meta id="MetaAuthor" name="AUTHOR" content="Cục Thống kê tỉnh Nam Định">'
    body = BODY + BODY.replace("Đoạn", "Phần") + '<p align="right"><b>Phòng Thống kê Tổng hợp</b></p><p><b>File đính kèm:</b> bao-cao.pdf</p>'
    got = extract(_page(head=head, body=body), "https://example.vn/a", GENERIC)
    assert got.authors == ("Phòng Thống kê Tổng hợp",)


def test_a_camel_case_author_class_is_a_byline_element() -> None:
    byline = '<div class="NewsAuthor">ThS. Trần Thị Mai Hương - Phòng Thống kê Dân số - Xã hội</div>'
    head = '<meta name="COPYRIGHT" content="Copyright 2024 by Cục Thống kê tỉnh Nam Định"><meta name="AUTHOR" content="Cục Thống kê tỉnh Nam Định">'
    got = extract(_page(head=head, extra=byline), "https://example.vn/a", GENERIC)
    assert got.authors == ("Trần Thị Mai Hương",)


def test_a_title_tag_led_by_the_site_name_keeps_the_dashes_of_the_headline() -> None:
    html = (
        "<html><head><title>SỞ NÔNG NGHIỆP VÀ PTNT :: Hội nghị sơ kết vụ Đông Xuân 2009 - 2010, triển khai vụ Hè Thu</title>"
        f"</head><body><table><tr><td>{BODY}</td></tr></table></body></html>"
    )
    assert extract(html, "https://example.vn/a", GENERIC).title == "Hội nghị sơ kết vụ Đông Xuân 2009 - 2010, triển khai vụ Hè Thu"


def test_the_heading_of_a_closing_teaser_block_goes_with_it() -> None:
    item = (
        '<div class="news-row"><h4><a href="/t{n}">Tin số {n} của huyện về phong trào văn nghệ quần chúng</a></h4>'
        "<p>Tóm tắt tin số {n}: các xã tổ chức nhiều hoạt động văn hóa, văn nghệ chào mừng ngày lễ lớn.</p></div>"
    )
    box = "<div class='block-news'><h3>Tin tức - Sự kiện</h3>" + "".join(item.format(n=n) for n in range(5)) + "</div>"
    body = BODY + BODY.replace("Đoạn", "Phần") + BODY.replace("Đoạn", "Mục") + "<p><strong>Hồng Nhung - Đình Tuấn</strong></p>"
    html = f"<html><head><title>T</title></head><body><div class='main'><h1>Tiêu đề bài viết</h1>{body}{box}</div></body></html>"
    got = extract(html, "https://example.vn/a", GENERIC)
    assert got.authors == ("Hồng Nhung", "Đình Tuấn") and "Tin tức - Sự kiện" not in got.text


def test_a_comment_time_is_not_the_publication_date() -> None:
    comments = (
        "<div class='comments-area'><ol class='comment-list'><li><div class='comment-metadata'>"
        "<time datetime='2024-05-15T08:02:11-04:00'>May 15, 2024 at 8:02 am</time></div><p>Great event!</p></li></ol></div>"
    )
    html = (
        "<html lang='en'><head><title>Seniors</title></head><body><article><h1>Seniors get moving</h1>"
        f"<div class='entry-meta'>Posted by admin | May 14, 2024</div>{EN_BODY}{comments}</article></body></html>"
    )
    got = extract(html, "https://example.ca/a", Site(name="en", base_url="https://example.ca", lang="en", timezone="America/Toronto"))
    assert got.published_at is not None and got.published_at.date().isoformat() == "2024-05-14"
    assert got.published_precision == "day"


def test_a_headline_without_h1_drops_the_site_name_from_og_title() -> None:
    head = '<meta property="og:title" content="Xã Tân Lập ra quân tổng vệ sinh môi trường - Cổng thông tin điện tử xã Tân Lập">'
    extra = "<h3 class='header-title'>Xã Tân Lập ra quân tổng vệ sinh môi trường</h3>"
    assert extract(_page(head=head, extra=extra), "https://example.vn/a", GENERIC).title == "Xã Tân Lập ra quân tổng vệ sinh môi trường"


def test_a_body_written_in_divs_alone_becomes_paragraphs() -> None:
    sentence = "Công đoàn các khu công nghiệp tỉnh tổ chức trao hỗ trợ xây dựng, sửa chữa nhà ở cho đoàn viên khó khăn trong năm nay"
    content = (
        f"<div class='news-content'><div>{sentence} (đợt 1).</div><div>&nbsp;</div><div><b>Niềm vui của người lao động</b></div>"
        f"<div>{sentence} (đợt 2).</div></div>"
    )
    root = lxml.html.fromstring(f"<html><body>{content}<div class='menu'><div>Trang chủ</div><div>Giới thiệu</div></div></body></html>")
    divs_as_paragraphs(root)
    assert [p.text_content() for p in root.iter("p")] == [f"{sentence} (đợt 1).", "Niềm vui của người lao động", f"{sentence} (đợt 2)."]


def test_a_related_list_of_headlines_with_summaries_is_taken_out() -> None:
    item = (
        "<li><a href='/t{n}'><img src='/t{n}.jpg' alt=''></a><h3><a href='/t{n}'>Tin cùng chuyên mục số {n} về khoa học vật liệu</a></h3>"
        "<p>Các nhà khoa học cho biết kết quả này mở ra hướng tiếp cận mới.</p></li>"
    )
    related = "<div class='box-title'>Tin cùng chuyên mục</div><ul class='list-news'>" + "".join(item.format(n=n) for n in range(4)) + "</ul>"
    body = BODY + BODY.replace("Đoạn", "Phần")
    html = f"<html><head><title>T</title></head><body><div class='main'><h1>Tiêu đề bài viết</h1>{body}{related}</div></body></html>"
    assert "hướng tiếp cận mới" not in extract(html, "https://example.vn/a", GENERIC).text


def test_a_page_that_shows_only_its_modification_time_has_no_publication_date() -> None:
    update = "<div class='post-meta'><span class='update'>Cập nhật: 22/08/2025 09:05</span></div>"
    modified = '<meta property="article:modified_time" content="2025-08-22T09:05:00+07:00">'
    got = extract(_page(head=modified, extra=update), "https://example.vn/a", GENERIC)
    assert got.published_at is None
    # an old portal that labels its posting time "Cập nhật", with no metadata saying otherwise, keeps it
    kept = extract(_page(extra=update), "https://example.vn/a", GENERIC)
    assert kept.published_at is not None and kept.published_at.isoformat() == "2025-08-22T09:05:00+07:00"
