"""The kernel playground's settings as one frozen value, and what its matrix view multiplies.

Plain data, no Streamlit: the page binds each field to its URL key and widget. Defined here
rather than in the page script because a page script runs again on every slider move, and
building a frozen dataclass costs about a millisecond each time.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class KernelSettings:
    """Everything the kernel playground lets you choose, as the URL holds it (``?preset=sobel_x&pad=none``)."""

    preset: str
    size: int
    sigma: float
    amount: float
    shift_to: str
    direction: str
    seed: int
    custom: str
    canny_sigma: float
    canny_thresholds: tuple[float, float]
    colour: str
    padding: str
    display: str                                 # "auto" or one of ``kernels.DISPLAYS``
    channel_weights: tuple[float, float, float]  # conv-layer mode: the R, G, B slices
    demo: str
    patch_top: int
    patch_left: int
    out_row: int
    out_col: int


@dataclass(frozen=True)
class MatrixInput:
    """What the matrix view multiplies: a grid of pixel values and a kernel, and where they come from."""

    values: np.ndarray             # (H, W)
    kernel: np.ndarray             # (kh, kw)
    pad: int
    note: str
    where: bytes | None            # the photo with the patch framed (JPEG), or None for a lecture example
    white: float                   # the value drawn white
