"""The Inception module (Szegedy et al. 2014, GoogLeNet): naive, and with 1×1 reductions.

Four branches read the same input and their outputs are stacked along the channels:
1×1, 3×3, 5×5 convolutions and 3×3 max pooling. Naively the 3×3 and 5×5 filters read all
C_in channels; the reduced module first squeezes them with a 1×1 convolution (``r3``,
``r5`` filters) and projects the pooled branch to ``pool_proj`` channels, which is where
the saving comes from. Every convolution is stride 1 with "same" padding, so a k×k conv
from C_in to C_out costs k²·C_in·C_out + C_out weights and k²·C_in·C_out·H·W multiply-adds.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass(frozen=True)
class InceptionSpec:
    """Input ``(C_in, H, W)`` and branch widths; the defaults are GoogLeNet's module 3a."""

    height: int = 28
    width: int = 28
    c_in: int = 192
    n1: int = 64
    r3: int = 96
    n3: int = 128
    r5: int = 16
    n5: int = 32
    pool_proj: int = 32


@dataclass(frozen=True)
class Conv:
    """One convolution of a branch: name, kernel, channels in and out."""

    branch: str
    k: int
    c_in: int
    c_out: int

    def params(self) -> int:
        return self.k * self.k * self.c_in * self.c_out + self.c_out

    def mult_adds(self, h: int, w: int) -> int:
        return self.k * self.k * self.c_in * self.c_out * h * w


def convolutions(spec: InceptionSpec, *, reduced: bool) -> list[Conv]:
    if not reduced:
        return [Conv("1×1", 1, spec.c_in, spec.n1), Conv("3×3", 3, spec.c_in, spec.n3),
                Conv("5×5", 5, spec.c_in, spec.n5)]
    return [Conv("1×1", 1, spec.c_in, spec.n1),
            Conv("3×3", 1, spec.c_in, spec.r3), Conv("3×3", 3, spec.r3, spec.n3),
            Conv("5×5", 1, spec.c_in, spec.r5), Conv("5×5", 5, spec.r5, spec.n5),
            Conv("pool", 1, spec.c_in, spec.pool_proj)]


@dataclass(frozen=True)
class ModuleCost:
    params: int
    mult_adds: int
    out_channels: int


def cost(spec: InceptionSpec, *, reduced: bool) -> ModuleCost:
    convs = convolutions(spec, reduced=reduced)
    pooled = spec.pool_proj if reduced else spec.c_in   # naive: the pooled input passes through whole
    return ModuleCost(params=sum(c.params() for c in convs),
                      mult_adds=sum(c.mult_adds(spec.height, spec.width) for c in convs),
                      out_channels=spec.n1 + spec.n3 + spec.n5 + pooled)


class InceptionModule(nn.Module):
    """The module in torch (to check the arithmetic): ``(N, C_in, H, W) -> (N, C_out, H, W)``."""

    def __init__(self, spec: InceptionSpec, *, reduced: bool):
        super().__init__()
        convs = convolutions(spec, reduced=reduced)
        self.branches = nn.ModuleDict()
        for name in ("1×1", "3×3", "5×5", "pool"):
            layers = [nn.Conv2d(c.c_in, c.c_out, c.k, padding=c.k // 2) for c in convs if c.branch == name]
            if name == "pool":
                layers.insert(0, nn.MaxPool2d(3, stride=1, padding=1))
            self.branches[name.replace("×", "x")] = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([branch(x) for branch in self.branches.values()], dim=1)
