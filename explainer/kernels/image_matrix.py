"""An image is a matrix: the multiply-and-add at one position, written out.

The slow, readable loop convolution lives here next to the lecture's worked examples
(6, 114 and 6600), so a test can check ``F.conv2d`` against both. Like ``conv2d``, the loops
compute a cross-correlation (the kernel is not flipped).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explainer.kernels.presets import KernelError, _short, sharpen_classic


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
    parts = [f"({_short(p)}*{_short(w)})" if w >= 0 else f"({_short(p)}*({_short(w)}))" for p, w in shown]
    if len(parts) > max_terms:
        parts = parts[:max_terms] + [f"… {len(parts) - max_terms} more terms"]
    return ("+".join(parts) or "0") + f" = {_short(total)}"


# ------------------------------------------------------------------------------------
# The lecture's worked examples, as data.

@dataclass(frozen=True)
class WorkedExample:
    key: str
    title: str
    image: np.ndarray      # (H, W) pixel values
    kernel: np.ndarray     # (kh, kw)
    pad: int               # zero padding on each side
    row: int               # output position explained
    col: int
    expected: float        # the lecture's number
    note: str


def worked_examples() -> dict[str, WorkedExample]:
    """The lecture's three hand calculations: 6 (no padding), 114 (zero padding), 6600 (curve)."""
    edge = np.array([[7, 2, 3, 3, 8], [4, 5, 3, 8, 4], [3, 3, 2, 8, 4], [2, 8, 7, 2, 7], [5, 4, 4, 5, 4]])
    padded = np.array([[60, 113, 56, 139, 85], [73, 121, 54, 84, 128], [131, 99, 70, 129, 127],
                       [80, 57, 115, 69, 134], [104, 126, 123, 95, 130]])
    field = np.array([[0, 0, 0, 0, 0, 0, 30], [0, 0, 0, 0, 50, 50, 50], [0, 0, 0, 20, 50, 0, 0],
                      [0, 0, 0, 50, 50, 0, 0], [0, 0, 0, 50, 50, 0, 0], [0, 0, 0, 50, 50, 0, 0],
                      [0, 0, 0, 50, 50, 0, 0]])
    # The curve detector: a line of 30s bending to the upper right. The lecture's written-out
    # sum has five products (4 × 50·30 + 20·30 = 6600), so the filter's bottom row is empty.
    curve = np.zeros((7, 7))
    for r, c in [(0, 5), (1, 4), (2, 3), (3, 3), (4, 3), (5, 3)]:
        curve[r, c] = 30
    return {e.key: e for e in [
        WorkedExample("edge5", "5×5 image, vertical-edge kernel, no padding → 6", edge,
                      np.array([[1, 0, -1]] * 3, np.float64), 0, 0, 0, 6,
                      "A 3×3 kernel on a 5×5 image without padding gives a 3×3 output (5 − 2 = 3)."),
        WorkedExample("sharpen114", "Zero-padded 5×5, sharpen kernel → 114", padded,
                      sharpen_classic().astype(np.float64), 1, 0, 0, 114,
                      "One ring of zeros keeps the output 5×5; at the corner the kernel half hangs over zeros."),
        WorkedExample("curve6600", "7×7 curve detector on its receptive field → 6600", field, curve, 0, 0, 0, 6600,
                      "The filter's shape matches the curve in the image, so the sum is large. (The lecture's "
                      "text also lists a 30 in the filter's bottom row, which would give 8100; its written "
                      "sum has five products, as here.)"),
    ]}


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
    return Position(out, row, col, terms, float(out[row, col]), format_terms(terms))
