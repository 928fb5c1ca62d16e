"""``FetchedPage``: what the crawler hands the pipeline for one URL, fetched or failed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from pipeline.document import PageHints

__all__ = ["FetchedPage", "PageHints"]


@dataclass(frozen=True)
class FetchedPage:
    """One article URL after the fetch: the response as received, or the error that prevented it."""

    site: str
    url: str  # as discovered (before redirects)
    final_url: str  # after redirects; equals url when the fetch failed
    status: int | None  # HTTP status; None when no response arrived (timeout, DNS, refused)
    headers: Mapping[str, str]
    body: bytes = field(repr=False)
    fetched_at: datetime  # timezone-aware (UTC)
    hints: PageHints = field(default_factory=PageHints)
    error: str | None = None  # why the fetch failed; None for a usable response

    @property
    def content_type(self) -> str | None:
        """The Content-Type header, if any (header names are matched case-insensitively)."""
        for key, value in self.headers.items():
            if key.lower() == "content-type":
                return value
        return None
