"""A crawl started over HTTP is the real thing: a child process under the site's lease, a ``manual`` run in
``/api/runs`` that finishes, documents in the archive — and while it runs, a second start is a 409.

The replica of sonoivu is served on 127.0.0.1; the server's crawls fetch it through ``--base-url`` (``base_urls``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import TOKEN, settings_for
from fastapi.testclient import TestClient
from operator_cli import FAST

from newsharvest.replica.server import ReplicaServer
from newsharvest.web import create_app
from storage.db import create_engine_for
from storage.migrate import upgrade

pytestmark = pytest.mark.slow
SITE = "sonoivu"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def replica() -> Iterator[ReplicaServer]:
    with ReplicaServer(sites=(SITE,), crawl_delay=0.0) as server:
        yield server


def wait_for_finished_run(client: TestClient, timeout: float = 90.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = client.get("/api/runs", params={"site": SITE}).json()["items"]
        if runs and runs[0]["status"] != "running":
            return runs[0]
        time.sleep(0.5)
    raise AssertionError(f"no finished run of {SITE} within {timeout:g} s")


def test_a_crawl_started_over_http_runs_under_the_lease_and_finishes(
    db_url: str, tmp_path: Path, replica: ReplicaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine_for(db_url)
    upgrade(engine)
    engine.dispose()
    for name, value in FAST.items():  # the child inherits the server's environment
        monkeypatch.setenv(name, value)
    settings = settings_for(db_url, tmp_path, NEWSHARVEST_API_TOKEN=TOKEN)
    app = create_app(settings, base_urls={SITE: replica.base_urls[SITE]})
    with TestClient(app) as client:
        started = client.post(f"/api/sites/{SITE}/crawl", headers=AUTH, json={"max_articles": 3})
        assert started.status_code == 202, started.text
        assert started.json()["site"] == SITE and started.json()["runs_url"] == f"/api/runs?site={SITE}"
        again = client.post(f"/api/sites/{SITE}/crawl", headers=AUTH)
        assert again.status_code == 409, again.text  # this server's child, starting or holding the lease
        run = wait_for_finished_run(client)
        assert run["status"] == "succeeded" and run["trigger"] == "manual", run
        assert run["new_documents"] == 3
        deadline = time.monotonic() + 10
        while app.state.newsharvest.launcher.running() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert app.state.newsharvest.launcher.running() == {}  # the child was reaped
        site = client.get(f"/api/sites/{SITE}").json()
        assert site["running"] is None and site["last_run"]["id"] == run["id"]  # the lease was released
        assert len(client.get("/api/documents", params={"site": SITE}).json()["items"]) == 3
        assert all(
            url.startswith(replica.base_urls[SITE]) for url in [d["url"] for d in client.get("/api/documents").json()["items"]]
        )
