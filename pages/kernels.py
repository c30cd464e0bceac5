"""Kernel playground: slide a small kernel over a photo, multiply and add, and see what comes out."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from explainer import exports, kernels
from explainer.images import to_gray
from explainer.worked_examples import WORKED_EXAMPLES
from ui import run_inside_app
from ui.image_picker import PickedImage, image_picker
from ui.sidebar import advanced, controls, figure_height, font_size, intro, presentation
from ui.url_state import UrlState

run_inside_app()  # a cold deep link runs this file on its own: run it through app.py

DEFAULT_CUSTOM = "0 -1 0\n-1 5 -1\n0 -1 0"
ODD_SIZES = list(range(1, 16, 2))
SHIFTS = ["up", "down", "left", "right"]
DISPLAY_CHOICES = ["auto", *kernels.DISPLAYS]
DEMOS = {"photo": "Zoom into the photo above (uses the kernel above)",
         **{k: f"Lecture: {e.title}" for k, e in WORKED_EXAMPLES.items()}}
PLOT_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
SLICES = ("red", "green", "blue")
MATRIX_FIELDS = ("demo", "patch_top", "patch_left", "out_row", "out_col")   # the matrix view's own settings
PAIR_KEY = "kp_pair"           # the container of the main picture (original, result, kernel): CSS, tests
# Projected, the pictures stop short of the bottom of the screen whatever its size or the picture's shape
# (a server-side width would make Streamlit re-encode the picture on every rerun).
PROJECTED_CSS = f"""<style>
.st-key-{PAIR_KEY} [data-testid="stImage"] img {{ max-height: calc(100vh - 250px); width: auto !important;
  max-width: 100%; object-fit: contain; }}
</style>"""


# ---------------------------------------------------------------- settings (kernels.KernelSettings)
#: field -> URL and widget key (widgets use these keys; tests and links too).
KEYS = {"preset": "preset", "size": "size", "sigma": "sigma", "amount": "amount", "shift_to": "shift",
        "direction": "dir", "seed": "seed", "custom": "custom", "canny_sigma": "canny_sigma",
        "canny_thresholds": "canny_thr", "colour": "colour", "padding": "pad", "display": "display",
        "channel_weights": "rgbw", "demo": "demo", "patch_top": "py", "patch_left": "px", "out_row": "orow",
        "out_col": "ocol"}


def _defaults(image_shape: tuple[int, int]) -> dict[str, tuple]:
    """field -> (default, limits for the URL); the zoomed patch starts at the picture's centre."""
    h, w = image_shape
    return {
        "preset": ("gaussian", dict(choices=list(kernels.PRESETS))), "size": (7, dict(choices=ODD_SIZES)),
        "sigma": (2.0, dict(lo=0.2, hi=5.0)), "amount": (1.0, dict(lo=0.0, hi=5.0)),
        "shift_to": ("right", dict(choices=SHIFTS)), "direction": ("N", dict(choices=list(kernels.DIRECTIONS))),
        "seed": (0, dict(lo=0, hi=10**9)), "custom": (DEFAULT_CUSTOM, {}),
        "canny_sigma": (2.0, dict(lo=0.5, hi=5.0)), "canny_thresholds": ((0.1, 0.25), dict(lo=0.0, hi=1.0)),
        "colour": ("per-channel", dict(choices=list(kernels.COLOUR_MODES))),
        "padding": ("zeros", dict(choices=list(kernels.PADDINGS))), "display": ("auto", dict(choices=DISPLAY_CHOICES)),
        "channel_weights": ((0.33, 0.33, 0.33), dict(lo=-1.0, hi=1.0)), "demo": ("photo", dict(choices=list(DEMOS))),
        "patch_top": (h // 2, dict(lo=0, hi=h)), "patch_left": (w // 2, dict(lo=0, hi=w)),
        "out_row": (0, dict(lo=0, hi=30)), "out_col": (0, dict(lo=0, hi=30)),
    }


def read_settings(url: UrlState, image_shape: tuple[int, int]) -> kernels.KernelSettings:
    """Bind every setting to the URL (once per run) and read them, as the widgets left them."""
    state = st.session_state
    values = {}
    for field, (default, limits) in _defaults(image_shape).items():
        key = url.bind(KEYS[field], default, **limits)
        state[key] = state[key]   # keep it while its widget is off screen (another preset)
        values[field] = state[key]
    # The three slice sliders write their own keys; fold them into the one URL value.
    weights = tuple(float(state.get(f"rgbw_{i}", w)) for i, w in enumerate(values["channel_weights"]))
    state[KEYS["channel_weights"]] = values["channel_weights"] = weights
    return kernels.KernelSettings(**values)


# ---------------------------------------------------------------- cached computations
# What a rerun sends is made once per distinct input: pictures as encoded bytes (cache_data),
# figures as shared objects (cache_resource: st.plotly_chart only reads them, and cache_data
# would unpickle, i.e. re-validate, a plotly figure on every hit). Image arrays are not hashed:
# the image key names their content.

@st.cache_data(max_entries=128, show_spinner=False)
def shown_result(image_key: str, _rgb: np.ndarray, kernel: np.ndarray, kind: str, padding: str, colour: str,
                 mapping: str, channel_weights: tuple[float, float, float]) -> kernels.ShownResult:
    return kernels.shown_result(kernels.apply_filter(_rgb, kernel, kind=kind, padding=padding, colour=colour,
                                                     mapping=mapping, channel_weights=channel_weights))


@st.cache_data(max_entries=32, show_spinner=False)
def shown_canny(image_key: str, _rgb: np.ndarray, sigma: float, low: float, high: float) -> kernels.ShownCanny:
    return kernels.shown_canny(kernels.canny(_rgb, sigma=sigma, low=low, high=high))


@st.cache_data(max_entries=16, show_spinner=False)
def original_picture(image_key: str, _rgb: np.ndarray) -> bytes:
    return kernels.picture_bytes(_rgb)


@st.cache_data(max_entries=64, show_spinner=False)
def patch_location(image_key: str, _rgb: np.ndarray, top: int, left: int, size: int) -> bytes:
    return kernels.picture_bytes(kernels.mark_patch(_rgb, top, left, size))


@st.cache_resource(max_entries=8, show_spinner=False)
def gray_of(image_key: str, _rgb: np.ndarray) -> np.ndarray:
    gray = to_gray(_rgb)
    gray.setflags(write=False)          # shared by every session
    return gray


@st.cache_resource(max_entries=128, show_spinner=False)
def kernel_fig(kernel: np.ndarray, font: int, height: int, title: str, min_text: int) -> go.Figure:
    return kernels.kernel_figure(kernel, font_size=font, height=height, title=title, min_text=min_text)


@st.cache_resource(max_entries=256, show_spinner=False)
def matrix_fig(values: np.ndarray, pad: int, window: tuple[int, int, int, int], weights: np.ndarray, white: float,
               font: int, height: int) -> go.Figure:
    return kernels.matrix_figure(values, pad=pad, window=window, weights=weights, white=white, font_size=font,
                                 height=height, title="Pixels × kernel weights")


@st.cache_resource(max_entries=256, show_spinner=False)
def output_fig(values: np.ndarray, cell: tuple[int, int], font: int, height: int) -> go.Figure:
    return kernels.output_figure(values, cell=cell, font_size=font, height=height,
                                 title=f"Output {values.shape[0]}×{values.shape[1]}")


@st.cache_resource(max_entries=4, show_spinner=False)
def compass_fig(font: int) -> go.Figure:
    return kernels.compass_legend(font_size=font)


def part(draw):
    """A part of the page that reruns on its own when one of its controls moves (``st.fragment``):
    the rest of the app is not rebuilt. Projected, every change reruns the whole app instead, so
    the sidebar's "Share this view" link follows the lecturer's every move."""
    return draw if presentation() else st.fragment(draw)


def kernel_of(settings: kernels.KernelSettings, preset: kernels.Preset) -> tuple[np.ndarray, str | None]:
    """The chosen kernel, or the identity and the reason when a typed one can't be used."""
    if preset.key == "custom":
        try:
            return kernels.parse_kernel(settings.custom), None
        except kernels.KernelError as err:
            return kernels.identity(), f"{err} Showing the identity kernel until it is fixed."
    sigma = settings.canny_sigma if preset.kind == "canny" else settings.sigma
    return kernels.preset_kernel(preset.key, size=settings.size, sigma=sigma, amount=settings.amount,
                                 shift_to=settings.shift_to, direction=settings.direction, seed=settings.seed), None


# ---------------------------------------------------------------- controls
def preset_controls(settings: kernels.KernelSettings, preset: kernels.Preset) -> None:
    """The chosen preset's own parameters."""
    if "size" in preset.params:
        st.select_slider("Kernel size n (n×n)", ODD_SIZES, key=KEYS["size"])
    if preset.kind == "canny":
        st.slider("Blur sigma σ (stage 1)", 0.5, 5.0, step=0.1, key=KEYS["canny_sigma"])
    elif "sigma" in preset.params:
        st.slider("Sigma σ (spread, in pixels)", 0.2, 5.0, step=0.1, key=KEYS["sigma"])
    if "amount" in preset.params:
        st.slider("Amount of detail added", 0.0, 5.0, step=0.1, key=KEYS["amount"])
    if "shift" in preset.params:
        st.radio("Move the picture", SHIFTS, key=KEYS["shift_to"], horizontal=True)
        st.caption(kernels.describe_shift(settings.shift_to))
    if "direction" in preset.params:
        st.select_slider("Compass direction (bright side)", list(kernels.DIRECTIONS), key=KEYS["direction"],
                         format_func=kernels.DIRECTION_NAMES.get)
    if "seed" in preset.params:
        seed_key = KEYS["seed"]
        st.button("🎲 New random kernel",
                  on_click=lambda: st.session_state.update({seed_key: st.session_state[seed_key] + 1}))
        st.caption(f"Random seed {settings.seed}: the same seed (and link) gives the same kernel.")
    if preset.key == "custom":
        st.text_area("Type a kernel: one row per line, numbers separated by spaces (1/9 works too)",
                     key=KEYS["custom"], height=150)


def display_controls(preset: kernels.Preset, auto: str) -> None:
    st.radio("Colour", kernels.COLOUR_MODES, key=KEYS["colour"], horizontal=True, disabled=preset.kind != "kernel",
             format_func={"per-channel": "per channel (R, G, B)", "conv-layer": "conv layer (3 → 1 map)",
                          "grayscale": "grayscale"}.get,
             help="\n\n".join(f"**{k}**: {v}" for k, v in kernels.COLOUR_HELP.items()))
    st.radio("Padding", kernels.PADDINGS, key=KEYS["padding"], horizontal=True,
             help="\n\n".join(f"**{k}**: {v}" for k, v in kernels.PADDING_HELP.items()))
    st.radio("Display", DISPLAY_CHOICES, key=KEYS["display"], horizontal=True,
             format_func=lambda m: f"auto ({auto})" if m == "auto" else m,
             help="\n\n".join(f"**{k}**: {v}" for k, v in kernels.DISPLAY_HELP.items()))


def slice_weight_controls(settings: kernels.KernelSettings) -> None:
    """The conv-layer mode's 3 filter slices: kernel × (wR, wG, wB), weights set by three sliders."""
    with advanced("The conv layer's 3-channel filter (one slice per colour)"):
        st.markdown("A conv layer's filter is k×k×**3**: one slice per input channel. Each slice filters its "
                    "channel, and the three results are **added** into one feature map. Here every slice is the "
                    "kernel above times a weight; set the weights (e.g. 1, 0, −1 for *red minus blue*).")
        for i, (col, name) in enumerate(zip(st.columns(3), SLICES)):
            col.slider(f"Weight of the {name} slice", -1.0, 1.0, float(settings.channel_weights[i]), 0.01,
                       key=f"rgbw_{i}")


def position_slider(label: str, key: str, value: int, hi: int, column) -> int:
    """A slider over 0..hi for ``key``, its value moved inside first; no slider when there is one place."""
    value = int(np.clip(value, 0, max(hi, 0)))
    st.session_state[key] = value
    if hi > 0:
        column.slider(label, 0, hi, key=key)
    return value


# ---------------------------------------------------------------- drawing
def draw_kernel(kernel: np.ndarray, preset: kernels.Preset, column) -> None:
    """The kernel's weights as a grid; its caption stays under it unless projected (then it goes below)."""
    title = f"Kernel {kernel.shape[0]}×{kernel.shape[1]}"
    min_text = 16 if presentation() else 8      # projected: numbers only where they read from the back row
    column.plotly_chart(kernel_fig(kernel, font_size(), figure_height(340, 360), title, min_text),
                        config=PLOT_CONFIG)
    if not presentation():
        column.caption(kernel_caption(kernel, preset))


def kernel_caption(kernel: np.ndarray, preset: kernels.Preset) -> str:
    note = {"magnitude": "Sobel x shown; Sobel y is the same kernel transposed.",
            "compass": "The north kernel shown; the other 7 are it turned in 45° steps.",
            "canny": "Stage 1's Gaussian blur (±4σ)."}.get(preset.kind, "")
    return f"{note} Red = positive, blue = negative, white = 0. Sum of weights: {kernel.sum():.3g}."


def draw_result(picked: PickedImage, shown: kernels.ShownResult, preset: kernels.Preset,
                settings: kernels.KernelSettings, columns) -> None:
    """Original and result side by side in ``columns``; below them how to read the result."""
    projected = presentation()
    columns[0].image(original_picture(picked.key, picked.rgb), width="stretch",
                     caption="Original" if projected else f"Original — {picked.caption}")
    columns[1].image(shown.picture, width="stretch", caption=f"Result — {preset.title}")
    colour, padding = settings.colour, settings.padding
    if preset.kind == "kernel":
        where = f"Colour: **{colour}** ({kernels.COLOUR_HELP[colour]}). "
    else:
        where = "Computed on the grayscale image. "
    photo = f"Photo: {picked.caption}. " if projected else ""
    st.markdown(f"**How to read it.** {shown.sentence} Padding: **{padding}** "
                f"({kernels.PADDING_HELP[padding]}). {where}Shape: {shown.shapes}. {photo}")
    if preset.kind == "magnitude":
        a, b, c = st.columns(3)
        a.image(shown.parts["gx"], caption="|Gx|: Sobel x", width="stretch")
        b.image(shown.parts["gy"], caption="|Gy|: Sobel y (the kernel transposed)", width="stretch")
        c.markdown("Sobel x answers *how much brighter is it to the right?*, Sobel y *…below?* Each misses "
                   "edges running its own way. Treating (Gx, Gy) as an arrow, its length "
                   "√(Gx² + Gy²) is the edge strength whatever the edge's direction.")
    if preset.kind == "compass":
        st.plotly_chart(compass_fig(font_size()), config=PLOT_CONFIG, width="content")


def export_title(preset: kernels.Preset, kernel: np.ndarray, settings: kernels.KernelSettings) -> str:
    k = f"{kernel.shape[0]}×{kernel.shape[1]}"
    if preset.kind == "canny":
        return f"Canny edges: σ = {settings.canny_sigma:g}, thresholds {settings.canny_thresholds[0]:g} / " \
               f"{settings.canny_thresholds[1]:g} of the strongest gradient"
    return f"{preset.title}: kernel {k}, padding {settings.padding}, colour {settings.colour}"


def download_pair(picked: PickedImage, kernel: np.ndarray, preset: kernels.Preset, settings: kernels.KernelSettings,
                  mapping: str, weights: tuple[float, float, float]) -> None:
    """The pair as a PNG for slides, made only when the button is pressed (not on every slider move)."""
    rgb, title = picked.rgb, export_title(preset, kernel, settings)
    low, high = settings.canny_thresholds

    def png() -> bytes:   # runs outside the script (no st.* in here): recompute, it is one filter pass
        if preset.kind == "canny":
            after, caption = kernels.canny(rgb, sigma=settings.canny_sigma, low=low, high=high).edges * 255, "Edges"
        else:
            after = kernels.apply_filter(rgb, kernel, kind=preset.kind, padding=settings.padding,
                                         colour=settings.colour, mapping=mapping,
                                         channel_weights=weights).display.pixels
            caption = f"Result — {preset.title}"
        return exports.image_pair_png(rgb, after, captions=("Original", caption), title=title)

    st.download_button("Download this pair (PNG)", png, file_name=f"kernel-{preset.key}.png", mime="image/png",
                       on_click="ignore", icon=":material/download:",
                       help="The original and the result side by side, captioned, for a slide.")


def draw_canny(picked: PickedImage, kernel: np.ndarray, preset: kernels.Preset, settings: kernels.KernelSettings,
               pictures, options) -> None:
    """The five stages (and the original) in two rows of three; the thresholds slider above them
    (projected: in ``options``, the settings popover)."""
    with options if presentation() else pictures.columns(2)[0]:
        st.slider("Thresholds low, high (fraction of the strongest gradient)", 0.0, 1.0, step=0.01,
                  key=KEYS["canny_thresholds"])
    low, high = settings.canny_thresholds
    shown = shown_canny(picked.key, picked.rgb, settings.canny_sigma, low, high)
    pics = shown.pictures
    projected = presentation()
    stages = [
        (original_picture(picked.key, picked.rgb), "0 · original"),
        (pics["blurred"], f"1 · Gaussian blur, σ = {shown.sigma:g}"),
        (pics["magnitude"], "2 · gradient magnitude" if projected else
         "2 · Sobel gradient magnitude √(Gx²+Gy²) (≥ high: white)"),
        (pics["thinned"], "3 · non-maximum suppression" if projected else
         "3 · non-maximum suppression: only the peaks, 1 px thin"),
        (pics["double"], "4 · double threshold" if projected else
         f"4 · double threshold: white ≥ {shown.high:.3g}, blue ≥ {shown.low:.3g}"),
        (pics["edges"], f"5 · hysteresis: {shown.edge_pixels} edge pixels"),
    ]
    with pictures:
        for row in (stages[:3], stages[3:]):
            for col, (img, cap) in zip(st.columns(3), row):
                col.image(img, caption=cap, width="stretch")
    st.markdown(
        "**What each step does.** (1) A Gaussian blur removes noise that would look like edges. "
        "(2) Sobel x and y measure how fast brightness changes; their length is the edge strength. "
        "(3) Across an edge the strength rises and falls over several pixels: keep only the peak, "
        "comparing each pixel with its two neighbours along the gradient. (4) Peaks above *high* are "
        "sure edges (white); peaks between *low* and *high* are maybes (blue). (5) A maybe survives only "
        f"if it touches a chain leading to a sure edge. Thresholds here: low = {low:g} × max = "
        f"{shown.low:.3g}, high = {high:g} × max = {shown.high:.3g}. Same edges as "
        "`skimage.feature.canny` (identical maps in our tests).")
    download_pair(picked, kernel, preset, settings, "clip", (1 / 3,) * 3)


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


def draw_filtered(picked: PickedImage, kernel: np.ndarray, preset: kernels.Preset, settings: kernels.KernelSettings,
                  pictures, kernel_column, options) -> None:
    """Colour/padding/display controls (in ``options``), the filtered picture beside the original, the formula."""
    auto = kernels.suggested_display(kernel) if preset.key == "custom" else preset.display
    with options:   # under the picker (projected: in the settings popover)
        display_controls(preset, auto)
    mapping = auto if settings.display == "auto" else settings.display
    conv_layer = settings.colour == "conv-layer" and preset.kind == "kernel"
    if conv_layer:
        slice_weight_controls(settings)
    weights = settings.channel_weights if conv_layer else (1 / 3,) * 3
    try:
        shown = shown_result(picked.key, picked.rgb, kernel, preset.kind, settings.padding, settings.colour,
                             mapping, weights)
    except kernels.KernelError as err:
        st.error(str(err))
    else:
        draw_result(picked, shown, preset, settings, pictures)
        download_pair(picked, kernel, preset, settings, mapping, weights)
    with advanced("The formula (and why CNNs call it convolution)"):
        st.latex(r"\text{out}[y, x] = \sum_{i}\sum_{j} K[i, j]\;\cdot\;\text{image}[y + i - r,\; x + j - r]"
                 r"\qquad r = \lfloor k/2 \rfloor")
        st.markdown("Strictly this is a *cross-correlation*: the kernel is used as it is, not flipped. A "
                    "textbook convolution flips it first. CNN libraries (`torch.nn.functional.conv2d`, which "
                    "runs everything here) skip the flip, since a learned kernel can learn either way. For "
                    "symmetric kernels nothing changes; for shifts the flip reverses the direction.")


# ---------------------------------------------------------------- the page
st.title("Kernel playground")
intro("A **kernel** (filter) is a small grid of weights. Slide it over the image: at every position "
      "multiply the pixels under it by the weights and add them up. That is all a convolution layer "
      "in a CNN does — here with kernels people designed by hand, in a CNN with kernels it learned.")
url = UrlState()
projected = presentation()
if projected:   # the pictures right under the title: the chooser in a compact row, the rest behind one button
    st.markdown(PROJECTED_CSS, unsafe_allow_html=True)
    c_choose, c_more = st.columns([1, 1.5], vertical_alignment="bottom")
    with c_more:
        popover = controls("Image & settings")
    c_params, c_img = popover.container(), popover.container()   # the kernel's own settings first
else:
    c_img, c_params, c_fig = st.columns(3, gap="large")
    c_choose = c_params
with c_img:
    picked = image_picker("img", url, max_side=512)
settings = read_settings(url, picked.rgb.shape[:2])
preset = kernels.PRESETS[settings.preset]
kernel, kernel_problem = kernel_of(settings, preset)
c_choose.selectbox("Kernel", list(kernels.PRESETS), key=KEYS["preset"],
                   format_func=lambda k: kernels.PRESETS[k].title)
with c_params:
    if not projected:
        st.caption(preset.about)
    preset_controls(settings, preset)
if kernel_problem:
    (st if projected else c_params).error(kernel_problem)

pictures = st.container(key=PAIR_KEY)
if projected:   # original | result | kernel (Canny: its six stages | the blur kernel)
    *shown_in, c_fig = pictures.columns([2, 0.62] if preset.kind == "canny" else [1, 1, 0.62], gap="small")
    pictures = shown_in[0] if preset.kind == "canny" else shown_in
elif preset.kind != "canny":
    pictures = pictures.columns(2)
if projected:   # what the kernel is, right under the pictures
    st.caption(f"**{preset.title}.** {preset.about} {kernel_caption(kernel, preset)}")
draw_kernel(kernel, preset, c_fig)
if preset.kind == "canny":
    draw_canny(picked, kernel, preset, settings, pictures, c_img)
else:
    draw_filtered(picked, kernel, preset, settings, pictures, c_fig, c_img)
part(matrix_view)(url, picked, kernels.sobel_x() if preset.kind == "canny" else kernel, settings)
url.write()
