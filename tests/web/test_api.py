"""The HTTP API on a real archive (a SQLite file, and PostgreSQL where marked): every endpoint's answers, its
pagination, its errors (404, 422, 503), the token on the crawl endpoint, the lease (409), and that the server's own
connections cannot write."""

from __future__ import annotations

import json
import os
import socket
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import TOKEN, Archive, settings_for
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from newsharvest.cli import main
from newsharvest.web import create_app
from storage import leases, repository
from storage.db import session_factory
from storage.models import utcnow


def ids(page: dict) -> list[int]:
    return [item["id"] for item in page["items"]]


def test_documents_newest_first_one_per_story_undated_last(client: TestClient, archive: Archive) -> None:
    d = archive.docs
    page = client.get("/api/documents").json()
    assert ids(page) == [d["portal"], d["root"], d["old"], d["seed"], d["undated"]]  # the near-duplicate "copy" folded
    assert page["next_cursor"] is None
    root = page["items"][1]
    assert root["cluster_size"] == 2 and root["duplicate_of"] is None and root["url"] == "https://example.test/dai-hoi"
    assert root["published_at"].endswith("+07:00")  # the page's own offset, as `export` writes it
    everything = client.get("/api/documents", params={"include_near_duplicates": True}).json()
    assert ids(everything) == [d["portal"], d["copy"], d["root"], d["old"], d["seed"], d["undated"]]
    copy = everything["items"][1]
    assert copy["duplicate_of"] == d["root"] and copy["cluster_id"] == d["root"] and copy["duplicate_score"] == 0.82


def test_documents_keyset_pages_cover_everything_once(client: TestClient) -> None:
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        params = {"limit": 2, "include_near_duplicates": True} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/documents", params=params).json()
        seen += ids(page)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 6
    assert seen == ids(client.get("/api/documents", params={"include_near_duplicates": True, "limit": 50}).json())


def test_documents_filters(client: TestClient, archive: Archive) -> None:
    d = archive.docs
    assert ids(client.get("/api/documents", params={"site": "langson_portal", "include_near_duplicates": True}).json()) == [
        d["portal"], d["copy"],
    ]  # fmt: skip
    assert ids(client.get("/api/documents", params={"site": "seed"}).json()) == [d["seed"]]
    window = {"since": "2026-02-26", "until": "2026-02-27", "include_near_duplicates": True}
    assert ids(client.get("/api/documents", params=window).json()) == [d["copy"], d["root"]]  # 3 and 2 days before T0
    # a query lists the stories that match, newest first; the copy's title matches, so its story (root) is listed
    assert ids(client.get("/api/documents", params={"q": "dai hoi"}).json()) == [d["root"]]
    assert ids(client.get("/api/documents", params={"q": "xyzzy"}).json()) == []


@pytest.mark.parametrize(
    "params",
    [{"cursor": "not-a-cursor"}, {"limit": 0}, {"limit": 201}, {"since": "yesterday"}, {"site": "Bad Name"}, {"q": "!!!"}],
)
def test_documents_bad_parameters_are_422(client: TestClient, params: dict) -> None:
    response = client.get("/api/documents", params=params)
    assert response.status_code == 422, response.text
    assert isinstance(response.json()["detail"], list)


def test_document_with_urls_and_cluster(client: TestClient, archive: Archive) -> None:
    d = archive.docs
    doc = client.get(f"/api/documents/{d['copy']}").json()
    assert doc["title"] == "Sở Nội vụ tổ chức Đại hội Đảng bộ lần thứ III" and "Đoạn thứ hai" in doc["text"]
    assert [u["url"] for u in doc["urls"]] == ["https://example.test/dai-hoi-copy"] and doc["urls"][0]["site"] == "langson_portal"
    assert [(m["id"], m["is_root"], m["similarity"]) for m in doc["cluster"]] == [
        (d["root"], True, None),
        (d["copy"], False, 0.82),
    ]
    assert client.get("/api/documents/999999").status_code == 404
    assert client.get("/api/documents/0").status_code == 422
    assert client.get(f"/api/documents/{2**40}").status_code == 422


def test_search_with_snippets(client: TestClient, archive: Archive) -> None:
    page = client.get("/api/search", params={"q": "dai hoi dang bo"}).json()
    assert [hit["cluster_id"] for hit in page["items"]] == [archive.docs["root"]]  # the story once
    hit = page["items"][0]
    assert "<mark>Đại</mark> <mark>hội</mark>" in hit["snippet"] and hit["also_matched"]
    assert client.get("/api/search", params={"q": "hoa binh", "site": "sonoivu"}).json()["items"] == []
    assert client.get("/api/search", params={"q": "   "}).status_code == 422
    assert client.get("/api/search").status_code == 422


def test_sites_with_last_run_and_health(client: TestClient, archive: Archive) -> None:
    sites = {s["name"]: s for s in client.get("/api/sites").json()}
    assert {"sonoivu", "langson_portal", "baolangson"} <= set(sites)  # declared sites, crawled or not
    sonoivu, portal = sites["sonoivu"], sites["langson_portal"]
    assert sonoivu["last_run"]["id"] == archive.runs["failed"] and sonoivu["health"]["status"] == "failing"
    assert "robots.txt unreachable" in sonoivu["health"]["reason"]
    assert portal["health"]["status"] == "warning" and portal["health"]["without_body"] == 3
    assert "no article body" in portal["health"]["reason"]
    assert portal["documents"] == 2 and sonoivu["documents"] == 3
    assert sites["baolangson"]["health"]["status"] == "unknown" and sites["baolangson"]["last_run"] is None
    one = client.get("/api/sites/langson_portal").json()
    assert one | {"next_run": None} == portal | {"next_run": None}  # an overdue site's next run is "now"
    assert client.get("/api/sites/no_such_site").status_code == 404


def test_status_is_what_the_command_line_prints(client: TestClient, archive: Archive, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--db", archive.url, "status", "--json"], env={"NEWSHARVEST_HOME": str(tmp_path)})
    assert result.exit_code == 0, result.output
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    served = client.get("/api/status").json()
    drop_next = lambda rows: [{k: v for k, v in row.items() if k != "next_run"} for row in rows]  # noqa: E731  (depends on now)
    assert drop_next(served) == drop_next(printed)


def test_runs_newest_first_with_keyset_pages_and_detail(client: TestClient, archive: Archive) -> None:
    r = archive.runs
    all_runs = client.get("/api/runs").json()
    assert ids(all_runs) == [r["layout"], r["failed"], r["portal"], r["first"]] and all_runs["next_before"] is None
    first = client.get("/api/runs", params={"limit": 3}).json()
    assert ids(first) == [r["layout"], r["failed"], r["portal"]] and first["next_before"] == r["portal"]
    assert ids(client.get("/api/runs", params={"limit": 3, "before": first["next_before"]}).json()) == [r["first"]]
    assert ids(client.get("/api/runs", params={"status": "failed"}).json()) == [r["failed"]]
    assert ids(client.get("/api/runs", params={"site": "langson_portal"}).json()) == [r["layout"], r["portal"]]
    detail = client.get(f"/api/runs/{r['first']}").json()
    assert detail["failed_pages"] == [
        {"url": f"https://example.test/page/{r['first']}/c", "kind": "article", "status": None, "error": "HTTP 500"}
    ]
    assert client.get("/api/runs/999999").status_code == 404
    assert client.get("/api/runs", params={"status": "exploded"}).status_code == 422


def test_metrics_in_prometheus_text_format(client: TestClient) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value for family in text_string_to_metric_families(response.text) for s in family.samples
    }  # fmt: skip
    assert samples[("newsharvest_database_up", ())] == 1
    assert samples[("newsharvest_runs_total", (("site", "sonoivu"), ("status", "failed"), ("trigger", "scheduled")))] == 1
    assert samples[("newsharvest_runs_total", (("site", "langson_portal"), ("status", "succeeded"), ("trigger", "manual")))] == 1
    assert samples[("newsharvest_pages_total", (("outcome", "not_article"), ("site", "langson_portal")))] == 3
    assert samples[("newsharvest_pages_total", (("outcome", "error"), ("site", "sonoivu")))] == 1
    assert samples[("newsharvest_errors_total", (("site", "sonoivu"),))] == 2  # errors counted by its two runs
    assert samples[("newsharvest_documents", (("site", "seed"),))] == 1
    assert samples[("newsharvest_documents", (("site", "sonoivu"),))] == 3
    assert samples[("newsharvest_crawl_running", (("site", "sonoivu"),))] == 0
    assert samples[("newsharvest_last_success_timestamp_seconds", (("site", "langson_portal"),))] > 0


def test_health_and_openapi(client: TestClient) -> None:
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["schema_revision"] == health["schema_expected"]
    schema = client.get("/openapi.json").json()
    assert {"/api/documents", "/api/documents/{document_id}", "/api/search", "/api/sites", "/api/sites/{name}", "/api/status",
            "/api/runs", "/api/runs/{run_id}", "/api/sites/{name}/crawl", "/health", "/metrics"} <= set(schema["paths"])  # fmt: skip
    assert "/" not in schema["paths"]  # the page is not API
    crawl = schema["paths"]["/api/sites/{name}/crawl"]["post"]
    assert {"202", "401", "403", "404", "409"} <= set(crawl["responses"])


def test_crawl_needs_the_configured_token(client: TestClient, archive: Archive, tmp_path: Path) -> None:
    assert client.post("/api/sites/sonoivu/crawl").status_code == 401
    wrong = client.post("/api/sites/sonoivu/crawl", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    assert client.post("/api/sites/no_such_site/crawl", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404
    bad = client.post("/api/sites/sonoivu/crawl", headers={"Authorization": f"Bearer {TOKEN}"}, json={"max_articles": 0})
    assert bad.status_code == 422
    with TestClient(create_app(settings_for(archive.url, tmp_path))) as no_token:
        refused = no_token.post("/api/sites/sonoivu/crawl", headers={"Authorization": f"Bearer {TOKEN}"})
        assert refused.status_code == 403 and "NEWSHARVEST_API_TOKEN" in refused.json()["detail"]


def test_crawl_of_a_leased_site_is_409_naming_the_holder(client: TestClient, archive: Archive) -> None:
    holder = f"{socket.gethostname()}:{os.getpid()}:feedbeef"  # this process: alive, so the lease is not stale
    sessions = session_factory(archive.url)
    with sessions.begin() as session:
        site_id = repository.ensure_site(session, "sonoivu", "https://sonoivu.langson.gov.vn").id
        assert leases.take(session, site_id, holder, utcnow(), timedelta(seconds=60), run_id=archive.runs["failed"])
    response = client.post("/api/sites/sonoivu/crawl", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 409, response.text
    assert holder in response.json()["detail"] and f"run {archive.runs['failed']}" in response.json()["detail"]
    running = {s["name"]: s for s in client.get("/api/sites").json()}["sonoivu"]["running"]
    assert running["holder"] == holder and running["stale"] is False
    sessions.kw["bind"].dispose()


def test_the_servers_connections_cannot_write(app, client: TestClient) -> None:
    with app.state.newsharvest.sessions() as session, pytest.raises(DBAPIError):
        session.execute(text("UPDATE documents SET title = 'changed'"))
        session.commit()
    assert "changed" not in client.get("/api/documents").text


def test_schema_behind_is_503(tmp_path: Path) -> None:
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    with TestClient(create_app(settings_for(empty, tmp_path))) as client:
        for path in ("/api/documents", "/api/sites", "/api/runs", "/health"):
            response = client.get(path)
            assert response.status_code == 503, path
            assert "newsharvest init" in response.json()["detail"]
        page = client.get("/")
        assert (
            page.status_code == 503 and "newsharvest init" in page.text and page.headers["content-type"].startswith("text/html")
        )


def test_database_unavailable_is_503(tmp_path: Path) -> None:
    refused = "postgresql://nobody@127.0.0.1:1/nothing"  # nothing listens on port 1
    with TestClient(create_app(settings_for(refused, tmp_path))) as client:
        response = client.get("/api/documents")
        assert response.status_code == 503 and "unavailable" in response.json()["detail"]
        assert client.get("/health").status_code == 503
        metrics = client.get("/metrics")
        assert metrics.status_code == 200 and "newsharvest_database_up 0.0" in metrics.text
