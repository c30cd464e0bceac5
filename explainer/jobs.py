"""Long work (training, style transfer, downloads) off the page's thread.

A job is a generator of progress events. The runner drives it on a worker thread,
keeps every event for the page to poll, stops it between two events when asked,
and lets only a few *heavy* jobs run at once per process (one per two CPU cores by
default); the rest wait in a FIFO queue whose position the page can show. A job
whose page has stopped polling (tab closed, page switched) is stopped too, so no
thread runs forever.

    job = default_runner().submit("train", lambda: train_events(...))
    ... later, from any rerun ...
    job.touch(); job.events_since(n); job.cancel()
"""
from __future__ import annotations

import collections
import functools
import itertools
import threading
import time
import traceback
from typing import Any, Callable, Iterator

from explainer.device import cpu_count

QUEUED, RUNNING, DONE, STOPPED, FAILED = "queued", "running", "done", "stopped", "failed"
FINISHED = (DONE, STOPPED, FAILED)


class Job:
    """One piece of long work and everything it has reported so far (thread-safe reads)."""

    _ids = itertools.count(1)

    def __init__(self, name: str, make_events: Callable[[], Iterator[Any]], *, heavy: bool,
                 abandon_after_s: float | None):
        self.id = next(self._ids)
        self.name = name
        self.heavy = heavy
        self.state = QUEUED
        self.error: str | None = None
        self.result: Any = None  # the generator's return value, if any
        self.created = time.monotonic()
        self.started: float | None = None
        self.finished: float | None = None
        self._make_events = make_events
        self._events: list[Any] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._done = threading.Event()
        self._abandon_after_s = abandon_after_s
        self._last_seen = time.monotonic()
        self._runner: JobRunner | None = None

    # --- what a page calls -----------------------------------------------------------
    def cancel(self) -> None:
        """Ask the job to stop; it does so before its next event (or leaves the queue now)."""
        self._stop.set()
        if self._runner is not None:
            self._runner._wake()

    def touch(self) -> None:
        """The page is still watching: call on every poll so the job is not taken as abandoned."""
        self._last_seen = time.monotonic()

    def events_since(self, n: int = 0) -> list[Any]:
        with self._lock:
            return self._events[n:]

    @property
    def events(self) -> list[Any]:
        return self.events_since(0)

    @property
    def latest(self) -> Any:
        with self._lock:
            return self._events[-1] if self._events else None

    @property
    def finished_ok(self) -> bool:
        return self.state == DONE

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED

    def queue_position(self) -> int:
        """0 while running or finished; 1 = next to start, 2 = one job ahead, ..."""
        return self._runner.position(self) if self._runner and self.state == QUEUED else 0

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job has finished (tests, benchmarks). True if it did."""
        return self._done.wait(timeout)

    @property
    def elapsed_s(self) -> float:
        if self.started is None:
            return 0.0
        return (self.finished or time.monotonic()) - self.started

    # --- what the worker does --------------------------------------------------------
    def _should_stop(self) -> bool:
        if self._stop.is_set():
            return True
        if self._abandon_after_s is not None and time.monotonic() - self._last_seen > self._abandon_after_s:
            self.error = "stopped because no page was watching it any more"
            return True
        return False

    def _run(self) -> None:
        self.started = time.monotonic()
        self.state = RUNNING
        events = None
        try:
            events = self._make_events()
            while True:
                if self._should_stop():
                    self.state = STOPPED
                    break
                try:
                    event = next(events)
                except StopIteration as stop:
                    self.result = stop.value
                    self.state = DONE
                    break
                with self._lock:
                    self._events.append(event)
        except Exception as err:  # the job failed; the page shows the message, the process lives on
            self.error = f"{type(err).__name__}: {err}"
            self.traceback = traceback.format_exc()
            self.state = FAILED
        finally:
            if events is not None and hasattr(events, "close"):
                events.close()  # runs the generator's finally blocks (frees tensors)
            self.finished = time.monotonic()
            self._done.set()


class JobRunner:
    """Runs jobs on daemon threads; at most ``max_heavy`` heavy jobs at once, FIFO."""

    def __init__(self, max_heavy: int | None = None, *, abandon_after_s: float | None = 30.0):
        self.max_heavy = max_heavy or max(1, cpu_count() // 2)
        self.abandon_after_s = abandon_after_s
        self._cond = threading.Condition()
        self._waiting: collections.deque[Job] = collections.deque()
        self._running: set[Job] = set()

    def submit(self, name: str, make_events: Callable[[], Iterator[Any]], *, heavy: bool = True) -> Job:
        """Queue ``make_events()`` (called on the worker thread) and return its Job at once."""
        job = Job(name, make_events, heavy=heavy, abandon_after_s=self.abandon_after_s)
        job._runner = self
        threading.Thread(target=self._worker, args=(job,), name=f"job-{job.id}-{name}", daemon=True).start()
        return job

    def position(self, job: Job) -> int:
        with self._cond:
            try:
                return self._waiting.index(job) + 1
            except ValueError:
                return 0

    def running(self) -> int:
        with self._cond:
            return len(self._running)

    def waiting(self) -> int:
        with self._cond:
            return len(self._waiting)

    def _wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _worker(self, job: Job) -> None:
        if job.heavy:
            with self._cond:
                self._waiting.append(job)
                while not (self._waiting[0] is job and len(self._running) < self.max_heavy):
                    if job._should_stop():
                        self._waiting.remove(job)
                        job.state = STOPPED
                        job.finished = time.monotonic()
                        job._done.set()
                        self._cond.notify_all()
                        return
                    self._cond.wait(timeout=0.5)
                self._waiting.popleft()
                self._running.add(job)
                self._cond.notify_all()
        try:
            job._run()
        finally:
            if job.heavy:
                with self._cond:
                    self._running.discard(job)
                    self._cond.notify_all()


@functools.cache
def default_runner() -> JobRunner:
    """The one runner this process shares among all sessions."""
    return JobRunner()
