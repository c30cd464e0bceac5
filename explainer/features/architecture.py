"""The layer table of any network: operation, output shape, parameters, receptive field.

Everything here is index math on the traced graph (:mod:`explainer.features.graph`): no
picture is run, so a network built with ``weights=None`` on the ``meta`` device works::

    with torch.device("meta"):
        net = torchvision.models.resnet18(weights=None)
    rows = layer_table(net, (3, 224, 224))

Each row's receptive field comes from :mod:`explainer.features.receptive_fields`, its
operation in words from :mod:`explainer.features.layer_words`; output sizes of windows
come from the lecture's formula, every other shape is what torch reports on the meta device.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn

from explainer.features.graph import Shape, layer_graph, layer_shapes, list_layers
from explainer.features.layer_words import describe_layer
from explainer.features.receptive_fields import LOCAL, Pair, layer_geometry


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
