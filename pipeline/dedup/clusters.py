"""Near-duplicate clusters in the archive: index each document's fingerprint, find its confirmed match, link it.

A cluster is flat: one root (``duplicate_of`` NULL) and members whose ``duplicate_of`` is the root. The root is the
cluster's earliest document by ``precedence``: a seed when the cluster has one, then the earliest publication date
(documents without a date after dated ones, by when they were first seen), then the lowest id. A document that comes
in earlier than its cluster's root (crawls walk listings newest first; seeds are often imported after their copies)
becomes the new root and the members are re-pointed. ``duplicate_score`` is the similarity (``Similarity.score``)
between a member and the cluster document that confirmed it.

Candidates come from the LSH keys stored in the database (``lsh_keys``); those whose MinHash estimate reaches
``min_estimate`` — at most ``MAX_CONFIRMED`` of them, best estimated first — are confirmed on exact shingles, so the
cost per document stays flat as the archive grows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from pipeline.dedup.neardup import (
    Fingerprint,
    NearDupParams,
    Similarity,
    band_keys,
    best_match,
    estimated_score,
    fingerprint,
    lsh_layout,
    shingle_hashes,
    signature_from_bytes,
    similarity,
)
from storage import repository
from storage.models import Document, DocumentSignature

__all__ = ["IndexReport", "NearDuplicateIndex", "NearMatch", "precedence"]

log = logging.getLogger(__name__)

# Candidates confirmed on exact shingles per document (best MinHash estimate first). A story republished more often
# than this still links: every copy is confirmed against the best-estimated ones, which are the closest copies.
MAX_CONFIRMED = 20
_BATCH = 500
_ENSURE_ATTEMPTS = 5


@dataclass(frozen=True)
class NearMatch:
    """A confirmed near-duplicate: the matching document, its cluster's root and how alike they are."""

    document_id: int
    root_id: int
    similarity: Similarity


@dataclass(frozen=True)
class IndexReport:
    """What ``NearDuplicateIndex.ensure`` had to do."""

    signed: int = 0  # documents given a signature from their stored text
    linked: int = 0  # of those, documents found to be near-duplicates
    rekeyed: int = 0  # signatures whose band keys were re-cut for a new LSH threshold


def precedence(document: Document) -> tuple[bool, bool, datetime, int]:
    """Sort key: the smallest is the cluster's root (seeds, then earliest published, then earliest seen, then id)."""
    published = document.published_at
    return (document.origin != "seed", published is None, published or document.first_seen_at, document.id)


class NearDuplicateIndex:
    """The near-duplicate index over one archive (its state lives in ``document_signatures`` and ``lsh_keys``)."""

    def __init__(self, params: NearDupParams | None = None) -> None:
        self.params = params or NearDupParams()
        self.bands, self.rows = lsh_layout(self.params.lsh_threshold, self.params.num_perm)

    def fingerprint(self, text: str) -> Fingerprint:
        """The fingerprint of a normalised text under this index's parameters."""
        return fingerprint(text, self.params)

    def add(self, session: Session, document_id: int, fp: Fingerprint) -> None:
        """Store (or replace) a document's signature and band keys."""
        repository.save_signature(
            session, document_id, scheme=self.params.scheme, layout=self.params.layout, shingle_count=len(fp.shingles),
            minhash=fp.signature_bytes(), keys=band_keys(fp.signature, self.bands, self.rows) if fp.shingles else [],
        )  # fmt: skip

    def find(self, session: Session, fp: Fingerprint, *, exclude: int | None = None) -> NearMatch | None:
        """The best confirmed near-duplicate of ``fp`` among the indexed documents (other than ``exclude``)."""
        candidate_ids = repository.documents_sharing_keys(session, band_keys(fp.signature, self.bands, self.rows), exclude)
        if not candidate_ids:
            return None
        signatures = repository.signatures_of(session, candidate_ids)
        estimates = {doc_id: self._estimated_score(fp, sig) for doc_id, sig in signatures.items()}
        hopeful = [doc_id for doc_id, estimate in estimates.items() if estimate >= self.params.min_estimate]
        hopeful.sort(key=lambda doc_id: (-estimates[doc_id], doc_id))
        chosen = hopeful[:MAX_CONFIRMED]
        if not chosen:
            return None
        documents = {doc.id: doc for doc in session.scalars(select(Document).where(Document.id.in_(chosen)))}
        scored = [(doc_id, similarity(fp.shingles, self._shingles(documents[doc_id].text))) for doc_id in chosen]
        best = best_match(scored, self.params)
        if best is None:
            return None
        matched = documents[best[0]]
        return NearMatch(matched.id, matched.duplicate_of or matched.id, best[1])

    def link(self, session: Session, document: Document, fp: Fingerprint) -> NearMatch | None:
        """Put ``document`` into the cluster of its best confirmed match (re-rooting when it comes first), if any."""
        found = self.find(session, fp, exclude=document.id)
        if found is None:
            return None
        root = session.get(Document, found.root_id)
        assert root is not None
        if root.id == document.id:  # matched one of its own members
            return found
        if precedence(document) < precedence(root):
            session.execute(update(Document).where(Document.duplicate_of == root.id).values(duplicate_of=document.id))
            root.duplicate_of = document.id
            root.duplicate_score = similarity(fp.shingles, self._shingles(root.text)).score
            document.duplicate_of, document.duplicate_score = None, None
        else:
            # A document that was a root itself (re-linking, backfill) brings its members along.
            session.execute(update(Document).where(Document.duplicate_of == document.id).values(duplicate_of=root.id))
            document.duplicate_of, document.duplicate_score = root.id, found.similarity.score
        session.flush()
        return found

    def relink(self, session: Session, document: Document) -> None:
        """After ``document``'s text changed: re-index it and rebuild the links of its cluster around it."""
        affected = [document]
        if document.duplicate_of is None:
            affected += repository.cluster_members(session, document.id)
        for member in affected:
            member.duplicate_of, member.duplicate_score = None, None
        session.flush()
        self.add(session, document.id, self.fingerprint(document.text))
        for member in sorted(affected, key=precedence):
            self.link(session, member, self.fingerprint(member.text))

    def ensure(self, session_factory: sessionmaker[Session]) -> IndexReport:
        """Bring the index up to date: sign documents that have no signature (or one of another scheme) and re-cut
        band keys cut for another LSH threshold. A no-op costing two counts when the index is current."""
        rekeyed = self._rekey(session_factory)
        signed = linked = 0
        for _attempt in range(_ENSURE_ATTEMPTS):
            try:
                while (done := self._sign_batch(session_factory)) is not None:
                    signed, linked = signed + done[0], linked + done[1]
                    log.info("near-duplicate index: %d documents signed so far", signed)
                break
            except IntegrityError:
                # Another process (a scheduled crawl beside a manual one) signed the same documents first: its
                # batch stands, ours was rolled back whole; look again for what is still unsigned.
                log.info("near-duplicate index: another process is signing too; checking again")
        return IndexReport(signed=signed, linked=linked, rekeyed=rekeyed)

    def _sign_batch(self, session_factory: sessionmaker[Session]) -> tuple[int, int] | None:
        """Sign (and link) one batch of unsigned documents in one transaction; None when none are left."""
        linked = 0
        with session_factory.begin() as session:
            batch = list(session.scalars(
                select(Document)
                .outerjoin(DocumentSignature, DocumentSignature.document_id == Document.id)
                .where(or_(DocumentSignature.document_id.is_(None), DocumentSignature.scheme != self.params.scheme))
                .order_by(Document.id)
                .limit(_BATCH)
            ))  # fmt: skip
            if not batch:
                return None
            for document in batch:
                fp = self.fingerprint(document.text)
                if document.duplicate_of is None and self.link(session, document, fp) is not None:
                    linked += 1
                self.add(session, document.id, fp)
        return len(batch), linked

    def _rekey(self, session_factory: sessionmaker[Session]) -> int:
        rekeyed = 0
        stale = (DocumentSignature.scheme == self.params.scheme) & (DocumentSignature.layout != self.params.layout)
        with session_factory() as session:
            if not session.scalar(select(func.count()).select_from(DocumentSignature).where(stale)):
                return 0
        while True:
            with session_factory.begin() as session:
                batch = list(session.scalars(select(DocumentSignature).where(stale).limit(_BATCH)))
                if not batch:
                    return rekeyed
                for sig in batch:
                    keys = band_keys(signature_from_bytes(sig.minhash), self.bands, self.rows)
                    repository.save_signature(
                        session, sig.document_id, scheme=sig.scheme, layout=self.params.layout,
                        shingle_count=sig.shingle_count, minhash=sig.minhash, keys=keys,
                    )  # fmt: skip
                rekeyed += len(batch)

    def similarity_of(self, a: str, b: str) -> Similarity:
        """Exact similarity of two normalised texts under this index's shingling."""
        return similarity(self._shingles(a), self._shingles(b))

    def _shingles(self, text: str) -> frozenset[int]:
        return shingle_hashes(text, self.params.shingle_size)

    def _estimated_score(self, fp: Fingerprint, sig: DocumentSignature) -> float:
        return estimated_score(fp.signature, len(fp.shingles), signature_from_bytes(sig.minhash), sig.shingle_count)
