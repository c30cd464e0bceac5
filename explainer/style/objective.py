"""The transfer's objective: targets computed once per scale, all loss terms in one forward pass."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F

from explainer.style.losses import content_loss, gram_matrix, style_loss, tv_loss
from explainer.style.net import StyleNet
from explainer.style.pixels import resize_long_side, to_tensor
from explainer.style.settings import StyleSettings


@dataclass(frozen=True)
class Targets:
    """What the image is pulled towards at one scale, computed once (no gradients)."""

    content: torch.Tensor            # (1, C, H', W') at the content layer
    grams: dict[str, torch.Tensor]   # {layer: (1, C, C)} of the style image


def compute_targets(net: StyleNet, content: torch.Tensor, style: torch.Tensor,
                    settings: StyleSettings) -> Targets:
    """Content feature map and style Gram matrices; inputs ``(1, 3, H, W)`` in 0..1."""
    with torch.no_grad():
        content_feat = net.extract(content, [settings.content_layer])[settings.content_layer]
        style_layers = list(settings.active_style_layers)
        grams = {k: gram_matrix(v) for k, v in net.extract(style, style_layers).items()} if style_layers else {}
    return Targets(content=content_feat, grams=grams)


def objective(net: StyleNet, image: torch.Tensor, targets: Targets, settings: StyleSettings, *,
              autocast: torch.dtype | None = None) -> dict[str, torch.Tensor]:
    """All loss terms for ``image`` ``(1, 3, H, W)`` in 0..1, in one forward pass.

    Returns ``{"content", "style", "tv"}`` unweighted, ``"total"`` weighted
    (``alpha*content + beta*style + gamma*tv``) and ``"style/<layer>"`` per layer.
    """
    weights = settings.active_style_layers
    with torch.autocast(image.device.type, dtype=autocast or torch.float32, enabled=autocast is not None):
        feats = net.extract(image, [settings.content_layer, *weights])
    # Gram matrices and losses in float32: G - A is small next to G, bfloat16 would drown it.
    feats = {k: v.float() for k, v in feats.items()}
    lc = content_loss(feats[settings.content_layer], targets.content)
    if weights:
        ls, per_layer = style_loss({k: gram_matrix(feats[k]) for k in weights}, targets.grams, weights)
    else:
        ls, per_layer = torch.zeros((), device=image.device), {}
    ltv = tv_loss(image) if settings.tv_weight else torch.zeros((), device=image.device)
    total = settings.content_weight * lc + settings.style_weight * ls + settings.tv_weight * ltv
    return {"content": lc, "style": ls, "tv": ltv, "total": total,
            **{f"style/{k}": v for k, v in per_layer.items()}}


def final_loss(net: StyleNet, content_rgb: np.ndarray, style_rgb: np.ndarray, output_rgb: np.ndarray,
               settings: StyleSettings) -> dict[str, float]:
    """The objective of a finished ``(H, W, 3) uint8`` output at its own size: compare methods fairly."""
    device = net.device
    out = to_tensor(output_rgb, device)
    content = F.interpolate(to_tensor(content_rgb, device), size=out.shape[-2:], mode="bilinear",
                            align_corners=False, antialias=True)
    style = resize_long_side(to_tensor(style_rgb, device), round(max(out.shape[-2:]) * settings.style_scale))
    plain = replace(settings, keep_colors=False)
    with torch.no_grad():
        terms = objective(net, out, compute_targets(net, content, style, plain), plain)
    return {k: float(v) for k, v in terms.items()}
