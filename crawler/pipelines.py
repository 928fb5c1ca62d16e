"""Item pipeline: a thin adapter handing each ``FetchedPage`` to the run's archive; nothing is dropped."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from crawler.settings import PROGRESS_KEY, archive_from, required_archive
from pipeline.page import FetchedPage

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["ArchivePipeline", "ProgressCallback"]

# Called after each ingested page with the site name and the run's counts so far (the CLI shows progress with it).
ProgressCallback = Callable[[str, dict[str, int]], None]


class IngestingArchive(Protocol):
    """The part of ``pipeline.archive.Archive`` this pipeline uses."""

    def ingest(self, page: FetchedPage) -> Any: ...

    def counts(self) -> dict[str, int]: ...


class ArchivePipeline:
    """Store every ``FetchedPage`` through ``archive.ingest`` (synchronously, on the reactor thread)."""

    def __init__(self, archive: IngestingArchive, *, site: str, on_progress: ProgressCallback | None = None) -> None:
        self.archive = archive
        self.site = site
        self.on_progress = on_progress

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        """Build from the crawl's settings; switched off when no archive is configured."""
        archive, site = required_archive(crawler.settings)
        progress = archive_from(crawler.settings, key=PROGRESS_KEY)
        return cls(archive, site=site, on_progress=progress)

    def process_item(self, item: Any) -> Any:
        """Ingest a ``FetchedPage``; other items pass through untouched."""
        if isinstance(item, FetchedPage):
            self.archive.ingest(item)
            if self.on_progress is not None:
                self.on_progress(self.site, self.archive.counts())
        return item
