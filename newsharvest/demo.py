"""``newsharvest demo``: the whole path on the shipped replicas, with no internet.

Serves the replica sites on 127.0.0.1, imports the seed documents, crawls the replicas into a SQLite archive
(``demo.db`` beside the default archive unless ``--db`` is given, so a real archive never receives replica URLs)
and prints what was stored.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from pipeline.archive.export import export_records
from pipeline.archive.seed_import import import_seeds
from pipeline.config import Settings
from pipeline.sites import load_sites
from storage.db import create_engine_for, session_factory
from storage.migrate import upgrade

__all__ = ["REPLICA_SITES", "run_demo"]

REPLICA_SITES = ("sonoivu", "langson_portal", "baolangson_old")


def _demo_settings(settings: Settings) -> Settings:
    # The replicas are on this machine: no need to wait a second between requests, nor 30 s on the slow page.
    return dataclasses.replace(
        settings,
        db_url=settings.db_url or f"sqlite:///{(settings.home / 'demo.db').expanduser()}",
        download_delay=0.05,
        download_timeout=3.0,
        retry_times=1,
        retry_backoff=0.2,
    )


def run_demo(settings: Settings, *, keep_serving: bool = False, echo: Callable[[str], None] = print) -> None:
    """Run the demo and print a report of the archive it filled."""
    from crawler.runner import run_crawls
    from newsharvest.replica.server import ReplicaServer

    settings = _demo_settings(settings)
    engine = create_engine_for(settings.database_url)
    upgrade(engine)
    sessions = session_factory(engine)
    echo(f"archive: {engine.url.render_as_string(hide_password=True)}")

    seeds_dir = Path(str(resources.files("newsharvest") / "seeds"))
    declared = load_sites(settings.sites_files)
    for result in import_seeds(sessions, [seeds_dir], [p for s in declared.values() for p in s.drop_lines]):
        echo(f"seed {result.ref}: {result.status}")

    with ReplicaServer(sites=REPLICA_SITES, crawl_delay=0.05, slow_seconds=settings.download_timeout + 2) as server:
        sites = [declared[name].with_base_url(server.base_urls[name]) for name in REPLICA_SITES]
        for name, url in server.base_urls.items():
            echo(f"replica {name}: {url}")
        for summary in run_crawls(settings, sites, trigger="manual"):
            echo(
                f"crawl {summary.site}: {summary.status}, {summary.pages_fetched} pages fetched, {summary.new_documents} new "
                f"({summary.near_duplicates} near-duplicates), {summary.duplicates} duplicates, {summary.errors} errors, "
                f"{summary.skipped_known} already archived"
            )
        _report(sessions, echo)
        if keep_serving:
            echo("replicas keep serving; Ctrl-C to stop")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass


def _report(sessions: sessionmaker[Session], echo: Callable[[str], None]) -> None:
    with sessions() as session:
        records = list(export_records(session))
    echo(f"\n{len(records)} documents in the archive:")
    for r in records:
        dup = f" duplicate_of={r['duplicate_of']}" if r["duplicate_of"] else ""
        echo(
            f"  #{r['id']:<3} {r['origin']:<5} {r['site'] or '-'!s:<15} {str(r['published_at'] or '-')[:25]:<25} "
            f"urls={len(r['urls'])} {r['title'][:60]}{dup}"
        )
    sample = next((r for r in records if r["origin"] == "seed" and r["urls"]), records[0] if records else None)
    if sample:
        sample = dict(sample, text=sample["text"][:200] + "…")
        echo("\none export record (newsharvest export --format jsonl):")
        echo(json.dumps(sample, ensure_ascii=False, indent=2))
