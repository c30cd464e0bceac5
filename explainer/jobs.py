"""Long work (training, style transfer, downloads) off the page's thread, shared where it can be.

A job is a generator of progress events. The runner drives it on a worker thread,
keeps every event for the page to poll, stops it between two events when asked,
and lets only a few *heavy* jobs run at once per process (one per two CPU cores by
default); the rest wait in a FIFO queue whose position (and an estimated wait) the
page can show. A job whose page has stopped polling (tab closed, page switched) is
stopped too, so no thread runs forever.

    job = default_runner().submit("train", lambda: train_events(...))
    ... later, from any rerun ...
    job.touch(); job.events_since(n); job.cancel()

**Shared runs.** A seeded run depends only on its settings and data, so a whole class
asking for the same one needs it computed once. ``submit(..., share_key=key)`` returns a
:class:`Ticket`: the first one starts the job; a later ticket with the same key attaches
to it while it runs (same events, live) or replays it at once when it has finished.
Each ticket's ``cancel`` only stops *that* watcher; the job stops when nobody is left
watching. The runner keeps the ``max_shared`` most recently asked-for finished runs
(least recently used go first); stopped and failed runs are never replayed. What a
shared job returns is seen by every ticket: treat it as read-only (copy to change it).
"""
from __future__ import annotations

import collections
import functools
import itertools
import statistics
import threading
import time
import traceback
from typing import Any, Callable, Hashable, Iterator

from explainer.device import cpu_count

QUEUED, RUNNING, DONE, STOPPED, FAILED = "queued", "running", "done", "stopped", "failed"
FINISHED = (DONE, STOPPED, FAILED)
#: A watcher that has polled within this many seconds counts as watching.
WATCHING_S = 5.0

_ids = itertools.count(1)  # one sequence for jobs and tickets: an id names one thing a session holds


class Job:
    """One piece of long work and everything it has reported so far (thread-safe reads)."""

    shared = False    # a Ticket says True
    replayed = False  # a Ticket handed a finished run says True

    def __init__(self, name: str, make_events: Callable[[], Iterator[Any]], *, heavy: bool,
                 abandon_after_s: float | None):
        self.id = next(_ids)
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


class Ticket:
    """One watcher's handle on a shared :class:`Job`: the job's events and result, its own Stop.

    Reads like a Job. ``cancel()`` detaches this watcher only: from then on the ticket
    reads ``stopped`` with the events it had (the run goes on for the others, and stops
    when nobody is left watching). ``id`` is the ticket's own; ``run_id`` the job's.
    """

    shared = True

    def __init__(self, job: Job, runner: JobRunner, *, replayed: bool):
        self.id = next(_ids)
        self.job = job
        self.replayed = replayed     # handed a run that had already finished
        self.attached = False        # joined a run someone else started (set by the runner)
        self._runner = runner
        self._cap: int | None = None  # events seen when this watcher stopped watching
        self._last_seen = time.monotonic()

    # --- the job, as this watcher sees it ----------------------------------------------
    run_id = property(lambda self: self.job.id)
    name = property(lambda self: self.job.name)
    heavy = property(lambda self: self.job.heavy)
    created = property(lambda self: self.job.created)
    started = property(lambda self: self.job.started)
    finished = property(lambda self: self.job.finished)
    elapsed_s = property(lambda self: self.job.elapsed_s)
    watchers = property(lambda self: self.job.watchers)

    @property
    def detached(self) -> bool:
        return self._cap is not None

    @property
    def state(self) -> str:
        return STOPPED if self.detached else self.job.state

    @property
    def error(self) -> str | None:
        return None if self.detached else self.job.error

    @property
    def result(self) -> Any:
        return None if self.detached else self.job.result

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED

    @property
    def finished_ok(self) -> bool:
        return self.state == DONE

    def events_since(self, n: int = 0) -> list[Any]:
        events = self.job.events_since(n)
        return events if self._cap is None else events[:max(0, self._cap - n)]

    @property
    def n_events(self) -> int:
        return self.job.n_events if self._cap is None else self._cap

    @property
    def events(self) -> list[Any]:
        return self.events_since(0)

    @property
    def latest(self) -> Any:
        n = self.n_events
        events = self.job.events_since(n - 1) if n else []
        return events[0] if events else None

    def queue_position(self) -> int:
        return 0 if self.detached else self.job.queue_position()

    def estimated_wait_s(self) -> float | None:
        return None if self.detached else self.job.estimated_wait_s()

    def wait(self, timeout: float | None = None) -> bool:
        return True if self.detached else self.job.wait(timeout)

    # --- what a page calls -----------------------------------------------------------
    def touch(self) -> None:
        self._last_seen = self.job._last_seen = time.monotonic()
        self._runner._note_watcher(self.id)

    def cancel(self) -> None:
        """Stop watching; the run stops too when no other watcher has polled recently."""
        self._runner._detach(self)


class JobRunner:
    """Runs jobs on daemon threads; at most ``max_heavy`` heavy jobs at once, FIFO.

    Args:
        max_heavy: heavy jobs running at once (default: one per two CPU cores).
        abandon_after_s: stop a job nobody has touched for this long (None: never).
        max_shared: finished shared runs kept for replay (least recently asked-for dropped first).
    """

    def __init__(self, max_heavy: int | None = None, *, abandon_after_s: float | None = 30.0,
                 max_shared: int = 16):
        self.max_heavy = max_heavy or max(1, cpu_count() // 2)
        self.abandon_after_s = abandon_after_s
        self.max_shared = max_shared
        self._cond = threading.Condition()
        self._waiting: collections.deque[Job] = collections.deque()
        self._running: set[Job] = set()
        self._shared: collections.OrderedDict[Hashable, Job] = collections.OrderedDict()
        self._durations: dict[str, collections.deque[float]] = {}
        self._watch_times: dict[int, float] = {}

    @property
    def cores_per_heavy_job(self) -> float:
        return cpu_count() / self.max_heavy

    def submit(self, name: str, make_events: Callable[[], Iterator[Any]], *, heavy: bool = True,
               share_key: Hashable | None = None) -> Job | Ticket:
        """Queue ``make_events()`` (called on the worker thread) and return its Job at once.

        With ``share_key``: a :class:`Ticket` on the run of that key, started here only if
        no running or finished run of that key is kept (see the module's docstring).
        """
        if share_key is None:
            return self._start(name, make_events, heavy)
        with self._cond:
            job = self._shared.get(share_key)
            fresh = job is None or job.state in (STOPPED, FAILED) or job._stop.is_set()
            if fresh:
                job = self._shared[share_key] = self._start(name, make_events, heavy)
            self._shared.move_to_end(share_key)
            ticket = Ticket(job, self, replayed=job.state == DONE)
            ticket.attached = not fresh and not ticket.replayed
            job._tickets.add(ticket)
            self._forget_old_runs()
        return ticket

    def shared_runs(self) -> int:
        """Shared runs kept now (running or finished)."""
        with self._cond:
            return len(self._shared)

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

    def watchers(self) -> int:
        """Jobs and tickets polled within the last ``WATCHING_S`` seconds: how many pages are watching."""
        now = time.monotonic()
        with self._cond:
            for key in [k for k, t in self._watch_times.items() if now - t > WATCHING_S]:
                del self._watch_times[key]
            return len(self._watch_times)

    def estimated_wait_s(self, job: Job) -> float | None:
        """Until ``job`` (queued) starts: its turn in the queue times a typical run of its name."""
        with self._cond:
            typical = self._typical_s(job.name)
            if typical is None or job not in self._waiting:
                return None
            ahead = self._waiting.index(job)
            left = sorted(max(0.0, (self._typical_s(j.name) or typical) - j.elapsed_s) for j in self._running)
            soonest = left[0] if len(left) >= self.max_heavy else 0.0
            return soonest + ahead * typical / self.max_heavy

    # --- internals -----------------------------------------------------------------
    def _start(self, name: str, make_events: Callable[[], Iterator[Any]], heavy: bool) -> Job:
        job = Job(name, make_events, heavy=heavy, abandon_after_s=self.abandon_after_s)
        job._runner = self
        threading.Thread(target=self._worker, args=(job,), name=f"job-{job.id}-{name}", daemon=True).start()
        return job

    def _typical_s(self, name: str) -> float | None:
        runs = self._durations.get(name)
        return statistics.median(runs) if runs else None

    def _forget_old_runs(self) -> None:
        """Drop stopped/failed runs, then the least recently asked-for finished ones beyond ``max_shared``."""
        for key in [k for k, j in self._shared.items() if j.state in (STOPPED, FAILED)]:
            del self._shared[key]
        done = [k for k, j in self._shared.items() if j.state == DONE]
        for key in done[:max(0, len(done) - self.max_shared)]:
            del self._shared[key]

    def _detach(self, ticket: Ticket) -> None:
        job = ticket.job
        with self._cond:
            if ticket.detached or job.is_finished:
                return
            ticket._cap = job.n_events
            job._tickets.discard(ticket)
            now = time.monotonic()
            if not any(now - t._last_seen <= WATCHING_S for t in job._tickets):
                job.cancel()

    def _note_watcher(self, key: int) -> None:
        with self._cond:
            self._watch_times[key] = time.monotonic()

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
            with self._cond:
                if job.heavy:
                    self._running.discard(job)
                if job.state == DONE:  # what a queued job of this name can expect to wait
                    self._durations.setdefault(job.name, collections.deque(maxlen=5)).append(job.elapsed_s)
                self._forget_old_runs()
                self._cond.notify_all()


@functools.cache
def default_runner() -> JobRunner:
    """The one runner this process shares among all sessions."""
    return JobRunner()
