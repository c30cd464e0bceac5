"""The two digit classifiers the lecture compares: a fully connected network and LeNet-5.

Architectures are data (``MLPSpec``, ``LeNetSpec``: frozen, hashable, URL-friendly);
``build(spec)`` turns one into an ``nn.Sequential`` whose layers have readable names
(``conv1``, ``pool1``, ``fc1`` ...), so other pages can pick layers by name.

LeNet-5 as the lecture draws it (LeCun et al., 1998; the lecture's PyTorch version):
conv 6@5x5 -> max-pool 2 -> conv 16@5x5 -> max-pool 2 -> 120 -> 84 -> 10, ReLU after
each layer. The original network read 32x32 images; MNIST is 28x28, so the first
convolution pads by 2 (a 32x32 view of the same digit) and every size after it is the
lecture's: 28x28 -> 14x14 -> 10x10 -> 5x5, 16*5*5 = 400 inputs to the first
fully connected layer.

Departures from the drawing, none of which change what the network computes:
* max-pool is applied *before* ReLU. Both are monotone, so ``relu(maxpool(x)) ==
  maxpool(relu(x))`` exactly, but ReLU then touches 4x fewer values.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch
from torch import nn

MLP_NAME, CNN_NAME = "Fully connected", "LeNet-5 (CNN)"


@dataclass(frozen=True)
class MLPSpec:
    """784 -> hidden (x depth) -> 10. ``relu=False`` makes it one linear map in disguise."""

    hidden: int = 128
    depth: int = 1
    relu: bool = True
    batchnorm: bool = False
    dropout: float = 0.0

    name = MLP_NAME


@dataclass(frozen=True)
class LeNetSpec:
    """LeNet-5 with the lecture's switches: pooling, ReLU, BatchNorm, Dropout."""

    pooling: bool = True
    relu: bool = True
    batchnorm: bool = False
    dropout: float = 0.0

    name = CNN_NAME


def _activation(on: bool) -> nn.Module:
    return nn.ReLU(inplace=True) if on else nn.Identity()


def _fully_connected(spec: MLPSpec) -> nn.Sequential:
    layers: list[tuple[str, nn.Module]] = [("flatten", nn.Flatten())]
    width = 28 * 28
    for i in range(1, spec.depth + 1):
        layers.append((f"fc{i}", nn.Linear(width, spec.hidden)))
        if spec.batchnorm:
            layers.append((f"bn{i}", nn.BatchNorm1d(spec.hidden)))
        layers.append((f"relu{i}", _activation(spec.relu)))
        if spec.dropout:
            layers.append((f"drop{i}", nn.Dropout(spec.dropout)))
        width = spec.hidden
    layers.append((f"fc{spec.depth + 1}", nn.Linear(width, 10)))
    return nn.Sequential(OrderedDict(layers))


def _lenet5(spec: LeNetSpec) -> nn.Sequential:
    def conv_block(i: int, c_in: int, c_out: int, padding: int) -> list[tuple[str, nn.Module]]:
        block = [(f"conv{i}", nn.Conv2d(c_in, c_out, 5, padding=padding))]
        if spec.batchnorm:
            block.append((f"bn{i}", nn.BatchNorm2d(c_out)))
        if spec.pooling:
            block.append((f"pool{i}", nn.MaxPool2d(2)))
        block.append((f"relu{i}", _activation(spec.relu)))
        return block

    side = 5 if spec.pooling else 24  # 28 -conv-> 28 -pool-> 14 -conv-> 10 -pool-> 5 (or 28 -> 24 unpooled)
    head: list[tuple[str, nn.Module]] = [("flatten", nn.Flatten()), ("fc1", nn.Linear(16 * side * side, 120)),
                                         ("relu3", _activation(spec.relu))]
    if spec.dropout:
        head.append(("drop1", nn.Dropout(spec.dropout)))
    head += [("fc2", nn.Linear(120, 84)), ("relu4", _activation(spec.relu))]
    if spec.dropout:
        head.append(("drop2", nn.Dropout(spec.dropout)))
    head.append(("fc3", nn.Linear(84, 10)))
    return nn.Sequential(OrderedDict(conv_block(1, 1, 6, 2) + conv_block(2, 6, 16, 0) + head))


def build(spec: MLPSpec | LeNetSpec, *, seed: int | None = None) -> nn.Sequential:
    """A freshly initialised network for ``spec``; ``(N, 1, 28, 28) -> (N, 10)`` logits."""
    if seed is not None:
        torch.manual_seed(seed)
    if isinstance(spec, MLPSpec):
        return _fully_connected(spec)
    if isinstance(spec, LeNetSpec):
        return _lenet5(spec)
    raise TypeError(f"unknown network spec {spec!r}; use MLPSpec or LeNetSpec")


def count_parameters(model: nn.Module) -> int:
    """Number of learned numbers (weights and biases) in ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def parameter_table(model: nn.Module) -> list[dict]:
    """One row per layer with weights: name, weight shape, parameter count, output shape.

    Output shapes come from one dummy ``(1, 1, 28, 28)`` pass in eval mode (the model's
    mode is restored after).
    """
    shapes: dict[str, tuple[int, ...]] = {}
    was_training = model.training
    model.eval()
    x = torch.zeros(1, 1, 28, 28)
    with torch.no_grad():
        for name, layer in model.named_children():
            x = layer(x)
            shapes[name] = tuple(x.shape[1:])
    model.train(was_training)
    rows = []
    for name, layer in model.named_children():
        n = sum(p.numel() for p in layer.parameters())
        if n:
            rows.append({"layer": name, "weights": "x".join(map(str, layer.weight.shape)),
                         "parameters": n, "output": "x".join(map(str, shapes[name]))})
    return rows


def describe(spec: MLPSpec | LeNetSpec) -> str:
    """The architecture in one line, in the lecture's notation."""
    act = "ReLU" if spec.relu else "no ReLU"
    extras = [e for e, on in (("BatchNorm", spec.batchnorm), (f"Dropout {spec.dropout:g}", spec.dropout)) if on]
    if isinstance(spec, MLPSpec):
        text = " -> ".join(["784"] + [str(spec.hidden)] * spec.depth + ["10"])
    else:
        text = ("conv 6@5x5 -> pool -> conv 16@5x5 -> pool -> 120 -> 84 -> 10" if spec.pooling
                else "conv 6@5x5 -> conv 16@5x5 -> 120 -> 84 -> 10 (no pooling)")
    return f"{text} · {', '.join([act] + extras)}"
