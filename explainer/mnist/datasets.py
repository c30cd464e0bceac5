"""Handwritten digits as uint8 tensors in memory: MNIST, or a labelled offline stand-in.

MNIST comes through ``torchvision.datasets.MNIST`` from ``config.data_dir()`` (the
folder holds ``MNIST/raw/*-ubyte``, torchvision's layout). Each split is read once per
process into a ``(N, 28, 28) uint8`` tensor; training converts and normalises a whole
batch at a time (``normalise``), never one PIL image at a time.

Without MNIST (offline, nothing downloaded yet) ``load_digits()`` returns scikit-learn's
1,797 bundled 8x8 handwritten digits, enlarged to 28x28 the way MNIST was made (the
digit fills a 20x20 box in the middle of the 28x28 frame), with ``is_mnist=False`` and a
name that says so. Never random noise.
"""
from __future__ import annotations

import dataclasses
import functools
import gzip
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import torch
import torch.nn.functional as F

from explainer.config import data_dir, mnist_raw_dir, offline
from explainer.download import DownloadError, fetch

#: The per-pixel mean and standard deviation of MNIST's training images (pixels in 0..1).
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
HOW_TO_GET_MNIST = ("Run `python -m explainer.prefetch` on a machine with internet access "
                    "(it saves MNIST, about 11 MB, under the data folder), or copy the four "
                    "`MNIST/raw/*-ubyte` files there, then reload the page.")


@dataclass(frozen=True, eq=False)
class DigitSet:
    """One dataset of 10 digit classes, both splits in memory.

    ``train_images``/``test_images``: ``(N, 28, 28) uint8``; labels ``(N,) int64``.
    """

    name: str            # what to call it on a page ("MNIST", "scikit-learn digits ...")
    source: str          # where it came from (a folder, or the bundled package)
    is_mnist: bool
    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor
    mean: float          # pixel mean / std (0..1 scale) used to normalise batches
    std: float
    note: str = ""       # why this set, and how to get MNIST when it is the stand-in

    @property
    def n_train(self) -> int:
        return len(self.train_labels)

    @property
    def n_test(self) -> int:
        return len(self.test_labels)


def normalise(images: torch.Tensor, mean: float, std: float) -> torch.Tensor:
    """``(N, 28, 28) uint8 -> (N, 1, 28, 28) float32``, zero mean and unit spread per pixel.

    One multiply-add over the whole batch: ``x / 255`` and ``(x - mean) / std`` folded
    into ``x * a - b``.
    """
    scale = 1.0 / (255.0 * std)
    return images.unsqueeze(1).float().mul_(scale).sub_(mean / std)


# --- MNIST ------------------------------------------------------------------------------------
def mnist_available(root: str | Path | None = None) -> bool:
    """True when the four uncompressed MNIST files are in ``<root>/MNIST/raw``."""
    raw = mnist_raw_dir(root)
    return all((raw / name).is_file() for name in _raw_names())


def _raw_names() -> list[str]:
    from torchvision.datasets import MNIST

    return [os.path.splitext(os.path.basename(url))[0] for url, _ in MNIST.resources]


@functools.lru_cache(maxsize=2)
def _load_mnist(root: str) -> DigitSet:
    from torchvision.datasets import MNIST

    train = MNIST(root, train=True, download=False)   # reads the IDX files into uint8 tensors
    test = MNIST(root, train=False, download=False)
    return DigitSet(name="MNIST", source=str(mnist_raw_dir(root)), is_mnist=True,
                    train_images=train.data.contiguous(), train_labels=train.targets.long(),
                    test_images=test.data.contiguous(), test_labels=test.targets.long(),
                    mean=MNIST_MEAN, std=MNIST_STD,
                    note="70,000 handwritten digits (60,000 for training, 10,000 for testing), 28x28 pixels.")


# --- the offline stand-in ---------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def sklearn_digits(test_fraction: float = 0.25, seed: int = 0) -> DigitSet:
    """scikit-learn's 1,797 8x8 digits (UCI, 0..16 grey levels), enlarged to 28x28 uint8.

    As in MNIST, the digit is scaled into a 20x20 box centred in the 28x28 frame
    (bilinear, so the 8x8 blocks look soft rather than pixelated). A fixed shuffled
    split keeps a quarter of each class for testing.
    """
    from sklearn.datasets import load_digits as _load

    bunch = _load()
    small = torch.from_numpy(bunch.images).float().unsqueeze(1) * (255.0 / 16.0)  # (1797, 1, 8, 8)
    big = F.interpolate(small, size=(20, 20), mode="bilinear", align_corners=False)
    images = F.pad(big, (4, 4, 4, 4)).squeeze(1).round().clamp_(0, 255).to(torch.uint8)  # (1797, 28, 28)
    labels = torch.from_numpy(bunch.target).long()
    g = torch.Generator().manual_seed(seed)
    test_mask = torch.zeros(len(labels), dtype=torch.bool)
    for digit in range(10):  # stratified: the same share of every digit in the test split
        idx = (labels == digit).nonzero().squeeze(1)
        idx = idx[torch.randperm(len(idx), generator=g)]
        test_mask[idx[: round(len(idx) * test_fraction)]] = True
    train_images, train_labels = images[~test_mask], labels[~test_mask]
    pixels = train_images.float() / 255.0
    return DigitSet(
        name="scikit-learn digits (8x8, enlarged to 28x28) — not MNIST",
        source="sklearn.datasets.load_digits (bundled with scikit-learn, no download)", is_mnist=False,
        train_images=train_images.contiguous(), train_labels=train_labels,
        test_images=images[test_mask].contiguous(), test_labels=labels[test_mask],
        mean=float(pixels.mean()), std=float(pixels.std()),
        note=f"{len(labels):,} digits written by 43 people, scanned at 8x8 pixels and enlarged here; "
             f"far fewer and blurrier than MNIST, so accuracies are not comparable. {HOW_TO_GET_MNIST}")


def load_digits(root: str | Path | None = None, *, download: bool | None = None,
                progress: Callable[[int, int, str], None] | None = None) -> DigitSet:
    """MNIST from ``root`` (default ``config.data_dir()``), else the labelled offline stand-in.

    ``download`` (default: unless ``CONVSCOPE_OFFLINE=1``) fetches MNIST into ``root``
    first when it is missing; a failed download falls back quietly (``note`` says why).
    Loaded once per process and folder.
    """
    root = Path(root or data_dir())
    if download is None:
        download = not offline()
    why = "MNIST is not in the data folder"
    if not mnist_available(root) and download:
        try:
            download_mnist(root, progress)
        except (OSError, RuntimeError) as err:
            why = f"MNIST could not be downloaded ({err})"
    if mnist_available(root):
        try:
            return _load_mnist(str(root))
        except (OSError, RuntimeError, ValueError) as err:
            why = f"the MNIST files in {root} could not be read ({err})"
    fallback = sklearn_digits()
    return dataclasses.replace(fallback, note=f"{why} ({root}). {fallback.note}")


# --- download, with progress --------------------------------------------------------------
@dataclass(frozen=True)
class DownloadProgress:
    """Bytes of ``file`` received so far out of ``total`` (0 when the server does not say)."""

    file: str
    done: int
    total: int
    file_index: int
    n_files: int


def download_events(root: str | Path | None = None, *, chunk: int = 1 << 16,
                    timeout_s: float = 30.0) -> Iterator[DownloadProgress]:
    """Fetch MNIST's four gzip files into ``<root>/MNIST/raw``, check MD5s, unpack them.

    Uses torchvision's own mirror list and checksums; yields progress as it goes (so a
    page's job runner can show a bar and cancel). Raises ``RuntimeError`` when every
    mirror fails for a file.
    """
    from torchvision.datasets import MNIST

    raw = mnist_raw_dir(root)
    raw.mkdir(parents=True, exist_ok=True)
    for i, (name, md5) in enumerate(MNIST.resources):
        target = raw / name[: -len(".gz")]
        if target.is_file():
            continue
        errors = []
        for mirror in MNIST.mirrors:
            zipped = raw / name
            try:
                for done, total in fetch(mirror + name, zipped, algorithm="md5", expected=md5,
                                         timeout_s=timeout_s, chunk=chunk):
                    yield DownloadProgress(file=name, done=done, total=total, file_index=i,
                                           n_files=len(MNIST.resources))
                with gzip.open(zipped, "rb") as packed, open(target, "wb") as out:
                    shutil.copyfileobj(packed, out)
                break
            except (DownloadError, OSError) as err:
                errors.append(f"{mirror}: {err}")
            finally:
                zipped.unlink(missing_ok=True)
        else:
            raise RuntimeError(f"could not download {name}: " + "; ".join(errors))


def download_mnist(root: str | Path | None = None,
                   progress: Callable[[int, int, str], None] | None = None) -> Path:
    """Download MNIST into ``<root>/MNIST/raw`` (a no-op when it is there); return that folder.

    ``progress(done_bytes, total_bytes, file_name)`` is called as bytes arrive.
    """
    root = Path(root or data_dir())
    for event in download_events(root):
        if progress is not None:
            progress(event.done, event.total, event.file)
    _load_mnist.cache_clear()
    return mnist_raw_dir(root)
