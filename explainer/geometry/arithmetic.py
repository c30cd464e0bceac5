"""Convolution arithmetic: output sizes, padding, index maps, receptive fields.

Pure index math, no drawing: the page and the figures only colour the cells this
module names. Conventions follow PyTorch (cross-correlation, no kernel flip; weights
of a transposed convolution are *scattered* from each input cell). Every size has a
1-D function (one axis) and :func:`plan` applies them to both axes of a
:class:`Setting`, collecting what is impossible as plain-language ``problems``.

Formulas (one axis, input n, kernel k, padding p each side, stride s, dilation d)::

    convolution / pooling   out = floor((n + 2p - d(k-1) - 1) / s) + 1
    transposed convolution  out = (n - 1)s - 2p + d(k-1) + output_padding + 1
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

Pair = tuple[int, int]

OPERATIONS = {"conv": "Convolution", "transposed": "Transposed convolution",
              "maxpool": "Max pooling", "avgpool": "Average pooling"}
PADDING_MODES = {"valid": "Valid (no padding)", "same": "Same (keep the size)", "custom": "Custom"}


class GeometryError(ValueError):
    """An impossible setting; ``str(err)`` is a message for the student."""


# --------------------------------------------------------------------------- one axis

def conv_output_size(n: int, k: int, *, padding: int | Pair = 0, stride: int = 1, dilation: int = 1) -> int:
    """Cells along one axis after a convolution (``padding`` per side, or (before, after))."""
    before, after = (padding, padding) if isinstance(padding, int) else padding
    return (n + before + after - dilation * (k - 1) - 1) // stride + 1


def transposed_output_size(n: int, k: int, *, padding: int = 0, stride: int = 1, dilation: int = 1,
                           output_padding: int = 0) -> int:
    """Cells along one axis after ``nn.ConvTranspose2d``: padding *crops* the result."""
    return (n - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1


def pool_output_size(n: int, k: int, *, padding: int = 0, stride: int | None = None, dilation: int = 1,
                     ceil_mode: bool = False) -> int:
    """Cells along one axis after max/avg pooling (stride defaults to the kernel, as in torch)."""
    s = k if stride is None else stride
    span = n + 2 * padding - dilation * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= n + padding:  # the last window would start in the padding
        out -= 1
    return out


def same_padding(k: int, dilation: int = 1) -> Pair:
    """(before, after) padding that keeps the size at stride 1; uneven when d(k-1) is odd.

    Like ``padding='same'`` in PyTorch, the extra cell goes after (bottom / right).
    """
    total = dilation * (k - 1)
    return total // 2, total - total // 2


def parameter_count(kernel: Pair, in_channels: int, filters: int, *, bias: bool = True) -> int:
    """Learned numbers in a bank of ``filters`` kernels of ``kh×kw×in_channels`` (+1 bias each)."""
    return filters * (kernel[0] * kernel[1] * in_channels + int(bias))


# --------------------------------------------------------------------------- a setting

@dataclass(frozen=True)
class Setting:
    """Everything the page lets you choose; pairs are (height, width)."""

    op: str = "conv"
    size: Pair = (5, 5)
    kernel: Pair = (3, 3)
    stride: Pair = (1, 1)
    dilation: Pair = (1, 1)
    padding_mode: str = "valid"
    padding: Pair = (0, 0)          # used when padding_mode == "custom": cells on each side
    output_padding: Pair = (0, 0)   # transposed convolution only
    in_channels: int = 1
    out_channels: int = 1

    def with_(self, **changes) -> "Setting":
        return replace(self, **changes)


@dataclass(frozen=True)
class Plan:
    """A checked setting: resolved padding, output size (None when impossible), messages."""

    setting: Setting
    pads: tuple[Pair, Pair]            # ((top, bottom), (left, right))
    out: Pair | None
    problems: tuple[str, ...] = ()     # why it cannot run
    notes: tuple[str, ...] = field(default=())  # runs, but worth knowing

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def padded(self) -> Pair:
        """Size of the input with its padding (convolution and pooling)."""
        (t, b), (l, r) = self.pads
        return self.setting.size[0] + t + b, self.setting.size[1] + l + r

    def require(self) -> "Plan":
        """Return self, or raise :class:`GeometryError` carrying the first problem."""
        if self.problems:
            raise GeometryError(self.problems[0])
        return self


_AXES = ("height", "width")


def _resolve_pads(s: Setting) -> tuple[Pair, Pair]:
    if s.padding_mode == "same":
        return tuple(same_padding(k, d) for k, d in zip(s.kernel, s.dilation))  # type: ignore[return-value]
    if s.padding_mode == "custom":
        return tuple((p, p) for p in s.padding)  # type: ignore[return-value]
    return (0, 0), (0, 0)


def plan(s: Setting) -> Plan:
    """Check ``s`` and compute its output size; never raises for a bad setting."""
    if s.op not in OPERATIONS:
        return Plan(setting=s, pads=((0, 0), (0, 0)), out=None,
                    problems=(f"Unknown operation {s.op!r}; choose one of {list(OPERATIONS)}.",))
    if s.padding_mode not in PADDING_MODES:
        return Plan(setting=s, pads=((0, 0), (0, 0)), out=None, problems=(f"Unknown padding {s.padding_mode!r}.",))
    pads = _resolve_pads(s)
    problems = _range_problems(s)
    if problems:
        return Plan(setting=s, pads=pads, out=None, problems=tuple(problems))
    notes: list[str] = []
    if s.op == "avgpool" and max(s.dilation) > 1:
        problems.append("Average pooling has no dilation in PyTorch (nn.AvgPool2d takes no dilation): set it to 1.")
    if s.op != "transposed" and max(s.output_padding) > 0:
        notes.append("Output padding only exists for transposed convolution; it is ignored here.")
    if s.padding_mode == "same":
        _check_same_padding(s, pads, problems, notes)
    if s.op == "transposed":
        out = _transposed_out(s, pads, problems)
    else:
        out = _window_out(s, pads, problems)
        if not problems:
            notes += _stride_leftovers(s, pads)
    if problems:
        return Plan(setting=s, pads=pads, out=None, problems=tuple(problems), notes=tuple(notes))
    return Plan(setting=s, pads=pads, out=out, notes=tuple(notes))


def _range_problems(s: Setting) -> list[str]:
    """Numbers out of range (a size of 0, a stride of 0, no channels): nothing else can be checked."""
    problems = []
    for label, pair, low in (("input size", s.size, 1), ("kernel size", s.kernel, 1), ("dilation", s.dilation, 1),
                             ("padding", s.padding, 0), ("output padding", s.output_padding, 0)):
        if min(pair) < low:
            problems.append(f"The {label} must be at least {low} (got {pair[0]}×{pair[1]}).")
    if min(s.stride) < 1:
        problems.append("A stride of 0 would never move the window: every step would land on the same "
                        "cells. The stride is how many cells the window jumps; it must be at least 1.")
    if min(s.in_channels, s.out_channels) < 1:
        problems.append("There must be at least one input channel and one filter.")
    return problems


def _check_same_padding(s: Setting, pads: tuple[Pair, Pair], problems: list[str], notes: list[str]) -> None:
    """'Same' keeps the size only at stride 1, and is symmetric only when d(k-1) is even."""
    if max(s.stride) > 1:
        problems.append(f"'Same' padding keeps the size only at stride 1; with stride "
                        f"{s.stride[0]}×{s.stride[1]} no padding can. PyTorch refuses padding='same' "
                        "when stride > 1: pick valid or custom padding.")
    elif not all(a == b for a, b in pads):
        uneven = [f"{ax}: {a} before, {b} after" for ax, (a, b) in zip(_AXES, pads) if a != b]
        msg = (f"'Same' padding cannot be symmetric here: the window covers an even number of cells "
               f"({'; '.join(uneven)}).")
        if s.op == "conv":
            notes.append(msg + " nn.Conv2d(padding='same') adds the extra row/column at the bottom/right; "
                         "no single padding=p number gives this.")
        else:
            problems.append(msg + f" {OPERATIONS[s.op]} in PyTorch only pads the same amount on both "
                            "sides: use an odd kernel or custom padding.")


def _transposed_out(s: Setting, pads: tuple[Pair, Pair], problems: list[str]) -> Pair:
    """Output size of a transposed convolution; output padding and cropping that break it go to ``problems``."""
    out = tuple(transposed_output_size(n, k, padding=p[0], stride=st, dilation=d, output_padding=op)
                for n, k, p, st, d, op in zip(s.size, s.kernel, pads, s.stride, s.dilation, s.output_padding))
    for ax, op, st, d in zip(_AXES, s.output_padding, s.stride, s.dilation):
        if op >= max(st, d):
            problems.append(f"Output padding ({ax}) is {op}, but it must be smaller than the stride or the "
                            f"dilation (here {max(st, d)}): it only picks between sizes a stride leaves ambiguous.")
    for ax, o, p in zip(_AXES, out, pads):
        if o < 1:
            problems.append(f"The output {ax} would be {o}: padding {p[0]} crops {2 * p[0]} cells from a "
                            f"result that has only {o + 2 * p[0]}. Use less padding.")
    return out  # type: ignore[return-value]


def _window_out(s: Setting, pads: tuple[Pair, Pair], problems: list[str]) -> Pair:
    """Output size of a convolution or pooling; a window that does not fit goes to ``problems``."""
    for ax, n, k, d, (a, b) in zip(_AXES, s.size, s.kernel, s.dilation, pads):
        span = d * (k - 1) + 1
        if span > n + a + b:
            spread = f" (kernel {k} with dilation {d})" if d > 1 else ""
            problems.append(f"The window is {span} cells {'tall' if ax == 'height' else 'wide'}{spread}, "
                            f"but the padded input is only {n + a + b} ({n} + {a + b} padding): it does "
                            "not fit even once. Use a smaller kernel or dilation, or more padding.")
    if s.op == "conv":
        return tuple(conv_output_size(n, k, padding=p, stride=st, dilation=d)  # type: ignore[return-value]
                     for n, k, p, st, d in zip(s.size, s.kernel, pads, s.stride, s.dilation))
    for ax, k, (a, _) in zip(_AXES, s.kernel, pads):
        if a > k // 2:
            problems.append(f"Pooling pads at most half its window in PyTorch: {ax} padding {a} > {k // 2}. "
                            "A window made mostly of padding would pool nothing real.")
    return tuple(pool_output_size(n, k, padding=p[0], stride=st, dilation=d)  # type: ignore[return-value]
                 for n, k, p, st, d in zip(s.size, s.kernel, pads, s.stride, s.dilation))


def _stride_leftovers(s: Setting, pads: tuple[Pair, Pair]) -> list[str]:
    """Rows/columns at the end that the floor in the formula drops (stride > 1)."""
    notes = []
    for ax, n, k, (a, b), st, d in zip(_AXES, s.size, s.kernel, pads, s.stride, s.dilation):
        left = (n + a + b - d * (k - 1) - 1) % st
        if left:
            notes.append(f"With stride {st} the last {left} {'row' if ax == 'height' else 'column'}"
                         f"{'s' if left > 1 else ''} of the padded input never get a window of their own: "
                         "the floor in the formula drops them.")
    return notes


def formula(p: Plan) -> list[str]:
    """The output-size formula as LaTeX: the general form, then this setting's numbers plugged in
    (one line per axis, or one for both when they agree). Impossible settings show their bad result."""
    s = p.setting
    lines, seen, general = [], {}, []
    for ax, n, k, (a, b), st, d, op in zip("HW", s.size, s.kernel, p.pads, s.stride, s.dilation, s.output_padding):
        if s.op == "transposed":
            out = transposed_output_size(n, k, padding=a, stride=st, dilation=d, output_padding=op)
            sym = r"(n - 1)\,s - 2p + d\,(k - 1) + p_{out} + 1"
            num = f"({n} - 1)\\cdot{st} - 2\\cdot{a} + {d}\\cdot({k} - 1) + {op} + 1"
        else:
            out = conv_output_size(n, k, padding=(a, b), stride=st, dilation=d) if st > 0 else None
            pad_sym, pad_num = ("2p", f"2\\cdot{a}") if a == b else ("p_{before} + p_{after}", f"{a} + {b}")
            sym = rf"\left\lfloor \frac{{n + {pad_sym} - d\,(k - 1) - 1}}{{s}} \right\rfloor + 1"
            num = rf"\left\lfloor \frac{{{n} + {pad_num} - {d}\cdot({k} - 1) - 1}}{{{st}}} \right\rfloor + 1"
        if not general:
            general.append(f"n_{{out}} = {sym}")
        if num in seen:
            lines[seen[num]] = lines[seen[num]].replace("H_{out}", "H_{out} = W_{out}", 1)
            continue
        seen[num] = len(lines)
        result = "\\text{undefined (stride 0)}" if out is None else str(out)
        lines.append(f"{ax}_{{out}} = {num} = {result}")
    return general + lines


# --------------------------------------------------------------------------- index maps

def positions(p: Plan) -> list[Pair]:
    """The steps of the animation, row by row: output cells (conv/pool) or input cells (transposed)."""
    h, w = p.setting.size if p.setting.op == "transposed" else p.require().out
    return [(r, c) for r in range(h) for c in range(w)]


def window(p: Plan, oy: int, ox: int) -> list[Pair]:
    """Padded-input cells (row, col) that output cell (oy, ox) reads, in kernel order.

    Padded coordinates: (0, 0) is the top-left padding cell; input cell (i, j) is at
    (i + top, j + left). Check with :func:`is_padding`.
    """
    s = p.require().setting
    return [(oy * s.stride[0] + i * s.dilation[0], ox * s.stride[1] + j * s.dilation[1])
            for i in range(s.kernel[0]) for j in range(s.kernel[1])]


def is_padding(p: Plan, py: int, px: int) -> bool:
    (t, _), (l, _) = p.pads
    h, w = p.setting.size
    return not (t <= py < t + h and l <= px < l + w)


def full_size(p: Plan) -> Pair:
    """Transposed convolution: size of the scattered result before padding crops it."""
    s = p.setting
    return tuple((n - 1) * st + d * (k - 1) + 1 for n, st, d, k in
                 zip(s.size, s.stride, s.dilation, s.kernel))  # type: ignore[return-value]


def feeds(p: Plan, iy: int, ix: int) -> list[tuple[int, int, int, int]]:
    """Transposed convolution: the cells input (iy, ix) adds into, as (fy, fx, ki, kj).

    (fy, fx) are coordinates in the uncropped result (:func:`full_size`); the real output
    cell is (fy - pad, fx - pad), dropped when that falls outside the output.
    """
    s = p.require().setting
    return [(iy * s.stride[0] + i * s.dilation[0], ix * s.stride[1] + j * s.dilation[1], i, j)
            for i in range(s.kernel[0]) for j in range(s.kernel[1])]


# --------------------------------------------------------------------------- numbers mode

def padded_input(p: Plan, x: np.ndarray) -> np.ndarray:
    """``x`` (H, W) surrounded by its padding: zeros, or -inf for max pooling (as in PyTorch)."""
    (t, b), (l, r) = p.pads
    fill = -np.inf if p.setting.op == "maxpool" else 0.0
    return np.pad(np.asarray(x, dtype=float), ((t, b), (l, r)), constant_values=fill)


def format_number(v: float) -> str:
    """A cell value as the page writes it: integers without '.0', −∞ for max-pool padding."""
    if v == -np.inf:
        return "−∞"
    return str(int(v)) if float(v).is_integer() else f"{v:.2f}".rstrip("0")


def signed_number(v: float) -> str:
    return format_number(v) if v >= 0 else f"({format_number(v)})"


@dataclass(frozen=True)
class CellSum:
    """One output cell written out: the (input, weight) terms and the result."""

    value: float
    inputs: tuple[float, ...]
    weights: tuple[float, ...]
    text: str


def output_cell(p: Plan, x: np.ndarray, w: np.ndarray, oy: int, ox: int) -> CellSum:
    """The multiply-and-add (or max / mean) that produces output cell (oy, ox). x: (H, W), w: (kh, kw)."""
    px = padded_input(p, x)
    ins = tuple(float(px[r, c]) for r, c in window(p, oy, ox))
    op = p.setting.op
    if op == "maxpool":
        v = max(ins)
        return CellSum(value=v, inputs=ins, weights=(),
                       text=f"max({', '.join(map(format_number, ins))}) = {format_number(v)}")
    if op == "avgpool":
        v = sum(ins) / len(ins)
        return CellSum(value=v, inputs=ins, weights=(),
                       text=f"({' + '.join(map(format_number, ins))}) / {len(ins)} = {format_number(v)}")
    ws = tuple(float(v) for v in np.asarray(w, dtype=float).ravel())
    v = sum(a * b for a, b in zip(ins, ws))
    terms = [f"{format_number(a)}×{signed_number(b)}" for a, b in zip(ins, ws)]
    return CellSum(value=v, inputs=ins, weights=ws, text=" + ".join(terms) + f" = {format_number(v)}")


def slide(p: Plan, x: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """The slow, readable version of conv2d / max_pool2d / avg_pool2d: one window at a time.

    x: (H, W) input, w: (kh, kw) kernel (ignored for pooling). Returns the (H_out, W_out) map.
    """
    p.require()
    if p.setting.op == "transposed":
        return scatter(p, x, w)
    ho, wo = p.out
    return np.array([[output_cell(p, x, w, r, c).value for c in range(wo)] for r in range(ho)])


def scatter(p: Plan, x: np.ndarray, w: np.ndarray, *, steps: int | None = None) -> np.ndarray:
    """Transposed convolution the readable way: each input cell adds value × kernel into the output.

    ``steps`` stops after that many input cells (row by row), for the animation's running sums.
    Returns the cropped (H_out, W_out) output, like ``nn.ConvTranspose2d``.
    """
    p.require()
    fh, fw = full_size(p)
    (pt, _), (pl, _) = p.pads
    ho, wo = p.out
    full = np.zeros((max(fh, pt + ho), max(fw, pl + wo)))  # output padding may reach past the full map
    for n, (iy, ix) in enumerate(positions(p)):
        if steps is not None and n >= steps:
            break
        for fy, fx, i, j in feeds(p, iy, ix):
            full[fy, fx] += x[iy, ix] * w[i, j]
    return full[pt:pt + ho, pl:pl + wo]
