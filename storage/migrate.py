"""Alembic driven from code: the migration scripts ship inside the package (``storage:migrations``)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from storage.errors import SchemaError

__all__ = ["alembic_config", "current_revision", "head_revision", "require_current", "upgrade"]


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic Config for our scripts; with an engine, migrations run on that engine's connection."""
    config = Config()
    config.set_main_option("script_location", "storage:migrations")
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
        config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest revision the code ships."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations shipped"
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema (``newsharvest init``)."""
    command.upgrade(alembic_config(engine), revision)


def require_current(engine: Engine) -> None:
    """Refuse to work on a database whose schema is missing or behind the code."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    where = engine.url.render_as_string(hide_password=True)
    if current is None:
        raise SchemaError(f"the archive at {where} has no schema yet: run `newsharvest init` first")
    raise SchemaError(f"the archive at {where} is at schema {current}, this version needs {head}: run `newsharvest init`")
