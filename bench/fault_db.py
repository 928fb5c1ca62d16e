"""Database faults (issue 9): what a real crawl does when its archive database misbehaves under it.

Every fault is a real ``newsharvest crawl`` child process (as an operator runs it, with the fast settings of the
end-to-end tests through the environment) of the replica site ``baolangson_old`` served on 127.0.0.1 by
``newsharvest.replica.server.ReplicaServer`` in this process, into a real database:

``sqlite locked 5 s``
    once the crawl has stored two pages, another connection takes SQLite's write lock (``BEGIN EXCLUSIVE``) and holds
    it for 5 s. Bar: the crawl waits (busy timeout) or retries; exit 0; the archive equals the reference crawl's.
``sqlite locked past the busy timeout``
    the write lock is taken before the crawl starts and held for the busy timeout (``storage.db``) + 5 s. Bar: the
    crawl waits it out, or fails with a clear reason (exit 1 or 69) and no traceback; nothing half-written.
``sqlite disk full``
    the SQLite file lives on a small tmpfs (else a loop-mounted ext4 image, else the row is skipped with a printed
    reason); once the crawl has stored eight pages the rest of the filesystem is filled. Bar: the crawl ends with a clear
    reason (disk full) in its output or its run, exit 1 or 69, no traceback; ``PRAGMA integrity_check`` ok and every
    stored document and page readable while the disk is still full; after space is freed, a plain crawl completes the
    archive (``lost`` counts articles still missing then). Always unmounted afterwards.
``postgresql backends terminated``
    as soon as the run is open, then after 2, 4, … 12 stored pages, every other backend of the crawl's database is
    ended with ``pg_terminate_backend``: mostly idle pooled connections. Bar: pool pre-ping and retries carry the
    crawl on: exit 0, every article present exactly once.
``postgresql backend terminated in use: …``
    the same, but the backend is caught (polling ``pg_stat_activity``) while it runs a statement or sits in the
    transaction right after it, four times, each once another page has been stored since the last: any statement
    once two pages are stored, or the known-URL read (``SELECT document_urls.url …``) the spider and its middleware
    make before requesting articles. Same bar.
``kill -9 at N points``
    crawls killed (SIGKILL to the process group, extraction worker included) at 30 moments: fixed time offsets during
    start-up and while pages are stored, phases (lease taken, run opened, run opened but the lease not yet naming it
    (the crawl held there by a lock on the lease row), template learned, run finished) and page counts (after N
    stored pages), in short series on a fresh archive, each series ending with an uninterrupted crawl.
    Bar: after each series every article of the site is present exactly once (the same URLs, documents and exact-
    duplicate grouping as the reference crawl), no orphan rows, no partial document, no lease left, every killed run
    marked failed with its reason.

Every fault is compared with a reference crawl of the same site, uninterrupted, into a fresh archive of the same
backend. The checks on an archive (``audit``) follow ``storage/models.py``: a crawled document has at least one URL
and at least one page row pointing at it, non-empty title, text and ``content_hash`` equal to the hash of its text, no
U+FFFD; every ``document_urls``/``pages``/``document_signatures``/``lsh_keys``/``duplicate_of`` reference resolves; one
canonical URL has at most one page row that created or matched a document (``new``, ``near_duplicate``,
``duplicate``); re-fetches (``same_url``) and per-run error rows are legitimate; no ``running`` run or lease is left
once a crawl has finished cleanly.

Row fields (``bench/fault_result.py``): ``lost`` reference article URLs missing from the archive at the end; ``junk``
partial documents, orphan rows, duplicate documents or fetch rows, leases left behind; ``crashes`` crawl processes that
died other than by this bench's kill, or exited other than 0, 1 or 69 (database unavailable); ``tracebacks`` crawl
processes whose stderr holds ``Traceback (most recent call last)``; ``reasons`` the reasons stored
(``crawl_runs.error``, ``pages.error``) or, where nothing can be stored (disk full), the line the crawl printed.

PostgreSQL: a fresh uniquely named database (``nh_fault_<token>_*``) per archive on the server of ``db_url`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``), dropped afterwards; unreachable → skipped with a printed reason.

    python bench/fault_db.py [--backends sqlite,postgresql] [--db-url URL] [--out FILE] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
import zlib
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
for _path in (REPO, BENCH):  # run as a script from anywhere, or imported by bench/faults.py or a test
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from fault_result import FaultResult  # noqa: E402  (after the sys.path fix above)
from sqlalchemy import Engine, create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from newsharvest.replica.server import ReplicaServer  # noqa: E402
from pipeline.text import content_hash  # noqa: E402
from storage.db import SQLITE_BUSY_TIMEOUT_MS, normalize_db_url  # noqa: E402
from storage.models import (  # noqa: E402
    CrawlRun,
    Document,
    DocumentSignature,
    DocumentUrl,
    LshKey,
    Page,
    SiteLease,
    SiteTemplateRecord,
)

__all__ = ["BACKENDS", "DEFAULT_POSTGRES", "FAULTS", "FaultBench", "database_faults", "main", "table"]

SITE = "baolangson_old"
BACKENDS = ("sqlite", "postgresql")
FAULTS = ("sqlite locked", "sqlite locked past timeout", "sqlite disk full", "postgresql terminated", "kill -9")
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
# The exit statuses a crawl may end with: success, a run failed, the database is unavailable.
EXPECTED_EXITS = (0, 1, 69)
TRACEBACK = "Traceback (most recent call last)"
# No politeness delay and short timeouts: the server is a replica on this machine (as in tests/operator_cli.py).
FAST_ENV = {
    "NEWSHARVEST_DOWNLOAD_DELAY": "0", "NEWSHARVEST_DOWNLOAD_TIMEOUT": "2", "NEWSHARVEST_RETRY_TIMES": "1",
    "NEWSHARVEST_RETRY_BACKOFF": "0.2",
}  # fmt: skip
CRAWL_TIMEOUT = 120.0  # seconds any one crawl may take before the bench kills it (and counts a crash)
KILL_BUDGET = 150.0  # seconds the kill -9 series may take per backend; points not reached are reported
LOCK_SECONDS = 5.0
# The known-URL read (``repository.known_urls``): the statement the spider and its middleware run before a request.
IN_FLIGHT_KNOWN_URLS = "SELECT document_urls.url %FROM document_urls%"
POLL = 0.02
ARTICLE_OUTCOMES = ("new", "near_duplicate", "duplicate")  # a fetch that created a document or attached its URL
_HOLDER_RE = re.compile(r"[\w.-]+:\d+:[0-9a-f]{8}")
_TIME_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)?")


def _say(message: str) -> None:
    print(f"[fault_db] {message}", file=sys.stderr, flush=True)


def _normalise_reason(reason: str) -> str:
    """A stored reason on one line, without its process names and instants, so equal reasons of many runs count once."""
    return " ".join(_TIME_RE.sub("<time>", _HOLDER_RE.sub("<host:pid:token>", reason)).split())


# --- the crawl child process ------------------------------------------------------------------------------------


@dataclass
class Child:
    """One ``newsharvest`` child process, its output in files (a killed process's pipes would be lost)."""

    label: str
    proc: subprocess.Popen[bytes]
    out_path: Path
    err_path: Path
    started: float
    killed: bool = False

    @property
    def returncode(self) -> int | None:
        return self.proc.poll()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def kill(self) -> None:
        """SIGKILL the whole process group (the crawl, its extraction worker, multiprocessing's helpers), then reap."""
        if self.proc.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.killed = True
        self.proc.wait(30)  # reaped: a zombie would still look alive to the next crawl's stale-lease check

    def wait(self, timeout: float = CRAWL_TIMEOUT) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            _say(f"{self.label}: still running after {timeout:g} s; killed")
            self.kill()
            self.killed = False  # not a kill point: a hang, counted as a crash
            return self.proc.wait(30)

    @property
    def stdout(self) -> str:
        return self.out_path.read_text(encoding="utf-8", errors="replace")

    @property
    def stderr(self) -> str:
        return self.err_path.read_text(encoding="utf-8", errors="replace")

    @property
    def traceback(self) -> bool:
        return TRACEBACK in self.stderr

    @property
    def crashed(self) -> bool:
        """Died other than by this bench's kill, or exited with a status the crawl does not promise."""
        code = self.proc.poll()
        return not self.killed and (code is None or code not in EXPECTED_EXITS)

    def describe(self) -> str:
        code = self.proc.poll()
        if self.killed:
            return "killed"
        if code is not None and code < 0:
            return f"died of signal {-code}"
        return f"exit {code}"


# --- backends ---------------------------------------------------------------------------------------------------


class Backend(ABC):
    """Fresh archives at the current schema, on one database backend."""

    name = ""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.logs = workdir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self._count = 0

    @abstractmethod
    def new_archive(self, label: str) -> str:
        """The URL of a fresh archive, initialised to the current schema."""

    def cleanup(self) -> None:  # noqa: B027  (a default: a SQLite archive is a file in the work directory)
        """Drop whatever the backend created (nothing by default)."""

    def _label(self, label: str) -> str:
        self._count += 1
        return f"{self._count:02d}_{re.sub(r'[^a-z0-9]+', '_', label.lower()).strip('_')}"[:48]

    def spawn(self, db_url: str, label: str, *args: str) -> Child:
        """``newsharvest ARGS`` against ``db_url``, in its own process group, output to files."""
        stem = self._label(label)
        out_path, err_path = self.logs / f"{stem}.out", self.logs / f"{stem}.err"
        env = {**self.env, "NEWSHARVEST_DB": db_url}
        with out_path.open("wb") as out, err_path.open("wb") as err:
            proc = subprocess.Popen([sys.executable, "-m", "newsharvest", *args], env=env, stdout=out, stderr=err,
                                    stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
        return Child(label, proc, out_path, err_path, time.monotonic())

    def init(self, db_url: str) -> None:
        child = self.spawn(db_url, "init", "init")
        if child.wait(120) != 0:
            raise RuntimeError(f"newsharvest init exited {child.returncode}:\n{child.stdout}{child.stderr}")


class SqliteBackend(Backend):
    """SQLite files under the work folder, each a copy of one archive made by ``newsharvest init``."""

    name = "sqlite"

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        super().__init__(workdir, env)
        self.template = workdir / "template.db"
        self.init(f"sqlite:///{self.template}")

    def new_archive(self, label: str, folder: Path | None = None) -> str:
        path = (folder or self.workdir) / f"{self._label(label)}.db"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"


class PostgresBackend(Backend):
    """Databases ``nh_fault_<token>_*`` on one server, each a copy (``TEMPLATE``) of one made by ``newsharvest init``."""

    name = "postgresql"

    def __init__(self, workdir: Path, env: dict[str, str], server_url: str) -> None:
        super().__init__(workdir, env)
        self.server_url = normalize_db_url(server_url)
        self.admin = create_engine(self.server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool,
                                   connect_args={"connect_timeout": 5})  # fmt: skip
        with self.admin.connect() as conn:
            conn.execute(text("select 1"))
        self.prefix = f"nh_fault_{uuid.uuid4().hex[:10]}"
        self.created: list[str] = []
        self.template = self._create(f"{self.prefix}_tmpl")
        self.init(self._url(self.template))

    def _url(self, name: str) -> str:
        return make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    def _create(self, name: str, template: str | None = None) -> str:
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        self.created.append(name)
        return name

    def new_archive(self, label: str) -> str:
        name = self._label(label)
        return self._url(self._create(f"{self.prefix}_{name}"[:63], template=self.template))

    def cleanup(self) -> None:
        with self.admin.connect() as conn:
            for name in reversed(self.created):
                try:
                    conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                                 {"name": name})  # fmt: skip
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                except Exception as exc:  # a leftover database is reported, never fatal
                    _say(f"could not drop database {name}: {exc}")
        self.created.clear()
        self.admin.dispose()


def _engine(db_url: str) -> Engine:
    """An observer's engine: no pool, so it holds no connection between two looks (and none a fault could end)."""
    return create_engine(normalize_db_url(db_url), poolclass=NullPool)


# --- what an archive holds --------------------------------------------------------------------------------------


@dataclass
class Progress:
    """What the newest crawl run has done so far, as seen from outside."""

    leases: int = 0
    run_id: int | None = None
    run_status: str | None = None
    pages: int = 0
    templates: int = 0


def _held_by(pid: int) -> Any:
    """The lease rows held by process ``pid`` (holder ``host:pid:token``), not a dead crawl's left for recovery."""
    return SiteLease.holder.like(f"%:{pid}:%")


def progress(engine: Engine, after_run: int, pid: int | None = None) -> Progress:
    """The newest run with an id above ``after_run`` and its page count; leases (held by ``pid``) and templates."""
    with engine.connect() as conn:
        seen = Progress()
        leases = select(func.count()).select_from(SiteLease)
        seen.leases = conn.scalar(leases if pid is None else leases.where(_held_by(pid))) or 0
        seen.templates = conn.scalar(select(func.count()).select_from(SiteTemplateRecord)) or 0
        row = conn.execute(
            select(CrawlRun.id, CrawlRun.status).where(CrawlRun.id > after_run).order_by(CrawlRun.id.desc()).limit(1)
        ).first()
        if row is not None:
            seen.run_id, seen.run_status = row.id, row.status
            seen.pages = conn.scalar(select(func.count()).select_from(Page).where(Page.run_id == row.id)) or 0
    return seen


def last_run_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.max(CrawlRun.id))) or 0


@dataclass
class Snapshot:
    """The rows of an archive that the audit reads."""

    documents: list[Any]
    urls: list[Any]
    pages: list[Any]
    runs: list[Any]
    leases: int
    signatures: set[int]
    lsh_documents: set[int]

    @property
    def url_set(self) -> set[str]:
        return {row.url for row in self.urls}

    def grouping(self) -> set[frozenset[str]]:
        """URLs grouped by the document they belong to (exact duplicates share one)."""
        by_doc: dict[int, set[str]] = {}
        for row in self.urls:
            by_doc.setdefault(row.document_id, set()).add(row.url)
        return {frozenset(urls) for urls in by_doc.values()}


def snapshot(engine: Engine) -> Snapshot:
    with engine.connect() as conn:
        return Snapshot(
            documents=list(conn.execute(select(
                Document.id, Document.origin, Document.title, Document.text, Document.content_hash, Document.duplicate_of
            ))),
            urls=list(conn.execute(select(DocumentUrl.id, DocumentUrl.document_id, DocumentUrl.url))),
            pages=list(conn.execute(select(
                Page.id, Page.run_id, Page.kind, Page.canonical_url, Page.outcome, Page.document_id, Page.error,
                Page.raw_html.is_not(None).label("has_html"),
            ))),
            runs=list(conn.execute(select(CrawlRun.id, CrawlRun.status, CrawlRun.error).order_by(CrawlRun.id))),
            leases=conn.scalar(select(func.count()).select_from(SiteLease)) or 0,
            signatures=set(conn.scalars(select(DocumentSignature.document_id))),
            lsh_documents=set(conn.scalars(select(LshKey.document_id).distinct())),
        )  # fmt: skip


@dataclass
class Audit:
    """What is wrong with an archive: articles missing (against the reference), junk rows, unexplained runs."""

    lost: list[str] = field(default_factory=list)
    junk: list[str] = field(default_factory=list)
    unexplained_runs: list[str] = field(default_factory=list)
    differs: list[str] = field(default_factory=list)  # differences from the reference that are not junk or loss

    def merge(self, other: Audit, prefix: str = "") -> None:
        self.lost += [f"{prefix}{x}" for x in other.lost]
        self.junk += [f"{prefix}{x}" for x in other.junk]
        self.unexplained_runs += [f"{prefix}{x}" for x in other.unexplained_runs]
        self.differs += [f"{prefix}{x}" for x in other.differs]


def audit(snap: Snapshot, reference: Snapshot | None = None, *, settled: bool = True) -> Audit:
    """Check an archive against the schema's rules, and against ``reference`` for what it must hold.

    ``settled``: a crawl has since finished cleanly, so no run may still be ``running`` and no lease may be left.
    """
    found = Audit()
    doc_ids = {d.id for d in snap.documents}
    run_ids = {r.id for r in snap.runs}
    for doc in snap.documents:
        problems = [what for what, bad in (
            ("empty title", not (doc.title or "").strip()), ("empty text", not (doc.text or "").strip()),
            ("no content_hash", not doc.content_hash),
            ("content_hash not its text's", bool(doc.text and doc.content_hash) and content_hash(doc.text) != doc.content_hash),
            ("U+FFFD in text", "\ufffd" in (doc.text or "") or "\ufffd" in (doc.title or "")),
        ) if bad]  # fmt: skip
        if problems:
            found.junk.append(f"partial document {doc.id}: {', '.join(problems)}")
        if doc.duplicate_of is not None and doc.duplicate_of not in doc_ids:
            found.junk.append(f"document {doc.id}: duplicate_of {doc.duplicate_of} does not exist")
    url_docs = {u.document_id for u in snap.urls}
    page_docs = {p.document_id for p in snap.pages if p.document_id is not None}
    for doc in snap.documents:
        if doc.origin == "crawl" and doc.id not in url_docs:
            found.junk.append(f"crawled document {doc.id} has no URL")
        if doc.origin == "crawl" and doc.id not in page_docs:
            found.junk.append(f"crawled document {doc.id} has no page row (no raw HTML to re-extract)")
    found.junk += [f"document_url {u.url} points at missing document {u.document_id}" for u in snap.urls
                   if u.document_id not in doc_ids]  # fmt: skip
    for page in snap.pages:
        if page.document_id is not None and page.document_id not in doc_ids:
            found.junk.append(f"page {page.id} points at missing document {page.document_id}")
        if page.outcome in (*ARTICLE_OUTCOMES, "same_url") and page.document_id is None:
            found.junk.append(f"page {page.id} ({page.outcome}) has no document")
        if page.outcome in (*ARTICLE_OUTCOMES, "same_url") and not page.has_html:
            found.junk.append(f"page {page.id} ({page.outcome}) has no raw HTML")
        if page.run_id is not None and page.run_id not in run_ids:
            found.junk.append(f"page {page.id} points at missing run {page.run_id}")
    creating = Counter(p.canonical_url for p in snap.pages if p.outcome in ARTICLE_OUTCOMES)
    found.junk += [f"{url}: {n} page rows that created or matched a document" for url, n in creating.items() if n > 1]
    found.junk += [f"signature of missing document {d}" for d in snap.signatures - doc_ids]
    found.junk += [f"LSH keys of unsigned document {d}" for d in snap.lsh_documents - snap.signatures]
    found.junk += [f"document {d} has no near-duplicate signature" for d in doc_ids - snap.signatures]
    hashes = Counter(d.content_hash for d in snap.documents if d.origin == "crawl")
    found.junk += [f"{n} documents with one content_hash {h[:12]}…" for h, n in hashes.items() if n > 1]
    if settled:
        found.junk += [f"{snap.leases} lease(s) left after a clean crawl"] if snap.leases else []
        found.unexplained_runs += [f"run {r.id} still running after a later crawl" for r in snap.runs if r.status == "running"]
    found.unexplained_runs += [f"run {r.id} {r.status} with no reason" for r in snap.runs if r.status == "failed" and not r.error]
    if reference is not None:
        found.lost += sorted(reference.url_set - snap.url_set)
        found.junk += [f"URL not in the reference crawl: {u}" for u in sorted(snap.url_set - reference.url_set)]
        crawled = sum(d.origin == "crawl" for d in snap.documents)
        expected = sum(d.origin == "crawl" for d in reference.documents)
        if crawled > expected:
            found.junk.append(f"{crawled} documents where the reference crawl stored {expected}")
        if not found.lost and snap.grouping() != reference.grouping():
            found.differs.append("URLs grouped into documents differently from the reference crawl")
    return found


def stored_reasons(snap: Snapshot, run_ids: set[int] | None = None, *, besides: Snapshot | None = None) -> list[str]:
    """Distinct failure reasons stored on runs and pages (of ``run_ids``, or all), but those ``besides`` holds too
    (the reference crawl's own page errors: a robots.txt exclusion is no fault's doing)."""
    reasons = [r.error for r in snap.runs if r.error and (run_ids is None or r.id in run_ids)]
    reasons += [p.error for p in snap.pages if p.error and (run_ids is None or p.run_id in run_ids)]
    usual = set(stored_reasons(besides)) if besides is not None else set()
    return [r for r in dict.fromkeys(_normalise_reason(r) for r in reasons) if r not in usual]


# --- the bench ----------------------------------------------------------------------------------------------------


@dataclass
class Reference:
    """The uninterrupted crawl every fault is compared with."""

    snap: Snapshot
    seconds: float  # spawn to exit
    first_page: float  # spawn to the first stored page
    last_page: float  # spawn to the last stored page


@dataclass(frozen=True)
class KillPoint:
    """A moment of a crawl at which it is killed: ``kind`` time (seconds after spawn), pages (N stored by the run),
    or phase (lease, run, template, finished)."""

    kind: str
    value: float | str

    @property
    def label(self) -> str:
        if self.kind == "time":
            return f"t={float(self.value):.2f}s"
        if self.kind == "pages":
            return f"after {int(self.value)} pages"
        return {"lease": "lease taken", "run": "run opened", "template": "template learned",
                "finished": "run finished, before exit", "unattached": "run opened, lease not yet naming it",
                }[str(self.value)]  # fmt: skip

    def reached(self, elapsed: float, seen: Progress, templates_before: int) -> bool:
        if self.kind == "time":
            return elapsed >= float(self.value)
        if self.kind == "pages":
            return seen.pages >= int(self.value)
        return {
            "lease": seen.leases > 0,
            "run": seen.run_id is not None,
            "template": seen.templates > templates_before,
            "finished": seen.run_status not in (None, "running"),
            "unattached": seen.run_id is not None,  # FaultBench holds the lease row still to get there (see _kill_unattached)
        }[str(self.value)]


def kill_series(ref: Reference) -> list[list[KillPoint]]:
    """30 kill points in 10 series; each series starts on a fresh archive and ends with an uninterrupted crawl.

    Page counts within a series add up to less than the site's articles, so each crawl of a series has work left to
    be killed in; time offsets come from the reference crawl (start-up, then the span in which pages were stored).
    """
    start, first, last = 0.0, ref.first_page, ref.last_page
    startup = [KillPoint("time", round(start + first * f, 2)) for f in (0.2, 0.45, 0.7, 0.9)]
    storing = [KillPoint("time", round(first + (last - first) * f, 2)) for f in (0.1, 0.35, 0.6, 0.85)]

    def pages(n: int) -> KillPoint:
        return KillPoint("pages", n)

    def phase(name: str) -> KillPoint:
        return KillPoint("phase", name)

    return [
        startup,
        [phase("lease"), phase("run"), phase("unattached"), pages(1), pages(2)],
        [pages(2), pages(4), pages(6)],
        [pages(3), phase("template"), pages(5)],
        [storing[0], storing[1], pages(2)],
        [storing[2], pages(2)],
        [storing[3], phase("finished")],
        [pages(8), pages(3), pages(1)],
        [pages(10), phase("finished")],
        [pages(12), pages(1), phase("finished")],
    ]


class FaultBench:
    """One backend, the replica server and the reference crawl: run faults against them, get ``FaultResult`` rows."""

    def __init__(self, backend: str, workdir: Path, db_url: str | None = None) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
        self.backend_name = backend
        self.workdir = Path(workdir) / backend
        self.db_url = db_url
        self.skip_reason: str | None = None
        self.server: ReplicaServer | None = None
        self.backend: Backend | None = None
        self.reference: Reference | None = None

    def __enter__(self) -> FaultBench:
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "NEWSHARVEST_HOME": str(self.workdir / "home"), **FAST_ENV}
        env.pop("NEWSHARVEST_SITES", None)
        try:
            if self.backend_name == "sqlite":
                self.backend = SqliteBackend(self.workdir, env)
            else:
                try:
                    self.backend = PostgresBackend(self.workdir, env, self.db_url or DEFAULT_POSTGRES)
                except Exception as exc:  # any connection failure means the server is not there
                    safe = make_url(normalize_db_url(self.db_url or DEFAULT_POSTGRES)).render_as_string(hide_password=True)
                    self.skip_reason = f"PostgreSQL not reachable at {safe}: {exc.__class__.__name__}: {str(exc).strip()[:200]}"
                    _say(f"skipped: {self.skip_reason}")
                    return self
            self.server = ReplicaServer(sites=(SITE,), crawl_delay=0.0, slow_seconds=3.0)
            self.reference = self._reference()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.backend is not None:
            self.backend.cleanup()
            self.backend = None

    # -- helpers

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return self.server.base_urls[SITE]

    def crawl(self, db_url: str, label: str, *extra: str) -> Child:
        assert self.backend is not None
        return self.backend.spawn(db_url, label, "crawl", SITE, "--base-url", self.base_url, *extra)

    def _reference(self) -> Reference:
        assert self.backend is not None
        db_url = self.backend.new_archive("reference")
        engine = _engine(db_url)
        try:
            child = self.crawl(db_url, "reference")
            first = last = None
            pages = 0
            while child.returncode is None and child.elapsed() < CRAWL_TIMEOUT:
                seen = progress(engine, 0)
                if seen.pages > pages:
                    pages, last = seen.pages, child.elapsed()
                    first = first if first is not None else last
                time.sleep(POLL)
            code = child.wait()
            snap = snapshot(engine)
        finally:
            engine.dispose()
        status = snap.runs[-1].status if snap.runs else None
        if code != 0 or status != "succeeded" or not snap.urls or first is None or last is None:
            raise RuntimeError(f"the reference crawl did not succeed (exit {code}, run {status}):\n{child.stderr[-3000:]}")
        problems = audit(snap)
        if problems.junk:
            raise RuntimeError(f"the reference crawl's archive is not clean: {problems.junk[:5]}")
        ref = Reference(snap, child.elapsed(), first, last)
        _say(f"{self.backend_name}: reference crawl {ref.seconds:.1f} s, {len(snap.urls)} article URLs, "
             f"{len(snap.documents)} documents, pages stored {first:.2f}–{last:.2f} s after start")  # fmt: skip
        return ref

    def _row(self, fault: str, work: Callable[[], FaultResult]) -> FaultResult:
        """Run one fault; a failure of the bench itself becomes a row that fails the bar, with the error."""
        started = time.monotonic()
        _say(f"{self.backend_name}: {fault} …")
        try:
            row = work()
        except Exception as exc:
            traceback.print_exc()
            row = FaultResult(fault, self.backend_name, f"bench error: {exc.__class__.__name__}: {exc}", reason_recorded=False)
        _say(f"{self.backend_name}: {fault}: {row.outcome} ({time.monotonic() - started:.0f} s)")
        return row

    @staticmethod
    def _children(children: Sequence[Child]) -> tuple[int, int]:
        return sum(c.crashed for c in children), sum(c.traceback for c in children)

    # -- faults

    def sqlite_locked(self, seconds: float = LOCK_SECONDS, *, after_pages: int = 2) -> FaultResult:
        """Another connection holds SQLite's write lock for ``seconds`` once the crawl has stored ``after_pages``."""
        fault = f"sqlite locked {seconds:g} s"
        return self._row(fault, lambda: self._locked(fault, seconds, after_pages))

    def sqlite_locked_past_timeout(self, extra: float = 5.0) -> FaultResult:
        """The write lock taken before the crawl starts, held past the busy timeout."""
        seconds = SQLITE_BUSY_TIMEOUT_MS / 1000 + extra
        fault = f"sqlite locked {seconds:g} s from start (busy timeout {SQLITE_BUSY_TIMEOUT_MS / 1000:g} s)"
        return self._row(fault, lambda: self._locked(fault, seconds, None))

    def _locked(self, fault: str, seconds: float, after_pages: int | None) -> FaultResult:
        assert self.backend is not None and self.reference is not None
        db_url = self.backend.new_archive("locked")
        path = make_url(db_url).database
        assert path
        engine = _engine(db_url)
        locker = sqlite3.connect(path, timeout=60, isolation_level=None)
        children: list[Child] = []
        try:
            if after_pages is None:
                locker.execute("BEGIN EXCLUSIVE")
                locked_at = time.monotonic()
            child = self.crawl(db_url, "locked")
            children.append(child)
            if after_pages is not None:
                while child.returncode is None and progress(engine, 0).pages < after_pages and child.elapsed() < CRAWL_TIMEOUT:
                    time.sleep(POLL)
                locker.execute("BEGIN EXCLUSIVE")
                locked_at = time.monotonic()
            while time.monotonic() - locked_at < seconds and child.returncode is None:
                time.sleep(0.05)
            held = time.monotonic() - locked_at
            locker.execute("ROLLBACK")
            code = child.wait()
            snap_then = snapshot(engine)
            run = snap_then.runs[0] if snap_then.runs else None
            failed = code != 0 or run is None or run.status != "succeeded"
            if failed:  # the lock is gone: the next crawl must find the archive whole and complete it
                after = self.crawl(db_url, "after lock")
                children.append(after)
                after.wait()
            snap = snapshot(engine)
        finally:
            with suppress(sqlite3.Error):
                locker.close()
            engine.dispose()
        found = audit(snap, self.reference.snap)
        crashes, tracebacks = self._children(children)
        errors = sum(p.outcome == "error" for p in snap_then.pages)
        ref_errors = sum(p.outcome == "error" for p in self.reference.snap.pages)
        outcome = (f"lock held {held:.1f} s; crawl {child.describe()} after {child.elapsed():.1f} s (reference "
                   f"{self.reference.seconds:.1f} s), run {run.status if run else 'never opened'}")  # fmt: skip
        if run is not None and run.error:
            outcome += f" ({_normalise_reason(run.error)[:160]})"
        outcome += f"; {len(snap_then.urls)}/{len(self.reference.snap.urls)} article URLs stored"
        if errors > ref_errors:
            outcome += f"; {errors - ref_errors} more page errors than the reference"
        said = _last_error_line(child.stderr) if failed else ""
        if said:
            outcome += f"; said: {said[:200]!r}"
        if failed:
            outcome += f"; next crawl {children[-1].describe()}, {len(snap.urls)}/{len(self.reference.snap.urls)} article URLs"
        outcome += _problems(found)
        reasons = stored_reasons(snap_then, besides=self.reference.snap)
        clear = _clear_line(child.stderr)
        if failed and clear:
            reasons.append(said)
        recorded = not found.unexplained_runs and (not failed or bool(run and run.error) or clear)
        return FaultResult(fault, self.backend_name, outcome, lost=len(found.lost), junk=len(found.junk), crashes=crashes,
                           tracebacks=tracebacks, reason_recorded=bool(recorded), reasons=reasons)  # fmt: skip

    def sqlite_disk_full(self, *, after_pages: int = 8) -> FaultResult | None:
        """The SQLite file on a small filesystem that fills up once the crawl has stored ``after_pages``.

        None (and a printed reason) when no small filesystem can be mounted here."""
        fault = "sqlite disk full"
        mount = self.workdir / "small-fs"
        try:
            how = _mount_small_fs(mount, self.workdir, size_mb=2 + _size_mb(self.workdir / "template.db"))
        except OSError as exc:
            _say(f"skipped: {fault}: {exc}")
            return None
        try:
            return self._row(fault, lambda: self._disk_full(fault, mount, how, after_pages))
        finally:
            _unmount(mount, self.workdir)

    def _disk_full(self, fault: str, mount: Path, how: str, after_pages: int) -> FaultResult:
        assert isinstance(self.backend, SqliteBackend) and self.reference is not None
        db_url = self.backend.new_archive("disk_full", folder=mount)
        path = Path(make_url(db_url).database or "")
        engine = _engine(db_url)
        filler = mount / "filler"
        children: list[Child] = []
        try:
            child = self.crawl(db_url, "disk full")
            children.append(child)
            while child.returncode is None and progress(engine, 0).pages < after_pages and child.elapsed() < CRAWL_TIMEOUT:
                time.sleep(POLL)
            stored_before = progress(engine, 0).pages
            engine.dispose()
            if child.returncode is not None:
                raise RuntimeError(f"the crawl ended ({child.describe()}) before it stored {after_pages} pages: "
                                   f"{_last_error_line(child.stderr)}")  # fmt: skip
            _fill(filler)
            filled_at = child.elapsed()
            code = child.wait()
            intact, readable, run_then = _sqlite_intact(path)
            # What an operator reads while the disk is still full: the archive through the command line.
            export = self.backend.spawn(db_url, "export while full", "export", "--format", "jsonl")
            children.append(export)
            export.wait()
            exported = sum(1 for line in export.stdout.splitlines() if line.startswith("{"))
            filler.unlink()
            after = self.crawl(db_url, "after disk full")
            children.append(after)
            after.wait()
            snap = snapshot(engine)
        finally:
            for c in children:
                if c.returncode is None:
                    c.kill()
            engine.dispose()
        run = snap.runs[0] if snap.runs else None
        found = audit(snap, self.reference.snap)
        crashes, tracebacks = self._children(children)
        said = _disk_full_line(child.stdout + child.stderr)
        outcome = (f"{how}; filled after {stored_before} stored pages ({filled_at:.1f} s); crawl {child.describe()} "
                   f"after {child.elapsed():.1f} s, run {run_then} then {run.status if run else '-'}")  # fmt: skip
        if run is not None and run.error:
            outcome += f" ({_normalise_reason(run.error)[:120]})"
        outcome += f"; said: {said[:160]!r}" if said else "; disk full never named in its output"
        outcome += f"; while full: integrity_check {intact}, {readable}, export {export.describe()} with {exported} records"
        if export.returncode != 0:
            outcome += f" ({_last_error_line(export.stderr)[:160]})"
        outcome += f"; next crawl (space freed) {after.describe()}, {len(snap.urls)}/{len(self.reference.snap.urls)} article URLs"
        outcome += _problems(found)
        if code == 0:
            outcome += "; WRONG: the disk-full crawl exited 0"
        reasons = stored_reasons(snap, {run.id} if run else set(), besides=self.reference.snap)
        if said:
            reasons.append(said)
        run_reason = bool(run and run.error and re.search(r"disk|full|space", run.error, re.I))
        recorded = code != 0 and (run_reason or bool(said)) and not found.unexplained_runs
        # An archive that fails its integrity check or cannot be read back while the disk is full counts as junk.
        junk = len(found.junk) + (intact != "ok") + ("unreadable" in readable) + (export.returncode != 0)
        return FaultResult(fault, self.backend_name, outcome, lost=len(found.lost), junk=junk, crashes=crashes,
                           tracebacks=tracebacks, reason_recorded=recorded, reasons=reasons)  # fmt: skip

    def postgres_terminated(
        self, at_pages: Sequence[int] = (0, 2, 4, 6, 8, 10, 12), *, in_flight: str | None = None, rounds: int = 4,
        after_pages: int = 0, idle_only: bool = False,
    ) -> FaultResult:  # fmt: skip
        """Every other backend of the crawl's database terminated after each of ``at_pages`` stored pages (only those
        idle in the pool with ``idle_only``: what pool pre-ping exists for).

        With ``in_flight`` (a LIKE pattern of SQL text), instead: once the run has stored ``after_pages``, ``rounds``
        times, the crawl's backend caught running a statement matching it (or in the transaction right after) is
        terminated, so the drop hits a connection in use rather than one idle in the pool.
        """
        fault = f"postgresql {'idle ' if idle_only else ''}backends terminated mid-crawl"
        if in_flight is not None:
            fault = f"postgresql backend terminated in use: {in_flight.strip('%') or 'any statement'}"
        return self._row(fault, lambda: self._terminated(fault, at_pages, in_flight, rounds, after_pages, idle_only))

    def _terminated(
        self, fault: str, at_pages: Sequence[int], in_flight: str | None, rounds: int, after_pages: int, idle_only: bool
    ) -> FaultResult:
        assert self.backend is not None and self.reference is not None
        db_url = self.backend.new_archive("terminated")
        engine = _engine(db_url)
        ended: list[int] = []
        try:
            child = self.crawl(db_url, "terminated")
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                catch = text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction') AND query LIKE :pattern"
                )
                while in_flight is not None and child.returncode is None and child.elapsed() < CRAWL_TIMEOUT:
                    run = conn.execute(select(func.max(CrawlRun.id))).scalar()
                    stored = conn.scalar(select(func.count()).select_from(Page).where(Page.run_id == run)) if run else None
                    if stored is not None and stored >= after_pages:
                        break
                    time.sleep(POLL)
                while in_flight is not None and len(ended) < rounds and child.returncode is None:
                    if child.elapsed() > CRAWL_TIMEOUT:
                        break
                    hit = len(conn.execute(catch, {"pattern": in_flight}).all())
                    if hit:
                        ended.append(hit)
                        # One drop at a time: the next only once the crawl has stored another page since this one
                        # (four drops of one page's retries in a row would be an outage, not a dropped connection).
                        stored = conn.scalar(select(func.count()).select_from(Page)) or 0
                        while child.returncode is None and child.elapsed() < CRAWL_TIMEOUT:
                            time.sleep(POLL)
                            if (conn.scalar(select(func.count()).select_from(Page)) or 0) > stored:
                                break
                for n in at_pages if in_flight is None else ():
                    while child.returncode is None and child.elapsed() < CRAWL_TIMEOUT:
                        run = conn.execute(select(func.max(CrawlRun.id))).scalar()
                        if run and (conn.scalar(select(func.count()).select_from(Page).where(Page.run_id == run)) or 0) >= n:
                            break
                        time.sleep(POLL)
                    if child.returncode is not None:
                        break
                    ended.append(len(conn.execute(text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                        + (" AND state = 'idle'" if idle_only else "")
                    )).all()))  # fmt: skip
            code = child.wait()
            snap = snapshot(engine)
        finally:
            engine.dispose()
        found = audit(snap, self.reference.snap)
        run = snap.runs[-1] if snap.runs else None
        crashes, tracebacks = self._children([child])
        ref_errors = sum(p.outcome == "error" for p in self.reference.snap.pages)
        errors = sum(p.outcome == "error" for p in snap.pages)
        outcome = (f"{sum(ended)} backends terminated in {len(ended)} rounds {ended}; crawl {child.describe()} after "
                   f"{child.elapsed():.1f} s, run {run.status if run else 'never opened'}")  # fmt: skip
        if run is not None and run.error:
            outcome += f" ({_normalise_reason(run.error)[:160]})"
        outcome += f"; {len(snap.urls)}/{len(self.reference.snap.urls)} article URLs stored"
        if errors > ref_errors:
            outcome += f"; {errors - ref_errors} more page errors than the reference"
        if child.traceback:
            outcome += f"; stderr: {_last_error_line(child.stderr)[:160]}"
        outcome += _problems(found)
        failed = code != 0 or run is None or run.status != "succeeded"
        recorded = not found.unexplained_runs and (not failed or bool(run and run.error))
        reasons = stored_reasons(snap, besides=self.reference.snap)
        return FaultResult(fault, self.backend_name, outcome, lost=len(found.lost), junk=len(found.junk), crashes=crashes,
                           tracebacks=tracebacks, reason_recorded=recorded, reasons=reasons)  # fmt: skip

    def kill9(self, series: Sequence[Sequence[KillPoint]] | None = None, *, budget: float = KILL_BUDGET) -> FaultResult:
        """Crawls killed at the given points (default ``kill_series``), each series then finished by a clean crawl."""
        assert self.reference is not None
        chosen = [list(s) for s in (series if series is not None else kill_series(self.reference))]
        points = sum(len(s) for s in chosen)
        fault = f"kill -9 at {points} points"
        return self._row(fault, lambda: self._kill9(fault, chosen, budget))

    def _kill9(self, fault: str, series: list[list[KillPoint]], budget: float) -> FaultResult:
        assert self.backend is not None and self.reference is not None
        started = time.monotonic()
        children: list[Child] = []
        total = Audit()
        kills, finished_first, not_reached = 0, [], 0
        killed_runs: set[int] = set()
        finals: list[str] = []
        reasons: list[str] = []  # what the killed runs were marked with (by the next crawl's stale-run recovery)
        windows: list[bool] = []  # for each "unattached" point: whether the kill landed in that window
        for number, points in enumerate(series, 1):
            if time.monotonic() - started > budget:
                not_reached += sum(len(s) for s in series[number - 1 :])
                break
            db_url = self.backend.new_archive(f"kill_series_{number}")
            engine = _engine(db_url)
            try:
                for point in points:
                    after = last_run_id(engine)
                    templates_before = progress(engine, after).templates
                    child = self.crawl(db_url, f"kill {point.label}")
                    children.append(child)
                    if point.value == "unattached":
                        windows.append(self._kill_unattached(db_url, engine, child, after))
                    while child.returncode is None:
                        elapsed = child.elapsed()
                        seen = progress(engine, after, child.proc.pid)
                        if point.reached(elapsed, seen, templates_before):
                            child.kill()
                            break
                        if elapsed > CRAWL_TIMEOUT:  # a hang, not a kill point: counted as a crash
                            child.kill()
                            child.killed = False
                            break
                        time.sleep(POLL if point.kind != "time" else min(POLL, max(0.0, float(point.value) - elapsed)))
                    child.wait()
                    seen = progress(engine, after)
                    if child.killed:
                        kills += 1
                        if seen.run_id is not None and seen.run_status == "running":  # killed before it finished
                            killed_runs.add(seen.run_id)
                    else:
                        finished_first.append(f"{point.label} ({child.describe()})")
                    # What the kill left must already be clean (nothing half-written), before any recovery.
                    total.merge(audit(snapshot(engine), settled=False), f"series {number}, {point.label}: ")
                final = self.crawl(db_url, f"final of series {number}")
                children.append(final)
                final.wait()
                snap = snapshot(engine)
                run = snap.runs[-1] if snap.runs else None
                finals.append(f"{final.describe()}/{run.status if run else '-'}")
                total.merge(audit(snap, self.reference.snap), f"series {number}: ")
                if killed_runs:
                    total.unexplained_runs += [
                        f"series {number}: killed run {r.id} {r.status} ({r.error or 'no reason'})"
                        for r in snap.runs if r.id in killed_runs and not (r.status == "failed" and r.error)
                    ]  # fmt: skip
                reasons += stored_reasons(snap, killed_runs, besides=self.reference.snap)
                killed_runs.clear()
            finally:
                engine.dispose()
        crashes, tracebacks = self._children(children)
        outcome = (f"{kills} kills in {len(series)} series ({time.monotonic() - started:.0f} s); final crawls: "
                   f"{_counted(finals)}")  # fmt: skip
        if finished_first:
            outcome += f"; finished before the kill point: {', '.join(finished_first)}"
        if not_reached:
            outcome += f"; {not_reached} points not reached within {budget:g} s"
        if windows:
            outcome += f"; killed between run opened and lease naming it: {sum(windows)} of {len(windows)} tries"
        outcome += _problems(total)
        dirty = [c for c in children if c.traceback or c.crashed]
        if dirty:
            outcome += "; " + "; ".join(f"{c.label}: {c.describe()}, {_last_error_line(c.stderr)[:120]}" for c in dirty[:3])
        return FaultResult(fault, self.backend_name, outcome, lost=len(total.lost), junk=len(total.junk), crashes=crashes,
                           tracebacks=tracebacks, reason_recorded=not total.unexplained_runs and kills >= 1,
                           reasons=sorted(set(reasons)))  # fmt: skip

    def _kill_unattached(self, db_url: str, engine: Engine, child: Child, after: int) -> bool:
        """Kill ``child`` after its run is opened but before its lease names the run (``LeaseKeeper.attach_run``).

        The lease row is held still so the crawl cannot get past that point: on PostgreSQL a table lock on
        ``site_leases`` taken once the lease exists (the run's insert goes through, the lease update waits); on SQLite,
        whose lock is the whole database, the write lock taken the moment the run row is seen. True when the kill
        landed in the window (the lease still had no run).
        """
        if isinstance(self.backend, PostgresBackend):
            with engine.connect() as conn:
                while child.returncode is None and child.elapsed() < CRAWL_TIMEOUT:
                    if conn.scalar(select(func.count()).select_from(SiteLease).where(_held_by(child.proc.pid))):
                        break
                    conn.rollback()
                    time.sleep(POLL)
                conn.execute(text("SET LOCAL lock_timeout = '10s'"))
                conn.execute(text("LOCK TABLE site_leases IN SHARE ROW EXCLUSIVE MODE"))
                while child.returncode is None and child.elapsed() < CRAWL_TIMEOUT:
                    if conn.scalar(select(func.max(CrawlRun.id)).where(CrawlRun.id > after)):
                        break
                    time.sleep(POLL)
                hit = bool(conn.scalar(
                    select(func.count()).select_from(SiteLease).where(_held_by(child.proc.pid), SiteLease.run_id.is_(None))
                ))  # fmt: skip
                child.kill()
                conn.rollback()
            return hit
        path = make_url(db_url).database
        assert path
        locker = sqlite3.connect(path, timeout=10, isolation_level=None)
        try:
            while child.returncode is None and child.elapsed() < CRAWL_TIMEOUT:
                if locker.execute("SELECT max(id) FROM crawl_runs WHERE id > ?", (after,)).fetchone()[0]:
                    break
                time.sleep(0.0005)
            locker.execute("BEGIN EXCLUSIVE")  # waits for a write in progress: then the lease names the run
            unattached = "SELECT count(*) FROM site_leases WHERE run_id IS NULL AND holder LIKE ?"
            hit = bool(locker.execute(unattached, (f"%:{child.proc.pid}:%",)).fetchone()[0])
            child.kill()
            locker.execute("ROLLBACK")
        finally:
            locker.close()
        return hit

    # -- everything

    def run(self, faults: Sequence[str] = FAULTS) -> list[FaultResult]:
        if self.skip_reason is not None:
            return []
        rows: list[FaultResult] = []
        sqlite = self.backend_name == "sqlite"
        if sqlite and "sqlite locked" in faults:
            rows.append(self.sqlite_locked())
        if sqlite and "sqlite locked past timeout" in faults:
            rows.append(self.sqlite_locked_past_timeout())
        if sqlite and "sqlite disk full" in faults:
            row = self.sqlite_disk_full()
            rows += [row] if row is not None else []
        if not sqlite and "postgresql terminated" in faults:
            rows.append(self.postgres_terminated())
            rows.append(self.postgres_terminated(in_flight="%", after_pages=2))
            rows.append(self.postgres_terminated(in_flight=IN_FLIGHT_KNOWN_URLS))
        if "kill -9" in faults:
            rows.append(self.kill9())
        return rows


def _counted(items: Sequence[str]) -> str:
    return ", ".join(f"{n}× {item}" for item, n in Counter(items).most_common())


def _problems(found: Audit) -> str:
    parts = []
    if found.lost:
        parts.append(f"LOST {len(found.lost)}: {', '.join(found.lost[:3])}")
    if found.junk:
        parts.append(f"JUNK {len(found.junk)}: {'; '.join(found.junk[:3])}")
    if found.unexplained_runs:
        parts.append(f"UNEXPLAINED: {'; '.join(found.unexplained_runs[:3])}")
    if found.differs:
        parts.append(f"note: {'; '.join(found.differs[:2])}")
    return "".join(f"; {p}" for p in parts) or "; archive = reference, clean"


def _last_error_line(stderr: str) -> str:
    """The line an operator reads first: the exception line after a traceback, else the last non-empty line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errorish = [line for line in lines if re.search(r"error|locked|full|fail|unavailable", line, re.I)]
    return (errorish or lines or [""])[-1][:300]


def _clear_line(stderr: str) -> bool:
    """Whether the crawl's own output says why it failed (a line that is not part of a traceback)."""
    if TRACEBACK in stderr:
        return False
    return bool(re.search(r"locked|busy|database|unavailable", stderr, re.I))


def _disk_full_line(output: str) -> str:
    """The crawl's own line naming the full disk ('' when it never said so; a traceback's last line counts too)."""
    lines = [line.strip() for line in output.splitlines()
             if re.search(r"disk is full|disk full|no space left|database or disk", line, re.I)]  # fmt: skip
    final = [line for line in lines if line.startswith("error:")]
    return (final or lines or [""])[-1]


# --- small filesystems ----------------------------------------------------------------------------------------


def _size_mb(path: Path) -> int:
    return int(path.stat().st_size // (1 << 20)) + 1


def _mount_small_fs(mount: Path, workdir: Path, *, size_mb: int) -> str:
    """A ``size_mb`` filesystem at ``mount``: tmpfs, else a loop-mounted ext4 image; OSError when neither can be."""
    mount.mkdir(parents=True, exist_ok=True)
    tried = []
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(mount)], capture_output=True,
                            text=True, check=False)  # fmt: skip
    if result.returncode == 0:
        return f"tmpfs {size_mb} MB"
    tried.append(f"tmpfs: {result.stderr.strip() or result.returncode}")
    image = workdir / "small-fs.img"
    try:
        with image.open("wb") as f:
            f.truncate(max(size_mb, 4) << 20)
        for cmd in (["mkfs.ext4", "-q", "-F", str(image)], ["mount", "-o", "loop", str(image), str(mount)]):
            step = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if step.returncode != 0:
                raise OSError(f"{cmd[0]}: {step.stderr.strip() or step.returncode}")
        return f"loop ext4 {max(size_mb, 4)} MB"
    except (OSError, FileNotFoundError) as exc:
        tried.append(f"loop ext4: {exc}")
        image.unlink(missing_ok=True)
    raise OSError(f"no small filesystem could be mounted ({'; '.join(tried)})")


def _unmount(mount: Path, workdir: Path) -> None:
    for attempt in range(10):
        result = subprocess.run(["umount", str(mount)], capture_output=True, text=True, check=False)
        if result.returncode == 0 or not os.path.ismount(mount):
            break
        time.sleep(0.3 * (attempt + 1))
    else:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, check=False)
        _say(f"{mount} was busy; unmounted lazily")
    (workdir / "small-fs.img").unlink(missing_ok=True)


def _fill(filler: Path) -> int:
    """Fill the filesystem holding ``filler`` to the last byte; returns the bytes written."""
    written = 0
    with filler.open("wb", buffering=0) as f:
        for chunk in (1 << 16, 1 << 12, 1 << 9, 1):
            block = b"\0" * chunk
            while True:
                try:
                    written += f.write(block)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
    return written


def _sqlite_intact(path: Path) -> tuple[str, str, str]:
    """``PRAGMA integrity_check``, whether every document and page's raw HTML reads back, and the newest run's status,
    read only (the disk still full)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error as exc:
        return f"cannot open: {exc}", "unreadable", "?"
    try:
        check = ", ".join(str(row[0]) for row in conn.execute("PRAGMA integrity_check"))
        documents = conn.execute("SELECT count(*), sum(length(title) + length(text)) FROM documents").fetchone()
        bad = pages = 0
        for (raw,) in conn.execute("SELECT raw_html FROM pages WHERE raw_html IS NOT NULL"):
            pages += 1
            try:
                zlib.decompress(raw)
            except zlib.error:
                bad += 1
        run = conn.execute("SELECT status FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
        readable = f"{documents[0]} documents and {pages - bad}/{pages} pages readable" + (" (unreadable)" if bad else "")
        return check, readable, run[0] if run else "never opened"
    except sqlite3.Error as exc:
        return f"error: {exc}", f"unreadable: {exc}", "?"
    finally:
        conn.close()


# --- entry points -----------------------------------------------------------------------------------------------


def database_faults(
    backend: str, workdir: Path, db_url: str | None = None, *, faults: Sequence[str] = FAULTS
) -> list[FaultResult]:
    """Every database fault that applies to ``backend`` ("sqlite" or "postgresql"), each a real crawl; the rows.

    ``workdir`` holds the SQLite files, the crawls' output (``<backend>/logs``) and the small filesystem's mount
    point. ``db_url`` is the PostgreSQL server to create the fault databases on (default ``DEFAULT_POSTGRES``);
    unused for SQLite. A backend that cannot be used here (PostgreSQL unreachable) gives no rows and a printed reason.
    """
    with FaultBench(backend, Path(workdir), db_url) as bench:
        return bench.run(faults)


def table(rows: Sequence[FaultResult]) -> list[str]:
    """The printed table: one line per row, then its outcome and reasons indented below."""
    head = f"{'fault':<58}{'backend':<12}{'lost':>5}{'junk':>5}{'crash':>6}{'tb':>4}{'reason':>7}{'ok':>5}"
    lines = [head, "-" * len(head)]
    for row in rows:
        lines.append(f"{row.fault[:57]:<58}{row.backend:<12}{row.lost:>5}{row.junk:>5}{row.crashes:>6}{row.tracebacks:>4}"
                     f"{'yes' if row.reason_recorded else 'NO':>7}{'ok' if row.ok else 'FAIL':>5}")  # fmt: skip
        lines.append(f"    {row.outcome}")
        lines += [f"    reason: {reason[:200]}" for reason in row.reasons[:6]]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Run the database faults on each backend, print the table, optionally write the rows as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated: sqlite,postgresql")
    parser.add_argument("--faults", default=",".join(FAULTS), help=f"comma-separated subset of: {', '.join(FAULTS)}")
    parser.add_argument("--db-url", default=None, help=f"PostgreSQL server for the fault databases ({DEFAULT_POSTGRES})")
    parser.add_argument("--out", type=Path, default=None, help="write the rows as JSON here")
    parser.add_argument("--workdir", type=Path, default=None, help="keep databases and crawl logs here (default: a temp dir)")
    args = parser.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    faults = [f.strip() for f in args.faults.split(",") if f.strip()]
    unknown = [b for b in backends if b not in BACKENDS] + [f for f in faults if f not in FAULTS]
    if unknown:
        parser.error(f"unknown: {', '.join(unknown)}")
    rows: list[FaultResult] = []
    with tempfile.TemporaryDirectory(prefix="nh-fault-db-") as tmp:
        workdir = args.workdir or Path(tmp)
        for backend in backends:
            started = time.monotonic()
            rows += database_faults(backend, workdir, args.db_url, faults=faults)
            _say(f"{backend}: {time.monotonic() - started:.0f} s")
    for line in table(rows):
        print(line)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps([r.as_json() for r in rows], indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"written {args.out}")
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
