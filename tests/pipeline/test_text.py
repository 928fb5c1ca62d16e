"""Text normalisation, tone-placement folding, hashing and language detection."""

from __future__ import annotations

import unicodedata

import pytest

from pipeline.text import (
    content_hash,
    detect_language,
    fold_for_matching,
    normalize_inline,
    normalize_text,
)


def test_normalize_text_spaces_lines_and_nfc() -> None:
    raw = unicodedata.normalize("NFD", "\xa0 \xa0 \xa0 Ngày 21/5/2020,  Đảng\u2009bộ\r\n\n\xa0\n  Quang cảnh Đại hội \u200b\n")
    assert normalize_text(raw) == "Ngày 21/5/2020, Đảng bộ\nQuang cảnh Đại hội"


def test_normalize_inline_joins_lines() -> None:
    assert normalize_inline(" Đảng bộ\nVăn phòng\xa0 UBND ") == "Đảng bộ Văn phòng UBND"


@pytest.mark.parametrize(
    ("old", "new"),
    [("uỷ", "ủy"), ("hoà", "hòa"), ("thuỷ", "thủy"), ("khoẻ", "khỏe"), ("hoá", "hóa"), ("hoạ", "họa"),
     ("xoè", "xòe"), ("Uỷ ban", "ủy ban"), ("Tỉnh Uỷ", "tỉnh ủy")],
)  # fmt: skip
def test_fold_old_tone_placement(old: str, new: str) -> None:
    assert fold_for_matching(old) == fold_for_matching(new) == new.casefold()


@pytest.mark.parametrize("word", ["quý", "hoài", "khuya", "thuyền", "toán", "hoặc", "khoẻo"])
def test_fold_leaves_other_clusters(word: str) -> None:
    assert fold_for_matching(word) == unicodedata.normalize("NFC", word).casefold()


def test_fold_tokens_only() -> None:
    assert fold_for_matching("LSO-Ngày 22/5/2020, Đảng uỷ…") == "lso ngày 22 5 2020 đảng ủy"


def test_content_hash_ignores_form_not_words() -> None:
    a = "Đảng uỷ Khối các cơ quan tỉnh\nhoà giải"
    b = unicodedata.normalize("NFD", "ĐẢNG ỦY  khối các cơ quan\xa0tỉnh hòa giải")
    assert content_hash(a) == content_hash(b)
    assert len(content_hash(a)) == 32
    assert content_hash(a) != content_hash(a + " thêm")


def test_detect_language() -> None:
    assert detect_language("Đảng bộ Sở Nội vụ đã long trọng tổ chức Đại hội lần thứ III", "en") == "vi"
    assert detect_language("The committee said that it was not aware of the plan for the city", "vi") == "en"
    assert detect_language("Der Ausschuss erklärte heute, dass er den Plan nicht kenne", "de") == "de"
    assert detect_language("short", "vi") == "vi"
