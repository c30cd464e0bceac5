"""The feature-map page's settings: one frozen dataclass bound to the URL, read again by each fragment."""
from __future__ import annotations

from dataclasses import dataclass, fields, replace

import streamlit as st

from explainer import features

from .feature_maps_widgets import FILTER_COUNTS
from .url_state import UrlState

SIZES = [128, 160, 224, 288]
TOP_KS = [8, 16, 32, 64]
PER_PAGE = 64


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
