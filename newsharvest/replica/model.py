"""The replica's data model: articles, body blocks and generated pages, plus the HTML text escaping they share."""

from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from html.entities import codepoint2name
from typing import Literal

__all__ = ["Article", "Block", "Page", "UnicodeForm", "rfc822", "slugify", "text_html"]

UnicodeForm = Literal["NFC", "NFD"]


@dataclass(frozen=True)
class Page:
    """One generated file: the path (with query) it is served at, its text, encoding and sidecar headers."""

    path: str
    text: str
    encoding: str = "utf-8"
    headers: dict[str, str] | None = None


@dataclass(frozen=True)
class Block:
    """One piece of an article body: a paragraph, an NBSP-only spacer paragraph, or a photo with its caption."""

    kind: str  # "p" | "spacer" | "image"
    text: str = ""
    caption: tuple[str, ...] = ()
    src: str = ""


@dataclass(frozen=True)
class Article:
    """An article of one replica site (or a listing row that is only a link: ``link_only``)."""

    site: str
    id: int
    path: str
    title: str
    published: datetime
    byline: str = ""
    blocks: tuple[Block, ...] = ()
    category: str = ""
    listed_in: str = ""
    alias: str = ""
    submitted: bool = True
    entities: bool = False
    indent: bool = False
    broken: bool = False
    unicode: UnicodeForm = "NFC"
    encoding: str = "utf-8"
    fault: str = ""
    in_feed: bool = True
    link_only: bool = False
    teaser: str = ""
    seed: str = ""
    # Republications, as the article data declares them ("site:id" or "seed:NNN"): a verbatim copy of another
    # site's article, or a near copy (the same story edited by the republishing outlet).
    copy_of: str = ""
    near_copy_of: str = ""

    @property
    def lead(self) -> str:
        """The first paragraph, as plain text (the sapo on listings, the meta description)."""
        if self.teaser:
            return self.teaser
        first = next((b.text for b in self.blocks if b.kind == "p"), "")
        return " ".join(first.replace("\xa0", " ").split())


def slugify(text: str) -> str:
    """Vietnamese title → ASCII URL slug (``Đại hội Đảng`` → ``dai-hoi-dang``)."""
    plain = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return "-".join("".join(c if c.isascii() and c.isalnum() else " " for c in plain).split())


def text_html(text: str, *, entities: bool = False, form: UnicodeForm = "NFC") -> str:
    """Escape text for HTML the way the sites' editors did: NBSP as ``&nbsp;``, optionally Latin-1 letters as
    named entities (CKEditor's ``entities_latin``), optionally decomposed Unicode."""
    escaped = html.escape(unicodedata.normalize(form, text), quote=False).replace("\xa0", "&nbsp;")
    if not entities:
        return escaped
    return "".join(f"&{codepoint2name[ord(c)]};" if 0xC0 <= ord(c) <= 0xFF and c.isalpha() else c for c in escaped)


def rfc822(moment: datetime) -> str:
    """A feed pubDate: ``Thu, 21 May 2020 10:15:00 +0700``."""
    return format_datetime(moment)
