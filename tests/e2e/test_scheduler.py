"""The scheduled service end to end: `newsharvest schedule` against a small news site on 127.0.0.1.

The site publishes a new article between two scheduled runs: the next run stores it and fetches no older article.
A site that hangs past the crawl time limit gets its run killed and recorded as failed while the service carries on;
SIGTERM stops the service cleanly.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.db import session_factory
from storage.models import CrawlRun, Document

pytestmark = pytest.mark.slow

SEEDS = Path(__file__).resolve().parents[2] / "newsharvest" / "seeds"
WAIT = 60.0


class TinySite:
    """A news site with an RSS feed and article pages; ``publish`` adds an article, ``hang`` makes the feed stall."""

    def __init__(self) -> None:
        self.articles: list[tuple[str, str, list[str]]] = []
        self.requests: Counter[str] = Counter()
        self.hang = threading.Event()
        self.stopping = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests[self.path] += 1
                if self.path == "/feed.xml" and site.hang.is_set():
                    site.stopping.wait(30)  # bounded: longer than the crawl's time limit, shorter than the test
                body, ctype = site.page(self.path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def publish(self, seed_prefix: str, when: datetime) -> str:
        text = next(SEEDS.glob(f"{seed_prefix}_*.txt")).read_text(encoding="utf-8")
        lines = [line.strip() for line in text.split("\n") if len(line.strip()) > 60]
        path = f"/news/{len(self.articles) + 1}.html"
        self.articles.append((path, lines[0][:90], [when.isoformat(), *lines[1:]]))
        return path

    def page(self, path: str) -> tuple[bytes, str]:
        if path == "/robots.txt":
            return b"User-agent: *\nAllow: /\n", "text/plain"
        if path == "/feed.xml":
            items = "".join(
                f"<item><title>{title}</title><link>{self.base_url}{p}</link>"
                f"<pubDate>{format_datetime(datetime.fromisoformat(body[0]))}</pubDate></item>"
                for p, title, body in reversed(self.articles)
            )
            rss = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Tiny</title>{items}</channel></rss>'
            return rss.encode(), "application/rss+xml; charset=utf-8"
        for p, title, body in self.articles:
            if p == path:
                paragraphs = "".join(f"<p>{line}</p>" for line in body[1:])
                html = (
                    f'<html lang="vi"><head><meta charset="utf-8"><title>{title}</title>'
                    f'<meta property="article:published_time" content="{body[0]}"></head>'
                    f"<body><h1>{title}</h1><article>{paragraphs}</article></body></html>"
                )
                return html.encode(), "text/html; charset=utf-8"
        return b"", "text/plain"

    def close(self) -> None:
        self.stopping.set()
        self.server.shutdown()


@pytest.fixture
def tiny() -> Iterator[TinySite]:
    site = TinySite()
    yield site
    site.close()


def start_service(db_url: str, tmp_path: Path, site: TinySite, **env_extra: str) -> tuple[subprocess.Popen[bytes], Path]:
    sites_file = tmp_path / "tiny.toml"
    sites_file.write_text(
        f'[[site]]\nname = "tiny_news"\nbase_url = "{site.base_url}"\nfeeds = ["/feed.xml"]\n'
        "article_url_pattern = '^/news/\\d+\\.html$'\nschedule = { every = \"3s\" }\n",
        encoding="utf-8",
    )
    env = {
        **os.environ, "NEWSHARVEST_DB": db_url, "NEWSHARVEST_HOME": str(tmp_path / "home"), "NEWSHARVEST_SITES": str(sites_file),
        "NEWSHARVEST_DOWNLOAD_DELAY": "0", "NEWSHARVEST_RETRY_TIMES": "0", "NEWSHARVEST_LOG_FORMAT": "json", **env_extra,
    }  # fmt: skip
    assert subprocess.run([sys.executable, "-m", "newsharvest", "init"], env=env, capture_output=True, check=False).returncode == 0
    log_path = tmp_path / "service.log"
    with log_path.open("wb") as log:
        service = subprocess.Popen([sys.executable, "-m", "newsharvest", "schedule", "tiny_news"], env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    return service, log_path


def wait_for(condition, what: str, service: subprocess.Popen[bytes], log_path: Path) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT
    while not condition():
        if service.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"waiting for {what}; service log:\n{log_path.read_text(errors='replace')[-4000:]}")
        time.sleep(0.2)


def stop(service: subprocess.Popen[bytes]) -> int:
    if service.poll() is None:
        service.send_signal(signal.SIGTERM)
    try:
        return service.wait(WAIT)
    except subprocess.TimeoutExpired:
        os.killpg(service.pid, signal.SIGKILL)
        raise


def count(db_url: str, model: type, *where: object) -> int:
    with session_factory(db_url)() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


def test_the_next_scheduled_run_stores_the_new_article_and_nothing_older(sqlite_url: str, tmp_path: Path, tiny) -> None:
    start = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    first_paths = [tiny.publish("003", start), tiny.publish("004", start + timedelta(hours=2))]
    service, log_path = start_service(sqlite_url, tmp_path, tiny)
    try:
        wait_for(lambda: count(sqlite_url, Document) == 2 and count(sqlite_url, CrawlRun, CrawlRun.status == "succeeded") >= 1,
                 "the first scheduled run", service, log_path)  # fmt: skip
        new_path = tiny.publish("001", start + timedelta(days=1))
        wait_for(lambda: count(sqlite_url, Document) == 3, "the new article", service, log_path)
    finally:
        assert stop(service) == 0
    assert all(tiny.requests[p] == 1 for p in first_paths), tiny.requests  # older articles fetched once, ever
    assert tiny.requests[new_path] == 1
    with session_factory(sqlite_url)() as session:
        runs = session.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()
    assert runs and all(r.trigger == "scheduled" for r in runs)
    assert all(r.status in ("succeeded", "interrupted") for r in runs), [(r.status, r.error) for r in runs]
    events = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    assert any(e.get("run_id") == runs[0].id and e.get("site") == "tiny_news" for e in events)
    assert {"timestamp", "level", "logger", "event"} <= set(events[0])


def test_a_hanging_crawl_is_killed_at_its_time_limit_and_recorded_failed(sqlite_url: str, tmp_path: Path, tiny) -> None:
    tiny.publish("003", datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
    tiny.hang.set()
    service, log_path = start_service(
        sqlite_url, tmp_path, tiny, NEWSHARVEST_CRAWL_TIME_LIMIT="8", NEWSHARVEST_DOWNLOAD_TIMEOUT="60"
    )
    try:
        wait_for(lambda: count(sqlite_url, CrawlRun, CrawlRun.status == "failed") >= 1, "a failed run", service, log_path)
        tiny.hang.clear()  # the site recovers: the service is still there and the next run succeeds
        wait_for(lambda: count(sqlite_url, Document) == 1, "the next run's document", service, log_path)
    finally:
        assert stop(service) == 0
    with session_factory(sqlite_url)() as session:
        failed = session.scalars(select(CrawlRun).where(CrawlRun.status == "failed")).first()
    assert failed is not None and failed.error is not None and "time limit of 8 s exceeded" in failed.error
    assert count(sqlite_url, CrawlRun, CrawlRun.status == "running") == 0


def test_sigterm_interrupts_the_crawl_in_flight_and_the_service_exits(sqlite_url: str, tmp_path: Path, tiny) -> None:
    tiny.publish("003", datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
    tiny.hang.set()
    service, log_path = start_service(sqlite_url, tmp_path, tiny, NEWSHARVEST_DOWNLOAD_TIMEOUT="6")
    wait_for(lambda: tiny.requests["/feed.xml"] >= 1, "the crawl's feed request", service, log_path)
    started = time.monotonic()
    assert stop(service) == 0
    assert time.monotonic() - started < 30
    with session_factory(sqlite_url)() as session:
        statuses = [(r.status, r.error) for r in session.scalars(select(CrawlRun))]
    assert statuses == [("interrupted", "interrupted (SIGINT/SIGTERM)")], log_path.read_text()[-3000:]


def test_a_crashing_crawl_is_recorded_failed_and_site_files_reload_on_sighup(sqlite_url: str, tmp_path: Path, tiny) -> None:
    tiny.publish("003", datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
    # 64 MiB of address space: the crawl process dies of MemoryError while importing its libraries.
    service, log_path = start_service(sqlite_url, tmp_path, tiny, NEWSHARVEST_CRAWL_MEMORY_LIMIT_MB="64")
    try:
        wait_for(lambda: count(sqlite_url, CrawlRun, CrawlRun.status == "failed") >= 1, "a failed run", service, log_path)
        assert service.poll() is None  # the service carries on
        sites_file = tmp_path / "tiny.toml"
        sites_file.write_text(sites_file.read_text().replace('every = "3s"', 'every = "2h"'), encoding="utf-8")
        service.send_signal(signal.SIGHUP)
        wait_for(lambda: "'every': '2h'" in log_path.read_text(), "the job rescheduled", service, log_path)
    finally:
        assert stop(service) == 0
    with session_factory(sqlite_url)() as session:
        failed = session.scalars(select(CrawlRun).where(CrawlRun.status == "failed")).first()
    assert failed is not None and "before it opened its run" in (failed.error or "")


def test_a_crawl_waits_out_a_busy_database(sqlite_url: str, tmp_path: Path, tiny) -> None:
    """Another process holds SQLite's write lock for a few seconds: the crawl waits and stores everything."""
    import sqlite3

    tiny.publish("003", datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
    tiny.publish("004", datetime(2026, 11, 21, 8, 0, tzinfo=UTC))
    service, _log = start_service(sqlite_url, tmp_path, tiny)
    stop(service)  # only wanted init and the site file
    env = {**os.environ, "NEWSHARVEST_DB": sqlite_url, "NEWSHARVEST_SITES": str(tmp_path / "tiny.toml"),
           "NEWSHARVEST_DOWNLOAD_DELAY": "0"}  # fmt: skip
    blocker = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), timeout=1)
    blocker.execute("BEGIN IMMEDIATE")
    crawl = subprocess.Popen([sys.executable, "-m", "newsharvest", "crawl", "tiny_news"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)  # fmt: skip
    time.sleep(4)
    blocker.rollback()
    blocker.close()
    out, err = crawl.communicate(timeout=WAIT)
    assert crawl.returncode == 0, out + err
    assert count(sqlite_url, Document) == 2
    assert count(sqlite_url, CrawlRun, CrawlRun.status == "succeeded") == 1


def test_kill_9_of_the_service_stops_its_crawl_and_the_next_start_recovers(sqlite_url: str, tmp_path: Path, tiny) -> None:
    tiny.publish("003", datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
    tiny.hang.set()
    service, log_path = start_service(sqlite_url, tmp_path, tiny, NEWSHARVEST_DOWNLOAD_TIMEOUT="6")
    wait_for(lambda: tiny.requests["/feed.xml"] >= 1, "the crawl's feed request", service, log_path)
    os.kill(service.pid, signal.SIGKILL)  # the service alone: its crawl is in a process group of its own
    service.wait(WAIT)
    # The kernel tells the orphaned crawl (PR_SET_PDEATHSIG): it stops and records its run, without a service.
    deadline = time.monotonic() + WAIT
    while count(sqlite_url, CrawlRun, CrawlRun.status == "running") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert count(sqlite_url, CrawlRun, CrawlRun.status == "running") == 0
    tiny.hang.clear()
    restarted, log_path = start_service(sqlite_url, tmp_path, tiny)
    try:
        wait_for(lambda: count(sqlite_url, Document) == 1, "the article, after the restart", restarted, log_path)
    finally:
        assert stop(restarted) == 0
    with session_factory(sqlite_url)() as session:
        first = session.scalars(select(CrawlRun).order_by(CrawlRun.id)).first()
    assert first is not None and first.status in ("interrupted", "failed")
