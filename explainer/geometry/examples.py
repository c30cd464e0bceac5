"""The lecture's examples of convolution arithmetic, and the numbers shown in the cells.

Each :class:`Example` carries the output size the lecture states, so a test can check that
:func:`explainer.geometry.arithmetic.plan` reproduces it rather than trusting a typed-in answer.
The lecture's small matrices come from :mod:`explainer.worked_examples`, shared with the
kernel playground.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explainer.geometry.arithmetic import Setting
from explainer.worked_examples import DIGITS, EDGE, PATCH, SHARPEN, WORKED_EXAMPLES

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
    Example(key="first", title="5×5 ∗ 3×3 → 3×3", setting=Setting(size=(5, 5), kernel=(3, 3)), expect=(3, 3),
            values="digits", kernel_values="edge",
            note="Two border cells are lost on each axis (3 = 5 − 2). The top-left output is "
                 f"{WORKED_EXAMPLES['edge5'].expected:g}."),
    Example(key="lenet", title="32×32 ∗ 5×5 → 28×28", setting=Setting(size=(32, 32), kernel=(5, 5)),
            expect=(28, 28), note="LeNet's first layer: 32 − 2·2 = 28."),
    Example(key="same", title="5×5, pad 1, 3×3 → 5×5",
            setting=Setting(size=(5, 5), kernel=(3, 3), padding_mode="same"), expect=(5, 5),
            values="patch", kernel_values="sharpen",
            note="Zero padding of 1 keeps the size ('same'). The top-left output is "
                 f"{WORKED_EXAMPLES['sharpen114'].expected:g}."),
    Example(key="stride", title="6×6, stride 2, pad 1 → 3×3",
            setting=Setting(size=(6, 6), kernel=(3, 3), stride=(2, 2), padding_mode="custom", padding=(1, 1)),
            expect=(3, 3), note="The window jumps two cells at a time, so the output is about half as big."),
    Example(key="stride5", title="5×5, stride 2, pad 1 → 3×3",
            setting=Setting(size=(5, 5), kernel=(3, 3), stride=(2, 2), padding_mode="custom", padding=(1, 1)),
            expect=(3, 3),
            note="The slide's left figure. Its caption says stride 1, but with stride 1 and padding 1 a 5×5 stays "
                 "5×5 (try it): the 3×3 result needs stride 2."),
    Example(key="enlarge4", title="5×5, pad 2, 4×4 → 6×6",
            setting=Setting(size=(5, 5), kernel=(4, 4), padding_mode="custom", padding=(2, 2)), expect=(6, 6),
            values="ones", kernel_values="ones",
            note="Padding bigger than the kernel needs makes the output larger than the input."),
    Example(key="enlarge3", title="5×5, pad 2, 3×3 → 7×7",
            setting=Setting(size=(5, 5), kernel=(3, 3), padding_mode="custom", padding=(2, 2)), expect=(7, 7),
            values="ones", kernel_values="ones",
            note="'Full' padding (k − 1 = 2): every input cell meets every kernel cell."),
    Example(key="pool", title="Max pool 2×2: 4×4 → 2×2",
            setting=Setting(op="maxpool", size=(4, 4), kernel=(2, 2), stride=(2, 2)), expect=(2, 2),
            note="Each 2×2 block keeps only its largest value: half the resolution."),
    Example(key="transposed", title="Transposed 3×3, stride 2: 3×3 → 7×7",
            setting=Setting(op="transposed", size=(3, 3), kernel=(3, 3), stride=(2, 2)), expect=(7, 7),
            note="Each input cell stamps a weighted copy of the kernel into the output, 2 cells apart."),
]
EXAMPLES_BY_KEY = {e.key: e for e in EXAMPLES}
