"""Alembic environment: runs migrations on the engine handed over by ``storage.migrate`` (or the ini URL)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from storage.db import create_engine_for
from storage.models import Base

config = context.config
target_metadata = Base.metadata
# Tables other libraries create and own in the archive database: not ours to compare or migrate.
FOREIGN_TABLES = {"apscheduler_jobs"}


# The full-text index the migrations build by hand on one backend only (0005): SQLite's FTS5 table and its shadow
# tables, PostgreSQL's generated tsvector column and its GIN index. Not in the models, so not compared.
FULL_TEXT_INDEX = ("document_fts", "search_vector", "ix_document_search_search_vector")


def include_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """Leave ``FOREIGN_TABLES`` and the hand-built full-text index out of autogenerate and ``alembic check``."""
    if type_ == "table" and name in FOREIGN_TABLES:
        return False
    return not (name and name.startswith(FULL_TEXT_INDEX))


def run_migrations_online() -> None:
    """Run migrations in a transaction on a live connection; SQLite needs batch mode for ALTER TABLE."""
    engine: Engine = config.attributes.get("engine") or create_engine_for(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
