"""Data augmentation on whole batches of uint8 tensors: shift, rotate, scale, crop, noise, flip.

The lecture's list of basic augmentations, done the way a training loop wants them:
one random affine matrix per image, all applied in a single ``F.affine_grid`` +
``F.grid_sample`` call on the tensors' own device (no per-image PIL round trip), then
Gaussian noise, then back to ``uint8``. Shapes and dtype are kept, labels are never
touched (but see :func:`label_warnings`: some augmentations change what a digit *is*).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class Augmentation:
    """How far each random change may go. All zero (the default) is the identity.

    Every image gets its own draw: a shift of up to ``shift_px`` pixels along each axis,
    a rotation of up to ``rotate_deg`` degrees either way, a zoom by a factor in
    ``1 ± scale``, a random crop that keeps a square ``crop_px`` pixels smaller than the
    image (at a random place) and enlarges it back, Gaussian noise of standard deviation
    ``noise`` grey levels (of 255), and with ``flip`` a left-right mirror half of the time.
    """

    shift_px: float = 0.0
    rotate_deg: float = 0.0
    scale: float = 0.0
    crop_px: int = 0
    noise: float = 0.0
    flip: bool = False

    @property
    def is_identity(self) -> bool:
        return self.geometric_identity and self.noise == 0

    @property
    def geometric_identity(self) -> bool:
        return not (self.shift_px or self.rotate_deg or self.scale or self.crop_px or self.flip)

    def describe(self) -> str:
        """The settings in a few words, e.g. ``shift ±3 px, rotate ±15°``."""
        parts = [text for text, on in (
            (f"shift ±{self.shift_px:g} px", self.shift_px), (f"rotate ±{self.rotate_deg:g}°", self.rotate_deg),
            (f"scale ×{1 - self.scale:.2g}…{1 + self.scale:.2g}", self.scale),
            (f"random crop −{self.crop_px} px", self.crop_px), (f"noise σ={self.noise:g}", self.noise),
            ("horizontal flip", self.flip)) if on]
        return ", ".join(parts) or "none"


#: A mild setting that suits handwritten digits (what the page starts with).
DIGIT_DEFAULT = Augmentation(shift_px=3, rotate_deg=15, scale=0.1, crop_px=0, noise=0, flip=False)


def label_warnings(aug: Augmentation, *, kind: str = "digits") -> list[str]:
    """Why ``aug`` may change the right answer for images of ``kind`` (empty: it keeps labels).

    A mirrored photo of a cat is still a cat, but a mirrored 2, 3, 4, 5, 7 or 9 is not a
    digit any more; turned by 180° a 6 reads as a 9.
    """
    if kind != "digits":
        return []
    notes = []
    if aug.flip:
        notes.append("Horizontal flip changes the label: a mirrored 2, 3, 4, 5, 7 or 9 is no digit at all "
                     "(only 0, 1 and 8 survive a mirror). Flip suits photos of objects, not writing.")
    if aug.rotate_deg > 45:
        notes.append(f"Rotations up to ±{aug.rotate_deg:g}° change labels: turned far enough a 6 reads as a 9 "
                     "and a 7 as an L. Handwriting tilts by a few degrees, not by a right angle.")
    if aug.shift_px + aug.crop_px / 2 > 6:
        notes.append("Shifts this large push strokes out of the 28×28 frame: part of the digit is lost.")
    return notes


def random_matrices(n: int, aug: Augmentation, side: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """``(n, 2, 3)`` affine matrices for ``F.affine_grid``: output pixel -> where to read in the input.

    Coordinates are normalised to [-1, 1] across ``side`` pixels (one pixel = 2/side), so the
    matrix reads the input at ``flip(k·R(-angle)·(p - shift) + crop_offset)`` where ``k``
    folds zoom and crop together.
    """
    def uniform(lo: float, hi: float) -> torch.Tensor:
        return torch.rand(n, generator=generator) * (hi - lo) + lo

    angle = uniform(-aug.rotate_deg, aug.rotate_deg) * (math.pi / 180)
    zoom = uniform(1 - aug.scale, 1 + aug.scale)
    shift = torch.stack([uniform(-aug.shift_px, aug.shift_px), uniform(-aug.shift_px, aug.shift_px)], 1) * (2 / side)
    keep = (side - aug.crop_px) / side                      # share of the side the crop keeps
    offset = torch.stack([uniform(-1, 1), uniform(-1, 1)], 1) * (aug.crop_px / side)  # crop centre
    k = keep / zoom                                         # (n,) reading step: >1 shrinks the picture
    cos, sin = torch.cos(angle) * k, torch.sin(angle) * k
    a = torch.stack([torch.stack([cos, sin], 1), torch.stack([-sin, cos], 1)], 1)  # (n, 2, 2) = k·R(-angle)
    t = offset - (a @ shift.unsqueeze(2)).squeeze(2)        # (n, 2)
    mirror = torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0) if aug.flip else torch.ones(n)
    a[:, 0] *= mirror.unsqueeze(1)                          # a flip negates the x we read from
    t[:, 0] *= mirror
    return torch.cat([a, t.unsqueeze(2)], 2)                # (n, 2, 3)


def warp(images: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    """Resample ``images`` ``(N, C, H, W)`` float through ``theta`` ``(N, 2, 3)``; black comes in at the edges."""
    grid = F.affine_grid(theta.to(images.device, images.dtype), list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def augment(images: torch.Tensor, aug: Augmentation, *, generator: torch.Generator | None = None) -> torch.Tensor:
    """A randomly changed copy of a batch: ``(N, H, W)`` or ``(N, C, H, W)`` uint8 in, same out.

    Runs on ``images.device``. Random draws come from ``generator`` (CPU; a seeded one
    gives the same batch every time). All-zero settings return the images unchanged.
    """
    if aug.is_identity or len(images) == 0:
        return images.clone()
    x = images.unsqueeze(1) if images.ndim == 3 else images   # (N, C, H, W)
    x = x.float()
    if not aug.geometric_identity:
        x = warp(x, random_matrices(len(x), aug, x.shape[-1], generator))
    if aug.noise:
        x = x + torch.randn(x.shape, generator=generator).to(x.device) * aug.noise
    out = x.round_().clamp_(0, 255).to(torch.uint8)
    return out.squeeze(1) if images.ndim == 3 else out


def moved(images: torch.Tensor, *, dx: float = 0.0, angle: float = 0.0) -> torch.Tensor:
    """Every image of ``(N, H, W)`` uint8 shifted ``dx`` pixels right and turned ``angle`` degrees
    (counter-clockwise): the fixed moves of the robustness tests, one batched warp."""
    n, side = len(images), images.shape[-1]
    a = math.radians(-angle)  # image rows grow downwards: a negative angle here turns counter-clockwise on screen
    theta = torch.tensor([[math.cos(a), math.sin(a), -dx * 2 / side * math.cos(a)],
                          [-math.sin(a), math.cos(a), dx * 2 / side * math.sin(a)]]).expand(n, 2, 3)
    x = warp(images.unsqueeze(1).float(), theta)
    return x.round_().clamp_(0, 255).to(torch.uint8).squeeze(1)
