"""The states a job goes through, when a poll counts as watching, and the ids jobs and tickets get."""
from __future__ import annotations

import itertools

QUEUED, RUNNING, DONE, STOPPED, FAILED = "queued", "running", "done", "stopped", "failed"
FINISHED = (DONE, STOPPED, FAILED)
#: A watcher that has polled within this many seconds counts as watching.
WATCHING_S = 5.0

_ids = itertools.count(1)  # one sequence for jobs and tickets: an id names one thing a session holds


def next_id() -> int:
    """A new id for a job or a ticket (one sequence for both)."""
    return next(_ids)
