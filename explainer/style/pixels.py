"""Pixels for style transfer: arrays <-> tensors, resizing, YCbCr for keeping colours."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


# ---------------------------------------------------------------------------------------
# Colour: YCbCr (ITU-R BT.601, full range) for luminance-only transfer

_RGB_TO_YCC = torch.tensor([[0.299, 0.587, 0.114],
                            [-0.168736, -0.331264, 0.5],
                            [0.5, -0.418688, -0.081312]])


def rgb_to_ycbcr(rgb: torch.Tensor) -> torch.Tensor:
    """``(N, 3, H, W)`` RGB in 0..1 -> Y in 0..1, Cb and Cr centred on 0."""
    return torch.einsum("ij,njhw->nihw", _RGB_TO_YCC.to(rgb.device), rgb)


def ycbcr_to_rgb(ycc: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`rgb_to_ycbcr` (not clamped)."""
    inverse = torch.linalg.inv(_RGB_TO_YCC).to(ycc.device)
    return torch.einsum("ij,njhw->nihw", inverse, ycc)


def match_luminance(style_y: torch.Tensor, content_y: torch.Tensor) -> torch.Tensor:
    """Shift and scale the style's luminance to the content's mean and standard deviation."""
    scale = content_y.std() / style_y.std().clamp_min(1e-6)
    return ((style_y - style_y.mean()) * scale + content_y.mean()).clamp(0, 1)


def to_tensor(rgb: np.ndarray, device: torch.device) -> torch.Tensor:
    """``(H, W, 3) uint8`` -> ``(1, 3, H, W)`` float in 0..1."""
    return torch.from_numpy(np.array(rgb, dtype=np.uint8)).to(device).permute(2, 0, 1)[None].float() / 255.0


def to_rgb(image: torch.Tensor) -> np.ndarray:
    """``(1, 3, H, W)`` in 0..1 -> ``(H, W, 3) uint8``."""
    return (image[0].detach().clamp(0, 1) * 255).round().byte().permute(1, 2, 0).cpu().numpy()


def resize_long_side(image: torch.Tensor, long_side: int) -> torch.Tensor:
    """Resize ``(N, C, H, W)`` so ``max(H, W) == long_side``, keeping the aspect ratio."""
    h, w = image.shape[-2:]
    scale = long_side / max(h, w)
    size = (max(1, round(h * scale)), max(1, round(w * scale)))
    return F.interpolate(image, size=size, mode="bilinear", align_corners=False, antialias=scale < 1)
