"""Plotly figures of the architectures page; each function returns a new figure."""
from __future__ import annotations

import numpy as np
import plotly.express as px
import plotly.graph_objects as go

from explainer.plotting import styled

from .catalogue import FAMILIES, Entry
from .inception import InceptionSpec, convolutions

COLOURS = {"plain": "#d62728", "residual": "#1f77b4", "tanh": "#ff7f0e", "relu": "#2ca02c"}
INK = "#111111"  # dark text and lines: they survive a washed-out projector


def _axes_at(fig: go.Figure, font_size: int) -> go.Figure:
    """Tick labels and axis titles at the figure's font size, legends 4 px smaller (Streamlit's theme
    would make them 12–14 px)."""
    for update in (fig.update_xaxes, fig.update_yaxes):
        update(tickfont=dict(size=font_size, color=INK), title_font=dict(size=font_size, color=INK))
    fig.update_layout(legend_font=dict(size=max(10, font_size - 4), color=INK))
    return fig


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
    fig.update_xaxes(type="log", dtick=1, title="GFLOPs per image (log scale)", gridcolor="#eee")  # 0.1, 1, 10…
    fig.update_yaxes(title="ImageNet top-1 accuracy (%)", gridcolor="#eee")
    fig = styled(fig, font_size=font_size, height=height,
                 title="Accuracy against computation (marker size = parameters)")
    # All 21 families listed without a scroll bar: the legend may reach below the plot, down to
    # the figure's bottom edge (a maxheight above 1 is in pixels).
    top = round(2.6 * font_size)
    fig.update_layout(margin=dict(t=top), legend=dict(font=dict(size=max(10, font_size - 4), color=INK),
                                                      itemsizing="constant", y=1, yanchor="top",
                                                      maxheight=max(2, height - top - 10)))
    return _axes_at(fig, font_size)


def _box(x0: float, x1: float, y: float, text: str, colour: str, font_size: int) -> tuple[dict, dict]:
    """A labelled box from x0 to x1 centred on height y: (shape, annotation)."""
    shape = dict(type="rect", x0=x0, x1=x1, y0=y - 0.33, y1=y + 0.33, fillcolor=colour, line=dict(color=INK, width=1.5),
                 layer="below")
    label = dict(x=(x0 + x1) / 2, y=y, text=text, showarrow=False, font=dict(size=font_size, color=INK))
    return shape, label


def _arrow(x: float, y_from: float, y_to: float) -> dict:
    """A straight downward arrow in column x, from one box's bottom edge to the next box's top edge."""
    return dict(x=x, y=y_to + 0.33, ax=x, ay=y_from - 0.33, xref="x", yref="y", axref="x", ayref="y", text="",
                showarrow=True, arrowhead=2, arrowsize=1.2, arrowwidth=2, arrowcolor=INK)


def _branch_steps(spec: InceptionSpec, reduced: bool) -> list[list[str]]:
    convs = convolutions(spec, reduced=reduced)
    steps = []
    for branch in ("1×1", "3×3", "5×5", "pool"):
        texts = [f"{c.k}×{c.k} conv<br>{c.c_out} filters" for c in convs if c.branch == branch]
        steps.append((["3×3 max<br>pool"] if branch == "pool" else []) + texts)
    return steps


def inception_figure(spec: InceptionSpec, *, reduced: bool, font_size: int = 14, height: int = 420) -> go.Figure:
    """The module as a diagram: the input on top, four branches side by side, each one a
    straight column of boxes, all concatenated at the bottom (so no arrow crosses a box)."""
    small = max(9, font_size - 3)
    shapes, notes = [], []
    for shape, label in (_box(-0.45, 3.45, 3, f"input {spec.c_in}×{spec.height}×{spec.width}", "#eeeeee", small),
                         _box(-0.45, 3.45, 0, "concatenate along channels", "#d9f2d9", small)):
        shapes.append(shape)
        notes.append(label)
    for col, steps in enumerate(_branch_steps(spec, reduced)):
        ys = [2.0, 1.0] if len(steps) > 1 else [1.5 if not reduced else 2.0]
        prev = 3.0
        for text, y in zip(steps, ys):
            reduction = text.startswith("1×1") and (len(steps) > 1 or col == 3)
            colour = "#f4c7c3" if "pool" in text else "#ffe08a" if reduction else "#cfe3ff"
            shape, label = _box(col - 0.45, col + 0.45, y, text, colour, small)
            shapes.append(shape)
            notes += [label, _arrow(col, prev, y)]
            prev = y
        notes.append(_arrow(col, prev, 0.0))
    fig = go.Figure(layout=dict(shapes=shapes, annotations=notes,
                                xaxis=dict(visible=False, range=[-0.55, 3.55], fixedrange=True),
                                yaxis=dict(visible=False, range=[-0.4, 3.4], fixedrange=True)))
    return styled(fig, font_size=font_size, height=height,
                  title="With 1×1 reductions (yellow)" if reduced else "Naive module")


def gradient_figure(norms: dict[str, list[float]], *, font_size: int = 14, height: int = 420,
                    title: str = "") -> go.Figure:
    """Gradient norm of every weight layer at initialisation, plain and residual side by side (log y)."""
    fig = go.Figure()
    for name, values in norms.items():
        fig.add_trace(go.Bar(x=list(range(1, len(values) + 1)), y=values, name=name,
                             marker_color=COLOURS.get(name),
                             hovertemplate="layer %{x}: ‖∂loss/∂W‖ = %{y:.3g}<extra>" + name + "</extra>"))
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=1.0, x=1, xanchor="right", yanchor="bottom"))
    fig.update_xaxes(title="layer (1 = next to the input)")
    fig.update_yaxes(type="log", title="gradient norm ‖∂loss/∂W‖", gridcolor="#eee", exponentformat="power")
    fig = styled(fig, font_size=font_size, height=height, title=title)
    return _axes_at(_below_title(fig, font_size), font_size)


def _below_title(fig: go.Figure, font_size: int) -> go.Figure:
    """Room for the legend between the title and the plot, so they never overlap."""
    fig.update_layout(margin=dict(t=round(4.5 * font_size)), title=dict(y=0.98, yanchor="top"))
    return fig


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
    fig.update_layout(legend=dict(orientation="h", y=1.0, x=1, xanchor="right", yanchor="bottom"))
    fig = styled(fig, font_size=font_size, height=height, title=title)
    return _axes_at(_below_title(fig, font_size), font_size)
