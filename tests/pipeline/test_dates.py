"""Date parsing: every format seen on the Lạng Sơn and peer sites (SITES.md §4)."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from pipeline.extraction.dates import find_date_in_lead, parse_date, reference_from_body

TZ = ZoneInfo("Asia/Ho_Chi_Minh")

DMY_CASES = [
    ("2025-06-17T13:43:02+0700", "2025-06-17T13:43:02+07:00"),
    ("2020-05-22T08:30:00+07:00", "2020-05-22T08:30:00+07:00"),
    ("2020-05-22T01:30:00Z", "2020-05-22T01:30:00+00:00"),
    ("2020-05-22", "2020-05-22T00:00:00+07:00"),
    ("Thu, 21 May 2020 10:15:00 +0700", "2020-05-21T10:15:00+07:00"),
    ("Thu, 21 May 2020 03:15:00 GMT", "2020-05-21T03:15:00+00:00"),
    ("Thứ ba, 19/01/2021", "2021-01-19T00:00:00+07:00"),
    ("Thứ ba,\xa0 19/01/2021", "2021-01-19T00:00:00+07:00"),
    ("Ngày 22/5/2020", "2020-05-22T00:00:00+07:00"),
    ("Sáng 21/12/2020", "2020-12-21T00:00:00+07:00"),
    ("Chiều ngày 15/7/2020", "2020-07-15T00:00:00+07:00"),
    ("15:30 | 12/10/2020", "2020-10-12T15:30:00+07:00"),
    ("08:54 | 16/07/2013", "2013-07-16T08:54:00+07:00"),
    ("Cập nhật lúc 15:30 ngày 12/10/2020", "2020-10-12T15:30:00+07:00"),
    ("Cập nhật: 15/07/2020 09:12", "2020-07-15T09:12:00+07:00"),
    ("Ngày đăng: 21/05/2020", "2020-05-21T00:00:00+07:00"),
    ("14:15, 27/11/2020", "2020-11-27T14:15:00+07:00"),
    ("12:49 25/10/2021", "2021-10-25T12:49:00+07:00"),
    ("17/06/2025 13:43", "2025-06-17T13:43:00+07:00"),
    ("08/01/2026 - 18:21", "2026-01-08T18:21:00+07:00"),
    ("Thứ 4, 01.01.2014 | 08:00:00", "2014-01-01T08:00:00+07:00"),
    ("Thứ tư, 22/10/2025, 19:25 (GMT+7)", "2025-10-22T19:25:00+07:00"),
    ("THỨ HAI, 01/06/2020 18:56:52", "2020-06-01T18:56:52+07:00"),
    ("12 tháng 11 năm 2020", "2020-11-12T00:00:00+07:00"),
    ("Ngày 12 tháng 11 năm 2020", "2020-11-12T00:00:00+07:00"),
    (unicodedata.normalize("NFD", "Thứ Tư, 24/12/2025 09:30:00 +07:00"), "2025-12-24T09:30:00+07:00"),
    (unicodedata.normalize("NFD", "Thứ ba, 19/01/2021"), "2021-01-19T00:00:00+07:00"),
    ("05/06/2020", "2020-06-05T00:00:00+07:00"),  # day-first unless the site says otherwise
]


@pytest.mark.parametrize(("text", "expected"), DMY_CASES)
def test_parse_date_day_first(text: str, expected: str) -> None:
    found = parse_date(text, TZ)
    assert found is not None
    assert found.isoformat() == expected


MDY_CASES = [
    ("Thu, 05/21/2020 - 10:15", "2020-05-21T10:15:00+07:00"),
    ("Gửi bởi admin vào T5, 05/21/2020 - 10:15", "2020-05-21T10:15:00+07:00"),
    ("Fri, 06/05/2020 - 09:00", "2020-06-05T09:00:00+07:00"),  # month first: 5 June
    ("Fri, 21/05/2020", "2020-05-21T00:00:00+07:00"),  # day > 12: unambiguous whatever the order
    ("2020-05-21T10:15:00+07:00", "2020-05-21T10:15:00+07:00"),
]


@pytest.mark.parametrize(("text", "expected"), MDY_CASES)
def test_parse_date_month_first(text: str, expected: str) -> None:
    found = parse_date(text, TZ, order="MDY")
    assert found is not None
    assert found.isoformat() == expected


def test_gmt_plus_is_east_of_utc() -> None:
    found = parse_date("Thứ tư, 22/10/2025, 19:25 (GMT+7)", ZoneInfo("UTC"))
    assert found is not None and found.utcoffset() is not None
    assert found.utcoffset().total_seconds() == 7 * 3600  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text", ["13/13/2020", "32/01/2020", "01/01/1985", "01/01/2099", "2020-13-01", "", "không có ngày", "30/02/2021"]
)
def test_rejects_impossible(text: str) -> None:
    assert parse_date(text, TZ) is None


def test_day_month_takes_year_from_reference() -> None:
    ref = datetime(2020, 12, 31, tzinfo=TZ)
    assert parse_date("Chiều nay (12/10)", TZ, reference=ref) == datetime(2020, 10, 12, tzinfo=TZ)
    # The latest year not after the reference: 20/12 seen on 5/1/2021 is December 2020.
    assert parse_date("20/12", TZ, reference=datetime(2021, 1, 5, tzinfo=TZ)) == datetime(2020, 12, 20, tzinfo=TZ)
    assert parse_date("12/10", TZ) is None  # no year and no reference: unknown


def test_dateparser_fallback_for_words() -> None:
    ref = datetime(2020, 10, 12, 18, 0, tzinfo=TZ)
    found = parse_date("Hôm qua 10:05", TZ, reference=ref)
    assert found is not None and found.isoformat() == "2020-10-11T10:05:00+07:00"


@pytest.mark.parametrize(
    ("lead", "expected"),
    [
        ("LSO-Ngày 22/5/2020, Đảng bộ Văn phòng UBND tỉnh tổ chức đại hội", datetime(2020, 5, 22, tzinfo=TZ)),
        ("LSO- Sáng 21/12/2020, Đảng uỷ Khối", datetime(2020, 12, 21, tzinfo=TZ)),
        ("\xa0 \xa0 Ngày 21/5/2020, Đảng bộ Sở Nội vụ", datetime(2020, 5, 21, tzinfo=TZ)),
        ("Chiều ngày 15/7/2020, Đảng bộ Khối", datetime(2020, 7, 15, tzinfo=TZ)),
        ("(CTO) - Ngày 12 tháng 11 năm 2020, hội nghị", datetime(2020, 11, 12, tzinfo=TZ)),
        ("LSO-Chiều nay (12/10), Ban Chấp hành", datetime(2020, 10, 12, tzinfo=TZ)),
        ("Tỷ lệ 3/4 đảng viên đạt loại tốt", None),
    ],
)
def test_find_date_in_lead(lead: str, expected: datetime | None) -> None:
    assert find_date_in_lead(lead, TZ, datetime(2020, 12, 31, tzinfo=TZ)) == expected


def test_reference_from_body_ignores_range_ends_and_later_years() -> None:
    body = "Trong 9 tháng đầu năm 2020 ... nhiệm kỳ 2020-2025 ... giai đoạn 2017 - 2020 ... năm 2023"
    ref = reference_from_body(body, datetime(2022, 1, 18, tzinfo=TZ), TZ)
    assert ref is not None and ref.year == 2020
    assert reference_from_body("không có năm", None, TZ) is None
