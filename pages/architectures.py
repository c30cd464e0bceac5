"""Architectures: from LeNet to ResNet, each step of the story as numbers and live experiments."""
from __future__ import annotations

import streamlit as st

from ui import run_inside_app
from ui.architectures_experiments import relu_section, shortcut_section
from ui.architectures_settings import bind_settings, key
from ui.architectures_widgets import depthwise_section, inception_section, layers_section, timeline_section, \
    vgg_section
from ui.mnist_data import data_banner, digits
from ui.sidebar import font_size, intro, presentation
from ui.url_state import UrlState

run_inside_app()  # a cold deep link runs this file on its own: run it through app.py


# ---------------------------------------------------------------- the page
url = UrlState()
fs = font_size()
settings = bind_settings(url)
st.title("Architectures: from LeNet to ResNet")
intro("LeNet-5 (1998) → AlexNet (2012: ReLU, dropout, GPUs) → VGG (only 3×3) → "
            "Inception (1×1 reductions) → depthwise separable convolutions (Xception, MobileNet) → batch norm → "
            "ResNet (shortcuts, > 50 layers) → EfficientNet, ViT, Swin. Each tab measures one step of the story.")
tabs = st.tabs(["Timeline", "Layers of a network", "VGG A–E", "Inception", "Depthwise separable",
                "Shortcuts (live)", "ReLU vs tanh (live)"])
with tabs[0]:
    timeline_section(settings, fs)
with tabs[1]:
    layers_section(settings, key("model"))
with tabs[2]:
    vgg_section(settings)
with tabs[3]:
    inception_section(settings, fs)
with tabs[4]:
    depthwise_section(settings)
with tabs[5]:
    digit_data = digits()
    data_banner(digit_data, present=presentation())
    shortcut_section(settings, fs, digit_data)
with tabs[6]:
    relu_section(settings, fs, digit_data)
url.write()
