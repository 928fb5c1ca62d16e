"""HTML text + Site → ``Extraction``: trafilatura for the body and metadata, Vietnamese news conventions around it.

``extract`` is a top-level, pure function of plain data so the caller can run it in a worker process under a
time limit.

Each field has one documented precedence (site selectors always first; README, "How each field is decided"):

- **title**: ``pipeline.extraction.headline``;
- **body**: trafilatura (``favor_recall``) on the page reshaped by ``pipeline.extraction.page_tree``; then the lines that come
  from blocks learned as the site's template (``pipeline.extraction.template``), from related-article, tag, share and widget
  blocks (``pipeline.extraction.boilerplate``), page furniture and credits are taken out, the sapo is kept (Vietnamese pages);
- **authors** and **attribution**: ``pipeline.extraction.page_authors`` (reading lines with ``pipeline.extraction.bylines``);
- **published**: ``pipeline.extraction.date_sources`` (an offset-bearing date beats a naive one; the site's timezone applies
  only to dates without an offset); ``published_precision`` says whether a time of day was given.
"""

from __future__ import annotations

import contextlib
import copy
import re
from collections.abc import Sequence

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_author,
    extract_meta_json,
    extract_sitename,
    extract_url,
)
from trafilatura.settings import Document

from pipeline.document import Extraction, PageHints
from pipeline.errors import NotArticleError
from pipeline.extraction.boilerplate import (
    BlockLines,
    chrome_blocks,
    is_chrome_line,
    is_related_heading,
    prose_chars,
    related_blocks,
    side_columns,
    teaser_items,
)
from pipeline.extraction.bylines import cut_site_footer, is_credit, parse_byline
from pipeline.extraction.date_sources import (
    DatedSource,
    best_date,
    has_date,
    is_bare_date,
    only_modified,
    structured_dates,
    visible_dates,
)
from pipeline.extraction.dates import find_date_in_lead_found, parse_date_found, reference_from_body
from pipeline.extraction.headline import find_headline
from pipeline.extraction.page_authors import marked_lines, page_authors
from pipeline.extraction.page_tree import (
    divs_as_paragraphs,
    drop_nodes,
    keep_captions,
    node_text,
    page_language,
    parse_page,
    select,
    unwrap_layout_tables,
)
from pipeline.extraction.template import SiteTemplate
from pipeline.sites import Site
from pipeline.text import detect_language, normalize_inline, normalize_text

__all__ = ["MIN_ARTICLE_CHARS", "extract", "parse_page"]

# Shorter bodies are teasers, error pages or listings; the shortest real news item on these sites is longer.
MIN_ARTICLE_CHARS = 250
# Recall matters more than precision here (captions, short paragraphs); measured on the benchmark, see bench/.
_FAVOR_RECALL = True
_SKIP_LINK_LINES = frozenset({"skip to main content", "nhảy đến nội dung", "chuyển đến nội dung chính"})
_TITLE_SEPARATORS = re.compile(r"\s+[|–—-]\s+|\s+::\s+")
# A line that is only a date/time ("08:54 | 16/07/2013"): one per teaser on a listing page.
_DATE_LINE_RE = re.compile(r"^[\W\d_]*\d{1,2}[/.]\d{1,2}[/.]\d{4}[\W\d_]*$")

# --- body ------------------------------------------------------------------------------------------------------------


def _body_root(tree: lxml.html.HtmlElement, site: Site) -> lxml.html.HtmlElement:
    if site.selectors.body:
        nodes = [n for n in select(tree, site.selectors.body) if isinstance(n, etree._Element)]
        if nodes:
            wrapper = lxml.html.document_fromstring("<html><body></body></html>")
            body = wrapper.find("body")
            for node in nodes:
                body.append(copy.deepcopy(node))
            return wrapper
    return copy.deepcopy(tree)


def _trafilatura_text(root: etree._Element, url: str, *, favor_recall: bool = _FAVOR_RECALL) -> str:
    """trafilatura's text of ``root``, which it consumes (the caller passes a tree it no longer needs)."""
    doc = trafilatura.bare_extraction(
        root, url=url, include_comments=False, include_tables=True, favor_recall=favor_recall, with_metadata=False
    )
    return getattr(doc, "text", None) or ""


_LEAD_CLASS_RE = re.compile(
    r"sapo|(?:^|[\s_-])lead(?:$|[\s_-])|summary|description|(?:^|[\s_-])desc(?:$|[\s_-])|excerpt|chapeau|intro|standfirst"
    r"|tom-?tat|tomtat|abstract|article__sapo|subtitle|sub-title",
    re.IGNORECASE,
)
_LEAD_MIN_CHARS, _LEAD_MAX_CHARS = 40, 800
# How far after the headline (in elements, document order) the lead may start.
_LEAD_REACH = 40


# A wire dateline opening a story: a place in capitals, optionally a date and agency, then a dash.
_DATELINE_RE = re.compile(r"^[A-ZÀ-Ỹ]{2}[A-ZÀ-Ỹ .'’-]{0,40}(?:,[^—–\n]{1,40})?(?:\s*\([^()]{2,20}\))?\s*[—–-]\s+\S")


def _lead_paragraph(tree: etree._Element, headline: etree._Element | None) -> str:
    """The sapo (lead paragraph) printed between the headline and the body, marked as such by its class or id.

    Body selectors and extractors often miss it: it sits outside the body container ("h2.sapo" above
    "div#content-detail") or looks like a subtitle. It is part of the article.
    """
    if headline is None:
        return ""
    following = 0
    for node in headline.xpath("following::*"):
        following += 1
        if following > _LEAD_REACH:
            break
        if node.tag not in ("p", "div", "h2", "h3", "span", "strong", "section"):
            continue
        if not _LEAD_CLASS_RE.search(f"{node.get('class', '')} {node.get('id', '')}"):
            continue
        text = node_text(node)
        if _LEAD_MIN_CHARS <= len(text) <= _LEAD_MAX_CHARS:
            return text
    return ""


def _with_lead(lines: list[str], lead: str) -> list[str]:
    """``lines`` opening with the lead, unless the extractor kept it already."""
    if not lead:
        return lines
    probe = lead[:60]
    if any(probe in line or line[:60] in lead for line in lines[:3] if len(line) >= 20):
        return lines
    return [lead, *lines]


_BREADCRUMB_RE = re.compile(r"\S\s*[>»›/|]\s*\S.*\S\s*[>»›/|]\s*\S")
_COUNTER_RE = re.compile(r"lượt\s+(?:xem|đọc|truy\s+cập)|views?\b|\bđang\s+online", re.IGNORECASE)
# Lines before the article's first paragraph are looked at for chrome (skip links, breadcrumbs, datelines).
_HEAD_LINES = 6


def _is_head_chrome(line: str, title: str) -> bool:
    """A line above the article that is the page's, not the article's: skip link, title again, breadcrumb,
    dateline, view counter."""
    if line.casefold() in _SKIP_LINK_LINES or line == title:
        return True
    if len(line) > 120:
        return False
    if title and line.startswith(title) and len(line) - len(title) < 40:  # "Headline - Tin tức - Sự kiện"
        return True
    if len(line) <= 80 and _BREADCRUMB_RE.search(line) and not line.rstrip().endswith((".", "!", "?")):
        return True
    head = line.split("|")[0]
    return is_bare_date(head) and (head == line or bool(_COUNTER_RE.search(line)))


_CREDIT_LINE_MAX_CHARS = 60


def _is_credit_line(line: str) -> bool:
    return len(line) <= _CREDIT_LINE_MAX_CHARS and is_credit(line)


def _is_dateline(line: str) -> bool:
    """A line that is only a date (and time): "October 12, 2017", "November 20, 2019 - 11:28 AMT". A time alone
    ("10 p.m.") is kept: live blogs print them as their entries' labels."""
    return len(line) <= 60 and has_date(line) and is_bare_date(_UPDATED_PREFIX_RE.sub("", line))


_UPDATED_PREFIX_RE = re.compile(r"^(?:updated|published|posted|cập\s+nhật|đăng)(?:\s+(?:at|on|lúc|ngày))?\s*:?\s*", re.I)


def _credit_paragraphs(root: etree._Element) -> frozenset[str]:
    """Texts of paragraphs that are nothing but a credit. A credit closing a caption ("…<br>Ảnh: HOÀNG HƯNG") is
    part of the caption and stays."""
    found = set()
    for node in root.iter("p", "div", "span", "figcaption", "td", "em", "small"):
        text = node.text_content()
        if len(text) <= 2 * _CREDIT_LINE_MAX_CHARS and _is_credit_line(text := normalize_inline(text)):
            found.add(text)
    return frozenset(found)


def _clean_lines(text: str, title: str, site: Site, credits: frozenset[str] = frozenset()) -> list[str]:
    lines = normalize_text(text).split("\n")
    head = 0
    while head < min(len(lines), _HEAD_LINES) and _is_head_chrome(lines[head], title):
        head += 1
    lines = lines[head:]
    kept: list[str] = []
    for raw in lines:
        line = raw.removeprefix("| ").removesuffix(" |")
        if any(pattern.search(line) for pattern in site.drop_lines) or is_chrome_line(line) or _is_dateline(line):
            continue
        if line in credits:
            continue  # "Ảnh: ĐỨC ANH", "Photo: Hau Dinh, AP" as a paragraph of its own: a credit, not text
        kept.append(line)
    return kept


def _check_article(lines: list[str], title: str, anchors: set[str], teasers: BlockLines, chrome: BlockLines) -> None:
    text_chars = sum(len(line) for line in lines)
    if not title:
        raise NotArticleError("no title")
    if text_chars < MIN_ARTICLE_CHARS:
        raise NotArticleError(f"body too short ({text_chars} characters)")
    # A page without an article (an image alone, an empty template) extracts as its footer or menus.
    own_chars = sum(len(line) for line in lines if line not in chrome)
    if own_chars < MIN_ARTICLE_CHARS:
        raise NotArticleError(f"no article body: only the page's header, footer or menus ({own_chars} characters of its own)")
    linked = [line for line in lines if line in anchors]
    dated = [line for line in lines if _DATE_LINE_RE.match(line)]
    # A listing extracts as teaser headlines (link texts) and their date lines; an article has neither in bulk.
    if sum(map(len, linked)) > 0.5 * text_chars:
        raise NotArticleError(f"mostly links ({len(linked)} of {len(lines)} lines are link texts)")
    if len(dated) >= 3:
        raise NotArticleError(f"{len(dated)} date lines: a listing")
    # A listing whose teasers carry summaries: the text is the summaries, each inside one repeated teaser item.
    from_teasers = [line for line in lines if line in teasers]
    if len(from_teasers) >= 3 and sum(map(len, from_teasers)) > 0.5 * text_chars:
        raise NotArticleError(f"a listing ({len(from_teasers)} of {len(lines)} lines are teaser summaries)")


def _without_trailing_teasers(lines: list[str], teasers: BlockLines) -> list[str]:
    """``lines`` without the teasers of a listing block that closes them ("Tin tiêu điểm": headline links with
    summaries, which no related-block heading rule caught). Only a closing run goes: a sidebar may also show this
    very article's headline and sapo, which open the text and stay."""
    end = len(lines)
    while end > 1 and lines[end - 1] in teasers:
        end -= 1
    if end < len(lines) and end > 1 and _is_block_heading(lines[end - 1]):
        end -= 1  # the run's heading, whatever it says ("Tin tức - Sự kiện")
    while end > 1 and is_related_heading(lines[end - 1]):
        end -= 1  # a widget's heading left alone at the end ("LIÊN KẾT WEBSITE")
    return lines[:end]


def _is_block_heading(line: str) -> bool:
    """A short line that ends no sentence and names nobody: the heading of the teaser block under it."""
    return is_related_heading(line) or (len(line) <= 60 and line[-1:] not in ".!?:;," and parse_byline(line) is None)


# --- dates -----------------------------------------------------------------------------------------------------------


def _published(
    tree: etree._Element, headline: etree._Element | None, site: Site, hints: PageHints, lines: Sequence[str]
) -> DatedSource | None:
    tz, order = site.tz, site.date_order
    selected: list[DatedSource] = []
    if site.selectors.date:
        for node in select(tree, site.selectors.date):
            if found := parse_date_found(node_text(node), tz, order=order):
                selected.append(DatedSource(found, "selector"))
                break
    hinted = []
    if hints.published and (found := parse_date_found(hints.published, tz, order=order)):
        hinted.append(DatedSource(found, f"hints:{hints.source}" if hints.source else "hints"))
    lead = []
    if lines and (found := find_date_in_lead_found(lines[0], tz, reference_from_body("\n".join(lines), None, tz))):
        lead.append(DatedSource(found, "lead"))
    visible = visible_dates(tree, headline, tz, order)
    found_date = best_date(selected, structured_dates(tree, tz, order), visible, hinted, lead)
    if found_date is not None and only_modified(tree, found_date, tz, order):
        return None  # the page says when it was changed, never when it was published
    if found_date is not None:
        return found_date
    # Last resort: htmldate's extensive search (trafilatura's metadata pass ran the quick one), a day.
    from htmldate import find_date  # deferred: only pages without any better date source need it

    day = find_date(copy.deepcopy(tree), original_date=True, extensive_search=True, outputformat="%Y-%m-%d")
    return DatedSource(found, "htmldate") if day and (found := parse_date_found(day, tz)) else None


def _metadata(tree: lxml.html.HtmlElement, url: str) -> Document | None:
    """trafilatura's author and site name for the page, found as ``trafilatura.metadata.extract_metadata`` finds them
    (meta tags, then JSON-LD, then its author expressions; the site name from the title or the URL), without the
    date, categories, tags and license it would also compute and nothing here reads (about half its cost). None of
    these steps changes ``tree``."""
    try:
        meta = examine_meta(tree)
        if meta.author and " " not in meta.author:
            meta.author = None  # one word is an account name (trafilatura's own rule)
        with contextlib.suppress(Exception):  # bugs in trafilatura's JSON-LD code; the meta tags remain
            meta = extract_meta_json(tree, meta)
        meta.author = meta.author or extract_author(tree)
        meta.url = meta.url or extract_url(tree, url)
        meta.sitename = meta.sitename or extract_sitename(tree)
        if meta.sitename:
            meta.sitename = meta.sitename.lstrip("@")
            if meta.sitename and "." not in meta.sitename and not meta.sitename[0].isupper():
                meta.sitename = meta.sitename.title()
        elif meta.url and (match := META_URL.match(meta.url)):
            meta.sitename = match[1]
        return meta
    except Exception:  # trafilatura's metadata code raises assorted errors on odd pages; it is optional
        return None


def extract(html: str, url: str, site: Site, hints: PageHints | None = None, template: SiteTemplate | None = None) -> Extraction:
    """Extract one article from a page's HTML, or raise ``NotArticleError``/``ExtractionError``.

    ``template`` holds the blocks learned from the site's archived pages (``pipeline.extraction.template``); their lines are
    taken out of the text.
    """
    hints = hints or PageHints()
    tree = parse_page(html)
    drop_nodes(tree, site)
    title, headline = find_headline(tree, site, normalize_inline(hints.title or ""))
    # link texts long enough to be headlines (measured raw first: normalising every menu link is a cost of its own)
    anchors = {normalize_inline(raw) for a in tree.iter("a") if len(raw := a.text_content()) > 15}
    anchors = {t for t in anchors if len(t) > 15}
    root = _body_root(tree, site)
    if page_language(tree, site) == "vi":
        # Vietnamese papers count photo captions as text (the seeds carry them); English news extraction
        # conventions (the benchmark's ground truth) leave them out.
        keep_captions(root)
    unwrap_layout_tables(root)
    divs_as_paragraphs(root)
    learned = template.find(tree) if template is not None else []
    page_prose = prose_chars(root)  # what a block must not hold much of to be taken out (read once)
    not_article = BlockLines(related_blocks(root, page_prose) + side_columns(headline, page_prose) + learned)
    teasers = BlockLines(teaser_items(root))
    chrome = BlockLines(chrome_blocks(root, page_prose))
    marked = marked_lines(root)
    credits = _credit_paragraphs(root)
    raw_text = _trafilatura_text(root, url)  # consumes root
    if not raw_text.strip():
        raise NotArticleError("no article text found", url=url)
    lines = not_article.strip(_clean_lines(raw_text, title, site, credits))
    try:
        _check_article(lines, title, anchors, teasers, chrome)
    except NotArticleError as exc:
        exc.url = url
        raise
    lines = cut_site_footer(_without_trailing_teasers(lines, teasers))
    lang = detect_language("\n".join(lines), site.lang)
    lead = _lead_paragraph(tree, headline)
    if lang == "vi" or site.selectors.body or _DATELINE_RE.match(lead):
        # Vietnamese papers count the sapo as the article's opening (the seeds open with it); English standfirsts
        # are a subtitle (the benchmark's ground truth leaves them out), unless the lead opens with the story's
        # dateline ("HÀ NỘI — …", "HANOI, May 16 (Reuters) -"): then it is the first paragraph set apart.
        lines = _with_lead(lines, lead)
    authors, attribution, lines = page_authors(tree, marked, site, lines, lang, lambda: _metadata(tree, url))
    published = _published(tree, headline, site, hints, lines)
    return Extraction(
        title=title,
        text="\n".join(lines),
        published_at=published.found.moment if published else None,
        authors=authors,
        lang=lang,
        date_source=published.source if published else "",
        published_precision=published.found.precision if published else "",
        attribution=attribution,
    )
