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
  tutorial uses none, and its steps often overshoot). The pixels are ``sigmoid(z)`` and
  ``z`` is optimised, so the picture stays in 0..1 without the tutorial's clamping (which
  spoils L-BFGS's curvature estimates). Where the hardware runs bfloat16 natively (recent
  CPUs, GPUs) the network's passes use it (``torch.autocast``), about 1.8x faster on CPU;
  targets and the final losses stay in float32.
* **Keeping the content's colours** (Gatys et al. 2016, "Preserving color in neural
  artistic style transfer", luminance-only transfer): the transfer runs on luminance Y
  (YCbCr, ITU-R BT.601) with the style's luminance matched to the content's mean and
  spread, and the result takes the content image's chroma (Cb, Cr).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Iterator, Mapping

import numpy as np
import torch
import torch.nn.functional as F

from explainer.style.losses import content_loss, gram_matrix, style_loss, tv_loss  # noqa: F401
from explainer.style.net import CONTENT_LAYER, STYLE_LAYERS, StyleNet
from explainer.style.pixels import (match_luminance, resize_long_side, rgb_to_ycbcr, to_rgb,  # noqa: F401
                           to_tensor, ycbcr_to_rgb)

INITS = ("content", "noise", "style")
OPTIMIZERS = ("lbfgs", "adam")
#: Smallest side worth optimising at a coarse level (VGG's conv5_1 sees 1/16 of it).
MIN_LEVEL_SIDE = 48
#: Start pixels are kept inside [EPS, 1-EPS] so that sigmoid^-1 (logit) is finite.
_EPS = 0.01
#: For the ETA: one pass costs about as much as this many extra pixels (measured on 2 CPU cores).
_OVERHEAD_PX = 96 * 96
#: Smallest output: after conv5_1's four 2x2 poolings a 32 px side is still 2 px.
MIN_SIZE = 32


# ---------------------------------------------------------------------------------------
# Settings, targets, the objective as one function

@dataclass(frozen=True)
class StyleSettings:
    """Everything a transfer depends on (the page's sliders).

    ``iterations`` counts evaluations of the loss (forward + backward) at full size;
    each coarser level gets ``coarse_iterations`` more, 4x / 16x cheaper each.
    """

    size: int = 256                          # long side of the output, pixels
    iterations: int = 90
    coarse_iterations: int = 60
    levels: int = 3                          # 1 = no coarse-to-fine (the paper's way)
    content_weight: float = 1.0              # alpha
    style_weight: float = 1e6                # beta
    tv_weight: float = 0.0                   # gamma
    content_layer: str = CONTENT_LAYER
    style_layers: Mapping[str, float] = field(default_factory=lambda: {n: 1.0 for n in STYLE_LAYERS})
    init: str = "content"                    # content | noise | style
    optimizer: str = "lbfgs"                 # lbfgs | adam
    line_search: bool = True                 # L-BFGS with a strong-Wolfe line search (no overshooting)
    precision: str = "auto"                  # auto (bfloat16 where the hardware has it) | float32 | bfloat16
    adam_lr: float = 0.1                     # on z, where picture = sigmoid(z)
    keep_colors: bool = False
    style_scale: float = 1.0                 # style image's long side relative to the output's
    frame_every_s: float = 1.0               # send the current image at least this often
    seed: int = 0                            # for the noise init

    def __post_init__(self):
        if self.init not in INITS:
            raise ValueError(f"init must be one of {INITS}, not {self.init!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, not {self.optimizer!r}")
        if not any(self.style_layers.values()) and not self.content_weight:
            raise ValueError("Nothing to optimise: no style layer has a weight and the content weight is 0.")

    @property
    def active_style_layers(self) -> dict[str, float]:
        return {name: float(w) for name, w in self.style_layers.items() if w}


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
    return Targets(content_feat, grams)


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


# ---------------------------------------------------------------------------------------
# Coarse-to-fine levels

def level_sizes(settings: StyleSettings) -> list[int]:
    """Long side of each coarse-to-fine level, smallest first, e.g. 256 -> [64, 128, 256]."""
    sizes = [settings.size]
    while len(sizes) < settings.levels and sizes[0] // 2 >= MIN_LEVEL_SIDE:
        sizes.insert(0, sizes[0] // 2)
    return sizes


def schedule(settings: StyleSettings) -> list[tuple[int, int]]:
    """``[(long_side, evaluations), ...]`` from coarse to full size."""
    sizes = level_sizes(settings)
    return [(s, settings.coarse_iterations) for s in sizes[:-1]] + [(sizes[-1], settings.iterations)]


# ---------------------------------------------------------------------------------------
# The transfer as a generator

@dataclass
class StyleEvent:
    """One loss evaluation. ``image`` is set on frames only (at least every ``frame_every_s``).

    To bound memory, a frame's image is dropped (set to None) once a newer frame exists:
    a page always finds the newest one by scanning back from the last event.
    """

    iteration: int                 # evaluations done so far, all levels together
    total_iterations: int
    level: int                     # 0 = coarsest
    shape: tuple[int, int]         # (H, W) being optimised now
    losses: dict[str, float]       # content, style, tv (unweighted), total (weighted), style/<layer>
    elapsed_s: float
    eta_s: float
    image: np.ndarray | None = None  # (H, W, 3) uint8


@dataclass
class StyleResult:
    image: np.ndarray                # (H, W, 3) uint8, the final output
    losses: dict[str, float]         # at the final image
    elapsed_s: float
    evaluations: int


def _autocast_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    """bfloat16 for the network's forward/backward where the hardware runs it natively, else None."""
    if precision == "float32":
        return None
    if precision == "bfloat16":
        return torch.bfloat16
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else None
    if device.type == "cpu":
        try:
            return torch.bfloat16 if torch.ops.mkldnn._is_mkldnn_bf16_supported() else None
        except (AttributeError, RuntimeError):
            return None
    return None


def _initial_image(init: str, content: torch.Tensor, style: torch.Tensor, seed: int) -> torch.Tensor:
    if init == "content":
        return content.clone()
    if init == "style":
        return F.interpolate(style, size=content.shape[-2:], mode="bilinear", align_corners=False)
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(content.shape, generator=gen).to(content.device)


def transfer(net: StyleNet, content_rgb: np.ndarray, style_rgb: np.ndarray,
             settings: StyleSettings = StyleSettings()) -> Iterator[StyleEvent]:
    """Paint ``content_rgb`` in the style of ``style_rgb``; yields a :class:`StyleEvent` per evaluation.

    Args:
        content_rgb, style_rgb: ``(H, W, 3) uint8``, any sizes and aspect ratios. The output
            has the content's aspect ratio and long side ``settings.size``.
    Returns (as the generator's value): a :class:`StyleResult`.
    """
    if settings.size < MIN_SIZE:
        raise ValueError(f"The output must be at least {MIN_SIZE} px on its long side "
                         f"(VGG halves it four times before conv5_1); got {settings.size}.")
    device = net.device
    content_full = to_tensor(content_rgb, device)
    style_full = to_tensor(style_rgb, device)
    if settings.keep_colors:
        content_ycc = rgb_to_ycbcr(content_full)
        style_y = match_luminance(rgb_to_ycbcr(style_full)[:, :1], content_ycc[:, :1])
        content_full, style_full = content_ycc[:, :1].expand(-1, 3, -1, -1), style_y.expand(-1, 3, -1, -1)

    plan = schedule(settings)
    total_evals = sum(n for _, n in plan)
    done = 0
    start = time.monotonic()
    last_frame_at, last_frame = -math.inf, None
    z = prev_start_z = None
    losses: dict[str, float] = {}

    def as_rgb(x: torch.Tensor) -> torch.Tensor:
        """The optimised variable as the RGB picture it stands for."""
        if not settings.keep_colors:
            return x
        chroma = F.interpolate(rgb_to_ycbcr(to_tensor(content_rgb, device))[:, 1:], size=x.shape[-2:],
                               mode="bilinear", align_corners=False, antialias=True)
        return ycbcr_to_rgb(torch.cat([x[:, :1], chroma], 1)).clamp(0, 1)

    autocast = _autocast_dtype(settings.precision, device)
    for level, (long_side, evals) in enumerate(plan):
        content = resize_long_side(content_full, long_side)
        style = resize_long_side(style_full, max(MIN_LEVEL_SIDE // 2, round(long_side * settings.style_scale)))
        targets = compute_targets(net, content, style, settings)
        start_image = _initial_image(settings.init, content, style, settings.seed)
        if settings.keep_colors:
            start_image = start_image.mean(1, keepdim=True)  # optimise luminance only
        # The picture is sigmoid(z): always inside 0..1 without clamping (clamping between
        # steps corrupts L-BFGS's curvature estimates and makes its steps overshoot).
        start_z = torch.logit(start_image.clamp(_EPS, 1 - _EPS))
        if z is None:
            z = start_z
        else:
            # Coarse-to-fine: this level's start plus the *change* the coarser level made,
            # upsampled (upsampling the coarse picture itself would blur away the fine texture
            # that conv1_1 measures).
            z = start_z + F.interpolate(z - prev_start_z, size=content.shape[-2:], mode="bicubic",
                                        align_corners=False)
        prev_start_z = start_z
        z = z.detach().contiguous().requires_grad_(True)
        if settings.optimizer == "lbfgs":
            # max_iter=1: each step() is one L-BFGS iteration (one evaluation, a few with the line
            # search), so progress is reported after every one; the curvature history lives on in
            # the optimiser's state. Tolerances 0: the budget, not the optimiser, decides when to stop.
            # max_eval bounds the line search too (max_ls = max_eval - 1 here).
            opt = torch.optim.LBFGS([z], lr=1.0, max_iter=1, max_eval=21, history_size=100, tolerance_grad=0,
                                    tolerance_change=0,
                                    line_search_fn="strong_wolfe" if settings.line_search else None)
        else:
            opt = torch.optim.Adam([z], lr=settings.adam_lr)
        tried: list = []                  # (z, loss terms) of this step's evaluations
        level_start = None
        cache: dict = {"evaluations": 0}  # the last evaluation: each step() first re-asks for it

        def closure():
            if "z" in cache and torch.equal(cache["z"], z.detach()):
                z.grad = cache["grad"].clone()
                return cache["loss"]
            opt.zero_grad(set_to_none=True)
            terms = objective(net, torch.sigmoid(z).expand(-1, 3, -1, -1), targets, settings, autocast=autocast)
            # L-BFGS is scale-invariant except for absolute thresholds (it drops curvature pairs
            # with s.y < 1e-10): tiny losses (e.g. untrained weights) would stall it. Optimise
            # the loss scaled to 1e4 at this level's start; the events report it unscaled.
            cache.setdefault("scale", 1e4 / max(terms["total"].item(), 1e-30))
            scaled = terms["total"] * cache["scale"]
            scaled.backward()
            cache.update(z=z.detach().clone(), grad=z.grad.clone(), loss=scaled.detach(),
                         evaluations=cache["evaluations"] + 1)
            tried.append((cache["z"], terms))
            return scaled

        first = True
        while cache["evaluations"] < evals:
            before, tried = cache["evaluations"], []
            level_start = level_start or time.monotonic()
            opt.step(closure)
            done += cache["evaluations"] - before
            # report the point the step accepted (a line search also tries others)
            accepted = [t for x, t in tried if torch.equal(x, z.detach())] or [t for _, t in tried[-1:]]
            if accepted:
                losses = {k: float(v.detach()) for k, v in accepted[-1].items()}
            if not math.isfinite(losses["total"]):
                raise FloatingPointError("The loss became NaN or infinite; lower the weights or use L-BFGS.")
            elapsed = time.monotonic() - start
            # ETA: this level's time per evaluation, scaled for the levels to come by pixel count
            # plus a fixed per-pass overhead (small images do not get proportionally cheaper)
            per_eval = (time.monotonic() - level_start) / max(cache["evaluations"], 1)
            cost = lambda side: side * side + _OVERHEAD_PX  # noqa: E731
            left = max(0, evals - cache["evaluations"]) + sum(n * cost(s) / cost(long_side)
                                                             for s, n in plan[level + 1:])
            event = StyleEvent(min(done, total_evals), total_evals, level, tuple(z.shape[-2:]), losses,
                               elapsed, per_eval * left)
            now = time.monotonic()
            if now - last_frame_at >= settings.frame_every_s or cache["evaluations"] >= evals or first:
                event.image = to_rgb(as_rgb(torch.sigmoid(z.detach())))
                if last_frame is not None:
                    last_frame.image = None
                last_frame, last_frame_at = event, now
            first = False
            yield event

    with torch.no_grad():  # the losses *at* the final picture, in full precision
        image = torch.sigmoid(z.detach())
        losses = {k: float(v) for k, v in objective(net, image.expand(-1, 3, -1, -1), targets, settings).items()}
        final = as_rgb(image).clamp(0, 1)
    return StyleResult(to_rgb(final), losses, time.monotonic() - start, done)


def run_to_end(events: Iterator[StyleEvent]) -> StyleResult:
    """Drive a transfer generator without a page (tests, benchmarks) and return its result."""
    while True:
        try:
            next(events)
        except StopIteration as stop:
            return stop.value


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


# ---------------------------------------------------------------------------------------
# A look inside the style loss, for the page's Gram-matrix section

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
    return GramView(layer, a.shape[0], tuple(fo.shape[-2:]), order.tolist(), block(a), block(g),
                    fs[0, top].cpu().numpy(), fo[0, top].cpu().numpy(), float(F.mse_loss(g, a)))
