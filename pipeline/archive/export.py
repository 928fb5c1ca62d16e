"""``newsharvest export``: one record per document, as JSON Lines or CSV (a public format: fields only get added).

Fields: id, site, origin, origin_ref, url, urls, title, published_at, authors, text, lang, content_hash,
duplicate_of, first_seen_at, duplicate_score (added with near-duplicates: null for a cluster root or a lone
document), published_precision (``day``, ``minute`` or ``second``; null without a date) and attribution (the outlet
a republished article credits, or null). ``published_at`` is ISO 8601 with the offset the page gave (or the site's
timezone), or just the day (``2020-05-21``) when only a day is known;
``first_seen_at`` is ISO 8601 UTC; ``url`` is the first URL the document was seen at (null for a seed never found
online); ``authors`` and ``urls`` are lists (JSON-encoded strings in CSV).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import repository
from storage.models import Document, SiteRecord
from storage.times import local_iso

__all__ = ["EXPORT_FIELDS", "export_records", "write_csv", "write_jsonl"]

EXPORT_FIELDS = (
    "id", "site", "origin", "origin_ref", "url", "urls", "title", "published_at", "authors", "text", "lang",
    "content_hash", "duplicate_of", "first_seen_at", "duplicate_score", "published_precision", "attribution",
)  # fmt: skip
_BATCH = 500


def export_records(session: Session, *, since: datetime | None = None, site: str | None = None) -> Iterator[dict[str, Any]]:
    """Documents in id order as export records; ``since`` filters on ``first_seen_at``, ``site`` on the site name."""
    query = select(Document).order_by(Document.id)
    if since is not None:
        query = query.where(Document.first_seen_at >= since.astimezone(UTC))
    if site is not None:
        query = query.join(SiteRecord, SiteRecord.id == Document.site_id).where(SiteRecord.name == site)
    sites = repository.site_names(session)
    batch: list[Document] = []
    for document in session.scalars(query.execution_options(yield_per=_BATCH)):
        batch.append(document)
        if len(batch) == _BATCH:
            yield from _records(session, batch, sites)
            batch = []
    yield from _records(session, batch, sites)


def _records(session: Session, documents: list[Document], sites: dict[int, str]) -> Iterator[dict[str, Any]]:
    urls = repository.urls_of(session, [d.id for d in documents])
    for d in documents:
        yield {
            "id": d.id, "site": sites.get(d.site_id) if d.site_id else None, "origin": d.origin, "origin_ref": d.origin_ref,
            "url": urls[d.id][0] if urls[d.id] else None, "urls": urls[d.id], "title": d.title,
            "published_at": local_iso(d.published_at, d.published_utc_offset, d.published_precision),
            "authors": list(d.authors),
            "text": d.text, "lang": d.lang, "content_hash": d.content_hash, "duplicate_of": d.duplicate_of,
            "first_seen_at": d.first_seen_at.isoformat(), "duplicate_score": d.duplicate_score,
            "published_precision": d.published_precision, "attribution": d.attribution,
        }  # fmt: skip


def write_jsonl(records: Iterator[dict[str, Any]], out: IO[str]) -> int:
    """Write one JSON object per line (UTF-8, not ASCII-escaped); returns the count."""
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(records: Iterator[dict[str, Any]], out: IO[str]) -> int:
    """Write CSV with a header row; list fields are JSON-encoded; returns the count."""
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v for k, v in record.items()})
        count += 1
    return count
