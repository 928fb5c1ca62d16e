"""Small query and insert functions over a caller's Session; none of them commits (the caller owns the transaction)."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from storage.models import (
    CrawlRun,
    Document,
    DocumentSignature,
    DocumentUrl,
    HttpValidator,
    LshKey,
    Page,
    SiteRecord,
    SiteTemplateRecord,
    utcnow,
)

__all__ = [
    "add_document",
    "add_document_url",
    "add_page",
    "article_page_count",
    "article_pages_sample",
    "cluster_members",
    "compress_html",
    "decompress_html",
    "document_by_url",
    "documents_by_hash",
    "documents_sharing_keys",
    "ensure_site",
    "finish_run",
    "known_urls",
    "recorded_urls",
    "save_signature",
    "save_template",
    "save_validators",
    "seed_document",
    "signatures_of",
    "site_names",
    "start_run",
    "template_of",
    "urls_of",
    "validators_for",
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


def save_signature(
    session: Session, document_id: int, *, scheme: str, layout: str, shingle_count: int, minhash: bytes, keys: Iterable[int]
) -> None:
    """Store (or replace) a document's near-duplicate signature and its LSH band keys."""
    session.execute(delete(LshKey).where(LshKey.document_id == document_id))
    existing = session.get(DocumentSignature, document_id)
    if existing is None:
        session.add(DocumentSignature(
            document_id=document_id, scheme=scheme, layout=layout, shingle_count=shingle_count, minhash=minhash
        ))  # fmt: skip
    else:
        existing.scheme, existing.layout, existing.shingle_count, existing.minhash = scheme, layout, shingle_count, minhash
        existing.created_at = utcnow()
    session.flush()
    rows = [{"key": key, "document_id": document_id} for key in dict.fromkeys(keys)]
    if rows:  # one multi-row INSERT, without an ORM object per key (a document has dozens)
        session.execute(insert(LshKey), rows)


def documents_sharing_keys(session: Session, keys: Sequence[int], exclude: int | None = None) -> list[int]:
    """Ids of the documents that share at least one LSH key with ``keys`` (candidates), except ``exclude``."""
    found: set[int] = set()
    for start in range(0, len(keys), _CHUNK):
        query = select(LshKey.document_id).where(LshKey.key.in_(keys[start : start + _CHUNK])).distinct()
        found.update(session.scalars(query))
    if exclude is not None:
        found.discard(exclude)
    return sorted(found)


def signatures_of(session: Session, document_ids: Sequence[int]) -> dict[int, DocumentSignature]:
    """Document id → its stored signature, for those that have one."""
    result: dict[int, DocumentSignature] = {}
    for start in range(0, len(document_ids), _CHUNK):
        chunk = document_ids[start : start + _CHUNK]
        result.update((sig.document_id, sig) for sig in session.scalars(select(DocumentSignature).where(
            DocumentSignature.document_id.in_(chunk)
        )))  # fmt: skip
    return result


def cluster_members(session: Session, root_id: int) -> list[Document]:
    """The documents marked ``duplicate_of`` this root, oldest first."""
    return list(session.scalars(select(Document).where(Document.duplicate_of == root_id).order_by(Document.id)))


def validators_for(session: Session, canonical_url: str) -> tuple[str | None, str | None] | None:
    """The (ETag, Last-Modified) stored for a canonical feed, sitemap or listing URL, or None."""
    row = session.execute(
        select(HttpValidator.etag, HttpValidator.last_modified).where(HttpValidator.url == canonical_url)
    ).first()
    return None if row is None else (row.etag, row.last_modified)


def save_validators(
    session: Session, site_id: int, canonical_url: str, etag: str | None, last_modified: str | None, checked_at: datetime
) -> None:
    """Store (or replace) a URL's validators; a URL that answered with neither loses the ones stored before."""
    existing = session.scalar(select(HttpValidator).where(HttpValidator.url == canonical_url))
    if etag is None and last_modified is None:
        if existing is not None:
            session.delete(existing)
            session.flush()
        return
    if existing is None:
        session.add(HttpValidator(
            site_id=site_id, url=canonical_url, etag=etag, last_modified=last_modified, checked_at=checked_at
        ))  # fmt: skip
    else:
        existing.site_id, existing.etag, existing.last_modified, existing.checked_at = site_id, etag, last_modified, checked_at
    session.flush()


def recorded_urls(session: Session, run_id: int, canonical_urls: Iterable[str]) -> set[str]:
    """Those of the given canonical URLs that have a page row (any outcome) in this run."""
    wanted = list(dict.fromkeys(canonical_urls))
    found: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found.update(session.scalars(select(Page.canonical_url).where(Page.run_id == run_id, Page.canonical_url.in_(chunk))))
    return found


# Page outcomes that archived an article (its raw HTML is an article page of the site).
_ARTICLE_OUTCOMES = ("new", "near_duplicate", "duplicate", "same_url")


def article_page_count(session: Session, site_id: int) -> int:
    """How many article pages of the site the archive holds (any fetch that produced or matched a document)."""
    query = select(func.count(Page.id)).where(
        Page.site_id == site_id, Page.kind == "article", Page.outcome.in_(_ARTICLE_OUTCOMES)
    )
    return int(session.scalar(query) or 0)


def article_pages_sample(session: Session, site_id: int, limit: int) -> list[tuple[bytes, str | None]]:
    """Raw bytes and content type of the site's newest archived article pages, one per URL, newest first."""
    newest = (
        select(func.max(Page.id))
        .where(Page.site_id == site_id, Page.kind == "article", Page.outcome.in_(_ARTICLE_OUTCOMES), Page.raw_html.is_not(None))
        .group_by(Page.canonical_url)
        .order_by(func.max(Page.id).desc())
        .limit(limit)
    )
    rows = session.execute(select(Page.raw_html, Page.content_type).where(Page.id.in_(newest)).order_by(Page.id.desc()))
    return [(decompress_html(raw), content_type) for raw, content_type in rows if raw is not None]


def template_of(session: Session, site_id: int) -> SiteTemplateRecord | None:
    """The template learned for a site, if any."""
    return session.get(SiteTemplateRecord, site_id)


def save_template(
    session: Session, site_id: int, *, blocks: list[dict[str, Any]], pages_sampled: int, pages_archived: int
) -> SiteTemplateRecord:
    """Store (or replace) the template learned for a site."""
    record = session.get(SiteTemplateRecord, site_id)
    if record is None:
        record = SiteTemplateRecord(site_id=site_id)
        session.add(record)
    record.blocks, record.pages_sampled, record.pages_archived, record.learned_at = (
        blocks,
        pages_sampled,
        pages_archived,
        utcnow(),
    )
    session.flush()
    return record
