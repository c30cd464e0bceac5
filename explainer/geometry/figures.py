"""Plotly figures of the sliding window: input grid with its padding, window, output grid.

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


def _squares(cells, dy: float = 0.0, dx: float = 0.0, inset: float = 0.06):
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
            xs, ys = _squares(zip(rows.tolist(), cols.tolist()), dy=dy, dx=dx, inset=0.04)
            traces.append(dict(type="scatter", x=xs, y=ys, mode="lines", fill="toself", fillcolor=colour,
                               line=dict(width=0, color=colour), hoverinfo="skip", showlegend=False, name=name))
    if text is not None:
        rows, cols = np.indices(kinds.shape)
        traces.append(_text_trace((cols.ravel() + dx).tolist(), (rows.ravel() + dy).tolist(),
                                  [str(v) for v in np.asarray(text).ravel()], size=font_size, color=ink or INK))
    return traces


# Traces are plain dicts: a figure with ~200 frames would spend most of its time validating
# thousands of go.Scatter objects, and every control change rebuilds it.

def _text_trace(xs, ys, texts, *, size: int, color: str, position: str = "middle center") -> dict:
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


def _frame_range(n_steps: int, row_len: int, start: int) -> range:
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


def _cell_px(rows: int, cols: int, presenting_font: int) -> int:
    big = presenting_font >= 20
    return int(max(12, min(80 if big else 60, (640 if big else 520) / max(rows, 1), 800 / max(cols, 1))))


def _fit_height(cell_px: int, rows: int, top: float, n_lines: int, font_size: int, max_height: int | None) -> int:
    """Shrink the cells until the whole figure (grids, sum text, play controls) is at most ``max_height`` px.

    The figure is (rows + 1.9 − top) cells tall plus the text lines and 110 px of margins (see ``_finish``).
    """
    if max_height is None:
        return cell_px
    room = max_height - 110 - n_lines * font_size * 1.5
    return int(max(8, min(cell_px, room / (rows + 1.9 - top))))


def _middle(fig: go.Figure, s: arithmetic.Setting, w: np.ndarray, x0: float, centre: float, *, numbers: bool,
            num_size: int, font_size: int) -> float:
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
class _Placement:
    """Where the grids of one figure sit on the shared axis (in cells), and its type sizes."""

    rows: int           # height of the tallest grid: the summary text goes below it
    top_in: float       # y of the input's first row
    top_out: float      # y of the output's first row
    ox: float           # x of the output's first column
    cell_px: int
    num_size: int       # numbers inside cells
    font_size: int      # everything else


def window_figure(p: arithmetic.Plan, x: np.ndarray, w: np.ndarray, *, numbers: bool, start: int = 0,
                  fps: float = 2.0, font_size: int = 14, max_height: int | None = None) -> go.Figure:
    """Convolution or pooling: the padded input, the kernel window at each step, the output map.

    x: (H, W) input values, w: (kh, kw) kernel (ignored for pooling). Frames are the output
    cells in reading order, starting at ``start``. ``max_height``: the figure's height in pixels
    at most (cells shrink to fit, e.g. a projector's 720 px); default: cells of the usual size.
    """
    s = p.require().setting
    ho, wo = p.out
    hp, wp = p.padded
    numbers = numbers and max(hp, wp, ho, wo) <= NUMBERS_MAX
    rows = max(hp, ho, s.kernel[0] + 1)
    gap = 4.5 if s.op != "conv" else s.kernel[1] + 3.2
    top_in, top_out = (rows - hp) / 2, (rows - ho) / 2
    n_lines = (s.kernel[0] + 1) if numbers and s.op == "conv" else 2
    cell_px = _fit_height(_cell_px(rows + 2, wp + wo + gap, font_size), rows, min(top_in, top_out), n_lines,
                          font_size, max_height)
    num_size = int(min(font_size * 1.25, cell_px * 0.42))

    fig = AnimatedFigure()
    padded = arithmetic.padded_input(p, x)
    _padded_grid(fig, p, padded, top_in, numbers=numbers, num_size=num_size)
    ox = wp + _middle(fig, s, w, wp - 0.5, (rows - 1) / 2, numbers=numbers, num_size=num_size, font_size=font_size)
    fig.add_traces(cell_grid(np.zeros((ho, wo), dtype=int), [OUTPUT], dx=ox, dy=top_out, name="output"))
    place = _Placement(rows=rows, top_in=top_in, top_out=top_out, ox=ox, cell_px=cell_px, num_size=num_size,
                       font_size=font_size)

    steps = arithmetic.positions(p)
    shown = _frame_range(len(steps), wo, start)
    out_vals = arithmetic.slide(p, x, w) if numbers else None
    first = len(fig.data)
    frames = [dict(data=_window_step(p, x, w, padded, steps, n, out_vals, place),
                   traces=list(range(first, first + 5))) for n in shown]
    labels = ["({}, {})".format(*steps[n]) for n in shown]

    in_title = f"<b>Input</b> {s.size[0]}×{s.size[1]}"
    if p.pads != ((0, 0), (0, 0)):
        in_title += f" + padding → {hp}×{wp}"
    what = {"conv": "feature map", "maxpool": "max-pooled", "avgpool": "average-pooled"}[s.op]
    return _finish(fig, frames, labels, start - shown.start, place, in_title=in_title,
                   out_title=f"<b>Output</b> ({what}) {ho}×{wo}", out_width=wo, n_lines=n_lines, fps=fps,
                   prefix="Output cell (row, col): ")


def _padded_grid(fig: go.Figure, p: arithmetic.Plan, padded: np.ndarray, top: float, *, numbers: bool,
                 num_size: int) -> None:
    """The input with its padding ring; padding numbers in grey, so "0 from padding" never reads as data."""
    hp, wp = padded.shape
    (pt, pb), (pl, pr) = p.pads
    kinds = np.ones((hp, wp), dtype=int)
    kinds[:pt, :] = kinds[hp - pb:, :] = kinds[:, :pl] = kinds[:, wp - pr:] = 0
    fig.add_traces(cell_grid(kinds, [PADDING, INPUT], dx=0, dy=top, name="input"))
    if not numbers:
        return
    text = np.vectorize(format_number)(padded)
    for kind, ink in ((0, PAD_INK), (1, INK)):
        rs, cs = np.nonzero(kinds == kind)
        fig.add_trace(_text_trace(cs.tolist(), (rs + top).tolist(), [text[r, c] for r, c in zip(rs, cs)],
                                  size=num_size, color=ink))


def _window_step(p: arithmetic.Plan, x, w, padded: np.ndarray, steps: list, n: int, out_vals,
                 place: _Placement) -> list[dict]:
    """The 5 moving traces of step ``n``: window, output cell, max-pool winner, outputs so far, the sum."""
    oy, ox = steps[n]
    numbers = out_vals is not None
    cells = arithmetic.window(p, oy, ox)
    wx, wy = _squares(cells, dy=place.top_in)
    hx, hy = _squares([(oy, ox)], dy=place.top_out, dx=place.ox, inset=0.02)
    mx, my = [], []
    if p.setting.op == "maxpool" and numbers:  # ring the winner: the one value max pooling keeps
        mx, my = _squares([cells[int(np.argmax([padded[r, c] for r, c in cells]))]], dy=place.top_in, inset=0.12)
    if numbers:  # outputs computed so far
        outs = _text_trace([place.ox + c for _, c in steps], [place.top_out + r for r, _ in steps],
                           [format_number(out_vals[r, c]) if i <= n else "" for i, (r, c) in enumerate(steps)],
                           size=place.num_size, color=INK)
    else:
        outs = _text_trace([place.ox], [place.top_out], [""], size=place.num_size, color=INK)
    summary = _text_trace([-0.5], [place.rows + 0.15], [_sum_text(p, x, w, oy, ox, cells, numbers)],
                          size=place.font_size, color=INK, position="bottom right")
    return [polygon(wx, wy, fill=WINDOW_FILL, line=WINDOW_LINE),
            polygon(hx, hy, fill="rgba(255,140,0,0.75)", line=WINDOW_LINE, width=4),
            polygon(mx, my, fill="rgba(0,0,0,0)", line=ACCENT, width=5), outs, summary]


def _finish(fig: go.Figure, frames: list[dict], labels: list[str], start: int, place: _Placement, *,
            in_title: str, out_title: str, out_width: int, n_lines: int, fps: float, prefix: str) -> go.Figure:
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


def _sum_text(p: arithmetic.Plan, x, w, oy: int, ox: int, cells, numbers: bool) -> str:
    s = p.setting
    rs, cs = [r for r, _ in cells], [c for _, c in cells]
    (pt, _), (pl, _) = p.pads
    pads = sum(arithmetic.is_padding(p, r, c) for r, c in cells)
    where = (f"output ({oy}, {ox}) ← input rows {min(rs) - pt}…{max(rs) - pt}, cols {min(cs) - pl}…{max(cs) - pl}"
             + (f" · {pads} padding cell{'s' if pads > 1 else ''}" if pads else ""))
    if not numbers:
        return where
    cell = arithmetic.output_cell(p, x, w, oy, ox)
    if s.op != "conv":
        return where + "<br>" + cell.text
    kw = s.kernel[1]
    terms = [f"{format_number(a)}×{arithmetic.signed_number(b)}" for a, b in zip(cell.inputs, cell.weights)]
    lines = [" + ".join(terms[i:i + kw]) + " +" for i in range(0, len(terms), kw)]
    lines[-1] = lines[-1][:-2] + f" = <b>{format_number(cell.value)}</b>"
    return where + "<br>" + "<br>".join(lines)


def transposed_figure(p: arithmetic.Plan, x: np.ndarray, w: np.ndarray, *, numbers: bool, start: int = 0,
                      fps: float = 2.0, font_size: int = 14, max_height: int | None = None) -> go.Figure:
    """Transposed convolution as scattering: each INPUT cell stamps value × kernel into the OUTPUT.

    The output is drawn uncropped: cells that padding removes are greyed out and labelled,
    so the small input and the large output can never be mistaken for each other.
    """
    s = p.require().setting
    h, wid = s.size
    ho, wo = p.out
    (pt, _), (pl, _) = p.pads
    fh, fw = arithmetic.full_size(p)
    ch, cw = max(fh, pt + ho), max(fw, pl + wo)         # canvas: full result (+ output padding)
    numbers = numbers and max(ch, cw) <= NUMBERS_MAX
    rows = max(h, ch, s.kernel[0] + 1)
    top_in, top_out = (rows - h) / 2, (rows - ch) / 2
    cell_px = _fit_height(_cell_px(rows + 2, wid + cw + s.kernel[1] + 3.2, font_size), rows, min(top_in, top_out),
                          3, font_size, max_height)
    num_size = int(min(font_size * 1.2, cell_px * 0.38))

    fig = AnimatedFigure()
    fig.add_traces(cell_grid(np.zeros((h, wid), dtype=int), [INPUT], dx=0, dy=top_in,
                             text=np.vectorize(format_number)(x) if numbers else None, font_size=num_size,
                             name="input"))
    ox = wid + _middle(fig, s, w, wid - 0.5, (rows - 1) / 2, numbers=numbers, num_size=num_size,
                       font_size=font_size)
    kinds = np.zeros((ch, cw), dtype=int)
    kinds[pt:pt + ho, pl:pl + wo] = 1
    fig.add_traces(cell_grid(kinds, [CROPPED, OUTPUT], dx=ox, dy=top_out, name="output"))
    place = _Placement(rows=rows, top_in=top_in, top_out=top_out, ox=ox, cell_px=cell_px, num_size=num_size,
                       font_size=font_size)

    steps = arithmetic.positions(p)
    shown = _frame_range(len(steps), wid, start)
    first = len(fig.data)
    frames = [dict(data=data, traces=list(range(first, first + 5)))
              for data in _scatter_steps(p, x, w, (ch, cw), shown, place, numbers=numbers)]
    labels = ["({}, {})".format(*steps[n]) for n in shown]
    return _finish(fig, frames, labels, start - shown.start, place, in_title=f"<b>INPUT</b> {h}×{wid}",
                   out_title=f"<b>OUTPUT</b> {ho}×{wo}", out_width=cw, n_lines=3, fps=fps,
                   prefix="Input cell (row, col): ")


def _scatter_steps(p: arithmetic.Plan, x, w, canvas_shape: tuple[int, int], shown: range, place: _Placement, *,
                   numbers: bool):
    """The 5 moving traces of each shown step: input cell, cells it feeds, what it adds, running sums, text.

    Every step before ``shown`` is added into the running sums too, so a band in the middle starts right.
    """
    ch, cw = canvas_shape
    canvas = np.zeros(canvas_shape)
    touched = np.zeros(canvas_shape, dtype=bool)
    small = max(11, int(place.num_size * 0.8))
    cells = [(r, c) for r in range(ch) for c in range(cw)] if numbers else [(0, 0)]
    for n, (iy, ix) in enumerate(arithmetic.positions(p)[:shown.stop]):
        fed = arithmetic.feeds(p, iy, ix)
        for fy, fx, i, j in fed:
            canvas[fy, fx] += x[iy, ix] * w[i, j]
            touched[fy, fx] = True
        if n < shown.start:
            continue
        cx, cy = _squares([(iy, ix)], dy=place.top_in, inset=0.02)
        fx_, fy_ = _squares([(fy, fx) for fy, fx, _, _ in fed], dy=place.top_out, dx=place.ox)
        adds = [f"+{format_number(x[iy, ix] * w[i, j])}" if numbers and place.cell_px >= 44 else ""
                for _, _, i, j in fed]
        corner = _text_trace([place.ox + f[1] + 0.47 for f in fed], [place.top_out + f[0] + 0.47 for f in fed],
                             adds, size=small, color=ACCENT, position="top left")
        totals = _text_trace([place.ox + c for _, c in cells], [place.top_out + r for r, _ in cells],
                             [format_number(canvas[r, c]) if numbers and touched[r, c] else "" for r, c in cells],
                             size=place.num_size, color=INK)
        summary = _text_trace([-0.5], [place.rows + 0.15], [_stamp_text(p, x, iy, ix, fed, canvas_shape, numbers)],
                              size=place.font_size, color=INK, position="bottom right")
        yield [polygon(cx, cy, fill="rgba(255,140,0,0.35)", line=WINDOW_LINE, width=5),
               polygon(fx_, fy_, fill=WINDOW_FILL, line=WINDOW_LINE), corner, totals, summary]


def _stamp_text(p: arithmetic.Plan, x, iy: int, ix: int, fed: list, canvas_shape: tuple[int, int],
                numbers: bool) -> str:
    """What one input cell of a transposed convolution does, in words."""
    ho, wo = p.out
    (pt, _), (pl, _) = p.pads
    kept = sum(pt <= fy < pt + ho and pl <= fx < pl + wo for fy, fx, _, _ in fed)
    msg = (f"input ({iy}, {ix}) stamps the kernel onto {len(fed)} output cells"
           + (f"; {len(fed) - kept} land in the cropped border" if kept < len(fed) else ""))
    if numbers:
        msg += f"<br>each gets {format_number(x[iy, ix])} × its kernel weight; numbers are running sums"
    if canvas_shape != (ho, wo):
        msg += f"<br>grey: the full {canvas_shape[0]}×{canvas_shape[1]} result, before padding={pt} crops the border"
    return msg


def geometry_figure(p: arithmetic.Plan, x: np.ndarray, w: np.ndarray, **kw) -> go.Figure:
    """The animated figure for any operation (see :func:`window_figure`, :func:`transposed_figure`)."""
    return (transposed_figure if p.setting.op == "transposed" else window_figure)(p, x, w, **kw)
