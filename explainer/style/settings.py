"""What a style transfer depends on (:class:`StyleSettings`) and its coarse-to-fine plan of levels."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from explainer.precision import PRECISIONS
from explainer.style.net import CONTENT_LAYER, STYLE_LAYERS

INITS = ("content", "noise", "style")
OPTIMIZERS = ("lbfgs", "adam")
#: Smallest side worth optimising at a coarse level (VGG's conv5_1 sees 1/16 of it).
MIN_LEVEL_SIDE = 48
#: Smallest output: after conv5_1's four 2x2 poolings a 32 px side is still 2 px.
MIN_SIZE = 32


@dataclass(frozen=True)
class StyleSettings:
    """Everything a transfer depends on (the page's sliders).

    ``iterations`` counts evaluations of the loss (forward + backward) at full size;
    each coarser level gets ``coarse_iterations`` more, 4x / 16x cheaper each.
    """

    size: int = 256                          # long side of the output, pixels
    iterations: int = 75                     # the full-size passes are most of the cost ...
    coarse_iterations: int = 35              # ... and more coarse work barely lowers their start
    levels: int = 3                          # 1 = no coarse-to-fine (the paper's way)
    content_weight: float = 1.0              # alpha
    style_weight: float = 1e6                # beta
    tv_weight: float = 0.0                   # gamma
    content_layer: str = CONTENT_LAYER
    style_layers: Mapping[str, float] = field(default_factory=lambda: {n: 1.0 for n in STYLE_LAYERS})
    init: str = "content"                    # content | noise | style
    optimizer: str = "lbfgs"                 # lbfgs | adam
    line_search: bool = True                 # L-BFGS with a strong-Wolfe line search (no overshooting)
    precision: str = "auto"                  # auto (whichever measures faster here) | float32 | bfloat16
    adam_lr: float = 0.1                     # on z, where picture = (1 + sin z) / 2
    keep_colors: bool = False
    style_scale: float = 1.0                 # style image's long side relative to the output's
    frame_every_s: float = 1.0               # send the current image at least this often
    seed: int = 0                            # for the noise init

    def __post_init__(self):
        if self.init not in INITS:
            raise ValueError(f"init must be one of {INITS}, not {self.init!r}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, not {self.precision!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, not {self.optimizer!r}")
        if not any(self.style_layers.values()) and not self.content_weight:
            raise ValueError("Nothing to optimise: no style layer has a weight and the content weight is 0.")

    @property
    def active_style_layers(self) -> dict[str, float]:
        return {name: float(w) for name, w in self.style_layers.items() if w}


def level_sizes(settings: StyleSettings) -> list[int]:
    """Long side of each coarse-to-fine level, smallest first, e.g. 256 -> [64, 128, 256]."""
    sizes = [settings.size]
    while len(sizes) < settings.levels and sizes[0] // 2 >= MIN_LEVEL_SIDE:
        sizes.insert(0, sizes[0] // 2)
    return sizes


def schedule(settings: StyleSettings) -> list[tuple[int, int]]:
    """``[(long_side, evaluations), ...]`` from coarse to full size."""
    sizes = level_sizes(settings)
    return [(s, settings.coarse_iterations) for s in sizes[:-1]] + [(sizes[-1], settings.iterations)]
