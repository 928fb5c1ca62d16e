"""Crawls beside crawls, through the real command line: waiting, --no-wait (exit 75), and kill -9 then recovery.

The replica's robots.txt asks for a delay between requests, so one crawl of a site lasts a few seconds: long enough
for a second process to meet its lease, and for the test to kill it mid-run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from operator_cli import cli_env, run_cli
from sqlalchemy import func, select

from newsharvest.replica.build import load_articles
from newsharvest.replica.model import Article
from newsharvest.replica.server import ReplicaServer
from storage.db import session_factory
from storage.models import Document, DocumentUrl, SiteLease

pytestmark = pytest.mark.slow

SITE = "sonoivu"
CRAWL_DELAY = 0.25  # seconds between two requests, from robots.txt: a crawl takes several seconds
TIMEOUT = 60


@pytest.fixture
def replica() -> Iterator[ReplicaServer]:
    with ReplicaServer(sites=(SITE,), crawl_delay=CRAWL_DELAY, slow_seconds=3.0) as server:
        yield server


def expected_articles(site: str) -> list[Article]:
    """The articles a complete crawl of the site stores: listed, not a fault page, not under robots.txt's /vi/search/."""
    return [a for a in load_articles(site)[1] if not a.link_only and not a.fault and not a.path.startswith("/vi/search/")]


def env_for(db_url: str, home: Path) -> dict[str, str]:
    return cli_env(db_url, home, NEWSHARVEST_RETRY_TIMES="0", NEWSHARVEST_LEASE_TTL="20")


def cli(db_url: str, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(env_for(db_url, home), *args, timeout=TIMEOUT)


def start_crawl(db_url: str, home: Path, server: ReplicaServer, *extra: str) -> subprocess.Popen[str]:
    """A crawl in its own process group (so kill -9 reaches its extraction worker too)."""
    args = [sys.executable, "-m", "newsharvest", "crawl", SITE, "--base-url", server.base_urls[SITE], *extra]
    return subprocess.Popen(args, env=env_for(db_url, home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # fmt: skip


def wait_for(condition, what: str, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def lease_held(db_url: str) -> bool:
    with session_factory(db_url)() as session:
        return session.scalar(select(func.count()).select_from(SiteLease)) == 1


def documents(db_url: str) -> int:
    with session_factory(db_url)() as session:
        return session.scalar(select(func.count()).select_from(Document)) or 0


def runs(db_url: str, home: Path) -> list[dict[str, object]]:
    result = cli(db_url, home, "runs", "--json")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in reversed(result.stdout.splitlines())]  # oldest first


def test_a_manual_crawl_beside_a_scheduled_one_waits_or_exits_75(sqlite_url: str, tmp_path: Path, replica) -> None:
    home = tmp_path / "home"
    assert cli(sqlite_url, home, "init").returncode == 0
    first = start_crawl(sqlite_url, home, replica, "--scheduled")  # recorded as the service records its crawls
    try:
        wait_for(lambda: lease_held(sqlite_url), "the first crawl's lease")
        busy = cli(sqlite_url, home, "crawl", SITE, "--base-url", replica.base_urls[SITE], "--no-wait")
        assert busy.returncode == 75, busy.stdout + busy.stderr
        assert f"busy: {SITE}: a crawl is already running" in busy.stderr and "--no-wait" in busy.stderr
        waiting = start_crawl(sqlite_url, home, replica)
        assert first.wait(TIMEOUT) == 0, first.stderr.read() if first.stderr else ""
        out, err = waiting.communicate(timeout=TIMEOUT)
        assert waiting.returncode == 0, out + err
        assert f"{SITE}: waiting for the crawl by" in err
    finally:
        for process in (first,):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    history = runs(sqlite_url, home)
    assert [r["status"] for r in history] == ["succeeded", "succeeded"]  # the --no-wait attempt opened no run
    assert [r["trigger"] for r in history] == ["scheduled", "manual"]
    assert history[1]["new_documents"] == 0 and history[0]["finished_at"] <= history[1]["started_at"]  # type: ignore[operator]


def test_kill_9_mid_crawl_then_the_next_crawl_completes_the_work(sqlite_url: str, tmp_path: Path, replica) -> None:
    home = tmp_path / "home"
    assert cli(sqlite_url, home, "init").returncode == 0
    victim = start_crawl(sqlite_url, home, replica)
    try:
        wait_for(lambda: documents(sqlite_url) >= 2, "two stored documents")
    finally:
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(TIMEOUT)
    stored_before = documents(sqlite_url)
    assert lease_held(sqlite_url)  # the dead crawl could not release it

    after = cli(sqlite_url, home, "crawl", SITE, "--base-url", replica.base_urls[SITE])
    assert after.returncode == 0, after.stdout + after.stderr
    history = runs(sqlite_url, home)
    assert [r["status"] for r in history] == ["failed", "succeeded"]
    assert str(history[0]["error"]).startswith("stale: its process") and history[0]["finished_at"]
    assert not lease_held(sqlite_url)

    # Nothing lost, nothing twice: every article the site lists is archived exactly once.
    base = replica.base_urls[SITE]
    with session_factory(sqlite_url)() as session:
        urls = [url.removeprefix(base) for url in session.scalars(select(DocumentUrl.url))]
    assert len(urls) == len(set(urls))
    for article in expected_articles(SITE):
        assert {article.path, f"/vi/node/{article.id}"} & set(urls), f"{article.path} was lost"
    assert documents(sqlite_url) == len(expected_articles(SITE)) > stored_before
