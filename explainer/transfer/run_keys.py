"""Share keys of the transfer runs: everything a result depends on, as one hashable tuple.

Equal keys, equal results: the job runner computes the run once and replays it to every
session that asks (``explainer.jobs``, ``share_key``). See
:mod:`explainer.augmentation.run_keys` for the digit experiments' keys.
"""
from __future__ import annotations

import numpy as np

from explainer.augmentation.fitting import Fit
from explainer.augmentation.run_keys import data_identity
from explainer.features import LoadedModel
from explainer.mnist import DigitSet
from explainer.transfer.digits import MAX_PASSES, PRETRAIN, TransferSetup


def grid_key(data: DigitSet, setup: TransferSetup, pretrain: Fit = PRETRAIN) -> tuple:
    """Pretraining on 0–4 then the k grid: data, the grid's settings (ks, steps, rates, seed), the pretraining."""
    return ("transfer grid", data_identity(data), setup, pretrain, MAX_PASSES)


def photo_key(loaded: LoadedModel, photos: dict[str, list[tuple[str, np.ndarray]]]) -> tuple:
    """The photo recipe: this loaded copy of the network (pretrained or random) and, per class in order,
    its name and the ids of its photos (a content hash for uploads), so moving one photo to another
    class is another run."""
    return ("transfer photos", loaded.name, loaded.key,
            tuple((name, tuple(pid for pid, _ in items)) for name, items in photos.items()))
