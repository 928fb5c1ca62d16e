"""The API's response and request bodies: pydantic models, so the OpenAPI schema says exactly what is sent.

Field names follow the command line's JSON (``newsharvest status --json``, ``runs --json``, ``export``,
``search``): a tool can move from the command line to the API without renaming anything.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ClusterMemberOut",
    "CrawlRequest",
    "CrawlStartedOut",
    "DocumentDetailOut",
    "DocumentOut",
    "DocumentPage",
    "ErrorOut",
    "HealthOut",
    "PageErrorOut",
    "RunDetailOut",
    "RunOut",
    "RunPage",
    "RunningOut",
    "SearchHitOut",
    "SearchPage",
    "SightingOut",
    "SiteHealthOut",
    "SiteOut",
    "StatusOut",
]

Health = Literal["ok", "warning", "failing", "unknown"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(_Model):
    """Any error: what went wrong, in one line."""

    detail: str


class HealthOut(_Model):
    """``/health``: whether the archive can be read at the schema this version needs."""

    status: Literal["ok", "unavailable"]
    database: str = Field(description="the archive's URL, password masked")
    schema_revision: str | None = Field(description="the archive's schema revision (null: no schema yet)")
    schema_expected: str
    detail: str | None = None


class DocumentOut(_Model):
    """One document in a list (``v_articles``)."""

    id: int
    site: str = Field(description='the site\'s name, "seed" for a seed document')
    origin: str = Field(description="`seed` or `crawl`")
    url: str | None = Field(description="the first URL the document was seen at (null for a seed never found online)")
    title: str
    published_at: str | None = Field(
        description="ISO 8601 with the page's offset, or only the day when the source gave only a day (as `export`)"
    )
    published_precision: str | None
    authors: list[str]
    attribution: str | None
    lang: str
    cluster_id: int = Field(description="the near-duplicate cluster's root document (the document itself when alone)")
    duplicate_of: int | None
    duplicate_score: float | None
    cluster_size: int
    first_seen_at: datetime


class DocumentPage(_Model):
    """A page of documents, newest publication first (undated last), and the cursor of the next page."""

    items: list[DocumentOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class SightingOut(_Model):
    """A URL a document was seen at (``v_sightings``)."""

    url: str
    site: str
    first_seen_at: datetime
    last_seen_at: datetime


class ClusterMemberOut(_Model):
    """A document of the same near-duplicate cluster (story)."""

    id: int
    site: str
    title: str
    url: str | None
    published_at: str | None
    is_root: bool
    similarity: float | None = Field(description="similarity to the cluster (null for the root)")


class DocumentDetailOut(DocumentOut):
    """One document with its text, every URL it was seen at and its cluster."""

    origin_ref: str
    text: str
    urls: list[SightingOut]
    cluster: list[ClusterMemberOut] = Field(description="every document of the cluster, root first (itself included)")


class RunOut(_Model):
    """One crawl run (``newsharvest runs --json``)."""

    id: int
    site: str
    trigger: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    pages_fetched: int
    new_documents: int
    near_duplicates: int
    duplicates: int
    errors: int
    skipped_known: int
    error: str | None


class RunPage(_Model):
    """A page of runs, newest first, and the cursor of the next page."""

    items: list[RunOut]
    next_before: int | None = Field(description="pass as `before` for the next page; null on the last page")


class PageErrorOut(_Model):
    """A fetch of a run that failed, and why."""

    url: str
    kind: str
    status: int | None
    error: str | None


class RunDetailOut(RunOut):
    """One run with the pages it failed on (the first 200)."""

    failed_pages: list[PageErrorOut]


class RunningOut(_Model):
    """The crawl holding the site's lease now."""

    run_id: int | None
    holder: str
    since: datetime
    stale: bool


class SiteHealthOut(_Model):
    """Signs, in the site's last finished run, that it fails or changed its layout."""

    status: Health
    reason: str | None
    run_id: int | None
    article_pages: int = Field(description="article pages the run fetched")
    errors: int = Field(description="article pages that failed (HTTP error, timeout, not HTML …)")
    without_body: int = Field(description="article pages where no article body was found (`not_article`)")
    without_date: int = Field(description="documents the run created with no publication date")


class SiteOut(_Model):
    """A declared site (or one only the archive still knows), with its runs and health."""

    name: str
    title: str
    base_url: str | None
    declared: bool
    schedule: dict[str, str] | None
    last_run: RunOut | None
    next_run: datetime | None
    running: RunningOut | None
    documents: int
    health: SiteHealthOut


class StatusOut(_Model):
    """One site's line of ``newsharvest status --json``."""

    site: str
    schedule: dict[str, str] | None
    last_run: dict[str, object] | None
    running: dict[str, object] | None
    next_run: str | None


class SearchHitOut(_Model):
    """One search result (``storage.search.SearchHit.as_json``): ``snippet`` is HTML (escaped text, matches in <mark>)."""

    id: int
    title: str
    site: str
    url: str | None
    published_at: str | None
    published_precision: str | None
    score: float
    snippet: str
    cluster_id: int
    duplicate_of: int | None
    also_matched: list[int]


class SearchPage(_Model):
    """Search results, best first."""

    query: str
    items: list[SearchHitOut]
    next_offset: int | None


class CrawlRequest(_Model):
    """Options of a crawl started over HTTP (both optional)."""

    max_articles: int | None = Field(default=None, ge=1, le=100_000, description="fetch at most N new articles")
    refresh: bool = Field(default=False, description="fetch articles again even when the archive has them")


class CrawlStartedOut(_Model):
    """A crawl was started as a child process; its run appears in ``/api/runs`` once it holds the site's lease."""

    site: str
    pid: int
    started_at: datetime
    trigger: Literal["manual"] = "manual"
    runs_url: str
