"""Date parsing for Vietnamese news pages: timezone-aware datetimes that keep the time of day, and say how precise
they are.

A regex path handles the numeric forms these sites print (≈1 µs a call); dateparser (≈1 ms a call, 100+ ms on first
use, and blind to dates preceded by words) is only the fallback for worded dates.

``parse_date_found`` returns a ``FoundDate``: the moment, its precision (``day`` when the text gave no time of day:
the moment is then local midnight, a stand-in, not a fact) and whether the text stated its own UTC offset (a date
without one was read in the site's timezone, and loses to one with).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

__all__ = ["PRECISIONS", "FoundDate", "find_date_in_lead", "parse_date", "parse_date_found", "reference_from_body"]

# How precise a stored date is: a day only, or a time to the minute or second.
PRECISIONS = ("day", "minute", "second")


@dataclass(frozen=True)
class FoundDate:
    """A parsed date: the moment (aware), ``precision`` (one of ``PRECISIONS``) and whether its offset was stated."""

    moment: datetime
    precision: str
    explicit_offset: bool

    @property
    def has_time(self) -> bool:
        """Whether a time of day was given (precision finer than a day)."""
        return self.precision != "day"


MIN_YEAR = 1990
# How far into the future a date may lie: a page's clock and ours can disagree by hours, not by days.
_FUTURE_SLACK = timedelta(days=1)

_ISO_RE = re.compile(
    r"(?<!\d)(\d{4})[-/](\d{1,2})[-/](\d{1,2})"
    # the offset belongs to the time: "2024-05-13+0715:42:00" (a CMS's broken format) is a day, not 00:00+07:15
    r"(?:[T ]\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?(?![\d:])"
)
_RFC822_RE = re.compile(r"^\s*(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}")
_NUMERIC_RE = re.compile(r"(?<![\d/.-])(\d{1,2})\s*([/.-])\s*(\d{1,2})\s*\2\s*(\d{4})(?![\d/])")
_WORDED_RE = re.compile(r"(?<!\d)(\d{1,2})\s+tháng\s+(\d{1,2})(?:\s*(?:năm|,)?\s*(\d{4}))?(?!\d)", re.IGNORECASE)
# English month names, as English-language pages print them: "May 14, 2024", "14 May 2024", "Nov. 18, 2019".
_MONTHS = {m: i for i, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")), start=1) for m in names}  # fmt: skip
_MONTH_NAME = r"(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_EN_MONTH_DAY_RE = re.compile(rf"\b{_MONTH_NAME}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?!\d)", re.IGNORECASE)
# Month names in words, as Vietnamese WordPress prints them: "Tháng Năm 8, 2024", "8 Tháng Năm, 2024".
_VI_MONTHS = {
    "một": 1, "giêng": 1, "hai": 2, "ba": 3, "tư": 4, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9,
    "mười": 10, "mười một": 11, "mười hai": 12, "chạp": 12,
}  # fmt: skip
_VI_MONTH_NAME = r"tháng\s+(" + "|".join(sorted(_VI_MONTHS, key=len, reverse=True)) + r"|\d{1,2})"
_VI_MONTH_DAY_RE = re.compile(rf"{_VI_MONTH_NAME}\s+(\d{{1,2}}),?\s+(\d{{4}})(?!\d)", re.IGNORECASE)
_VI_DAY_MONTH_RE = re.compile(rf"(?<!\d)(\d{{1,2}})\s+{_VI_MONTH_NAME},?\s+(?:năm\s+)?(\d{{4}})(?!\d)", re.IGNORECASE)
_EN_DAY_MONTH_RE = re.compile(rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_NAME},?\s+(\d{{4}})(?!\d)", re.IGNORECASE)
_DAY_MONTH_RE = re.compile(r"(?<![\d/.])(\d{1,2})/(\d{1,2})(?![/\d])")
_TIME_RE = re.compile(
    r"(?<![\d:/.])(\d{1,2})\s*[:h]\s*(\d{2})(?::(\d{2}))?(?![\d/])(?:\s*(?:([ap])\.?\s?m\b\.?|(SA|CH)\b))?", re.IGNORECASE
)
_GMT_RE = re.compile(r"\b(?:GMT|UTC)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)
# Zone abbreviations English-language pages print after a time; each names one fixed offset (hours east of UTC).
_ZONE_ABBREVIATIONS = {
    "UTC": 0, "GMT": 0, "Z": 0, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "IST": 5.5, "ICT": 7, "WIB": 7,
    "SGT": 8, "HKT": 8, "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
}  # fmt: skip
_ZONE_ABBREVIATION_RE = re.compile(r"(?<![\w+-])(" + "|".join(k for k in _ZONE_ABBREVIATIONS if k != "Z") + r")\b(?!\s*[+-]\d)")
_TRAILING_OFFSET_RE = re.compile(r"^\s*([+-])(\d{2}):?(\d{2})(?!\d)")
# In a lead a bare "12/10" is a date only next to a time-of-day word or in parentheses: "Chiều nay (12/10)".
_LEAD_DAY_MONTH_RE = re.compile(
    r"(?:\(\s*|\b(?:ngày|nay|sáng|trưa|chiều|tối|đêm|hôm)\s+)(\d{1,2})/(\d{1,2})(?![/\d])", re.IGNORECASE
)
_YEAR_RE = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
# The end of a range ("nhiệm kỳ 2020-2025", "giai đoạn 2021 - 2030") is a plan's horizon, not the time of writing.
_RANGE_END_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-–]\s*(?:19|20)\d{2}(?!\d)")
_LEAD_CHARS = 300
# How far from a date its time of day may be printed ("08:54 | 16/07/2013", "Thứ tư, 22/10/2025, 19:25 (GMT+7)").
_TIME_REACH = 30
# Another date, or the label of another time ("Cập nhật lúc", "Updated"), ends the text a date's time is looked for in.
_OTHER_STAMP_RE = re.compile(
    r"\d{1,4}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{2,4}|cập\s*nhật|sửa\s*đổi|chỉnh\s*sửa|updated|modified|edited", re.IGNORECASE
)


def _clean(text: str) -> str:
    # NFC so that a decomposed "Thứ" or "tháng" matches; NBSP appears inside dates ("Thứ ba,&nbsp; 19/01/2021").
    return " ".join(unicodedata.normalize("NFC", text).replace("\xa0", " ").split())


def _offset(sign: str, hours: str, minutes: str | None) -> tzinfo:
    delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
    return timezone(-delta if sign == "-" else delta)


def _valid(dt: datetime) -> datetime | None:
    if dt.year < MIN_YEAR or dt > datetime.now(UTC) + _FUTURE_SLACK:
        return None
    return dt


def _build(
    y: int, mo: int, d: int, hh: int, mi: int, ss: int, tz: tzinfo, precision: str = "day", explicit: bool = False
) -> FoundDate | None:
    try:
        moment = _valid(datetime(y, mo, d, hh, mi, ss, tzinfo=tz))
    except ValueError:  # month 13, 31 June, 25:00 ...
        return None
    return FoundDate(moment, precision, explicit) if moment is not None else None


@dataclass(frozen=True)
class _TimeOfDay:
    hh: int = 0
    mi: int = 0
    ss: int = 0
    precision: str = "day"
    explicit: bool = False


def _time_and_zone(text: str, date_span: tuple[int, int], tz: tzinfo) -> tuple[_TimeOfDay, tzinfo]:
    """The time of day and offset printed around a date, if any; midnight in the site timezone otherwise.

    Only the text near the date counts: in "Ngày đăng: 20/05/2024 | Cập nhật lúc 10:12 ngày 22/05/2024" the time
    belongs to the second date, and another date between them ends the search.
    """
    start, end = max(0, date_span[0] - _TIME_REACH), min(len(text), date_span[1] + _TIME_REACH)
    before, after = text[start : date_span[0]], text[date_span[1] : end]
    before = _OTHER_STAMP_RE.split(before)[-1]
    after = _OTHER_STAMP_RE.split(after)[0]
    rest = " " * (date_span[0] - len(before)) + before + " " * (date_span[1] - date_span[0]) + after
    found = _TimeOfDay()
    explicit = False
    m = _TIME_RE.search(rest)
    if m:
        hh, mi, ss = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        half = (m.group(4) or m.group(5) or "").lower()
        if half in ("p", "ch") and hh < 12:  # p.m.; "CH" (chiều) is the Vietnamese p.m. of SharePoint and Windows
            hh += 12
        elif half in ("a", "sa") and hh == 12:
            hh = 0
        if hh < 24 and mi < 60 and ss < 60:
            found = _TimeOfDay(hh, mi, ss, "second" if m.group(3) else "minute")
        trailing = _TRAILING_OFFSET_RE.match(rest[m.end() :])
        if trailing:
            tz, explicit = _offset(*trailing.groups()), True
    gmt = _GMT_RE.search(rest)
    if gmt:
        # "(GMT+7)" means seven hours ahead of UTC: unlike POSIX TZ strings, the sign is taken as written.
        tz, explicit = _offset(*gmt.groups()), True
    elif (abbreviation := _zone_abbreviation(rest)) is not None:
        tz, explicit = abbreviation, True
    return _TimeOfDay(found.hh, found.mi, found.ss, found.precision, explicit), tz


def _vi_month(word: str) -> int:
    word = " ".join(word.lower().split())
    return int(word) if word.isdigit() else _VI_MONTHS[word]


def _zone_abbreviation(text: str) -> tzinfo | None:
    m = _ZONE_ABBREVIATION_RE.search(text)
    return timezone(timedelta(hours=_ZONE_ABBREVIATIONS[m.group(1)])) if m else None


def _year_for(day: int, month: int, reference: datetime) -> int:
    """The latest year in which day/month does not fall after ``reference``."""
    year = reference.year
    try:
        if datetime(year, month, day).date() > reference.date():
            year -= 1
    except ValueError:
        pass
    return year


def _day_month(a: int, b: int, order: str) -> tuple[int, int]:
    # A number above 12 can only be the day, whatever the site declares.
    if order == "MDY":
        return (a, b) if a > 12 >= b else (b, a)
    return (b, a) if b > 12 >= a else (a, b)


def _parse_iso(text: str, tz: tzinfo) -> FoundDate | None:
    m = _ISO_RE.search(text)
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    hh, mi, ss = int(m.group(4) or 0), int(m.group(5) or 0), int(m.group(6) or 0)
    precision = "second" if m.group(6) else "minute" if m.group(4) else "day"
    zone = m.group(7)
    if zone:
        tz = UTC if zone == "Z" else _offset(zone[0], zone[1:3], zone[-2:])
    # A bare day ("2020-05-21") has no offset to state, even when one follows it.
    return _build(y, mo, d, hh, mi, ss, tz, precision, bool(zone) and precision != "day")


def _with_time(y: int, mo: int, d: int, text: str, span: tuple[int, int], tz: tzinfo) -> FoundDate | None:
    t, zone = _time_and_zone(text, span, tz)
    return _build(y, mo, d, t.hh, t.mi, t.ss, zone, t.precision, t.explicit and t.precision != "day")


def _parse_regex(text: str, tz: tzinfo, order: str, reference: datetime | None) -> FoundDate | None:
    m = _NUMERIC_RE.search(text)
    if m:
        # Dotted dates are day-first wherever they appear (langsontv "01.01.2014"); slashes follow the site.
        day, month = _day_month(int(m.group(1)), int(m.group(3)), "DMY" if m.group(2) == "." else order)
        return _with_time(int(m.group(4)), month, day, text, m.span(), tz)
    m = _VI_MONTH_DAY_RE.search(text)
    if m:
        return _with_time(int(m.group(3)), _vi_month(m.group(1)), int(m.group(2)), text, m.span(), tz)
    m = _VI_DAY_MONTH_RE.search(text)
    if m:
        return _with_time(int(m.group(3)), _vi_month(m.group(2)), int(m.group(1)), text, m.span(), tz)
    m = _EN_MONTH_DAY_RE.search(text)
    if m:  # a fast path for dateparser's slowest case (≈4 ms a call)
        return _with_time(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)), text, m.span(), tz)
    m = _EN_DAY_MONTH_RE.search(text)
    if m:
        return _with_time(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)), text, m.span(), tz)
    m = _WORDED_RE.search(text)
    if m and (m.group(3) or reference):
        day, month = int(m.group(1)), int(m.group(2))
        year = int(m.group(3)) if m.group(3) else _year_for(day, month, reference) if reference else 0
        return _with_time(year, month, day, text, m.span(), tz)
    m = _DAY_MONTH_RE.search(text)
    if m and reference is not None:
        day, month = _day_month(int(m.group(1)), int(m.group(2)), order)
        return _with_time(_year_for(day, month, reference), month, day, text, m.span(), tz)
    return None


def _parse_fallback(text: str, tz: ZoneInfo, order: str, reference: datetime | None) -> FoundDate | None:
    from dateparser.date import DateDataParser  # deferred: 100+ ms to import and warm up, and most pages never need it

    settings: dict[str, object] = {
        "DATE_ORDER": order,
        "TIMEZONE": tz.key,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "past",
        "RETURN_TIME_AS_PERIOD": True,  # "time" when the text gave a time of day, "day" when it did not
    }
    if reference is not None:
        settings["RELATIVE_BASE"] = reference.astimezone(tz).replace(tzinfo=None)
    else:  # "14:05" or "June 3" alone is no date: dateparser would fill in today's day or year
        settings["REQUIRE_PARTS"] = ["day", "month", "year"]
    data = DateDataParser(languages=["vi", "en"], settings=settings).get_date_data(text)
    parsed = data.date_obj if data else None
    if parsed is None or parsed.tzinfo is None or data.period not in ("day", "time") or _valid(parsed) is None:
        return None
    precision = ("second" if parsed.second else "minute") if data.period == "time" else "day"
    if precision == "day":
        return FoundDate(parsed.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0), precision, False)
    stated = _offset(*gmt.groups()) if (gmt := _GMT_RE.search(text)) else _zone_abbreviation(text)
    # dateparser converts to the site's timezone; the page's own offset is the one to keep.
    return FoundDate(parsed.astimezone(stated) if stated else parsed, precision, stated is not None)


def parse_date(text: str, tz: ZoneInfo, *, order: str = "DMY", reference: datetime | None = None) -> datetime | None:
    """Parse one date string (a field, meta value or listing line) into an aware datetime, or None."""
    found = parse_date_found(text, tz, order=order, reference=reference)
    return found.moment if found is not None else None


def parse_date_found(text: str, tz: ZoneInfo, *, order: str = "DMY", reference: datetime | None = None) -> FoundDate | None:
    """Like ``parse_date``, keeping the precision and whether the text stated its offset."""
    cleaned = _clean(text)
    if not cleaned or not any(c.isdigit() for c in cleaned):
        return None
    if _RFC822_RE.match(cleaned):
        try:
            rfc = parsedate_to_datetime(cleaned)
        except (TypeError, ValueError):
            rfc = None
        if rfc is not None and _valid(rfc if rfc.tzinfo else rfc.replace(tzinfo=tz)) is not None:
            precision = "second" if rfc.second else "minute"
            return FoundDate(rfc if rfc.tzinfo else rfc.replace(tzinfo=tz), precision, rfc.tzinfo is not None)
    found = _parse_iso(cleaned, tz) or _parse_regex(cleaned, tz, order, reference)
    if found is not None or _ISO_RE.search(cleaned) or _NUMERIC_RE.search(cleaned) or _DAY_MONTH_RE.search(cleaned):
        # A numeric date that does not validate (month 13, year 1985) is no date at all, and a year-less one
        # without a reference stays unknown: dateparser would silently pick the current year.
        return found
    if len(cleaned) > 80:  # prose, not a date field: dateparser would guess from stray numbers
        return None
    return _parse_fallback(cleaned, tz, order, reference)


def find_date_in_lead(text: str, tz: ZoneInfo, reference: datetime | None = None) -> datetime | None:
    """The event date a lead paragraph opens with ("LSO-Ngày 22/5/2020, …", "Chiều nay (12/10), …"), or None."""
    found = find_date_in_lead_found(text, tz, reference)
    return found.moment if found is not None else None


def find_date_in_lead_found(text: str, tz: ZoneInfo, reference: datetime | None = None) -> FoundDate | None:
    """Like ``find_date_in_lead``; a lead gives a day, never a time."""
    lead = _clean(text[:_LEAD_CHARS])
    m = _NUMERIC_RE.search(lead)
    if m:
        day, month = _day_month(int(m.group(1)), int(m.group(3)), "DMY")  # prose is always day-first
        return _build(int(m.group(4)), month, day, 0, 0, 0, tz)
    m = _WORDED_RE.search(lead)
    if m and m.group(3):
        return _build(int(m.group(3)), int(m.group(2)), int(m.group(1)), 0, 0, 0, tz)
    m = _LEAD_DAY_MONTH_RE.search(lead)
    if m and reference is not None:
        day, month = int(m.group(1)), int(m.group(2))
        return _build(_year_for(day, month, reference), month, day, 0, 0, 0, tz)
    return None


def reference_from_body(text: str, reference: datetime | None, tz: ZoneInfo) -> datetime | None:
    """Reference for a year-less lead: end of the latest year ≤ reference's that the body names (range ends ignored)."""
    limit = (reference or datetime.now(tz)).year
    years = [int(y) for y in _YEAR_RE.findall(_RANGE_END_RE.sub(r"\1", text)) if MIN_YEAR <= int(y) <= limit]
    if years:
        return datetime(max(years), 12, 31, 23, 59, tzinfo=tz)
    return reference
