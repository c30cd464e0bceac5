"""What a style transfer reports: one :class:`StyleEvent` per loss evaluation, a :class:`StyleResult` at the end."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class StyleEvent:
    """One loss evaluation. ``image`` is set on frames only (at least every ``frame_every_s``).

    To bound memory, a frame's image is dropped (set to None) once a newer frame exists:
    a page always finds the newest one by scanning back from the last event.
    """

    iteration: int                 # evaluations done so far, all levels together
    total_iterations: int
    level: int                     # 0 = coarsest
    shape: tuple[int, int]         # (H, W) being optimised now
    losses: dict[str, float]       # content, style, tv (unweighted), total (weighted), style/<layer>
    elapsed_s: float
    eta_s: float
    image: np.ndarray | None = None  # (H, W, 3) uint8


@dataclass
class StyleResult:
    image: np.ndarray                # (H, W, 3) uint8, the final output
    losses: dict[str, float]         # at the final image
    elapsed_s: float
    evaluations: int
