"""One panel for every long job a page runs: start, live progress, Stop, queue position, failure.

A page describes its job with a start button and one or two small functions; the panel
does the lifecycle in one place: it submits the job to the process's shared runner
(``explainer.jobs.default_runner()``, heavy jobs one per two CPU cores), polls it with
``st.fragment(run_every=…)`` only while it is unfinished, shows the queue position while
it waits, a progress bar and a Stop button while it runs, the error when it fails, and
reruns the whole page once when it ends (so what depends on the result appears and the
polling stops). The job and the page's own ``context`` (a log to fill, the settings the
run used) live in the session under the job's key from ``ui.keys``.

Usage (a page)::

    from ui import keys
    from ui.job_panel import JobPanel, ProgressLine

    panel = JobPanel(keys.AUG_JOB, what="training run")   # what: a noun for the messages

    def progress(job, context) -> ProgressLine | None:      # None: nothing reported yet
        event = job.latest
        if event is None:
            return None
        return ProgressLine(fraction=event.step / event.total, text=f"step {event.step:,}", eta_s=event.eta_s)

    def draw(job, context) -> None:                        # the live result, redrawn on every poll
        st.plotly_chart(curves_figure(job.events))

    panel.start_button("Train", lambda: train_events(data, config), context={"config": config})
    panel.show(progress, draw, idle="Press **Train** to start.")
    if panel.finished_ok:                                  # e.g. the analysis of panel.job.result
        ...

Hooks receive ``(job, context)``: ``job`` is an ``explainer.jobs.Job`` (``events``,
``latest``, ``result``, ``state``, ``run_id``), ``context`` whatever was given at start.
``on_finish`` (optional) runs once per job, after the job's generator has closed, just
before the whole-page rerun: keep results in the session there.

**A whole class.** ``start_button(..., share_key=key)`` shares the run: everyone who asks
for the same key (same settings, same data, same seed) watches one computation, live, or
gets its finished result at once (``explainer.jobs``: ``Ticket``). The job is then a
``Ticket``: the same reads, plus ``shared``/``replayed``/``watchers``; its result is
everyone's, so hooks must not change it (copy first). Stop detaches only this session.
Polling adapts to the load: every ``poll_s`` seconds alone, slower (up to ``MAX_POLL_S``)
as more pages watch jobs on this server; a draw hook should cache what it builds per
``(job.run_id, job.n_events)`` so that a poll that finds nothing new sends the same
elements again without rebuilding them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Hashable, Iterator

import streamlit as st

from explainer.device import cpu_count
from explainer.jobs import DONE, FAILED, QUEUED, STOPPED, Job, Ticket, default_runner

Hook = Callable[[Job, Any], None]
#: Slowest poll: with a loaded server's own delay a watcher still sees news at least every 2 s (issue 10).
MAX_POLL_S = 1.0


@dataclass(frozen=True)
class ProgressLine:
    """What the progress bar says: ``text`` plus, while running, the time left or ``note``."""

    fraction: float                 # 0..1 of the whole job
    text: str                       # what is done, e.g. "Epoch 1/2 · 3,200 / 60,000 digits"
    eta_s: float | None = None      # seconds left, shown while running
    note: str | None = None         # shown instead of the time left (e.g. "scoring the test digits…")


def poll_every(poll_s: float, watchers: int) -> float:
    """Seconds between two polls: ``poll_s`` alone, growing with the square root of the pages
    watching (4 watchers at 0.5 s: 1 s), never above ``MAX_POLL_S``."""
    return round(min(MAX_POLL_S, max(poll_s, poll_s * math.sqrt(max(1, watchers)))), 2)


def runner_limits() -> str:
    """The job runner's rules, in a sentence for the page."""
    runner = default_runner()
    per = f"{runner.cores_per_heavy_job:g} CPU core{'s' if runner.cores_per_heavy_job != 1 else ''}"
    return (f"This server runs {runner.max_heavy} heavy job{'s' if runner.max_heavy > 1 else ''} at a time "
            f"(one per {per}; it has {cpu_count()}); the others wait in a queue, first come first served. "
            "Each page runs one job of yours at a time: starting again replaces it. Identical settings share "
            "one run.")


def duration(seconds: float) -> str:
    """``42 s`` or ``2.5 min``: times a lecture hall reads at a glance."""
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


class JobPanel:
    """The lifecycle of one kind of job on one page (one job per session at a time).

    Args:
        key: session-state key of the job (from ``ui.keys``); the panel also uses
            ``<key>_context``, ``<key>_shown`` and ``<key>_every``.
        what: a noun for messages ("training run", "painting").
        poll_s: seconds between two polls while the job is unfinished and this page is the only
            one watching a job (slower with more, see ``poll_every``).
        heavy: queue with the other heavy jobs (False: a light job such as a download).
    """

    def __init__(self, key: str, *, what: str = "job", poll_s: float = 0.5, heavy: bool = True):
        self.key, self.what, self.poll_s, self.heavy = key, what, poll_s, heavy
        self._context_key, self._shown_key, self._every_key = f"{key}_context", f"{key}_shown", f"{key}_every"

    # --- state ------------------------------------------------------------------------
    @property
    def job(self) -> Job | None:
        return st.session_state.get(self.key)

    @property
    def context(self) -> Any:
        return st.session_state.get(self._context_key)

    @property
    def running(self) -> bool:
        """Queued or running (not yet finished)."""
        return self.job is not None and not self.job.is_finished

    @property
    def finished_ok(self) -> bool:
        return self.job is not None and self.job.state == DONE

    def result_for(self, context: Any) -> Any:
        """The result of this session's finished run if it was started with ``context`` (e.g. its share
        key), else None: a run of other settings is not shown as if it were this one."""
        return self.job.result if self.finished_ok and self.context == context else None

    # --- start ------------------------------------------------------------------------
    def start(self, make_events: Callable[[], Iterator[Any]], *, context: Any = None,
              share_key: Hashable | None = None) -> None:
        """Stop this session's previous job, if any, and queue ``make_events()`` (safe in a callback).

        ``share_key``: runs with equal keys are one run for every session (see the module's docstring).
        """
        if self.running:
            self.job.cancel()
        runner = default_runner()
        st.session_state[self.key] = runner.submit(self.key, make_events, heavy=self.heavy, share_key=share_key)
        st.session_state[self._context_key] = context
        st.session_state[self._every_key] = poll_every(self.poll_s, runner.watchers() + 1)

    def start_button(self, label: str, make_events: Callable[[], Iterator[Any]], *, context: Any = None,
                     restart_label: str = "Restart with these settings", where=st, share_key: Hashable | None = None,
                     **button_options) -> None:
        """A primary button that starts (or, while one runs, restarts) the job; ``where``: a column."""
        where.button(restart_label if self.running else label, key=f"{self.key}_start", type="primary",
                     on_click=self.start, args=(make_events,), kwargs={"context": context, "share_key": share_key},
                     **button_options)

    # --- show -------------------------------------------------------------------------
    def show(self, progress: Callable[[Job, Any], ProgressLine | None], draw: Hook | None = None, *,
             on_finish: Hook | None = None, idle: str | None = None, starting: str = "Starting…") -> None:
        """Progress, Stop and messages, then ``draw(job, context)``; polled while unfinished.

        ``idle``: shown (as an info box) before the first job of the session.
        ``starting``: the progress text before ``progress`` has anything to say.
        """
        if self.job is None:
            if idle:
                st.info(idle, icon=":material/school:")
            return
        if self.running:  # the interval is fixed per full run: choose it for the load now
            every = st.session_state[self._every_key] = poll_every(self.poll_s, default_runner().watchers())
            body = st.fragment(run_every=every)(self._poll)
        else:
            body = self._poll
        body(progress, draw, on_finish, starting)

    def _poll(self, progress, draw, on_finish, starting: str) -> None:
        job, context = self.job, self.context
        job.touch()  # the page is still watching: not taken for abandoned
        top = st.columns([5, 1], vertical_alignment="center")
        with top[0]:
            self._status(job, progress(job, context), starting)
        if not job.is_finished:
            top[1].button("Stop", icon=":material/stop:", on_click=job.cancel, key=f"{self.key}_stop",
                          width="stretch", help="Stops the run for you; a run others watch goes on for them."
                          if isinstance(job, Ticket) else None)
        if draw is not None:
            draw(job, context)
        if not job.is_finished and self._load_changed():
            st.rerun()  # the whole page once: polls again at a rate fit for the number of watchers
        if job.is_finished and st.session_state.get(self._shown_key) != job.id:
            job.wait(5)  # the generator's `finally` has run once this returns
            st.session_state[self._shown_key] = job.id
            if on_finish is not None:
                on_finish(job, context)
            st.rerun()  # the whole page, once: results appear, the polling stops

    def _load_changed(self) -> bool:
        """True when the number of watchers calls for a poll rate at least twice as fast or slow."""
        current = st.session_state.get(self._every_key)
        wanted = poll_every(self.poll_s, default_runner().watchers())
        return current is not None and (wanted >= 2 * current or wanted <= current / 2)

    def _status(self, job: Job, line: ProgressLine | None, starting: str) -> None:
        if job.state == QUEUED:
            wait = job.estimated_wait_s()
            st.info(f"Waiting for a free CPU slot: **position {job.queue_position()} in the queue**"
                    + (f", about {duration(wait)} to wait" if wait is not None else "")
                    + f". Your {self.what} starts by itself.  \n{runner_limits()}", icon=":material/hourglass_top:")
            self._shared_note(job)
            return
        if line is None:
            if not job.is_finished:
                st.progress(0.0, text=starting)
        else:
            st.progress(min(1.0, max(0.0, line.fraction)), text=f"{line.text} · {self._state_words(job, line)}")
        if job.state == FAILED:
            st.error(f"The {self.what} failed: {job.error}", icon=":material/error:")
        elif job.state == STOPPED and job.error:
            st.warning(f"The {self.what} was {job.error}.", icon=":material/warning:")
        self._shared_note(job)

    def _shared_note(self, job: Job) -> None:
        """Say when the run is everybody's: replayed from earlier, or watched by several pages now."""
        if not isinstance(job, Ticket) or job.detached:
            return
        if job.replayed:
            st.caption(f":material/replay: The same {self.what} (same settings, same data, same seed) had already "
                       "finished on this server: its result is shown at once instead of computing it again.")
        elif job.watchers > 1 and not job.is_finished:
            st.caption(f":material/groups: {job.watchers} pages are watching this same {self.what}: identical "
                       "settings give an identical run, so it is computed once for all of them.")

    @staticmethod
    def _state_words(job: Job, line: ProgressLine) -> str:
        if job.is_finished:
            return job.state  # done / stopped / failed
        if line.note:
            return line.note
        return f"about {duration(line.eta_s)} left" if line.eta_s is not None else "running"


def fraction_and_text(job: Job, context: Any) -> ProgressLine | None:
    """A ``progress`` hook for jobs whose events carry ``fraction`` and ``text``
    (``explainer.augmentation.Progress``: the augmentation and transfer pages)."""
    event = job.latest
    return None if event is None else ProgressLine(fraction=event.fraction, text=event.text)
