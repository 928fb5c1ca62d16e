"""The article's headline on a page, and the element that prints it (the anchor for finding its dateline)."""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from pipeline.extraction.page_tree import first_text, node_text, select
from pipeline.sites import Site

__all__ = ["find_headline"]

_TITLE_SEPARATORS = re.compile(r"\s+[|–—-]\s+|\s+::\s+")
_STRONG_SEPARATORS = re.compile(r"\s+(?:\||::|»)\s+")


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


def find_headline(tree: lxml.html.HtmlElement, site: Site, hint: str) -> tuple[str, etree._Element | None]:
    """The article's headline text and element (for locating the dateline near it)."""
    if site.selectors.title:
        for node in select(tree, site.selectors.title):
            if text := node_text(node):
                return text, node if isinstance(node, etree._Element) else None
    site_name = first_text(tree, "//meta[@property='og:site_name']/@content").casefold()
    h1s = [
        (node, text)
        for node in tree.iter("h1")
        if (text := node_text(node)) and len(text) >= 10 and not _is_logo(node, text, site_name)
    ]
    reference = first_text(tree, "//meta[@property='og:title']/@content") or first_text(tree, "//title") or hint
    ref_words = words(reference)
    if ref_words:
        # A short h1 sharing nothing with og:title / <title> is a section name ("Văn hóa - Xã hội"); a long one is
        # the headline however the SEO title was worded.
        h1s = [pair for pair in h1s if len(pair[1].split()) > _SECTION_NAME_WORDS or len(words(pair[1]) & ref_words) > 1]
    if len(h1s) > 1:  # a section name, a widget title: the headline is the one in the article, or like og:title
        in_article = [pair for pair in h1s if any(a.tag in ("article", "main") for a in pair[0].iterancestors())]
        h1s = in_article or sorted(h1s, key=lambda pair: -len(words(pair[1]) & ref_words) / (len(words(pair[1])) or 1))
    if h1s:
        return h1s[0][1], h1s[0][0]
    og_title = first_text(tree, "//meta[@property='og:title']/@content")
    if og_title and (node := _element_showing(tree, og_title)) is not None:
        return og_title, node
    raw = first_text(tree, "//title") or hint
    # "Headline | Site" or "Headline - Site" (og:title often carries the suffix too): drop trailing parts until the
    # rest is printed on the page (a headline may hold " - " itself: "giai đoạn 2011 - 2015"); else the longest part.
    for title in dict.fromkeys(t for t in (og_title, raw) if t):
        if (printed := _printed_prefix(tree, title)) is not None:
            return printed
    if og_title:
        return og_title, None
    # Printed nowhere else: the longest part between the unambiguous separators ("SITE :: Headline 2009 - 2010"),
    # since " - " also stands inside headlines; only without those, the longest part between dashes.
    parts = _TITLE_SEPARATORS.split(raw)
    strong = [part for part in _STRONG_SEPARATORS.split(raw) if part.strip()]
    pieces = strong if len(strong) > 1 else parts
    text = max(pieces, key=len) if len(pieces) > 1 else raw
    return text, _element_showing(tree, text)


_SECTION_NAME_WORDS = 6


def _printed_prefix(tree: etree._Element, title: str) -> tuple[str, etree._Element] | None:
    """The longest run of ``title``'s leading parts (split at " | ", " - " …, last parts dropped first) that the page
    prints as an element of its own, with that element."""
    parts = _TITLE_SEPARATORS.split(title)
    separators = _TITLE_SEPARATORS.findall(title)
    for keep in range(len(parts) - 1, 0, -1):
        candidate = parts[0] + "".join(sep + part for sep, part in zip(separators[: keep - 1], parts[1:keep], strict=True))
        if (node := _element_showing(tree, candidate)) is not None:
            return candidate, node
    return None


def _is_logo(h1: etree._Element, text: str, site_name: str) -> bool:
    """An ``<h1>`` that is the site's logo or name (old themes print one on every page), not the headline."""
    if (site_name and text.casefold() == site_name) or h1.find(".//img") is not None:
        return True
    if any(a.get("href", "").rstrip("/") in ("", "/", "#") or a.get("href") == "./" for a in h1.iter("a")):
        return True
    in_article = any(a.tag in ("article", "main") for a in h1.iterancestors())
    return not in_article and any(a.tag in ("header", "nav") for a in h1.iterancestors())


def _element_showing(tree: etree._Element, text: str) -> etree._Element | None:
    """The innermost element of the page body whose whole text is ``text`` (a headline printed without ``<h1>``)."""
    if not text:
        return None
    body = tree.find("body")
    for node in (body if body is not None else tree).iter():
        if not isinstance(node.tag, str) or node.tag in ("a", "title", "option", "marquee"):
            continue
        # not a link to the article (a ticker, a "most read" list): the headline itself is never a link
        if node_text(node) == text and not any(a.tag in ("a", "marquee") for a in node.iterancestors()):
            inner = [c for c in node if isinstance(c.tag, str) and node_text(c) == text]
            if not inner:
                return node
    return None
