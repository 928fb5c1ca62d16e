"""An archive with something in every table the server reads (written through the ORM into a real database), and the
app on it.

The archive: two declared sites (``sonoivu``, ``langson_portal``); a story on both (root on sonoivu, a near-duplicate
on the portal) and its seed-less history; an undated document; a seed; runs that succeeded, failed and one whose
article pages mostly had no body (a site that changed its layout); pages of every outcome.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from newsharvest.web import create_app
from pipeline.config import Settings
from storage import repository
from storage.db import create_engine_for, session_factory
from storage.migrate import upgrade
from storage.models import CrawlRun, Document, DocumentUrl, Page

TOKEN = "test-token-7f3a"
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
FILLER = "Các sở, ngành liên quan báo cáo kết quả thực hiện nhiệm vụ trong quý vừa qua và đề ra phương hướng."


@dataclass
class Archive:
    """The ids of what the fixture stored."""

    url: str
    docs: dict[str, int]
    runs: dict[str, int]


def _document(
    session: Session, site_id: int | None, key: str, title: str, published: datetime | None, **extra: object
) -> Document:
    origin = "crawl" if site_id else "seed"
    doc = Document(
        site_id=site_id, origin=origin, origin_ref=f"https://example.test/{key}" if site_id else key, title=title,
        text=f"{title}. {FILLER}\nĐoạn thứ hai của bài {key}.", published_at=published, published_utc_offset=420 if published else None,
        published_precision="minute" if published else None, lang="vi", content_hash=key.ljust(64, "0"), authors=["PHƯƠNG DUNG"],
        **extra,
    )  # fmt: skip
    session.add(doc)
    session.flush()
    if site_id:
        session.add(DocumentUrl(document_id=doc.id, site_id=site_id, url=doc.origin_ref))
    return doc


def _page(
    session: Session, run: CrawlRun, key: str, outcome: str, document: Document | None = None, error: str | None = None
) -> None:
    url = f"https://example.test/page/{run.id}/{key}"
    session.add(Page(
        run_id=run.id, site_id=run.site_id, kind="article", url=url, canonical_url=url, final_url=url,
        status=None if outcome == "error" else 200, outcome=outcome, error=error, document_id=document.id if document else None,
    ))  # fmt: skip


def populate(session: Session) -> Archive:
    """Fill an empty archive (see the module docstring); returns what it stored."""
    sonoivu = repository.ensure_site(session, "sonoivu", "https://sonoivu.langson.gov.vn", "Sở Nội vụ").id
    portal = repository.ensure_site(session, "langson_portal", "https://langson.gov.vn", "Cổng thông tin").id
    docs = {
        "root": _document(session, sonoivu, "dai-hoi", "Đại hội Đảng bộ Sở Nội vụ lần thứ III", T0 - timedelta(days=3)),
        "old": _document(session, sonoivu, "duong", "Nâng cấp đường tỉnh 232", T0 - timedelta(days=30)),
        "undated": _document(session, sonoivu, "thong-bao", "Thông báo lịch tiếp công dân", None),
        "portal": _document(session, portal, "hoa-binh", "Xã Hòa Bình đón bằng nông thôn mới", T0 - timedelta(days=1)),
        "seed": _document(session, None, "000_seed", "Hội nghị tổng kết công tác năm", T0 - timedelta(days=400)),
    }
    docs["copy"] = _document(
        session, portal, "dai-hoi-copy", "Sở Nội vụ tổ chức Đại hội Đảng bộ lần thứ III", T0 - timedelta(days=2),
        duplicate_of=docs["root"].id, duplicate_score=0.82,
    )  # fmt: skip
    runs: dict[str, CrawlRun] = {}
    for name, site_id, status, started in (
        ("first", sonoivu, "succeeded", T0 - timedelta(days=3)),
        ("portal", portal, "succeeded", T0 - timedelta(days=2)),
        ("failed", sonoivu, "failed", T0 - timedelta(days=1)),
        ("layout", portal, "succeeded", T0 - timedelta(hours=5)),
    ):
        run = repository.start_run(session, site_id, "scheduled" if name != "layout" else "manual", {})
        run.started_at = started
        repository.finish_run(session, run.id, status=status, pages_fetched=6, new_documents=2, errors=1,
                              error="robots.txt unreachable" if status == "failed" else None)  # fmt: skip
        runs[name] = run
    session.flush()
    _page(session, runs["first"], "a", "new", docs["root"])
    _page(session, runs["first"], "b", "new", docs["old"])
    _page(session, runs["first"], "c", "error", error="HTTP 500")
    _page(session, runs["portal"], "a", "new", docs["portal"])
    _page(session, runs["portal"], "b", "near_duplicate", docs["copy"])
    for key in "abc":  # the portal changed its layout: article pages without a body
        _page(session, runs["layout"], key, "not_article", error=None)
    _page(session, runs["layout"], "d", "duplicate", docs["portal"])
    session.commit()
    return Archive("", {k: d.id for k, d in docs.items()}, {k: r.id for k, r in runs.items()})


def settings_for(db_url: str, home: Path, **environ: str) -> Settings:
    """Settings as the server would load them, from this environment only (not the test process's)."""
    return Settings.load({"db_url": db_url}, environ={"NEWSHARVEST_HOME": str(home), **environ})


@pytest.fixture
def archive(db_url: str) -> Iterator[Archive]:
    """The populated archive, once per backend."""
    engine = create_engine_for(db_url)
    upgrade(engine)
    with session_factory(engine)() as session:
        stored = populate(session)
    engine.dispose()
    stored.url = db_url
    yield stored


@pytest.fixture
def app(archive: Archive, tmp_path: Path) -> FastAPI:
    return create_app(settings_for(archive.url, tmp_path, NEWSHARVEST_API_TOKEN=TOKEN))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client
