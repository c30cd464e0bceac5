"""Any catalogue network built on the ``meta`` device: its layer table and per-stage totals.

On ``meta`` a tensor has a shape and no storage, so even ViT-H (632 M weights) is built
without a byte for its weights and a forward pass only works out shapes. The rows come
from :func:`explainer.features.layer_table` (the same table the feature-map page shows).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import torch
import torch.nn as nn
from torch.overrides import TorchFunctionMode
from torchvision import models as tvm

from explainer import features
from explainer.features.architecture import unused_params

from .catalogue import Entry, default_entry


class NotBuildable(RuntimeError):
    """The builder cannot run on the meta device (it computes with tensor values)."""


class _WeightsOnMeta(TorchFunctionMode):
    """Put new weights and buffers on ``meta`` but keep ``torch.tensor``/``torch.arange`` on the
    CPU: RegNet computes its stage widths from such tensors and reads them back (``.tolist()``)."""

    _MAKERS = frozenset({torch.empty, torch.zeros, torch.ones, torch.full, torch.rand, torch.randn,
                         torch.randint, torch.empty_strided, torch.eye, torch.linspace})

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = dict(kwargs or {})
        if func in self._MAKERS and kwargs.get("device") is None:
            kwargs["device"] = "meta"
        return func(*args, **kwargs)


class _NoFillsOnMeta(TorchFunctionMode):
    """Skip the builders' weight initialisation on ``meta`` tensors: they hold no values to
    fill, yet torch still works out every ``normal_``/``uniform_`` through Python (most of
    the time an EfficientNet takes to build). Only fills that keep the shape are skipped."""

    _FILLS = frozenset({"uniform_", "normal_", "zero_", "fill_", "copy_", "erfinv_", "mul_", "add_", "sub_",
                        "div_", "clamp_", "exponential_", "random_", "bernoulli_"})

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        fills = getattr(func, "__module__", None) == "torch.nn.init" or getattr(func, "__name__", "") in self._FILLS
        target = args[0] if args else kwargs.get("tensor")  # nn.init.* arrive as tensor=...
        if fills and isinstance(target, torch.Tensor) and target.is_meta:
            return target  # nn.init.* and in-place fills all return the tensor they fill
        return func(*args, **kwargs)


def builder_options(entry: Entry) -> dict:
    """What ``weights=`` would have set: the architecture those published numbers are for.

    GoogLeNet's published weights drop its two training-only side classifiers; ViT's SWAG
    versions read bigger images and so hold a longer position embedding.
    """
    if entry.model == "googlenet":
        return {"aux_logits": False, "init_weights": False}
    if entry.model == "inception_v3":
        return {"init_weights": False}  # its side classifier stays: the published count includes it
    if entry.family == "vit" and entry.input_size != 224:
        return {"image_size": entry.input_size}
    return {}


def build_on_meta(entry: Entry) -> nn.Module:
    """``entry``'s network with ``weights=None`` on ``meta``, in eval mode (no memory for weights)."""
    options = builder_options(entry)
    try:
        with torch.device("meta"), _NoFillsOnMeta():
            model = tvm.get_model(entry.model, weights=None, **options)
    except NotImplementedError:  # RegNet works out its widths with tensor arithmetic: read back
        try:
            with _WeightsOnMeta(), _NoFillsOnMeta():
                model = tvm.get_model(entry.model, weights=None, **options)
        except NotImplementedError as err:
            raise NotBuildable(f"torchvision's {entry.model} builder cannot run on the meta device "
                               f"({err}); its numbers come from the weights' metadata only.") from err
    return model.eval().requires_grad_(False)


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@dataclass(frozen=True)
class Stage:
    """Consecutive layers whose output has the same resolution (a "stage" of the network)."""

    index: int
    resolution: str        # "56×56", or "vector" after flattening
    layers: int
    params: int
    channels: int | None   # at the stage's end
    rf: float | None       # receptive field at the stage's end (input pixels)


@dataclass(frozen=True)
class LayerTable:
    model: str
    input_shape: tuple[int, int, int]
    rows: tuple[features.LayerRow, ...]
    stages: tuple[Stage, ...]
    total_params: int      # sum(p.numel()) over the whole model


def stages(rows) -> tuple[Stage, ...]:
    """Group layer rows into runs of one output resolution; sum their parameters.

    A row without a tensor (a number read off a shape) stays in the run it sits in."""
    groups: list[list] = []
    for row in rows:
        key = "×".join(map(str, row.shape[1:])) if len(row.shape) == 3 else "vector" if row.shape else None
        if not groups or (key is not None and groups[-1][0] not in (key, None)):
            groups.append([key, []])
        elif key is not None:
            groups[-1][0] = key
        groups[-1][1].append(row)
    return tuple(Stage(index=i, resolution=key or "vector", layers=len(members),
                       params=sum(r.params for r in members),
                       channels=_last_map(members).shape[0] if _last_map(members) else None,
                       rf=_last_map(members).rf if _last_map(members) else members[-1].rf)
                 for i, (key, members) in enumerate(groups))


def _last_map(members) -> features.LayerRow | None:
    return next((r for r in reversed(members) if len(r.shape) == 3), None)


def layer_table(entry: Entry) -> LayerTable:
    """Every layer of ``entry``'s network for its input size: shapes from one meta forward pass,
    then one row per part the forward pass never calls when predicting (Inception v3's auxiliary
    classifier), so the parameter column adds up to ``sum(p.numel())``. Stages: traced layers only."""
    model = build_on_meta(entry)
    shape = (3, entry.input_size, entry.input_size)
    traced = features.layer_table(model, shape)  # shapes from the meta device, fields by index math
    unused = [features.LayerRow(index=len(traced) + i, layer=path, shape=(), params=count, field="", rf=None,
                                jump=None, rf_hw=None, jump_hw=None, operation=_training_only(model, path))
              for i, (path, count) in enumerate(unused_params(model).items())]
    return LayerTable(entry.model, shape, tuple(traced + unused), stages(traced), parameter_count(model))


def _training_only(model: nn.Module, path: str) -> str:
    return (f"{type(model.get_submodule(path)).__name__}: used only while training, "
            "never when predicting (not in the traced graph)")


@functools.lru_cache(maxsize=8)
def default_layer_table(model: str) -> LayerTable:
    """Layer table of ``model``'s default weights version (cached: built once per process)."""
    return layer_table(default_entry(model))
