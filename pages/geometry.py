"""Padding, stride, dilation, pooling and transposed convolution, one cell at a time."""
import streamlit as st

import ui  # noqa: F401  (first import routes a deep link through app.py)
from explainer.geometry import arithmetic
from explainer.geometry import torch_layers
from explainer.geometry import stacks
from explainer.geometry.examples import EXAMPLES, EXAMPLES_BY_KEY, INPUT_VALUES, KERNEL_VALUES, cell_values
from explainer.geometry.figures import geometry_figure
from explainer.geometry.volumes import channels_figure, lenet_figure, pyramid_figure, receptive_field_figure
from ui.image_picker import image_picker
from ui.sidebar import advanced, font_size, presentation
from ui.url_state import UrlState

VIEWS = {"window": "Sliding window", "channels": "Channels & filters", "receptive": "Receptive field",
         "lenet": "LeNet shapes", "pyramid": "Max-pool pyramid"}
VIEW_EXAMPLES = {
    "rgb": ("channels", dict(h=12, w=12, kh=5, kw=5, c=3, n=1, op="conv", pad="valid", s=1, d=1)),
    "walk": ("lenet", {}),
    "rf": ("receptive", dict(layers=2, rk=3, rs=1)),
}
EXAMPLE_TITLES = {**{e.key: e.title for e in EXAMPLES}, "rgb": "RGB: 12×12×3 ∗ 5×5×3 → 8×8×1",
                  "walk": "LeNet walk: 32 → 28 → 14 → 10 → 5", "rf": "Two 3×3 layers see what one 5×5 sees"}
SPEEDS = [0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0]
K = "geo_"  # session-state / URL prefix of this page


@st.cache_data(max_entries=256, show_spinner=False)
def torch_check(setting: arithmetic.Setting) -> tuple[int, ...]:
    return torch_layers.torch_shape(arithmetic.plan(setting))


@st.cache_data(max_entries=8, show_spinner=False)
def pyramid(key: str, _rgb) -> list:
    return stacks.max_pool_pyramid(_rgb, 4)


def apply_example() -> None:
    """Selectbox callback: load a lecture example into the controls (before the widgets are drawn)."""
    key = st.session_state.pop(K + "pick", None)
    if key in VIEW_EXAMPLES:
        view, values = VIEW_EXAMPLES[key]
        st.session_state.update({K + "view": view, **{K + k: v for k, v in values.items()}})
        return
    ex = EXAMPLES_BY_KEY.get(key)
    if ex is None:
        return
    s = ex.setting
    st.session_state.update({
        K + "view": "window", K + "op": s.op, K + "h": s.size[0], K + "w": s.size[1], K + "kh": s.kernel[0],
        K + "kw": s.kernel[1], K + "pad": s.padding_mode, K + "ph": s.padding[0], K + "pw": s.padding[1],
        K + "s": s.stride[0], K + "d": s.dilation[0], K + "opad": s.output_padding[0], K + "pos": 0,
        K + "vals": ex.values, K + "kvals": ex.kernel_values, K + "ex": key, K + "num": max(s.size) <= 8,
    })


url = UrlState()
b = {name: url.bind(K + name, default, **kw) for name, default, kw in [
    ("view", "window", dict(choices=list(VIEWS))), ("op", "conv", dict(choices=list(arithmetic.OPERATIONS))),
    ("h", 5, dict(lo=1, hi=32)), ("w", 5, dict(lo=1, hi=32)), ("kh", 3, dict(lo=1, hi=9)), ("kw", 3, dict(lo=1, hi=9)),
    ("pad", "valid", dict(choices=list(arithmetic.PADDING_MODES))), ("ph", 1, dict(lo=0, hi=8)), ("pw", 1, dict(lo=0, hi=8)),
    ("s", 1, dict(lo=0, hi=5)), ("d", 1, dict(lo=1, hi=4)), ("opad", 0, dict(lo=0, hi=3)),
    ("num", True, {}), ("vals", "digits", dict(choices=list(INPUT_VALUES))),
    ("kvals", "edge", dict(choices=list(KERNEL_VALUES))), ("fps", 3.0, dict(choices=SPEEDS)),
    ("pos", 0, dict(lo=0, hi=10_000)), ("ex", "first", dict(choices=list(EXAMPLES_BY_KEY))),
    ("c", 3, dict(lo=1, hi=8)), ("n", 1, dict(lo=1, hi=8)), ("layers", 2, dict(lo=1, hi=4)),
    ("rk", 3, dict(lo=2, hi=7)), ("rs", 1, dict(lo=1, hi=2)), ("blow", False, {}),
]}
for key in b.values():  # keep every setting alive while its widget is off screen (another view)
    st.session_state[key] = st.session_state[key]
present, fs = presentation(), font_size()

st.title("Padding, stride & pooling")
st.markdown("How big is the **feature map**? Slide the **kernel** over the input and count: "
            "**padding** adds a border of zeros, **stride** is how far the window jumps, **dilation** "
            "spreads the kernel out, **pooling** keeps one number per window.")

top = st.columns([2, 3])
top[0].selectbox("Lecture examples", list(EXAMPLE_TITLES), index=None, key=K + "pick", on_change=apply_example,
                 format_func=EXAMPLE_TITLES.get, placeholder="Load one of the lecture's examples…")
top[1].radio("View", list(VIEWS), key=b["view"], format_func=VIEWS.get, horizontal=True)
view = st.session_state[b["view"]]


def geometry_controls(op: str | None = None) -> arithmetic.Setting:
    """Operation, sizes, padding, stride, dilation: the Setting they describe (checked later)."""
    if op is None:
        st.selectbox("Operation", list(arithmetic.OPERATIONS), key=b["op"], format_func=arithmetic.OPERATIONS.get)
    c = st.columns(2)
    c[0].number_input("Input height", 1, 32, key=b["h"])
    c[1].number_input("Input width", 1, 32, key=b["w"])
    c[0].number_input("Kernel height", 1, 9, key=b["kh"])
    c[1].number_input("Kernel width", 1, 9, key=b["kw"])
    st.radio("Padding", list(arithmetic.PADDING_MODES), key=b["pad"], format_func=arithmetic.PADDING_MODES.get, horizontal=True)
    custom = st.session_state[b["pad"]] == "custom"
    if custom:
        c = st.columns(2)
        c[0].number_input("Pad top & bottom", 0, 8, key=b["ph"])
        c[1].number_input("Pad left & right", 0, 8, key=b["pw"])
    c = st.columns(2)
    c[0].number_input("Stride", 0, 5, key=b["s"], help="How many cells the window jumps each step.")
    c[1].number_input("Dilation", 1, 4, key=b["d"], help="Gaps between kernel cells: 2 = every other cell.")
    ss = st.session_state
    op = op or ss[b["op"]]
    return arithmetic.Setting(op=op, size=(ss[b["h"]], ss[b["w"]]), kernel=(ss[b["kh"]], ss[b["kw"]]),
                     stride=(ss[b["s"]],) * 2, dilation=(ss[b["d"]],) * 2, padding_mode=ss[b["pad"]],
                     padding=(ss[b["ph"]], ss[b["pw"]]) if custom else (0, 0),
                     output_padding=(ss[b["opad"]],) * 2 if op == "transposed" else (0, 0))


def explain(p: arithmetic.Plan) -> None:
    """Why it can't run (if so), the nn line and torch's verdict, the formula with numbers, notes."""
    for msg in p.problems:
        st.error(msg)
    left, right = st.columns([3, 2])
    with left:
        st.code(torch_layers.torch_line(p), language="python", wrap_lines=True)
    with right:
        if p.ok:
            real = torch_check(p.setting)
            if real == torch_layers.expected_shape(p):
                st.success(f"torch agrees: {tuple(real)}")
            else:  # should never happen: the tests compare these over hundreds of random settings
                st.error(f"torch gives {real}, this page predicted {torch_layers.expected_shape(p)}")
        else:
            st.warning("Not a valid layer (see above).")
    st.markdown("**Output size** (n input cells, k kernel, p padding, s stride, d dilation)")
    for line in arithmetic.formula(p):
        st.latex(line)
    for msg in p.notes:
        st.info(msg)


def playback_controls(n_steps: int, transposed: bool) -> None:
    ss = st.session_state
    ss[b["pos"]] = min(ss[b["pos"]], n_steps - 1)
    st.toggle("Numbers", key=b["num"], help="Show the values in the cells and the multiply-and-add.")
    if n_steps > 1:
        st.slider("Start at input cell" if transposed else "Start at output cell", 0, n_steps - 1, key=b["pos"],
                  help="Step number in reading order; ▶ Play under the figure animates from here.")
    st.select_slider("Playback speed (steps per second)", SPEEDS, key=b["fps"], format_func=lambda v: f"{v:g}")
    with advanced("Cell values, output padding"):
        st.selectbox("Input values", list(INPUT_VALUES), key=b["vals"], format_func=INPUT_VALUES.get)
        st.selectbox("Kernel values", list(KERNEL_VALUES), key=b["kvals"], format_func=KERNEL_VALUES.get)
        st.number_input("Output padding (transposed only)", 0, 3, key=b["opad"])


def sliding_window() -> None:
    left, right = st.columns([1, 3.4 if present else 2.8], gap="medium")
    with left:
        setting = geometry_controls()
    p = arithmetic.plan(setting)
    if not p.ok:
        with right:
            explain(p)
        return
    transposed = setting.op == "transposed"
    with left:
        playback_controls(len(arithmetic.positions(p)), transposed)
    ss = st.session_state
    x, used = cell_values(ss[b["vals"]], setting.size, seed=1)
    w, kused = cell_values(ss[b["kvals"]], setting.kernel, seed=2, low=-1, high=2)
    with right:
        fig = geometry_figure(p, x, w, numbers=ss[b["num"]], start=ss[b["pos"]], fps=ss[b["fps"]], font_size=fs)
        st.plotly_chart(fig, config={"displayModeBar": False}, key=K + "fig")
        if ss[b["num"]] and (used, kused) != (ss[b["vals"]], ss[b["kvals"]]):
            st.caption("The lecture's 5×5 / 3×3 values don't fit this size: small random integers instead.")
        ex = EXAMPLES_BY_KEY.get(ss[b["ex"]])
        if ex and ex.setting == setting:
            st.info(f"**{ex.title}** — {ex.note}")
        if transposed:
            st.caption("Transposed convolution runs the arrows backwards: each input cell is multiplied by the "
                       "whole kernel and added into the output, stride cells apart; padding then crops the border.")
        explain(p)


def channels() -> None:
    left, right = st.columns([1, 2.8], gap="medium")
    with left:
        st.slider("Input channels C (3 = RGB)", 1, 8, key=b["c"])
        st.slider("Number of filters N", 1, 8, key=b["n"])
        setting = geometry_controls(op="conv")
    ss = st.session_state
    p = arithmetic.plan(setting.with_(in_channels=ss[b["c"]], out_channels=ss[b["n"]]))
    with right:
        channel_volumes(p)


def channel_volumes(p: arithmetic.Plan) -> None:
    if not p.ok:
        explain(p)
        return
    s = p.setting
    st.plotly_chart(channels_figure(s.size, s.kernel, s.in_channels, s.out_channels, p.out, font_size=fs),
                    config={"displayModeBar": False})
    params = arithmetic.parameter_count(s.kernel, s.in_channels, s.out_channels)
    kh, kw = s.kernel
    st.markdown(f"Each filter is **{kh}×{kw}×{s.in_channels}**: it spans every input channel and gives **one** "
                f"feature map. {s.out_channels} filter{'s' if s.out_channels > 1 else ''} → {s.out_channels} "
                f"feature map{'s' if s.out_channels > 1 else ''}. Parameters: {s.out_channels} × ({kh}·{kw}·"
                f"{s.in_channels} weights + 1 bias) = **{params}**.")
    explain(p)


def receptive() -> None:
    c = st.columns(3)
    c[0].slider("Layers", 1, 4, key=b["layers"])
    c[1].slider("Kernel size", 2, 7, key=b["rk"])
    c[2].slider("Stride", 1, 2, key=b["rs"])
    ss = st.session_state
    layers = [(ss[b["rk"]], ss[b["rs"]], 1)] * ss[b["layers"]]
    st.plotly_chart(receptive_field_figure(layers, font_size=fs),
                    config={"displayModeBar": False})
    reach = stacks.receptive_field(layers)
    steps = " → ".join(str(r.size) for r in reach)
    k = ss[b["rk"]]
    st.markdown(f"Receptive field after each layer: **{steps}** (each layer adds (k − 1) × jump; the jump "
                f"multiplies by the stride). Two 3×3 layers see as far as one 5×5 but have "
                f"{2 * 9} weights instead of 25 per channel pair, and a non-linearity in between: the VGG idea. "
                f"Here: {len(layers)} × {k}×{k} = {len(layers) * k * k} weights "
                f"vs one {reach[-1].size}×{reach[-1].size} = {reach[-1].size ** 2}.")


def lenet() -> None:
    stages = stacks.shape_walk(32, 3)
    st.plotly_chart(lenet_figure(stages, font_size=fs), config={"displayModeBar": False})
    st.markdown("The lecture's network on a 32×32 RGB image, without padding: "
                + " → ".join(f"**{s.shape[1]}×{s.shape[2]}×{s.shape[0]}**" for s in stages)
                + f". The classifier then flattens {stages[-1].shape[0]}·{stages[-1].shape[1]}·{stages[-1].shape[2]}"
                f" = {stages[-1].shape[0] * stages[-1].shape[1] * stages[-1].shape[2]} numbers.")
    st.code("\n".join(s.line for s in stages[1:]), language="python")


def max_pool_pyramid() -> None:
    c = st.columns([3, 1])
    with c[0]:
        picked = image_picker(K + "img", url, label="Photo", max_side=256)
    c[1].toggle("Blow every level up to the same size", key=b["blow"])
    levels = pyramid(picked.key, picked.rgb)
    st.plotly_chart(pyramid_figure(levels, same_size=st.session_state[b["blow"]], font_size=fs),
                    config={"displayModeBar": False})
    st.caption(f"{picked.caption}. Each level is `F.max_pool2d(x, 2)` of the one before: every 2×2 block keeps "
               "its largest value, so the image halves; shapes survive, fine texture goes.")


if view == "window":
    sliding_window()
elif view == "channels":
    channels()
elif view == "receptive":
    receptive()
elif view == "lenet":
    lenet()
else:
    max_pool_pyramid()
url.write()
