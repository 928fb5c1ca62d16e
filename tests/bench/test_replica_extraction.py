"""Extraction quality on the shipped replica sites must not regress (bench/extraction.py, replica corpus).

Floors sit a little under the measured values (F1 1.000, title 1.000, author 1.000, date 1.000 over 36 pages);
trafilatura's defaults are measured too but only sanity-checked, since its numbers are not ours to pin.
"""

from __future__ import annotations

from typing import Any

import pytest
from bench_scripts import load_bench

bench = load_bench("extraction")
OURS = "newsharvest extract()"
TRAFILATURA = "trafilatura default"


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, Any]]:
    return bench.evaluate_replicas()


def test_every_replica_article_page_is_evaluated(results: dict[str, dict[str, Any]]) -> None:
    pages = bench.load_replica_pages()
    assert len(pages) >= 30
    assert {p["site"].name for p in pages} == set(bench.REPLICA_SITES)
    assert all(p["truth"] and p["title"] for p in pages)
    assert results[OURS]["pages"] == len(pages)


def test_truth_excludes_byline_and_collapses_nbsp() -> None:
    article = next(a for a in bench.load_articles("baolangson_old")[1] if a.byline and not a.link_only)
    truth = bench.replica_truth(article)
    assert "\xa0" not in truth
    assert not truth.rstrip().endswith(article.byline)


@pytest.mark.parametrize(
    ("metric", "floor"),
    [("f1", 0.98), ("precision", 0.97), ("recall", 0.97), ("title_match", 0.95), ("author_match", 0.95), ("date_match", 0.95)],
)
def test_ours_stays_above_floor(results: dict[str, dict[str, Any]], metric: str, floor: float) -> None:
    value = results[OURS][metric]
    assert value >= floor, f"{metric} {value:.3f} < {floor}; metadata misses: {results[OURS]['metadata_misses']}"


def test_ours_not_worse_than_trafilatura_default(results: dict[str, dict[str, Any]]) -> None:
    assert results[OURS]["f1"] >= results[TRAFILATURA]["f1"] - 0.005
    assert results[TRAFILATURA]["f1"] > 0.5  # the comparison itself is meaningful
