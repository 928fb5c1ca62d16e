"""Settings: one place for every tunable value and its default.

Precedence, highest first: a command-line flag, a ``NEWSHARVEST_*`` environment variable, the default below. This
module is the only reader of ``os.environ`` in the project.

Public environment variables (a contract with operators' scripts):

- ``NEWSHARVEST_DB``: SQLAlchemy URL of the archive (``sqlite:////path/archive.db``, ``postgresql+psycopg://…``).
- ``NEWSHARVEST_SITES``: extra site file(s), separated by ``os.pathsep``, merged over the shipped sites by name.
- ``NEWSHARVEST_HOME``: the data folder holding the default SQLite archive (default: ``$XDG_DATA_HOME/newsharvest``,
  i.e. ``~/.local/share/newsharvest``).
- ``NEWSHARVEST_DOWNLOAD_DELAY``, ``NEWSHARVEST_DOWNLOAD_TIMEOUT``, ``NEWSHARVEST_EXTRACT_TIMEOUT``,
  ``NEWSHARVEST_EXTRACT_WORKERS``, ``NEWSHARVEST_MAX_PAGE_BYTES``, ``NEWSHARVEST_CONCURRENCY``,
  ``NEWSHARVEST_RETRY_TIMES``, ``NEWSHARVEST_RETRY_BACKOFF``, ``NEWSHARVEST_RETRY_AFTER_MAX``,
  ``NEWSHARVEST_USER_AGENT``: crawl tuning, see the defaults below.
- ``NEWSHARVEST_LEASE_TTL``: how long a crawl's site lease lasts without renewal.
- ``NEWSHARVEST_LOG_FORMAT``: ``text`` or ``json``.
- ``NEWSHARVEST_API_TOKEN``: the token ``newsharvest serve`` asks for before it starts a crawl (``Authorization:
  Bearer …`` on the API, the token field on the page); unset, no crawl can be started over HTTP.
- ``NEWSHARVEST_CRAWL_TIME_LIMIT``, ``NEWSHARVEST_CRAWL_MEMORY_LIMIT_MB``, ``NEWSHARVEST_MAX_PARALLEL_CRAWLS``,
  ``NEWSHARVEST_MISFIRE_GRACE``: the scheduled service, see the defaults below.
- ``NEWSHARVEST_NEAR_DUP_LSH_THRESHOLD``, ``NEWSHARVEST_NEAR_DUP_MIN_JACCARD``, ``NEWSHARVEST_NEAR_DUP_MIN_CONTAINMENT``,
  ``NEWSHARVEST_NEAR_DUP_MIN_SHINGLES``: near-duplicate thresholds (measured defaults in ``pipeline.dedup.neardup``).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import ConfigError

if TYPE_CHECKING:
    from pipeline.dedup.neardup import NearDupParams

__all__ = ["Settings", "default_home"]

ENV_PREFIX = "NEWSHARVEST_"
VERSION = "0.1.0"


def default_home(environ: Mapping[str, str]) -> Path:
    """The data folder: ``NEWSHARVEST_HOME``, else ``$XDG_DATA_HOME/newsharvest``, else ``~/.local/share/newsharvest``."""
    if environ.get("NEWSHARVEST_HOME"):
        return Path(environ["NEWSHARVEST_HOME"]).expanduser()
    xdg = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg).expanduser() / "newsharvest"


@dataclass(frozen=True)
class Settings:
    """Every setting with its default, in alphabetical order."""

    # The token `newsharvest serve` requires to start a crawl over HTTP; empty means starting crawls there is refused.
    # Kept out of repr(): settings may be logged.
    api_token: str = dataclasses.field(default="", repr=False)
    # Upper bound for AutoThrottle's delay between requests to one host (seconds).
    autothrottle_max_delay: float = 60.0
    # Requests in flight to one host at once; news sites of small provinces are small servers.
    concurrency_per_host: int = 2
    # Address-space limit of a scheduled crawl's process (MiB): a crawl that eats memory fails alone.
    crawl_memory_limit_mb: int = 4096
    # A scheduled crawl's process is killed past this many seconds and its run recorded as failed.
    crawl_time_limit: float = 3 * 3600.0
    # SQLAlchemy URL of the archive; empty means the SQLite file archive.db inside ``home``.
    db_url: str = ""
    # Minimum delay between two requests to one host (seconds); robots.txt Crawl-delay raises it, never lowers it.
    download_delay: float = 1.0
    # Time limit for one HTTP request (seconds).
    download_timeout: float = 30.0
    # Time limit for extracting one page (seconds): trafilatura can hang on pathological HTML.
    extract_timeout: float = 20.0
    # Worker processes extracting pages in parallel during a crawl; 0 means one per core.
    extract_workers: int = 0
    # Folder for the default SQLite archive.
    home: Path = Path("~/.local/share/newsharvest")
    # A crawl's lease on its site lasts this long without renewal (seconds; renewed every quarter of it): how soon a
    # crawl on another machine takes over from one that died without a trace.
    lease_ttl: float = 60.0
    # Log lines as "text" (terminal) or "json" (one object per event, for the service's journal).
    log_format: str = "text"
    # Pages larger than this are recorded as errors, never parsed (bytes).
    max_page_bytes: int = 8 * 1024 * 1024
    # Scheduled crawls of different sites running at once.
    max_parallel_crawls: int = 2
    # A scheduled run missed (service down, all crawl slots busy) is still started if at most this late (seconds).
    misfire_grace: float = 15 * 60.0
    # Near-duplicates; 0 / -1 mean "the measured default of pipeline.dedup.neardup.NearDupParams". Changing the LSH threshold
    # re-cuts the stored band keys from the stored signatures at the next start (no raw text is re-read).
    near_dup_lsh_threshold: float = 0.0
    near_dup_min_containment: float = 0.0
    near_dup_min_jaccard: float = 0.0
    near_dup_min_shingles: int = -1
    # Wait before the first retry of a failed request (seconds); it doubles for each further retry, up to 60 s.
    retry_backoff: float = 1.0
    # How often a failed request (5xx, timeout, connection error) is retried, with backoff.
    retry_times: int = 2
    # A 429/503 answer's Retry-After is honoured up to this many seconds (a longer one waits this long).
    retry_after_max: float = 120.0
    # Extra site files merged over the shipped ones, in order.
    sites_files: tuple[Path, ...] = ()
    # Sent with every request: says who we are and where to complain.
    user_agent: str = f"newsharvest/{VERSION} (+https://github.com/newsharvest/newsharvest; news archive bot)"

    @property
    def database_url(self) -> str:
        """The archive's SQLAlchemy URL, falling back to ``home/archive.db``."""
        return self.db_url or f"sqlite:///{(self.home / 'archive.db').expanduser()}"

    @property
    def near_dup_params(self) -> NearDupParams:
        """The near-duplicate parameters: the measured defaults, with any threshold set here replacing its default."""
        from pipeline.dedup.neardup import NearDupParams

        given = {
            "lsh_threshold": self.near_dup_lsh_threshold,
            "min_containment": self.near_dup_min_containment,
            "min_jaccard": self.near_dup_min_jaccard,
        }
        chosen: dict[str, Any] = {key: value for key, value in given.items() if value > 0}
        if self.near_dup_min_shingles >= 0:
            chosen["min_shingles"] = self.near_dup_min_shingles
        for key in ("lsh_threshold", "min_containment", "min_jaccard"):
            if key in chosen and not 0 < chosen[key] <= 1:
                raise ConfigError(f"{_env_name('near_dup_' + key)} must be between 0 and 1, not {chosen[key]}")
        return dataclasses.replace(NearDupParams(), **chosen)

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from defaults, then ``NEWSHARVEST_*`` variables, then ``overrides`` (CLI flags; None = unset)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {"home": default_home(env)}
        for f in dataclasses.fields(cls):
            raw = env.get(_env_name(f.name))
            if raw not in (None, ""):
                values[f.name] = _convert(f.name, raw, f.type)
        for key, value in (overrides or {}).items():
            if value is None or value == ():
                continue
            if key == "sites_files":
                value = tuple(values.get("sites_files", ())) + tuple(Path(p) for p in value)
            values[key] = value
        return cls(**values)


def _env_name(field_name: str) -> str:
    aliases = {"db_url": "DB", "sites_files": "SITES", "concurrency_per_host": "CONCURRENCY"}
    return ENV_PREFIX + aliases.get(field_name, field_name.upper())


def _convert(name: str, raw: str, annotation: Any) -> Any:
    kind = str(annotation)
    try:
        if "tuple[Path" in kind:
            return tuple(Path(p).expanduser() for p in raw.split(os.pathsep) if p)
        if kind == "Path":
            return Path(raw).expanduser()
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{_env_name(name)}={raw!r} is not a valid {kind}") from exc
    return raw
