"""The canvas the sliding-window figures share: cell grids, outlines and text as plain dicts, layout, play controls.

One axis holds everything (input on the left, output on the right, y pointing down), so
a connector can run from the window to the cell it produces. Playback is client-side:
plotly frames with their own Play / Pause buttons and position slider, so stepping the
window never re-runs the Streamlit page. Frames only touch the small scatter traces
(window, highlighted cell, numbers), which plotly can slide smoothly between steps.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from explainer.geometry import arithmetic
from explainer.geometry.arithmetic import format_number
from explainer.plotting import styled

INPUT, PADDING, OUTPUT, CROPPED = "#cfe2f3", "#e4e4e4", "#d9ead3", "#f5f5f5"
WINDOW_FILL, WINDOW_LINE, ACCENT = "rgba(255,140,0,0.42)", "#d35400", "#b03a00"
INK, PAD_INK, KERNEL = "#1b2631", "#8a8a8a", "#fde3c8"
MAX_FRAMES = 196     # frames per figure (14×14 outputs); larger outputs animate a band of rows
NUMBERS_MAX = 14     # grids wider/taller than this show colours only


def _square(r: float, c: float, inset: float = 0.06) -> list[float]:
    a, b = inset - 0.5, 0.5 - inset
    return [c + a, c + b, c + b, c + a, c + a, None], [r + a, r + a, r + b, r + b, r + a, None]


def squares(cells, dy: float = 0.0, dx: float = 0.0, inset: float = 0.06):
    xs, ys = [], []
    for r, c in cells:
        x, y = _square(r + dy, c + dx, inset)
        xs += x
        ys += y
    return xs, ys


def cell_grid(kinds: np.ndarray, colours: list[str], *, dx: float, dy: float, text=None, ink=None,
          font_size: int = 14, name: str = "") -> list[dict]:
    """A grid of coloured cells (kinds index into colours), optionally with a number in each.

    Drawn as filled scatter squares, not a heatmap: plotly animations leave scatter traces alone
    (a heatmap vanishes when frames animate other traces).
    """
    traces = []
    for kind, colour in enumerate(colours):
        rows, cols = np.nonzero(kinds == kind)
        if len(rows):
            xs, ys = squares(zip(rows.tolist(), cols.tolist()), dy=dy, dx=dx, inset=0.04)
            traces.append(dict(type="scatter", x=xs, y=ys, mode="lines", fill="toself", fillcolor=colour,
                               line=dict(width=0, color=colour), hoverinfo="skip", showlegend=False, name=name))
    if text is not None:
        rows, cols = np.indices(kinds.shape)
        traces.append(text_trace((cols.ravel() + dx).tolist(), (rows.ravel() + dy).tolist(),
                                 [str(v) for v in np.asarray(text).ravel()], size=font_size, color=ink or INK))
    return traces


# Traces are plain dicts: a figure with ~200 frames would spend most of its time validating
# thousands of go.Scatter objects, and every control change rebuilds it.

def text_trace(xs, ys, texts, *, size: int, color: str, position: str = "middle center") -> dict:
    return dict(type="scatter", x=list(xs), y=list(ys), text=list(texts), mode="text", textposition=position,
                textfont=dict(size=size, color=color), hoverinfo="skip", showlegend=False)


def polygon(xs, ys, *, fill: str, line: str, width: float = 3, dash: str | None = None) -> dict:
    return dict(type="scatter", x=xs, y=ys, mode="lines", fill="toself", fillcolor=fill,
                line=dict(color=line, width=width, dash=dash), hoverinfo="skip", showlegend=False)


class AnimatedFigure(go.Figure):
    """A ``go.Figure`` whose animation frames stay plain dicts until serialised.

    Plotly validates every trace of every frame on assignment (≈ 1.5 s for 200 frames on
    a small CPU); these frames are built here from known-good dicts, so ``to_dict`` (what
    ``st.plotly_chart`` and ``plotly.io`` call) just appends them.
    """

    def to_dict(self) -> dict:
        out = super().to_dict()
        out["frames"] = getattr(self, "_raw_frames", [])
        return out

    def to_plotly_json(self) -> dict:
        return self.to_dict()


def frame_range(n_steps: int, row_len: int, start: int) -> range:
    """All steps, or a band of whole rows around ``start`` when there are too many to animate."""
    if n_steps <= MAX_FRAMES:
        return range(n_steps)
    rows = max(1, MAX_FRAMES // row_len)
    first = min(start // row_len, max(0, n_steps // row_len - rows)) * row_len
    return range(first, min(n_steps, first + rows * row_len))


def _animate(fig: go.Figure, frames: list[dict], labels: list[str], active: int, *, fps: float,
             font_size: int, prefix: str) -> go.Figure:
    """Attach frames, Play/Pause buttons and a position slider; show frame ``active`` first."""
    ms = int(1000 / fps)
    play = dict(frame=dict(duration=ms, redraw=False), transition=dict(duration=int(ms * 0.6),
                easing="cubic-in-out"), fromcurrent=True, mode="immediate")
    fig._raw_frames = [dict(name=str(i), data=f["data"], traces=f["traces"]) for i, f in enumerate(frames)]
    fig.update_layout(
        updatemenus=[dict(type="buttons", direction="right", x=0, y=0, xanchor="left", yanchor="top",
                          pad=dict(t=8, r=10), font=dict(size=font_size, color=INK),
                          buttons=[dict(label="▶ Play", method="animate", args=[None, play]),
                                   dict(label="❚❚ Pause", method="animate",
                                        args=[[None], dict(frame=dict(duration=0, redraw=False),
                                                           transition=dict(duration=0), mode="immediate")])])],
        sliders=[dict(active=active, x=0.3, len=0.7, y=0, yanchor="top", pad=dict(t=8),
                      currentvalue=dict(prefix=prefix, font=dict(size=font_size, color=INK)),
                      font=dict(size=max(10, font_size - 4), color="#555" if len(frames) <= 16 else "rgba(0,0,0,0)"),
                      steps=[dict(label=lab, method="animate",
                                  args=[[str(i)], dict(mode="immediate", frame=dict(duration=0, redraw=False),
                                                        transition=dict(duration=0))])
                             for i, lab in enumerate(labels)])],
    )
    return fig


def _layout(fig: go.Figure, width_cells: float, top: float, bottom: float, *, font_size: int,
            cell_px: int) -> go.Figure:
    fig.update_xaxes(visible=False, range=[-0.7, width_cells])
    fig.update_yaxes(visible=False, range=[bottom, top], scaleanchor="x", scaleratio=1)
    height = int((bottom - top) * cell_px) + 110
    styled(fig, font_size=font_size, height=height)
    fig.update_layout(margin=dict(l=10, r=10, t=10, b=90), showlegend=False, dragmode=False)
    return fig


def _label(fig: go.Figure, x: float, y: float, text: str, color: str, font_size: int) -> None:
    fig.add_annotation(x=x, y=y, text=text, showarrow=False, xanchor="left", yanchor="bottom",
                       font=dict(size=round(font_size * 1.1), color=color))


def cell_pixels(rows: int, cols: int, presenting_font: int) -> int:
    """Pixels a side per cell, so ``rows`` × ``cols`` cells fit the usual figure (larger when projected)."""
    big = presenting_font >= 20
    return int(max(12, min(80 if big else 60, (640 if big else 520) / max(rows, 1), 800 / max(cols, 1))))


def fit_cell_pixels(cell_px: int, rows: int, top: float, n_lines: int, font_size: int,
                    max_height: int | None) -> int:
    """Shrink the cells until the whole figure (grids, sum text, play controls) is at most ``max_height`` px.

    The figure is (rows + 1.9 − top) cells tall plus the text lines and 110 px of margins (see ``finish_figure``).
    """
    if max_height is None:
        return cell_px
    room = max_height - 110 - n_lines * font_size * 1.5
    return int(max(8, min(cell_px, room / (rows + 1.9 - top))))


def draw_operator(fig: go.Figure, s: arithmetic.Setting, w: np.ndarray, x0: float, centre: float, *,
                  numbers: bool, num_size: int, font_size: int) -> float:
    """The lecture's "input ∗ kernel = output": draw the operator and kernel between the grids; return its width."""
    kh, kw = s.kernel
    sign = dict(size=round(font_size * 2), color=INK)
    if s.op in ("maxpool", "avgpool"):
        word = "max" if s.op == "maxpool" else "mean"
        fig.add_annotation(x=x0 + 1.75, y=centre, text=f"<b>{word}</b><br>of each<br>{kh}×{kw}", showarrow=False,
                           font=dict(size=font_size, color=ACCENT))
        fig.add_annotation(x=x0 + 3.5, y=centre, text="→", showarrow=False, font=sign)
        return 4.5
    top = centre - (kh - 1) / 2
    fig.add_annotation(x=x0 + 0.6, y=centre, text="∗", showarrow=False, font=sign)
    text = np.vectorize(format_number)(w) if numbers else None
    fig.add_traces(cell_grid(np.zeros((kh, kw), dtype=int), [KERNEL], dx=x0 + 1.6, dy=top, text=text,
                         ink=ACCENT, font_size=num_size))
    label = "<b>Kernel</b>" + (f" (dilation {s.dilation[0]})" if max(s.dilation) > 1 else "")
    fig.add_annotation(x=x0 + 1.1, y=top + kh - 0.45, text=label, showarrow=False, xanchor="left", yanchor="top",
                       font=dict(size=round(font_size * 1.1), color=ACCENT))
    fig.add_annotation(x=x0 + kw + 2.3, y=centre, text="=" if s.op == "conv" else "→", showarrow=False, font=sign)
    return kw + 3.2


@dataclass(frozen=True)
class Placement:
    """Where the grids of one figure sit on the shared axis (in cells), and its type sizes."""

    rows: int           # height of the tallest grid: the summary text goes below it
    top_in: float       # y of the input's first row
    top_out: float      # y of the output's first row
    ox: float           # x of the output's first column
    cell_px: int
    num_size: int       # numbers inside cells
    font_size: int      # everything else


def finish_figure(fig: go.Figure, frames: list[dict], labels: list[str], start: int, place: Placement, *,
                  in_title: str, out_title: str, out_width: int, n_lines: int, fps: float,
                  prefix: str) -> go.Figure:
    """Show frame ``start`` first, title both grids, size the figure and attach the animation."""
    active = min(max(start, 0), len(frames) - 1)
    for trace in frames[active]["data"]:
        fig.add_trace(trace)
    _label(fig, -0.5, place.top_in - 0.55, in_title, "#1f4e79", place.font_size)
    _label(fig, place.ox - 0.5, place.top_out - 0.55, out_title, "#274e13", place.font_size)
    bottom = place.rows + 0.5 + n_lines * place.font_size * 1.5 / place.cell_px
    # room for a long title over a small map
    spill = max(0.0, len(out_title) * place.font_size * 0.6 / place.cell_px - out_width - 1)
    fig = _layout(fig, place.ox + out_width + spill, min(place.top_in, place.top_out) - 1.4, bottom,
                  font_size=place.font_size, cell_px=place.cell_px)
    return _animate(fig, frames, labels, active, fps=fps, font_size=place.font_size, prefix=prefix)
