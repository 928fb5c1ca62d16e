"""The near-duplicate cost benchmark (bench/neardup_cost.py) measures something real, at a tiny size.

The numbers themselves (per-document time flat within 2× from 1,000 to 100,000 documents) come from running the bench
(``bench/results/neardup_cost.json``); here: the corpus is deterministic and shaped as documented, probes leave the
archive as they found it, copies are found, fresh texts are not linked, and the JSON carries every field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from bench_scripts import load_bench
from sqlalchemy import func, select

from storage.models import Document, DocumentSignature, LshKey

bench = load_bench("neardup_cost")


@pytest.fixture(scope="module")
def corpus() -> Any:
    return bench.Corpus()


def test_corpus_is_deterministic_and_shaped_like_news(corpus: Any) -> None:
    again = bench.Corpus()
    docs = [corpus.document(i) for i in range(400)]
    assert [d.text for d in docs[:50]] == [again.document(i).text for i in range(50)]
    assert corpus.document(123).text == docs[123].text  # any order, any process: document i is document i
    fresh = [d for d in docs if d.root is None]
    copies = [d for d in docs if d.root is not None]
    assert 0.02 <= len(copies) / len(docs) <= 0.1
    assert all(c.root < c.index and docs[c.root].root is None for c in copies)  # copies point at their story's first
    stories = [d for d in fresh if not d.title.startswith(tuple(title for title, _ in bench._NOTICES))]
    assert all(300 <= len(d.text.split()) <= 900 for d in stories)  # 300–900 syllables, lead and closing included
    assert all(4 <= d.text.count("\n") + 1 <= 10 for d in stories)
    assert len(corpus.vocabulary) == bench.VOCABULARY_SIZE and corpus.phrases


def test_probes_are_rolled_back_and_find_copies(tmp_path: Path, corpus: Any) -> None:
    archive = bench.Archive.sqlite(tmp_path)
    try:
        bench.grow([archive], corpus, 200, workers=1)
        with archive.engine.connect() as conn:
            before = [conn.scalar(select(func.count()).select_from(t)) for t in (Document, DocumentSignature, LshKey)]
        result = bench.measure(archive.url, 200, 10)
        with archive.engine.connect() as conn:
            after = [conn.scalar(select(func.count()).select_from(t)) for t in (Document, DocumentSignature, LshKey)]
        assert before == after and before[0] == 200 and before[2] > 200
        assert result["recall"] == {"copies": 5, "found_in_cluster": 5, "linked_elsewhere": 0}
        assert result["fresh"] == {"probes": 5, "falsely_linked": 0}
        assert result["ready"]["ensure_signed"] == 0 and result["ready"]["first_find_matched"]
    finally:
        archive.drop()
    assert not list(tmp_path.glob("*.db*"))


def test_run_writes_real_measurements(tmp_path: Path) -> None:
    out = tmp_path / "neardup_cost.json"
    result = bench.run([300], ["sqlite"], 20, workers=1, workdir=tmp_path, out=out, log=lambda _line: None)
    assert json.loads(out.read_text(encoding="utf-8")) == result
    assert set(result) >= {"machine", "params", "settings", "corpus", "backends", "run_s"}
    assert 0 < result["corpus"]["unrelated_jaccard_mean"] < 0.05

    (row,) = result["backends"]["sqlite"]["sizes"]
    assert row["size"] == 300 and row["probes"] == 20
    for key in ("mean", "median", "p95", "max"):
        assert row["time_ms"][key] > 0
    assert row["cpu_ms"]["mean"] > 0 and row["reference_ms"] > 0
    for part in ("store", "fingerprint", "link", "index_add"):
        assert row["split_ms"][part]["mean"] > 0
    assert row["time_ms"]["mean"] >= row["split_ms"]["fingerprint"]["mean"] + row["split_ms"]["link"]["mean"]
    assert row["find_breakdown_ms"]["candidate_query"] > 0
    assert row["candidates"]["mean"] >= 0.5  # every copy has at least its source as a candidate
    assert row["recall"]["copies"] == 10 and row["recall"]["found_in_cluster"] == 10
    assert row["fresh"] == {"probes": 10, "falsely_linked": 0}

    ready = row["ready"]
    assert 0 < ready["seconds"] < 30 and ready["ensure_signed"] == 0 and ready["ensure_rekeyed"] == 0
    assert ready["first_find_matched"]

    database = row["database"]
    assert database["signature_bytes_per_document"] > 4 * 128  # the signature alone is 128 uint32s
    assert database["lsh_key_bytes_per_document"] > 8 * 28  # 28 band keys of 8 bytes
    assert database["index_bytes_per_document"] == pytest.approx(
        database["signature_bytes_per_document"] + database["lsh_key_bytes_per_document"], abs=0.2
    )
    assert row["process_memory"]["heap_peak_per_probe_kb"] > 0
    assert row["candidate_query_plan"]

    summary = result["backends"]["sqlite"]["summary"]
    assert summary["ratios"]["time_mean"] == 1.0 and summary["ratios"]["reference"] == 1.0
    assert summary["bar_met"] and summary["nothing_rebuilt"]
    assert "bar ≤ 2.0×: met" in bench.format_table(result)
    assert not list(tmp_path.glob("neardup_cost_*/*.db"))  # the archive was removed
