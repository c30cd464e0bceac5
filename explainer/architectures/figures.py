"""Plotly figures of the architectures page; each function returns a new figure."""
from __future__ import annotations

import numpy as np
import plotly.express as px
import plotly.graph_objects as go

from explainer.plotting import styled

from .catalogue import FAMILIES, Entry
from .inception import InceptionSpec, convolutions

COLOURS = {"plain": "#d62728", "residual": "#1f77b4", "tanh": "#ff7f0e", "relu": "#2ca02c"}


def tradeoff_figure(entries: list[Entry], *, font_size: int = 14, height: int = 560,
                    highlight: str | None = None) -> go.Figure:
    """Top-1 accuracy against GFLOPs (log axis); marker area ∝ parameters; one colour per family."""
    fig = go.Figure()
    palette = px.colors.qualitative.Dark24
    families = list(dict.fromkeys(e.family for e in entries))
    biggest = max(e.params for e in entries)
    for i, fam in enumerate(families):
        rows = [e for e in entries if e.family == fam]
        fig.add_trace(go.Scatter(
            x=[e.gflops for e in rows], y=[e.top1 for e in rows], mode="markers",
            name=f"{FAMILIES[fam].label} ({FAMILIES[fam].year})",
            marker=dict(size=[8 + 40 * np.sqrt(e.params / biggest) for e in rows], color=palette[i % len(palette)],
                        line=dict(width=[3 if e.model == highlight else 0.5 for e in rows], color="black"),
                        opacity=0.8),
            customdata=[[e.label, e.params / 1e6, e.top5, e.year] for e in rows],
            hovertemplate="<b>%{customdata[0]}</b> (%{customdata[3]})<br>top-1 %{y:.1f} %, top-5 "
                          "%{customdata[2]:.1f} %<br>%{x:.2f} GFLOPs, %{customdata[1]:.1f} M parameters"
                          "<extra></extra>"))
    fig.update_xaxes(type="log", title="GFLOPs per image (log scale)", gridcolor="#eee")
    fig.update_yaxes(title="ImageNet top-1 accuracy (%)", gridcolor="#eee")
    fig.update_layout(legend=dict(font=dict(size=max(10, font_size - 4))))
    return styled(fig, font_size=font_size, height=height,
                  title="Accuracy against computation · marker size = parameters (torchvision metadata)")


def _box(fig: go.Figure, x: float, y: float, text: str, colour: str, font_size: int) -> None:
    fig.add_shape(type="rect", x0=x - 0.45, x1=x + 0.45, y0=y - 0.3, y1=y + 0.3, fillcolor=colour,
                  line=dict(color="#333"), layer="below")
    fig.add_annotation(x=x, y=y, text=text, showarrow=False, font=dict(size=font_size))


def _arrow(fig: go.Figure, x0: float, y0: float, x1: float, y1: float) -> None:
    fig.add_annotation(x=x1, y=y1 + 0.3, ax=x0, ay=y0 - 0.3, xref="x", yref="y", axref="x", ayref="y",
                       showarrow=True, arrowhead=2, arrowwidth=1.5, text="")


def inception_figure(spec: InceptionSpec, *, reduced: bool, font_size: int = 14, height: int = 420) -> go.Figure:
    """The module as a diagram: input at the top, four branches, concatenation at the bottom."""
    fig = go.Figure()
    small = max(9, font_size - 3)
    _box(fig, 1.5, 3, f"input {spec.c_in}×{spec.height}×{spec.width}", "#eeeeee", small)
    convs = convolutions(spec, reduced=reduced)
    for col, branch in enumerate(("1×1", "3×3", "5×5", "pool")):
        steps = [f"{c.k}×{c.k} conv, {c.c_out}" for c in convs if c.branch == branch]
        if branch == "pool":
            steps.insert(0, "3×3 max pool")
        y = 2.0 if len(steps) > 1 else 1.5
        prev = (1.5, 3)
        for j, text in enumerate(steps):
            colour = "#ffe08a" if text.startswith("1×1") and (len(steps) > 1 or branch == "pool") else "#cfe3ff"
            if "pool" in text:
                colour = "#f4c7c3"
            _box(fig, col, y - j, text, colour, small)
            _arrow(fig, *prev, col, y - j)
            prev = (col, y - j)
        _arrow(fig, *prev, 1.5, 0)
    _box(fig, 1.5, 0, "concatenate along channels", "#d9f2d9", small)
    fig.update_xaxes(visible=False, range=[-0.6, 3.6])
    fig.update_yaxes(visible=False, range=[-0.5, 3.5])
    what = "with 1×1 reductions (yellow)" if reduced else "naive"
    return styled(fig, font_size=font_size, height=height, title=f"Inception module, {what}")


def gradient_figure(norms: dict[str, list[float]], *, font_size: int = 14, height: int = 420,
                    title: str = "") -> go.Figure:
    """Gradient norm of every weight layer at initialisation, plain and residual side by side (log y)."""
    fig = go.Figure()
    for name, values in norms.items():
        fig.add_trace(go.Bar(x=list(range(1, len(values) + 1)), y=values, name=name,
                             marker_color=COLOURS.get(name),
                             hovertemplate="layer %{x}: ‖∂loss/∂W‖ = %{y:.3g}<extra>" + name + "</extra>"))
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"))
    fig.update_xaxes(title="layer (1 = next to the input)")
    fig.update_yaxes(type="log", title="gradient norm ‖∂loss/∂W‖", gridcolor="#eee", exponentformat="power")
    return styled(fig, font_size=font_size, height=height, title=title)


def smooth(values: list[float], window: int = 15) -> np.ndarray:
    """Running mean over the last ``window`` steps (the first steps average what there is)."""
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return v
    c = np.cumsum(np.insert(v, 0, 0.0))
    idx = np.arange(1, v.size + 1)
    lo = np.maximum(0, idx - window)
    return (c[idx] - c[lo]) / (idx - lo)


def curves_figure(curves: dict[str, list[float]], *, y_title: str, font_size: int = 14, height: int = 380,
                  title: str = "", target: float | None = None, total_steps: int | None = None) -> go.Figure:
    """Raw per-step values faint, their running mean bold; optional horizontal target line."""
    fig = go.Figure()
    for name, values in curves.items():
        steps = np.arange(1, len(values) + 1)
        colour = COLOURS.get(name)
        fig.add_trace(go.Scatter(x=steps, y=values, mode="lines", line=dict(color=colour, width=1),
                                 opacity=0.25, showlegend=False, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=steps, y=smooth(values), mode="lines", name=name,
                                 line=dict(color=colour, width=3)))
    if target is not None:
        fig.add_hline(y=target, line=dict(dash="dash", color="#555"),
                      annotation_text=f"{target:.0%}", annotation_position="top left")
    fig.update_xaxes(title="training step (one batch of 32 digits)", range=[0, total_steps] if total_steps else None,
                     gridcolor="#eee")
    fig.update_yaxes(title=y_title, gridcolor="#eee", rangemode="tozero")
    fig.update_layout(legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"))
    return styled(fig, font_size=font_size, height=height, title=title)
