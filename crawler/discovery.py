"""Pure discovery: feed, sitemap and listing-page bytes → candidate article URLs with hints (no network).

Every function absolutises URLs, drops fragments and de-duplicates while keeping document order. Which of the found
URLs the crawl may follow (own host, article or listing pattern) is decided here only for listing pages, where the
page itself is the site's; feed and sitemap links are filtered by the spider, which knows the ``Site``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin

import feedparser
import lxml.html
from lxml import etree
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap
from w3lib.encoding import html_to_unicode

from pipeline.document import PageHints
from pipeline.errors import ContentError
from pipeline.sites import Site

__all__ = [
    "DATE_TEXT_RE",
    "DiscoveredLink",
    "ListingLinks",
    "links_from_feed",
    "links_from_listing",
    "links_from_sitemap",
]

# A numeric date with an optional time before ("08:54 | 16/07/2013") or after ("08/01/2026 - 18:21", Drupal's
# "m/d/Y - H:i"). The day/month order is not decided here: the pipeline reads it with the site's ``date_order``.
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?"
DATE_TEXT_RE = re.compile(rf"(?:{_TIME}\s*[|,-]?\s*)?\b\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{4}}\b(?:\s*[|,-]?\s*{_TIME})?")
# Decompressed sitemaps may not exceed this (the protocol's own limit is 50 MB uncompressed).
MAX_SITEMAP_BYTES = 64 * 1024 * 1024
_SPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class DiscoveredLink:
    """One candidate article URL and what the page that linked it said about it."""

    url: str
    hints: PageHints = field(default_factory=PageHints)


@dataclass(frozen=True)
class ListingLinks:
    """What one listing page offers: article links (with hints) and further listing pages to follow."""

    articles: list[DiscoveredLink]
    listings: list[str]


def _clean_url(href: str | None, base_url: str) -> str | None:
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith(("javascript:", "mailto:", "tel:", "data:")):
        return None
    url, _fragment = urldefrag(urljoin(base_url, href))
    return url if url.startswith(("http://", "https://")) else None


def _squash(text: str | None) -> str | None:
    cleaned = _SPACE_RE.sub(" ", text or "").strip()
    return cleaned or None


def _unique(links: Iterable[DiscoveredLink]) -> list[DiscoveredLink]:
    seen: dict[str, DiscoveredLink] = {}
    for link in links:
        seen.setdefault(link.url, link)
    return list(seen.values())


def links_from_feed(body: bytes, base_url: str) -> list[DiscoveredLink]:
    """Entry links of an RSS or Atom feed, each with its raw pubDate/updated text and title as hints."""
    parsed = feedparser.parse(body, response_headers={"content-location": base_url})
    links = []
    for entry in parsed.entries:
        url = _clean_url(entry.get("link"), base_url)
        if url is None:
            continue
        published = entry.get("published") or entry.get("updated") or entry.get("created")
        hints = PageHints(published=_squash(published), title=_squash(entry.get("title")), source="feed")
        links.append(DiscoveredLink(url, hints))
    if not links and parsed.get("bozo"):
        # No version: not a feed at all; a version but no usable entry: a feed broken before its first whole item
        # (a feed that is merely empty is not "bozo") — either way the operator must hear of it
        what = "broken feed (no usable entry)" if parsed.get("version") else "not a feed"
        raise ContentError(f"{what}: {parsed.get('bozo_exception')}", url=base_url)
    return _unique(links)


def links_from_sitemap(
    body: bytes, base_url: str, *, max_size: int = MAX_SITEMAP_BYTES
) -> tuple[list[DiscoveredLink], list[str]]:
    """Page URLs (lastmod as date hint) and child sitemaps of a sitemap or sitemap index; gzip bodies accepted."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip(body, max_size=max_size)
        except (OSError, EOFError, ValueError) as exc:
            raise ContentError(f"bad gzip sitemap: {exc}", url=base_url) from exc
    try:
        sitemap = Sitemap(body)
    except (StopIteration, etree.XMLSyntaxError) as exc:
        raise ContentError("not a sitemap (no XML)", url=base_url) from exc
    if sitemap.type not in ("urlset", "sitemapindex"):
        raise ContentError(f"not a sitemap (root element {sitemap.type!r})", url=base_url)
    pages: list[DiscoveredLink] = []
    children: list[str] = []
    for entry in sitemap:
        url = _clean_url(entry.get("loc"), base_url)
        if url is None:
            continue
        if sitemap.type == "sitemapindex":
            children.append(url)
        else:
            pages.append(DiscoveredLink(url, PageHints(published=_squash(entry.get("lastmod")), source="sitemap")))
    return _unique(pages), list(dict.fromkeys(children))


def _parse_html(html: str | bytes) -> lxml.html.HtmlElement | None:
    if isinstance(html, bytes):
        _encoding, html = html_to_unicode(None, html)
    if not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


def _date_near(link: lxml.html.HtmlElement, url_of: dict[lxml.html.HtmlElement, str], url: str) -> str | None:
    """Date text in the smallest ancestor of ``link`` holding a date and no link to another article."""
    own_text = _squash(link.text_content()) or ""
    for ancestor in link.iterancestors():
        if any(url_of.get(a, url) != url for a in ancestor.iter("a")):
            return None
        for time_el in ancestor.iter("time"):
            if time_el.get("datetime"):
                return _squash(time_el.get("datetime"))
        # A date inside the title ("Hội nghị ngày 15/7/2013") is not the item's date.
        # Text nodes joined with spaces: text_content() glues "…khẩu" + "08:54 | 16/07/2020" + "LSO-…" into one word.
        dates = [m.group(0).strip() for m in DATE_TEXT_RE.finditer(_squash(" ".join(ancestor.itertext())) or "")]
        dates = [d for d in dates if d not in own_text]
        if dates:
            # The item's own timestamp carries a time of day; a bare date is more likely quoted from the sapo.
            return next((d for d in dates if ":" in d), dates[0])
    return None


def _title_of(anchors: list[lxml.html.HtmlElement]) -> str | None:
    texts = [_squash(a.text_content()) or _squash(a.get("title")) for a in anchors]
    return max((t for t in texts if t), key=len, default=None)


def links_from_listing(html: str | bytes, page_url: str, site: Site) -> ListingLinks:
    """Same-site article links (with listing date and title hints) and listing links of one listing page."""
    root = _parse_html(html)
    if root is None:
        return ListingLinks([], [])
    base = root.xpath("string(//base/@href)") or page_url
    anchors_by_url: dict[str, list[lxml.html.HtmlElement]] = {}
    listings: list[str] = []
    for anchor in root.iter("a"):
        url = _clean_url(anchor.get("href"), base)
        if url is None or not site.is_own_url(url):
            continue
        if site.article_url_pattern is not None and site.is_article_url(url):
            anchors_by_url.setdefault(url, []).append(anchor)
        elif site.is_listing_url(url):
            listings.append(url)
    url_of = {anchor: url for url, anchors in anchors_by_url.items() for anchor in anchors}
    articles = [
        DiscoveredLink(url, PageHints(published=_date_near(anchors[0], url_of, url), title=_title_of(anchors), source="listing"))
        for url, anchors in anchors_by_url.items()
    ]
    return ListingLinks(articles, list(dict.fromkeys(listings)))
