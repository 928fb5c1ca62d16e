"""Response bytes → HTML text: gzip, binary rejection, charset resolution, NFC and mojibake repair.

Charset resolution does not trust the label blindly: old Vietnamese sites serve UTF-8 labelled ISO-8859-1 or
windows-1252 (a server default) and windows-1258 labelled UTF-8. The rule:

* A byte-order mark wins over any label. A UTF-16/UTF-32 page (only with a BOM does it get past the NUL-byte check)
  is read in the BOM's charset alone.
* Bytes that are valid UTF-8 are read as UTF-8 whatever the label says: a legacy single-byte text that holds
  non-ASCII letters is practically never valid UTF-8, and the check is the one decode the common page costs.
* Otherwise the candidates are, in this order, the declared charsets (Content-Type header, then ``<meta>``), UTF-8,
  then windows-1258 and windows-1252 (whichever the byte profile favours first). The first one is taken at once when
  its reading is flawless (no undecodable character, no sign of a misread); else every candidate is read and scored
  by the characters it gets wrong: undecodable ones (U+FFFD, C1 controls U+0080–U+009F) plus, for a single-byte
  charset, the UTF-8 sequences in the bytes (UTF-8 read as Latin-1 shows "Láº¡ng SÆ¡n") and the windows-1258 tone
  marks it misplaces (a windows-1252 reading shows tone bytes after vowels as letters: "Laòng"; a windows-1258
  reading of a Western page finds tone marks after non-vowels). The lowest score wins; a tie goes to the earlier
  candidate, so a correctly labelled legacy page ("café" in ISO-8859-1) is never "fixed".
* The chosen text is repaired (double-encoded mojibake through ftfy, C1 controls as the windows-1252 characters they
  stand for) and then may keep at most ``max(3, non-ASCII characters / 200)`` undecodable characters: a few stray
  bytes in a long page are tolerated, anything more is a ``ContentError`` naming the count of every candidate tried.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass
from functools import lru_cache

import ftfy
import ftfy.fixes
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

from pipeline.errors import ContentError

__all__ = ["MAX_DECODED_BYTES", "TOLERATED_PER_NON_ASCII", "TOLERATED_UNDECODABLE", "decode_html"]

# A news page is well under a few MB; a bigger inflated body is a gzip bomb or not a page.
MAX_DECODED_BYTES = 20 * 1024 * 1024
# Undecodable characters (U+FFFD, C1 controls) a decoded page may keep: at least this many...
TOLERATED_UNDECODABLE = 3
# ...or one per this many non-ASCII characters (0.5 %), whichever is more.
TOLERATED_PER_NON_ASCII = 200

_GZIP_MAGIC = b"\x1f\x8b"
_BINARY_MAGIC = {
    b"%PDF": "PDF document",
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"RIFF": "RIFF (WebP/AVI) file",
    b"PK\x03\x04": "ZIP/Office document",
    b"\xd0\xcf\x11\xe0": "OLE (old Office) document",
}
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/xml", "application/xml", "text/plain")
# UTF-8 read as cp1252/Latin-1: "Láº¡ng SÆ¡n", "Ä‘", "Ã´". Two-byte sequences that real Vietnamese never shows.
_MOJIBAKE_RE = re.compile(r"á[º»]|Ã[\u0080-\u00bf¡-ÿ]|Æ[¡°]|Ä[\u0091‘\u0090]|Å[©¨]")
_MOJIBAKE_MIN_HITS = 3
# The UTF-8 bytes every _MOJIBAKE_RE hit starts with ("á", "Ã", "Ä", "Å", "Æ", then a C2/C3/E2 lead): searching the
# bytes for them is seven times faster than the text pattern, and almost no page has one.
_MOJIBAKE_UTF8_RE = re.compile(rb"\xc3[\xa1\x83-\x86][\xc2\xc3\xe2]")
# Every _MOJIBAKE_RE hit starts with one of these (the same test on text that is not UTF-8 bytes).
_MOJIBAKE_LEADS = ("áº", "á»", "Ã", "Æ", "Ä", "Å")
_UNDECODABLE_RE = re.compile("[\u0080-\u009f\ufffd]")
_C1_RE = re.compile("[\u0080-\u009f]")
_C1_UTF8_RE = re.compile(rb"\xc2[\x80-\x9f]")
# windows-1258 spells most toned vowels as the vowel (a e i o u y, â ê ô ă ơ ư) plus a combining tone byte. The body
# translated to V (vowel), T (tone) and x (any other byte) counts vowel-tone pairs with bytes.count, ten times faster
# than a regex.
_CP1258_VOWELS = b"AEIOUYaeiouy\xc2\xc3\xca\xd4\xd5\xdd\xe2\xe3\xea\xf4\xf5\xfd"
_CP1258_TONES = b"\xcc\xd2\xde\xec\xf2"
_TONE_CLASSES = bytes(
    ord("V") if byte in _CP1258_VOWELS else ord("T") if byte in _CP1258_TONES else ord("x") for byte in range(256)
)
# Bytes that windows-1258 decodes to Vietnamese combining tones or letters (ư ơ đ ă); their share of the high bytes
# of a non-UTF-8 page tells windows-1258 apart from windows-1252 (which candidate comes first).
_CP1258_HINT_BYTES = b"\xcc\xd2\xde\xec\xf2\xfd\xdd\xf5\xd5\xf0\xd0\xe3\xc3"
_HIGH_BYTES = bytes(range(0x80, 0x100))
# Single-byte labels a windows-1258 page is mislabelled with (w3lib reads ISO-8859-1 and ASCII as windows-1252).
_WESTERN = frozenset({"cp1252", "iso8859-15"})


@dataclass(frozen=True, slots=True)
class _Reading:
    """The body read in one charset, with what that reading gets wrong."""

    encoding: str
    text: str
    undecodable: int  # U+FFFD and C1 controls in the text
    misread: int = 0  # signs that the bytes are in another charset (UTF-8 sequences, misplaced windows-1258 tones)

    @property
    def score(self) -> int:
        return self.undecodable + self.misread


def _gunzip(body: bytes) -> bytes:
    # Some servers (and crawlers storing responses) gzip twice, or store gzip bytes under ".html".
    for _ in range(3):
        if not body.startswith(_GZIP_MAGIC):
            return body
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            inflated = inflater.decompress(body, MAX_DECODED_BYTES + 1)
        except zlib.error as exc:
            raise ContentError(f"corrupt gzip body: {exc}") from exc
        if len(inflated) > MAX_DECODED_BYTES:
            raise ContentError(f"gzip body inflates beyond {MAX_DECODED_BYTES} bytes")
        body = inflated
    return body


def _check_not_binary(body: bytes, content_type: str | None) -> None:
    if not body.strip():
        raise ContentError("empty body")
    for magic, kind in _BINARY_MAGIC.items():
        if body.startswith(magic):
            raise ContentError(f"not HTML: {kind}")
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime and not mime.startswith(_HTML_TYPES) and mime != "application/octet-stream":
        raise ContentError(f"not HTML: Content-Type {mime}")
    if b"\x00" in body[:4096] and not body.startswith(_UTF16_BOMS):
        raise ContentError("not HTML: NUL bytes in the body")


def _name(encoding: str) -> str:
    """The label an operator knows: windows-1258, UTF-8, UTF-16LE."""
    if encoding.startswith("cp125"):
        return f"windows-{encoding[2:]}"
    if encoding.startswith("utf-"):
        return encoding.upper().replace("-LE", "LE").replace("-BE", "BE")
    return encoding


@lru_cache(maxsize=64)
def _single_byte(encoding: str) -> bool:
    """One byte, one character: every high byte decodes on its own (multi-byte charsets pair them up)."""
    return not encoding.startswith("utf") and len(_HIGH_BYTES.decode(encoding, "replace")) == len(_HIGH_BYTES)


def _declared(body: bytes, content_type: str | None) -> list[tuple[str, str]]:
    """The charsets the page declares, (encoding, where), header first."""
    declared = []
    for encoding, where in (
        (http_content_type_encoding(content_type), "Content-Type header"),
        (html_body_declared_encoding(body), "meta"),
    ):
        if encoding is not None:
            # Without a BOM the body has no NUL bytes (see _check_not_binary), so it cannot be UTF-16/32; HTML reads
            # such a label as UTF-8.
            declared.append(("utf-8" if encoding.startswith(("utf-16", "utf-32")) else encoding, where))
    return declared


def _describe(declared: list[tuple[str, str]], *, bom: bool) -> str:
    """What the page says about its charset, for an error message: "declared windows-1252 (Content-Type header)"."""
    label = ", ".join(f"{_name(encoding)} ({where})" for encoding, where in declared)
    described = f"declared {label}" if label else "no charset declared"
    return f"UTF-8 byte-order mark, {described}" if bom else described


def _legacy_order(body: bytes) -> tuple[str, str]:
    """windows-1258 first when its hint bytes make up 30 % of the high bytes and some vowel carries a tone byte (a
    Portuguese page is full of "ã" and "õ", hint bytes too, but has no tone byte), else windows-1252 first."""
    high = _count_bytes(body, _HIGH_BYTES)
    hinted = _count_bytes(body, _CP1258_HINT_BYTES)
    vietnamese = high and hinted / high >= 0.3 and _tone_misreads(body, "cp1252")
    return ("cp1258", "cp1252") if vietnamese else ("cp1252", "cp1258")


@lru_cache(maxsize=64)
def _undecodable_bytes(encoding: str) -> bytes:
    """The bytes a single-byte ``encoding`` cannot decode or decodes to a C1 control."""
    return bytes(byte for byte in _HIGH_BYTES if _UNDECODABLE_RE.match(bytes([byte]).decode(encoding, "replace")))


def _count_bytes(body: bytes, which: bytes) -> int:
    return len(body) - len(body.translate(None, which))


def _utf8_sequences(body: bytes) -> int:
    """Valid multi-byte UTF-8 sequences in the bytes: each one is mojibake in a single-byte reading."""
    return len(body.decode("utf-8", "ignore")) - (len(body) - _count_bytes(body, _HIGH_BYTES))


def _tone_misreads(body: bytes, encoding: str) -> int:
    """windows-1258 tone bytes a reading gets wrong: after a vowel in a Western reading, after no vowel in cp1258."""
    if encoding not in _WESTERN and encoding != "cp1258":
        return 0
    classes = body.translate(_TONE_CLASSES)
    pairs = classes.count(b"VT")
    return classes.count(b"T") - pairs if encoding == "cp1258" else pairs


def _non_ascii(text: str) -> int:
    return len(text) - len(text.encode("ascii", "ignore"))


def _flawless(body: bytes, encoding: str) -> str | None:
    """The text in a non-UTF-8 ``encoding`` when nothing in it suggests another candidate could do better."""
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError:
        return None
    if not _single_byte(encoding):
        return None if _UNDECODABLE_RE.search(text) else text
    if _count_bytes(body, _undecodable_bytes(encoding)) or _utf8_sequences(body) or _tone_misreads(body, encoding):
        return None
    return text


def _readings(body: bytes, candidates: list[str]) -> list[_Reading]:
    """Every candidate's reading, scored."""
    utf8_text = body.decode("utf-8", "replace")
    replaced = utf8_text.count("\ufffd")
    utf8_sequences = _non_ascii(utf8_text) - replaced  # each valid one is mojibake in a single-byte reading
    readings = []
    for encoding in candidates:
        if encoding == "utf-8":
            readings.append(_Reading("utf-8", utf8_text, replaced + len(_C1_UTF8_RE.findall(body))))
            continue
        text = body.decode(encoding, "replace")
        if _single_byte(encoding):
            undecodable = _count_bytes(body, _undecodable_bytes(encoding))
            readings.append(_Reading(encoding, text, undecodable, utf8_sequences + _tone_misreads(body, encoding)))
        else:
            readings.append(_Reading(encoding, text, len(_UNDECODABLE_RE.findall(text))))
    return readings


_TEXT_RUN_RE = re.compile(r"[^<>]+")


def _fix_run(match: re.Match[str]) -> str:
    run = match.group()
    return ftfy.fix_encoding(run) if _MOJIBAKE_RE.search(run) else run


def _has_mojibake(text: str, utf8_body: bytes | None) -> bool:
    # Only when the tell-tale sequences are frequent: ftfy on correct text is a no-op, but costly on big pages
    # and a lone "Ã" is legitimate in Portuguese.
    if utf8_body is not None and not _MOJIBAKE_UTF8_RE.search(utf8_body):
        return False
    if utf8_body is None and not any(lead in text for lead in _MOJIBAKE_LEADS):
        return False
    return len(_MOJIBAKE_RE.findall(text)) >= _MOJIBAKE_MIN_HITS


def _finish(chosen: _Reading, tried: list[_Reading], declared: str, utf8_body: bytes | None = None) -> str:
    """Repair the chosen reading, check what stays undecodable, normalise to NFC."""
    text = chosen.text
    if _has_mojibake(text, utf8_body):
        text = ftfy.fix_encoding(text)
        if len(_MOJIBAKE_RE.findall(text)) >= _MOJIBAKE_MIN_HITS:
            # The template is right and only the article's text was encoded twice: the page as a whole cannot be
            # re-encoded, so each run of text between tags is repaired on its own.
            text = _TEXT_RUN_RE.sub(_fix_run, chosen.text)
    if chosen.undecodable or text is not chosen.text:
        if _C1_RE.search(text):
            text = ftfy.fixes.fix_c1_controls(text)  # U+0092 for ’ and the like: cp1252 bytes stored as Latin-1
        undecodable = len(_UNDECODABLE_RE.findall(text))
        tolerated = max(TOLERATED_UNDECODABLE, _non_ascii(text) // TOLERATED_PER_NON_ASCII)
        if undecodable > tolerated:
            others = ", ".join(f"{_name(r.encoding)} {r.undecodable}" for r in tried if r is not chosen)
            if not others:
                others = "valid UTF-8 bytes, no better reading" if chosen.encoding == "utf-8" else "none besides the BOM"
            raise ContentError(
                f"cannot decode cleanly: {declared}; the best reading, {_name(chosen.encoding)}, leaves {undecodable} "
                f"undecodable characters (U+FFFD or C1 control) where this page tolerates {tolerated} "
                f"(other candidates: {others})"
            )
    # windows-1258 yields base letters + combining tones; NFD-typed pages exist too.
    return unicodedata.normalize("NFC", text)


def decode_html(body: bytes, content_type: str | None) -> str:
    """Decode a response body to NFC HTML text, or raise ``ContentError`` when it is not HTML or not decodable.

    The charset rule and the tolerance for undecodable characters are described in the module docstring.
    """
    body = _gunzip(body)
    _check_not_binary(body, content_type)
    bom_encoding, bom = read_bom(body)
    if bom_encoding is not None and bom is not None:
        body = body[len(bom) :]
        if bom_encoding != "utf-8":  # UTF-16/32: no other reading of the bytes makes sense
            text = body.decode(bom_encoding, "replace")
            reading = _Reading(bom_encoding, text, len(_UNDECODABLE_RE.findall(text)))
            return _finish(reading, [reading], f"{_name(bom_encoding)} byte-order mark")
    declared = _declared(body, content_type)
    described = _describe(declared, bom=bom is not None)
    stateful = bool(declared) and declared[0][0].startswith("iso2022")  # 7-bit charsets are valid UTF-8 too
    if not stateful:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            # Valid UTF-8 beats any label: no other reading can score better (each of its multi-byte sequences
            # would be mojibake in a single-byte charset). One decode in the common case.
            undecodable = text.count("\ufffd") if "\ufffd" in text else 0
            if _C1_UTF8_RE.search(body):
                undecodable += len(_C1_UTF8_RE.findall(body))
            reading = _Reading("utf-8", text, undecodable)
            return _finish(reading, [reading], described, utf8_body=body)
    first = declared[0][0] if declared and bom is None else "utf-8"
    if first != "utf-8" and (flawless := _flawless(body, first)) is not None:
        reading = _Reading(first, flawless, 0)
        return _finish(reading, [reading], described)
    candidates = ["utf-8"] * bool(bom) + [encoding for encoding, _ in declared] + ["utf-8", *_legacy_order(body)]
    tried = _readings(body, list(dict.fromkeys(candidates)))
    chosen = min(tried, key=lambda reading: reading.score)  # the first of equals: candidates are in priority order
    return _finish(chosen, tried, described, utf8_body=body if chosen.encoding == "utf-8" else None)
