"""Crawler test fixtures: recorded-shape pages, the shipped sites, and a fake archive with the real one's methods."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pipeline.page import FetchedPage
from pipeline.sites import Site, load_sites

DATA = Path(__file__).parent / "data"


@dataclass
class FakeArchive:
    """Stands in for ``pipeline.archive.run.Archive``: remembers what the crawler asked and told it."""

    site: Site
    known: set[str] = field(default_factory=set)
    refresh: bool = False
    run_id: int = 7
    ingested: list[FetchedPage] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0
    asked: list[list[str]] = field(default_factory=list)

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        urls = list(urls)
        self.asked.append(urls)
        return {url for url in urls if url in self.known}

    def ingest(self, page: FetchedPage) -> str:
        self.ingested.append(page)
        return "new"

    def prepare(self, page: FetchedPage) -> Future[str]:
        done: Future[str] = Future()
        done.set_result("prepared")
        return done

    def store(self, page: FetchedPage, prepared: str) -> str:
        assert prepared == "prepared"
        return self.ingest(page)

    def record_error(self, url: str, message: str, *, status: int | None = None, kind: str = "listing") -> None:
        self.errors.append({"url": url, "message": message, "status": status, "kind": kind})

    def note_skipped(self, n: int = 1) -> None:
        self.skipped += n

    def counts(self) -> dict[str, int]:
        return {
            "pages": len(self.ingested),
            "new": len(self.ingested),
            "duplicates": 0,
            "errors": len(self.errors),
            "skipped": self.skipped,
        }


@pytest.fixture(scope="session")
def sites() -> dict[str, Site]:
    return load_sites()


@pytest.fixture
def data() -> Path:
    return DATA


@pytest.fixture
def make_archive() -> type[FakeArchive]:
    """The fake archive class (conftest modules are not importable by name)."""
    return FakeArchive
