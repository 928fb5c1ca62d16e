"""Bylines: who wrote an article, and which outlet it credits, from the lines that close (or open) its text.

Vietnamese editors type the byline as the article's last paragraph, usually bold or right-aligned, in one of a few
shapes; this module knows them and nothing about HTML:

- a name, in capitals or mixed case: ``ĐỖ HOẠT``, ``Khánh Ly``, ``BBT`` (an editorial unit is an author too);
- several names: ``THANH HUYỀN - ĐỖ HOẠT``, ``Minh Hòa, Thu Trang``, ``Hoàng Long và Thu Hà``;
- a name and its unit: ``Hoàng Anh - Trung tâm Văn hóa huyện Chi Lăng`` (the unit is dropped);
- role prefixes and suffixes: ``Bài, ảnh: MINH TUẤN``, ``Tin, ảnh: P.Y``, ``Tác giả: …``, ``Hồng Nhung (tổng hợp)``;
- a source attribution, on its own line or after the name: ``Theo TTXVN``, ``Nguồn: Báo Lạng Sơn``,
  ``Minh Anh (Theo VnExpress)`` — the outlet is kept apart from the authors;
- a photo credit, ``Ảnh: THANH HUYỀN``, which names a photographer, never the author.

English bylines open with "By": ``By Jane Doe and John Smith``, ``By Maria Lopez, Associated Press``.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib import resources

__all__ = [
    "Byline",
    "clean_author_names",
    "cut_site_footer",
    "is_credit",
    "is_unit_name",
    "looks_like_name",
    "parse_byline",
    "plausible_vietnamese_name",
    "split_leading_byline",
    "split_trailing_byline",
]

# Longest name part (one person) and longest whole byline line we accept.
_MAX_NAME_CHARS = 40
_MAX_LINE_CHARS = 160
# How many closing lines (attribution, photo credit, byline) are looked at from the end.
_TAIL_LINES = 4

_ROLE_WORDS = r"(?:bài|tin|ảnh|video|clip|đồ\s*họa|infographic|thực\s*hiện|nội\s*dung|ghi|trình\s*bày|biên\s*tập|quay\s*phim)"
# "Bài, ảnh:", "Tin và ảnh:", "Bài & video:", "Tác giả:", "Người viết:", "PV:", "Nhóm phóng viên:"
_PREFIX_RE = re.compile(
    rf"^\s*(?:(?:{_ROLE_WORDS})(?:\s*(?:,|&|và|\+|/|-)\s*(?:{_ROLE_WORDS}))*|tác\s*giả(?:\s*bài\s*viết)?|người\s*viết"
    r"|phóng\s*viên|pv|nhóm\s*(?:pv|phóng\s*viên)|by)\s*[:：]\s*"
    r"|^\s*(?:viết\s+)?bởi\s*:?\s+",  # "Bởi Ban biên tập", a theme's "by"
    re.IGNORECASE,
)
# Credits for work other than the writing: photos, camera, editing desk, design. Never authors.
_CREDIT_ROLES = (
    r"ảnh|hình|hình\s*ảnh|photos?|quay\s*phim|video|clip|btv|biên\s*tập(?:\s*viên)?|thiết\s*kế|đồ\s*họa|trình\s*bày"
    r"|kỹ\s*thuật|dựng\s*phim|âm\s*thanh|editing|edited\s+by|design(?:ed)?(?:\s+by)?|graphics?"
    r"|chỉ\s*đạo(?:\s*thực\s*hiện)?|sản\s*xuất|điều\s*phối"  # an e-magazine's direction and production credits
)
_PHOTO_ONLY_RE = re.compile(
    rf"^\s*\(?\s*(?:(?:{_CREDIT_ROLES})(?:\s*(?:,|&|và|\+|/)\s*(?:{_CREDIT_ROLES}))*\s*[:：]"  # "Ảnh, video:"
    r"|(?:photo(?:graph)?s?|images?|video|illustration)\s+(?:by|courtesy)\b)",
    re.IGNORECASE,
)
# Where a line holds several credits: "PV: Lan Anh | BTV: Ngọc Diệp", "Bài: THU TRANG - Ảnh: ĐỨC ANH",
# "Ảnh: HOÀNG HÀ – Bài: MAI CHI".
_NEXT_CREDIT = rf"(?=(?:{_CREDIT_ROLES}|bài(?:\s*viết)?|tin|nội\s*dung)\s*[:：])"
_SEGMENT_SPLIT_RE = re.compile(rf"\s*\|\s*|\s*;\s*{_NEXT_CREDIT}|\s+[-–—]\s+{_NEXT_CREDIT}", re.IGNORECASE)
# Titles before a name: "Thầy Nguyễn Văn Bình", "TS. Trần An", "Dr. Jane Doe".
# Titles before a name, one or several ("Thượng tá, ThS. PHẠM QUANG HUY", "BSCKII. Hoàng Văn Thái", "Dr. Jane Doe"):
# military and police ranks, teachers' and academic titles, and any short abbreviation closed by a dot.
_RANKS = r"(?:đại|thượng|trung|thiếu)\s+(?:tướng|tá|úy|uý)"
_TITLE_WORDS = (
    rf"{_RANKS}|thầy(?:\s+giáo)?|cô(?:\s+giáo)?|nhà\s+báo|nhà\s+giáo|bác\s+sĩ|luật\s+sư|kỹ\s+sư|thẩm\s+phán"
    r"|kiểm\s+sát\s+viên|(?:phó\s+)?giáo\s+sư|tiến\s+sĩ|thạc\s+sĩ"
)
# A credit that is only a title, split from its name by a comma: "ĐẠI TÁ, TS. TRẦN QUỐC KHÁNH".
_TITLE_ONLY_RE = re.compile(rf"^\s*(?:{_TITLE_WORDS})\s*\.?\s*$", re.IGNORECASE)
_HONORIFIC_RE = re.compile(
    rf"^(?:(?:{_TITLE_WORDS})\s*,?\s*"
    r"|(?:mr|mrs|ms|dr|prof|[A-ZĐ][A-Za-zĐđ]{0,6})\.(?:[A-ZĐ][A-Za-zĐđ]{0,6}\.)*\s*,?\s+"
    r"|(?:[A-ZĐ][A-Za-zĐđ]{0,6}\.)+[A-ZĐ][A-Za-zĐđ]{0,6}\s*,?\s+)+(?=\S)",  # "ThS.BS", "PGS.TS": the last without a dot
    re.IGNORECASE,
)
_TRAILING_PAREN_RE = re.compile(r"\s*\([^()]{1,80}\)\s*$")
# "Theo TTXVN", "(Theo Báo Nhân Dân)", "Nguồn: VnExpress", "Nguồn tin: …"
_ATTRIBUTION_RE = re.compile(
    r"^\s*\(?\s*(?:theo(?!\s+dõi\b)|nguồn(?:\s*tin)?\s*[:：]|source\s*:)"  # "Theo dõi" is a follow button
    r"\s*(?P<source>[^()]{2,80}?)\s*\)?\s*\.?\s*$",
    re.IGNORECASE,
)
_TRAILING_ATTRIBUTION_RE = re.compile(r"\s*[(\[]\s*(?:theo|nguồn\s*[:：]?)\s*(?P<source>[^()\[\]]{2,80}?)\s*[)\]]\s*$", re.I)
# "(tổng hợp)", "(TH)", "(st)", "(sưu tầm)", "(lược dịch)", "(TTXVN)": how the text was made, or an agency.
_TRAILING_NOTE_RE = re.compile(r"\s*[(\[]\s*(?P<note>[^()\[\]]{1,40})\s*[)\]]\s*$")
_COMPILED_NOTES = frozenset({
    "tổng hợp", "th", "st", "sưu tầm", "lược dịch", "dịch", "biên dịch", "th.", "tổng hợp, lược dịch",
    "thực hiện", "ghi", "ghi chép", "lược ghi",  # "PHƯƠNG LINH - QUỐC TUẤN (thực hiện)": who made the interview
})  # fmt: skip
# Job titles after an English byline name ("Staff Writer", "Correspondent"): neither a person nor an outlet.
_ENGLISH_ROLE_RE = re.compile(
    r"\b(?:writer|reporter|correspondent|editor|columnist|contributor|producer|intern|coordinator|officer|manager"
    r"|director|specialist|fellow|researcher|assistant|professor|lecturer|analyst|adviser|advisor|consultant|head|chief)s?\b",
    re.I,
)
_EN_BY_RE = re.compile(
    r"^\s*[—–-]?\s*(?:(?:written|posted|story|words|text|report)"
    r"(?:\s+(?:and|&)\s+(?:photos?|pictures|images|photography|video|graphics))?\s+)?by\s*:?\s+(?P<names>.+)$",
    re.IGNORECASE,
)  # "By …", "— Written by …", "Story and photos by …"
# A wire sign-off: "Reporting by Jane Doe and Ahmed Khan in Washington; Editing by Mark Porter".
_REPORTING_RE = re.compile(
    r"^\(?(?:additional\s+)?reporting\s+by\s+(?P<names>[^;.()]+?)(?:\s+in\s+[A-Z][\w .,-]*)?\s*(?:[;.)]|$)", re.IGNORECASE
)
_NAME_SEPARATORS_RE = re.compile(r"\s+[-–—]\s+|\s*[,;/&|]\s*|\s+(?:và|and)\s+", re.IGNORECASE)
# One name word: a capitalised word ("Hằng", "MINH"), or initials ("P.Y", "T.H.", "Đ.Anh").
_NAME_WORD_RE = re.compile(r"^(?:[^\W\d_]\.)*[^\W\d_][^\W\d_'’-]*\.?$")
# How a unit's name opens, never a person's: "Trung tâm …", "Văn phòng …", "Sở …", "Báo …", "Associated Press".
# Multi-word where the first word is also a given name ("Văn Đức", "Công Minh", "Trung Kiên", "Thành Long").
_UNIT_PREFIXES = (
    "trung tâm", "văn phòng", "sở", "phòng", "ban", "báo", "đài", "ubnd", "ủy ban", "uỷ ban", "hội", "trường",
    "bệnh viện", "công an", "công ty", "công đoàn", "chi cục", "chi nhánh", "chi bộ", "cục", "vụ", "viện", "tạp chí",
    "cổng thông tin", "huyện", "xã", "phường", "tỉnh", "thành phố", "thành ủy", "thành uỷ", "bộ", "đảng", "tòa", "tòa án",
    "nhóm", "tổ", "đội", "bch", "chi đoàn", "đoàn", "gv", "giáo viên", "trạm", "học viện", "đồn", "bộ chỉ huy", "hạt",
    "liên đoàn", "hợp tác xã", "htx", "khối", "mặt trận", "hđnd", "thường trực", "ttxvn", "vtv", "vov", "reuters", "afp", "ap",
    "associated press",
    "đại sứ quán", "tổng lãnh sự quán", "lãnh sự quán", "phái đoàn", "cơ quan", "tổng cục", "kho bạc", "hải quan",
    "ngân hàng", "bảo tàng", "thư viện", "quân khu", "lữ đoàn", "sư đoàn", "trung đoàn", "tiểu đoàn", "đồn biên phòng",
    "khoa", "bộ môn", "bộ phận", "tand", "vksnd", "tòa án nhân dân", "viện kiểm sát",
    "staff", "bbc", "cnn", "the ",
)  # fmt: skip
# Syllables of Vietnamese personal names (family, middle and given names, as the common ones are written): a line in
# capitals made of other words ("GIÁ CẢ NÔNG SẢN", a sidebar's title) is no byline. Pen names use the same syllables.
_NAME_SYLLABLES = frozenset(
    resources.files("pipeline.extraction").joinpath("name_syllables.txt").read_text(encoding="utf-8").split()
)
_DESK_ABBREVIATIONS = frozenset({"PV", "BBT", "CTV", "TBT", "NV"})  # reporter, editorial board, contributor …
# Account names some CMSs print as the author: never a person's byline.
_ACCOUNT_WORDS = frozenset({"admin", "administrator", "webmaster", "quantri"})
_ACCOUNT_NAMES = frozenset({"admin", "administrator", "quản trị", "quản trị viên", "webmaster", "editor", "author", "user"})


@dataclass(frozen=True)
class Byline:
    """Authors named by a byline, and the outlet it credits ("Theo TTXVN" → ``attribution="TTXVN"``)."""

    authors: tuple[str, ...] = ()
    attribution: str = ""
    from_sign_off: bool = False  # named only by a wire sign-off ("Reporting by …"): weaker than a byline


def _nfc(s: str) -> str:
    return " ".join(unicodedata.normalize("NFC", s).replace("\xa0", " ").split())


def looks_like_name(part: str) -> bool:
    """Whether ``part`` reads as one person's name (or an all-caps desk name such as "BBT", "PV")."""
    part = _nfc(part)
    if not part or len(part) > _MAX_NAME_CHARS or any(c.isdigit() for c in part):
        return False
    words = part.split()
    if not 1 <= len(words) <= 5 or not all(_NAME_WORD_RE.match(w) for w in words):
        return False
    if part == part.upper():  # "ĐỖ HOẠT", "BBT", "P.Y"
        return any(c.isalpha() for c in part)
    # Mixed case: every word capitalised; a lone mixed-case word is too often an ordinary word ("Hết", "Tags").
    initials = re.search(r"[^\W\d_]\.[^\W\d_]", part) is not None  # "Đ.Anh": one word, but a name
    return (len(words) >= 2 or initials) and all(w[0].isupper() for w in words)


def _opens_like_unit(part: str) -> bool:
    folded = " ".join(_nfc(part).casefold().split()) + " "
    return any(folded.startswith(prefix if prefix.endswith(" ") else prefix + " ") for prefix in _UNIT_PREFIXES)


def plausible_vietnamese_name(part: str) -> bool:
    """Whether most syllables of ``part`` are those of Vietnamese names (or it is a desk abbreviation like "PV")."""
    words = [w.strip(".,") for w in _nfc(part).split()]
    if len(words) == 1 and words[0].upper() in _DESK_ABBREVIATIONS:
        return True
    known = sum(w.casefold() in _NAME_SYLLABLES for w in words)
    return bool(words) and known * 2 >= len(words) and words[-1].casefold() in _NAME_SYLLABLES


def is_credit(line: str) -> bool:
    """Whether ``line`` credits photos, camera, desk or design work ("Ảnh: …", "BTV: …", "Photo: …")."""
    return bool(_PHOTO_ONLY_RE.match(_nfc(line)))


# An institution's office that signs its own news ("Press Office", "Office of Communications", "Department of
# Health"): the author, as "Văn phòng Sở" is. Newsrooms, desks, staff and agencies are not (they are the outlet).
_INSTITUTION_RE = re.compile(
    r"\b(?:office|department|ministry|secretariat|communications|public\s+(?:affairs|relations)|committee|council"
    r"|university|college|institute|faculty|division)\b",
    re.IGNORECASE,
)
_OUTLET_RE = re.compile(r"\b(?:news|newsroom|desk|staff|wire|agency|service|times|post|herald|tribune|reuters|afp|ap)\b", re.I)


# News agencies: a byline naming only one of them credits the agency's copy (attribution), not a writer.
_AGENCY_RE = re.compile(
    r"^(?:the\s+)?(?:reuters|afp|agence\s+france[- ]presse|ap|associated\s+press|ttxvn|vna|thông\s+tấn\s+xã\s+việt\s+nam"
    r"|xinhua|bloomberg|kyodo(?:\s+news)?|yonhap|bernama|dpa|efe|ansa|anadolu|pti|ians|upi|press\s+association|aap)$",
    re.IGNORECASE,
)


def is_agency(part: str) -> bool:
    """Whether ``part`` is the name of a news agency ("Reuters", "AFP", "TTXVN")."""
    return bool(_AGENCY_RE.match(_nfc(part).strip(" .")))


def is_institution(part: str) -> bool:
    """Whether ``part`` names an institution's office that signs its own news (see ``_INSTITUTION_RE``)."""
    text = _nfc(part)
    return len(text.split()) <= 8 and bool(_INSTITUTION_RE.search(text)) and not _OUTLET_RE.search(text)


def is_unit_name(part: str) -> bool:
    """Whether ``part`` names a unit or desk ("Văn phòng Sở", "Nhóm phóng viên", "Reuters") rather than a person."""
    return _is_unit(part)


def _is_unit(part: str) -> bool:
    words = _nfc(part).split()
    if not words:
        return True
    # A unit has lower-case words after its first ("Trung tâm Y tế huyện", "Văn phòng Sở") or opens like one.
    return _opens_like_unit(part) or any(w.islower() and w.isalpha() for w in words[1:])


def _opens_unit(part: str) -> bool:
    if is_institution(part):
        return True  # "Office of International Affairs"
    words = part.split()
    # "BTG Tỉnh đoàn", "VP UBND huyện": a unit's abbreviation before the rest of its name
    abbreviated = len(words) >= 2 and 2 <= len(words[0]) <= 5 and words[0].isupper() and words[0].isalpha()
    return _opens_like_unit(part) or part == part.upper() or (abbreviated and words[0].casefold() not in _NAME_SYLLABLES)


def _strip_notes(line: str) -> tuple[str, str]:
    """``line`` without trailing "(tổng hợp)"/"(Theo X)" notes, and the attribution such a note gave."""
    attribution = ""
    while True:
        m = _TRAILING_ATTRIBUTION_RE.search(line)
        if m:
            attribution = attribution or _nfc(m.group("source"))
            line = line[: m.start()]
            continue
        m = _TRAILING_NOTE_RE.search(line)
        if m and (m.group("note").casefold().strip() in _COMPILED_NOTES or _nfc(m.group("note")).isupper()):
            # "(tổng hợp)", "(CTV)", "(TTXVN)": how or where the writer works, not a source the page credits
            # (that is "Theo TTXVN"), so no attribution
            line = line[: m.start()]
            continue
        return line.strip(), attribution


def clean_author_names(raw: Sequence[str]) -> tuple[str, ...]:
    """Names as written, NFC, without account names ("admin", "Kn Admin" from "kn_admin"), duplicates or empty
    strings."""
    names: list[str] = []
    for value in raw:
        name = _nfc(value).strip(" ,;-–—")
        folded = name.casefold()
        if not name or folded in _ACCOUNT_NAMES or _ACCOUNT_WORDS.intersection(re.split(r"[\s_.-]+", folded)):
            continue
        if name not in names:
            names.append(name)
    return tuple(names)


def parse_byline(line: str, *, lenient: bool = False) -> Byline | None:
    """The authors (and attribution) of one byline line, or None when the line is not a byline.

    ``lenient`` accepts a line whose name parts are not all name-shaped, when the page marked it as a byline (bold or
    right-aligned last paragraph, a byline element): its unit parts are dropped all the same.
    """
    text = _nfc(line).rstrip(" -–—|")  # "Bởi Ban biên tập -": a theme's separator before the date
    if not text or len(text) > _MAX_LINE_CHARS or text[-1] in "!?:;,":
        return None
    segments = [s for s in _SEGMENT_SPLIT_RE.split(text) if s.strip()]
    # Split only a line of labelled credits; "USD | 25.158 | 25.488" is a table row, not three names.
    if len(segments) > 1 and any(
        _PREFIX_RE.match(s) or _PHOTO_ONLY_RE.match(s) for s in segments
    ):  # several credits on one line: the writers' ones count, photo and desk credits do not
        found = [b for b in (_parse_segment(s, lenient) for s in segments if not _PHOTO_ONLY_RE.match(s)) if b is not None]
        if not found:
            return None
        names = clean_author_names([name for b in found for name in b.authors])
        return Byline(names, next((b.attribution for b in found if b.attribution), ""))
    single = _parse_segment(text, lenient)
    if single is not None and single.authors:  # an account name is never an author ("Viết bởi Quản trị viên")
        single = replace(single, authors=clean_author_names(single.authors))
    return single


_DASH_SEPARATOR_RE = re.compile(r"\s+[-–—]\s+")


def _name_parts(body: str) -> list[str]:
    """The credits of a byline split at commas, "và", dashes …; a dash after a unit continues that unit's name
    ("Nguyễn Thu Hằng - Chi cục Thuế khu vực Lục Nam - Lục Ngạn" is one person and one unit)."""
    pieces = re.split(f"({_NAME_SEPARATORS_RE.pattern})", body, flags=re.IGNORECASE)
    parts = [pieces[0]]
    for separator, part in zip(pieces[1::2], pieces[2::2], strict=True):
        continues = _is_unit(parts[-1]) or _ENGLISH_ROLE_RE.search(parts[-1])  # "Programme Manager – Disaster Risk Reduction"
        if _DASH_SEPARATOR_RE.fullmatch(separator) and parts[-1].strip() and continues and len(parts) > 1:
            parts[-1] = f"{parts[-1]}{separator}{part}"
        else:
            parts.append(part)
    return parts


def _without_title(name: str) -> str:
    """``name`` without the titles before it, when what is left still reads as a name ("P.Y" keeps its dots)."""
    bare = _HONORIFIC_RE.sub("", name)
    return bare if bare != name and len(bare.split()) >= 2 and looks_like_name(bare) else name


def _parse_segment(text: str, lenient: bool) -> Byline | None:
    """One credit of a byline line (see ``parse_byline``)."""
    if _PHOTO_ONLY_RE.match(text):
        return None
    attribution_only = _ATTRIBUTION_RE.match(text)
    if attribution_only:  # "Nguồn: | Báo Phú Thọ" when a label and its value are two table cells
        return Byline((), _nfc(attribution_only.group("source")).lstrip("|: ").strip())
    english = _EN_BY_RE.match(text)
    prefixed = _PREFIX_RE.match(text)
    body = text[prefixed.end() :] if prefixed else english.group("names") if english else text
    body, attribution = _strip_notes(body)
    body = _without_title(body)
    bare = _TRAILING_PAREN_RE.sub("", body)
    if bare != body and looks_like_name(bare):
        body = bare  # "Lan Anh (Trung tâm TT-VH huyện Pác Nặm)", "Nguyễn Hùng (Phòng PV01)": the person
    one_unit = _opens_like_unit(body) and not any(looks_like_name(p) and not _is_unit(p) for p in _name_parts(body))
    if one_unit and (prefixed or lenient or looks_like_name(body)):
        return Byline((body,), attribution)  # one unit, even with a dash in its name: "Tổ Toán - Tin"
    body = body.rstrip(".") if body.endswith(".") and not _NAME_WORD_RE.match(body.split()[-1] if body else "") else body
    parts = [p for p in (_without_title(_nfc(p)) for p in _name_parts(body)) if p and not _TITLE_ONLY_RE.match(p)]
    if not parts:
        return Byline((), attribution) if attribution else None
    names = [
        p for p in parts
        if looks_like_name(p) and not _is_unit(p) and not (english and _ENGLISH_ROLE_RE.search(p))
        and (lenient or not _capitals_headline(p))
    ]  # fmt: skip
    units = [p for p in parts if _is_unit(p)]
    if english and not names and units:
        if len(units) == 1 and is_institution(units[0]):
            return Byline((units[0],), attribution)  # "By Office of Communications": the office wrote it
        return Byline((), attribution or units[0])
    if english or prefixed:
        agency = [p for p in units if _opens_like_unit(p) and not _ENGLISH_ROLE_RE.search(p)] if english else []
        attribution = attribution or (agency[0] if agency and names else "")
        if prefixed and not names and len(parts) == 1:
            return Byline((parts[0],), attribution)  # "Tác giả: Văn phòng Sở": the unit wrote it
        return Byline(clean_author_names(names), attribution) if names or attribution else None
    if names and len(names) + len(units) == len(parts):
        return Byline(clean_author_names(names), attribution)
    if not names and len(units) == len(parts) == 1 and (lenient or looks_like_name(parts[0])) and _opens_unit(parts[0]):
        return Byline((parts[0],), attribution)  # an editorial unit as the byline: "Văn phòng Sở"
    if lenient and names:
        return Byline(clean_author_names(names), attribution)
    return None


def _capitals_headline(part: str) -> bool:
    """A Vietnamese phrase in capitals that is no name ("GIÁ LỢN HƠI TĂNG NHẸ", a related headline): several words, not
    mostly the syllables of names. (Unaccented capitals, "JOHN SMITH", are left to the other checks.)"""
    return part == part.upper() and len(part.split()) >= 2 and not part.isascii() and not plausible_vietnamese_name(part)


def _is_unit_line(line: str) -> bool:
    text = _nfc(line)
    return len(text.split()) <= 8 and _opens_like_unit(text) and text[-1:] not in ".!?"


def _is_photo_credit(line: str) -> bool:
    return bool(_PHOTO_ONLY_RE.match(_nfc(line))) and len(line) <= 80


def split_trailing_byline(
    lines: Sequence[str], *, marked: frozenset[str] = frozenset(), english: bool = False
) -> tuple[list[str], Byline]:
    """Body lines without the closing byline, attribution and photo-credit lines, and what they said.

    Looks at up to the last four lines, from the end: attribution lines ("Theo TTXVN") and a lone photo credit
    ("Ảnh: …") right before or after the byline are taken out with it. ``marked`` holds lines the page itself marks
    as bylines (bold or right-aligned closing paragraphs, byline elements): they may be longer or carry a unit.
    English text is only searched for explicit "By …" lines.
    """
    body = list(lines)
    authors: tuple[str, ...] = ()
    attribution = ""
    cut = len(body)
    for index in range(len(body) - 1, max(-1, len(body) - 1 - _TAIL_LINES), -1):
        if index == 0:
            break  # the first line is the lead, never the byline
        line = body[index]
        if _is_photo_credit(line) and cut == index + 1:
            cut = index
            continue
        if not authors and cut == index + 1 and index > 1 and _is_unit_line(line) and parse_byline(body[index - 1]):
            cut = index  # "Thượng tá, ThS. PHẠM QUANG HUY" over "Học viện Chính trị": the writer's unit
            continue
        if english and not _EN_BY_RE.match(line) and line not in marked:
            break
        found = parse_byline(line, lenient=line in marked)
        if found is None:
            break
        if found.authors and authors:
            break  # a second byline above the first is prose ending in a name
        cut = index
        authors = authors or found.authors
        attribution = attribution or found.attribution
    if not authors and not english:
        before_tail = _byline_before_tail(body[:cut], marked)
        if before_tail is not None:
            return before_tail
    if english:
        # "Reporting by Jane Doe in Washington; Editing by …": the wire's sign-off ends the story (a newsletter box
        # or the wire's standards notice may follow it); its reporters are the authors only when nothing else names
        # them (``Byline.from_sign_off``).
        for index in range(cut - 1, _second_half_start(body[:cut]) - 1, -1):
            if _is_prose(body[index]):
                break
            if reporting := _REPORTING_RE.match(_nfc(body[index])):
                if authors:
                    return body[:index], Byline(authors, attribution)
                names = parse_byline("By " + reporting.group("names"))
                return body[:index], Byline(names.authors if names else (), attribution, from_sign_off=True)
    # Credit lines (photos, desk, design) and attributions closing the text go, whether or not a byline came with them.
    return body[:cut], Byline(authors, attribution)


_LEAD_BYLINE_CHARS = 80


def split_leading_byline(lines: Sequence[str]) -> tuple[list[str], Byline]:
    """Body lines without a labelled byline opening the text ("Story by Linh Tran", "Bài và ảnh: Minh Anh"), and
    what it said. Only an explicit label counts at the top (an unlabelled name there is more often a lead's first
    words), and only in the first two lines."""
    for index, line in enumerate(lines[:2]):
        text = _nfc(line)
        if len(text) > _LEAD_BYLINE_CHARS or not (_EN_BY_RE.match(text) or _PREFIX_RE.match(text)):
            continue
        found = parse_byline(text)
        if found is not None:  # a CMS account's line ("Viết bởi Quản trị viên") goes too, naming nobody
            return [*lines[:index], *lines[index + 1 :]], found
    return list(lines), Byline()


# A paragraph of prose: the article goes on, so no byline above it ends it.
_PROSE_LINE_CHARS = 150
_PROSE_END = '.!?…"”»)'


# Lines of a site's footer: a licence, a copyright, an address. Long, but never the article's prose.
_FOOTER_LINE_RE = re.compile(
    r"giấy\s+phép\s+(?:số|xuất\s+bản)|bản\s+quyền|copyright|©|ghi\s+rõ\s+nguồn|chịu\s+trách\s+nhiệm\s+(?:chính|nội\s+dung)"
    r"|^(?:địa\s+chỉ|điện\s+thoại|email|fax|hotline)\s*:|all\s+rights\s+reserved",
    re.IGNORECASE,
)


_FOOTER_WINDOW = 8  # lines: a site footer states its licence, editor, address … close together
_FOOTER_RUN_CHARS = 120
_FOOTER_RUN_LINES = 3  # the footer's menu, the site's name, an "updated" line


def cut_site_footer(lines: Sequence[str]) -> list[str]:
    """``lines`` without a site footer an old table layout let into the text: two or more footer statements ("Giấy
    phép số …", "Chịu trách nhiệm …", "Địa chỉ: …", "Copyright …") close together in the second half, with the short
    non-sentence lines just above them (up to three: the footer's menu, the site's name, "Lần cập nhật cuối (…)") —
    but never a byline or attribution line, which the byline search needs."""
    half = len(lines) // 2
    signatures = [i for i in range(half, len(lines)) if len(lines[i]) <= 300 and _FOOTER_LINE_RE.search(_nfc(lines[i]))]
    start = next(
        (first for first, second in itertools.pairwise(signatures) if second - first < _FOOTER_WINDOW), None
    )
    if start is None:
        return list(lines)
    top = max(half, start - _FOOTER_RUN_LINES)
    while start > top and _footer_run_line(lines[start - 1]):
        start -= 1
    return list(lines[:start])


def _footer_run_line(line: str) -> bool:
    text = _nfc(line).strip()
    if not text or len(text) > 300:
        return False
    if text.count("|") >= 2:
        return True  # the footer's menu
    return len(text) <= _FOOTER_RUN_CHARS and parse_byline(text) is None and text[-1] not in '.!?…"”'


def _is_prose(line: str) -> bool:
    return len(line) >= _PROSE_LINE_CHARS and line.rstrip()[-1:] in _PROSE_END and not _FOOTER_LINE_RE.search(line)


# Departments inside an organisation that sign its news (never the site's own name, which a footer prints in bold).
_SIGNING_UNIT_RE = re.compile(r"^(?:phòng|ban|văn\s+phòng|tổ|nhóm|bộ\s+phận|đội)\s+\S", re.IGNORECASE)


def _is_strong_byline(line: str, marked: frozenset[str]) -> Byline | None:
    """A byline no prose line could be mistaken for: written with a role prefix ("Tác giả bài viết:", "Tin, ảnh:"),
    marked by the page (bold, right-aligned) or a name in capitals."""
    text = _nfc(line)
    found = parse_byline(text, lenient=line in marked)
    if found is None or not found.authors:
        return None
    if _PREFIX_RE.match(text):
        return found
    if all(_is_unit(name) for name in found.authors):
        # a unit's name in bold ("CỔNG THÔNG TIN ĐIỆN TỬ …") is the footer, unless a prefix says otherwise — or it is
        # a department of the site's body signing its text, set apart by the page ("Phòng Thống kê Tổng hợp")
        signing = line in marked and all(_SIGNING_UNIT_RE.match(_nfc(name)) for name in found.authors)
        return found if signing else None
    if not all(plausible_vietnamese_name(name) for name in found.authors):
        return None  # a title in capitals or bold ("GIÁ CẢ NÔNG SẢN") past the article is a widget's, not a byline
    if line in marked or (text == text.upper() and len(text.split()) <= 6):
        return found
    return None


def _second_half_start(lines: Sequence[str]) -> int:
    """The index of the first line of the text's second half (by characters), at least 1: a byline that opens an
    article is not its end."""
    total, seen = sum(map(len, lines)), 0
    for index, line in enumerate(lines):
        if index and seen >= total / 2:
            return index
        seen += len(line)
    return max(1, len(lines))


def _byline_before_tail(body: list[str], marked: frozenset[str]) -> tuple[list[str], Byline] | None:
    """A strong byline followed only by non-article lines (a session notice, a rate table, the footer's address)
    that extraction let through: the article ends at the byline; attribution lines right after it are kept as such."""
    for index in range(len(body) - 1, _second_half_start(body) - 1, -1):
        line = body[index]
        if _is_prose(line):
            return None
        found = _is_strong_byline(line, marked)
        if found is None:
            continue
        attribution = found.attribution
        for after in body[index + 1 : index + 3]:
            extra = parse_byline(after)
            if extra is not None and not extra.authors and extra.attribution:
                attribution = attribution or extra.attribution
        return body[:index], Byline(found.authors, attribution)
    return None
