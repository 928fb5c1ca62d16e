"""HTML text + Site → ``Extraction``: trafilatura for the body, per-site selectors and Vietnamese rules around it.

``extract`` is a top-level, pure function of plain data so the caller can run it in a worker process under a
time limit.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.utils import load_html

from pipeline.dates import find_date_in_lead, parse_date, reference_from_body
from pipeline.document import Extraction, PageHints
from pipeline.errors import ExtractionError, NotArticleError
from pipeline.sites import Site
from pipeline.text import detect_language, normalize_inline, normalize_text, split_byline

__all__ = ["MIN_ARTICLE_CHARS", "extract"]

# Shorter bodies are teasers, error pages or listings; the shortest real news item on these sites is longer.
MIN_ARTICLE_CHARS = 250
# Recall matters more than precision here (captions, short paragraphs); measured on the benchmark, see bench/.
_FAVOR_RECALL = True
_SKIP_LINK_LINES = frozenset({"skip to main content", "nhảy đến nội dung", "chuyển đến nội dung chính"})
_TITLE_SEPARATORS = re.compile(r"\s+[|–—-]\s+|\s+::\s+")
# A line that is only a date/time ("08:54 | 16/07/2013"): one per teaser on a listing page.
_DATE_LINE_RE = re.compile(r"^[\W\d_]*\d{1,2}[/.]\d{1,2}[/.]\d{4}[\W\d_]*$")
_META_DATE_XPATHS = (
    ("meta", "//meta[@property='article:published_time' or @name='article:published_time']/@content"),
    ("meta", "//meta[@itemprop='datePublished']/@content | //*[@itemprop='datePublished']/@datetime"),
    ("meta", "//meta[@name='pubdate' or @name='publishdate' or @name='dc.date.issued']/@content"),
    ("meta", "//article//time[@datetime]/@datetime"),
)


def _select(root: etree._Element, expr: str) -> list[Any]:
    """Elements (or strings) matched by a site selector: XPath when it starts with ``/`` or ``(``, CSS otherwise."""
    if expr.startswith(("/", "(")):
        result = root.xpath(expr)
        return list(result) if isinstance(result, list) else [result]
    return list(root.cssselect(expr))


def _node_text(node: Any) -> str:
    return normalize_inline(node.text_content() if hasattr(node, "text_content") else str(node))


def _first_text(root: etree._Element, expr: str) -> str:
    for node in _select(root, expr):
        text = _node_text(node)
        if text:
            return text
    return ""


def _parse(html: str) -> lxml.html.HtmlElement:
    if not html.strip():
        raise NotArticleError("empty page")
    # trafilatura's own loader: its parser settings (comments and processing instructions removed, broken markup
    # recovered) are the ones its extraction is tuned for; a plain lxml parse lost paragraphs on benchmark pages.
    tree = load_html(html)
    if tree is None:
        raise ExtractionError("unparseable HTML")
    return tree


def _drop_nodes(tree: lxml.html.HtmlElement, site: Site) -> None:
    for expr in site.selectors.drop:
        for node in _select(tree, expr):
            if isinstance(node, etree._Element) and node.getparent() is not None:
                node.drop_tree() if isinstance(node, lxml.html.HtmlElement) else node.getparent().remove(node)


def _unwrap_layout_tables(root: etree._Element) -> None:
    """Turn one-column tables (image + caption boxes) into paragraphs, so captions survive as text lines."""
    for table in list(root.iter("table")):
        rows = table.xpath(".//tr")
        # Nested tables are real layout grids (or data); only a flat one-column box is an image + caption.
        if not rows or table.find(".//table") is not None or any(len(row.xpath("./td|./th")) > 1 for row in rows):
            continue
        box = etree.Element("div")
        for cell in table.xpath(".//td|.//th"):
            para = etree.SubElement(box, "p")
            para.text = cell.text
            para.extend(list(cell))
        box.tail = table.tail
        table.getparent().replace(table, box)


def _title(tree: lxml.html.HtmlElement, site: Site) -> str:
    if site.selectors.title and (text := _first_text(tree, site.selectors.title)):
        return text
    for expr in ("//meta[@property='og:title']/@content", "//h1"):
        if text := _first_text(tree, expr):
            return text
    meta = trafilatura.extract_metadata(copy.deepcopy(tree))
    if meta is not None and meta.title:
        return normalize_inline(meta.title)
    raw = _first_text(tree, "//title")
    parts = _TITLE_SEPARATORS.split(raw)
    # "Headline | Site" or "Headline - Site": keep the longest part, which is the headline.
    return max(parts, key=len) if len(parts) > 1 else raw


def _jsonld_dates(tree: lxml.html.HtmlElement) -> Iterator[str]:
    def walk(obj: Any) -> Iterator[str]:
        if isinstance(obj, dict):
            if isinstance(obj.get("datePublished"), str):
                yield obj["datePublished"]
            for value in obj.values():
                yield from walk(value)
        elif isinstance(obj, list):
            for value in obj:
                yield from walk(value)

    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            yield from walk(json.loads(script))
        except ValueError:  # broken JSON-LD is common; the other date sources remain
            continue


def _page_date(tree: lxml.html.HtmlElement, site: Site) -> tuple[datetime | None, str]:
    """A date the article page itself declares, and which source gave it."""
    tz = site.tz
    if site.selectors.date:
        for node in _select(tree, site.selectors.date):
            if found := parse_date(_node_text(node), tz, order=site.date_order):
                return found, "selector"
    for source, xpath in _META_DATE_XPATHS:
        for value in tree.xpath(xpath):
            if found := parse_date(str(value), tz, order=site.date_order):
                return found, source
    for value in _jsonld_dates(tree):
        if found := parse_date(value, tz, order=site.date_order):
            return found, "jsonld"
    times = tree.xpath("//time[@datetime]/@datetime")
    # One <time> on the page is the article's; several are a listing or related items.
    if len(times) == 1 and (found := parse_date(str(times[0]), tz, order=site.date_order)):
        return found, "meta"
    return None, ""


def _htmldate(tree: lxml.html.HtmlElement, site: Site) -> datetime | None:
    from htmldate import find_date  # deferred: only pages without any better date source need it

    found = find_date(copy.deepcopy(tree), original_date=True, extensive_search=False, outputformat="%Y-%m-%d")
    return parse_date(found, site.tz) if found else None


def _clean_lines(text: str, title: str, site: Site) -> list[str]:
    lines = normalize_text(text).split("\n")
    while lines and (lines[0].casefold() in _SKIP_LINK_LINES or lines[0] == title):
        lines.pop(0)
    return [
        line.removeprefix("| ").removesuffix(" |")
        for line in lines
        if not any(pattern.search(line) for pattern in site.drop_lines)
    ]


def _check_article(lines: list[str], title: str, anchors: set[str]) -> None:
    text_chars = sum(len(line) for line in lines)
    if not title:
        raise NotArticleError("no title")
    if text_chars < MIN_ARTICLE_CHARS:
        raise NotArticleError(f"body too short ({text_chars} characters)")
    linked = [line for line in lines if line in anchors]
    dated = [line for line in lines if _DATE_LINE_RE.match(line)]
    # A listing extracts as teaser headlines (link texts) and their date lines; an article has neither in bulk.
    if sum(map(len, linked)) > 0.5 * text_chars:
        raise NotArticleError(f"mostly links ({len(linked)} of {len(lines)} lines are link texts)")
    if len(dated) >= 3:
        raise NotArticleError(f"{len(dated)} date lines: a listing")


def _body_root(tree: lxml.html.HtmlElement, site: Site) -> lxml.html.HtmlElement:
    if site.selectors.body:
        nodes = [n for n in _select(tree, site.selectors.body) if isinstance(n, etree._Element)]
        if nodes:
            wrapper = lxml.html.document_fromstring("<html><body></body></html>")
            body = wrapper.find("body")
            for node in nodes:
                body.append(copy.deepcopy(node))
            return wrapper
    return copy.deepcopy(tree)


def _authors(tree: lxml.html.HtmlElement, site: Site, lines: list[str], lang: str) -> tuple[list[str], list[str]]:
    """Authors and the body lines left once the byline is taken out."""
    if site.selectors.author:
        names = [t for t in dict.fromkeys(_node_text(n) for n in _select(tree, site.selectors.author)) if t]
        if names:
            return names, [line for line in lines if line not in names]
    # Bylines are an editor's habit on Vietnamese sites; elsewhere a short capitalised last line is often prose.
    if lang != "vi":
        return [], lines
    body, byline = split_byline(lines)
    return ([byline] if byline else []), body


def extract(html: str, url: str, site: Site, hints: PageHints | None = None) -> Extraction:
    """Extract one article from a page's HTML, or raise ``NotArticleError``/``ExtractionError``."""
    hints = hints or PageHints()
    tree = _parse(html)
    _drop_nodes(tree, site)
    title = _title(tree, site) or normalize_inline(hints.title or "")
    anchors = {t for t in (normalize_inline(a.text_content()) for a in tree.iter("a")) if len(t) > 15}
    root = _body_root(tree, site)
    _unwrap_layout_tables(root)
    doc = trafilatura.bare_extraction(
        root, url=url, include_comments=False, include_tables=True, favor_recall=_FAVOR_RECALL, with_metadata=False
    )
    raw_text = getattr(doc, "text", None) or ""
    if not raw_text.strip():
        raise NotArticleError("no article text found", url=url)
    lines = _clean_lines(raw_text, title, site)
    try:
        _check_article(lines, title, anchors)
    except NotArticleError as exc:
        exc.url = url
        raise
    lang = detect_language("\n".join(lines), site.lang)
    authors, lines = _authors(tree, site, lines, lang)
    text = "\n".join(lines)

    published, date_source = _page_date(tree, site)
    if published is None and hints.published:
        published = parse_date(hints.published, site.tz, order=site.date_order)
        date_source = f"hints:{hints.source}" if hints.source else "hints"
    if published is None and lines:
        published = find_date_in_lead(lines[0], site.tz, reference_from_body(text, None, site.tz))
        date_source = "lead"
    if published is None:
        published = _htmldate(tree, site)
        date_source = "htmldate"
    return Extraction(
        title=title,
        text=text,
        published_at=published,
        authors=tuple(authors),
        lang=lang,
        date_source=date_source if published else "",
    )
