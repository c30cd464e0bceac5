"""Feature maps: open VGG or ResNet on a picture and see what every layer sees.

One rerun: read the settings (one frozen dataclass bound to the URL), draw the network
and picture controls, run the cached forward pass, draw the five tabs, write the URL.
A control that changes one tab reruns only that tab (``st.fragment``): the layer's grid,
the enlarged map, early vs deep, the filters. Figures are built once per distinct input
for every visitor (``cache_resource``, bounded), so a class moving the same controls
mostly re-sends pictures the server has already drawn.
"""
from __future__ import annotations

import streamlit as st

from explainer import features
from ui import run_inside_app
from ui import keys
from ui.feature_maps_grids import early_vs_deep_tab, one_layer_tab
from ui.feature_maps_network import geometry, network_and_input
from ui.feature_maps_settings import read_settings
from ui.feature_maps_widgets import MNIST_PREFIX, filters_tab, layer_table, layer_table_tab, predictions_tab
from ui.sidebar import font_size
from ui.url_state import UrlState

run_inside_app()  # a cold deep link runs this file on its own: run it through app.py

TABS = ["Feature maps", "Early vs deep", "First-layer filters", "Layer table", "Predictions"]


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
