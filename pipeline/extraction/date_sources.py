"""Where an article page states when it was published, and which statement wins.

Precedence (first that gives a date wins, except where noted):

1. the site's ``date`` selector;
2. structured metadata — JSON-LD ``datePublished``, ``article:published_time``, ``itemprop=datePublished``,
   ``pubdate``/``dc.date.issued`` metas, the article's own ``<time>``: a value that states its UTC offset beats one
   that does not (a naive value is read in the site's timezone, a guess); among equals, the order above;
3. a date printed near the headline ("Ngày đăng: 14/05/2024 09:30", "Gửi bởi admin vào T5, 16/05/2024 - 10:15",
   "May 14, 2024 9:30 a.m. EDT"): publication labels beat "updated" ones; the one nearest the headline wins. Dates in
   the site's header (today's date), in link lists and in related-article blocks are never candidates;
4. what the listing or feed said about the URL (``PageHints``);
5. the event date the lead opens with ("Ngày 22/5/2020, …"), a day;
6. trafilatura's own metadata date (htmldate), a day.

A winner that only gives a day borrows the time of day from a later source that agrees on that day (meta
``2024-05-14`` and a printed ``14/05/2024 09:30``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree

from pipeline.extraction.dates import FoundDate, parse_date_found

__all__ = [
    "DatedSource", "best_date", "has_date", "is_bare_date", "only_modified", "structured_dates", "visible_dates",
    "with_time_from",
]  # fmt: skip

_PUBLISHED_META_XPATHS = (
    "//meta[@property='article:published_time' or @name='article:published_time' or @property='og:published_time']/@content",
    "//meta[@itemprop='datePublished']/@content | //*[@itemprop='datePublished']/@datetime",
    # RDFa (Drupal core prints the created date so): the machine-readable twin of the dateline
    "//*[@property='schema:datePublished' or @property='schema:dateCreated' or @property='dc:created'"
    " or @property='dc:date' or @property='datePublished']/@content",
    "//meta[@name='pubdate' or @name='publishdate' or @name='PublishDate' or @name='publish-date' or @name='date'"
    " or @name='dc.date.issued' or @name='DC.date.issued' or @name='sailthru.date' or @name='parsely-pub-date']/@content",
)
_ARTICLE_TYPES = re.compile(r"article|posting|report|webpage|newsarticle|liveblog", re.IGNORECASE)
# Classes and ids of elements that hold a date printed for readers.
_DATE_HOLDER_RE = re.compile(
    r"date|time|publish|posted|created|submitted|ngay|thoi-?gian|post-?meta|entry-meta|article-?info|byline|meta-info"
    r"|detail-?info|info-?detail|timestamp",
    re.IGNORECASE,
)
_PUBLISHED_LABEL_RE = re.compile(
    r"ngày\s*đăng|đăng\s*(?:ngày|lúc|tải)|ngày\s*xuất\s*bản|xuất\s*bản|gửi\s*(?:bởi|lúc|vào)|ngày\s*tạo|thời\s*gian\s*đăng"
    r"|published|posted|first\s+published|submitted",
    re.IGNORECASE,
)
_UPDATED_LABEL_RE = re.compile(r"cập\s*nhật|sửa\s*đổi|chỉnh\s*sửa|lần\s*cập\s*nhật|updated|modified|last\s+edited", re.IGNORECASE)
# Leading words a printed date carries that the parsers would stumble on.
_LABEL_PREFIX_RE = re.compile(
    r"^\W*(?:(?:first\s+)?published|posted|updated|last\s+updated|modified|submitted)(?:\s+(?:on|at))?\s*:?\s*",
    re.IGNORECASE,
)
_MONTHS_EN = r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_HAS_DATE_RE = re.compile(
    r"tháng\s+\S+\s+\d{1,2},?\s+\d{4}|"
    rf"\d{{1,4}}\s*[/.-]\s*\d{{1,2}}\s*[/.-]\s*\d{{2,4}}|\d{{1,2}}\s+tháng\s+\S+|\b(?:{_MONTHS_EN})[a-z]*\.?\s+\d{{1,2}}"
    rf"|\d{{1,2}}\s+(?:{_MONTHS_EN})[a-z]*\.?\s+\d{{4}}",
    re.IGNORECASE,
)
_MAX_DATE_TEXT = 140
# Compiled once; plain contains() tests (a regular expression per element costs several times more).
_DATE_HOLDER_WORDS = ("date", "Date", "time", "Time", "publish", "post", "creat", "submit", "ngay", "Ngay", "thoi", "meta",
                      "info", "byline", "stamp")  # fmt: skip
_DATE_HOLDERS = etree.XPath(
    "//*[@class or @id][" + " or ".join(f"contains(concat(@class, ' ', @id), '{w}')" for w in _DATE_HOLDER_WORDS) + "]"
)
_SHORT_TEXTS = etree.XPath("//text()[string-length(normalize-space(.)) > 4 and string-length(normalize-space(.)) < 120]")
# A text that is nothing but a date ("Thứ hai - 13/05/2024 15:42") once weekday names, zone and half-day words and
# punctuation are gone: such an element near the headline is the dateline even without a telling class.
_NOT_DATE_WORDS_RE = re.compile(
    r"thứ\s*(?:hai|ba|tư|năm|sáu|bảy|\d)|chủ\s*nhật|\bt[2-7]\b|\bcn\b|ngày|tháng|năm|lúc|giờ|\b(?:sa|ch|am|pm|gmt|utc)\b"
    r"|\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|[\d\W_]",
    re.IGNORECASE,
)
_DATE_ONLY_MAX_CHARS = 60
# How near the headline (in elements, document order) a bare date must be.
_DATELINE_REACH = 40
# Elements never holding the article's own date: site chrome and lists of other articles.
_CHROME_TAGS = frozenset({"header", "nav", "footer", "aside", "form", "select", "option", "script", "style", "noscript"})
# Class or id tokens of site chrome (the site header's "today" date, menus) and of lists of other articles. An
# article's own header ("entry-header", "article-header") holds its date, so "header" counts only on its own.
_CHROME_TOKEN_RE = re.compile(
    r"^(?:site-?|page-?|top-?|main-?|global-?)?(?:header|footer|menu|nav|navbar|topbar|breadcrumbs?)$"
    r"|sidebar|footer|widget|related|lien-?quan|tin-?khac|other|comment|today|current-?date|hien-?tai|header-?date"
    r"|top-?bar|masthead|toolbar",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DatedSource:
    """A publication date and where it came from (``source``: ``selector``, ``jsonld``, ``meta``, ``visible``, …)."""

    found: FoundDate
    source: str
    updated: bool = False  # printed with an "updated" label: used only when nothing says "published"


def _jsonld_objects(tree: etree._Element) -> Iterator[dict[str, Any]]:
    def walk(obj: Any) -> Iterator[dict[str, Any]]:
        if isinstance(obj, dict):
            yield obj
            for value in obj.values():
                yield from walk(value)
        elif isinstance(obj, list):
            for value in obj:
                yield from walk(value)

    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            yield from walk(json.loads(script))
        except ValueError:  # broken JSON-LD is common; the other sources remain
            continue


def _jsonld_dates(tree: etree._Element) -> Iterator[str]:
    """``datePublished`` of article-like JSON-LD objects first, then of any object (breadcrumbs, pages)."""
    objects = [o for o in _jsonld_objects(tree) if isinstance(o.get("datePublished"), str)]

    def is_article(obj: dict[str, Any]) -> bool:
        kinds = obj.get("@type", "")
        return any(_ARTICLE_TYPES.search(k) for k in (kinds if isinstance(kinds, list) else [kinds]) if isinstance(k, str))

    for obj in sorted(objects, key=lambda o: not is_article(o)):
        yield obj["datePublished"]


_PUBLISHED_TIMES = (
    "//time[@datetime][@pubdate or @itemprop='datePublished' or contains(@class,'published') or contains(@class,'pubdate')]"
)


def _outside_comments(nodes: list[etree._Element]) -> list[etree._Element]:
    """The nodes not inside a comment thread: a comment's ``<time>`` dates the comment, not the article."""
    return [n for n in nodes if not _IN_COMMENTS(n)]


_IN_COMMENTS = etree.XPath(
    "boolean(ancestor::*[not(self::body or self::html)][contains(@class,'comment') or contains(@id,'comment')])"
)


_MODIFIED_META_XPATH = (
    "//meta[@property='article:modified_time' or @name='article:modified_time' or @property='og:updated_time'"
    " or @itemprop='dateModified']/@content | //*[@itemprop='dateModified']/@datetime"
)


def only_modified(tree: etree._Element, shown: DatedSource, tz: ZoneInfo, order: str) -> bool:
    """Whether ``shown``, a date printed as "updated" ("Cập nhật: …") and the page's best date, is what its metadata
    declares as the modification time, while nothing declares a publication: then the page states no publication
    date. (An old portal without such metadata labels its posting time "Cập nhật": that one is kept.)"""
    if not shown.updated or shown.source != "visible":
        return False
    values = [str(v) for v in tree.xpath(_MODIFIED_META_XPATH)]
    values += [o["dateModified"] for o in _jsonld_objects(tree) if isinstance(o.get("dateModified"), str)]
    for value in values:
        declared = parse_date_found(value, tz, order=order)
        if declared is not None and abs(declared.moment - shown.found.moment) < timedelta(minutes=1):
            return True
    return False


def structured_dates(tree: etree._Element, tz: ZoneInfo, order: str) -> list[DatedSource]:
    """Machine-readable publication dates of the page, best first (offset-bearing before naive)."""
    found: list[DatedSource] = []
    for value in _jsonld_dates(tree):
        if date := parse_date_found(value, tz, order=order):
            found.append(DatedSource(date, "jsonld"))
    for xpath in _PUBLISHED_META_XPATHS:
        for value in tree.xpath(xpath):
            if date := parse_date_found(str(value), tz, order=order):
                found.append(DatedSource(date, "meta"))
    # itemprop=datePublished on an element that only prints the date ("<li itemprop=datePublished>14 Tháng Năm, 2024")
    # (a microformat ``<abbr class="published" title="2024-06-03T14:05:00+07:00">14:05</abbr>`` states it in its title)
    for node in tree.xpath("//*[@itemprop='datePublished'][not(@content) and not(@datetime)]"):
        shown = " ".join(" ".join(node.itertext()).split())
        if date := parse_date_found(str(node.get("title") or ""), tz, order=order) or parse_date_found(shown, tz, order=order):
            found.append(DatedSource(date, "meta"))
    times = tree.xpath(_PUBLISHED_TIMES) or _outside_comments(tree.xpath("//article//time[@datetime]"))[:1]
    all_times = _outside_comments(tree.xpath("//time[@datetime]"))
    if not times and len(all_times) == 1:  # one <time> on the page is the article's; several are a listing's
        times = all_times
    for node in times:
        if date := _time_element_date(node, tz, order):
            found.append(DatedSource(date, "meta"))
    # Stable sort: stated offsets first, then the precedence above.
    return sorted(found, key=lambda d: not d.found.explicit_offset)


def _time_element_date(node: etree._Element, tz: ZoneInfo, order: str) -> FoundDate | None:
    """The date of a ``<time datetime>``. A date-only field that CMSs store at midnight or noon ("2024-05-16T12:00:00Z"
    shown as "16 May 2024") is the day its text shows: the time was never stated."""
    date = parse_date_found(str(node.get("datetime")), tz, order=order)
    if date is None or date.precision == "day":
        return date
    shown = parse_date_found(" ".join(" ".join(node.itertext()).split()), tz, order=order)
    clock = date.moment.timetz()
    if shown is not None and shown.precision == "day" and (clock.hour, clock.minute, clock.second) in ((0, 0, 0), (12, 0, 0)):
        return shown
    return date


def _is_chrome(node: etree._Element) -> bool:
    tokens = f"{node.get('class', '')} {node.get('id', '')}".split()
    return any(_CHROME_TOKEN_RE.search(token) for token in tokens)


def _in_chrome(node: etree._Element) -> bool:
    if _is_chrome(node):
        return True
    for ancestor in node.iterancestors():
        tag = ancestor.tag if isinstance(ancestor.tag, str) else ""
        if tag in ("body", "html"):
            break  # body classes describe the layout ("one-sidebar"), not where the node sits
        # not "form": ASP.NET pages wrap the whole page in one; a <header> or <footer> inside <article> is the
        # article's own (Drupal prints "Submitted by … on …" in the node's footer)
        if tag in ("header", "footer") and any(a.tag in ("article", "main") for a in ancestor.iterancestors()):
            continue
        if (tag in _CHROME_TAGS and tag != "form") or tag in ("a", "li") or _is_chrome(ancestor):
            return True
    return False


# Classes that hide an element from readers (Drupal's "field--label-hidden" hides only the field's label).
_HIDDEN_CLASSES = frozenset({"hidden", "hide", "d-none", "sr-only", "visually-hidden", "screen-reader-text", "invisible",
                             "rich-snippet-hidden", "element-invisible"})  # fmt: skip
_DISPLAY_NONE_RE = re.compile(r"display\s*:\s*none", re.IGNORECASE)


def _hidden(node: etree._Element) -> bool:
    """Markup readers never see ("rich-snippet-hidden", display:none): not a date printed for them."""
    for element in (node, *node.iterancestors()):
        if element.tag in ("body", "html"):
            return False  # body classes describe the theme ("…-breadcrumb-mobile-hidden"), not this node
        if _HIDDEN_CLASSES.intersection(element.get("class", "").split()) or _DISPLAY_NONE_RE.search(element.get("style", "")):
            return True
    return False


def _short_text(node: etree._Element, limit: int) -> str:
    """The element's text, whitespace collapsed, or "" once it runs past ``limit`` characters (containers of whole
    articles are read no further than that)."""
    pieces, length = [], 0
    for piece in node.itertext():
        pieces.append(piece)
        length += len(piece)
        if length > 2 * limit:
            return ""
    text = " ".join(" ".join(pieces).split())
    return "" if len(text) > limit else text


def has_date(text: str) -> bool:
    """Whether ``text`` contains a day (numeric or worded), not just a time."""
    return bool(_HAS_DATE_RE.search(text))


def is_bare_date(text: str) -> bool:
    """Whether ``text`` is nothing but a date (and time, weekday, zone)."""
    return len(text) <= _DATE_ONLY_MAX_CHARS and len(_NOT_DATE_WORDS_RE.sub("", text)) <= 2


def _date_text(node: etree._Element) -> str:
    text = " ".join(" ".join(node.itertext()).split())
    return _LABEL_PREFIX_RE.sub("", text)


def _holder_of(piece: Any) -> etree._Element:
    """The element whose own text ``piece`` is (a tail belongs to the parent of the element it follows)."""
    node = piece.getparent()
    return node.getparent() if piece.is_tail and node.getparent() is not None else node


def visible_dates(tree: etree._Element, headline: etree._Element | None, tz: ZoneInfo, order: str) -> list[DatedSource]:
    """Dates printed for readers near the headline, best first: published before updated, nearest first."""
    nodes = list(tree.iter())
    position = {node: index for index, node in enumerate(nodes)}
    anchor = position.get(headline, 0) if headline is not None else 0
    # Only elements that could hold a dateline are read: near the headline, named like a date holder, or labelled.
    wanted = set(nodes[max(0, anchor - _DATELINE_REACH) : anchor + _DATELINE_REACH + 1])
    wanted.update(_DATE_HOLDERS(tree))
    wanted.update(
        _holder_of(piece) for piece in _SHORT_TEXTS(tree) if _PUBLISHED_LABEL_RE.search(piece) or _UPDATED_LABEL_RE.search(piece)
    )
    seen: set[etree._Element] = set()
    candidates: list[tuple[bool, int, DatedSource]] = []
    for node in sorted(wanted, key=lambda n: position.get(n, -1)):
        if not isinstance(node.tag, str) or node.tag in _CHROME_TAGS or node.tag in ("html", "body", "head", "a"):
            continue
        ident = f"{node.get('class', '')} {node.get('id', '')}"
        # its own text, around its children: "<div><i class='fa-clock'></i> Ngày đăng: 20/03/2024</div>"
        own = " ".join(" ".join([node.text or "", *(child.tail or "" for child in node)]).split())
        labelled = bool(own) and bool(_PUBLISHED_LABEL_RE.search(own[:60]) or _UPDATED_LABEL_RE.search(own[:60]))
        near = abs(position[node] - anchor) <= _DATELINE_REACH
        holder = bool(_DATE_HOLDER_RE.search(ident))
        if not (holder or labelled or near):
            continue  # read the text only of elements that could hold a dateline
        text = _short_text(node, _MAX_DATE_TEXT)
        if not text or len(text) > _MAX_DATE_TEXT or len(_HAS_DATE_RE.findall(text)) != 1:
            continue  # no date, or a box holding several (published and updated): its children are the candidates
        if not (holder or labelled or is_bare_date(text)):
            continue
        if any(ancestor in seen for ancestor in node.iterancestors()) or _in_chrome(node) or _hidden(node):
            continue
        date = parse_date_found(_date_text(node), tz, order=order)
        if date is None:
            continue
        seen.add(node)
        labels = f"{text} {ident}"
        updated = bool(_UPDATED_LABEL_RE.search(labels)) and not _PUBLISHED_LABEL_RE.search(text)
        distance = abs(position[node] - anchor) + (0 if position[node] >= anchor else 50)  # below the headline first
        candidates.append((updated, distance, DatedSource(date, "visible", updated)))
    # The dateline by the headline first, even when it says "updated" (old portals call the posting time that);
    # far from it (the site header's today, a sidebar), published before updated.
    candidates.sort(key=lambda c: (c[1] > _DATELINE_REACH + 50, c[0], c[1]))
    return [c[2] for c in candidates]


def with_time_from(winner: DatedSource, others: list[DatedSource]) -> DatedSource:
    """``winner``, given a time of day by another source that agrees on its (local) day, when it has none."""
    if winner.found.has_time:
        return winner
    day = winner.found.moment.date()
    for other in others:
        if other.updated or not other.found.has_time:
            continue  # an update's time on the publication day is not the publication time
        if other.found.moment.astimezone(winner.found.moment.tzinfo).date() == day:
            return replace(winner, found=other.found)
    return winner


def on_local_clock(winner: DatedSource, others: list[DatedSource]) -> DatedSource:
    """A UTC statement shown with the offset of another statement of the same instant (the time printed for the
    page's readers): WordPress and Joomla write UTC in their markup and local time on the page."""
    if not winner.found.has_time or winner.found.moment.utcoffset() != timedelta(0):
        return winner
    for other in others:
        offset = other.found.moment.utcoffset()
        if other.found.has_time and offset and abs(other.found.moment - winner.found.moment) < timedelta(minutes=1):
            return replace(winner, found=replace(winner.found, moment=winner.found.moment.astimezone(other.found.moment.tzinfo)))
    return winner


def best_date(*groups: list[DatedSource]) -> DatedSource | None:
    """The first source of the first non-empty group, given a time of day by any later source that agrees, and
    shown on the readers' clock when another source prints the same instant locally."""
    ordered = [source for group in groups for source in group]
    if not ordered:
        return None
    published = [s for s in ordered if not s.updated or s is ordered[0]] or ordered
    return on_local_clock(with_time_from(published[0], ordered[1:]), ordered)
