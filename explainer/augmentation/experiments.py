"""The augmentation experiments: little data with and without augmentation, and accuracy vs data size.

Both are generators of :class:`~explainer.augmentation.fitting.Progress` events (for the
job runner) whose return value is the result; runs that are compared share their seed,
starting weights, batch order and step count, so augmentation is the only difference.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterator

import torch
from torch import nn

from explainer.augmentation.fitting import Fit, Progress, fit_events, staged
from explainer.augmentation.transforms import DIGIT_DEFAULT, Augmentation, moved
from explainer.mnist import DigitSet, LeNetSpec, build
from explainer.mnist.analysis import predict, shift_accuracy

NONE, WITH = "no augmentation", "with augmentation"
SHIFTS = list(range(-6, 7))
ANGLES = list(range(-60, 61, 15))
#: Training-set sizes for the "more data helps" curve (log-spaced, clipped to the data set).
SIZES = (100, 300, 1_000, 3_000, 10_000, 60_000)


@dataclass(frozen=True)
class SmallData:
    """One side-by-side run: LeNet-5 on the first ``n_train`` digits of a seeded shuffle."""

    n_train: int = 300
    fit: Fit = Fit(augmentation=DIGIT_DEFAULT)
    test_size: int = 1_000   # test digits in the robustness curves (the accuracy uses all)


@dataclass(frozen=True)
class Comparison:
    """Test results of the two runs, keyed ``NONE`` / ``WITH``."""

    n_train: int
    test_acc: dict[str, float]
    shift_acc: dict[str, list[float]]       # per pixel of SHIFTS
    rotation_acc: dict[str, list[float]]    # per degree of ANGLES
    shifts: list[int] = field(default_factory=lambda: list(SHIFTS))
    angles: list[int] = field(default_factory=lambda: list(ANGLES))

    def moved_acc(self, name: str) -> float:
        """Mean accuracy over every shift and rotation of the robustness test ("moved test set")."""
        values = self.shift_acc[name] + self.rotation_acc[name]
        return sum(values) / len(values)


@dataclass(frozen=True)
class SizeCurve:
    """Test accuracy of LeNet-5 against training-set size, with and without augmentation."""

    sizes: list[int]
    test_acc: dict[str, list[float]]
    steps: int


def training_subset(data: DigitSet, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The first ``n`` training digits of a seeded shuffle: ``(n, 28, 28) uint8``, ``(n,)`` labels."""
    n = max(1, min(n, data.n_train))
    order = torch.randperm(data.n_train, generator=torch.Generator().manual_seed(seed))[:n]
    return data.train_images[order], data.train_labels[order]


def test_accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, data: DigitSet) -> float:
    _, predicted = predict(model, images, data.mean, data.std)
    return float((torch.from_numpy(predicted) == labels).float().mean())


def rotation_accuracy(models: dict[str, nn.Module], images: torch.Tensor, labels: torch.Tensor,
                      data: DigitSet, angles: list[int]) -> dict[str, list[float]]:
    """Accuracy of each network when every test digit is turned by each angle (degrees)."""
    turned = {a: moved(images, angle=a) for a in angles}
    return {name: [test_accuracy(m, turned[a], labels, data) for a in angles] for name, m in models.items()}


def _two_runs(data: DigitSet, n_train: int, fit: Fit, index: int, count: int) -> Iterator[Progress]:
    """Train LeNet-5 without, then with ``fit.augmentation``; return ``{NONE: model, WITH: model}``."""
    images, labels = training_subset(data, n_train, fit.seed)
    models = {}
    for j, (name, aug) in enumerate(((NONE, Augmentation()), (WITH, fit.augmentation))):
        model = build(LeNetSpec(), seed=fit.seed)   # same starting weights for both
        runs = fit_events(model, images, labels, data.mean, data.std, replace(fit, augmentation=aug), run=name)
        yield from staged(runs, 2 * index + j, 2 * count, f"{len(labels):,} digits, {name}")
        models[name] = model
    return models


def compare_events(data: DigitSet, setup: SmallData = SmallData()) -> Iterator[Progress]:
    """Augmentation on and off, side by side; returns a :class:`Comparison`."""
    models = yield from _two_runs(data, setup.n_train, setup.fit, 0, 1)
    yield Progress(1.0, "scoring the test digits, shifted and rotated…")
    n = min(setup.test_size, data.n_test)
    images, labels = data.test_images[:n], data.test_labels[:n]
    return Comparison(
        n_train=min(setup.n_train, data.n_train),
        test_acc={k: test_accuracy(m, data.test_images, data.test_labels, data) for k, m in models.items()},
        shift_acc=shift_accuracy(models, images, labels, data.mean, data.std, shifts=SHIFTS),
        rotation_acc=rotation_accuracy(models, images, labels, data, ANGLES))


def size_curve_events(data: DigitSet, fit: Fit = Fit(augmentation=DIGIT_DEFAULT),
                      sizes: tuple[int, ...] = SIZES) -> Iterator[Progress]:
    """Test accuracy against training-set size, same number of steps for every size; returns a :class:`SizeCurve`."""
    sizes = sorted({min(s, data.n_train) for s in sizes})
    acc: dict[str, list[float]] = {NONE: [], WITH: []}
    for i, n in enumerate(sizes):
        models = yield from _two_runs(data, n, fit, i, len(sizes))
        for name, model in models.items():
            acc[name].append(test_accuracy(model, data.test_images, data.test_labels, data))
    return SizeCurve(sizes, acc, fit.steps)
