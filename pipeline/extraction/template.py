"""Site-level template learning: blocks that recur across a site's pages are the site's chrome, not its articles.

A crawl sees many pages of one site. A block that comes back on page after page at the same place in the layout,
under the same heading, and that is mostly links (related lists, "read more", sidebars) or the very same text
(share bars, notices, footers the extractor lets through), or that carries the same heading over short teaser
lines, belongs to the template. ``learn_template`` finds such blocks in a sample of the site's archived pages;
``SiteTemplate.find`` locates them on a page, whose extracted lines from them are then dropped.

A block is keyed by its place in the layout — tag, id and classes of the element and of its four nearest ancestors,
digits removed (``div.col-8 > div#content > div.box-tinlienquan``) — and by its heading (the block's first short
line), never by position numbers, which shift with the article's length. Nothing that holds a real share of a
page's prose is ever learned or removed, so a site's first page is extracted exactly as without a template, and
later pages only lose blocks that were seen to be template on the site's own pages.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from pipeline.extraction.boilerplate import block_text, link_density, prose_chars

__all__ = ["MIN_PAGES", "LearnedBlock", "SiteTemplate", "learn_template"]

# A block is template when it occurs on at least this many sampled pages, and on this share of them.
MIN_PAGES = 3
MIN_SHARE = 0.5
# ... and is link-dense (or identical, or headed teasers) on this share of its occurrences.
CONSISTENCY = 0.8
# Never learn or drop a block holding more than this share of a page's prose.
MAX_PROSE_SHARE = 0.3
_BLOCK_TAGS = frozenset({"div", "section", "aside", "ul", "ol", "table", "nav", "footer", "header", "form", "dl", "p", "span"})
_ANCESTORS = 4
_HEADING_MAX_CHARS = 60
_MIN_BLOCK_CHARS = 12
_DIGITS_RE = re.compile(r"\d+")
_LINK_DENSE = 0.5
_TEASER_MAX_CHARS = 200


def _step(node: etree._Element) -> str:
    tag = node.tag if isinstance(node.tag, str) else "?"
    ident = _DIGITS_RE.sub("", node.get("id", "") or "")
    classes = sorted(_DIGITS_RE.sub("", c) for c in (node.get("class", "") or "").split() if c)
    return tag + (f"#{ident}" if ident else "") + "".join(f".{c}" for c in classes)


def _path(node: etree._Element) -> str:
    steps = [_step(node)]
    for ancestor in node.iterancestors():
        if len(steps) > _ANCESTORS or ancestor.tag in ("body", "html"):
            break
        steps.append(_step(ancestor))
    return " > ".join(reversed(steps))


def _heading(node: etree._Element) -> str:
    """The block's first line when it is short: its heading ("Tin liên quan"), digits removed, casefolded."""
    for text in node.itertext():
        line = " ".join(text.split())
        if line:
            return _DIGITS_RE.sub("#", line.casefold()) if len(line) <= _HEADING_MAX_CHARS else ""
    return ""


def _digest(*parts: str) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=8).hexdigest()


def _is_teaser_block(node: etree._Element, heading: str) -> bool:
    """Under its heading, only short lines that end no sentence: a list of teaser headlines."""
    lines = [" ".join(t.split()) for t in node.itertext()]
    lines = [line for line in lines if line]
    if not heading or len(lines) < 3:
        return False
    rest = lines[1:]
    return all(len(line) <= _TEASER_MAX_CHARS and line[-1] not in ".!?…" for line in rest)


@dataclass(frozen=True)
class _Occurrence:
    signature: str
    key: str
    links: bool
    linked: bool  # has at least one link: a block of identical text without one may be a repeated caption
    text_hash: str
    teasers: bool
    heavy: bool  # holds too much of the page's prose to be template


def _occurrences(tree: etree._Element) -> Iterator[_Occurrence]:
    page_prose = prose_chars(tree)
    for node in tree.iter():
        if not isinstance(node.tag, str) or node.tag not in _BLOCK_TAGS:
            continue
        text = block_text(node)
        if len(text) < _MIN_BLOCK_CHARS:
            continue
        path, heading = _path(node), _heading(node)
        hrefs = sum(1 for a in node.iter("a") if a.get("href"))
        links = hrefs >= 2 and link_density(node) >= _LINK_DENSE
        heavy = bool(page_prose) and prose_chars(node) > MAX_PROSE_SHARE * page_prose
        yield _Occurrence(
            _digest(path, heading), f"{path} ⟨{heading}⟩" if heading else path, links, hrefs > 0, _digest(text),
            _is_teaser_block(node, heading), heavy,
        )  # fmt: skip


@dataclass(frozen=True)
class LearnedBlock:
    """One block of a site's template: where it sits, what it is, and on how many sampled pages it was seen."""

    signature: str
    key: str  # readable layout path and heading, for operators
    kind: str  # "links" (mostly links), "fixed" (the same text on every page) or "teasers" (a heading over headlines)
    pages: int
    text_hashes: tuple[str, ...] = ()  # "fixed": the texts it was seen with

    def as_json(self) -> dict[str, Any]:
        """The block as stored in ``site_templates.blocks``."""
        return {"signature": self.signature, "key": self.key, "kind": self.kind, "pages": self.pages,
                "text_hashes": list(self.text_hashes)}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LearnedBlock:
        """A block read back from ``site_templates.blocks``."""
        return cls(str(data["signature"]), str(data["key"]), str(data["kind"]), int(data["pages"]),
                   tuple(str(h) for h in data.get("text_hashes", ())))  # fmt: skip


@dataclass(frozen=True)
class SiteTemplate:
    """The blocks learned for one site, and how many pages they were learned from."""

    blocks: tuple[LearnedBlock, ...] = ()
    pages_sampled: int = 0
    _by_signature: dict[str, LearnedBlock] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_signature.update({block.signature: block for block in self.blocks})

    def __bool__(self) -> bool:
        return bool(self.blocks)

    def matches(self, node: etree._Element, page_prose: int) -> LearnedBlock | None:
        """The learned block ``node`` is, if it still looks like one on this page."""
        if not isinstance(node.tag, str) or node.tag not in _BLOCK_TAGS:
            return None
        block = self._by_signature.get(_digest(_path(node), _heading(node)))
        if block is None or (page_prose and prose_chars(node) > MAX_PROSE_SHARE * page_prose):
            return None
        if block.kind == "fixed":
            return block if _digest(block_text(node)) in block.text_hashes else None
        if block.kind == "links":
            return block if link_density(node) >= _LINK_DENSE * 0.8 else None
        return block if _is_teaser_block(node, _heading(node)) else None

    def find(self, tree: etree._Element) -> list[etree._Element]:
        """The elements of ``tree`` that are learned blocks (outermost only)."""
        if not self.blocks:
            return []
        page_prose = prose_chars(tree)
        found: list[etree._Element] = []
        for node in tree.iter():
            if any(ancestor in found for ancestor in node.iterancestors()):
                continue
            if self.matches(node, page_prose) is not None:
                found.append(node)
        return found

    def as_json(self) -> list[dict[str, Any]]:
        """The blocks as stored in ``site_templates.blocks``."""
        return [block.as_json() for block in self.blocks]

    @classmethod
    def from_json(cls, blocks: Iterable[dict[str, Any]], pages_sampled: int) -> SiteTemplate:
        """A template read back from ``site_templates``."""
        return cls(tuple(LearnedBlock.from_json(b) for b in blocks), pages_sampled)


def learn_template(trees: Iterable[etree._Element]) -> SiteTemplate:
    """The template blocks of the pages of one site (parsed trees of article pages, ideally 10–50 of them)."""
    seen_on: Counter[str] = Counter()
    keys: dict[str, str] = {}
    kinds: defaultdict[str, Counter[str]] = defaultdict(Counter)
    hashes: defaultdict[str, Counter[str]] = defaultdict(Counter)
    heavy: set[str] = set()
    linked: set[str] = set()
    pages = 0
    for tree in trees:
        pages += 1
        page_signatures: set[str] = set()
        for occ in _occurrences(tree):
            if occ.heavy:
                heavy.add(occ.signature)
            if occ.linked:
                linked.add(occ.signature)
            if occ.signature in page_signatures:
                continue  # count a block once per page
            page_signatures.add(occ.signature)
            seen_on[occ.signature] += 1
            keys[occ.signature] = occ.key
            hashes[occ.signature][occ.text_hash] += 1
            kinds[occ.signature]["links"] += occ.links
            kinds[occ.signature]["teasers"] += occ.teasers
    needed = max(MIN_PAGES, MIN_SHARE * pages)
    blocks: list[LearnedBlock] = []
    for signature, count in seen_on.items():
        if count < needed or signature in heavy:
            continue
        top_hashes = [h for h, n in hashes[signature].most_common() if n >= MIN_PAGES]
        if signature in linked and sum(hashes[signature][h] for h in top_hashes) >= CONSISTENCY * count:
            blocks.append(LearnedBlock(signature, keys[signature], "fixed", count, tuple(top_hashes)))
        elif kinds[signature]["links"] >= CONSISTENCY * count:
            blocks.append(LearnedBlock(signature, keys[signature], "links", count))
        elif kinds[signature]["teasers"] >= CONSISTENCY * count:
            blocks.append(LearnedBlock(signature, keys[signature], "teasers", count))
    blocks.sort(key=lambda b: (-b.pages, b.key))
    return SiteTemplate(tuple(blocks), pages)
