"""One crawl per site at a time, across processes and machines, and recovery from crawls that died.

A crawl takes its site's lease (``site_leases``) before it opens a run, renews it from a heartbeat thread every
quarter of the lease's time to live, and releases it when the run is recorded. Another crawl of the same site either
waits for the lease (the default) or gives up at once with ``SiteBusy`` (``crawl --no-wait``, exit status 75).

A process killed with SIGKILL leaves its lease and a ``running`` run behind. ``recover_stale`` (run before every
crawl) treats a lease as stale when it expired, or at once when its holder was a process on this host that no longer
exists; it deletes the lease and marks the lease's run ``failed``. Runs left ``running`` with no lease at all (their
lease was already taken over) are marked failed once older than the lease time. Nothing a dead run stored is lost:
each page was its own transaction, and the next crawl fetches whatever the dead one did not store.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType

from sqlalchemy import or_, select, true, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from pipeline.errors import NewsHarvestError
from storage import leases
from storage.models import CrawlRun, SiteLease, SiteRecord, utcnow

__all__ = ["LeaseKeeper", "SiteBusy", "StaleRun", "holder_is_alive", "new_holder", "recover_stale"]

log = logging.getLogger(__name__)


class SiteBusy(NewsHarvestError):
    """Another process is crawling the site and the caller asked not to wait."""

    def __init__(self, site: str, holder: str, run_id: int | None, since: datetime) -> None:
        run = f"run {run_id}" if run_id is not None else "a run starting"
        super().__init__(
            f"{site}: a crawl is already running ({run}, process {holder}, since {since.isoformat(timespec='seconds')}); "
            "not waiting (--no-wait)"
        )
        self.site, self.holder, self.run_id, self.since = site, holder, run_id, since


@dataclass(frozen=True)
class StaleRun:
    """A run found ``running`` whose process is gone, now marked failed."""

    run_id: int
    site: str
    reason: str


def new_holder() -> str:
    """This process's lease holder name: ``host:pid:token`` (the token tells two lives of one pid apart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def holder_is_alive(holder: str) -> bool | None:
    """Whether the holder's process still exists: True/False on this host, None (cannot tell) for another host."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return None
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by another user
    return True


def _stale_reason(lease: SiteLease, now: datetime) -> str | None:
    if holder_is_alive(lease.holder) is False:
        return f"its process {lease.holder} is gone (killed?)"
    if lease.expires_at < now:
        return f"its process {lease.holder} stopped renewing the lease at {lease.renewed_at.isoformat(timespec='seconds')}"
    return None


def recover_stale(session_factory: sessionmaker[Session], ttl: timedelta, now: datetime | None = None) -> list[StaleRun]:
    """Release stale leases and mark their runs (and orphaned ``running`` runs) failed; returns what was recovered."""
    now = now or utcnow()
    recovered: list[StaleRun] = []
    with session_factory.begin() as session:
        names = {site_id: name for site_id, name in session.execute(select(SiteRecord.id, SiteRecord.name))}
        live_runs: set[int] = set()
        live_sites: set[int] = set()
        for lease in leases.current(session):
            reason = _stale_reason(lease, now)
            if reason is None:
                live_sites.add(lease.site_id)
                if lease.run_id is not None:
                    live_runs.add(lease.run_id)
                continue
            leases.release(session, lease.site_id, lease.holder)
            log.warning("released the stale lease of %s: %s", names.get(lease.site_id), reason)
            if lease.run_id is not None and _fail_run(session, lease.run_id, now, f"stale: {reason}"):
                recovered.append(StaleRun(lease.run_id, names.get(lease.site_id, "?"), reason))
        # A crawl holds its site's lease before it opens a run: a running run of a site nobody holds is orphaned at
        # once (killed between opening the run and naming it in the lease); one of a held site only after the TTL.
        orphans = session.scalars(
            select(CrawlRun).where(
                CrawlRun.status == "running",
                or_(CrawlRun.started_at < now - ttl, CrawlRun.site_id.not_in(live_sites) if live_sites else true()),
            )
        ).all()
        for run in orphans:
            if run.id in live_runs or any(r.run_id == run.id for r in recovered):
                continue
            reason = "no process holds its site's lease (killed, or from before leases existed)"
            _fail_run(session, run.id, now, f"stale: {reason}")
            recovered.append(StaleRun(run.id, names.get(run.site_id, "?"), reason))
    for stale in recovered:
        log.warning("run %d of %s marked failed: %s", stale.run_id, stale.site, stale.reason, extra={"run_id": stale.run_id})
    return recovered


def _fail_run(session: Session, run_id: int, now: datetime, error: str) -> bool:
    result = session.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id, CrawlRun.status == "running")
        .values(status="failed", finished_at=now, error=error)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


class LeaseKeeper:
    """The leases one crawl process holds: taken (waiting or not), renewed on a thread, released at the end."""

    def __init__(
        self, session_factory: sessionmaker[Session], ttl: timedelta, *, wait: bool = True, poll_seconds: float = 2.0,
        on_wait: Callable[[str, SiteLease], None] | None = None,
    ) -> None:  # fmt: skip
        self._sessions = session_factory
        self.ttl, self.wait, self.poll_seconds = ttl, wait, poll_seconds
        self.holder = new_holder()
        self._on_wait = on_wait
        self._held: dict[int, str] = {}  # site id → site name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def acquire(self, site_id: int, site: str) -> None:
        """Take the site's lease, waiting while another live process holds it (or raising ``SiteBusy``)."""
        told = False
        while True:
            if self._try_take(site_id):
                self._held[site_id] = site
                log.info("lease on %s taken by %s", site, self.holder, extra={"site": site})
                return
            with self._sessions() as session:
                lease = session.get(SiteLease, site_id)
            if lease is None:
                continue  # released between our attempt and the look: try again at once
            if not self.wait:
                raise SiteBusy(site, lease.holder, lease.run_id, lease.acquired_at)
            if not told:
                log.info("%s is being crawled by %s (run %s); waiting", site, lease.holder, lease.run_id, extra={"site": site})
                if self._on_wait is not None:
                    self._on_wait(site, lease)
                told = True
            time.sleep(self.poll_seconds)
            recover_stale(self._sessions, self.ttl)

    def attach_run(self, site_id: int, run_id: int) -> None:
        """Record the run the lease covers, so a stale lease can fail the right run."""
        with self._sessions.begin() as session:
            leases.renew(session, site_id, self.holder, utcnow(), self.ttl, run_id=run_id)

    def start_heartbeat(self) -> None:
        """Renew the held leases every quarter of the time to live until ``release_all``."""
        self._thread = threading.Thread(target=self._beat, name="lease-heartbeat", daemon=True)
        self._thread.start()

    def release_all(self) -> None:
        """Stop renewing and drop every lease this process holds."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        for site_id, site in list(self._held.items()):
            try:
                with self._sessions.begin() as session:
                    leases.release(session, site_id, self.holder)
            except OperationalError as exc:  # the lease then expires by itself after ttl
                log.warning("could not release the lease on %s: %s", site, exc, extra={"site": site})
            del self._held[site_id]

    def __enter__(self) -> LeaseKeeper:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release_all()

    def _try_take(self, site_id: int) -> bool:
        try:
            with self._sessions.begin() as session:
                return leases.take(session, site_id, self.holder, utcnow(), self.ttl)
        except IntegrityError:
            return False  # another process inserted the lease row first

    def _beat(self) -> None:
        interval = self.ttl.total_seconds() / 4
        while not self._stop.wait(interval):
            for site_id, site in list(self._held.items()):
                try:
                    with self._sessions.begin() as session:
                        still_ours = leases.renew(session, site_id, self.holder, utcnow(), self.ttl)
                except OperationalError as exc:  # a busy database: try again at the next beat, well before expiry
                    log.warning("could not renew the lease on %s: %s", site, exc, extra={"site": site})
                    continue
                if not still_ours:
                    log.error("the lease on %s was taken over by another process", site, extra={"site": site})
