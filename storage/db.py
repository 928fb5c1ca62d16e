"""Engine and session factory from a database URL; SQLite gets the pragmas an embedded archive needs.

A database that cannot be used fails as a storage error naming it (password masked) with the cause in plain words:
``DatabaseURLError`` for a URL that does not parse or names a dialect or driver that is not there,
``DatabaseUnavailable`` for a database that cannot be reached, opened or written (``database_error`` tells which a
SQLAlchemy exception raised later, mid-command, stands for).
"""

from __future__ import annotations

import re
import sqlite3
import traceback
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import DatabaseUnavailable, DatabaseURLError, StorageError

__all__ = [
    "check_connection", "create_engine_for", "database_error", "describe_db_url", "normalize_db_url", "session_factory",
]  # fmt: skip

# How long a writer waits for another process's SQLite lock before giving up (milliseconds).
SQLITE_BUSY_TIMEOUT_MS = 30_000

_URL_EXAMPLES = "sqlite:////path/to/archive.db or postgresql://user@host/dbname"
# user:password@ in a string that does not parse as a URL (so render_as_string cannot mask it).
_PASSWORD_IN_TEXT = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")
# Set by the engines' handle_error listener on the SQLAlchemy exception: which database raised it (password masked).
_URL_NOTE = "newsharvest_database_url"
_CONNECTING_NOTE = "newsharvest_while_connecting"

_SQLITE_LOCKED = "the database is locked by another process and stayed locked past the busy timeout ({timeout:g} s)"
_SQLITE_READONLY = "the database is read-only: the file, or the folder holding it, cannot be written"
# SQLite result codes (extended first, then primary; https://www.sqlite.org/rescode.html) that mean the database
# cannot be used now, whatever the code does. Any other SQLite error (SQL syntax, a missing table) is a bug.
_SQLITE_CAUSES = {
    1032: "the database file was moved or deleted while in use",  # SQLITE_READONLY_DBMOVED
    # SQLITE_READONLY_DIRECTORY
    1544: "the folder holding the database cannot be written, and SQLite must create its -wal and -shm files there",
    3: "permission denied",  # SQLITE_PERM
    5: _SQLITE_LOCKED,  # SQLITE_BUSY
    6: _SQLITE_LOCKED,  # SQLITE_LOCKED
    8: _SQLITE_READONLY,  # SQLITE_READONLY
    10: "a disk I/O error occurred",  # SQLITE_IOERR
    11: "the database file is corrupt",  # SQLITE_CORRUPT
    13: "the disk is full",  # SQLITE_FULL
    14: "the database file cannot be opened: its folder does not exist, or it or its folder cannot be read",  # CANTOPEN
    26: "the file is not an SQLite database",  # SQLITE_NOTADB
}
# PostgreSQL SQLSTATE classes and codes that mean the server or the database cannot be used (connection, login,
# missing database, resources such as disk space, shutdown, system I/O, a lock not granted, read-only, no privilege).
_SQLSTATE_CLASSES_UNAVAILABLE = ("08", "28", "3D", "53", "57", "58")
_SQLSTATES_UNAVAILABLE = ("55P03", "25006", "42501")


def describe_db_url(url: str | URL) -> str:
    """``url`` for messages, password masked (also in a string that does not parse as a URL)."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (sa_exc.ArgumentError, ValueError):
        return _PASSWORD_IN_TEXT.sub(r"\1***@", url)


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except (sa_exc.ArgumentError, ValueError) as exc:
        reason = "it does not parse" if isinstance(exc, sa_exc.ArgumentError) else str(exc)
        raise DatabaseURLError(
            f"the database URL {describe_db_url(url)!r} cannot be used: {reason} (write it like {_URL_EXAMPLES})"
        ) from exc


def normalize_db_url(url: str) -> str:
    """Pick the installed driver for bare ``postgresql://`` URLs (psycopg 3, not the absent psycopg2)."""
    parsed = _parse(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (exports, downstream tools) run beside a crawl; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _note_database(context: ExceptionContext) -> None:
    """handle_error listener: mark the exception with the database it came from, and whether it came while connecting."""
    error = context.sqlalchemy_exception
    if error is not None and context.engine is not None:
        setattr(error, _URL_NOTE, describe_db_url(context.engine.url))
        setattr(error, _CONNECTING_NOTE, context.connection is None)


def create_engine_for(url: str) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created on first use.

    Raises ``DatabaseURLError`` for a URL that does not parse or whose dialect or driver is not installed, and
    ``DatabaseUnavailable`` when a SQLite file's folder cannot be created.
    """
    parsed = make_url(normalize_db_url(url))
    where = describe_db_url(parsed)
    try:
        if parsed.get_backend_name() == "sqlite":
            is_uri = parsed.query.get("uri") in ("true", "1") or (parsed.database or "").startswith("file:")
            if parsed.database and parsed.database != ":memory:" and not is_uri:
                path = Path(parsed.database).expanduser()
                parsed = parsed.set(database=str(path))
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise DatabaseUnavailable(
                        f"the archive at {where} is unavailable: its folder {path.parent} cannot be created: "
                        f"{exc.strerror or exc}",
                        url=where, cause=str(exc.strerror or exc),
                    ) from exc  # fmt: skip
            engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(parsed, pool_pre_ping=True)
    except sa_exc.NoSuchModuleError as exc:
        raise DatabaseURLError(
            f"the database URL {where} names {parsed.drivername!r}, which is no known database dialect and driver "
            f"(use {_URL_EXAMPLES})"
        ) from exc
    except ImportError as exc:
        raise DatabaseURLError(
            f"the database URL {where} needs the Python driver {exc.name or parsed.get_driver_name()!r}, which is not installed"
        ) from exc
    except sa_exc.ArgumentError as exc:
        raise DatabaseURLError(f"the database URL {where} cannot be used: {exc}") from exc
    event.listen(engine, "handle_error", _note_database)
    return engine


def check_connection(engine: Engine) -> Engine:
    """Connect once, so that a database that cannot be used fails here as a storage error naming it."""
    try:
        with engine.connect():
            pass
    except sa_exc.DBAPIError as exc:
        translated = database_error(exc)
        if translated is None:
            raise
        raise translated from exc
    return engine


def database_error(exc: BaseException) -> StorageError | None:
    """The storage error a SQLAlchemy or driver exception stands for, or None when it is not about the database's
    configuration or availability (a bug in the code, which should show its traceback)."""
    if isinstance(exc, sa_exc.DBAPIError):
        where = getattr(exc, _URL_NOTE, "")
        cause = _unavailable_cause(exc)
        if cause is not None:
            return DatabaseUnavailable(
                f"the archive{f' at {where}' if where else ''} is unavailable: {cause}", url=where, cause=cause
            )
        if getattr(exc, _CONNECTING_NOTE, False):  # e.g. psycopg's "invalid connection option" from the URL's query
            return DatabaseURLError(f"the database URL {where} cannot be used: {_one_line(str(exc.orig))}")
        return None
    if isinstance(exc, sa_exc.NoSuchModuleError):
        return DatabaseURLError(f"no such database dialect or driver: {exc} (use {_URL_EXAMPLES})")
    if isinstance(exc, sa_exc.ArgumentError) and _raised_in(exc, "sqlalchemy/engine/url.py"):
        return DatabaseURLError(f"the database URL cannot be used: {exc} (write it like {_URL_EXAMPLES})")
    if isinstance(exc, ImportError) and _raised_in(exc, "sqlalchemy/dialects/"):
        return DatabaseURLError(f"the database driver {exc.name!r} is not installed")
    return None


def _unavailable_cause(exc: sa_exc.DBAPIError) -> str | None:
    orig = exc.orig
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None)
        if code is None:
            return None
        cause = _SQLITE_CAUSES.get(code) or _SQLITE_CAUSES.get(code & 0xFF)
        if cause is None:
            return None
        return f"{cause.format(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)} ({getattr(orig, 'sqlite_errorname', code)})"
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is not None:  # PostgreSQL: the server answered with an error code
        if sqlstate in _SQLSTATES_UNAVAILABLE or sqlstate[:2] in _SQLSTATE_CLASSES_UNAVAILABLE:
            return _one_line(str(orig))
        return None
    if isinstance(exc, sa_exc.OperationalError) or exc.connection_invalidated:
        # DB-API: "errors related to the database's operation": cannot connect, connection lost, out of resources.
        return _one_line(str(orig)).removeprefix("connection failed: ")
    return None


def _one_line(text: str) -> str:
    return "; ".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def _raised_in(exc: BaseException, path_part: str) -> bool:
    return any(path_part in frame.f_code.co_filename.replace("\\", "/") for frame, _ in traceback.walk_tb(exc.__traceback__))


def session_factory(url_or_engine: str | Engine) -> sessionmaker[Session]:
    """A session factory; objects stay usable after commit because callers read them back for reports."""
    engine = create_engine_for(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    return sessionmaker(bind=engine, expire_on_commit=False)
