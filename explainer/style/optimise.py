"""One coarse-to-fine level of the transfer: its start picture, the optimiser and its closure, progress events."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np
import torch
import torch.nn.functional as F

from explainer.style.events import StyleEvent
from explainer.style.net import StyleNet
from explainer.style.objective import Targets, objective
from explainer.style.settings import StyleSettings

#: Start pixels are kept inside [EPS, 1-EPS], where the picture still responds to z (slope > 0).
_EPS = 0.01
#: For the ETA: one pass costs about as much as this many extra pixels (measured on 2 CPU cores).
_OVERHEAD_PX = 96 * 96


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


def level_start(settings: StyleSettings, content: torch.Tensor, style: torch.Tensor,
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
class Progress:
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


def optimise_level(net: StyleNet, z: torch.Tensor, targets: Targets, settings: StyleSettings,
                    autocast: torch.dtype | None, progress: Progress, level: int) -> Iterator[StyleEvent]:
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
