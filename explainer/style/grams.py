"""A look inside the style loss for the page's Gram section: one layer's Gram matrices, style picture vs output."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from explainer.style.losses import gram_matrix
from explainer.style.net import StyleNet
from explainer.style.pixels import resize_long_side, to_tensor


@dataclass(frozen=True)
class GramView:
    """One layer's Gram matrices (style image vs output) and some of the maps behind them."""

    layer: str
    n_channels: int              # C: the full Gram matrix is C x C
    map_shape: tuple[int, int]   # (H, W) of the output's feature maps at this layer
    channels: list[int]          # the k channels shown, most active in the style image first
    style_gram: np.ndarray       # (k, k) block of A
    output_gram: np.ndarray      # (k, k) block of G
    style_maps: np.ndarray       # (m, H_s, W_s) feature maps of the first m of those channels
    output_maps: np.ndarray      # (m, H, W)
    layer_loss: float            # mean((G - A)^2) over all C x C entries: this layer's style term


def gram_view(net: StyleNet, style_rgb: np.ndarray, output_rgb: np.ndarray, layer: str, *,
              style_scale: float = 1.0, channels: int = 32, maps: int = 4) -> GramView:
    """Gram matrices of the style image and of ``output_rgb`` at ``layer``, as the loss sees them.

    The style image is resized like in :func:`transfer` (long side = the output's x ``style_scale``).
    """
    device = net.device
    out = to_tensor(output_rgb, device)
    style = resize_long_side(to_tensor(style_rgb, device), round(max(out.shape[-2:]) * style_scale))
    with torch.no_grad():
        fs = net.extract(style, [layer])[layer]          # (1, C, Hs, Ws)
        fo = net.extract(out, [layer])[layer]            # (1, C, H, W)
        a, g = gram_matrix(fs)[0], gram_matrix(fo)[0]    # (C, C)
    order = torch.argsort(a.diagonal(), descending=True)[:channels]
    block = lambda m: m[order][:, order].cpu().numpy()  # noqa: E731
    top = order[:maps]
    return GramView(layer=layer, n_channels=a.shape[0], map_shape=tuple(fo.shape[-2:]), channels=order.tolist(),
                    style_gram=block(a), output_gram=block(g), style_maps=fs[0, top].cpu().numpy(),
                    output_maps=fo[0, top].cpu().numpy(), layer_loss=float(F.mse_loss(g, a)))
