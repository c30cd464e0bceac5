"""One training run as every session watching it reads it: its log, figures and files, made once.

A whole class pressing Train with the same settings watches one shared job
(``explainer.jobs``, ``share_key``). A :class:`RunRecord` turns that job's events into a
:class:`~explainer.mnist.training.TrainingLog` once for all of them, and keeps what is
built from the log (a chart, a CSV, a PNG) until the log has grown, so ten pages polling
the same run do not each redo the work, and a poll that finds nothing new rebuilds nothing.
The trained networks are handed out as frozen copies: no session can change what another
session (or a later replay) sees.
"""
from __future__ import annotations

import copy
import threading
import time
from typing import Any, Callable, Hashable

from torch import nn

from explainer.mnist.training import TrainingLog


def frozen_copies(models: dict[str, nn.Module]) -> dict[str, nn.Module]:
    """Copies of ``models`` in eval mode with gradients off: safe to read from any session."""
    copies = {}
    for name, model in models.items():
        twin = copy.deepcopy(model).eval()
        twin.requires_grad_(False)
        copies[name] = twin
    return copies


class RunRecord:
    """The log of one run, synced from its job, and things made from it (thread-safe)."""

    def __init__(self) -> None:
        self.log = TrainingLog()
        self._lock = threading.RLock()
        self._made: dict[Hashable, tuple[int, float, Any]] = {}
        self._models: dict[str, nn.Module] | None = None

    def sync(self, job) -> TrainingLog:
        """Add the events of ``job`` this record has not seen yet; return the (shared) log."""
        with self._lock:
            self.log.add(job.events_since(self.log.n_events))
            return self.log

    def made(self, what: Hashable, build: Callable[[TrainingLog], Any], *, refresh_s: float = 0.0) -> Any:
        """``build(log)``, kept until the log grows (and, with ``refresh_s``, at least that many
        seconds old: a chart polled by many pages is redrawn at most that often)."""
        with self._lock:
            n, now = self.log.n_events, time.monotonic()
            hit = self._made.get(what)
            if hit is not None and (hit[0] == n or now - hit[1] < refresh_s):
                return hit[2]
            value = build(self.log)
            self._made[what] = (n, now, value)
            return value

    def models(self, job) -> dict[str, nn.Module]:
        """Frozen copies of a *finished* run's networks, made once for every session."""
        with self._lock:
            if self._models is None:
                self._models = frozen_copies(self.sync(job).started.models)
            return self._models


def private_log(job) -> TrainingLog:
    """A log of only what ``job`` has shown this watcher (a ticket that stopped watching)."""
    log = TrainingLog()
    log.add(job.events)
    return log
