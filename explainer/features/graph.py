"""The traced graph of a network: every layer by name, built once per network, shared read-only.

torchvision's ``get_graph_node_names`` / ``create_feature_extractor`` trace the network
into a graph whose nodes are its layers (``features.0``, ``layer1.0.add``, ...). The
graph is traced from a *shell*: a copy that shares the network's tensors but has its own
module objects, because tracing briefly switches what it traces to train mode, which
must not happen to a network another session may be running.

Output shapes are read from a run on PyTorch's ``meta`` device: tensors that carry a
shape and no data, so a ResNet-152 "runs" in milliseconds without a byte of memory for
activations, and a network built on ``meta`` (``with torch.device("meta"): ...``) works
as well as a real one.
"""
from __future__ import annotations

import copy
import inspect
import itertools
import weakref

import torch
import torch.nn as nn
from torchvision.models.feature_extraction import create_feature_extractor, get_graph_node_names

Shape = tuple[int, ...]


class LayerGraph:
    """One network's traced graph (``module``, a ``torch.fx.GraphModule``) and its layer names.

    ``names`` lists the layers in forward order, ``node_of[name]`` is the graph node behind a
    layer and ``name_of`` the reverse. ``module(x)`` returns ``{name: output}`` for all layers.
    """

    def __init__(self, model: nn.Module):
        memo = {id(t): t for t in itertools.chain(model.parameters(), model.buffers())}
        shell = copy.deepcopy(model, memo).eval()
        inputs = set(inspect.signature(shell.forward).parameters)  # placeholders: "x", "input"...
        self.names: list[str] = [n for n in get_graph_node_names(shell)[1] if n not in inputs]
        self.module = create_feature_extractor(shell, return_nodes={n: n for n in self.names}).eval()
        no_inplace_relu(self.module)
        out = next(n for n in self.module.graph.nodes if n.op == "output")
        self.node_of: dict[str, torch.fx.Node] = dict(out.args[0])
        self.name_of: dict[torch.fx.Node, str] = {v: k for k, v in self.node_of.items()}
        self.meta_module: torch.fx.GraphModule | None = None  # built on first use by node_shapes

    def node_shapes(self, input_shape: Shape) -> dict[torch.fx.Node, Shape | None]:
        """Output shape of every graph node, without the batch, for one input ``(C, H, W)``;
        ``None`` for nodes that give no tensor (``x.size()``, tuples)."""
        if self.meta_module is None:
            self.meta_module = on_meta(self.module)
        recorder = _ShapeRecorder(self.meta_module)
        with torch.inference_mode():
            recorder.run(torch.empty(1, *input_shape, device="meta"))
        # The copy's nodes are in the same order as ours (their names may differ).
        return dict(zip(self.module.graph.nodes, recorder.shapes, strict=True))


class _ShapeRecorder(torch.fx.Interpreter):
    def __init__(self, module: torch.fx.GraphModule):
        super().__init__(module)
        self.shapes: list[Shape | None] = []

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


def no_inplace_relu(gm: torch.fx.GraphModule) -> None:
    """Rewrite in-place ReLUs in a traced copy: VGG's ``ReLU(inplace=True)`` would
    otherwise overwrite the conv output we return with its rectified version."""
    for node in gm.graph.nodes:
        if node.op == "call_module" and isinstance(gm.get_submodule(node.target), nn.ReLU):
            node.op, node.target = "call_function", torch.relu
        elif node.op == "call_function" and node.kwargs.get("inplace"):
            node.kwargs = {**node.kwargs, "inplace": False}
    gm.recompile()


# One graph per network object, dropped with it. Keyed by the network, not by any user.
_graphs: "weakref.WeakKeyDictionary[nn.Module, LayerGraph]" = weakref.WeakKeyDictionary()


def layer_graph(model: nn.Module) -> LayerGraph:
    """The :class:`LayerGraph` of ``model``, traced on first use and then reused."""
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
