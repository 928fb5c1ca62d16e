"""Which of a page's dates is its publication date, and how precise it is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from pipeline.document import PageHints
from pipeline.extraction.dates import parse_date_found
from pipeline.extraction.extract import extract
from pipeline.sites import Site

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SITE = Site(name="generic", base_url="https://example.vn")
BODY = "".join(
    f"<p>Đoạn {i}: UBND tỉnh tổ chức hội nghị triển khai nhiệm vụ, các sở, ngành báo cáo kết quả thực hiện trong quý vừa qua.</p>"
    for i in range(6)
)


def page(head: str = "", dateline: str = "", header_date: str = "Thứ năm, 03/12/2026", body: str = BODY) -> str:
    return (
        f"<html lang='vi'><head><title>Tiêu đề bài viết thử nghiệm - Báo X</title>{head}</head><body>"
        f"<div class='top-bar'><span class='today'>{header_date}</span></div>"
        f"<div class='article'><h1>Tiêu đề bài viết thử nghiệm</h1>{dateline}<div class='content'>{body}</div></div>"
        "</body></html>"
    )


def test_an_offset_beats_a_naive_value_read_in_the_site_timezone() -> None:
    head = (
        '<meta property="article:published_time" content="2024-05-14T09:30:00">'
        '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2024-05-14T09:30:00-04:00"}</script>'
    )
    got = extract(page(head), "https://example.vn/a", SITE)
    assert got.published_at == datetime(2024, 5, 14, 9, 30, tzinfo=timezone(timedelta(hours=-4)))
    assert got.published_at.utcoffset() == timedelta(hours=-4)
    assert (got.date_source, got.published_precision) == ("jsonld", "second")


def test_a_day_is_a_day_and_borrows_the_time_a_dateline_gives_that_day() -> None:
    got = extract(page('<meta name="pubdate" content="2024-05-14">'), "https://example.vn/a", SITE)
    assert (got.published_at, got.published_precision) == (datetime(2024, 5, 14, tzinfo=TZ), "day")
    dated = extract(page('<meta name="pubdate" content="2024-05-14">', "<div class='post-date'>14/05/2024 09:30</div>"),
                    "https://example.vn/a", SITE)  # fmt: skip
    assert (dated.published_at, dated.published_precision) == (datetime(2024, 5, 14, 9, 30, tzinfo=TZ), "minute")


def test_the_header_today_date_never_wins_over_the_dateline() -> None:
    got = extract(page(dateline="<span class='h5'>Thứ hai - 13/05/2024 15:42</span>"), "https://example.vn/a", SITE)
    assert got.published_at == datetime(2024, 5, 13, 15, 42, tzinfo=TZ)
    assert got.date_source == "visible"


def test_published_beats_updated_and_times_stay_with_their_own_date() -> None:
    dateline = "<div class='info'><span>Ngày đăng: 20/05/2024</span> | <span>Cập nhật lúc 10:12 ngày 22/05/2024</span></div>"
    got = extract(page(dateline=dateline), "https://example.vn/a", SITE)
    assert (got.published_at, got.published_precision) == (datetime(2024, 5, 20, tzinfo=TZ), "day")


def test_a_label_after_an_icon_still_labels_the_date() -> None:
    # "<i class='fa-clock'></i> Ngày đăng: …": the label is the icon's tail, the dateline the div; the lead cites
    # an older date that must not win
    dateline = "<div class='detail-meta'><i class='fa fa-clock-o'></i> Ngày đăng: 20/03/2024 | Lượt xem: 356</div>"
    body = "<p>Thực hiện Chỉ thị số 01/CT-VKSTC ngày 02/01/2024, đơn vị tổ chức phiên tòa rút kinh nghiệm.</p>" + BODY
    got = extract(page(dateline=dateline, body=body), "https://example.vn/a", SITE)
    assert (got.published_at, got.published_precision) == (datetime(2024, 3, 20, tzinfo=TZ), "day")


def test_a_date_field_stored_at_noon_utc_is_the_day_it_shows() -> None:
    # Drupal date-only fields: <time datetime="…T12:00:00Z">16 May 2024</time>
    got = extract(page(dateline="<time datetime='2024-05-16T12:00:00Z'>16 May 2024</time>"), "https://example.vn/a", SITE)
    assert (got.published_at.date(), got.published_precision) == (datetime(2024, 5, 16).date(), "day")
    timed = extract(page(dateline="<time datetime='2024-05-16T09:40:00Z'>16 May 2024</time>"), "https://example.vn/a", SITE)
    assert timed.published_at == datetime(2024, 5, 16, 9, 40, tzinfo=UTC)  # a real time stays


def test_utc_markup_is_shown_on_the_clock_the_page_prints() -> None:
    head = '<meta property="article:published_time" content="2024-05-14T02:30:00+00:00">'
    got = extract(page(head, "<time datetime='2024-05-14T09:30:00+07:00'>14/05/2024 09:30</time>"), "https://example.vn/a", SITE)
    assert got.published_at == datetime(2024, 5, 14, 2, 30, tzinfo=UTC)
    assert got.published_at.utcoffset() == timedelta(hours=7)


def test_listing_hint_and_lead_are_later_sources() -> None:
    hinted = extract(page(), "https://example.vn/a", SITE, PageHints(published="08:54 | 16/07/2013", source="listing"))
    assert (hinted.published_at, hinted.date_source) == (datetime(2013, 7, 16, 8, 54, tzinfo=TZ), "hints:listing")
    lead = "<p>Ngày 22/5/2020, Đảng bộ Sở tổ chức Đại hội lần thứ III, nhiệm kỳ 2020 - 2025 với sự tham dự của 120 đảng viên.</p>"
    led = extract(page(body=lead + BODY), "https://example.vn/a", SITE)
    assert (led.published_at, led.date_source, led.published_precision) == (datetime(2020, 5, 22, tzinfo=TZ), "lead", "day")


@pytest.mark.parametrize(
    ("text", "moment", "precision", "explicit"),
    [
        ("14/05/2024 9:30 SA", datetime(2024, 5, 14, 9, 30, tzinfo=TZ), "minute", False),
        ("14/05/2024 2:15 CH", datetime(2024, 5, 14, 14, 15, tzinfo=TZ), "minute", False),
        ("28/05/2024 12:05 CH", datetime(2024, 5, 28, 12, 5, tzinfo=TZ), "minute", False),
        ("2025-06-17T13:43:02+0700", datetime(2025, 6, 17, 13, 43, 2, tzinfo=TZ), "second", True),
        ("2024-05-13+0715:42:00", datetime(2024, 5, 13, tzinfo=TZ), "day", False),  # NukeViet's broken format
        ("May 14, 2024 9:30 a.m. EDT", datetime(2024, 5, 14, 9, 30, tzinfo=timezone(timedelta(hours=-4))), "minute", True),
        ("Nov. 18, 2019 at 10:05 PM", datetime(2019, 11, 18, 22, 5, tzinfo=TZ), "minute", False),
        ("14 Tháng Năm, 2024", datetime(2024, 5, 14, tzinfo=TZ), "day", False),
        ("Ngày đăng: 20/05/2024 | Cập nhật lúc 10:12 ngày 22/05/2024", datetime(2024, 5, 20, tzinfo=TZ), "day", False),
    ],
)
def test_parse_date_found(text: str, moment: datetime, precision: str, explicit: bool) -> None:
    found = parse_date_found(text, TZ)
    assert found is not None
    assert (found.moment, found.precision, found.explicit_offset) == (moment, precision, explicit)


@pytest.mark.parametrize("text", ["14:05", "lúc 9:30 a.m.", "June 3"])
def test_a_time_or_a_yearless_day_alone_is_no_date(text: str) -> None:
    """Without a reference (a listing's date) dateparser would fill in today's day or this year."""
    assert parse_date_found(text, TZ) is None


def test_a_microformat_abbr_states_its_date_in_its_title() -> None:
    stamp = "<abbr class='published' itemprop='datePublished' title='2024-06-03T14:05:00+07:00'>14:05</abbr>"
    got = extract(page(dateline=f"<div class='post-footer'>{stamp}</div>"), "https://example.vn/a", SITE)
    assert got.published_at == datetime(2024, 6, 3, 14, 5, tzinfo=TZ)
