"""The search benchmark (bench/search.py) measures something real, at a tiny size: the archive it builds is searchable
through the same path a crawl's documents take, every planned query finds documents, diacritic-free queries find
what their accented twins find, and the report carries every field. The numbers at 100,000 documents come from
running the bench (``bench/results/search.json``, README)."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench_scripts import load_bench
from sqlalchemy import func, select

from storage.folding import fold_for_search
from storage.models import Document, DocumentSearch

bench = load_bench("search")


def test_queries_are_deterministic_and_of_every_kind() -> None:
    corpus = bench.Corpus()
    first, again = bench.queries(corpus, 500, 50), bench.queries(corpus, 500, 50)
    assert [q["query"] for q in first] == [q["query"] for q in again]
    assert {q["kind"] for q in first} == set(bench.KINDS)
    folded = [q for q in first if q["kind"] == "folded"]
    assert folded and all(q["query"] == fold_for_search(q["query"]) != first[q["twin"]]["query"] for q in folded[:5])
    assert all(first[q["twin"]]["kind"] == "title" for q in folded)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_small_run_finds_every_query_and_reports_every_field(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # PostgreSQL: the bench makes its own database on the test server (the fixture skips, or fails in CI, without one)
    archive = (
        bench.Archive.sqlite(tmp_path) if backend == "sqlite" else bench.Archive.postgres(request.getfixturevalue("postgres_url"))
    )
    try:
        bench.build(archive, 400, workers=1)
        with archive.engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(Document)) == 400
            assert conn.scalar(select(func.count()).select_from(DocumentSearch)) == 400
        result = bench.measure(archive, bench.queries(bench.Corpus(), 400, 40), warmup=3)
    finally:
        archive.drop()
    assert result["queries"] == 40 and result["queries_with_results"] == 40
    assert result["folded_recall"] == 1.0
    assert set(result["by_kind"]) == set(bench.KINDS)
    assert 0 < result["median_ms"] <= result["p95_ms"] <= result["max_ms"]
