"""The style-transfer objective, piece by piece (Gatys et al., 2016).

Content loss compares feature maps; style loss compares Gram matrices of feature maps
(which maps fire together, wherever they fire); total variation keeps the picture smooth.
"""
from __future__ import annotations

from typing import Mapping

import torch
import torch.nn.functional as F


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """Normalised Gram matrix: which feature maps are active together.

    ``G[i, j] = sum_k F[i, k] F[j, k] / (C * H * W)`` with ``F`` the ``(C, H*W)`` matrix of
    the layer's ``C`` feature maps flattened. Dividing by ``C*H*W`` makes G independent of
    the image size (same as the PyTorch tutorial; the paper divides in the loss instead).

    Args:
        features: ``(N, C, H, W)``.
    Returns:
        ``(N, C, C)``, symmetric.
    """
    n, c, h, w = features.shape
    flat = features.reshape(n, c, h * w)                       # (N, C, H*W)
    return flat @ flat.transpose(1, 2) / (c * h * w)          # (N, C, C)


def content_loss(features: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared difference between two feature maps ``(N, C, H, W)``: 0 when they agree."""
    return F.mse_loss(features, target)


def style_loss(grams: Mapping[str, torch.Tensor], targets: Mapping[str, torch.Tensor],
               weights: Mapping[str, float]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """``sum_l w_l * mean((G_l - A_l)^2)`` over the style layers.

    Args:
        grams: ``{layer: (N, C, C)}`` of the image being made.
        targets: ``{layer: (N, C, C)}`` of the style image.
        weights: ``{layer: w_l}``; layers with weight 0 are skipped.
    Returns:
        The weighted sum, and each layer's unweighted term (for the page's table).
    """
    per_layer = {name: F.mse_loss(grams[name], targets[name]) for name, w in weights.items() if w}
    total = sum((weights[name] * value for name, value in per_layer.items()),
                torch.zeros((), device=next(iter(targets.values())).device))
    return total, per_layer


def tv_loss(image: torch.Tensor) -> torch.Tensor:
    """Total variation: mean squared difference between neighbouring pixels of ``(N, C, H, W)``."""
    dy = image[:, :, 1:, :] - image[:, :, :-1, :]
    dx = image[:, :, :, 1:] - image[:, :, :, :-1]
    return dy.pow(2).mean() + dx.pow(2).mean()
