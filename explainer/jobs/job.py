"""One piece of long work on a worker thread: its events, its state, Stop, and how a page reads it."""
from __future__ import annotations

import threading
import time
import traceback
from typing import TYPE_CHECKING, Any, Callable, Iterator

from explainer.jobs.states import DONE, FAILED, FINISHED, QUEUED, RUNNING, STOPPED, next_id

if TYPE_CHECKING:
    from explainer.jobs.runner import JobRunner
    from explainer.jobs.ticket import Ticket


class Job:
    """One piece of long work and everything it has reported so far (thread-safe reads)."""

    shared = False    # a Ticket says True
    replayed = False  # a Ticket handed a finished run says True

    def __init__(self, name: str, make_events: Callable[[], Iterator[Any]], *, heavy: bool,
                 abandon_after_s: float | None):
        self.id = next_id()
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
        self._tickets: set[Ticket] = set()  # watchers of a shared job (guarded by the runner's lock)

    # --- what a page calls -----------------------------------------------------------
    @property
    def run_id(self) -> int:
        """The id of the computation behind this handle (a cache key for what is made from its result)."""
        return self.id

    def cancel(self) -> None:
        """Ask the job to stop; it does so before its next event (or leaves the queue now)."""
        self._stop.set()
        if self._runner is not None:
            self._runner._wake()

    def touch(self) -> None:
        """The page is still watching: call on every poll so the job is not taken as abandoned."""
        self._last_seen = time.monotonic()
        if self._runner is not None:
            self._runner._note_watcher(self.id)

    def events_since(self, n: int = 0) -> list[Any]:
        with self._lock:
            return self._events[n:]

    @property
    def n_events(self) -> int:
        with self._lock:
            return len(self._events)

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

    @property
    def watchers(self) -> int:
        """Sessions watching this run (1 for a job of one's own)."""
        return max(1, len(self._tickets))

    def queue_position(self) -> int:
        """0 while running or finished; 1 = next to start, 2 = one job ahead, ..."""
        return self._runner.position(self) if self._runner and self.state == QUEUED else 0

    def estimated_wait_s(self) -> float | None:
        """Seconds until a queued job starts, from recent runs of the same name (None: no idea yet)."""
        return self._runner.estimated_wait_s(self) if self._runner and self.state == QUEUED else None

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
            events = self._make_events = None  # its closure may hold big inputs (photos): a kept run needs only events + result
            self.finished = time.monotonic()
            self._done.set()
