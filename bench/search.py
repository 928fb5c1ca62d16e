"""Search latency at 100,000 documents (issue 11): median and p95 of ``storage.search.search`` on SQLite and PostgreSQL.

The bar: median ≤ 50 ms and p95 ≤ 200 ms at 100,000 documents on the 2-core machine; diacritic-free queries find
exactly what their accented forms find.

**Archive.** The synthetic Vietnamese provincial news of ``bench/neardup_cost.py`` (deterministic ``Corpus``: Zipf
words from the seeds' syllables, lead templates, stock phrases, 5% edited copies stored as near-duplicates of their
story), spread over three sites, one document every 30 minutes from 2015. Built in bulk with Core inserts, the
``document_search`` rows folded as ``storage.models.search_row`` folds them (the ORM's events do not fire for bulk
Core inserts), so SQLite's triggers and PostgreSQL's generated column index them as they would a crawl's documents.
Building is set-up, not what is measured.

**Queries** (deterministic, ``--queries`` of them, after ``--warmup`` unmeasured ones), in equal shares:

- ``title``: two to four consecutive words of a random document's headline, as printed (with diacritics);
- ``folded``: the same words typed without diacritics ("dai hoi dang bo");
- ``phrase``: three consecutive words of a random body paragraph, quoted;
- ``common``: one or two of the corpus' most frequent words (hundreds of thousands of postings: the worst case for
  ranking);
- ``filtered``: a ``title`` query restricted to one site and one year.

Each query runs through ``search(session, query, limit=20)`` — parse, ranked match, details, snippets and collapsing
of near-duplicates included — on a warm connection; wall-clock ms per query. Every ``folded`` query's result ids are
compared with its ``title`` twin's (recall of the accented results: the bar is 1.0).

    python bench/search.py [--size 100000] [--db sqlite|postgres|both] [--queries 500] [--postgres URL] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sqlalchemy import insert  # noqa: E402

from bench.neardup_cost import BASE_TIME, BENCH_HOST, Archive, Corpus  # noqa: E402
from storage.db import session_factory  # noqa: E402
from storage.folding import fold_for_search  # noqa: E402
from storage.models import Document, DocumentSearch, SiteRecord  # noqa: E402
from storage.search import search  # noqa: E402

DEFAULT_OUT = REPO / "bench/results/search.json"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
SITES = ("baolangson", "sonoivu", "langson_portal")
BATCH = 2000
KINDS = ("title", "folded", "phrase", "common", "filtered")
BAR_MEDIAN_MS = 50.0
BAR_P95_MS = 200.0


def document_rows(corpus: Corpus, start: int, stop: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``documents`` and ``document_search`` rows of corpus documents ``start`` to ``stop - 1`` (site ids 1–3)."""
    documents, searchable = [], []
    for i in range(start, stop):
        doc = corpus.document(i)
        moment = BASE_TIME + timedelta(minutes=30 * i)
        documents.append({
            "id": i + 1, "site_id": 1 + i % len(SITES), "origin": "crawl", "origin_ref": f"{BENCH_HOST}/{i}",
            "title": doc.title, "text": doc.text, "published_at": moment, "published_utc_offset": 420,
            "published_precision": "minute", "date_source": "bench", "authors": [], "lang": "vi",
            "content_hash": f"{i:064x}", "first_seen_at": moment, "updated_at": moment,
            "duplicate_of": None if doc.root is None else doc.root + 1, "duplicate_score": None if doc.root is None else 0.9,
        })  # fmt: skip
        searchable.append({"document_id": i + 1, "title": fold_for_search(doc.title), "body": fold_for_search(doc.text)})
    return documents, searchable


_WORKER: Corpus | None = None


def _rows(bounds: tuple[int, int]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    global _WORKER
    _WORKER = _WORKER or Corpus()
    return document_rows(_WORKER, *bounds)


def _row_batches(size: int, workers: int) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    bounds = [(a, min(a + BATCH, size)) for a in range(0, size, BATCH)]
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        corpus = Corpus()
        for a, b in bounds:
            yield document_rows(corpus, a, b)
        return
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(_rows, bounds)


def build(archive: Archive, size: int, workers: int) -> float:
    """Fill ``archive`` with ``size`` documents; seconds taken."""
    started = time.perf_counter()
    with archive.engine.begin() as conn:
        conn.execute(
            insert(SiteRecord),
            [{"id": k + 1, "name": name, "base_url": f"https://{name}.invalid", "title": name} for k, name in enumerate(SITES)],
        )
    for documents, searchable in _row_batches(size, workers):
        with archive.engine.begin() as conn:
            conn.execute(insert(Document.__table__), documents)
            conn.execute(insert(DocumentSearch.__table__), searchable)
    if archive.backend == "postgres":
        with archive.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


def queries(corpus: Corpus, size: int, count: int, seed: int = 11) -> list[dict[str, Any]]:
    """``count`` deterministic queries over an archive of ``size`` documents (see the module docstring)."""
    rng = random.Random(seed)
    frequent = [
        w
        for w, _ in Counter(
            w for i in range(0, size, max(1, size // 300)) for w in corpus.document(i).text.lower().split()
        ).most_common(40)
        if w.isalpha()
    ]
    made: list[dict[str, Any]] = []
    while len(made) < count:
        doc = corpus.document(rng.randrange(size))
        words = doc.title.split()
        n = rng.randint(2, min(4, len(words))) if len(words) >= 2 else 1
        start = rng.randrange(len(words) - n + 1)
        title_words = " ".join(words[start : start + n])
        made.append({"kind": "title", "query": title_words})
        made.append({"kind": "folded", "query": fold_for_search(title_words), "twin": len(made) - 1})
        paragraph = rng.choice(doc.text.split("\n")).split()
        if len(paragraph) >= 3:
            start = rng.randrange(len(paragraph) - 2)
            made.append({"kind": "phrase", "query": '"' + " ".join(paragraph[start : start + 3]) + '"'})
        made.append({"kind": "common", "query": " ".join(rng.sample(frequent, rng.randint(1, 2)))})
        year = rng.randint(BASE_TIME.year, (BASE_TIME + timedelta(minutes=30 * size)).year)
        made.append({
            "kind": "filtered", "query": title_words, "site": rng.choice(SITES),
            "since": datetime(year, 1, 1, tzinfo=UTC), "until": datetime(year, 12, 31, 23, 59, tzinfo=UTC),
        })  # fmt: skip
    return made[:count]


def measure(archive: Archive, planned: list[dict[str, Any]], warmup: int) -> dict[str, Any]:
    """Latency per kind and overall, and the recall of folded queries against their accented twins."""
    sessions = session_factory(archive.engine)
    timings: dict[str, list[float]] = {kind: [] for kind in KINDS}
    results: list[list[int]] = []
    hits_per_query: list[int] = []
    with sessions() as session:
        for q in planned[:warmup]:
            search(session, q["query"])
        for q in planned:
            started = time.perf_counter()
            hits = search(session, q["query"], site=q.get("site"), since=q.get("since"), until=q.get("until"), limit=20)
            timings[q["kind"]].append((time.perf_counter() - started) * 1000)
            results.append([h.document_id for h in hits])
            hits_per_query.append(len(hits))
    pairs = [(results[q["twin"]], results[i]) for i, q in enumerate(planned) if q["kind"] == "folded"]
    found = sum(len(set(accented) & set(folded)) for accented, folded in pairs)
    wanted = sum(len(accented) for accented, _ in pairs)
    every = [ms for values in timings.values() for ms in values]
    return {
        "queries": len(every),
        "median_ms": round(statistics.median(every), 2),
        "p95_ms": round(_p95(every), 2),
        "max_ms": round(max(every), 2),
        "by_kind": {
            kind: {"queries": len(v), "median_ms": round(statistics.median(v), 2), "p95_ms": round(_p95(v), 2)}
            for kind, v in timings.items()
            if v
        },
        "queries_with_results": sum(1 for n in hits_per_query if n),
        "folded_recall": round(found / wanted, 4) if wanted else None,
        "bar_met": statistics.median(every) <= BAR_MEDIAN_MS and _p95(every) <= BAR_P95_MS,
    }


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]


def run(backend: str, size: int, count: int, warmup: int, workers: int, postgres: str, folder: Path) -> dict[str, Any]:
    archive = Archive.sqlite(folder) if backend == "sqlite" else Archive.postgres(postgres)
    try:
        built = build(archive, size, workers)
        planned = queries(Corpus(), size, count)
        result = measure(archive, planned, warmup)
        return {"backend": backend, "documents": size, "build_seconds": round(built, 1), **result}
    finally:
        archive.drop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    backends = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    runs = []
    with tempfile.TemporaryDirectory(prefix="nh-search-bench-") as folder:
        for backend in backends:
            result = run(backend, args.size, args.queries, args.warmup, args.workers, args.postgres, Path(folder))
            runs.append(result)
            r = result
            print(
                f"{backend:<9} {r['documents']:>7} docs  median {r['median_ms']:7.2f} ms  p95 {r['p95_ms']:7.2f} ms"
                f"  max {r['max_ms']:7.1f} ms  folded recall {r['folded_recall']}  (built in {r['build_seconds']} s)"
            )
            for kind, k in result["by_kind"].items():
                print(f"          {kind:<9} median {k['median_ms']:7.2f} ms  p95 {k['p95_ms']:7.2f} ms  ({k['queries']} queries)")
    report = {
        "machine": {"python": platform.python_version(), "cpus": multiprocessing.cpu_count()},
        "bar": {"median_ms": BAR_MEDIAN_MS, "p95_ms": BAR_P95_MS},
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written {args.out}")
    return 0 if all(r["bar_met"] and r["folded_recall"] in (1.0, None) for r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
