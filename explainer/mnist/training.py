"""Training the fully connected network and LeNet-5 side by side, as a generator of events.

``train_events(data, config)`` trains both networks on the *same* batches in the same
loop (so their curves share one axis: images seen) and yields small dataclass events a
page, a test and a benchmark all consume the same way::

    for event in train_events(load_digits(), TrainConfig(epochs=1)):
        log.add([event])

Events come at least every ``config.event_every_s`` seconds (a live chart redraws from
them), and one training step takes a few milliseconds, so a job runner that stops
between two events stops within a fraction of a second.

What makes one LeNet-5 epoch over 60,000 digits fast on two CPU cores (see
benchmarks/bench_mnist.py): the whole set sits in memory as uint8 and each batch is
converted and normalised in one multiply-add (no per-image PIL/ToTensor); denormal
floats are flushed to zero (Adam's tiny second moments otherwise hit the CPU's slow
path); Adam uses its fused CPU kernel; losses and hit counts accumulate as tensors, read
once per event; test accuracy is measured in large batches under ``torch.inference_mode``.
Tried and dropped: ``channels_last`` (with 6 and 16 channels it was several times
slower here). On a busy 2-core machine two threads lose far more than they gain
(threads wait on each other at every layer): see ``training_threads()``.
"""
from __future__ import annotations

import collections
import math
import time
from dataclasses import dataclass, field
from typing import Iterator

import torch
import torch.nn.functional as F
from torch import nn

from explainer.config import train_threads
from explainer.device import cpu_count
from explainer.mnist.datasets import DigitSet, normalise
from explainer.mnist.networks import CNN_NAME, MLP_NAME, LeNetSpec, MLPSpec, build, count_parameters

OPTIMIZERS = ("adam", "sgd")
MIN_STEPS_PER_POINT = 10  # a loss-curve point is a mean over at least this many steps


@dataclass(frozen=True)
class TrainConfig:
    """Everything one training run depends on (hashable: usable as a cache key)."""

    mlp: MLPSpec = MLPSpec()
    cnn: LeNetSpec = LeNetSpec()
    optimizer: str = "adam"      # "adam" or "sgd" (with momentum, as in the lecture's code)
    lr: float = 5e-3
    momentum: float = 0.9        # SGD only
    batch_size: int = 64
    epochs: int = 1
    train_size: int = 60_000     # first n digits of a seeded shuffle (clipped to the set)
    seed: int = 0
    lr_decay: bool = True        # cosine decay of the learning rate to 0 over the run
    quick_test_size: int = 1_000  # test digits scored during an epoch (all of them at its end)
    quick_test_every_s: float = 1.0
    event_every_s: float = 0.2
    threads: int = 0             # torch intra-op threads for this run (0: leave as configured)


# --- events ------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Started:
    """First event: the networks being trained (the page keeps them, even if stopped)."""

    models: dict[str, nn.Module]
    parameters: dict[str, int]
    dataset: str
    is_mnist: bool
    n_train: int
    n_test: int
    steps_per_epoch: int
    total_steps: int
    config: TrainConfig
    digits_per_epoch: int      # n_train rounded down to whole batches

    @property
    def total_digits(self) -> int:
        return self.digits_per_epoch * self.config.epochs


@dataclass(frozen=True)
class Progress:
    """Training so far. ``loss``/``train_acc`` are means over the steps since the last event (at least the
    last ``MIN_STEPS_PER_POINT``)."""

    step: int
    total_steps: int
    epoch: float               # fractional: 1.5 = half-way through the second epoch
    images_seen: int
    loss: dict[str, float]
    train_acc: dict[str, float]
    images_per_s: float        # digits per second through both networks (recent)
    elapsed_s: float
    eta_s: float

    @property
    def fraction(self) -> float:
        return self.step / max(1, self.total_steps)


@dataclass(frozen=True)
class Evaluated:
    """Test accuracy of both networks; ``full`` when scored on the whole test split."""

    step: int
    epoch: float
    images_seen: int
    test_acc: dict[str, float]
    n_images: int
    full: bool


@dataclass(frozen=True)
class Scoring:
    """End of an epoch: ``done`` of ``total`` test digits scored by ``network`` so far."""

    network: str
    done: int
    total: int


@dataclass(frozen=True)
class EpochDone:
    epoch: int
    train_acc: dict[str, float]        # running accuracy over the epoch's batches
    test_acc: dict[str, float]
    epoch_time_s: dict[str, float]     # training time of each network alone this epoch
    images_per_s: dict[str, float]


Event = Started | Progress | Evaluated | Scoring | EpochDone


# --- the loop ----------------------------------------------------------------------------------
def training_threads() -> int:
    """Threads for a training job inside the web app: all cores but one, which stays free
    for the server and the live charts (``CONVSCOPE_TRAIN_THREADS`` overrides).

    On a busy 2-core machine two OpenMP threads that keep losing their core to other
    work wait on each other at every layer; one thread then trains several times faster.
    """
    return train_threads() or max(1, cpu_count() - 1)


def tune_cpu() -> None:
    """Process-wide CPU settings that only help: flush denormal floats to zero."""
    torch.set_flush_denormal(True)


def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    if config.optimizer == "adam":
        return torch.optim.Adam(model.parameters(), lr=config.lr, fused=True)
    if config.optimizer == "sgd":
        return torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum)
    raise ValueError(f"unknown optimizer {config.optimizer!r}; choose one of {OPTIMIZERS}")


def cosine_decay(total_steps: int, on: bool = True):
    """Learning-rate factor after ``k`` steps: ½(1 + cos(π k / total)), from 1 down to 0 (or 1 throughout)."""
    return lambda k: 0.5 * (1 + math.cos(math.pi * min(k, total_steps) / total_steps)) if on else 1.0


@torch.inference_mode()
def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, mean: float, std: float,
             *, batch: int = 2_500) -> float:
    """Share of ``images`` ``(N, 28, 28) uint8`` that ``model`` labels correctly (eval mode)."""
    was_training = model.training
    model.eval()
    hits = torch.zeros((), dtype=torch.long)
    for i in range(0, len(labels), batch):
        x = normalise(images[i:i + batch], mean, std)
        hits += (model(x).argmax(1) == labels[i:i + batch]).sum()
    model.train(was_training)
    return hits.item() / max(1, len(labels))


class _Tally:
    """Losses and hits of each network since the last Progress event, and the digits/s window."""

    def __init__(self, names: list[str], t_start: float):
        self.loss = {k: torch.zeros(()) for k in names}       # summed as tensors: read once per event
        self.hits = {k: torch.zeros((), dtype=torch.long) for k in names}
        self.digits = self.steps = 0
        self.recent = collections.deque(maxlen=MIN_STEPS_PER_POINT)  # (losses, hits, digits) of the last steps
        self.t_start, self.rate_digits, self.rate_t = t_start, 0, t_start

    def add_step(self, losses: dict[str, torch.Tensor], hits: dict[str, torch.Tensor], digits: int) -> None:
        for k in losses:
            self.loss[k] += losses[k]
            self.hits[k] += hits[k]
        self.steps += 1
        self.digits += digits
        self.recent.append((losses, hits, digits))

    def _means(self) -> tuple[dict[str, float], dict[str, float]]:
        """Mean loss and accuracy since the last event, or over the last ``MIN_STEPS_PER_POINT`` steps when
        fewer came since (an epoch's last event often closes a window of a step or two: a noisy point)."""
        if self.steps >= len(self.recent):
            return ({k: (v / self.steps).item() for k, v in self.loss.items()},
                    {k: v.item() / self.digits for k, v in self.hits.items()})
        digits = sum(d for _, _, d in self.recent)
        return ({k: torch.stack([losses[k] for losses, _, _ in self.recent]).mean().item() for k in self.loss},
                {k: sum(hits[k] for _, hits, _ in self.recent).item() / digits for k in self.hits})

    def progress(self, step: int, total: int, steps_per_epoch: int, batch: int, now: float) -> Progress:
        """The event for everything since the last one; starts a new tally."""
        elapsed = now - self.t_start
        loss, train_acc = self._means()
        event = Progress(step=step, total_steps=total, epoch=step / steps_per_epoch, images_seen=step * batch,
                         loss=loss, train_acc=train_acc,
                         images_per_s=(step * batch - self.rate_digits) / max(1e-9, now - self.rate_t),
                         elapsed_s=elapsed, eta_s=(total - step) * elapsed / step)
        for k in self.loss:
            self.loss[k].zero_()
            self.hits[k].zero_()
        self.digits = self.steps = 0
        if now - self.rate_t > 2.0:  # the rate over roughly the last two seconds
            self.rate_digits, self.rate_t = step * batch, now
        return event


class _Trainer:
    """Both networks, their optimizers and the batch plan of one run (a run's private state)."""

    def __init__(self, data: DigitSet, config: TrainConfig):
        self.data, self.config = data, config
        torch.manual_seed(config.seed)
        self.models = {MLP_NAME: build(config.mlp), CNN_NAME: build(config.cnn)}
        self.names = list(self.models)
        self.optimizers = {name: make_optimizer(m, config) for name, m in self.models.items()}
        self.n = max(1, min(config.train_size, data.n_train))
        self.gen = torch.Generator().manual_seed(config.seed)
        self.subset = torch.randperm(data.n_train, generator=self.gen)[:self.n]
        self.batch = max(1, min(config.batch_size, self.n))
        self.steps_per_epoch = self.n // self.batch  # full batches only: a last batch of a few digits is noisy
        self.per_epoch = self.steps_per_epoch * self.batch  # a different random few left out each epoch
        self.total = self.steps_per_epoch * config.epochs
        self.schedulers = {name: torch.optim.lr_scheduler.LambdaLR(opt, cosine_decay(self.total, config.lr_decay))
                           for name, opt in self.optimizers.items()}
        self.step = 0

    def started(self) -> Started:
        return Started(models=self.models, parameters={k: count_parameters(m) for k, m in self.models.items()},
                       dataset=self.data.name, is_mnist=self.data.is_mnist, n_train=self.n,
                       n_test=self.data.n_test, steps_per_epoch=self.steps_per_epoch, total_steps=self.total,
                       config=self.config, digits_per_epoch=self.per_epoch)

    def train_batch(self, x: torch.Tensor, y: torch.Tensor, tally: _Tally, epoch_hits: dict,
                    epoch_time: dict) -> None:
        """One optimiser step of each network on the same batch ``x`` ``(B, 1, 28, 28)``."""
        losses, hits = {}, {}
        for name in self.names:
            t0 = time.perf_counter()
            logits = self.models[name](x)  # (B, 10)
            loss = F.cross_entropy(logits, y)
            self.optimizers[name].zero_grad(set_to_none=True)
            loss.backward()
            self.optimizers[name].step()
            self.schedulers[name].step()
            losses[name], hits[name] = loss.detach(), (logits.detach().argmax(1) == y).sum()
            epoch_hits[name] += hits[name]
            epoch_time[name] += time.perf_counter() - t0
        self.step += 1
        tally.add_step(losses, hits, len(y))

    def quick_test(self) -> Evaluated:
        """Test accuracy on the first ``quick_test_size`` test digits, mid-epoch."""
        data, quick = self.data, min(self.config.quick_test_size, self.data.n_test)
        return Evaluated(step=self.step, epoch=self.step / self.steps_per_epoch, images_seen=self.step * self.batch,
                         test_acc={k: accuracy(m, data.test_images[:quick], data.test_labels[:quick],
                                               data.mean, data.std) for k, m in self.models.items()},
                         n_images=quick, full=False)

    def epoch(self, tally: _Tally) -> Iterator[Event]:
        """Every batch of one epoch; yields Progress (and quick tests); returns (hits, seconds) per net."""
        config, data, bs = self.config, self.data, self.batch
        order = self.subset[torch.randperm(self.n, generator=self.gen)]
        epoch_time = dict.fromkeys(self.names, 0.0)
        epoch_hits = {k: torch.zeros((), dtype=torch.long) for k in self.names}
        t_event = t_quick = time.perf_counter()
        for i in range(0, self.per_epoch, bs):
            idx = order[i:i + bs]
            self.train_batch(normalise(data.train_images[idx], data.mean, data.std),  # (B, 1, 28, 28)
                             data.train_labels[idx], tally, epoch_hits, epoch_time)
            now = time.perf_counter()
            last_of_epoch = i + bs >= self.per_epoch
            if now - t_event >= config.event_every_s or last_of_epoch:
                yield tally.progress(self.step, self.total, self.steps_per_epoch, bs, now)
                t_event = time.perf_counter()
            if not last_of_epoch and time.perf_counter() - t_quick >= config.quick_test_every_s:
                yield self.quick_test()
                t_quick = t_event = time.perf_counter()
        return {k: v.item() for k, v in epoch_hits.items()}, epoch_time

    def score_test_split(self, chunk: int = 2_500) -> Iterator[Scoring]:
        """The whole test split, a chunk per event; returns ``{network: accuracy}``."""
        data, test = self.data, {}
        for name, model in self.models.items():
            right = 0.0
            for j in range(0, data.n_test, chunk):
                labels = data.test_labels[j:j + chunk]
                right += accuracy(model, data.test_images[j:j + chunk], labels, data.mean, data.std) * len(labels)
                yield Scoring(network=name, done=min(j + chunk, data.n_test), total=data.n_test)
            test[name] = round(right) / data.n_test
        return test


def train_events(data: DigitSet, config: TrainConfig = TrainConfig()) -> Iterator[Event]:
    """Train both networks of ``config`` on ``data``; yield events; return the models (eval mode).

    ``config.threads`` sets torch's thread count on this (worker) thread for the run and
    puts the previous value back afterwards.
    """
    tune_cpu()
    threads_before = torch.get_num_threads()
    if config.threads > 0:
        torch.set_num_threads(config.threads)
    trainer = _Trainer(data, config)
    for m in trainer.models.values():
        m.train()
    try:  # from the first yield on, a Stop (generator.close()) still runs the `finally` below
        yield trainer.started()
        tally = _Tally(trainer.names, time.perf_counter())
        for epoch in range(config.epochs):
            hits, seconds = yield from trainer.epoch(tally)
            test = yield from trainer.score_test_split()
            seen = trainer.step * trainer.batch
            yield Evaluated(step=trainer.step, epoch=float(epoch + 1), images_seen=seen, test_acc=test,
                            n_images=data.n_test, full=True)
            yield EpochDone(epoch=epoch + 1, train_acc={k: h / trainer.per_epoch for k, h in hits.items()},
                            test_acc=test, epoch_time_s=seconds,
                            images_per_s={k: trainer.per_epoch / max(1e-9, t) for k, t in seconds.items()})
        return trainer.models
    finally:
        for m in trainer.models.values():
            m.eval()
        torch.set_num_threads(threads_before)


# --- collecting events into curves ----------------------------------------------------------
@dataclass
class TrainingLog:
    """Everything a run has reported, as rows ready for charts and CSV."""

    started: Started | None = None
    progress: list[dict] = field(default_factory=list)   # images_seen, epoch, net, loss, train_acc
    tests: list[dict] = field(default_factory=list)      # images_seen, epoch, net, test_acc, full
    epochs: list[EpochDone] = field(default_factory=list)
    latest: Progress | None = None
    n_events: int = 0

    def add(self, events: list) -> None:
        for ev in events:
            self.n_events += 1
            if isinstance(ev, Started):
                self.started = ev
            elif isinstance(ev, Progress):
                self.latest = ev
                for k in ev.loss:
                    self.progress.append({"images_seen": ev.images_seen, "epoch": ev.epoch, "network": k,
                                          "loss": ev.loss[k], "train_accuracy": ev.train_acc[k]})
            elif isinstance(ev, Evaluated):
                for k, acc in ev.test_acc.items():
                    self.tests.append({"images_seen": ev.images_seen, "epoch": ev.epoch, "network": k,
                                       "test_accuracy": acc, "test_images": ev.n_images, "full_test": ev.full})
            elif isinstance(ev, EpochDone):
                self.epochs.append(ev)

    def final_test_accuracy(self) -> dict[str, float]:
        """The last whole-test-split accuracy of each network (empty before the first epoch ends)."""
        return dict(self.epochs[-1].test_acc) if self.epochs else {}

    def to_csv(self) -> str:
        """Training and test curves in one long table: one row per (moment, network, metric)."""
        lines = ["kind,images_seen,epoch,network,loss,train_accuracy,test_accuracy,test_images"]
        for r in self.progress:
            lines.append(f"train,{r['images_seen']},{r['epoch']:.4f},{r['network']},{r['loss']:.6f},"
                         f"{r['train_accuracy']:.6f},,")
        for r in self.tests:
            lines.append(f"test,{r['images_seen']},{r['epoch']:.4f},{r['network']},,,{r['test_accuracy']:.6f},"
                         f"{r['test_images']}")
        return "\n".join(lines) + "\n"
