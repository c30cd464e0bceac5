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
import math
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Iterator, Mapping

import numpy as np
import torch
import torch.nn.functional as F

from explainer.precision import PRECISIONS
from explainer.style.losses import content_loss, gram_matrix, style_loss, tv_loss
from explainer.style.net import CONTENT_LAYER, STYLE_LAYERS, StyleNet, network_precision
from explainer.style.pixels import match_luminance, resize_long_side, rgb_to_ycbcr, to_rgb, to_tensor, ycbcr_to_rgb

INITS = ("content", "noise", "style")
OPTIMIZERS = ("lbfgs", "adam")
#: Smallest side worth optimising at a coarse level (VGG's conv5_1 sees 1/16 of it).
MIN_LEVEL_SIDE = 48
#: Start pixels are kept inside [EPS, 1-EPS], where the picture still responds to z (slope > 0).
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
    iterations: int = 75                     # the full-size passes are most of the cost ...
    coarse_iterations: int = 35              # ... and more coarse work barely lowers their start
    levels: int = 3                          # 1 = no coarse-to-fine (the paper's way)
    content_weight: float = 1.0              # alpha
    style_weight: float = 1e6                # beta
    tv_weight: float = 0.0                   # gamma
    content_layer: str = CONTENT_LAYER
    style_layers: Mapping[str, float] = field(default_factory=lambda: {n: 1.0 for n in STYLE_LAYERS})
    init: str = "content"                    # content | noise | style
    optimizer: str = "lbfgs"                 # lbfgs | adam
    line_search: bool = True                 # L-BFGS with a strong-Wolfe line search (no overshooting)
    precision: str = "auto"                  # auto (whichever measures faster here) | float32 | bfloat16
    adam_lr: float = 0.1                     # on z, where picture = (1 + sin z) / 2
    keep_colors: bool = False
    style_scale: float = 1.0                 # style image's long side relative to the output's
    frame_every_s: float = 1.0               # send the current image at least this often
    seed: int = 0                            # for the noise init

    def __post_init__(self):
        if self.init not in INITS:
            raise ValueError(f"init must be one of {INITS}, not {self.init!r}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, not {self.precision!r}")
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


def picture(z: torch.Tensor) -> torch.Tensor:
    """The picture ``(1 + sin z) / 2`` in 0..1 for the optimised, unbounded ``z`` (same shape)."""
    return 0.5 + 0.5 * torch.sin(z)


def unbounded(image: torch.Tensor) -> torch.Tensor:
    """A ``z`` with ``picture(z) == image`` for pixels inside ``[EPS, 1-EPS]`` (others are moved there)."""
    return torch.asin(2 * image.clamp(_EPS, 1 - _EPS) - 1)


def _initial_image(init: str, content: torch.Tensor, style: torch.Tensor, seed: int) -> torch.Tensor:
    if init == "content":
        return content.clone()
    if init == "style":
        return F.interpolate(style, size=content.shape[-2:], mode="bilinear", align_corners=False)
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(content.shape, generator=gen).to(content.device)


def _level_start(settings: StyleSettings, content: torch.Tensor, style: torch.Tensor,
                 coarse: tuple[torch.Tensor, torch.Tensor] | None) -> tuple[torch.Tensor, torch.Tensor]:
    """``(z, start_z)`` for a level: ``z`` is optimised, the picture is ``picture(z)``.

    ``coarse`` is the previous level's ``(z, start_z)``. The picture is picture(z), always inside
    0..1 without clamping (clamping between steps corrupts L-BFGS's curvature estimates).
    """
    start_image = _initial_image(settings.init, content, style, settings.seed)
    if settings.keep_colors:
        start_image = start_image.mean(1, keepdim=True)  # optimise luminance only
    start_z = unbounded(start_image)
    z = start_z
    if coarse is not None:
        # Coarse-to-fine: this level's start plus the *change* the coarser level made, upsampled
        # (upsampling the coarse picture itself would blur away the fine texture conv1_1 measures).
        coarse_z, coarse_start = coarse
        z = start_z + F.interpolate(coarse_z - coarse_start, size=content.shape[-2:], mode="bicubic",
                                    align_corners=False)
    # A copy: the optimiser changes z in place, and start_z must stay the start (it is subtracted
    # at the next level; sharing storage made the coarsest level's change vanish).
    return z.detach().clone(memory_format=torch.contiguous_format).requires_grad_(True), start_z


def _optimizer(z: torch.Tensor, settings: StyleSettings) -> torch.optim.Optimizer:
    if settings.optimizer == "adam":
        return torch.optim.Adam([z], lr=settings.adam_lr)
    # max_iter=1: each step() is one L-BFGS iteration (one evaluation, a few with the line search),
    # so progress is reported after every one; the curvature history lives on in the optimiser's
    # state. Tolerances 0: the budget, not the optimiser, decides when to stop. max_eval bounds
    # the line search too (max_ls = max_eval - 1 here).
    return torch.optim.LBFGS([z], lr=1.0, max_iter=1, max_eval=21, history_size=100, tolerance_grad=0,
                             tolerance_change=0, line_search_fn="strong_wolfe" if settings.line_search else None)


class _LevelObjective:
    """The closure the optimiser calls at one level: loss and gradient at ``z``.

    L-BFGS asks again for the point it just evaluated at the start of each step(); the last
    evaluation is remembered so that costs nothing.
    """

    def __init__(self, net: StyleNet, z: torch.Tensor, targets: Targets, settings: StyleSettings,
                 autocast: torch.dtype | None):
        self.net, self.z, self.targets, self.settings, self.autocast = net, z, targets, settings, autocast
        self.optimizer = _optimizer(z, settings)
        self.evaluations = 0
        self.tried: list[tuple[torch.Tensor, dict[str, torch.Tensor]]] = []  # this step's (z, terms)
        self._last: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None  # z, grad, loss
        self._scale: float | None = None

    def __call__(self) -> torch.Tensor:
        z = self.z
        if self._last is not None and torch.equal(self._last[0], z.detach()):
            z.grad = self._last[1].clone()
            return self._last[2]
        self.optimizer.zero_grad(set_to_none=True)
        terms = objective(self.net, picture(z).expand(-1, 3, -1, -1), self.targets, self.settings,
                          autocast=self.autocast)
        # L-BFGS is scale-invariant except for absolute thresholds (it drops curvature pairs with
        # s.y < 1e-10): tiny losses (e.g. untrained weights) would stall it. Optimise the loss
        # scaled to 1e4 at this level's start; the events report it unscaled.
        if self._scale is None:
            self._scale = 1e4 / max(terms["total"].item(), 1e-30)
        scaled = terms["total"] * self._scale
        scaled.backward()
        self._last = (z.detach().clone(), z.grad.clone(), scaled.detach())
        self.evaluations += 1
        self.tried.append((self._last[0], terms))
        return scaled

    def step(self) -> dict[str, float] | None:
        """One optimiser step; the loss terms at the point it accepted (a line search tries others)."""
        self.tried = []
        self.optimizer.step(self)
        z = self.z.detach()
        accepted = [t for x, t in self.tried if torch.equal(x, z)] or [t for _, t in self.tried[-1:]]
        return {k: float(v.detach()) for k, v in accepted[-1].items()} if accepted else None


@dataclass
class _Progress:
    """What the levels of one transfer share: the plan, evaluations done, the newest frame."""

    plan: list[tuple[int, int]]
    frame: Callable[[torch.Tensor], np.ndarray]  # z -> (H, W, 3) uint8
    frame_every_s: float
    start: float = field(default_factory=time.monotonic)
    done: int = 0
    last_frame: StyleEvent | None = None
    last_frame_at: float = -math.inf

    @property
    def total(self) -> int:
        return sum(n for _, n in self.plan)

    def eta_s(self, level: int, level_done: int, level_s: float) -> float:
        """This level's time per evaluation, scaled for the levels to come by pixel count plus a
        fixed per-pass overhead (small images do not get proportionally cheaper)."""
        def cost(side: int) -> float:
            return side * side + _OVERHEAD_PX
        long_side, evals = self.plan[level]
        left = max(0, evals - level_done) + sum(n * cost(s) / cost(long_side) for s, n in self.plan[level + 1:])
        return level_s / max(level_done, 1) * left

    def attach_frame(self, event: StyleEvent, z: torch.Tensor, *, force: bool) -> None:
        """Give ``event`` the current picture if one is due, dropping the previous frame's."""
        now = time.monotonic()
        if force or now - self.last_frame_at >= self.frame_every_s:
            event.image = self.frame(z)
            if self.last_frame is not None:
                self.last_frame.image = None
            self.last_frame, self.last_frame_at = event, now


def _optimise_level(net: StyleNet, z: torch.Tensor, targets: Targets, settings: StyleSettings,
                    autocast: torch.dtype | None, progress: _Progress, level: int) -> Iterator[StyleEvent]:
    """Optimise ``z`` in place for this level's budget of evaluations, one event per step."""
    evals = progress.plan[level][1]
    level_objective = _LevelObjective(net, z, targets, settings, autocast)
    level_start = time.monotonic()
    losses: dict[str, float] = {}
    while level_objective.evaluations < evals:
        before = level_objective.evaluations
        losses = level_objective.step() or losses
        progress.done += level_objective.evaluations - before
        if not math.isfinite(losses["total"]):
            raise FloatingPointError("The loss became NaN or infinite; lower the weights or use L-BFGS.")
        now = time.monotonic()
        event = StyleEvent(iteration=min(progress.done, progress.total), total_iterations=progress.total,
                           level=level, shape=tuple(z.shape[-2:]), losses=losses, elapsed_s=now - progress.start,
                           eta_s=progress.eta_s(level, level_objective.evaluations, now - level_start))
        progress.attach_frame(event, z, force=before == 0 or level_objective.evaluations >= evals)
        yield event


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
    progress = _Progress(plan=schedule(settings), frame=lambda z: to_rgb(as_rgb(picture(z.detach()))),
                         frame_every_s=settings.frame_every_s)
    coarse = None
    for level, (long_side, _) in enumerate(progress.plan):
        content = resize_long_side(content_full, long_side)
        style = resize_long_side(style_full, max(MIN_LEVEL_SIDE // 2, round(long_side * settings.style_scale)))
        targets = compute_targets(net, content, style, settings)
        z, start_z = _level_start(settings, content, style, coarse)
        yield from _optimise_level(net, z, targets, settings, autocast, progress, level)
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
    return GramView(layer=layer, n_channels=a.shape[0], map_shape=tuple(fo.shape[-2:]), channels=order.tolist(),
                    style_gram=block(a), output_gram=block(g), style_maps=fs[0, top].cpu().numpy(),
                    output_maps=fo[0, top].cpu().numpy(), layer_loss=float(F.mse_loss(g, a)))
