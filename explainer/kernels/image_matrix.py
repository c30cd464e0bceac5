"""An image is a matrix: the multiply-and-add at one position, written out.

The slow, readable loop convolution lives here, so a test can check ``F.conv2d`` against it
and against the lecture's worked examples (6, 114 and 6600, in :mod:`explainer.worked_examples`).
Like ``conv2d``, the loops compute a cross-correlation (the kernel is not flipped).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explainer.kernels.presets import KernelError, short_number


# ------------------------------------------------------------------------------------
# The slow clear version, and the sum at one position.

def loop_cross_correlate(image: np.ndarray, kernel: np.ndarray, *, pad: int = 0) -> np.ndarray:
    """Cross-correlation written as loops, for reading (and for checking ``F.conv2d``).

    ``image`` is ``(H, W)``, zero-padded by ``pad`` on each side; the output is
    ``(H + 2·pad − kh + 1, W + 2·pad − kw + 1)``: slide the kernel, multiply, add.
    """
    img = np.pad(np.asarray(image, np.float64), pad)
    kh, kw = kernel.shape
    out = np.zeros((img.shape[0] - kh + 1, img.shape[1] - kw + 1))
    for y in range(out.shape[0]):
        for x in range(out.shape[1]):
            total = 0.0
            for i in range(kh):
                for j in range(kw):
                    total += img[y + i, x + j] * kernel[i, j]
            out[y, x] = total
    return out


def multiply_add_terms(image: np.ndarray, kernel: np.ndarray, row: int, col: int, *,
                       pad: int = 0) -> list[tuple[float, float]]:
    """The (pixel, weight) pairs summed for output ``(row, col)``, kernel rows first.

    ``image`` is ``(H, W)`` and zero-padded by ``pad``; output ``(row, col)`` sees
    the padded window whose top-left corner is ``(row, col)``.
    """
    img = np.pad(np.asarray(image, np.float64), pad)
    kh, kw = kernel.shape
    if not (0 <= row <= img.shape[0] - kh and 0 <= col <= img.shape[1] - kw):
        raise KernelError(f"Output position ({row}, {col}) puts the kernel outside the image.")
    window = img[row:row + kh, col:col + kw]
    return [(float(p), float(w)) for p, w in zip(window.ravel(), np.asarray(kernel, np.float64).ravel())]


def format_terms(terms: list[tuple[float, float]], *, skip_zeros: bool = True, max_terms: int = 25) -> str:
    """``(50*30)+(50*30)+… = 6600``: the multiply-and-add written out.

    With ``skip_zeros``, products where the pixel or the weight is 0 are left out (they add
    nothing); the total is always over all terms.
    """
    total = sum(p * w for p, w in terms)
    shown = [(p, w) for p, w in terms if not (skip_zeros and (p == 0 or w == 0))]
    parts = [f"({short_number(p)}*{short_number(w) if w >= 0 else f'({short_number(w)})'})" for p, w in shown]
    if len(parts) > max_terms:
        parts = parts[:max_terms] + [f"… {len(parts) - max_terms} more terms"]
    return ("+".join(parts) or "0") + f" = {short_number(total)}"


# ------------------------------------------------------------------------------------
# Zooming into a real photo.

def zoom_patch(gray: np.ndarray, top: int, left: int, size: int) -> np.ndarray:
    """A ``(size, size)`` window of a grey image as whole numbers 0..255 (what a pixel "is").

    The window is moved inside the image if it would stick out.
    """
    h, w = gray.shape
    size = min(size, h, w)
    top = int(np.clip(top, 0, h - size))
    left = int(np.clip(left, 0, w - size))
    return np.rint(gray[top:top + size, left:left + size]).astype(np.float64)


@dataclass(frozen=True)
class Position:
    output: np.ndarray                 # (H + 2·pad − kh + 1, W + 2·pad − kw + 1) the whole small feature map
    row: int
    col: int
    terms: list[tuple[float, float]]   # (pixel, weight) under the kernel at (row, col)
    total: float
    written: str                       # "(50*30)+… = 6600"


def explain_position(values: np.ndarray, kernel: np.ndarray, *, pad: int = 0, row: int = 0,
                     col: int = 0) -> Position:
    """Everything the matrix view shows for one kernel position: output map, terms, sum."""
    kernel = np.asarray(kernel, np.float64)
    if kernel.shape[0] > values.shape[0] + 2 * pad or kernel.shape[1] > values.shape[1] + 2 * pad:
        raise KernelError(f"A {kernel.shape[0]}×{kernel.shape[1]} kernel does not fit in this "
                          f"{values.shape[0]}×{values.shape[1]} patch.")
    out = loop_cross_correlate(values, kernel, pad=pad)
    row = int(np.clip(row, 0, out.shape[0] - 1))
    col = int(np.clip(col, 0, out.shape[1] - 1))
    terms = multiply_add_terms(values, kernel, row, col, pad=pad)
    return Position(output=out, row=row, col=col, terms=terms, total=float(out[row, col]),
                    written=format_terms(terms))
