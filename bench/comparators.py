"""Third-party article extractors to compare ours against, run offline on HTML already in memory.

Each comparator takes ``(html, url)`` and returns :class:`Fields`. The libraries are optional (the ``bench`` extra:
``pip install -e '.[dev,bench]'``, with pip >= 23.3: older pips crash resolving ``lxml[html_clean]`` beside
``lxml[html-clean]``) and imported lazily inside each function, so this module imports without them;
calling a comparator whose library is missing raises :class:`ComparatorUnavailable`. A page the library fails on
yields :data:`EMPTY` (logged) rather than stopping a benchmark run.

- :func:`news_please`: ``NewsPlease.from_html(..., fetch_images=False)``; its date is naive (news-please formats
  the candidates' dates as ``%Y-%m-%d %H:%M:%S`` before choosing, so any offset is already gone).
- :func:`newspaper`: newspaper4k's ``Article.download(input_html=...)`` + ``parse()`` with image fetching and
  meta-refresh following off; its date is aware when the page's date string carries an offset, naive otherwise.

Neither touches the network on this path (checked with sockets blocked): both get the HTML as a string, neither
downloads images, and nothing fetches NLTK data (nltk is not installed). Without it newspaper4k (so news-please
too) fails on Korean and Arabic pages, which its tokenizers route through NLTK: those pages yield EMPTY.

``AVAILABLE`` maps a comparator's name to its function for each library that imports; it is computed on first
access (importing news-please takes about a second and pulls in its storage back-ends' drivers).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from typing import Any

__all__ = ["AVAILABLE", "EMPTY", "ComparatorUnavailable", "Fields", "news_please", "newspaper"]

log = logging.getLogger(__name__)


class ComparatorUnavailable(RuntimeError):
    """The comparator's library is not installed (or fails to import)."""


@dataclass(frozen=True)
class Fields:
    """What a comparator extracted from one page.

    ``published`` is the library's datetime, aware only if the library gave an offset (a dynamic local zone such
    as dateutil's ``tzlocal()`` is frozen to the fixed offset it had at extraction time, the same instant);
    ``published_text`` is the library's raw value as ISO 8601 (``""`` when it found no date).
    """

    title: str
    published: datetime | None
    published_text: str
    authors: tuple[str, ...]
    text: str


EMPTY = Fields(title="", published=None, published_text="", authors=(), text="")

Comparator = Callable[[str, str], Fields]


def _import_news_please() -> Any:
    try:
        from newsplease import NewsPlease
    except Exception as exc:  # ImportError, or a broken install failing at import time
        raise ComparatorUnavailable(
            f"news-please is not usable ({exc!r}); install the bench extra: pip install -e '.[bench]'"
        ) from exc
    return NewsPlease


def _import_newspaper() -> Any:
    try:
        with warnings.catch_warnings():
            # newspaper4k warns at import that nltk is missing; only Article.nlp() needs it.
            warnings.filterwarnings("ignore", message="nltk is not installed", category=UserWarning)
            import newspaper as newspaper_lib
    except Exception as exc:
        raise ComparatorUnavailable(
            f"newspaper4k is not usable ({exc!r}); install the bench extra: pip install -e '.[bench]'"
        ) from exc
    return newspaper_lib


def _date(raw: object) -> tuple[datetime | None, str]:
    """``(published, published_text)`` from a library's date value, without inventing an offset."""
    if isinstance(raw, datetime):
        offset = raw.utcoffset()
        published = raw if offset is None else raw.replace(tzinfo=timezone(offset))
        return published, raw.isoformat()
    if isinstance(raw, str):
        return None, raw.strip()
    return None, ""


def _authors(raw: Iterable[object] | str | None) -> tuple[str, ...]:
    if not raw:
        return ()
    if isinstance(raw, str):
        raw = [raw]
    return tuple(name for name in (str(a).strip() for a in raw) if name)


def _fields(title: object, date: object, authors: Any, text: object) -> Fields:
    published, published_text = _date(date)
    return Fields(
        title=str(title or "").strip(),
        published=published,
        published_text=published_text,
        authors=_authors(authors),
        text=str(text or "").strip(),
    )


def news_please(html: str, url: str) -> Fields:
    """news-please's title, publication date, authors and main text for one page, offline.

    Raises:
        ComparatorUnavailable: news-please is not installed.
    """
    news_please_cls = _import_news_please()
    if not html:
        return EMPTY
    try:
        article = news_please_cls.from_html(html, url=url or None, fetch_images=False)
    except Exception as exc:  # a third-party extractor: one bad page must not stop the run
        log.warning("news-please failed on %s: %r", url, exc)
        return EMPTY
    if not article:  # from_html returns {} for empty input
        return EMPTY
    return _fields(article.title, article.date_publish, article.authors, article.maintext)


def newspaper(html: str, url: str) -> Fields:
    """newspaper4k's title, publication date, authors and text for one page, offline.

    Raises:
        ComparatorUnavailable: newspaper4k is not installed.
    """
    newspaper_lib = _import_newspaper()
    if not html:
        return EMPTY
    try:
        article = newspaper_lib.Article(url, fetch_images=False, follow_meta_refresh=False)
        article.download(input_html=html)  # takes the string as the page; no request is made
        article.parse()
    except Exception as exc:  # a third-party extractor: one bad page must not stop the run
        log.warning("newspaper4k failed on %s: %r", url, exc)
        return EMPTY
    return _fields(article.title, article.publish_date, article.authors, article.text)


_COMPARATORS: dict[str, tuple[Callable[[], Any], Comparator]] = {
    "news-please": (_import_news_please, news_please),
    "newspaper4k": (_import_newspaper, newspaper),
}


@cache
def _available() -> dict[str, Comparator]:
    found: dict[str, Comparator] = {}
    for name, (probe, comparator) in _COMPARATORS.items():
        try:
            probe()
        except ComparatorUnavailable as exc:
            log.info("comparator %s unavailable: %s", name, exc)
            continue
        found[name] = comparator
    return found


def __getattr__(name: str) -> dict[str, Comparator]:
    """``AVAILABLE``: name → comparator for each library that imports, computed once on first access."""
    if name == "AVAILABLE":
        return dict(_available())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


AVAILABLE: dict[str, Comparator]
