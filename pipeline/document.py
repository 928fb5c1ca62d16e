"""Plain data passed between crawl, extraction and storage: hints about a page and what extraction found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["Extraction", "PageHints"]


@dataclass(frozen=True)
class PageHints:
    """What a listing page or feed said about one URL, as raw text: used when the article page itself is silent."""

    published: str | None = None  # raw date text, e.g. "08:30 | 22/05/2020" or an RSS pubDate
    title: str | None = None
    source: str = ""  # where the hint came from: "listing", "feed", "sitemap"


@dataclass(frozen=True)
class Extraction:
    """One article as extracted from its page; every string is NFC."""

    title: str
    text: str  # paragraphs separated by "\n"; no title, byline or chrome
    published_at: datetime | None  # timezone-aware
    authors: tuple[str, ...]
    lang: str
    date_source: str  # "selector", "jsonld", "meta", "visible", "hints:<source>", "lead", "htmldate" or "" when none
    published_precision: str = ""  # "day" (no time of day was given), "minute" or "second"; "" without a date
    attribution: str = ""  # the outlet a republished article credits ("Theo TTXVN" → "TTXVN"), "" when none
