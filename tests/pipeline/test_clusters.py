"""Near-duplicate clusters in a real archive (SQLite file and PostgreSQL): linking, roots, persistence, re-keying."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from pipeline.archive.ingest import store_extraction
from pipeline.archive.seed_import import import_seeds
from pipeline.archive.seeds import SeedDocument, parse_seed
from pipeline.dedup.clusters import NearDuplicateIndex
from pipeline.dedup.neardup import NearDupParams
from pipeline.document import Extraction
from pipeline.sites import load_sites
from storage import repository
from storage.models import Document, DocumentSignature, DocumentUrl, LshKey

T0 = datetime(2020, 6, 1, 8, 0, tzinfo=UTC)



@pytest.fixture(scope="module")
def seeds() -> dict[str, SeedDocument]:
    folder = Path(__file__).resolve().parents[2] / "newsharvest" / "seeds"
    return {p.stem[:3]: parse_seed(p.read_text(encoding="utf-8"), p.stem, ()) for p in sorted(folder.glob("*.txt"))}


def crawl(
    sessions: sessionmaker[Session], text: str, url: str, *, published: datetime | None = T0,
    index: NearDuplicateIndex | None = None, site: str = "sonoivu",
) -> tuple[str, int]:  # fmt: skip
    """Store ``text`` as a crawled page of ``site`` at ``url``; (outcome kind, document id)."""
    index = index or NearDuplicateIndex()
    extraction = Extraction(
        title=f"Tin {url}", text=text, published_at=published, authors=(), lang="vi", date_source="selector"
    )
    with sessions.begin() as session:
        site_id = repository.ensure_site(session, site, f"http://{site}.test").id
        kind, document = store_extraction(
            session, extraction, site_id=site_id, canonical_urls=[url], seen_at=T0, origin="crawl", origin_ref=url,
            index=index,
        )  # fmt: skip
        return kind, document.id


def links(sessions: sessionmaker[Session]) -> dict[int, int | None]:
    with sessions() as session:
        return {doc_id: root for doc_id, root in session.execute(select(Document.id, Document.duplicate_of).order_by(Document.id))}


def paragraphs(seed: SeedDocument) -> list[str]:
    return seed.text.split("\n")


def test_near_copy_is_its_own_document_linked_to_the_original(sessions, seeds) -> None:
    lines = paragraphs(seeds["001"])
    kind_a, original = crawl(sessions, seeds["001"].text, "http://sonoivu.test/a")
    kind_b, copy = crawl(sessions, "\n".join(lines[:2] + lines[3:]), "http://portal.test/b", published=T0 + timedelta(days=1))
    kind_c, exact = crawl(sessions, seeds["001"].text, "http://portal.test/c")
    assert (kind_a, kind_b, kind_c) == ("new", "near_duplicate", "duplicate")
    assert exact == original  # exact copies stay one document with two URLs
    assert links(sessions) == {original: None, copy: original}
    with sessions() as session:
        document = session.get(Document, copy)
        assert document is not None and 0.8 <= (document.duplicate_score or 0) < 1.0
        assert session.scalar(select(func.count()).select_from(DocumentUrl).where(DocumentUrl.document_id == original)) == 2


def test_an_earlier_publication_becomes_the_root(sessions, seeds) -> None:
    text = seeds["003"].text
    lines = paragraphs(seeds["003"])
    _, newest = crawl(sessions, text, "http://a.test/1", published=T0 + timedelta(days=2))
    _, middle = crawl(sessions, "\n".join(lines[:-1]), "http://b.test/2", published=T0 + timedelta(days=1))
    _, oldest = crawl(sessions, unicodedata.normalize("NFD", "\n".join(lines[1:])), "http://c.test/3", published=T0)
    assert links(sessions) == {newest: oldest, middle: oldest, oldest: None}


def test_seeds_are_roots_and_repoint_crawled_copies(sessions, seeds, tmp_path) -> None:
    lines = paragraphs(seeds["000"])
    _, exact_copy = crawl(sessions, seeds["000"].text, "http://sonoivu.test/vi/node/5348", published=T0 - timedelta(days=30))
    _, near_copy = crawl(sessions, "\n".join(lines[:-2]), "http://portal.test/x", published=T0 - timedelta(days=29))
    assert links(sessions)[near_copy] == exact_copy
    (tmp_path / "000_seed.txt").write_text(Path(seeds_path("000")).read_text(encoding="utf-8"), encoding="utf-8")
    [result] = import_seeds(sessions, [tmp_path / "000_seed.txt"])
    assert result.status == "imported" and result.duplicate_of is None
    assert links(sessions) == {exact_copy: result.document_id, near_copy: result.document_id, result.document_id: None}
    # A crawled page with the seed's exact text found later attaches to the seed document itself.
    kind, document_id = crawl(sessions, seeds["000"].text, "http://other.test/y")
    assert (kind, document_id) == ("duplicate", result.document_id)


def seeds_path(prefix: str) -> Path:
    folder = Path(__file__).resolve().parents[2] / "newsharvest" / "seeds"
    return next(folder.glob(f"{prefix}_*.txt"))


def test_same_template_congress_reports_never_link(sessions, seeds_dir) -> None:
    results = import_seeds(sessions, [seeds_dir])
    assert [r.status for r in results] == ["imported"] * 5
    assert all(v is None for v in links(sessions).values())


def test_seed_files_that_are_near_duplicates_of_each_other_link(sessions, tmp_path) -> None:
    original = seeds_path("002").read_text(encoding="utf-8")
    (tmp_path / "100_original.txt").write_text(original, encoding="utf-8")
    lines = original.split("\n")
    longest = max(range(len(lines)), key=lambda i: len(lines[i]))
    edited = "\n".join(lines[:longest] + lines[longest + 1 :]).replace("Ủy", "Uỷ")
    (tmp_path / "101_edited.txt").write_text(edited, encoding="utf-8")
    first, second = import_seeds(sessions, [tmp_path])
    assert second.duplicate_of == first.document_id or first.duplicate_of == second.document_id


def test_different_stories_on_two_sites_stay_apart(sessions, seeds) -> None:
    ids = [crawl(sessions, seeds[key].text, f"http://s.test/{key}", site=site)[1]
           for key, site in (("000", "sonoivu"), ("001", "langson_portal"), ("002", "baolangson_old"))]  # fmt: skip
    assert links(sessions) == dict.fromkeys(ids)


def test_the_index_persists_and_is_rekeyed_from_stored_signatures(sessions, seeds) -> None:
    _, original = crawl(sessions, seeds["004"].text, "http://a.test/1")
    # A second process: a fresh index object on a fresh engine finds the stored document without re-signing anything.
    fresh = NearDuplicateIndex()
    assert fresh.ensure(sessions).signed == 0
    lines = paragraphs(seeds["004"])
    kind, copy = crawl(sessions, "\n".join(lines[:-1]), "http://b.test/2", index=fresh, published=T0 + timedelta(hours=1))
    assert kind == "near_duplicate" and links(sessions)[copy] == original
    # A new LSH threshold re-cuts band keys from the stored signatures; texts are not read again.
    other = NearDuplicateIndex(replace(NearDupParams(), lsh_threshold=0.5))
    report = other.ensure(sessions)
    assert (report.signed, report.rekeyed) == (0, 2)
    with sessions() as session:
        layouts = set(session.scalars(select(DocumentSignature.layout)))
        assert layouts == {other.params.layout}
        assert session.scalar(select(func.count()).select_from(LshKey)) == 2 * other.bands
    assert other.ensure(sessions) == type(report)()


def test_documents_without_signatures_are_signed_and_linked_by_ensure(sessions, seeds) -> None:
    """An archive from before the near-duplicate index (schema 0001 data): ``ensure`` signs and links it."""
    lines = paragraphs(seeds["003"])
    _, original = crawl(sessions, seeds["003"].text, "http://a.test/1")
    _, copy = crawl(sessions, "\n".join(lines[:-1]), "http://b.test/2", published=T0 + timedelta(days=1))
    with sessions.begin() as session:
        session.execute(delete(LshKey))
        session.execute(delete(DocumentSignature))
        for document in session.scalars(select(Document)):
            document.duplicate_of = document.duplicate_score = None
    report = NearDuplicateIndex().ensure(sessions)
    assert (report.signed, report.linked) == (2, 1)
    assert links(sessions) == {original: None, copy: original}


def test_short_notices_are_not_contained_in_long_articles(sessions, seeds) -> None:
    _, article = crawl(sessions, seeds["001"].text, "http://a.test/1")
    first_sentence = paragraphs(seeds["001"])[0].split(". ")[0] + "."
    kind, notice = crawl(sessions, first_sentence, "http://b.test/2")
    assert kind == "new" and links(sessions) == {article: None, notice: None}


def test_crawl_of_every_site_declared_uses_the_same_check(sessions, seeds) -> None:
    """Sanity: the shipped site names all work as ``site`` of a crawled document (no site-specific code path)."""
    for number, name in enumerate(sorted(load_sites())):
        kind, _ = crawl(sessions, seeds["002"].text, f"http://{name}.test/{number}", site=name)
        assert kind == ("new" if number == 0 else "duplicate")
