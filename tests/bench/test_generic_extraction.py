"""Quality gate for sites nobody declared selectors for: the generic-shape corpus (tests/fixtures/generic).

Every page is extracted as a new user's site would be (a site file with a base URL and URL patterns only) and
scored per field against its hand-checked truth and against trafilatura alone (bench/field_scores.py). Floors sit a
little under the values measured when they were pinned (README, "Extraction quality"); the holdout set was never
looked at while the extraction rules were written.
"""

from __future__ import annotations

import multiprocessing
import statistics
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from bench_scripts import load_bench

from bench.field_scores import (
    GENERIC_ROOT,
    FieldSummary,
    Prediction,
    TruthPage,
    load_generic_corpus,
    score_fields,
    summarize_fields,
    trafilatura_alone,
)
from pipeline.extraction.template import SiteTemplate
from pipeline.sites import Selectors

bench = load_bench("extraction")
SETS = ("dev", "holdout")
MIN_SHAPES = {"dev": 10, "holdout": 10}
# Per set and field, the floor for newsharvest on its own. dev: the bar of issue 8 (the rules were written against
# these pages). holdout (v11): a little under what its one blind run measured, before any of it was read (title 1.000,
# day 1.000, time 0.967, authors 0.633, body F1 0.969; README, "Extraction quality") — authors are below the bar of
# issue 8 there.
FLOORS = {
    "dev": {"title": 0.97, "day": 1.0, "time": 0.95, "authors": 0.95, "body_f1": 0.95},
    "holdout": {"title": 0.97, "day": 0.97, "time": 0.93, "authors": 0.6, "body_f1": 0.95},
}
COMPARED = ("title", "day", "time", "authors", "body_f1")


def _shape_template(pages: list[TruthPage]) -> SiteTemplate:
    """The template learned from one shape's pages (as ``bench.shape_templates`` learns it)."""
    return next(iter(bench.shape_templates(pages).values()))


def _predictions(job: tuple[TruthPage, SiteTemplate]) -> tuple[Prediction, Prediction, Prediction]:
    """One page as newsharvest extracts it (alone, then with its shape's learned template) and as trafilatura does."""
    page, template = job
    return bench.ours_generic(page), bench.ours_generic(page, template), trafilatura_alone(page.html, page.url)


@pytest.fixture(scope="module", params=SETS)
def measured(request: pytest.FixtureRequest) -> tuple[str, dict[str, FieldSummary], dict[str, list[dict[str, float]]]]:
    pages = load_generic_corpus(sets=(request.param,))
    shapes = sorted({page.shape for page in pages})
    # Both cores: shapes and pages are independent (a fork inherits the loaded extractors).
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        learned = pool.map(_shape_template, [[p for p in pages if p.shape == shape] for shape in shapes])
        templates = dict(zip(shapes, learned, strict=True))
        predictions = list(pool.map(_predictions, [(page, templates[page.shape]) for page in pages], chunksize=8))
    summaries, scores = {}, {}
    for index, name in enumerate(("ours", "template", "trafilatura")):
        scores[name] = [score_fields(page, got[index]) for page, got in zip(pages, predictions, strict=True)]
        summaries[name] = summarize_fields(pages, scores[name])
    return request.param, summaries, scores


@pytest.mark.parametrize("set_name", SETS)
def test_corpus_has_many_shapes_without_selectors(set_name: str) -> None:
    shapes = [p for p in sorted((GENERIC_ROOT / set_name).iterdir()) if p.is_dir()]
    assert len(shapes) >= MIN_SHAPES[set_name]
    pages = load_generic_corpus(sets=(set_name,))
    for shape in shapes:
        mine = [p for p in pages if p.shape == shape.name]
        assert len(mine) >= 2, f"{shape}: a shape needs several pages of one site (template learning)"
        site = mine[0].site
        assert site.selectors == Selectors() and not site.drop_lines, f"{shape}/site.toml must not declare selectors"
        assert all(p.url.startswith(site.base_url) and site.is_article_url(p.url) for p in mine)


def test_every_field_at_least_trafilatura_and_above_floor(measured) -> None:  # type: ignore[no-untyped-def]
    set_name, summaries, _ = measured
    ours, alone = summaries["ours"].means, summaries["trafilatura"].means
    for field in COMPARED:
        assert ours[field] >= alone[field], f"{set_name} {field}: ours {ours[field]:.3f} < trafilatura {alone[field]:.3f}"
        floor = FLOORS[set_name][field]
        assert ours[field] >= floor, f"{set_name} {field}: {ours[field]:.3f} < {floor}; misses {summaries['ours'].misses.get(field)}"


def test_a_learned_template_never_makes_a_page_worse(measured) -> None:  # type: ignore[no-untyped-def]
    set_name, summaries, scores = measured
    for plain, learned in zip(scores["ours"], scores["template"], strict=True):
        assert learned["body_f1"] >= plain["body_f1"] - 0.01
    for field in COMPARED:
        assert summaries["template"].means[field] >= summaries["ours"].means[field] - 0.005, field
    assert statistics.fmean(s["authors"] for s in scores["template"]) >= FLOORS[set_name]["authors"]


def test_corpus_truth_is_nfc_and_complete() -> None:
    import unicodedata

    for page in load_generic_corpus(GENERIC_ROOT):
        for text in (page.title or "", page.body, *page.authors):
            assert unicodedata.normalize("NFC", text) == text, page.id
        assert page.body and page.title, page.id
        assert Path(GENERIC_ROOT, page.set, page.shape, f"{page.name}.html").is_file()
