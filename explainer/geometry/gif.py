"""The padding & stride animation as an animated GIF, one frame per step of the sliding window.

Each frame shows the padded input (padding in grey, the window the kernel covers now in
yellow with the kernel weight in its corner), the kernel, the output filling in, and the
multiply-and-add of the current cell with the output-size formula.

Index math comes from :mod:`explainer.geometry.arithmetic` (``plan``, ``positions``, ``window``
and, for transposed convolution, ``feeds``/``scatter``); only drawing happens here.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from explainer import drawing
from explainer.geometry import arithmetic

#: More steps than this make a GIF too long to watch and too slow to make: say so instead.
MAX_STEPS = 400
PAD_FILL, CELL_FILL, WINDOW_FILL, DONE_FILL, NOW_FILL = ((225, 225, 225), (255, 255, 255), (255, 226, 120),
                                                       (214, 234, 248), (255, 170, 60))
EDGE = (120, 120, 120)
#: Every colour a frame is drawn with: the GIF palette is built from these (fast, exact, no dithering).
FLAT_COLOURS = [drawing.PAPER, drawing.INK, drawing.MUTED, EDGE, PAD_FILL, CELL_FILL, WINDOW_FILL, DONE_FILL,
                NOW_FILL, (200, 80, 0), (150, 60, 0)]


class GifError(ValueError):
    """The setting cannot be animated; ``str(err)`` is a message for the user."""


@dataclass(frozen=True)
class Look:
    cell: int        # pixels per cell
    numbers: bool    # write the values in the cells
    font_px: int


def _number(v: float) -> str:
    if v == -np.inf:
        return "−∞"
    return str(int(v)) if float(v).is_integer() else f"{v:.2f}".rstrip("0")


def _panel(labels, fills, look: Look, title: str, *, corner=None, thick=()) -> Image.Image:
    """A grid of cells: ``labels``/``fills`` are row lists; ``corner`` small text per cell; ``thick`` cells outlined."""
    rows, cols, c = len(labels), len(labels[0]), look.cell
    head = look.font_px + 14
    img = Image.new("RGB", (cols * c + 2, rows * c + head + 2), drawing.PAPER)
    draw = ImageDraw.Draw(img)
    drawing.write(draw, (1, head / 2), drawing.fit_text(title, look.font_px, max(60, cols * c)), look.font_px,
                  anchor="lm")
    small = max(9, c // 4)
    for r in range(rows):
        for q in range(cols):
            box = [1 + q * c, head + r * c, 1 + (q + 1) * c, head + (r + 1) * c]
            draw.rectangle(box, fill=fills[r][q], outline=EDGE)
            if look.numbers and labels[r][q]:
                size = max(9, min(round(c * 0.42), round(c * 1.6 / max(1, len(labels[r][q])))))
                drawing.write(draw, ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2 + 2), labels[r][q], size,
                              anchor="mm")
            if look.numbers and corner and corner[r][q]:
                drawing.write(draw, (box[2] - 3, box[1] + 2), corner[r][q], small, fill=(150, 60, 0), anchor="ra")
    for r, q in thick:
        draw.rectangle([1 + q * c, head + r * c, 1 + (q + 1) * c, head + (r + 1) * c], outline=(200, 80, 0), width=3)
    return img


def _default_values(p: arithmetic.Plan) -> tuple[np.ndarray, np.ndarray]:
    """Small integers anyone can add in their head: a ramp input and a vertical-edge kernel."""
    h, w = p.setting.size
    kh, kw = p.setting.kernel
    x = (np.arange(h)[:, None] * 3 + np.arange(w)[None, :] * 7) % 10
    k = np.tile(np.sign(np.arange(kw) - (kw - 1) / 2)[::-1], (kh, 1)) if kw > 1 else np.ones((kh, kw))
    return x.astype(float), k.astype(float)


def _look(p: arithmetic.Plan, cell_px: int | None, numbers: bool | None) -> Look:
    widest = p.padded[1] + p.out[1] + p.setting.kernel[1]
    cell = cell_px or int(np.clip(760 // max(1, widest), 14, 44))
    return Look(cell=cell, numbers=cell >= 24 if numbers is None else numbers, font_px=max(14, min(22, cell // 2)))


def _size_formula(p: arithmetic.Plan) -> str:
    s = p.setting
    parts = []
    for axis, n, k, st, d, (a, b), out in zip(("height", "width"), s.size, s.kernel, s.stride, s.dilation,
                                              p.pads, p.out):
        kk = f"{d}·({k}−1)" if d > 1 else f"({k}−1)"
        parts.append(f"{axis} ⌊({n} + {a + b} − {kk} − 1)/{st}⌋ + 1 = {out}")
    return "Output size:  " + "   ·   ".join(parts)


def _window_frame(p, xp, w, done, step, look) -> Image.Image:
    """One frame of convolution / pooling: ``done`` output values so far, ``step`` the current cell (or None)."""
    s = p.setting
    ph, pw = p.padded
    oh, ow = p.out
    cells = set(arithmetic.window(p, *step)) if step else set()
    kernel_at = {rc: i for i, rc in enumerate(arithmetic.window(p, *step))} if step else {}
    is_pad = np.ones((ph, pw), bool)
    (t, _), (l, _) = p.pads
    is_pad[t:t + s.size[0], l:l + s.size[1]] = False
    fills = [[WINDOW_FILL if (r, q) in cells else PAD_FILL if is_pad[r, q] else CELL_FILL for q in range(pw)]
             for r in range(ph)]
    labels = [[_number(xp[r, q]) for q in range(pw)] for r in range(ph)]
    conv = s.op == "conv"
    corner = ([["" if (r, q) not in kernel_at else "×" + _number(w.ravel()[kernel_at[(r, q)]])
                for q in range(pw)] for r in range(ph)] if conv else None)
    panels = [_panel(labels, fills, look, "Input with padding", corner=corner, thick=cells)]
    if conv:
        panels.append(_panel([[_number(v) for v in row] for row in w], [[CELL_FILL] * w.shape[1]] * w.shape[0],
                             look, "Kernel"))
    out_labels = [[_number(done[r, q]) if not np.isnan(done[r, q]) else "" for q in range(ow)] for r in range(oh)]
    out_fills = [[NOW_FILL if (r, q) == step else DONE_FILL if not np.isnan(done[r, q]) else CELL_FILL
                  for q in range(ow)] for r in range(oh)]
    panels.append(_panel(out_labels, out_fills, look, f"Output {oh}×{ow}"))
    return drawing.grid(panels, len(panels), gap=3 * look.cell // 2 + 8)


def _cell_sum(p, xp, w, step) -> tuple[float, str]:
    ins = [xp[r, q] for r, q in arithmetic.window(p, *step)]
    op = p.setting.op
    if op == "maxpool":
        v = max(ins)
        return v, f"max({', '.join(map(_number, ins))}) = {_number(v)}"
    if op == "avgpool":
        v = sum(ins) / len(ins)
        return v, f"({' + '.join(map(_number, ins))}) / {len(ins)} = {_number(v)}"
    ws = w.ravel()
    v = float(sum(a * b for a, b in zip(ins, ws)))
    terms = [f"{_number(a)}×{_number(b) if b >= 0 else '(' + _number(b) + ')'}" for a, b in zip(ins, ws)]
    return v, " + ".join(terms) + f" = {_number(v)}"


def _scatter_frame(p, x, w, n, look) -> tuple[Image.Image, str]:
    """Transposed convolution after ``n`` input cells: input cell n-1 scatters value × kernel."""
    h, wd = p.setting.size
    oh, ow = p.out
    steps = arithmetic.positions(p)
    now = steps[n - 1] if n else None
    out = arithmetic.scatter(p, x, w, steps=n)
    (t, _), (l, _) = p.pads
    fed = {(fy - t, fx - l) for fy, fx, *_ in arithmetic.feeds(p, *now)} if now else set()
    fed = {(r, q) for r, q in fed if 0 <= r < oh and 0 <= q < ow}
    reached = set()
    for iy, ix in steps[:n]:
        reached |= {(fy - t, fx - l) for fy, fx, *_ in arithmetic.feeds(p, iy, ix)}
    panels = [
        _panel([[_number(v) for v in row] for row in x],
               [[WINDOW_FILL if (r, q) == now else CELL_FILL for q in range(wd)] for r in range(h)],
               look, "Input", thick={now} if now else ()),
        _panel([[_number(v) for v in row] for row in w], [[CELL_FILL] * w.shape[1]] * w.shape[0], look, "Kernel"),
        _panel([[_number(out[r, q]) if (r, q) in reached else "" for q in range(ow)] for r in range(oh)],
               [[NOW_FILL if (r, q) in fed else DONE_FILL if (r, q) in reached else CELL_FILL for q in range(ow)]
                for r in range(oh)], look, f"Output {oh}×{ow}", thick=fed),
    ]
    text = (f"Input ({now[0]}, {now[1]}) = {_number(x[now])} adds {_number(x[now])} × kernel into the output"
            if now else "Each input cell adds (value × kernel) into the output")
    return drawing.grid(panels, 3, gap=3 * look.cell // 2 + 8), text


def _transposed_formula(p: arithmetic.Plan) -> str:
    s = p.setting
    parts = [f"{axis} ({n}−1)·{st} − {a + b} + {d}·({k}−1) + {op} + 1 = {out}"
             for axis, n, k, st, d, (a, b), op, out in zip(("height", "width"), s.size, s.kernel, s.stride,
                                                           s.dilation, p.pads, s.output_padding, p.out)]
    return "Output size:  " + "   ·   ".join(parts)


def animatable(setting) -> arithmetic.Plan:
    """The checked plan of ``setting`` (a Setting or Plan), or :class:`GifError` saying why it can't be a GIF.

    Cheap (index arithmetic only): a page calls it before offering the download.
    """
    p = setting if isinstance(setting, arithmetic.Plan) else arithmetic.plan(setting)
    if not p.ok:
        raise GifError(p.problems[0])
    steps = len(arithmetic.positions(p))
    if steps > MAX_STEPS:
        raise GifError(f"This setting has {steps} steps; a GIF stops being watchable long before that. "
                       f"Use a smaller input or a larger stride (at most {MAX_STEPS} steps).")
    return p


@dataclass(frozen=True)
class StepSum:
    """One step of the window: the output cell, its value and the sum written out."""

    cell: tuple[int, int]
    value: float
    text: str


def _values(p: arithmetic.Plan, x, w) -> tuple[np.ndarray, np.ndarray]:
    dx, dw = _default_values(p)
    x = dx if x is None else np.asarray(x, dtype=float)
    w = dw if w is None else np.asarray(w, dtype=float)
    if x.shape != tuple(p.setting.size) or w.shape != tuple(p.setting.kernel):
        raise GifError(f"Values of shape {x.shape} and kernel {w.shape} do not fit the setting "
                       f"{p.setting.size} / {p.setting.kernel}.")
    return x, w


def _padded(p: arithmetic.Plan, x: np.ndarray) -> np.ndarray:
    (t, b), (l, r) = p.pads
    return np.pad(x, ((t, b), (l, r)), constant_values=-np.inf if p.setting.op == "maxpool" else 0.0)


def window_sums(setting, x: np.ndarray | None = None, w: np.ndarray | None = None) -> list[StepSum]:
    """Convolution / pooling: every output cell in the order the window visits it, as the frames write it."""
    p = animatable(setting)
    if p.setting.op == "transposed":
        raise GifError("Transposed convolution scatters input cells; it has no window sums.")
    x, w = _values(p, x, w)
    xp = _padded(p, x)
    return [StepSum(step, *_cell_sum(p, xp, w, step)) for step in arithmetic.positions(p)]


def animation_frames(setting, x: np.ndarray | None = None, w: np.ndarray | None = None, *,
                     cell_px: int | None = None, numbers: bool | None = None):
    """Yield the frames (PIL images): the empty output first, then one per step of the window.

    ``setting``: an :class:`arithmetic.Setting` or a checked :class:`arithmetic.Plan`; ``x`` the
    (H, W) input and ``w`` the (kh, kw) kernel (default: a ramp of small integers and a
    vertical-edge kernel). ``numbers``: write values in the cells (default: when cells are ≥ 24 px).
    """
    p = animatable(setting)
    x, w = _values(p, x, w)
    look = _look(p, cell_px, numbers)
    n_steps = len(arithmetic.positions(p))
    strips: dict = {}
    if p.setting.op == "transposed":
        formula = _transposed_formula(p)
        for n in range(n_steps + 1):
            img, text = _scatter_frame(p, x, w, n, look)
            yield _with_text(img, [f"Step {n} / {n_steps}", text, formula], look, strips)
        return
    xp, done, formula = _padded(p, x), np.full(p.out, np.nan), _size_formula(p)
    yield _with_text(_window_frame(p, xp, w, done, None, look),
                     [f"Step 0 / {n_steps}", "The window starts at the top-left corner of the padded input",
                      formula], look, strips)
    for n, s in enumerate(window_sums(p, x, w), start=1):
        done[s.cell] = s.value
        yield _with_text(_window_frame(p, xp, w, done, s.cell, look),
                         [f"Step {n} / {n_steps}: output {s.cell}", s.text, formula], look, strips)


def _with_text(img: Image.Image, lines: list[str], look: Look, strips: dict) -> Image.Image:
    """``img`` centred above its caption lines; ``strips`` caches rendered lines (the formula repeats)."""
    width = max(img.width, 720)
    rendered = []
    for line in lines:
        if (line, width) not in strips:
            strips[(line, width)] = drawing.captioned(Image.new("RGB", (width, 0), drawing.PAPER), line,
                                                      size=look.font_px)
        rendered.append(strips[(line, width)])
    canvas = Image.new("RGB", (width, img.height + sum(r.height for r in rendered)), drawing.PAPER)
    canvas.paste(img, ((width - img.width) // 2, 0))
    y = img.height
    for strip in rendered:
        canvas.paste(strip, (0, y))
        y += strip.height
    return canvas


def padding_stride_gif(setting, x: np.ndarray | None = None, w: np.ndarray | None = None, *,
                       fps: float = 3.0, hold_s: float = 1.5, cell_px: int | None = None,
                       numbers: bool | None = None) -> bytes:
    """The sliding window as an animated GIF (loops): steps + 1 frames, the first and last held ``hold_s``.

    Arguments as :func:`animation_frames`; ``fps``: steps per second. Raises :class:`GifError`
    for a setting that cannot run or has more than ``MAX_STEPS`` steps.
    """
    frames = list(animation_frames(setting, x, w, cell_px=cell_px, numbers=numbers))
    # A long sum can wrap onto a second line: lay every frame on one canvas, the largest.
    size = (max(f.width for f in frames), max(f.height for f in frames))
    frames = [f if f.size == size else _on_canvas(f, size) for f in frames]
    step = round(1000 / max(0.25, fps))
    durations = [round(hold_s * 1000)] + [step] * (len(frames) - 2) + [round(hold_s * 1000)]
    return drawing.gif_bytes(frames, durations[: len(frames)], flat_colours=FLAT_COLOURS)


def _on_canvas(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    canvas = Image.new("RGB", size, drawing.PAPER)
    canvas.paste(img, ((size[0] - img.width) // 2, 0))
    return canvas
