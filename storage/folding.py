"""Text folded for search: how people type Vietnamese when they do not type its diacritics.

"Đại hội Đảng bộ" and "dai hoi dang bo", "Lạng Sơn" and "lang son", "hoà" and "hòa" (old and new tone placement),
composed and decomposed input all fold to the same letters: every combining mark goes (tones, breve, circumflex,
horn), "đ" becomes "d" (Unicode gives it no decomposition, which is why SQLite's ``remove_diacritics`` misses it),
and case is folded. The archive indexes the folded text and folds every query the same way, on SQLite and
PostgreSQL alike.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold_for_search", "search_words"]

_STROKED = {"đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o"}
# A word is a run of letters or digits; "_" and punctuation separate words (FTS5's unicode61 splits the same way).
_WORD_RE = re.compile(r"[^\W_]+")


class _FoldTable(dict[int, str]):
    """``str.translate`` table folding one character at a time, filled as characters are first seen (a text is
    folded in one C-speed pass; the table stays small: the characters of the archive's languages)."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = _STROKED.get(char)
        if folded is None:
            bare = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
            folded = unicodedata.normalize("NFC", bare).casefold()
        self[code] = folded
        return folded


_FOLD = _FoldTable()


def fold_for_search(text: str) -> str:
    """``text`` without diacritics, "đ" as "d", case-folded (whitespace and punctuation kept). Character by
    character, so composed and decomposed input fold alike and most texts keep their length."""
    return text.translate(_FOLD)


def search_words(text: str) -> list[str]:
    """The folded words of ``text``, in order."""
    return _WORD_RE.findall(fold_for_search(text))
