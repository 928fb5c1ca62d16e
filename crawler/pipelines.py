"""Item pipeline: a thin adapter handing each ``FetchedPage`` to the run's archive; nothing is dropped."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred

from crawler.settings import PROGRESS_KEY, archive_from, required_archive
from pipeline.page import FetchedPage

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["ArchivePipeline", "ProgressCallback"]

T = TypeVar("T")
# Called after each ingested page with the site name and the run's counts so far (the CLI shows progress with it).
ProgressCallback = Callable[[str, dict[str, int]], None]


class IngestingArchive(Protocol):
    """The part of ``pipeline.archive.run.Archive`` this pipeline uses."""

    def prepare(self, page: FetchedPage) -> Future[Any]: ...

    def store(self, page: FetchedPage, prepared: Any) -> Any: ...

    def counts(self) -> dict[str, int]: ...


class ArchivePipeline:
    """Store every ``FetchedPage``: prepared in the archive's worker processes while the crawl goes on, then written
    on the reactor thread, one page at a time (so duplicate checks see every earlier page).

    Memory stays bounded when extraction is the bottleneck: a response counts against Scrapy's scraper slot
    (``SCRAPER_SLOT_MAX_ACTIVE_SIZE``) until its item is stored, and the engine stops handing the scraper new responses
    while the slot is full.
    """

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

    async def process_item(self, item: Any) -> Any:
        """Ingest a ``FetchedPage``; other items pass through untouched."""
        if isinstance(item, FetchedPage):
            preparing = self.archive.prepare(item)
            # A page that needs no worker (a failed fetch) is ready at once; others are awaited while the crawl goes on.
            prepared = preparing.result() if preparing.done() else await maybe_deferred_to_future(_deferred(preparing))
            self.archive.store(item, prepared)
            if self.on_progress is not None:
                self.on_progress(self.site, self.archive.counts())
        return item


def _deferred(future: Future[T]) -> Deferred[T]:
    """A Deferred fired on the reactor thread with ``future``'s result (which a worker-pool thread sets)."""
    from twisted.internet import reactor

    deferred: Deferred[T] = Deferred()

    def fire(done: Future[T]) -> None:
        try:
            deferred.callback(done.result())
        except BaseException:  # handed to the Deferred, which reports it
            deferred.errback()

    future.add_done_callback(lambda done: reactor.callFromThread(fire, done))
    return deferred
