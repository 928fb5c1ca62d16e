"""One page = one transaction: every fetch is recorded, duplicates attach URLs, bad pages become recorded errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pipeline.archive.run import open_run
from pipeline.config import Settings
from pipeline.errors import ExtractionError
from pipeline.extraction.worker import ExtractionWorker
from pipeline.page import FetchedPage, PageHints
from pipeline.sites import load_sites
from storage import repository
from storage.db import create_engine_for, session_factory
from storage.migrate import upgrade
from storage.models import CrawlRun, Document, DocumentUrl, Page

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages" / "baolangson_old"
ARTICLE = (PAGES / "299801-dang-bo-van-phong-ubnd-tinh-dai-hoi-nhiem-ky-2020-2025.html").read_bytes()
LISTING = (PAGES / "listing-xay-dung-dang.html").read_bytes()
BASE = "http://paper.test"
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def page(
    path: str, body: bytes = ARTICLE, status: int | None = 200, error: str | None = None, ctype: str = "text/html; charset=utf-8"
) -> FetchedPage:
    url = BASE + path
    return FetchedPage(
        site="baolangson_old", url=url, final_url=url, status=status, headers={"Content-Type": ctype}, body=body,
        fetched_at=NOW, hints=PageHints(published="15:20 | 22/05/2020", source="listing"), error=error,
    )  # fmt: skip


@pytest.fixture
def archive(db_url: str):
    engine = create_engine_for(db_url)
    upgrade(engine)
    sessions = session_factory(engine)
    site = load_sites()["baolangson_old"].with_base_url(BASE)
    handle = open_run(sessions, site, trigger="manual", settings=Settings(max_page_bytes=200_000))
    yield handle, sessions
    handle.finish("succeeded", pages_fetched=0)


def test_every_outcome_is_recorded(archive) -> None:
    handle, sessions = archive
    outcomes = [
        handle.ingest(page("/chinh-tri/1-a.html")),
        handle.ingest(page("/chinh-tri/2-copy.html?utm_source=fb")),  # same text elsewhere: a duplicate
        handle.ingest(page("/chinh-tri/1-a.html#comments")),  # same canonical URL again (a refresh)
        handle.ingest(page("/chinh-tri/3-gone.html", body=b"Not found", status=404)),
        handle.ingest(page("/chinh-tri/4-slow.html", body=b"", status=None, error="timeout after 30s")),
        handle.ingest(page("/chinh-tri/5-doc.html", body=b"%PDF-1.4\n%\xe2\xe3\n1 0 obj", ctype="application/pdf")),
        handle.ingest(page("/chinh-tri/6-huge.html", body=ARTICLE + b" " * 200_000)),
        handle.ingest(page("/chinh-tri/7-list.html", body=LISTING)),
    ]
    assert [o.kind for o in outcomes] == ["new", "duplicate", "same_url", "error", "error", "error", "error", "not_article"]
    assert outcomes[0].document_id == outcomes[1].document_id == outcomes[2].document_id
    assert outcomes[3].error == "HTTP 404" and "timeout" in (outcomes[4].error or "")
    assert "not HTML" in (outcomes[5].error or "") and "exceeds" in (outcomes[6].error or "")
    assert handle.counts() == {"pages": 8, "new": 1, "near_duplicates": 0, "duplicates": 1, "refetched": 1, "not_article": 1, "errors": 4, "skipped": 0}

    with sessions() as session:
        document = session.scalars(select(Document)).one()
        assert document.title == "Đảng bộ Văn phòng UBND tỉnh đại hội nhiệm kỳ 2020-2025"
        assert document.published_at == datetime(2020, 5, 22, 8, 20, tzinfo=UTC) and document.published_utc_offset == 420
        assert document.authors == ["ĐỖ HOẠT"] and document.origin_ref == f"{BASE}/chinh-tri/1-a.html"
        urls = set(session.scalars(select(DocumentUrl.url)))
        assert urls == {f"{BASE}/chinh-tri/1-a.html", f"{BASE}/chinh-tri/2-copy.html"}
        pages = session.scalars(select(Page).order_by(Page.id)).all()
        assert len(pages) == 8 and all(p.run_id == handle.run_id for p in pages)
        assert repository.decompress_html(pages[0].raw_html or b"") == ARTICLE  # raw bytes kept for re-extraction
        assert pages[0].hints == {"published": "15:20 | 22/05/2020", "source": "listing"}
        assert handle.known_urls([f"{BASE}/chinh-tri/2-copy.html?fbclid=x", f"{BASE}/chinh-tri/3-gone.html"]) == {
            f"{BASE}/chinh-tri/2-copy.html?fbclid=x"
        }


def test_finish_records_counts(archive) -> None:
    handle, sessions = archive
    handle.ingest(page("/chinh-tri/1-a.html"))
    handle.note_skipped(3)
    summary = handle.finish("interrupted", pages_fetched=5, error="SIGTERM")
    assert (summary.status, summary.new_documents, summary.skipped_known, summary.pages_fetched) == ("interrupted", 1, 3, 5)
    with sessions() as session:
        run = session.get(CrawlRun, handle.run_id)
        assert run is not None and run.status == "interrupted" and run.finished_at is not None and run.error == "SIGTERM"
        assert session.scalar(select(func.count()).select_from(Document)) == 1


def test_extraction_time_limit_kills_and_replaces_the_worker() -> None:
    site = load_sites()["baolangson_old"]
    html = ARTICLE.decode("utf-8")
    with ExtractionWorker(timeout=0.001) as hasty:
        with pytest.raises(ExtractionError, match="timed out"):
            hasty.extract(html, BASE + "/chinh-tri/1-a.html", site)
        hasty.timeout = 60
        assert hasty.extract(html, BASE + "/chinh-tri/1-a.html", site).title.startswith("Đảng bộ")


def test_pages_prepared_in_parallel_are_stored_and_timed(archive) -> None:
    handle, _sessions = archive
    paths = [f"/chinh-tri/{n}-same-text.html" for n in range(1, 4)]
    futures = [handle.prepare(page(path)) for path in paths]  # all three in the workers before any is stored
    outcomes = [handle.store(page(path), future.result(timeout=120)) for path, future in zip(paths, futures, strict=True)]
    assert [o.kind for o in outcomes] == ["new", "duplicate", "duplicate"]
    timings = handle.timings()
    assert set(timings) == {"compress", "decode", "extract", "fingerprint", "store"}
    assert timings["extract"] > 0 and timings["store"] > 0
    failed = handle.prepare(page("/chinh-tri/9-gone.html", body=b"Not found", status=404))
    assert failed.done() and failed.result() is None  # nothing to extract: no worker involved
    assert handle.store(page("/chinh-tri/9-gone.html", body=b"", status=404), None).kind == "error"


def test_a_page_past_the_time_limit_is_a_recorded_error(db_url: str) -> None:
    engine = create_engine_for(db_url)
    upgrade(engine)
    sessions = session_factory(engine)
    site = load_sites()["baolangson_old"].with_base_url(BASE)
    handle = open_run(sessions, site, trigger="manual", settings=Settings(extract_timeout=0.001, extract_workers=1))
    outcome = handle.store(page("/chinh-tri/1-a.html"), handle.prepare(page("/chinh-tri/1-a.html")).result(timeout=60))
    handle.finish("succeeded", pages_fetched=1)
    assert outcome.kind == "error" and outcome.error == "ExtractionError: extraction timed out after 0.001s"
    with sessions() as session:
        stored = session.scalars(select(Page)).one()
        assert (stored.outcome, stored.error, stored.raw_html is not None) == ("error", outcome.error, True)


def test_the_site_template_is_learned_in_a_worker_and_stored_by_the_run(db_url: str) -> None:
    from pipeline.archive.site_templates import FIRST_LEARN_AT, load_site_template

    engine = create_engine_for(db_url)
    upgrade(engine)
    sessions = session_factory(engine)
    site = load_sites()["baolangson_old"].with_base_url(BASE)
    handle = open_run(sessions, site, trigger="manual", settings=Settings())
    for n in range(FIRST_LEARN_AT):
        handle.ingest(page(f"/chinh-tri/{n}-copy.html"))
    handle.finish("succeeded", pages_fetched=FIRST_LEARN_AT)  # waits for the template being learned, then stores it
    with sessions() as session:
        template, learned_at = load_site_template(session, handle.site_id)
    assert template is not None and learned_at == FIRST_LEARN_AT
