"""Image kernels: the presets the lecture shows, and kernels typed by hand.

Filtering with them (``F.conv2d``), padding, colour modes and display mapping live in
:mod:`explainer.kernels.filtering`.

A word on names. What deep learning calls a *convolution* — and what
``torch.nn.functional.conv2d`` computes — is strictly a **cross-correlation**:
the kernel is laid on the image as it is, not flipped::

    out[y, x] = sum_{i, j} image[y + i - r, x + j - r] * kernel[i, j]      (r = k // 2)

A textbook convolution flips the kernel first. For symmetric kernels (box, Gaussian,
sharpen, Laplacian) the two agree; for the others the flip shows: a kernel with its 1 on
the right *moves the picture left* under ``conv2d``. We use ``conv2d`` everywhere because it
is the operation a CNN layer runs, and name things by what you see.

Images are ``(H, W, 3)`` uint8 or float arrays; kernels are ``(kh, kw)`` float arrays with
odd sides. Nothing here imports streamlit or torch.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable

import numpy as np

from explainer.worked_examples import SHARPEN

MAX_SIDE = 31   # custom kernels: odd sides up to 31×31
DIRECTIONS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")   # clockwise, 45° apart
DIRECTION_NAMES = {"N": "north (up)", "NE": "north-east", "E": "east (right)", "SE": "south-east",
                   "S": "south (down)", "SW": "south-west", "W": "west (left)", "NW": "north-west"}


class KernelError(ValueError):
    """A kernel that can't be used; ``str(err)`` is a message for the user."""


# ------------------------------------------------------------------------------------
# Kernels, each a small function named for what it does.

def identity(size: int = 3) -> np.ndarray:
    """1 in the centre: the output equals the input."""
    k = np.zeros((size, size), np.float32)
    k[size // 2, size // 2] = 1
    return k


def shift(direction: str) -> np.ndarray:
    """Move the picture one pixel ``"up" | "down" | "left" | "right"`` (under cross-correlation).

    ``out[y, x] = image[y + dy, x + dx]`` reads the neighbour on the opposite side, so
    "right" puts the 1 on the *left* of the centre. (A flipped, textbook convolution would
    move the picture the other way: the lecture's "shift right" kernel has its 1 on the right.)
    """
    offsets = {"right": (0, -1), "left": (0, 1), "down": (-1, 0), "up": (1, 0)}
    if direction not in offsets:
        raise KernelError(f"Unknown shift direction {direction!r}; use up, down, left or right.")
    dy, dx = offsets[direction]
    k = np.zeros((3, 3), np.float32)
    k[1 + dy, 1 + dx] = 1
    return k


#: Where :func:`shift` puts its 1, for each direction the picture moves.
SHIFT_SIDE = {"right": "left of", "left": "right of", "down": "above", "up": "below"}


def describe_shift(direction: str) -> str:
    """Why the shift kernel's 1 sits opposite to the move, and how that differs from the lecture."""
    if direction not in SHIFT_SIDE:
        raise KernelError(f"Unknown shift direction {direction!r}; use up, down, left or right.")
    side = SHIFT_SIDE[direction]
    return (f"Note: to move the picture {direction}, this kernel has its 1 **{side} the centre**. "
            "`conv2d` lays the kernel on the image unflipped (a cross-correlation), so every pixel copies "
            f"the neighbour {side} it. The lecture's \"shift right\" kernel has its 1 *right* of the centre "
            "because a textbook convolution flips the kernel first; both move the picture right.")


def box(size: int = 3) -> np.ndarray:
    """n×n average: every weight 1/n², so a flat region keeps its value."""
    _check_odd(size)
    return np.full((size, size), 1.0 / size**2, np.float32)


def gaussian(size: int = 5, sigma: float = 1.0) -> np.ndarray:
    """Sampled 2-D Gaussian exp(-(x²+y²)/2σ²), normalised to sum to 1."""
    _check_odd(size)
    if not sigma > 0:
        raise KernelError("The Gaussian's sigma must be positive.")
    g = gaussian_1d(size // 2, sigma)
    return np.outer(g, g).astype(np.float32)


def gaussian_1d(radius: int, sigma: float) -> np.ndarray:
    """1-D Gaussian weights at -radius..radius, summing to 1 (float64)."""
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    g = np.exp(-0.5 * (x / sigma) ** 2)
    return g / g.sum()


def detail(size: int = 3) -> np.ndarray:
    """original − smoothed: identity minus an n×n box. Sums to 0 (flat areas go to 0)."""
    return identity(size) - box(size)


def sharpen(amount: float = 1.0, size: int = 3) -> np.ndarray:
    """original + amount × detail. With amount 1 and size 3: 2·identity − box (the lecture's)."""
    return identity(size) + np.float32(amount) * detail(size)


def sharpen_classic() -> np.ndarray:
    """[[0,-1,0],[-1,5,-1],[0,-1,0]]: the centre counts 5 times, the 4 neighbours subtracted.

    The lecture's zero-padding example (:data:`explainer.worked_examples.SHARPEN`)."""
    return SHARPEN.astype(np.float32)


def sobel_x() -> np.ndarray:
    """Horizontal derivative (smoothed vertically): positive where the image gets brighter to the right."""
    return np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.float32)


def sobel_y() -> np.ndarray:
    """Vertical derivative: positive where the image gets brighter downwards (row index grows)."""
    return sobel_x().T.copy()


def laplacian() -> np.ndarray:
    """Sum of second derivatives: 0 on flat areas and ramps, large at fine detail."""
    return np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], np.float32)


def outline() -> np.ndarray:
    """8-neighbour Laplacian (sign flipped): centre 8, neighbours −1; lights up outlines."""
    return np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], np.float32)


def emboss() -> np.ndarray:
    """A diagonal derivative plus the original: relief lit from the top-left."""
    return np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], np.float32)


def robinson(direction: str) -> np.ndarray:
    """Robinson compass kernel that responds most to brightness increasing towards ``direction``.

    The eight kernels are one pattern rotated in 45° steps: the outer ring of the "north"
    kernel [[1,1,1],[0,0,0],[-1,-1,-1]] moves one place clockwise per step.
    """
    if direction not in DIRECTIONS:
        raise KernelError(f"Unknown compass direction {direction!r}; use one of {', '.join(DIRECTIONS)}.")
    # Outer ring, clockwise from the top-left corner, for "north".
    ring_pos = [(0, 0), (0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (1, 0)]
    ring_north = [1, 1, 1, 0, -1, -1, -1, 0]
    steps = DIRECTIONS.index(direction)
    k = np.zeros((3, 3), np.float32)
    for (r, c), v in zip(ring_pos, ring_north[-steps:] + ring_north[:-steps] if steps else ring_north):
        k[r, c] = v
    return k


def robinson_all() -> np.ndarray:
    """All eight compass kernels, ``(8, 3, 3)``, in :data:`DIRECTIONS` order."""
    return np.stack([robinson(d) for d in DIRECTIONS])


def random_kernel(seed: int, size: int = 3) -> np.ndarray:
    """Random weights (normal, one decimal), like an untrained conv layer's filter."""
    _check_odd(size)
    rng = np.random.default_rng(seed)
    return np.round(rng.normal(0.0, 1.0, (size, size)), 1).astype(np.float32)


def _check_odd(size: int) -> None:
    if size < 1 or size % 2 == 0 or size > MAX_SIDE:
        raise KernelError(f"Kernel size must be odd, 1..{MAX_SIDE} (so it has a centre pixel); got {size}.")


# ------------------------------------------------------------------------------------
# The preset table: what the page offers, with parameters and a sensible display mapping.

@dataclass(frozen=True)
class Preset:
    key: str
    title: str
    about: str                       # one sentence, shown under the chooser
    params: tuple[str, ...] = ()     # which of size / sigma / amount / shift / direction / seed it uses
    display: str = "clip"            # the display mapping that shows it best
    kind: str = "kernel"             # kernel | magnitude | compass | canny


PRESETS: dict[str, Preset] = {p.key: p for p in [
    Preset(key="identity", title="Identity", about="A single 1 in the centre copies the image unchanged."),
    Preset(key="shift", title="Shift by one pixel",
           about="A single 1 off-centre: every pixel takes its neighbour's value.", params=("shift",)),
    Preset(key="box", title="Box blur (n×n)",
           about="Each pixel becomes the average of its n×n neighbourhood (weights 1/n²).", params=("size",)),
    Preset(key="gaussian", title="Gaussian blur",
           about="A weighted average: close neighbours count more than far ones.", params=("size", "sigma")),
    Preset(key="detail", title="Detail (original − smoothed)",
           about="What blurring removed: fine texture and edges.", params=("size",), display="rescale"),
    Preset(key="sharpen", title="Sharpen (original + amount × detail)",
           about="Adds the detail back on top of the original.", params=("size", "amount")),
    Preset(key="sharpen5", title="Sharpen (classic, centre 5)",
           about="[[0,−1,0],[−1,5,−1],[0,−1,0]]: the lecture's padding example."),
    Preset(key="sobel_x", title="Sobel x",
           about="Brightness change from left to right (vertical edges).", display="abs"),
    Preset(key="sobel_y", title="Sobel y",
           about="Brightness change from top to bottom (horizontal edges).", display="abs"),
    Preset(key="sobel_mag", title="Sobel gradient magnitude",
           about="√(Gx² + Gy²): edge strength in any direction.", kind="magnitude"),
    Preset(key="laplacian", title="Laplacian",
           about="Second derivative: zero on flat areas and smooth ramps.", display="abs"),
    Preset(key="outline", title="Outline", about="Centre 8, neighbours −1: outlines of shapes."),
    Preset(key="emboss", title="Emboss", about="A diagonal derivative plus the image: looks like a relief."),
    Preset(key="robinson", title="Robinson compass (one direction)",
           about="Edges whose bright side faces one of 8 directions.", params=("direction",), display="abs"),
    Preset(key="compass_map", title="Robinson direction map",
           about="All 8 compass kernels; each pixel coloured by the strongest.", kind="compass"),
    Preset(key="canny", title="Canny edge detector (step by step)",
           about="Blur → Sobel → thin → two thresholds → link.", params=("sigma",), kind="canny"),
    Preset(key="random", title="Random kernel", about="Random weights, like a CNN filter before training.",
           params=("size", "seed"), display="rescale"),
    Preset(key="custom", title="Custom (type your own)", about="Any odd-sized kernel you type.", display="rescale"),
]}


def preset_kernel(key: str, *, size: int = 3, sigma: float = 1.0, amount: float = 1.0,
                  shift_to: str = "right", direction: str = "N", seed: int = 0) -> np.ndarray:
    """The ``(k, k)`` kernel of a preset. For ``sobel_mag`` it is Sobel x (Sobel y is its transpose);
    for ``compass_map`` the north kernel; for ``canny`` the Gaussian blur of its first stage."""
    builders: dict[str, Callable[[], np.ndarray]] = {
        "identity": lambda: identity(),
        "shift": lambda: shift(shift_to),
        "box": lambda: box(size),
        "gaussian": lambda: gaussian(size, sigma),
        "detail": lambda: detail(size),
        "sharpen": lambda: sharpen(amount, size),
        "sharpen5": sharpen_classic,
        "sobel_x": sobel_x,
        "sobel_y": sobel_y,
        "sobel_mag": sobel_x,
        "laplacian": laplacian,
        "outline": outline,
        "emboss": emboss,
        "robinson": lambda: robinson(direction),
        "compass_map": lambda: robinson("N"),
        "canny": lambda: np.outer(*[gaussian_1d(int(4 * sigma + 0.5), sigma)] * 2).astype(np.float32),
        "random": lambda: random_kernel(seed, size),
    }
    if key not in builders:
        raise KernelError(f"No preset called {key!r}; choose one of {', '.join(builders)}.")
    return builders[key]()


# ------------------------------------------------------------------------------------
# Typed kernels.

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _parse_cell(token: str, row: int, col: int) -> float:
    token = token.strip()
    parts = token.split("/")
    if len(parts) == 2:  # fractions such as 1/9
        num, den = _parse_cell(parts[0], row, col), _parse_cell(parts[1], row, col)
        if den == 0:
            raise KernelError(f"Row {row}, column {col}: “{token}” divides by zero.")
        return num / den
    low = token.lower().lstrip("+-")
    if low in ("nan",):
        raise KernelError(f"Row {row}, column {col} is NaN (not a number); every cell needs a real value.")
    if low in ("inf", "infinity"):
        raise KernelError(f"Row {row}, column {col} is infinite; every cell needs a finite value.")
    if not _NUMBER.match(token):
        raise KernelError(f"Row {row}, column {col}: “{token}” is not a number.")
    value = float(token)
    if not math.isfinite(value):
        raise KernelError(f"Row {row}, column {col}: “{token}” is too large to use.")
    return value


def parse_kernel(text: str, *, max_side: int = MAX_SIDE) -> np.ndarray:
    """Read a kernel typed as rows of numbers (one row per line, or rows separated by ``;``).

    Cells are separated by spaces, commas or tabs; fractions like ``1/9`` are allowed.
    Both sides must be odd (so there is a centre pixel) and at most ``max_side``.

    Raises:
        KernelError: empty, ragged, non-numeric, NaN/inf, even-sized or too large.
    """
    if text is None or not text.strip():
        raise KernelError("The kernel is empty: type at least one number, e.g. 0 -1 0 / -1 5 -1 / 0 -1 0 on three lines.")
    if "[" in text:   # Python / NumPy style: [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]
        lines = re.findall(r"\[([^\[\]]*)\]", text)
    else:
        lines = [ln for ln in re.split(r"[\n;]", text) if ln.strip()]
    if not lines:
        raise KernelError("No rows found: type one row of numbers per line.")
    rows: list[list[float]] = []
    for r, line in enumerate(lines, start=1):
        cells = [c for c in re.split(r"[\s,]+", line.strip()) if c]
        rows.append([_parse_cell(c, r, j) for j, c in enumerate(cells, start=1)])
    widths = {len(r) for r in rows}
    if len(widths) != 1:
        first = len(rows[0])
        bad = next(i for i, r in enumerate(rows, start=1) if len(r) != first)
        raise KernelError(f"Row {bad} has {len(rows[bad - 1])} values but row 1 has {first}: "
                          "every row needs the same number of cells.")
    h, w = len(rows), widths.pop()
    if h % 2 == 0 or w % 2 == 0:
        raise KernelError(f"The kernel is {h}×{w}; both sides must be odd (1, 3, 5, …) so it has a centre pixel.")
    if max(h, w) > max_side:
        raise KernelError(f"The kernel is {h}×{w}; the largest allowed is {max_side}×{max_side}.")
    return np.array(rows, np.float32)


def short_number(v: float) -> str:
    """A weight or pixel written short: 4 significant digits, never "-0"."""
    s = f"{float(v):.4g}"
    return "0" if s in ("-0", "0") else s


def suggested_display(kernel: np.ndarray) -> str:
    """How to show a typed kernel's output: weights summing to 1 keep brightness (clip),
    summing to 0 respond to change only, either sign (abs), anything else is rescaled."""
    total = float(np.sum(kernel))
    if abs(total - 1) < 1e-3:
        return "clip"
    if abs(total) < 1e-3:
        return "abs"
    return "rescale"

