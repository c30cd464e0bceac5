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
from explainer.jobs.job import Job
from explainer.jobs.runner import JobRunner, default_runner
from explainer.jobs.states import DONE, FAILED, FINISHED, QUEUED, RUNNING, STOPPED, WATCHING_S
from explainer.jobs.ticket import Ticket

__all__ = [
    # states
    "QUEUED", "RUNNING", "DONE", "STOPPED", "FAILED", "FINISHED", "WATCHING_S",
    # handles a page holds
    "Job", "Ticket",
    # the runner
    "JobRunner", "default_runner",
]
