"""The lecture's worked examples of convolution arithmetic, and the numbers shown in the cells.

Each :class:`Example` carries the output size the lecture states, so a test can check that
:func:`explainer.geometry.arithmetic.plan` reproduces it rather than trusting a typed-in answer.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explainer.geometry.arithmetic import Setting

#: The lecture's 5×5 "image as a matrix" and vertical-edge kernel: the top-left output is 6.
DIGITS = np.array([[7, 2, 3, 3, 8], [4, 5, 3, 8, 4], [3, 3, 2, 8, 4], [2, 8, 7, 2, 7], [5, 4, 4, 5, 4]])
EDGE = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]])
#: The lecture's zero-padding example: a 5×5 photo patch and a sharpen kernel; top-left output 114.
PATCH = np.array([[60, 113, 56, 139, 85], [73, 121, 54, 84, 128], [131, 99, 70, 129, 127],
                  [80, 57, 115, 69, 134], [104, 126, 123, 95, 130]])
SHARPEN = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])

INPUT_VALUES = {"random": "Small random integers", "digits": "Lecture: 5×5 digits",
                "patch": "Lecture: 5×5 photo patch", "ones": "All ones"}
KERNEL_VALUES = {"random": "Small random integers", "edge": "Lecture: vertical edge [1 0 −1]",
                 "sharpen": "Lecture: sharpen", "ones": "All ones"}
_FIXED = {"digits": DIGITS, "patch": PATCH, "edge": EDGE, "sharpen": SHARPEN}


def cell_values(kind: str, shape: tuple[int, int], *, seed: int = 0, low: int = 0, high: int = 9
                ) -> tuple[np.ndarray, str]:
    """An (H, W) integer grid of ``kind``; a lecture grid of the wrong shape falls back to random.

    Returns (values, kind actually used) so the page can say when it fell back.
    """
    fixed = _FIXED.get(kind)
    if fixed is not None and fixed.shape == tuple(shape):
        return fixed.copy(), kind
    if kind == "ones":
        return np.ones(shape, dtype=int), kind
    rng = np.random.default_rng([seed, *shape])
    return rng.integers(low, high + 1, size=shape), "random"


@dataclass(frozen=True)
class Example:
    key: str
    title: str          # button label
    setting: Setting
    expect: tuple[int, int]   # output size the lecture states
    values: str = "random"
    kernel_values: str = "random"
    note: str = ""


EXAMPLES = [
    Example("first", "5×5 ∗ 3×3 → 3×3", Setting(size=(5, 5), kernel=(3, 3)), (3, 3), "digits", "edge",
            "Two border cells are lost on each axis (3 = 5 − 2). The top-left output is 6."),
    Example("lenet", "32×32 ∗ 5×5 → 28×28", Setting(size=(32, 32), kernel=(5, 5)), (28, 28),
            note="LeNet's first layer: 32 − 2·2 = 28."),
    Example("same", "5×5, pad 1, 3×3 → 5×5", Setting(size=(5, 5), kernel=(3, 3), padding_mode="same"), (5, 5),
            "patch", "sharpen", "Zero padding of 1 keeps the size ('same'). The top-left output is 114."),
    Example("stride", "6×6, stride 2, pad 1 → 3×3",
            Setting(size=(6, 6), kernel=(3, 3), stride=(2, 2), padding_mode="custom", padding=(1, 1)), (3, 3),
            note="The window jumps two cells at a time, so the output is about half as big."),
    Example("stride5", "5×5, stride 2, pad 1 → 3×3",
            Setting(size=(5, 5), kernel=(3, 3), stride=(2, 2), padding_mode="custom", padding=(1, 1)), (3, 3),
            note="The slide's left figure. Its caption says stride 1, but with stride 1 and padding 1 a 5×5 stays "
                 "5×5 (try it): the 3×3 result needs stride 2."),
    Example("enlarge4", "5×5, pad 2, 4×4 → 6×6",
            Setting(size=(5, 5), kernel=(4, 4), padding_mode="custom", padding=(2, 2)), (6, 6),
            "ones", "ones", "Padding bigger than the kernel needs makes the output larger than the input."),
    Example("enlarge3", "5×5, pad 2, 3×3 → 7×7",
            Setting(size=(5, 5), kernel=(3, 3), padding_mode="custom", padding=(2, 2)), (7, 7),
            "ones", "ones", "'Full' padding (k − 1 = 2): every input cell meets every kernel cell."),
    Example("pool", "Max pool 2×2: 4×4 → 2×2",
            Setting(op="maxpool", size=(4, 4), kernel=(2, 2), stride=(2, 2)), (2, 2),
            note="Each 2×2 block keeps only its largest value: half the resolution."),
    Example("transposed", "Transposed 3×3, stride 2: 3×3 → 7×7",
            Setting(op="transposed", size=(3, 3), kernel=(3, 3), stride=(2, 2)), (7, 7),
            note="Each input cell stamps a weighted copy of the kernel into the output, 2 cells apart."),
]
EXAMPLES_BY_KEY = {e.key: e for e in EXAMPLES}
