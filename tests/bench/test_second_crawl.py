"""The second-crawl benchmark (bench/second_crawl.py) measures something real, on one replica site.

The numbers for every site come from running the bench (``bench/results/second_crawl.json``); here, a smoke run on
``langson_portal`` (no fault pages, so no timeouts): a second crawl of the unchanged site is a handful of requests,
none of them for an article, its feed and listing answered 304; ``--refresh`` fetches every article again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from bench_scripts import load_bench

from newsharvest.replica.server import request_kind
from pipeline.sites import load_sites

SITE = "langson_portal"

pytestmark = pytest.mark.slow


bench = load_bench("second_crawl")


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("second_crawl") / "second_crawl.json"


@pytest.fixture(scope="module")
def result(out: Path) -> dict[str, Any]:
    lines: list[str] = []
    measured = bench.run([SITE], out=out, workdir=out.parent, log=lines.append)
    assert any(line.startswith(SITE) for line in lines) and lines[-1].startswith("written ")
    return dict(measured)


def test_second_crawl_is_a_handful_of_304s_and_no_article(result: dict[str, Any]) -> None:
    crawls = result["sites"][SITE]
    first, second = crawls["first"], crawls["second"]
    assert all(c["status"] == "succeeded" for c in crawls.values())
    assert first["requests"]["article"] >= 8 and first["new_documents"] >= 8
    assert second["requests"]["article"] == 0 and second["new_documents"] == 0
    assert second["total"] <= 4 and second["total"] * 4 <= first["total"]
    assert second["not_modified"] == second["requests"]["feed"] + second["requests"]["listing"] >= 2
    assert second["body_bytes"] * 5 < first["body_bytes"]
    assert second["validators_stored"] >= 2


def test_without_validators_the_listing_comes_in_full_and_refresh_fetches_everything(result: dict[str, Any]) -> None:
    crawls = result["sites"][SITE]
    assert crawls["second, no validators"]["not_modified"] == 0 and crawls["second, no validators"]["requests"]["article"] == 0
    assert crawls["refresh"]["not_modified"] == 0
    assert crawls["refresh"]["requests"]["article"] == crawls["first"]["requests"]["article"]


def test_results_file_keeps_a_run_per_crawl_delay(result: dict[str, Any], out: Path) -> None:
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["runs"]["crawl_delay=0"] == result
    assert set(result) >= {"generated_at", "machine", "settings", "crawls", "sites", "run_s"}
    assert list(result["sites"][SITE]) == list(bench.CRAWLS)


def test_requests_are_told_apart_by_kind() -> None:
    site = load_sites()[SITE].with_base_url("http://127.0.0.1:8000")
    kinds = [
        request_kind(site, p)
        for p in ("/robots.txt", "/rss.xml", "/vi/tin-tuc-su-kien?page=1", "/vi/node/31106", "/favicon.ico")
    ]
    assert kinds == ["robots", "feed", "listing", "article", "other"]
