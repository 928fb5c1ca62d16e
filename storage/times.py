"""Publication times as the archive shows them to people and tools (export, search, the API)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

__all__ = ["local_iso", "on_page_clock"]


def on_page_clock(moment: datetime | None, offset_minutes: int | None) -> datetime | None:
    """``moment`` (stored in UTC) on the clock the page printed: with the offset it gave (or the site's timezone)."""
    if moment is None or offset_minutes is None:
        return moment
    return moment.astimezone(timezone(timedelta(minutes=offset_minutes)))


def local_iso(moment: datetime | None, offset_minutes: int | None, precision: str | None) -> str | None:
    """ISO 8601 on the page's clock; a date known only to the day is written as that day (a midnight would claim a
    time nobody gave)."""
    shown = on_page_clock(moment, offset_minutes)
    if shown is None:
        return None
    return shown.date().isoformat() if precision == "day" else shown.isoformat()
