"""Shared runs of the augmentation and transfer experiments (issue 10): the pages' own share keys on a
real JobRunner. Identical settings and data give the identical run (one computation, replayed to the
next session); a change in anything the result depends on gives a fresh run. Tiny runs on the stand-in."""
from __future__ import annotations

import functools
import gc
import weakref
from dataclasses import replace

import numpy as np
import pytest

from explainer.augmentation import (DIGIT_DEFAULT, Augmentation, Comparison, Fit, SizeCurve, SmallData,
                                    compare_events, comparison_key, size_curve_events, size_curve_key,
                                    with_threads)
from explainer.features import load_model
from explainer.jobs import DONE, JobRunner
from explainer.transfer import (PhotoResult, TransferGrid, TransferSetup, grid_key, photo_key,
                                photo_transfer_events, pretrain_then_grid_events, texture_classes)

pytestmark = pytest.mark.usefixtures("one_thread")

WAIT_S = 300                     # a bound for a stuck run on a busy machine, not a timing assertion
TINY = SmallData(n_train=100, fit=Fit(steps=25, augmentation=DIGIT_DEFAULT), test_size=50)


class Counted:
    """``make_events`` for the runner that counts how often a run is really computed."""

    def __init__(self, make):
        self.make, self.calls = make, 0

    def __call__(self):
        self.calls += 1
        return with_threads(self.make(), 1)


def _runner() -> JobRunner:
    return JobRunner(max_heavy=1, abandon_after_s=None)   # its own runner: no run of another test replayed


def _done(ticket):
    assert ticket.wait(WAIT_S) and ticket.state == DONE, (ticket.state, ticket.error)
    return ticket


def _replays(runner: JobRunner, key, counted: Counted, kind: type):
    """Submit ``key`` twice, as two sessions would: one computation, the second ticket replays it."""
    first = _done(runner.submit("run", counted, share_key=key))
    second = runner.submit("run", counted, share_key=key)
    assert isinstance(first.result, kind) and counted.calls == 1
    assert second.replayed and second.state == DONE and second.run_id == first.run_id
    assert second.result is first.result and second.events == first.events
    return first


def _mnist_like(data):
    """The same tensors under MNIST's identity: only to show the key tells the two sets apart."""
    return replace(data, name="MNIST", source="/data/MNIST/raw", is_mnist=True)


def test_comparison_replays_for_identical_settings_and_runs_fresh_otherwise(stand_in):
    runner = _runner()
    counted = Counted(lambda: compare_events(stand_in, TINY))
    first = _replays(runner, comparison_key(stand_in, TINY), counted, Comparison)
    # Built again from scratch, as the next rerun of the page does: equal, not the same object.
    same = SmallData(n_train=100, fit=Fit(steps=25, augmentation=Augmentation(**vars(DIGIT_DEFAULT))), test_size=50)
    assert comparison_key(stand_in, same) == comparison_key(stand_in, TINY)
    changed = [replace(TINY, n_train=300), replace(TINY, test_size=60), replace(TINY, fit=replace(TINY.fit, seed=1)),
               replace(TINY, fit=replace(TINY.fit, steps=50)),
               replace(TINY, fit=replace(TINY.fit, augmentation=replace(DIGIT_DEFAULT, noise=20.0))),
               replace(TINY, fit=replace(TINY.fit, augmentation=replace(DIGIT_DEFAULT, rotate_deg=30.0)))]
    keys = {comparison_key(stand_in, setup) for setup in changed} | {comparison_key(_mnist_like(stand_in), TINY)}
    assert len(keys) == len(changed) + 1 and comparison_key(stand_in, TINY) not in keys
    other = Counted(lambda: compare_events(stand_in, changed[2]))
    fresh = _done(runner.submit("run", other, share_key=comparison_key(stand_in, changed[2])))
    assert not fresh.replayed and fresh.run_id != first.run_id and other.calls == 1


def test_size_curve_replays_for_identical_settings(stand_in):
    fit, sizes = Fit(steps=10, augmentation=DIGIT_DEFAULT), (100, 300)
    counted = Counted(lambda: size_curve_events(stand_in, fit, sizes))
    first = _replays(_runner(), size_curve_key(stand_in, fit, sizes), counted, SizeCurve)
    assert first.result.sizes == [100, 300]
    key = size_curve_key(stand_in, fit, sizes)
    assert key != size_curve_key(stand_in, replace(fit, augmentation=Augmentation()), sizes)
    assert key != size_curve_key(stand_in, replace(fit, seed=3), sizes)
    assert key != size_curve_key(stand_in, fit, (100, 1_000))
    assert key != size_curve_key(_mnist_like(stand_in), fit, sizes)


def test_transfer_grid_replays_for_identical_settings(stand_in):
    setup = TransferSetup(ks=(1,), steps=10)
    counted = Counted(lambda: pretrain_then_grid_events(stand_in, setup))
    _replays(_runner(), grid_key(stand_in, setup), counted, TransferGrid)
    key = grid_key(stand_in, setup)
    assert key == grid_key(stand_in, TransferSetup(ks=(1,), steps=10))
    assert len({key, grid_key(stand_in, replace(setup, ks=(3,))), grid_key(stand_in, replace(setup, steps=50)),
                grid_key(stand_in, replace(setup, seed=1)), grid_key(_mnist_like(stand_in), setup)}) == 5


def test_photo_run_replays_for_the_same_photos_in_the_same_classes():
    loaded = load_model("ResNet18", download_if_missing=False)
    tiles = texture_classes(2)
    photos = {name: [(f"tex:{name}:{j}", t) for j, t in enumerate(items[:-1])] for name, items in tiles.items()}
    counted = Counted(lambda: photo_transfer_events(loaded, photos, {}))
    _replays(_runner(), photo_key(loaded, photos), counted, PhotoResult)
    names = list(photos)
    moved = dict(photos)   # the first class's last photo handed to the second class: same ids, other labels
    moved[names[0]], moved[names[1]] = photos[names[0]][:-1], photos[names[0]][-1:] + photos[names[1]]
    renamed = {("walls" if n == names[0] else n): items for n, items in photos.items()}
    other_copy = replace(loaded, key="another-load")   # a reloaded network (e.g. weights fetched since)
    keys = {photo_key(loaded, photos), photo_key(loaded, moved), photo_key(loaded, renamed),
            photo_key(other_copy, photos)}
    assert len(keys) == 4


def test_a_kept_run_holds_its_events_and_result_not_its_inputs():
    """The LRU bounds runs by count; a finished run must not keep what its job was made from (e.g. uploads)."""
    photo = np.zeros((448, 448, 3), np.uint8)
    alive = weakref.ref(photo)

    def events(rgb):
        yield rgb.shape
        return int(rgb.sum())

    make = functools.partial(events, photo)     # holds the photo itself, as a page's lambda holds its inputs
    ticket = _done(_runner().submit("run", make, share_key=("photo", 1)))
    del photo, make
    gc.collect()
    assert alive() is None, "the finished run still holds its input"
    assert ticket.result == 0 and ticket.events == [(448, 448, 3)]
