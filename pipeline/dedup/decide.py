"""Duplicate decisions: which existing document, if any, a new piece of text belongs to. Decides; never writes.

Basic rules (near-duplicates come later):

- the same canonical URL is one document (``SameUrl``);
- the same normalised text (equal content hash) at another URL is that document seen again (``ExactDuplicate``):
  the URL is added to it; seeds win over crawled copies, then the oldest document;
- anything else is ``New``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from storage import repository

__all__ = ["DedupDecision", "ExactDuplicate", "New", "SameUrl", "decide"]


@dataclass(frozen=True)
class New:
    """No document has this URL or this text."""


@dataclass(frozen=True)
class SameUrl:
    """One of the page's canonical URLs already belongs to ``document_id``."""

    document_id: int


@dataclass(frozen=True)
class ExactDuplicate:
    """Document ``document_id`` already has exactly this text (after normalisation)."""

    document_id: int


DedupDecision = New | SameUrl | ExactDuplicate


def decide(session: Session, canonical_urls: Sequence[str], content_hash: str) -> DedupDecision:
    """Where a page with these URLs and this content hash belongs."""
    by_url = repository.document_by_url(session, canonical_urls)
    if by_url is not None:
        return SameUrl(by_url.id)
    same_text = repository.documents_by_hash(session, content_hash)
    if same_text:
        return ExactDuplicate(same_text[0].id)
    return New()
