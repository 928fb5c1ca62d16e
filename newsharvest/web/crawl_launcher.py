"""Crawls started over HTTP: each one a child process ``newsharvest crawl SITE --no-wait``, as the scheduler runs them.

The child takes the site's lease and records its run itself (trigger ``manual``), so a crawl started here is one
crawl among the scheduler's and the operators': never two of one site at once. Before starting, the launcher looks
at the lease: a live holder means ``CrawlBusy`` (HTTP 409) naming it. A child this server started and that has not
taken the lease yet counts as busy too, so two quick clicks start one crawl.

The child gets the server's archive (``NEWSHARVEST_DB`` in its environment, not on its command line, where ``ps``
shows it to every user), site files and ``--base-url``; its own process group, an address-space limit and the kernel's
SIGTERM should the server die first. A thread per child waits for it (no zombies), kills it past the crawl time limit
and logs how it ended; the event loop never waits. On shutdown the children get SIGTERM: Scrapy finishes the page in
flight and records the run ``interrupted``.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from newsharvest.children import limit_child, signal_group
from pipeline.archive.leases import holder_is_alive
from pipeline.config import Settings
from storage.models import SiteLease, SiteRecord, utcnow

__all__ = ["CrawlBusy", "CrawlLauncher", "CrawlStarted"]

log = logging.getLogger(__name__)
_OUTPUT_TAIL = 2000  # characters of a child's output kept for the log


class CrawlBusy(Exception):
    """The site is being crawled (or a crawl of it is starting): nothing was started."""

    def __init__(self, site: str, holder: str, run_id: int | None, since: datetime | None) -> None:
        run = f"run {run_id}" if run_id is not None else "a run starting"
        when = f", since {since.isoformat(timespec='seconds')}" if since else ""
        super().__init__(f"{site} is being crawled ({run}, process {holder}{when}); try again when it has finished")
        self.site, self.holder, self.run_id, self.since = site, holder, run_id, since


@dataclass(frozen=True)
class CrawlStarted:
    """A crawl child that was started."""

    site: str
    pid: int
    started_at: datetime


class CrawlLauncher:
    """Starts crawl children for the server and keeps track of them until they end."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session], base_urls: Mapping[str, str] | None = None) -> None:
        self.settings = settings
        self._sessions = sessions
        self._base_urls = dict(base_urls or {})
        self._children: dict[str, subprocess.Popen[str]] = {}
        self._lock = threading.Lock()

    def command(self, site: str, *, max_articles: int | None = None, refresh: bool = False) -> list[str]:
        """The child's command line (no secrets on it)."""
        command = [sys.executable, "-m", "newsharvest", "crawl", site, "--no-wait"]
        for path in self.settings.sites_files:
            command += ["--sites", str(path.resolve())]
        if site in self._base_urls:
            command += ["--base-url", self._base_urls[site]]
        if max_articles is not None:
            command += ["--max-articles", str(max_articles)]
        if refresh:
            command.append("--refresh")
        return command

    def start(self, site: str, *, max_articles: int | None = None, refresh: bool = False) -> CrawlStarted:
        """Start a manual crawl of ``site`` unless it is being crawled (``CrawlBusy``)."""
        command = self.command(site, max_articles=max_articles, refresh=refresh)
        with self._lock:
            own = self._children.get(site)
            if own is not None and own.poll() is None:
                raise CrawlBusy(site, f"{own.pid} (started by this server)", None, None)
            self._refuse_if_leased(site)
            # The child is forked by the thread that then waits for it: the kernel's parent-death signal follows the
            # forking *thread*, so a short-lived request thread must not be the one that forks.
            handed: queue.Queue[subprocess.Popen[str] | OSError] = queue.Queue(maxsize=1)
            threading.Thread(target=self._run_child, args=(site, command, handed), name=f"crawl-{site}", daemon=True).start()
            child = handed.get()
            if isinstance(child, OSError):
                raise child
            self._children[site] = child
        log.info("crawl of %s started over HTTP (pid %d)", site, child.pid, extra={"site": site})
        return CrawlStarted(site, child.pid, utcnow())

    def running(self) -> dict[str, int]:
        """Site → pid of the children still running."""
        with self._lock:
            return {site: child.pid for site, child in self._children.items() if child.poll() is None}

    def stop_all(self, grace_seconds: float = 30.0) -> None:
        """SIGTERM every running child's process group, wait up to ``grace_seconds``, then kill what is left."""
        with self._lock:
            children = list(self._children.items())
        for _site, child in children:
            signal_group(child, signal.SIGTERM)
        for site, child in children:
            try:
                child.wait(timeout=grace_seconds)
            except subprocess.TimeoutExpired:
                log.warning("the crawl of %s did not stop in time: killed", site, extra={"site": site})
                signal_group(child, signal.SIGKILL)
                child.wait()

    def _refuse_if_leased(self, site: str) -> None:
        with self._sessions() as session:
            lease = session.scalar(
                select(SiteLease).join(SiteRecord, SiteRecord.id == SiteLease.site_id).where(SiteRecord.name == site)
            )
        if lease is None:
            return
        stale = lease.expires_at < utcnow() or holder_is_alive(lease.holder) is False
        if not stale:  # a stale lease is the child's to recover (every crawl starts by recovering stale runs)
            raise CrawlBusy(site, lease.holder, lease.run_id, lease.acquired_at)

    def _child_env(self) -> dict[str, str]:
        # The archive goes in the environment (not on the command line); the child needs no API token, and gets the
        # site files explicitly (--sites), so NEWSHARVEST_SITES is not read twice.
        env = {**os.environ, "NEWSHARVEST_DB": self.settings.database_url, "NEWSHARVEST_LOG_FORMAT": self.settings.log_format}
        env.pop("NEWSHARVEST_API_TOKEN", None)
        env.pop("NEWSHARVEST_SITES", None)
        return env

    def _run_child(self, site: str, command: list[str], handed: queue.Queue[subprocess.Popen[str] | OSError]) -> None:
        """Fork the child, hand it to ``start``, wait for it (time-limited) and log how it ended: no zombie is left."""
        extra = {"site": site}
        memory = self.settings.crawl_memory_limit_mb * 1024 * 1024
        try:
            child = subprocess.Popen(
                command, env=self._child_env(), start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True, preexec_fn=lambda: limit_child(memory),
            )  # fmt: skip
        except OSError as exc:
            handed.put(exc)
            return
        handed.put(child)
        try:
            output, _ = child.communicate(timeout=self.settings.crawl_time_limit)
        except subprocess.TimeoutExpired:
            signal_group(child, signal.SIGKILL)
            output, _ = child.communicate()
            log.error("crawl of %s killed: time limit of %g s exceeded", site, self.settings.crawl_time_limit, extra=extra)
        finally:
            with self._lock:
                if self._children.get(site) is child:
                    del self._children[site]
        tail = (output or "")[-_OUTPUT_TAIL:].strip()
        if child.returncode == 0:
            log.info("crawl of %s finished: %s", site, tail.splitlines()[-1] if tail else "", extra=extra)
        else:
            log.warning("crawl of %s ended with status %d: %s", site, child.returncode, tail, extra=extra)
