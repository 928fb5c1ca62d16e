"""End to end: seeds imported, the three replica sites crawled through the real command line into a fresh archive.

The replica server runs in this process on 127.0.0.1; ``newsharvest`` runs as a child process, exactly as an
operator runs it, with ``--base-url`` pointing each declared site at its replica. The expectations come from the
replica's own article data, so every stored field is checked against what the site published.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from newsharvest.replica.build import load_articles
from newsharvest.replica.model import Article
from newsharvest.replica.server import FAULT_PATHS, ReplicaServer
from pipeline.sites import load_sites
from storage.db import session_factory
from storage.models import CrawlRun, Page

pytestmark = pytest.mark.slow

SITES = ("sonoivu", "langson_portal", "baolangson_old")
SLOW_SECONDS = 4.0
# Paths robots.txt forbids: never requested.
FORBIDDEN = {
    "baolangson_old": ("/uncategorized/", "/search", "/tim-kiem"),
    "sonoivu": ("/vi/search/",),
    "langson_portal": ("/vi/search/",),
}


@pytest.fixture(scope="module")
def replicas() -> Iterator[ReplicaServer]:
    with ReplicaServer(sites=SITES, crawl_delay=0.0, slow_seconds=SLOW_SECONDS) as server:
        yield server


def newsharvest(db_url: str, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the command line as an operator would, with fast settings for a server on this machine."""
    env = {
        **os.environ, "NEWSHARVEST_DB": db_url, "NEWSHARVEST_HOME": str(home), "NEWSHARVEST_DOWNLOAD_DELAY": "0",
        "NEWSHARVEST_DOWNLOAD_TIMEOUT": "2", "NEWSHARVEST_RETRY_TIMES": "1", "NEWSHARVEST_RETRY_BACKOFF": "0.2",
    }  # fmt: skip
    env.pop("NEWSHARVEST_SITES", None)
    return subprocess.run(
        [sys.executable, "-m", "newsharvest", *args], env=env, capture_output=True, text=True, timeout=240, check=False
    )


def crawl_all(db_url: str, home: Path, server: ReplicaServer) -> subprocess.CompletedProcess[str]:
    base_urls = [f"--base-url={name}={server.base_urls[name]}" for name in SITES]
    return newsharvest(db_url, home, "crawl", *SITES, *base_urls)


def expected_articles(site: str) -> list[Article]:
    """Articles a crawl must store: listed on the site, not a fault, not forbidden by robots.txt."""
    _meta, articles = load_articles(site)
    return [
        a for a in articles
        if not a.link_only and not a.fault and not any(a.path.startswith(p) for p in FORBIDDEN.get(site, ()))
    ]  # fmt: skip


def export(db_url: str, home: Path) -> list[dict[str, Any]]:
    result = newsharvest(db_url, home, "export", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def record_for(records: list[dict[str, Any]], base_url: str, article: Article) -> dict[str, Any]:
    paths = {article.path, f"/vi/node/{article.id}"} if article.alias else {article.path}
    matches = [r for r in records if any(u.removeprefix(base_url) in paths for u in r["urls"])]
    assert len(matches) == 1, f"{article.path}: {len(matches)} documents"
    return matches[0]


def test_seeds_then_crawl_then_recrawl(db_url: str, tmp_path: Path, replicas: ReplicaServer, seeds_dir: Path) -> None:
    home = tmp_path / "home"
    assert newsharvest(db_url, home, "init").returncode == 0
    seeded = newsharvest(db_url, home, "seed", str(seeds_dir))
    assert seeded.returncode == 0, seeded.stderr
    replicas.clear_requests()

    first = crawl_all(db_url, home, replicas)
    assert first.returncode == 0, first.stdout + first.stderr
    records = export(db_url, home)
    seeds = {r["origin_ref"][:3]: r for r in records if r["origin"] == "seed"}
    assert len(seeds) == 5

    stored_ids: set[int] = set()
    for site_name in SITES:
        base = replicas.base_urls[site_name]
        for article in expected_articles(site_name):
            record = record_for(records, base, article)
            stored_ids.add(record["id"])
            assert record["title"] == unicodedata.normalize("NFC", article.title)
            assert record["authors"] == ([unicodedata.normalize("NFC", article.byline)] if article.byline else [])
            assert record["lang"] == "vi"
            assert record["text"] == unicodedata.normalize("NFC", record["text"]) and "\xa0" not in record["text"]
            assert "Skip to main content" not in record["text"] and "Thứ " not in record["text"][:12]
            if article.seed:
                # A crawled copy of a seed is recognised: its URL joins the seed's document, nothing new is made.
                assert record["id"] == seeds[article.seed]["id"], article.path
                assert record["published_at"][:10] == article.published.date().isoformat()
            else:
                assert record["origin"] == "crawl" and record["site"] in SITES
                # A verbatim copy on another site keeps the date of whichever copy was archived first.
                dates = {a.published.isoformat() for s in SITES for a in expected_articles(s) if a.title == article.title}
                assert (
                    record["published_at"] in dates
                    if len(record["urls"]) > 1
                    else record["published_at"] == article.published.isoformat()
                ), article.path
    # Every document is accounted for: seeds and expected articles, nothing else (no home or listing page).
    assert {r["id"] for r in records} == stored_ids | {r["id"] for r in seeds.values()}

    # The verbatim cross-site copy is one document seen at two URLs on two sites.
    portal_copy = record_for(
        records, replicas.base_urls["langson_portal"], next(a for a in expected_articles("langson_portal") if a.id == 31214)
    )
    assert len(portal_copy["urls"]) == 2 and any(u.startswith(replicas.base_urls["sonoivu"]) for u in portal_copy["urls"])

    # robots.txt is obeyed, and the crawl never left the replica hosts.
    for site_name, prefixes in FORBIDDEN.items():
        assert not [p for p in replicas.requests(site_name) if p.startswith(prefixes)], site_name

    # Failures are recorded against their pages, and the crawl went on.
    sessions = session_factory(db_url)
    with sessions() as session:
        errors = {
            p.url.removeprefix(replicas.base_urls[SITES[0]]): p.error
            for p in session.scalars(select(Page).where(Page.outcome == "error"))
        }
        runs = session.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()
    faults = FAULT_PATHS["sonoivu"]
    assert errors[faults["not_found"]] == "HTTP 404"
    assert errors[faults["server_error"]] == "HTTP 500"
    assert "timeout" in (errors[faults["slow"]] or "")
    assert "not HTML" in (errors[faults["pdf"]] or "")
    assert [r.status for r in runs] == ["succeeded"] * 3
    assert sum(r.new_documents for r in runs) == len(stored_ids) - 5 + 0  # seeds were not new
    assert all(r.finished_at is not None and r.pages_fetched > 0 for r in runs)

    # A second crawl fetches no article again and stores nothing new.
    replicas.clear_requests()
    second = crawl_all(db_url, home, replicas)
    assert second.returncode == 0, second.stdout + second.stderr
    site_article_paths = {a.path for s in SITES for a in expected_articles(s)}
    for site_name in SITES:
        refetched = [p for p in replicas.requests(site_name) if p in site_article_paths]
        assert refetched == [], (site_name, refetched)
    assert len(export(db_url, home)) == len(records)
    with sessions() as session:
        second_runs = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(3)).all()
    assert all(r.status == "succeeded" and r.new_documents == 0 and r.skipped_known > 0 for r in second_runs)
    assert "0 new documents" in second.stdout


def test_max_articles_and_refresh(sqlite_url: str, tmp_path: Path, replicas: ReplicaServer) -> None:
    home = tmp_path / "home"
    newsharvest(sqlite_url, home, "init")
    base = f"--base-url={replicas.base_urls['baolangson_old']}"
    limited = newsharvest(sqlite_url, home, "crawl", "baolangson_old", base, "--max-articles", "2")
    assert limited.returncode == 0, limited.stderr
    assert len(export(sqlite_url, home)) == 2
    replicas.clear_requests()
    refreshed = newsharvest(sqlite_url, home, "crawl", "baolangson_old", base, "--max-articles", "2", "--refresh")
    assert refreshed.returncode == 0, refreshed.stderr
    article_requests = [p for p in replicas.requests("baolangson_old") if p.endswith(".html")]
    assert len(article_requests) == 2  # fetched again on request, and still one document per URL
    assert len(export(sqlite_url, home)) == 2
    assert load_sites()["baolangson_old"].base_url == "https://old.baolangson.vn"  # --base-url changed nothing declared


def test_unreachable_site_fails_the_run_and_records_why(sqlite_url: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    newsharvest(sqlite_url, home, "init")
    result = newsharvest(sqlite_url, home, "crawl", "sonoivu", "--base-url", "http://127.0.0.1:9")  # nothing listens there
    assert result.returncode == 1, result.stdout + result.stderr
    assert "failed" in result.stdout and "no page could be fetched" in result.stdout
    runs = json.loads(newsharvest(sqlite_url, home, "runs", "--json").stdout.splitlines()[0])
    assert runs["status"] == "failed" and runs["errors"] >= 1 and runs["finished_at"]
    with session_factory(sqlite_url)() as session:
        assert {p.kind for p in session.scalars(select(Page))} >= {"feed", "listing"}
