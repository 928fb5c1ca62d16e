"""Log output: one line per event, as text for a terminal or JSON for a service (``NEWSHARVEST_LOG_FORMAT=json``).

Every event carries the ``site`` and ``run_id`` it concerns when there is one (the code logs them as ``extra``), so
``journalctl -u newsharvest | jq 'select(.run_id == 42)'`` follows one run through the scheduler and its crawl.
"""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from pipeline.errors import ConfigError

__all__ = ["configure_logging"]

_CONTEXT_FIELDS = ("site", "run_id")
# Libraries whose INFO lines say nothing an operator needs (Alembic's "Context impl SQLiteImpl." on every start).
_QUIET_LOGGERS = ("alembic",)


class _TextFormatter(logging.Formatter):
    """``2026-11-23T08:00:00Z INFO newsharvest.scheduler [sonoivu run=42] message``."""

    converter = __import__("time").gmtime

    def format(self, record: logging.LogRecord) -> str:
        context = " ".join(
            f"{name}={getattr(record, name)}" if name != "site" else str(getattr(record, name))
            for name in _CONTEXT_FIELDS
            if getattr(record, name, None) is not None
        )
        record.context = f" [{context}]" if context else ""
        return super().format(record)


def configure_logging(level: str = "WARNING", fmt: str = "text") -> None:
    """Send every log record at ``level`` and above to stderr, one line each, as ``text`` or ``json``."""
    if fmt not in ("text", "json"):
        raise ConfigError(f"NEWSHARVEST_LOG_FORMAT must be 'text' or 'json', not {fmt!r}")
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter(
            "{levelname}{name}{message}", style="{", timestamp=True,
            rename_fields={"levelname": "level", "name": "logger", "message": "event"},
        ))  # fmt: skip
    else:
        handler.setFormatter(_TextFormatter("%(asctime)s %(levelname)s %(name)s%(context)s %(message)s", "%Y-%m-%dT%H:%M:%SZ"))
    # The handler filters too: Scrapy resets the root logger's level to NOTSET when its process starts.
    handler.setLevel(level.upper())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in _QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level.upper())))
