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

_STROKED = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o"})
# A word is a run of letters or digits; "_" and punctuation separate words (FTS5's unicode61 splits the same way).
_WORD_RE = re.compile(r"[^\W_]+")


def fold_for_search(text: str) -> str:
    """``text`` without diacritics, "đ" as "d", case-folded (whitespace and punctuation kept)."""
    decomposed = unicodedata.normalize("NFD", text.translate(_STROKED))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare).casefold()


def search_words(text: str) -> list[str]:
    """The folded words of ``text``, in order."""
    return _WORD_RE.findall(fold_for_search(text))
