"""Plotly figures of shapes in depth: channel volumes, the LeNet walk, receptive fields, a max-pool pyramid.

Volumes are drawn in a simple oblique projection (front face, top, side), flat 2-D
shapes that stay crisp on a projector, rather than a rotatable 3-D scene.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from explainer.geometry import stacks
from explainer.geometry.canvas import INPUT, OUTPUT, WINDOW_LINE, cell_grid, polygon
from explainer.plotting import styled

DEPTH = (0.45, -0.45)   # screen offset of one unit of depth (y points down)
MAP_COLOURS = ["#6aa84f", "#3d85c6", "#e69138", "#a64d79", "#45818e", "#cc4125", "#674ea7", "#bf9000"]


def _shade(hex_colour: str, k: float) -> str:
    r, gr, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({int(r * k)},{int(gr * k)},{int(b * k)})"


def _box(fig: go.Figure, x: float, y: float, w: float, h: float, d: float, colour: str, *,
         line: str = "#333", width: float = 1.5) -> None:
    """A w×h front face at (x, y) (top-left) with depth d drawn up and to the right."""
    dx, dy = DEPTH[0] * d, DEPTH[1] * d
    faces = [([x, x + w, x + w, x, x], [y, y, y + h, y + h, y], colour),
             ([x, x + dx, x + w + dx, x + w, x], [y, y + dy, y + dy, y, y], _shade(colour, 0.85)),
             ([x + w, x + w + dx, x + w + dx, x + w, x + w], [y, y + dy, y + h + dy, y + h, y], _shade(colour, 0.7))]
    for xs, ys, col in faces:
        fig.add_trace(go.Scatter(x=xs, y=ys, fill="toself", fillcolor=col, mode="lines",
                                 line=dict(color=line, width=width), hoverinfo="skip", showlegend=False))


def _text(fig: go.Figure, x: float, y: float, text: str, size: int, anchor: str = "center", color: str = "#1b2631"):
    fig.add_annotation(x=x, y=y, text=text, showarrow=False, xanchor=anchor, font=dict(size=size, color=color))


def _finish(fig: go.Figure, height: int, font_size: int) -> go.Figure:
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", scaleratio=1)
    styled(fig, font_size=font_size, height=height)
    fig.update_layout(showlegend=False, dragmode=False, margin=dict(l=10, r=10, t=20, b=10))
    return fig


def channels_figure(size: tuple[int, int], kernel: tuple[int, int], channels: int, filters: int,
                    out: tuple[int, int], *, font_size: int = 14) -> go.Figure:
    """An H×W×C input, one kh×kw×C filter inside it, and the N feature maps (Ho×Wo×N) the bank gives."""
    (h, w), (kh, kw), (ho, wo) = size, kernel, out
    unit = 12.0 / max(h, w, 12)                       # keep big inputs on screen
    depth = min(1.2, 8.0 / max(channels, filters))   # cells of depth per channel
    fig = go.Figure()
    _box(fig, 0, 0, w * unit, h * unit, channels * depth, INPUT)
    _box(fig, 0.15, 0.15, kw * unit, kh * unit, channels * depth, "#ffb366", line=WINDOW_LINE, width=3)
    _text(fig, w * unit / 2, h * unit + 1.2, f"<b>input</b> {h}×{w}×{channels}", font_size)
    _text(fig, w * unit / 2, h * unit + 2.4, f"filter {kh}×{kw}×{channels} (orange)", font_size, color=WINDOW_LINE)
    x0 = w * unit + channels * depth * DEPTH[0] + 4
    fig.add_annotation(x=x0 - 0.6, y=h * unit / 2, ax=x0 - 3.4, ay=h * unit / 2, xref="x", yref="y",
                       axref="x", ayref="y", showarrow=True, arrowhead=3, arrowwidth=3, arrowcolor="#555", text="")
    _text(fig, x0 - 2.0, h * unit / 2 - 1.0, f"× {filters} filter{'s' if filters > 1 else ''}", font_size)
    y0 = (h - ho) * unit / 2
    for i in range(filters - 1, -1, -1):            # back to front, so the first map is in front
        _box(fig, x0 + i * depth * DEPTH[0], y0 + i * depth * DEPTH[1], wo * unit, ho * unit, depth * 0.8,
             MAP_COLOURS[i % len(MAP_COLOURS)])
    _text(fig, x0 + wo * unit / 2, y0 + ho * unit + 1.2, f"<b>{filters} feature map{'s' if filters > 1 else ''}</b> "
          f"{ho}×{wo}×{filters}", font_size)
    return _finish(fig, 380 if font_size < 20 else 480, font_size)


def lenet_figure(stages: list[stacks.Stage], *, font_size: int = 14) -> go.Figure:
    """The shape walk as stacked volumes, side by side: each block is (C, H, W) after a layer."""
    fig = go.Figure()
    x = 0.0
    scale = 0.28
    top = max(st.shape[1] for st in stages) * scale
    colours = [INPUT, "#b6d7a8", "#d9ead3", "#9fc5e8", "#cfe2f3"]
    for i, st in enumerate(stages):
        c, h, w = st.shape
        d = min(c, 16) * 0.45
        y = (top - h * scale) / 2
        _box(fig, x, y, w * scale, h * scale, d, colours[i % len(colours)])
        mid = x + w * scale / 2
        _text(fig, mid, top + 1.3, f"<b>{h}×{w}×{c}</b>", font_size)
        label = "input" if i == 0 else st.line.replace("nn.", "").replace("kernel_size=", "").replace("stride=", "")
        _text(fig, mid, top + 2.7, label, max(10, font_size - 3), color="#555")
        if st.formula:
            _text(fig, mid, top + 3.9, st.formula, max(10, font_size - 3), color=WINDOW_LINE)
        nxt = x + w * scale + d * DEPTH[0] + 6.0
        if i + 1 < len(stages):
            fig.add_annotation(x=nxt - 0.8, y=top / 2, ax=x + w * scale + d * DEPTH[0] + 0.6, ay=top / 2,
                               xref="x", yref="y", axref="x", ayref="y", showarrow=True, arrowhead=3,
                               arrowwidth=2.5, arrowcolor="#555", text="")
        x = nxt
    return _finish(fig, 360 if font_size < 20 else 460, font_size)


def receptive_field_figure(layers: list[tuple[int, int, int]], *, font_size: int = 14) -> go.Figure:
    """Input, then each layer's output (no padding); the centre top cell and everything it reaches back to."""
    reach = stacks.receptive_field(layers)[-1]
    top_n = 3
    sizes = [top_n]
    for k, s, d in reversed(layers):
        sizes.append((sizes[-1] - 1) * s + d * (k - 1) + 1)
    sizes = sizes[::-1]                               # input first
    spans = stacks.reach_back(layers, top_n // 2, top_n // 2)
    tallest = sizes[0]
    fig = go.Figure()
    x = 0.0
    for level, (n, (lo, hi)) in enumerate(zip(sizes, spans)):
        dy = (tallest - n) / 2
        kinds = np.zeros((n, n), dtype=int)
        kinds[lo:hi + 1, lo:hi + 1] = 1
        fig.add_traces(cell_grid(kinds, [INPUT if level == 0 else OUTPUT, "#ffb366"], dx=x, dy=dy))
        fig.add_trace(polygon([x + lo - 0.5, x + hi + 0.5, x + hi + 0.5, x + lo - 0.5, x + lo - 0.5],
                            [dy + lo - 0.5, dy + lo - 0.5, dy + hi + 0.5, dy + hi + 0.5, dy + lo - 0.5],
                            fill="rgba(0,0,0,0)", line=WINDOW_LINE, width=3))
        name = "input" if level == 0 else f"after layer {level}"
        _text(fig, x + (n - 1) / 2, tallest + 0.6, f"<b>{name}</b> {n}×{n}", font_size)
        _text(fig, x + (n - 1) / 2, tallest + 1.6, f"reach {hi - lo + 1}×{hi - lo + 1}", max(10, font_size - 2),
              color=WINDOW_LINE)
        x += n + 2
    _text(fig, (x - 2) / 2, -1.4, f"one cell after {len(layers)} layer{'s' if len(layers) > 1 else ''} "
          f"sees {reach.size}×{reach.size} input cells", round(font_size * 1.1))
    return _finish(fig, int(min(640, 260 + tallest * 18)) if font_size < 20 else int(min(760, 320 + tallest * 22)),
                   font_size)


def pyramid_figure(levels: list[np.ndarray], *, same_size: bool = False, font_size: int = 14) -> go.Figure:
    """Max-pooling levels side by side, bottom-aligned: at true size (a pyramid), or each
    blown up to the original's size so the lost detail shows as blocks."""
    fig = go.Figure()
    base = levels[0].shape[0]
    x = 0.0
    for i, img in enumerate(levels):
        h, w = img.shape[:2]
        scale = 2 ** i if same_size else 1
        fig.add_trace(go.Image(z=img, x0=x, y0=base - h * scale, dx=scale, dy=scale, hoverinfo="skip"))
        label = f"<b>{h}×{w}</b>" + ("" if i == 0 else f"<br>max-pooled {i}×")
        _text(fig, x + w * scale / 2, base + base * 0.1, label, font_size if w * scale > base / 4 else font_size - 2)
        x += w * scale + base * 0.12
    fig.update_xaxes(visible=False, range=[-2, x])
    fig.update_yaxes(visible=False, range=[base * 1.2, -2], scaleanchor="x")
    styled(fig, font_size=font_size, height=420 if font_size < 20 else 540)
    fig.update_layout(margin=dict(l=10, r=10, t=10, b=10), dragmode=False)
    return fig
