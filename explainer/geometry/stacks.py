"""Stacks of layers: receptive fields, the LeNet shape walk, and a max-pooling image pyramid.

Built on the one-layer arithmetic of :mod:`explainer.geometry.arithmetic`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explainer.geometry.arithmetic import Pair, Setting, plan
from explainer.geometry.torch_layers import torch_line


def max_pool_pyramid(rgb: np.ndarray, levels: int = 4) -> list[np.ndarray]:
    """[original, /2, /4, ...]: repeated 2×2 max pooling (stride 2) of an (H, W, 3) uint8 image."""
    import torch
    import torch.nn.functional as F

    x = torch.from_numpy(np.array(rgb, dtype=np.uint8)).permute(2, 0, 1)[None].float()  # (1, 3, H, W)
    out = [rgb]
    with torch.inference_mode():
        for _ in range(levels - 1):
            if min(x.shape[-2:]) < 2:
                break
            x = F.max_pool2d(x, 2)  # (1, 3, H/2, W/2)
            out.append(x[0].permute(1, 2, 0).to(torch.uint8).numpy())
    return out


@dataclass(frozen=True)
class Reach:
    """After a layer: how many input cells one cell sees (``size``) and how far apart neighbours start (``jump``)."""

    size: int
    jump: int


def receptive_field(layers: list[tuple[int, int, int]]) -> list[Reach]:
    """Receptive field after each layer of (kernel, stride, dilation): r += d(k-1)·jump, jump *= s."""
    r, j, out = 1, 1, []
    for k, s, d in layers:
        r += d * (k - 1) * j
        j *= s
        out.append(Reach(size=r, jump=j))
    return out


def reach_back(layers: list[tuple[int, int, int]], lo: int, hi: int) -> list[Pair]:
    """Cells [lo, hi] of the last layer's output traced back (no padding): one interval per level, input first."""
    spans = [(lo, hi)]
    for k, s, d in reversed(layers):
        lo, hi = lo * s, hi * s + d * (k - 1)
        spans.append((lo, hi))
    return spans[::-1]


@dataclass(frozen=True)
class Stage:
    """One step of a shape walk: the layer line and the (C, H, W) it leaves."""

    line: str
    shape: tuple[int, int, int]
    formula: str


LENET = (("conv", 5, 6), ("maxpool", 2, None), ("conv", 5, 16), ("maxpool", 2, None))


def shape_walk(size: int = 32, channels: int = 3, layers=LENET) -> list[Stage]:
    """The lecture's LeNet walk (32 → 28 → 14 → 10 → 5), computed with :func:`plan`, not typed in."""
    stages = [Stage(line="input", shape=(channels, size, size), formula="")]
    c, n = channels, size
    for op, k, filters in layers:
        s = Setting(op=op, size=(n, n), kernel=(k, k), stride=(1, 1) if op == "conv" else (k, k),
                    in_channels=c, out_channels=filters or c)
        p = plan(s).require()
        stride = s.stride[0]
        formula = f"⌊({n} − {k}) / {stride}⌋ + 1 = {p.out[0]}" if stride > 1 else f"{n} − {k} + 1 = {p.out[0]}"
        c, n = (filters or c), p.out[0]
        stages.append(Stage(line=torch_line(p), shape=(c, n, n), formula=formula))
    return stages
