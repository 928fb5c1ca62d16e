"""Site declarations: TOML files validated into frozen ``Site`` objects.

Sites are data: department units merge and move, so operators change a TOML file, not code. The package ships
``langson.toml``; ``--sites FILE`` / ``NEWSHARVEST_SITES`` add sites or override shipped ones by ``name`` (a table in a
later file replaces the whole declaration of the same name). Everything is validated at load time and every message
names the file, the site and the key.

The module lives in ``pipeline`` (not ``crawler``) because extraction needs a site's selectors and timezone, and the
pipeline must not import Scrapy.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.errors import SiteConfigError

__all__ = ["SHIPPED_SITES", "Selectors", "Site", "load_sites", "parse_sites"]

SHIPPED_SITES = "langson.toml"
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_EVERY_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
SELECTOR_FIELDS = ("title", "date", "author", "body", "drop")


@dataclass(frozen=True)
class Selectors:
    """Optional per-site overrides; XPath when the expression starts with ``/`` or ``(``, CSS otherwise."""

    title: str | None = None
    date: str | None = None
    author: str | None = None
    body: str | None = None
    # Elements removed before any extraction: site chrome that misleads generic extractors (a header showing
    # today's date, a slogan banner).
    drop: tuple[str, ...] = ()


@dataclass(frozen=True)
class Site:
    """One news site, as declared in a site file."""

    name: str
    base_url: str
    start_urls: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    article_url_pattern: re.Pattern[str] | None = None
    listing_url_pattern: re.Pattern[str] | None = None
    selectors: Selectors = field(default_factory=Selectors)
    timezone: str = "Asia/Ho_Chi_Minh"
    schedule: Mapping[str, str] | None = None
    lang: str = "vi"
    title: str = ""
    # Order of date day/month when a page shows a numeric date with no other clue: Drupal's default is month-first.
    date_order: str = "DMY"
    # Regexes for whole lines of chrome that leak into extracted text (slogans, skip links, share buttons).
    drop_lines: tuple[re.Pattern[str], ...] = ()
    max_listing_pages: int = 50
    # Other hosts a page of this site may redirect to and still be fetched ("www." moves, a new domain); any other
    # host a redirect points to is recorded and not followed.
    redirect_hosts: tuple[str, ...] = ()
    # Politeness for this site alone, over the global settings: loosened for an operator's own mirror, tightened for a
    # fragile site. None: the global value (NEWSHARVEST_CONCURRENCY, NEWSHARVEST_DOWNLOAD_DELAY, AutoThrottle on).
    # robots.txt Crawl-delay still wins over a smaller download_delay.
    concurrency_per_host: int | None = None
    download_delay: float | None = None
    autothrottle: bool | None = None
    source: str = ""

    @property
    def tz(self) -> ZoneInfo:
        """The site's timezone, applied to dates that carry no offset."""
        return ZoneInfo(self.timezone)

    @property
    def host(self) -> str:
        """Lower-case host (with port) of ``base_url``: the crawl never leaves it."""
        return urlsplit(self.base_url).netloc.lower()

    def absolute(self, path_or_url: str) -> str:
        """Resolve a path from the declaration against ``base_url``."""
        return urljoin(self.base_url.rstrip("/") + "/", path_or_url.lstrip("/")) if not _is_absolute(path_or_url) else path_or_url

    def is_article_url(self, url: str) -> bool:
        """Whether ``url`` (same host) matches the article pattern; a feed/sitemap-only site accepts every URL."""
        return self._matches(self.article_url_pattern, url, default=True)

    def is_listing_url(self, url: str) -> bool:
        """Whether ``url`` (same host) is a listing or pagination page to follow."""
        return self._matches(self.listing_url_pattern, url, default=False)

    def is_own_url(self, url: str) -> bool:
        """Whether ``url`` lives on this site's host."""
        return urlsplit(url).netloc.lower() == self.host

    def may_redirect_to(self, url: str) -> bool:
        """Whether a redirect of this site's pages to ``url`` may be followed: its own host or a declared one."""
        host = urlsplit(url).netloc.lower()
        return host == self.host or host in self.redirect_hosts

    def with_base_url(self, base_url: str) -> Site:
        """The same site served from another host (a replica, a mirror): nothing else changes."""
        _check_base_url(base_url, self.source, self.name, "base_url")
        return dataclasses.replace(self, base_url=base_url.rstrip("/"))

    def _matches(self, pattern: re.Pattern[str] | None, url: str, *, default: bool) -> bool:
        if pattern is None:
            return default
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        # searched in path?query ('-\d+\.html$', '^/tin-tuc/'), or in the whole URL for a pattern written as one
        # ('^https://example\.vn/tin-tuc/'): new users write both
        return pattern.search(target) is not None or pattern.search(url) is not None


def _is_absolute(url: str) -> bool:
    return bool(urlsplit(url).scheme)


def _check_base_url(value: str, source: str, site: str, key: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SiteConfigError(f"must be an absolute http(s) URL, got {value!r}", source=source, site=site, key=key)


_KNOWN_KEYS = {
    "name", "base_url", "start_urls", "feeds", "sitemaps", "article_url_pattern", "listing_url_pattern",
    "selectors", "selector_set", "timezone", "schedule", "lang", "title", "date_order", "drop_lines",
    "max_listing_pages", "redirect_hosts", "concurrency_per_host", "download_delay", "autothrottle",
}  # fmt: skip


def _str_list(raw: dict[str, Any], key: str, source: str, site: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise SiteConfigError("must be a list of non-empty strings", source=source, site=site, key=key)
    return tuple(value)


_MAX_CONCURRENCY_PER_HOST = 32
_MAX_DOWNLOAD_DELAY = 3600.0


def _politeness(raw: dict[str, Any], source: str, site: str) -> dict[str, Any]:
    """``concurrency_per_host`` (1–32), ``download_delay`` (seconds, 0–3600) and ``autothrottle`` (true/false)."""
    values: dict[str, Any] = {}
    if "concurrency_per_host" in raw:
        value = raw["concurrency_per_host"]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _MAX_CONCURRENCY_PER_HOST:
            raise SiteConfigError(
                f"must be an integer from 1 to {_MAX_CONCURRENCY_PER_HOST}, got {value!r}", source=source, site=site,
                key="concurrency_per_host",
            )  # fmt: skip
        values["concurrency_per_host"] = value
    if "download_delay" in raw:
        value = raw["download_delay"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= _MAX_DOWNLOAD_DELAY:
            raise SiteConfigError(
                f"must be a number of seconds from 0 to {_MAX_DOWNLOAD_DELAY:g}, got {value!r}", source=source, site=site,
                key="download_delay",
            )  # fmt: skip
        values["download_delay"] = float(value)
    if "autothrottle" in raw:
        if not isinstance(raw["autothrottle"], bool):
            message = f"must be true or false, got {raw['autothrottle']!r}"
            raise SiteConfigError(message, source=source, site=site, key="autothrottle")
        values["autothrottle"] = raw["autothrottle"]
    return values


def _hosts(raw: dict[str, Any], key: str, source: str, site: str) -> tuple[str, ...]:
    """Host names (with port when not the default), lower-case: "www.example.vn", "example.vn:8080"."""
    hosts = []
    for value in _str_list(raw, key, source, site):
        host = urlsplit(value).netloc if "//" in value else value
        if not host or "/" in host or " " in host:
            raise SiteConfigError(f"{value!r} is not a host name", source=source, site=site, key=key)
        hosts.append(host.lower())
    return tuple(hosts)


def _regex(value: Any, source: str, site: str, key: str) -> re.Pattern[str] | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise SiteConfigError("must be a non-empty regular expression string", source=source, site=site, key=key)
    try:
        return re.compile(value)
    except re.error as exc:
        raise SiteConfigError(f"bad regular expression {value!r}: {exc}", source=source, site=site, key=key) from exc


def _selectors(raw: Any, source: str, site: str, key: str) -> Selectors:
    if raw is None:
        return Selectors()
    if not isinstance(raw, dict):
        raise SiteConfigError("must be a table", source=source, site=site, key=key)
    unknown = set(raw) - set(SELECTOR_FIELDS)
    if unknown:
        raise SiteConfigError(
            f"unknown selector(s) {sorted(unknown)}; known: {SELECTOR_FIELDS}", source=source, site=site, key=key
        )
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name == "drop":
            values[name] = _str_list(raw, "drop", source, site)
        elif not isinstance(value, str) or not value.strip():
            raise SiteConfigError("must be a non-empty XPath or CSS string", source=source, site=site, key=f"{key}.{name}")
        else:
            values[name] = value
    return Selectors(**values)


def _merge_selectors(base: Selectors, override: Selectors) -> Selectors:
    merged = {f.name: getattr(override, f.name) or getattr(base, f.name) for f in dataclasses.fields(Selectors)}
    return Selectors(**merged)


def _schedule(raw: Any, source: str, site: str) -> Mapping[str, str] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or len(raw) != 1 or not set(raw) <= {"cron", "every"}:
        raise SiteConfigError(
            'must be { cron = "m h dom mon dow" } or { every = "15m" }', source=source, site=site, key="schedule"
        )
    kind, value = next(iter(raw.items()))
    if not isinstance(value, str):
        raise SiteConfigError("value must be a string", source=source, site=site, key=f"schedule.{kind}")
    if kind == "every" and not _EVERY_RE.match(value):
        raise SiteConfigError(
            f"{value!r} is not an interval like 30s, 15m, 6h, 1d", source=source, site=site, key="schedule.every"
        )
    if kind == "cron" and len(value.split()) != 5:
        raise SiteConfigError(f"{value!r} is not a five-field cron expression", source=source, site=site, key="schedule.cron")
    return {kind: value}


def _build_site(raw: dict[str, Any], source: str, selector_sets: Mapping[str, Selectors]) -> Site:
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise SiteConfigError(f"name must match {_NAME_RE.pattern}, got {name!r}", source=source, key="name")
    unknown = set(raw) - _KNOWN_KEYS
    if unknown:
        raise SiteConfigError(f"unknown key(s) {sorted(unknown)}", source=source, site=name, key=sorted(unknown)[0])
    base_url = raw.get("base_url")
    if not isinstance(base_url, str):
        raise SiteConfigError("is required", source=source, site=name, key="base_url")
    _check_base_url(base_url, source, name, "base_url")

    selectors = _selectors(raw.get("selectors"), source, name, "selectors")
    set_name = raw.get("selector_set")
    if set_name is not None:
        if set_name not in selector_sets:
            raise SiteConfigError(f"no selector set {set_name!r} is declared", source=source, site=name, key="selector_set")
        selectors = _merge_selectors(selector_sets[set_name], selectors)

    timezone = raw.get("timezone", "Asia/Ho_Chi_Minh")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise SiteConfigError(f"unknown timezone {timezone!r}", source=source, site=name, key="timezone") from exc

    date_order = raw.get("date_order", "DMY")
    if date_order not in ("DMY", "MDY"):
        raise SiteConfigError("must be 'DMY' or 'MDY'", source=source, site=name, key="date_order")
    max_listing_pages = raw.get("max_listing_pages", 50)
    if not isinstance(max_listing_pages, int) or max_listing_pages < 1:
        raise SiteConfigError("must be a positive integer", source=source, site=name, key="max_listing_pages")

    site = Site(
        name=name,
        base_url=base_url.rstrip("/"),
        start_urls=_str_list(raw, "start_urls", source, name),
        feeds=_str_list(raw, "feeds", source, name),
        sitemaps=_str_list(raw, "sitemaps", source, name),
        article_url_pattern=_regex(raw.get("article_url_pattern"), source, name, "article_url_pattern"),
        listing_url_pattern=_regex(raw.get("listing_url_pattern"), source, name, "listing_url_pattern"),
        selectors=selectors,
        timezone=timezone,
        schedule=_schedule(raw.get("schedule"), source, name),
        lang=str(raw.get("lang", "vi")),
        title=str(raw.get("title", "")),
        date_order=date_order,
        drop_lines=tuple(
            p for p in (_regex(v, source, name, "drop_lines") for v in _str_list(raw, "drop_lines", source, name)) if p
        ),
        max_listing_pages=max_listing_pages,
        redirect_hosts=_hosts(raw, "redirect_hosts", source, name),
        **_politeness(raw, source, name),
        source=source,
    )
    if not site.feeds and not site.sitemaps:
        if not site.start_urls:
            raise SiteConfigError("a site needs feeds, sitemaps or start_urls", source=source, site=name, key="start_urls")
        if site.article_url_pattern is None:
            raise SiteConfigError(
                "a site crawled from listing pages needs an article pattern", source=source, site=name, key="article_url_pattern"
            )
    return site


def parse_sites(text: str, source: str = "<string>") -> dict[str, Site]:
    """Parse one site file's text into ``{name: Site}``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SiteConfigError(f"not valid TOML: {exc}", source=source) from exc
    unknown_top = set(data) - {"site", "selector_sets"}
    if unknown_top:
        raise SiteConfigError(
            f"unknown top-level key(s) {sorted(unknown_top)}; expected [[site]] and [selector_sets.*]", source=source
        )
    selector_sets = {
        set_name: _selectors(raw, source, "", f"selector_sets.{set_name}")
        for set_name, raw in data.get("selector_sets", {}).items()
    }
    sites: dict[str, Site] = {}
    entries = data.get("site", [])
    if not isinstance(entries, list):
        raise SiteConfigError("'site' must be an array of tables: write [[site]]", source=source)
    for raw in entries:
        site = _build_site(raw, source, selector_sets)
        if site.name in sites:
            raise SiteConfigError("declared twice in the same file", source=source, site=site.name, key="name")
        sites[site.name] = site
    return sites


def load_sites(extra_files: Iterable[str | Path] = (), *, include_shipped: bool = True) -> dict[str, Site]:
    """The shipped Lạng Sơn sites, then each extra file in order; later declarations replace earlier ones by name."""
    sites: dict[str, Site] = {}
    if include_shipped:
        shipped = resources.files(__package__).joinpath(SHIPPED_SITES)
        sites.update(parse_sites(shipped.read_text(encoding="utf-8"), source=f"shipped {SHIPPED_SITES}"))
    for path in extra_files:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SiteConfigError(f"cannot read site file: {exc.strerror}", source=str(path)) from exc
        sites.update(parse_sites(text, source=str(path)))
    return sites
