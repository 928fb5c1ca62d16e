"""Text normalisation shared by extraction, seeds and dedup: NFC, whitespace, tone-placement folding, hashing."""

from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = [
    "content_hash",
    "detect_language",
    "fold_for_matching",
    "normalize_inline",
    "normalize_text",
]

# Every Unicode space (NBSP, thin/em spaces, ideographic space, tabs) counts as one ordinary space.
_SPACES_RE = re.compile(r"[ \t\f\v\xa0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
# Zero-width characters carry no text; they only break word matching when left in.
_ZERO_WIDTH_RE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_NEWLINES_RE = re.compile(r"\r\n?|[\u2028\u2029\x85]")

# The five Vietnamese tone marks as combining characters (after NFD).
_TONES = "\u0300\u0301\u0303\u0309\u0323"
# Old ("hoà", "uỷ", "khoẻ") and new ("hòa", "ủy", "khỏe") tone placement: in the clusters oa, oe, uy closing a
# syllable the old style puts the tone on the second vowel, the new one on the first. Folding moves it to the first so
# both spellings match. "qu" + y is excluded: there u belongs to the consonant and "quý" has one spelling.
_OLD_TONE_RE = re.compile(rf"(o)([ae])([{_TONES}])(?![\w\u0300-\u036f])|(?<!q)(u)(y)([{_TONES}])(?![\w\u0300-\u036f])")
_TOKEN_RE = re.compile(r"\w+")

# Letters only Vietnamese uses among Latin-script languages (base letters with horn/breve/stroke, and tone marks on
# vowels), after NFC.
_VI_LETTERS = frozenset("ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ")
_EN_STOPWORDS = frozenset({
    "the", "of", "and", "to", "in", "is", "that", "for", "it", "with", "as", "was", "on", "be", "by", "at", "this",
    "are", "from", "have", "has", "not", "but", "an", "or", "they", "his", "her", "which", "were", "been", "their",
    "said", "would", "will",
})  # fmt: skip


def normalize_text(s: str) -> str:
    """NFC, Unicode spaces to one space, stripped non-empty lines joined by a newline."""
    s = unicodedata.normalize("NFC", _ZERO_WIDTH_RE.sub("", _NEWLINES_RE.sub("\n", s)))
    lines = (_SPACES_RE.sub(" ", line).strip() for line in s.split("\n"))
    return "\n".join(line for line in lines if line)


def normalize_inline(s: str) -> str:
    """Like ``normalize_text`` but on one line: for titles and author names."""
    return " ".join(normalize_text(s).split("\n"))


def _fold_tone_placement(s: str) -> str:
    def move(m: re.Match[str]) -> str:
        first, second, tone = m.group(1, 2, 3) if m.group(1) else m.group(4, 5, 6)
        return first + tone + second

    return unicodedata.normalize("NFC", _OLD_TONE_RE.sub(move, unicodedata.normalize("NFD", s)))


def fold_for_matching(s: str) -> str:
    """Matching key: NFC, new-style tone placement ("uỷ" → "ủy"), casefolded, word tokens joined by single spaces."""
    s = unicodedata.normalize("NFC", s).casefold()
    return " ".join(_TOKEN_RE.findall(_fold_tone_placement(s)))


def content_hash(text: str) -> str:
    """Exact-duplicate key: a hex digest of ``fold_for_matching(text)``."""
    return hashlib.blake2b(fold_for_matching(text).encode("utf-8"), digest_size=16).hexdigest()


def detect_language(text: str, default: str) -> str:
    """Deterministic guess: Vietnamese by diacritic letters, English by stop words, else ``default``."""
    sample = unicodedata.normalize("NFC", text[:20000]).casefold()
    letters = [c for c in sample if c.isalpha()]
    if len(letters) < 20:
        return default
    # Vietnamese prose has a diacritic on roughly every third letter; 5% is far above any other Latin language's
    # accidental use of these exact letters.
    if sum(c in _VI_LETTERS for c in letters) / len(letters) >= 0.05:
        return "vi"
    tokens = _TOKEN_RE.findall(sample)
    if tokens and sum(t in _EN_STOPWORDS for t in tokens) / len(tokens) >= 0.12:
        return "en"
    return default
