"""The fault bench (bench/faults.py, bench/fault_server.py; issue 9) measures something real, and the bar holds.

One real ``newsharvest crawl`` of the hostile fault site into a fresh SQLite file runs every fault at once (about
20 s: the slow faults wait out their timeouts side by side). Each fault's row must meet the bar — no article URL
without a pages row, no junk or garbled document, no crash, no traceback, every failure with a reason an operator
understands — and be handled the way the registry calls correct. A fault the code does not handle yet is an
``xfail(strict=True)`` naming the gap: when the fix lands the test fails until the mark is removed.

The same crawl into PostgreSQL runs when ``NEWSHARVEST_TEST_POSTGRES`` names a server (or CI requires services);
otherwise it is skipped. The database faults (bench/fault_db.py) have their own tests.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from bench_scripts import load_bench

bench = load_bench("faults")
server_module = load_bench("fault_server")
FAULTS = server_module.FAULTS

pytestmark = pytest.mark.slow

# The faults the code does not handle yet: the gap, and where it is.
KNOWN_GAPS: dict[str, str] = {}
ROWS = [*FAULTS, "good_articles", "whole_crawl"]


def _params(names: list[str]) -> list[Any]:
    return [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[name])) if name in KNOWN_GAPS else name
        for name in names
    ]


def _rows(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in result["rows"]}


def _assert_bar(row: dict[str, Any]) -> None:
    detail = f"{row['fault']} [{row['backend']}]: {row['outcome']} (reasons: {row['reasons'][:3]})"
    assert row["lost"] == 0, detail
    assert row["junk"] == 0, detail
    assert row["crashes"] == 0, detail
    assert row["tracebacks"] == 0, detail
    assert row["reason_recorded"], detail
    assert row["expected"] is not False, detail
    assert row["ok"] and row["row_ok"], detail


@pytest.fixture(scope="module")
def sqlite_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], list[str], Path]:
    workdir = tmp_path_factory.mktemp("faults")
    out = workdir / "faults.json"
    lines: list[str] = []
    result = bench.run(["sqlite"], db_faults=False, out=out, workdir=workdir, log=lines.append)
    return result, lines, out


# -- the harness and the server themselves (no crawl) ----------------------------------------------------------------


def test_registry_is_complete() -> None:
    for name, fault in FAULTS.items():
        assert fault.name == name
        assert fault.kind in ("article", "feed", "sitemap", "listing")
        assert fault.expect in ("document", "failed", "row", "discovery_error", "bounded")
        assert fault.correct and fault.label
        if fault.kind == "article":
            assert hasattr(server_module.FaultServer, f"_fault_{name}"), name
        if fault.expect in ("document", "row"):
            assert fault.story in server_module.STORIES, name
    article_paths = [f.path for f in FAULTS.values() if f.kind == "article"]
    assert len(set(article_paths)) == len(article_paths)
    assert len(FAULTS["long_url"].path) > 2083


def test_server_serves_the_faults_it_describes() -> None:
    def get(url: str) -> tuple[int, dict[str, str], bytes]:
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None

        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(url, timeout=5) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    with server_module.FaultServer(download_timeout=0.5) as server:
        base = server.base_url
        assert get(base + FAULTS["http_404"].path)[0] == 404
        status, headers, _ = get(base + FAULTS["http_429"].path)
        assert status == 429 and headers["Retry-After"] == "1"
        assert get(base + FAULTS["http_429"].path)[0] == 429  # too soon
        status, headers, _ = get(base + FAULTS["redirect_loop"].path)
        assert status == 302 and get(base + headers["Location"])[1]["Location"] == FAULTS["redirect_loop"].path
        status, headers, body = get(base + FAULTS["cp1258_as_utf8"].path)
        assert "utf-8" in headers["Content-Type"]
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        status, headers, body = get(base + FAULTS["gzip_bomb"].path)
        assert headers["Content-Encoding"] == "gzip" and len(body) < 1024 * 1024
        listing = get(base + "/tin-tuc")[2].decode("utf-8")
        assert all(f.path in listing for f in FAULTS.values() if f.kind == "article")
        assert server.count("/tin-tuc") == 1 and not server.requests("offsite")


def test_judging_helpers() -> None:
    assert bench.understandable("HTTP 404")
    assert bench.understandable("timeout after 3s")
    assert bench.understandable("IgnoreRequest: max redirections reached")
    assert not bench.understandable("DownloadCancelledError")
    assert not bench.understandable("")
    assert not bench.understandable("ResponseFailed: [<twisted.python.failure.Failure twisted.internet.error.ConnectionLost>]")
    clean = " ".join(server_module.STORIES[101].paragraphs)
    assert bench.garbled("Lạng Sơn", clean) == []
    assert any("U+FFFD" in p for p in bench.garbled("L\ufffdng", clean))
    assert any("mojibake" in p for p in bench.garbled("Lạng Sơn", clean + " Láº¡ng SÆ¡n"))
    assert any("chrome" in p for p in bench.garbled("Lạng Sơn", clean + " Bản quyền thuộc về Báo Biên Cương"))
    faults = list(FAULTS.values())
    stderr = (
        "ERROR scrapy.core.scraper Error processing {'url': 'http://127.0.0.1:1" + FAULTS["pdf"].path + "'}\n"
        "Traceback (most recent call last):\n  File x\nValueError: boom\n"
        "ERROR something else\nTraceback (most recent call last):\n  File y\nKeyError: 1\n"
    )
    assert bench.attribute_tracebacks(stderr, faults) == {"pdf": 1, bench.WHOLE: 1}


# -- one crawl into SQLite ------------------------------------------------------------------------------------------


def test_the_bench_prints_the_table_and_writes_the_results(sqlite_run: tuple[dict[str, Any], list[str], Path]) -> None:
    result, lines, out = sqlite_run
    assert lines[0].startswith("sqlite: crawling")
    head = next(line for line in lines if line.startswith("fault "))
    for column in ("backend", "what the crawl did", "lost", "junk", "crash", "tb", "reason", "expected", "ok"):
        assert column in head
    assert lines[-1] == f"written {out}"
    stored = json.loads(out.read_text(encoding="utf-8"))
    assert stored["rows"] == json.loads(json.dumps(result["rows"], default=str))
    assert {"generated_at", "machine", "settings", "crawls", "notes", "rows", "ok"} <= set(stored)
    rows = _rows(result)
    assert list(rows) == ROWS
    for row in rows.values():
        assert row["backend"] == "sqlite"
        assert {"fault", "outcome", "lost", "junk", "crashes", "tracebacks", "reason_recorded", "reasons", "ok"} <= set(row)
        assert row["outcome"]
    assert result["crawls"]["sqlite"]["exit"] in (0, 1)
    assert result["crawls"]["sqlite"]["seconds"] < bench.CRAWL_TIMEOUT


def test_the_crawl_was_bounded(sqlite_run: tuple[dict[str, Any], list[str], Path]) -> None:
    result, _lines, _out = sqlite_run
    assert result["crawls"]["sqlite"]["seconds"] < 90
    rows = _rows(result)
    assert rows["whole_crawl"]["crashes"] == 0
    assert "stopped after" in rows["calendar_trap"]["outcome"]


@pytest.mark.parametrize("name", _params(ROWS))
def test_fault_meets_the_bar_on_sqlite(sqlite_run: tuple[dict[str, Any], list[str], Path], name: str) -> None:
    _assert_bar(_rows(sqlite_run[0])[name])


# -- the same crawl into PostgreSQL ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    required = os.environ.get("NEWSHARVEST_REQUIRE_SERVICES") == "1"
    if not os.environ.get("NEWSHARVEST_TEST_POSTGRES") and not required:
        pytest.skip("the fault bench on PostgreSQL runs when NEWSHARVEST_TEST_POSTGRES names a server")
    workdir = tmp_path_factory.mktemp("faults_pg")
    result = bench.run(["postgresql"], db_faults=False, out=None, workdir=workdir, log=lambda _line: None)
    skipped = [note for note in result["notes"] if note.startswith("postgresql: skipped")]
    if skipped:
        if required:
            pytest.fail(f"PostgreSQL is required here (NEWSHARVEST_REQUIRE_SERVICES=1) but {skipped[0]}")
        pytest.skip(skipped[0])
    return dict(result)


@pytest.mark.postgres
@pytest.mark.parametrize("name", _params(ROWS))
def test_fault_meets_the_bar_on_postgresql(postgres_run: dict[str, Any], name: str) -> None:
    _assert_bar(_rows(postgres_run)[name])
