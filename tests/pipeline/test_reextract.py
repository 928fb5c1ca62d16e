"""``reextract``: documents and failed pages redone from stored raw HTML, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pipeline.archive.ingest import ingest_page
from pipeline.archive.reextract import reextract
from pipeline.dedup.clusters import NearDuplicateIndex
from pipeline.document import Extraction, PageHints
from pipeline.errors import NotArticleError
from pipeline.extraction.extract import extract
from pipeline.extraction.template import SiteTemplate
from pipeline.page import FetchedPage
from pipeline.sites import Site, load_sites
from pipeline.text import content_hash
from storage import repository
from storage.models import Document, DocumentSignature, Page

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages" / "baolangson_old"
ARTICLES = {
    "a": PAGES / "299801-dang-bo-van-phong-ubnd-tinh-dai-hoi-nhiem-ky-2020-2025.html",
    "b": PAGES / "308112-dang-uy-khoi-cac-co-quan-tinh-so-ket-cong-tac-9-thang.html",
}
BASE = "http://paper.test"
FETCHED = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)



@pytest.fixture(scope="module")
def sites() -> dict[str, Site]:
    return {name: site.with_base_url(BASE) if name == "baolangson_old" else site for name, site in load_sites().items()}


def fetch(sessions: sessionmaker[Session], sites: dict[str, Site], key: str, path: str, extractor=extract, at=FETCHED) -> str:
    """Ingest a fixture page as a crawl would; returns the outcome kind."""
    page = FetchedPage(
        site="baolangson_old", url=BASE + path, final_url=BASE + path, status=200,
        headers={"Content-Type": "text/html; charset=utf-8"}, body=ARTICLES[key].read_bytes(), fetched_at=at,
        hints=PageHints(published="15:20 | 22/05/2020", source="listing"),
    )  # fmt: skip
    with sessions.begin() as session:
        site_id = repository.ensure_site(session, "baolangson_old", BASE).id
        outcome = ingest_page(
            session, page, sites["baolangson_old"], site_id=site_id, run_id=None, extractor=extractor,
            max_bytes=1_000_000, index=NearDuplicateIndex(),
        )  # fmt: skip
    return outcome.kind


def run(sessions: sessionmaker[Session], sites: dict[str, Site], **kwargs):
    return reextract(sessions, sites, extractor=extract, index=NearDuplicateIndex(), **kwargs)


def test_an_unchanged_archive_reports_nothing_changed(sessions, sites) -> None:
    assert fetch(sessions, sites, "a", "/chinh-tri/1-a.html") == "new"
    assert fetch(sessions, sites, "b", "/chinh-tri/2-b.html") == "new"
    report = run(sessions, sites)
    assert report.counts == {"unchanged": 2} and report.relinked == 0


def test_a_document_extracted_badly_is_corrected_with_its_hash_and_signature(sessions, sites) -> None:
    def old_extractor(html: str, url: str, site: Site, hints: PageHints | None, template: SiteTemplate | None) -> Extraction:
        good = extract(html, url, site, hints)
        return Extraction(good.title, "Trang chủ | Chính trị\n" + good.text + "\nBản quyền thuộc Báo Lạng Sơn", None,
                          (), good.lang, "")  # fmt: skip

    assert fetch(sessions, sites, "a", "/chinh-tri/1-a.html", extractor=old_extractor) == "new"
    with sessions() as session:
        before = session.scalars(select(DocumentSignature)).one().minhash
    report = run(sessions, sites)
    [item] = report.items
    assert item.result == "changed"
    assert set(item.changed) == {"text", "published_at", "published_precision", "authors", "date_source"}
    with sessions() as session:
        document = session.scalars(select(Document)).one()
        assert not document.text.startswith("Trang chủ") and "Bản quyền" not in document.text
        assert document.content_hash == content_hash(document.text)
        assert document.published_at is not None and document.published_utc_offset == 420
        assert session.scalars(select(DocumentSignature)).one().minhash != before


def test_a_page_once_judged_not_an_article_becomes_a_document(sessions, sites) -> None:
    def refusing(html: str, url: str, site: Site, hints: PageHints | None, template: SiteTemplate | None) -> Extraction:
        raise NotArticleError("no body found (an extractor bug, since fixed)")

    assert fetch(sessions, sites, "b", "/chinh-tri/2-b.html", extractor=refusing) == "not_article"
    report = run(sessions, sites)
    assert report.counts == {"new": 1}
    with sessions() as session:
        page = session.scalars(select(Page)).one()
        assert page.outcome == "new" and page.document_id is not None and page.error is None
        assert repository.known_urls(session, [BASE + "/chinh-tri/2-b.html"])


def test_a_changed_text_relinks_its_cluster(sessions, sites) -> None:
    assert fetch(sessions, sites, "a", "/chinh-tri/1-a.html") == "new"
    assert fetch(sessions, sites, "a", "/thoi-su/9-a-copy.html") == "duplicate"
    assert fetch(sessions, sites, "b", "/chinh-tri/2-b.html") == "new"
    with sessions.begin() as session:
        a, b = session.scalars(select(Document).order_by(Document.id)).all()
        # Pretend b had been stored as a near-copy of a by a bad extraction: its stored text is a's minus a paragraph.
        b.text = "\n".join(a.text.split("\n")[:-1])
        b.duplicate_of, b.duplicate_score = a.id, 0.9
        NearDuplicateIndex().add(session, b.id, NearDuplicateIndex().fingerprint(b.text))
        a_id, b_id = a.id, b.id
    report = run(sessions, sites)
    changed = [item for item in report.items if item.result == "changed"]
    assert [(i.document_id, i.duplicate_of_before, i.duplicate_of_after) for i in changed] == [(b_id, a_id, None)]
    assert report.relinked == 1
    with sessions() as session:
        assert session.get(Document, b_id).duplicate_of is None  # type: ignore[union-attr]


def test_filters_and_an_undeclared_site(sessions, sites) -> None:
    assert fetch(sessions, sites, "a", "/chinh-tri/1-a.html", at=FETCHED - timedelta(days=10)) == "new"
    assert fetch(sessions, sites, "b", "/chinh-tri/2-b.html") == "new"
    assert len(run(sessions, sites, since=FETCHED - timedelta(days=1)).items) == 1
    assert run(sessions, sites, site="sonoivu").items == []
    without = {name: site for name, site in sites.items() if name != "baolangson_old"}
    report = reextract(sessions, without, extractor=extract, index=NearDuplicateIndex())
    assert report.counts == {"error": 2}
    assert all("not declared" in (item.error or "") for item in report.items)
