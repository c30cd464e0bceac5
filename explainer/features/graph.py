"""The traced graph of a network: every layer by name, traced once per network, shared read-only.

The network is traced once, in eval mode, with torchvision's feature-extraction tracer
(``NodePathTracer``): the layer names are the ones ``get_graph_node_names`` gives
(``features.0``, ``layer1.0.add``, ...), and torchvision's ``ops`` (``Conv2dNormActivation``,
``SqueezeExcitation``, ``MLP``, ...) stay single layers. That one trace serves everything:
the names, the module that returns every layer's output (:func:`extract_features`), the
output shapes, the parameter column and the receptive fields. (``get_graph_node_names`` and
``create_feature_extractor`` would trace twice each, in train and in eval mode.)

A real network is traced from a *shell*: a copy that shares its tensors but has its own
module objects, fixed in eval mode, so a session that later trains its own network, or
anybody reading a shared one, never sees the traced copy change under them. A network
whose weights all live on ``meta`` is only ever used for shapes and is traced as it is.

Output shapes are read from a run on PyTorch's ``meta`` device: tensors that carry a
shape and no data, so a ResNet-152 "runs" without a byte of memory for activations.
Layers that cannot change a shape (batch norm, activations, dropout, a squeeze-and-excitation
gate) pass their input's shape on without running, which makes that run several times faster.
"""
from __future__ import annotations

import copy
import inspect
import itertools
import math
import re
import threading
import weakref

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision import ops as tv_ops
from torchvision.models.feature_extraction import NodePathTracer

Shape = tuple[int, ...]

# torchvision's own modules the tracer keeps whole (as get_graph_node_names does by default).
TORCHVISION_OPS = tuple(obj for obj in vars(tv_ops).values()
                        if inspect.isclass(obj) and issubclass(obj, nn.Module))

# Modules whose output has their input's shape: the meta run hands the shape on without running them.
SAME_SHAPE = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.LayerNorm, nn.GroupNorm, nn.LocalResponseNorm,
              nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SiLU, nn.GELU, nn.Hardswish, nn.Hardsigmoid,
              nn.Sigmoid, nn.Tanh, nn.Softmax, nn.Identity, nn.Dropout, nn.Dropout2d, nn.AlphaDropout,
              tv_ops.StochasticDepth, tv_ops.SqueezeExcitation, tv_ops.FrozenBatchNorm2d)

# Functions that keep their first argument's shape (element by element), e.g. DenseNet's F.relu.
SAME_SHAPE_FUNCTIONS = frozenset({torch.relu, F.relu, F.relu6, torch.sigmoid, F.sigmoid, torch.tanh, F.tanh,
                                  F.silu, F.gelu, F.hardswish, F.hardsigmoid, F.leaky_relu, F.dropout,
                                  F.batch_norm, F.layer_norm, F.local_response_norm, torch.clone})

_NUMBERED = re.compile(r".+_[0-9]+$")


class _LayerTracer(NodePathTracer):
    """torchvision's tracer with the same layer names, found in constant time per node, that
    leaves other threads alone.

    torchvision numbers a repeated name (``relu``, ``relu_1``, ...) by scanning every earlier
    name with a regular expression, quadratic in the number of layers (seconds for a
    ResNet-152); counting the uses of each name gives the same numbers.

    While it traces, torch.fx swaps ``nn.Module.__call__`` and ``__getattr__`` for the whole
    process: any network another session runs at that moment (an MNIST training job, a
    feature-map pass) would be recorded into this graph and fail ("module is not installed
    as a submodule"). Calls from any thread but the tracing one go straight through.
    """

    def __init__(self):
        super().__init__(autowrap_modules=(math, torchvision.ops), leaf_modules=list(TORCHVISION_OPS))
        self.uses: dict[str, int] = {}
        self.thread = threading.get_ident()

    def call_module(self, m, forward, args, kwargs):
        if threading.get_ident() != self.thread:
            return forward(*args, **kwargs)  # another session's network: run it as usual
        return super().call_module(m, forward, args, kwargs)

    def getattr(self, attr, attr_val, parameter_proxy_cache):
        if threading.get_ident() != self.thread:
            return attr_val
        return super().getattr(attr, attr_val, parameter_proxy_cache)

    def _get_node_qualname(self, module_qualname: str, node: torch.fx.Node) -> str:
        name = module_qualname
        if node.op != "call_module":
            name = f"{name}.{node}" if name else str(node)
        if _NUMBERED.match(name):  # undo torch.fx's graph-wide numbering ...
            name = name.rsplit("_", 1)[0]
        seen = self.uses.get(name, 0)  # ... and number per name instead, as torchvision does
        self.uses[name] = seen + 1
        return f"{name}_{seen}" if seen else name


def on_meta_only(model: nn.Module) -> bool:
    """True when every weight and buffer lives on ``meta`` (the network can only give shapes)."""
    return all(t.is_meta for t in itertools.chain(model.parameters(), model.buffers()))


def shell(model: nn.Module) -> nn.Module:
    """A copy with its own module objects, in eval mode, sharing ``model``'s tensors."""
    memo = {id(t): t for t in itertools.chain(model.parameters(), model.buffers())}
    return copy.deepcopy(model, memo).eval()


class LayerGraph:
    """One network's traced graph (``module``, a ``torch.fx.GraphModule``) and its layer names.

    ``names`` lists the layers in forward order, ``node_of[name]`` is the graph node behind a
    layer and ``name_of`` the reverse. ``module(x)`` returns ``{name: output}`` for all layers.
    """

    def __init__(self, model: nn.Module):
        traced = model if on_meta_only(model) and not model.training else shell(model)
        tracer = _LayerTracer()
        graph = tracer.trace(traced)
        self.node_of: dict[str, torch.fx.Node] = {
            tracer.node_to_qualname[n]: n for n in graph.nodes
            if n in tracer.node_to_qualname and n.op not in ("placeholder", "output")}
        if len(self.node_of) != sum(1 for n in graph.nodes if n in tracer.node_to_qualname
                                    and n.op not in ("placeholder", "output")):
            raise ValueError(f"two layers of {type(model).__name__} got the same name")
        self.names: list[str] = list(self.node_of)
        self.name_of: dict[torch.fx.Node, str] = {v: k for k, v in self.node_of.items()}
        for node in [n for n in graph.nodes if n.op == "output"]:
            graph.erase_node(node)
        graph.output(dict(self.node_of))  # every layer's output, by name
        no_inplace_relu(graph, tracer.root)
        self.module = torch.fx.GraphModule(tracer.root, graph, type(model).__name__)  # compiled once
        self._meta_module: nn.Module | None = None
        self._shapes: dict[Shape, dict[torch.fx.Node, Shape | None]] = {}
        self._lock = threading.Lock()

    def node_shapes(self, input_shape: Shape) -> dict[torch.fx.Node, Shape | None]:
        """Output shape of every graph node, without the batch, for one input ``(C, H, W)``;
        ``None`` for nodes that give no tensor (``x.size()``, tuples). Computed once per input shape."""
        input_shape = tuple(input_shape)
        shapes = self._shapes.get(input_shape)
        if shapes is None:
            with self._lock:  # two sessions asking at once: one meta run
                shapes = self._shapes.get(input_shape)
                if shapes is None:
                    shapes = self._shapes[input_shape] = self._meta_run(input_shape)
                    while len(self._shapes) > 8:  # a few input sizes per network at most
                        self._shapes.pop(next(iter(self._shapes)))
        return shapes

    def _meta_run(self, input_shape: Shape) -> dict[torch.fx.Node, Shape | None]:
        if self._meta_module is None:
            self._meta_module = self.module if on_meta_only(self.module) else on_meta(self.module)
        recorder = _ShapeRecorder(self._meta_module)
        with torch.inference_mode():
            recorder.run(torch.empty(1, *input_shape, device="meta"))
        # The copy's nodes are in the same order as ours (their names may differ).
        return dict(zip(self.module.graph.nodes, recorder.shapes, strict=True))


def meta_forward(m: nn.Module, args: tuple, kwargs: dict):
    """``m(*args, **kwargs)`` on meta tensors, skipping what cannot change a shape
    (also inside a Sequential such as torchvision's ``Conv2dNormActivation``)."""
    if isinstance(m, nn.MultiheadAttention) and m.batch_first and not kwargs.get("need_weights", True):
        query = args[0]  # (N, L, E): one output per query token, as wide as the embedding
        return query.new_empty((*query.shape[:-1], m.embed_dim)), None
    if len(args) == 1 and not kwargs:
        if isinstance(m, SAME_SHAPE):
            return args[0]
        if isinstance(m, nn.Linear):  # (..., in) -> (..., out); torch decomposes it slowly on meta
            return args[0].new_empty((*args[0].shape[:-1], m.out_features))
        if isinstance(m, nn.Sequential) and type(m).forward is nn.Sequential.forward:
            x = args[0]
            for child in m:
                x = meta_forward(child, (x,), {})
            return x
    return m(*args, **kwargs)


class _ShapeRecorder(torch.fx.Interpreter):
    def __init__(self, module: torch.fx.GraphModule):
        super().__init__(module)
        self.shapes: list[Shape | None] = []

    def call_module(self, target, args, kwargs):
        return meta_forward(self.fetch_attr(target), args, kwargs)

    def call_function(self, target, args, kwargs):
        if target in SAME_SHAPE_FUNCTIONS and args and isinstance(args[0], torch.Tensor):
            return args[0]
        return super().call_function(target, args, kwargs)

    def run_node(self, node: torch.fx.Node):
        out = super().run_node(node)
        self.shapes.append(tuple(out.shape[1:]) if isinstance(out, torch.Tensor) and out.ndim else None)
        return out


def on_meta(module: nn.Module) -> nn.Module:
    """A copy of ``module`` whose parameters and buffers live on the meta device (shapes only).

    Only the module objects are copied; the weights are not, so this is cheap for any size."""
    memo: dict[int, torch.Tensor] = {}
    for p in module.parameters():
        memo[id(p)] = nn.Parameter(torch.empty_like(p, device="meta"), requires_grad=False)
    for b in module.buffers():
        memo[id(b)] = torch.empty_like(b, device="meta")
    return copy.deepcopy(module, memo)


def no_inplace_relu(graph: torch.fx.Graph, root: nn.Module) -> None:
    """Rewrite in-place ReLUs in a traced graph: VGG's ``ReLU(inplace=True)`` would
    otherwise overwrite the conv output we return with its rectified version."""
    for node in graph.nodes:
        if node.op == "call_module" and isinstance(root.get_submodule(node.target), nn.ReLU):
            node.op, node.target = "call_function", torch.relu
        elif node.op == "call_function" and node.kwargs.get("inplace"):
            node.kwargs = {**node.kwargs, "inplace": False}


# One graph per network object, dropped with it. Keyed by the network, not by any user.
_graphs: "weakref.WeakKeyDictionary[nn.Module, LayerGraph]" = weakref.WeakKeyDictionary()
_tracing = threading.Lock()


def layer_graph(model: nn.Module) -> LayerGraph:
    """The :class:`LayerGraph` of ``model``, traced on first use and then reused."""
    graph = _graphs.get(model)
    if graph is None:
        with _tracing:  # one trace per network even when two sessions open it at once
            graph = _graphs.get(model)
            if graph is None:
                graph = _graphs[model] = LayerGraph(model)
    return graph


def list_layers(model: nn.Module) -> list[str]:
    """Every layer name :func:`~explainer.features.extract_features` accepts, in forward order
    (e.g. ``features.0`` … for VGG, ``layer1.0.conv1``, ``layer1.0.add`` … for ResNet)."""
    return list(layer_graph(model).names)


def layer_shapes(model: nn.Module, input_shape: Shape) -> dict[str, Shape | None]:
    """Output shape of every layer for one input ``(C, H, W)``, without the batch, e.g.
    ``{"conv1": (64, 112, 112), ..., "fc": (1000,)}``, from a run on the meta device.

    Works for a network on any device, including ``meta``; nothing is computed for real.
    """
    graph = layer_graph(model)
    shapes = graph.node_shapes(tuple(input_shape))
    return {name: shapes[node] for name, node in graph.node_of.items()}
