"""Errors raised by the storage layer (it imports no other project package, so its errors live here).

StorageError
└── SchemaError      the database is missing the schema or is behind the code's migrations
"""

from __future__ import annotations


class StorageError(Exception):
    """Base class for storage-layer errors."""


class SchemaError(StorageError):
    """The database schema is missing or older than the code expects: run ``newsharvest init``."""
