"""Cheap re-crawls (issue 4): requests and seconds of a second crawl of an unchanged replica site versus the first.

For each replica site, into a fresh SQLite archive, through the real command line (one ``newsharvest crawl`` child
process per crawl, as an operator runs it, with the fast settings of the end-to-end tests) against the replica
server on 127.0.0.1:

1. ``first``: an empty archive; every page is fetched.
2. ``second, no validators``: the same site, unchanged, with ``http_validators`` emptied first: the incremental
   crawl as it was before conditional requests (known articles skipped, listings fetched in full).
3. ``second``: unchanged again, with the validators the previous run stored: feeds and listings answer 304.
4. ``refresh``: ``--refresh``, which sends no validators and fetches every article again (for contrast).

Requests are counted by kind (robots, feed, sitemap, listing, article, other) from the server's request log; ``304``
is how many were answered Not Modified and ``kB`` the body bytes the server sent; ``wall s`` is the child process
from start to exit (interpreter and Scrapy start-up included), ``run s`` the run's own span from ``crawl_runs``.

Seconds depend on politeness more than on anything else. ``--crawl-delay`` sets the replica's robots.txt
``Crawl-delay`` (the crawler's floor between two requests to a host; default 0, as in the end-to-end tests). Either
way AutoThrottle starts each host at 2 s between requests and lowers that only on 200 answers (Scrapy ignores the
latency of any other status), so a crawl made of 304s keeps the start delay: its seconds follow its request count.
The results file keeps one entry per crawl delay measured.

    python bench/second_crawl.py [--sites NAME ...] [--crawl-delay S] [--out FILE] [--slow-seconds S] [--timeout S]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, delete, select  # noqa: E402  (after the sys.path fix above)

from newsharvest.replica.server import SITE_NAMES, ReplicaServer, request_kind  # noqa: E402
from pipeline.sites import load_sites  # noqa: E402
from storage.models import CrawlRun, HttpValidator  # noqa: E402

DEFAULT_OUT = REPO / "bench/results/second_crawl.json"
KINDS = ("robots", "feed", "sitemap", "listing", "article", "other")
CRAWLS = ("first", "second, no validators", "second", "refresh")
DOWNLOAD_TIMEOUT = 2.0
SLOW_SECONDS = 3.0


def _env(db_url: str, home: Path, timeout: float) -> dict[str, str]:
    env = {
        **os.environ, "NEWSHARVEST_DB": db_url, "NEWSHARVEST_HOME": str(home), "NEWSHARVEST_DOWNLOAD_DELAY": "0",
        "NEWSHARVEST_DOWNLOAD_TIMEOUT": f"{timeout:g}", "NEWSHARVEST_RETRY_TIMES": "1", "NEWSHARVEST_RETRY_BACKOFF": "0.2",
    }  # fmt: skip
    env.pop("NEWSHARVEST_SITES", None)
    return env


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "newsharvest", *args], env=env, capture_output=True, text=True,
                            timeout=600, check=False)  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"newsharvest {' '.join(args)} exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return result


def measure_site(
    name: str, server: ReplicaServer, workdir: Path, *, timeout: float = DOWNLOAD_TIMEOUT
) -> dict[str, dict[str, Any]]:
    """The four crawls of one site into a fresh archive under ``workdir``: requests by kind, 304s, seconds."""
    db_path = workdir / f"{name}.db"
    db_url = f"sqlite:///{db_path}"
    env = _env(db_url, workdir / "home", timeout)
    _cli(env, "init")
    engine = create_engine(db_url)
    base = server.base_urls[name]
    site = load_sites()[name].with_base_url(base)
    results: dict[str, dict[str, Any]] = {}
    try:
        for crawl in CRAWLS:
            if crawl == "second, no validators":
                with engine.begin() as conn:
                    conn.execute(delete(HttpValidator))
            time.sleep(0.2)  # let a late answer of the previous crawl (the slow fault page) land before counting
            server.clear_requests()
            extra = ["--refresh"] if crawl == "refresh" else []
            started = time.monotonic()
            _cli(env, "crawl", name, f"--base-url={base}", *extra)
            wall = time.monotonic() - started
            requested = server.requests(name)
            answers = server.answers(name)
            with engine.connect() as conn:
                run = conn.execute(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)).one()
                validators = len(conn.execute(select(HttpValidator.id)).all())
            by_kind = Counter(request_kind(site, path) for path in requested)
            results[crawl] = {
                "requests": {kind: by_kind[kind] for kind in KINDS},
                "total": len(requested),
                "not_modified": sum(answer.status == 304 for answer in answers),
                "body_bytes": sum(answer.body_bytes for answer in answers),
                "wall_s": round(wall, 2),
                "run_s": round((run.finished_at - run.started_at).total_seconds(), 2),
                "status": run.status,
                "new_documents": run.new_documents,
                "skipped_known": run.skipped_known,
                "errors": run.errors,
                "validators_stored": validators,
            }
    finally:
        engine.dispose()
    return results


def run(
    sites: Sequence[str], *, crawl_delay: float = 0.0, out: Path | None = DEFAULT_OUT, workdir: Path | None = None,
    slow_seconds: float = SLOW_SECONDS, timeout: float = DOWNLOAD_TIMEOUT, log: Callable[[str], None] = print,
) -> dict[str, Any]:  # fmt: skip
    """Measure every site, print the table through ``log``, and store the result in ``out`` (unless None) under its
    crawl delay, next to those of other crawl delays; returns it."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="nh-second-crawl-") as tmp:
        root = workdir or Path(tmp)
        with ReplicaServer(sites=sites, crawl_delay=crawl_delay, slow_seconds=slow_seconds) as server:
            per_site = {name: measure_site(name, server, root, timeout=timeout) for name in sites}
    result: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "settings": {
            "download_delay": 0,
            "download_timeout": timeout,
            "retry_times": 1,
            "slow_seconds": slow_seconds,
            "crawl_delay": crawl_delay,
            "archive": "sqlite",
        },
        "crawls": list(CRAWLS),
        "sites": per_site,
        "run_s": round(time.monotonic() - started, 1),
    }
    for line in table(result):
        log(line)
    if out is not None:
        stored: dict[str, Any] = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
        stored.setdefault("runs", {})[f"crawl_delay={crawl_delay:g}"] = result
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(stored, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        log(f"written {out}")
    return result


def table(result: dict[str, Any]) -> list[str]:
    """The printed table: one row per site and crawl."""
    columns = "".join(f"{k:>8}" for k in (*KINDS, "total", "304", "kB", "wall s"))
    head = f"{'site':<16}{'crawl':<24}{columns}{'run s':>7}"
    lines = [f"crawl delay {result['settings']['crawl_delay']:g} s", head, "-" * len(head)]
    for name, crawls in result["sites"].items():
        for crawl, m in crawls.items():
            cells = "".join(f"{m['requests'][k]:>8}" for k in KINDS) + f"{m['total']:>8}{m['not_modified']:>8}"
            lines.append(f"{name:<16}{crawl:<24}{cells}{m['body_bytes'] / 1000:>8.1f}{m['wall_s']:>8.2f}{m['run_s']:>7.2f}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Run the four crawls of each chosen replica site, print the table and write the JSON results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", nargs="+", choices=SITE_NAMES, default=list(SITE_NAMES))
    parser.add_argument("--crawl-delay", type=float, default=0.0, help="the replica's robots.txt Crawl-delay (s)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--slow-seconds", type=float, default=SLOW_SECONDS, help="how long sonoivu's slow fault page waits")
    parser.add_argument("--timeout", type=float, default=DOWNLOAD_TIMEOUT, help="the crawler's download timeout (s)")
    args = parser.parse_args(argv)
    run(args.sites, crawl_delay=args.crawl_delay, out=args.out, slow_seconds=args.slow_seconds, timeout=args.timeout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
