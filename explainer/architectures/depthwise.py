"""Depthwise separable convolution (Xception, MobileNet): a standard convolution split in two.

A standard k×k convolution from C_in to C_out channels mixes space and channels at once:
k²·C_in·C_out weights, applied at each of the H·W output positions. The separable one
first filters each channel on its own (depthwise: k²·C_in weights, like the kernel
playground's per-channel mode), then mixes channels with a 1×1 convolution (pointwise:
C_in·C_out). Cost ratio separable / standard = 1/C_out + 1/k². No biases here, so the
ratio is exact; stride 1 and "same" padding.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch.nn as nn


@dataclass(frozen=True)
class SeparableCost:
    k: int
    c_in: int
    c_out: int
    height: int
    width: int

    @property
    def standard_params(self) -> int:
        return self.k * self.k * self.c_in * self.c_out

    @property
    def depthwise_params(self) -> int:
        return self.k * self.k * self.c_in

    @property
    def pointwise_params(self) -> int:
        return self.c_in * self.c_out

    @property
    def separable_params(self) -> int:
        return self.depthwise_params + self.pointwise_params

    @property
    def positions(self) -> int:
        return self.height * self.width

    @property
    def standard_mult_adds(self) -> int:
        return self.standard_params * self.positions   # every weight used once per output position

    @property
    def separable_mult_adds(self) -> int:
        return self.separable_params * self.positions

    @property
    def ratio(self) -> float:
        """separable / standard = 1/C_out + 1/k²."""
        return 1 / self.c_out + 1 / self.k ** 2


def standard_conv(c: SeparableCost) -> nn.Conv2d:
    return nn.Conv2d(c.c_in, c.c_out, c.k, padding=c.k // 2, bias=False)


def separable_conv(c: SeparableCost) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c.c_in, c.c_in, c.k, padding=c.k // 2, groups=c.c_in, bias=False),
                         nn.Conv2d(c.c_in, c.c_out, 1, bias=False))
