"""Every ``CONVSCOPE_*`` setting, read in one place.

Each is read when asked for (not at import), so a test or benchmark can set the
environment first. The README's settings table lists the same names.

| variable | meaning | default |
|---|---|---|
| ``CONVSCOPE_DATA`` | datasets in torchvision's layout (``<data>/MNIST/raw``) | ``<project>/data`` |
| ``CONVSCOPE_IMAGE_DIR`` | a folder of extra images for every image picker | none |
| ``CONVSCOPE_OFFLINE`` | ``1``: never reach for the network | ``0`` |
| ``CONVSCOPE_DEVICE`` | force ``cpu`` / ``cuda`` / ``mps`` | best available |
| ``CONVSCOPE_THREADS`` | torch's intra-op threads for the whole process | all usable cores |
| ``CONVSCOPE_TRAIN_THREADS`` | threads a heavy job (training, style transfer) uses | cores − 1 |
| ``CONVSCOPE_PUBLIC_URL`` | base URL that "Share this view" links point at | the browser's own |
"""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DATA = "CONVSCOPE_DATA"
IMAGE_DIR = "CONVSCOPE_IMAGE_DIR"
OFFLINE = "CONVSCOPE_OFFLINE"
DEVICE = "CONVSCOPE_DEVICE"
THREADS = "CONVSCOPE_THREADS"
TRAIN_THREADS = "CONVSCOPE_TRAIN_THREADS"
PUBLIC_URL = "CONVSCOPE_PUBLIC_URL"


def _int(name: str) -> int | None:
    raw = os.environ.get(name, "").strip()
    try:
        return max(1, int(raw)) if raw else None
    except ValueError:
        return None  # a typo in the environment must not stop the app


def data_dir() -> Path:
    """Folder holding datasets in torchvision's layout (``<data>/MNIST/raw/...``)."""
    return Path(os.environ.get(DATA) or PROJECT_ROOT / "data")


def mnist_raw_dir(root: str | Path | None = None) -> Path:
    """``<data>/MNIST/raw``: where torchvision's MNIST keeps (and we look for) the IDX files."""
    return Path(root or data_dir()) / "MNIST" / "raw"


def image_dir() -> Path | None:
    """An extra folder of images offered in every picker, or None."""
    raw = os.environ.get(IMAGE_DIR)
    return Path(raw) if raw else None


def offline() -> bool:
    """True when downloads are switched off (tests, a Space without egress)."""
    return os.environ.get(OFFLINE) == "1"


def forced_device() -> str | None:
    """The device named in the environment, if any (e.g. ``cpu``)."""
    return os.environ.get(DEVICE) or None


def threads() -> int | None:
    """Torch threads for the process, when set."""
    return _int(THREADS)


def train_threads() -> int | None:
    """Threads for one heavy job, when set."""
    return _int(TRAIN_THREADS)


def public_url() -> str | None:
    """Base URL for shared links (e.g. the Space), without a trailing slash."""
    raw = os.environ.get(PUBLIC_URL, "").strip()
    return raw.rstrip("/") or None
