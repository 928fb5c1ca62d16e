"""``newsharvest reextract``: extraction, normalisation and deduplication again, from the raw HTML the archive kept.

Nothing is fetched. Two kinds of work, one transaction per item:

- each site's template (``pipeline.extraction.template``) is learned afresh from all its archived pages first;
- every crawled document is re-extracted from the newest stored page of its own URL; fields that differ are updated
  and, when the text changed, its content hash and signature are recomputed and its cluster is re-linked
  (``NearDuplicateIndex.relink``). A page that no longer extracts leaves its document as it was and is reported.
- every article page that failed extraction or was judged not an article (and whose URL has no document) is tried
  again through the same path as a fresh crawl (``store_extraction``): it may become a new document, a near-duplicate
  or an extra URL of an existing document.

Documents are never merged or deleted here: two documents whose texts have become identical are linked as
near-duplicates with similarity 1.0, so ids downstream tools hold stay valid.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from pipeline.archive.ingest import Extractor, store_extraction
from pipeline.archive.site_templates import FIRST_LEARN_AT, learn_site_template
from pipeline.dedup.clusters import NearDuplicateIndex
from pipeline.document import Extraction, PageHints
from pipeline.errors import PageError
from pipeline.extraction.decode import decode_html
from pipeline.extraction.template import SiteTemplate
from pipeline.sites import Site
from pipeline.text import content_hash
from storage import repository
from storage.models import Document, DocumentUrl, Page, SiteRecord

__all__ = ["ReextractItem", "ReextractReport", "reextract"]

log = logging.getLogger(__name__)

# The document fields extraction decides, compared before and after.
_FIELDS = ("title", "text", "published_at", "published_precision", "authors", "attribution", "lang", "date_source")


@dataclass(frozen=True)
class ReextractItem:
    """What happened to one document or failed page.

    ``result``: ``unchanged``, ``changed``, ``error`` (a document whose page no longer extracts; the document is
    kept as it was), ``still_failing`` (a failed page that still fails) or an ingest outcome for a failed page that now
    extracts (``new``, ``near_duplicate``, ``duplicate``, ``same_url``).
    """

    result: str
    url: str
    page_id: int
    document_id: int | None = None
    changed: tuple[str, ...] = ()
    duplicate_of_before: int | None = None
    duplicate_of_after: int | None = None
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The item as a JSON object (public field names, see README)."""
        return {
            "result": self.result, "url": self.url, "page_id": self.page_id, "document_id": self.document_id,
            "changed": list(self.changed), "duplicate_of_before": self.duplicate_of_before,
            "duplicate_of_after": self.duplicate_of_after, "error": self.error,
        }  # fmt: skip


@dataclass
class ReextractReport:
    """Every item, and counts by result."""

    items: list[ReextractItem] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """Items per result."""
        return dict(Counter(item.result for item in self.items))

    @property
    def relinked(self) -> int:
        """Documents whose ``duplicate_of`` changed."""
        return sum(item.duplicate_of_before != item.duplicate_of_after for item in self.items if item.result == "changed")


def reextract(
    session_factory: sessionmaker[Session],
    sites: dict[str, Site],
    *,
    extractor: Extractor,
    index: NearDuplicateIndex,
    site: str | None = None,
    since: datetime | None = None,
    on_item: Callable[[ReextractItem], None] | None = None,
) -> ReextractReport:
    """Re-extract the crawled documents (first seen since ``since``, of ``site``) and retry their failed pages."""
    index.ensure(session_factory)
    report = ReextractReport()
    with session_factory() as session:
        names = repository.site_names(session)
        document_pages = _document_pages(session, site, since)
        failed_pages = _failed_pages(session, site, since)
    templates = _learn_templates(session_factory, names, sites, site)
    for document_id, page_id in document_pages:
        with session_factory.begin() as session:
            item = _redo_document(session, document_id, page_id, sites, names, extractor, index, templates)
        _record(report, item, on_item)
    for page_id in failed_pages:
        with session_factory.begin() as session:
            item = _retry_page(session, page_id, sites, names, extractor, index, templates)
        _record(report, item, on_item)
    return report


def _learn_templates(
    session_factory: sessionmaker[Session], names: dict[int, str], sites: dict[str, Site], only: str | None
) -> dict[int, SiteTemplate]:
    """Each declared site's template, learned afresh from everything archived (and stored), before re-extracting."""
    templates: dict[int, SiteTemplate] = {}
    for site_id, name in names.items():
        if name not in sites or (only is not None and name != only):
            continue
        with session_factory.begin() as session:
            if repository.article_page_count(session, site_id) >= FIRST_LEARN_AT:
                templates[site_id] = learn_site_template(session, site_id)
    return templates


def _record(report: ReextractReport, item: ReextractItem, on_item: Callable[[ReextractItem], None] | None) -> None:
    report.items.append(item)
    if on_item is not None:
        on_item(item)
    log.info("reextract %s: %s %s", item.url, item.result, ",".join(item.changed))


def _site_filter(session: Session, site: str | None) -> int | None:
    if site is None:
        return None
    site_id = session.scalar(select(SiteRecord.id).where(SiteRecord.name == site))
    return -1 if site_id is None else site_id  # -1: no such site in the archive, so nothing matches


def _document_pages(session: Session, site: str | None, since: datetime | None) -> list[tuple[int, int]]:
    """(document id, id of the newest stored page of the document's own URL), in document id order."""
    site_id = _site_filter(session, site)
    newest = (
        select(Document.id, func.max(Page.id))
        .join(Page, (Page.document_id == Document.id) & (Page.canonical_url == Document.origin_ref))
        .where(Document.origin == "crawl", Page.raw_html.is_not(None))
        .group_by(Document.id)
        .order_by(Document.id)
    )
    if site_id is not None:
        newest = newest.where(Document.site_id == site_id)
    if since is not None:
        newest = newest.where(Document.first_seen_at >= since)
    return [(doc_id, page_id) for doc_id, page_id in session.execute(newest)]


def _failed_pages(session: Session, site: str | None, since: datetime | None) -> list[int]:
    """The newest failed article page of every URL that has no document, in page id order."""
    site_id = _site_filter(session, site)
    query = (
        select(func.max(Page.id))
        .outerjoin(DocumentUrl, DocumentUrl.url == Page.canonical_url)
        .where(
            Page.kind == "article", Page.outcome.in_(("error", "not_article")), Page.raw_html.is_not(None),
            DocumentUrl.id.is_(None),
        )
        .group_by(Page.canonical_url)
    )  # fmt: skip
    if site_id is not None:
        query = query.where(Page.site_id == site_id)
    if since is not None:
        query = query.where(Page.fetched_at >= since)
    return sorted(page_id for page_id in session.scalars(query) if page_id is not None)


def _extract(
    page: Page, sites: dict[str, Site], names: dict[int, str], extractor: Extractor, templates: dict[int, SiteTemplate]
) -> Extraction:
    name = names.get(page.site_id, "?")
    if name not in sites:
        raise PageError(f"site {name!r} is not declared any more (add it back to a site file to re-extract its pages)")
    assert page.raw_html is not None
    body = repository.decompress_html(page.raw_html)
    hints = PageHints(**page.hints) if page.hints else None
    return extractor(decode_html(body, page.content_type), page.final_url, sites[name], hints, templates.get(page.site_id))


def _redo_document(
    session: Session, document_id: int, page_id: int, sites: dict[str, Site], names: dict[int, str],
    extractor: Extractor, index: NearDuplicateIndex, templates: dict[int, SiteTemplate],
) -> ReextractItem:  # fmt: skip
    document = session.get(Document, document_id)
    page = session.get(Page, page_id)
    assert document is not None and page is not None
    before = document.duplicate_of
    try:
        extraction = _extract(page, sites, names, extractor, templates)
    except PageError as exc:
        return ReextractItem("error", page.url, page.id, document.id, (), before, before, f"{type(exc).__name__}: {exc}")
    new_values = {
        "title": extraction.title, "text": extraction.text, "published_at": extraction.published_at,
        "published_precision": extraction.published_precision or None, "authors": list(extraction.authors),
        "attribution": extraction.attribution or None, "lang": extraction.lang, "date_source": extraction.date_source,
    }  # fmt: skip
    changed = tuple(name for name in _FIELDS if _differs(getattr(document, name), new_values[name]))
    if not changed:
        return ReextractItem("unchanged", page.url, page.id, document.id, (), before, before)
    for name in changed:
        setattr(document, name, new_values[name])
    if "published_at" in changed:
        offset = extraction.published_at.utcoffset() if extraction.published_at else None
        document.published_utc_offset = int(offset.total_seconds() // 60) if offset is not None else None
    if "text" in changed:
        document.content_hash = content_hash(extraction.text)
        session.flush()
        index.relink(session, document)
    session.flush()
    return ReextractItem("changed", page.url, page.id, document.id, changed, before, document.duplicate_of)


def _retry_page(
    session: Session, page_id: int, sites: dict[str, Site], names: dict[int, str], extractor: Extractor,
    index: NearDuplicateIndex, templates: dict[int, SiteTemplate],
) -> ReextractItem:  # fmt: skip
    page = session.get(Page, page_id)
    assert page is not None
    try:
        extraction = _extract(page, sites, names, extractor, templates)
    except PageError as exc:
        return ReextractItem("still_failing", page.url, page.id, error=f"{type(exc).__name__}: {exc}")
    urls = list(dict.fromkeys([page.canonical_url]))
    kind, document = store_extraction(
        session, extraction, site_id=page.site_id, canonical_urls=urls, seen_at=page.fetched_at, origin="crawl",
        origin_ref=page.canonical_url, index=index,
    )  # fmt: skip
    page.outcome, page.error, page.document_id = kind, None, document.id
    return ReextractItem(kind, page.url, page.id, document.id, (), None, document.duplicate_of)


def _differs(old: Any, new: Any) -> bool:
    if isinstance(old, datetime) and isinstance(new, datetime):
        return old != new  # aware datetimes compare as instants, whatever their offsets
    return bool(old != new)
