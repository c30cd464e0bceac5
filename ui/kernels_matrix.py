"""The kernel playground's "An image is a matrix": one window's products and their sum, number by number."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from explainer import kernels
from explainer.images import to_gray
from explainer.worked_examples import WORKED_EXAMPLES

from .image_picker import PickedImage
from .kernels_widgets import DEMOS, KEYS, PLOT_CONFIG
from .sidebar import figure_height, font_size
from .url_state import UrlState

MATRIX_FIELDS = ("demo", "patch_top", "patch_left", "out_row", "out_col")   # the matrix view's own settings


@st.cache_data(max_entries=64, show_spinner=False)
def patch_location(image_key: str, _rgb: np.ndarray, top: int, left: int, size: int) -> bytes:
    return kernels.picture_bytes(kernels.mark_patch(_rgb, top, left, size))


@st.cache_resource(max_entries=8, show_spinner=False)
def gray_of(image_key: str, _rgb: np.ndarray) -> np.ndarray:
    gray = to_gray(_rgb)
    gray.setflags(write=False)          # shared by every session
    return gray


@st.cache_resource(max_entries=256, show_spinner=False)
def matrix_fig(values: np.ndarray, pad: int, window: tuple[int, int, int, int], weights: np.ndarray, white: float,
               font: int, height: int) -> go.Figure:
    return kernels.matrix_figure(values, pad=pad, window=window, weights=weights, white=white, font_size=font,
                                 height=height, title="Pixels × kernel weights")


@st.cache_resource(max_entries=256, show_spinner=False)
def output_fig(values: np.ndarray, cell: tuple[int, int], font: int, height: int) -> go.Figure:
    return kernels.output_figure(values, cell=cell, font_size=font, height=height,
                                 title=f"Output {values.shape[0]}×{values.shape[1]}")


def position_slider(label: str, key: str, value: int, hi: int, column) -> int:
    """A slider over 0..hi for ``key``, its value moved inside first; no slider when there is one place."""
    value = int(np.clip(value, 0, max(hi, 0)))
    st.session_state[key] = value
    if hi > 0:
        column.slider(label, 0, hi, key=key)
    return value


def matrix_input(picked: PickedImage, kernel: np.ndarray, settings: kernels.KernelSettings) -> kernels.MatrixInput:
    """The lecture example chosen, or a patch of the photo (drawing the sliders that move it)."""
    if settings.demo != "photo":
        ex = WORKED_EXAMPLES[settings.demo]
        values = ex.image.astype(np.float64)
        return kernels.MatrixInput(values=values, kernel=ex.kernel, pad=ex.pad, note=ex.note, where=None,
                           white=float(values.max()))
    gray = gray_of(picked.key, picked.rgb)
    size = min(max(8, kernel.shape[0] + 4), 21, *gray.shape)
    c1, c2 = st.columns(2)
    top = position_slider("Patch top (row)", KEYS["patch_top"], settings.patch_top, gray.shape[0] - size, c1)
    left = position_slider("Patch left (column)", KEYS["patch_left"], settings.patch_left, gray.shape[1] - size, c2)
    return kernels.MatrixInput(values=kernels.zoom_patch(gray, top, left, size), kernel=kernel, pad=0,
                       note=f"A {size}×{size} patch of the grey photo (no padding), with the kernel above.",
                       where=patch_location(picked.key, picked.rgb, top, left, size), white=255.0)


def matrix_view(url: UrlState, picked: PickedImage, kernel: np.ndarray, settings: kernels.KernelSettings) -> None:
    """"An image is a matrix": its own controls rerun only this part (see :func:`part`), so its
    settings are read again here; ``settings`` holds the rest as the last whole run left them."""
    settings = replace(settings, **{f: st.session_state[KEYS[f]] for f in MATRIX_FIELDS})
    st.header("An image is a matrix")
    st.markdown("A grey image is a table of numbers from 0 (black) to 255 (white). The kernel sits on one "
                "window; each pixel is multiplied by the weight on top of it and everything is added up. "
                "That single number is one pixel of the output (the **feature map**). Slide the kernel to fill "
                "the rest.")
    st.selectbox("Example", list(DEMOS), key=KEYS["demo"], format_func=DEMOS.get)
    matrix = matrix_input(picked, kernel, settings)
    kh, kw = matrix.kernel.shape
    if kh > matrix.values.shape[0] + 2 * matrix.pad or kw > matrix.values.shape[1] + 2 * matrix.pad:
        st.warning("This kernel is larger than the patch; pick a smaller kernel to see the numbers.")
        url.write()
        return
    c1, c2 = st.columns(2)
    row = position_slider("Kernel position: output row", KEYS["out_row"], settings.out_row,
                          matrix.values.shape[0] + 2 * matrix.pad - kh, c1)
    col = position_slider("Kernel position: output column", KEYS["out_col"], settings.out_col,
                          matrix.values.shape[1] + 2 * matrix.pad - kw, c2)
    pos = kernels.explain_position(matrix.values, matrix.kernel, pad=matrix.pad, row=row, col=col)
    st.caption(matrix.note)
    draw_matrix_figures(matrix, pos)
    written = pos.written.replace("*", r"\*")   # markdown would read (a*b)+(c*d) as italics
    st.markdown(f"#### Output[{pos.row}, {pos.col}] = {written}")
    if settings.demo != "photo":
        draw_lecture_check(pos, WORKED_EXAMPLES[settings.demo].expected)
    url.write()


def draw_matrix_figures(matrix: kernels.MatrixInput, pos: kernels.Position) -> None:
    fs = font_size()
    height = figure_height(500, 560)
    cols = st.columns([0.8, 1.6, 1] if matrix.where is not None else [1.6, 1])
    if matrix.where is not None:
        cols[0].image(matrix.where, caption="Where the patch is (red frame)", width="stretch")
        cols = cols[1:]
    window = (pos.row, pos.col, *matrix.kernel.shape)
    cols[0].plotly_chart(matrix_fig(matrix.values, matrix.pad, window, matrix.kernel, matrix.white, fs, height),
                         config=PLOT_CONFIG)
    small = min(height, 110 * max(pos.output.shape) + 90)     # a 1×1 output needs no half-screen square
    cols[1].plotly_chart(output_fig(pos.output, (pos.row, pos.col), fs, small), config=PLOT_CONFIG)


def draw_lecture_check(pos: kernels.Position, expected: float) -> None:
    if (pos.row, pos.col) == (0, 0):
        check = f":material/check_circle: **{pos.total:g}**: the lecture's number." \
            if pos.total == expected else f":material/error: {pos.total:g}, but the lecture says {expected:g}."
    else:
        check = f"The lecture works out the top-left cell (row 0, column 0): {expected:g}."
    st.markdown(f"{check} Products with a zero are left out of the written sum; they add nothing.")
