"""The sliding window of a convolution or pooling, animated: padded input, kernel window, output map."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from explainer.geometry import arithmetic
from explainer.geometry.arithmetic import format_number
from explainer.geometry.canvas import (ACCENT, INK, INPUT, NUMBERS_MAX, OUTPUT, PAD_INK, PADDING, WINDOW_FILL,
                                       WINDOW_LINE, AnimatedFigure, Placement, cell_grid, cell_pixels,
                                       draw_operator, finish_figure, fit_cell_pixels, frame_range, polygon, squares,
                                       text_trace)


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
    cell_px = fit_cell_pixels(cell_pixels(rows + 2, wp + wo + gap, font_size), rows, min(top_in, top_out),
                              n_lines, font_size, max_height)
    num_size = int(min(font_size * 1.25, cell_px * 0.42))

    fig = AnimatedFigure()
    padded = arithmetic.padded_input(p, x)
    _padded_grid(fig, p, padded, top_in, numbers=numbers, num_size=num_size)
    ox = wp + draw_operator(fig, s, w, wp - 0.5, (rows - 1) / 2, numbers=numbers, num_size=num_size,
                            font_size=font_size)
    fig.add_traces(cell_grid(np.zeros((ho, wo), dtype=int), [OUTPUT], dx=ox, dy=top_out, name="output"))
    place = Placement(rows=rows, top_in=top_in, top_out=top_out, ox=ox, cell_px=cell_px, num_size=num_size,
                       font_size=font_size)

    steps = arithmetic.positions(p)
    shown = frame_range(len(steps), wo, start)
    out_vals = arithmetic.slide(p, x, w) if numbers else None
    first = len(fig.data)
    frames = [dict(data=_window_step(p, x, w, padded, steps, n, out_vals, place),
                   traces=list(range(first, first + 5))) for n in shown]
    labels = ["({}, {})".format(*steps[n]) for n in shown]

    in_title = f"<b>Input</b> {s.size[0]}×{s.size[1]}"
    if p.pads != ((0, 0), (0, 0)):
        in_title += f" + padding → {hp}×{wp}"
    what = {"conv": "feature map", "maxpool": "max-pooled", "avgpool": "average-pooled"}[s.op]
    return finish_figure(fig, frames, labels, start - shown.start, place, in_title=in_title,
                         out_title=f"<b>Output</b> ({what}) {ho}×{wo}", out_width=wo, n_lines=n_lines,
                         fps=fps, prefix="Output cell (row, col): ")


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
        fig.add_trace(text_trace(cs.tolist(), (rs + top).tolist(), [text[r, c] for r, c in zip(rs, cs)],
                                 size=num_size, color=ink))


def _window_step(p: arithmetic.Plan, x, w, padded: np.ndarray, steps: list, n: int, out_vals,
                 place: Placement) -> list[dict]:
    """The 5 moving traces of step ``n``: window, output cell, max-pool winner, outputs so far, the sum."""
    oy, ox = steps[n]
    numbers = out_vals is not None
    cells = arithmetic.window(p, oy, ox)
    wx, wy = squares(cells, dy=place.top_in)
    hx, hy = squares([(oy, ox)], dy=place.top_out, dx=place.ox, inset=0.02)
    mx, my = [], []
    if p.setting.op == "maxpool" and numbers:  # ring the winner: the one value max pooling keeps
        mx, my = squares([cells[int(np.argmax([padded[r, c] for r, c in cells]))]], dy=place.top_in, inset=0.12)
    if numbers:  # outputs computed so far
        outs = text_trace([place.ox + c for _, c in steps], [place.top_out + r for r, _ in steps],
                          [format_number(out_vals[r, c]) if i <= n else "" for i, (r, c) in enumerate(steps)],
                          size=place.num_size, color=INK)
    else:
        outs = text_trace([place.ox], [place.top_out], [""], size=place.num_size, color=INK)
    summary = text_trace([-0.5], [place.rows + 0.15], [_sum_text(p, x, w, oy, ox, cells, numbers)],
                         size=place.font_size, color=INK, position="bottom right")
    return [polygon(wx, wy, fill=WINDOW_FILL, line=WINDOW_LINE),
            polygon(hx, hy, fill="rgba(255,140,0,0.75)", line=WINDOW_LINE, width=4),
            polygon(mx, my, fill="rgba(0,0,0,0)", line=ACCENT, width=5), outs, summary]


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
