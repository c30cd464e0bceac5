"""One network, a fixed number of steps, an optional augmentation: the loop every experiment here shares.

Unlike the MNIST page's ``train_events`` (two networks, whole epochs, live curves) the
experiments on this page compare runs that must differ in *one* thing only, so a run is
pinned by its step count and seed: the same starting weights (the caller builds them),
the same batch order, and, when augmentation is on, a separate random stream for it so
switching it on does not change which digits are drawn.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import torch
import torch.nn.functional as F
from torch import nn

from explainer.augmentation.transforms import Augmentation, augmented_batch
from explainer.mnist import TrainConfig, make_optimizer, tune_cpu


@dataclass(frozen=True)
class Fit:
    """How to train: steps of ``batch_size`` digits drawn (seeded) from the training set."""

    steps: int = 300
    batch_size: int = 64
    lr: float = 3e-3
    seed: int = 0
    augmentation: Augmentation = Augmentation()


@dataclass(frozen=True)
class Step:
    """Progress of one run inside an experiment: ``done`` of ``total`` steps of ``run``."""

    run: str
    done: int
    total: int
    loss: float


@dataclass(frozen=True)
class Progress:
    """What a job panel shows: how far the whole experiment is (0..1) and what it is doing."""

    fraction: float
    text: str


def staged(steps: Iterator[Step], index: int, count: int, label: str) -> Iterator[Progress]:
    """Re-express the steps of run ``index`` (of ``count`` runs) as progress of the whole experiment."""
    for step in steps:
        yield Progress((index + step.done / step.total) / count,
                       f"{label}: step {step.done}/{step.total}, loss {step.loss:.3f}")


def run_to_end(events: Iterator):
    """Drive a generator of events to its end without a job runner (tests, benchmarks); return its result."""
    while True:
        try:
            next(events)
        except StopIteration as stop:
            return stop.value


def with_threads(events: Iterator[Progress], threads: int) -> Iterator[Progress]:
    """Run ``events`` with torch using ``threads`` intra-op threads (0: as configured), then put
    the old count back. On a shared 2-core machine one thread is often many times faster:
    two threads that keep losing their core wait on each other at every small operation."""
    before = torch.get_num_threads()
    if threads > 0:
        torch.set_num_threads(threads)
    try:
        return (yield from events)
    finally:
        torch.set_num_threads(before)


def fit_events(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, mean: float, std: float,
               fit: Fit, *, run: str = "", report_every: int = 25) -> Iterator[Step]:
    """Train ``model`` in place on ``images`` ``(N, 28, 28) uint8`` for ``fit.steps`` Adam steps.

    Only parameters with ``requires_grad`` learn (a frozen part stays bit-for-bit as it
    was). Yields a :class:`Step` every ``report_every`` steps; leaves the model in eval mode.
    """
    def batch(picked: torch.Tensor, jitter: torch.Generator) -> torch.Tensor:
        return augmented_batch(picked, fit.augmentation, mean, std, generator=jitter)

    return (yield from fit_inputs_events(model, images, labels, fit, prepare=batch, run=run,
                                         report_every=report_every))


def fit_inputs_events(model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor, fit: Fit, *,
                      prepare: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None,
                      run: str = "", report_every: int = 25) -> Iterator[Step]:
    """The loop of :func:`fit_events` on any inputs: each step draws ``fit.batch_size`` rows of
    ``inputs`` (seeded), passes them through ``prepare(rows, generator)`` (None: as they are,
    e.g. features a frozen part computed once) and takes one Adam step on ``model``."""
    tune_cpu()
    optimizer = make_optimizer(model, TrainConfig(optimizer="adam", lr=fit.lr))
    batches = torch.Generator().manual_seed(fit.seed)
    jitter = torch.Generator().manual_seed(fit.seed + 1)   # augmentation's own stream
    device = next(model.parameters()).device
    bs = max(1, min(fit.batch_size, len(labels)))
    model.train()
    try:
        loss_sum = torch.zeros(())
        for step in range(1, fit.steps + 1):
            idx = torch.randint(len(labels), (bs,), generator=batches)
            x = inputs[idx].to(device)
            x = prepare(x, jitter) if prepare is not None else x
            loss = F.cross_entropy(model(x), labels[idx].to(device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss_sum += loss.detach().cpu()
            if step % report_every == 0 or step == fit.steps:
                yield Step(run, step, fit.steps, loss_sum.item() / (report_every if step % report_every == 0
                                                                     else step % report_every))
                loss_sum.zero_()
    finally:
        model.eval()
