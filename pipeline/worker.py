"""Extraction under a time limit, in a child process that can be killed.

trafilatura and lxml can spin for minutes on pathological HTML, and a thread cannot be stopped; a worker process
can. The worker is reused between pages (start-up costs about a second) and replaced after a timeout or after
``MAX_TASKS_PER_CHILD`` pages, which also bounds any memory the parsers leak.
"""

from __future__ import annotations

import logging
import multiprocessing
from multiprocessing.pool import Pool
from types import TracebackType

from pipeline.document import Extraction, PageHints
from pipeline.errors import ExtractionError
from pipeline.extract import extract
from pipeline.sites import Site
from pipeline.template import SiteTemplate

__all__ = ["ExtractionWorker"]

log = logging.getLogger(__name__)
MAX_TASKS_PER_CHILD = 500


class ExtractionWorker:
    """Runs ``pipeline.extract.extract`` in a child process with a per-page time limit."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._pool: Pool | None = None

    def extract(
        self, html: str, url: str, site: Site, hints: PageHints | None = None, template: SiteTemplate | None = None
    ) -> Extraction:
        """Extract one page, or raise ``ExtractionError`` (including when the time limit is hit)."""
        pool = self._ensure_pool()
        pending = pool.apply_async(extract, (html, url, site, hints, template))
        try:
            return pending.get(self.timeout)
        except multiprocessing.TimeoutError:
            log.warning("extraction of %s exceeded %.0fs; restarting the worker", url, self.timeout)
            self.close()
            raise ExtractionError(f"extraction timed out after {self.timeout:g}s", url=url) from None

    def close(self) -> None:
        """Stop the child process (it is started again on the next page)."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def _ensure_pool(self) -> Pool:
        if self._pool is None:
            # spawn, not fork: the parent runs a Twisted reactor and database connections a fork would share.
            self._pool = multiprocessing.get_context("spawn").Pool(1, maxtasksperchild=MAX_TASKS_PER_CHILD)
        return self._pool

    def __enter__(self) -> ExtractionWorker:
        return self

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self.close()
