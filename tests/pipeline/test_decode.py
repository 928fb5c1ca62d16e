"""Response bytes → NFC HTML text."""

from __future__ import annotations

import gzip
import unicodedata

import pytest

from pipeline.errors import ContentError
from pipeline.extraction.decode import decode_html

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


# Issue 9: a wrong charset label must not store "�" or mojibake in place of letters.
SENTENCE = "Đại hội Đảng bộ tỉnh Lạng Sơn lần thứ XVII, nhiệm kỳ 2020–2025, khai mạc sáng nay."


def article(meta: str = "", paragraphs: int = 3) -> str:
    return (
        f'<!DOCTYPE html><html lang="vi"><head>{meta}<title>Báo Lạng Sơn</title></head><body>'
        + f"<p>{SENTENCE}</p>\n" * paragraphs
        + "</body></html>"
    )


def assert_clean(text: str) -> None:
    assert SENTENCE in text
    assert "\ufffd" not in text
    assert unicodedata.is_normalized("NFC", text)


def test_sentence_is_nfc() -> None:
    assert unicodedata.is_normalized("NFC", SENTENCE)


@pytest.mark.parametrize(
    "content_type", ["text/html; charset=iso-8859-1", "text/html; charset=ISO-8859-1", "text/html; charset=windows-1252"]
)
def test_utf8_labelled_latin1_in_header(content_type: str) -> None:
    assert_clean(decode_html(article().encode(), content_type))


@pytest.mark.parametrize(
    ("meta", "content_type"),
    [
        ('<meta charset="windows-1252">', None),
        ('<meta charset="windows-1252">', "text/html"),
        ('<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">', None),
    ],
)
def test_utf8_labelled_latin1_in_meta(meta: str, content_type: str | None) -> None:
    assert_clean(decode_html(article(meta).encode(), content_type))


@pytest.mark.parametrize(
    ("meta", "content_type"),
    [
        ("", "text/html; charset=utf-8"),
        ('<meta charset="utf-8">', None),
        ('<meta charset="UTF-8">', "text/html"),
        ('<meta http-equiv="Content-Type" content="text/html; charset=utf-8">', "text/html"),
    ],
)
def test_windows_1258_labelled_utf8(meta: str, content_type: str | None) -> None:
    body = cp1258(article(meta))
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")  # really not UTF-8: read as labelled, every Vietnamese letter would be "�"
    assert_clean(decode_html(body, content_type))


@pytest.mark.parametrize(
    ("meta", "content_type"),
    [
        ('<meta charset="windows-1258">', "text/html; charset=iso-8859-1"),  # a server default over the page's meta
        ("", "text/html; charset=windows-1252"),
    ],
)
def test_windows_1258_labelled_western(meta: str, content_type: str) -> None:
    # Read as windows-1252 these bytes decode without error, to "Ðaòi hôòi": tone bytes after vowels give it away.
    assert_clean(decode_html(cp1258(article(meta)), content_type))


@pytest.mark.parametrize(
    ("meta", "content_type"),
    [
        ("", "text/html; charset=windows-1258"),
        ("", "text/html; charset=iso-8859-1"),
        ('<meta charset="windows-1252">', None),
    ],
)
def test_utf8_bom_beats_the_declaration(meta: str, content_type: str | None) -> None:
    text = decode_html(b"\xef\xbb\xbf" + article(meta).encode(), content_type)
    assert_clean(text)
    assert text.startswith("<!DOCTYPE html>")  # the BOM itself is not text


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("content_type", [None, "text/html; charset=utf-8", "text/html; charset=windows-1252"])
def test_utf16_with_bom(codec: str, content_type: str | None) -> None:
    text = decode_html("\ufeff".encode(codec) + article().encode(codec), content_type)
    assert_clean(text)
    assert text.startswith("<!DOCTYPE html>")


def test_nfd_utf8_labelled_latin1_becomes_nfc() -> None:
    body = unicodedata.normalize("NFD", article()).encode()
    assert_clean(decode_html(body, "text/html; charset=iso-8859-1"))


def test_a_few_stray_bytes_in_a_long_utf8_page_are_tolerated() -> None:
    # A teaser cut in the middle of "ạ", a Latin-1 "é", bytes UTF-8 never uses: one "�" each, in 200 paragraphs.
    strays = [b"\xe1\xba", b"\xe9", b"\xff", b"\x80", b"\xc6"]
    paragraphs = [f"<p>{SENTENCE}</p>".encode()] * 200
    for i, stray in enumerate(strays):
        paragraphs[40 * i + 1] = paragraphs[40 * i + 1].replace(b"</p>", b" " + stray + b"</p>")
    text = decode_html(b"<html><body>" + b"\n".join(paragraphs) + b"</body></html>", "text/html; charset=utf-8")
    assert text.count("\ufffd") == len(strays)
    assert text.count(SENTENCE) == 200


def _page_with_strays(paragraphs: int, strays: int) -> bytes:
    body = [f"<p>{SENTENCE}</p>".encode()] * paragraphs
    return b"<html><body>" + b"\n".join(body) + b"<p>\xff</p>" * strays + b"</body></html>"


def _tolerated(paragraphs: int) -> int:
    """The most stray bytes the documented rule lets through: max(3, non-ASCII characters / 200)."""
    from pipeline.extraction.decode import TOLERATED_PER_NON_ASCII, TOLERATED_UNDECODABLE

    non_ascii = sum(ord(c) > 127 for c in SENTENCE) * paragraphs
    strays = 0
    while strays + 1 <= max(TOLERATED_UNDECODABLE, (non_ascii + strays + 1) // TOLERATED_PER_NON_ASCII):
        strays += 1
    return strays


@pytest.mark.parametrize("paragraphs", [1, 300])
def test_stray_byte_threshold(paragraphs: int) -> None:
    limit = _tolerated(paragraphs)
    assert limit == (3 if paragraphs == 1 else 24)
    text = decode_html(_page_with_strays(paragraphs, limit), "text/html; charset=utf-8")
    assert text.count("\ufffd") == limit
    with pytest.raises(ContentError, match=r"UTF-8, leaves \d+ undecodable characters"):
        decode_html(_page_with_strays(paragraphs, limit + 1), "text/html; charset=utf-8")


@pytest.mark.parametrize(
    ("content_type", "declared"),
    [
        ("text/html; charset=windows-1252", "declared windows-1252 (Content-Type header)"),
        ("text/html; charset=utf-8", "declared UTF-8 (Content-Type header)"),
        (None, "no charset declared"),
    ],
)
def test_undecodable_page_raises(content_type: str | None, declared: str) -> None:
    import random

    rng = random.Random(9)
    junk = bytes(rng.randrange(0x80, 0x100) for _ in range(3000))  # high bytes at random: no charset reads them
    with pytest.raises(ContentError) as caught:
        decode_html(b"<html><body><p>" + junk + b"</p></body></html>", content_type)
    message = str(caught.value)
    assert message.startswith(f"cannot decode cleanly: {declared}; the best reading, ")
    assert "undecodable characters (U+FFFD or C1 control) where this page tolerates" in message
    for name in ("UTF-8", "windows-1258", "windows-1252"):
        assert name in message


@pytest.mark.parametrize(
    "content_type", ["text/html; charset=iso-8859-1", "text/html; charset=windows-1252", None, "text/html; charset=utf-8"]
)
def test_latin1_page_read_as_latin1(content_type: str | None) -> None:
    # Correctly labelled, undeclared, or mislabelled UTF-8 (invalid there): never "fixed" into Vietnamese.
    page = "<html><body><p>Un café crème à Noël, s'il vous plaît.</p></body></html>"
    assert decode_html(page.encode("latin-1"), content_type) == page


@pytest.mark.parametrize("content_type", ["text/html; charset=iso-8859-1", None])
def test_portuguese_latin1_page_is_not_windows_1258(content_type: str | None) -> None:
    # "ã" and "õ" are windows-1258 hint bytes too ("ă", "ơ" there), but no vowel carries a tone byte.
    page = "<p>Informações sobre a população não são públicas; João está em São Paulo.</p>"
    assert decode_html(page.encode("latin-1"), content_type) == page


def test_windows_1258_undeclared_long_page() -> None:
    text = decode_html(cp1258(article(paragraphs=200)), None)
    assert_clean(text)
    assert text.count(SENTENCE) == 200


def test_c1_controls_in_valid_utf8_become_punctuation() -> None:
    # windows-1252 quote bytes stored as Latin-1 code points by an old CMS, then served as UTF-8.
    page = "<p>Lạng Sơn\u0092s \u0093best\u0094 of 2024</p>"
    assert decode_html(page.encode(), "text/html; charset=utf-8") == "<p>Lạng Sơn’s “best” of 2024</p>"


def test_valid_utf8_garbled_at_the_source_is_rejected() -> None:
    page = "<html><body>" + "<p>L\ufffdng S\ufffdn, \ufffd\ufffdi h\ufffdi</p>" * 20 + "</body></html>"
    with pytest.raises(ContentError, match="valid UTF-8 bytes, no better reading"):
        decode_html(page.encode(), "text/html; charset=utf-8")
