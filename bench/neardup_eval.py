"""The labelled evaluation set of near-duplicate detection (issue #3): true pairs and hard negatives, built offline.

Sources (no network, fixed random seed, so every run builds the same pairs):

- **Bases**: the five seed stories (``newsharvest/seeds``, parsed like ``seed import``) and every article page of the
  shipped replica sites, extracted by ``pipeline.extraction.extract.extract`` from the generated HTML exactly as the crawler
  would. A replica page of a seed is the seed's story, and a page whose text equals an earlier page's (sonoivu node
  5377 republishes langson_portal 31214) is that story too: each story is one base, the copies become ``replica_copy``
  true pairs. A page the replica data declares a near copy (``near_copy_of``: another outlet's edited republication,
  e.g. the paper's version of the department's congress report) is its original's story too, never a base of its
  own: it becomes a ``replica_near_copy`` true pair with that base.
- **True pairs**: each base against a copy made by one of the edits republishing outlets make (``EDIT_KINDS``: the
  edits issue #3 lists, plus ``house_style``, a copy re-typed to another outlet's abbreviations and date format) and
  by combinations of two or three of them (``COMBOS``).
- **Hard negatives**: every pair of distinct bases (``different_story``, or ``same_template`` for the reports written
  on one template: the seed congress reports 000/001/002 and the two chapter congresses of baolangson_old among them),
  the same-template pairs with one side edited (``same_template_edited``), and hand-written pairs in
  ``bench/data/neardup/``: one event told by two outlets in their own words (``own_words``, also with one side edited:
  ``own_words_edited``) and two events on one template (``same_template_written``).

Every text is what the archive stores and compares: ``normalize_text`` of the body, with a trailing byline split off as
extraction does (``as_archived``). Titles are not part of it, so a changed headline alone leaves the body unchanged;
``headline_in_body`` covers the copy whose page repeats its new headline as the first body line.
"""

from __future__ import annotations

import itertools
import random
import re
import sys
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script or loaded by file path
    sys.path.insert(0, str(REPO))

from bench.extraction import REPLICA_BASE_URL, _read_replica_page  # noqa: E402  (after the sys.path fix above)
from newsharvest.replica.build import load_articles  # noqa: E402
from newsharvest.replica.model import Article  # noqa: E402
from pipeline.archive.seeds import parse_seed  # noqa: E402
from pipeline.errors import ExtractionError  # noqa: E402
from pipeline.extraction.bylines import split_trailing_byline  # noqa: E402
from pipeline.extraction.extract import extract  # noqa: E402
from pipeline.sites import load_sites  # noqa: E402
from pipeline.text import content_hash, normalize_inline, normalize_text  # noqa: E402

__all__ = [
    "COMBOS",
    "EDIT_KINDS",
    "NEGATIVE_KINDS",
    "RANDOM_SEED",
    "TEMPLATE_GROUPS",
    "Base",
    "Pair",
    "apply_edits",
    "as_archived",
    "build_pairs",
    "kind_counts",
    "load_bases",
    "old_tone_placement",
]

DATA = REPO / "bench/data/neardup"
SEEDS_DIR = REPO / "newsharvest/seeds"
RANDOM_SEED = 20210119
# The portal first: sonoivu 5377 is the department site republishing the portal's 31214, so the portal's page is the
# base and the department's the copy.
REPLICA_SITES = ("langson_portal", "sonoivu", "baolangson_old")
# Reports written on one template (same stock phrases, different events), by base id. Chosen by reading the bases,
# not by their scores: every pair inside a group is a ``same_template`` hard negative.
TEMPLATE_GROUPS: dict[str, frozenset[str]] = {
    # Party congresses of 2020: an organisation's congress, delegates, last term's results, the new committee.
    "party_congress": frozenset({"seed:000", "seed:001", "seed:002", "baolangson_old:294012", "baolangson_old:294150"}),
    # Conferences of the Party Committee of the provincial agencies (Đảng ủy Khối các cơ quan tỉnh) on its work.
    "party_committee_work": frozenset({"seed:003", "seed:004"}),
}

# Single edits, in the order they are applied when combined: content first, then truncation, then surface noise.
EDIT_KINDS = (
    "headline_changed",
    "headline_in_body",
    "paragraph_dropped",
    "paragraph_added",
    "lead_rewritten",
    "captions_changed",
    "byline_changed",
    "house_style",
    "truncated",
    "tone_placement",
    "unicode_nfd",
    "whitespace_punctuation",
)
# Combinations outlets really make: a rewrite for the web front page, an aggregator's truncated teaser, a copy-paste
# from a word processor (old tone placement, stray spaces), each with the next edit that comes along with it.
COMBOS: tuple[tuple[str, ...], ...] = (
    ("headline_changed", "lead_rewritten"),
    ("headline_in_body", "truncated"),
    ("paragraph_dropped", "byline_changed"),
    ("paragraph_added", "captions_changed"),
    ("lead_rewritten", "truncated"),
    ("captions_changed", "tone_placement", "whitespace_punctuation"),
    ("paragraph_dropped", "unicode_nfd", "whitespace_punctuation"),
    ("lead_rewritten", "paragraph_added", "byline_changed"),
    ("paragraph_dropped", "paragraph_added"),
    ("truncated", "byline_changed", "tone_placement"),
    ("headline_in_body", "paragraph_dropped", "whitespace_punctuation"),
    ("lead_rewritten", "captions_changed", "unicode_nfd"),
    ("house_style", "paragraph_dropped"),
    ("house_style", "truncated", "whitespace_punctuation"),
    ("lead_rewritten", "house_style"),
)
COMBOS_PER_BASE = 3
# Edits applied to one side of a same-template or own-words pair: a negative must stay negative when a copy of one
# side is edited. "shared_paragraph" adds one stock paragraph to both sides (the department's standard closing).
NEGATIVE_EDITS = ("paragraph_dropped", "truncated", "lead_rewritten", "shared_paragraph")
NEGATIVE_KINDS = (
    "different_story",
    "same_template",
    "same_template_edited",
    "same_template_written",
    "own_words",
    "own_words_edited",
)

ORGS = (
    "Sở Nội vụ",
    "UBND tỉnh Lạng Sơn",
    "Báo Lạng Sơn",
    "Cổng Thông tin điện tử tỉnh",
    "cơ quan chức năng",
    "Văn phòng UBND tỉnh",
)
LEAD_FRAMES = (
    "Theo tin từ {org}, {fact}.",
    "Vừa qua, {fact}, {org} cho biết.",
    "{Fact}, đó là thông tin được {org} đưa ra mới đây.",
    "Ghi nhận của phóng viên cho thấy, {fact}.",
    "Thông tin từ {org} cho biết, {fact} trong thời gian vừa qua.",
    "Mới đây, {org} đã có thông tin về việc {fact}.",
)
HEADLINE_FRAMES = ("Lạng Sơn: {t}", "{t} (Lạng Sơn)", "Tin địa phương - {t}", "{t}: nhiều kết quả nổi bật", "{short}...")
# Paragraphs an outlet adds to a copy: context, a quote from the agency, a closing formula. Stock prose of the genre,
# none taken from a base article.
ADDED_PARAGRAPHS = (
    "Phát biểu tại buổi làm việc, lãnh đạo sở đề nghị các đơn vị tiếp tục quán triệt, thực hiện nghiêm các chỉ đạo của "
    "Tỉnh ủy, UBND tỉnh; tăng cường kiểm tra, đôn đốc và kịp thời báo cáo những khó khăn, vướng mắc phát sinh trong quá "
    "trình triển khai.",
    "Được biết, thời gian tới, tỉnh sẽ tiếp tục rà soát, bổ sung các cơ chế, chính sách phù hợp với điều kiện thực tế "
    "của địa phương, góp phần thúc đẩy phát triển kinh tế - xã hội và bảo đảm quốc phòng, an ninh trên địa bàn.",
    "Trao đổi với phóng viên, một cán bộ của đơn vị cho biết kết quả trên là nỗ lực chung của tập thể, với sự vào cuộc "
    "quyết liệt của cấp ủy, chính quyền và sự đồng thuận của người dân.",
    "Để có được kết quả này, thời gian qua các cơ quan chuyên môn đã phối hợp chặt chẽ với các huyện, thành phố, thường "
    "xuyên kiểm tra, hướng dẫn cơ sở tháo gỡ khó khăn ngay từ đầu năm.",
    "Theo kế hoạch, trong quý IV, các đơn vị sẽ tổ chức sơ kết, đánh giá rút kinh nghiệm, đồng thời đề xuất khen thưởng "
    "những tập thể, cá nhân có thành tích tiêu biểu.",
    "Nhiều ý kiến cho rằng cần có thêm nguồn lực đầu tư cho cơ sở, nhất là các xã vùng sâu, vùng xa, xã biên giới, nơi "
    "điều kiện đi lại còn nhiều khó khăn.",
    "Năm 2020 là năm cuối thực hiện kế hoạch phát triển kinh tế - xã hội 5 năm 2016 - 2020, vì vậy các cấp, các ngành "
    "trong tỉnh đặc biệt chú trọng hoàn thành các chỉ tiêu đã đề ra.",
    "Trước đó, UBND tỉnh đã ban hành kế hoạch triển khai, giao nhiệm vụ cụ thể cho từng sở, ngành và địa phương, gắn "
    "trách nhiệm của người đứng đầu với kết quả thực hiện.",
    "Cũng tại buổi làm việc, các đại biểu đã thảo luận, làm rõ nguyên nhân của những tồn tại, hạn chế và đề xuất nhiều "
    "giải pháp sát với thực tiễn của từng địa phương.",
    "Ghi nhận tại cơ sở cho thấy, người dân phấn khởi, tin tưởng vào chủ trương của Đảng, chính sách của Nhà nước và "
    "tích cực tham gia các phong trào thi đua do địa phương phát động.",
)
CAPTIONS = (
    "Quang cảnh hội nghị",
    "Các đại biểu dự hội nghị",
    "Ảnh minh họa",
    "Toàn cảnh buổi làm việc",
    "Lãnh đạo tỉnh phát biểu chỉ đạo",
    "Đại biểu tham quan mô hình",
)
PHOTO_CREDITS = ("Ảnh: Thu Hà", "Ảnh: Minh Hòa", "Ảnh: Tư liệu", "Ảnh: PV")
# Bylines a republishing outlet puts under (or over) the text: some are bylines extraction splits off, some stay in the
# body because they carry a source or a role.
BYLINES = (
    "THU HÀ",
    "Minh Anh",
    "PV",
    "Theo Báo Lạng Sơn",
    "Nguyễn Thị Hằng (Văn phòng Sở)",
    "Nguồn: Cổng Thông tin điện tử tỉnh Lạng Sơn",
    "Phương Dung - Báo Lạng Sơn",
    "Tin, ảnh: Hoàng Lâm",
)
# House style: one outlet writes "UBND tỉnh", "TP Lạng Sơn", "ngày 4/8/2020", another "Ủy ban nhân dân tỉnh",
# "thành phố Lạng Sơn", "ngày 04/08/2020". A copy re-typed to its outlet's style changes these words and nothing else.
ABBREVIATIONS = (
    ("UBND", "Ủy ban nhân dân"),
    ("HĐND", "Hội đồng nhân dân"),
    ("MTTQ", "Mặt trận Tổ quốc"),
    ("BCH", "Ban Chấp hành"),
    ("THPT", "Trung học phổ thông"),
    ("CNTT", "công nghệ thông tin"),
)
TRUNCATION_TAILS = ("(Còn nữa)", "Xem chi tiết tại Cổng Thông tin điện tử tỉnh Lạng Sơn", "…")


@dataclass(frozen=True)
class Pair:
    """Two texts as the archive compares them, and whether they are one story."""

    a: str
    b: str
    label: bool  # True: the same story (the archive must link them)
    kind: str  # the edit kind(s) of a true pair, or the kind of negative
    source: str  # the base ids the texts come from
    detail: str = ""  # the edits applied to a negative's side, when any


@dataclass(frozen=True)
class Base:
    """One story: its archived body text, title and the caption lines inside the text."""

    id: str
    title: str
    text: str
    captions: tuple[str, ...] = ()
    copies: tuple[tuple[str, str], ...] = ()  # (page id, archived text) of the other pages of this story
    near_copies: tuple[tuple[str, str], ...] = ()  # (page id, archived text) of edited republications of this story


def as_archived(text: str) -> str:
    """A body as the archive stores it: normalised lines, a trailing byline split off (as ``extract`` does)."""
    lines = [line for line in normalize_text(text).split("\n") if line]
    body, _ = split_trailing_byline(lines)
    return "\n".join(body)


# --- bases ----------------------------------------------------------------------------------------------------------


def _captions(article: Article | None, text: str) -> tuple[str, ...]:
    if article is None:
        return ()
    lines = set(text.split("\n"))
    found = (normalize_inline(line) for block in article.blocks if block.kind == "image" for line in block.caption)
    return tuple(line for line in dict.fromkeys(found) if line in lines)


@lru_cache(maxsize=1)
def load_bases() -> tuple[Base, ...]:
    """The seed stories and the replica articles, one base per story (copies attached to their story's base)."""
    sites = load_sites()
    drop_lines = [pattern for site in sites.values() for pattern in site.drop_lines]
    articles = {name: load_articles(name)[1] for name in REPLICA_SITES}
    by_seed = {a.seed: a for name in REPLICA_SITES for a in articles[name] if a.seed}

    stories: dict[str, Base] = {}
    copies: dict[str, list[tuple[str, str]]] = {}
    near: list[tuple[str, str, str]] = []  # (page id, text, the original it names) of each declared near copy
    owner_of: dict[str, str] = {}  # page id → the base id of its story
    by_hash: dict[str, str] = {}
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        seed = parse_seed(path.read_text(encoding="utf-8"), path.stem, drop_lines)
        num = path.stem[:3]
        base = Base(id=f"seed:{num}", title=seed.title, text=seed.text, captions=_captions(by_seed.get(num), seed.text))
        stories[base.id], copies[base.id] = base, []
        by_hash[content_hash(seed.text)] = base.id

    for name in REPLICA_SITES:
        for article in articles[name]:
            # Fault pages are no articles, except the slow one: it is an article served late.
            if article.link_only or article.fault not in ("", "slow"):
                continue
            try:
                doc = extract(_read_replica_page(name, article), REPLICA_BASE_URL + article.path, sites[name])
            except ExtractionError:  # not an article after all
                continue
            page_id = f"{name}:{article.id}"
            if article.near_copy_of:  # its original may come later in this walk: attached below
                near.append((page_id, doc.text, article.near_copy_of))
                continue
            owner = f"seed:{article.seed}" if article.seed else by_hash.get(content_hash(doc.text))
            if owner is not None:
                copies[owner].append((page_id, doc.text))
                owner_of[page_id] = owner
                continue
            stories[page_id] = Base(id=page_id, title=doc.title, text=doc.text, captions=_captions(article, doc.text))
            copies[page_id] = []
            by_hash[content_hash(doc.text)] = owner_of[page_id] = page_id
    near_copies: dict[str, list[tuple[str, str]]] = {base_id: [] for base_id in stories}
    for page_id, text, original in near:
        near_copies[original if original.startswith("seed:") else owner_of[original]].append((page_id, text))
    return tuple(
        replace(base, copies=tuple(copies[base.id]), near_copies=tuple(near_copies[base.id])) for base in stories.values()
    )


# --- edits ----------------------------------------------------------------------------------------------------------

_TONES = "\u0300\u0301\u0303\u0309\u0323"
# New tone placement ("hòa", "ủy", "khỏe") at the end of a syllable → old ("hoà", "uỷ", "khoẻ"); "quý" has one spelling.
_NEW_TONE_RE = re.compile(rf"(o)([{_TONES}])([ae])(?![\w\u0300-\u036f])|(?<![qQ])(u)([{_TONES}])(y)(?![\w\u0300-\u036f])", re.I)
_SENTENCE_END_RE = re.compile(r"(?<=[.;!?])\s+(?=[A-ZÀ-Ỹ“\"])")
_DATELINE_RE = re.compile(r"^LSO\s*-\s*")  # Báo Lạng Sơn's dateline
_LEADING_DATE_RE = re.compile(r"^[^,]{0,40}\d[^,]{0,30},\s*")


def old_tone_placement(text: str) -> str:
    """The old-style spelling of ``text``: the tone of final oa, oe, uy on the second vowel ("hoà", "uỷ", "khoẻ")."""

    def move(m: re.Match[str]) -> str:
        first, tone, second = m.group(1, 2, 3) if m.group(1) else m.group(4, 5, 6)
        return first + second + tone

    return unicodedata.normalize("NFC", _NEW_TONE_RE.sub(move, unicodedata.normalize("NFD", text)))


def _paragraphs(lines: Sequence[str], captions: Sequence[str]) -> list[int]:
    """Indexes of the prose paragraphs (caption lines excluded)."""
    return [i for i, line in enumerate(lines) if line not in captions]


def _new_headline(title: str, rng: random.Random) -> str:
    words = title.split()
    frame = rng.choice(HEADLINE_FRAMES)
    return frame.format(t=title, short=" ".join(words[: max(4, len(words) * 3 // 5)]))


def _rewritten_lead(lead: str, rng: random.Random) -> str:
    """A new lead around the main fact of the old one: the first clauses of its first sentence (no date) in a new frame.

    Whole clauses up to 8 words or more (at most 20), so the fact reads as a phrase; the rest of the old lead is gone.
    """
    first = _LEADING_DATE_RE.sub("", _DATELINE_RE.sub("", _SENTENCE_END_RE.split(lead)[0])).rstrip(".;:!? ")
    words: list[str] = []
    for clause in first.split(", "):
        words.extend(clause.split())
        if len(words) >= 8:
            break
        words[-1] += ","
    fact = " ".join(words[:20]).rstrip(",")
    frame = rng.choice(LEAD_FRAMES)
    return frame.format(org=rng.choice(ORGS), fact=fact, Fact=fact[:1].upper() + fact[1:])


def _noisy(line: str, rng: random.Random) -> str:
    """Whitespace and punctuation noise a copy-paste or another CMS brings; none of it is a word."""
    out = []
    for token in line.split(" "):
        r = rng.random()
        if r < 0.06:
            token = token + "\xa0"
        elif r < 0.10:
            token = token + "  "
        elif r < 0.12:
            token = "\u200b" + token
        if token.endswith(",") and rng.random() < 0.3:
            token = token[:-1] + " ,"
        out.append(token)
    line = " ".join(out)
    swaps = (("“", '"'), ("”", '"'), (" - ", " – "), ("...", "…"), ("%", " %"), (": ", " : "), ("(", "( "))
    for old, new in swaps:
        if old in line and rng.random() < 0.6:
            line = line.replace(old, new)
    if line.endswith(".") and rng.random() < 0.3:
        line = line[:-1]
    if rng.random() < 0.3:
        line = "\t" + line + " "
    # Some CMSs break a long paragraph into two at a sentence end.
    parts = _SENTENCE_END_RE.split(line, maxsplit=1)
    if len(parts) == 2 and rng.random() < 0.3:
        line = parts[0] + "\n\n" + parts[1]
    return line


Edit = Callable[[list[str], Base, random.Random], list[str]]


def _headline_changed(lines: list[str], base: Base, rng: random.Random) -> list[str]:
    return lines  # the title is not part of the body the archive compares


def _headline_in_body(lines: list[str], base: Base, rng: random.Random) -> list[str]:
    return [_new_headline(base.title, rng), *lines]


def _paragraph_dropped(lines: list[str], base: Base, rng: random.Random) -> list[str]:
    candidates = _paragraphs(lines, base.captions)[1:] or _paragraphs(lines, base.captions)
    drop = rng.choice(candidates)
    return [line for i, line in enumerate(lines) if i != drop]


def _paragraph_added(lines: list[str], base: Base, rng: random.Random) -> list[str]:
    at = rng.randint(1, len(lines))
    return [*lines[:at], rng.choice(ADDED_PARAGRAPHS), *lines[at:]]


def _lead_rewritten(lines: list[str], base: Base, rng: random.Random) -> list[str]:
    paragraphs = _paragraphs(lines, base.captions)
    if not paragraphs:
        return lines
    first = paragraphs[0]
    return [*lines[:first], _rewritten_lead(lines[first], rng), *lines[first + 1 :]]


def _captions_changed(lines: list[str], base: Base, rng: random.Random) -> list[str]:
    present = [line for line in lines if line in base.captions]
    if not present:  # no captions: the copy adds photos with captions of its own
        out = list(lines)
        for _ in range(rng.randint(1, 2)):
            out.insert(rng.randint(1, len(out)), f"{rng.choice(CAPTIONS)}. {rng.choice(PHOTO_CREDITS)}")
        return out
    actions = [rng.choice(("remove", "replace", "credit")) for _ in present]
    out = []
    for line in lines:
        if line not in base.captions:
            out.append(line)
            continue
        action = actions.pop(0)
        if action == "replace":
            out.append(rng.choice(CAPTIONS))
        elif action == "credit":
            out.append(f"{line} ({rng.choice(PHOTO_CREDITS)})")
    return out


def _byline_changed(lines: list[str], base: Base, rng: random.Random) -> list[str]:
    byline = rng.choice(BYLINES)
    return [byline, *lines] if byline.startswith("Tin, ảnh") and rng.random() < 0.5 else [*lines, byline]


_CITY_RE = re.compile(r"\bthành phố (?=[A-ZĐ])")
_CITY_SHORT_RE = re.compile(r"\bTP\.? (?=[A-ZĐ])")
_DATE_RE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")


def _house_style(lines: list[str], base: Base, rng: random.Random) -> list[str]:
    """Abbreviations and dates re-typed: all expanded and padded, or all abbreviated and unpadded."""
    expand = rng.random() < 0.5
    out = []
    for line in lines:
        for short, long in ABBREVIATIONS:
            line = re.sub(rf"\b{short}\b", long, line) if expand else line.replace(long, short)
        if expand:
            line = _CITY_SHORT_RE.sub("thành phố ", line)
            line = _DATE_RE.sub(lambda m: f"{int(m[1]):02d}/{int(m[2]):02d}/{m[3]}", line)
        else:
            line = _CITY_RE.sub("TP ", line)
            line = _DATE_RE.sub(lambda m: f"{int(m[1])}/{int(m[2])}/{m[3]}", line)
        out.append(line)
    return out


def _truncated(lines: list[str], base: Base, rng: random.Random) -> list[str]:
    keep = max(1, min(len(lines) - 1, round(rng.uniform(0.5, 0.8) * len(lines))))
    tail = [rng.choice(TRUNCATION_TAILS)] if rng.random() < 0.3 else []
    return [*lines[:keep], *tail]


def _tone_placement(lines: list[str], base: Base, rng: random.Random) -> list[str]:
    return [old_tone_placement(line) for line in lines]


def _unicode_nfd(lines: list[str], base: Base, rng: random.Random) -> list[str]:
    return [unicodedata.normalize("NFD", line) for line in lines]


def _whitespace_punctuation(lines: list[str], base: Base, rng: random.Random) -> list[str]:
    return [_noisy(line, rng) for line in lines]


EDITS: dict[str, Edit] = {
    "headline_changed": _headline_changed,
    "headline_in_body": _headline_in_body,
    "paragraph_dropped": _paragraph_dropped,
    "paragraph_added": _paragraph_added,
    "lead_rewritten": _lead_rewritten,
    "captions_changed": _captions_changed,
    "byline_changed": _byline_changed,
    "house_style": _house_style,
    "truncated": _truncated,
    "tone_placement": _tone_placement,
    "unicode_nfd": _unicode_nfd,
    "whitespace_punctuation": _whitespace_punctuation,
}
assert tuple(EDITS) == EDIT_KINDS


def apply_edits(base: Base, kinds: Sequence[str], rng: random.Random) -> str:
    """The archived text of a copy of ``base`` made by ``kinds`` (applied in ``EDIT_KINDS`` order)."""
    lines = base.text.split("\n")
    for kind in sorted(kinds, key=EDIT_KINDS.index):
        lines = EDITS[kind](lines, base, rng)
    return as_archived("\n".join(lines))


# --- pairs ----------------------------------------------------------------------------------------------------------


def _template_group(a: str, b: str) -> str | None:
    return next((name for name, group in TEMPLATE_GROUPS.items() if a in group and b in group), None)


def _load_written(name: str) -> list[dict[str, str]]:
    with (DATA / name).open("rb") as fh:
        pairs: list[dict[str, str]] = tomllib.load(fh)["pair"]
    return pairs


def _negative_variant(a: Base, b: Base, edit: str, rng: random.Random) -> tuple[str, str]:
    """``a`` edited by ``edit`` against ``b`` as it is; ``shared_paragraph`` adds one stock paragraph to both."""
    if edit == "shared_paragraph":
        paragraph = rng.choice(ADDED_PARAGRAPHS)
        return as_archived(a.text + "\n" + paragraph), as_archived(b.text + "\n" + paragraph)
    return apply_edits(a, (edit,), rng), b.text


def _written_base(pair_id: str, side: str, text: str) -> Base:
    return Base(id=f"{pair_id}:{side}", title="", text=as_archived(text))


def build_pairs(seed: int = RANDOM_SEED) -> list[Pair]:
    """The labelled pairs, always the same ones for one ``seed``."""
    rng = random.Random(seed)
    bases = load_bases()
    pairs: list[Pair] = []

    # True pairs: the replicas' own copies (verbatim and edited), then every base against its edited copies.
    for base in bases:
        pairs.extend(Pair(base.text, text, True, "replica_copy", f"{base.id}|{page}") for page, text in base.copies)
        pairs.extend(Pair(base.text, text, True, "replica_near_copy", f"{base.id}|{page}") for page, text in base.near_copies)
    for base in bases:
        for kind in EDIT_KINDS:
            pairs.append(Pair(base.text, apply_edits(base, (kind,), rng), True, kind, base.id))
        for combo in rng.sample(COMBOS, COMBOS_PER_BASE):
            pairs.append(Pair(base.text, apply_edits(base, combo, rng), True, "combo:" + "+".join(combo), base.id))

    # Negatives between the bases; the same-template ones again with one side edited.
    for a, b in itertools.combinations(bases, 2):
        group = _template_group(a.id, b.id)
        pairs.append(Pair(a.text, b.text, False, "same_template" if group else "different_story", f"{a.id}|{b.id}"))
        if group:
            for edit in NEGATIVE_EDITS:
                first, second = (a, b) if rng.random() < 0.5 else (b, a)
                x, y = _negative_variant(first, second, edit, rng)
                pairs.append(Pair(x, y, False, "same_template_edited", f"{first.id}|{second.id}", edit))

    # Hand-written negatives: one event in two outlets' words (also with one side edited), two events on one template.
    for item in _load_written("own_words.toml"):
        a, b = _written_base(item["id"], "a", item["a"]), _written_base(item["id"], "b", item["b"])
        pairs.append(Pair(a.text, b.text, False, "own_words", item["id"]))
        edit = rng.choice(NEGATIVE_EDITS)
        first, second = (a, b) if rng.random() < 0.5 else (b, a)
        x, y = _negative_variant(first, second, edit, rng)
        pairs.append(Pair(x, y, False, "own_words_edited", f"{first.id}|{second.id}", edit))
    for item in _load_written("same_template.toml"):
        a, b = _written_base(item["id"], "a", item["a"]), _written_base(item["id"], "b", item["b"])
        pairs.append(Pair(a.text, b.text, False, "same_template_written", item["id"]))
    return pairs


def kind_counts(pairs: Sequence[Pair]) -> dict[str, int]:
    """Pairs per kind, true pairs first, combinations folded into one ``combo`` row."""
    counts = Counter("combo" if p.kind.startswith("combo:") else p.kind for p in pairs)
    order = ["replica_copy", "replica_near_copy", *EDIT_KINDS, "combo", *NEGATIVE_KINDS]
    return {kind: counts[kind] for kind in order if counts[kind]}


if __name__ == "__main__":
    built = build_pairs()
    for kind, count in kind_counts(built).items():
        print(f"{kind:<28}{count:>5}")
    print(f"{'total':<28}{len(built):>5}  ({sum(p.label for p in built)} true pairs)")
