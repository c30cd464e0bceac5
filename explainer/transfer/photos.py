"""Transfer learning on your own photos, the lecture's recipe: frozen ResNet18, a new linear head.

The lecture's code freezes a pretrained ResNet18 (``requires_grad = False`` on every
parameter) and replaces its last layer ``fc`` with a new ``nn.Linear``. With the body
frozen, its output for a photo never changes, so we compute it once per photo (the
512 numbers ResNet18's global average pooling gives) and train only the new layer on
them: the same model and the same gradient steps, without pushing every photo through
the frozen layers again at every step. That makes training the head take well under a
second, and leave-one-out testing (train on all photos but one, test on that one, for
each photo) cheap enough to do every time: all N heads train at once as one batched
tensor.

Without pretrained weights the body is a random network; its features still tell some
pictures apart (colour, texture), but the page must say UNTRAINED plainly.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from explainer.augmentation.fitting import Progress
from explainer.features import LoadedModel, prepare_input
from explainer.images import fit_within, sample_images

MIN_PER_CLASS, MAX_PER_CLASS, MAX_CLASSES = 2, 50, 6
INPUT_SIDE = 224           # what ResNet18 was trained on
TILE = 128                 # bundled textures are cut into TILE x TILE tiles
TEXTURES = ("brick", "grass", "gravel")


class PhotoSetError(ValueError):
    """The photos cannot make a training set; ``str(err)`` says why, for the student."""


def check_classes(counts: dict[str, int]) -> None:
    """Raise :class:`PhotoSetError` unless there are 2+ classes with ``MIN_PER_CLASS``..``MAX_PER_CLASS`` photos."""
    if len(counts) < 2:
        raise PhotoSetError("Transfer learning needs at least two classes to tell apart: give each one a "
                            "name and a few photos.")
    if len(counts) > MAX_CLASSES:
        raise PhotoSetError(f"{len(counts)} classes is more than this page handles ({MAX_CLASSES}).")
    for name, n in counts.items():
        if n == 0:
            raise PhotoSetError(f"Class “{name}” has no photos yet: add at least {MIN_PER_CLASS} (5 or more is better).")
        if n < MIN_PER_CLASS:
            raise PhotoSetError(f"Class “{name}” has only one photo. Leave-one-out testing needs at least "
                                f"{MIN_PER_CLASS} per class (one to learn from while the other is tested); "
                                "5–50 works well.")
        if n > MAX_PER_CLASS:
            raise PhotoSetError(f"Class “{name}” has {n} photos; the limit is {MAX_PER_CLASS} per class.")


def texture_classes(n_per_class: int = 12) -> dict[str, list[np.ndarray]]:
    """Real photos that ship with scikit-image, cut into non-overlapping tiles: one class per texture."""
    samples = sample_images()
    classes = {}
    for key in TEXTURES:
        rgb = samples[key].load()
        rows, cols = rgb.shape[0] // TILE, rgb.shape[1] // TILE
        tiles = [rgb[r * TILE:(r + 1) * TILE, c * TILE:(c + 1) * TILE] for r in range(rows) for c in range(cols)]
        classes[samples[key].title.split(" (")[0]] = tiles[:n_per_class + 1]  # the last one: a "new photo"
    return classes


# --- frozen body: features once per photo -----------------------------------------------------
def frozen_body(loaded: LoadedModel) -> nn.Sequential:
    """ResNet18 without its last layer ``fc``: photo -> 512 numbers. A new container around the
    shared, read-only layers (nothing is changed on them)."""
    return nn.Sequential(*list(loaded.model.children())[:-1], nn.Flatten())


@torch.inference_mode()
def features_events(loaded: LoadedModel, photos: list[np.ndarray], *, batch: int = 8) -> Iterator[Progress]:
    """The frozen body's output for each photo; returns ``(N, 512)`` float32 on the CPU."""
    body = frozen_body(loaded)
    out = []
    for i in range(0, len(photos), batch):
        chunk = [prepare_input(fit_within(p, 2 * INPUT_SIDE), loaded, INPUT_SIDE)[0] for p in photos[i:i + batch]]
        out.append(body(torch.cat(chunk)).float().cpu())  # (b, 512)
        done = min(i + batch, len(photos))
        yield Progress(done / len(photos), f"ResNet18 features: {done}/{len(photos)} photos")
    return torch.cat(out) if out else torch.zeros(0, 512)


# --- the new head: nn.Linear(512, classes) on standardised features --------------------------
@dataclass(frozen=True, eq=False)
class PhotoHead:
    """The trained new layer ``fc`` and the feature scaling it was trained with."""

    fc: nn.Linear
    mean: torch.Tensor      # (512,) feature mean/std over the training photos
    std: torch.Tensor
    classes: tuple[str, ...]

    @torch.inference_mode()
    def probabilities(self, features: torch.Tensor) -> np.ndarray:
        """``(N, 512)`` features -> ``(N, classes)`` softmax probabilities."""
        return torch.softmax(self.fc((features - self.mean) / self.std), 1).numpy()


def fit_heads(features: torch.Tensor, labels: torch.Tensor, n_classes: int, keep: torch.Tensor, *,
              steps: int = 150, lr: float = 0.05, l2: float = 1e-3) -> tuple[torch.Tensor, torch.Tensor]:
    """Train H linear heads at once, head h on the photos where ``keep[h]`` is True.

    ``features`` ``(N, D)`` standardised; ``keep`` ``(H, N)`` bool. Full-batch Adam on the
    mean cross-entropy (+ a little L2, so separable classes don't push weights to infinity).
    Returns weights ``(H, D, C)`` and biases ``(H, C)``.
    """
    torch.manual_seed(0)
    n_heads, dim = len(keep), features.shape[1]
    weight = (torch.randn(n_heads, dim, n_classes) * dim ** -0.5).requires_grad_()
    bias = torch.zeros(n_heads, n_classes, requires_grad=True)
    optimizer = torch.optim.Adam([weight, bias], lr=lr)
    target = labels.expand(n_heads, -1)                     # (H, N)
    share = keep.float() / keep.float().sum(1, keepdim=True)
    with torch.enable_grad():
        for _ in range(steps):
            logits = torch.einsum("nd,hdc->hnc", features, weight) + bias[:, None]   # (H, N, C)
            losses = F.cross_entropy(logits.transpose(1, 2), target, reduction="none")  # (H, N)
            loss = (losses * share).sum() + l2 * weight.pow(2).sum()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return weight.detach(), bias.detach()


def _standardise(features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return features.mean(0), features.std(0).clamp_min(1e-6)


def train_head(features: torch.Tensor, labels: torch.Tensor, classes: tuple[str, ...]) -> PhotoHead:
    """The new ``fc`` layer trained on every photo: what predicts a new photo."""
    mean, std = _standardise(features)
    keep = torch.ones(1, len(labels), dtype=torch.bool)
    weight, bias = fit_heads((features - mean) / std, labels, len(classes), keep)
    fc = nn.Linear(features.shape[1], len(classes))
    with torch.no_grad():
        fc.weight.copy_(weight[0].T)
        fc.bias.copy_(bias[0])
    return PhotoHead(fc.requires_grad_(False), mean, std, tuple(classes))


@dataclass(frozen=True)
class LeaveOneOut:
    """Each photo judged by a head trained on all the others."""

    probabilities: np.ndarray   # (N, C)
    labels: np.ndarray          # (N,)

    @property
    def predicted(self) -> np.ndarray:
        return self.probabilities.argmax(1)

    @property
    def accuracy(self) -> float:
        return float((self.predicted == self.labels).mean()) if len(self.labels) else 0.0


def leave_one_out(features: torch.Tensor, labels: torch.Tensor, n_classes: int) -> LeaveOneOut:
    """N heads trained at once, head i without photo i; photo i scored by head i."""
    n = len(labels)
    mean, std = _standardise(features)
    x = (features - mean) / std
    keep = ~torch.eye(n, dtype=torch.bool)                   # (N, N): head i leaves out photo i
    weight, bias = fit_heads(x, labels, n_classes, keep)
    logits = torch.einsum("nd,ndc->nc", x, weight) + bias  # photo i through head i
    return LeaveOneOut(torch.softmax(logits, 1).numpy(), labels.numpy())


# --- the whole recipe as one job ------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class PhotoResult:
    """Everything the page shows after training: the head, leave-one-out scores, the features."""

    classes: tuple[str, ...]
    labels: torch.Tensor
    features: torch.Tensor
    head: PhotoHead
    loo: LeaveOneOut


def photo_transfer_events(loaded: LoadedModel, photos: dict[str, list[tuple[str, np.ndarray]]],
                          known: dict[str, torch.Tensor]) -> Iterator[Progress]:
    """Features for each ``(id, rgb)`` photo not in ``known`` (filled in, id -> (512,)), then the head
    and leave-one-out; returns a :class:`PhotoResult`. ``photos``: class name -> its photos."""
    check_classes({name: len(items) for name, items in photos.items()})
    todo = [(pid, rgb) for items in photos.values() for pid, rgb in items if pid not in known]
    if todo:
        new = yield from features_events(loaded, [rgb for _, rgb in todo])
        known.update({pid: f for (pid, _), f in zip(todo, new)})
    yield Progress(1.0, "training the new head and the leave-one-out heads…")
    classes = tuple(photos)
    labels = torch.tensor([i for i, items in enumerate(photos.values()) for _ in items])
    features = torch.stack([known[pid] for items in photos.values() for pid, _ in items])
    return PhotoResult(classes, labels, features, train_head(features, labels, classes),
                       leave_one_out(features, labels, len(classes)))


@torch.inference_mode()
def photo_features(loaded: LoadedModel, rgb: np.ndarray) -> torch.Tensor:
    """The frozen body's 512 numbers for one photo (a new photo to classify): ``(1, 512)``."""
    x = prepare_input(fit_within(rgb, 2 * INPUT_SIDE), loaded, INPUT_SIDE)[0]
    return frozen_body(loaded)(x).float().cpu()
