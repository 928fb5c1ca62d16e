"""The per-page work that needs no database: decode, extract, hash and fingerprint one fetched page.

It runs in a worker process (``pipeline.extraction.worker``), outside any transaction, so several pages are prepared at once on
several cores while the crawler fetches, and a database write that must be retried never runs extraction again.
What it returns is plain data that pickles back to the crawl's process, where ``pipeline.archive.ingest.store_page`` writes
it in one transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.dedup.neardup import Fingerprint, NearDupParams, fingerprint
from pipeline.document import Extraction, PageHints
from pipeline.errors import NotArticleError, PageError
from pipeline.extraction.decode import decode_html
from pipeline.extraction.extract import extract
from pipeline.extraction.template import SiteTemplate
from pipeline.sites import Site
from pipeline.text import content_hash
from storage.repository import compress_html

__all__ = ["Extractor", "PreparedPage", "prepare_page"]

# (html, final URL, site, listing/feed hints, the site's learned template) → Extraction
Extractor = Callable[[str, str, Site, PageHints | None, SiteTemplate | None], Extraction]


@dataclass(frozen=True)
class PreparedPage:
    """What became of one page before storage: ``article`` (with its extraction, content hash and fingerprint),
    ``not_article`` or ``error`` (with the reason recorded on its ``pages`` row).

    ``timings`` holds the seconds each step took (``compress``, ``decode``, ``extract``, ``fingerprint``): summed per
    run, they say where a crawl's time goes.
    """

    outcome: str
    raw_html: bytes | None = None  # the body as ``pages.raw_html`` stores it (compressed here, off the crawl's thread)
    extraction: Extraction | None = None
    digest: str = ""
    fingerprint: Fingerprint | None = None
    error: str | None = None
    timings: dict[str, float] = field(default_factory=dict)


def prepare_page(
    body: bytes, content_type: str | None, url: str, site: Site, hints: PageHints | None, template: SiteTemplate | None,
    params: NearDupParams | None, extractor: Extractor = extract,
) -> PreparedPage:  # fmt: skip
    """Decode and extract ``body`` (fetched from ``url``, after redirects), then hash and fingerprint its text.

    ``params`` None skips the fingerprint (the caller computes it when it needs one). Page-level failures are
    outcomes, never exceptions: a non-article page is ``not_article``, an undecodable page or a failed extraction
    ``error`` with the exception's class and message.
    """
    timings: dict[str, float] = {}
    started = time.perf_counter()
    raw_html = compress_html(body)
    timings["compress"], started = time.perf_counter() - started, time.perf_counter()
    try:
        html = decode_html(body, content_type)
        decoded = time.perf_counter()
        timings["decode"] = decoded - started
        extraction = extractor(html, url, site, hints, template)
        timings["extract"] = time.perf_counter() - decoded
    except NotArticleError as exc:
        return PreparedPage("not_article", raw_html, error=str(exc), timings=timings)
    except PageError as exc:
        return PreparedPage("error", raw_html, error=f"{type(exc).__name__}: {exc}", timings=timings)
    hashed = time.perf_counter()
    digest = content_hash(extraction.text)
    fp = fingerprint(extraction.text, params) if params is not None else None
    timings["fingerprint"] = time.perf_counter() - hashed
    return PreparedPage("article", raw_html, extraction, digest, fp, timings=timings)
