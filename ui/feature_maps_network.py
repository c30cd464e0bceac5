"""The feature-map page's network and picture: their controls, the shared network, the cached forward pass."""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import streamlit as st
from PIL import Image

from explainer import features

from .feature_maps_settings import SIZES, FeatureMapSettings
from .feature_maps_widgets import MNIST_PREFIX, digit_input, session_network, user_weights, weights_notice
from .image_picker import image_picker
from .sidebar import advanced, controls, presentation
from .url_state import UrlState


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


@st.cache_data(max_entries=16, ttl=1800, show_spinner=False)
def picture_jpeg(view: str, _shown: np.ndarray) -> bytes:
    """The network's input as JPEG bytes, encoded once (st.image would re-encode it every rerun)."""
    buf = io.BytesIO()
    Image.fromarray(_shown).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


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
