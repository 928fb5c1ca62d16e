"""Faults (issue 9): what a real crawl does with every fault a news site can throw at it, into a real database.

For each backend (SQLite: a fresh file in a temporary folder; PostgreSQL: a fresh, uniquely named database on
``NEWSHARVEST_TEST_POSTGRES`` or ``postgresql://postgres@127.0.0.1:5432/test``, dropped afterwards, or skipped with
the reason when the server cannot be reached): the hostile site of ``bench/fault_server.py`` served on 127.0.0.1,
``newsharvest init``, then ONE ``newsharvest crawl`` child process of it (as an operator runs it, with a site file
pointing at the server and fast settings through the environment: no politeness delay, a 3 s download timeout, one
retry after 0.2 s; the page size limit is the default 8 MiB). Then each fault is judged from the database and the
server's request log against its registry entry (``fault_server.FAULTS``: where it lives, what correct handling is):

``lost``
    article URLs the crawl decided to follow that ended with no ``pages`` row (for the calendar trap, the events of
    the calendar pages it read; for the huge feed, its one new article when the feed was read without complaint);
``junk``
    documents that are not the article (site chrome, empty, binary) or hold garbled text: U+FFFD, mojibake ("Ã",
    "á»"), letters windows-1252 makes of windows-1258 bytes ("Ð", "Þ"), not NFC, control characters, or an article's
    title or paragraphs missing or changed;
``crashes``
    a crawl that exited other than 0 or 1, or had to be killed (it must finish within ``CRAWL_TIMEOUT``);
``tracebacks``
    ``Traceback (most recent call last)`` in the crawl's stderr, attributed to the fault whose URL the lines around
    it name, else to the ``whole crawl`` row;
``reason recorded``
    every failure has a reason stored against its page (``pages.error``) or the run (``crawl_runs.error``) that an
    operator understands: not empty, not a bare exception class name, not a Python repr;
``expected``
    the fault was handled the way its registry entry says is correct (e.g. 429 then 200: the article stored; redirect
    to another host: not followed; windows-1258 labelled UTF-8: clean text).

A row is ``ok`` when it meets the bar (``FaultResult.ok``) and its ``expected`` check passes. Two more rows per
backend: ``good articles`` (the eight clean articles each one document, exactly once) and ``whole crawl`` (exit
status, run status, its reason, tracebacks no fault's URL explains). The database faults of ``bench/fault_db.py``
(when that file is there) run after the HTTP faults and print in the same table.

    python bench/faults.py [--backends sqlite,postgresql] [--only NAME,...] [--no-db] [--out FILE] [--workdir DIR]
                           [--code DIR] [-v]

``--only`` picks faults by name (``python bench/fault_server.py`` lists them; ``database`` picks the database faults);
``--code DIR`` runs the crawl from another checkout (e.g. ``git archive HEAD | tar -x -C DIR``) to compare.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import itertools
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import time
import unicodedata
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
for _path in (REPO, BENCH):  # run as a script from anywhere, or imported by a test
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from fault_result import FaultResult  # noqa: E402  (after the sys.path fix above)
from fault_server import (  # noqa: E402
    CHROME_MARKERS,
    FAULTS,
    GOOD_STORIES,
    HUGE_FEED_STORY,
    MAX_LISTING_PAGES,
    REDIRECT_HOPS,
    SITE_NAME,
    STORIES,
    Fault,
    FaultServer,
    Story,
    trap_event_path,
    trap_story,
)
from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from storage.db import normalize_db_url  # noqa: E402
from storage.models import CrawlRun, Document, Page  # noqa: E402

__all__ = [
    "BACKENDS",
    "DEFAULT_OUT",
    "Row",
    "garbled",
    "judge",
    "main",
    "run",
    "run_backend",
    "table",
    "understandable",
]

BACKENDS = ("sqlite", "postgresql")
DEFAULT_OUT = REPO / "bench/results/faults.json"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
DOWNLOAD_TIMEOUT = 3.0
RETRY_AFTER_MAX = 5.0  # the longest Retry-After the crawl honours here (120 s by default): the 503 asks for 3600 s
FAST_ENV = {
    "NEWSHARVEST_DOWNLOAD_DELAY": "0", "NEWSHARVEST_DOWNLOAD_TIMEOUT": f"{DOWNLOAD_TIMEOUT:g}",
    "NEWSHARVEST_RETRY_TIMES": "1", "NEWSHARVEST_RETRY_BACKOFF": "0.2", "NEWSHARVEST_RETRY_AFTER_MAX": f"{RETRY_AFTER_MAX:g}",
}  # fmt: skip
CRAWL_TIMEOUT = 180.0  # seconds the one crawl may take before it is killed (and counted as a crash)
CLI_TIMEOUT = 60.0  # newsharvest init
TRACEBACK = "Traceback (most recent call last)"
EXPECTED_EXITS = (0, 1)
WHOLE = "whole crawl"
GOOD = "good articles"

# Garbled text: mojibake of UTF-8 read as windows-1252/Latin-1 (also what decode.py repairs), and letters windows-1252
# makes of windows-1258 bytes (no Vietnamese word has them).
_MOJIBAKE_RE = re.compile(r"Ã[\u0080-\u00bf¡-ÿ]|á[º»¼½¾¸¹]|Æ[°¡]|Ä[‘\u0091\u0090‘]|Å[©¨]|â€|Â[\s\u00a0-\u00bf]")
_FOREIGN_RE = re.compile(r"[ÐðÞþ¤¦¨´¸¹²³¼½¾×÷¿¡¬¯]")
_CONTROL_RE = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]")
_BINARY_MARKERS = ("%PDF", "endobj", "IHDR", "IDAT", "\x89PNG", "JFIF")
_REPR_RE = re.compile(r"<[\w.]+ (object )?at 0x|<twisted\.python\.failure|\[<|Traceback \(most recent")
_CLASS_PREFIX_RE = re.compile(r"^(?:\w+\.)*[A-Z]\w*:\s*")
_WORD_RE = re.compile(r"[^\W\d_]{2,}")
# A failure that says the crawler tried to connect (so it followed a redirect it should not have).
_CONNECTED_RE = re.compile(r"time.?out|timed out|refused|unreachable|no route|DNS|connection (lost|was|closed)", re.I)


@dataclass
class Row:
    """One line of the table: the shared ``FaultResult`` plus this bench's own judgement of correct handling."""

    name: str  # registry name ("http_429"), or "good_articles", "whole_crawl", "database"
    result: FaultResult
    expected: bool | None = None  # handled as the registry says is correct (None: no such check, e.g. database rows)
    correct: str = ""  # what correct handling is

    @property
    def ok(self) -> bool:
        return self.result.ok and self.expected is not False

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, **self.result.as_json(), "expected": self.expected, "correct": self.correct,
                "row_ok": self.ok}  # fmt: skip


def understandable(reason: str | None) -> bool:
    """Whether a stored reason tells an operator something: not empty, not a bare class name, not a repr."""
    if not reason or not reason.strip():
        return False
    reason = reason.strip()
    if _REPR_RE.search(reason):
        return False
    body = _CLASS_PREFIX_RE.sub("", reason)
    if re.match(r"HTTP \d{3}\b", body):
        return True
    return len(_WORD_RE.findall(body)) >= 2


def _squash(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).split())


def garbled(title: str, body: str) -> list[str]:
    """What makes a document junk, whatever article it claims to be (empty list: clean)."""
    problems = []
    both = f"{title}\n{body}"
    if len(body.strip()) < 200:
        problems.append(f"text of {len(body.strip())} characters")
    if "\ufffd" in both:
        problems.append(f"U+FFFD ×{both.count(chr(0xFFFD))}")
    mojibake = _MOJIBAKE_RE.findall(both)
    if mojibake:
        problems.append(f"mojibake ×{len(mojibake)} ({' '.join(dict.fromkeys(mojibake[:3]))})")
    foreign = _FOREIGN_RE.findall(both)
    if foreign:
        problems.append(f"non-Vietnamese letters ×{len(foreign)} ({''.join(dict.fromkeys(foreign[:5]))})")
    if unicodedata.normalize("NFC", both) != both:
        problems.append("not NFC")
    if _CONTROL_RE.search(both):
        problems.append("control characters")
    if any(marker in both for marker in _BINARY_MARKERS):
        problems.append("binary content")
    chrome = [m for m in CHROME_MARKERS if m in body]
    if chrome:
        problems.append(f"site chrome ({chrome[0]!r})")
    return problems


def story_problems(title: str, body: str, story: Story) -> list[str]:
    """How a document differs from the article it should be (empty list: it is that article)."""
    problems = []
    if _squash(title) != _squash(story.title):
        problems.append(f"title {title[:50]!r}")
    text = _squash(body)
    parts = (story.sapo, *story.paragraphs)
    missing = sum(_squash(part) not in text for part in parts)
    if missing:
        problems.append(f"{missing} of {len(parts)} paragraphs missing or changed")
    return problems


# -- a crawl -------------------------------------------------------------------------------------------------------


@dataclass
class Crawl:
    """One ``newsharvest`` child process: how it ended and what it printed."""

    args: tuple[str, ...]
    returncode: int | None  # None: killed after its time limit
    seconds: float
    stdout: str
    stderr: str

    @property
    def crashed(self) -> bool:
        return self.returncode not in EXPECTED_EXITS

    @property
    def tracebacks(self) -> int:
        return self.stderr.count(TRACEBACK) + self.stdout.count(TRACEBACK)

    def describe(self) -> str:
        if self.returncode is None:
            return f"killed after {self.seconds:.0f} s"
        if self.returncode < 0:
            return f"died of signal {-self.returncode} after {self.seconds:.0f} s"
        return f"exit {self.returncode} after {self.seconds:.0f} s"


def _env(db_url: str, home: Path, code: Path | None) -> dict[str, str]:
    env = {**os.environ, "NEWSHARVEST_DB": db_url, "NEWSHARVEST_HOME": str(home), **FAST_ENV}
    for name in ("NEWSHARVEST_SITES", "NEWSHARVEST_MAX_PAGE_BYTES", "NEWSHARVEST_CONCURRENCY"):
        env.pop(name, None)
    if code is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(code), *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def newsharvest(env: dict[str, str], *args: str, timeout: float, cwd: Path | None = None) -> Crawl:
    """``newsharvest ARGS`` in its own process group; after ``timeout`` the whole group is killed."""
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-m", "newsharvest", *args], env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, errors="replace", start_new_session=True,
    )  # fmt: skip
    try:
        stdout, stderr = child.communicate(timeout=timeout)
        code: int | None = child.returncode
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)  # the crawl and its extraction worker: the group this call started
        stdout, stderr = child.communicate(timeout=30)
        code = None
    return Crawl(tuple(args), code, time.monotonic() - started, stdout, stderr)


# -- what the archive holds ------------------------------------------------------------------------------------------


@dataclass
class Snapshot:
    """The rows of one crawl's archive that the judgement reads."""

    pages: list[dict[str, Any]]
    documents: dict[int, dict[str, Any]]
    runs: list[dict[str, Any]]

    def article_rows(self, url: str) -> list[dict[str, Any]]:
        return [p for p in self.pages if _same_url(p["url"], url) and p["kind"] == "article"]

    def rows_of(self, url: str, kind: str) -> list[dict[str, Any]]:
        return [p for p in self.pages if p["url"] == url and p["kind"] == kind]


def _same_url(stored: str, url: str) -> bool:
    """Whether a stored URL is ``url``, or ``url`` cut short to fit its column (with or without a closing "…")."""
    if stored == url:
        return True
    cut = stored.removesuffix("…").removesuffix("...")
    return len(cut) >= 1000 and len(url) > len(cut) and url.startswith(cut)


def snapshot(db_url: str) -> Snapshot:
    engine = create_engine(normalize_db_url(db_url), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            pages = [dict(r._mapping) for r in conn.execute(select(
                Page.id, Page.run_id, Page.kind, Page.url, Page.final_url, Page.status, Page.outcome, Page.error,
                Page.document_id, Page.content_type,
            ).order_by(Page.id))]  # fmt: skip
            documents = {r.id: dict(r._mapping) for r in conn.execute(
                select(Document.id, Document.title, Document.text, Document.origin, Document.duplicate_of)
            )}  # fmt: skip
            runs = [dict(r._mapping) for r in conn.execute(select(
                CrawlRun.id, CrawlRun.status, CrawlRun.error, CrawlRun.pages_fetched, CrawlRun.new_documents,
                CrawlRun.errors, CrawlRun.started_at, CrawlRun.finished_at,
            ).order_by(CrawlRun.id))]  # fmt: skip
    finally:
        engine.dispose()
    return Snapshot(pages, documents, runs)


# -- judging ---------------------------------------------------------------------------------------------------------


def _markers(faults: Iterable[Fault]) -> list[tuple[str, str]]:
    """(text, fault name) pairs that tie a log line to a fault, longest first."""
    pairs: list[tuple[str, str]] = []
    for fault in faults:
        pairs.append((fault.path, fault.name))
        if fault.story is not None and fault.name.startswith("redirect"):
            pairs.append((STORIES[fault.story].path, fault.name))
        pairs += [(hop, fault.name) for hop in REDIRECT_HOPS.get(fault.name, ())]
    names = {f.name for f in faults}
    if "calendar_trap" in names:
        pairs += [("/lich?page=", "calendar_trap"), ("/su-kien/lich-cong-tac-ngay-", "calendar_trap")]
    if "huge_feed" in names:
        pairs.append((STORIES[HUGE_FEED_STORY].path, "huge_feed"))
    if "redirect_private" in names:
        pairs.append(("169.254.169.254", "redirect_private"))
    return sorted(pairs, key=lambda p: -len(p[0]))


def attribute_tracebacks(output: str, faults: Iterable[Fault]) -> Counter[str]:
    """Tracebacks in ``output`` per fault name (``WHOLE`` when no fault's URL is near)."""
    markers = _markers(faults)
    lines = output.splitlines()
    found: Counter[str] = Counter()
    starts = [i for i, line in enumerate(lines) if TRACEBACK in line]
    for n, i in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        window = "\n".join(lines[max(0, i - 3) : min(end, i + 80)])
        found[next((name for marker, name in markers if marker in window), WHOLE)] += 1
    return found


def _doc_line(doc: dict[str, Any], problems: list[str]) -> str:
    return f"document {doc['id']}" + (f": GARBLED ({'; '.join(problems)})" if problems else ", clean")


def _failure_line(row: dict[str, Any]) -> str:
    what = "not an article" if row["outcome"] == "not_article" else "failed"
    return f"{what}: {(row['error'] or '(no reason)')[:120]}"


def judge_article(fault: Fault, base: str, snap: Snapshot, server: FaultServer) -> tuple[FaultResult, bool]:
    """One article fault: its URL's pages rows and documents."""
    url = base + fault.path
    rows = snap.article_rows(url)
    result = FaultResult(fault.label, "", "")
    if not rows:
        result.lost, result.reason_recorded = 1, False
        result.outcome = "no pages row: the URL was dropped without a trace"
        return result, False
    docs = [snap.documents[p["document_id"]] for p in rows if p["document_id"] in snap.documents]
    failures = [p for p in rows if p["outcome"] in ("error", "not_article")]
    result.reasons = [p["error"] or "" for p in failures]
    result.reason_recorded = all(understandable(p["error"]) for p in failures)
    story = STORIES.get(fault.story or 0)
    parts: list[str] = []
    clean_story = False
    for doc in {d["id"]: d for d in docs}.values():
        problems = garbled(doc["title"], doc["text"])
        if story is not None and not problems and fault.expect in ("document", "row"):
            problems = story_problems(doc["title"], doc["text"], story)
        result.junk += bool(problems)
        clean_story = clean_story or not problems
        parts.append(("stored as " if not parts else "") + _doc_line(doc, problems))
    parts += [_failure_line(p) for p in failures]
    if len(rows) > 1:
        parts.append(f"{len(rows)} pages rows")
    matches = bool(fault.reason) and all(re.search(fault.reason or "", p["error"] or "", re.I) for p in failures)
    if fault.expect == "document":
        expected = len(docs) == 1 and clean_story
        miss = "" if expected else "expected: stored, clean"
    elif fault.expect == "failed":
        expected = not docs and bool(failures) and (not fault.reason or matches)
        miss = "" if expected else ("expected: no document" if docs else f"expected: a reason matching /{fault.reason}/")
    else:  # row
        expected = (len(docs) == 1 and clean_story) or (not docs and bool(failures) and matches)
        miss = "" if expected else f"expected: stored, or a reason matching /{fault.reason}/"
    if fault.name in ("http_429", "http_503"):
        times = [r.at for r in server.requests() if r.path == fault.path]
        gaps = [b - a for a, b in itertools.pairwise(times)]
        parts.append(f"requested {len(times)}×" + (f", retried after {', '.join(f'{g:.1f}' for g in gaps)} s" if gaps else ""))
        if fault.name == "http_503" and sum(gaps) > 3 * RETRY_AFTER_MAX + 5:  # minutes, not a slow queue
            expected, miss = False, f"waited past NEWSHARVEST_RETRY_AFTER_MAX ({RETRY_AFTER_MAX:g} s)"
    if fault.name == "redirect_offsite":
        contacted = server.requests("offsite")
        if contacted:
            expected, miss = False, f"followed: the other host ({contacted[0].host}) was contacted"
    if fault.name == "redirect_private" and any(
        p["status"] is not None or _CONNECTED_RE.search(p["error"] or "") for p in failures
    ):
        expected, miss = False, "followed: the crawler tried to connect to 169.254.169.254"
    result.outcome = "; ".join(parts) + (f" — {miss}" if miss else "")
    return result, expected


def judge_discovery(fault: Fault, base: str, snap: Snapshot, server: FaultServer) -> tuple[FaultResult, bool]:
    """One feed, sitemap or listing fault: its error rows, the server's log, what it led to."""
    result = FaultResult(fault.label, "", "")
    url = base + fault.path
    errors = [p for p in snap.pages if p["url"] == url and p["kind"] != "article" and p["outcome"] == "error"]
    result.reasons = [p["error"] or "" for p in errors]
    result.reason_recorded = all(understandable(p["error"]) for p in errors)
    fetched = server.count(fault.path)
    recorded = "; ".join(f"recorded: {(p['error'] or '(no reason)')[:120]}" for p in errors)
    if fault.expect == "discovery_error":
        matches = bool(errors) and all(re.search(fault.reason or "", p["error"] or "", re.I) for p in errors)
        if not errors:
            result.reason_recorded = False
            result.outcome = f"fetched {fetched}×, nothing recorded: a broken {fault.kind} passes for an empty one"
        else:
            result.outcome = f"fetched {fetched}×; {recorded}"
        return result, matches
    if fault.name == "sitemap_loop":
        child = server.count("/sitemap.xml")
        expected = 1 <= fetched <= 2 and child >= 1
        result.outcome = f"index fetched {fetched}×, its child sitemap {child}×" + (f"; {recorded}" if errors else "")
        if not expected:
            result.outcome += " — expected: the index once, the child once"
        return result, expected
    if fault.name == "huge_feed":
        story = STORIES[HUGE_FEED_STORY]
        rows = snap.article_rows(base + story.path)
        docs = [snap.documents[p["document_id"]] for p in rows if p["document_id"] in snap.documents]
        for doc in docs:
            problems = garbled(doc["title"], doc["text"]) or story_problems(doc["title"], doc["text"], story)
            result.junk += bool(problems)
        if errors:
            result.outcome = f"fetched {fetched}×; {recorded}"
            return result, result.reason_recorded
        if not rows:
            result.lost, result.reason_recorded = 1, False
            result.outcome = f"fetched {fetched}×, no error recorded, yet its one new article has no pages row"
            return result, False
        result.outcome = "read; its new article: " + (
            _doc_line(docs[0], garbled(docs[0]["title"], docs[0]["text"])) if docs else _failure_line(rows[0])
        )
        return result, bool(docs) and not result.junk
    if fault.name == "calendar_trap":
        served = server.trap_pages_served()
        for n in served:
            story = trap_story(n)
            rows = snap.article_rows(base + trap_event_path(n))
            if not rows:
                result.lost += 1
                continue
            for page in rows:
                event = snap.documents.get(page["document_id"] or 0)
                if event is not None:
                    problems = garbled(event["title"], event["text"]) or story_problems(event["title"], event["text"], story)
                    result.junk += bool(problems)
        expected = len(served) <= MAX_LISTING_PAGES
        result.outcome = (
            f"stopped after {len(served)} calendar pages (site limit {MAX_LISTING_PAGES} listing pages in all); "
            f"{len(served) - result.lost} of their {len(served)} events have a pages row"
        )
        if not expected:
            result.outcome += " — expected: stop at the listing page limit"
        return result, expected and not result.lost
    raise ValueError(f"no judgement for {fault.name}")


def judge_good(base: str, snap: Snapshot) -> tuple[FaultResult, bool]:
    """The eight good articles: each one document, clean, exactly once."""
    result = FaultResult(GOOD, "", "")
    once = 0
    notes = []
    for sid in GOOD_STORIES:
        story = STORIES[sid]
        rows = snap.article_rows(base + story.path)
        if not rows:
            result.lost += 1
            notes.append(f"{sid}: no pages row")
            continue
        failures = [p for p in rows if p["outcome"] in ("error", "not_article")]
        result.reasons += [p["error"] or "" for p in failures]
        docs = {p["document_id"] for p in rows if p["document_id"] in snap.documents}
        same_title = [d for d in snap.documents.values() if _squash(d["title"]) == _squash(story.title)]
        for doc_id in docs:
            doc = snap.documents[doc_id]
            problems = garbled(doc["title"], doc["text"]) or story_problems(doc["title"], doc["text"], story)
            if problems:
                result.junk += 1
                notes.append(f"{sid}: {'; '.join(problems)}")
        if len(docs) == 1 and len(same_title) == 1:
            once += 1
        elif failures:
            notes.append(f"{sid}: {_failure_line(failures[0])}")
        else:
            notes.append(f"{sid}: {len(docs)} documents, {len(same_title)} with its title")
    result.reason_recorded = all(understandable(r) for r in result.reasons)
    result.outcome = f"{once} of {len(GOOD_STORIES)} stored once, clean" + (f" ({'; '.join(notes)[:200]})" if notes else "")
    return result, once == len(GOOD_STORIES)


def judge_whole(crawl: Crawl, snap: Snapshot, base: str, faults: Iterable[Fault], unattributed: int) -> FaultResult:
    """The crawl as a whole: exit, run status and reason, tracebacks no fault explains, stray documents."""
    result = FaultResult(WHOLE, "", "")
    result.crashes = int(crawl.crashed)
    result.tracebacks = unattributed
    run = snap.runs[-1] if snap.runs else None
    known = {base + f.path for f in faults} | {base + STORIES[i].path for i in (*GOOD_STORIES, HUGE_FEED_STORY)}
    stray_errors = [
        p for p in snap.pages
        if p["outcome"] == "error" and p["url"] not in known and not p["url"].startswith(base + "/su-kien/")
    ]  # fmt: skip
    attributed_docs = {p["document_id"] for p in snap.pages if p["url"] in known or "/su-kien/" in p["url"]}
    strays = [d for d in snap.documents.values() if d["id"] not in attributed_docs]
    for doc in strays:
        result.junk += bool(garbled(doc["title"], doc["text"]))
    parts = [crawl.describe()]
    if run is None:
        parts.append("no crawl run recorded")
        result.reason_recorded = False
    else:
        seconds = (run["finished_at"] - run["started_at"]).total_seconds() if run["finished_at"] else None
        parts.append(f"run {run['status']}" + (f" in {seconds:.0f} s" if seconds is not None else ""))
        parts.append(f"{run['pages_fetched']} responses, {run['new_documents']} new documents, {run['errors']} errors")
        if run["status"] != "succeeded":
            result.reasons.append(run["error"] or "")
            result.reason_recorded = understandable(run["error"])
            parts.append(f"crawl_runs.error: {(run['error'] or '(none)')[:150]}")
    if stray_errors:
        parts.append(f"{len(stray_errors)} other failed fetches ({stray_errors[0]['url'][:60]}: {stray_errors[0]['error']})")
        result.reasons += [p["error"] or "" for p in stray_errors]
        result.reason_recorded = result.reason_recorded and all(understandable(p["error"]) for p in stray_errors)
    if strays:
        parts.append(f"{len(strays)} documents no fault or article explains")
    if unattributed:
        parts.append(f"{unattributed} tracebacks no fault's URL explains")
    result.outcome = "; ".join(parts)
    return result


def judge(
    faults: Sequence[Fault], crawl: Crawl, snap: Snapshot, server: FaultServer, backend: str
) -> list[Row]:  # fmt: skip
    """Every fault's row, then the good articles' and the whole crawl's."""
    base = server.base_url
    tracebacks = attribute_tracebacks(crawl.stderr + "\n" + crawl.stdout, faults)
    rows = []
    for fault in faults:
        judged = judge_article if fault.kind == "article" else judge_discovery
        result, expected = judged(fault, base, snap, server)
        result.backend = backend
        result.tracebacks = tracebacks[fault.name]
        rows.append(Row(fault.name, result, expected, fault.correct))
    good, good_expected = judge_good(base, snap)
    good.backend = backend
    rows.append(Row("good_articles", good, good_expected, "each one clean document, exactly once"))
    whole = judge_whole(crawl, snap, base, faults, tracebacks[WHOLE])
    whole.backend = backend
    rows.append(Row("whole_crawl", whole, None, "exit 0 or 1, the run's reason recorded, no traceback"))
    return rows


# -- backends --------------------------------------------------------------------------------------------------------


def postgres_server() -> str:
    return os.environ.get("NEWSHARVEST_TEST_POSTGRES") or DEFAULT_POSTGRES


@contextlib.contextmanager
def postgres_database(server_url: str) -> Any:
    """A fresh database on ``server_url`` for one run, dropped afterwards; raises ``RuntimeError`` when unreachable."""
    admin_url = normalize_db_url(server_url)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool, connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # any failure to connect means the server is not usable here
        admin.dispose()
        shown = make_url(admin_url).render_as_string(hide_password=True)
        raise RuntimeError(f"PostgreSQL at {shown} unreachable ({type(exc).__name__})") from exc
    name = f"nh_faults_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def backend_database(backend: str, workdir: Path, db_url: str | None) -> Any:
    if db_url is not None:
        yield db_url
    elif backend == "sqlite":
        yield f"sqlite:///{workdir / 'faults.db'}"
    elif backend == "postgresql":
        with postgres_database(postgres_server()) as url:
            yield url
    else:
        raise ValueError(f"unknown backend {backend!r}")


def run_backend(
    backend: str, workdir: Path, faults: Sequence[str] | None = None, *, db_url: str | None = None,
    code: Path | None = None, verbose: bool = False, log: Callable[[str], None] = print,
) -> tuple[list[Row], dict[str, Any]]:  # fmt: skip
    """The HTTP faults on one backend: one crawl, judged; returns the rows and what the crawl did."""
    workdir.mkdir(parents=True, exist_ok=True)
    with backend_database(backend, workdir, db_url) as url, FaultServer(faults, download_timeout=DOWNLOAD_TIMEOUT) as server:
        sites_file = workdir / f"{SITE_NAME}.toml"
        sites_file.write_text(server.site_toml(), encoding="utf-8")
        env = _env(url, workdir / "home", code)
        init = newsharvest(env, "init", timeout=CLI_TIMEOUT, cwd=code)
        if init.returncode != 0:
            raise RuntimeError(f"newsharvest init exited {init.returncode}:\n{init.stdout}{init.stderr}")
        log(f"{backend}: crawling {len(server.faults)} faults at {server.base_url} …")
        args = ["crawl", SITE_NAME, "--sites", str(sites_file)] + (["-v"] if verbose else [])
        crawl = newsharvest(env, *args, timeout=CRAWL_TIMEOUT, cwd=code)
        (workdir / "crawl.stdout").write_text(crawl.stdout, encoding="utf-8")
        (workdir / "crawl.stderr").write_text(crawl.stderr, encoding="utf-8")
        time.sleep(0.2)  # a late request of a killed crawl lands before the log is read
        snap = snapshot(url)
        rows = judge(list(server.faults.values()), crawl, snap, server, backend)
        info = {
            "exit": crawl.returncode, "seconds": round(crawl.seconds, 1), "requests": len(server.requests()),
            "offsite_requests": len(server.requests("offsite")), "summary": crawl.stdout.strip().splitlines()[-1:],
            "tracebacks": crawl.tracebacks, "logs": str(workdir),
        }  # fmt: skip
    return rows, info


def database_rows(backend: str, workdir: Path, log: Callable[[str], None]) -> tuple[list[Row], str | None]:
    """The database faults of ``bench/fault_db.py`` on ``backend``, or a note saying why there are none."""
    if not (BENCH / "fault_db.py").is_file():
        return [], "database faults skipped: bench/fault_db.py is not there"
    try:
        fault_db = importlib.import_module("fault_db")
    except ImportError as exc:
        return [], f"database faults skipped: bench/fault_db.py cannot be imported ({exc})"
    server = postgres_server() if backend == "postgresql" else None
    log(f"{backend}: database faults (bench/fault_db.py) …")
    results = fault_db.database_faults(backend, workdir, server)
    return [Row("database", r, None, "") for r in results], None


# -- the table -------------------------------------------------------------------------------------------------------

_COLUMNS = (("fault", 40), ("backend", 11), ("what the crawl did", 72), ("lost", 5), ("junk", 5), ("crash", 6),
            ("tb", 4), ("reason", 7), ("expected", 9), ("ok", 5))  # fmt: skip


def _cell(value: str, width: int, *, right: bool = False) -> str:
    value = " ".join(value.split())
    value = value if len(value) < width else value[: width - 2] + "…"
    return f"{value:>{width - 1}} " if right else f"{value:<{width}}"


def table(rows: Sequence[Row]) -> list[str]:
    """The fixed-width table, then the full outcome and reasons of every row that is not ok."""
    head = "".join(_cell(name, width, right=name not in ("fault", "backend", "what the crawl did")) for name, width in _COLUMNS)
    lines = [head, "-" * len(head)]
    for row in rows:
        r = row.result
        expected = "-" if row.expected is None else ("yes" if row.expected else "NO")
        cells = [(r.fault, False), (r.backend, False), (r.outcome, False), (str(r.lost), True), (str(r.junk), True),
                 (str(r.crashes), True), (str(r.tracebacks), True), ("yes" if r.reason_recorded else "NO", True),
                 (expected, True), ("ok" if row.ok else "FAIL", True)]  # fmt: skip
        lines.append("".join(_cell(v, w, right=right) for (v, right), (_, w) in zip(cells, _COLUMNS, strict=True)))
    failing = [row for row in rows if not row.ok]
    if failing:
        lines += ["", "not ok:"]
        for row in failing:
            lines.append(f"  {row.result.fault} [{row.result.backend}]: {' '.join(row.result.outcome.split())}")
            lines += [f"      reason: {' '.join(reason.split())[:200]}" for reason in dict.fromkeys(row.result.reasons[:4])]
    return lines


# -- the run ---------------------------------------------------------------------------------------------------------


def run(
    backends: Sequence[str] = BACKENDS, *, only: Sequence[str] | None = None, db_faults: bool = True,
    out: Path | None = DEFAULT_OUT, workdir: Path | None = None, code: Path | None = None, verbose: bool = False,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:  # fmt: skip
    """Every chosen fault on every chosen backend; prints the table through ``log``, writes ``out`` (unless None)."""
    names = [n for n in (only or FAULTS) if n != "database"]
    unknown = [n for n in names if n not in FAULTS]
    if unknown:
        raise ValueError(f"unknown faults: {', '.join(unknown)}; known: {', '.join(FAULTS)}, database")
    with_db = db_faults and (only is None or "database" in only)
    started = time.monotonic()
    rows: list[Row] = []
    notes: list[str] = []
    crawls: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="nh-faults-") as tmp:
        root = workdir or Path(tmp)
        for backend in backends:
            if names:
                try:
                    backend_rows, info = run_backend(backend, root / backend, names, code=code, verbose=verbose, log=log)
                except RuntimeError as exc:
                    notes.append(f"{backend}: skipped: {exc}")
                    log(notes[-1])
                    continue
                rows += backend_rows
                crawls[backend] = {**info, "logs": info["logs"] if workdir else None}
            if with_db:
                db_rows, note = database_rows(backend, root / f"db-{backend}", log)
                rows += db_rows
                if note:
                    notes.append(note)
                    log(note)
    result: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "settings": {
            **FAST_ENV,
            "max_page_bytes": "default (8 MiB)",
            "crawl_timeout_s": CRAWL_TIMEOUT,
            "code": str(code) if code else "this checkout",
        },
        "backends": list(backends),
        "crawls": crawls,
        "notes": notes,
        "rows": [row.as_json() for row in rows],
        "ok": all(row.ok for row in rows),
        "run_s": round(time.monotonic() - started, 1),
    }
    for line in table(rows):
        log(line)
    for note in notes:
        log(f"note: {note}")
    log(f"{sum(r.ok for r in rows)} of {len(rows)} rows ok; {result['run_s']:.0f} s")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
        log(f"written {out}")
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Run the faults, print the table, write the JSON; exit 0 when every row is ok, else 1."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated: sqlite,postgresql")
    parser.add_argument("--only", default=None, help=f"comma-separated fault names ({', '.join(FAULTS)}, database)")
    parser.add_argument("--no-db", action="store_true", help="leave out the database faults of bench/fault_db.py")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--workdir", type=Path, default=None, help="keep databases and crawl logs here")
    parser.add_argument("--code", type=Path, default=None, help="run the crawls from this checkout instead")
    parser.add_argument("-v", "--verbose", action="store_true", help="crawl with -v (INFO logs in the kept stderr)")
    args = parser.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    bad = [b for b in backends if b not in BACKENDS]
    if bad:
        parser.error(f"unknown backend(s) {', '.join(bad)}; choose from {', '.join(BACKENDS)}")
    only = [n.strip() for n in args.only.split(",") if n.strip()] if args.only else None
    try:
        result = run(backends, only=only, db_faults=not args.no_db, out=args.out, workdir=args.workdir,
                     code=args.code, verbose=args.verbose)  # fmt: skip
    except ValueError as exc:
        parser.error(str(exc))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
