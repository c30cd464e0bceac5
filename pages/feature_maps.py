"""Feature maps: open VGG or ResNet on a picture and see what every layer sees.

One rerun: read the settings (one frozen dataclass bound to the URL), draw the network
and picture controls, run the cached forward pass, settle the layer choices against the
network's layers, draw the five tabs, write the URL once.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import streamlit as st

from explainer import features
from ui import keys
from ui.feature_maps_widgets import MNIST_PREFIX, digit_input, session_network, user_weights, weights_notice
from ui.image_picker import image_picker
from ui.sidebar import advanced, font_size, presentation
from ui.url_state import UrlState

SIZES = [128, 160, 224, 288]
TOP_KS = [8, 16, 32, 64]
FILTER_COUNTS = [16, 32, 64]
PER_PAGE = 64
PLOT_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


# ---------------------------------------------------------------- cached computations
@st.cache_resource(max_entries=2, show_spinner="Building the network (once for everyone)…")
def shared_model(name: str) -> features.LoadedModel:
    """One copy per process, shared by all sessions; at most two held (a VGG is ~550 MB)."""
    return features.load_model(name, download_if_missing=False)


@st.cache_resource(max_entries=4, ttl=1800, show_spinner="One forward pass through every layer…")
def forward(model_key: str, image_key: str, size: int, _loaded: features.LoadedModel, _rgb: np.ndarray):
    """Feature maps of every layer for one (network, image, size): switching layer reuses them."""
    x, shown = features.prepare_input(_rgb, _loaded, size)
    return features.capture(_loaded.model, x), shown


@st.cache_resource(max_entries=4, ttl=1800, show_spinner=False)
def forward_digit(model_key: str, digit_key: str, _loaded: features.LoadedModel, _x, _shown: np.ndarray):
    return features.capture(_loaded.model, _x), _shown


@st.cache_resource(max_entries=16, show_spinner=False)
def geometry(model_key: str, input_shape: tuple[int, ...], _loaded: features.LoadedModel):
    """Receptive field and cell spacing of every layer (index math, read-only, shared)."""
    return features.layer_geometry(_loaded.model, input_shape)


@st.cache_data(max_entries=16, show_spinner=False)
def layer_table(model_key: str, input_shape: tuple[int, ...], _loaded: features.LoadedModel):
    rows = features.layer_table(_loaded.model, input_shape)
    return features.layer_table_frame(rows, image_side=input_shape[-1]), sum(r.params for r in rows)


@st.cache_data(max_entries=8, show_spinner=False)
def first_filters(model_key: str, _loaded: features.LoadedModel):
    filters = features.first_layer_filters(_loaded.model)
    return filters, features.closest_presets(filters) if filters.shape[1] in (1, 3) else []


# ---------------------------------------------------------------- settings
@dataclass(frozen=True)
class FeatureMapSettings:
    """Everything this page's URL holds (the picture and digit pickers keep their own keys)."""

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
    bound = {
        "model": k_model,
        "size": url.bind("size", 224, choices=SIZES),
        "layer": url.bind("layer", spec.early if spec else ""),
        "view": url.bind("view", "top", choices=["top", "all"]),
        "k": url.bind("k", 16, choices=TOP_KS),
        "page": url.bind("page", 1, lo=1, hi=64),
        "scope": url.bind("scope", "map", choices=["map", "layer"]),
        "alpha": url.bind("alpha", 0.6, lo=0.0, hi=1.0),
        "channel": url.bind("channel", -1, lo=-1, hi=4095),
        "early": url.bind("early", spec.early if spec else ""),
        "deep": url.bind("deep", spec.deep if spec else ""),
        "nfilters": url.bind("nfilters", 32, choices=FILTER_COUNTS),
    }
    return FeatureMapSettings(**{field: state[key] for field, key in bound.items()})


def settle_layers(s: FeatureMapSettings, spatial: list[str], fm: features.FeatureMaps,
                  spec: features.ModelSpec | None) -> FeatureMapSettings:
    """Layer, early/deep, page and channel made valid for this network, before their widgets draw.

    A layer name from a link that this network lacks falls back to its default (and says so);
    a new layer opens on its strongest map."""
    state = st.session_state
    early_default = spec.early if spec else spatial[0]
    deep_default = spec.deep if spec else spatial[-1]
    if s.layer not in spatial:
        if s.layer not in ("", early_default):
            st.caption(f"“{s.layer}” is not a layer of {s.model} with feature maps; showing {early_default}.")
        s = replace(s, layer=early_default)
    s = replace(s, early=s.early if s.early in spatial else early_default,
                deep=s.deep if s.deep in spatial else deep_default)
    stats = fm.stats[s.layer]
    n_ch = len(stats.mean)
    s = replace(s, page=min(s.page, -(-n_ch // PER_PAGE)))
    seen = state.get(keys.FM_LAST_LAYER)
    if not 0 <= s.channel < n_ch or (seen is not None and seen != (s.model, s.layer)):
        s = replace(s, channel=int(shown_channels(s, stats)[0]))
    state[keys.FM_LAST_LAYER] = (s.model, s.layer)
    for field in ("layer", "early", "deep", "page", "channel"):
        state[field] = getattr(s, field)
    return s


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

    @property
    def tag(self) -> str:
        return "" if self.loaded.pretrained else f" · {features.UNTRAINED_NOTE}"


def network_and_input(s: FeatureMapSettings, url: UrlState, session_nets: dict, choices: list[str]) -> Opened:
    """Draw the network, picture and size controls; load the network; run the (cached) forward pass."""
    left, right = st.columns([2.3, 1], gap="large")
    c_model, c_image = left.columns([1, 1.2])
    c_model.selectbox("Network", choices, key="model",
                      help="ImageNet classifiers from torchvision; networks you trained on the MNIST page "
                           "in this session appear here too.")
    is_digit_net = s.model.startswith(MNIST_PREFIX)
    with c_image:
        picture = digit_input(url) if is_digit_net else image_picker("img", url, default="chelsea")
    if is_digit_net:
        loaded = session_network(s.model[len(MNIST_PREFIX):], session_nets[s.model[len(MNIST_PREFIX):]])
    else:
        c_model.select_slider("Input size (pixels a side)", SIZES, key="size",
                              help="The centre square of the picture is resized to this before the first "
                                   "layer. ImageNet networks were trained at 224.")
        loaded = shared_model(s.model)
        with st.sidebar, advanced("Your own weights (state_dict)"):
            loaded = user_weights(loaded)
    with left:
        weights_notice(loaded, on_downloaded=shared_model.clear)
    try:
        if is_digit_net:
            fm, shown = forward_digit(loaded.key, picture.key, loaded, picture.x, picture.shown)
        else:
            fm, shown = forward(loaded.key, picture.key, s.size, loaded, picture.rgb)
    except Exception as err:  # a home-made MNIST net torch.fx cannot trace
        st.error(f"Could not run {s.model} layer by layer ({type(err).__name__}: {err}).")
        url.write()
        st.stop()
    with right:
        st.image(shown, caption=f"What {s.model} gets: {shown.shape[1]}×{shown.shape[0]} pixels"
                 + ("" if is_digit_net else ", normalised with the weights' mean and std"), width="stretch")
        if loaded.spec and not presentation():
            st.caption(loaded.spec.blurb)
    return Opened(name=s.model, loaded=loaded, fm=fm, shown=shown, is_digit_net=is_digit_net)


def layer_label(net: Opened, name: str) -> str:
    shape = " × ".join(map(str, net.fm.maps[name].shape))
    return f"{name} — {features.describe_layer(net.loaded.model, name)} → {shape}"


# ---------------------------------------------------------------- tabs
def one_layer_tab(s: FeatureMapSettings, net: Opened, spatial: list[str], geos: dict, fs: int) -> None:
    """The chosen layer's maps as a grid, then one map enlarged over the picture."""
    c1, c2, c3 = st.columns([2.2, 1.2, 1])
    c1.selectbox("Layer", spatial, key="layer", format_func=lambda n: layer_label(net, n))
    maps, stats = net.fm.maps[s.layer], net.fm.stats[s.layer]
    n_ch = maps.shape[0]
    c2.radio("Channels", ["top", "all"], key="view", horizontal=True,
             format_func=lambda v: {"top": "strongest", "all": "all, page by page"}[v])
    channels = shown_channels(s, stats)
    pages = -(-n_ch // PER_PAGE)
    if s.view == "top":
        c3.select_slider("How many", TOP_KS, key="k")
        what = f"top {len(channels)} of {n_ch} maps"
    else:
        if pages > 1:
            c3.number_input(f"Page (of {pages}, {PER_PAGE} maps each)", 1, pages, key="page")
        what = f"maps {channels[0]}–{channels[-1]} of {n_ch}"
    with advanced("Colour scale and overlay"):
        st.radio("Scale each map", ["map", "layer"], key="scope", horizontal=True,
                 format_func=lambda v: {"map": "to its own maximum", "layer": "to the layer's maximum"}[v])
        st.slider("Overlay opacity", 0.0, 1.0, step=0.05, key="alpha")
    h, w = maps.shape[1:]
    st.plotly_chart(features.feature_grid(maps, channels, stats=stats, scope=s.scope, font_size=fs,
                                          title=f"{s.layer} · {what}, {h}×{w}{net.tag}"),
                    config=PLOT_CONFIG, key="grid")
    st.markdown(grid_caption(s, geos[s.layer], stats))
    st.number_input(f"Enlarge channel (0–{n_ch - 1})", 0, n_ch - 1, key="channel")
    st.plotly_chart(features.enlarged_map(net.shown, maps[s.channel], channel=s.channel, opacity=s.alpha,
                                          geometry=geos[s.layer], font_size=fs,
                                          title=f"{s.layer}, channel {s.channel}{net.tag}"),
                    config=PLOT_CONFIG, key="enlarged")


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


def early_vs_deep_tab(s: FeatureMapSettings, net: Opened, spatial: list[str], geos: dict, fs: int) -> None:
    e1, e2 = st.columns(2)
    e1.selectbox("Shallow layer", spatial, key="early", format_func=lambda n: layer_label(net, n))
    e2.selectbox("Deep layer", spatial, key="deep", format_func=lambda n: layer_label(net, n))

    def side_title(n: str) -> str:
        c, hh, ww = net.fm.maps[n].shape
        rf = geos[n].rf
        return f"<b>{n}</b><br>{c} maps of {hh}×{ww}" + (f", field {rf:.0f} px" if rf else "") + net.tag

    fm = net.fm
    st.plotly_chart(features.early_vs_deep(fm.maps[s.early], fm.maps[s.deep], fm.stats[s.early],
                                           fm.stats[s.deep], titles=(side_title(s.early), side_title(s.deep)),
                                           font_size=fs),
                    config=PLOT_CONFIG, key="early_deep")
    st.markdown("The 8 strongest maps of each layer. Early layers keep the picture's layout and respond "
                "to edges and colours, pixel by pixel; deep layers are coarse grids whose cells each see a "
                "large part of the image and respond to parts and textures — in a trained network. "
                + ("" if net.loaded.pretrained else "**These weights are untrained: the maps only show the "
                   "geometry (size, resolution), not learned features.**"))


def filters_tab(s: FeatureMapSettings, net: Opened, fs: int) -> None:
    filters, matches = first_filters(net.loaded.key, net.loaded)
    if not matches:
        st.info(f"The first layer of {net.name} takes {filters.shape[1]} channel(s); "
                "tiles are shown for RGB input only.")
        return
    k = filters.shape[-1]
    st.select_slider("Filters shown", FILTER_COUNTS, key="nfilters")
    n = min(s.nfilters, len(filters))
    st.plotly_chart(features.filter_tiles(filters[:n], matches[:n], font_size=fs, cols=6 if presentation() else 8,
                                          title=f"The {len(filters)} filters of the first layer ({k}×{k}×3){net.tag}"),
                    config=PLOT_CONFIG, key="filters")
    counts: dict[str, int] = {}
    for m in matches:
        counts[m.label] = counts.get(m.label, 0) + 1
    common = ", ".join(f"{lab} ({c})" for lab, c in sorted(counts.items(), key=lambda t: -t[1])[:5])
    st.markdown(
        f"Each tile is one {k}×{k} {'RGB ' if filters.shape[1] == 3 else ''}kernel "
        "(grey = 0, bright = positive weight, dark = negative). "
        "Under it: the **kernel-playground preset** its brightness part correlates with best "
        "(|cosine|, a minus sign = the preset flipped); *col.* marks filters that mostly weigh colours "
        f"against each other, which no greyscale preset describes. Most common here: {common}."
        + ("" if net.loaded.pretrained else " Random weights match presets only by chance."))


def layer_table_tab(net: Opened) -> None:
    side = net.fm.input_shape[-1]
    frame, total = layer_table(net.loaded.key, net.fm.input_shape, net.loaded)
    st.dataframe(frame, hide_index=True, height=560 if presentation() else 420, width="stretch")
    st.caption(f"{len(frame)} layers, {total:,} parameters in all, for a {side}-pixel input. "
               "Receptive field: the square of input pixels one cell depends on, grown by every kernel "
               "(k−1 cells) and multiplied up by every stride; the shortcut ‘add’ of a ResNet block takes "
               "the larger of its two branches.")


def predictions_tab(net: Opened, fs: int) -> None:
    preds = features.top_predictions(net.fm.logits, net.loaded.categories, 5)
    st.plotly_chart(features.predictions_figure(preds, untrained=not net.loaded.pretrained, font_size=fs),
                    config=PLOT_CONFIG, key="preds")
    st.caption("Softmax of the network's 10 scores." if net.is_digit_net
               else "Softmax of the last layer's 1000 scores; class names from the weights' metadata.")


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
    settings = settle_layers(settings, spatial, net.fm, net.loaded.spec)
    geos = geometry(net.loaded.key, net.fm.input_shape, net.loaded)
    tabs = st.tabs(["Feature maps", "Early vs deep", "First-layer filters", "Layer table", "Predictions"])
    with tabs[0]:
        one_layer_tab(settings, net, spatial, geos, fs)
    with tabs[1]:
        early_vs_deep_tab(settings, net, spatial, geos, fs)
    with tabs[2]:
        filters_tab(settings, net, fs)
    with tabs[3]:
        layer_table_tab(net)
    with tabs[4]:
        predictions_tab(net, fs)
url.write()
