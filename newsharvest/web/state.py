"""What every request of the server needs: settings, a read-only archive engine, the crawl launcher, the sites.

The server never writes to the archive (crawls are child processes with their own connections), so its engine is
made read-only by the database itself: ``PRAGMA query_only`` on SQLite, read-only transactions on PostgreSQL. A bug
that tried to write would fail instead of changing the archive.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from newsharvest.web.crawl_launcher import CrawlLauncher
from pipeline.config import Settings
from pipeline.sites import Site, load_sites
from storage.db import create_engine_for, session_factory
from storage.errors import SchemaError
from storage.migrate import current_revision, head_revision

__all__ = ["WebState", "read_only_engine", "read_session", "web_state"]


def _read_only_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor.execute("PRAGMA query_only = ON")
    else:  # PostgreSQL: every later transaction of this connection is read-only
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        dbapi_connection.commit()  # a SET inside a transaction that is rolled back would be undone
    cursor.close()


def read_only_engine(database_url: str) -> Engine:
    """An engine on the archive whose connections cannot write."""
    engine = create_engine_for(database_url)
    event.listen(engine, "connect", _read_only_connection)
    return engine


@dataclass
class WebState:
    """The server's shared state (one per app)."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    launcher: CrawlLauncher
    expected_schema: str

    @classmethod
    def create(cls, settings: Settings, base_urls: dict[str, str] | None = None) -> WebState:
        """State for ``settings``; connects lazily, so a server can start while its database is down."""
        engine = read_only_engine(settings.database_url)
        sessions = session_factory(engine)
        return cls(settings, engine, sessions, CrawlLauncher(settings, sessions, base_urls), head_revision())

    def sites(self) -> dict[str, Site]:
        """The declared sites, read again at each request (as ``newsharvest status`` does): edits show at once."""
        return load_sites(self.settings.sites_files)

    def check_schema(self) -> str:
        """The archive's schema revision; raises ``SchemaError`` when it is missing or behind (or ahead of) this code."""
        current = current_revision(self.engine)
        if current != self.expected_schema:
            where = self.engine.url.render_as_string(hide_password=True)
            if current is None:
                raise SchemaError(f"the archive at {where} has no schema yet: run `newsharvest init`")
            raise SchemaError(
                f"the archive at {where} is at schema {current}, this version needs {self.expected_schema}: "
                "run `newsharvest init`"
            )
        return current


def web_state(request: Request) -> WebState:
    """The app's state (a FastAPI dependency)."""
    state: WebState = request.app.state.newsharvest
    return state


def read_session(request: Request) -> Iterator[Session]:
    """A session on the archive, after checking its schema (a FastAPI dependency); nothing is ever committed."""
    state = web_state(request)
    state.check_schema()
    with state.sessions() as session:
        yield session
