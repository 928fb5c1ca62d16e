"""Near-duplicate fingerprints: syllable shingles, MinHash signatures, LSH band keys and the confirmation test.

Pure functions, no database: ``pipeline.dedup.decide`` stores what is computed here and asks the database for candidates.

- **Shingles** are runs of ``shingle_size`` consecutive syllables of ``fold_for_matching(text)`` (NFC, one tone
  placement, casefolded, punctuation and spacing gone), hashed to 32 bits. Vietnamese is written one syllable per
  token, so a shingle of five syllables is about a phrase of two or three words; the size was chosen by measurement
  (``bench/neardup.py``): shorter shingles make same-template reports of different events look alike, longer ones
  let a light copy-edit break too many shingles.
- **MinHash** (datasketch) turns a shingle set into ``num_perm`` numbers whose agreement estimates the Jaccard
  similarity of two sets.
- **LSH**: the signature is cut into ``bands`` bands of ``rows`` rows (datasketch's choice of ``b`` and ``r`` for the
  threshold); each band hashes to one 64-bit key. Two documents become candidates when they share any key. Keys are
  stored in the database, so the index is the database: nothing is rebuilt at start.
- **Confirmation**: a candidate is a near-duplicate only when the exact shingle sets agree: Jaccard at least
  ``min_jaccard``, or one text contained in the other (``min_containment`` of the smaller set) when the smaller
  text is long enough to mean something (``min_shingles``). Containment catches truncated copies and copies with
  paragraphs added; the length floor keeps a three-line notice from being "contained" in everything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from pipeline.text import fold_for_matching

__all__ = [
    "Fingerprint",
    "NearDupParams",
    "Similarity",
    "band_keys",
    "best_match",
    "estimated_jaccard",
    "estimated_score",
    "fingerprint",
    "is_candidate",
    "lsh_layout",
    "match",
    "shingle_hashes",
    "signature_from_bytes",
    "similarity",
]

# The MinHash permutations are derived from this seed and this datasketch scheme (32-bit affine permutations after a
# MurmurHash3 mix); every signature in one archive must use the same ones.
MINHASH_SEED = 1
MINHASH_SCHEME = "affine32"


@dataclass(frozen=True)
class NearDupParams:
    """How near-duplicates are found. The first three shape the stored index (changing them means re-indexing)."""

    # Defaults measured by ``bench/neardup.py --sweep`` (bench/results/neardup.json; README, "Near-duplicates").
    # Syllables per shingle: with 1–2 same-template reports of different events look alike and unrelated reports
    # become LSH candidates; 3–4 leave same-template reports closer than 0.1 to the thresholds; 7–8 start losing
    # edited copies; 5 and 6 measure alike.
    shingle_size: int = 5
    # MinHash permutations (signature length).
    num_perm: int = 128
    # Estimated Jaccard similarity from which two documents are likely to become candidates (sets the LSH bands).
    # 0.2 (28 bands of 2 rows) keeps a truncated copy at Jaccard 0.3–0.4 a candidate 93–99% of the time (0.3: 64–91%)
    # for about 2 candidates per 10,000 unrelated documents.
    lsh_threshold: float = 0.2
    # Confirmation: exact shingle Jaccard similarity at or above this links two documents...
    min_jaccard: float = 0.5
    # ...or this share of the smaller document's shingles found in the larger one (0.7: a truncated copy with a
    # rewritten lead is still linked; the same-template reports of the seeds and replicas stay under 0.6)...
    min_containment: float = 0.7
    # ...when the smaller document has at least this many shingles.
    min_shingles: int = 40
    # A candidate whose MinHash estimate of that score is below this is rejected without reading its text: far below
    # both thresholds (the estimate's standard error is about 0.04), it keeps the confirmation cost flat as common
    # stock phrases bring more candidates in a larger archive (bench/neardup_cost.py).
    min_estimate: float = 0.3

    @property
    def scheme(self) -> str:
        """Identifies signatures comparable with each other: shingle size, permutations, seed."""
        return f"w{self.shingle_size}-p{self.num_perm}-s{MINHASH_SEED}-{MINHASH_SCHEME}"

    @property
    def layout(self) -> str:
        """Identifies band keys comparable with each other: the scheme plus the band layout."""
        bands, rows = lsh_layout(self.lsh_threshold, self.num_perm)
        return f"{self.scheme}-b{bands}r{rows}"


@dataclass(frozen=True)
class Similarity:
    """How alike two shingle sets are."""

    jaccard: float
    containment: float  # of the smaller set in the larger one
    smaller: int  # shingles in the smaller set

    @property
    def score(self) -> float:
        """One number for reports and ``documents.duplicate_score``: the larger of Jaccard and containment."""
        return max(self.jaccard, self.containment)

    def confirms(self, params: NearDupParams) -> bool:
        """Whether this similarity is strong enough to link two documents as one story."""
        if self.jaccard >= params.min_jaccard:
            return True
        return self.smaller >= params.min_shingles and self.containment >= params.min_containment


@dataclass(frozen=True)
class Fingerprint:
    """A text's shingle set and its MinHash signature."""

    shingles: frozenset[int]
    signature: np.ndarray  # num_perm uint32 values

    def signature_bytes(self) -> bytes:
        """The signature as stored in the database: little-endian uint32s."""
        return self.signature.astype("<u4").tobytes()


def _hash32(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=4).digest(), "little")


def shingle_hashes(text: str, size: int) -> frozenset[int]:
    """32-bit hashes of the runs of ``size`` syllables of the folded text (one shingle when the text is shorter)."""
    tokens = fold_for_matching(text).split()
    if not tokens:
        return frozenset()
    if len(tokens) <= size:
        return frozenset({_hash32(" ".join(tokens).encode())})
    return frozenset(_hash32(" ".join(tokens[i : i + size]).encode()) for i in range(len(tokens) - size + 1))


@lru_cache(maxsize=8)
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    from datasketch import MinHash  # imported on first use: datasketch brings scipy, half a second at start-up

    template = MinHash(num_perm=num_perm, seed=MINHASH_SEED, scheme=MINHASH_SCHEME)
    first, second = template.permutations
    return np.asarray(first), np.asarray(second)


def _minhash(shingles: frozenset[int], num_perm: int) -> np.ndarray:
    from datasketch import MinHash

    # Shingles are already 32-bit hashes: hand them to MinHash as they are instead of hashing them a second time.
    minhash = MinHash(
        num_perm=num_perm, seed=MINHASH_SEED, scheme=MINHASH_SCHEME, hashfunc=int, permutations=_permutations(num_perm)
    )
    if shingles:
        minhash.update_batch(list(shingles))
    return np.asarray(minhash.hashvalues, dtype=np.uint32)


def fingerprint(text: str, params: NearDupParams) -> Fingerprint:
    """The shingle set and MinHash signature of ``text``."""
    shingles = shingle_hashes(text, params.shingle_size)
    return Fingerprint(shingles, _minhash(shingles, params.num_perm))


def signature_from_bytes(stored: bytes) -> np.ndarray:
    """A signature back from its stored bytes."""
    return np.frombuffer(stored, dtype="<u4").astype(np.uint32)


@lru_cache(maxsize=32)
def lsh_layout(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows per band) datasketch chooses for this threshold, weighing false negatives as false positives."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=(0.5, 0.5))
    return lsh.b, lsh.r


def band_keys(signature: np.ndarray, bands: int, rows: int) -> list[int]:
    """One signed 64-bit key per band (the band number is part of the key, so bands never collide)."""
    keys = []
    values = signature.astype("<u4")
    for band in range(bands):
        chunk = values[band * rows : (band + 1) * rows].tobytes()
        digest = hashlib.blake2b(chunk, digest_size=8, person=band.to_bytes(2, "little")).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


def similarity(a: frozenset[int], b: frozenset[int]) -> Similarity:
    """Exact Jaccard similarity and containment of two shingle sets."""
    if not a or not b:
        return Similarity(0.0, 0.0, min(len(a), len(b)))
    common = len(a & b)
    smaller = min(len(a), len(b))
    return Similarity(common / (len(a) + len(b) - common), common / smaller, smaller)


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Share of agreeing MinHash values: the signature's estimate of the Jaccard similarity."""
    return float(np.count_nonzero(a == b)) / len(a)


def estimated_score(a: np.ndarray, a_shingles: int, b: np.ndarray, b_shingles: int) -> float:
    """The signatures' estimate of ``Similarity.score``: Jaccard, or containment derived from it and the set sizes."""
    jaccard = estimated_jaccard(a, b)
    smaller = min(a_shingles, b_shingles) or 1
    containment = jaccard * (a_shingles + b_shingles) / ((1 + jaccard) * smaller)
    return max(jaccard, min(containment, 1.0))


def best_match(candidates: Sequence[tuple[int, Similarity]], params: NearDupParams) -> tuple[int, Similarity] | None:
    """The confirmed candidate with the highest score (ties: the lowest id), or None."""
    confirmed = [(doc_id, sim) for doc_id, sim in candidates if sim.confirms(params)]
    if not confirmed:
        return None
    return min(confirmed, key=lambda item: (-item[1].score, item[0]))


def is_candidate(a: Fingerprint, b: Fingerprint, params: NearDupParams) -> bool:
    """Whether LSH would put ``a`` and ``b`` together: they share at least one band key."""
    bands, rows = lsh_layout(params.lsh_threshold, params.num_perm)
    return not set(band_keys(a.signature, bands, rows)).isdisjoint(band_keys(b.signature, bands, rows))


def match(a: Fingerprint, b: Fingerprint, params: NearDupParams) -> Similarity | None:
    """The decision the archive makes for one pair: a candidate by LSH and confirmed on the exact shingles, else None."""
    if not is_candidate(a, b, params):
        return None
    if estimated_score(a.signature, len(a.shingles), b.signature, len(b.shingles)) < params.min_estimate:
        return None
    found = similarity(a.shingles, b.shingles)
    return found if found.confirms(params) else None
