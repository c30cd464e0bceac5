"""Each layer's operation in the lecture's words: ``describe_layer`` ("conv 3×3, 3→64, stride 1, pad 1")."""
from __future__ import annotations

import operator

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision import ops as tv_ops

from explainer.features.graph import layer_graph
from explainer.features.receptive_fields import as_pair


def _size(v) -> str:
    a, b = as_pair(v)
    return f"{a}" if a == b else f"{a}×{b}"


def _describe_module(m: nn.Module) -> str:
    if isinstance(m, nn.Conv2d):
        k = as_pair(m.kernel_size)
        pad = m.padding if isinstance(m.padding, str) else _size(m.padding)
        groups = "" if m.groups == 1 else (", depthwise" if m.groups == m.in_channels else f", {m.groups} groups")
        return (f"conv {k[0]}×{k[1]}, {m.in_channels}→{m.out_channels}, stride {_size(m.stride)}, pad {pad}"
                + ("" if as_pair(m.dilation) == (1, 1) else f", dilation {_size(m.dilation)}") + groups)
    if isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)):
        kind = "max" if isinstance(m, nn.MaxPool2d) else "average"
        k = as_pair(m.kernel_size)
        return (f"{kind} pool {k[0]}×{k[1]}, stride {_size(m.stride or m.kernel_size)}"
                + ("" if as_pair(m.padding) == (0, 0) else f", pad {_size(m.padding)}")
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
