"""The archive's tables: the public schema downstream tools read (documented in docs/schema.md).

Changing a table means a new Alembic migration under ``storage/migrations/versions``; the test suite runs
``alembic check`` so the models and the migrations cannot drift apart. Constraint names follow the naming
convention below so migrations can refer to them on every backend.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    delete,
    event,
    insert,
    inspect,
    update,
)
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, mapped_column

from storage.folding import fold_for_search

__all__ = [
    "Base",
    "CrawlRun",
    "Document",
    "DocumentSearch",
    "DocumentSignature",
    "DocumentUrl",
    "HttpValidator",
    "LshKey",
    "Page",
    "SiteLease",
    "SiteRecord",
    "SiteTemplateRecord",
    "UTCDateTime",
    "utcnow",
]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored in UTC on every backend and read back timezone-aware.

    SQLite has no timezone type: storing naive UTC there and attaching UTC on the way out keeps ordering and
    comparisons right; PostgreSQL gets ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a timezone first")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with the constraint naming convention and the project's column types."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[str]: JSON()}


class SiteRecord(Base):
    """A site that has documents or runs in the archive (declarations themselves live in site files)."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    base_url: Mapped[str] = mapped_column(String(2048))
    title: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CrawlRun(Base):
    """One crawl of one site, manual or scheduled, with what it did."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    trigger: Mapped[str] = mapped_column(String(20))  # manual | scheduled
    status: Mapped[str] = mapped_column(String(20), index=True)  # running | succeeded | failed | interrupted
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    pages_fetched: Mapped[int] = mapped_column(Integer, default=0)
    new_documents: Mapped[int] = mapped_column(Integer, default=0)  # near-duplicates included
    near_duplicates: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    skipped_known: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Document(Base):
    """An article: normalised text and metadata, from a seed file or a crawled page."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("origin", "origin_ref"),
        Index("ix_documents_content_hash", "content_hash"),
        Index("ix_documents_published_at", "published_at"),
        # search filters by site and date without reading the row (storage.search; schema 0005)
        Index("ix_documents_id_site_id_published_at", "id", "site_id", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    origin: Mapped[str] = mapped_column(String(10))  # seed | crawl
    origin_ref: Mapped[str] = mapped_column(String(2048))  # seed file stem, or the first canonical URL
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime | None]  # the instant, in UTC
    published_utc_offset: Mapped[int | None] = mapped_column(Integer)  # minutes east of UTC as the page gave it
    # "day" (only a day was given: published_at is local midnight, a stand-in), "minute" or "second"; null: no date
    published_precision: Mapped[str | None] = mapped_column(String(10))
    date_source: Mapped[str] = mapped_column(String(40), default="")
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    attribution: Mapped[str | None] = mapped_column(String(500))  # the outlet a republished article credits
    lang: Mapped[str] = mapped_column(String(16))
    content_hash: Mapped[str] = mapped_column(String(64))
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    duplicate_score: Mapped[float | None] = mapped_column(Float)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DocumentUrl(Base):
    """A canonical URL at which a document was seen; one URL belongs to exactly one document."""

    __tablename__ = "document_urls"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class Page(Base):
    """One fetch of one article URL: raw HTML kept (zlib-compressed) so documents can be re-extracted."""

    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="article")  # article | listing | feed | sitemap
    url: Mapped[str] = mapped_column(String(2048))
    canonical_url: Mapped[str] = mapped_column(String(2048), index=True)
    final_url: Mapped[str] = mapped_column(String(2048))
    status: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(200))
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    raw_html: Mapped[bytes | None] = mapped_column(LargeBinary)  # zlib-compressed response body
    raw_size: Mapped[int] = mapped_column(Integer, default=0)  # uncompressed length in bytes
    hints: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # date/title found on the listing or feed
    outcome: Mapped[str] = mapped_column(String(20))  # new | duplicate | same_url | not_article | error
    error: Mapped[str | None] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)


class DocumentSignature(Base):
    """A document's near-duplicate fingerprint: its MinHash signature, so the index never re-reads raw text."""

    __tablename__ = "document_signatures"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    scheme: Mapped[str] = mapped_column(String(80))  # shingle size, permutations, seed: signatures of one scheme compare
    layout: Mapped[str] = mapped_column(String(100))  # the scheme plus the LSH band layout the document's keys were cut with
    shingle_count: Mapped[int] = mapped_column(Integer)  # distinct shingles of the text
    minhash: Mapped[bytes] = mapped_column(LargeBinary)  # num_perm little-endian uint32 values
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LshKey(Base):
    """One LSH band key of one document: documents sharing a key are near-duplicate candidates."""

    __tablename__ = "lsh_keys"
    __table_args__ = (Index("ix_lsh_keys_document_id", "document_id"),)

    key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True, autoincrement=False)


class SiteLease(Base):
    """Who is crawling a site right now: one row per site while a crawl holds it, across processes and machines.

    A holder renews ``expires_at`` while it runs; a row past ``expires_at`` (or whose holder process is gone, on the
    holder's own host) is stale and may be taken over.
    """

    __tablename__ = "site_leases"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True, autoincrement=False)
    holder: Mapped[str] = mapped_column(String(200))  # "host:pid:token" of the process holding it
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
    renewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class HttpValidator(Base):
    """The validators (ETag, Last-Modified) a feed, sitemap or listing URL last answered with, for conditional requests."""

    __tablename__ = "http_validators"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)  # canonical URL
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))  # the header's text, sent back as If-Modified-Since
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)  # last fetch or 304


class SiteTemplateRecord(Base):
    """The blocks learned as one site's template (``pipeline.extraction.template``): recurring chrome taken out of its
    articles."""

    __tablename__ = "site_templates"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True, autoincrement=False)
    pages_sampled: Mapped[int] = mapped_column(Integer)  # article pages the blocks were learned from
    pages_archived: Mapped[int] = mapped_column(Integer)  # the site's archived article pages when it was learned
    blocks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    learned_at: Mapped[datetime] = mapped_column(default=utcnow)


class DocumentSearch(Base):
    """A document's title and text folded for search (``storage.folding``), kept in step with ``documents`` by the
    mapper events below. The full-text index over it is the migrations' (SQLite: the FTS5 table ``document_fts``
    and its triggers; PostgreSQL: the generated ``search_vector`` column and its GIN index); ``storage.search``
    queries it."""

    __tablename__ = "document_search"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)


def search_row(document: Document) -> dict[str, Any]:
    """The ``document_search`` row of ``document``."""
    return {"document_id": document.id, "title": fold_for_search(document.title), "body": fold_for_search(document.text)}


@event.listens_for(Document, "after_insert")
def _index_new_document(_mapper: Mapper[Document], connection: Connection, document: Document) -> None:
    connection.execute(insert(DocumentSearch).values(**search_row(document)))


@event.listens_for(Document, "after_update")
def _index_changed_document(_mapper: Mapper[Document], connection: Connection, document: Document) -> None:
    state = inspect(document)
    if not (state.attrs.title.history.has_changes() or state.attrs.text.history.has_changes()):
        return
    row = search_row(document)
    if connection.execute(update(DocumentSearch).where(DocumentSearch.document_id == document.id).values(**row)).rowcount == 0:
        connection.execute(insert(DocumentSearch).values(**row))


@event.listens_for(Document, "before_delete")
def _unindex_document(_mapper: Mapper[Document], connection: Connection, document: Document) -> None:
    connection.execute(delete(DocumentSearch).where(DocumentSearch.document_id == document.id))
