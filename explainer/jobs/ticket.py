"""One watcher's handle on a shared run: the run's events and result, and a Stop of its own."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from explainer.jobs.states import DONE, FINISHED, STOPPED, next_id

if TYPE_CHECKING:
    from explainer.jobs.job import Job
    from explainer.jobs.runner import JobRunner


class Ticket:
    """One watcher's handle on a shared :class:`Job`: the job's events and result, its own Stop.

    Reads like a Job. ``cancel()`` detaches this watcher only: from then on the ticket
    reads ``stopped`` with the events it had (the run goes on for the others, and stops
    when nobody is left watching). ``id`` is the ticket's own; ``run_id`` the job's.
    """

    shared = True

    def __init__(self, job: Job, runner: JobRunner, *, replayed: bool):
        self.id = next_id()
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
