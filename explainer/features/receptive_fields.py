"""Receptive fields of every layer by index math on the traced graph: where each cell sits over the input.

Nothing is run (:mod:`explainer.features.graph` traces the network), so a network built with
``weights=None`` on the ``meta`` device works.

Receptive field of a layer = the input pixels one cell of its feature map depends on,
per axis (rows, columns). Walking the graph in order, a window (convolution or pooling)
with kernel ``k``, stride ``s``, dilation ``d`` turns ``(r, j)`` into
``(r + d·(k-1)·j, j·s)``, where ``j`` (the *jump*) is the distance in input pixels
between two neighbouring cells. Where branches meet (the ResNet shortcut ``add``, an
Inception ``cat``) the larger field wins. Operations that work cell by cell (batch norm,
ReLU, a 1×1 linear map, reshapes that keep the grid) keep the field; global pooling and
flattening make every value depend on the whole image. A squeeze-and-excitation gate
scales whole channels from a global average: the table follows the convolution path and
says so in the operation. An operation the index math does not model (attention, a
reshape that breaks the grid) ends the count: later fields are reported as unknown
rather than guessed.

Output sizes of windows come from the lecture's formula (``explainer.geometry.arithmetic``);
every other shape is what torch reports on the meta device.
"""
from __future__ import annotations

import math
import operator
from dataclasses import dataclass, replace

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision import ops as tv_ops

from explainer.features.graph import Shape, layer_graph
from explainer.geometry.arithmetic import conv_output_size, pool_output_size, same_padding

Pair = tuple[float, float]

LOCAL, WHOLE, UNKNOWN, CONSTANT = "local", "whole image", "unknown", "constant"

# Modules that keep the grid but mix cells in ways the index math does not follow.
MIXES_CELLS = (nn.MultiheadAttention, nn.Conv1d, nn.Conv3d, nn.ConvTranspose2d, nn.GroupNorm,
               nn.InstanceNorm2d, nn.Upsample, nn.Fold, nn.Unfold, tv_ops.DeformConv2d)
MERGES = (operator.add, torch.add, operator.iadd, operator.mul, torch.mul, operator.imul,
          operator.sub, torch.sub, torch.cat, torch.stack)
MIXING_FUNCTIONS = (F.conv2d, torch.conv2d, torch.roll, F.interpolate, F.scaled_dot_product_attention,
                    F.unfold, F.fold)
POOL_ARGS = {F.max_pool2d: ("kernel_size", "stride", "padding", "dilation", "ceil_mode"),
             torch.max_pool2d: ("kernel_size", "stride", "padding", "dilation", "ceil_mode"),
             F.avg_pool2d: ("kernel_size", "stride", "padding", "ceil_mode")}


@dataclass(frozen=True)
class Geometry:
    """Where one layer's cells sit over the input.

    ``kind`` is ``"local"`` (``rf_hw``/``jump_hw``/``start_hw`` hold, per axis (rows, cols),
    in input pixels), ``"whole image"`` (after global pooling or flattening), ``"unknown"``
    (after an operation the index math does not follow, named in ``note``) or ``"constant"``
    (a learned tensor such as ConvNeXt's layer scale, which depends on no pixel).
    """

    shape: Shape | None                   # (C, H, W), (F,) ... without the batch
    kind: str = LOCAL
    rf_hw: Pair | None = None             # receptive field (rows, cols) in input pixels
    jump_hw: Pair | None = None           # input pixels between neighbouring cells (rows, cols)
    start_hw: Pair | None = None          # input pixel at the centre of cell (0, 0)'s field (< 0: padding)
    grid: tuple[int, int] | None = None   # (H, W) of the feature-map grid the field belongs to
    note: str = ""

    @property
    def rf(self) -> float | None:
        """Side of the receptive field in input pixels (the longer side if it is not square);
        None unless ``kind == "local"``."""
        return max(self.rf_hw) if self.kind == LOCAL and self.rf_hw else None

    @property
    def jump(self) -> float | None:
        """Input pixels between neighbouring cells (the larger of rows and columns)."""
        return max(self.jump_hw) if self.kind == LOCAL and self.jump_hw else None

    @property
    def rf_text(self) -> str:
        """``"212×212"`` (``"7×13"`` for a field that is not square); ``"whole image"``, ``"unknown"``."""
        if self.kind != LOCAL or self.rf_hw is None:
            return self.kind
        return f"{self.rf_hw[0]:.0f}×{self.rf_hw[1]:.0f}"

    def field_of(self, row: int, col: int) -> tuple[float, float, float, float] | None:
        """The input rectangle cell ``(row, col)`` sees: ``(x0, y0, x1, y1)`` in pixel-edge coordinates."""
        if self.kind != LOCAL or self.start_hw is None:
            return None
        cy, cx = self.start_hw[0] + row * self.jump_hw[0], self.start_hw[1] + col * self.jump_hw[1]
        half_h, half_w = self.rf_hw[0] / 2, self.rf_hw[1] / 2
        return cx - half_w, cy - half_h, cx + half_w, cy + half_h


def as_pair(v) -> tuple[int, int]:
    """``v`` as (rows, cols): torch takes a number or a pair for kernel sizes, strides, paddings."""
    return (int(v[0]), int(v[-1])) if isinstance(v, (tuple, list)) else (int(v), int(v))


def _pads(padding, k: tuple[int, int], d: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]]:
    """(before, after) padding per axis; ``'same'`` / ``'valid'`` as torch resolves them."""
    if padding == "same":
        return same_padding(k[0], d[0]), same_padding(k[1], d[1])
    if padding == "valid":
        return (0, 0), (0, 0)
    p = as_pair(padding)
    return (p[0], p[0]), (p[1], p[1])


def _with_shape(g: Geometry, shape: Shape | None) -> Geometry:
    """``g`` after an operation that works cell by cell (or only reshapes): the field holds
    while the grid survives, a flat vector sees the whole image, anything else is unknown."""
    if shape is None or g.kind != LOCAL:
        return replace(g, shape=shape)
    if len(shape) >= 2 and (tuple(shape[-2:]) == g.grid or tuple(shape[-3:-1]) == g.grid):
        return replace(g, shape=shape)  # (C, H, W), or channels last (H, W, C) as in ConvNeXt
    if len(shape) == 1:
        return Geometry(shape=shape, kind=WHOLE)
    return Geometry(shape=shape, kind=UNKNOWN, note="a reshape that breaks the grid")


def _window(g: Geometry, kernel, stride, padding, dilation, *, channels: int | None = None,
            ceil_mode: bool = False) -> Geometry:
    """A convolution or pooling window slid over ``g``'s grid (channels first)."""
    if g.shape is None or len(g.shape) != 3:
        return Geometry(shape=None, kind=UNKNOWN, note="a window over a tensor that is not (C, H, W)")
    k, s, d = as_pair(kernel), as_pair(stride), as_pair(dilation)
    pads = _pads(padding, k, d)
    if ceil_mode:
        size = tuple(pool_output_size(n, k[a], padding=pads[a][0], stride=s[a], dilation=d[a], ceil_mode=True)
                     for a, n in enumerate(g.shape[1:]))
    else:
        size = tuple(conv_output_size(n, k[a], padding=pads[a], stride=s[a], dilation=d[a])
                     for a, n in enumerate(g.shape[1:]))
    shape = (channels or g.shape[0], *size)
    if g.kind != LOCAL:
        return replace(g, shape=shape)
    rf = tuple(g.rf_hw[a] + d[a] * (k[a] - 1) * g.jump_hw[a] for a in (0, 1))
    start = tuple(g.start_hw[a] + (d[a] * (k[a] - 1) / 2 - pads[a][0]) * g.jump_hw[a] for a in (0, 1))
    jump = tuple(g.jump_hw[a] * s[a] for a in (0, 1))
    return Geometry(shape=shape, rf_hw=rf, jump_hw=jump, start_hw=start, grid=size)


def _adaptive(g: Geometry, output_size) -> Geometry:
    """Adaptive pooling to ``output_size``: bins of ``floor(i·n/m) .. ceil((i+1)·n/m)`` cells."""
    if g.shape is None or len(g.shape) != 3:
        return Geometry(shape=None, kind=UNKNOWN, note="adaptive pooling of a tensor that is not (C, H, W)")
    c, *grid = g.shape
    wanted = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    out = tuple(int(o or n) for o, n in zip(wanted, grid))
    if tuple(grid) == out:
        return replace(g, shape=(c, *out))
    if g.kind != LOCAL or out == (1, 1):
        return Geometry(shape=(c, *out), kind=WHOLE if g.kind == LOCAL else g.kind, note=g.note)
    widest = [max(math.ceil((i + 1) * n / m) - (i * n) // m for i in range(m)) for n, m in zip(grid, out)]
    return Geometry(shape=(c, *out), rf_hw=tuple(g.rf_hw[a] + (widest[a] - 1) * g.jump_hw[a] for a in (0, 1)),
                    jump_hw=tuple(g.jump_hw[a] * grid[a] / out[a] for a in (0, 1)), grid=out)


def _merge(ins: list[Geometry], shape: Shape | None) -> Geometry:
    """Branches meeting (add, multiply, concatenate): the wider field wins.

    Whole-image inputs beside local ones are gates (squeeze-and-excitation channel scales):
    the field follows the local branch."""
    parts = [g for g in ins if g.kind != CONSTANT and g.shape is not None] or ins[:1]
    lost = next((g for g in parts if g.kind == UNKNOWN), None)
    if lost is not None:
        return replace(lost, shape=shape)
    local = [g for g in parts if g.kind == LOCAL]
    if not local:
        return replace(parts[0], shape=shape)
    rf = tuple(max(g.rf_hw[a] for g in local) for a in (0, 1))
    jump = tuple(max(g.jump_hw[a] for g in local) for a in (0, 1))
    # Branches of a ResNet block end aligned (same jump, same centre).
    return _with_shape(replace(local[0], rf_hw=rf, jump_hw=jump), shape)


def _module_step(m: nn.Module, g: Geometry, shape: Shape | None) -> Geometry:
    """What module ``m`` does to ``g``; ``shape`` is its output shape (None inside a folded
    Sequential, where the caller sets the shape at the end)."""
    if isinstance(m, nn.Conv2d):
        return _window(g, m.kernel_size, m.stride, m.padding, m.dilation, channels=m.out_channels)
    if isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)):
        return _window(g, m.kernel_size, m.stride or m.kernel_size, m.padding, getattr(m, "dilation", 1),
                       ceil_mode=m.ceil_mode)
    if isinstance(m, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
        return _adaptive(g, m.output_size)
    if isinstance(m, nn.Sequential):  # torchvision's Conv2dNormActivation, MLP: traced as one node
        for child in m:
            g = _module_step(child, g, None)
        return g if shape is None else _with_shape(g, shape)
    if isinstance(m, MIXES_CELLS):
        return Geometry(shape=shape, kind=UNKNOWN, note=type(m).__name__)
    if isinstance(m, nn.Linear) and shape is None:
        return replace(g, shape=g.shape and (*g.shape[:-1], m.out_features))
    return g if shape is None else _with_shape(g, shape)  # norms, activations, dropout, SE gates...


def _function_step(node: torch.fx.Node, g: Geometry, ins: list[Geometry], shape: Shape | None) -> Geometry:
    target = node.target
    if target in MERGES:
        return _merge(ins, shape)
    if target in POOL_ARGS:
        given = dict(zip(POOL_ARGS[target], node.args[1:]), **node.kwargs)
        k = given["kernel_size"]
        return _window(g, k, given.get("stride") or k, given.get("padding", 0), given.get("dilation", 1),
                       ceil_mode=bool(given.get("ceil_mode", False)))
    if target in (F.adaptive_avg_pool2d, F.adaptive_max_pool2d):
        return _adaptive(g, node.args[1] if len(node.args) > 1 else node.kwargs["output_size"])
    if target in MIXING_FUNCTIONS or _opaque(target):
        return Geometry(shape=shape, kind=UNKNOWN, note=getattr(target, "__name__", str(target)))
    return _with_shape(g, shape)  # relu, flatten, view, getitem, transpose, mean over H and W...


def _opaque(target) -> bool:
    """A function the tracer did not look inside (a model's own wrapped helper, such as Swin's
    window attention): it may mix cells in any way."""
    if isinstance(target, str):  # a tensor method: view, permute, mean...
        return False
    module = getattr(target, "__module__", None) or "torch"
    return not module.startswith(("torch", "_operator", "builtins", "math")) or module.startswith("torchvision.models")


def _node_step(node: torch.fx.Node, gm: torch.fx.GraphModule, ins: list[Geometry],
               shape: Shape | None) -> Geometry:
    if node.op == "get_attr" or all(i.kind == CONSTANT for i in ins):
        return Geometry(shape=shape, kind=CONSTANT)  # a learned tensor, or made from them alone
    g = next((i for i in ins if i.kind != CONSTANT and i.shape is not None), ins[0])
    if node.op == "call_module":
        return _module_step(gm.get_submodule(node.target), g, shape)
    return _function_step(node, g, ins, shape)


def layer_geometry(model: nn.Module, input_shape: tuple[int, int, int]) -> dict[str, Geometry]:
    """Shape and receptive field of every layer (by :func:`list_layers` name) for an input
    ``(C, H, W)``, by index math alone: nothing is run for real, ``model`` may live on ``meta``."""
    graph = layer_graph(model)
    shapes = graph.node_shapes(tuple(input_shape))
    geo: dict[torch.fx.Node, Geometry] = {}
    for node in graph.module.graph.nodes:
        if node.op == "placeholder":
            geo[node] = Geometry(shape=tuple(input_shape), rf_hw=(1, 1), jump_hw=(1, 1), start_hw=(0.0, 0.0),
                                 grid=tuple(input_shape[-2:]))
        elif node.op != "output":
            ins = [geo[a] for a in node.all_input_nodes if a in geo] or [Geometry(shape=None, kind=CONSTANT)]
            geo[node] = _node_step(node, graph.module, ins, shapes[node])
    return {name: geo[node] for name, node in graph.node_of.items()}
