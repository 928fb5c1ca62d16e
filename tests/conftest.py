"""Shared fixtures: archive databases (a real SQLite file; PostgreSQL where the server is there).

PostgreSQL: ``NEWSHARVEST_TEST_POSTGRES`` names the server (default ``postgresql://postgres@127.0.0.1:5432/test``);
each test gets a database of its own, dropped afterwards. Without a reachable server those tests skip with the
reason — unless ``NEWSHARVEST_REQUIRE_SERVICES=1`` (set by CI), where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from storage.db import create_engine_for, normalize_db_url, session_factory
from storage.migrate import upgrade

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"


def _postgres_admin_url() -> str:
    return normalize_db_url(os.environ.get("NEWSHARVEST_TEST_POSTGRES") or DEFAULT_POSTGRES)


def _postgres_unavailable(reason: str) -> None:
    if os.environ.get("NEWSHARVEST_REQUIRE_SERVICES") == "1":
        pytest.fail(f"PostgreSQL is required here (NEWSHARVEST_REQUIRE_SERVICES=1) but {reason}")
    pytest.skip(f"PostgreSQL not available: {reason}")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test."""
    admin_url = _postgres_admin_url()
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # any connection failure means the service is not there
        _postgres_unavailable(f"{make_url(admin_url).render_as_string(hide_password=True)}: {exc.__class__.__name__}")
    name = f"nh_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file in the test's temporary folder."""
    return f"sqlite:///{tmp_path / 'archive.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """The archive URL, once per backend."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def seeds_dir() -> Path:
    """The seed documents shipped in the package."""
    return REPO_ROOT / "newsharvest" / "seeds"


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    """A session factory on an empty archive at the current schema, once per backend."""
    engine = create_engine_for(db_url)
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()
