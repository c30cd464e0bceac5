"""One image picker for every page: bundled samples, upload, camera, optional folder."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import streamlit as st

from explainer.images import ImageError, fit_within, load_image, sample_images

from .url_state import UrlState

SOURCES = ["Sample", "Upload", "Camera"]


@dataclass(frozen=True)
class PickedImage:
    rgb: np.ndarray   # (H, W, 3) uint8, already shrunk to the page's working size
    caption: str      # what it is and where it comes from, for under the figure
    key: str          # stable id of the content: use it in cache keys


@st.cache_data(max_entries=32, show_spinner=False)
def _sample(key: str, max_side: int) -> np.ndarray:
    return fit_within(sample_images()[key].load(), max_side)


@st.cache_data(max_entries=16, show_spinner=False)
def _decode(data: bytes, max_side: int) -> tuple[np.ndarray, str]:
    # Decoded once per distinct upload; a slider move reuses the array.
    return fit_within(load_image(data), max_side), hashlib.sha256(data).hexdigest()[:16]


def image_picker(key: str, url: UrlState, *, label: str = "Image", default: str = "astronaut",
                 max_side: int = 512, sources: list[str] = SOURCES) -> PickedImage:
    """Draw the picker and return the chosen image, shrunk to ``max_side``.

    Never fails: an unusable upload shows a clear message and the page carries on with
    the selected sample, so the rest keeps working.
    """
    samples = sample_images()
    names = list(samples)
    if default not in samples:
        default = names[0]
    src_key = url.bind(f"{key}_src", "Sample", choices=sources)
    sample_key = url.bind(f"{key}", default, choices=names)

    source = st.radio(f"{label} source", sources, key=src_key, horizontal=True)
    chosen = st.selectbox(label, names, key=sample_key, format_func=lambda k: samples[k].title)
    fallback = PickedImage(_sample(chosen, max_side), samples[chosen].credit, f"sample:{chosen}")

    data = None
    if source == "Upload":
        up = st.file_uploader(f"Upload {label.lower()}", type=None, key=f"{key}_upload",
                              help="PNG, JPEG, GIF, WebP, BMP or TIFF. Large photos are shrunk.")
        data = up.getvalue() if up is not None else None
        name = up.name if up is not None else ""
    elif source == "Camera":
        shot = st.camera_input(f"Take a picture for {label.lower()}", key=f"{key}_camera")
        data = shot.getvalue() if shot is not None else None
        name = "camera"
    if data is None:
        if source != "Sample":
            st.caption(f"Until you give one, the sample “{samples[chosen].title}” is used.")
        return fallback
    try:
        rgb, digest = _decode(data, max_side)
    except ImageError as err:
        st.error(f"Could not use “{name}”: {err} Showing the sample “{samples[chosen].title}” instead.")
        return fallback
    return PickedImage(rgb, f"Your image “{name}”", f"upload:{digest}")
