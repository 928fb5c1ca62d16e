"""Throughput (issue 10): articles/s of a real crawl end to end, beside the extraction ceiling and news-please.

For each N: the deterministic site of ``bench/throughput_site.py`` (N Vietnamese articles of 60–150 KB, listing pages,
a sitemap index) is written to a temporary folder and served by nginx on 127.0.0.1 (a private configuration: its own
pid, logs and temp paths there; ``daemon off``, one worker, stopped at the end; nginx is installed from Debian's
packages when missing). Then, in order, so that no two measurements share the two cores:

``crawl``
    ``newsharvest init`` and ONE ``newsharvest crawl`` child process, as an operator runs it, into a fresh SQLite
    file, with politeness off through the environment (``NEWSHARVEST_DOWNLOAD_DELAY=0``,
    ``NEWSHARVEST_CONCURRENCY``) and ``autothrottle = false`` in the generated site file (the only switch for it).
    ``wall s`` is the child from start to exit; ``art/s`` is documents stored ÷ wall s. The database is then read:
    every generated article must have a stored page with a document (``missing`` counts those that do not), with
    pages by outcome, near-duplicate links and the run's row. ``peak RSS`` is the largest sum of the resident sets of
    the crawl process and all its descendants (the extraction worker), polled from /proc every 0.2 s.
``ceiling``
    in this process, one core: ``trafilatura.extract(html, url=..., with_metadata=True)`` over a sample of the same
    pages after a warm-up: pages/s. ``ratio`` = e2e art/s ÷ (cores × ceiling), the share of the machine's
    extraction ceiling the crawl reaches (the issue's bar: ≥ 0.75 on two cores). The project's own per-page stages on
    the same sample, for information: ``pipeline.extraction.decode.decode_html``, ``pipeline.extraction.extract.extract`` and the
    near-duplicate ``pipeline.dedup.neardup.fingerprint``.
``comparator``
    news-please fetching and extracting a sample of the same article URLs over HTTP from the same nginx, run by
    ``--comparator-python`` (a venv with the ``bench`` extra; ``bench/throughput_comparator.py``), counted as
    extracted when its title is the headline and its text is substantial.

``--profile`` adds a crawl of the first N under cProfile (a separate run, first N only: the profiler slows it) and
splits the crawl process's time per article into stages (``PROFILE_STAGES``); extraction runs in a worker process,
so the crawl process sees it as the time spent waiting for the worker.

    python -m bench.throughput --articles 2000 [--articles 20000] [--comparator news-please]
        [--comparator-python /tmp/cmpvenv/bin/python] [--json bench/results/throughput.json] [--profile]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import pstats
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
for _path in (REPO, BENCH):  # run as a script or with -m from the repository, or imported by a test
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from sqlalchemy import create_engine, text  # noqa: E402  (after the sys.path fix above)
from throughput_site import SITE_NAME, GeneratedSite, generate  # noqa: E402

__all__ = [
    "CrawlResult",
    "NginxServer",
    "ensure_nginx",
    "main",
    "measure_ceiling",
    "measure_comparator",
    "measure_crawl",
    "run",
    "table",
    "tree_rss",
]

DEFAULT_JSON = REPO / "bench/results/throughput.json"
DEFAULT_COMPARATOR_PYTHON = "/tmp/cmpvenv/bin/python"
CONCURRENCY = 16  # requests in flight to the one host (Scrapy's CONCURRENT_REQUESTS is 16 as well)
CEILING_SAMPLE, CEILING_WARMUP = 300, 20
COMPARATOR_SAMPLE = 200
COMPARATOR_TIME_LIMIT = 300.0
RSS_POLL_S = 0.2
NGINX_START_TIMEOUT = 10.0
CLI_TIMEOUT = 120.0


def crawl_timeout(n: int) -> float:
    """Seconds one crawl of ``n`` articles may take before it is killed: generous (a few articles/s) but bounded."""
    return 120.0 + 0.5 * n


# --- nginx ---------------------------------------------------------------------------------------------------------


def ensure_nginx(log: Callable[[str], None] = print) -> str:
    """The nginx binary, installed from Debian's packages (``apt-get install -y nginx``, as root) when missing."""
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).is_file()), None)
    if found:
        return found
    log("nginx not found: apt-get install -y nginx")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", "nginx"]
    if subprocess.run(install, env=env, capture_output=True, timeout=900, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, timeout=600, check=False)
        subprocess.run(install, env=env, capture_output=True, timeout=900, check=True)
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(found).is_file():
        raise RuntimeError("nginx could not be installed")
    return found


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the site's URLs embed it, so it is chosen before generating)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def nginx_version(binary: str) -> str:
    """``nginx -v`` says its version on stderr."""
    result = subprocess.run([binary, "-v"], capture_output=True, text=True, timeout=10, check=False)
    return (result.stderr or result.stdout).strip().rpartition("/")[2]


class NginxServer:
    """nginx serving ``root`` on 127.0.0.1:``port`` from a configuration of its own under ``workdir``.

    One worker process, so that the server takes as little of the two cores as a remote server would; files are sent
    with ``sendfile``, ``text/html; charset=utf-8`` as real sites label them. As root, the worker runs as root too:
    the temporary folders are private to their owner.
    """

    def __init__(self, binary: str, root: Path, port: int, workdir: Path) -> None:
        self.binary, self.root, self.port, self.workdir = binary, root, port, workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """Where the site is served."""
        return f"http://127.0.0.1:{self.port}"

    def config(self) -> str:
        """The whole nginx.conf."""
        w = self.workdir
        user = "user root;\n" if os.geteuid() == 0 else ""
        temp = "".join(f"{kind}_temp_path {w}/{kind}_temp;\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        return f"""{user}worker_processes 1;
daemon off;
pid {w}/nginx.pid;
error_log {w}/error.log warn;
events {{ worker_connections 1024; }}
http {{
types {{ text/html html; application/xml xml; text/plain txt; image/jpeg jpg; }}
default_type application/octet-stream;
charset utf-8;
charset_types text/html application/xml text/plain;
access_log {w}/access.log;
sendfile on;
keepalive_timeout 30;
{temp}server {{
    listen 127.0.0.1:{self.port};
    root {self.root};
    location / {{ try_files $uri =404; }}
}}
}}
"""

    def __enter__(self) -> NginxServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        conf = self.workdir / "nginx.conf"
        conf.write_text(self.config(), encoding="utf-8")
        command = [self.binary, "-p", str(self.workdir), "-e", str(self.workdir / "error.log"), "-c", str(conf)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + NGINX_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                stderr = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise RuntimeError(f"nginx exited {self.process.returncode}: {stderr}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return self
            time.sleep(0.05)
        self.__exit__(None, None, None)
        raise RuntimeError(f"nginx did not listen on port {self.port} within {NGINX_START_TIMEOUT:g} s")

    def __exit__(self, *exc: object) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGQUIT)  # graceful: the master stops its worker and removes its pid file
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def requests(self) -> int:
        """Requests served so far (lines of the access log)."""
        log = self.workdir / "access.log"
        return sum(1 for _ in log.open("rb")) if log.is_file() else 0


# --- resident set of a process tree ------------------------------------------------------------------------------------

_PAGE = os.sysconf("SC_PAGE_SIZE")


def _parents() -> dict[int, int]:
    """``{pid: parent pid}`` of every process, from /proc/PID/stat (psutil is not a dependency of the project)."""
    parents = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{entry.name}/stat").read_text()
            parents[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
    return parents


def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants now (0 when it is gone)."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        with contextlib.suppress(OSError, IndexError, ValueError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
    return total


class PeakRss:
    """Polls ``tree_rss(pid)`` in a thread until stopped; keeps the peak (a sampled peak: spikes shorter than the poll
    interval can be missed)."""

    def __init__(self, pid: int, interval: float = RSS_POLL_S) -> None:
        self.pid, self.interval, self.peak, self.samples = pid, interval, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# --- the crawl -----------------------------------------------------------------------------------------------------


@dataclass
class CrawlResult:
    """One ``newsharvest crawl`` of the generated site, checked against the database."""

    exit_code: int
    wall_s: float
    peak_rss_bytes: int
    documents: int
    near_duplicates: int
    missing: int
    pages: dict[str, int]
    run: dict[str, Any]
    requests: int
    errors_sample: list[str] = field(default_factory=list)
    stderr_tail: str = ""
    cpu_s: float = 0.0  # CPU seconds of the crawl process and its reaped children (the extraction workers)
    other_cpu_s: float = 0.0  # CPU seconds the rest of the machine used meanwhile (nginx, and anything else running)

    @property
    def articles_per_s(self) -> float:
        """Documents stored per second of the crawl process's life."""
        return self.documents / self.wall_s if self.wall_s > 0 else 0.0

    def as_json(self) -> dict[str, Any]:
        """The result with its rate and RSS in readable units."""
        return {
            "exit_code": self.exit_code, "wall_s": round(self.wall_s, 2), "documents": self.documents,
            "articles_per_s": round(self.articles_per_s, 2), "peak_rss_mb": round(self.peak_rss_bytes / 2**20, 1),
            "near_duplicates": self.near_duplicates, "missing": self.missing, "pages": self.pages, "run": self.run,
            "requests": self.requests, "cpu_s": round(self.cpu_s, 1), "other_cpu_s": round(self.other_cpu_s, 1),
            "errors_sample": self.errors_sample, "stderr_tail": self.stderr_tail,
        }  # fmt: skip


def crawl_env(db_url: str, home: Path, concurrency: int) -> dict[str, str]:
    """The operator's environment with politeness off: no delay, ``concurrency`` requests in flight to the host."""
    env = {
        **os.environ, "NEWSHARVEST_DB": db_url, "NEWSHARVEST_HOME": str(home), "NEWSHARVEST_DOWNLOAD_DELAY": "0",
        "NEWSHARVEST_CONCURRENCY": str(concurrency), "PYTHONPATH": str(REPO),
    }  # fmt: skip
    env.pop("NEWSHARVEST_SITES", None)
    return env


def _cli(python: str, env: dict[str, str], *args: str) -> None:
    result = subprocess.run([python, "-m", "newsharvest", *args], env=env, capture_output=True, text=True, cwd=REPO,
                            timeout=CLI_TIMEOUT, check=False)  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"newsharvest {' '.join(args)} exited {result.returncode}:\n{result.stdout}{result.stderr}")


def _machine_busy_s() -> float:
    """CPU seconds all cores have spent busy since boot (/proc/stat), to tell how much of a crawl's time the machine
    spent on other work: a measurement taken beside another busy process is not one."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = sum(fields) - fields[3] - (fields[4] if len(fields) > 4 else 0)  # all but idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class _Bounded:
    """How a bounded child process ended: exit code, wall seconds, peak tree RSS, its CPU and the machine's other CPU
    seconds over the same time, and the tail of its output."""

    code: int
    wall_s: float
    peak_rss: int
    cpu_s: float
    other_cpu_s: float
    tail: str


def _run_bounded(command: list[str], env: dict[str, str], workdir: Path, timeout: float) -> _Bounded:
    """Run ``command`` in its own process group, output to files; the whole group is killed past ``timeout`` or when
    this process is interrupted (no crawl left behind)."""
    out_path, err_path = workdir / "crawl.stdout", workdir / "crawl.stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        busy, cpu, started = _machine_busy_s(), _children_cpu_s(), time.monotonic()
        child = subprocess.Popen(command, env=env, cwd=REPO, stdout=out, stderr=err, start_new_session=True)
        with PeakRss(child.pid) as rss:
            try:
                code = child.wait(timeout)
            except subprocess.TimeoutExpired:
                code = -9
            finally:
                if child.poll() is None:
                    os.killpg(child.pid, signal.SIGKILL)
                    child.wait()
        wall = time.monotonic() - started
        cpu = _children_cpu_s() - cpu
        other = _machine_busy_s() - busy - cpu
    tail = (out_path.read_text(errors="replace") + err_path.read_text(errors="replace"))[-2000:]
    return _Bounded(code, wall, rss.peak, cpu, max(other, 0.0), tail)


def check_archive(db_url: str, expected_urls: Sequence[str]) -> dict[str, Any]:
    """What the crawl stored: documents, near-duplicate links, pages by kind/outcome, the run, and which generated
    article has no stored page with a document (``missing``). Plain SQL on the tables, so a refactor of the models
    does not break the bench."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            documents = conn.execute(text("select count(*) from documents")).scalar_one()
            near = conn.execute(text("select count(*) from documents where duplicate_of is not null")).scalar_one()
            pages = {f"{kind}/{outcome}": count for kind, outcome, count in conn.execute(
                text("select kind, outcome, count(*) from pages group by kind, outcome order by kind, outcome"))}  # fmt: skip
            stored = {row[0] for row in conn.execute(text("select url from pages where document_id is not null"))}
            errors = [f"{url}: {error}" for url, error in conn.execute(
                text("select url, error from pages where outcome in ('error', 'not_article') limit 5"))]  # fmt: skip
            run = conn.execute(text(
                "select status, pages_fetched, new_documents, near_duplicates, duplicates, errors, skipped_known, "
                "started_at, finished_at, error from crawl_runs order by id desc limit 1")).mappings().first()  # fmt: skip
    finally:
        engine.dispose()
    run_json = {k: (str(v) if isinstance(v, datetime) else v) for k, v in dict(run or {}).items()}
    missing = sum(1 for url in expected_urls if url not in stored)
    return {"documents": documents, "near_duplicates": near, "pages": pages, "missing": missing, "errors_sample": errors,
            "run": run_json}  # fmt: skip


def measure_crawl(
    site: GeneratedSite, site_file: Path, workdir: Path, server: NginxServer, *, concurrency: int = CONCURRENCY,
    python: str = sys.executable, profile_to: Path | None = None,
) -> CrawlResult:  # fmt: skip
    """``newsharvest init`` then one ``newsharvest crawl`` of the generated site into a fresh SQLite file in ``workdir``;
    under cProfile (written to ``profile_to``) and logging at ``-v`` (for the per-step times) when given."""
    workdir.mkdir(parents=True, exist_ok=True)
    db_url = f"sqlite:///{workdir / 'archive.db'}"
    env = crawl_env(db_url, workdir / "home", concurrency)
    _cli(python, env, "init")
    profiler = ["-m", "cProfile", "-o", str(profile_to)] if profile_to is not None else []
    command = [python, *profiler, "-m", "newsharvest", "crawl", SITE_NAME, "--sites", str(site_file)]
    if profile_to is not None:
        command.append("-v")
    before = server.requests()
    ran = _run_bounded(command, env, workdir, crawl_timeout(site.n))
    found = check_archive(db_url, site.article_urls())
    return CrawlResult(
        exit_code=ran.code, wall_s=ran.wall_s, peak_rss_bytes=ran.peak_rss, documents=found["documents"],
        near_duplicates=found["near_duplicates"], missing=found["missing"], pages=found["pages"], run=found["run"],
        requests=server.requests() - before, errors_sample=found["errors_sample"],
        stderr_tail=ran.tail if ran.code != 0 else "", cpu_s=ran.cpu_s, other_cpu_s=ran.other_cpu_s,
    )  # fmt: skip


# --- single-core ceiling ------------------------------------------------------------------------------------------------


def sample_indices(n: int, size: int) -> list[int]:
    """``size`` article indices spread evenly over the site (all of them when the site is smaller)."""
    if size >= n:
        return list(range(n))
    return [round(k * (n - 1) / (size - 1)) for k in range(size)] if size > 1 else [0]


def _per_second(work: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    work()
    elapsed = time.perf_counter() - started
    return count / elapsed if elapsed > 0 else 0.0


def measure_ceiling(
    site: GeneratedSite, site_dir: Path, *, sample: int = CEILING_SAMPLE, warmup: int = CEILING_WARMUP
) -> dict[str, Any]:
    """Pages/s on one core, in this process, over the same pages the crawl fetched: trafilatura alone (the ceiling),
    then the project's own stages (decode, extract, fingerprint), each over the whole sample after a warm-up."""
    import trafilatura

    from pipeline.config import Settings
    from pipeline.dedup.neardup import fingerprint
    from pipeline.extraction.decode import decode_html
    from pipeline.extraction.extract import extract
    from pipeline.sites import parse_sites

    declared = parse_sites((site_dir / "site.toml").read_text(encoding="utf-8"))[SITE_NAME]
    params = Settings().near_dup_params
    urls = site.article_urls()
    pages = [
        (urls[i], (site_dir / site.teasers[i].path.lstrip("/")).read_bytes()) for i in sample_indices(site.n, sample + warmup)
    ]
    warm, timed = pages[:warmup], pages[warmup:] or pages
    htmls = [(url, body.decode("utf-8")) for url, body in timed]
    for url, body in warm:
        trafilatura.extract(body.decode("utf-8"), url=url, with_metadata=True)
        extract(body.decode("utf-8"), url, declared)
    texts: list[str] = []
    result = {
        "pages": len(timed),
        "mean_page_kb": round(sum(len(body) for _url, body in timed) / len(timed) / 1000, 1),
        "trafilatura_pages_per_s": _per_second(
            lambda: [trafilatura.extract(html, url=url, with_metadata=True) for url, html in htmls], len(htmls)),
        "decode_pages_per_s": _per_second(
            lambda: [decode_html(body, "text/html; charset=utf-8") for _u, body in timed], len(timed)),
        "extract_pages_per_s": _per_second(
            lambda: texts.extend(extract(html, url, declared).text for url, html in htmls), len(htmls)),
    }  # fmt: skip
    result["fingerprint_pages_per_s"] = _per_second(lambda: [fingerprint(t, params) for t in texts], len(texts))
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in result.items()}


# --- comparator ----------------------------------------------------------------------------------------------------------


def measure_comparator(
    site: GeneratedSite, workdir: Path, *, python: str, library: str = "news-please", mode: str = "batch",
    sample: int = COMPARATOR_SAMPLE, time_limit: float = COMPARATOR_TIME_LIMIT,
) -> dict[str, Any]:  # fmt: skip
    """news-please (or newspaper4k) fetching and extracting ``sample`` article URLs from the same server, in the
    comparator's interpreter; a failure is reported as such (with its output), not raised."""
    if not Path(python).is_file():
        return {"library": library, "error": f"no comparator interpreter at {python} (see --comparator-python)"}
    urls = site.article_urls()
    items = [{"url": urls[i], "title": site.teasers[i].title} for i in sample_indices(site.n, sample)]
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "comparator.json").write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    command = [python, str(BENCH / "throughput_comparator.py"), str(workdir / "comparator.json"), "--library", library,
               "--mode", mode, "--time-limit", f"{time_limit:g}"]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=time_limit + 300, check=False, cwd=workdir)
    except subprocess.TimeoutExpired:
        return {"library": library, "mode": mode, "error": f"did not finish within {time_limit + 300:g} s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"library": library, "mode": mode, "error": f"exit {done.returncode}: {done.stderr[-1500:]}"}
    return dict(json.loads(lines[-1]))


# --- the whole run -------------------------------------------------------------------------------------------------------

# Stages of the crawl process's time under cProfile: the first listed function found gives the stage its cumulative
# seconds. Names of the current code (pipeline/archive/run.py, ingest.py, worker.py); a stage whose functions are gone
# after a refactor is reported as null.
# Stages of the crawl's own process (the reactor thread): cumulative time of these functions in its profile. The
# per-page work in the worker processes is not in that profile: the crawl logs it (``-v``), see ``worker_step_times``.
PROFILE_STAGES: dict[str, list[tuple[str, str]]] = {
    "store (one transaction per page, on the reactor thread)": [("pipeline/archive/run.py", "store")],
    "  of which near-duplicate lookup": [("pipeline/dedup/clusters.py", "find")],
    "  of which commit": [("sqlalchemy/orm/session.py", "commit")],
    "known-URL lookups (discovery)": [("pipeline/archive/run.py", "known_urls")],
    "idle (waiting for responses and workers)": [("~", "<method 'poll' of 'select.epoll' objects>")],
}
_STEP_LINE = re.compile(r"time per page over (\d+) pages: (.+)$", re.MULTILINE)


def worker_step_times(stderr: Path) -> dict[str, float]:
    """Milliseconds per page of each step the workers (and the store) took, from the line a crawl logs at ``-v``
    ("time per page over 600 pages: compress 2.1 ms, decode 0.5 ms, …")."""
    found = _STEP_LINE.findall(stderr.read_text(encoding="utf-8", errors="replace")) if stderr.exists() else []
    times: dict[str, float] = {}
    for _pages, steps in found[-1:]:
        for part in steps.split(", "):
            name, _, value = part.rpartition(" ")[0].rpartition(" ")
            if value:
                times[name] = float(value)
    return times


def profile_stages(path: Path, documents: int) -> dict[str, Any]:
    """Milliseconds per stored article of each ``PROFILE_STAGES`` stage of the crawl's own process, the rest of it
    (Scrapy: fetching, parsing responses, scheduling; start-up) and its total; plus the 15 functions with the most
    own time."""
    stats = pstats.Stats(str(path))
    raw: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    total = max((entry[3] for entry in raw.values()), default=0.0)  # the outermost frame's cumulative time
    per = max(documents, 1)

    def cumulative(candidates: list[tuple[str, str]]) -> float | None:
        for suffix, name in candidates:
            found = [entry[3] for (file, _line, func), entry in raw.items() if file.endswith(suffix) and func == name]
            if found:
                return float(max(found))
        return None

    stages = {stage: cumulative(candidates) for stage, candidates in PROFILE_STAGES.items()}
    ms = {stage: (round(seconds * 1000 / per, 2) if seconds is not None else None) for stage, seconds in stages.items()}
    counted = sum(stages[k] or 0.0 for k in PROFILE_STAGES if not k.startswith("  "))
    ms["everything else (Scrapy: fetching, responses, scheduling; start-up)"] = round((total - counted) * 1000 / per, 2)
    ms["total (wall time of the crawl's process)"] = round(total * 1000 / per, 2)
    own = sorted(raw.items(), key=lambda item: item[1][2], reverse=True)[:15]
    top = [f"{Path(file).name}:{line}:{func} {entry[2]:.2f}s own, {entry[3]:.2f}s cum" for (file, line, func), entry in own]
    return {"ms_per_article": ms, "total_s": round(total, 2), "top_own_time": top}


def code_state() -> dict[str, Any]:
    """The commit measured and any tracked file changed beside it (read-only git), so a number names its code."""

    def git(*args: str) -> str:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=30, check=False)
            return done.stdout.rstrip("\n") if done.returncode == 0 else ""
        return ""

    changed = [line[3:] for line in git("status", "--porcelain", "--untracked-files=no").splitlines()]
    return {"commit": git("rev-parse", "HEAD").strip(), "modified_tracked_files": changed}


def versions(nginx: str | None, comparator: dict[str, Any] | None) -> dict[str, str]:
    """Versions of what was measured."""
    found = {}
    for package in ("newsharvest", "scrapy", "trafilatura", "lxml", "sqlalchemy", "twisted"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[package] = metadata.version(package)
    if nginx:
        found["nginx"] = nginx_version(nginx)
    if comparator and comparator.get("version"):
        found[comparator["library"]] = comparator["version"]
    found["python"] = platform.python_version()
    return found


def measure_n(
    n: int, root: Path, nginx: str, *, seed: int, concurrency: int, comparator: str | None, comparator_python: str,
    comparator_mode: str, comparator_sample: int, ceiling_sample: int, profile: bool, log: Callable[[str], None],
) -> dict[str, Any]:  # fmt: skip
    """Everything for one N: generate, serve, crawl, ceiling, comparator (and the profile run)."""
    port = free_port()
    site_dir = root / f"site-{n}"
    started = time.monotonic()
    site = generate(site_dir, n, seed=seed, base_url=f"http://127.0.0.1:{port}")
    generated_s = time.monotonic() - started
    log(f"N={n}: site written in {generated_s:.1f} s; serving on port {port}")
    result: dict[str, Any] = {"articles": n, "generate_s": round(generated_s, 1), "listing_pages": site.listing_pages}
    with NginxServer(nginx, site_dir, port, root / f"nginx-{n}") as server:
        crawl = measure_crawl(site, site_dir / "site.toml", root / f"crawl-{n}", server, concurrency=concurrency)
        result["crawl"] = crawl.as_json()
        log(f"N={n}: crawl {crawl.documents} documents in {crawl.wall_s:.1f} s ({crawl.articles_per_s:.1f}/s), "
            f"missing {crawl.missing}, exit {crawl.exit_code}; CPU {crawl.cpu_s:.0f} s, "
            f"others {crawl.other_cpu_s:.0f} s")  # fmt: skip
        result["ceiling"] = measure_ceiling(site, site_dir, sample=ceiling_sample)
        log(f"N={n}: ceiling {result['ceiling']['trafilatura_pages_per_s']:.1f} pages/s (trafilatura, one core)")
        if comparator:
            result["comparator"] = measure_comparator(
                site, root / f"comparator-{n}", python=comparator_python, library=comparator, mode=comparator_mode,
                sample=comparator_sample,
            )  # fmt: skip
            log(f"N={n}: comparator {json.dumps(result['comparator'])[:300]}")
        if profile:
            prof = root / f"profile-{n}.pstats"
            profiled = measure_crawl(site, site_dir / "site.toml", root / f"profile-{n}", server, concurrency=concurrency,
                                     profile_to=prof)  # fmt: skip
            result["profile"] = {"wall_s": round(profiled.wall_s, 2), "documents": profiled.documents,
                                 **profile_stages(prof, profiled.documents),
                                 "ms_per_page_by_step": worker_step_times(root / f"profile-{n}" / "crawl.stderr")}  # fmt: skip
    cores = os.cpu_count() or 1
    ceiling = result["ceiling"]["trafilatura_pages_per_s"]
    result["ratio_to_ceiling"] = round(crawl.articles_per_s / (cores * ceiling), 3) if ceiling else None
    cmp_rate = (result.get("comparator") or {}).get("articles_per_s")
    result["speedup_vs_comparator"] = round(crawl.articles_per_s / cmp_rate, 1) if cmp_rate else None
    with contextlib.suppress(OSError):
        shutil.rmtree(site_dir)  # 2 GB at N = 20,000
    return result


def run(
    sizes: Sequence[int], *, out: Path | None = DEFAULT_JSON, workdir: Path | None = None, seed: int = 1,
    concurrency: int = CONCURRENCY, comparator: str | None = "news-please", comparator_python: str = DEFAULT_COMPARATOR_PYTHON,
    comparator_mode: str = "batch", comparator_sample: int = COMPARATOR_SAMPLE, ceiling_sample: int = CEILING_SAMPLE,
    profile: bool = False, log: Callable[[str], None] = print,
) -> dict[str, Any]:  # fmt: skip
    """Measure every N in ``sizes``, print the table through ``log`` and write the JSON to ``out`` (unless None)."""
    nginx = ensure_nginx(log)
    code = code_state()
    started = time.monotonic()
    with _workdir(workdir) as root:
        runs = {
            str(n): measure_n(n, root, nginx, seed=seed, concurrency=concurrency, comparator=comparator,
                              comparator_python=comparator_python, comparator_mode=comparator_mode,
                              comparator_sample=comparator_sample, ceiling_sample=ceiling_sample,
                              profile=profile and index == 0, log=log)
            for index, n in enumerate(sizes)
        }  # fmt: skip
    first_cmp = next((r.get("comparator") for r in runs.values() if r.get("comparator")), None)
    result = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "versions": versions(nginx, first_cmp),
        "code": code,
        "inputs": {
            "sizes": list(sizes),
            "seed": seed,
            "concurrency": concurrency,
            "download_delay": 0,
            "autothrottle": False,
            "archive": "sqlite",
            "ceiling_sample": ceiling_sample,
            "comparator": comparator,
            "comparator_mode": comparator_mode,
            "comparator_sample": comparator_sample,
        },
        "runs": runs,
        "run_s": round(time.monotonic() - started, 1),
    }
    for line in table(result):
        log(line)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        log(f"written {out}")
    return result


@contextlib.contextmanager
def _workdir(given: Path | None) -> Iterator[Path]:
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="nh-throughput-") as tmp:
        yield Path(tmp)


def table(result: dict[str, Any]) -> list[str]:
    """The printed table: one row per N."""
    cores = result["machine"]["cpus"]
    head = (f"{'N':>7} {'page KB':>8} {'wall s':>8} {'stored':>7} {'missing':>7} {'art/s':>7} {'ceiling/s':>10} "
            f"{f'ratio({cores}c)':>10} {'ours/s':>7} {'peak RSS MB':>12} {'cmp art/s':>10} {'×cmp':>6}")  # fmt: skip
    lines = [head, "-" * len(head)]
    for n, r in result["runs"].items():
        crawl, ceiling, cmp = r["crawl"], r["ceiling"], r.get("comparator") or {}
        cmp_rate = f"{cmp['articles_per_s']:.2f}" if "articles_per_s" in cmp else ("error" if cmp.get("error") else "-")
        speedup = f"{r['speedup_vs_comparator']:.1f}" if r.get("speedup_vs_comparator") else "-"
        lines.append(
            f"{n:>7} {ceiling['mean_page_kb']:>8.1f} {crawl['wall_s']:>8.1f} {crawl['documents']:>7} {crawl['missing']:>7} "
            f"{crawl['articles_per_s']:>7.2f} {ceiling['trafilatura_pages_per_s']:>10.1f} {r['ratio_to_ceiling'] or 0:>10.3f} "
            f"{ceiling['extract_pages_per_s']:>7.1f} {crawl['peak_rss_mb']:>12.1f} {cmp_rate:>10} {speedup:>6}"
        )  # fmt: skip
    for n, r in result["runs"].items():
        if "profile" in r:
            lines.append(f"profile N={n} (ms per article, crawl process under cProfile, {r['profile']['wall_s']:.1f} s):")
            lines += [f"  {stage:<55} {ms if ms is not None else '-':>8}" for stage, ms in r["profile"]["ms_per_article"].items()]
            steps = r["profile"].get("ms_per_page_by_step") or {}
            lines.append("per page by step (worker processes; store on the crawl's thread), ms:")
            lines += [f"  {step:<55} {ms:>8}" for step, ms in steps.items()]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, measure, print, write."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, action="append", help="N (repeatable; default 2000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY, help="NEWSHARVEST_CONCURRENCY for the crawl")
    parser.add_argument("--comparator", choices=("news-please", "newspaper4k", "none"), default="news-please")
    parser.add_argument("--comparator-python", default=DEFAULT_COMPARATOR_PYTHON, help="interpreter with the bench extra")
    parser.add_argument("--comparator-mode", choices=("batch", "sequential"), default="batch")
    parser.add_argument("--comparator-sample", type=int, default=COMPARATOR_SAMPLE)
    parser.add_argument("--ceiling-sample", type=int, default=CEILING_SAMPLE)
    parser.add_argument("--profile", action="store_true", help="also a crawl of the first N under cProfile, split into stages")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, dest="out")
    parser.add_argument("--workdir", type=Path, help="keep the sites, databases and logs here (default: a temp dir)")
    args = parser.parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so that nginx and a running crawl are stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    run(args.articles or [2000], out=args.out, workdir=args.workdir, seed=args.seed, concurrency=args.concurrency,
        comparator=None if args.comparator == "none" else args.comparator, comparator_python=args.comparator_python,
        comparator_mode=args.comparator_mode, comparator_sample=args.comparator_sample, ceiling_sample=args.ceiling_sample,
        profile=args.profile)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
