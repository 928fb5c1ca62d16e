"""One fetched page into the archive: record the fetch, and, for an article, its document (deduplicated).

The page is prepared first (``pipeline.extraction.prepare``: decode, extract, fingerprint; in a worker process when crawling),
then ``store_page`` writes it inside the caller's transaction (one page = one transaction), so a failure anywhere
leaves nothing half-written and a retried write never extracts again. Page-level problems (HTTP errors, binary
bodies, extraction failures, non-article pages) are not exceptions for the caller: they are recorded on the page row
and reported in the ``IngestOutcome``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy.orm import Session

from pipeline.dedup import decide as dedup
from pipeline.dedup.clusters import NearDuplicateIndex
from pipeline.dedup.neardup import Fingerprint
from pipeline.document import Extraction
from pipeline.extraction.prepare import Extractor, PreparedPage, prepare_page
from pipeline.extraction.template import SiteTemplate
from pipeline.page import FetchedPage
from pipeline.sites import Site
from pipeline.text import content_hash
from pipeline.urls import canonicalize_url
from storage import repository
from storage.models import Document

__all__ = [
    "Extractor", "IngestOutcome", "enrich_date", "fetch_error", "ingest_page", "store_extraction", "store_page",
]  # fmt: skip


@dataclass(frozen=True)
class IngestOutcome:
    """What became of one page: ``new``, ``near_duplicate``, ``duplicate``, ``same_url``, ``not_article`` or ``error``.

    ``near_duplicate`` is a new document too, stored with ``duplicate_of`` set; ``duplicate`` and ``same_url`` add the
    page's URL to an existing document.
    """

    kind: str
    url: str
    document_id: int | None = None
    error: str | None = None


def _offset_minutes(moment: datetime | None) -> int | None:
    if moment is None or moment.utcoffset() is None:
        return None
    offset = moment.utcoffset()
    assert offset is not None
    return int(offset.total_seconds() // 60)


def store_extraction(
    session: Session,
    extraction: Extraction,
    *,
    site_id: int | None,
    canonical_urls: list[str],
    seen_at: datetime,
    origin: str,
    origin_ref: str,
    index: NearDuplicateIndex,
    digest: str = "",
    fp: Fingerprint | None = None,
) -> tuple[str, Document]:
    """Store an extraction as a new document or attach its URLs to the one it duplicates; returns (kind, document).

    Every way into the archive (crawled pages, seed files, re-extraction of new pages) comes through here, so every
    new document gets the same exact and near-duplicate checks and is indexed for the ones after it. ``digest`` and
    ``fp``, when a worker computed them already, are the text's content hash and fingerprint.
    """
    digest = digest or content_hash(extraction.text)
    decision = dedup.decide(session, canonical_urls, digest) if canonical_urls else dedup.New()
    if isinstance(decision, dedup.New):
        document = repository.add_document(
            session,
            site_id=site_id,
            origin=origin,
            origin_ref=origin_ref,
            title=extraction.title,
            text=extraction.text,
            published_at=extraction.published_at,
            published_utc_offset=_offset_minutes(extraction.published_at),
            published_precision=extraction.published_precision or None,
            date_source=extraction.date_source,
            authors=list(extraction.authors),
            attribution=extraction.attribution or None,
            lang=extraction.lang,
            content_hash=digest,
            first_seen_at=seen_at,
        )
        fp = fp if fp is not None else index.fingerprint(extraction.text)
        kind = "near_duplicate" if index.link(session, document, fp) is not None else "new"
        index.add(session, document.id, fp)
        if document.duplicate_of is not None:
            root = session.get(Document, document.duplicate_of)
            if root is not None and root.origin == "seed":
                enrich_date(root, extraction.published_at, extraction.published_precision, extraction.date_source)
        if origin == "seed":  # crawled copies archived before their seed lend it their time of day
            for member in repository.cluster_members(session, document.id):
                moment = _local(member.published_at, member.published_utc_offset)
                if enrich_date(document, moment, member.published_precision, member.date_source):
                    break
    else:
        found = session.get(Document, decision.document_id)
        assert found is not None
        document = found
        kind = "same_url" if isinstance(decision, dedup.SameUrl) else "duplicate"
        if kind == "duplicate" and document.origin == "seed":
            enrich_date(document, extraction.published_at, extraction.published_precision, extraction.date_source)
    if site_id is not None:
        for url in canonical_urls:
            repository.add_document_url(session, document, site_id, url, seen_at)
    return kind, document


def _local(moment: datetime | None, offset_minutes: int | None) -> datetime | None:
    """A stored instant back on the clock of the page that gave it."""
    if moment is None:
        return None
    return moment.astimezone(timezone(timedelta(minutes=offset_minutes or 0)))


def enrich_date(document: Document, published_at: datetime | None, precision: str | None, source: str) -> bool:
    """Give ``document`` the exact time a copy of it states, when it only knows the day (or no date); True if it did.

    A seed gives a day ("Ngày 21/5/2020"); a crawled copy of it often gives the minute. The copy's time is taken
    only when it falls on the document's day, so a republication days later never moves the original's date.
    ``published_at`` is the copy's date with the offset its page gave.
    """
    if published_at is None or precision in (None, "", "day"):
        return False
    if document.published_at is not None:
        if document.published_precision not in (None, "day"):
            return False
        local_day = (document.published_at.astimezone(UTC) + timedelta(minutes=document.published_utc_offset or 0)).date()
        if published_at.date() != local_day:  # an aware datetime's date() is the day on its own clock
            return False
    document.published_at = published_at
    document.published_utc_offset = _offset_minutes(published_at)
    document.published_precision = precision
    document.date_source = f"{document.date_source}+{source}"[:40] if document.date_source else source
    return True


def fetch_error(page: FetchedPage, max_bytes: int) -> str | None:
    """Why ``page`` cannot be extracted at all (the fetch failed, an HTTP error, too large), or None."""
    return page.error or _status_error(page.status) or _size_error(page.body, max_bytes)


def store_page(
    session: Session,
    page: FetchedPage,
    prepared: PreparedPage | None,
    *,
    site_id: int,
    run_id: int | None,
    index: NearDuplicateIndex,
    max_bytes: int,
) -> IngestOutcome:
    """Record ``page`` and, when ``prepared`` is an article, its document; the caller commits.

    ``prepared`` is None when ``fetch_error`` named a reason not to extract the page.
    """
    canonical = canonicalize_url(page.url)
    canonical_urls = list(dict.fromkeys([canonical, canonicalize_url(page.final_url)]))
    record: dict[str, Any] = {
        "run_id": run_id, "site_id": site_id, "kind": "article", "url": page.url, "canonical_url": canonical,
        "final_url": page.final_url, "status": page.status, "content_type": page.content_type,
        "fetched_at": page.fetched_at, "hints": {k: v for k, v in asdict(page.hints).items() if v},
    }  # fmt: skip
    error = fetch_error(page, max_bytes)
    if error or prepared is None:
        error = error or "not extracted"
        repository.add_page(session, **record, outcome="error", error=error)
        return IngestOutcome("error", page.url, error=error)
    # the raw page, compressed by the worker when one prepared it
    raw: dict[str, Any] = (
        {"raw_html": prepared.raw_html, "raw_size": len(page.body)} if prepared.raw_html is not None else {"body": page.body}
    )
    if prepared.outcome != "article" or prepared.extraction is None:
        repository.add_page(session, **record, **raw, outcome=prepared.outcome, error=prepared.error)
        return IngestOutcome(prepared.outcome, page.url, error=prepared.error)
    kind, document = store_extraction(
        session, prepared.extraction, site_id=site_id, canonical_urls=canonical_urls, seen_at=page.fetched_at,
        origin="crawl", origin_ref=canonical, index=index, digest=prepared.digest, fp=prepared.fingerprint,
    )  # fmt: skip
    repository.add_page(session, **record, **raw, outcome=kind, document_id=document.id)
    return IngestOutcome(kind, page.url, document_id=document.id)


def ingest_page(
    session: Session,
    page: FetchedPage,
    site: Site,
    *,
    site_id: int,
    run_id: int | None,
    extractor: Extractor,
    max_bytes: int,
    index: NearDuplicateIndex,
    template: SiteTemplate | None = None,
) -> IngestOutcome:
    """Prepare ``page`` in this process with ``extractor``, then ``store_page`` it; the caller commits."""
    prepared = None
    if fetch_error(page, max_bytes) is None:
        prepared = prepare_page(
            page.body, page.content_type, page.final_url, site, page.hints, template, index.params, extractor
        )
    return store_page(session, page, prepared, site_id=site_id, run_id=run_id, index=index, max_bytes=max_bytes)


def _status_error(status: int | None) -> str | None:
    if status is None or 200 <= status < 300:
        return None
    return f"HTTP {status}"


def _size_error(body: bytes, max_bytes: int) -> str | None:
    return f"page of {len(body)} bytes exceeds the {max_bytes}-byte limit" if len(body) > max_bytes else None
