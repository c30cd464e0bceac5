"""Neural style transfer (Gatys, Ecker & Bethge, "Image Style Transfer Using
Convolutional Neural Networks", CVPR 2016), as a generator of progress events.

The pixels of a new image ``x`` are optimised, the network stays frozen::

    L(x) = alpha * L_content(x) + beta * L_style(x) + gamma * L_tv(x)

* content: the feature map at one deep layer (``conv4_2``) should match the content image's;
* style: at each style layer, the Gram matrix ``G = F F^T`` of the feature maps (which
  channels fire *together*, wherever in the image) should match the style image's;
* total variation: neighbouring pixels should not differ much (a smoothness prior the
  paper does not use; 0 turns it off).

Where this departs from the paper:

* **Normalisation.** ``G = F F^T / (C * H * W)`` (the PyTorch tutorial's choice), and the
  losses are *means* of squared differences, where the paper uses sums with
  ``1 / (4 N^2 M^2)`` and ``1/2``. Means make the numbers independent of image size, so
  the same weights work at every size and for content and style images of different
  sizes and aspect ratios (a Gram matrix is ``C x C`` whatever ``H, W`` are).
* **Coarse-to-fine.** The paper optimises at full size from the start. Here the image may
  first be optimised at 1/4 and 1/2 of the size; each finer level starts from its own start
  image plus the *change* the coarser level made, upsampled (upsampling the coarse picture
  itself would blur away the fine texture conv1_1 measures). Targets are computed once per
  level, and the network stops after the last layer used.
* **Optimiser.** L-BFGS as in the paper, with a strong-Wolfe line search (the PyTorch
  tutorial uses none, and its steps often overshoot). The pixels are ``(1 + sin z) / 2`` and
  ``z`` is optimised, so the picture stays in 0..1 without the tutorial's clamping (which
  spoils L-BFGS's curvature estimates). Not ``sigmoid(z)``: its slope ``x (1 - x)`` is 25x
  flatter at a dark pixel (x = 0.01) than at mid-grey, the sine's ``sqrt(x (1 - x))`` only 5x,
  and L-BFGS (one step length for all pixels) converges faster when the pixels respond
  alike: measured at 256 px, the same loss in about 15% fewer full-size evaluations.
* **Precision.** The network's passes run in bfloat16 (``torch.autocast``) only where one
  timed pass showed it clearly faster than float32 on this machine
  (:func:`explainer.style.net.network_precision`); targets, Gram matrices and the final
  losses stay in float32.
* **Keeping the content's colours** (Gatys et al. 2016, "Preserving color in neural
  artistic style transfer", luminance-only transfer): the transfer runs on luminance Y
  (YCbCr, ITU-R BT.601) with the style's luminance matched to the content's mean and
  spread, and the result takes the content image's chroma (Cb, Cr).
"""
from __future__ import annotations

import functools
import time
from typing import Iterator

import numpy as np
import torch
import torch.nn.functional as F

from explainer.style.events import StyleEvent, StyleResult
from explainer.style.net import StyleNet, network_precision
from explainer.style.objective import compute_targets, objective
from explainer.style.optimise import Progress, level_start, optimise_level, picture
from explainer.style.pixels import match_luminance, resize_long_side, rgb_to_ycbcr, to_rgb, to_tensor, ycbcr_to_rgb
from explainer.style.settings import MIN_LEVEL_SIDE, MIN_SIZE, StyleSettings, schedule


def _network_inputs(net: StyleNet, content_rgb: np.ndarray, style_rgb: np.ndarray,
                    settings: StyleSettings) -> tuple[torch.Tensor, torch.Tensor]:
    """Content and style as ``(1, 3, H, W)`` tensors; luminance only (repeated x3) when keeping colours."""
    if settings.size < MIN_SIZE:
        raise ValueError(f"The output must be at least {MIN_SIZE} px on its long side "
                         f"(VGG halves it four times before conv5_1); got {settings.size}.")
    content, style = to_tensor(content_rgb, net.device), to_tensor(style_rgb, net.device)
    if not settings.keep_colors:
        return content, style
    content_y = rgb_to_ycbcr(content)[:, :1]
    style_y = match_luminance(rgb_to_ycbcr(style)[:, :1], content_y)
    return content_y.expand(-1, 3, -1, -1), style_y.expand(-1, 3, -1, -1)


def _as_rgb(content_rgb: np.ndarray, settings: StyleSettings, x: torch.Tensor) -> torch.Tensor:
    """The optimised picture as the RGB picture it stands for (luminance + the content's chroma)."""
    if not settings.keep_colors:
        return x
    chroma = F.interpolate(rgb_to_ycbcr(to_tensor(content_rgb, x.device))[:, 1:], size=x.shape[-2:],
                           mode="bilinear", align_corners=False, antialias=True)
    return ycbcr_to_rgb(torch.cat([x[:, :1], chroma], 1)).clamp(0, 1)


def transfer(net: StyleNet, content_rgb: np.ndarray, style_rgb: np.ndarray,
             settings: StyleSettings = StyleSettings()) -> Iterator[StyleEvent]:
    """Paint ``content_rgb`` in the style of ``style_rgb``; yields a :class:`StyleEvent` per step.

    Args:
        content_rgb, style_rgb: ``(H, W, 3) uint8``, any sizes and aspect ratios. The output
            has the content's aspect ratio and long side ``settings.size``.
    Returns (as the generator's value): a :class:`StyleResult`.
    """
    content_full, style_full = _network_inputs(net, content_rgb, style_rgb, settings)
    autocast = network_precision(net, settings.precision).autocast
    as_rgb = functools.partial(_as_rgb, content_rgb, settings)
    progress = Progress(plan=schedule(settings), frame=lambda z: to_rgb(as_rgb(picture(z.detach()))),
                         frame_every_s=settings.frame_every_s)
    coarse = None
    for level, (long_side, _) in enumerate(progress.plan):
        content = resize_long_side(content_full, long_side)
        style = resize_long_side(style_full, max(MIN_LEVEL_SIDE // 2, round(long_side * settings.style_scale)))
        targets = compute_targets(net, content, style, settings)
        z, start_z = level_start(settings, content, style, coarse)
        yield from optimise_level(net, z, targets, settings, autocast, progress, level)
        coarse = (z.detach(), start_z)

    with torch.no_grad():  # the losses *at* the final picture, in full precision
        image = picture(z.detach())
        losses = {k: float(v) for k, v in objective(net, image.expand(-1, 3, -1, -1), targets, settings).items()}
        final = as_rgb(image).clamp(0, 1)
    return StyleResult(image=to_rgb(final), losses=losses, elapsed_s=time.monotonic() - progress.start,
                       evaluations=progress.done)


def run_to_end(events: Iterator[StyleEvent]) -> StyleResult:
    """Drive a transfer generator without a page (tests, benchmarks) and return its result."""
    while True:
        try:
            next(events)
        except StopIteration as stop:
            return stop.value
