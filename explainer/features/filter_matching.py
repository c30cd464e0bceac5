"""Learned first-layer filters beside the kernel playground's hand-made ones.

The bridge from hand-made to learned filters: each RGB filter of a network's first layer
is matched, by correlation, to the closest preset (Sobel, Gaussian, Laplacian...).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch.nn as nn

from explainer.kernels import presets

def first_layer_filters(model: nn.Module) -> np.ndarray:
    """Weights of the first convolution, ``(C_out, C_in, k, k)`` float32 (a copy)."""
    conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    return conv.weight.detach().float().cpu().numpy().copy()


def reference_kernels(k: int) -> dict[str, np.ndarray]:
    """The kernel playground's presets at size ``k``, each ``(k, k)`` float64.

    3×3: exactly the playground's kernels (``explainer.kernels.presets``). Larger sizes (ResNet's
    7×7): identity, box and Gaussian at that size, and the edge kernels as the
    Gaussian-derivative filters that Sobel, Robinson and the Laplacian approximate.
    """
    sigma = max(0.85, k / 6)
    gauss = presets.gaussian(k, sigma).astype(np.float64)
    if k == 3:
        edges = {"Sobel x": presets.sobel_x(), "Sobel y": presets.sobel_y(), "Robinson NE": presets.robinson("NE"),
                 "Robinson NW": presets.robinson("NW"), "Laplacian": presets.laplacian(), "sharpen": presets.sharpen_classic(),
                 "emboss": presets.emboss()}
    else:
        r = np.arange(k) - (k - 1) / 2
        x, y = np.meshgrid(r, r)
        edges = {"Sobel x": x * gauss, "Sobel y": y * gauss, "Robinson NE": (x - y) * gauss,
                 "Robinson NW": -(x + y) * gauss,
                 "Laplacian": (x ** 2 + y ** 2 - 2 * sigma ** 2) * gauss,  # Laplacian of Gaussian
                 "sharpen": 2 * presets.identity(k) - gauss}
    table = {"identity": presets.identity(k), "box blur": presets.box(k), "Gaussian blur": gauss, **edges}
    return {name: np.asarray(v, np.float64) for name, v in table.items()}


@dataclass(frozen=True)
class PresetMatch:
    preset: str        # the closest preset
    similarity: float  # |cosine| between the filter's grey part and the preset, 0..1
    sign: int          # -1: the filter is the preset flipped (dark/light swapped)
    grey_share: float  # share of the filter's energy that is the same in R, G and B

    @property
    def label(self) -> str:
        name = ("−" if self.sign < 0 else "") + self.preset
        return name if self.grey_share >= 0.5 else f"colour ({name})"


def closest_presets(filters: np.ndarray) -> list[PresetMatch]:
    """For each filter ``(C_out, 3, k, k)``: the preset its grey part correlates with best.

    The grey part is the mean over R, G, B: what the filter does to brightness. A filter
    with most of its energy elsewhere (green minus magenta, say) is a colour detector,
    which no greyscale preset describes; ``grey_share`` says how much is grey.
    """
    k = filters.shape[-1]
    names, refs = zip(*reference_kernels(k).items())
    ref = np.stack([r.ravel() / np.linalg.norm(r) for r in refs])            # (P, k*k)
    grey = filters.mean(axis=1).reshape(len(filters), -1).astype(np.float64)  # (C_out, k*k)
    energy = (filters.astype(np.float64) ** 2).reshape(len(filters), -1).sum(1)
    grey_share = filters.shape[1] * (grey ** 2).sum(1) / np.maximum(energy, 1e-12)
    cos = grey @ ref.T / np.maximum(np.linalg.norm(grey, axis=1, keepdims=True), 1e-12)
    best = np.abs(cos).argmax(axis=1)
    return [PresetMatch(names[b], float(abs(cos[i, b])), 1 if cos[i, b] >= 0 else -1, float(grey_share[i]))
            for i, b in enumerate(best)]
