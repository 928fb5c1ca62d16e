"""``newsharvest seed``: plain-text seed documents into the archive, idempotently.

A seed file's name without extension is its ``origin_ref``; importing the same file again changes nothing. Seeds go
through the same duplicate check as crawled pages (``store_extraction``): a seed is always its own document and
becomes the root of its story's cluster, so crawled copies stored before it (exact or near) are re-pointed at it, a
crawled copy found later with the seed's exact text attaches its URL to the seed document, and a near copy links to
it. Seed files that are near-duplicates of each other link like any other documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from pipeline.archive.ingest import store_extraction
from pipeline.archive.seeds import parse_seed
from pipeline.dedup.clusters import NearDuplicateIndex
from pipeline.document import Extraction
from pipeline.errors import SeedError
from storage import repository
from storage.models import utcnow

__all__ = ["SeedResult", "import_seeds", "seed_files"]


@dataclass(frozen=True)
class SeedResult:
    """What importing one seed file did: ``imported``, ``unchanged`` or ``error``; ``duplicate_of`` the cluster root."""

    path: Path
    ref: str
    status: str
    document_id: int | None = None
    message: str = ""
    duplicate_of: int | None = None


def seed_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named directly, and the ``*.txt`` files of directories (sorted)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.suffix == ".txt" and p.is_file())
        else:
            yield path


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise SeedError(f"{path}: cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise SeedError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def _import_one(session: Session, path: Path, drop_lines: tuple[re.Pattern[str], ...], index: NearDuplicateIndex) -> SeedResult:
    ref = path.stem
    existing = repository.seed_document(session, ref)
    if existing is not None:
        return SeedResult(path, ref, "unchanged", existing.id)
    seed = parse_seed(_read(path), ref, drop_lines)
    if not seed.text:
        raise SeedError(f"{path}: no article text left after removing chrome lines")
    extraction = Extraction(
        title=seed.title, text=seed.text, published_at=seed.published_at, authors=seed.authors, lang=seed.lang,
        date_source="seed", published_precision="day" if seed.published_at else "", attribution=seed.attribution,
    )  # fmt: skip
    _kind, document = store_extraction(
        session, extraction, site_id=None, canonical_urls=[], seen_at=utcnow(), origin="seed", origin_ref=ref, index=index
    )
    return SeedResult(path, ref, "imported", document.id, duplicate_of=document.duplicate_of)


def import_seeds(
    session_factory: sessionmaker[Session],
    paths: Iterable[Path],
    drop_lines: Iterable[re.Pattern[str]] = (),
    index: NearDuplicateIndex | None = None,
) -> list[SeedResult]:
    """Import every seed file under ``paths``, one transaction per file; a bad file is reported, not fatal."""
    patterns = tuple(drop_lines)
    index = index or NearDuplicateIndex()
    index.ensure(session_factory)
    results = []
    for path in seed_files(paths):
        try:
            with session_factory.begin() as session:
                results.append(_import_one(session, path, patterns, index))
        except SeedError as exc:
            results.append(SeedResult(path, path.stem, "error", message=str(exc)))
    return results
