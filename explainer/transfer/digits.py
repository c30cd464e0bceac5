"""Transfer learning on digits: learn 0–4 once, then 5–9 from a handful of examples.

The lecture's recipe on a network small enough to train in seconds: LeNet-5 is
pretrained on the digits 0–4 (once per process; everyone shares the result read-only),
then learns 5–9 from ``k`` examples per class in three ways:

* **from scratch**: a fresh LeNet-5, every weight learned from the k examples;
* **frozen features + new head**: the pretrained convolutional part, every weight frozen
  (``requires_grad_(False)``), with a new ``nn.Linear`` on its 400 outputs: the only layer
  that learns (the pretrained fully connected layers, made for 0–4, are dropped). A frozen
  part gives the same output every time, so the k examples go through it once and the
  head trains on those 400 numbers per digit (``train_new_head_events``);
* **fine-tune everything**: (b) once its head has learned, then every weight unfrozen and
  trained further with a 10x smaller learning rate, so the pretrained filters move gently
  (the lecture's "optionally unfreeze all at the end").
"""
from __future__ import annotations

import copy
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Iterator

import torch
from torch import nn

from explainer.augmentation.experiments import test_accuracy
from explainer.augmentation.fitting import Fit, Progress, Step, fit_events, fit_inputs_events, staged
from explainer.mnist import DigitSet, LeNetSpec, build, normalise

SOURCE_DIGITS, TARGET_DIGITS = (0, 1, 2, 3, 4), (5, 6, 7, 8, 9)
SCRATCH, FROZEN, FINE_TUNE = "from scratch", "frozen features + new head", "fine-tune everything"
METHODS = (SCRATCH, FROZEN, FINE_TUNE)
KS = (1, 3, 10, 30, 100, 300)
HEAD_LAYERS = ("fc1", "relu3", "fc2", "relu4", "fc3")
PRETRAIN = Fit(steps=600, batch_size=64, lr=3e-3, seed=0)
#: Pretraining stops after this many passes over the 0–4 digits even before ``PRETRAIN.steps``: the small
#: stand-in set (about 680 of them) is learned by then (99.6 % of its 0–4 test digits after 20 passes,
#: 100 % after 57), so further steps would only repeat it. MNIST's 30,000 never reach the cap.
MAX_PASSES = 20


def relabelled(images: torch.Tensor, labels: torch.Tensor, digits: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """Only the ``digits`` wanted, with labels renumbered 0..len(digits)-1 (5 -> 0, ..., 9 -> 4)."""
    keep = torch.isin(labels, torch.tensor(digits))
    return images[keep], labels[keep] - min(digits)


def lenet_for(n_classes: int, seed: int) -> nn.Sequential:
    """LeNet-5 whose last layer ``fc3`` gives ``n_classes`` scores instead of 10."""
    model = build(LeNetSpec(), seed=seed)
    model.fc3 = nn.Linear(model.fc3.in_features, n_classes)
    return model


# --- (b), as the lecture writes it ------------------------------------------------------------
def frozen_features_new_head(pretrained: nn.Sequential, n_classes: int) -> nn.Sequential:
    model = copy.deepcopy(pretrained)                     # the shared pretrained network stays untouched
    for param in model.parameters():
        param.requires_grad_(False)                       # freeze what was learned on 0-4
    body = [(name, layer) for name, layer in model.named_children() if name not in HEAD_LAYERS]
    model = nn.Sequential(OrderedDict(body))              # the convolutional part: digit -> 16x5x5 = 400 numbers
    model.fc = nn.Linear(16 * 5 * 5, n_classes)           # a new head: the only layer that learns
    return model


def unfreeze(model: nn.Sequential) -> nn.Sequential:
    """(c): a copy of a trained (b) whose every weight learns again (fine-tuning)."""
    return copy.deepcopy(model).requires_grad_(True)


def trainable(model: nn.Module) -> dict[str, tuple[bool, int]]:
    """For each layer with weights: ``(learns?, number of weights and biases)``; False = frozen."""
    return {name: (any(p.requires_grad for p in layer.parameters()), sum(p.numel() for p in layer.parameters()))
            for name, layer in model.named_children() if any(True for _ in layer.parameters())}


def parameter_counts(model: nn.Module) -> tuple[int, int]:
    """``(trainable, total)`` numbers of weights and biases."""
    return (sum(p.numel() for p in model.parameters() if p.requires_grad),
            sum(p.numel() for p in model.parameters()))


# --- pretraining on 0-4, once per process -----------------------------------------------------
_PRETRAINED: dict[tuple[str, str, Fit], nn.Sequential] = {}
_LOCK = threading.Lock()


def _key(data: DigitSet, fit: Fit) -> tuple[str, str, Fit]:
    return (data.name, data.source, fit)


def cached_pretrained(data: DigitSet, fit: Fit = PRETRAIN) -> nn.Sequential | None:
    """The network pretrained on 0–4 of ``data`` if this process has trained it (read-only!), else None."""
    with _LOCK:
        return _PRETRAINED.get(_key(data, fit))


def pretrain_events(data: DigitSet, fit: Fit = PRETRAIN) -> Iterator[Progress]:
    """Train LeNet-5 on the digits 0–4 (or return the cached one); returns the frozen, eval-mode network.

    ``fit.steps`` steps, or fewer when that many would pass over the 0–4 digits more than ``MAX_PASSES`` times."""
    done = cached_pretrained(data, fit)
    if done is not None:
        return done
    images, labels = relabelled(data.train_images, data.train_labels, SOURCE_DIGITS)
    model = lenet_for(len(SOURCE_DIGITS), fit.seed)
    capped = replace(fit, steps=min(fit.steps, math.ceil(MAX_PASSES * len(labels) / fit.batch_size)))
    yield from staged(fit_events(model, images, labels, data.mean, data.std, capped), 0, 1,
                      f"pretraining LeNet-5 on the digits 0–4 ({len(labels):,} of them)")
    model.eval().requires_grad_(False)  # shared by every session: nobody trains this copy
    with _LOCK:
        return _PRETRAINED.setdefault(_key(data, fit), model)


def source_accuracy(model: nn.Module, data: DigitSet) -> float:
    """Test accuracy of the pretrained network on the 0–4 test digits it was made for."""
    images, labels = relabelled(data.test_images, data.test_labels, SOURCE_DIGITS)
    return test_accuracy(model, images, labels, data)


# --- learning 5-9 from k examples per class -------------------------------------------------
@dataclass(frozen=True)
class TransferSetup:
    """The grid the page runs: every method for every k, same steps and seed."""

    ks: tuple[int, ...] = KS
    steps: int = 150
    lr: float = 3e-3
    fine_tune_lr_factor: float = 0.1
    seed: int = 0


@dataclass(frozen=True)
class TransferGrid:
    """Test accuracy on the 5–9 test digits, per method, per k (examples per class)."""

    ks: list[int]
    accuracy: dict[str, list[float]]
    parameters: dict[str, tuple[int, int]]      # (trainable, total)
    layers: dict[str, dict[str, tuple[bool, int]]]   # method -> layer -> (learns?, parameters)
    n_test: int


def few_per_class(images: torch.Tensor, labels: torch.Tensor, k: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``k`` examples of every class (a seeded draw; fewer when a class has fewer)."""
    g = torch.Generator().manual_seed(seed)
    picks = [idx[torch.randperm(len(idx), generator=g)[:k]]
             for idx in (torch.nonzero(labels == c).squeeze(1) for c in labels.unique())]
    chosen = torch.cat(picks)
    return images[chosen], labels[chosen]


@torch.no_grad()
def frozen_outputs(model: nn.Sequential, images: torch.Tensor, data: DigitSet, *, batch: int = 2_500) -> torch.Tensor:
    """What the frozen convolutional part of a (b) network gives for each digit: ``(N, 400)``.

    Frozen layers give the same output every time, so these are computed once per digit
    instead of once per training step."""
    body = model[:-1]                                      # every layer but the new head
    chunks = [body(normalise(images[i:i + batch], data.mean, data.std)) for i in range(0, len(images), batch)]
    return torch.cat(chunks) if chunks else torch.zeros(0, model.fc.in_features)


def train_new_head_events(model: nn.Sequential, images: torch.Tensor, labels: torch.Tensor, data: DigitSet,
                          fit: Fit, *, run: str = "") -> Iterator[Step]:
    """Train (b): only ``model.fc`` learns, on the frozen part's outputs for ``images`` computed once.

    The same batches and gradient steps as ``fit_events(model, images, ...)`` (which would
    push every batch through the frozen layers again): the frozen part is not even called."""
    features = frozen_outputs(model, images, data)         # (N, 400)
    return (yield from fit_inputs_events(model.fc, features, labels, fit, run=run))


def _three_ways(data: DigitSet, pretrained: nn.Sequential, x: torch.Tensor, y: torch.Tensor,
                setup: TransferSetup, index: int, count: int) -> Iterator[Progress]:
    """Train (a), (b), then (c) from (b) on the same k examples; returns ``{method: model}``."""
    n_classes, k = len(TARGET_DIGITS), len(y) // len(TARGET_DIGITS)
    fit = Fit(steps=setup.steps, batch_size=64, lr=setup.lr, seed=setup.seed)
    label = f"k = {k} per class"
    scratch = lenet_for(n_classes, setup.seed)
    yield from staged(fit_events(scratch, x, y, data.mean, data.std, fit, run=SCRATCH),
                      index * 3, count * 3, f"{label}, {SCRATCH}")
    torch.manual_seed(setup.seed)  # the new head starts from the same numbers every time
    frozen = frozen_features_new_head(pretrained, n_classes)
    yield from staged(train_new_head_events(frozen, x, y, data, fit, run=FROZEN),
                      index * 3 + 1, count * 3, f"{label}, {FROZEN}")
    tuned = unfreeze(frozen)
    gentle = replace(fit, lr=setup.lr * setup.fine_tune_lr_factor)
    yield from staged(fit_events(tuned, x, y, data.mean, data.std, gentle, run=FINE_TUNE),
                      index * 3 + 2, count * 3, f"{label}, {FINE_TUNE}")
    return {SCRATCH: scratch, FROZEN: frozen, FINE_TUNE: tuned}


@torch.no_grad()
def head_accuracy(model: nn.Sequential, features: torch.Tensor, labels: torch.Tensor) -> float:
    """Accuracy of a (b) network from its frozen part's outputs (the same as running the whole network)."""
    return float((model.fc(features).argmax(1) == labels).float().mean()) if len(labels) else 0.0


def available_ks(data: DigitSet, ks: tuple[int, ...] = KS) -> list[int]:
    """The ks this data set can give: at most the size of the smallest 5–9 training class."""
    _, labels = relabelled(data.train_images, data.train_labels, TARGET_DIGITS)
    most = int(torch.bincount(labels).min())
    return sorted({min(k, most) for k in ks})


def transfer_grid_events(data: DigitSet, pretrained: nn.Sequential,
                         setup: TransferSetup = TransferSetup()) -> Iterator[Progress]:
    """Learn 5–9 from k examples per class with each method; returns a :class:`TransferGrid`."""
    train_x, train_y = relabelled(data.train_images, data.train_labels, TARGET_DIGITS)
    test_x, test_y = relabelled(data.test_images, data.test_labels, TARGET_DIGITS)
    ks = available_ks(data, setup.ks)
    n_classes = len(TARGET_DIGITS)
    acc: dict[str, list[float]] = {m: [] for m in METHODS}
    test_features = frozen_outputs(frozen_features_new_head(pretrained, n_classes), test_x, data)  # once for all (b)
    for i, k in enumerate(ks):
        x, y = few_per_class(train_x, train_y, k, setup.seed)
        learners = yield from _three_ways(data, pretrained, x, y, setup, i, len(ks))
        acc[SCRATCH].append(test_accuracy(learners[SCRATCH], test_x, test_y, data))
        acc[FROZEN].append(head_accuracy(learners[FROZEN], test_features, test_y))
        acc[FINE_TUNE].append(test_accuracy(learners[FINE_TUNE], test_x, test_y, data))
    torch.manual_seed(setup.seed)
    head = frozen_features_new_head(pretrained, n_classes)
    examples = {SCRATCH: lenet_for(n_classes, setup.seed), FROZEN: head, FINE_TUNE: unfreeze(head)}
    return TransferGrid(ks, acc, {m: parameter_counts(e) for m, e in examples.items()},
                        {m: trainable(e) for m, e in examples.items()}, len(test_y))


def pretrain_then_grid_events(data: DigitSet, setup: TransferSetup = TransferSetup(),
                              fit: Fit = PRETRAIN) -> Iterator[Progress]:
    """The page's one job: pretrain on 0–4 unless this process already has, then the grid."""
    pretrained = yield from pretrain_events(data, fit)
    return (yield from transfer_grid_events(data, pretrained, setup))
