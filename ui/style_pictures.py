"""The style page's network and pictures, loaded or encoded once for every session."""
from __future__ import annotations

import io

import numpy as np
import streamlit as st
from PIL import Image

from explainer.style import StyleNet, load_style_net


@st.cache_resource(show_spinner="Loading VGG19's convolutional layers…")
def style_net() -> StyleNet:
    """One frozen network for every session (read-only)."""
    return load_style_net()


def png(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    return buf.getvalue()


@st.cache_resource(max_entries=32, show_spinner=False)
def frame_png(run_id: int, event_index: int, _rgb: np.ndarray) -> bytes:
    """A frame encoded once for every page watching the run (a poll with no new frame re-sends the same bytes)."""
    return png(_rgb)


@st.cache_resource(max_entries=16, show_spinner=False)
def _jpeg(key: str, shape: tuple[int, ...], _rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(_rgb).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def picture_jpeg(picked) -> bytes:
    """A picked content or style picture (``ui.image_picker.PickedImage``) encoded once for every rerun and
    visitor, instead of on every rerun by ``st.image``."""
    return _jpeg(picked.key, picked.rgb.shape, picked.rgb)
