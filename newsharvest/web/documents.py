"""Documents as the API and the page show them, read from the stable views ``v_articles`` and ``v_sightings``.

Lists are paged by keyset, newest publication first: the order is ``published_at DESC`` (undated documents last),
then ``document_id DESC``, and the cursor is the last item's (published_at, id), so a page never skips or repeats a
document when documents are added meanwhile. The cursor is opaque to clients (URL-safe base64 of that pair).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Float, Integer, MetaData, String, Table, Text, and_, or_, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from storage.models import UTCDateTime
from storage.times import local_iso

__all__ = ["DocumentCursor", "DocumentFilter", "document_detail", "list_documents"]

_META = MetaData()
V_ARTICLES = Table(
    "v_articles", _META,
    Column("document_id", Integer), Column("site", String), Column("origin", String), Column("origin_ref", String),
    Column("url", String), Column("title", Text), Column("text", Text), Column("published_at", UTCDateTime()),
    Column("published_utc_offset", Integer), Column("published_precision", String), Column("authors", JSON),
    Column("attribution", String), Column("lang", String), Column("cluster_id", Integer), Column("is_cluster_root", Integer),
    Column("duplicate_score", Float), Column("cluster_size", Integer), Column("first_seen_at", UTCDateTime()),
)  # fmt: skip
V_SIGHTINGS = Table(
    "v_sightings", _META,
    Column("document_id", Integer), Column("url", String), Column("site", String), Column("first_seen_at", UTCDateTime()),
    Column("last_seen_at", UTCDateTime()), Column("cluster_id", Integer),
)  # fmt: skip


class CursorError(ValueError):
    """A cursor that this server did not hand out."""


@dataclass(frozen=True)
class DocumentCursor:
    """Where a page of documents ends: the last item's publication time (None: undated) and id."""

    published_at: datetime | None
    document_id: int

    def encode(self) -> str:
        """The cursor as an opaque URL-safe string."""
        when = self.published_at.astimezone(UTC).isoformat() if self.published_at else ""
        return base64.urlsafe_b64encode(f"{when}|{self.document_id}".encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> DocumentCursor:
        """Read a cursor given by ``encode``; raises ``CursorError`` for anything else."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            when, sep, doc_id = raw.partition("|")
            if not sep or not doc_id.isdigit() or len(doc_id) > 18:
                raise ValueError(raw)
            published = datetime.fromisoformat(when) if when else None
            if published is not None and published.tzinfo is None:
                raise ValueError(raw)
        except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
            raise CursorError(f"not a cursor this server gave: {text!r}") from exc
        return cls(published, int(doc_id))


@dataclass(frozen=True)
class DocumentFilter:
    """Which documents a list shows: a site ("seed" for seeds), a publication window, near-duplicates or not."""

    site: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    include_near_duplicates: bool = False
    # Only these documents (a query's matches: (document id, cluster id) pairs); None: no such restriction. Without
    # near-duplicates, a story is listed (by its root) when any of its documents matched.
    matches: tuple[tuple[int, int], ...] | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """SQL conditions on ``v_articles``."""
        v = V_ARTICLES.c
        found: list[ColumnElement[bool]] = []
        if self.site is not None:
            found.append(v.site == self.site)
        if self.since is not None:
            found.append(v.published_at >= self.since)
        if self.until is not None:
            found.append(v.published_at < self.until)
        if not self.include_near_duplicates:
            found.append(v.is_cluster_root == 1)
        if self.matches is not None:
            if self.include_near_duplicates:
                found.append(v.document_id.in_({doc_id for doc_id, _ in self.matches}))
            else:
                found.append(v.cluster_id.in_({cluster for _, cluster in self.matches}))
        return found


def _after(cursor: DocumentCursor) -> ColumnElement[bool]:
    """Rows that come after ``cursor`` in (published_at DESC NULLS LAST, document_id DESC) order."""
    v = V_ARTICLES.c
    if cursor.published_at is None:
        return and_(v.published_at.is_(None), v.document_id < cursor.document_id)
    return or_(
        v.published_at < cursor.published_at,
        and_(v.published_at == cursor.published_at, v.document_id < cursor.document_id),
        v.published_at.is_(None),
    )


def _item(row: RowMapping) -> dict[str, Any]:
    root = bool(row["is_cluster_root"])
    return {
        "id": row["document_id"], "site": row["site"], "origin": row["origin"], "url": row["url"], "title": row["title"],
        "published_at": local_iso(row["published_at"], row["published_utc_offset"], row["published_precision"]),
        "published_precision": row["published_precision"], "authors": list(row["authors"] or []),
        "attribution": row["attribution"], "lang": row["lang"], "cluster_id": row["cluster_id"],
        "duplicate_of": None if root else row["cluster_id"], "duplicate_score": row["duplicate_score"],
        "cluster_size": row["cluster_size"], "first_seen_at": row["first_seen_at"],
    }  # fmt: skip


def list_documents(
    session: Session, where: DocumentFilter, *, cursor: DocumentCursor | None = None, limit: int = 20
) -> tuple[list[dict[str, Any]], DocumentCursor | None]:
    """A page of documents and the cursor of the next page (None on the last)."""
    v = V_ARTICLES.c
    columns = [c for c in V_ARTICLES.c if c.name != "text"]
    query = select(*columns).where(*where.conditions())
    if cursor is not None:
        query = query.where(_after(cursor))
    query = query.order_by(v.published_at.desc().nulls_last(), v.document_id.desc()).limit(limit + 1)
    rows = list(session.execute(query).mappings())
    more = len(rows) > limit
    rows = rows[:limit]
    following = DocumentCursor(rows[-1]["published_at"], rows[-1]["document_id"]) if more else None
    return [_item(row) for row in rows], following


def document_detail(session: Session, document_id: int) -> dict[str, Any] | None:
    """One document with its text, its URLs and its cluster (root first); None when there is no such document."""
    v, s = V_ARTICLES.c, V_SIGHTINGS.c
    row = session.execute(select(V_ARTICLES).where(v.document_id == document_id)).mappings().first()
    if row is None:
        return None
    urls = session.execute(
        select(s.url, s.site, s.first_seen_at, s.last_seen_at)
        .where(s.document_id == document_id)
        .order_by(s.first_seen_at, s.url)
    ).mappings()
    members = session.execute(
        select(*[c for c in V_ARTICLES.c if c.name != "text"])
        .where(v.cluster_id == row["cluster_id"])
        .order_by(v.is_cluster_root.desc(), v.document_id)
    ).mappings()
    cluster = [
        {
            "id": m["document_id"], "site": m["site"], "title": m["title"], "url": m["url"],
            "published_at": local_iso(m["published_at"], m["published_utc_offset"], m["published_precision"]),
            "is_root": bool(m["is_cluster_root"]), "similarity": None if m["is_cluster_root"] else m["duplicate_score"],
        }
        for m in members
    ]  # fmt: skip
    return _item(row) | {
        "origin_ref": row["origin_ref"],
        "text": row["text"],
        "urls": [dict(u) for u in urls],
        "cluster": cluster,
    }
