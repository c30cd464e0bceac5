"""The lecture's hand-worked convolutions, as data, in one place.

The kernel playground writes their multiply-and-add out; the padding & stride page fills
its grids with them. Each example carries the number the lecture computes (6, 114, 6600),
so tests check the code against the lecture rather than against a typed-in answer.

The matrices are read-only: they are shared by every session. ``(H, W)`` images and
``(kh, kw)`` kernels of whole numbers; positions are ``(row, col)`` of the output.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _constant(rows) -> np.ndarray:
    a = np.array(rows)
    a.setflags(write=False)
    return a


#: The 5×5 "image as a matrix" and the vertical-edge kernel: top-left output 6 (no padding).
DIGITS = _constant([[7, 2, 3, 3, 8], [4, 5, 3, 8, 4], [3, 3, 2, 8, 4], [2, 8, 7, 2, 7], [5, 4, 4, 5, 4]])
EDGE = _constant([[1, 0, -1], [1, 0, -1], [1, 0, -1]])
#: The zero-padding example: a 5×5 photo patch and the classic sharpen kernel: top-left output 114.
PATCH = _constant([[60, 113, 56, 139, 85], [73, 121, 54, 84, 128], [131, 99, 70, 129, 127],
                   [80, 57, 115, 69, 134], [104, 126, 123, 95, 130]])
SHARPEN = _constant([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
#: The curve detector's 7×7 receptive field (a curve of 50s) and its filter (a line of 30s
#: bending to the upper right): 6600. The lecture's written-out sum has five products
#: (4 × 50·30 + 20·30), so the filter's bottom row is empty; its printed grid also has a 30
#: there, which would give 8100.
CURVE_FIELD = _constant([[0, 0, 0, 0, 0, 0, 30], [0, 0, 0, 0, 50, 50, 50], [0, 0, 0, 20, 50, 0, 0],
                         [0, 0, 0, 50, 50, 0, 0], [0, 0, 0, 50, 50, 0, 0], [0, 0, 0, 50, 50, 0, 0],
                         [0, 0, 0, 50, 50, 0, 0]])
CURVE_FILTER = _constant([[30 if (r, c) in {(0, 5), (1, 4), (2, 3), (3, 3), (4, 3), (5, 3)} else 0
                           for c in range(7)] for r in range(7)])


@dataclass(frozen=True)
class WorkedExample:
    key: str
    title: str
    image: np.ndarray      # (H, W) pixel values
    kernel: np.ndarray     # (kh, kw) weights
    pad: int               # zero padding on each side
    row: int               # output position the lecture works out
    col: int
    expected: float        # the lecture's number
    note: str


WORKED_EXAMPLES: dict[str, WorkedExample] = {e.key: e for e in [
    WorkedExample(key="edge5", title="5×5 image, vertical-edge kernel, no padding → 6", image=DIGITS, kernel=EDGE,
                  pad=0, row=0, col=0, expected=6,
                  note="A 3×3 kernel on a 5×5 image without padding gives a 3×3 output (5 − 2 = 3)."),
    WorkedExample(key="sharpen114", title="Zero-padded 5×5, sharpen kernel → 114", image=PATCH, kernel=SHARPEN,
                  pad=1, row=0, col=0, expected=114,
                  note="One ring of zeros keeps the output 5×5; at the corner the kernel half hangs over zeros."),
    WorkedExample(key="curve6600", title="7×7 curve detector on its receptive field → 6600", image=CURVE_FIELD,
                  kernel=CURVE_FILTER, pad=0, row=0, col=0, expected=6600,
                  note="The filter's shape matches the curve in the image, so the sum is large. (The lecture's "
                       "text also lists a 30 in the filter's bottom row, which would give 8100; its written "
                       "sum has five products, as here.)"),
]}
