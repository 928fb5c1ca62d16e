"""Extraction quality on the ScrapingHub article-extraction-benchmark: our ``extract()`` vs trafilatura defaults.

Metric as in the benchmark's evaluate.py: ``\\w+`` tokens → 4-token shingles; per page multiset TP/FP/FN normalised
to sum 1; precision and recall averaged over pages; F1 from the averages; accuracy = exact token-sequence equality;
± = standard deviation over 1000 bootstrap resamples of the pages (fixed seed).

    python bench/extraction.py [--data DIR] [--out FILE] [--limit N] [--workers N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

import trafilatura  # noqa: E402  (after the sys.path fix above)

from pipeline.decode import decode_html  # noqa: E402
from pipeline.errors import ExtractionError  # noqa: E402
from pipeline.extract import extract  # noqa: E402
from pipeline.sites import Site  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared/data/article-extraction-benchmark"
DEFAULT_OUT = REPO / "bench/results/extraction.json"
SHINGLE = 4
BOOTSTRAP_SAMPLES = 1000
BOOTSTRAP_SEED = 42
# No selectors, no drop rules: the generic path every undeclared page takes.
GENERIC_SITE = Site(name="generic", base_url="https://example.com", lang="en")
_TOKEN_RE = re.compile(r"\w+")

PageScore = tuple[float, float, float, bool]  # normalised tp, fp, fn; exact token match


def _shingles(text: str) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN_RE.findall(text or "")
    return Counter(tuple(tokens[i : i + SHINGLE]) for i in range(max(1, len(tokens) - SHINGLE + 1)) if tokens)


def score_page(truth: str, predicted: str) -> PageScore:
    """Normalised TP/FP/FN of shingles for one page, and whether the token sequences are equal."""
    true_sh, pred_sh = _shingles(truth), _shingles(predicted)
    tp = sum((true_sh & pred_sh).values())
    fp = sum((pred_sh - true_sh).values())
    fn = sum((true_sh - pred_sh).values())
    total = tp + fp + fn
    exact = _TOKEN_RE.findall(truth or "") == _TOKEN_RE.findall(predicted or "")
    return (tp / total, fp / total, fn / total, exact) if total else (1.0, 0.0, 0.0, exact)


def _precision_recall(tp: float, fp: float, fn: float) -> tuple[float, float]:
    if fp == fn == 0:
        return 1.0, 1.0
    if tp == 0:
        return 0.0, 0.0
    return tp / (tp + fp), tp / (tp + fn)


def _summary(scores: Sequence[PageScore]) -> tuple[float, float, float, float]:
    pr = [_precision_recall(tp, fp, fn) for tp, fp, fn, _ in scores]
    p = statistics.fmean(x for x, _ in pr)
    r = statistics.fmean(y for _, y in pr)
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f1, statistics.fmean(float(s[3]) for s in scores)


def summarize(scores: Sequence[PageScore]) -> dict[str, float]:
    """Precision, recall, F1, accuracy and their bootstrap standard deviations over pages."""
    p, r, f1, acc = _summary(scores)
    rng = random.Random(BOOTSTRAP_SEED)
    samples = [_summary(rng.choices(scores, k=len(scores))) for _ in range(BOOTSTRAP_SAMPLES)]
    stds = [statistics.pstdev(s[i] for s in samples) for i in range(4)]
    return {
        "precision": p, "recall": r, "f1": f1, "accuracy": acc,
        "precision_std": stds[0], "recall_std": stds[1], "f1_std": stds[2], "accuracy_std": stds[3],
    }  # fmt: skip


def load_pages(data: Path, limit: int | None = None) -> list[tuple[str, str, str, bytes]]:
    """(id, url, true body, gzip-decoded HTML bytes) for the benchmark pages, sorted by id."""
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)[:limit] if limit else sorted(truth)
    return [
        (i, truth[i].get("url", ""), truth[i].get("articleBody", ""), gzip.decompress((data / f"html/{i}.html.gz").read_bytes()))
        for i in ids
    ]


def run_ours(url: str, body: bytes) -> str:
    """Our pipeline on one page; a page we reject as not an article counts as an empty prediction."""
    try:
        return extract(decode_html(body, "text/html; charset=utf-8"), url, GENERIC_SITE).text
    except ExtractionError:
        return ""


def run_trafilatura(url: str, body: bytes) -> str:
    """trafilatura.extract with its defaults."""
    return trafilatura.extract(body.decode("utf-8", errors="replace")) or ""


def _timed(args: tuple[Callable[[str, bytes], str], str, bytes]) -> tuple[str, float]:
    func, url, body = args
    start = time.perf_counter()
    text = func(url, body)
    return text, time.perf_counter() - start


def evaluate(
    pages: Sequence[tuple[str, str, str, bytes]], func: Callable[[str, bytes], str], workers: int = 2
) -> tuple[list[PageScore], float]:
    """Scores of ``func`` on every page, and the summed extraction time in seconds."""
    jobs = [(func, url, body) for _, url, _, body in pages]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(_timed, jobs, chunksize=4))
    else:
        results = [_timed(job) for job in jobs]
    scores = [score_page(truth, text) for (_, _, truth, _), (text, _) in zip(pages, results, strict=True)]
    return scores, sum(seconds for _, seconds in results)


def main(argv: Sequence[str] | None = None) -> int:
    """Run both extractors, print a table and write the JSON results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages (by id)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    pages = load_pages(args.data, args.limit)
    results: dict[str, dict[str, float]] = {}
    for name, func in (("newsharvest extract()", run_ours), ("trafilatura default", run_trafilatura)):
        scores, seconds = evaluate(pages, func, args.workers)
        results[name] = {**summarize(scores), "seconds": seconds, "pages": len(pages)}

    print(f"{'extractor':<24}{'precision':>16}{'recall':>16}{'F1':>16}{'accuracy':>16}{'time (s)':>10}")
    for name, m in results.items():
        cells = "".join(f"{m[k]:>9.3f} ± {m[k + '_std']:.3f}" for k in ("precision", "recall", "f1", "accuracy"))
        print(f"{name:<24}{cells}{m['seconds']:>10.1f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"data": str(args.data), "results": results}, indent=2) + "\n", encoding="utf-8")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
