"""Two live experiments on handwritten digits, each a generator of progress events.

* :func:`shortcut_events`: a plain stack against a residual stack of the same depth
  (He et al. 2015). First the gradient norm of every layer at initialisation, then both
  trained on the same batches.
* :func:`activation_events`: LeNet-5 with tanh (as in 1998) against ReLU (AlexNet 2012,
  whose Figure 1 shows ReLU reaching 25 % training error about six times sooner).

Both race several networks on identical batches (:func:`race`), one SGD step each per
batch, and report every ~0.2 s so a page can redraw at least twice a second.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Iterator

import torch
import torch.nn as nn
import torch.nn.functional as F

from explainer.mnist.datasets import DigitSet, normalise

BATCH = 32
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}
PLAIN, RESIDUAL = "plain", "residual"


# --- the networks ---------------------------------------------------------------------------
@dataclass(frozen=True)
class StackSpec:
    """``depth`` weight layers of ``width`` channels: the digit averaged down to 7×7, a 3×3
    stride-2 stem (→ 4×4), ``depth − 2`` 3×3 layers at 4×4, then global average pooling and
    a 10-way linear layer. Small maps keep 300 steps of two 50-layer stacks within seconds
    on two cores; depth, not resolution, is what this experiment is about."""

    depth: int = 20
    width: int = 16
    activation: str = "sigmoid"
    batch_norm: bool = False


class Stack(nn.Module):
    """Plain: ``h ← act(conv(h))``. Residual: ``h ← h + act(conv(h))`` (the shortcut)."""

    def __init__(self, spec: StackSpec, *, residual: bool):
        super().__init__()
        if spec.depth < 3 or spec.activation not in ACTIVATIONS:
            raise ValueError(f"need depth ≥ 3 and an activation in {list(ACTIVATIONS)}, got {spec}")
        act = ACTIVATIONS[spec.activation]
        norm = (lambda: nn.BatchNorm2d(spec.width)) if spec.batch_norm else nn.Identity
        self.residual = residual
        self.stem = nn.Sequential(nn.Conv2d(1, spec.width, 3, stride=2, padding=1), norm(), act())
        self.body = nn.ModuleList(nn.Sequential(nn.Conv2d(spec.width, spec.width, 3, padding=1), norm(), act())
                                  for _ in range(spec.depth - 2))
        self.head = nn.Linear(spec.width, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:    # (N, 1, 28, 28)
        h = self.stem(F.avg_pool2d(x, 4))                    # (N, W, 4, 4)
        for layer in self.body:
            h = h + layer(h) if self.residual else layer(h)
        return self.head(h.mean((2, 3)))                     # (N, 10)

    def weight_layers(self) -> list[nn.Module]:
        """The ``depth`` layers with weights, input side first."""
        return [self.stem[0], *(layer[0] for layer in self.body), self.head]


def small_cnn(activation: str, dropout: float = 0.0) -> nn.Sequential:
    """LeNet-5 (conv 6@5×5, pool, conv 16@5×5, pool, 120, 84, 10) with a chosen activation."""
    act = ACTIVATIONS[activation]
    return nn.Sequential(OrderedDict([
        ("conv1", nn.Conv2d(1, 6, 5, padding=2)), ("act1", act()), ("pool1", nn.MaxPool2d(2)),
        ("conv2", nn.Conv2d(6, 16, 5)), ("act2", act()), ("pool2", nn.MaxPool2d(2)), ("flatten", nn.Flatten()),
        ("fc1", nn.Linear(400, 120)), ("act3", act()), ("drop1", nn.Dropout(dropout)),
        ("fc2", nn.Linear(120, 84)), ("act4", act()), ("drop2", nn.Dropout(dropout)), ("fc3", nn.Linear(84, 10))]))


# --- measurements ------------------------------------------------------------------------
def batches(data: DigitSet, *, batch_size: int, steps: int, seed: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """``steps`` seeded random batches of normalised training digits, ``(B, 1, 28, 28)``."""
    g = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        idx = torch.randint(len(data.train_labels), (batch_size,), generator=g)
        yield normalise(data.train_images[idx], data.mean, data.std), data.train_labels[idx]


def gradient_norms(net: Stack, x: torch.Tensor, y: torch.Tensor) -> list[float]:
    """‖∂loss/∂W‖ of every weight layer after one backward pass (the net's gradients are then cleared)."""
    net.zero_grad()
    F.cross_entropy(net(x), y).backward()
    norms = [layer.weight.grad.norm().item() for layer in net.weight_layers()]
    net.zero_grad()
    return norms


def stacks(spec: StackSpec, seed: int) -> dict[str, Stack]:
    """The plain and the residual stack, with the same starting weights."""
    torch.manual_seed(seed)
    plain = Stack(spec, residual=False)
    residual = Stack(spec, residual=True)
    residual.load_state_dict(plain.state_dict())
    return {PLAIN: plain, RESIDUAL: residual}


# --- events --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Gradients:
    """First event of the shortcut experiment: gradient norm per layer at initialisation."""

    norms: dict[str, list[float]]
    dataset: str


@dataclass(frozen=True)
class Raced:
    """Steps ``first_step … step`` of a race: each network's loss and error at every step."""

    step: int
    total_steps: int
    first_step: int
    losses: dict[str, list[float]]
    errors: dict[str, list[float]]          # share of the batch misclassified (0..1)
    elapsed_s: float
    eta_s: float
    dataset: str = ""


@dataclass
class RaceLog:
    """Everything a race reported so far, joined (a page folds events into it)."""

    losses: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, list[float]] = field(default_factory=dict)
    gradients: dict[str, list[float]] = field(default_factory=dict)
    n_events: int = 0

    def add(self, events: list) -> "RaceLog":
        for event in events:
            if isinstance(event, Gradients):
                self.gradients = event.norms
            elif isinstance(event, Raced):
                for name in event.losses:
                    self.losses.setdefault(name, []).extend(event.losses[name])
                    self.errors.setdefault(name, []).extend(event.errors[name])
        self.n_events += len(events)
        return self


def race(nets: dict[str, nn.Module], data: DigitSet, *, steps: int, lr: float, batch_size: int = BATCH,
         seed: int = 0, every_s: float = 0.2, threads: int = 0) -> Iterator[Raced]:
    """Train every network on the same batches with SGD (momentum 0.9); report every ``every_s``.

    ``threads`` > 0 sets torch's thread count on this (worker) thread for the race and puts
    the old value back after (see ``explainer.mnist.training.training_threads``).
    """
    before = torch.get_num_threads()
    if threads > 0:
        torch.set_num_threads(threads)
    try:
        yield from _race(nets, data, steps=steps, lr=lr, batch_size=batch_size, seed=seed, every_s=every_s)
    finally:
        torch.set_num_threads(before)
        for net in nets.values():
            net.eval()


def _race(nets, data, *, steps, lr, batch_size, seed, every_s) -> Iterator[Raced]:
    torch.set_flush_denormal(True)  # sigmoid stacks make tiny gradients: denormals are 100x slower
    optims = {k: torch.optim.SGD(n.parameters(), lr=lr, momentum=0.9) for k, n in nets.items()}
    for net in nets.values():
        net.train()
    pending = {k: ([], []) for k in nets}
    start = last = time.perf_counter()
    first = 1
    for step, (x, y) in enumerate(batches(data, batch_size=batch_size, steps=steps, seed=seed + 1), 1):
        for name, net in nets.items():
            logits = net(x)
            loss = F.cross_entropy(logits, y)
            optims[name].zero_grad(set_to_none=True)
            loss.backward()
            optims[name].step()
            pending[name][0].append(loss.detach())
            pending[name][1].append((logits.argmax(1) != y).float().mean())
        now = time.perf_counter()
        if now - last >= every_s or step == steps:
            elapsed = now - start
            yield Raced(step=step, total_steps=steps, first_step=first,
                        losses={k: torch.stack(v[0]).tolist() for k, v in pending.items()},
                        errors={k: torch.stack(v[1]).tolist() for k, v in pending.items()},
                        elapsed_s=elapsed, eta_s=elapsed / step * (steps - step), dataset=data.name)
            pending = {k: ([], []) for k in nets}
            first, last = step + 1, now


def shortcut_events(data: DigitSet, spec: StackSpec, *, steps: int = 300, lr: float = 0.05,
                    seed: int = 0, threads: int = 0) -> Iterator[Gradients | Raced]:
    """Gradient norms at initialisation of a plain and a residual stack, then both trained."""
    nets = stacks(spec, seed)
    x, y = next(batches(data, batch_size=256, steps=1, seed=seed))
    yield Gradients({k: gradient_norms(n, x, y) for k, n in nets.items()}, data.name)
    yield from race(nets, data, steps=steps, lr=lr, seed=seed, threads=threads)


def activation_events(data: DigitSet, *, dropout: float = 0.0, steps: int = 400, lr: float = 0.02,
                      seed: int = 0, threads: int = 0) -> Iterator[Raced]:
    """LeNet-5 with tanh and with ReLU, same starting point for both, trained on the same batches."""
    nets = {}
    for name in ("tanh", "relu"):
        torch.manual_seed(seed)
        nets[name] = small_cnn(name, dropout)
    yield from race(nets, data, steps=steps, lr=lr, seed=seed, threads=threads)


def steps_to_error(errors: list[float], target: float = 0.25, window: int = 20) -> int | None:
    """First step at which the running mean training error (over ``window`` steps) is ≤ ``target``."""
    if len(errors) < window:
        return None
    running = torch.tensor(errors).unfold(0, window, 1).mean(1)
    hits = (running <= target).nonzero()
    return int(hits[0]) + window if len(hits) else None
