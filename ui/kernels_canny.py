"""The Canny stages of the kernel playground: blur, gradient, thinning, double threshold, hysteresis."""
from __future__ import annotations

import numpy as np
import streamlit as st

from explainer import kernels

from .image_picker import PickedImage
from .kernels_widgets import KEYS, download_pair, original_picture
from .sidebar import presentation


@st.cache_data(max_entries=32, show_spinner=False)
def shown_canny(image_key: str, _rgb: np.ndarray, sigma: float, low: float, high: float) -> kernels.ShownCanny:
    return kernels.shown_canny(kernels.canny(_rgb, sigma=sigma, low=low, high=high))


def draw_canny(picked: PickedImage, kernel: np.ndarray, preset: kernels.Preset, settings: kernels.KernelSettings,
               pictures, options) -> None:
    """The five stages (and the original) in two rows of three; the thresholds slider above them
    (projected: in ``options``, the settings popover)."""
    with options if presentation() else pictures.columns(2)[0]:
        st.slider("Thresholds low, high (fraction of the strongest gradient)", 0.0, 1.0, step=0.01,
                  key=KEYS["canny_thresholds"])
    low, high = settings.canny_thresholds
    shown = shown_canny(picked.key, picked.rgb, settings.canny_sigma, low, high)
    pics = shown.pictures
    projected = presentation()
    stages = [
        (original_picture(picked.key, picked.rgb), "0 · original"),
        (pics["blurred"], f"1 · Gaussian blur, σ = {shown.sigma:g}"),
        (pics["magnitude"], "2 · gradient magnitude" if projected else
         "2 · Sobel gradient magnitude √(Gx²+Gy²) (≥ high: white)"),
        (pics["thinned"], "3 · non-maximum suppression" if projected else
         "3 · non-maximum suppression: only the peaks, 1 px thin"),
        (pics["double"], "4 · double threshold" if projected else
         f"4 · double threshold: white ≥ {shown.high:.3g}, blue ≥ {shown.low:.3g}"),
        (pics["edges"], f"5 · hysteresis: {shown.edge_pixels} edge pixels"),
    ]
    with pictures:
        for row in (stages[:3], stages[3:]):
            for col, (img, cap) in zip(st.columns(3), row):
                col.image(img, caption=cap, width="stretch")
    st.markdown(
        "**What each step does.** (1) A Gaussian blur removes noise that would look like edges. "
        "(2) Sobel x and y measure how fast brightness changes; their length is the edge strength. "
        "(3) Across an edge the strength rises and falls over several pixels: keep only the peak, "
        "comparing each pixel with its two neighbours along the gradient. (4) Peaks above *high* are "
        "sure edges (white); peaks between *low* and *high* are maybes (blue). (5) A maybe survives only "
        f"if it touches a chain leading to a sure edge. Thresholds here: low = {low:g} × max = "
        f"{shown.low:.3g}, high = {high:g} × max = {shown.high:.3g}. Same edges as "
        "`skimage.feature.canny` (identical maps in our tests).")
    download_pair(picked, kernel, preset, settings, "clip", (1 / 3,) * 3)

