"""Seed files (plain text captured from article pages) → ``SeedDocument``, normalised exactly like ``extract()``.

A seed and a crawled copy of the same article must give the same ``content_hash``: chrome lines, the title and the
byline are taken out here just as extraction takes them out of the page.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from pipeline.errors import SeedError
from pipeline.extraction.bylines import split_trailing_byline
from pipeline.extraction.dates import find_date_in_lead, parse_date, reference_from_body
from pipeline.text import detect_language, normalize_inline, normalize_text

__all__ = ["SeedDocument", "parse_seed"]

_DEFAULT_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_SKIP_LINKS = frozenset({"skip to main content", "nhảy đến nội dung"})
# The header date of the old Báo Lạng Sơn site ("Thứ ba,  19/01/2021"): the day the page was served.
_CAPTURE_DATE_RE = re.compile(r"^(?:thứ\s+(?:hai|ba|tư|năm|sáu|bảy|\d)|chủ\s+nhật)\s*,?\s*\d{1,2}/\d{1,2}/\d{4}$", re.I)
_HEADING_MAX_CHARS = 250
_CHROME_LOOKAHEAD = 4  # chrome sits in the first few lines; later lines are the article's


@dataclass(frozen=True)
class SeedDocument:
    """One seed article: title, normalised body text, event date from the lead, byline."""

    ref: str
    title: str
    text: str
    published_at: datetime | None  # a day: the lead names the event's day, not the minute of publication
    authors: tuple[str, ...]
    lang: str
    attribution: str = ""


def _flat(line: str) -> str:
    return " ".join(unicodedata.normalize("NFC", line).split())


def _is_heading_like(line: str) -> bool:
    flat = _flat(line)
    # A heading has no CKEditor NBSP indent and does not end a sentence.
    return bool(flat) and not line.startswith("\xa0") and len(flat) <= _HEADING_MAX_CHARS and flat[-1] not in ".:;"


def _strip_chrome(lines: list[str], drop_lines: tuple[re.Pattern[str], ...]) -> tuple[list[str], datetime | None]:
    """Lines without skip link, capture date and slogan; plus the capture date (a reference, never the date)."""
    captured: datetime | None = None
    if lines and _flat(lines[0]).casefold() in _SKIP_LINKS:
        lines = lines[1:]
        # Drupal dump: the banner slogan follows the skip link directly, then a blank line, then the title.
        if len(lines) >= 3 and _flat(lines[0]) and not _flat(lines[1]) and _is_heading_like(lines[2]):
            lines = lines[1:]
    kept: list[str] = []
    for index, line in enumerate(lines):
        flat = _flat(line)
        if index < _CHROME_LOOKAHEAD and _CAPTURE_DATE_RE.match(flat):
            captured = parse_date(flat, _DEFAULT_TZ)
            continue
        if flat and any(p.search(flat) for p in drop_lines):
            continue
        kept.append(line)
    return kept, captured


def parse_seed(text: str, ref: str, drop_lines: Iterable[re.Pattern[str]] = (), *, tz: ZoneInfo = _DEFAULT_TZ) -> SeedDocument:
    """Parse one seed file's text (``ref`` names it) into a ``SeedDocument``."""
    lines, captured = _strip_chrome(text.replace("\r\n", "\n").split("\n"), tuple(drop_lines))
    body = normalize_text("\n".join(lines)).split("\n")
    if len(body) < 2:
        raise SeedError(f"seed {ref}: no title and body found")
    title, body = normalize_inline(body[0]), body[1:]
    lang = detect_language("\n".join(body), "vi")
    body, byline = split_trailing_byline(body, english=lang != "vi")
    joined = "\n".join(body)
    # "Chiều nay (12/10)": the year is the latest one the body mentions, not the capture year (often a later one).
    published = find_date_in_lead(body[0], tz, reference_from_body(joined, captured, tz)) if body else None
    return SeedDocument(
        ref=ref, title=title, text=joined, published_at=published, authors=byline.authors, lang=lang,
        attribution=byline.attribution,
    )  # fmt: skip
