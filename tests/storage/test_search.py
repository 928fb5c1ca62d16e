"""Full-text search as people type Vietnamese: without diacritics, đ as d, either tone placement, NFC or NFD; phrases,
ranking, snippets, filters, near-duplicates collapsed; the index kept in step on insert, update and delete; the
read views. On SQLite and PostgreSQL alike."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from storage.db import create_engine_for, session_factory
from storage.folding import fold_for_search, search_words
from storage.migrate import upgrade
from storage.models import Document, DocumentSearch, DocumentUrl, SiteRecord
from storage.search import SearchQueryError, parse_query, search, snippet

FILLER = "Các sở, ngành liên quan báo cáo kết quả thực hiện nhiệm vụ trong quý vừa qua và đề ra phương hướng."

ARTICLES = [
    # (key, site, title, text, published)
    (
        "dai_hoi",
        "baolangson",
        "Đại hội Đảng bộ tỉnh Lạng Sơn lần thứ XVII",
        f"Sáng nay, Đại hội Đảng bộ tỉnh khai mạc. {FILLER}",
        "2025-10-10",
    ),
    ("hoa_binh", "baolangson", "Xã Hòa Bình đón bằng nông thôn mới", f"Người dân xã Hoà Bình phấn khởi. {FILLER}", "2025-05-01"),
    ("duong", "sonoivu", "Nâng cấp đường tỉnh 232", f"Tuyến đường dài 12 km đi qua huyện Đình Lập. {FILLER}", "2025-03-02"),
    (
        "body_only",
        "sonoivu",
        "Hội nghị tổng kết công tác năm",
        f"Đồng chí Bí thư dự Đại hội Đảng bộ huyện. {FILLER}",
        "2025-01-15",
    ),
    (
        "english",
        "sonoivu",
        "Lang Son border trade grows",
        f"Trade through the border gates of Lạng Sơn rose. {FILLER}",
        "2024-12-01",
    ),
]


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    engine = create_engine_for(db_url)
    upgrade(engine)
    with session_factory(engine)() as session:
        yield session
    engine.dispose()


@pytest.fixture
def archive(session: Session) -> dict[str, Document]:
    sites = {name: SiteRecord(name=name, base_url=f"https://{name}.example", title=name) for name in ("baolangson", "sonoivu")}
    session.add_all(sites.values())
    session.flush()
    docs: dict[str, Document] = {}
    for key, site, title, body, day in ARTICLES:
        doc = Document(
            site_id=sites[site].id, origin="crawl", origin_ref=f"https://{site}.example/{key}", title=title, text=body,
            published_at=datetime.fromisoformat(day).replace(tzinfo=UTC), published_precision="day", lang="vi",
            content_hash=key.ljust(64, "0"),
        )  # fmt: skip
        session.add(doc)
        session.flush()
        session.add(DocumentUrl(document_id=doc.id, site_id=sites[site].id, url=doc.origin_ref))
        docs[key] = doc
    session.commit()
    return docs


def _ids(hits: list) -> list[int]:  # type: ignore[type-arg]
    return [h.document_id for h in hits]


def test_folding() -> None:
    assert fold_for_search("Đại hội Đảng bộ") == "dai hoi dang bo"
    assert fold_for_search(unicodedata.normalize("NFD", "Lạng Sơn")) == "lang son"
    assert fold_for_search("hoà") == fold_for_search("hòa") == "hoa"  # old and new tone placement
    assert search_words("COVID-19, Lạng_Sơn!") == ["covid", "19", "lang", "son"]


# (as printed, as typed): without diacritics, upper case, the other tone placement, decomposed (NFD)
TYPED = [
    ("Đại hội Đảng bộ", "dai hoi dang bo"),
    ("Lạng Sơn", "Lang Son"),
    ("đường", "duong"),
    ("Hòa Bình", "Hoà Bình"),
    ("Lạng Sơn", unicodedata.normalize("NFD", "Lạng Sơn")),
    ("ĐÌNH LẬP", "dinh lap"),
]


def test_a_query_without_diacritics_finds_what_the_accented_one_finds(archive: dict[str, Document], session: Session) -> None:
    for accented, typed in TYPED:
        found = _ids(search(session, accented))
        assert found, accented
        assert _ids(search(session, typed)) == found, (accented, typed)


def test_every_word_must_occur_and_a_phrase_keeps_its_order(archive: dict[str, Document], session: Session) -> None:
    assert _ids(search(session, "dai hoi khai mac")) == [archive["dai_hoi"].id]
    assert set(_ids(search(session, "dang bo dai hoi"))) == {archive["dai_hoi"].id, archive["body_only"].id}
    assert _ids(search(session, '"dang bo dai hoi"')) == []  # not in that order anywhere
    assert set(_ids(search(session, '"dai hoi dang bo"'))) == {archive["dai_hoi"].id, archive["body_only"].id}


def test_the_title_ranks_above_the_text(archive: dict[str, Document], session: Session) -> None:
    assert _ids(search(session, "dai hoi dang bo")) == [archive["dai_hoi"].id, archive["body_only"].id]
    assert _ids(search(session, "Lạng Sơn"))[0] in {archive["dai_hoi"].id, archive["english"].id}


def test_snippets_mark_the_words_as_printed(archive: dict[str, Document], session: Session) -> None:
    hit = search(session, "dinh lap")[0]
    assert "<mark>Đình</mark> <mark>Lập</mark>" in hit.snippet
    assert snippet("A < B & Đà Lạt", {"da", "lat"}) == "A &lt; B &amp; <mark>Đà</mark> <mark>Lạt</mark>"


def test_filters_site_and_dates(archive: dict[str, Document], session: Session) -> None:
    assert _ids(search(session, "lang son", site="sonoivu")) == [archive["english"].id]
    since = datetime(2025, 1, 1, tzinfo=UTC)
    assert _ids(search(session, "lang son", since=since)) == [archive["dai_hoi"].id]
    assert _ids(search(session, "dai hoi", until=datetime(2025, 6, 1, tzinfo=UTC))) == [archive["body_only"].id]


def test_near_duplicates_are_collapsed_into_their_story(archive: dict[str, Document], session: Session) -> None:
    copy = Document(
        site_id=archive["duong"].site_id, origin="crawl", origin_ref="https://sonoivu.example/copy", lang="vi",
        title="Nâng cấp đường tỉnh 232 qua Đình Lập", text=archive["duong"].text + " Thêm một câu.",
        content_hash="c" * 64, duplicate_of=archive["duong"].id, duplicate_score=0.9,
    )  # fmt: skip
    session.add(copy)
    session.commit()
    collapsed = search(session, "duong tinh 232")
    assert len(collapsed) == 1 and collapsed[0].cluster_id == archive["duong"].id
    assert collapsed[0].also_matched == (copy.id,) or collapsed[0].document_id == copy.id
    assert {h.document_id for h in search(session, "duong tinh 232", include_near_duplicates=True)} == {
        archive["duong"].id,
        copy.id,
    }


def test_the_index_follows_updates_and_deletes(archive: dict[str, Document], session: Session) -> None:
    doc = archive["hoa_binh"]
    doc.text = "Văn bản mới hoàn toàn về Mẫu Sơn."  # as reextract rewrites a document
    session.commit()
    assert _ids(search(session, "mau son")) == [doc.id]
    assert doc.id not in _ids(search(session, "phan khoi"))
    assert session.scalar(select(DocumentSearch.body).where(DocumentSearch.document_id == doc.id)) == fold_for_search(doc.text)
    session.execute(text("DELETE FROM document_urls WHERE document_id = :id"), {"id": doc.id})
    session.delete(doc)
    session.commit()
    assert _ids(search(session, "mau son")) == []


def test_a_query_with_nothing_to_search_is_refused() -> None:
    with pytest.raises(SearchQueryError):
        parse_query(' " ,; " ')
    assert parse_query('Lạng-Sơn "dai hoi" x').phrases == (("lang", "son"), ("dai", "hoi"))


def test_the_read_views(archive: dict[str, Document], session: Session) -> None:
    copy = Document(
        site_id=archive["duong"].site_id, origin="crawl", origin_ref="https://sonoivu.example/copy2", lang="vi",
        title="Bản sao", text="x", content_hash="d" * 64, duplicate_of=archive["duong"].id, duplicate_score=0.9,
    )  # fmt: skip
    session.add(copy)
    session.commit()
    rows = {r.document_id: r for r in session.execute(text("SELECT * FROM v_articles"))}
    assert len(rows) == len(ARTICLES) + 1
    root = rows[archive["duong"].id]
    assert (root.site, root.url, root.cluster_id, root.is_cluster_root, root.cluster_size) == (
        "sonoivu",
        "https://sonoivu.example/duong",
        archive["duong"].id,
        1,
        2,
    )
    assert (rows[copy.id].cluster_id, rows[copy.id].is_cluster_root, rows[copy.id].url) == (archive["duong"].id, 0, None)
    sightings = session.execute(text("SELECT document_id, url, site, cluster_id FROM v_sightings ORDER BY document_id")).all()
    assert len(sightings) == len(ARTICLES)
    assert sightings[0].url.startswith("https://") and sightings[0].site in {"baolangson", "sonoivu"}


def test_ranking_is_over_the_newest_matches_of_the_window(archive: dict[str, Document], session: Session) -> None:
    """A word in most of the archive is ranked among its newest matches only (``RANK_WINDOW``): here a window of one."""
    assert _ids(search(session, "dai hoi dang bo", limit=1, include_near_duplicates=True)) == [archive["dai_hoi"].id]
    newest = max(archive["dai_hoi"].id, archive["body_only"].id)
    assert _ids(search(session, "dai hoi dang bo", limit=1, include_near_duplicates=True, window=1)) == [newest]
