"""The newsharvest exception hierarchy.

Every error the project raises on purpose derives from ``NewsHarvestError`` and carries enough context (site, url,
run id) to be recorded against the page or the run where it happened::

    NewsHarvestError
    ├── ConfigError              settings or environment that cannot be used
    │   └── SiteConfigError      a site file that does not validate (names file, site and key)
    ├── PageError                one fetched page could not become a document (recorded on the page)
    │   ├── ContentError         not HTML, too large, undecodable
    │   └── ExtractionError      the extractor failed, found no article, or ran past its time limit
    │       └── NotArticleError  a home, listing, search or contact page: never a document
    ├── SeedError                a seed file that cannot be imported
    └── OutputError              an output file that cannot be written (permission denied, disk full, read-only)

The storage layer imports no other project package, so its errors stand beside this tree; they are re-exported
here: ``storage.errors.StorageError``, ``SchemaError`` (the database is behind the code's migrations),
``DatabaseURLError`` (a database URL that does not parse or names a dialect or driver that is not there) and
``DatabaseUnavailable`` (the database cannot be reached, opened or written).
"""

from __future__ import annotations

from storage.errors import DatabaseUnavailable, DatabaseURLError, SchemaError, StorageError

__all__ = [
    "ConfigError", "ContentError", "DatabaseURLError", "DatabaseUnavailable", "ExtractionError", "NewsHarvestError",
    "NotArticleError", "OutputError", "PageError", "SchemaError", "SeedError", "SiteConfigError", "StorageError",
]  # fmt: skip


class NewsHarvestError(Exception):
    """Base class: anything newsharvest raises deliberately."""


class ConfigError(NewsHarvestError):
    """Settings that cannot be used as given."""


class SiteConfigError(ConfigError):
    """A site declaration that does not validate."""

    def __init__(self, message: str, *, source: str = "", site: str = "", key: str = "") -> None:
        where = ", ".join(part for part in (source, f"site {site!r}" if site else "", f"key {key!r}" if key else "") if part)
        super().__init__(f"{where}: {message}" if where else message)
        self.source, self.site, self.key = source, site, key


class PageError(NewsHarvestError):
    """One page could not be turned into a document; recorded against that page."""

    def __init__(self, message: str, *, url: str = "") -> None:
        super().__init__(message)
        self.url = url


class ContentError(PageError):
    """The response is not usable HTML (binary, too large, undecodable)."""


class ExtractionError(PageError):
    """Extraction failed, found no article text, or exceeded its time limit."""


class SeedError(NewsHarvestError):
    """A seed file that cannot be imported."""


class NotArticleError(ExtractionError):
    """The page is not an article (home, listing, search, contact): it never becomes a document."""


class OutputError(NewsHarvestError):
    """An output file that cannot be written: permission denied, disk full, read-only file system."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot write {path}: {reason}")
        self.path, self.reason = path, reason
