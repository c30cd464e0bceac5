"""Plotly figures of the augmentation page: one batch before/after, the robustness curves, data size."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explainer.augmentation.experiments import NONE, WITH, Comparison, SizeCurve
from explainer.plotting import styled

#: One colour per run on every chart (colour-blind safe pair).
COLOURS = {NONE: "#E69F00", WITH: "#0072B2"}
INK = "#222"   # text that survives a washed-out projector
#: The lecture's dataset sizes (images), for the "more data helps" chart.
DATASET_SIZES = {"MNIST": 70_000, "EMNIST balanced": 134_000, "CelebA": 202_599, "EMNIST": 814_000,
                 "ImageNet": 14_000_000}


def readable(fig: go.Figure, font_size: int) -> go.Figure:
    """Tick labels, axis titles and legend at ``font_size`` and near-black, explicitly: Streamlit's plotly
    theme sets them to 12-14 px grey, which wins over ``layout.font`` (unreadable when projected)."""
    fig.update_xaxes(tickfont_size=font_size, title_font_size=font_size, tickfont_color=INK, title_font_color=INK)
    fig.update_yaxes(tickfont_size=font_size, title_font_size=font_size, tickfont_color=INK, title_font_color=INK)
    fig.update_layout(font_color=INK, legend_font_size=font_size, hoverlabel_font_size=font_size)
    return fig


def before_after_figure(before: np.ndarray, after: np.ndarray, labels: list[int], *, font_size: int = 14,
                        height: int | None = None) -> go.Figure:
    """Two rows of the same digits ``(N, 28, 28) uint8``: as written (top), as the network gets them (bottom)."""
    n, side, gap = len(before), before.shape[-1], 4
    mosaic = np.full((2 * side + gap, n * (side + gap) - gap), 255, np.uint8)  # white gaps between tiles
    for i in range(n):
        x0 = i * (side + gap)
        mosaic[:side, x0:x0 + side] = 255 - before[i]      # dark ink on white paper reads better projected
        mosaic[side + gap:, x0:x0 + side] = 255 - after[i]
    fig = go.Figure(go.Heatmap(z=mosaic, colorscale="gray", zmin=0, zmax=255, showscale=False,
                               hovertemplate="grey %{z}<extra></extra>"))
    # square pixels; "domain": the axes shrink to the picture, so the labels sit right beside the digits
    fig.update_yaxes(autorange="reversed", scaleanchor="x", constrain="domain", tickvals=[side / 2, side * 1.5 + gap],
                     ticktext=["original", "augmented"], showgrid=False, zeroline=False)
    fig.update_xaxes(tickvals=[i * (side + gap) + side / 2 for i in range(n)], constrain="domain",
                     ticktext=[f"label {d}" for d in labels], side="top", showgrid=False, zeroline=False)
    return readable(styled(fig, font_size=font_size, height=height or (300 if font_size > 14 else 230)), font_size)


def robustness_figure(result: Comparison, *, font_size: int = 14, height: int = 380) -> go.Figure:
    """Test accuracy of both runs when every test digit is shifted (left) or rotated (right)."""
    fig = make_subplots(1, 2, horizontal_spacing=0.08, subplot_titles=(
        "test digits shifted right by … pixels", "test digits rotated by … degrees"))
    for name in (NONE, WITH):
        label = f"{name}: {result.test_acc[name]:.1%} on the test set as is"
        for col, (x, y, unit) in enumerate(((result.shifts, result.shift_acc[name], "px"),
                                            (result.angles, result.rotation_acc[name], "°")), start=1):
            fig.add_trace(go.Scatter(x=x, y=y, name=label, legendgroup=name, showlegend=col == 1,
                                     mode="lines+markers", line=dict(color=COLOURS[name], width=3),
                                     hovertemplate=f"%{{x}} {unit}: %{{y:.1%}}<extra>{name}</extra>"), 1, col)
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", gridcolor="#eee")
    fig.update_xaxes(gridcolor="#eee")
    fig.update_layout(legend=dict(orientation="h", y=-0.18, x=0.5, xanchor="center"))
    fig.update_annotations(font_size=round(font_size * 1.05))
    styled(fig, font_size=font_size, height=height).update_layout(margin=dict(t=round(font_size * 2.6)))
    return readable(fig, font_size)


def size_curve_figure(curve: SizeCurve, *, font_size: int = 14, height: int = 380) -> go.Figure:
    """Test accuracy against the number of training digits (log axis), with and without augmentation."""
    fig = go.Figure()
    for name in (NONE, WITH):
        fig.add_trace(go.Scatter(x=curve.sizes, y=curve.test_acc[name], name=name, mode="lines+markers",
                                 line=dict(color=COLOURS[name], width=3), marker=dict(size=10),
                                 hovertemplate="%{x:,} training digits: %{y:.1%}<extra>" + name + "</extra>"))
    fig.update_xaxes(type="log", title_text=f"training digits (log scale) · {curve.steps} steps of 64 each",
                     tickvals=curve.sizes, ticktext=[f"{s:,}" for s in curve.sizes], gridcolor="#eee")
    low = min(min(v) for v in curve.test_acc.values())
    fig.update_yaxes(title_text="test accuracy", tickformat=".0%", range=[max(0, low - 0.05), 1.0],
                     gridcolor="#eee")
    fig.update_layout(legend=dict(orientation="h", y=-0.25, x=0.5, xanchor="center"))
    return readable(styled(fig, font_size=font_size, height=height), font_size)
