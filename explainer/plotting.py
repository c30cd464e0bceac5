"""Plotly conventions every figure builder shares: readable type, no wasted margins.

Figures are built by functions that return a new ``go.Figure`` (never pyplot's
global figure, which concurrent sessions would trample).
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

#: Diverging map for signed values (filter outputs, kernels): white is zero.
DIVERGING = "RdBu_r"
SEQUENTIAL = "Viridis"


def styled(fig: go.Figure, *, font_size: int = 14, height: int | None = None,
           title: str | None = None) -> go.Figure:
    """Apply the house style: font size (22+ in presentation mode), tight margins."""
    fig.update_layout(
        font=dict(size=font_size),
        title=dict(text=title, font=dict(size=round(font_size * 1.2))) if title else None,
        margin=dict(l=10, r=10, t=50 if title else 10, b=10),
        paper_bgcolor="white",
        plot_bgcolor="white",
    )
    if height:
        fig.update_layout(height=height)
    return fig


def symmetric_range(values: np.ndarray) -> tuple[float, float]:
    """(-m, m) with m the largest magnitude, so a diverging colour map is centred on 0."""
    m = float(np.nanmax(np.abs(values))) if values.size else 1.0
    m = m if m > 0 else 1.0
    return -m, m


def image_figure(img: np.ndarray, *, font_size: int = 14, height: int | None = None,
                 title: str | None = None) -> go.Figure:
    """An RGB ``(H, W, 3) uint8`` or greyscale ``(H, W)`` image, pixel-exact, no axes."""
    if img.ndim == 2:
        img = np.repeat(np.clip(img, 0, 255).astype(np.uint8)[..., None], 3, axis=2)
    fig = go.Figure(go.Image(z=img, hovertemplate="x=%{x}, y=%{y}<br>RGB=%{z}<extra></extra>"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    return styled(fig, font_size=font_size, height=height, title=title)
