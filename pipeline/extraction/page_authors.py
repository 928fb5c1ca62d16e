"""Who wrote the article and which outlet it credits, read from the page (``pipeline.extraction.bylines`` reads the lines).

Precedence: the site's ``author`` selector; the byline closing the text (bold or right-aligned paragraphs count as
marked); then, on Vietnamese pages, a byline element and trafilatura's metadata in that order (Vietnamese CMSs fill
author metadata with the site's or an account's name), on other pages the metadata first; a wire sign-off last.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from lxml import etree
from trafilatura.settings import Document

from pipeline.extraction.bylines import (
    Byline,
    clean_author_names,
    is_agency,
    is_institution,
    is_unit_name,
    looks_like_name,
    parse_byline,
    plausible_vietnamese_name,
    split_leading_byline,
    split_trailing_byline,
)
from pipeline.extraction.page_tree import node_text, select
from pipeline.sites import Site
from pipeline.text import normalize_inline

__all__ = ["marked_lines", "page_authors"]

# Candidates by plain XPath (fast), then the class tokens checked in Python: "author", "post-author", "author-name",
# not "authority".
_BYLINE_CANDIDATES = etree.XPath(
    "//*[@rel='author' or contains(@itemprop,'author') or contains(@id,'uthor') or contains(@id,'yline')"
    " or contains(@class,'uthor') or contains(@class,'yline') or contains(@class,'y-line') or contains(@class,'writer')"
    " or contains(@class,'tac-gia') or contains(@class,'tacgia') or contains(@class,'journalist') or contains(@class,'credit')"
    " or contains(@class,'written-by') or contains(@class,'writtenby')]"
)
_BYLINE_CLASS_RE = re.compile(
    r"(?:^|[\s_-])(?:author|byline|by-line|writer|written-?by|tac-?gia|tacgia|journalist|credits?)(?:[\s_-]|name|$)",
    re.IGNORECASE,
)
# CamelCase class names of .NET portals: "NewsAuthor", "newsByline" (not "Authority").
_CAMEL_BYLINE_CLASS_RE = re.compile(r"[a-z](?:Author|Byline|Writer)(?:[A-Z_\s-]|$)")
# Elements around a byline-looking element that make it something else: comments, related lists, author bios.
_NOT_BYLINE_RE = re.compile(
    r"comment|related|sidebar|footer|author-?(?:bio|box|info|about|card|desc)|about-?author|more-?from", re.IGNORECASE
)
# An element itself named as an image's credit ("article__image__caption__credit") credits a photographer.
_IMAGE_CREDIT_RE = re.compile(r"caption|(?:image|photo|img)[\w-]*credit|credit[\w-]*(?:image|photo)", re.IGNORECASE)
_RIGHT_ALIGNED_RE = re.compile(r"text-align\s*:\s*right|float\s*:\s*right", re.IGNORECASE)


def marked_lines(root: etree._Element) -> frozenset[str]:
    """Texts of paragraphs the page marks as a byline: right-aligned, or bold from end to end."""
    marked: set[str] = set()
    for node in root.iter("p", "div", "span", "td"):
        style = f"{node.get('style', '')} {node.get('align', '')} {node.get('class', '')}"
        right = bool(_RIGHT_ALIGNED_RE.search(style)) or "right" in style.casefold()
        bolds = [] if right else [b for b in node.iter("strong", "b")]
        if not right and not bolds:
            continue  # most paragraphs: no need to read their text
        text = node_text(node)
        if not text or len(text) > 160:
            continue
        if right or any(node_text(b) == text for b in bolds):
            marked.add(text)
    return frozenset(marked)


_SOURCE_LABEL_RE = re.compile(r"^\s*(?:nguồn(?:\s*tin)?|theo|source)\s*[:：]?\s*", re.IGNORECASE)
_SOURCE_ELEMENTS = etree.XPath(
    "//*[contains(@class,'source') or contains(@class,'nguon') or contains(@class,'Source') or contains(@id,'source')]"
)


_TAGS_RE = re.compile(r"tags?\b|keyword", re.IGNORECASE)
_DATA_BOX_RE = re.compile(r"fact|chart|graph|infobox|data-?box|table|figure|caption|note", re.IGNORECASE)


def _source_element(tree: etree._Element, site_names: set[str], lang: str) -> str:
    """The outlet an element marked as the article's source names ("<div class='news-source'>Nguồn: Báo Hà Giang",
    an aggregator's source logo), or "". English pages use "source" classes for image and link credits too: there
    only a labelled one ("Source: …") counts."""
    for node in _SOURCE_ELEMENTS(tree):
        if node.tag in ("script", "style", "link", "meta") or _in_block(node, _NOT_BYLINE_RE) or _in_block(node, _DATA_BOX_RE):
            continue  # a fact box's or chart's "Source: …" credits its figures, not the article
        if _TAGS_RE.search(f"{node.get('class', '')} {node.get('id', '')}"):
            continue  # a theme's "source and tags" box ("td-post-source-tags"): its first word is the "TAGS" label
        label = node_text(node)
        if lang != "vi" and not _SOURCE_LABEL_RE.match(label):
            continue
        name = _source_name(node, label)
        if 2 <= len(name) <= 60 and not any(c.isdigit() for c in name) and name.casefold() not in site_names:
            return name
    return ""


def _source_name(node: etree._Element, label: str) -> str:
    """The outlet's name in a source element: its own text after the label ("Theo <span>The Verge</span><span>Copy
    link</span>" → the first named piece), else a logo's alt text."""
    pieces = [normalize_inline(t) for t in node.itertext() if t.strip()]
    pieces = [p for p in (_SOURCE_LABEL_RE.sub("", p).strip(" .:") for p in pieces) if p]
    if pieces:
        return pieces[0]
    return next((normalize_inline(img.get("alt", "")) for img in node.iter("img") if img.get("alt")), "")


def _in_block(node: etree._Element, pattern: re.Pattern[str]) -> bool:
    """Whether ``node`` or an ancestor inside ``<main>`` (else ``<body>``) has a class or id matching ``pattern``."""
    return any(pattern.search(f"{element.get('class', '')} {element.get('id', '')}") for element in _ancestors_in_page(node))


def _ancestors_in_page(node: etree._Element) -> list[etree._Element]:
    """``node`` and its ancestors up to ``<main>`` or, without one, below ``<body>``: classes further out describe the
    layout ("has-sidebar", Olivero's "sidebar-grid" around the main column), not where the node sits."""
    chain: list[etree._Element] = []
    for element in (node, *node.iterancestors()):
        if element.tag in ("body", "html"):
            break
        chain.append(element)
        if element.tag == "main" or element.get("role") == "main":
            break
    return chain


_MAX_BYLINE_CHARS = 80
_MAX_LINKED_NAMES = 4
_AUTHOR_BOX_RE = re.compile(r"author-?(?:box|info|card)", re.IGNORECASE)
_MAX_AUTHOR_BOX_CHARS = 160


def _in_author_bio_or_elsewhere(node: etree._Element) -> bool:
    """Whether ``node`` sits where a byline does not: comments, related lists, sidebars, an author's bio. An "author
    box" that holds no more than a byline ("Written by Dr. X, Programme Manager", avatar and name) is the byline."""
    if not _in_block(node, _NOT_BYLINE_RE):
        return False
    for element in _ancestors_in_page(node):
        names = f"{element.get('class', '')} {element.get('id', '')}"
        short_box = _AUTHOR_BOX_RE.search(names) and len(node_text(element)) <= _MAX_AUTHOR_BOX_CHARS
        if _NOT_BYLINE_RE.search(names) and not short_box:
            return True
    return False


def _byline_texts(node: etree._Element) -> list[str]:
    """The byline text of an element, one per paragraph or line when it holds several ("Lê Hoàng" + "Nguồn: VTC
    News", "PV: Lương Thảo<br>Quay phim: Minh Đức")."""
    if node.tag == "meta":
        return [normalize_inline(node.get("content", ""))]
    blocks = [c for c in node if isinstance(c.tag, str) and c.tag in ("p", "div", "span")]
    texts = [node_text(c) for c in blocks] if len(blocks) > 1 else []
    whole = node_text(node)
    if len(whole) <= _MAX_BYLINE_CHARS and sum(len(t) for t in texts) < 0.8 * len(whole):
        texts = []  # "<div>Bởi</div> <a>Ban biên tập</a><div> - </div>": the name sits between the blocks
    if not texts and node.find(".//br") is not None:
        texts = [normalize_inline(line) for line in _text_with_breaks(node).split("\n")]
    return [t for t in texts if t] or [whole]


def _text_with_breaks(node: etree._Element) -> str:
    """The element's text with a newline for each ``<br>``."""
    parts = [node.text or ""]
    for child in node.iterdescendants():
        if child.tag == "br":
            parts.append("\n")
        elif isinstance(child.tag, str):
            parts.append(child.text or "")
        parts.append(child.tail or "")
    return "".join(parts)


def _is_byline_candidate(node: etree._Element) -> bool:
    """Whether a node the XPath found is marked up as a byline (attribute, id or class) and sits where bylines do."""
    by_attribute = node.get("rel") == "author" or "author" in node.get("itemprop", "")
    by_id = any(word in node.get("id", "").lower() for word in ("author", "byline"))  # "lblAuthor" too
    by_class = bool(_BYLINE_CLASS_RE.search(node.get("class", "")) or _CAMEL_BYLINE_CLASS_RE.search(node.get("class", "")))
    if not (by_attribute or by_id or by_class) or _in_author_bio_or_elsewhere(node):
        return False
    return not (_IMAGE_CREDIT_RE.search(f"{node.get('class', '')} {node.get('id', '')}") or node.get("itemprop") == "creator")


def _same_kind(node: etree._Element, first: etree._Element) -> bool:
    """Whether ``node`` is another credit of the byline ``first`` opened: same tag and class, in the same byline block
    (siblings, or cousins such as Tuổi Trẻ's one "author-info" box per writer)."""
    if node.tag != first.tag or node.get("class") != first.get("class"):
        return False
    near = list(first.iterancestors())[:3]
    return any(a in near for a in list(node.iterancestors())[:3])


def _attribution_of(node: etree._Element) -> str:
    """The source an element beside the byline credits: "<span class='author-source'>(Theo Kyodo)</span>", "AAP"."""
    text = node_text(node)
    found = parse_byline(text, lenient=True) if text else None
    if found is not None and found.attribution and not found.authors:
        return found.attribution
    return text if is_agency(text) else ""


def _byline_element(tree: etree._Element, site_names: set[str], lang: str) -> Byline:
    """The authors named by the first element marked up as a byline (outside comments, related blocks and author
    bios) whose text reads as names — the innermost such element, so that a date or a reading time beside the names
    stays out — with its siblings of the same kind ("<a class='author-name'>" twice); on Vietnamese pages an editorial
    unit ("Nhóm phóng viên") is an author too. An attribution found on the way ("Theo TTXVN" in the author field) is
    kept."""
    candidates = [n for n in _BYLINE_CANDIDATES(tree) if _is_byline_candidate(n)]
    readings: dict[etree._Element, tuple[list[str], str]] = {}

    def reading(node: etree._Element) -> tuple[list[str], str]:
        if node not in readings:
            readings[node] = _byline_people(node, site_names, lang)
        return readings[node]

    inside = set(candidates)
    attribution = ""
    first: etree._Element | None = None
    names: list[str] = []
    # What the page shows first; <meta> authors (DNN's "MetaAuthor" holds the site's name) only when nothing shows one.
    for node in [n for n in candidates if n.tag != "meta"] + [n for n in candidates if n.tag == "meta"]:
        if first is not None and not _same_kind(node, first):
            attribution = attribution or _attribution_of(node)  # "By Callum Reid" then "<div class='agency'>AAP</div>"
            continue  # after the first byline element, only its siblings of the same kind
        people, found_attribution = reading(node)
        attribution = attribution or found_attribution
        if people and first is None and any(reading(d)[0] for d in node.iterdescendants() if d in inside):
            continue  # Ghost's "article-byline" holds the date too: its inner "author-name" names the writers alone
        if people and first is None:
            first = node
        names.extend(people)
    return Byline(clean_author_names(names), attribution)


def _byline_people(node: etree._Element, site_names: set[str], lang: str) -> tuple[list[str], str]:
    """The persons (or, on Vietnamese pages, the signing unit) a byline element names, and the attribution it gives;
    when its text as a whole names nobody, the names it links ("<a class='name'>Hoàng Hương</a><span>Theo dõi</span>",
    a follow button beside the name)."""
    texts = _byline_texts(node)
    names, attribution = _people_in(texts, site_names, lang)
    if not names and node.tag != "meta" and len(node_text(node)) <= _MAX_BYLINE_CHARS:  # a byline, not a menu
        links = [t for t in (node_text(a) for a in node.iter("a")) if t and t not in texts]
        if len(links) <= _MAX_LINKED_NAMES:
            names = _people_in(links, site_names, lang)[0]
    return names, attribution


def _people_in(texts: Sequence[str], site_names: set[str], lang: str) -> tuple[list[str], str]:
    names: list[str] = []
    attribution = ""
    for text in texts:
        found = parse_byline(text, lenient=True) if text else None
        if found is None:
            continue
        attribution = attribution or found.attribution
        people = list(_person_names([n for n in found.authors if looks_like_name(n)], site_names))
        if not people and lang == "vi":  # an editorial unit or desk signs ("Nhóm phóng viên", "PV", "BBT")
            people = [
                n for n in found.authors
                if (is_unit_name(n) or plausible_vietnamese_name(n)) and n.casefold() not in site_names
            ]  # fmt: skip
        if not people:  # an institution's office signs its own news ("Press Office")
            people = [n for n in found.authors if is_institution(n) and n.casefold() not in site_names]
        if not people and found.authors and all(is_agency(n) for n in found.authors):
            attribution = attribution or found.authors[0]  # "<span class='agency'>Reuters</span>": the wire's copy
        names.extend(people)
    return names, attribution


# Particles that may stand lower-case inside a name ("Ludwig van Beethoven", "Ana de la Torre").
_NAME_PARTICLES = frozenset({"van", "von", "der", "den", "de", "da", "di", "del", "la", "le", "du", "bin", "binti", "al", "el"})


def _reads_as_name(name: str) -> bool:
    """A metadata author that reads as a person's name (not "Phil Helsel is a reporter", not a sentence)."""
    words = normalize_inline(name).split()
    if not 1 <= len(words) <= 6 or any(c.isdigit() for c in name):
        return False
    return all(w[0].isupper() or w.casefold() in _NAME_PARTICLES or not w[0].isalpha() for w in words)


_COPYRIGHT_PREFIX_RE = re.compile(r"^\s*(?:copyright|©|\(c\))\s*(?:©\s*)?(?:\d{4}\s*)?(?:by\s+)?", re.IGNORECASE)


def _site_names(tree: etree._Element, meta: Document | None, site: Site) -> set[str]:
    names = {site.title, site.name, site.host}
    names.update(str(v) for v in tree.xpath("//meta[@property='og:site_name']/@content"))
    # the copyright holder ("Copyright 2024 by Cục Thống kê tỉnh Nam Định") is the site, whatever its meta author says
    holders = tree.xpath("//meta[translate(@name,'COPYRIGHT','copyright')='copyright']/@content")
    names.update(_COPYRIGHT_PREFIX_RE.sub("", str(v)) for v in holders)
    if meta is not None and meta.sitename:
        names.add(meta.sitename)
    return {n.casefold().strip() for n in names if n}


# Words of a job title or an organisation, never of a person's name ("AP Auto Writer", "HNN Staff", "CNN Business").
_ROLE_WORDS = frozenset({
    "staff", "writer", "editor", "reporter", "correspondent", "columnist", "contributor", "contributing", "news",
    "media", "press", "agency", "desk", "newsdesk", "team", "editorial", "bureau", "service", "wire", "reports", "sport",
    "sports",
    "business", "international", "magazine", "online", "digital", "newsroom", "phóng", "biên", "ban", "báo",
})  # fmt: skip
_DATE_WORDS_RE = re.compile(
    r"(?:\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|july"
    r"|august|september|october|november|december|updated|published|on|at))+$",
    re.IGNORECASE,
)


def _person_names(names: Sequence[str], site_names: set[str]) -> tuple[str, ...]:
    """The persons among author values from metadata or markup: no publication ("Báo Lào Cai điện tử", "Reuters"),
    job title ("AP Auto Writer"), account ("jdadmin") or date words run into the name ("Jeff Foust Monday")."""
    kept = []
    for raw in names:
        name = _DATE_WORDS_RE.sub("", normalize_inline(raw)).strip(" ,;.")
        folded = name.casefold()
        if not name or any(folded == s or (len(folded) > 6 and folded in s) or (len(s) > 6 and s in folded) for s in site_names):
            continue
        words = folded.split()
        # One word is an account or a first name a CMS shows ("jdadmin", "Vortex"); a byline names a person in full.
        if len(words) < 2 or any(c.isdigit() for c in name) or "@" in name or "/" in name:
            continue
        if any(w.strip(".,") in _ROLE_WORDS for w in words) or (not looks_like_name(name) and not _reads_as_name(name)):
            continue
        if parse_byline(name) is not None and not parse_byline(name).authors:  # type: ignore[union-attr]
            continue  # "Theo TTXVN": an attribution
        if any(folded.startswith(unit) for unit in ("the ", "associated press", "reuters", "afp", "ap ", "source ", "via ")):
            continue
        kept.append(name)
    return clean_author_names(kept)


def page_authors(
    tree: etree._Element, marked: frozenset[str], site: Site, lines: list[str], lang: str, metadata: Callable[[], Document | None]
) -> tuple[tuple[str, ...], str, list[str]]:
    """Authors, attribution and the body lines left once byline lines are taken out; trafilatura's ``metadata``
    (≈10 ms a page) is read only when the text names no author."""
    if site.selectors.author:
        names = [t for t in dict.fromkeys(node_text(n) for n in select(tree, site.selectors.author)) if t]
        if names:
            return tuple(names), "", [line for line in lines if line not in names]
    lines, lead = split_leading_byline(lines)
    body, byline = split_trailing_byline(lines, marked=marked, english=lang != "vi")
    if lead.authors and (not byline.authors or byline.from_sign_off):
        byline = Byline(lead.authors, byline.attribution or lead.attribution)  # "Story by …" opening the text
    attribution = byline.attribution
    if byline.authors and not byline.from_sign_off:
        attribution = attribution or _byline_element(tree, set(), lang).attribution or _source_element(tree, set(), lang)
        return byline.authors, attribution, body
    meta = metadata()
    site_names = _site_names(tree, meta, site)
    element = _byline_element(tree, site_names, lang)
    from_meta = (
        _person_names([n for n in meta.author.split(";") if _reads_as_name(n)], site_names) if meta and meta.author else ()
    )
    # Vietnamese CMSs fill author metadata with the site's or an account's name, so the byline element as the page
    # shows it comes first there; English news metadata (JSON-LD) is the better of the two. A wire sign-off last.
    first, second = (element.authors, from_meta) if lang == "vi" else (from_meta, element.authors)
    authors = first or second or byline.authors
    if not authors and (bio := _author_bio(tree, body)) is not None:
        authors, body = (bio[0],), [line for line in body if line != bio[1]]
    return authors, attribution or element.attribution or _source_element(tree, site_names, lang), body


# "<p><strong>Nguyễn Thị Lan</strong> is Green Karst's community outreach officer…": a blog's author bio.
_BIO_RE = re.compile(r"^(?P<name>[^\W\d_][\w’'.-]*(?:\s+[^\W\d_][\w’'.-]*){1,4})\s+(?:is|was|works|writes|has\s+been)\s+\S")


def _author_bio(tree: etree._Element, body: list[str]) -> tuple[str, str] | None:
    """The writer named by an author bio closing the text (a bold name, then "is …"), and that bio line; the last
    resort when nothing else names an author."""
    bold = {normalize_inline(node_text(b)) for b in tree.iter("strong", "b")}
    for line in body[-3:]:
        match = _BIO_RE.match(line)
        if match and match.group("name") in bold and looks_like_name(match.group("name")) and len(line) < 400:
            return match.group("name"), line
    return None
