"""``newsharvest schedule``: the long-running service that crawls each site on its own schedule.

- **APScheduler 3** ``BlockingScheduler`` with its job store (``apscheduler_jobs``) in the archive database: one job
  per site that declares a ``schedule``, id ``crawl:<site>``. Site files are read at start and again on SIGHUP; jobs
  of sites that lost their schedule are removed.
- Job options, set deliberately: ``coalesce=True`` (runs missed while the service was down or busy collapse into
  one), ``misfire_grace_time`` = ``NEWSHARVEST_MISFIRE_GRACE`` (a run later than that is skipped until the next due
  time), ``max_instances=1`` (a site's job never overlaps itself); ``NEWSHARVEST_MAX_PARALLEL_CRAWLS`` threads, so
  at most that many sites crawl at once.
- **Isolation**: each run is a child process, ``newsharvest crawl SITE --scheduled --no-wait``, in its own process
  group, with an address-space limit (``NEWSHARVEST_CRAWL_MEMORY_LIMIT_MB``) and a time limit
  (``NEWSHARVEST_CRAWL_TIME_LIMIT``): past it the group is killed and the run recorded as failed. A crash of the
  child is recorded the same way; the scheduler carries on.
- A site already being crawled (a manual crawl, another service) makes the child exit 75: the run is skipped, not
  failed — the lease says who is crawling.
- **SIGTERM / SIGINT**: no new runs start; every child gets SIGTERM, which Scrapy turns into a graceful stop (the page
  in flight is finished, the run is recorded ``interrupted``); the service waits for them, then exits.
- At start, stale runs of crawls that were killed (kill -9 of the service or of a child) are marked failed and their
  leases released (``pipeline.archive.leases.recover_stale``).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import FrameType
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import select, update

from newsharvest.children import kill_group, limit_child, signal_group
from pipeline.archive.leases import recover_stale
from pipeline.config import Settings
from pipeline.service.schedules import JOB_PREFIX, JOBS_TABLE, trigger_for
from pipeline.sites import Site, load_sites
from storage import leases, repository
from storage.db import create_engine_for, session_factory
from storage.migrate import require_current
from storage.models import CrawlRun, SiteLease, SiteRecord, utcnow

__all__ = ["EXIT_BUSY", "JOB_PREFIX", "SchedulerService", "run_scheduled_crawl"]

log = logging.getLogger(__name__)
EXIT_BUSY = 75
# How long a stopping service waits for its crawls to record their interrupted runs before killing them.
STOP_GRACE_SECONDS = 60.0

# The running service, for the job function: APScheduler pickles jobs into the database, so a job carries only the
# site's name and finds its configuration here (a restarted service must not run with a stale pickled config).
_SERVICE: SchedulerService | None = None


@dataclass
class SchedulerService:
    """The scheduler, its configuration and the crawl processes it has running."""

    settings: Settings
    base_urls: Sequence[str] = ()  # --base-url SITE=URL values, each handed to that site's crawls
    only: Sequence[str] = ()  # schedule only these sites (all scheduled sites when empty)
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    stopping: threading.Event = field(default_factory=threading.Event)
    scheduler: BlockingScheduler | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self) -> None:
        """Recover stale runs, register the jobs and run until SIGTERM/SIGINT."""
        global _SERVICE
        engine = create_engine_for(self.settings.database_url)
        require_current(engine)
        self._sessions = session_factory(engine)
        recovered = recover_stale(self._sessions, timedelta(seconds=self.settings.lease_ttl))
        for stale in recovered:
            extra = {"site": stale.site, "run_id": stale.run_id}
            log.warning("recovered run %d of %s: %s", stale.run_id, stale.site, stale.reason, extra=extra)
        self.scheduler = BlockingScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)},
            executors={"default": ThreadPoolExecutor(max_workers=self.settings.max_parallel_crawls)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": int(self.settings.misfire_grace)},
            timezone="UTC",
        )  # fmt: skip
        self.scheduler.add_listener(self._job_failed, EVENT_JOB_ERROR)
        _SERVICE = self
        self.sync_jobs()
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGHUP, lambda _s, _f: self.sync_jobs())
        log.info("scheduler started: %d scheduled sites", len(self.scheduler.get_jobs()))
        try:
            self.scheduler.start()
        finally:
            _SERVICE = None
            engine.dispose()
            log.info("scheduler stopped")

    def sync_jobs(self) -> None:
        """Make the job store match the site files: add or update each scheduled site's job, drop the others."""
        assert self.scheduler is not None
        sites = load_sites(self.settings.sites_files)
        wanted: dict[str, Site] = {
            f"{JOB_PREFIX}{s.name}": s for s in sites.values() if s.schedule and (not self.only or s.name in self.only)
        }
        for job in self.scheduler.get_jobs():
            if job.id not in wanted:
                job.remove()
                log.info("job %s removed: its site has no schedule any more", job.id)
        for job_id, site in wanted.items():
            existing = self.scheduler.get_job(job_id)
            spec = dict(site.schedule or {})
            if existing is not None and existing.kwargs.get("spec") == spec:
                continue  # unchanged: keep its next run time
            trigger = trigger_for(site)
            self.scheduler.add_job(
                run_scheduled_crawl, trigger, id=job_id, name=f"crawl {site.name}", args=[site.name], kwargs={"spec": spec},
                replace_existing=True,
            )  # fmt: skip
            log.info("job %s scheduled: %s", job_id, spec, extra={"site": site.name})

    def crawl(self, site: str) -> int | None:
        """Run one scheduled crawl of ``site`` in a child process; its exit status (None when the service stops)."""
        if self.stopping.is_set():
            return None
        command = [sys.executable, "-m", "newsharvest", "crawl", site, "--scheduled", "--no-wait"]
        for path in self.settings.sites_files:
            command += ["--sites", str(path.resolve())]
        for base_url in self.base_urls:
            name, sep, _url = base_url.partition("=")
            if sep and name == site:
                command += ["--base-url", base_url]
        # The database URL goes in the environment, not the command line: `ps` shows command lines to every user.
        env = {**os.environ, "NEWSHARVEST_DB": self.settings.database_url, "NEWSHARVEST_LOG_FORMAT": self.settings.log_format}
        limit = self.settings.crawl_memory_limit_mb * 1024 * 1024
        started_at = utcnow()
        child = subprocess.Popen(command, start_new_session=True, env=env, preexec_fn=lambda: limit_child(limit))
        with self._lock:
            self.children[site] = child
        log.info("crawl of %s started (pid %d)", site, child.pid, extra={"site": site})
        try:
            status = child.wait(timeout=self.settings.crawl_time_limit)
        except subprocess.TimeoutExpired:
            kill_group(child)
            reason = f"time limit of {self.settings.crawl_time_limit:g} s exceeded; the crawl was killed"
            self._fail_leftover_run(site, child.pid, reason)
            return -signal.SIGKILL
        finally:
            with self._lock:
                self.children.pop(site, None)
        if status == EXIT_BUSY:
            log.info("crawl of %s skipped: another process is crawling it", site, extra={"site": site})
        elif status == -signal.SIGTERM and self.stopping.is_set():
            # Stopped by the service before Scrapy's own signal handling was in place.
            self._fail_leftover_run(site, child.pid, "the service stopped before the crawl began", status="interrupted")
        elif status != 0:
            reason = f"the crawl process exited with status {status}"
            self._fail_leftover_run(site, child.pid, reason)
            self._record_if_missing(site, started_at, f"{reason} before it opened its run (see the service log)")
            log.warning("crawl of %s ended with status %d", site, status, extra={"site": site})
        else:
            log.info("crawl of %s finished", site, extra={"site": site})
        return status

    def _fail_leftover_run(self, site: str, pid: int, reason: str, status: str = "failed") -> None:
        """A child that died without recording its run: close the run its lease names (failed) and release the lease."""
        with self._sessions.begin() as session:
            site_id = session.scalar(select(SiteRecord.id).where(SiteRecord.name == site))
            lease = session.get(SiteLease, site_id) if site_id is not None else None
            if lease is None or lease.holder.split(":")[1:2] != [str(pid)]:
                return  # the child recorded its run and released the lease itself (a failed run, not a crash)
            if lease.run_id is not None:
                session.execute(
                    update(CrawlRun).where(CrawlRun.id == lease.run_id, CrawlRun.status == "running")
                    .values(status=status, finished_at=utcnow(), error=reason)
                )  # fmt: skip
            leases.release(session, lease.site_id, lease.holder)
            log.error("run %s of %s %s: %s", lease.run_id, site, status, reason, extra={"site": site, "run_id": lease.run_id})

    def _record_if_missing(self, site: str, since: datetime, reason: str) -> None:
        """A child that failed before it opened a run (a crash at start, a configuration error): record a failed run."""
        with self._sessions.begin() as session:
            site_id = session.scalar(select(SiteRecord.id).where(SiteRecord.name == site))
            if site_id is None:
                declared = load_sites(self.settings.sites_files).get(site)
                if declared is None:
                    return
                site_id = repository.ensure_site(session, site, declared.base_url, declared.title).id
            if session.scalar(select(CrawlRun.id).where(CrawlRun.site_id == site_id, CrawlRun.started_at >= since).limit(1)):
                return
            run = repository.start_run(session, site_id, "scheduled", {})
            repository.finish_run(session, run.id, status="failed", error=reason)
            log.error("run %d of %s failed: %s", run.id, site, reason, extra={"site": site, "run_id": run.id})

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        """SIGTERM/SIGINT: start no more runs, let the running crawls stop gracefully, then shut down."""
        if self.stopping.is_set():
            return
        self.stopping.set()
        log.info("signal %s: stopping; running crawls finish their current page", signal.Signals(signum).name)
        threading.Thread(target=self._shutdown, name="scheduler-stop", daemon=True).start()

    def _shutdown(self) -> None:
        assert self.scheduler is not None
        with self._lock:
            children = list(self.children.items())
        for site, child in children:
            log.info("asking the crawl of %s (pid %d) to stop", site, child.pid, extra={"site": site})
            signal_group(child, signal.SIGTERM)
        for site, child in children:
            try:
                child.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                kill_group(child)
                self._fail_leftover_run(site, child.pid, "the service stopped and the crawl did not stop in time")
        self.scheduler.shutdown(wait=True)

    def _job_failed(self, event: JobExecutionEvent) -> None:
        log.error("job %s raised %r; the scheduler carries on", event.job_id, event.exception)


def run_scheduled_crawl(site: str, spec: dict[str, Any] | None = None) -> int | None:
    """The job function (importable by reference, as APScheduler's job store requires)."""
    if _SERVICE is None:
        raise RuntimeError("run_scheduled_crawl runs only inside `newsharvest schedule`")
    return _SERVICE.crawl(site)
