"""Crawl child processes, as the scheduled service and the HTTP server start them: each in its own process group,
with an address-space limit, and told by the kernel to stop should its parent die first."""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import signal
import subprocess
from typing import Any

__all__ = ["kill_group", "limit_child", "signal_group"]

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def limit_child(memory_bytes: int) -> None:
    """In the crawl process before it starts (``preexec_fn``): cap its address space, and have the kernel send it
    SIGTERM should its parent die (kill -9) first, so no crawl outlives the process that enforces its time limit
    (Linux only)."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def signal_group(child: subprocess.Popen[Any], signum: int) -> None:
    """Send ``signum`` to the child's whole process group (a crawl's own workers too); a group already gone is fine."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)


def kill_group(child: subprocess.Popen[Any]) -> None:
    """SIGKILL the child's process group and reap the child."""
    signal_group(child, signal.SIGKILL)
    child.wait()
