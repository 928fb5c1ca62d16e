"""The archive as one crawl run sees it: known-URL checks, per-page ingestion, error records, the run's counts.

The crawler talks to the database only through this class. Each page is its own transaction; a database that is
busy (another process holds SQLite's write lock past the busy timeout) is retried with backoff, and a page that
still cannot be written is counted as an error without touching anything already stored.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from pipeline.archive.ingest import IngestOutcome, fetch_error, store_page
from pipeline.archive.site_templates import (
    load_site_template,
    save_site_template,
    template_due,
    template_from_pages,
    template_sample,
)
from pipeline.config import Settings
from pipeline.dedup.clusters import NearDuplicateIndex
from pipeline.extraction.prepare import PreparedPage, prepare_page
from pipeline.extraction.template import SiteTemplate
from pipeline.extraction.worker import ExtractionPool
from pipeline.page import FetchedPage
from pipeline.sites import Site
from pipeline.urls import canonicalize_url
from storage import repository
from storage.db import database_error
from storage.errors import DatabaseUnavailable
from storage.models import CrawlRun, utcnow

__all__ = ["Archive", "RunSummary", "open_run"]

log = logging.getLogger(__name__)
WRITE_ATTEMPTS = 4
T = TypeVar("T")
RUN_STATUSES = ("running", "succeeded", "failed", "interrupted")
# The steps a page's time is counted in (``Archive.timings``).
_STEPS = ("compress", "decode", "extract", "fingerprint", "store")
# Column sizes of http_validators (storage.models.HttpValidator).
VALIDATOR_MAX = {"etag": 500, "last_modified": 100}
_COUNTER_OF_OUTCOME = {
    "new": "new",
    "near_duplicate": "near_duplicates",
    "duplicate": "duplicates",
    "same_url": "refetched",
    "not_article": "not_article",
    "error": "errors",
}


@dataclass(frozen=True)
class RunSummary:
    """A finished (or running) crawl run as reported to the operator."""

    run_id: int
    site: str
    status: str
    pages_fetched: int
    new_documents: int  # documents created, near-duplicates included
    near_duplicates: int  # of those, linked to an earlier document of the same story
    duplicates: int
    errors: int
    skipped_known: int
    started_at: datetime
    finished_at: datetime | None
    error: str | None


def _fits(value: str | None, limit: int) -> str | None:
    """A header value that fits its column; a longer one is dropped (cut short, it would never match again)."""
    return value if value is not None and len(value) <= limit else None


def open_run(
    session_factory: sessionmaker[Session], site: Site, *, trigger: str, refresh: bool = False,
    settings: Settings | None = None, pool: ExtractionPool | None = None, site_id: int | None = None,
) -> Archive:  # fmt: skip
    """Register the site (unless the caller did: ``site_id``), open a ``running`` crawl run and return the run's
    archive handle.

    ``pool`` is the crawl's pool of extraction workers, shared by the sites crawled together; without one the run
    starts (and stops) its own.
    """
    if trigger not in ("manual", "scheduled"):
        raise ValueError(f"trigger must be 'manual' or 'scheduled', not {trigger!r}")
    settings = settings or Settings()
    with session_factory.begin() as session:
        if site_id is None:
            site_id = repository.ensure_site(session, site.name, site.base_url, site.title).id
        run = repository.start_run(session, site_id, trigger, {"refresh": refresh, "base_url": site.base_url})
        run_id, started_at = run.id, run.started_at
    return Archive(
        session_factory, site, site_id=site_id, run_id=run_id, started_at=started_at, refresh=refresh, settings=settings,
        pool=pool,
    )  # fmt: skip


class Archive:
    """One crawl run's handle on the archive."""

    def __init__(
        self, session_factory: sessionmaker[Session], site: Site, *, site_id: int, run_id: int, started_at: datetime,
        refresh: bool, settings: Settings, pool: ExtractionPool | None = None,
    ) -> None:  # fmt: skip
        self.site, self.site_id, self.run_id, self.refresh = site, site_id, run_id, refresh
        self.started_at = started_at
        self._sessions = session_factory
        self._settings = settings
        self._own_pool = pool is None
        self._pool = pool or ExtractionPool(settings.extract_timeout, settings.extract_workers)
        self._timings: dict[str, float] = dict.fromkeys(_STEPS, 0.0)
        self._index = NearDuplicateIndex(settings.near_dup_params)
        # A template being learned in a worker: (its future, the article count it is learned at).
        self._learning: tuple[Future[SiteTemplate], int] | None = None
        with session_factory() as session:
            self._template, self._template_learned_at = load_site_template(session, site_id)
            self._articles_archived = repository.article_page_count(session, site_id)
        self._counts: Counter[str] = Counter()
        # Canonical URL → (ETag, Last-Modified, canonical article URLs found there): written by finish() on success.
        self._pending_validators: dict[str, tuple[str | None, str | None, frozenset[str]]] = {}

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """The given URLs (as given) whose canonical form already belongs to a document."""
        by_canonical: dict[str, list[str]] = {}
        for url in urls:
            by_canonical.setdefault(canonicalize_url(url), []).append(url)
        known = self._read(lambda session: repository.known_urls(session, by_canonical))
        return {url for canonical in known for url in by_canonical[canonical]}

    def ingest(self, page: FetchedPage) -> IngestOutcome:
        """Prepare and store one article page (or its failure), waiting for the worker; never raises for problems of
        the page itself."""
        return self.store(page, self.prepare(page).result())

    def prepare(self, page: FetchedPage) -> Future[PreparedPage | None]:
        """Start preparing ``page`` (decode, extract, fingerprint) in a worker process; the future's result goes to
        ``store``. It never fails: a page past the time limit, or one the worker crashed on, is an ``error``; a page
        that cannot be extracted at all (failed fetch, HTTP error, too large) resolves at once to None."""
        done: Future[PreparedPage | None] = Future()
        if fetch_error(page, self._settings.max_page_bytes) is not None:
            done.set_result(None)
            return done
        args = (page.body, page.content_type, page.final_url, self.site, page.hints, self._template, self._index.params)
        working = self._pool.submit(prepare_page, *args, label=page.url)

        def settle(finished: Future[PreparedPage]) -> None:
            try:
                done.set_result(finished.result())
            except Exception as exc:  # a time limit (ExtractionError), a worker that died, a cancelled task
                log.warning("page %s: %s", page.url, exc, extra=self._extra)
                done.set_result(PreparedPage("error", error=f"{type(exc).__name__}: {exc}"))

        working.add_done_callback(settle)
        return done

    def store(self, page: FetchedPage, prepared: PreparedPage | None) -> IngestOutcome:
        """Write a prepared page in its own transaction (retrying only the write), count it and log it."""
        self._adopt_template()
        started = time.perf_counter()
        outcome = self._write(
            lambda session: store_page(
                session, page, prepared, site_id=self.site_id, run_id=self.run_id, index=self._index,
                max_bytes=self._settings.max_page_bytes,
            ),
            page.url,
        )  # fmt: skip
        for step, seconds in (prepared.timings if prepared is not None else {}).items():
            self._timings[step] = self._timings.get(step, 0.0) + seconds
        self._timings["store"] += time.perf_counter() - started
        self._counts["pages"] += 1
        if outcome.document_id is not None:
            self._articles_archived += 1
            if template_due(self._articles_archived, self._template_learned_at):
                self._learn_template()
        self._counts[_COUNTER_OF_OUTCOME[outcome.kind]] += 1
        if outcome.kind == "near_duplicate":
            self._counts["new"] += 1
        if outcome.kind == "error":
            log.warning("page %s: %s", page.url, outcome.error, extra=self._extra)
        else:
            log.info("page %s: %s (document %s)", page.url, outcome.kind, outcome.document_id, extra=self._extra)
        return outcome

    def _learn_template(self) -> None:
        """Start learning the site's template from its archived pages in a worker; later pages of this run are
        extracted with it once it is ready (``_adopt_template``), and the crawl goes on meanwhile."""
        self._template_learned_at = self._articles_archived  # also after a failure: tried again when next due
        if self._learning is not None:
            return  # the one being learned will do
        try:
            pages_archived, sample = self._read(lambda session: template_sample(session, self.site_id))
        except (DatabaseUnavailable, SQLAlchemyError) as exc:
            log.warning("could not read pages to learn the site template: %s", exc, extra=self._extra)
            return
        future = self._pool.submit(template_from_pages, sample, label=f"the template of {self.site.name}")
        self._learning = (future, pages_archived)

    def _adopt_template(self, *, wait: bool = False) -> None:
        """Store and use a template learned in a worker, once it is ready (``wait``: wait for it, at the run's end)."""
        if self._learning is None or not (wait or self._learning[0].done()):
            return
        (future, pages_archived), self._learning = self._learning, None
        try:
            template = future.result()
        except Exception as exc:  # a time limit, a worker that died: keep the old template
            log.warning("could not learn the site template: %s", exc, extra=self._extra)
            return
        try:
            with self._sessions.begin() as session:
                save_site_template(session, self.site_id, template, pages_archived)
        except SQLAlchemyError as exc:  # a busy database: keep the old template
            log.warning("could not store the site template: %s", exc, extra=self._extra)
            return
        self._template = template
        log.info("template of %s learned: %d blocks", self.site.name, len(template.blocks), extra=self._extra)

    @property
    def _extra(self) -> dict[str, object]:
        return {"site": self.site.name, "run_id": self.run_id}

    def record_error(self, url: str, message: str, *, status: int | None = None, kind: str = "listing") -> None:
        """Record a failed listing, feed or sitemap fetch against the run."""
        self._counts["errors"] += 1
        log.warning("%s %s: %s", kind, url, message, extra=self._extra)
        self._write(
            lambda session: repository.add_page(
                session, run_id=self.run_id, site_id=self.site_id, kind=kind, url=url, canonical_url=canonicalize_url(url),
                final_url=url, status=status, fetched_at=utcnow(), outcome="error", error=message,
            ),
            url,
        )  # fmt: skip

    def note_skipped(self, n: int = 1) -> None:
        """Count article URLs not fetched because the archive already has them."""
        self._counts["skipped"] += n

    def validators(self, url: str) -> tuple[str | None, str | None] | None:
        """The (ETag, Last-Modified) a successful earlier run stored for ``url``'s canonical form, or None."""
        return self._read(lambda session: repository.validators_for(session, canonicalize_url(url)))

    def remember_validators(self, url: str, etag: str | None, last_modified: str | None, *, links: Iterable[str] = ()) -> None:
        """Keep ``url``'s validators until the run ends; ``links`` are the new article URLs found on that response.

        Nothing is written now: ``finish`` stores them only for a ``succeeded`` run, and only when every one of
        ``links`` is in the archive or was recorded by this run. A crawl killed before then leaves the old validators,
        so the next crawl fetches the page in full and finds the articles this one never got to.
        """
        canonical_links = frozenset(canonicalize_url(link) for link in links)
        self._pending_validators[canonicalize_url(url)] = (etag, last_modified, canonical_links)

    def save_validators(self) -> int:
        """Write the remembered validators whose article links were all dealt with; returns how many were written.

        A failure to write is logged, never raised: the run's own result matters more than a cheaper next crawl.
        """
        pending, self._pending_validators = self._pending_validators, {}
        if not pending:
            return 0
        links = {link for _etag, _modified, found in pending.values() for link in found}
        try:
            with self._sessions.begin() as session:
                settled = repository.known_urls(session, links) | repository.recorded_urls(session, self.run_id, links)
                saved = 0
                for url, (etag, last_modified, found) in pending.items():
                    missing = found - settled
                    if missing:
                        log.info("%s: %d article(s) not stored by this run, validators not saved (e.g. %s)",
                                 url, len(missing), min(missing), extra=self._extra)  # fmt: skip
                        continue
                    repository.save_validators(
                        session, self.site_id, url, _fits(etag, VALIDATOR_MAX["etag"]),
                        _fits(last_modified, VALIDATOR_MAX["last_modified"]), utcnow(),
                    )  # fmt: skip
                    saved += 1
        except SQLAlchemyError as exc:
            log.warning("could not save HTTP validators: %s", exc, extra=self._extra)
            return 0
        log.info("HTTP validators saved for %d of %d feed, sitemap and listing URLs", saved, len(pending), extra=self._extra)
        return saved

    def counts(self) -> dict[str, int]:
        """Counts so far: pages, new (near-duplicates included), near_duplicates, duplicates, refetched, not_article,
        errors, skipped."""
        keys = ("pages", "new", "near_duplicates", "duplicates", "refetched", "not_article", "errors", "skipped")
        return {key: self._counts[key] for key in keys}

    def finish(self, status: str, *, pages_fetched: int, error: str | None = None) -> RunSummary:
        """Close the run with its final status and counts, and stop the extraction worker."""
        if status not in RUN_STATUSES[1:]:
            raise ValueError(f"unknown final status {status!r}")
        self._adopt_template(wait=status == "succeeded")
        if self._own_pool:
            self._pool.close()
        self._log_timings()
        if status == "succeeded":
            self.save_validators()
        fields = {
            "status": status, "pages_fetched": pages_fetched, "new_documents": self._counts["new"],
            "near_duplicates": self._counts["near_duplicates"], "duplicates": self._counts["duplicates"],
            "errors": self._counts["errors"],
            "skipped_known": self._counts["skipped"], "error": error,
        }  # fmt: skip
        with self._sessions.begin() as session:
            repository.finish_run(session, self.run_id, **fields)
            run = session.get(CrawlRun, self.run_id)
            assert run is not None
            finished_at = run.finished_at
        return RunSummary(
            run_id=self.run_id, site=self.site.name, status=status, pages_fetched=pages_fetched,
            new_documents=self._counts["new"], near_duplicates=self._counts["near_duplicates"],
            duplicates=self._counts["duplicates"], errors=self._counts["errors"],
            skipped_known=self._counts["skipped"], started_at=self.started_at, finished_at=finished_at, error=error,
        )  # fmt: skip

    def timings(self) -> dict[str, float]:
        """Seconds spent so far, summed over the run's pages, per step: compress, decode, extract, fingerprint (in
        the worker processes) and store (the database write, in the crawl's process)."""
        return {step: round(self._timings[step], 3) for step in _STEPS}

    def _log_timings(self) -> None:
        pages = self._counts["pages"]
        if pages:
            per_page = ", ".join(f"{step} {seconds * 1000 / pages:.1f} ms" for step, seconds in self.timings().items())
            log.info("time per page over %d pages: %s", pages, per_page, extra=self._extra)

    def _read(self, query: Callable[[Session], T]) -> T:
        """Run a read, retrying a dropped connection or a busy database as writes are retried; a database still
        unavailable after that stops the crawl with ``DatabaseUnavailable`` (one line, exit 69)."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self._sessions() as session:
                    return query(session)
            except OperationalError as exc:
                if attempt == WRITE_ATTEMPTS:
                    raise database_error(exc) or exc from exc
                log.warning("database read failed (%s), retrying", exc.orig, extra=self._extra)
                time.sleep(0.5 * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    def _write(self, work: Callable[[Session], object], url: str) -> IngestOutcome:
        """Run ``work`` in its own transaction, retrying a busy database; a page that cannot be written is an error."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self._sessions.begin() as session:
                    result = work(session)
                return result if isinstance(result, IngestOutcome) else IngestOutcome("recorded", url)
            except (OperationalError, IntegrityError) as exc:
                # IntegrityError: another process stored the same URL a moment ago; a retry sees it as same_url.
                if attempt == WRITE_ATTEMPTS:
                    log.error("could not write %s: %s", url, exc, extra=self._extra)
                    return IngestOutcome("error", url, error=f"database write failed: {exc.orig}")
                time.sleep(0.5 * 2 ** (attempt - 1))
        raise AssertionError("unreachable")
