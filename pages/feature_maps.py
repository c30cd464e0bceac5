"""Feature maps: open VGG or ResNet on a picture and see what every layer sees.

One rerun: read the settings (one frozen dataclass bound to the URL), draw the network
and picture controls, run the cached forward pass, draw the five tabs, write the URL.
A control that changes one tab reruns only that tab (``st.fragment``): the layer's grid,
the enlarged map, early vs deep, the filters. Figures are built once per distinct input
for every visitor (``cache_resource``, bounded), so a class moving the same controls
mostly re-sends pictures the server has already drawn.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, fields, replace

import numpy as np
import streamlit as st
from PIL import Image

from explainer import exports, features
from ui import run_inside_app
from ui import keys
from ui.feature_maps_widgets import (FILTER_COUNTS, MNIST_PREFIX, PLOT_CONFIG, digit_input, filters_tab,
                                     layer_table, layer_table_tab, predictions_tab, session_network, user_weights,
                                     weights_notice)
from ui.image_picker import image_picker
from ui.sidebar import advanced, controls, font_size, presentation
from ui.url_state import UrlState

run_inside_app()  # a cold deep link runs this file on its own: run it through app.py

SIZES = [128, 160, 224, 288]
TOP_KS = [8, 16, 32, 64]
PER_PAGE = 64
TABS = ["Feature maps", "Early vs deep", "First-layer filters", "Layer table", "Predictions"]
GRID_PROJECTED_PX = 420  # title, one row of buttons, tabs and this grid fit a 1280x720 projector


# ---------------------------------------------------------------- cached computations
@st.cache_resource(max_entries=2, show_spinner="Building the network (once for everyone)…")
def shared_model(name: str) -> features.LoadedModel:
    """One copy per process, shared by all sessions; at most two held (a VGG is ~550 MB)."""
    return features.load_model(name, download_if_missing=False)


@st.cache_resource(max_entries=4, ttl=1800, show_spinner="One forward pass through every layer…")
def forward(model_key: str, image_key: str, size: int, _loaded: features.LoadedModel, _rgb: np.ndarray):
    """Feature maps of every layer for one (network, image, size), for every visitor (VGG16 at
    224 px: ~30 MB in float16; at most four held, so 40 students on one picture hold one)."""
    x, shown = features.prepare_input(_rgb, _loaded, size)
    return features.capture(_loaded.model, x), shown


@st.cache_resource(max_entries=4, ttl=1800, show_spinner=False)
def forward_digit(model_key: str, digit_key: str, _loaded: features.LoadedModel, _x, _shown: np.ndarray):
    return features.capture(_loaded.model, _x), _shown


@st.cache_resource(max_entries=16, show_spinner=False)
def geometry(model_key: str, input_shape: tuple[int, ...], _loaded: features.LoadedModel):
    """Receptive field and cell spacing of every layer (index math, read-only, shared)."""
    return features.layer_geometry(_loaded.model, input_shape)


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


@st.cache_data(max_entries=16, ttl=1800, show_spinner=False)
def picture_jpeg(view: str, _shown: np.ndarray) -> bytes:
    """The network's input as JPEG bytes, encoded once (st.image would re-encode it every rerun)."""
    buf = io.BytesIO()
    Image.fromarray(_shown).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


# ---------------------------------------------------------------- settings
@dataclass(frozen=True)
class FeatureMapSettings:
    """Everything this page's URL holds (the picture and digit pickers keep their own keys);
    each field is also the key of its widget."""

    model: str
    size: int
    layer: str      # "" = the network's default layer (its first with maps, for a session net)
    view: str       # "top": strongest channels; "all": page by page
    k: int
    page: int
    scope: str      # colour scale per "map" or per "layer"
    alpha: float
    channel: int    # -1 = the layer's strongest
    early: str
    deep: str
    nfilters: int


def read_settings(url: UrlState, choices: list[str]) -> FeatureMapSettings:
    """Bind every URL key once (values outside their choices fall back to the default)."""
    state = st.session_state
    k_model = url.bind("model", "VGG16", choices=choices)
    if state[k_model] not in choices:  # a session network that is gone
        state[k_model] = "VGG16"
    spec = features.MODELS.get(state[k_model])
    url.bind("size", 224, choices=SIZES)
    url.bind("layer", spec.early if spec else "")
    url.bind("view", "top", choices=["top", "all"])
    url.bind("k", 16, choices=TOP_KS)
    url.bind("page", 1, lo=1, hi=64)
    url.bind("scope", "map", choices=["map", "layer"])
    url.bind("alpha", 0.6, lo=0.0, hi=1.0)
    url.bind("channel", -1, lo=-1, hi=4095)
    url.bind("early", spec.early if spec else "")
    url.bind("deep", spec.deep if spec else "")
    url.bind("nfilters", 32, choices=FILTER_COUNTS)
    return settings_now()


def settings_now() -> FeatureMapSettings:
    """The settings as they stand (a fragment's rerun reads them here, not from the full run)."""
    return FeatureMapSettings(**{f.name: st.session_state[f.name] for f in fields(FeatureMapSettings)})


def settle(s: FeatureMapSettings, **values) -> FeatureMapSettings:
    """Write settled values back to their widgets' state (before those widgets draw)."""
    for name, value in values.items():
        if st.session_state.get(name) != value:
            st.session_state[name] = value
    return replace(s, **values)


def settle_layer(s: FeatureMapSettings, spatial: list[str], net: "Opened") -> FeatureMapSettings:
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


# ---------------------------------------------------------------- network and picture
@dataclass(frozen=True)
class Opened:
    """The network and what it made of the picture in this rerun."""

    name: str
    loaded: features.LoadedModel
    fm: features.FeatureMaps
    shown: np.ndarray    # (S, S, 3) uint8: the picture as the network got it
    is_digit_net: bool
    view: str            # names this (network copy, picture, size) in cache keys

    @property
    def tag(self) -> str:
        return "" if self.loaded.pretrained else f" · {features.UNTRAINED_NOTE}"


def input_controls(s: FeatureMapSettings, url: UrlState, session_nets: dict, choices: list[str],
                   c_model, c_image):
    """Network and size in ``c_model``, the picture (or digit) in ``c_image``; returns both."""
    c_model.selectbox("Network", choices, key="model",
                      help="ImageNet classifiers from torchvision; networks you trained on the MNIST page "
                           "in this session appear here too.")
    if s.model.startswith(MNIST_PREFIX):
        name = s.model[len(MNIST_PREFIX):]
        with c_image:
            picture = digit_input(url)
        return session_network(name, session_nets[name]), picture
    with c_image:
        picture = image_picker("img", url, default="chelsea")
    c_model.select_slider("Input size (pixels a side)", SIZES, key="size",
                          help="The centre square of the picture is resized to this before the first "
                               "layer. ImageNet networks were trained at 224.")
    loaded = shared_model(s.model)
    with st.sidebar, advanced("Your own weights (state_dict)"):
        loaded = user_weights(loaded)
    return loaded, picture


def run_network(s: FeatureMapSettings, loaded: features.LoadedModel, picture, url: UrlState) -> Opened:
    is_digit_net = s.model.startswith(MNIST_PREFIX)
    try:
        if is_digit_net:
            fm, shown = forward_digit(loaded.key, picture.key, loaded, picture.x, picture.shown)
        else:
            fm, shown = forward(loaded.key, picture.key, s.size, loaded, picture.rgb)
    except Exception as err:  # a home-made MNIST net torch.fx cannot trace
        st.error(f"Could not run {s.model} layer by layer ({type(err).__name__}: {err}).")
        url.write()
        st.stop()
    view = f"{loaded.key}|{picture.key}|{'' if is_digit_net else s.size}"
    return Opened(name=s.model, loaded=loaded, fm=fm, shown=shown, is_digit_net=is_digit_net, view=view)


def show_input(net: Opened) -> None:
    st.image(picture_jpeg(net.view, net.shown),
             caption=f"What {net.name} gets: {net.shown.shape[1]}×{net.shown.shape[0]} pixels"
             + ("" if net.is_digit_net else ", normalised with the weights' mean and std"), width="stretch")


def network_and_input(s: FeatureMapSettings, url: UrlState, session_nets: dict, choices: list[str]) -> Opened:
    """Draw the network, picture and size controls; load the network; run the (cached) forward pass.
    Projected: the controls and the input picture go behind one button, the weights note beside it."""
    if presentation():
        c_button, c_note = st.columns([1, 3.2], vertical_alignment="center")
        with c_button, controls("Network & picture"):
            loaded, picture = input_controls(s, url, session_nets, choices, st.container(), st.container())
            picture_slot = st.container()
        with c_note:
            weights_notice(loaded, on_downloaded=shared_model.clear)
        net = run_network(s, loaded, picture, url)
        with picture_slot:
            show_input(net)
        return net
    left, right = st.columns([2.3, 1], gap="large")
    c_model, c_image = left.columns([1, 1.2])
    loaded, picture = input_controls(s, url, session_nets, choices, c_model, c_image)
    with left:
        weights_notice(loaded, on_downloaded=shared_model.clear)
    net = run_network(s, loaded, picture, url)
    with right:
        show_input(net)
        if loaded.spec:
            st.caption(loaded.spec.blurb)
    return net


def layer_label(net: Opened, name: str) -> str:
    shape = " × ".join(map(str, net.fm.maps[name].shape))
    return f"{name} — {features.describe_layer(net.loaded.model, name)} → {shape}"


# ---------------------------------------------------------------- the chosen layer: grid, then one map enlarged
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


# ---------------------------------------------------------------- the page
url = UrlState()
fs = font_size()
st.title("Feature maps: what each layer sees")
session_nets = st.session_state.get(keys.MNIST_MODELS) or {}
choices = list(features.MODELS) + [MNIST_PREFIX + n for n in session_nets]
settings = read_settings(url, choices)
net = network_and_input(settings, url, session_nets, choices)
spatial = [n for n in features.list_layers(net.loaded.model) if net.fm.maps[n].ndim == 3]
if not spatial:
    st.info(f"{net.name} has no convolutional layer: it flattens the picture into one long vector first, "
            "so there are no feature maps to show. Pick a CNN.")
    st.dataframe(layer_table(net.loaded.key, net.fm.input_shape, net.loaded)[0], hide_index=True)
else:
    geos = geometry(net.loaded.key, net.fm.input_shape, net.loaded)
    # Only the open tab is drawn and sent (switching tabs reruns); the open tab is in the URL (?tab=).
    tabs = st.tabs(TABS, key="tab", on_change="rerun", bind="query-params")
    drawers = [lambda: one_layer_tab(net, spatial, geos, fs, url),
               lambda: early_vs_deep_tab(net, spatial, geos, fs, url),
               lambda: filters_tab(net.loaded, net.name, net.tag, fs, url),
               lambda: layer_table_tab(net.loaded, net.fm.input_shape),
               lambda: predictions_tab(net.view, net.fm, net.loaded, net.is_digit_net, fs)]
    for tab, draw in zip(tabs, drawers):
        if tab.open is not False:  # None: tabs that don't track state (then all are drawn)
            with tab:
                draw()
url.write()
