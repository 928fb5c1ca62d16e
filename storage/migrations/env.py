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


def include_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """Leave the tables of ``FOREIGN_TABLES`` out of autogenerate and ``alembic check``."""
    return not (type_ == "table" and name in FOREIGN_TABLES)


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
