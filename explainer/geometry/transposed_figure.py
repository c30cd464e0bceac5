"""Transposed convolution, animated as scattering: each input cell stamps value × kernel into the output."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from explainer.geometry import arithmetic
from explainer.geometry.arithmetic import format_number
from explainer.geometry.canvas import (ACCENT, CROPPED, INK, INPUT, NUMBERS_MAX, OUTPUT, WINDOW_FILL, WINDOW_LINE,
                                       AnimatedFigure, Placement, cell_grid, cell_pixels, draw_operator,
                                       finish_figure, fit_cell_pixels, frame_range, polygon, squares, text_trace)


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
    cell_px = fit_cell_pixels(cell_pixels(rows + 2, wid + cw + s.kernel[1] + 3.2, font_size), rows,
                              min(top_in, top_out), 3, font_size, max_height)
    num_size = int(min(font_size * 1.2, cell_px * 0.38))

    fig = AnimatedFigure()
    fig.add_traces(cell_grid(np.zeros((h, wid), dtype=int), [INPUT], dx=0, dy=top_in,
                             text=np.vectorize(format_number)(x) if numbers else None, font_size=num_size,
                             name="input"))
    ox = wid + draw_operator(fig, s, w, wid - 0.5, (rows - 1) / 2, numbers=numbers, num_size=num_size,
                             font_size=font_size)
    kinds = np.zeros((ch, cw), dtype=int)
    kinds[pt:pt + ho, pl:pl + wo] = 1
    fig.add_traces(cell_grid(kinds, [CROPPED, OUTPUT], dx=ox, dy=top_out, name="output"))
    place = Placement(rows=rows, top_in=top_in, top_out=top_out, ox=ox, cell_px=cell_px, num_size=num_size,
                       font_size=font_size)

    steps = arithmetic.positions(p)
    shown = frame_range(len(steps), wid, start)
    first = len(fig.data)
    frames = [dict(data=data, traces=list(range(first, first + 5)))
              for data in _scatter_steps(p, x, w, (ch, cw), shown, place, numbers=numbers)]
    labels = ["({}, {})".format(*steps[n]) for n in shown]
    return finish_figure(fig, frames, labels, start - shown.start, place, in_title=f"<b>INPUT</b> {h}×{wid}",
                         out_title=f"<b>OUTPUT</b> {ho}×{wo}", out_width=cw, n_lines=3, fps=fps,
                         prefix="Input cell (row, col): ")


def _scatter_steps(p: arithmetic.Plan, x, w, canvas_shape: tuple[int, int], shown: range, place: Placement, *,
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
        cx, cy = squares([(iy, ix)], dy=place.top_in, inset=0.02)
        fx_, fy_ = squares([(fy, fx) for fy, fx, _, _ in fed], dy=place.top_out, dx=place.ox)
        adds = [f"+{format_number(x[iy, ix] * w[i, j])}" if numbers and place.cell_px >= 44 else ""
                for _, _, i, j in fed]
        corner = text_trace([place.ox + f[1] + 0.47 for f in fed], [place.top_out + f[0] + 0.47 for f in fed],
                            adds, size=small, color=ACCENT, position="top left")
        totals = text_trace([place.ox + c for _, c in cells], [place.top_out + r for r, _ in cells],
                            [format_number(canvas[r, c]) if numbers and touched[r, c] else "" for r, c in cells],
                            size=place.num_size, color=INK)
        summary = text_trace([-0.5], [place.rows + 0.15],
                             [_stamp_text(p, x, iy, ix, fed, canvas_shape, numbers)],
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
