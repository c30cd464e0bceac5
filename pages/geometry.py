"""Padding, stride, dilation, pooling and transposed convolution, one cell at a time."""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from ui import run_inside_app
from explainer import exports, geometry
from ui.image_picker import image_picker
from ui.sidebar import advanced, controls, figure_height, font_size, intro, presentation
from ui.url_state import UrlState

run_inside_app()  # a cold deep link runs this file on its own: run it through app.py

VIEWS = {"window": "Sliding window", "channels": "Channels & filters", "receptive": "Receptive field",
         "lenet": "LeNet shapes", "pyramid": "Max-pool pyramid"}
SPEEDS = [0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0]
PICK_KEY = "geo_pick"          # the lecture-example chooser: a one-shot action, not a setting
FIGURE_KEY = "geo_fig"
IMAGE_KEY = "geo_img"
NO_TOOLBAR = {"displayModeBar": False}
MAIN_KEY = "geo_main"          # the container of the page's main figure (tests look for it)


# ---------------------------------------------------------------- settings (geometry.GeometrySettings)
#: field -> (URL and widget key, default, limits for the URL)
FIELDS = {
    "view": ("geo_view", "window", dict(choices=list(VIEWS))),
    "op": ("geo_op", "conv", dict(choices=list(geometry.OPERATIONS))),
    "height": ("geo_h", 5, dict(lo=1, hi=32)), "width": ("geo_w", 5, dict(lo=1, hi=32)),
    "kernel_h": ("geo_kh", 3, dict(lo=1, hi=9)), "kernel_w": ("geo_kw", 3, dict(lo=1, hi=9)),
    "padding_mode": ("geo_pad", "valid", dict(choices=list(geometry.PADDING_MODES))),
    "pad_h": ("geo_ph", 1, dict(lo=0, hi=8)), "pad_w": ("geo_pw", 1, dict(lo=0, hi=8)),
    "stride": ("geo_s", 1, dict(lo=0, hi=5)), "dilation": ("geo_d", 1, dict(lo=1, hi=4)),
    "output_padding": ("geo_opad", 0, dict(lo=0, hi=3)),
    "numbers": ("geo_num", True, {}), "input_values": ("geo_vals", "digits", dict(choices=list(geometry.INPUT_VALUES))),
    "kernel_values": ("geo_kvals", "edge", dict(choices=list(geometry.KERNEL_VALUES))),
    "fps": ("geo_fps", 3.0, dict(choices=SPEEDS)), "start": ("geo_pos", 0, dict(lo=0, hi=10_000)),
    "example": ("geo_ex", "first", dict(choices=list(geometry.EXAMPLES_BY_KEY))),
    "channels": ("geo_c", 3, dict(lo=1, hi=8)), "filters": ("geo_n", 1, dict(lo=1, hi=8)),
    "layers": ("geo_layers", 2, dict(lo=1, hi=4)), "rf_kernel": ("geo_rk", 3, dict(lo=2, hi=7)),
    "rf_stride": ("geo_rs", 1, dict(lo=1, hi=2)), "blow_up": ("geo_blow", False, {}),
}
KEYS = {field: key for field, (key, _, _) in FIELDS.items()}


def read_settings(url: UrlState) -> geometry.GeometrySettings:
    """Bind every setting to the URL (once per run) and read them, as the widgets left them."""
    state = st.session_state
    for key, default, limits in FIELDS.values():
        url.bind(key, default, **limits)
        state[key] = state[key]   # keep every setting alive while its widget is off screen (another view)
    return geometry.GeometrySettings(**{field: state[key] for field, key in KEYS.items()})


# ---------------------------------------------------------------- lecture examples
VIEW_EXAMPLES = {
    "rgb": ("channels", dict(height=12, width=12, kernel_h=5, kernel_w=5, channels=3, filters=1, op="conv",
                             padding_mode="valid", stride=1, dilation=1)),
    "walk": ("lenet", {}),
    "rf": ("receptive", dict(layers=2, rf_kernel=3, rf_stride=1)),
}
EXAMPLE_TITLES = {**{e.key: e.title for e in geometry.EXAMPLES}, "rgb": "RGB: 12×12×3 ∗ 5×5×3 → 8×8×1",
                  "walk": "LeNet walk: 32 → 28 → 14 → 10 → 5", "rf": "Two 3×3 layers see what one 5×5 sees"}


def apply_example() -> None:
    """Selectbox callback: load a lecture example into the controls (before the widgets are drawn)."""
    key = st.session_state.pop(PICK_KEY, None)
    if key in VIEW_EXAMPLES:
        view, values = VIEW_EXAMPLES[key]
        st.session_state.update({KEYS["view"]: view, **{KEYS[f]: v for f, v in values.items()}})
        return
    ex = geometry.EXAMPLES_BY_KEY.get(key)
    if ex is None:
        return
    s = ex.setting
    values = dict(view="window", op=s.op, height=s.size[0], width=s.size[1], kernel_h=s.kernel[0],
                  kernel_w=s.kernel[1], padding_mode=s.padding_mode, pad_h=s.padding[0], pad_w=s.padding[1],
                  stride=s.stride[0], dilation=s.dilation[0], output_padding=s.output_padding[0], start=0,
                  input_values=ex.values, kernel_values=ex.kernel_values, example=key, numbers=max(s.size) <= 8)
    st.session_state.update({KEYS[f]: v for f, v in values.items()})


# ---------------------------------------------------------------- cached computations
# Figures are built once per distinct input and shared by every session (cache_resource: st.plotly_chart
# only reads them; cache_data would unpickle, i.e. re-validate, a figure with ~200 frames on every hit).

@st.cache_data(max_entries=256, show_spinner=False)
def torch_check(setting: geometry.Setting) -> tuple[int, ...]:
    return geometry.torch_shape(geometry.plan(setting))


@st.cache_data(max_entries=8, show_spinner=False)
def pyramid(key: str, _rgb) -> list:
    return geometry.max_pool_pyramid(_rgb, 4)


def cell_values(setting: geometry.Setting, input_values: str, kernel_values: str):
    """The input and kernel values the page shows (``used`` names say whether the chosen ones fitted)."""
    x, used = geometry.cell_values(input_values, setting.size, seed=1)
    w, kused = geometry.cell_values(kernel_values, setting.kernel, seed=2, low=-1, high=2)
    return x, w, (used, kused) == (input_values, kernel_values)


@st.cache_resource(max_entries=64, show_spinner=False)
def window_fig(setting: geometry.Setting, input_values: str, kernel_values: str, numbers: bool, start: int,
               fps: float, font: int, max_height: int) -> go.Figure:
    x, w, _ = cell_values(setting, input_values, kernel_values)
    return geometry.geometry_figure(geometry.plan(setting), x, w, numbers=numbers, start=start, fps=fps,
                                    font_size=font, max_height=max_height)


@st.cache_resource(max_entries=32, show_spinner=False)
def channels_fig(setting: geometry.Setting, out: tuple[int, int], font: int) -> go.Figure:
    return geometry.channels_figure(setting.size, setting.kernel, setting.in_channels, setting.out_channels, out,
                                    font_size=font)


@st.cache_resource(max_entries=32, show_spinner=False)
def receptive_fig(layers: tuple[tuple[int, int, int], ...], font: int) -> go.Figure:
    return geometry.receptive_field_figure(list(layers), font_size=font)


@st.cache_resource(max_entries=2, show_spinner=False)
def lenet_fig(font: int) -> go.Figure:
    return geometry.lenet_figure(geometry.shape_walk(32, 3), font_size=font)


@st.cache_resource(max_entries=16, show_spinner=False)
def pyramid_fig(key: str, _levels: list, same_size: bool, font: int) -> go.Figure:
    return geometry.pyramid_figure(_levels, same_size=same_size, font_size=font)


# ---------------------------------------------------------------- controls
def geometry_controls(settings: geometry.GeometrySettings, op: str | None = None) -> geometry.Setting:
    """Operation, sizes, padding, stride, dilation: draw them; return the Setting they describe."""
    if op is None:
        st.selectbox("Operation", list(geometry.OPERATIONS), key=KEYS["op"], format_func=geometry.OPERATIONS.get)
    c = st.columns(2)
    c[0].number_input("Input height", 1, 32, key=KEYS["height"])
    c[1].number_input("Input width", 1, 32, key=KEYS["width"])
    c[0].number_input("Kernel height", 1, 9, key=KEYS["kernel_h"])
    c[1].number_input("Kernel width", 1, 9, key=KEYS["kernel_w"])
    st.radio("Padding", list(geometry.PADDING_MODES), key=KEYS["padding_mode"],
             format_func=geometry.PADDING_MODES.get, horizontal=True)
    if settings.padding_mode == "custom":
        c = st.columns(2)
        c[0].number_input("Pad top & bottom", 0, 8, key=KEYS["pad_h"])
        c[1].number_input("Pad left & right", 0, 8, key=KEYS["pad_w"])
    c = st.columns(2)
    c[0].number_input("Stride", 0, 5, key=KEYS["stride"], help="How many cells the window jumps each step.")
    c[1].number_input("Dilation", 1, 4, key=KEYS["dilation"], help="Gaps between kernel cells: 2 = every other cell.")
    return settings.layer(op)


def playback_controls(settings: geometry.GeometrySettings, n_steps: int, transposed: bool) -> int:
    """Numbers, start step, speed, cell values; returns the start step moved inside 0..n_steps-1."""
    start = min(settings.start, n_steps - 1)
    st.session_state[KEYS["start"]] = start
    st.toggle("Numbers", key=KEYS["numbers"], help="Show the values in the cells and the multiply-and-add.")
    if n_steps > 1:
        st.slider("Start at input cell" if transposed else "Start at output cell", 0, n_steps - 1,
                  key=KEYS["start"], help="Step number in reading order; ▶ Play under the figure animates from here.")
    st.select_slider("Playback speed (steps per second)", SPEEDS, key=KEYS["fps"], format_func=lambda v: f"{v:g}")
    with advanced("Cell values, output padding"):
        st.selectbox("Input values", list(geometry.INPUT_VALUES), key=KEYS["input_values"],
                     format_func=geometry.INPUT_VALUES.get)
        st.selectbox("Kernel values", list(geometry.KERNEL_VALUES), key=KEYS["kernel_values"],
                     format_func=geometry.KERNEL_VALUES.get)
        st.number_input("Output padding (transposed only)", 0, 3, key=KEYS["output_padding"])
    return start


# ---------------------------------------------------------------- drawing
def view_columns(panel, ratio: float):
    """(controls, figure) containers of a view: two columns; projected, the settings popover and the full width."""
    if panel is not None:
        return panel, st.container()
    left, right = st.columns([1, ratio], gap="medium")
    return left, right


def explain(p: geometry.Plan) -> None:
    """Why it can't run (if so), the nn line and torch's verdict, the formula with numbers, notes."""
    for msg in p.problems:
        st.error(msg)
    left, right = st.columns([3, 2])
    with left:
        st.code(geometry.torch_line(p), language="python", wrap_lines=True)
    with right:
        if p.ok:
            real = torch_check(p.setting)
            if real == geometry.expected_shape(p):
                st.success(f"torch agrees: {tuple(real)}")
            else:  # should never happen: the tests compare these over hundreds of random settings
                st.error(f"torch gives {real}, this page predicted {geometry.expected_shape(p)}")
        else:
            st.warning("Not a valid layer (see above).")
    st.markdown("**Output size** (n input cells, k kernel, p padding, s stride, d dilation)")
    for line in geometry.formula(p):
        st.latex(line)
    for msg in p.notes:
        st.info(msg)


def download_gif(setting: geometry.Setting, settings: geometry.GeometrySettings) -> None:
    """The animation as a GIF for slides, drawn only when the button is pressed; or why there is none."""
    try:
        geometry.animatable(setting)            # index arithmetic only: cheap on every rerun
    except exports.GifError as err:
        st.caption(f"No GIF of this one: {err}")
        return
    x, w, _ = cell_values(setting, settings.input_values, settings.kernel_values)
    numbers = None if settings.numbers else False     # numbers where the cells are big enough to read them
    fps = settings.fps

    def gif() -> bytes:   # runs outside the script when pressed (no st.* in here)
        return exports.padding_stride_gif(setting, x, w, fps=fps, numbers=numbers)

    (h, wd), (kh, kw) = setting.size, setting.kernel
    name = f"{setting.op}-{h}x{wd}-k{kh}x{kw}-s{setting.stride[0]}-{setting.padding_mode}.gif"
    st.download_button("Download the animation (GIF)", gif, file_name=name, mime="image/gif", on_click="ignore",
                       icon=":material/download:", help="Every step of the window, for a slide (loops).")


def sliding_window(settings: geometry.GeometrySettings, panel) -> None:
    left, right = view_columns(panel, 2.8)
    with left:
        setting = geometry_controls(settings)
    p = geometry.plan(setting)
    if not p.ok:
        with right:
            explain(p)
        return
    transposed = setting.op == "transposed"
    with left:
        start = playback_controls(settings, len(geometry.positions(p)), transposed)
    with right:
        fig = window_fig(setting, settings.input_values, settings.kernel_values, settings.numbers, start,
                         settings.fps, font_size(), figure_height(900, 570))
        st.container(key=MAIN_KEY).plotly_chart(fig, config=NO_TOOLBAR, key=FIGURE_KEY)
        if settings.numbers and not cell_values(setting, settings.input_values, settings.kernel_values)[2]:
            st.caption("The lecture's 5×5 / 3×3 values don't fit this size: small random integers instead.")
        ex = geometry.EXAMPLES_BY_KEY.get(settings.example)
        if ex and ex.setting == setting:
            st.info(f"**{ex.title}** — {ex.note}")
        if transposed:
            st.caption("Transposed convolution runs the arrows backwards: each input cell is multiplied by the "
                       "whole kernel and added into the output, stride cells apart; padding then crops the border.")
        download_gif(setting, settings)
        explain(p)


def channels(settings: geometry.GeometrySettings, panel) -> None:
    left, right = view_columns(panel, 2.8)
    with left:
        st.slider("Input channels C (3 = RGB)", 1, 8, key=KEYS["channels"])
        st.slider("Number of filters N", 1, 8, key=KEYS["filters"])
        setting = geometry_controls(settings, op="conv")
    p = geometry.plan(setting.with_(in_channels=settings.channels, out_channels=settings.filters))
    with right:
        channel_volumes(p)


def channel_volumes(p: geometry.Plan) -> None:
    if not p.ok:
        explain(p)
        return
    s = p.setting
    st.container(key=MAIN_KEY).plotly_chart(channels_fig(s, p.out, font_size()), config=NO_TOOLBAR)
    params = geometry.parameter_count(s.kernel, s.in_channels, s.out_channels)
    kh, kw = s.kernel
    st.markdown(f"Each filter is **{kh}×{kw}×{s.in_channels}**: it spans every input channel and gives **one** "
                f"feature map. {s.out_channels} filter{'s' if s.out_channels > 1 else ''} → {s.out_channels} "
                f"feature map{'s' if s.out_channels > 1 else ''}. Parameters: {s.out_channels} × ({kh}·{kw}·"
                f"{s.in_channels} weights + 1 bias) = **{params}**.")
    explain(p)


def receptive(settings: geometry.GeometrySettings, panel) -> None:
    c = st.columns(3) if panel is None else [panel] * 3
    c[0].slider("Layers", 1, 4, key=KEYS["layers"])
    c[1].slider("Kernel size", 2, 7, key=KEYS["rf_kernel"])
    c[2].slider("Stride", 1, 2, key=KEYS["rf_stride"])
    k = settings.rf_kernel
    layers = ((k, settings.rf_stride, 1),) * settings.layers
    st.container(key=MAIN_KEY).plotly_chart(receptive_fig(layers, font_size()), config=NO_TOOLBAR)
    reach = geometry.receptive_field(list(layers))
    steps = " → ".join(str(r.size) for r in reach)
    st.markdown(f"Receptive field after each layer: **{steps}** (each layer adds (k − 1) × jump; the jump "
                f"multiplies by the stride). Two 3×3 layers see as far as one 5×5 but have "
                f"{2 * 9} weights instead of 25 per channel pair, and a non-linearity in between: the VGG idea. "
                f"Here: {len(layers)} × {k}×{k} = {len(layers) * k * k} weights "
                f"vs one {reach[-1].size}×{reach[-1].size} = {reach[-1].size ** 2}.")


def lenet(settings: geometry.GeometrySettings, panel) -> None:
    stages = geometry.shape_walk(32, 3)
    st.container(key=MAIN_KEY).plotly_chart(lenet_fig(font_size()), config=NO_TOOLBAR)
    c, h, w = stages[-1].shape
    st.markdown("The lecture's network on a 32×32 RGB image, without padding: "
                + " → ".join(f"**{s.shape[1]}×{s.shape[2]}×{s.shape[0]}**" for s in stages)
                + f". The classifier then flattens {c}·{h}·{w} = {c * h * w} numbers.")
    st.code("\n".join(s.line for s in stages[1:]), language="python")


def pyramid_view(settings: geometry.GeometrySettings, panel, url: UrlState) -> None:
    c = st.columns([3, 1]) if panel is None else [panel] * 2
    with c[0]:
        picked = image_picker(IMAGE_KEY, url, label="Photo", max_side=256)
    c[1].toggle("Blow every level up to the same size", key=KEYS["blow_up"])
    levels = pyramid(picked.key, picked.rgb)
    st.container(key=MAIN_KEY).plotly_chart(pyramid_fig(picked.key, levels, settings.blow_up, font_size()),
                                            config=NO_TOOLBAR)
    st.caption(f"{picked.caption}. Each level is `F.max_pool2d(x, 2)` of the one before: every 2×2 block keeps "
               "its largest value, so the image halves; shapes survive, fine texture goes.")


# ---------------------------------------------------------------- the page
st.title("Padding, stride & pooling")
intro("How big is the **feature map**? Slide the **kernel** over the input and count: "
      "**padding** adds a border of zeros, **stride** is how far the window jumps, **dilation** "
      "spreads the kernel out, **pooling** keeps one number per window.")
url = UrlState()
settings = read_settings(url)
if presentation():   # the figure right under the title: examples in a compact row, the rest behind one button
    pick_box, more = st.columns([1.4, 1], vertical_alignment="bottom")
    with more:
        panel = view_box = controls("View & layer settings")
else:
    panel = None
    pick_box, view_box = st.columns([2, 3])
pick_box.selectbox("Lecture examples", list(EXAMPLE_TITLES), index=None, key=PICK_KEY, on_change=apply_example,
                   format_func=EXAMPLE_TITLES.get, placeholder="Load one of the lecture's examples…",
                   label_visibility="collapsed" if panel else "visible")
view_box.radio("View", list(VIEWS), key=KEYS["view"], format_func=VIEWS.get, horizontal=panel is None)

if settings.view == "pyramid":
    pyramid_view(settings, panel, url)
else:
    {"window": sliding_window, "channels": channels, "receptive": receptive, "lenet": lenet}[settings.view](
        settings, panel)
url.write()
