"""Where tensors live: CUDA if there is one, else Apple's MPS, else the CPU."""
from __future__ import annotations

import functools
import gc
import os

import torch

from explainer import config


@functools.cache
def best_device() -> torch.device:
    """The fastest device this process can use. ``CONVSCOPE_DEVICE`` overrides it (e.g. ``cpu``)."""
    forced = config.forced_device()
    if forced:
        return torch.device(forced)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def cpu_count() -> int:
    """Cores this process may really use (a container's CPU set, not the host's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS
        return max(1, os.cpu_count() or 1)


@functools.cache
def configure_threads() -> int:
    """Size torch's intra-op pool to the cores we have; a 2-vCPU Space must not oversubscribe."""
    n = config.threads() or cpu_count()
    torch.set_num_threads(n)
    return n


def describe_device() -> str:
    """One line for the sidebar: which device, and how many CPU threads torch uses."""
    dev = best_device()
    threads = configure_threads()
    if dev.type == "cuda":
        return f"CUDA · {torch.cuda.get_device_name(dev)}"
    if dev.type == "mps":
        return "Apple MPS"
    return f"CPU · {threads} thread{'s' if threads != 1 else ''}"


@functools.cache
def freeze_imported_objects() -> None:
    """Move everything loaded so far (torch, streamlit, plotly: ~400k objects) out of the
    garbage collector's reach, once per process: a full collection then costs ~60 ms instead
    of ~270 ms, so it no longer lands as a spike on some student's rerun."""
    gc.freeze()
