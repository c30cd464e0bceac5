"""Widgets of the architectures page: the timeline, a network's layers, VGG's table, Inception and separable costs."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from explainer import architectures as arch
from explainer import features
from explainer.architectures import figures

from .architectures_settings import KERNELS, Settings, key
from .sidebar import controls, figure_height

PLOT_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
FEATURE_MAP_MODELS = {"vgg16": "VGG16", "vgg19": "VGG19", "resnet18": "ResNet18", "resnet50": "ResNet50"}
TRANSFORMERS = {"vit", "swin", "swin_v2", "maxvit"}


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
