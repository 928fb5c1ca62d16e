"""The command line run as an operator runs it (a child process), with settings fast enough for a 127.0.0.1 server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# No politeness delay and short timeouts: the servers are replicas on this machine.
FAST = {
    "NEWSHARVEST_DOWNLOAD_DELAY": "0", "NEWSHARVEST_DOWNLOAD_TIMEOUT": "2", "NEWSHARVEST_RETRY_TIMES": "1",
    "NEWSHARVEST_RETRY_BACKOFF": "0.2",
}  # fmt: skip


def cli_env(db_url: str, home: Path, **overrides: str) -> dict[str, str]:
    """This process's environment with the archive, its home and ``FAST`` settings (``overrides`` win); no site files."""
    env = {**os.environ, "NEWSHARVEST_DB": db_url, "NEWSHARVEST_HOME": str(home), **FAST, **overrides}
    env.pop("NEWSHARVEST_SITES", None)
    return env


def run_cli(env: dict[str, str], *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """``newsharvest ARGS`` to completion, output captured; the exit status is the caller's to check."""
    return subprocess.run([sys.executable, "-m", "newsharvest", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)  # fmt: skip
