"""VGG's configurations A–E (Simonyan & Zisserman 2014, Table 1) and why 3×3 is enough.

Configurations A, B, D, E are torchvision's own lists (``torchvision.models.vgg.cfgs``:
a number = a 3×3 convolution with that many filters, ``"M"`` = 2×2 max pooling).
Configuration C is not in torchvision; it is B with one 1×1 convolution added to each
of the last three blocks, as the paper describes it. Every configuration ends with the
same classifier: 512·7·7 → 4096 → 4096 → 1000.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch.nn as nn
from torchvision.models import vgg as tv_vgg

Layer = tuple[int, int] | str          # (kernel size, filters) or "M" for max pooling
CLASSIFIER = ((512 * 7 * 7, 4096), (4096, 4096), (4096, 1000))
PAPER_MILLIONS = {"A": 133, "B": 133, "C": 134, "D": 138, "E": 144}   # the paper's Table 2
TORCHVISION = {"A": "vgg11", "B": "vgg13", "D": "vgg16", "E": "vgg19"}


def _from_torchvision(name: str) -> tuple[Layer, ...]:
    return tuple(v if v == "M" else (3, int(v)) for v in tv_vgg.cfgs[name])


def _config_c() -> tuple[Layer, ...]:
    b = list(_from_torchvision("B"))
    pools = [i for i, v in enumerate(b) if v == "M"]
    for block_end in reversed(pools[2:]):   # before the pooling of blocks 3, 4, 5
        b.insert(block_end, (1, b[block_end - 1][1]))
    return tuple(b)


def configurations() -> dict[str, tuple[Layer, ...]]:
    """``{"A": (...), ..., "E": (...)}`` in the paper's order."""
    return {"A": _from_torchvision("A"), "B": _from_torchvision("B"), "C": _config_c(),
            "D": _from_torchvision("D"), "E": _from_torchvision("E")}


@dataclass(frozen=True)
class ConfigSummary:
    name: str
    weight_layers: int     # convolutions + 3 fully connected
    conv_params: int
    fc_params: int
    source: str

    @property
    def params(self) -> int:
        return self.conv_params + self.fc_params


def summarise(name: str, layers: tuple[Layer, ...]) -> ConfigSummary:
    """Parameters counted by hand: a k×k conv from C_in to C_out holds k²·C_in·C_out + C_out."""
    c_in, conv = 3, 0
    for layer in layers:
        if layer != "M":
            k, c_out = layer
            conv += k * k * c_in * c_out + c_out
            c_in = c_out
    fc = sum(a * b + b for a, b in CLASSIFIER)
    n_conv = sum(layer != "M" for layer in layers)
    source = f"torchvision cfgs['{name}'] ({TORCHVISION[name]})" if name in TORCHVISION else "the paper's text"
    return ConfigSummary(name, n_conv + len(CLASSIFIER), conv, fc, source)


def table_columns() -> dict[str, list[str]]:
    """The paper's Table 1 as columns of text: ``conv3-64``, ``conv1-256``, ``maxpool``."""
    return {name: ["maxpool" if v == "M" else f"conv{v[0]}-{v[1]}" for v in layers]
            for name, layers in configurations().items()}


def build_features(layers: tuple[Layer, ...]) -> nn.Sequential:
    """The convolutional part of a configuration (to count in torch what :func:`summarise` counts)."""
    modules, c_in = [], 3
    for layer in layers:
        if layer == "M":
            modules.append(nn.MaxPool2d(2, 2))
        else:
            k, c_out = layer
            modules += [nn.Conv2d(c_in, c_out, k, padding=k // 2), nn.ReLU(inplace=True)]
            c_in = c_out
    return nn.Sequential(*modules)


@dataclass(frozen=True)
class StackCost:
    """``depth`` stacked 3×3 layers of C channels against one layer that sees as far."""

    channels: int
    depth: int

    @property
    def field(self) -> int:
        return 2 * self.depth + 1          # each 3×3 layer adds one pixel on each side

    @property
    def stacked_weights(self) -> int:
        return self.depth * 9 * self.channels ** 2

    @property
    def single_weights(self) -> int:
        return self.field ** 2 * self.channels ** 2

    @property
    def saving(self) -> float:
        return 1 - self.stacked_weights / self.single_weights
