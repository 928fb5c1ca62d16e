"""Near-duplicate fingerprints (pipeline/dedup/neardup.py): folding, shingles, MinHash, LSH keys, the confirmation test.

The seeds are real articles: 000, 001 and 002 are three Party congress reports written on one template, the hardest
negatives the archive meets; copies of a seed edited the way outlets edit must still match it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from pipeline.archive.seeds import parse_seed
from pipeline.dedup.neardup import (
    NearDupParams,
    Similarity,
    band_keys,
    best_match,
    estimated_jaccard,
    fingerprint,
    is_candidate,
    lsh_layout,
    match,
    shingle_hashes,
    signature_from_bytes,
    similarity,
)
from pipeline.text import normalize_text

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "newsharvest/seeds"
PARAMS = NearDupParams()


def seed_text(num: str) -> str:
    path = next(SEEDS.glob(f"{num}_*.txt"))
    return parse_seed(path.read_text(encoding="utf-8"), path.stem).text


@pytest.fixture(scope="module")
def seeds() -> dict[str, str]:
    return {num: seed_text(num) for num in ("000", "001", "002", "003", "004")}


# --- shingles: what must not count as a difference --------------------------------------------------------------------


def test_nfd_and_nfc_give_the_same_shingles(seeds: dict[str, str]) -> None:
    text = seeds["001"]
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    for size in (1, 3, 5):
        assert shingle_hashes(nfd, size) == shingle_hashes(text, size)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Uỷ ban nhân dân tỉnh hoà giải", "Ủy ban nhân dân tỉnh hòa giải"),
        ("Bí thư Đảng uỷ khối, Tỉnh uỷ viên", "Bí thư Đảng ủy khối, Tỉnh ủy viên"),
        ("nhà máy thuỷ điện Thác Xăng", "nhà máy thủy điện Thác Xăng"),
        ("chăm sóc sức khoẻ cộng đồng", "chăm sóc sức khỏe cộng đồng"),
        ("HOÀ BÌNH VÀ THUỶ LỢI", "HÒA BÌNH VÀ THỦY LỢI"),
    ],
)
def test_old_and_new_tone_placement_give_the_same_shingles(old: str, new: str) -> None:
    assert old != new
    assert shingle_hashes(old, 2) == shingle_hashes(new, 2)
    assert shingle_hashes(unicodedata.normalize("NFD", old), 2) == shingle_hashes(new, 2)


def test_tone_folding_does_not_merge_different_words() -> None:
    # "quý" has a single spelling; "hoa" (flower) and "hòa" (peace) are different words.
    assert shingle_hashes("hoa hồng", 2) != shingle_hashes("hòa hồng", 2)
    assert shingle_hashes("quý khách", 2) != shingle_hashes("quy khách", 2)


def test_punctuation_case_and_whitespace_noise_are_invisible() -> None:
    clean = "Ngày 21/5/2020, Đảng bộ Sở Nội vụ tổ chức Đại hội lần thứ III, nhiệm kỳ 2020 - 2025."
    noisy = "  NGÀY 21/5/2020 ,\u00a0Đảng  bộ Sở Nội\u200b vụ tổ chức “Đại hội” lần thứ III,\tnhiệm kỳ 2020–2025…\n"
    assert shingle_hashes(noisy, 5) == shingle_hashes(clean, 5)
    assert similarity(shingle_hashes(noisy, 5), shingle_hashes(clean, 5)).jaccard == 1.0


def test_a_word_change_is_visible() -> None:
    a = shingle_hashes("Đại hội bầu Ban Chấp hành gồm 7 đồng chí và bầu đại biểu đi dự đại hội cấp trên", 5)
    b = shingle_hashes("Đại hội bầu Ban Chấp hành gồm 9 đồng chí và bầu đại biểu đi dự đại hội cấp trên", 5)
    sim = similarity(a, b)
    assert 0.0 < sim.jaccard < 1.0
    assert len(a - b) == 5  # every shingle covering the changed syllable


def test_shingle_edge_cases() -> None:
    assert shingle_hashes("", 5) == frozenset()
    assert shingle_hashes(" ,.;– ", 5) == frozenset()
    assert len(shingle_hashes("Lạng Sơn", 5)) == 1  # shorter than a shingle: one shingle of all of it
    assert len(shingle_hashes("một hai ba bốn năm sáu", 5)) == 2
    assert all(0 <= h < 2**32 for h in shingle_hashes("một hai ba bốn năm sáu bảy", 3))


# --- edited copies of a seed match it ----------------------------------------------------------------------------------


def _paragraphs(text: str) -> list[str]:
    return text.split("\n")


def _old_tones(text: str) -> str:
    swaps = {"ủy": "uỷ", "Ủy": "Uỷ", "hòa": "hoà", "thủy": "thuỷ", "khỏe": "khoẻ", "hóa": "hoá"}
    for new, old in swaps.items():
        text = text.replace(new, old)
    return text


ADDED = (
    "Phát biểu tại buổi làm việc, lãnh đạo sở đề nghị các đơn vị tiếp tục quán triệt, thực hiện nghiêm các chỉ đạo của "
    "Tỉnh ủy, UBND tỉnh; tăng cường kiểm tra, đôn đốc và kịp thời báo cáo những khó khăn, vướng mắc phát sinh."
)
EDITS = {
    "identical": lambda t: t,
    "paragraph_dropped": lambda t: "\n".join(p for i, p in enumerate(_paragraphs(t)) if i != 2),
    "paragraph_added": lambda t: "\n".join([*_paragraphs(t)[:2], ADDED, *_paragraphs(t)[2:]]),
    "lead_rewritten": lambda t: "\n".join(["Theo tin từ Sở Nội vụ, đại hội đã diễn ra thành công tốt đẹp.", *_paragraphs(t)[1:]]),
    "byline_added": lambda t: t + "\nNguồn: Cổng Thông tin điện tử tỉnh Lạng Sơn",
    "headline_in_body": lambda t: "Lạng Sơn: đại hội thành công tốt đẹp\n" + t,
    "truncated_60": lambda t: "\n".join(_paragraphs(t)[: max(1, round(len(_paragraphs(t)) * 0.6))]),
    "nfd": lambda t: unicodedata.normalize("NFD", t),
    "old_tone_placement": _old_tones,
    "whitespace_punctuation": lambda t: t.replace(", ", " ,  ").replace(".", " .").replace("\n", "\n\n\u00a0"),
    "truncated_and_lead_rewritten": lambda t: "\n".join(
        ["Đại hội diễn ra trong không khí dân chủ, đoàn kết.", *_paragraphs(t)[1 : max(2, round(len(_paragraphs(t)) * 0.7))]]
    ),
}


@pytest.mark.parametrize("num", ["000", "001", "002", "003", "004"])
@pytest.mark.parametrize("edit", sorted(EDITS))
def test_an_edited_copy_of_a_seed_matches_it(seeds: dict[str, str], num: str, edit: str) -> None:
    original = seeds[num]
    copy = normalize_text(EDITS[edit](original))  # the archive stores normalised text
    found = match(fingerprint(original, PARAMS), fingerprint(copy, PARAMS), PARAMS)
    assert found is not None, (
        f"{edit} of seed {num}: {similarity(fingerprint(original, PARAMS).shingles, fingerprint(copy, PARAMS).shingles)}"
    )
    assert found.confirms(PARAMS)
    assert found == match(fingerprint(copy, PARAMS), fingerprint(original, PARAMS), PARAMS)  # symmetric


# --- same-template reports of different events never match ---------------------------------------------------------


@pytest.mark.parametrize(("x", "y"), [("000", "001"), ("000", "002"), ("001", "002"), ("003", "004")])
def test_same_template_seed_reports_never_match(seeds: dict[str, str], x: str, y: str) -> None:
    a, b = fingerprint(seeds[x], PARAMS), fingerprint(seeds[y], PARAMS)
    assert match(a, b, PARAMS) is None
    sim = similarity(a.shingles, b.shingles)
    # Far from the thresholds, not just under them.
    assert sim.jaccard < PARAMS.min_jaccard / 2
    assert sim.containment < PARAMS.min_containment / 2
    # An edited copy of one is no closer to the other.
    for edit in ("paragraph_dropped", "truncated_60", "old_tone_placement", "whitespace_punctuation"):
        edited = fingerprint(normalize_text(EDITS[edit](seeds[x])), PARAMS)
        assert match(edited, b, PARAMS) is None, f"{edit} of {x} vs {y}"


def test_the_congress_template_is_shared_but_not_enough() -> None:
    # Single syllables make the three congress reports look alike; five-syllable shingles do not.
    texts = [seed_text(n) for n in ("000", "001", "002")]
    for i in range(3):
        for j in range(i + 1, 3):
            unigram = similarity(shingle_hashes(texts[i], 1), shingle_hashes(texts[j], 1))
            five = similarity(shingle_hashes(texts[i], 5), shingle_hashes(texts[j], 5))
            assert unigram.containment > 0.5
            assert five.containment < 0.1


# --- confirmation: Jaccard, containment and the length floor ---------------------------------------------------------


def test_short_texts_are_not_linked_by_containment() -> None:
    notice = "Sở Nội vụ thông báo lịch tiếp công dân định kỳ của Giám đốc Sở tháng 9/2020."
    long_text = (
        notice
        + " "
        + " ".join(
            f"Nội dung thứ {i} của báo cáo tổng kết công tác năm về lĩnh vực số {i} được trình bày chi tiết." for i in range(20)
        )
    )
    sim = similarity(shingle_hashes(notice, 5), shingle_hashes(long_text, 5))
    assert sim.containment == 1.0
    assert sim.smaller < PARAMS.min_shingles
    assert sim.jaccard < PARAMS.min_jaccard
    assert not sim.confirms(PARAMS)
    assert match(fingerprint(notice, PARAMS), fingerprint(long_text, PARAMS), PARAMS) is None
    # The same containment is enough once the smaller text is long enough to mean something.
    assert Similarity(sim.jaccard, 1.0, PARAMS.min_shingles).confirms(PARAMS)


def test_confirmation_thresholds() -> None:
    p = NearDupParams(min_jaccard=0.5, min_containment=0.7, min_shingles=40)
    assert Similarity(0.5, 0.5, 10).confirms(p)  # Jaccard alone, whatever the length
    assert not Similarity(0.49, 0.69, 1000).confirms(p)
    assert Similarity(0.3, 0.7, 40).confirms(p)
    assert not Similarity(0.3, 0.7, 39).confirms(p)
    assert Similarity(0.3, 0.9, 40).score == 0.9


def test_truncated_copy_is_confirmed_by_containment(seeds: dict[str, str]) -> None:
    original = seeds["004"]
    lead_part = "\n".join(_paragraphs(original)[:3])  # an outlet keeping the first three paragraphs of twelve
    sim = similarity(shingle_hashes(original, 5), shingle_hashes(lead_part, 5))
    assert sim.jaccard < PARAMS.min_jaccard
    assert sim.containment >= PARAMS.min_containment
    assert sim.smaller >= PARAMS.min_shingles
    assert sim.confirms(PARAMS)
    assert match(fingerprint(original, PARAMS), fingerprint(lead_part, PARAMS), PARAMS) == sim


def test_similarity_of_empty_sets() -> None:
    assert similarity(frozenset(), frozenset({1, 2})) == Similarity(0.0, 0.0, 0)
    assert not similarity(frozenset(), frozenset()).confirms(PARAMS)


def test_best_match_prefers_score_then_lowest_id() -> None:
    strong, weak, unconfirmed = Similarity(0.9, 0.95, 100), Similarity(0.6, 0.7, 100), Similarity(0.1, 0.2, 100)
    assert best_match([(7, weak), (9, strong), (3, unconfirmed)], PARAMS) == (9, strong)
    assert best_match([(8, strong), (5, strong)], PARAMS) == (5, strong)
    assert best_match([(1, unconfirmed)], PARAMS) is None
    assert best_match([], PARAMS) is None


# --- MinHash signatures and LSH keys -------------------------------------------------------------------------------


def test_signature_bytes_round_trip(seeds: dict[str, str]) -> None:
    fp = fingerprint(seeds["000"], PARAMS)
    stored = fp.signature_bytes()
    assert isinstance(stored, bytes)
    assert len(stored) == 4 * PARAMS.num_perm
    back = signature_from_bytes(stored)
    assert back.dtype == np.uint32
    assert np.array_equal(back, fp.signature)
    assert band_keys(back, *lsh_layout(PARAMS.lsh_threshold, PARAMS.num_perm)) == band_keys(
        fp.signature, *lsh_layout(PARAMS.lsh_threshold, PARAMS.num_perm)
    )


def test_signature_is_deterministic_and_estimates_jaccard(seeds: dict[str, str]) -> None:
    a1, a2 = fingerprint(seeds["001"], PARAMS), fingerprint(seeds["001"], PARAMS)
    assert np.array_equal(a1.signature, a2.signature)
    assert a1.signature.shape == (PARAMS.num_perm,)
    half = "\n".join(_paragraphs(seeds["001"])[:5])
    b = fingerprint(half, PARAMS)
    true_j = similarity(a1.shingles, b.shingles).jaccard
    assert abs(estimated_jaccard(a1.signature, b.signature) - true_j) < 0.15
    assert estimated_jaccard(a1.signature, a2.signature) == 1.0
    unrelated = fingerprint(seeds["003"], PARAMS)
    assert estimated_jaccard(a1.signature, unrelated.signature) < 0.1


def test_band_keys_are_deterministic_signed_64_bit_and_distinct_per_band() -> None:
    bands, rows = lsh_layout(PARAMS.lsh_threshold, PARAMS.num_perm)
    flat = np.full(PARAMS.num_perm, 12345, dtype=np.uint32)  # every band has the same rows
    keys = band_keys(flat, bands, rows)
    assert keys == band_keys(flat.copy(), bands, rows)
    assert len(keys) == bands
    assert len(set(keys)) == bands  # the band number is part of the key
    assert all(-(2**63) <= k < 2**63 for k in keys)


def test_band_keys_do_not_depend_on_the_process() -> None:
    # Keys are stored in the database: another process (another PYTHONHASHSEED) must compute the same ones.
    code = (
        "from pipeline.dedup.neardup import NearDupParams, fingerprint, band_keys, lsh_layout; p = NearDupParams(); "
        "fp = fingerprint('Đảng bộ Sở Nội vụ tổ chức thành công Đại hội lần thứ III, nhiệm kỳ 2020 - 2025', p); "
        "print(band_keys(fp.signature, *lsh_layout(p.lsh_threshold, p.num_perm)))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO, env=env)
    fp = fingerprint("Đảng bộ Sở Nội vụ tổ chức thành công Đại hội lần thứ III, nhiệm kỳ 2020 - 2025", PARAMS)
    assert out.stdout.strip() == str(band_keys(fp.signature, *lsh_layout(PARAMS.lsh_threshold, PARAMS.num_perm)))


def test_candidates_share_a_band_key(seeds: dict[str, str]) -> None:
    a = fingerprint(seeds["002"], PARAMS)
    copy = fingerprint(normalize_text(EDITS["paragraph_dropped"](seeds["002"])), PARAMS)
    other = fingerprint(seeds["004"], PARAMS)
    bands, rows = lsh_layout(PARAMS.lsh_threshold, PARAMS.num_perm)
    assert is_candidate(a, copy, PARAMS)
    assert set(band_keys(a.signature, bands, rows)) & set(band_keys(copy.signature, bands, rows))
    assert not is_candidate(a, other, PARAMS)
    assert match(a, other, PARAMS) is None


@pytest.mark.parametrize(
    ("threshold", "layout"), [(0.2, (28, 2)), (0.25, (42, 3)), (0.3, (37, 3)), (0.4, (32, 4)), (0.5, (25, 5))]
)
def test_lsh_layout(threshold: float, layout: tuple[int, int]) -> None:
    bands, rows = lsh_layout(threshold, 128)
    assert (bands, rows) == layout
    assert bands * rows <= 128
    # The S-curve crosses one half near the threshold: (1/b)^(1/r) is where a pair is a candidate half the time.
    assert abs((1 / bands) ** (1 / rows) - threshold) < 0.1


def test_layout_and_scheme_name_the_index_shape() -> None:
    p = NearDupParams()
    bands, rows = lsh_layout(p.lsh_threshold, p.num_perm)
    assert p.scheme == f"w{p.shingle_size}-p{p.num_perm}-s1-affine32"
    assert p.layout == f"{p.scheme}-b{bands}r{rows}"
    assert NearDupParams(shingle_size=4).scheme != p.scheme
    assert NearDupParams(lsh_threshold=0.5).layout != p.layout
    assert NearDupParams(min_jaccard=0.9).layout == p.layout  # confirmation thresholds do not shape the index


def test_lower_lsh_threshold_catches_more_low_jaccard_copies() -> None:
    # The chance a pair of Jaccard similarity J becomes a candidate: 1 - (1 - J^r)^b.
    def chance(j: float, threshold: float) -> float:
        bands, rows = lsh_layout(threshold, 128)
        return 1 - (1 - j**rows) ** bands

    assert chance(0.4, PARAMS.lsh_threshold) > 0.95  # a copy truncated to half stays a candidate
    assert chance(0.03, PARAMS.lsh_threshold) < 0.05  # unrelated reports rarely do
