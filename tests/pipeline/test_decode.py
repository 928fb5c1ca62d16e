"""Response bytes → NFC HTML text."""

from __future__ import annotations

import gzip
import unicodedata

import pytest

from pipeline.decode import decode_html
from pipeline.errors import ContentError

PAGE = "<html><head>{meta}</head><body><p>Lạng Sơn: Đảng bộ Khối tổ chức Đại hội, Thứ ba</p></body></html>"
TEXT = "Lạng Sơn: Đảng bộ Khối tổ chức Đại hội, Thứ ba"


def cp1258(s: str) -> bytes:
    """Encode like a windows-1258 page: precomposed where the code page has it, else base letter + combining tone."""
    out = b""
    for ch in unicodedata.normalize("NFC", s):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            d = unicodedata.normalize("NFD", ch)
            tones = "".join(c for c in d if c in "\u0300\u0301\u0303\u0309\u0323")
            out += unicodedata.normalize("NFC", d.replace(tones, "")).encode("cp1258") + tones.encode("cp1258")
    return out


def test_utf8_header() -> None:
    assert TEXT in decode_html(PAGE.format(meta="").encode(), "text/html; charset=utf-8")


def test_gzip_magic_is_decompressed() -> None:
    assert TEXT in decode_html(gzip.compress(PAGE.format(meta="").encode()), "text/html")


@pytest.mark.parametrize(
    ("meta", "content_type"),
    [
        ('<meta charset="windows-1258">', None),
        ('<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">', "text/html"),
        ("", "text/html; charset=windows-1258"),
        ("", None),  # undeclared: detected from the byte profile
    ],
)
def test_windows_1258_becomes_nfc(meta: str, content_type: str | None) -> None:
    body = cp1258(PAGE.format(meta=meta))
    assert b"\xec" in body  # a combining acute really is in the bytes
    text = decode_html(body, content_type)
    assert TEXT in text
    assert unicodedata.is_normalized("NFC", text)


def test_nfd_utf8_becomes_nfc() -> None:
    assert TEXT in decode_html(unicodedata.normalize("NFD", PAGE.format(meta="")).encode(), None)


def test_header_charset_wins_over_meta() -> None:
    body = PAGE.format(meta='<meta charset="iso-8859-1">').encode()
    assert TEXT in decode_html(body, "text/html; charset=utf-8")


def test_mojibake_repaired() -> None:
    import ftfy.bad_codecs  # noqa: F401  (registers sloppy-windows-1252: cp1252 that keeps bytes 0x81/0x8d/0x90)

    # UTF-8 bytes read as windows-1252 and re-encoded as UTF-8, as a misconfigured site serves them.
    broken = PAGE.format(meta="").encode().decode("sloppy-windows-1252")
    assert "Láº¡ng SÆ¡n" in broken
    assert "Lạng Sơn: Đảng bộ" in decode_html(broken.encode(), "text/html; charset=utf-8")


def test_correct_text_untouched_by_repair() -> None:
    page = "<p>São Paulo: Ã é uma letra. Lạng Sơn.</p>"
    assert decode_html(page.encode(), "text/html; charset=utf-8") == page


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"%PDF-1.4\n...", "application/octet-stream"),
        (b"\x89PNG\r\n\x1a\n....", None),
        (b"\xff\xd8\xff\xe0....", None),
        (b"GIF89a....", None),
        (b"<html>\x00\x00\x00binary", None),
        (b"<html></html>", "image/png"),
        (b"<html></html>", "application/pdf"),
        (b"   ", "text/html"),
        (gzip.compress(b"%PDF-1.7 ..."), None),
    ],
)
def test_rejects_non_html(body: bytes, content_type: str | None) -> None:
    with pytest.raises(ContentError):
        decode_html(body, content_type)


def test_corrupt_gzip() -> None:
    with pytest.raises(ContentError):
        decode_html(b"\x1f\x8b\x08\x00garbage", None)
