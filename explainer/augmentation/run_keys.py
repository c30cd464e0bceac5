"""Share keys: everything a seeded experiment's result depends on, as one hashable tuple.

A run is pinned by its data, its settings and its seed, so two runs with equal keys give
the same numbers: the job runner computes one and replays it to everyone who asks for it
(``explainer.jobs``, ``share_key``). A key names the data by what tells two digit sets
apart (the stand-in and MNIST never share one) and holds the whole frozen settings
dataclass, so a setting added later is part of the key without anyone remembering to.
"""
from __future__ import annotations

from explainer.augmentation.experiments import SIZES, SmallData
from explainer.augmentation.fitting import Fit
from explainer.mnist import DigitSet


def data_identity(data: DigitSet) -> tuple:
    """What tells two digit sets apart: name, where they came from, MNIST or not, both sizes."""
    return (data.name, data.source, data.is_mnist, data.n_train, data.n_test)


def comparison_key(data: DigitSet, setup: SmallData) -> tuple:
    """The side-by-side run (with and without augmentation): data, training digits, steps, seed, augmentation."""
    return ("augmentation comparison", data_identity(data), setup)


def size_curve_key(data: DigitSet, fit: Fit, sizes: tuple[int, ...] = SIZES) -> tuple:
    """The accuracy-vs-data-size curve: data, every training setting (augmentation, steps, seed), the sizes."""
    return ("augmentation size curve", data_identity(data), fit, tuple(sizes))
