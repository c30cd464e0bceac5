"""Kernel playground: slide a small kernel over a photo, multiply and add, and see what comes out."""
from __future__ import annotations

import numpy as np
import streamlit as st

from explainer.kernels import filtering
from explainer.kernels import image_matrix
from explainer.kernels import presets
from explainer.kernels.canny import canny
from explainer.images import to_gray
from explainer.kernels.figures import compass_legend, kernel_figure, mark_patch, matrix_figure, output_figure
from ui.image_picker import image_picker
from ui.sidebar import advanced, font_size, presentation
from ui.url_state import UrlState

DEFAULT_CUSTOM = "0 -1 0\n-1 5 -1\n0 -1 0"
ODD_SIZES = list(range(1, 16, 2))
DEMOS = {"photo": "Zoom into the photo above (uses the kernel above)",
         **{k: f"Lecture: {e.title}" for k, e in image_matrix.worked_examples().items()}}
PLOT_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


# ---------------------------------------------------------------- cached computations
@st.cache_data(max_entries=64, show_spinner=False)
def filtered(image_key: str, _rgb: np.ndarray, kernel: np.ndarray, kind: str, padding: str, colour: str,
             mapping: str, channel_weights: tuple[float, float, float]) -> filtering.Filtered:
    # _rgb is not hashed: image_key already names its content.
    return filtering.apply_filter(_rgb, kernel, kind=kind, padding=padding, colour=colour, mapping=mapping,
                          channel_weights=channel_weights)


@st.cache_data(max_entries=32, show_spinner=False)
def canny_stages(image_key: str, _rgb: np.ndarray, sigma: float, low: float, high: float):
    return canny(_rgb, sigma=sigma, low=low, high=high)


@st.cache_data(max_entries=8, show_spinner=False)
def gray_of(image_key: str, _rgb: np.ndarray) -> np.ndarray:
    return to_gray(_rgb)


# ---------------------------------------------------------------- controls
def preset_controls(url: UrlState, preset: presets.Preset) -> np.ndarray:
    """Draw the chosen preset's parameters; return its kernel (identity + a message if a typed one is bad)."""
    size = url.bind("size", 7, choices=ODD_SIZES)
    sigma = url.bind("sigma", 2.0, lo=0.2, hi=5.0)
    amount = url.bind("amount", 1.0, lo=0.0, hi=5.0)
    shift_to = url.bind("shift", "right", choices=["up", "down", "left", "right"])
    direction = url.bind("dir", "N", choices=list(presets.DIRECTIONS))
    seed = url.bind("seed", 0, lo=0, hi=10**9)
    custom = url.bind("custom", DEFAULT_CUSTOM)
    if "size" in preset.params:
        st.select_slider("Kernel size n (n×n)", ODD_SIZES, key=size)
    if preset.kind == "canny":
        sigma = url.bind("canny_sigma", 2.0, lo=0.5, hi=5.0)
        st.slider("Blur sigma σ (stage 1)", 0.5, 5.0, step=0.1, key=sigma)
    elif "sigma" in preset.params:
        st.slider("Sigma σ (spread, in pixels)", 0.2, 5.0, step=0.1, key=sigma)
    if "amount" in preset.params:
        st.slider("Amount of detail added", 0.0, 5.0, step=0.1, key=amount)
    if "shift" in preset.params:
        st.radio("Move the picture", ["up", "down", "left", "right"], key=shift_to, horizontal=True)
    if "direction" in preset.params:
        st.select_slider("Compass direction (bright side)", list(presets.DIRECTIONS), key=direction,
                         format_func=lambda d: f"{d}")
    if "seed" in preset.params:
        st.button("🎲 New random kernel", on_click=lambda: st.session_state.update({seed: st.session_state[seed] + 1}))
        st.caption(f"Random seed {st.session_state[seed]}: the same seed (and link) gives the same kernel.")
    if preset.key == "custom":
        st.text_area("Type a kernel: one row per line, numbers separated by spaces (1/9 works too)",
                     key=custom, height=150)
        try:
            return presets.parse_kernel(st.session_state[custom])
        except presets.KernelError as err:
            st.error(f"{err} Showing the identity kernel until it is fixed.")
            return presets.identity()
    return presets.preset_kernel(preset.key, size=st.session_state[size], sigma=st.session_state[sigma],
                           amount=st.session_state[amount], shift_to=st.session_state[shift_to],
                           direction=st.session_state[direction], seed=st.session_state[seed])


def display_controls(url: UrlState, preset: presets.Preset, auto: str) -> tuple[str, str, str]:
    colour = url.bind("colour", "per-channel", choices=list(filtering.COLOUR_MODES))
    padding = url.bind("pad", "zeros", choices=list(filtering.PADDINGS))
    mapping = url.bind("display", "auto", choices=["auto", *filtering.DISPLAYS])
    st.radio("Colour", filtering.COLOUR_MODES, key=colour, horizontal=True, disabled=preset.kind != "kernel",
             format_func={"per-channel": "per channel (R, G, B)", "conv-layer": "conv layer (3 → 1 map)",
                          "grayscale": "grayscale"}.get,
             help="\n\n".join(f"**{k}**: {v}" for k, v in filtering.COLOUR_HELP.items()))
    st.radio("Padding", filtering.PADDINGS, key=padding, horizontal=True,
             help="\n\n".join(f"**{k}**: {v}" for k, v in filtering.PADDING_HELP.items()))
    st.radio("Display", ["auto", *filtering.DISPLAYS], key=mapping, horizontal=True,
             format_func=lambda m: f"auto ({auto})" if m == "auto" else m,
             help="\n\n".join(f"**{k}**: {v}" for k, v in filtering.DISPLAY_HELP.items()))
    chosen = st.session_state[mapping]
    return st.session_state[colour], st.session_state[padding], auto if chosen == "auto" else chosen


def slice_weights(url: UrlState, kernel: np.ndarray) -> tuple[float, float, float]:
    """The conv-layer mode's 3 filter slices: kernel × (wR, wG, wB), weights set by three sliders."""
    key = url.bind("rgbw", (0.33, 0.33, 0.33), lo=-1.0, hi=1.0)
    with advanced("The conv layer's 3-channel filter (one slice per colour)"):
        st.markdown("A conv layer's filter is k×k×**3**: one slice per input channel. Each slice filters its "
                    "channel, and the three results are **added** into one feature map. Here every slice is the "
                    "kernel above times a weight; set the weights (e.g. 1, 0, −1 for *red minus blue*).")
        cols = st.columns(3)
        weights = list(st.session_state[key])
        for i, (col, name) in enumerate(zip(cols, ("red", "green", "blue"))):
            weights[i] = col.slider(f"Weight of the {name} slice", -1.0, 1.0, float(weights[i]), 0.01,
                                    key=f"rgbw_{i}")
        st.session_state[key] = tuple(weights)
    return tuple(weights)


# ---------------------------------------------------------------- drawing
def draw_result(picked, result: filtering.Filtered, preset: presets.Preset, colour: str, padding: str) -> None:
    left, right = st.columns(2)
    left.image(picked.rgb, caption=f"Original — {picked.caption}", width="stretch")
    right.image(result.display.pixels, width="stretch",
                caption=f"Result — {preset.title}")
    if preset.kind == "kernel":
        where = f"Colour: **{colour}** ({filtering.COLOUR_HELP[colour]}). "
    else:
        where = "Computed on the grayscale image. "
    st.markdown(f"**How to read it.** {result.display.sentence} Padding: **{padding}** "
                f"({filtering.PADDING_HELP[padding]}). {where}Shape: {result.shapes}.")
    if preset.kind == "magnitude":
        a, b, c = st.columns(3)
        a.image(filtering.to_display(result.parts["gx"], "abs").pixels, caption="|Gx|: Sobel x", width="stretch")
        b.image(filtering.to_display(result.parts["gy"], "abs").pixels, caption="|Gy|: Sobel y (the kernel transposed)",
                width="stretch")
        c.markdown("Sobel x answers *how much brighter is it to the right?*, Sobel y *…below?* Each misses "
                   "edges running its own way. Treating (Gx, Gy) as an arrow, its length "
                   "√(Gx² + Gy²) is the edge strength whatever the edge's direction.")
    if preset.kind == "compass":
        st.plotly_chart(compass_legend(font_size=font_size()), config=PLOT_CONFIG, width="content")


def draw_canny(picked, url: UrlState) -> None:
    thresholds = url.bind("canny_thr", (0.1, 0.25), lo=0.0, hi=1.0)
    st.columns(2)[0].slider("Thresholds low, high (fraction of the strongest gradient)", 0.0, 1.0, step=0.01,
                            key=thresholds)
    low, high = st.session_state[thresholds]
    stages = canny_stages(picked.key, picked.rgb, st.session_state["canny_sigma"], low, high)
    double = np.zeros(stages.strong.shape + (3,), np.uint8)
    double[stages.weak] = (90, 160, 255)
    double[stages.strong] = (255, 255, 255)
    shown = [
        (picked.rgb, "0 · original"),
        (filtering.to_display(stages.blurred * 255, "clip").pixels, f"1 · Gaussian blur, σ = {stages.sigma:g}"),
        (filtering.to_display(stages.magnitude * (255 / max(stages.high, 1e-9)), "clip").pixels,
         "2 · Sobel gradient magnitude √(Gx²+Gy²) (≥ high: white)"),
        (filtering.to_display(stages.thinned * (255 / max(stages.high, 1e-9)), "clip").pixels,
         "3 · non-maximum suppression: only the peaks, 1 px thin"),
        (double, f"4 · double threshold: white ≥ {stages.high:.3g}, blue ≥ {stages.low:.3g}"),
        (stages.edges.astype(np.uint8) * 255, f"5 · hysteresis: {int(stages.edges.sum())} edge pixels"),
    ]
    for row in (shown[:3], shown[3:]):
        for col, (img, cap) in zip(st.columns(3), row):
            col.image(img, caption=cap, width="stretch")
    st.markdown(
        "**What each step does.** (1) A Gaussian blur removes noise that would look like edges. "
        "(2) Sobel x and y measure how fast brightness changes; their length is the edge strength. "
        "(3) Across an edge the strength rises and falls over several pixels: keep only the peak, "
        "comparing each pixel with its two neighbours along the gradient. (4) Peaks above *high* are "
        "sure edges (white); peaks between *low* and *high* are maybes (blue). (5) A maybe survives only "
        f"if it touches a chain leading to a sure edge. Thresholds here: low = {low:g} × max = "
        f"{stages.low:.3g}, high = {high:g} × max = {stages.high:.3g}. Same edges as "
        "`skimage.feature.canny` (identical maps in our tests).")


def draw_matrix_view(picked, kernel: np.ndarray, url: UrlState) -> None:
    st.header("An image is a matrix")
    st.markdown("A grey image is a table of numbers from 0 (black) to 255 (white). The kernel sits on one "
                "window; each pixel is multiplied by the weight on top of it and everything is added up. "
                "That single number is one pixel of the output (the **feature map**). Slide the kernel to fill "
                "the rest.")
    demo_key = url.bind("demo", "photo", choices=list(DEMOS))
    demo = st.selectbox("Example", list(DEMOS), key=demo_key, format_func=DEMOS.get)
    fs = font_size()
    if demo == "photo":
        gray = gray_of(picked.key, picked.rgb)
        kh = kernel.shape[0]
        size = min(max(8, kh + 4), 21, *gray.shape)
        top_k = url.bind("py", gray.shape[0] // 2, lo=0, hi=gray.shape[0] - size)
        left_k = url.bind("px", gray.shape[1] // 2, lo=0, hi=gray.shape[1] - size)
        for k, hi in ((top_k, gray.shape[0] - size), (left_k, gray.shape[1] - size)):
            st.session_state[k] = int(np.clip(st.session_state[k], 0, hi))
        c1, c2 = st.columns(2)
        if gray.shape[0] > size:
            c1.slider("Patch top (row)", 0, gray.shape[0] - size, key=top_k)
        if gray.shape[1] > size:
            c2.slider("Patch left (column)", 0, gray.shape[1] - size, key=left_k)
        values = image_matrix.zoom_patch(gray, st.session_state[top_k], st.session_state[left_k], size)
        pad, note = 0, (f"A {size}×{size} patch of the grey photo (no padding), with the kernel above.")
        where = mark_patch(picked.rgb, st.session_state[top_k], st.session_state[left_k], size)
    else:
        ex = image_matrix.worked_examples()[demo]
        values, kernel, pad, note, where = ex.image.astype(np.float64), ex.kernel, ex.pad, ex.note, None
    if kernel.shape[0] > values.shape[0] + 2 * pad or kernel.shape[1] > values.shape[1] + 2 * pad:
        st.warning("This kernel is larger than the patch; pick a smaller kernel to see the numbers.")
        return
    out_h = values.shape[0] + 2 * pad - kernel.shape[0] + 1
    out_w = values.shape[1] + 2 * pad - kernel.shape[1] + 1
    row_k = url.bind("orow", 0, lo=0, hi=30)
    col_k = url.bind("ocol", 0, lo=0, hi=30)
    for k, hi in ((row_k, out_h - 1), (col_k, out_w - 1)):
        st.session_state[k] = int(np.clip(st.session_state[k], 0, hi))
    c1, c2 = st.columns(2)
    if out_h > 1:
        c1.slider("Kernel position: output row", 0, out_h - 1, key=row_k)
    if out_w > 1:
        c2.slider("Kernel position: output column", 0, out_w - 1, key=col_k)
    pos = image_matrix.explain_position(values, kernel, pad=pad, row=st.session_state[row_k], col=st.session_state[col_k])
    st.caption(note)
    height = 620 if presentation() else 500
    cols = st.columns([0.8, 1.6, 1] if where is not None else [1.6, 1])
    if where is not None:
        cols[0].image(where, caption="Where the patch is (red frame)", width="stretch")
        cols = cols[1:]
    cols[0].plotly_chart(matrix_figure(values, pad=pad, window=(pos.row, pos.col, *kernel.shape), weights=kernel,
                                       white=255.0 if demo == "photo" else float(values.max()),
                                       font_size=fs, height=height, title="Pixels × kernel weights"),
                         config=PLOT_CONFIG)
    small = min(height, 110 * max(pos.output.shape) + 90)     # a 1×1 output needs no half-screen square
    cols[1].plotly_chart(output_figure(pos.output, cell=(pos.row, pos.col), font_size=fs, height=small,
                                       title=f"Output {pos.output.shape[0]}×{pos.output.shape[1]}"),
                         config=PLOT_CONFIG)
    written = pos.written.replace("*", r"\*")   # markdown would read (a*b)+(c*d) as italics
    st.markdown(f"#### Output[{pos.row}, {pos.col}] = {written}")
    if demo != "photo":
        expected = image_matrix.worked_examples()[demo].expected
        if (pos.row, pos.col) == (0, 0):
            check = f":material/check_circle: **{pos.total:g}**: the lecture's number." \
                if pos.total == expected else f":material/error: {pos.total:g}, but the lecture says {expected:g}."
        else:
            check = f"The lecture works out the top-left cell (row 0, column 0): {expected:g}."
        st.markdown(f"{check} Products with a zero are left out of the written sum; they add nothing.")


# ---------------------------------------------------------------- the page
st.title("Kernel playground")
st.markdown("A **kernel** (filter) is a small grid of weights. Slide it over the image: at every position "
            "multiply the pixels under it by the weights and add them up. That is all a convolution layer "
            "in a CNN does — here with kernels people designed by hand, in a CNN with kernels it learned.")
url = UrlState()
keys = list(presets.PRESETS)
c_img, c_kernel, c_fig = st.columns([1, 1, 1], gap="large")
with c_img:
    picked = image_picker("img", url, max_side=512)
with c_kernel:
    preset = presets.PRESETS[st.selectbox("Kernel", keys, key=url.bind("preset", "gaussian", choices=keys),
                                    format_func=lambda k: presets.PRESETS[k].title)]
    st.caption(preset.about)
    kernel = preset_controls(url, preset)
with c_fig:
    note = {"magnitude": "Sobel x shown; Sobel y is the same kernel transposed.",
            "compass": "The north kernel shown; the other 7 are it turned in 45° steps.",
            "canny": "Stage 1's Gaussian blur (±4σ)."}.get(preset.kind, "")
    st.plotly_chart(kernel_figure(kernel, font_size=font_size(), height=420 if presentation() else 340,
                                  title=f"Kernel {kernel.shape[0]}×{kernel.shape[1]}"), config=PLOT_CONFIG)
    st.caption(f"{note} Red = positive, blue = negative, white = 0. Sum of weights: {kernel.sum():.3g}.")

if preset.kind == "canny":
    draw_canny(picked, url)
else:
    with c_img:   # under the picker: keeps the pictures above the fold on a projector
        with advanced("Colour, padding, display") if presentation() else st.container():
            auto = presets.suggested_display(kernel) if preset.key == "custom" else preset.display
            colour, padding, mapping = display_controls(url, preset, auto)
    try:
        weights = slice_weights(url, kernel) if colour == "conv-layer" and preset.kind == "kernel" else (1 / 3,) * 3
        result = filtered(picked.key, picked.rgb, kernel, preset.kind, padding, colour, mapping, weights)
    except presets.KernelError as err:
        st.error(str(err))
    else:
        draw_result(picked, result, preset, colour, padding)
    with advanced("The formula (and why CNNs call it convolution)"):
        st.latex(r"\text{out}[y, x] = \sum_{i}\sum_{j} K[i, j]\;\cdot\;\text{image}[y + i - r,\; x + j - r]"
                 r"\qquad r = \lfloor k/2 \rfloor")
        st.markdown("Strictly this is a *cross-correlation*: the kernel is used as it is, not flipped. A "
                    "textbook convolution flips it first. CNN libraries (`torch.nn.functional.conv2d`, which "
                    "runs everything here) skip the flip, since a learned kernel can learn either way. For "
                    "symmetric kernels nothing changes; for shifts the flip reverses the direction.")

draw_matrix_view(picked, presets.sobel_x() if preset.kind == "canny" else kernel, url)
url.write()
