"""The page as extraction sees it: parsed with trafilatura's loader, site ``drop`` rules applied, and reshaped so the
extractor reads it as an editor wrote it — old table layouts as blocks, text-only ``<div>``s among paragraphs as
paragraphs, a single photo's caption as a paragraph (Vietnamese pages count captions as text)."""

from __future__ import annotations

import re
from typing import Any

import lxml.html
from lxml import etree
from trafilatura.utils import load_html

from pipeline.errors import ExtractionError, NotArticleError
from pipeline.sites import Site
from pipeline.text import detect_language, normalize_inline

__all__ = [
    "divs_as_paragraphs",
    "drop_nodes",
    "first_text",
    "keep_captions",
    "node_text",
    "page_language",
    "parse_page",
    "select",
    "unwrap_layout_tables",
]


def select(root: etree._Element, expr: str) -> list[Any]:
    """Elements (or strings) matched by a site selector: XPath when it starts with ``/`` or ``(``, CSS otherwise."""
    if expr.startswith(("/", "(")):
        result = root.xpath(expr)
        return list(result) if isinstance(result, list) else [result]
    return list(root.cssselect(expr))


def node_text(node: Any) -> str:
    return normalize_inline(node.text_content() if hasattr(node, "text_content") else str(node))


def first_text(root: etree._Element, expr: str) -> str:
    for node in select(root, expr):
        text = node_text(node)
        if text:
            return text
    return ""


def parse_page(html: str) -> lxml.html.HtmlElement:
    """The page's tree as extraction sees it (also what site templates are learned from)."""
    if not html.strip():
        raise NotArticleError("empty page")
    # trafilatura's own loader: its parser settings (comments and processing instructions removed, broken markup
    # recovered) are the ones its extraction is tuned for; a plain lxml parse lost paragraphs on benchmark pages.
    tree = load_html(html)
    if tree is None:
        raise ExtractionError("unparseable HTML")
    return tree


def drop_nodes(tree: lxml.html.HtmlElement, site: Site) -> None:
    for expr in site.selectors.drop:
        for node in select(tree, expr):
            if isinstance(node, etree._Element) and node.getparent() is not None:
                node.drop_tree() if isinstance(node, lxml.html.HtmlElement) else node.getparent().remove(node)


_GALLERY_RE = re.compile(r"galler|slide|carousel|lightbox|swiper|album", re.IGNORECASE)


def divs_as_paragraphs(root: etree._Element) -> None:
    """Text-only ``<div>``s standing among ``<p>`` siblings become paragraphs: editors' CMS bodies mix the two
    ("<div style='text-align: justify'>…</div>" between "<p>"s) and trafilatura drops such divs (and the
    byline "<div class='t1'>" the modern provincial-paper CMS closes with) when its paragraphs are ``<p>``."""
    for parent in root.iter():
        children = [c for c in parent if isinstance(c.tag, str)]
        text_divs = [c for c in children if c.tag == "div" and not _holds_blocks(c)]
        if not text_divs:
            continue
        texts = [" ".join("".join(child.itertext()).split()) for child in text_divs]
        # Among <p>s, or an editor's body made of <div>s alone: two or more of them prose paragraphs.
        if sum(c.tag == "p" for c in children) < 2 and sum(_is_prose_paragraph(t) for t in texts) < 2:
            continue
        for child, text in zip(text_divs, texts, strict=True):
            if len(text) >= 2:
                child.tag = "p"


def _holds_blocks(node: etree._Element) -> bool:
    return any(isinstance(g.tag, str) and g.tag in _BLOCK_TAGS for g in node.iter() if g is not node)


_PROSE_PARAGRAPH_CHARS = 100


def _is_prose_paragraph(text: str) -> bool:
    """A paragraph of running text: long, and closed like a sentence."""
    return len(text) >= _PROSE_PARAGRAPH_CHARS and text[-1] in '.!?…"”»)' and text.count(" ") >= 15


def page_language(tree: etree._Element, site: Site) -> str:
    """The page's language before extraction: its ``<html lang>``, else a guess from its paragraphs."""
    declared = (tree.get("lang") or tree.get("xml:lang") or "").strip().lower()
    if declared:
        return declared.split("-")[0]
    sample = " ".join(" ".join(p.itertext()) for p in tree.iter("p"))[:5000]
    return detect_language(sample, site.lang)


def keep_captions(root: etree._Element) -> None:
    """Figures as plain blocks and their captions as paragraphs: trafilatura drops ``<figure>`` whole, and with it
    the captions Vietnamese articles count as text (the seeds carry them)."""
    for figure in list(root.iter("figure")):
        captions = figure.findall(".//figcaption")
        in_gallery = any(_GALLERY_RE.search(f"{n.get('class', '')} {n.get('id', '')}") for n in (figure, *figure.iterancestors()))
        # One photo with its caption is part of the story; galleries and slideshows repeat captions as chrome.
        # a lazy-loaded photo repeats its <img> inside <noscript>: still one photo
        photos = [img for img in figure.iter("img") if not any(a.tag == "noscript" for a in img.iterancestors())]
        if len(captions) != 1 or len(photos) > 1 or in_gallery:
            continue
        # The figure becomes just its caption, a paragraph where the photo was: trafilatura would drop the figure
        # whole, and keeping its wrappers and image changes which container it takes for the article.
        para = etree.Element("p")
        para.text = " ".join("".join(captions[0].itertext()).split())
        para.tail = figure.tail
        figure.getparent().replace(figure, para)


# A cell this long, or holding blocks, lays out a page; data tables hold short values.
_LAYOUT_CELL_CHARS = 300
_BLOCK_TAGS = ("p", "div", "table", "ul", "ol", "h1", "h2", "h3", "h4", "form")


def _is_layout_table(table: etree._Element) -> bool:
    for cell in table.iter("td", "th"):
        blocks = [child.tag for child in cell if isinstance(child.tag, str) and child.tag in _BLOCK_TAGS]
        if len(blocks) > 1 or (blocks and blocks[0] != "p"):  # a data cell may wrap its value in one <p>
            return True
        if len("".join(cell.itertext())) > _LAYOUT_CELL_CHARS:
            return True
    return False


def unwrap_layout_tables(root: etree._Element) -> None:
    """Tables that lay out a page (old portals build whole pages of nested tables) become plain blocks, so the
    extractor sees paragraphs instead of one table row holding the article, its byline and the sidebars; one-column
    tables (image + caption boxes) become paragraphs, so captions survive as text lines. Data tables stay."""
    for table in list(root.iter("table")):
        rows = table.xpath(".//tr")
        # Nested tables are real layout grids (or data); only a small flat one-column box is an image + caption.
        if not rows or table.find(".//table") is not None or any(len(row.xpath("./td|./th")) > 1 for row in rows):
            continue
        if table.find(".//img") is None or len("".join(table.itertext())) > _LAYOUT_CELL_CHARS:
            continue
        box = etree.Element("div")
        for cell in table.xpath(".//td|.//th"):
            para = etree.SubElement(box, "p")
            para.text = cell.text
            para.extend(list(cell))
        box.tail = table.tail
        table.getparent().replace(table, box)
    for table in [t for t in root.iter("table") if _is_layout_table(t)]:
        for part in [table, *table.iter("tbody", "thead", "tfoot", "tr", "td", "th")]:
            part.tag = "div"
            for attribute in ("colspan", "rowspan"):
                part.attrib.pop(attribute, None)
