"""Site leases and stale-run recovery on a real SQLite file and PostgreSQL."""

from __future__ import annotations

import subprocess
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pipeline.archive.leases import LeaseKeeper, SiteBusy, holder_is_alive, new_holder, recover_stale
from storage import leases, repository
from storage.models import CrawlRun, SiteLease, utcnow

TTL = timedelta(seconds=30)



@pytest.fixture
def site_id(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        return repository.ensure_site(session, "sonoivu", "http://sonoivu.test").id


def dead_holder() -> str:
    """The holder name of a process on this host that has exited."""
    child = subprocess.Popen(["true"])
    child.wait()
    host, _, rest = new_holder().partition(":")
    return f"{host}:{child.pid}:{rest.partition(':')[2]}"


def test_one_holder_at_a_time_until_release_or_expiry(sessions, site_id) -> None:
    now = utcnow()
    with sessions.begin() as session:
        assert leases.take(session, site_id, "a:1:x", now, TTL)
    with sessions.begin() as session:
        assert not leases.take(session, site_id, "b:2:y", now + timedelta(seconds=10), TTL)
        assert leases.renew(session, site_id, "a:1:x", now + timedelta(seconds=20), TTL)
        assert not leases.renew(session, site_id, "b:2:y", now, TTL)
    with sessions.begin() as session:  # expired at now+50s: another holder takes over
        assert not leases.take(session, site_id, "b:2:y", now + timedelta(seconds=49), TTL)
        assert leases.take(session, site_id, "b:2:y", now + timedelta(seconds=51), TTL)
    with sessions.begin() as session:
        assert not leases.release(session, site_id, "a:1:x")
        assert leases.release(session, site_id, "b:2:y")
        assert leases.current(session) == []


def test_holder_liveness_on_this_host() -> None:
    assert holder_is_alive(new_holder()) is True
    assert holder_is_alive(dead_holder()) is False
    assert holder_is_alive("elsewhere.example:123:abc") is None


def test_recovery_after_kill_marks_the_run_failed_and_frees_the_site(sessions, site_id) -> None:
    with sessions.begin() as session:
        run = repository.start_run(session, site_id, "scheduled", {})
        assert leases.take(session, site_id, dead_holder(), utcnow(), TTL, run_id=run.id)
        orphan = repository.start_run(session, site_id, "manual", {})
        orphan.started_at = utcnow() - 2 * TTL
        young = repository.start_run(session, site_id, "manual", {})
        run_id, orphan_id, young_id = run.id, orphan.id, young.id
    recovered = recover_stale(sessions, TTL)
    # the young run too: nobody holds its site's lease (killed between opening the run and naming it in the lease)
    assert sorted(r.run_id for r in recovered) == [run_id, orphan_id, young_id]
    with sessions() as session:
        statuses = dict(session.execute(select(CrawlRun.id, CrawlRun.status)).all())
        assert statuses == {run_id: "failed", orphan_id: "failed", young_id: "failed"}
        failed = session.get(CrawlRun, run_id)
        assert failed is not None and failed.error is not None and failed.error.startswith("stale: its process")
        assert failed.finished_at is not None
        assert session.scalars(select(SiteLease)).all() == []
    assert recover_stale(sessions, TTL) == []


def test_a_live_lease_is_not_recovered(sessions, site_id) -> None:
    with LeaseKeeper(sessions, TTL) as keeper:
        keeper.acquire(site_id, "sonoivu")
        with sessions.begin() as session:  # its run, opened but not yet named in the lease
            run_id = repository.start_run(session, site_id, "manual", {}).id
        assert recover_stale(sessions, TTL) == []
        with sessions() as session:
            assert session.get(CrawlRun, run_id).status == "running"  # type: ignore[union-attr]
        with sessions() as session:
            assert session.get(SiteLease, site_id).holder == keeper.holder  # type: ignore[union-attr]


def test_no_wait_raises_site_busy_with_the_holder(sessions, site_id) -> None:
    with LeaseKeeper(sessions, TTL) as first:
        first.acquire(site_id, "sonoivu")
        second = LeaseKeeper(sessions, TTL, wait=False)
        with pytest.raises(SiteBusy) as raised:
            second.acquire(site_id, "sonoivu")
        assert raised.value.holder == first.holder and "sonoivu: a crawl is already running" in str(raised.value)
    with LeaseKeeper(sessions, TTL, wait=False) as third:  # released: free again
        third.acquire(site_id, "sonoivu")


def test_waiting_takes_the_lease_once_the_holder_releases(sessions, site_id) -> None:
    first = LeaseKeeper(sessions, TTL)
    first.acquire(site_id, "sonoivu")
    waited: list[str] = []
    release = threading.Timer(1.0, first.release_all)
    release.start()
    with LeaseKeeper(sessions, TTL, poll_seconds=0.2, on_wait=lambda site, lease: waited.append(lease.holder)) as second:
        second.acquire(site_id, "sonoivu")
        assert waited == [first.holder]
        with sessions() as session:
            assert session.get(SiteLease, site_id).holder == second.holder  # type: ignore[union-attr]
    release.join()


def test_the_heartbeat_renews_the_lease(sessions, site_id) -> None:
    with LeaseKeeper(sessions, timedelta(seconds=0.4)) as keeper:
        keeper.acquire(site_id, "sonoivu")
        with sessions() as session:
            first_expiry = session.get(SiteLease, site_id).expires_at  # type: ignore[union-attr]
        keeper.start_heartbeat()
        threading.Event().wait(0.5)
        with sessions() as session:
            assert session.get(SiteLease, site_id).expires_at > first_expiry  # type: ignore[union-attr]
    with sessions() as session:
        assert session.get(SiteLease, site_id) is None
