"""One fetched page into the archive: record the fetch, extract, normalise, deduplicate, store.

``ingest_page`` runs inside the caller's transaction (one page = one transaction), so a failure anywhere leaves
nothing half-written. Page-level problems (HTTP errors, binary bodies, extraction failures, non-article pages) are
not exceptions for the caller: they are recorded on the page row and reported in the ``IngestOutcome``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from pipeline import dedup
from pipeline.clusters import NearDuplicateIndex
from pipeline.decode import decode_html
from pipeline.document import Extraction, PageHints
from pipeline.errors import NotArticleError, PageError
from pipeline.page import FetchedPage
from pipeline.sites import Site
from pipeline.text import content_hash
from pipeline.urls import canonicalize_url
from storage import repository
from storage.models import Document

__all__ = ["Extractor", "IngestOutcome", "ingest_page", "store_extraction"]

Extractor = Callable[[str, str, Site, PageHints | None], Extraction]


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
) -> tuple[str, Document]:
    """Store an extraction as a new document or attach its URLs to the one it duplicates; returns (kind, document).

    Every way into the archive (crawled pages, seed files, re-extraction of new pages) comes through here, so every
    new document gets the same exact and near-duplicate checks and is indexed for the ones after it.
    """
    digest = content_hash(extraction.text)
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
            date_source=extraction.date_source,
            authors=list(extraction.authors),
            lang=extraction.lang,
            content_hash=digest,
            first_seen_at=seen_at,
        )
        fp = index.fingerprint(extraction.text)
        kind = "near_duplicate" if index.link(session, document, fp) is not None else "new"
        index.add(session, document.id, fp)
    else:
        found = session.get(Document, decision.document_id)
        assert found is not None
        document = found
        kind = "same_url" if isinstance(decision, dedup.SameUrl) else "duplicate"
    if site_id is not None:
        for url in canonical_urls:
            repository.add_document_url(session, document, site_id, url, seen_at)
    return kind, document


def ingest_page(
    session: Session, page: FetchedPage, site: Site, *, site_id: int, run_id: int | None, extractor: Extractor, max_bytes: int,
    index: NearDuplicateIndex,
) -> IngestOutcome:
    """Record ``page`` and, when it is an article, its document; the caller commits."""
    canonical = canonicalize_url(page.url)
    canonical_urls = list(dict.fromkeys([canonical, canonicalize_url(page.final_url)]))
    record = {
        "run_id": run_id, "site_id": site_id, "kind": "article", "url": page.url, "canonical_url": canonical,
        "final_url": page.final_url, "status": page.status, "content_type": page.content_type,
        "fetched_at": page.fetched_at, "hints": {k: v for k, v in asdict(page.hints).items() if v},
    }  # fmt: skip
    error = page.error or _status_error(page.status) or _size_error(page.body, max_bytes)
    if error:
        repository.add_page(session, **record, outcome="error", error=error)
        return IngestOutcome("error", page.url, error=error)
    try:
        html = decode_html(page.body, page.content_type)
        extraction = extractor(html, page.final_url, site, page.hints)
    except NotArticleError as exc:
        repository.add_page(session, **record, body=page.body, outcome="not_article", error=str(exc))
        return IngestOutcome("not_article", page.url, error=str(exc))
    except PageError as exc:
        message = f"{type(exc).__name__}: {exc}"
        repository.add_page(session, **record, body=page.body, outcome="error", error=message)
        return IngestOutcome("error", page.url, error=message)
    kind, document = store_extraction(
        session, extraction, site_id=site_id, canonical_urls=canonical_urls, seen_at=page.fetched_at,
        origin="crawl", origin_ref=canonical, index=index,
    )  # fmt: skip
    repository.add_page(session, **record, body=page.body, outcome=kind, document_id=document.id)
    return IngestOutcome(kind, page.url, document_id=document.id)


def _status_error(status: int | None) -> str | None:
    if status is None or 200 <= status < 300:
        return None
    return f"HTTP {status}"


def _size_error(body: bytes, max_bytes: int) -> str | None:
    return f"page of {len(body)} bytes exceeds the {max_bytes}-byte limit" if len(body) > max_bytes else None
