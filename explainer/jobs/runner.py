"""The job runner: worker threads, the FIFO queue of heavy jobs, shared runs kept for replay, the wait estimate."""
from __future__ import annotations

import collections
import functools
import statistics
import threading
import time
from typing import Any, Callable, Hashable, Iterator

from explainer.device import cpu_count
from explainer.jobs.job import Job
from explainer.jobs.states import DONE, FAILED, STOPPED, WATCHING_S
from explainer.jobs.ticket import Ticket


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
        no running or finished run of that key is kept (see ``explainer.jobs``' docstring).
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
