"""The read-only role of docs/readonly_role.sql, as an operator would create it: it reads the archive's views and
tables (also those a later migration adds) and can change nothing."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from storage.db import create_engine_for
from storage.migrate import upgrade

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "readonly_role.sql"

pytestmark = pytest.mark.postgres


def _statements(role: str) -> list[str]:
    lines = [line for line in SCRIPT.read_text(encoding="utf-8").splitlines() if not line.startswith("--")]
    sql = "\n".join(lines).replace("newsharvest_reader", role).replace("'change-me'", "'reader-test'")
    return [s.strip() for s in sql.split(";") if s.strip()]


def test_the_documented_role_reads_and_cannot_write(postgres_url: str) -> None:
    owner = create_engine_for(postgres_url)
    upgrade(owner)
    role = f"nh_reader_{uuid.uuid4().hex[:8]}"
    with owner.begin() as conn:
        for statement in _statements(role):
            conn.exec_driver_sql(statement)
        conn.exec_driver_sql(
            "INSERT INTO sites (name, base_url, title, created_at) VALUES ('s', 'https://s.example', 's', now())"
        )
        conn.exec_driver_sql("CREATE TABLE later_table (id integer)")  # as a later migration would add one
    reader = create_engine(make_url(postgres_url).set(username=role, password="reader-test"))
    try:
        with reader.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM v_articles")).scalar() == 0
            assert conn.execute(text("SELECT name FROM sites")).scalar() == "s"
            assert conn.execute(text("SELECT count(*) FROM later_table")).scalar() == 0
        for statement in (
            "INSERT INTO sites (name, base_url, title, created_at) VALUES ('x', 'u', 't', now())",
            "DELETE FROM sites",
            "UPDATE documents SET title = 'x'",
        ):
            with reader.connect() as conn, pytest.raises(DBAPIError, match=r"read-only|permission denied"):
                conn.execute(text(statement))
    finally:
        reader.dispose()
        with owner.begin() as conn:
            conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
            conn.exec_driver_sql(f'DROP ROLE "{role}"')
        owner.dispose()
