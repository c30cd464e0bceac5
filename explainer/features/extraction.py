"""What every layer of a network sees: feature maps, layer geometry, first-layer filters.

:func:`list_layers` says what can be asked for; :func:`extract_features` runs one forward
pass and returns those layers, the pair torchvision offers as ``get_graph_node_names`` /
``create_feature_extractor`` (which this module builds on). The traced module is a new
one: the shared network is never switched to train mode, never gets a hook, and its
parameters are only read.

Receptive field of a layer = how many input pixels (per side) one cell of its feature
map depends on. Walking the graph in order, a layer with kernel ``k``, stride ``s`` and
dilation ``d`` turns ``(r, j)`` into ``(r + d·(k-1)·j, j·s)``, where ``j`` (the *jump*) is
the distance in input pixels between two neighbouring cells. Where branches meet (the
ResNet shortcut ``add``) the larger field wins.
"""
from __future__ import annotations

import copy
import inspect
import itertools
import math
import operator
import weakref
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models.feature_extraction import create_feature_extractor, get_graph_node_names



# --- the traced graph (one per network, built once, shared read-only) ---------------------

class _Trace:
    def __init__(self, model: nn.Module):
        # Trace a shell that shares the network's tensors but has its own module objects:
        # create_feature_extractor briefly switches what it traces to train mode, which
        # must not happen to a network another session may be running.
        memo = {id(t): t for t in itertools.chain(model.parameters(), model.buffers())}
        shell = copy.deepcopy(model, memo).eval()
        inputs = set(inspect.signature(shell.forward).parameters)  # placeholders: "x", "input"...
        names = [n for n in get_graph_node_names(shell)[1] if n not in inputs]
        self.names = names
        self.gm = create_feature_extractor(shell, return_nodes={n: n for n in names})
        self.gm.eval()
        _no_inplace(self.gm)
        out = next(n for n in self.gm.graph.nodes if n.op == "output")
        self.node_of = dict(out.args[0])          # qualified name -> fx node
        self.name_of = {v: k for k, v in self.node_of.items()}


_traces: "weakref.WeakKeyDictionary[nn.Module, _Trace]" = weakref.WeakKeyDictionary()


def _trace(model: nn.Module) -> _Trace:
    trace = _traces.get(model)
    if trace is None:
        trace = _traces[model] = _Trace(model)
    return trace


def _no_inplace(gm: torch.fx.GraphModule) -> None:
    """Rewrite in-place ReLUs in the traced copy: VGG's ``ReLU(inplace=True)`` would
    otherwise overwrite the conv output we return with its rectified version."""
    for node in gm.graph.nodes:
        if node.op == "call_module" and isinstance(gm.get_submodule(node.target), nn.ReLU):
            node.op, node.target = "call_function", torch.relu
        elif node.op == "call_function" and node.kwargs.get("inplace"):
            node.kwargs = {**node.kwargs, "inplace": False}
    gm.recompile()


def list_layers(model: nn.Module) -> list[str]:
    """Every layer :func:`extract_features` can return, in forward order
    (e.g. ``features.0`` … for VGG, ``layer1.0.conv1``, ``layer1.0.add`` … for ResNet)."""
    return list(_trace(model).names)


def extract_features(model: nn.Module, image_tensor: torch.Tensor,
                     layers: list[str] | None = None) -> dict[str, torch.Tensor]:
    """One forward pass of ``image_tensor`` ``(N, C, H, W)``; returns ``{layer: output}``.

    ``layers`` defaults to all of :func:`list_layers`. Outputs are ``(N, C, H', W')`` for
    convolutional layers and ``(N, F)`` after flattening. Raises ``KeyError`` naming
    :func:`list_layers` for an unknown layer.
    """
    trace = _trace(model)
    wanted = trace.names if layers is None else list(layers)
    unknown = [n for n in wanted if n not in trace.node_of]
    if unknown:
        raise KeyError(f"Unknown layer(s) {unknown} for {type(model).__name__}; "
                       f"list_layers(model) gives the {len(trace.names)} valid names, "
                       f"e.g. {trace.names[:3]} … {trace.names[-1:]}.")
    with torch.inference_mode():
        out = trace.gm(image_tensor)
    return {n: out[n] for n in wanted}


# --- geometry: shapes and receptive fields, by index math alone ----------------------------

@dataclass(frozen=True)
class Geometry:
    """Where a layer sits over the input: ``rf``/``jump`` in input pixels (None = whole image)."""

    shape: tuple[int, ...] | None   # (C, H, W) or (F,), without the batch
    rf: float | None
    jump: float | None
    start: float | None = None      # input pixel at the centre of cell 0's field (may be < 0: padding)

    def field_of(self, row: int, col: int) -> tuple[float, float, float, float] | None:
        """The input square cell ``(row, col)`` sees: ``(x0, y0, x1, y1)`` in pixel-edge coordinates."""
        if self.rf is None or self.start is None:
            return None
        cx, cy = self.start + col * self.jump, self.start + row * self.jump
        half = self.rf / 2
        return cx - half, cy - half, cx + half, cy + half


def _pair(v) -> int:
    return int(v[0] if isinstance(v, (tuple, list)) else v)


def _window(g: Geometry, k: int, s: int, p, d: int, channels: int | None) -> Geometry:
    if isinstance(p, str):  # 'same' / 'valid' padding of custom nets
        p = d * (k - 1) // 2 if p == "same" else 0
    p = _pair(p)
    c, h, w = g.shape
    size = [(n + 2 * p - d * (k - 1) - 1) // s + 1 for n in (h, w)]
    rf = None if g.rf is None else g.rf + d * (k - 1) * g.jump
    jump = None if g.jump is None else g.jump * s
    start = None if g.start is None else g.start + (d * (k - 1) / 2 - p) * g.jump
    return Geometry((channels or c, *size), rf, jump, start)


def _adaptive(g: Geometry, out) -> Geometry:
    out = (out, out) if isinstance(out, int) else tuple(o or n for o, n in zip(out, g.shape[1:]))
    c, h, w = g.shape
    if (h, w) == out:
        return Geometry((c, *out), g.rf, g.jump, g.start)
    if g.rf is None or out == (1, 1):
        return Geometry((c, *out), None, None)
    n, m = h, out[0]  # bins of adaptive pooling: floor(i*n/m) .. ceil((i+1)*n/m)
    widest = max(math.ceil((i + 1) * n / m) - (i * n) // m for i in range(m))
    return Geometry((c, *out), g.rf + (widest - 1) * g.jump, g.jump * n / m)


def _flat(g: Geometry) -> Geometry:
    return Geometry((int(np.prod(g.shape)),) if g.shape else None, None, None)


def _merge(gs: list[Geometry], cat: bool = False) -> Geometry:
    shape = gs[0].shape
    if cat and shape is not None:
        shape = (sum(g.shape[0] for g in gs), *shape[1:])
    if any(g.rf is None for g in gs):
        return Geometry(shape, None, None)
    # Branches of a ResNet block end aligned (same jump, same centre); the wider field wins.
    return Geometry(shape, max(g.rf for g in gs), max(g.jump for g in gs), gs[0].start)


def _step(node: torch.fx.Node, gm: torch.fx.GraphModule, ins: list[Geometry]) -> Geometry:
    g = ins[0]
    spatial = g.shape is not None and len(g.shape) == 3
    if node.op == "call_module":
        m = gm.get_submodule(node.target)
        if isinstance(m, nn.Conv2d) and spatial:
            return _window(g, m.kernel_size[0], m.stride[0], m.padding, m.dilation[0], m.out_channels)
        if isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)) and spatial:
            return _window(g, _pair(m.kernel_size), _pair(m.stride), m.padding,
                           _pair(getattr(m, "dilation", 1)), None)
        if isinstance(m, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)) and spatial:
            return _adaptive(g, m.output_size)
        if isinstance(m, nn.Linear):
            return Geometry((m.out_features,), None, None)
        if isinstance(m, nn.Flatten):
            return _flat(g)
        return g  # BatchNorm, ReLU, Dropout...: same shape, same field
    target = node.target
    if target in (operator.add, torch.add, operator.iadd, operator.mul, torch.mul):
        return _merge(ins)
    if target is torch.cat:
        return _merge(ins, cat=True)
    if target in (torch.flatten, F.adaptive_avg_pool2d) or node.op == "call_method" and target in (
            "view", "reshape", "flatten", "size"):
        return _flat(g)
    if target in (F.max_pool2d, F.avg_pool2d) and spatial:
        k = _pair(node.args[1] if len(node.args) > 1 else node.kwargs["kernel_size"])
        s = node.kwargs.get("stride", node.args[2] if len(node.args) > 2 else None) or k
        return _window(g, k, _pair(s), node.kwargs.get("padding", 0), 1, None)
    return g


def layer_geometry(model: nn.Module, input_shape: tuple[int, int, int]) -> dict[str, Geometry]:
    """Shape and receptive field of every layer for an input ``(C, H, W)``, without running it."""
    trace = _trace(model)
    geo: dict[torch.fx.Node, Geometry] = {}
    for node in trace.gm.graph.nodes:
        if node.op == "placeholder":
            geo[node] = Geometry(tuple(input_shape), 1, 1, 0.0)
        elif node.op != "output":
            ins = [geo[a] for a in node.all_input_nodes if a in geo] or [Geometry(None, None, None)]
            geo[node] = _step(node, trace.gm, ins)
    return {name: geo[node] for name, node in trace.node_of.items()}


def layer_params(model: nn.Module) -> dict[str, int]:
    """Parameters each layer adds (a shared module is counted once): the column sums to the total."""
    trace = _trace(model)
    seen: set[str] = set()
    params = {}
    for node in trace.gm.graph.nodes:
        if node in trace.name_of:
            count = 0
            if node.op == "call_module" and node.target not in seen:
                seen.add(node.target)
                count = sum(p.numel() for p in trace.gm.get_submodule(node.target).parameters(recurse=False))
            params[trace.name_of[node]] = count
    return params


def describe_layer(model: nn.Module, name: str) -> str:
    """The operation behind a layer in the lecture's words: ``conv 3×3, 3→64, stride 1, pad 1``."""
    trace = _trace(model)
    node = trace.node_of[name]
    if node.op == "call_module":
        m = trace.gm.get_submodule(node.target)
        if isinstance(m, nn.Conv2d):
            k, s, p = m.kernel_size[0], m.stride[0], m.padding
            p = p if isinstance(p, str) else p[0]
            return f"conv {k}×{k}, {m.in_channels}→{m.out_channels}, stride {s}, pad {p}"
        if isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)):
            kind = "max" if isinstance(m, nn.MaxPool2d) else "average"
            return f"{kind} pool {_pair(m.kernel_size)}×{_pair(m.kernel_size)}, stride {_pair(m.stride)}"
        if isinstance(m, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
            out = m.output_size if isinstance(m.output_size, tuple) else (m.output_size,) * 2
            return f"adaptive average pool to {out[0]}×{out[1]}"
        if isinstance(m, nn.BatchNorm2d):
            return "batch norm"
        if isinstance(m, nn.Linear):
            return f"fully connected {m.in_features}→{m.out_features}"
        if isinstance(m, nn.Dropout):
            return "dropout (off when predicting)"
        return type(m).__name__
    if node.target in (operator.add, torch.add):
        return "add shortcut (block input + block output)"
    if node.target in (torch.relu, F.relu):
        return "ReLU"
    return getattr(node.target, "__name__", str(node.target))


# --- the results the viewer draws -------------------------------------------------------

@dataclass(frozen=True)
class ChannelStats:
    """Per-channel summaries of one layer, each ``(C,)`` float32 (computed once, in float32)."""

    mean: np.ndarray
    max: np.ndarray
    min: np.ndarray

    @staticmethod
    def of(maps) -> "ChannelStats":
        t = torch.as_tensor(maps).float()
        t = t.reshape(t.shape[0], -1) if t.ndim > 1 else t[:, None]
        return ChannelStats(t.mean(1).numpy(), t.amax(1).numpy(), t.amin(1).numpy())

    @property
    def signed(self) -> bool:
        """Negative values present (a conv or batch-norm output before its ReLU)."""
        return bool(self.min.min() < 0)


@dataclass(frozen=True)
class FeatureMaps:
    """Everything one forward pass gives the viewer, compact and read-only.

    ``maps[layer]`` is ``(C, H, W)`` float16 (``(F,)`` after flattening): half the memory of
    float32 and plenty for colour maps; ``logits`` is the last layer, ``(K,)`` float32.
    """

    maps: dict[str, np.ndarray]
    stats: dict[str, ChannelStats]
    logits: np.ndarray
    input_shape: tuple[int, int, int]

    @property
    def shapes(self) -> dict[str, tuple[int, ...]]:
        return {n: m.shape for n, m in self.maps.items()}

    @property
    def nbytes(self) -> int:
        return sum(m.nbytes for m in self.maps.values())


def capture(model: nn.Module, image_tensor: torch.Tensor) -> FeatureMaps:
    """Run ``image_tensor`` ``(1, C, H, W)`` once and keep every layer for drawing."""
    out = extract_features(model, image_tensor)
    limit = float(np.finfo(np.float16).max)
    maps, stats = {}, {}
    for name, t in out.items():
        t = t[0].detach().float().cpu()  # our own tensors: the extractor made them for this call
        stats[name] = ChannelStats.of(t)
        a = t.clamp_(-limit, limit).half().numpy()  # torch converts 30x faster than numpy's astype
        a.flags.writeable = False  # shared by every rerun that draws it
        maps[name] = a
    last = out[list(out)[-1]][0].float().cpu().numpy()
    return FeatureMaps(maps, stats, last, tuple(image_tensor.shape[1:]))


@dataclass(frozen=True)
class LayerRow:
    index: int
    layer: str
    operation: str
    shape: tuple[int, ...]
    params: int
    rf: float | None
    jump: float | None


def layer_table(model: nn.Module, shapes: dict[str, tuple[int, ...]],
                input_shape: tuple[int, int, int]) -> list[LayerRow]:
    """One row per layer, like the lecture's printed VGG19: index, layer, output shape
    for this image (``shapes``, from the forward pass), parameters, receptive field."""
    geo = layer_geometry(model, input_shape)
    params = layer_params(model)
    return [LayerRow(i, name, describe_layer(model, name), tuple(shapes[name]), params[name],
                     geo[name].rf, geo[name].jump) for i, name in enumerate(list_layers(model))]


def top_channels(stats: ChannelStats, k: int) -> np.ndarray:
    """Indices of the ``k`` channels with the largest mean activation (``ChannelStats.of(maps)``)."""
    return np.argsort(-stats.mean, kind="stable")[:k]


def top_predictions(logits: np.ndarray, categories: list[str], k: int = 5) -> list[tuple[str, float]]:
    """``k`` most probable classes (softmax of ``logits`` ``(K,)``) with their names."""
    probs = torch.softmax(torch.as_tensor(logits, dtype=torch.float64), dim=0).numpy()
    best = np.argsort(-probs)[:k]
    names = categories or [str(i) for i in range(len(probs))]
    return [(names[i], float(probs[i])) for i in best]
