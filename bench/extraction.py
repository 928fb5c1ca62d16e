"""Extraction quality of our ``extract()`` vs trafilatura alone (and news-please/newspaper4k when installed).

- ``benchmark``: the ScrapingHub article-extraction-benchmark (English news pages, generic site, no hints); authors
  and dates per field against ``bench/data/benchmark_metadata.json`` (hand-checked from the pages).
- ``replicas``: every article page of the shipped replica sites (``newsharvest/replica``), extracted with the
  site's shipped declaration and the listing's date as a hint, as the crawler does. Ground truth is the article
  data the pages are generated from: paragraphs and caption lines in order, without the byline. Also reported:
  title, author and publication-date exact-match rates (trafilatura: ``extract_metadata``; its date is a day).
- ``generic``: the site shapes nobody declared selectors for (``tests/fixtures/generic``: ``dev`` and the
  ``holdout`` set never tuned on), each page extracted with a site file that has no selectors; per field: title,
  publication day, time and offset, authors, attribution, body F1 — and the same pages once the site's template has
  been learned from its other pages.

Metric as in the benchmark's evaluate.py: ``\\w+`` tokens → 4-token shingles; per page multiset TP/FP/FN normalised
to sum 1; precision and recall averaged over pages; F1 from the averages; accuracy = exact token-sequence equality;
± = standard deviation over 1000 bootstrap resamples of the pages (fixed seed).

    python bench/extraction.py [--corpus benchmark|replicas|generic|all] [--data DIR] [--out FILE] [--limit N] [--workers N]
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
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

import trafilatura  # noqa: E402  (after the sys.path fix above)

from bench.field_scores import (  # noqa: E402
    FieldSummary,
    Prediction,
    TruthPage,
    evaluate_fields,
    load_benchmark_metadata,
    load_generic_corpus,
    trafilatura_alone,
)
from newsharvest.replica.build import load_articles  # noqa: E402
from newsharvest.replica.model import Article  # noqa: E402
from newsharvest.replica.server import SITES_ROOT, file_for, today_vi  # noqa: E402
from pipeline.document import PageHints  # noqa: E402
from pipeline.errors import ExtractionError  # noqa: E402
from pipeline.extraction.decode import decode_html  # noqa: E402
from pipeline.extraction.extract import extract  # noqa: E402
from pipeline.extraction.template import SiteTemplate, learn_template  # noqa: E402
from pipeline.sites import Site, load_sites  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared/data/article-extraction-benchmark"
DEFAULT_OUT = REPO / "bench/results/extraction.json"
BENCHMARK_METADATA = REPO / "bench/data/benchmark_metadata.json"
SHINGLE = 4
BOOTSTRAP_SAMPLES = 1000
BOOTSTRAP_SEED = 42
# No selectors, no drop rules: the generic path every undeclared page takes.
GENERIC_SITE = Site(name="generic", base_url="https://example.com", lang="en")
_TOKEN_RE = re.compile(r"\w+")
REPLICA_SITES = ("sonoivu", "langson_portal", "baolangson_old")
REPLICA_BASE_URL = "http://127.0.0.1:8000"
REPLICA_TODAY = date(2021, 1, 19)
# How each site's listing prints the date: the hint the crawler passes along with the URL.
LISTING_DATE_FORMAT = {"baolangson_old": "%H:%M | %d/%m/%Y"}
DRUPAL_DATE_FORMAT = "%a, %m/%d/%Y - %H:%M"  # Drupal "D, m/d/Y - H:i"

PageScore = tuple[float, float, float, bool]
_SOURCE_LINE_RE = re.compile(r"^\(?(?:theo|nguồn(?:\s*tin)?\s*:)", re.IGNORECASE)  # normalised tp, fp, fn; exact token match


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


def run_news_please(url: str, body: bytes) -> str:
    """news-please's main text (the ``bench`` extra)."""
    from bench.comparators import news_please

    return news_please(body.decode("utf-8", errors="replace"), url).text


def run_newspaper(url: str, body: bytes) -> str:
    """newspaper4k's text (the ``bench`` extra)."""
    from bench.comparators import newspaper

    return newspaper(body.decode("utf-8", errors="replace"), url).text


BODY_COMPARATORS = {"news-please": run_news_please, "newspaper4k": run_newspaper}


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


# --- replica corpus -------------------------------------------------------------------------------------------------


def _norm(text: str) -> str:
    """NFC, NBSP and runs of whitespace collapsed to one space, stripped."""
    return " ".join(unicodedata.normalize("NFC", text).replace("\xa0", " ").split())


def replica_truth(article: Article) -> str:
    """The article body as generated: paragraph texts and caption lines in order, one per line, no byline, and no
    closing source line ("Nguồn: …"): that is the document's ``attribution`` (tests/fixtures/generic/README.md)."""
    lines: list[str] = []
    for block in article.blocks:
        if block.kind == "p":
            lines.append(_norm(block.text))
        elif block.kind == "image":
            lines.extend(_norm(line) for line in block.caption)
    lines = [line for line in lines if line]
    if lines and _SOURCE_LINE_RE.match(lines[-1]):
        lines.pop()
    return "\n".join(lines)


def _read_replica_page(site: str, article: Article) -> str:
    """The generated page of ``article`` with the placeholders filled, decoded as the crawler would decode it."""
    root = SITES_ROOT / site
    path, _, query = article.path.partition("?")
    file = file_for(root, path, query)
    if file is None or not file.is_file():
        raise FileNotFoundError(f"{site}: no generated file for {article.path}")
    content_type = "text/html; charset=utf-8"
    sidecar = file.with_name(file.name + ".headers")
    if sidecar.is_file():
        for line in sidecar.read_text(encoding="utf-8").splitlines():
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-type":
                content_type = value.strip()
    raw = file.read_bytes()
    raw = raw.replace(b"{BASE_URL}", REPLICA_BASE_URL.encode()).replace(b"{TODAY_VI}", today_vi(REPLICA_TODAY).encode())
    return decode_html(raw, content_type)


def load_replica_pages() -> list[dict[str, Any]]:
    """One record per replica article page (faults and link-only rows skipped): ids, HTML, truth and hints."""
    sites = load_sites()
    pages: list[dict[str, Any]] = []
    for site in REPLICA_SITES:
        for article in load_articles(site)[1]:
            if article.fault or article.link_only:
                continue
            fmt = LISTING_DATE_FORMAT.get(site, DRUPAL_DATE_FORMAT)
            pages.append({
                "id": f"{site}:{article.id}",
                "site": sites[site],
                "url": REPLICA_BASE_URL + article.path,
                "html": _read_replica_page(site, article),
                "truth": replica_truth(article),
                "title": _norm(article.title),
                "authors": (_norm(article.byline),) if article.byline.strip() else (),
                "published": article.published,
                "hints": PageHints(published=article.published.strftime(fmt), source="listing"),
            })  # fmt: skip
    return pages


def _ours_replica(page: dict[str, Any]) -> tuple[str, str, tuple[str, ...], datetime | None]:
    try:
        doc = extract(page["html"], page["url"], page["site"], page["hints"])
    except ExtractionError:
        return "", "", (), None
    return doc.text, _norm(doc.title), tuple(_norm(a) for a in doc.authors), doc.published_at


def _trafilatura_replica(page: dict[str, Any]) -> tuple[str, str, tuple[str, ...], str | None]:
    text = trafilatura.extract(page["html"]) or ""
    meta = trafilatura.extract_metadata(page["html"])
    title = _norm(getattr(meta, "title", None) or "")
    author = getattr(meta, "author", None) or ""
    authors = tuple(_norm(a) for a in author.split(";") if a.strip())
    return text, title, authors, getattr(meta, "date", None)


def evaluate_replicas(pages: Sequence[dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """Text scores plus title/author/date exact-match rates of both extractors over the replica pages."""
    pages = load_replica_pages() if pages is None else pages
    results: dict[str, dict[str, Any]] = {}
    for name, func in (("newsharvest extract()", _ours_replica), ("trafilatura default", _trafilatura_replica)):
        scores: list[PageScore] = []
        title_ok = author_ok = date_ok = 0
        misses: list[str] = []
        start = time.perf_counter()
        outputs = [func(page) for page in pages]
        seconds = time.perf_counter() - start
        for page, (text, title, authors, published) in zip(pages, outputs, strict=True):
            scores.append(score_page(page["truth"], text))
            title_ok += title == page["title"]
            author_ok += authors == page["authors"]
            if isinstance(published, datetime):
                good_date = published == page["published"]
            else:  # trafilatura gives a day, "YYYY-MM-DD"
                good_date = published == page["published"].date().isoformat()
            date_ok += good_date
            if title != page["title"] or authors != page["authors"] or not good_date:
                misses.append(page["id"])
        n = len(pages)
        results[name] = {
            **summarize(scores),
            "title_match": title_ok / n, "author_match": author_ok / n, "date_match": date_ok / n,
            "seconds": seconds, "pages": n, "metadata_misses": misses,
        }  # fmt: skip
    return results


# --- generic-shape corpus ------------------------------------------------------------------------------------------


def ours_generic(page: TruthPage, template: SiteTemplate | None = None) -> Prediction:
    """Our extraction of a generic-corpus page (no hints: a new site's first crawl)."""
    try:
        doc = extract(page.html, page.url, page.site, None, template)
    except ExtractionError:
        return Prediction()
    return Prediction(doc.title, doc.published_at, doc.published_precision, doc.authors, doc.attribution or None, doc.text)


def shape_templates(pages: Sequence[TruthPage]) -> dict[tuple[str, str], SiteTemplate]:
    """Each shape's template, learned from all of its pages (as ``newsharvest reextract`` learns from the archive)."""
    from pipeline.extraction.extract import parse_page

    by_shape: dict[tuple[str, str], list[TruthPage]] = {}
    for page in pages:
        by_shape.setdefault((page.set, page.shape), []).append(page)
    return {key: learn_template(parse_page(p.html) for p in group) for key, group in by_shape.items()}


def _comparator(name: str) -> Callable[[TruthPage], Prediction] | None:
    from bench.comparators import AVAILABLE

    func = AVAILABLE.get(name)
    if func is None:
        return None

    def run(page: TruthPage) -> Prediction:
        got = func(page.html, page.url)
        precision = "day" if got.published is not None and got.published.time() == datetime.min.time() else "minute"
        return Prediction(got.title, got.published, precision, got.authors, None, got.text)

    return run


def generic_extractors(pages: Sequence[TruthPage], *, templates: bool = True) -> dict[str, Callable[[TruthPage], Prediction]]:
    """The extractors compared on the generic corpus: ours (first crawl, and with the learned template), trafilatura
    alone, and each installed comparator."""
    extractors: dict[str, Callable[[TruthPage], Prediction]] = {"newsharvest extract()": ours_generic}
    if templates:
        learned = shape_templates(pages)
        extractors["newsharvest + learned template"] = lambda page: ours_generic(page, learned[(page.set, page.shape)])
    extractors["trafilatura alone"] = lambda page: trafilatura_alone(page.html, page.url)
    for name in ("news-please", "newspaper4k"):
        if (func := _comparator(name)) is not None:
            extractors[name] = func
    return extractors


def evaluate_generic(sets: Sequence[str] = ("dev", "holdout")) -> dict[str, dict[str, FieldSummary]]:
    """Per set, per extractor: per-field summaries on the generic corpus."""
    results: dict[str, dict[str, FieldSummary]] = {}
    for set_name in sets:
        pages = load_generic_corpus(sets=(set_name,))
        results[set_name] = {name: evaluate_fields(pages, func)[0] for name, func in generic_extractors(pages).items()}
    return results


def _print_fields(title: str, results: dict[str, FieldSummary]) -> None:
    columns = ("title", "day", "time", "authors", "attribution", "body_precision", "body_recall", "body_f1")
    print(title)
    print(f"{'extractor':<32}" + "".join(f"{c.replace('body_', 'body '):>14}" for c in columns))
    for name, summary in results.items():
        print(f"{name:<32}" + "".join(f"{summary.means[c]:>14.3f}" for c in columns))


def _print_table(results: dict[str, dict[str, Any]], extra: Sequence[str] = ()) -> None:
    head = "".join(f"{k:>14}" for k in extra)
    print(f"{'extractor':<24}{'precision':>16}{'recall':>16}{'F1':>16}{'accuracy':>16}{head}{'time (s)':>10}")
    for name, m in results.items():
        cells = "".join(f"{m[k]:>9.3f} ± {m[k + '_std']:.3f}" for k in ("precision", "recall", "f1", "accuracy"))
        cells += "".join(f"{m[k]:>14.3f}" for k in extra)
        print(f"{name:<24}{cells}{m['seconds']:>10.1f}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run both extractors on the chosen corpora, print tables and write the JSON results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", choices=("benchmark", "replicas", "generic", "all"), default="all")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--limit", type=int, default=None, help="only the first N benchmark pages (by id)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sets", default="dev,holdout", help="generic corpus sets, comma-separated (tune on dev only)")
    args = parser.parse_args(argv)

    # Keep the other corpus's results when only one is run.
    out: dict[str, Any] = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {}
    if args.corpus in ("benchmark", "all"):
        pages = load_pages(args.data, args.limit)
        results: dict[str, dict[str, float]] = {}
        from bench.comparators import AVAILABLE

        extractors = {"newsharvest extract()": run_ours, "trafilatura default": run_trafilatura}
        extractors.update({name: func for name, func in BODY_COMPARATORS.items() if name in AVAILABLE})
        for name, func in extractors.items():
            scores, seconds = evaluate(pages, func, args.workers)
            results[name] = {**summarize(scores), "seconds": seconds, "pages": len(pages)}
        print(f"benchmark ({len(pages)} pages, {args.data})")
        _print_table(results)
        out["data"], out["results"] = str(args.data), results
        if BENCHMARK_METADATA.is_file():
            # Authors and dates against the hand-checked metadata (the body columns repeat the table above per page).
            truth = load_benchmark_metadata(args.data, BENCHMARK_METADATA, args.limit)
            fields = {n: evaluate_fields(truth, f)[0] for n, f in generic_extractors(truth, templates=False).items()}
            _print_fields(f"benchmark authors and dates ({len(truth)} pages, {BENCHMARK_METADATA.name})", fields)
            out["benchmark_fields"] = {n: f.as_json() for n, f in fields.items()}
    if args.corpus in ("replicas", "all"):
        replicas = evaluate_replicas()
        print(f"replicas ({next(iter(replicas.values()))['pages']} pages: {', '.join(REPLICA_SITES)})")
        _print_table(replicas, ("title_match", "author_match", "date_match"))
        out["replicas"] = {"sites": list(REPLICA_SITES), "results": replicas}
    if args.corpus in ("generic", "all"):
        generic = evaluate_generic(args.sets.split(","))
        for set_name, by_extractor in generic.items():
            pages = next(iter(by_extractor.values())).pages
            _print_fields(f"generic shapes, {set_name} ({pages} pages, no selectors)", by_extractor)
        out["generic"] = {s: {n: f.as_json() for n, f in r.items()} for s, r in generic.items()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
