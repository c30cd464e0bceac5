"""The feature-map page's first two tabs: one layer's maps as a grid with one enlarged, and early vs deep."""
from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import streamlit as st

from explainer import exports, features

from . import keys
from .feature_maps_network import Opened, layer_label
from .feature_maps_settings import PER_PAGE, TOP_KS, FeatureMapSettings, settings_now, settle
from .feature_maps_widgets import PLOT_CONFIG
from .sidebar import advanced, controls, presentation
from .url_state import UrlState

GRID_PROJECTED_PX = 420  # title, one row of buttons, tabs and this grid fit a 1280x720 projector


# Pictures, built once per distinct input and shared read-only (st.plotly_chart copies a figure
# before sending it). Keys name the input (``view``: network copy, picture, size); bounded in count.
@st.cache_resource(max_entries=64, ttl=1800, show_spinner=False)
def grid_figure(view: str, layer: str, channels: tuple[int, ...], scope: str, fs: int, title: str, cols: int,
                height: int | None, _fm: features.FeatureMaps):
    return features.feature_grid(_fm.maps[layer], channels, stats=_fm.stats[layer], scope=scope, font_size=fs,
                                 title=title, cols=cols, height=height)


@st.cache_resource(max_entries=16, ttl=1800, show_spinner=False)
def photo(view: str, _shown: np.ndarray) -> str:
    return features.photo_uri(_shown)


@st.cache_resource(max_entries=64, ttl=1800, show_spinner=False)
def enlarged_figure(view: str, layer: str, channel: int, alpha: float, fs: int, title: str,
                    _fm: features.FeatureMaps, _shown: np.ndarray, _geo: features.Geometry):
    return features.enlarged_map(_shown, _fm.maps[layer][channel], channel=channel, opacity=alpha, geometry=_geo,
                                 font_size=fs, title=title, photo=photo(view, _shown))


@st.cache_resource(max_entries=16, ttl=1800, show_spinner=False)
def early_deep_figure(view: str, early: str, deep: str, titles: tuple[str, str], fs: int,
                      _fm: features.FeatureMaps):
    return features.early_vs_deep(_fm.maps[early], _fm.maps[deep], _fm.stats[early], _fm.stats[deep],
                                  titles=titles, font_size=fs)


@st.cache_resource(max_entries=8, ttl=1800, show_spinner=False)
def grid_png(view: str, layer: str, channels: tuple[int, ...], scope: str, title: str,
             _maps: np.ndarray) -> bytes:
    """The grid as a PNG for slides, made when the button is pressed (then kept for the next one)."""
    return exports.feature_grid_png(_maps[list(channels)], titles=[f"channel {c}" for c in channels],
                                    columns=min(8, len(channels)), scope=scope, title=title)


# ---------------------------------------------------------------- the chosen layer: grid, then one map enlarged
def settle_layer(s: FeatureMapSettings, spatial: list[str], net: Opened) -> FeatureMapSettings:
    """Layer, page and channel made valid for this network. A layer name from a link that this
    network lacks falls back to its default (and says so); a new layer opens on its strongest map."""
    default = net.loaded.spec.early if net.loaded.spec else spatial[0]
    layer = s.layer
    if layer not in spatial:
        if layer not in ("", default):
            st.caption(f"“{layer}” is not a layer of {s.model} with feature maps; showing {default}.")
        layer = default
    stats = net.fm.stats[layer]
    n_ch = len(stats.mean)
    s = replace(s, layer=layer, page=min(s.page, -(-n_ch // PER_PAGE)))
    seen = st.session_state.get(keys.FM_LAST_LAYER)
    channel = s.channel
    if not 0 <= channel < n_ch or (seen is not None and seen != (s.model, layer)):
        channel = int(shown_channels(s, stats)[0])
    st.session_state[keys.FM_LAST_LAYER] = (s.model, layer)
    return settle(s, layer=layer, page=s.page, channel=channel)


def shown_channels(s: FeatureMapSettings, stats: features.ChannelStats) -> np.ndarray:
    n_ch = len(stats.mean)
    if s.view == "top":
        return features.top_channels(stats, min(s.k, n_ch))
    start = (s.page - 1) * PER_PAGE
    return np.arange(start, min(start + PER_PAGE, n_ch))


def layer_controls(s: FeatureMapSettings, net: Opened, spatial: list[str], n_ch: int) -> None:
    """Layer, which channels, colour scale: a row normally; stacked in the popover when projected."""
    projected = presentation()
    c1, c2, c3 = (st.container(),) * 3 if projected else st.columns([2.2, 1.2, 1])
    c1.selectbox("Layer", spatial, key="layer", format_func=lambda n: layer_label(net, n))
    c2.radio("Channels", ["top", "all"], key="view", horizontal=True,
             format_func=lambda v: {"top": "strongest", "all": "all, page by page"}[v])
    pages = -(-n_ch // PER_PAGE)
    if s.view == "top":
        c3.select_slider("How many", TOP_KS, key="k")
    elif pages > 1:
        c3.number_input(f"Page (of {pages}, {PER_PAGE} maps each)", 1, pages, key="page")
    with st.container() if projected else advanced("Colour scale"):
        st.radio("Scale each map", ["map", "layer"], key="scope", horizontal=True,
                 format_func=lambda v: {"map": "to its own maximum", "layer": "to the layer's maximum"}[v])


@st.fragment
def one_layer_tab(net: Opened, spatial: list[str], geos: dict, fs: int, url: UrlState) -> None:
    """The chosen layer's maps as a grid, then one map enlarged. Its controls rerun only this tab."""
    s = settle_layer(settings_now(), spatial, net)
    maps, stats = net.fm.maps[s.layer], net.fm.stats[s.layer]
    n_ch, (h, w) = maps.shape[0], maps.shape[1:]
    channels = tuple(int(c) for c in shown_channels(s, stats))
    what = (f"top {len(channels)} of {n_ch} maps" if s.view == "top"
            else f"maps {channels[0]}–{channels[-1]} of {n_ch}")
    title = f"{s.layer} · {what}, {h}×{w}{net.tag}"
    projected = presentation()
    if projected:  # one compact row, then the grid right under it
        c_pop, c_png, c_what = st.columns([1.1, 1.1, 3], vertical_alignment="center")
        with c_pop, controls("Layer & channels"):
            layer_controls(s, net, spatial, n_ch)
        with c_png:
            grid_download(s, net, channels, title)
        c_what.markdown(f"**{s.layer}**: {features.describe_layer(net.loaded.model, s.layer)}")
    else:
        layer_controls(s, net, spatial, n_ch)
    cols = 16 if projected and len(channels) > 32 else 8
    st.plotly_chart(grid_figure(net.view, s.layer, channels, s.scope, fs, title, cols,
                                GRID_PROJECTED_PX if projected else None, net.fm),
                    config=PLOT_CONFIG, key="grid")
    if not projected:
        grid_download(s, net, channels, title)
    st.markdown(grid_caption(s, geos[s.layer], stats))
    enlarged_part(net, geos, fs, url)
    url.write()


def grid_download(s: FeatureMapSettings, net: Opened, channels: tuple[int, ...], title: str) -> None:
    """A PNG of the grid for slides, drawn only when pressed (a layer switch costs nothing)."""
    maps, view = net.fm.maps[s.layer], net.view
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", f"convscope-{net.name}-{s.layer}-{s.view}{len(channels)}").strip("-")
    st.download_button("Grid as PNG", data=lambda: grid_png(view, s.layer, channels, s.scope, title, maps),
                       file_name=f"{name}.png", mime="image/png", on_click="ignore", icon=":material/download:",
                       key="grid_png", help="The maps on screen at full resolution, with their channel "
                                            "numbers, on the blue-white-red scale centred on 0.")


def grid_caption(s: FeatureMapSettings, geo: features.Geometry, stats: features.ChannelStats) -> str:
    colours = ("Signed values before the ReLU: red positive, blue negative, white 0." if stats.signed
               else "Dark = 0 (the ReLU cut it), bright = strong response.")
    if geo.rf is not None:
        field = (f"One cell sees a **receptive field** of {geo.rf_text} input pixels; neighbouring "
                 f"cells are {geo.jump:g} px apart (the product of the strides so far).")
    else:
        field = "Each value pools the whole image (global average pooling)."
    order = "Strongest = largest mean activation over the map." if s.view == "top" else "In channel order."
    return (f"Each tile is one **feature map**: the output of one filter of `{s.layer}` slid over the "
            f"whole image. {order} {colours} {field}")


@st.fragment
def enlarged_part(net: Opened, geos: dict, fs: int, url: UrlState) -> None:
    """One map enlarged beside the picture; its channel and opacity rerun only this part."""
    s = settings_now()
    maps = net.fm.maps[s.layer]
    n_ch = maps.shape[0]
    with controls("Enlarged map") if presentation() else st.container():
        c1, c2 = (st.container(),) * 2 if presentation() else st.columns(2)
        c1.number_input(f"Enlarge channel (0–{n_ch - 1})", 0, n_ch - 1, key="channel")
        c2.slider("Overlay opacity", 0.0, 1.0, step=0.05, key="alpha")
    st.plotly_chart(enlarged_figure(net.view, s.layer, s.channel, s.alpha, fs,
                                    f"{s.layer}, channel {s.channel}{net.tag}", net.fm, net.shown, geos[s.layer]),
                    config=PLOT_CONFIG, key="enlarged")
    st.caption(hover_caption(maps.shape[1:]))
    url.write()


def hover_caption(shape: tuple[int, int]) -> str:
    h, w = shape
    block = features.hover_block(shape)
    if block == 1:
        return f"Hover a cell of the map for its exact activation (all {h}×{w} values)."
    return (f"Colours show all {h}×{w} cells; hovering shows the largest value of each {block}×{block} block "
            f"of cells, what a {block}×{block} max pooling would keep (every value to every student would "
            f"be {h * w:,} numbers per map).")


# ---------------------------------------------------------------- the other tabs
@st.fragment
def early_vs_deep_tab(net: Opened, spatial: list[str], geos: dict, fs: int, url: UrlState) -> None:
    s = settings_now()
    spec = net.loaded.spec
    s = settle(s, early=s.early if s.early in spatial else (spec.early if spec else spatial[0]),
               deep=s.deep if s.deep in spatial else (spec.deep if spec else spatial[-1]))
    e1, e2 = st.columns(2)
    e1.selectbox("Shallow layer", spatial, key="early", format_func=lambda n: layer_label(net, n))
    e2.selectbox("Deep layer", spatial, key="deep", format_func=lambda n: layer_label(net, n))

    def side_title(n: str) -> str:
        c, hh, ww = net.fm.maps[n].shape
        rf = geos[n].rf
        return f"<b>{n}</b><br>{c} maps of {hh}×{ww}" + (f", field {rf:.0f} px" if rf else "") + net.tag

    st.plotly_chart(early_deep_figure(net.view, s.early, s.deep, (side_title(s.early), side_title(s.deep)), fs,
                                      net.fm),
                    config=PLOT_CONFIG, key="early_deep")
    st.markdown("The 8 strongest maps of each layer. Early layers keep the picture's layout and respond "
                "to edges and colours, pixel by pixel; deep layers are coarse grids whose cells each see a "
                "large part of the image and respond to parts and textures — in a trained network. "
                + ("" if net.loaded.pretrained else "**These weights are untrained: the maps only show the "
                   "geometry (size, resolution), not learned features.**"))
    url.write()
