"""Plotly figures for the kernel playground: kernels and pixel matrices with their numbers."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from explainer.kernels.filtering import DIRECTION_COLOURS
from explainer.kernels.presets import DIRECTIONS, short_number
from explainer.plotting import DIVERGING, styled, symmetric_range


def _cell_font(n: int, font_size: int) -> int:
    """Numbers shrink as the grid grows, so a 15×15 kernel still fits its cells."""
    return max(8, round(font_size * min(1.2, 6 / max(n, 1))))


def _compact(v: float, digits: int) -> str:
    """Short cell labels: 0.0049 -> ".0049" so a 7×7 Gaussian still fits its grid."""
    if v == 0:
        return "0"
    s = f"{v:.{digits}g}"
    return s.replace("0.", ".", 1) if abs(v) < 1 and "e" not in s else s


def _grid_figure(heatmap: dict, *, font_size: int, height: int, title: str | None, shapes=()) -> go.Figure:
    """One heatmap as a grid of square cells, no axes, in the house style of :func:`explainer.plotting.styled`.

    Built in one go from dicts: the same figure made by updating a ``go.Figure`` step by step
    (``update_layout``, ``update_xaxes``…) costs about seven times the CPU (12 vs 1.6 ms), and a
    slider move can need three of them.
    """
    layout = dict(font=dict(size=font_size), margin=dict(l=10, r=10, t=50 if title else 10, b=10),
                  paper_bgcolor="white", plot_bgcolor="white", height=height, shapes=list(shapes),
                  xaxis=dict(visible=False, constrain="domain"),
                  yaxis=dict(autorange="reversed", scaleanchor="x", visible=False))
    if title:
        layout["title"] = dict(text=title, font=dict(size=round(font_size * 1.2)))
    return go.Figure(data=[dict(type="heatmap", showscale=False,
                                hovertemplate="row %{y}, column %{x}: %{z:.4g}<extra></extra>", **heatmap)],
                     layout=layout)


def _outline(r0: float, c0: float, rows: int, cols: int, colour: str, width: int, dash: str | None = None) -> dict:
    """A rectangle around cells (r0..r0+rows-1, c0..c0+cols-1) of a grid figure."""
    return dict(type="rect", x0=c0 - 0.5, y0=r0 - 0.5, x1=c0 + cols - 0.5, y1=r0 + rows - 0.5,
                line=dict(color=colour, width=width, dash=dash))


def kernel_figure(kernel: np.ndarray, *, font_size: int = 14, height: int = 360,
                  title: str | None = None, min_text: int = 8) -> go.Figure:
    """The kernel as a grid of numbers on a diverging colour scale (white = 0, red > 0, blue < 0).

    Numbers that would come out smaller than ``min_text`` px are left out (hover shows them):
    a projected 7×7 Gaussian reads better as colours than as 12 px digits.
    """
    k = np.asarray(kernel, np.float64)
    lo, hi = symmetric_range(k)
    digits = 3 if max(k.shape) <= 5 else 2
    text = [[_compact(v, digits) for v in row] for row in k]
    size = _fit_font(text, max(k.shape), font_size, width=min(height - 60, 260))
    return _grid_figure(dict(z=k, text=text, texttemplate="%{text}" if max(k.shape) <= 11 and size >= min_text else "",
                             colorscale=DIVERGING, zmin=lo, zmax=hi, xgap=2, ygap=2, textfont=dict(size=size)),
                        font_size=font_size, height=height, title=title)


def _fit_font(text: list[list[str]], n: int, font_size: int, *, width: float) -> int:
    """A cell font that fits the longest label into a cell about ``width / n`` pixels wide."""
    longest = max((len(t) for row in text for t in row), default=1)
    return max(8, min(_cell_font(n, font_size), int(width / (n * 0.6 * max(longest, 2)))))


def matrix_figure(values: np.ndarray, *, font_size: int = 14, height: int = 420, title: str | None = None,
                  window: tuple[int, int, int, int] | None = None, weights: np.ndarray | None = None,
                  pad: int = 0, highlight_colour: str = "#d62728", white: float = 255.0) -> go.Figure:
    """Pixel values as a grey grid with the numbers written in each cell.

    ``white`` is the value drawn white (255 for photos; the largest value for tiny examples).
    ``window`` = (row, col, kh, kw) draws the kernel's footprint (in the padded grid); with
    ``weights`` each covered cell also shows ``×weight``. ``pad`` rings of zeros are drawn
    around the values in a lighter style.
    """
    v = np.pad(np.asarray(values, np.float64), pad)
    h, w = v.shape
    text = [[short_number(x) for x in row] for row in v]
    if window is not None and weights is not None:
        r0, c0, kh, kw = window
        for i in range(kh):
            for j in range(kw):
                if weights[i, j] != 0 or kh * kw <= 9:   # big kernels: the zeros would bury the rest
                    text[r0 + i][c0 + j] += f"<br><b>×{short_number(weights[i, j])}</b>"
    vmax = max(white, float(v.max())) if v.size else white
    shapes = []
    if pad:
        shapes.append(_outline(pad, pad, h - 2 * pad, w - 2 * pad, "#1f77b4", 2, dash="dot"))
    if window is not None:
        shapes.append(_outline(*window, highlight_colour, 5))
    size = _fit_font([[t.split("<br>")[0] for t in row] for row in text], max(h, w), font_size, width=height - 60)
    return _grid_figure(dict(z=v, text=text, texttemplate="%{text}", colorscale="gray", zmin=min(0.0, float(v.min())),
                             zmax=vmax, xgap=1, ygap=1, textfont=dict(size=size)),
                        font_size=font_size, height=height, title=title, shapes=shapes)


def output_figure(values: np.ndarray, *, font_size: int = 14, height: int = 420, title: str | None = None,
                  cell: tuple[int, int] | None = None) -> go.Figure:
    """The (small) output feature map with its numbers; ``cell`` = (row, col) is outlined."""
    v = np.asarray(values, np.float64)
    lo, hi = symmetric_range(v)
    shapes = [_outline(*cell, 1, 1, "#d62728", 5)] if cell is not None else []
    return _grid_figure(dict(z=v, text=[[short_number(x) for x in row] for row in v], texttemplate="%{text}",
                             colorscale=DIVERGING, zmin=lo, zmax=hi, xgap=1, ygap=1,
                             textfont=dict(size=_cell_font(max(v.shape), font_size))),
                        font_size=font_size, height=height, title=title, shapes=shapes)


def compass_legend(*, font_size: int = 14, height: int = 300) -> go.Figure:
    """A compass rose: which colour stands for which direction of increasing brightness."""
    fig = go.Figure(go.Barpolar(
        r=[1] * 8, theta=[45 * i for i in range(8)], width=[44] * 8,
        marker_color=[f"rgb{tuple(int(c) for c in col)}" for col in DIRECTION_COLOURS],
        text=list(DIRECTIONS), hovertemplate="%{text}<extra></extra>"))
    fig.update_layout(polar=dict(
        angularaxis=dict(rotation=90, direction="clockwise", tickvals=[45 * i for i in range(8)],
                         ticktext=list(DIRECTIONS), tickfont=dict(size=font_size)),
        radialaxis=dict(visible=False)), showlegend=False)
    return styled(fig, font_size=font_size, height=height)


def mark_patch(rgb: np.ndarray, row: int, col: int, size: int, *, colour=(230, 25, 75)) -> np.ndarray:
    """A copy of the image with a square frame around the zoomed patch (2 px, clipped at borders)."""
    out = np.array(rgb, copy=True)
    h, w = out.shape[:2]
    t = max(2, round(max(h, w) / 200))
    r0, c0 = max(0, row - t), max(0, col - t)
    r1, c1 = min(h, row + size + t), min(w, col + size + t)
    out[r0:r0 + t, c0:c1] = colour
    out[r1 - t:r1, c0:c1] = colour
    out[r0:r1, c0:c0 + t] = colour
    out[r0:r1, c1 - t:c1] = colour
    return out
