"""Response bytes → HTML text: gzip, binary rejection, charset resolution, NFC and mojibake repair."""

from __future__ import annotations

import re
import unicodedata
import zlib

import ftfy
from w3lib.encoding import html_body_declared_encoding, html_to_unicode, http_content_type_encoding

from pipeline.errors import ContentError

__all__ = ["MAX_DECODED_BYTES", "decode_html"]

# A news page is well under a few MB; a bigger inflated body is a gzip bomb or not a page.
MAX_DECODED_BYTES = 20 * 1024 * 1024

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
# Bytes that windows-1258 decodes to Vietnamese combining tones or letters (ư ơ đ ă); their frequency in an
# undeclared, non-UTF-8 page tells windows-1258 apart from windows-1252.
_CP1258_HINT_BYTES = frozenset(b"\xcc\xd2\xde\xec\xf2\xfd\xdd\xf5\xd5\xf0\xd0\xe3\xc3")


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


def _guess_undeclared(body: bytes) -> str | None:
    """Charset of a page that declares none: UTF-8 if it decodes, else windows-1258 or windows-1252."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        high = [b for b in body if b >= 0x80]
        hinted = sum(b in _CP1258_HINT_BYTES for b in high)
        return "cp1258" if high and hinted / len(high) >= 0.3 else "cp1252"
    return "utf-8"


def _repair_mojibake(text: str) -> str:
    # Only when the tell-tale sequences are frequent: ftfy on correct text is a no-op, but costly on big pages
    # and a lone "Ã" is legitimate in Portuguese.
    if len(_MOJIBAKE_RE.findall(text)) < _MOJIBAKE_MIN_HITS:
        return text
    return ftfy.fix_encoding(text)


def decode_html(body: bytes, content_type: str | None) -> str:
    """Decode a response body to NFC HTML text, or raise ``ContentError`` when it is not HTML."""
    body = _gunzip(body)
    _check_not_binary(body, content_type)
    declared = http_content_type_encoding(content_type) if content_type else None
    if declared is None and html_body_declared_encoding(body) is None and not body.startswith(_UTF16_BOMS):
        # No declaration at all: w3lib would fall back to UTF-8 with replacement characters; guess instead.
        _, text = html_to_unicode(content_type, body, auto_detect_fun=_guess_undeclared)
    else:
        _, text = html_to_unicode(content_type, body)
    # windows-1258 yields base letters + combining tones; NFD-typed pages exist too.
    return unicodedata.normalize("NFC", _repair_mojibake(text))
