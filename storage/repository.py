"""Small query and insert functions over a caller's Session; none of them commits (the caller owns the transaction)."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import CrawlRun, Document, DocumentUrl, Page, SiteRecord, utcnow

__all__ = [
    "add_document",
    "add_document_url",
    "add_page",
    "compress_html",
    "decompress_html",
    "document_by_url",
    "documents_by_hash",
    "ensure_site",
    "finish_run",
    "known_urls",
    "seed_document",
    "site_names",
    "start_run",
    "urls_of",
]  # fmt: skip

# Large IN (...) lists are split so SQLite's variable limit is never reached.
_CHUNK = 500


def ensure_site(session: Session, name: str, base_url: str, title: str = "") -> SiteRecord:
    """The site's row, created on first use; base_url and title follow the current declaration."""
    record = session.scalar(select(SiteRecord).where(SiteRecord.name == name))
    if record is None:
        record = SiteRecord(name=name, base_url=base_url, title=title)
        session.add(record)
        session.flush()
    elif (record.base_url, record.title) != (base_url, title):
        record.base_url, record.title = base_url, title
    return record


def site_names(session: Session) -> dict[int, str]:
    """Site id → name for every site in the archive."""
    return {row.id: row.name for row in session.execute(select(SiteRecord.id, SiteRecord.name))}


def known_urls(session: Session, canonical_urls: Iterable[str]) -> set[str]:
    """Those of the given canonical URLs that already belong to a document."""
    wanted = list(dict.fromkeys(canonical_urls))
    found: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found.update(session.scalars(select(DocumentUrl.url).where(DocumentUrl.url.in_(chunk))))
    return found


def document_by_url(session: Session, canonical_urls: Sequence[str]) -> Document | None:
    """The document that owns any of these canonical URLs."""
    return session.scalar(
        select(Document)
        .join(DocumentUrl, DocumentUrl.document_id == Document.id)
        .where(DocumentUrl.url.in_(canonical_urls))
        .limit(1)
    )


def documents_by_hash(session: Session, content_hash: str) -> list[Document]:
    """Documents with this exact content hash, seeds first, then oldest first."""
    rows = session.scalars(select(Document).where(Document.content_hash == content_hash).order_by(Document.id))
    return sorted(rows, key=lambda doc: (doc.origin != "seed", doc.id))


def seed_document(session: Session, ref: str) -> Document | None:
    """The seed document imported from the file named ``ref``."""
    return session.scalar(select(Document).where(Document.origin == "seed", Document.origin_ref == ref))


def add_document(session: Session, **fields: Any) -> Document:
    """Insert a document and return it with its id."""
    document = Document(**fields)
    session.add(document)
    session.flush()
    return document


def add_document_url(session: Session, document: Document, site_id: int, canonical_url: str, seen_at: datetime) -> DocumentUrl:
    """Attach a canonical URL to a document, or refresh ``last_seen_at`` when it is attached already."""
    existing = session.scalar(select(DocumentUrl).where(DocumentUrl.url == canonical_url))
    if existing is not None:
        existing.last_seen_at = max(existing.last_seen_at, seen_at)
        return existing
    row = DocumentUrl(document_id=document.id, site_id=site_id, url=canonical_url, first_seen_at=seen_at, last_seen_at=seen_at)
    session.add(row)
    session.flush()
    return row


def urls_of(session: Session, document_ids: Sequence[int]) -> dict[int, list[str]]:
    """Document id → its canonical URLs, oldest first."""
    result: dict[int, list[str]] = {doc_id: [] for doc_id in document_ids}
    for start in range(0, len(document_ids), _CHUNK):
        chunk = document_ids[start : start + _CHUNK]
        rows = session.execute(
            select(DocumentUrl.document_id, DocumentUrl.url).where(DocumentUrl.document_id.in_(chunk)).order_by(DocumentUrl.id)
        )
        for doc_id, url in rows:
            result[doc_id].append(url)
    return result


def compress_html(body: bytes) -> bytes:
    """Raw bytes as stored in ``pages.raw_html`` (zlib)."""
    return zlib.compress(body, level=6)


def decompress_html(stored: bytes) -> bytes:
    """The raw bytes back from ``pages.raw_html``."""
    return zlib.decompress(stored)


def add_page(session: Session, **fields: Any) -> Page:
    """Record one fetch (raw bytes given as ``body`` are compressed here)."""
    body: bytes | None = fields.pop("body", None)
    if body is not None:
        fields["raw_html"] = compress_html(body)
        fields["raw_size"] = len(body)
    page = Page(**fields)
    session.add(page)
    session.flush()
    return page


def start_run(session: Session, site_id: int, trigger: str, options: dict[str, Any]) -> CrawlRun:
    """Open a crawl run in status ``running``."""
    run = CrawlRun(site_id=site_id, trigger=trigger, status="running", started_at=utcnow(), options=options)
    session.add(run)
    session.flush()
    return run


def finish_run(session: Session, run_id: int, **fields: Any) -> None:
    """Close a run with its final status and counts."""
    session.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(finished_at=utcnow(), **fields))
