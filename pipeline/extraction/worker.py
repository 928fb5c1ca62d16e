"""Per-page work in worker processes that can be killed: a pool sized from the machine's cores, a time limit per task.

trafilatura and lxml can spin for minutes on pathological HTML, and a thread cannot be stopped; a worker process
can. Each of the pool's slots is a one-process ``multiprocessing`` pool, so a task past its time limit costs only its
own slot (terminated, started again for the next task) while the other slots carry on. Processes are reused between
tasks (start-up costs about a second) and replaced after ``MAX_TASKS_PER_CHILD`` tasks, which also bounds any memory
the parsers leak. Tasks wait in submission order for a free slot; the time limit runs from the moment the slot's
process starts the task, so neither a queue nor a new process's start-up times out a page.

``submit`` returns a ``concurrent.futures.Future``: the crawler awaits it on its event loop while fetching goes on,
the command-line tools block on ``.result()``.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass
from multiprocessing.pool import Pool
from types import TracebackType
from typing import Any, TypeVar

from pipeline.document import Extraction, PageHints
from pipeline.errors import ExtractionError
from pipeline.extraction.extract import extract
from pipeline.extraction.template import SiteTemplate
from pipeline.sites import Site

__all__ = ["ExtractionPool", "ExtractionWorker", "default_workers"]

log = logging.getLogger(__name__)
MAX_TASKS_PER_CHILD = 500
# How often the watchdog looks for tasks past their time limit (seconds).
_WATCH_INTERVAL = 0.1
# How long a new worker process may take to start Python and import the extraction stack (seconds).
STARTUP_LIMIT = 120.0
T = TypeVar("T")


def default_workers() -> int:
    """One worker process per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class _Task:
    future: Future[Any]
    func: Callable[..., Any]
    args: tuple[Any, ...]
    label: str
    deadline: float = 0.0


class _Slot:
    """One worker process (a one-process pool, so that it alone can be terminated) and the task it runs."""

    def __init__(self, lock: threading.Lock) -> None:
        self.pool: Pool | None = None
        self.task: _Task | None = None
        self.lock = lock  # the pool's: a new process's readiness is handled under it

    def start(self, task: _Task, timeout: float, on_done: Callable[[_Slot, _Task, bool, Any], None]) -> None:
        """Run ``task`` in this slot's process. A new process first starts Python and imports the extraction stack
        (seconds on a loaded machine): that start-up gets ``STARTUP_LIMIT``, and the task's own time limit starts
        when it is done."""
        self.task = task
        if self.pool is not None:
            self._run(task, timeout, on_done)
            return
        # spawn, not fork: the parent runs a Twisted reactor and database connections a fork would share.
        self.pool = pool = multiprocessing.get_context("spawn").Pool(1, maxtasksperchild=MAX_TASKS_PER_CHILD)
        task.deadline = time.monotonic() + STARTUP_LIMIT

        def ready(_: object) -> None:
            with self.lock:
                if self.task is task and self.pool is pool:  # not timed out or closed meanwhile
                    self._run(task, timeout, on_done)

        pool.apply_async(_started, callback=ready, error_callback=lambda error: on_done(self, task, False, error))

    def _run(self, task: _Task, timeout: float, on_done: Callable[[_Slot, _Task, bool, Any], None]) -> None:
        assert self.pool is not None
        task.deadline = time.monotonic() + timeout
        self.pool.apply_async(
            task.func, task.args,
            callback=lambda result: on_done(self, task, True, result),
            error_callback=lambda error: on_done(self, task, False, error),
        )  # fmt: skip

    def detach(self) -> Pool | None:
        """Give up the worker process (the caller terminates it outside the pool's lock)."""
        pool, self.pool, self.task = self.pool, None, None
        return pool


def _started() -> None:
    """The first task of a new worker process: importing this module (and with it the extraction stack) is the work."""


def _stop(pool: Pool | None) -> None:
    if pool is not None:
        pool.terminate()
        pool.join()


class ExtractionPool:
    """A pool of ``size`` worker processes running tasks under a per-task time limit of ``timeout`` seconds."""

    def __init__(self, timeout: float, size: int | None = None) -> None:
        self.timeout = timeout
        self.size = size if size and size > 0 else default_workers()
        self._lock = threading.Lock()
        self._slots = [_Slot(self._lock) for _ in range(self.size)]
        self._queue: deque[_Task] = deque()
        self._closed = False
        self._watchdog: threading.Thread | None = None

    def submit(self, func: Callable[..., T], *args: Any, label: str = "") -> Future[T]:
        """Run ``func(*args)`` in a worker process; the future fails with ``ExtractionError`` past the time limit.

        ``func`` and its arguments must pickle (a module-level function and plain data).
        """
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the extraction pool is closed")
            self._queue.append(_Task(future, func, args, label))
            self._dispatch()
            if self._watchdog is None:
                self._watchdog = threading.Thread(target=self._watch, name="extraction-watchdog", daemon=True)
                self._watchdog.start()
        return future

    def pending(self) -> int:
        """Tasks submitted and not finished (running or waiting for a slot)."""
        with self._lock:
            return len(self._queue) + sum(slot.task is not None for slot in self._slots)

    def close(self) -> None:
        """Stop every worker process; tasks not finished are cancelled."""
        with self._lock:
            self._closed = True
            tasks = list(self._queue) + [slot.task for slot in self._slots if slot.task is not None]
            self._queue.clear()
            pools = [slot.detach() for slot in self._slots]
        for task in tasks:
            if not task.future.cancel():  # already running: cancel() refuses, so fail it
                _fail(task.future, CancelledError())
        for pool in pools:
            _stop(pool)
        if self._watchdog is not None and self._watchdog is not threading.current_thread():
            self._watchdog.join(timeout=5)
        self._watchdog = None
        with self._lock:  # usable again: a later submit starts new processes
            self._closed = False

    def _dispatch(self) -> None:
        """Hand waiting tasks to idle slots (called with the lock held)."""
        for slot in self._slots:
            while slot.task is None and self._queue:
                task = self._queue.popleft()
                if task.future.set_running_or_notify_cancel():
                    slot.start(task, self.timeout, self._finished)

    def _finished(self, slot: _Slot, task: _Task, ok: bool, value: Any) -> None:
        """A worker's result (called on the multiprocessing pool's result thread). One that arrives past the time
        limit, before the watchdog's next look, is a time-out all the same: the limit does not depend on when the
        watchdog wakes."""
        late = time.monotonic() > task.deadline
        with self._lock:
            if slot.task is not task:
                return  # timed out and already failed; the process was replaced
            slot.task = None
            self._dispatch()
        if late:
            _fail(task.future, self._timed_out(task))
        elif ok:
            task.future.set_result(value)
        else:
            _fail(task.future, value)

    def _timed_out(self, task: _Task) -> ExtractionError:
        return ExtractionError(f"extraction timed out after {self.timeout:g}s", url=task.label)

    def _watch(self) -> None:
        """Fail and replace the worker of every task past its deadline, until the pool is closed."""
        while True:
            time.sleep(_WATCH_INTERVAL)
            expired: list[tuple[_Task, Pool | None]] = []
            with self._lock:
                if self._closed:
                    return
                now = time.monotonic()
                for slot in self._slots:
                    if slot.task is not None and now > slot.task.deadline:
                        task = slot.task
                        expired.append((task, slot.detach()))
            for task, pool in expired:
                log.warning("extraction of %s exceeded %.0fs; restarting its worker", task.label, self.timeout)
                _stop(pool)  # outside the lock: terminating waits for the pool's result thread
                _fail(task.future, self._timed_out(task))
            if expired:
                with self._lock:
                    if not self._closed:
                        self._dispatch()

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self.close()


def _fail(future: Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)


class ExtractionWorker:
    """``pipeline.extraction.extract.extract`` in one worker process with a per-page time limit, called synchronously
    (``newsharvest reextract``)."""

    def __init__(self, timeout: float) -> None:
        self._pool = ExtractionPool(timeout, size=1)

    @property
    def timeout(self) -> float:
        return self._pool.timeout

    @timeout.setter
    def timeout(self, value: float) -> None:
        self._pool.timeout = value

    def extract(
        self, html: str, url: str, site: Site, hints: PageHints | None = None, template: SiteTemplate | None = None
    ) -> Extraction:
        """Extract one page, or raise ``ExtractionError`` (including when the time limit is hit)."""
        return self._pool.submit(extract, html, url, site, hints, template, label=url).result()

    def close(self) -> None:
        """Stop the child process (it is started again on the next page)."""
        self._pool.close()

    def __enter__(self) -> ExtractionWorker:
        return self

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self.close()
