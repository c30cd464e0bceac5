"""Widgets of the kernel playground: its settings in the URL, the kernel's controls and grid, the filtered picture."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from explainer import exports, kernels
from explainer.worked_examples import WORKED_EXAMPLES

from .image_picker import PickedImage
from .sidebar import advanced, figure_height, font_size, presentation
from .url_state import UrlState

DEFAULT_CUSTOM = "0 -1 0\n-1 5 -1\n0 -1 0"
ODD_SIZES = list(range(1, 16, 2))
SHIFTS = ["up", "down", "left", "right"]
DISPLAY_CHOICES = ["auto", *kernels.DISPLAYS]
DEMOS = {"photo": "Zoom into the photo above (uses the kernel above)",
         **{k: f"Lecture: {e.title}" for k, e in WORKED_EXAMPLES.items()}}
PLOT_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
SLICES = ("red", "green", "blue")


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


@st.cache_data(max_entries=16, show_spinner=False)
def original_picture(image_key: str, _rgb: np.ndarray) -> bytes:
    return kernels.picture_bytes(_rgb)


@st.cache_resource(max_entries=128, show_spinner=False)
def kernel_fig(kernel: np.ndarray, font: int, height: int, title: str, min_text: int) -> go.Figure:
    return kernels.kernel_figure(kernel, font_size=font, height=height, title=title, min_text=min_text)


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
