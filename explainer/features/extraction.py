"""What every layer of a network sees: one forward pass, kept for drawing.

:func:`~explainer.features.list_layers` says what can be asked for;
:func:`extract_features` runs one forward pass and returns those layers, the pair
torchvision offers as ``get_graph_node_names`` / ``create_feature_extractor`` (which
:mod:`explainer.features.graph` builds on). The traced module is a new one: the shared
network is never switched to train mode, never gets a hook, and its parameters are only read.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn

from explainer.features.graph import layer_graph


def extract_features(model: nn.Module, image_tensor: torch.Tensor,
                     layers: list[str] | None = None) -> dict[str, torch.Tensor]:
    """One forward pass of ``image_tensor`` ``(N, C, H, W)``; returns ``{layer: output}``.

    ``layers`` defaults to all of :func:`list_layers`. Outputs are ``(N, C, H', W')`` for
    convolutional layers and ``(N, F)`` after flattening. Raises ``KeyError`` naming
    :func:`list_layers` for an unknown layer.
    """
    graph = layer_graph(model)
    wanted = graph.names if layers is None else list(layers)
    unknown = [n for n in wanted if n not in graph.node_of]
    if unknown:
        raise KeyError(f"Unknown layer(s) {unknown} for {type(model).__name__}; "
                       f"list_layers(model) gives the {len(graph.names)} valid names, "
                       f"e.g. {graph.names[:3]} … {graph.names[-1:]}.")
    with torch.inference_mode():
        out = graph.module(image_tensor)
    return {n: out[n] for n in wanted}


# --- the results the viewer draws -------------------------------------------------------

@dataclass(frozen=True)
class ChannelStats:
    """Per-channel summaries of one layer, each ``(C,)`` float32 (computed once, in float32)."""

    mean: np.ndarray
    max: np.ndarray
    min: np.ndarray

    @staticmethod
    def of(maps) -> "ChannelStats":
        t = torch.as_tensor(maps).float()
        t = t.reshape(t.shape[0], -1) if t.ndim > 1 else t[:, None]
        return ChannelStats(mean=t.mean(1).numpy(), max=t.amax(1).numpy(), min=t.amin(1).numpy())

    @property
    def signed(self) -> bool:
        """Negative values present (a conv or batch-norm output before its ReLU)."""
        return bool(self.min.min() < 0)


@dataclass(frozen=True)
class FeatureMaps:
    """Everything one forward pass gives the viewer, compact and read-only.

    ``maps[layer]`` is ``(C, H, W)`` float16 (``(F,)`` after flattening): half the memory of
    float32 and plenty for colour maps; ``logits`` is the last layer, ``(K,)`` float32.
    """

    maps: dict[str, np.ndarray]
    stats: dict[str, ChannelStats]
    logits: np.ndarray
    input_shape: tuple[int, int, int]

    @property
    def nbytes(self) -> int:
        return sum(m.nbytes for m in self.maps.values())


def capture(model: nn.Module, image_tensor: torch.Tensor) -> FeatureMaps:
    """Run ``image_tensor`` ``(1, C, H, W)`` once and keep every layer for drawing."""
    out = extract_features(model, image_tensor)
    limit = float(np.finfo(np.float16).max)
    maps, stats = {}, {}
    for name, t in out.items():
        t = t[0].detach().float().cpu()  # our own tensors: the extractor made them for this call
        stats[name] = ChannelStats.of(t)
        a = t.clamp_(-limit, limit).half().numpy()  # torch converts 30x faster than numpy's astype
        a.flags.writeable = False  # shared by every rerun that draws it
        maps[name] = a
    last = out[list(out)[-1]][0].float().cpu().numpy()
    return FeatureMaps(maps=maps, stats=stats, logits=last, input_shape=tuple(image_tensor.shape[1:]))


def top_channels(stats: ChannelStats, k: int) -> np.ndarray:
    """Indices of the ``k`` channels with the largest mean activation (``ChannelStats.of(maps)``)."""
    return np.argsort(-stats.mean, kind="stable")[:k]


def top_predictions(logits: np.ndarray, categories: list[str], k: int = 5) -> list[tuple[str, float]]:
    """``k`` most probable classes (softmax of ``logits`` ``(K,)``) with their names."""
    probs = torch.softmax(torch.as_tensor(logits, dtype=torch.float64), dim=0).numpy()
    best = np.argsort(-probs)[:k]
    names = categories or [str(i) for i in range(len(probs))]
    return [(names[i], float(probs[i])) for i in best]
