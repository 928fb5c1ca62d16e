"""The operator's page served by the same app: sites with health, runs, search with snippets, a document with its
cluster, both languages, and the crawl form's token handling (HttpOnly, SameSite=Strict cookie)."""

from __future__ import annotations

from conftest import TOKEN, Archive
from fastapi.testclient import TestClient


def test_sites_page_shows_health_runs_and_a_crawl_form(client: TestClient, archive: Archive) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert 'name="viewport"' in html and "/static/htmx-2.0.11.min.js" in html  # a phone; no CDN
    assert 'id="site-langson_portal"' in html and "health-warning" in html and "health-failing" in html
    assert "robots.txt unreachable" in html and 'action="/sites/sonoivu/crawl"' in html
    assert client.get("/static/htmx-2.0.11.min.js").status_code == 200


def test_language_switch_query_cookie_and_accept_language(client: TestClient) -> None:
    assert "Start crawl" in client.get("/").text
    vietnamese = client.get("/", params={"lang": "vi"})
    assert "Bắt đầu thu thập" in vietnamese.text and '<html lang="vi">' in vietnamese.text
    assert "Bắt đầu thu thập" in client.get("/").text  # remembered in the cookie
    client.cookies.clear()
    assert "Lượt thu thập" in client.get("/runs", headers={"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"}).text


def test_runs_search_document_and_run_pages(client: TestClient, archive: Archive) -> None:
    runs = client.get("/runs").text
    assert f'data-run="{archive.runs["failed"]}"' in runs and 'data-live="no"' in runs
    search = client.get("/search", params={"q": "dai hoi"}).text
    assert "<mark>Đại</mark> <mark>hội</mark>" in search and f'href="/documents/{archive.docs["root"]}"' in search
    document = client.get(f"/documents/{archive.docs['copy']}").text
    assert "Sở Nội vụ tổ chức Đại hội Đảng bộ lần thứ III" in document and f'href="/documents/{archive.docs["root"]}"' in document
    assert "0.82" in document
    run = client.get(f"/runs/{archive.runs['first']}").text
    assert "HTTP 500" in run
    missing = client.get("/documents/999999")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")


def test_crawl_form_refuses_a_wrong_token_and_keeps_no_cookie(client: TestClient) -> None:
    refused = client.post("/sites/sonoivu/crawl", data={"token": "wrong"}, follow_redirects=False)
    assert refused.status_code == 401 and 'id="crawl-error"' in refused.text
    assert "newsharvest_token" not in refused.headers.get("set-cookie", "")
    unknown = client.post("/sites/no_such_site/crawl", data={"token": TOKEN}, follow_redirects=False)
    assert unknown.status_code == 404 and "no declared site" in unknown.text
