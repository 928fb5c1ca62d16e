"""Full-text search over the archive, the way people type Vietnamese: with or without diacritics.

Titles and texts are indexed folded (``storage.folding``: no diacritics, "đ" as "d", case-folded) and every query is
folded the same way, so "dai hoi dang bo" finds "Đại hội Đảng bộ" and "hoà" finds "hòa". A query is words (all must
occur, in any order) and "quoted phrases" (their words in that order). Results are ranked with the title above the
text (SQLite FTS5's BM25 with the title weighted 10 to 1; PostgreSQL's ``ts_rank`` with the title as weight A), and
near-duplicates of one story are collapsed into its best-ranked document unless asked for.
"""

from __future__ import annotations

import html
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from storage.folding import fold_for_search, search_words
from storage.models import Document, DocumentUrl, SiteRecord
from storage.times import local_iso, on_page_clock

__all__ = ["SearchHit", "SearchQuery", "SearchQueryError", "parse_query", "search", "snippet"]

# Candidates fetched per result asked for, so that collapsing near-duplicates still fills the page.
_CANDIDATES_PER_HIT = 4
_MAX_CANDIDATES = 1000
_SNIPPET_CHARS = 220
_TITLE_WEIGHT = 10.0  # BM25 weight of the title against the text's 1.0 (SQLite)


class SearchQueryError(ValueError):
    """A query with nothing to search for (no word after folding), or one that does not parse."""


@dataclass(frozen=True)
class SearchQuery:
    """A parsed query: folded words that must all occur, and folded phrases whose words must occur in order."""

    words: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]

    @property
    def all_words(self) -> frozenset[str]:
        """Every word the query looks for (for highlighting)."""
        return frozenset(self.words) | {w for phrase in self.phrases for w in phrase}

    def fts5(self) -> str:
        """The query as an FTS5 MATCH expression (each word and phrase quoted: nothing is read as an operator)."""
        return " ".join([f'"{w}"' for w in self.words] + ['"' + " ".join(p) + '"' for p in self.phrases])

    def tsquery(self) -> str:
        """The query as a PostgreSQL ``to_tsquery('simple', …)`` expression."""
        parts = list(self.words) + ["(" + " <-> ".join(p) + ")" if len(p) > 1 else p[0] for p in self.phrases]
        return " & ".join(parts)


def parse_query(query: str) -> SearchQuery:
    """Words and "quoted phrases" of ``query``, folded. Raises ``SearchQueryError`` when nothing is left to search."""
    try:
        pieces = shlex.split(query.replace("\u201c", '"').replace("\u201d", '"'), posix=True)
    except ValueError:  # an unclosed quote: read the words as they are
        pieces = query.replace('"', " ").split()
    words: list[str] = []
    phrases: list[tuple[str, ...]] = []
    for piece in pieces:
        folded = search_words(piece)
        if len(folded) > 1:  # a "quoted phrase", or "Lạng-Sơn", "COVID-19": parts the index split, in order
            phrases.append(tuple(folded))
        elif folded:
            words.append(folded[0])
    if not words and not phrases:
        raise SearchQueryError(f"nothing to search for in {query!r}")
    return SearchQuery(tuple(dict.fromkeys(words)), tuple(dict.fromkeys(phrases)))


@dataclass(frozen=True)
class SearchHit:
    """One result: a document (the best-ranked of its story unless near-duplicates are included)."""

    document_id: int
    title: str
    site: str  # the site's name, "seed" for a seed document
    url: str | None
    published_at: datetime | None  # on the clock the page printed (its own offset, or the site's timezone)
    published_precision: str | None
    score: float  # higher is better; comparable within one result list only
    snippet: str  # HTML: the text escaped, the matched words in <mark>
    cluster_id: int  # the story's root document
    duplicate_of: int | None
    also_matched: tuple[int, ...] = field(default=())  # other documents of the same story that matched (collapsed)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.document_id,
            "title": self.title,
            "site": self.site,
            "url": self.url,
            "published_at": local_iso(self.published_at, None, self.published_precision),
            "published_precision": self.published_precision,
            "score": self.score,
            "snippet": self.snippet,
            "cluster_id": self.cluster_id,
            "duplicate_of": self.duplicate_of,
            "also_matched": list(self.also_matched),
        }


# Ranking is exact over the newest ``window`` matches (in document id order, i.e. archive order) — every match when
# there are fewer. A word that occurs in most of the archive ("Lạng Sơn" in a Lạng Sơn archive) matches hundreds of
# thousands of documents, and scoring them all costs a few µs each; a news search favours recent stories anyway.
_SQLITE_SEARCH = """
SELECT id, score FROM (
    SELECT f.rowid AS id, -bm25(document_fts, :title_weight, 1.0) AS score
    FROM document_fts f {joins}
    WHERE document_fts MATCH :match {filters}
    ORDER BY f.rowid DESC
    LIMIT :window
) ORDER BY score DESC, id DESC
LIMIT :limit
"""

_POSTGRES_SEARCH = """
SELECT w.id, ts_rank(w.vector, to_tsquery('simple', :match)) AS score FROM (
    SELECT ds.document_id AS id, ds.search_vector AS vector
    FROM document_search ds {joins}
    WHERE ds.search_vector @@ to_tsquery('simple', :match) {filters}
    ORDER BY ds.document_id + 0 DESC
    LIMIT :window
) w
ORDER BY score DESC, w.id DESC
LIMIT :limit
"""
# PostgreSQL: "+ 0" and no sequential scan keep the planner on the GIN index (a bitmap of the matches, no text read)
# for every query: walking the primary key backwards or scanning the table reads each row's tsvector out of TOAST,
# which it costs as nothing (measured: 200-400 ms at 100,000 documents for a word in a tenth or in all of them).
# SQLite: the filters read site and date from an index that holds them (``ix_documents_id_site_id_published_at``):
# the table's row keeps them after the text, and reaching them there walks the text's overflow pages.
_SQLITE_JOINS = (
    "JOIN documents d INDEXED BY ix_documents_id_site_id_published_at ON d.id = f.rowid LEFT JOIN sites s ON s.id = d.site_id"
)
_POSTGRES_JOINS = "JOIN documents d ON d.id = ds.document_id LEFT JOIN sites s ON s.id = d.site_id"
RANK_WINDOW = 1000


def _details(session: Session, ids: list[int]) -> dict[int, Any]:
    """What a hit shows of each document (through the ORM, so times come back aware)."""
    first_url = select(func.min(DocumentUrl.url)).where(DocumentUrl.document_id == Document.id).scalar_subquery()
    query = (
        select(
            Document.id,
            Document.title,
            func.coalesce(SiteRecord.name, "seed").label("site"),
            Document.origin,
            Document.origin_ref,
            Document.published_at,
            Document.published_precision,
            Document.published_utc_offset,
            Document.duplicate_of,
            first_url.label("url"),
        )
        .outerjoin(SiteRecord, SiteRecord.id == Document.site_id)
        .where(Document.id.in_(ids))
    )
    return {row.id: row for row in session.execute(query)}


def search(
    session: Session,
    query: str | SearchQuery,
    *,
    site: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 20,
    offset: int = 0,
    include_near_duplicates: bool = False,
    window: int = RANK_WINDOW,
) -> list[SearchHit]:
    """The documents matching ``query``, best first; ``site`` ("seed" for seed documents), ``since``/``until``
    (publication time, inclusive) filter; near-duplicates are collapsed into their story unless
    ``include_near_duplicates``. Ranking is exact over the newest ``window`` matches (every match when fewer)."""
    parsed = parse_query(query) if isinstance(query, str) else query
    dialect = session.get_bind().dialect.name
    filters, params = _filters(site, since, until, naive_utc=dialect == "sqlite")
    wanted = offset + limit
    # collapsing near-duplicates needs more candidates than hits
    candidates = wanted if include_near_duplicates else min(_MAX_CANDIDATES, max(wanted * _CANDIDATES_PER_HIT, wanted + 20))
    if dialect == "postgresql":
        sql, match, joins = _POSTGRES_SEARCH, parsed.tsquery(), _POSTGRES_JOINS
    else:
        sql, match, joins = _SQLITE_SEARCH, parsed.fts5(), _SQLITE_JOINS
    params |= {"match": match, "limit": candidates, "title_weight": _TITLE_WEIGHT, "window": max(window, candidates)}
    sql = sql.format(joins=joins if filters else "", filters=filters)
    if dialect == "postgresql":
        session.execute(text("SET LOCAL enable_seqscan = off"))  # this transaction only
    ranked = [(int(row.id), float(row.score)) for row in session.execute(text(sql), params)]
    if not ranked:
        return []
    details = _details(session, [doc_id for doc_id, _ in ranked])
    hits: list[SearchHit] = []
    by_story: dict[int, int] = {}  # cluster id -> index in hits
    words = parsed.all_words
    for doc_id, score in ranked:
        row = details[doc_id]
        cluster = row.duplicate_of or row.id
        if not include_near_duplicates and cluster in by_story:
            kept = hits[by_story[cluster]]
            hits[by_story[cluster]] = _with_also(kept, doc_id)
            continue
        by_story[cluster] = len(hits)
        url = row.url or (row.origin_ref if row.origin == "crawl" else None)
        hits.append(
            SearchHit(
                document_id=row.id,
                title=row.title,
                site=row.site,
                url=url,
                published_at=on_page_clock(row.published_at, row.published_utc_offset),
                published_precision=row.published_precision,
                score=score,
                snippet="",  # made below, for the hits returned only
                cluster_id=cluster,
                duplicate_of=row.duplicate_of,
            )
        )
    shown = hits[offset:wanted]
    texts_query = select(Document.id, Document.text).where(Document.id.in_([hit.document_id for hit in shown]))
    texts: dict[int, str] = {row.id: row.text for row in session.execute(texts_query)}
    return [replace(hit, snippet=snippet(texts[hit.document_id], words)) for hit in shown]


def _with_also(hit: SearchHit, doc_id: int) -> SearchHit:
    return replace(hit, also_matched=(*hit.also_matched, doc_id))


def _filters(site: str | None, since: datetime | None, until: datetime | None, *, naive_utc: bool) -> tuple[str, dict[str, Any]]:
    """SQL conditions and their parameters; times compare in UTC (SQLite stores naive UTC, ``UTCDateTime``)."""

    clauses: list[str] = []
    params: dict[str, Any] = {}
    if site == "seed":
        clauses.append("AND d.site_id IS NULL")
    elif site is not None:
        clauses.append("AND s.name = :site")
        params["site"] = site
    for name, moment, operator in (("since", since, ">="), ("until", until, "<=")):
        if moment is not None:
            clauses.append(f"AND d.published_at {operator} :{name}")
            utc = moment.astimezone(UTC)
            params[name] = utc.replace(tzinfo=None) if naive_utc else utc
    return " ".join(clauses), params


def snippet(body: str, words: frozenset[str] | Sequence[str], size: int = _SNIPPET_CHARS) -> str:
    """The passage of ``body`` (about ``size`` characters) with the most query words, as HTML: the text escaped and
    each matched word in ``<mark>``; words match folded, so "dai hoi" marks "Đại hội" as printed."""
    folded = fold_for_search(body)
    if len(folded) != len(body):  # a character that folds to several ("ß"): fold one by one to keep positions
        folded = "".join((fold_for_search(c) or " ")[0] for c in body)
    wanted = sorted({w for w in words if w}, key=len, reverse=True)
    hits: list[tuple[int, int]] = []
    if wanted:
        pattern = re.compile(r"(?<![^\W_])(?:" + "|".join(map(re.escape, wanted)) + r")(?![^\W_])")
        hits = [m.span() for m in pattern.finditer(folded)]
    start = 0
    if hits:
        best, best_count, last = 0, 0, 0
        for k, hit in enumerate(hits):  # the window of ``size`` characters opening on a hit that holds the most hits
            last = max(last, k)
            while last + 1 < len(hits) and hits[last + 1][0] < hit[0] + size:
                last += 1
            if last - k + 1 > best_count:
                best, best_count = k, last - k + 1
        first = hits[best][0]
        start = max(0, first - size // 5)
        if start:
            space = body.rfind(" ", 0, start)
            start = space + 1 if space >= 0 and start - space < 30 else start
    end = min(len(body), start + size)
    if end < len(body):
        space = body.find(" ", end)
        end = space if 0 <= space - end < 30 else end
    out = ["… " if start > 0 else ""]
    cursor = start
    for a, b in hits:
        if a < start or b > end:
            continue
        out.append(html.escape(body[cursor:a]))
        out.append(f"<mark>{html.escape(body[a:b])}</mark>")
        cursor = b
    out.append(html.escape(body[cursor:end]))
    if end < len(body):
        out.append(" …")
    return " ".join("".join(out).split())
