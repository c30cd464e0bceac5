"""Plotly figures for the style-transfer page: loss curves, Gram matrices, feature maps."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explainer.plotting import SEQUENTIAL, styled
from explainer.style.events import StyleEvent
from explainer.style.settings import StyleSettings

#: One colour per loss term, the same in the curves and in the page's text.
COLOURS = {"content": "#1f77b4", "style": "#d62728", "tv": "#7f7f7f", "total": "#111111"}


def weighted_terms(losses: dict[str, float], settings: StyleSettings) -> dict[str, float]:
    """``alpha*L_content``, ``beta*L_style``, ``gamma*L_tv`` and the total: what the curves show."""
    return {"content": settings.content_weight * losses["content"],
            "style": settings.style_weight * losses["style"],
            "tv": settings.tv_weight * losses["tv"], "total": losses["total"]}


def loss_curves(events: Sequence[StyleEvent], settings: StyleSettings, *, font_size: int = 14,
                height: int = 360) -> go.Figure:
    """Weighted content, style, TV and total loss per evaluation, log scale.

    A dotted line marks each coarse-to-fine level change (the loss jumps there: the image
    has just been upsampled and is measured at a finer scale).
    """
    fig = go.Figure()
    x = [e.iteration for e in events]
    terms = [weighted_terms(e.losses, settings) for e in events]
    names = {"content": "α · content", "style": "β · style", "tv": "γ · TV", "total": "total"}
    for key, name in names.items():
        y = [t[key] for t in terms]
        if key == "tv" and not settings.tv_weight:
            continue
        fig.add_trace(go.Scatter(x=x, y=[v if v > 0 else None for v in y], name=name, mode="lines",
                                 line=dict(color=COLOURS[key], width=4 if key == "total" else 2.5)))
    for prev, e in zip(events, events[1:]):
        if e.level != prev.level:
            fig.add_vline(x=e.iteration - 0.5, line=dict(dash="dot", color="#999"),
                          annotation_text=f"{e.shape[1]}×{e.shape[0]} px", annotation_position="top left")
    fig.update_yaxes(type="log", title="loss (log scale)", exponentformat="power", gridcolor="#eee")
    fig.update_xaxes(title="evaluation (forward + backward pass)", gridcolor="#eee",
                     range=[0, max(events[-1].total_iterations if events else 1, 1)])
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0), hovermode="x unified")
    return styled(fig, font_size=font_size, height=height)


def gram_heatmaps(style_gram: np.ndarray, output_gram: np.ndarray, channels: Sequence[int], *,
                  layer: str, font_size: int = 14, height: int = 420) -> go.Figure:
    """The style image's Gram matrix beside the output's, one shared colour scale.

    Args:
        style_gram, output_gram: ``(k, k)`` blocks of the two ``(C, C)`` Gram matrices.
        channels: the ``k`` channel numbers the rows and columns stand for.
    """
    labels = [str(c) for c in channels]
    top = float(max(style_gram.max(), output_gram.max(), 1e-12))
    fig = make_subplots(1, 2, horizontal_spacing=0.06,
                        subplot_titles=(f"style image: A = Gram({layer})", f"output: G = Gram({layer})"))
    for col, (g, name) in enumerate([(style_gram, "style"), (output_gram, "output")], start=1):
        fig.add_trace(go.Heatmap(z=g, x=labels, y=labels, zmin=0, zmax=top, colorscale=SEQUENTIAL,
                                 showscale=col == 2, colorbar=dict(title="G[i,j]", exponentformat="power"),
                                 hovertemplate=f"{name}<br>channels %{{y}} & %{{x}}<br>G = %{{z:.3g}}<extra></extra>"),
                      1, col)
        fig.update_xaxes(type="category", title="channel j", showticklabels=len(labels) <= 24,
                         constrain="domain", row=1, col=col)
        fig.update_yaxes(type="category", title="channel i" if col == 1 else None, autorange="reversed",
                         scaleanchor=f"x{'' if col == 1 else col}", constrain="domain",
                         showticklabels=len(labels) <= 24, row=1, col=col)
    fig.update_annotations(font_size=round(font_size * 1.1))
    styled(fig, font_size=font_size, height=height)
    fig.update_layout(margin=dict(t=round(font_size * 3)))  # room for the subplot titles
    return fig


def feature_map_grid(style_maps: np.ndarray, output_maps: np.ndarray, channels: Sequence[int], *,
                     font_size: int = 14, height: int = 340) -> go.Figure:
    """A few feature maps of the style image (top row) and of the output (bottom row).

    Args:
        style_maps, output_maps: ``(k, H, W)`` and ``(k, H', W')`` ReLU outputs (>= 0).
        channels: their channel numbers. Each column shares one colour range.
    """
    k = len(channels)
    fig = make_subplots(2, k, horizontal_spacing=0.01, vertical_spacing=0.08,
                        row_titles=["style", "output"], column_titles=[f"channel {c}" for c in channels])
    for j in range(k):
        top = float(max(style_maps[j].max(), output_maps[j].max(), 1e-12))
        for i, maps in enumerate((style_maps, output_maps), start=1):
            fig.add_trace(go.Heatmap(z=maps[j], zmin=0, zmax=top, colorscale="Gray", showscale=False,
                                     hovertemplate="x=%{x}, y=%{y}<br>activation %{z:.3g}<extra></extra>"),
                          i, j + 1)
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed", constrain="domain")
    for idx in range(1, 2 * k + 1):  # keep each map's aspect ratio
        fig.layout[f"yaxis{'' if idx == 1 else idx}"].scaleanchor = f"x{'' if idx == 1 else idx}"
    fig.update_annotations(font_size=font_size)
    styled(fig, font_size=font_size, height=height)
    fig.update_layout(margin=dict(t=round(font_size * 2.5), r=round(font_size * 2.5)))  # titles, row labels
    return fig
