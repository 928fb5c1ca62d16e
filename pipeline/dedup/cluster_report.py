"""``newsharvest duplicates``: the archive's near-duplicate clusters, read from ``documents.duplicate_of``.

A cluster is a root document and the documents whose ``duplicate_of`` is that root. Exact duplicates are not separate
documents (they are more URLs of one document), so they show as a member's ``urls``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from storage import repository
from storage.models import Document, SiteRecord

__all__ = ["Cluster", "ClusterMember", "clusters"]


@dataclass(frozen=True)
class ClusterMember:
    """One document of a cluster."""

    document_id: int
    site: str | None  # None for a seed document
    origin: str
    origin_ref: str
    title: str
    published_at: datetime | None
    urls: tuple[str, ...]
    similarity: float | None  # None for the root
    is_root: bool

    def as_json(self) -> dict[str, Any]:
        """The member as a JSON object (public field names, see README)."""
        return {
            "id": self.document_id, "site": self.site, "origin": self.origin, "origin_ref": self.origin_ref,
            "title": self.title, "published_at": self.published_at.isoformat() if self.published_at else None,
            "urls": list(self.urls), "similarity": self.similarity, "root": self.is_root,
        }  # fmt: skip


@dataclass(frozen=True)
class Cluster:
    """A root document and its near-duplicates, root first then by id."""

    root_id: int
    members: tuple[ClusterMember, ...]

    @property
    def sites(self) -> list[str]:
        """The sites the story appears on (``seed`` for seed documents), in member order."""
        return list(dict.fromkeys(m.site or "seed" for m in self.members))

    def as_json(self) -> dict[str, Any]:
        """The cluster as a JSON object (public field names, see README)."""
        return {
            "root": self.root_id, "size": len(self.members), "sites": self.sites,
            "members": [m.as_json() for m in self.members],
        }  # fmt: skip


def clusters(session: Session, site: str | None = None) -> list[Cluster]:
    """Every cluster with at least two documents (only those touching ``site`` when given), oldest root first."""
    referenced = session.scalars(select(Document.duplicate_of).where(Document.duplicate_of.is_not(None)).distinct())
    root_ids = sorted(root_id for root_id in referenced if root_id is not None)
    if site is not None:
        touching = _roots_touching(session, site)
        root_ids = [root_id for root_id in root_ids if root_id in touching]
    if not root_ids:
        return []
    names = repository.site_names(session)
    documents: dict[int, list[Document]] = {root_id: [] for root_id in root_ids}
    rows = session.scalars(
        select(Document).where(or_(Document.id.in_(root_ids), Document.duplicate_of.in_(root_ids))).order_by(Document.id)
    )
    for document in rows:
        documents[document.id if document.duplicate_of is None else document.duplicate_of].append(document)
    urls = repository.urls_of(session, [d.id for docs in documents.values() for d in docs])
    result = []
    for root_id in root_ids:
        ordered = sorted(documents[root_id], key=lambda d: (d.id != root_id, d.id))
        members = tuple(
            ClusterMember(
                document_id=d.id, site=names.get(d.site_id) if d.site_id else None, origin=d.origin, origin_ref=d.origin_ref,
                title=d.title, published_at=d.published_at, urls=tuple(urls.get(d.id, [])),
                similarity=None if d.id == root_id else d.duplicate_score, is_root=d.id == root_id,
            )
            for d in ordered
        )  # fmt: skip
        result.append(Cluster(root_id, members))
    return result


def _roots_touching(session: Session, site: str) -> set[int]:
    """Ids of the roots whose cluster has a document on ``site`` (the root itself or a member)."""
    site_id = session.scalar(select(SiteRecord.id).where(SiteRecord.name == site))
    if site_id is None:
        return set()
    rows = session.execute(select(Document.id, Document.duplicate_of).where(Document.site_id == site_id))
    return {duplicate_of or doc_id for doc_id, duplicate_of in rows}
