"""Near-duplicate detection must meet the bar of issue #3 on the labelled set (bench/neardup.py, bench/neardup_eval.py).

The bar: precision ≥ 0.99 and recall ≥ 0.95 of ``pipeline.dedup.neardup.match`` with the default ``NearDupParams()``
(measured: 1051 pairs, precision 0.996, recall 0.998). The two known false positives are hand-written same-template
pairs (a monthly notice that differs from the next month's in its date only; two district send-off ceremonies on one
template): no negative taken from the seeds or the replicas may be linked.
"""

from __future__ import annotations

import importlib
import unicodedata
from typing import Any

import pytest
from bench_scripts import load_bench

from pipeline.dedup.neardup import NearDupParams, shingle_hashes
from pipeline.text import normalize_text

bench = load_bench("neardup")
pairs_module = importlib.import_module("bench.neardup_eval")  # importable once bench/neardup.py fixed sys.path

# Negatives built from real pages: the archive must never link any of them.
REAL_NEGATIVES = ("different_story", "same_template", "same_template_edited", "own_words", "own_words_edited")


@pytest.fixture(scope="module")
def pairs() -> list[Any]:
    return pairs_module.build_pairs()


@pytest.fixture(scope="module")
def result(pairs: list[Any]) -> dict[str, Any]:
    return bench.evaluate(pairs, NearDupParams())


def test_set_is_large_balanced_and_covers_every_kind(pairs: list[Any]) -> None:
    assert len(pairs) >= 300
    positives = sum(p.label for p in pairs)
    assert positives / len(pairs) >= 0.4
    counts = pairs_module.kind_counts(pairs)
    for kind in (*pairs_module.EDIT_KINDS, "replica_copy", "replica_near_copy", "combo", *pairs_module.NEGATIVE_KINDS):
        assert counts.get(kind, 0) > 0, f"no {kind} pairs"
    assert all(p.label for p in pairs if p.kind in pairs_module.EDIT_KINDS or p.kind.startswith("combo:"))
    assert not any(p.label for p in pairs if p.kind in pairs_module.NEGATIVE_KINDS)
    assert counts["own_words"] >= 6
    assert counts["same_template_written"] >= 4
    combos = {p.kind for p in pairs if p.kind.startswith("combo:")}
    assert all(2 <= len(kind.removeprefix("combo:").split("+")) <= 3 for kind in combos)


def test_hard_negatives_include_the_seed_congress_reports(pairs: list[Any]) -> None:
    template = {p.source for p in pairs if p.kind == "same_template"}
    assert {"seed:000|seed:001", "seed:000|seed:002", "seed:001|seed:002"} <= template
    assert "baolangson_old:294150|baolangson_old:294012" in template or "baolangson_old:294012|baolangson_old:294150" in template


def test_replica_copies_are_one_story_with_their_seed(pairs: list[Any]) -> None:
    copies = {p.source for p in pairs if p.kind == "replica_copy"}
    assert "langson_portal:31214|sonoivu:5377" in copies  # the department site republishing the portal
    assert {s.split("|")[0] for s in copies} >= {"seed:000", "seed:001", "seed:002", "seed:003", "seed:004"}
    bases = [b.id for b in pairs_module.load_bases()]
    assert len(bases) == len(set(bases))
    assert "sonoivu:5377" not in bases  # one story, one base
    # The replicas' edited republications (near_copy_of in the article data) are their original's story too.
    near = {p.source for p in pairs if p.kind == "replica_near_copy"}
    assert {"seed:000|baolangson_old:293402", "langson_portal:31433|sonoivu:5416"} <= near
    assert not {s.split("|")[1] for s in near} & set(bases)


def test_texts_are_what_the_archive_stores(pairs: list[Any]) -> None:
    for p in pairs:
        for text in (p.a, p.b):
            assert text == normalize_text(text)
            assert unicodedata.is_normalized("NFC", text)


def test_set_is_deterministic(pairs: list[Any]) -> None:
    again = pairs_module.build_pairs()
    assert again == pairs
    assert pairs_module.build_pairs(seed=pairs_module.RANDOM_SEED + 1) != pairs


def test_precision_and_recall_meet_the_bar(result: dict[str, Any]) -> None:
    errors = "\n".join(
        f"{e['outcome']} {e['kind']} {e['source']} J={e['jaccard']} C={e['containment']}" for e in result["errors"]
    )
    assert result["precision"] >= 0.99, errors
    assert result["recall"] >= 0.95, errors
    assert result["tp"] + result["fn"] == result["true_pairs"]


def test_no_real_negative_is_linked(result: dict[str, Any]) -> None:
    for kind in REAL_NEGATIVES:
        assert result["per_kind"][kind]["fp"] == 0, [e for e in result["errors"] if e["kind"] == kind]


@pytest.mark.parametrize("kind", ["replica_copy", "replica_near_copy", *pairs_module.EDIT_KINDS])
def test_every_edit_kind_is_recalled(result: dict[str, Any], kind: str) -> None:
    row = result["per_kind"][kind]
    assert row["tp"] / row["pairs"] >= 0.95, [e for e in result["errors"] if e["kind"] == kind]


def test_surface_edits_are_invisible(pairs: list[Any]) -> None:
    # Encoding form, tone placement and punctuation noise must not change a single shingle.
    for p in pairs:
        if p.kind in ("unicode_nfd", "tone_placement", "whitespace_punctuation", "headline_changed"):
            assert shingle_hashes(p.a, 5) == shingle_hashes(p.b, 5), (p.kind, p.source)
