"""Where data lives. ``CONVSCOPE_DATA`` overrides the default ``<project>/data``."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """Folder holding datasets in torchvision's layout (``<data>/MNIST/raw/...``)."""
    return Path(os.environ.get("CONVSCOPE_DATA") or PROJECT_ROOT / "data")
