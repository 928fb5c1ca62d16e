"""A one-line crawl progress display on a terminal (nothing when output is redirected: logs and the summary suffice)."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO


class ProgressPrinter:
    """Rewrites one status line per site on stderr, at most a few times a second."""

    def __init__(self, stream: TextIO | None = None, min_interval: float = 0.2, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.min_interval = min_interval
        self._last = 0.0
        self._state: dict[str, dict[str, int]] = {}

    def update(self, site: str, counts: dict[str, int]) -> None:
        """Record a site's counts and redraw when enough time has passed."""
        self._state[site] = dict(counts)
        now = time.monotonic()
        if self.enabled and now - self._last >= self.min_interval:
            self._last = now
            self._draw()

    def _draw(self) -> None:
        parts = [
            f"{site}: {c.get('pages', 0)} pages, {c.get('new', 0)} new ({c.get('near_duplicates', 0)} near), "
            f"{c.get('duplicates', 0)} dup, {c.get('errors', 0)} err"
            for site, c in self._state.items()
        ]
        self.stream.write("\r\x1b[K" + " | ".join(parts)[:200])
        self.stream.flush()

    def __enter__(self) -> ProgressPrinter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.enabled and self._state:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
