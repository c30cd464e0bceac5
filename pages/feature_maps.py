"""Feature maps: open VGG or ResNet on a picture and see what every layer sees."""
from __future__ import annotations

import numpy as np
import streamlit as st

from explainer.features import figures
from explainer.features import extraction
from explainer.features import filter_matching
from explainer.features import models
from ui.feature_maps_widgets import (MNIST_PREFIX, digit_input, session_network, user_weights,
                                     weights_notice)
from ui.image_picker import image_picker
from ui.sidebar import advanced, font_size, presentation
from ui.url_state import UrlState

SIZES = [128, 160, 224, 288]
PLOT_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


# ---------------------------------------------------------------- cached computations
@st.cache_resource(max_entries=2, show_spinner="Building the network (once for everyone)…")
def shared_model(name: str) -> models.LoadedModel:
    """One copy per process, shared by all sessions; at most two held (a VGG is ~550 MB)."""
    return models.load_model(name, download_if_missing=False)


@st.cache_resource(max_entries=4, ttl=1800, show_spinner="One forward pass through every layer…")
def forward(model_key: str, image_key: str, size: int, _loaded: models.LoadedModel, _rgb: np.ndarray):
    """Feature maps of every layer for one (network, image, size): switching layer reuses them."""
    x, shown = models.prepare_input(_rgb, _loaded, size)
    return extraction.capture(_loaded.model, x), shown


@st.cache_resource(max_entries=4, ttl=1800, show_spinner=False)
def forward_digit(model_key: str, digit_key: str, _loaded: models.LoadedModel, _x, _shown: np.ndarray):
    return extraction.capture(_loaded.model, _x), _shown


@st.cache_data(max_entries=16, show_spinner=False)
def layer_table(model_key: str, side: int, _loaded: models.LoadedModel, _fm: extraction.FeatureMaps):
    rows = extraction.layer_table(_loaded.model, _fm.shapes, _fm.input_shape)
    return figures.layer_table_frame(rows, image_side=side), sum(r.params for r in rows)


@st.cache_data(max_entries=8, show_spinner=False)
def first_filters(model_key: str, _loaded: models.LoadedModel):
    filters = filter_matching.first_layer_filters(_loaded.model)
    return filters, filter_matching.closest_presets(filters) if filters.shape[1] in (1, 3) else []


# ---------------------------------------------------------------- controls
url = UrlState()
fs = font_size()
st.title("Feature maps: what each layer sees")

session_nets = st.session_state.get("mnist_models") or {}
choices = list(models.MODELS) + [MNIST_PREFIX + n for n in session_nets]
k_model = url.bind("model", "VGG16", choices=choices)
if st.session_state[k_model] not in choices:
    st.session_state[k_model] = "VGG16"
k_size = url.bind("size", 224, choices=SIZES)

left, right = st.columns([2.3, 1], gap="large")
c_model, c_image = left.columns([1, 1.2])
with c_model:
    st.selectbox("Network", choices, key=k_model,
                 help="ImageNet classifiers from torchvision; networks you trained on the MNIST page "
                      "in this session appear here too.")
name = st.session_state[k_model]
is_digit_net = name.startswith(MNIST_PREFIX)
with c_image:
    if is_digit_net:
        digit = digit_input(url)
    else:
        picked = image_picker("img", url, default="chelsea")
with c_model:
    if not is_digit_net:
        st.select_slider("Input size (pixels a side)", SIZES, key=k_size,
                         help="The centre square of the picture is resized to this before the first layer. "
                              "ImageNet networks were trained at 224.")

if is_digit_net:
    loaded = session_network(name[len(MNIST_PREFIX):], session_nets[name[len(MNIST_PREFIX):]])
else:
    loaded = shared_model(name)
    with st.sidebar, advanced("Your own weights (state_dict)"):
        loaded = user_weights(loaded)
with left:
    weights_notice(loaded, on_downloaded=shared_model.clear)
tag = "" if loaded.pretrained else f" · {figures.UNTRAINED_NOTE}"

try:
    if is_digit_net:
        fm, shown = forward_digit(loaded.key, digit.key, loaded, digit.x, digit.shown)
    else:
        fm, shown = forward(loaded.key, picked.key, st.session_state[k_size], loaded, picked.rgb)
except Exception as err:  # a home-made MNIST net torch.fx cannot trace
    st.error(f"Could not run {name} layer by layer ({type(err).__name__}: {err}).")
    st.stop()
with right:
    st.image(shown, caption=f"What {name} gets: {shown.shape[1]}×{shown.shape[0]} pixels"
             + ("" if is_digit_net else ", normalised with the weights' mean and std"), width="stretch")
    if loaded.spec and not presentation():
        st.caption(loaded.spec.blurb)

spatial = [n for n in extraction.list_layers(loaded.model) if fm.maps[n].ndim == 3]
if not spatial:
    st.info(f"{name} has no convolutional layer: it flattens the picture into one long vector first, "
            "so there are no feature maps to show. Pick a CNN.")
    st.dataframe(layer_table(loaded.key, fm.input_shape[-1], loaded, fm)[0], hide_index=True)
    url.write()
    st.stop()
early_default = loaded.spec.early if loaded.spec else spatial[0]
deep_default = loaded.spec.deep if loaded.spec else spatial[-1]
k_layer = url.bind("layer", early_default)
if st.session_state[k_layer] not in spatial:
    if st.session_state[k_layer] != early_default:
        st.caption(f"“{st.session_state[k_layer]}” is not a layer of {name} with feature maps; "
                   f"showing {early_default}.")
    st.session_state[k_layer] = early_default


def layer_label(n: str) -> str:
    return f"{n} — {extraction.describe_layer(loaded.model, n)} → {' × '.join(map(str, fm.maps[n].shape))}"


geos = extraction.layer_geometry(loaded.model, fm.input_shape)
tabs = st.tabs(["Feature maps", "Early vs deep", "First-layer filters", "Layer table", "Predictions"])

# ---------------------------------------------------------------- feature maps of one layer
with tabs[0]:
    c1, c2, c3 = st.columns([2.2, 1.2, 1])
    c1.selectbox("Layer", spatial, key=k_layer, format_func=layer_label)
    layer = st.session_state[k_layer]
    maps, stats = fm.maps[layer], fm.stats[layer]
    n_ch = maps.shape[0]
    k_view = url.bind("view", "top", choices=["top", "all"])
    c2.radio("Channels", ["top", "all"], key=k_view, horizontal=True,
             format_func=lambda v: {"top": "strongest", "all": "all, page by page"}[v])
    if st.session_state[k_view] == "top":
        k_top = url.bind("k", 16, choices=[8, 16, 32, 64])
        c3.select_slider("How many", [8, 16, 32, 64], key=k_top)
        channels = extraction.top_channels(stats, min(st.session_state[k_top], n_ch))
        what = f"top {len(channels)} of {n_ch} maps"
    else:
        pages = -(-n_ch // 64)
        k_page = url.bind("page", 1, lo=1, hi=64)
        st.session_state[k_page] = min(st.session_state[k_page], pages)
        if pages > 1:
            c3.number_input(f"Page (of {pages}, 64 maps each)", 1, pages, key=k_page)
        start = (st.session_state[k_page] - 1) * 64
        channels = np.arange(start, min(start + 64, n_ch))
        what = f"maps {channels[0]}–{channels[-1]} of {n_ch}"
    with advanced("Colour scale and overlay"):
        k_scope = url.bind("scope", "map", choices=["map", "layer"])
        st.radio("Scale each map", ["map", "layer"], key=k_scope, horizontal=True,
                 format_func=lambda v: {"map": "to its own maximum", "layer": "to the layer's maximum"}[v])
        k_alpha = url.bind("alpha", 0.6, lo=0.0, hi=1.0)
        st.slider("Overlay opacity", 0.0, 1.0, step=0.05, key=k_alpha)
    h, w = maps.shape[1:]
    st.plotly_chart(figures.feature_grid(maps, channels, stats=stats, scope=st.session_state[k_scope],
                                    font_size=fs, title=f"{layer} · {what}, {h}×{w}{tag}"),
                    config=PLOT_CONFIG, key="grid")
    geo = geos[layer]
    colours = ("Signed values before the ReLU: red positive, blue negative, white 0." if stats.signed
               else "Dark = 0 (the ReLU cut it), bright = strong response.")
    field = (f"One cell sees a **receptive field** of {geo.rf:.0f}×{geo.rf:.0f} input pixels; neighbouring "
             f"cells are {geo.jump:g} px apart (the product of the strides so far)." if geo.rf is not None
             else "Each value pools the whole image (global average pooling).")
    order = ("Strongest = largest mean activation over the map." if st.session_state[k_view] == "top"
             else "In channel order.")
    st.markdown(f"Each tile is one **feature map**: the output of one filter of `{layer}` slid over the "
                f"whole image. {order} {colours} {field}")

    k_chan = url.bind("channel", -1, lo=-1, hi=4095)
    seen = st.session_state.get("fm_last_layer")
    if not 0 <= st.session_state[k_chan] < n_ch or (seen is not None and seen != (name, layer)):
        st.session_state[k_chan] = int(channels[0])  # a new layer opens on its strongest map
    st.session_state["fm_last_layer"] = (name, layer)
    st.number_input(f"Enlarge channel (0–{n_ch - 1})", 0, n_ch - 1, key=k_chan)
    ch = st.session_state[k_chan]
    st.plotly_chart(figures.enlarged_map(shown, maps[ch], channel=ch, opacity=st.session_state[k_alpha],
                                    geometry=geos[layer], font_size=fs, title=f"{layer}, channel {ch}{tag}"),
                    config=PLOT_CONFIG, key="enlarged")

# ---------------------------------------------------------------- early vs deep
with tabs[1]:
    k_early = url.bind("early", early_default)
    k_deep = url.bind("deep", deep_default)
    for k, fallback in ((k_early, early_default), (k_deep, deep_default)):
        if st.session_state[k] not in spatial:
            st.session_state[k] = fallback
    e1, e2 = st.columns(2)
    e1.selectbox("Shallow layer", spatial, key=k_early, format_func=layer_label)
    e2.selectbox("Deep layer", spatial, key=k_deep, format_func=layer_label)
    def side_title(n: str) -> str:
        c, hh, ww = fm.maps[n].shape
        rf = geos[n].rf
        return f"<b>{n}</b><br>{c} maps of {hh}×{ww}" + (f", field {rf:.0f} px" if rf else "")

    early, deep = st.session_state[k_early], st.session_state[k_deep]
    st.plotly_chart(figures.early_vs_deep(fm.maps[early], fm.maps[deep], fm.stats[early], fm.stats[deep],
                                     titles=(side_title(early) + tag, side_title(deep) + tag), font_size=fs),
                    config=PLOT_CONFIG, key="early_deep")
    st.markdown("The 8 strongest maps of each layer. Early layers keep the picture's layout and respond "
                "to edges and colours, pixel by pixel; deep layers are coarse grids whose cells each see a "
                "large part of the image and respond to parts and textures — in a trained network. "
                + ("" if loaded.pretrained else "**These weights are untrained: the maps only show the "
                   "geometry (size, resolution), not learned features.**"))

# ---------------------------------------------------------------- first-layer filters
with tabs[2]:
    filters, matches = first_filters(loaded.key, loaded)
    k = filters.shape[-1]
    if matches:
        k_nf = url.bind("nfilters", 32, choices=[16, 32, 64])
        st.select_slider("Filters shown", [16, 32, 64], key=k_nf)
        n = min(st.session_state[k_nf], len(filters))
        st.plotly_chart(figures.filter_tiles(filters[:n], matches[:n], font_size=fs, cols=6 if presentation() else 8,
                                        title=f"The {len(filters)} filters of the first layer ({k}×{k}×3){tag}"),
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
            + ("" if loaded.pretrained else " Random weights match presets only by chance."))
    else:
        st.info(f"The first layer of {name} takes {filters.shape[1]} channel(s); tiles are shown for RGB input only.")

# ---------------------------------------------------------------- layer table
with tabs[3]:
    frame, total = layer_table(loaded.key, fm.input_shape[-1], loaded, fm)
    st.dataframe(frame, hide_index=True, height=560 if presentation() else 420, width="stretch")
    st.caption(f"{len(frame)} layers, {total:,} parameters in all, for a {fm.input_shape[-1]}-pixel input. "
               "Receptive field: the square of input pixels one cell depends on, grown by every kernel "
               "(k−1 cells) and multiplied up by every stride; the shortcut ‘add’ of a ResNet block takes "
               "the larger of its two branches.")

# ---------------------------------------------------------------- predictions
with tabs[4]:
    preds = extraction.top_predictions(fm.logits, loaded.categories, 5)
    st.plotly_chart(figures.predictions_figure(preds, untrained=not loaded.pretrained, font_size=fs),
                    config=PLOT_CONFIG, key="preds")
    st.caption("Softmax of the last layer's 1000 scores; class names from the weights' metadata."
               if not is_digit_net else "Softmax of the network's 10 scores.")

url.write()
