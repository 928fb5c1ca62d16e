"""Blocks around an article that are not the article: related-article lists, "read more" boxes, data widgets.

Generic extractors keep such blocks when they sit inside or right after the body container: a "Tin liên quan" box
in the middle of the text, "Các tin khác" teaser headlines after the byline, a gold-price table in the sidebar of a
table-laid-out portal. They are recognised by their heading — the words news sites use for them, in Vietnamese and
English:

- the smallest element around the heading that is a box of its own (mostly links, or named like one:
  ``related``, ``lien-quan``, ``tin-khac``…) is the block;
- a heading that stands among the body's paragraphs makes a block with the run of siblings that follows it while
  they are link lists or teaser headlines, stopping at a byline or at prose.

A block never holds a large share of the page's prose: a wrong guess costs a few teaser lines, not the article.

The blocks are not cut out of the tree: removing elements changes which container trafilatura judges to be the
article (measured on the benchmark: a dropped comment box made it pick a cookie notice), so the extracted *lines*
that come from these blocks are removed afterwards (``BlockLines``).
"""

from __future__ import annotations

import re
import unicodedata

from lxml import etree

from pipeline.extraction.bylines import parse_byline

__all__ = [
    "BlockLines",
    "block_text",
    "chrome_blocks",
    "is_chrome_line",
    "is_related_heading",
    "link_density",
    "prose_chars",
    "related_blocks",
    "side_columns",
    "teaser_items",
]

_RELATED_HEADINGS = (
    # Vietnamese news sites
    r"(?:các\s+|những\s+)?(?:tin|bài|bài\s+viết|tin\s+bài|tin\s+tức|chủ\s+đề|video|tin\s+ảnh)\s+(?:liên\s+quan|khác|cùng\s+"
    r"(?:chuyên\s+mục|danh\s+mục|chủ\s+đề|loại)|đã\s+đưa|mới(?:\s+nhất|\s+hơn|\s+cập\s+nhật)?|cũ(?:\s+hơn)?|nổi\s+bật|"
    r"tiêu\s+điểm|đọc\s+nhiều(?:\s+nhất)?|xem\s+nhiều(?:\s+nhất)?|tiếp\s+theo|trước|sau|đã\s+đăng)",
    r"(?:đọc|xem)\s+(?:nhiều(?:\s+nhất)?|thêm|tiếp)",
    r"(?:có\s+thể\s+)?bạn\s+(?:có\s+thể\s+)?(?:quan\s+tâm|muốn\s+đọc|chưa\s+đọc)",
    r"(?:tin|bài)\s+(?:hot|hay|nóng)",
    r"từ\s+khóa|từ\s+khoá|tags?|chia\s+sẻ",
    r"giá\s+vàng|tỷ\s+giá|tỉ\s+giá|thời\s+tiết|kết\s+quả\s+xổ\s+số|xổ\s+số|chứng\s+khoán|lịch\s+phát\s+sóng|liên\s+kết\s+web(?:site)?",
    r"(?:thống\s+kê\s+)?(?:lượt|số\s+lượt|người)\s+truy\s+cập|thống\s+kê\s+truy\s+cập|đang\s+(?:truy\s+cập|online)|thăm\s+dò\s+ý\s+kiến",
    r"(?:quảng\s+cáo|liên\s+kết|văn\s+bản\s+mới|lịch\s+công\s+tác|video\s+clip|thư\s+viện\s+(?:ảnh|video))",
    # comment boxes, with their count: "Ý kiến bạn đọc (0)", "Bình luận", "3 Comments"
    r"(?:ý\s+kiến|bình\s+luận|gửi\s+bình\s+luận|gửi\s+ý\s+kiến)(?:\s+(?:bạn\s+đọc|của\s+bạn|độc\s+giả))?(?:\s*\(\d+\))?",
    # English news sites
    r"related(?:\s+(?:stories|articles|posts|content|news|coverage|links|topics|reading))?",
    r"more\s+(?:from|on|in|stories|news|to\s+read|like\s+this)(?:\s+.{0,40})?",
    r"(?:read|see|watch)\s+(?:more|next|also)|also\s+read|see\s+also",
    r"most\s+(?:read|popular|viewed|shared|watched)|trending(?:\s+now)?|top\s+stories|latest(?:\s+news|\s+stories)?",
    r"recommended(?:\s+for\s+you)?|you\s+(?:may|might)\s+also\s+like|editor'?s\s+picks?|popular\s+(?:now|stories)",
    r"share\s+this(?:\s+(?:article|story))?|don'?t\s+miss|trending\s+stories|partner\s+news|sponsored(?:\s+content)?",
    r"(?:\d+\s+)?comments?(?:\s*\(\d+\))?|leave\s+a\s+(?:comment|reply)|join\s+the\s+(?:conversation|discussion)",
)
_RELATED_RE = re.compile(r"^(?:" + "|".join(_RELATED_HEADINGS) + r")$", re.IGNORECASE)
_BOX_NAME_RE = re.compile(
    r"related|lien-?quan|tin-?khac|other-?news|othernews|more-?news|read-?more|readmore|xem-?them|doc-?them|same-?cat|"
    r"cung-?chuyen-?muc|most-?read|doc-?nhieu|popular|recommend|tags?\b|tag-?list|keywords?|share|social|comment",
    re.IGNORECASE,
)
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "div", "span", "p", "strong", "b", "header", "label",
                           "dt", "th", "td", "a", "li", "section", "legend", "caption"})  # fmt: skip
_MAX_HEADING_CHARS = 60
# A block is mostly links when this share of its text is link text.
_LINK_DENSE = 0.5
# Never drop a block holding this share of the page's prose.
_MAX_PROSE_SHARE = 0.3
_MAX_NAMED_PROSE_SHARE = 0.6
_TEASER_MAX_CHARS = 180
_PROSE_MIN_CHARS = 80


def block_text(node: etree._Element) -> str:
    """An element's whole text, NFC, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", "".join(node.itertext())).split())


def is_related_heading(text: str) -> bool:
    """Whether ``text`` is the heading of a related-articles, tags, share, comments or data-widget block."""
    cleaned = " ".join(text.replace("\xa0", " ").split()).strip(" :»›>|-–—.•*#/").casefold()
    return 0 < len(cleaned) <= _MAX_HEADING_CHARS and _RELATED_RE.match(cleaned) is not None


def link_density(node: etree._Element) -> float:
    """Share of the element's text that is link text (0 for an element without text)."""
    total = len(block_text(node))
    if not total:
        return 0.0
    linked = sum(len(block_text(a)) for a in node.iter("a") if not any(p.tag == "a" for p in a.iterancestors()))
    return min(1.0, linked / total)


def prose_chars(node: etree._Element) -> int:
    """Characters of sentence-like text in the element: the mass a wrong removal would lose."""
    total = 0
    for para in node.iter("p", "div", "td", "li"):
        own = " ".join("".join(t for t in [para.text or "", *(c.tail or "" for c in para)]).split())
        if len(own) >= _PROSE_MIN_CHARS and any(mark in own for mark in ".!?"):
            total += len(own)
    return total


def _is_teaser(node: etree._Element) -> bool:
    """A line of a related list: a link list, or a short headline that ends no sentence and is no byline."""
    if not isinstance(node.tag, str):
        return False
    text = block_text(node)
    if not text:
        return True  # spacers, images
    if node.tag in ("ul", "ol", "table", "dl") or link_density(node) >= _LINK_DENSE:
        return True
    if parse_byline(text) is not None:
        return False
    return len(text) <= _TEASER_MAX_CHARS and text[-1] not in ".!?…:" and node.tag in ("p", "div", "li", "h3", "h4", "h5", "span")


def _box_of(heading: etree._Element, page_prose: int) -> etree._Element | None:
    """The element around ``heading`` that is the related block itself, or None when the heading stands in prose."""
    node = heading
    for _ in range(6):
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html", "article", "main"):
            return None
        ident = f"{parent.get('class', '')} {parent.get('id', '')}"
        named = bool(_BOX_NAME_RE.search(ident))
        # A box named for what it is ("box-cung-chuyen-muc") may hold teasers with summaries; an anonymous one
        # must stay small. Neither ever holds the headline.
        share = _MAX_NAMED_PROSE_SHARE if named else _MAX_PROSE_SHARE
        if (page_prose and prose_chars(parent) > share * page_prose) or parent.find(".//h1") is not None:
            return None
        links = [a for a in parent.iter("a") if block_text(a)]
        if named or (len(links) >= 2 and link_density(parent) >= _LINK_DENSE):
            return parent
        node = parent
    return None


_HEADING_TEXTS = etree.XPath("//text()[string-length(normalize-space(.)) > 1 and string-length(normalize-space(.)) < 70]")


def _related_headings(root: etree._Element) -> list[etree._Element]:
    """The innermost elements whose whole text is a related-block heading, found from the page's short text nodes
    (one pass over text, instead of the text of every element)."""
    found: list[etree._Element] = []
    for piece in _HEADING_TEXTS(root):
        if not is_related_heading(str(piece)):
            continue
        node = piece.getparent()
        # the text may be a tail: then it belongs to the parent of the element it follows
        if piece.is_tail and node is not None:
            node = node.getparent()
        while node is not None and isinstance(node.tag, str) and node.tag not in _HEADING_TAGS:
            node = node.getparent()
        if node is None or not isinstance(node.tag, str) or node in found or not is_related_heading(block_text(node)):
            continue
        found.append(node)
    return found


def related_blocks(root: etree._Element, page_prose: int | None = None) -> list[etree._Element]:
    """Related-article, tag, share and widget blocks of ``root``: boxes, and heading + teaser runs (flattened)."""
    page_prose = prose_chars(root) if page_prose is None else page_prose
    headings = _related_headings(root)
    blocks: list[etree._Element] = []
    for heading in headings:
        if any(ancestor in blocks for ancestor in heading.iterancestors()):
            continue
        box = _box_of(heading, page_prose)
        if box is not None:
            blocks.append(box)
            continue
        # The heading stands among the body's paragraphs: the block is the heading and the teaser run after it.
        anchor = heading
        while anchor.getparent() is not None and anchor.getparent().tag not in ("body", "html") and anchor.getnext() is None:
            if len(block_text(anchor.getparent())) > len(block_text(heading)) + 5:
                break
            anchor = anchor.getparent()  # "<p><strong>Tin liên quan</strong></p>": the paragraph is the heading
        following = []
        sibling = anchor.getnext()
        while sibling is not None and _is_teaser(sibling):
            following.append(sibling)
            sibling = sibling.getnext()
        if following:
            blocks.extend([anchor, *following])
    return blocks


_LINE_TAGS = frozenset({"p", "div", "li", "a", "span", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "dt", "dd", "strong",
                        "b", "em", "i", "figcaption", "blockquote", "time", "small", "label"})  # fmt: skip
# A longer extracted line found inside a block's text is that block's, even when the extractor joined or split it.
_MIN_SUBSTRING_CHARS = 25


def _squashed(text: str) -> str:
    return "".join(text.split())


class BlockLines:
    """The text of some blocks of a page, to take their lines back out of an extractor's output."""

    def __init__(self, blocks: list[etree._Element]) -> None:
        # Compared without whitespace: an extractor puts a space where a heading and a summary meet ("<h3>Headline
        # </h3><p>Summary</p>" → "Headline Summary"), the element's text has none.
        self._exact: set[str] = set()
        texts = []
        for block in blocks:
            texts.append(_squashed(block_text(block)))
            for node in block.iter():
                if isinstance(node.tag, str) and node.tag in _LINE_TAGS and (text := block_text(node)):
                    self._exact.add(_squashed(text))
                    if node.tag == "tr":  # a table row as extractors write it: "Hôm nay | 486"
                        self._exact.add(_squashed("|".join(t for t in (block_text(cell) for cell in node) if t)))
        self._joined = "\n".join(texts)

    def __bool__(self) -> bool:
        return bool(self._joined)

    def __contains__(self, line: object) -> bool:
        if not isinstance(line, str):
            return False
        line = line.removeprefix("- ").strip()
        key = _squashed(line)
        return key in self._exact or (len(line) >= _MIN_SUBSTRING_CHARS and key in self._joined)

    def strip(self, lines: list[str]) -> list[str]:
        """``lines`` without those that come from the blocks."""
        return [line for line in lines if line not in self] if self else lines


# A teaser's headline link is at least this long; a listing repeats at least this many teasers side by side.
_HEADLINE_LINK_CHARS = 20
_MIN_TEASERS = 4


_TEASER_ITEM_MAX_CHARS = 500
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def _is_teaser_item(item: etree._Element) -> bool:
    """A short element led by a headline link: a link in a heading, or alone in its own block (not a link inside a
    sentence, as list articles have)."""
    if item.find(".//a") is None:
        return False
    text = block_text(item)
    if not text or len(text) > _TEASER_ITEM_MAX_CHARS:
        return False
    for link in item.iter("a"):
        headline = block_text(link)
        if len(headline) < _HEADLINE_LINK_CHARS:
            continue
        in_heading = any(a.tag in _HEADINGS for a in link.iterancestors()) or any(c.tag in _HEADINGS for c in link.iter())
        parent = link.getparent()
        alone = parent is not None and parent is not item and block_text(parent) == headline
        # "<div><a>Headline</a><div>Summary…</div></div>": the link opens the item and no sentence runs on from it
        leads = parent is item and not (link.tail or "").strip() and _followed_by_block(link)
        if in_heading or ((alone or leads) and text.startswith(headline)):
            return True
    return False


_BLOCK_TAGS = frozenset({"div", "p", "span", "ul", "ol", "section", "br"})


def _followed_by_block(link: etree._Element) -> bool:
    """Whether what follows ``link`` in its parent is a block of its own (or nothing), not the rest of a sentence."""
    after = link.getnext()
    while after is not None and not isinstance(after.tag, str):
        after = after.getnext()
    return after is None or after.tag in _BLOCK_TAGS


def teaser_items(root: etree._Element) -> list[etree._Element]:
    """Repeated sibling elements (same tag and class) that each carry a headline link: the items of a listing."""
    items: list[etree._Element] = []
    for parent in root.iter():
        if len(parent) < _MIN_TEASERS:
            continue
        groups: dict[tuple[str, str], list[etree._Element]] = {}
        for child in parent:
            if isinstance(child.tag, str) and child.tag not in ("a", "script", "style", "option"):
                groups.setdefault((child.tag, child.get("class", "")), []).append(child)
        for members in groups.values():
            if len(members) < _MIN_TEASERS:
                continue
            headed = [m for m in members if _is_teaser_item(m)]
            if len(headed) >= 0.75 * len(members):
                items.extend(headed)
    return items


_CHROME_TAGS = frozenset({"header", "footer", "nav", "aside"})
_FOOTER_NAMES = frozenset({"footer", "site-footer", "page-footer", "main-footer", "copyright"})
# Class or id tokens (whole tokens: "content-with-sidebar-wrp" is a layout wrapper, not a sidebar) of page chrome.
_CHROME_NAMES = _FOOTER_NAMES | frozenset({
    "header", "site-header", "page-header",
    "main-header", "topbar", "top-bar", "navbar", "nav", "menu", "main-menu", "mainmenu", "sidebar", "breadcrumb",
    "breadcrumbs",
})  # fmt: skip


def chrome_blocks(root: etree._Element, page_prose: int | None = None) -> list[etree._Element]:
    """The page's header, footer, menus and sidebars: ``<header>``/``<footer>``/``<nav>``/``<aside>`` and elements
    named so, except any that holds the headline (``<article><header><h1>``) or, unless it is a footer, most of the
    page's prose (a layout wrapper). What an extractor returns from these alone is no article."""
    page_prose = prose_chars(root) if page_prose is None else page_prose
    found: list[etree._Element] = []
    stack = [root]
    while stack:  # depth-first, not descending into what was found
        node = stack.pop()
        tokens = {t.lower() for t in node.get("class", "").split()} | {node.get("id", "").lower()}
        if node.tag in _CHROME_TAGS or tokens & _CHROME_NAMES:
            footer = node.tag == "footer" or bool(tokens & _FOOTER_NAMES)  # never a wrapper of the article
            if node.find(".//h1") is None and (footer or prose_chars(node) <= 0.5 * page_prose):
                found.append(node)
                continue
        stack.extend(child for child in reversed(node) if isinstance(child.tag, str))
    return found


_COLUMN_CLASS_RE = re.compile(r"(?:^|\s)(?:col|column|grid__?col|span)(?:-[\w-]+|\d+)?(?:\s|$)", re.IGNORECASE)


def side_columns(headline: etree._Element | None, page_prose: int | None = None) -> list[etree._Element]:
    """The grid columns beside the one holding the headline ("col-md-18" main, "col-md-6" panels of most-read lists,
    hotlines, links): the site's sidebar, whatever its blocks are called. A sibling column holding more than a third
    of the page's prose is part of the article (text in two columns) and stays."""
    if headline is None:
        return []
    for column in headline.iterancestors():
        if column.tag in ("body", "html"):
            return []
        if not _COLUMN_CLASS_RE.search(column.get("class", "")) or column.getparent() is None:
            continue
        if page_prose is None:
            page_prose = prose_chars(column.getroottree().getroot())
        siblings = [
            s for s in column.getparent()
            if s is not column and isinstance(s.tag, str) and _COLUMN_CLASS_RE.search(s.get("class", ""))
        ]  # fmt: skip
        return [s for s in siblings if s.find(".//h1") is None and prose_chars(s) <= page_prose / 3]
    return []


# Whole lines that are page furniture wherever they stand: ad labels, toolbars, calls to action, inline "read more"
# links. Matched on the whole line (casefolded), so a sentence that merely contains the words is never touched.
_CHROME_LINE_RE = re.compile(
    r"^(?:advert(?:isement)?|ad|sponsored|quảng\s+cáo|comments?|bình\s+luận|tags?|từ\s+khóa|text\s+size|font\s+size"
    r"|print(?:\s+(?:article|this\s+page))?|order\s+reprints|in\s+bài(?:\s+viết)?|gửi\s+(?:bài|cho\s+bạn\s+bè)|lưu\s+bài"
    r"|về\s+đầu\s+trang|quay\s+lại|đầu\s+trang|share(?:\s+this(?:\s+(?:article|story))?)?|chia\s+sẻ|updated|image|caption"
    r"|close|thanks?\s+(?:you\s+)?for\s+signing\s+up!?|tell\s+us\s+what\s+you\s+think.*|like\s+this\s+story\?.*"
    r"|(?:click|tap)\s+here\s+to\s+.{0,60}|sign\s+up\s+(?:for|to|here)\b.{0,80}|subscribe\s+(?:to|now|here)\b.{0,60}"
    r"|(?:read|see|watch)\s+more|(?:read|see|watch)\s+more\s*:.{0,150}|also\s+(?:read|on\s+\S+).{0,150}"
    r"|(?:xem|đọc)\s+thêm\s*:.{0,150}"
    r"|(?:copyright|©|\(c\)|bản\s+quyền).{0,200}(?:rights\s+reserved|bảo\s+lưu|giữ\s+bản\s+quyền).{0,200}"
    # gallery counters ("Image 1 of 8", "1of/8") and newsletter boxes
    r"|(?:(?:image|photo|slide|ảnh)\s*)?\d+\s*(?:of|/|trên)\s*/?\s*\d+|back\s+to\s+gallery"
    r"|keep\s+an\s+eye\s+on\s+your\s+inbox.{0,80}|there\s+was\s+an\s+error\s+processing\s+your\s+subscription.{0,20}"
    r"|sorry!?|our\s+standards\s*:.{0,80}"
    # a visitor counter ("Đang truy cập: 12", "Hôm nay: 845", "Tổng: 1.208.447"), a rating widget
    r"|(?:đang\s+(?:truy\s+cập|online|trực\s+tuyến)|hôm\s+(?:nay|qua)|tuần\s+(?:này|trước)|tháng\s+(?:này|trước)|năm\s+nay"
    r"|tổng(?:\s+(?:số|cộng))?(?:\s+lượt\s+truy\s+cập)?|lượt\s+truy\s+cập|visitors?(?:\s+today)?|online|today|yesterday"
    r"|total(?:\s+visits)?)\s*:\s*\d[\d.,]*"
    r"|(?:đánh\s+giá\s+bài\s+viết|rate\s+this\s+(?:article|post|story))\s*:?.{0,60}"
    # attachments: the label and each file ("- QD-cong-nhan.pdf (1,2 MB)")
    r"|(?:tệp|file|tập\s+tin|tài\s+liệu)\s+đính\s+kèm\s*:?|attachments?\s*:?"
    r"|\S+\.(?:pdf|docx?|xlsx?|pptx?|zip|rar)(?:\s*\([\d.,]+\s*[kmg]?b\))?"
    r"|.{1,150}\.(?:pdf|docx?|xlsx?|pptx?|zip|rar)\s*\([\d.,]+\s*[kmg]?b\)"
    # a meta row: a date, then the view count ("09:30 | 14/11/2024 Người đăng: admin … 642 lượt xem")
    r"|.{0,40}\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}.{0,150}\s\d[\d.,]*\s*(?:lượt\s+(?:xem|đọc)|lần\s+đọc|views?))$",
    re.IGNORECASE,
)


def is_chrome_line(line: str) -> bool:
    """Whether an extracted line is page furniture (an ad label, a toolbar word, a call to action). Bare URLs are
    not: articles cite them."""
    text = " ".join(line.removeprefix("- ").split()).strip(" |•·")
    # A line without a letter or digit ("-", "|", "* * *") is a list marker or separator that lost its item.
    return not any(c.isalnum() for c in text) or bool(_CHROME_LINE_RE.match(text))
