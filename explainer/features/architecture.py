"""The layer table of any network: operation, output shape, parameters, receptive field.

Everything here is index math on the traced graph (:mod:`explainer.features.graph`): no
picture is run, so a network built with ``weights=None`` on the ``meta`` device works::

    with torch.device("meta"):
        net = torchvision.models.resnet18(weights=None)
    rows = layer_table(net, (3, 224, 224))

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

from explainer.features.graph import Shape, layer_graph, layer_shapes, list_layers
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


def _pair(v) -> tuple[int, int]:
    return (int(v[0]), int(v[-1])) if isinstance(v, (tuple, list)) else (int(v), int(v))


def _pads(padding, k: tuple[int, int], d: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]]:
    """(before, after) padding per axis; ``'same'`` / ``'valid'`` as torch resolves them."""
    if padding == "same":
        return same_padding(k[0], d[0]), same_padding(k[1], d[1])
    if padding == "valid":
        return (0, 0), (0, 0)
    p = _pair(padding)
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
    k, s, d = _pair(kernel), _pair(stride), _pair(dilation)
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


def layer_params(model: nn.Module) -> dict[str, int]:
    """Parameters each layer adds, by :func:`list_layers` name (a module used twice counts once).

    The column sums to every parameter the forward pass uses; modules the forward pass in
    eval mode never calls (GoogLeNet's and Inception-v3's auxiliary classifiers) are left out.
    """
    graph = layer_graph(model)
    seen: set[str] = set()
    params = {}
    for node in graph.module.graph.nodes:
        if node not in graph.name_of:
            continue
        count = 0
        if node.op in ("call_module", "get_attr") and node.target not in seen:
            seen.add(node.target)
            count = _own_parameters(graph.module, node)
        params[graph.name_of[node]] = count
    return params


def _own_parameters(gm: torch.fx.GraphModule, node: torch.fx.Node) -> int:
    if node.op == "call_module":  # a traced module is a leaf: it owns all the parameters below it
        return sum(p.numel() for p in gm.get_submodule(node.target).parameters())
    try:
        return gm.get_parameter(node.target).numel()  # ConvNeXt's layer scale, ViT's class token
    except AttributeError:  # a buffer: not learned
        return 0


# --- in words -----------------------------------------------------------------------------

def _size(v) -> str:
    a, b = _pair(v)
    return f"{a}" if a == b else f"{a}×{b}"


def _describe_module(m: nn.Module) -> str:
    if isinstance(m, nn.Conv2d):
        k = _pair(m.kernel_size)
        pad = m.padding if isinstance(m.padding, str) else _size(m.padding)
        groups = "" if m.groups == 1 else (", depthwise" if m.groups == m.in_channels else f", {m.groups} groups")
        return (f"conv {k[0]}×{k[1]}, {m.in_channels}→{m.out_channels}, stride {_size(m.stride)}, pad {pad}"
                + ("" if _pair(m.dilation) == (1, 1) else f", dilation {_size(m.dilation)}") + groups)
    if isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)):
        kind = "max" if isinstance(m, nn.MaxPool2d) else "average"
        k = _pair(m.kernel_size)
        return (f"{kind} pool {k[0]}×{k[1]}, stride {_size(m.stride or m.kernel_size)}"
                + ("" if _pair(m.padding) == (0, 0) else f", pad {_size(m.padding)}")
                + (", rounding up" if m.ceil_mode else ""))
    if isinstance(m, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
        out = m.output_size if isinstance(m.output_size, tuple) else (m.output_size,) * 2
        kind = "average" if isinstance(m, nn.AdaptiveAvgPool2d) else "max"
        return f"adaptive {kind} pool to {out[0]}×{out[1]}"
    if isinstance(m, nn.BatchNorm2d):
        return "batch norm"
    if isinstance(m, nn.Linear):
        return f"fully connected {m.in_features}→{m.out_features}"
    if isinstance(m, nn.Dropout):
        return "dropout (off when predicting)"
    if isinstance(m, tv_ops.SqueezeExcitation):
        return (f"squeeze-and-excitation: {m.fc1.in_channels} channel gains from the global average "
                "(each gain sees the whole image)")
    if isinstance(m, tv_ops.StochasticDepth):
        return "stochastic depth (off when predicting)"
    if isinstance(m, nn.Sequential):  # Conv2dNormActivation: conv + batch norm + activation
        return " + ".join(_describe_module(child) for child in m)
    return type(m).__name__


def describe_layer(model: nn.Module, name: str) -> str:
    """The operation behind layer ``name`` in the lecture's words, e.g.
    ``"conv 3×3, 3→64, stride 1, pad 1"``, ``"add shortcut (block input + block output)"``."""
    graph = layer_graph(model)
    node = graph.node_of[name]
    if node.op == "call_module":
        return _describe_module(graph.module.get_submodule(node.target))
    if node.op == "get_attr":
        return "learned constant"
    if node.target in (operator.add, torch.add):
        return "add shortcut (block input + block output)"
    if node.target is torch.cat:
        return "concatenate branches (stack their channels)"
    if node.target in (operator.mul, torch.mul):
        return "multiply"
    if node.target in (torch.relu, F.relu):
        return "ReLU"
    return getattr(node.target, "__name__", str(node.target))


@dataclass(frozen=True)
class LayerRow:
    """One row of the layer table.

    ``shape`` is the output without the batch (``()`` for a node that gives no tensor, such
    as ``x.size()``); ``field`` is ``"local"``, ``"whole image"``, ``"unknown"``, ``"constant"``
    or ``""`` (no tensor). ``rf``/``jump`` are the longer side in input pixels (None unless
    ``field == "local"``); ``rf_hw``/``jump_hw`` give (rows, cols) for fields that are not square.
    """

    index: int
    layer: str
    operation: str
    shape: Shape
    params: int
    field: str
    rf: float | None
    jump: float | None
    rf_hw: Pair | None
    jump_hw: Pair | None


def layer_table(model: nn.Module, input_shape: tuple[int, int, int]) -> list[LayerRow]:
    """One row per layer (:func:`list_layers` order), like the lecture's printed VGG19:
    index, layer, operation, output shape for an input ``(C, H, W)``, parameters,
    receptive field and cell spacing.

    Index math only (:func:`layer_geometry`, :func:`layer_params`, :func:`describe_layer`;
    shapes as torch reports them on the meta device): works for any traceable network,
    including one built with ``weights=None`` on the ``meta`` device.
    """
    geo = layer_geometry(model, input_shape)
    shapes = layer_shapes(model, input_shape)
    params = layer_params(model)
    rows = []
    for i, name in enumerate(list_layers(model)):
        g, shape = geo[name], shapes[name]
        local = g.kind == LOCAL and shape is not None  # a number read off a shape has no field
        rows.append(LayerRow(index=i, layer=name, operation=describe_layer(model, name), shape=shape or (),
                             params=params[name], field=g.kind if shape is not None else "",
                             rf=g.rf if local else None, jump=g.jump if local else None,
                             rf_hw=g.rf_hw if local else None, jump_hw=g.jump_hw if local else None))
    return rows


def unused_params(model: nn.Module) -> dict[str, int]:
    """Parameters the eval-mode forward pass never uses, by the outermost module holding only
    such parameters, e.g. ``{"AuxLogits": 3_326_696}`` for Inception v3, whose auxiliary
    classifier only runs while training. With :func:`layer_params` they sum to every parameter."""
    graph = layer_graph(model)
    used: set[int] = set()
    for node in graph.module.graph.nodes:
        if node.op == "call_module":
            used.update(id(p) for p in graph.module.get_submodule(node.target).parameters())
        elif node.op == "get_attr":
            try:
                used.add(id(graph.module.get_parameter(node.target)))
            except AttributeError:  # a buffer
                pass
    unused: dict[str, int] = {}
    for path, module in model.named_modules():
        own = list(module.parameters())
        if not path or not own or any(id(p) in used for p in own):
            continue
        if not any(path.startswith(f"{outer}.") for outer in unused):
            unused[path] = sum(p.numel() for p in own)
    return unused
