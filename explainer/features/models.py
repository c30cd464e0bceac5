"""The ImageNet networks the feature-map viewer opens: a table of what each one is.

Architecture is data (:data:`MODELS`), one private builder (:func:`_build`) turns a row
into a ready network, and :func:`load_model` names the row, the way torchvision's
``models/vgg.py`` does. Preprocessing (mean, std, interpolation) and the
1000 ImageNet class names travel with the weights enum, so nothing is hard-coded here
and they are known offline, even when the weights file itself is not.

A loaded network is shared by every session of the app: it is put in eval mode, its
parameters stop requiring gradients, and nobody may register hooks on it or train it.
"""
from __future__ import annotations

import copy
import itertools
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import torch
import torch.nn.functional as F
from torchvision import models as tvm
from torchvision.models import WeightsEnum

from explainer import weights
from explainer.device import best_device


@dataclass(frozen=True)
class ModelSpec:
    """One row of the model table."""

    name: str
    builder: Callable[..., torch.nn.Module]   # torchvision builder, called with weights=None
    weights: WeightsEnum                       # the pretrained weights it is matched with
    early: str                                 # a shallow layer for "early vs deep"
    deep: str                                  # a deep layer for "early vs deep"
    blurb: str                                 # one line for the page


BLURBS = {
    "VGG16": "Simonyan & Zisserman 2014, configuration D: 13 conv3 layers in 5 blocks, max pooling between "
             "blocks, then 3 fully connected layers.",
    "VGG19": "Configuration E: 16 conv3 layers (the network style transfer uses), max pooling between blocks, "
             "then 3 fully connected layers.",
    "ResNet18": "He et al. 2015: a 7×7 stride-2 stem, then 8 residual blocks of two 3×3 convs whose input is "
                "added back to their output (the shortcut).",
    "ResNet50": "16 bottleneck blocks (1×1 squeeze, 3×3, 1×1 expand) with shortcuts: deeper than VGG with a "
                "fifth of its parameters.",
}

# name, torchvision builder, weights, the early and the deep layer of "early vs deep"
_TABLE = (
    ("VGG16", tvm.vgg16, tvm.VGG16_Weights.IMAGENET1K_V1, "features.3", "features.29"),
    ("VGG19", tvm.vgg19, tvm.VGG19_Weights.IMAGENET1K_V1, "features.3", "features.35"),
    ("ResNet18", tvm.resnet18, tvm.ResNet18_Weights.IMAGENET1K_V1, "relu", "layer4.1.relu_1"),
    ("ResNet50", tvm.resnet50, tvm.ResNet50_Weights.IMAGENET1K_V1, "relu", "layer4.2.relu_2"),
)
MODELS: dict[str, ModelSpec] = {
    name: ModelSpec(name=name, builder=builder, weights=enum_value, early=early, deep=deep, blurb=BLURBS[name])
    for name, builder, enum_value, early, deep in _TABLE}

#: The extra model the style-transfer page loads (its ``features.`` part, from the same file).
STYLE_WEIGHTS = tvm.VGG19_Weights.IMAGENET1K_V1
UNTRAINED_SEED = 0   # random-init networks are the same in every process (and every replica)


@dataclass
class LoadedModel:
    """A network ready for inference, with what the page must say about its weights."""

    name: str
    model: torch.nn.Module
    weights_enum: WeightsEnum | None
    status: weights.WeightsStatus
    device: torch.device
    spec: ModelSpec | None = None
    #: Unique per loaded copy: use it in cache keys (an untrained and a re-downloaded
    #: pretrained VGG16 must not share cached feature maps).
    key: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    @property
    def pretrained(self) -> bool:
        return self.status.pretrained

    @property
    def categories(self) -> list[str]:
        """ImageNet class names from the weights' metadata (known offline); digits otherwise."""
        return list(self.weights_enum.meta["categories"]) if self.weights_enum else [str(d) for d in range(10)]


def _build(spec: ModelSpec, *, device: torch.device | None, progress: weights.Progress | None,
           download_if_missing: bool) -> LoadedModel:
    model = untrained(spec)  # the weights file, if there is one, is loaded over it by weights.py
    status = weights.pretrained_or_untrained(model, spec.weights, progress=progress,
                                       download_if_missing=download_if_missing)
    loaded = _freeze(LoadedModel(name=spec.name, model=model, weights_enum=spec.weights, status=status,
                                 device=device or best_device(), spec=spec))
    with torch.inference_mode():  # first conv call initialises oneDNN/cuDNN: pay it while loading,
        loaded.model(torch.zeros(1, 3, 64, 64, device=loaded.device))  # not on the first picture
    return loaded


def untrained(spec: ModelSpec) -> torch.nn.Module:
    """``spec``'s network with torchvision's random initialisation, drawn from a fixed seed: every server
    process shows the same untrained feature maps, so a shared link still shows what its sender saw."""
    with torch.random.fork_rng(devices=[]):  # leaves the process's random stream as it was
        torch.manual_seed(UNTRAINED_SEED)
        return spec.builder(weights=None)


def _freeze(loaded: LoadedModel) -> LoadedModel:
    loaded.model.eval().requires_grad_(False).to(loaded.device)
    return loaded


def load_model(name: str, *, device: torch.device | None = None, progress: weights.Progress | None = None,
               download_if_missing: bool = True) -> LoadedModel:
    """Build ``name`` (a key of :data:`MODELS`) with pretrained weights if they can be had.

    Otherwise the network keeps its random initialisation and ``status`` says so
    (``status.label == "UNTRAINED (random weights)"``); a corrupt cached file is named in
    ``status.corrupt_path``. Never raises for missing weights.
    """
    if name not in MODELS:
        raise KeyError(f"Unknown model {name!r}; choose one of {', '.join(MODELS)}.")
    return _build(MODELS[name], device=device, progress=progress, download_if_missing=download_if_missing)


def with_user_weights(loaded: LoadedModel, data: bytes) -> LoadedModel:
    """A *copy* of ``loaded`` carrying a user's uploaded state_dict (``weights_only=True``).

    The shared network is left untouched. Raises ``weights.WeightsUnavailable`` with a
    message for the user if the file is unreadable or does not fit the architecture.
    """
    state = weights.load_user_state_dict(data)
    model = untrained(loaded.spec) if loaded.spec else copy.deepcopy(loaded.model)
    try:
        model.load_state_dict(state)
    except RuntimeError as err:
        first = str(err).splitlines()[:3]
        raise weights.WeightsUnavailable(f"This state_dict does not fit {loaded.name}: {' '.join(first)}") from err
    status = weights.WeightsStatus(pretrained=True, message=f"Your uploaded weights ({len(state)} tensors) on {loaded.name}.")
    return _freeze(LoadedModel(name=loaded.name, model=model, weights_enum=loaded.weights_enum, status=status,
                               device=loaded.device, spec=loaded.spec))


# --- input ------------------------------------------------------------------------------

def prepare_input(rgb: np.ndarray, loaded: LoadedModel, size: int) -> tuple[torch.Tensor, np.ndarray]:
    """The picture as the network sees it: centre square, resized to ``size``, normalised.

    Mean, std and interpolation come from the weights enum (``weights.transforms()``).
    Returns ``(x, shown)``: ``x`` is ``(1, 3, size, size)`` float32 on the model's device,
    ``shown`` the same square as ``(size, size, 3) uint8`` for overlays.
    """
    t = loaded.weights_enum.transforms()
    img = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1).float() / 255.0  # (3, H, W)
    h, w = img.shape[1:]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    img = img[:, top:top + side, left:left + side]
    mode = "bicubic" if "BICUBIC" in str(t.interpolation) else "bilinear"
    img = F.interpolate(img[None], size=(size, size), mode=mode, antialias=True, align_corners=False)
    img = img.clamp(0, 1)  # (1, 3, size, size)
    shown = (img[0].permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)
    mean = torch.tensor(t.mean).view(1, 3, 1, 1)
    std = torch.tensor(t.std).view(1, 3, 1, 1)
    return ((img - mean) / std).to(loaded.device), shown


# --- cache and prefetch ------------------------------------------------------------------

@dataclass(frozen=True)
class CacheEntry:
    """One weights file the app may use, and whether the hub cache has it."""

    item: str
    path: Path
    present: bool
    size_mb: float
    expected_mb: float


def all_weights() -> dict[str, WeightsEnum]:
    """Every weights file the app uses: the four viewer models (VGG19 also serves style transfer)."""
    table = {name: spec.weights for name, spec in MODELS.items()}
    table.setdefault("VGG19", STYLE_WEIGHTS)
    return table


def cached_status() -> list[CacheEntry]:
    """What the torch hub cache holds of :func:`all_weights` (no network)."""
    rows = []
    for name, enum_value in all_weights().items():
        path = weights.cache_path(enum_value)
        present = path.is_file()
        rows.append(CacheEntry(item=f"{name} weights", path=path, present=present,
                               size_mb=path.stat().st_size / 1e6 if present else 0.0,
                               expected_mb=float(enum_value.meta.get("_file_size", 0.0))))
    return rows


def prefetch_models(progress: Callable[[str, int, int], None] | None = None, *,
                    force: bool = False) -> Iterator[tuple[str, Path | None, str | None]]:
    """Download every weights file into the hub cache; yields ``(name, path, error)`` per file.

    ``progress(name, done_bytes, total_bytes)`` reports the download in flight. A file
    already cached (and readable) is not downloaded again unless ``force``.
    """
    for name, enum_value in all_weights().items():
        cb = (lambda done, total, n=name: progress(n, done, total)) if progress else None
        try:
            path = weights.download(enum_value, progress=cb, force=force)
            yield name, path, None
        except weights.WeightsUnavailable as err:
            yield name, None, str(err)


def fingerprint(module: torch.nn.Module) -> str:
    """Cheap id of a module's current weights, for cache keys of networks that may still train."""
    with torch.no_grad():
        sums = [float(p.detach().double().sum()) for p in itertools.islice(module.parameters(), 64)]
    return f"{id(module):x}-" + "-".join(f"{s:.6g}" for s in sums[:8]) + f"-{sum(sums):.9g}"


# --- networks trained in a session (the MNIST page) ---------------------------------------

def session_model(name: str, module: torch.nn.Module) -> LoadedModel:
    """A frozen CPU *copy* of a network another page trains (it may still be training)."""
    snapshot = copy.deepcopy(module).cpu()
    status = weights.WeightsStatus(pretrained=True, message=f"“{name}”, trained on the MNIST page in this session.")
    return _freeze(LoadedModel(name=name, model=snapshot, weights_enum=None, status=status,
                               device=torch.device("cpu")))


def prepare_digit(image: np.ndarray, mean: float, std: float) -> torch.Tensor:
    """A ``(28, 28) uint8`` digit as the MNIST networks take it: ``(1, 1, 28, 28)``, normalised."""
    x = torch.from_numpy(np.ascontiguousarray(image)).float()[None, None] / 255.0
    return (x - mean) / std
