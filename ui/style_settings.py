"""The style-transfer page's settings: each control's choices, URL key and bounds, and how they read."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import streamlit as st

from explainer.device import best_device
from explainer.style import CONTENT_LAYER, LAYERS, STYLE_LAYERS, StyleSettings, schedule

from .url_state import UrlState

CONTENT_WEIGHTS = [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0]
STYLE_WEIGHTS = [1e3, 3e3, 1e4, 3e4, 1e5, 3e5, 1e6, 3e6, 1e7, 3e7, 1e8, 3e8, 1e9]
TV_WEIGHTS = [0.0, 0.1, 1.0, 10.0, 100.0, 1000.0]
LAYER_WEIGHTS = [0.1, 0.2, 0.5, 1.0, 2.0, 5.0]
SIZES = [64, 96, 128, 160, 192, 256, 320, 384] + ([512, 768] if best_device().type != "cpu" else [])
ITERATIONS = [10, 20, 30, 45, 60, 75, 90, 120, 150, 200, 300]
#: each coarse level's share of the full-size evaluations, as in explainer.style's benchmarked schedule
COARSE_SHARE = StyleSettings().coarse_iterations / StyleSettings().iterations
INITS = {"content": "content image", "noise": "noise", "style": "style image"}
OPTIMIZERS = {"lbfgs": "L-BFGS", "adam": "Adam"}
PLOT_CONFIG = {"displaylogo": False}


@dataclass(frozen=True)
class StylePageSettings:
    """Every control of the page but the two pictures; each field is in the URL under ``KEY[field]``."""

    content_weight: float = 1.0          # α
    style_weight: float = 1e6            # β
    tv_weight: float = 0.0               # γ, smoothness
    size: int = 256                      # long side of the output, px
    iterations: int = StyleSettings().iterations   # loss evaluations at full size (benchmarked default)
    layers: tuple[str, ...] = STYLE_LAYERS  # whose Gram matrices count
    weight_conv1_1: float = 1.0          # weight of conv1_1's Gram term
    weight_conv2_1: float = 1.0          # weight of conv2_1's Gram term
    weight_conv3_1: float = 1.0          # weight of conv3_1's Gram term
    weight_conv4_1: float = 1.0          # weight of conv4_1's Gram term
    weight_conv5_1: float = 1.0          # weight of conv5_1's Gram term
    content_layer: str = CONTENT_LAYER   # where the content is compared
    init: str = "content"                # start picture: content | noise | style
    optimizer: str = "lbfgs"             # lbfgs | adam
    keep_colors: bool = False            # luminance-only transfer
    levels: int = 3                      # coarse-to-fine levels
    style_scale: float = 1.0             # painting's size relative to the output
    gram_layer: str = "conv1_1"          # the Gram section's layer
    gram_channels: int = 24              # channels the Gram section shows

    @classmethod
    def from_url(cls, url: UrlState) -> StylePageSettings:
        """Bind every field to its URL key (seeding the session once) and read them."""
        for f in dataclasses.fields(cls):
            default = list(f.default) if isinstance(f.default, tuple) else f.default  # st.pills keeps a list
            url.bind(KEY[f.name], default, **BOUNDS.get(f.name, {}))
        values = {f.name: st.session_state[KEY[f.name]] for f in dataclasses.fields(cls)}
        return cls(**{**values, "layers": tuple(values["layers"])})

    def layer_weight(self, layer: str) -> float:
        return getattr(self, f"weight_{layer}")

    def transfer_settings(self) -> StyleSettings:
        """What ``transfer`` needs; ValueError when they make no picture (e.g. no layer, α = 0)."""
        return StyleSettings(
            size=self.size, iterations=self.iterations, coarse_iterations=round(self.iterations * COARSE_SHARE),
            levels=self.levels, content_weight=self.content_weight, style_weight=self.style_weight,
            tv_weight=self.tv_weight, content_layer=self.content_layer,
            style_layers={name: self.layer_weight(name) for name in STYLE_LAYERS if name in self.layers},
            init=self.init, optimizer=self.optimizer, keep_colors=self.keep_colors, style_scale=self.style_scale)


#: field -> URL key (the short keys old links use).
KEY = {"content_weight": "sty_cw", "style_weight": "sty_sw", "tv_weight": "sty_tv", "size": "sty_size",
       "iterations": "sty_iters", "layers": "sty_layers", **{f"weight_{n}": f"sty_w_{n}" for n in STYLE_LAYERS},
       "content_layer": "sty_clayer", "init": "sty_init", "optimizer": "sty_opt", "keep_colors": "sty_keep",
       "levels": "sty_levels", "style_scale": "sty_sscale", "gram_layer": "sty_gram_layer",
       "gram_channels": "sty_gram_k"}
#: field -> what a link may set it to (anything else falls back to the default).
BOUNDS = {"content_weight": {"choices": CONTENT_WEIGHTS}, "style_weight": {"choices": STYLE_WEIGHTS},
          "tv_weight": {"choices": TV_WEIGHTS}, "size": {"choices": SIZES}, "iterations": {"choices": ITERATIONS},
          "layers": {"choices": STYLE_LAYERS}, **{f"weight_{n}": {"choices": LAYER_WEIGHTS} for n in STYLE_LAYERS},
          "content_layer": {"choices": LAYERS}, "init": {"choices": list(INITS)},
          "optimizer": {"choices": list(OPTIMIZERS)}, "levels": {"lo": 1, "hi": 3},
          "style_scale": {"lo": 0.5, "hi": 2.0}, "gram_layer": {"choices": STYLE_LAYERS},
          "gram_channels": {"lo": 8, "hi": 64}}


def sci(v: float) -> str:
    """1e6 -> '10⁶', 3e5 -> '3·10⁵', 0.3 -> '0.3': weights read at a glance."""
    if v == 0 or 0.01 <= abs(v) < 1000:
        return f"{v:g}"
    exp = int(np.floor(np.log10(abs(v))))
    mant = round(v / 10**exp)
    if mant == 10:  # 9.9e14 rounds up to 10·10¹⁴: write 10¹⁵
        exp, mant = exp + 1, 1
    sup = str(exp).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return f"10{sup}" if mant == 1 else f"{mant}·10{sup}"


def schedule_caption(settings: StyleSettings, label: str) -> str:
    plan = schedule(settings)
    return (f"VGG19 {label} · levels {' → '.join(str(side) for side, _ in plan)} px · "
            f"{sum(n for _, n in plan)} evaluations · one run at a time per two CPU cores.")
