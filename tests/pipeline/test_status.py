"""``status``: last run, a crawl running now (or a stale lease), next scheduled run — and the schedule triggers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.archive.leases import new_holder
from pipeline.service.schedules import every_interval, next_run_after, trigger_for
from pipeline.service.status import site_statuses
from pipeline.sites import Site, load_sites
from storage import leases, repository

NOW = datetime(2026, 11, 23, 8, 5, tzinfo=UTC)  # 15:05 in Lạng Sơn



@pytest.fixture(scope="module")
def sites() -> dict[str, Site]:
    shipped = load_sites()
    return {
        "sonoivu": replace(shipped["sonoivu"], schedule={"cron": "0 */6 * * *"}),
        "langson_portal": replace(shipped["langson_portal"], schedule={"every": "15m"}),
        "vanphong": replace(shipped["vanphong"], schedule=None),
    }


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("15m", 900), ("6h", 21600), ("1d", 86400), ("1.5h", 5400)])
def test_every_intervals(text: str, seconds: int) -> None:
    assert every_interval(text).total_seconds() == seconds


def test_cron_runs_in_the_sites_timezone(sites) -> None:
    trigger = trigger_for(sites["sonoivu"])
    assert trigger is not None
    next_fire = trigger.get_next_fire_time(None, NOW)
    assert next_fire is not None and next_fire.astimezone(UTC) == datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # 18:00 +07
    assert trigger_for(sites["vanphong"]) is None


def test_interval_next_run_counts_from_the_last_scheduled_start(sites) -> None:
    portal = sites["langson_portal"]
    assert next_run_after(portal, NOW, None) is None
    assert next_run_after(portal, NOW, NOW - timedelta(minutes=5)) == NOW + timedelta(minutes=10)
    assert next_run_after(portal, NOW, NOW - timedelta(hours=1)) == NOW  # overdue: due now


def test_status_reports_last_run_running_crawl_and_next_run(sessions, sites) -> None:
    with sessions.begin() as session:
        sonoivu = repository.ensure_site(session, "sonoivu", "http://s.test").id
        portal = repository.ensure_site(session, "langson_portal", "http://p.test").id
        old = repository.ensure_site(session, "retired_site", "http://r.test").id
        done = repository.start_run(session, sonoivu, "scheduled", {})
        done.started_at = NOW - timedelta(minutes=30)
        repository.finish_run(session, done.id, status="succeeded", pages_fetched=12, new_documents=3, errors=1)
        running = repository.start_run(session, portal, "scheduled", {})
        running.started_at = NOW - timedelta(minutes=2)
        holder = new_holder()
        assert leases.take(session, portal, holder, NOW - timedelta(minutes=2), timedelta(minutes=10), run_id=running.id)
        assert leases.take(session, old, "gone.example:1:x", NOW - timedelta(hours=2), timedelta(minutes=1))
        done_id, running_id = done.id, running.id
    with sessions() as session:
        statuses = {s.site: s for s in site_statuses(session, sites, NOW)}
    assert sorted(statuses) == ["langson_portal", "retired_site", "sonoivu", "vanphong"]
    s = statuses["sonoivu"]
    assert s.last_run is not None and (s.last_run["id"], s.last_run["status"], s.last_run["new_documents"]) == (done_id, "succeeded", 3)
    assert s.last_run["duration_seconds"] is not None and s.running is None
    assert s.next_run is not None and s.next_run.astimezone(UTC) == datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    p = statuses["langson_portal"]
    assert p.last_run is None and p.running == {"run_id": running_id, "holder": holder, "since": p.running["since"], "stale": False}  # type: ignore[index]
    assert p.next_run == NOW + timedelta(minutes=13)
    assert statuses["retired_site"].running["stale"] is True and statuses["retired_site"].schedule is None  # type: ignore[index]
    assert statuses["vanphong"].next_run is None and statuses["vanphong"].last_run is None
    json_form = statuses["sonoivu"].as_json()
    assert json_form["next_run"].startswith("2026-11-23T18:00:00+07:00") and json_form["schedule"] == {"cron": "0 */6 * * *"}


def test_a_running_services_plan_is_the_next_run(sessions, sites) -> None:
    """With the scheduler's job store in the archive, ``next_run`` is the time APScheduler will run the job."""
    from sqlalchemy import Column, Float, LargeBinary, MetaData, String, Table, insert

    jobs = Table("apscheduler_jobs", MetaData(), Column("id", String(191), primary_key=True), Column("next_run_time", Float),
                 Column("job_state", LargeBinary))  # fmt: skip
    planned = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    with sessions.begin() as session:
        jobs.create(session.connection())
        session.execute(insert(jobs).values(id="crawl:langson_portal", next_run_time=planned.timestamp(), job_state=b""))
    with sessions() as session:
        statuses = {s.site: s for s in site_statuses(session, sites, NOW)}
    assert statuses["langson_portal"].next_run == planned
    assert statuses["sonoivu"].next_run is not None and statuses["sonoivu"].next_run.astimezone(UTC).hour == 11
