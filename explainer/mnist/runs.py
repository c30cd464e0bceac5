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
from dataclasses import dataclass
from typing import Any, Callable, Hashable, Iterator

import numpy as np
from torch import nn

from explainer.mnist import analysis
from explainer.mnist.datasets import DigitSet
from explainer.mnist.training import Event, TrainConfig, TrainingLog, train_events

#: Test digits of the translation test (each moved -6..6 pixels sideways).
SHIFT_DIGITS = 600


@dataclass(frozen=True)
class Analysing:
    """After training: the run is scoring what the page shows next (``what``, in words)."""

    what: str


@dataclass(frozen=True, eq=False)
class RunResult:
    """A finished run: its networks and what the page's analysis reads, computed once in the job."""

    models: dict[str, nn.Module]
    predictions: dict[str, tuple[np.ndarray, np.ndarray]]   # name -> (probs (N, 10), predicted (N,)) on the test split
    shift_curve: dict[str, list[float]]                     # name -> accuracy at shifts -6..6 (SHIFT_DIGITS digits)


def train_and_analyse(data: DigitSet, config: TrainConfig) -> Iterator[Event | Analysing]:
    """``train_events``, then the analysis every watcher of a finished run needs (all test digits scored,
    the translation test), inside the job: with progress, once per run, not once per page at its end."""
    models = yield from train_events(data, config)
    yield Analysing(f"scoring all {data.n_test:,} test digits for the analysis…")
    predictions = {name: analysis.predict(m, data.test_images, data.mean, data.std) for name, m in models.items()}
    n = min(SHIFT_DIGITS, data.n_test)
    yield Analysing(f"the translation test: {n} test digits moved sideways…")
    curve = analysis.shift_accuracy(models, data.test_images[:n], data.test_labels[:n], data.mean, data.std)
    return RunResult(models=models, predictions=predictions, shift_curve=curve)


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
        self.result: RunResult | None = None    # set once a finished run's networks are handed out

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
                if isinstance(job.result, RunResult):
                    self.result = job.result
            return self._models


def private_log(job) -> TrainingLog:
    """A log of only what ``job`` has shown this watcher (a ticket that stopped watching)."""
    log = TrainingLog()
    log.add(job.events)
    return log
