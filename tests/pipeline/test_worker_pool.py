"""The extraction pool: tasks run in parallel worker processes; one past its time limit costs only its own worker."""

from __future__ import annotations

import time
from concurrent.futures import CancelledError

import pytest

from pipeline.errors import ExtractionError
from pipeline.extraction.worker import ExtractionPool, default_workers


def _sleep_then(seconds: float, value: str) -> str:
    """A task for the pool (module level, so that it pickles): sleeps, then returns ``value``."""
    time.sleep(seconds)
    return value


def _fail(message: str) -> None:
    raise ValueError(message)


def test_default_size_is_one_worker_per_core() -> None:
    assert ExtractionPool(timeout=1).size == default_workers() >= 1
    assert ExtractionPool(timeout=1, size=3).size == 3


def test_tasks_run_in_parallel_and_a_stuck_one_is_killed_alone() -> None:
    with ExtractionPool(timeout=3, size=2) as pool:
        pool.submit(_sleep_then, 0, "warm", label="warm-up").result(timeout=60)  # start-up of the processes
        pool.submit(_sleep_then, 0, "warm", label="warm-up").result(timeout=60)
        started = time.monotonic()
        stuck = pool.submit(_sleep_then, 30, "never", label="https://example.vn/stuck")
        quick = [pool.submit(_sleep_then, 0.5, f"page {n}", label=f"page {n}") for n in range(4)]
        # The other worker takes the four quick pages one after the other while the stuck one runs.
        assert [f.result(timeout=20) for f in quick] == [f"page {n}" for n in range(4)]
        with pytest.raises(ExtractionError, match="timed out after 3s"):
            stuck.result(timeout=20)
        assert time.monotonic() - started < 15  # killed at its limit, not after its 30 s
        # its worker was replaced: the pool goes on with both slots
        assert pool.submit(_sleep_then, 0, "after", label="after").result(timeout=60) == "after"
        assert pool.pending() == 0


def test_a_task_error_reaches_its_future_only() -> None:
    with ExtractionPool(timeout=30, size=1) as pool:
        failing = pool.submit(_fail, "broken page", label="bad")
        fine = pool.submit(_sleep_then, 0, "ok", label="good")
        with pytest.raises(ValueError, match="broken page"):
            failing.result(timeout=60)
        assert fine.result(timeout=60) == "ok"


def test_closing_cancels_what_has_not_finished() -> None:
    pool = ExtractionPool(timeout=30, size=1)
    running = pool.submit(_sleep_then, 20, "slow", label="slow")
    waiting = pool.submit(_sleep_then, 0, "next", label="next")
    time.sleep(0.5)
    pool.close()
    for future in (running, waiting):
        with pytest.raises(CancelledError):
            future.result(timeout=5)
    assert pool.submit(_sleep_then, 0, "again", label="again").result(timeout=60) == "again"  # usable after close
    pool.close()


def test_a_result_past_the_limit_is_a_time_out_even_between_two_looks_of_the_watchdog() -> None:
    # the watchdog looks every 0.1 s; the new process's start-up is not counted
    with ExtractionPool(timeout=0.02, size=1) as pool, pytest.raises(ExtractionError, match="timed out"):
        pool.submit(_sleep_then, 0.06, "late", label="late").result(timeout=120)
