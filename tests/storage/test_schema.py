"""The schema is a public interface: migrations create it on every backend and match the models exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from sqlalchemy import inspect, select

from storage.db import create_engine_for, session_factory
from storage.errors import SchemaError
from storage.migrate import alembic_config, current_revision, head_revision, require_current, upgrade
from storage.models import Document, SiteRecord

PUBLIC_COLUMNS = {
    "sites": {"id", "name", "base_url", "title", "created_at"},
    "documents": {
        "id", "site_id", "origin", "origin_ref", "title", "text", "published_at", "published_utc_offset", "date_source",
        "authors", "lang", "content_hash", "duplicate_of", "duplicate_score", "first_seen_at", "updated_at",
    },
    "document_urls": {"id", "document_id", "site_id", "url", "first_seen_at", "last_seen_at"},
    "pages": {
        "id", "run_id", "site_id", "kind", "url", "canonical_url", "final_url", "status", "content_type", "fetched_at",
        "raw_html", "raw_size", "hints", "outcome", "error", "document_id",
    },
    "crawl_runs": {
        "id", "site_id", "trigger", "status", "started_at", "finished_at", "pages_fetched", "new_documents",
        "duplicates", "errors", "skipped_known", "error", "options",
    },
}  # fmt: skip


def test_empty_database_is_refused_until_init(db_url: str) -> None:
    engine = create_engine_for(db_url)
    with pytest.raises(SchemaError, match="newsharvest init"):
        require_current(engine)
    upgrade(engine)
    require_current(engine)
    assert current_revision(engine) == head_revision()


def test_migrations_match_models_and_public_columns(db_url: str) -> None:
    engine = create_engine_for(db_url)
    upgrade(engine)
    command.check(alembic_config(engine))  # raises when models and migrations drift apart
    inspector = inspect(engine)
    for table, columns in PUBLIC_COLUMNS.items():
        assert {c["name"] for c in inspector.get_columns(table)} >= columns, table


def test_database_behind_is_refused(sqlite_url: str) -> None:
    engine = create_engine_for(sqlite_url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0000'")
    with pytest.raises(SchemaError, match="needs"):
        require_current(engine)


def test_times_round_trip_as_aware_utc(db_url: str) -> None:
    engine = create_engine_for(db_url)
    upgrade(engine)
    sessions = session_factory(engine)
    local = datetime(2020, 5, 21, 10, 15, tzinfo=timezone(timedelta(hours=7)))
    with sessions.begin() as session:
        site = SiteRecord(name="s", base_url="https://s.vn")
        session.add(site)
        session.flush()
        session.add(Document(site_id=site.id, origin="crawl", origin_ref="u", title="t", text="x", published_at=local,
                             published_utc_offset=420, authors=["A"], lang="vi", content_hash="h"))  # fmt: skip
    with sessions() as session:
        doc = session.scalars(select(Document)).one()
        assert doc.published_at == local
        assert doc.published_at.tzinfo is not None and doc.published_at.utcoffset() == timedelta(0)
        assert doc.authors == ["A"]
        assert doc.first_seen_at.tzinfo is not None and doc.first_seen_at <= datetime.now(UTC)


def test_naive_datetimes_are_rejected(sqlite_url: str) -> None:
    engine = create_engine_for(sqlite_url)
    upgrade(engine)
    with pytest.raises(Exception, match="naive"), session_factory(engine).begin() as session:
        session.add(SiteRecord(name="s", base_url="https://s.vn", created_at=datetime(2020, 1, 1)))
        session.flush()
