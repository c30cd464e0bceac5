"""Pretrained weights: from torch's hub cache, downloaded with progress, or honestly absent.

torchvision's weights enums know their URL, preprocessing and class names; this module
adds what an app in a lecture hall needs on top: a progress callback for the page, a
clear message when the network is unreachable or a cached file is corrupt, and a
fall-back to randomly initialised weights that is *labelled* untrained.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
from torchvision.models import WeightsEnum

from explainer import config
from explainer.download import DownloadError, fetch

#: progress(done_bytes, total_bytes); total is 0 when the server does not say.
Progress = Callable[[int, int], None]

#: Set to 1 to never try the network (e.g. in tests, or a Space without egress).
OFFLINE_ENV = config.OFFLINE

_failed_at: dict[str, tuple[float, str]] = {}  # url -> (when, why): don't retry a dead network on every rerun
_RETRY_AFTER_S = 120.0


class WeightsUnavailable(RuntimeError):
    """Pretrained weights could not be had; ``str(err)`` tells the user why and what to do."""

    def __init__(self, message: str, *, corrupt_path: Path | None = None):
        super().__init__(message)
        self.corrupt_path = corrupt_path


def cache_path(weights: WeightsEnum) -> Path:
    """Where torch.hub keeps (or would keep) this weights file."""
    return Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(weights.url)


def is_cached(weights: WeightsEnum) -> bool:
    return cache_path(weights).is_file()


def download(weights: WeightsEnum, *, progress: Progress | None = None, force: bool = False) -> Path:
    """Fetch ``weights`` into the hub cache (atomically, hash-checked) and return its path.

    Raises:
        WeightsUnavailable: offline, HTTP error, or the file's hash does not match.
    """
    path = cache_path(weights)
    if path.is_file() and not force:
        return path
    url = weights.url
    if config.offline():
        raise WeightsUnavailable(f"Downloads are switched off ({OFFLINE_ENV}=1).")
    recent = _failed_at.get(url)
    if recent and time.monotonic() - recent[0] < _RETRY_AFTER_S and not force:
        raise WeightsUnavailable(recent[1])
    try:
        for done, total in fetch(url, path, expected=_hash_prefix(url), timeout_s=20):
            if progress:
                progress(done, total)
        return path
    except DownloadError as err:
        if "mismatch" in str(err):
            raise WeightsUnavailable(f"The download of {path.name} was damaged (hash mismatch). Try again.") from err
        why = (f"Could not download {path.name} ({err.__cause__ or err}). This machine seems to be offline. "
               "On a connected machine run `python -m explainer.prefetch` to fill the cache "
               f"({path.parent}).")
        _failed_at[url] = (time.monotonic(), why)
        raise WeightsUnavailable(why) from err


def _hash_prefix(url: str) -> str | None:
    # torchvision names files like vgg16-397923af.pth: the suffix is the sha256 prefix.
    m = re.search(r"-([a-f0-9]{6,})\.", os.path.basename(url))
    return m.group(1) if m else None


def load_state_dict(weights: WeightsEnum, *, progress: Progress | None = None,
                    download_if_missing: bool = True) -> dict[str, torch.Tensor]:
    """The weights' state_dict on the CPU, from the cache or downloaded.

    Raises:
        WeightsUnavailable: not cached and not downloadable, or the cached file is corrupt
            (then ``err.corrupt_path`` names it, so the page can offer a re-download).
    """
    path = cache_path(weights)
    if not path.is_file():
        if not download_if_missing:
            raise WeightsUnavailable(f"{path.name} is not in the cache ({path.parent}). "
                                     "Run `python -m explainer.prefetch` to fetch it.")
        download(weights, progress=progress)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # truncated zip, pickle error, wrong file...
        raise WeightsUnavailable(
            f"The cached file {path} is damaged and cannot be read ({type(err).__name__}). "
            "Delete it and download it again.", corrupt_path=path) from err


def load_user_state_dict(data: bytes) -> dict[str, torch.Tensor]:
    """A state_dict uploaded by a user: ``weights_only=True`` so a file cannot run code."""
    import io

    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as err:
        raise WeightsUnavailable(f"This file is not a readable PyTorch state_dict ({err}).") from err
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise WeightsUnavailable("The file holds something other than a state_dict of tensors.")
    return state


@dataclass(frozen=True)
class WeightsStatus:
    """What a page says about a model's weights."""

    pretrained: bool
    message: str
    corrupt_path: Path | None = None

    @property
    def label(self) -> str:
        return "pretrained (ImageNet)" if self.pretrained else "UNTRAINED (random weights)"


def pretrained_or_untrained(module: torch.nn.Module, weights: WeightsEnum, *,
                            progress: Progress | None = None, prefix: str = "",
                            download_if_missing: bool = True) -> WeightsStatus:
    """Load ``weights`` into ``module`` in place if possible; otherwise leave its random init.

    ``prefix`` keeps only keys under it (``"features."`` loads VGG's convolutional part
    into ``vgg.features``). Returns what happened, in words for the page.
    """
    try:
        state = load_state_dict(weights, progress=progress, download_if_missing=download_if_missing)
    except WeightsUnavailable as err:
        return WeightsStatus(False, f"Pretrained weights unavailable: {err} "
                                    "Showing randomly initialised weights — results are not meaningful.",
                             err.corrupt_path)
    if prefix:
        state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    module.load_state_dict(state)
    return WeightsStatus(True, f"Pretrained weights loaded ({weights}).")
