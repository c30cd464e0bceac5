"""MNIST into memory, and the labelled offline stand-in when MNIST is absent."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from explainer.mnist import datasets

from .conftest import shared_data_or_skip


def test_stand_in_is_real_digits_labelled_as_such():
    data = datasets.sklearn_digits()
    assert not data.is_mnist and "not MNIST" in data.name and "load_digits" in data.source
    assert data.n_train + data.n_test == 1797
    assert data.train_images.shape[1:] == (28, 28) and data.train_images.dtype == torch.uint8
    # Every digit keeps about a quarter of its examples for testing.
    for digit in range(10):
        n_test, n_all = int((data.test_labels == digit).sum()), int((data.test_labels == digit).sum()
                                                                     + (data.train_labels == digit).sum())
        assert abs(n_test / n_all - 0.25) < 0.02
    # Shrinking the 20x20 middle back to 8x8 gives scikit-learn's own pixels (0..16 grey levels).
    from sklearn.datasets import load_digits

    original = torch.from_numpy(load_digits().images).float() * (255 / 16)
    middle = torch.cat([data.train_images, data.test_images])[:, 4:24, 4:24].float()
    assert (torch.cat([data.train_images, data.test_images])[:, :4].float().sum() == 0)  # black margin, like MNIST
    small = F.interpolate(middle[:, None], size=(8, 8), mode="area")[:, 0]
    # Same multiset of digits: compare sorted per-image sums (the split shuffles the order).
    assert torch.allclose(small.sum((1, 2)).sort().values, original.sum((1, 2)).sort().values, rtol=0.08)


def test_missing_mnist_falls_back_without_touching_the_network(tmp_path):
    assert not datasets.mnist_available(tmp_path)
    data = datasets.load_digits(tmp_path, download=False)
    assert not data.is_mnist
    assert "python -m explainer.prefetch" in data.note and str(tmp_path) in data.note
    assert not (tmp_path / "MNIST").exists()  # nothing was attempted


def test_failed_download_says_why_and_leaves_no_partial_files(tmp_path, monkeypatch):
    from torchvision.datasets import MNIST

    monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/"])  # nothing listens on the discard port
    data = datasets.load_digits(tmp_path, download=True)
    assert not data.is_mnist and "could not be downloaded" in data.note
    assert list((tmp_path / "MNIST" / "raw").iterdir()) == []


def test_normalise_maps_uint8_batch_to_zero_mean_unit_spread():
    images = torch.tensor([[[0, 255]]], dtype=torch.uint8).expand(1, 28, 2).reshape(1, 28, 2)
    x = datasets.normalise(images, 0.5, 0.5)
    assert x.shape == (1, 1, 28, 2) and x.dtype == torch.float32
    assert torch.allclose(x[0, 0, 0], torch.tensor([-1.0, 1.0]))


def test_mnist_from_the_shared_folder():
    root = shared_data_or_skip("MNIST", "raw").parent.parent
    data = datasets.load_digits(root, download=False)
    assert data.is_mnist and data.name == "MNIST"
    assert data.train_images.shape == (60_000, 28, 28) and data.test_images.shape == (10_000, 28, 28)
    assert data.train_images.dtype == torch.uint8 and set(data.test_labels.unique().tolist()) == set(range(10))
    assert datasets.load_digits(root, download=False).train_images is data.train_images  # read once per process
    x = datasets.normalise(data.train_images[:5_000], data.mean, data.std)
    assert abs(float(x.mean())) < 0.05 and abs(float(x.std()) - 1) < 0.05
