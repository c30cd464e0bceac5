"""The style page's Gram section: the style image's and the output's Gram matrices, the maps behind them."""
from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

from explainer import exports
from explainer.style import STYLE_LAYERS, GramView, feature_map_grid, gram_heatmaps, gram_view

from .style_pictures import style_net
from .style_settings import KEY, PLOT_CONFIG, StylePageSettings, sci


@st.cache_data(max_entries=16, show_spinner="Computing Gram matrices…")
def _gram_view(style_key: str, _style_rgb: np.ndarray, output_rgb: np.ndarray, layer: str, style_scale: float,
               k: int) -> GramView:
    # output_rgb is hashed (it changes as the painting forms); style_key names the style image.
    return gram_view(style_net(), _style_rgb, output_rgb, layer, style_scale=style_scale, channels=k)


@st.cache_resource(max_entries=16, show_spinner=False)
def _gram_figures(key: tuple, _view: GramView):
    """The section's two figures, built once per (style, output, layer, channels, size) for every visitor."""
    fs, present = key[-2], key[-1]
    heatmaps = gram_heatmaps(_view.style_gram, _view.output_gram, _view.channels, layer=_view.layer, font_size=fs,
                             height=520 if present else 440)
    maps = feature_map_grid(_view.style_maps, _view.output_maps, _view.channels[:len(_view.style_maps)],
                            font_size=fs, height=380 if present else 320)
    return heatmaps, maps


def gram_section(page: StylePageSettings, style, output: np.ndarray, fs: int, present: bool) -> None:
    st.header("Inside the style loss: Gram matrices")
    c1, c2 = st.columns([1, 3])
    c1.selectbox("Layer", STYLE_LAYERS, key=KEY["gram_layer"])
    if not present:
        c1.slider("Channels shown", 8, 64, step=8, key=KEY["gram_channels"],
                  help="The most active channels of the style image at this layer, strongest first.")
    layer = page.gram_layer
    view = _gram_view(style.key, style.rgb, output, layer, page.style_scale, page.gram_channels)
    h, w = view.map_shape
    c1.markdown(
        f"`{layer}` has **C = {view.n_channels}** feature maps; on the output each is {w}×{h}. Flatten each "
        f"map into a row: **F** is {view.n_channels}×{h * w}. Then **G = F Fᵀ / (C·H·W)** is "
        f"{view.n_channels}×{view.n_channels}: entry G[i, j] is large when maps i and j are strong *at the same "
        "places* — it records which features occur together, and forgets *where*. That is why it captures "
        "texture and colour (style) but not the layout (content).")
    c1.markdown(f"This layer's style term: mean of (G − A)² over all {view.n_channels}² entries = "
                f"**{view.layer_loss:.3g}**. The painting forms as the right matrix comes to look like the left.")
    heatmaps, maps = _gram_figures((style.key, hashlib.sha1(output.tobytes()).hexdigest(), layer, page.style_scale,
                                    page.gram_channels, fs, present), view)
    c2.plotly_chart(heatmaps, width="stretch", config=PLOT_CONFIG)
    c2.plotly_chart(maps, width="stretch", config=PLOT_CONFIG)
    c2.caption("Top: the style image's feature maps for the channels with the largest G[i, i]; bottom: the same "
               "channels on the output. Their products, summed over all positions, are the Gram entries above.")
    c1.download_button("Gram matrices (PNG, for slides)", lambda: gram_png(view), file_name=f"gram-{layer}.png",
                       mime="image/png", icon=":material/image:", on_click="ignore")
    lecture_footnote(view, page, output.shape[:2])


def gram_png(view: GramView) -> bytes:
    """The two Gram matrices of the section, side by side (made when the button is clicked)."""
    grams = {"style picture A": view.style_gram, "output G": view.output_gram}
    return exports.gram_heatmaps_png(grams, title=f"Gram matrices at {view.layer}: {len(view.channels)} most "
                                                  f"active of {view.n_channels} channels")


def lecture_footnote(view: GramView, page: StylePageSettings, output_hw: tuple[int, int]) -> None:
    """How the page's normalised losses relate to the lecture's ½Σ(F−P)² and G = FFᵀ, with this layer's numbers."""
    c, (h, w) = view.n_channels, view.map_shape
    chw = c * h * w
    # The content layer's size: VGG19 block b has 64·2^(b-1) maps (at most 512), after b-1 halvings.
    halvings = int(page.content_layer[4]) - 1
    cc, ch, cw = min(512, 64 * 2 ** halvings), output_hw[0] // 2 ** halvings, output_hw[1] // 2 ** halvings
    st.caption(
        "**Footnote: these numbers and the lecture's formulas.** The lecture writes G = F Fᵀ (a plain sum over "
        "the H·W positions), L_style = ½ Σ (G − A)² and L_content = ½ Σ (F − P)². This page divides so that the "
        "numbers do not depend on the picture's size: G by C·H·W, and each loss is a *mean* of squared "
        "differences instead of half their sum (the painting's A is divided by its own C·H·W, so a painting of "
        "another size still compares fairly).  \n"
        f"**Style**, at `{view.layer}`: C·H·W = {c}·{h}·{w} = {chw:,}, so the lecture's ½ Σ (G − A)² = "
        f"½·C²·(C·H·W)² × this page's term = {sci(0.5 * c * c * chw * chw)} × it. β = {sci(page.style_weight)} "
        f"here weighs this layer as β′ = 2β / (C²·(C·H·W)²) = {sci(2 * page.style_weight / (c * c * chw * chw))} "
        "would weigh the lecture's sum.  \n"
        f"**Content**, at `{page.content_layer}` ({cc} maps of {cw}×{ch}): ½ Σ (F − P)² = ½·{cc * ch * cw:,} × "
        f"the mean, so α = {sci(page.content_weight)} here is α′ = "
        f"{sci(2 * page.content_weight / max(1, cc * ch * cw))} on the lecture's sum.  \n"
        "So β looks huge next to α only because dividing G by C·H·W makes Gram entries, and their squared "
        "differences, tiny: it is the scale of the numbers, not a stronger pull towards style.")
