"""The comparator half of ``bench/throughput.py``: news-please (or newspaper4k) fetching and extracting articles over HTTP.

It runs in another interpreter (``--comparator-python``): news-please pins versions the project's dev environment
does not take, so it lives in a venv of its own (``pip install -e '.[bench]'`` there). This file imports nothing of
the project and reads its input from a JSON file, so that interpreter needs only the comparator library.

Each library is used the way its documentation shows a user fetching articles by URL:

- ``news-please`` (``batch``): ``NewsPlease.from_urls(urls, request_args={"timeout": T}, fetch_images=False)``, which
  downloads every URL in threads, then extracts them in a ``ProcessPoolExecutor`` (all cores). ``request_args`` must
  be given: without it news-please 1.6 fails every page of a multi-URL call (it reads ``request_args.get("timeout")``
  on ``None`` inside a ``try`` and stores ``{}``).
- ``news-please`` (``sequential``): ``NewsPlease.from_url(url, ...)`` one URL after another until the time limit.
- ``newspaper4k`` (``sequential``): ``newspaper.article(url)`` (download and parse) one URL after another.

An article counts as extracted when the library returned a title equal to the page's headline and a main text of at
least ``MIN_TEXT`` characters. Prints one JSON object on stdout.

    python bench/throughput_comparator.py INPUT.json --library news-please --mode batch [--time-limit S]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import unicodedata
import warnings
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

MIN_TEXT = 200
REQUEST_TIMEOUT = 30.0


def _nfc(text: str | None) -> str:
    return unicodedata.normalize("NFC", " ".join((text or "").split()))


def _fields_news_please(article: Any) -> tuple[str, str]:
    if not article or isinstance(article, dict):
        return "", ""
    return _nfc(getattr(article, "title", "")), getattr(article, "maintext", "") or ""


def _news_please_batch(urls: list[str], time_limit: float) -> dict[str, tuple[str, str]]:
    from newsplease import NewsPlease

    del time_limit  # one call; the parent bounds the whole process
    results = NewsPlease.from_urls(urls, request_args={"timeout": REQUEST_TIMEOUT}, fetch_images=False)
    return {url: _fields_news_please(results.get(url)) for url in urls}


def _sequential(fetch: Callable[[str], tuple[str, str]], urls: list[str], time_limit: float) -> dict[str, tuple[str, str]]:
    """Fetch-and-extract one URL after another until ``time_limit`` seconds have passed (the rest are not attempted)."""
    out: dict[str, tuple[str, str]] = {}
    started = time.monotonic()
    for url in urls:
        if time.monotonic() - started > time_limit:
            break
        try:
            out[url] = fetch(url)
        except Exception as exc:  # a comparator failing on one page is its result for that page
            logging.warning("%s: %r", url, exc)
            out[url] = ("", "")
    return out


def _news_please_one(url: str) -> tuple[str, str]:
    from newsplease import NewsPlease

    return _fields_news_please(NewsPlease.from_url(url, request_args={"timeout": REQUEST_TIMEOUT}, fetch_images=False))


def _newspaper_one(url: str) -> tuple[str, str]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="nltk is not installed", category=UserWarning)
        import newspaper

    article = newspaper.article(url, fetch_images=False, follow_meta_refresh=False)
    return _nfc(article.title), article.text or ""


def measure(library: str, mode: str, items: list[dict[str, str]], time_limit: float) -> dict[str, Any]:
    """Fetch and extract ``items`` (``{"url", "title"}``) with ``library``; seconds, counts and articles/s."""
    urls = [item["url"] for item in items]
    expected = {item["url"]: _nfc(item["title"]) for item in items}
    started = time.monotonic()
    if library == "news-please" and mode == "batch":
        results = _news_please_batch(urls, time_limit)
    elif library == "news-please":
        results = _sequential(_news_please_one, urls, time_limit)
    elif library == "newspaper4k":
        results = _sequential(_newspaper_one, urls, time_limit)
    else:
        raise ValueError(f"unknown comparator {library!r} / mode {mode!r}")
    seconds = time.monotonic() - started
    extracted = sum(1 for url, (title, text) in results.items() if title == expected[url] and len(text) >= MIN_TEXT)
    with_text = sum(1 for _title, text in results.values() if len(text) >= MIN_TEXT)
    package = "news-please" if library == "news-please" else "newspaper4k"
    return {
        "library": library,
        "version": metadata.version(package),
        "mode": mode,
        "attempted": len(results),
        "extracted": extracted,
        "with_text": with_text,
        "seconds": round(seconds, 3),
        "articles_per_s": round(extracted / seconds, 3) if seconds > 0 else 0.0,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Read the URLs, measure, print the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("input", type=Path, help='JSON list of {"url": ..., "title": ...}')
    parser.add_argument("--library", choices=("news-please", "newspaper4k"), default="news-please")
    parser.add_argument("--mode", choices=("batch", "sequential"), default="batch")
    parser.add_argument("--time-limit", type=float, default=120.0, help="sequential mode: stop starting pages after this")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    items = json.loads(args.input.read_text(encoding="utf-8"))
    print(json.dumps(measure(args.library, args.mode, items, args.time_limit)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
