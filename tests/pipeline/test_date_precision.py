"""Date precision: a day stays a day (seeds, leads), the export says so, and a crawled copy that gives the exact time
enriches the seed document it joins. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from pipeline.archive.export import export_records, write_jsonl
from pipeline.archive.ingest import ingest_page
from pipeline.archive.seed_import import import_seeds
from pipeline.dedup.clusters import NearDuplicateIndex
from pipeline.document import PageHints
from pipeline.extraction.extract import extract
from pipeline.page import FetchedPage
from pipeline.sites import load_sites
from storage import repository
from storage.db import create_engine_for, session_factory
from storage.migrate import upgrade
from storage.models import Document

PAGE = Path(__file__).resolve().parents[1] / "fixtures/pages/sonoivu/dai-hoi-dang-bo-so-noi-vu-lan-thu-iii.html"
SEED_000 = "000_2ac676612927a04c"
ICT = timezone(timedelta(hours=7))


def crawl_copy(sessions: sessionmaker[Session]) -> str:
    """The sonoivu page of seed 000 (it states 21/05/2020 10:15), ingested as a crawl would."""
    site = load_sites()["sonoivu"]
    url = "https://sonoivu.langson.gov.vn/en/node/3512"
    page = FetchedPage(
        site="sonoivu", url=url, final_url=url, status=200, headers={"Content-Type": "text/html; charset=utf-8"},
        body=PAGE.read_bytes(), fetched_at=datetime(2026, 11, 20, 3, 0, tzinfo=UTC), hints=PageHints(),
    )  # fmt: skip
    with sessions.begin() as session:
        site_id = repository.ensure_site(session, "sonoivu", site.base_url).id
        outcome = ingest_page(
            session, page, site, site_id=site_id, run_id=None, extractor=extract, max_bytes=1_000_000,
            index=NearDuplicateIndex(),
        )  # fmt: skip
    return outcome.kind


def seed(sessions: sessionmaker[Session], seeds_dir: Path) -> Document:
    [result] = import_seeds(sessions, [seeds_dir / f"{SEED_000}.txt"])
    assert result.status == "imported"
    with sessions() as session:
        document = session.get(Document, result.document_id)
        assert document is not None
        return document


def test_a_seed_is_stored_and_exported_as_a_day(sessions: sessionmaker[Session], seeds_dir: Path) -> None:
    document = seed(sessions, seeds_dir)
    assert (document.published_precision, document.date_source) == ("day", "seed")
    with sessions() as session:
        out = io.StringIO()
        write_jsonl(export_records(session), out)
    record = json.loads(out.getvalue())
    assert record["published_at"] == "2020-05-21" and record["published_precision"] == "day"
    assert record["attribution"] is None


def test_a_crawled_copy_gives_its_seed_the_exact_time(sessions: sessionmaker[Session], seeds_dir: Path) -> None:
    seed(sessions, seeds_dir)
    assert crawl_copy(sessions) == "duplicate"
    with sessions() as session:
        document = session.scalars(select(Document).where(Document.origin == "seed")).one()
        assert document.published_at == datetime(2020, 5, 21, 10, 15, tzinfo=ICT)
        assert (document.published_utc_offset, document.published_precision) == (420, "minute")
        assert document.date_source == "seed+selector"
        record = next(export_records(session))
    assert record["published_at"] == "2020-05-21T10:15:00+07:00"


def test_a_copy_archived_before_its_seed_enriches_it_too(sessions: sessionmaker[Session], seeds_dir: Path) -> None:
    assert crawl_copy(sessions) == "new"
    document = seed(sessions, seeds_dir)
    assert document.published_at == datetime(2020, 5, 21, 10, 15, tzinfo=ICT) and document.published_precision == "minute"


def test_migration_derives_the_precision_of_documents_already_archived(db_url: str) -> None:
    engine = create_engine_for(db_url)
    upgrade(engine, "0003")
    day = datetime(2020, 5, 20, 17, 0, tzinfo=UTC)  # 21/05/2020 00:00 at +07:00
    minute = datetime(2020, 5, 21, 3, 15, tzinfo=UTC)  # 10:15 at +07:00
    with engine.begin() as conn:
        for ref, moment in (("a", day), ("b", minute)):
            conn.execute(
                text(
                    "INSERT INTO documents (origin, origin_ref, title, text, published_at, published_utc_offset, date_source,"
                    " authors, lang, content_hash, first_seen_at, updated_at) VALUES ('seed', :ref, 't', 'x', :at, 420, 'seed',"
                    " '[]', 'vi', :ref, :now, :now)"
                ),
                {"ref": ref, "at": moment if engine.dialect.name != "sqlite" else moment.replace(tzinfo=None),
                 "now": datetime.now(UTC).replace(tzinfo=None)},
            )  # fmt: skip
    upgrade(engine)
    with session_factory(engine)() as session:
        found = {d.origin_ref: d.published_precision for d in session.scalars(select(Document))}
    engine.dispose()
    assert found == {"a": "day", "b": "minute"}
