"""End to end: seeds imported, the three replica sites crawled through the real command line into a fresh archive.

The replica server runs in this process on 127.0.0.1; ``newsharvest`` runs as a child process, exactly as an
operator runs it, with ``--base-url`` pointing each declared site at its replica. The expectations come from the
replica's own article data, so every stored field is checked against what the site published, and the near-duplicate
clusters against the stories the data declares (``seed``, ``copy_of``, ``near_copy_of``; ``story_ids``).
"""

from __future__ import annotations

import json
import subprocess
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from operator_cli import cli_env, run_cli
from sqlalchemy import select

from newsharvest.replica.build import load_articles, story_ids
from newsharvest.replica.model import Article
from newsharvest.replica.server import FAULT_PATHS, ReplicaServer
from pipeline.archive.site_templates import FIRST_LEARN_AT
from pipeline.sites import load_sites
from storage.db import session_factory
from storage.models import CrawlRun, Page, SiteTemplateRecord

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
    return run_cli(cli_env(db_url, home), *args)


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


def expected_stories(records: list[dict[str, Any]], server: ReplicaServer) -> dict[str, frozenset[int]]:
    """The documents each story must be in, from the article data: a seed's document, then every crawled article's."""
    stories = story_ids(SITES)
    members: dict[str, set[int]] = defaultdict(set)
    for record in records:
        if record["origin"] == "seed":
            members[f"seed:{record['origin_ref'][:3]}"].add(record["id"])
    for site_name in SITES:
        for article in expected_articles(site_name):
            members[stories[(site_name, article.id)]].add(record_for(records, server.base_urls[site_name], article)["id"])
    return {story: frozenset(ids) for story, ids in members.items()}


def archived_clusters(records: list[dict[str, Any]]) -> dict[int, frozenset[int]]:
    """The archive's partition of documents by ``duplicate_of``: cluster root → its documents (singletons included)."""
    by_root: dict[int, set[int]] = defaultdict(set)
    for record in records:
        by_root[record["duplicate_of"] or record["id"]].add(record["id"])
    return {root: frozenset(ids) for root, ids in by_root.items()}


def assert_clusters_are_the_stories(records: list[dict[str, Any]], server: ReplicaServer) -> dict[int, frozenset[int]]:
    """Every near copy is linked to its original's cluster root, and no cluster holds two stories; returns the clusters."""
    by_id = {r["id"]: r for r in records}
    stories = expected_stories(records, server)
    story_of = {doc_id: story for story, ids in stories.items() for doc_id in ids}
    assert len(story_of) == len(records) == sum(len(ids) for ids in stories.values())  # one story per document
    clusters = archived_clusters(records)
    assert all(by_id[root]["duplicate_of"] is None for root in clusters)  # flat: members point at a root
    mixed = {root: sorted({story_of[d] for d in ids}) for root, ids in clusters.items() if len({story_of[d] for d in ids}) > 1}
    assert not mixed, f"different stories linked: {mixed}"
    split = {s: sorted(ids) for s, ids in stories.items() if ids not in clusters.values()}
    assert not split, f"copies not linked to their original's cluster: {split}"
    assert sorted(clusters.values(), key=min) == sorted(stories.values(), key=min)
    for story, ids in stories.items():
        root = next(r for r, members in clusters.items() if members == ids)
        if story.startswith("seed:"):
            assert by_id[root]["origin"] == "seed" and by_id[root]["origin_ref"].startswith(story[5:]), story
        else:  # the original: the earliest published article of its story
            site_name, article_id = story.split(":")
            original = next(a for a in expected_articles(site_name) if a.id == int(article_id))
            assert root == record_for(records, server.base_urls[site_name], original)["id"], story
            published = {d: datetime.fromisoformat(by_id[d]["published_at"]) for d in ids}
            assert all(published[d] >= published[root] for d in ids), story
        for member in ids - {root}:
            assert 0.5 <= by_id[member]["duplicate_score"] <= 1.0, (story, by_id[member]["urls"])
    return clusters


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

    # Every crawled copy of a seed is linked to its seed: a verbatim one is the seed's document (its URL added), an
    # edited one (a new headline, a paragraph cut, a rewritten lead, other captions) its own document linked to it.
    stories = story_ids(SITES)
    seed_copies = near_seed_copies = 0
    for site_name in SITES:
        for article in expected_articles(site_name):
            story = stories[(site_name, article.id)]
            if not story.startswith("seed:"):
                continue
            seed_id = seeds[story[5:]]["id"]
            record = record_for(records, replicas.base_urls[site_name], article)
            if article.near_copy_of:
                near_seed_copies += 1
                assert record["id"] != seed_id and record["duplicate_of"] == seed_id, article.path
            else:
                seed_copies += 1
                assert record["id"] == seed_id and record["duplicate_of"] is None, article.path
    assert seed_copies == 5 and near_seed_copies >= 2
    assert any(a.near_copy_of and not a.near_copy_of.startswith("seed:") for s in SITES for a in expected_articles(s))
    # The clusters are exactly the stories: near copies of non-seed articles too, and no two stories linked.
    clusters = assert_clusters_are_the_stories(records, replicas)

    # `duplicates --json` lists those clusters (the ones of two documents or more), root first.
    listed = newsharvest(db_url, home, "duplicates", "--json")
    assert listed.returncode == 0, listed.stderr
    reported = [json.loads(line) for line in listed.stdout.splitlines()]
    by_id = {r["id"]: r for r in records}
    linked = {root: ids for root, ids in clusters.items() if len(ids) > 1}
    assert [c["root"] for c in reported] == sorted(linked)
    for cluster in reported:
        ids = [m["id"] for m in cluster["members"]]
        assert ids[0] == cluster["root"] and cluster["size"] == len(ids) and frozenset(ids) == linked[cluster["root"]]
        assert set(cluster["sites"]) == {by_id[i]["site"] or "seed" for i in ids}
        for member in cluster["members"]:
            assert member["root"] == (member["id"] == cluster["root"])
            assert sorted(member["urls"]) == sorted(by_id[member["id"]]["urls"])
            assert member["similarity"] == by_id[member["id"]]["duplicate_score"]

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
    # Each site's template was learned from its own archived pages while the crawl ran (pipeline.extraction.template).
    with sessions() as session:
        learned = {t.site_id: t for t in session.scalars(select(SiteTemplateRecord))}
        assert {r.site_id for r in runs} <= set(learned)
        assert all(t.pages_sampled >= FIRST_LEARN_AT and t.pages_archived >= t.pages_sampled for t in learned.values())
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
    assert export(db_url, home) == records  # nothing new, nothing re-linked
    with sessions() as session:
        second_runs = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(3)).all()
    # Feeds and listings answer 304 (conditional requests), so the known article links are not even seen again.
    assert all(r.status == "succeeded" and r.new_documents == 0 for r in second_runs)
    assert all(len(replicas.requests(name)) <= 6 for name in SITES), {name: replicas.requests(name) for name in SITES}
    assert "0 new documents" in second.stdout

    # Re-extraction from the stored HTML is idempotent: every crawled document comes out unchanged, clusters included;
    # only fault pages that never held an article are tried again, and still fail.
    redone = newsharvest(db_url, home, "reextract", "--json")
    assert redone.returncode == 0, redone.stdout + redone.stderr
    items = [json.loads(line) for line in redone.stdout.splitlines()]  # everything but "unchanged"
    assert {i["result"] for i in items} <= {"still_failing"}, items
    assert {i["url"].removeprefix(replicas.base_urls["sonoivu"]) for i in items} <= set(faults.values()), items
    crawled = sum(r["origin"] == "crawl" for r in records)
    assert f"re-extracted {crawled + len(items)}: " in redone.stderr and f"{crawled} unchanged" in redone.stderr
    assert "; 0 re-linked" in redone.stderr


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
