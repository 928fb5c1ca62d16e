"""One row of the fault table (``bench/faults.py``): what a real crawl did when one fault was injected.

Shared by the HTTP faults (``bench/faults.py``) and the database faults (``bench/fault_db.py``) so both print in one
table and one results file. The bar (issue 9): ``lost == junk == crashes == tracebacks == 0`` and a reason recorded
that an operator understands, for every row.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class FaultResult:
    """What one fault did to one crawl into one database backend."""

    fault: str  # short name: "redirect loop", "windows-1258 labelled utf-8", "sqlite locked 5 s"
    backend: str  # "sqlite" or "postgresql"
    outcome: str  # what the crawl did, in words: "recorded as failed: redirect loop (3 hops)", "stored, clean"
    lost: int = 0  # article URLs the crawl decided to follow that ended with no pages row
    junk: int = 0  # documents that are not articles (chrome, empty) or hold garbled text (U+FFFD, mojibake)
    crashes: int = 0  # crawl processes that died or exited with a status the README does not promise
    tracebacks: int = 0  # Python tracebacks printed for an expected failure
    reason_recorded: bool = True  # every failure has a reason an operator understands, stored against page or run
    reasons: list[str] = field(default_factory=list)  # the reasons as stored (pages.error / crawl_runs.error)

    @property
    def ok(self) -> bool:
        """Whether the row meets the bar."""
        return not (self.lost or self.junk or self.crashes or self.tracebacks) and self.reason_recorded

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}
