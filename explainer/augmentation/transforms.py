"""Data augmentation on whole batches of uint8 tensors: shift, rotate, scale, crop, noise, flip.

The lecture's list of basic augmentations, done the way a training loop wants them:
one random affine matrix per image (shift, rotation, zoom, crop and flip folded into it),
the whole batch resampled in a single ``F.grid_sample`` call on the tensors' own device
(no per-image PIL round trip, no Python loop over images), then Gaussian noise added in
place. ``augment`` gives ``uint8`` back (the preview); ``augmented_batch`` gives the
normalised float batch a training step wants, converting from ``uint8`` only once.
Shapes and dtype are kept, labels are never touched (but see :func:`label_warnings`:
some augmentations change what a digit *is*).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from explainer.mnist import normalise


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

    Shift, rotation, zoom, crop and flip folded into one matrix per image, so a whole batch
    is resampled once. Coordinates are normalised to [-1, 1] across ``side`` pixels (one
    pixel = 2/side); the matrix reads the input at ``flip(k·R(-angle)·(p - shift) + crop_offset)``
    where ``k`` folds zoom and crop together. All random numbers come from one draw.
    """
    u = torch.rand(n, 7, generator=generator).mul_(2).sub_(1)     # (n, 7) uniform in [-1, 1)
    angle = u[:, 0] * (aug.rotate_deg * math.pi / 180)
    zoom = 1 + u[:, 1] * aug.scale
    sx, sy = (u[:, 2:4] * (aug.shift_px * 2 / side)).unbind(1)   # shift, normalised units
    ox, oy = (u[:, 4:6] * (aug.crop_px / side)).unbind(1)        # where the crop's centre sits
    k = ((side - aug.crop_px) / side) / zoom                      # (n,) reading step: >1 shrinks the picture
    cos, sin = torch.cos(angle) * k, torch.sin(angle) * k
    mirror = torch.where(u[:, 6] < 0, -1.0, 1.0) if aug.flip else torch.ones(n)  # a flip negates the x we read
    rows = [mirror * cos, mirror * sin, mirror * (ox - cos * sx - sin * sy),   # x row: k·R(-angle), offset - a·shift
            -sin, cos, oy + sin * sx - cos * sy]                                # y row
    return torch.stack(rows, 1).view(n, 2, 3)


@functools.lru_cache(maxsize=16)
def _pixel_centres(height: int, width: int, device: torch.device) -> torch.Tensor:
    """``(3, H·W)``: each output pixel's centre ``(x, y, 1)`` in [-1, 1] (``align_corners=False``). A constant."""
    ys = (torch.arange(height, dtype=torch.float32, device=device) * 2 + 1) / height - 1
    xs = (torch.arange(width, dtype=torch.float32, device=device) * 2 + 1) / width - 1
    y, x = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack([x.reshape(-1), y.reshape(-1), torch.ones(height * width, device=device)])


def sampling_grid(theta: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """What ``F.affine_grid(theta, (N, C, H, W), align_corners=False)`` gives, ``(N, H, W, 2)``,
    as one small matrix product: on CPU about 20x faster than ``affine_grid`` for 28x28."""
    base = _pixel_centres(height, width, theta.device)
    return (theta @ base).transpose(1, 2).reshape(len(theta), height, width, 2)   # (N, 2, HW) -> (N, H, W, 2)


def warp(images: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    """Resample ``images`` ``(N, C, H, W)`` float through ``theta`` ``(N, 2, 3)``; black comes in at the edges."""
    grid = sampling_grid(theta.to(images.device, images.dtype), images.shape[-2], images.shape[-1])
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def augmented_floats(images: torch.Tensor, aug: Augmentation, *,
                     generator: torch.Generator | None = None) -> torch.Tensor:
    """``(N, H, W)`` or ``(N, C, H, W)`` uint8 -> ``(N, C, H, W)`` float32 grey levels 0..255, changed at random.

    uint8 -> float once, one warp for shift + rotate + scale + crop + flip together, noise
    added in place. The shared core of :func:`augment` (preview) and :func:`augmented_batch` (training).
    """
    x = (images.unsqueeze(1) if images.ndim == 3 else images).float()    # (N, C, H, W)
    if not aug.geometric_identity:
        x = warp(x, random_matrices(len(x), aug, x.shape[-1], generator))
    if aug.noise:
        noise = torch.randn(x.shape, generator=generator).mul_(aug.noise)
        x.add_(noise.to(x.device)).clamp_(0, 255)                         # stays a valid grey level
    return x


def augment(images: torch.Tensor, aug: Augmentation, *, generator: torch.Generator | None = None) -> torch.Tensor:
    """A randomly changed copy of a batch: ``(N, H, W)`` or ``(N, C, H, W)`` uint8 in, same out.

    Runs on ``images.device``. Random draws come from ``generator`` (CPU; a seeded one
    gives the same batch every time). All-zero settings return the images unchanged.
    """
    if aug.is_identity or len(images) == 0:
        return images.clone()
    out = augmented_floats(images, aug, generator=generator).round_().clamp_(0, 255).to(torch.uint8)
    return out.squeeze(1) if images.ndim == 3 else out


def augmented_batch(images: torch.Tensor, aug: Augmentation, mean: float, std: float, *,
                    generator: torch.Generator | None = None) -> torch.Tensor:
    """A training batch: ``(N, 28, 28)`` uint8 -> ``(N, 1, 28, 28)`` float32, augmented and normalised.

    Like ``normalise(augment(images))`` without the round trip through uint8 (the network
    gets the warped grey levels unrounded, at most half a level apart from the preview's).
    """
    if aug.is_identity:
        return normalise(images, mean, std)
    return augmented_floats(images, aug, generator=generator).mul_(1.0 / (255.0 * std)).sub_(mean / std)


def moved(images: torch.Tensor, *, dx: float = 0.0, angle: float = 0.0) -> torch.Tensor:
    """Every image of ``(N, H, W)`` uint8 shifted ``dx`` pixels right and turned ``angle`` degrees
    (counter-clockwise): the fixed moves of the robustness tests, one batched warp."""
    n, side = len(images), images.shape[-1]
    a = math.radians(-angle)  # image rows grow downwards: a negative angle here turns counter-clockwise on screen
    theta = torch.tensor([[math.cos(a), math.sin(a), -dx * 2 / side * math.cos(a)],
                          [-math.sin(a), math.cos(a), dx * 2 / side * math.sin(a)]]).expand(n, 2, 3)
    x = warp(images.unsqueeze(1).float(), theta)
    return x.round_().clamp_(0, 255).to(torch.uint8).squeeze(1)
