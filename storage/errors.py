"""Errors raised by the storage layer (it imports no other project package, so its errors live here).

StorageError
├── SchemaError            the database is missing the schema or is behind the code's migrations
├── DatabaseURLError       the database URL cannot be used: unparseable, unknown dialect, driver not installed
└── DatabaseUnavailable    the database cannot be reached, opened or written: refused, authentication failed,
                           locked past the busy timeout, read-only, disk full

Their messages name the database with any password masked and say the cause in plain words, in one line.
"""

from __future__ import annotations


class StorageError(Exception):
    """Base class for storage-layer errors."""


class SchemaError(StorageError):
    """The database schema is missing or older than the code expects: run ``newsharvest init``."""


class DatabaseURLError(StorageError):
    """The database URL is a configuration mistake: it does not parse, or names a dialect or driver not available."""


class DatabaseUnavailable(StorageError):
    """The database cannot be used now: cannot connect or open it, or it refuses a write (read-only, locked, full)."""

    def __init__(self, message: str, *, url: str = "", cause: str = "") -> None:
        super().__init__(message)
        self.url, self.cause = url, cause
