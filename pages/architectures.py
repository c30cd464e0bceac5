"""Architectures: from LeNet to ResNet, each step of the story as numbers and live experiments."""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from ui import run_inside_app
from explainer import architectures as arch
from explainer import features
from explainer.architectures import figures
from explainer.mnist.training import training_threads
from ui import keys
from ui.job_panel import JobPanel, ProgressLine
from ui.mnist_widgets import data_banner, digits
from ui.sidebar import controls, figure_height, font_size, intro, presentation
from ui.url_state import UrlState

run_inside_app()  # a cold deep link runs this file on its own: run it through app.py

PLOT_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
FEATURE_MAP_MODELS = {"vgg16": "VGG16", "vgg19": "VGG19", "resnet18": "ResNet18", "resnet50": "ResNet50"}
TRANSFORMERS = {"vit", "swin", "swin_v2", "maxvit"}
STEPS = 300
KERNELS = [1, 3, 5, 7, 9, 11]


@dataclass(frozen=True)
class Settings:
    """Everything this page's URL holds."""

    model: str = "resnet50"
    stack_channels: int = 256
    stack_depth: int = 2
    inc_side: int = 28
    inc_c_in: int = 192
    inc_n1: int = 64
    inc_r3: int = 96
    inc_n3: int = 128
    inc_r5: int = 16
    inc_n5: int = 32
    inc_pool: int = 32
    dw_k: int = 3
    dw_c_in: int = 32
    dw_c_out: int = 64
    dw_side: int = 112
    depth: int = 20
    activation: str = "relu"
    batch_norm: bool = False
    dropout: float = 0.0


LIMITS = {"stack_channels": (1, 2048), "stack_depth": (1, 5), "inc_side": (1, 224), 
          "dw_side": (1, 512), "depth": (6, 50), "dropout": (0.0, 0.5)}
CHANNEL_FIELDS = ("inc_c_in", "inc_n1", "inc_r3", "inc_n3", "inc_r5", "inc_n5", "inc_pool", "dw_c_in", "dw_c_out")


def bind_settings(url: UrlState) -> Settings:
    """Seed every setting from the URL (ignoring values out of range) and read them back."""
    defaults = Settings()
    choices = {"model": arch.model_names(), "activation": list(arch.ACTIVATIONS), "dw_k": KERNELS}
    for name in Settings.__dataclass_fields__:
        default = getattr(defaults, name)
        if name in choices:
            url.bind(key(name), default, choices=choices[name])
            if st.session_state[key(name)] not in choices[name]:
                st.session_state[key(name)] = default
        else:
            lo, hi = LIMITS.get(name, (1, 1024) if name in CHANNEL_FIELDS else (None, None))
            url.bind(key(name), default, lo=lo, hi=hi)
    return Settings(**{name: st.session_state[key(name)] for name in Settings.__dataclass_fields__})


def key(name: str) -> str:
    """Session-state and URL key of a setting: prefixed, because session state is shared by all pages."""
    return f"ar_{name}"


# ---------------------------------------------------------------- cached computations
@st.cache_resource(max_entries=24, show_spinner="Building the network on the meta device (no weights)…")
def layer_table(model: str) -> arch.LayerTable:
    return arch.default_layer_table(model)


@st.cache_data(show_spinner=False)
def catalogue_frame() -> pd.DataFrame:
    return pd.DataFrame([{"year": e.year, "network": e.model, "weights": e.weights,
                          "family": arch.FAMILIES[e.family].label, "parameters (M)": round(e.params / 1e6, 2),
                          "GFLOPs": e.gflops, "top-1 %": e.top1, "top-5 %": e.top5,
                          "input px": e.input_size, "default": e.is_default} for e in arch.catalogue()])


# Figures are cached as shared objects (cache_resource): st.plotly_chart only reads them, and
# unpickling a copy on every rerun (cache_data) would cost more than drawing the rest of the page.
@st.cache_resource(max_entries=16, show_spinner=False)
def tradeoff(highlight: str, fs: int, height: int):
    entries = [e for e in arch.catalogue() if e.top1 is not None]
    return figures.tradeoff_figure(entries, font_size=fs, highlight=highlight, height=height)


@st.cache_resource(max_entries=32, show_spinner=False)
def inception_diagram(widths: tuple[int, ...], reduced: bool, fs: int, height: int):
    side, c_in, n1, r3, n3, r5, n5, pool = widths
    spec = arch.InceptionSpec(height=side, width=side, c_in=c_in, n1=n1, r3=r3, n3=n3, r5=r5, n5=n5, pool_proj=pool)
    return figures.inception_figure(spec, reduced=reduced, font_size=fs, height=height)


@st.cache_data(max_entries=24, show_spinner=False)
def layer_frame(model: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    table = layer_table(model)
    rows = features.layer_table_frame(table.rows, image_side=table.input_shape[-1])
    stages = pd.DataFrame([{"stage": s.index + 1, "output size": s.resolution, "layers": s.layers,
                            "channels at the end": s.channels, "parameters": s.params,
                            "receptive field at the end": None if s.rf is None else f"{s.rf:.0f} px"}
                           for s in table.stages])
    return rows, stages


# ---------------------------------------------------------------- sections
def timeline_section(s: Settings, fs: int) -> None:
    entries = [e for e in arch.catalogue() if e.top1 is not None]
    # The picture first: projected at 1280x720 it fits under the title and the tabs, unscrolled.
    st.plotly_chart(tradeoff(s.model, fs, figure_height(560, 570)), config=PLOT_CONFIG, key="tradeoff")
    st.markdown(
        f"**{len(arch.model_names())} networks, {len(entries)} trained versions**: every ImageNet classifier "
        "torchvision can build. Parameters, GFLOPs (multiply-adds per image, in billions) and accuracy are read "
        "from each weights enum's `meta` (works offline, nothing downloaded); the year is the paper's. "
        "Up and to the left is better: more images right for less computation.")
    pairs = arch.recipe_pairs()
    rn = next(((a, b) for a, b in pairs if a.model == "resnet50"), None)
    if rn:
        st.markdown(
            f"**Same architecture, better training.** ResNet-50 {rn[0].weights}: {rn[0].top1:.1f} % top-1; "
            f"{rn[1].weights}: {rn[1].top1:.1f} %, with the same {rn[0].params / 1e6:.1f} M weights and "
            f"{rn[0].gflops:.1f} GFLOPs. The training recipe (longer training, stronger augmentation, label "
            f"smoothing, …), not the architecture, made the {rn[1].top1 - rn[0].top1:.1f}-point difference; "
            f"{len(pairs)} networks here have such a pair.")
    left, right = st.columns([2, 1], gap="large")
    left.dataframe(catalogue_frame(), hide_index=True, height=380, width="stretch")
    right.markdown("**The lecture's table** (Xception paper) beside torchvision's numbers:")
    right.dataframe(lecture_frame(), hide_index=True, width="stretch")
    right.caption("Xception is not in torchvision. torchvision's numbers are its own re-trainings "
                  "(single 224/299 px crop), so they differ a little from the papers'.")


def lecture_frame() -> pd.DataFrame:
    rows = []
    for row in arch.LECTURE_TABLE:
        tv = arch.default_entry(row.torchvision) if row.torchvision else None
        v1 = next((e for e in arch.catalogue() if tv and e.model == tv.model and e.weights == "IMAGENET1K_V1"), None)
        rows.append({"network": row.model, "lecture top-1": row.top1, "lecture top-5": row.top5,
                     "torchvision V1 top-1": v1.top1 / 100 if v1 else None,
                     "torchvision V1 top-5": v1.top5 / 100 if v1 else None,
                     "in torchvision": "yes" if tv else "no"})
    return pd.DataFrame(rows)


def layers_section(s: Settings, url_key: str) -> None:
    names = arch.model_names()
    st.selectbox("Network", names, key=url_key,
                 format_func=lambda m: f"{m} — {arch.FAMILIES[arch.family_of(m)].label}, "
                                       f"{arch.FAMILIES[arch.family_of(m)].year}")
    entry = arch.default_entry(s.model)
    family = arch.FAMILIES[entry.family]
    try:
        table = layer_table(s.model)
    except arch.NotBuildable as err:
        st.warning(str(err))
        return
    rows, stages = layer_frame(s.model)
    st.markdown(
        f"**{s.model}** ({family.label}, {family.paper} {family.year}: {family.idea}). Built with "
        f"`weights=None` on the **meta** device: shapes without a byte of weights. **{table.total_params:,}** "
        f"parameters (sum of `p.numel()`; the weights' metadata says {entry.params:,}), {len(rows)} layers, "
        f"for a {entry.input_size}×{entry.input_size} input.")
    if entry.family not in TRANSFORMERS:
        st.dataframe(stages, hide_index=True, width="stretch")
        st.caption("A stage = consecutive layers with the same output size; each stride-2 layer or pooling "
                   "starts the next one, halving the map and usually doubling the channels.")
    else:
        st.caption("A transformer keeps one grid of patches (tokens) throughout, so stages by feature-map "
                   "size do not apply; the table lists its operations in order.")
    st.dataframe(rows, hide_index=True, height=figure_height(400, 420), width="stretch")
    if s.model in FEATURE_MAP_MODELS:
        st.page_link("pages/feature_maps.py", label=f"See {FEATURE_MAP_MODELS[s.model]}'s feature maps on a photo",
                     icon=":material/layers:", query_params={"model": FEATURE_MAP_MODELS[s.model]})


def vgg_section(s: Settings) -> None:
    configs = arch.configurations()
    summaries = [arch.summarise(n, layers) for n, layers in configs.items()]
    cols = arch.table_columns()
    depth = max(len(c) for c in cols.values())
    st.markdown("VGG's Table 1, from torchvision's own configuration lists (C, not in torchvision, from the "
                "paper: B plus a 1×1 convolution in each of the last three blocks). Only 3×3 filters; "
                "the parameters are counted here with k²·C_in·C_out + C_out per layer.")
    frame = pd.DataFrame({f"{n} ({x.weight_layers} weight layers)": col + [""] * (depth - len(col))
                          for (n, col), x in zip(cols.items(), summaries)})
    st.dataframe(frame, hide_index=True, height=min(36 * depth, 560), width="stretch")
    st.dataframe(pd.DataFrame([{"configuration": x.name, "weight layers": x.weight_layers,
                                "parameters": f"{x.params:,}", "millions (computed)": round(x.params / 1e6),
                                "paper": arch.PAPER_MILLIONS[x.name], "conv part": f"{x.conv_params:,}",
                                "3 FC layers": f"{x.fc_params:,}", "source": x.source} for x in summaries]),
                 hide_index=True, width="stretch")
    st.markdown("#### Why 3×3?")
    with controls("Channels and depth"):
        a, b = st.columns(2)
        a.slider("Channels C (in = out)", 1, 1024, key=key("stack_channels"))
        b.slider("Stacked 3×3 layers", 1, 5, key=key("stack_depth"))
    cost = arch.StackCost(channels=s.stack_channels, depth=s.stack_depth)
    m = st.columns(3)
    m[0].metric("Receptive field", f"{cost.field}×{cost.field}")
    m[1].metric(f"{cost.depth} stacked 3×3", f"{cost.stacked_weights:,}", help="depth · 9 · C² weights")
    m[2].metric(f"one {cost.field}×{cost.field}", f"{cost.single_weights:,}",
                delta=f"−{cost.saving:.0%} with the stack", delta_color="off")
    st.markdown(f"{cost.depth} stacked 3×3 layers see a {cost.field}×{cost.field} patch with "
                f"{cost.depth}·9·C² = **{9 * cost.depth}C²** weights; one {cost.field}×{cost.field} layer needs "
                f"{cost.field}²·C² = **{cost.field ** 2}C²**, and the stack puts {cost.depth} non-linearities "
                f"(ReLU) where the single layer has 1.")


def inception_section(s: Settings, fs: int) -> None:
    st.markdown("GoogLeNet's module: four branches read the same input and their outputs are concatenated. "
                "The 1×1 **reductions** shrink the channels before the expensive 3×3 and 5×5 filters. "
                "Defaults: module 3a of GoogLeNet.")
    labels = [("inc_side", "H = W"), ("inc_c_in", "C_in"), ("inc_n1", "1×1"), ("inc_r3", "3×3 reduce"),
              ("inc_n3", "3×3"), ("inc_r5", "5×5 reduce"), ("inc_n5", "5×5"), ("inc_pool", "pool proj")]
    with controls("Module sizes"):
        for col, (name, label) in zip(st.columns(len(labels)), labels):
            col.number_input(label, 1, 224 if name == "inc_side" else 1024, key=key(name))
    widths = (s.inc_side, s.inc_c_in, s.inc_n1, s.inc_r3, s.inc_n3, s.inc_r5, s.inc_n5, s.inc_pool)
    spec = arch.InceptionSpec(height=s.inc_side, width=s.inc_side, c_in=s.inc_c_in, n1=s.inc_n1, r3=s.inc_r3,
                              n3=s.inc_n3, r5=s.inc_r5, n5=s.inc_n5, pool_proj=s.inc_pool)
    naive, reduced = arch.cost(spec, reduced=False), arch.cost(spec, reduced=True)
    st.markdown(f"The reductions save **{1 - reduced.mult_adds / naive.mult_adds:.0%}** of the multiply-adds.")
    left, right = st.columns(2)
    for col, what, value, is_reduced in ((left, "naive", naive, False), (right, "with 1×1 reductions", reduced, True)):
        col.plotly_chart(inception_diagram(widths, is_reduced, fs, figure_height(420, 360)), config=PLOT_CONFIG,
                         key=f"inception_{is_reduced}")
        col.markdown(f"**{what}**: {value.params:,} parameters, **{value.mult_adds / 1e6:,.1f} M** multiply-adds, "
                     f"{value.out_channels} output channels. " + " + ".join(
                         f"{x.k}²·{x.c_in}·{x.c_out}" for x in arch.convolutions(spec, reduced=is_reduced))
                     + f" weights, each used at {spec.height}·{spec.width} positions.")


def depthwise_section(s: Settings) -> None:
    with controls("Layer sizes"):
        c = st.columns(4)
        c[0].select_slider("Kernel k", KERNELS, key=key("dw_k"))
        c[1].number_input("C_in", 1, 1024, key=key("dw_c_in"))
        c[2].number_input("C_out", 1, 1024, key=key("dw_c_out"))
        c[3].number_input("H = W", 1, 512, key=key("dw_side"))
    x = arch.SeparableCost(k=s.dw_k, c_in=s.dw_c_in, c_out=s.dw_c_out, height=s.dw_side, width=s.dw_side)
    m = st.columns(3)
    m[0].metric("standard conv", f"{x.standard_params:,} weights", f"{x.standard_mult_adds / 1e6:,.1f} M mult-adds",
                delta_color="off")
    m[1].metric("depthwise + pointwise", f"{x.separable_params:,} weights",
                f"{x.separable_mult_adds / 1e6:,.1f} M mult-adds", delta_color="off")
    m[2].metric("ratio", f"{x.ratio:.3f}", f"{1 / x.ratio:.1f}× cheaper", delta_color="off")
    st.markdown(
        f"A standard {x.k}×{x.k} convolution mixes space and channels at once: k²·C_in·C_out = "
        f"{x.k}²·{x.c_in}·{x.c_out} = {x.standard_params:,} weights. The separable one splits it in two steps: "
        f"**depthwise**, one {x.k}×{x.k} filter per channel (k²·C_in = {x.depthwise_params:,}; the kernel "
        f"playground's *per-channel* mode is exactly this half), then **pointwise**, a 1×1 convolution that "
        f"mixes the channels (C_in·C_out = {x.pointwise_params:,}). Both are used at all {x.positions:,} "
        f"positions, so the ratio is the same for weights and multiply-adds: **1/C_out + 1/k² = 1/{x.c_out} + "
        f"1/{x.k ** 2} = {x.ratio:.3f}**. Xception (Inception with separable convolutions) beats Inception v3 "
        "with about as many parameters; MobileNet uses them to run on a phone.")


# ---------------------------------------------------------------- live experiments
def race_progress(job, context) -> ProgressLine | None:
    event = job.latest
    if isinstance(event, arch.Raced):
        return ProgressLine(fraction=event.step / event.total_steps, eta_s=event.eta_s,
                            text=f"step {event.step:,} / {event.total_steps:,}")
    if isinstance(event, arch.Gradients):
        return ProgressLine(fraction=0.0, text="gradients at initialisation measured; training…")
    return None


def shortcut_section(s: Settings, fs: int, data) -> None:
    st.markdown("ResNet's claim: **shortcuts** (a block adds its input to its output) let gradients reach "
                "the first layers of a very deep network. Two stacks of the same depth and the same starting "
                f"weights, {arch.StackSpec.width} channels wide, on {data.name}: *plain* "
                "h ← act(conv(h)), *residual* h ← h + act(conv(h)).")
    c = st.columns([3, 1.3])
    with c[0], controls("Depth, activation, BatchNorm"):
        d = st.columns([2, 1.2, 1])
        d[0].slider("Depth (weight layers)", 6, 50, key=key("depth"))
        d[1].radio("Activation", list(arch.ACTIVATIONS), key=key("activation"), horizontal=True)
        d[2].toggle("BatchNorm", key=key("batch_norm"),
                    help="Normalise each layer's output over the batch (Ioffe & Szegedy 2015).")
    spec = arch.StackSpec(depth=s.depth, activation=s.activation, batch_norm=s.batch_norm)
    panel = JobPanel(keys.ARCH_SHORTCUT_JOB, what="experiment")
    panel.start_button("Run the experiment", lambda: arch.shortcut_events(data, spec, steps=STEPS,
                                                                          threads=training_threads()),
                       context={"spec": spec, "log": arch.RaceLog()}, where=c[1], icon=":material/play_arrow:")
    panel.show(race_progress, lambda job, ctx: draw_shortcut(job, ctx, fs),
               idle=f"Press **Run the experiment**: first the gradient of every layer at initialisation, "
                    f"then {STEPS} training steps of both stacks on the same batches.")


def draw_shortcut(job, context, fs: int) -> None:
    log, spec = context["log"].add(job.events_since(context["log"].n_events)), context["spec"]
    if not log.gradients:
        return
    g = log.gradients
    plain, residual = g[arch.PLAIN][0], g[arch.RESIDUAL][0]
    ratio = (f"it underflows to 0 in float32; {residual:.2g} with shortcuts" if plain == 0 else
             f"{residual:.2g} with shortcuts (**{residual / plain:,.0f}×** larger)" if residual / plain < 1e6 else
             f"{residual:.2g} with shortcuts (**10^{math.log10(residual / plain):.0f}×** larger)")
    what = f"{spec.depth} layers, {spec.activation}{', BatchNorm' if spec.batch_norm else ''}"
    left, right = st.columns(2)
    left.plotly_chart(figures.gradient_figure(g, font_size=fs, title=f"Gradient per layer at start · {what}"),
                      config=PLOT_CONFIG, key="grads")
    right.plotly_chart(figures.curves_figure(log.losses, y_title="training loss (cross-entropy)", font_size=fs,
                                                  title="Loss while training", total_steps=STEPS),
                       config=PLOT_CONFIG, key="shortcut_loss")
    st.markdown(
        f"First layer: ‖∂loss/∂W‖ = {plain:.2g} in the plain stack; {ratio}. Backpropagation multiplies "
        "one factor per layer; in the plain stack "
        "each factor includes the activation's slope (at most ¼ for the sigmoid), so the product **vanishes** "
        "with depth. A shortcut adds 1 to every factor (∂(h + f(h))/∂h = 1 + ∂f/∂h): the gradient has a "
        "path that skips the layers. (With the sigmoid, whose outputs are all positive, the residual sum grows "
        "layer after layer: its loss starts high; batch norm tames it.)"
        + (f" Last 20 steps: mean loss {_tail(log.losses[arch.PLAIN]):.2f} plain, "
           f"{_tail(log.losses[arch.RESIDUAL]):.2f} residual." if log.losses else ""))


def _tail(values: list[float], n: int = 20) -> float:
    tail = values[-n:]
    return sum(tail) / max(1, len(tail))


def relu_section(s: Settings, fs: int, data) -> None:
    st.markdown("AlexNet (2012) replaced the saturating tanh of LeNet-5 (1998) with **ReLU**: in its Figure 1 a "
                "four-layer CNN with ReLU reaches 25 % training error on CIFAR-10 about **6× faster** than with "
                f"tanh. Here LeNet-5 with tanh and with ReLU, same starting weights, same batches of {data.name}, "
                "SGD with momentum: measured, whichever way it goes.")
    panel = JobPanel(keys.ARCH_RELU_JOB, what="experiment")
    c = st.columns([2, 1])
    with c[0], controls("Dropout"):
        st.slider("Dropout in the fully connected layers (AlexNet: 0.5)", 0.0, 0.5, step=0.05, key=key("dropout"))
    dropout = s.dropout
    panel.start_button("Train both", lambda: arch.activation_events(data, dropout=dropout, steps=STEPS,
                                                                            threads=training_threads()),
                       context={"dropout": dropout, "log": arch.RaceLog()}, where=c[1], icon=":material/play_arrow:")
    panel.show(race_progress, lambda job, ctx: draw_relu(job, ctx, fs),
               idle="Press **Train both** to race tanh against ReLU.")


def draw_relu(job, context, fs: int) -> None:
    log = context["log"].add(job.events_since(context["log"].n_events))
    if not log.errors:
        return
    st.plotly_chart(figures.curves_figure(log.errors, y_title="training error (share of batch wrong)",
                                               font_size=fs, target=0.25, total_steps=job.latest.total_steps,
                                               title=f"Training error, dropout {context['dropout']:g}"),
                    config=PLOT_CONFIG, key="relu_curves")
    reached = {k: arch.steps_to_error(v) for k, v in log.errors.items()}
    words = ", ".join(f"{k}: {'step ' + str(n) if n else 'not yet'}" for k, n in reached.items())
    st.markdown(f"25 % training error (mean of 20 steps) reached at {words}. {verdict(reached)} "
                "Dropout switches off a random share of the fully connected units at each step, which slows "
                "training down but fights over-fitting.")


def verdict(reached: dict[str, int | None]) -> str:
    """What this run measured, said plainly, whichever way it went."""
    relu, tanh = reached.get("relu"), reached.get("tanh")
    if not relu or not tanh:
        return ""
    if relu < tanh:
        return (f"ReLU got there **{tanh / relu:.1f}×** sooner: tanh saturates (slope near 0 for large inputs), "
                "ReLU's slope is 1 wherever it is active.")
    return (f"Here **tanh** got there {relu / tanh:.1f}× sooner: in a 5-layer net with PyTorch's small initial "
            "weights tanh works in its near-linear middle, where it does not saturate. AlexNet's 6× was "
            "measured on a deeper network and larger images; to see saturation hurt, run the *Shortcuts* "
            "experiment with tanh or sigmoid at depth 30.")


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
