"""Which number format a network's heavy passes use, chosen by measuring it on this machine.

bfloat16 keeps float32's range with an 8-bit mantissa. Where the hardware multiplies it
natively (CPUs with AVX-512 BF16 or AMX, recent GPUs) a convolution can run about twice as
fast; where it does not, oneDNN emulates it and the same pass can take ~3x as long as in
float32. A capability flag cannot tell the two apart
(``torch.ops.mkldnn._is_mkldnn_bf16_supported()`` is True on *any* AVX-512 CPU), so:

* a CPU whose ``/proc/cpuinfo`` lists neither ``avx512_bf16`` nor ``amx_bf16`` gets float32
  outright (no instructions, nothing to measure);
* anywhere else one small forward + backward pass is timed in both formats, interleaved,
  once per process and per task, and bfloat16 is kept only when it is *clearly* faster
  (:data:`CLEARLY_FASTER`); a tie, an error or a slower bfloat16 all mean float32.

The choice is a fact about the hardware, so it is cached for the whole process (like the
device), and :func:`describe_precision` gives the line the sidebar shows.
"""
from __future__ import annotations

import functools
import platform
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

import torch

from explainer.device import best_device

FLOAT32, BFLOAT16 = "float32", "bfloat16"
PRECISIONS = ("auto", FLOAT32, BFLOAT16)
#: CPU flags (Linux ``/proc/cpuinfo``) that mean bfloat16 arithmetic runs in hardware.
NATIVE_BF16_FLAGS = ("avx512_bf16", "amx_bf16")
#: bfloat16 must take at most 1/1.15 of float32's time: noise on a shared machine must not flip it.
CLEARLY_FASTER = 1.15
#: Timed passes per format (after one warm-up each); the fastest of them counts.
ROUNDS = 3

#: A pass under test: runs one forward + backward with this autocast dtype (None = float32).
PassFn = Callable[[torch.dtype | None], None]


@dataclass(frozen=True)
class PrecisionChoice:
    """The format a task's network passes use on one device, and why."""

    name: str                                   # "float32" | "bfloat16"
    reason: str                                 # short, for the sidebar
    seconds: Mapping[str, float] = field(default_factory=dict)  # fastest timed pass per format

    @property
    def autocast(self) -> torch.dtype | None:
        """The dtype for ``torch.autocast`` (None: plain float32, autocast off)."""
        return torch.bfloat16 if self.name == BFLOAT16 else None


# ---------------------------------------------------------------------------------------
# What the hardware says

def cpu_model() -> str:
    """The CPU's model name from ``/proc/cpuinfo`` (Linux), else what ``platform`` knows."""
    for line in _cpuinfo().splitlines():
        if line.lower().startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def cpu_bf16_flags() -> tuple[str, ...] | None:
    """Which of :data:`NATIVE_BF16_FLAGS` this CPU has; None where ``/proc/cpuinfo`` is unreadable."""
    info = _cpuinfo()
    if not info:
        return None
    flags = set()
    for line in info.splitlines():
        if line.lower().startswith("flags"):
            flags.update(line.split(":", 1)[1].split())
    return tuple(f for f in NATIVE_BF16_FLAGS if f in flags)


@functools.cache
def _cpuinfo() -> str:
    try:
        return Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return ""


# ---------------------------------------------------------------------------------------
# Measuring and choosing

def pick_faster(seconds: Mapping[str, float], *, margin: float = CLEARLY_FASTER) -> str:
    """``"bfloat16"`` only when it measured at least ``margin`` times faster than float32.

    Never returns a format that measured slower: a missing or non-finite time counts as slow.
    """
    bf16, fp32 = seconds.get(BFLOAT16, float("inf")), seconds.get(FLOAT32, float("inf"))
    return BFLOAT16 if bf16 * margin <= fp32 and bf16 < float("inf") else FLOAT32


def time_passes(run_pass: PassFn, *, rounds: int = ROUNDS, timer: Callable[[], float] = time.perf_counter,
                sync: Callable[[], None] = lambda: None) -> dict[str, float]:
    """Fastest of ``rounds`` timed passes per format, interleaved (fp32, bf16, fp32, ...).

    Interleaving and taking the minimum keep a burst of other work on a shared machine from
    landing on one format only. A format that raises gets ``inf``.
    """
    dtypes = {FLOAT32: None, BFLOAT16: torch.bfloat16}
    best = {name: float("inf") for name in dtypes}
    failed: set[str] = set()
    for r in range(rounds + 1):  # round 0 warms up (oneDNN picks and caches its kernels)
        for name, dtype in dtypes.items():
            if name in failed:
                continue
            try:
                sync()
                start = timer()
                run_pass(dtype)
                sync()
                took = timer() - start
            except (RuntimeError, TypeError, NotImplementedError):
                failed.add(name)
                best[name] = float("inf")
                continue
            if r:
                best[name] = min(best[name], took)
    return best


def _sync_for(device: torch.device) -> Callable[[], None]:
    if device.type == "cuda":
        return torch.cuda.synchronize
    if device.type == "mps":
        return torch.mps.synchronize
    return lambda: None


def measure_choice(device: torch.device, run_pass: PassFn, *, timer: Callable[[], float] = time.perf_counter,
                   bf16_flags: tuple[str, ...] | None = None) -> PrecisionChoice:
    """Decide float32 or bfloat16 for ``run_pass`` on ``device`` (not cached: see :func:`choose_precision`).

    Args:
        run_pass: one forward + backward of the network at a small size, under autocast
            with the dtype it is given (None: float32).
        bf16_flags: the CPU's native-bfloat16 flags (tests inject them); default: read them.
    """
    if device.type == "cpu":
        flags = cpu_bf16_flags() if bf16_flags is None else bf16_flags
        if flags is not None and not flags:
            return PrecisionChoice(FLOAT32, "float32: this CPU has no native bfloat16 (no avx512_bf16/AMX)")
    elif device.type == "cuda" and not torch.cuda.is_bf16_supported():
        return PrecisionChoice(FLOAT32, "float32: this GPU has no bfloat16")
    seconds = time_passes(run_pass, timer=timer, sync=_sync_for(device))
    name = pick_faster(seconds)
    fp32, bf16 = seconds[FLOAT32], seconds[BFLOAT16]
    if bf16 == float("inf"):
        why = "bfloat16 failed here"
    elif name == BFLOAT16:
        why = f"{fp32 / bf16:.1f}× faster than float32 here (measured)"
    elif bf16 >= fp32:
        why = f"bfloat16 measured {bf16 / max(fp32, 1e-12):.1f}× slower here"
    else:
        why = f"bfloat16 only {fp32 / bf16:.2f}× faster here (measured), not worth the rounding"
    return PrecisionChoice(name, f"{name}: {why}", seconds)


_CHOICES: dict[tuple[str, str], PrecisionChoice] = {}   # (task, device) -> choice; hardware facts
_LOCK = threading.Lock()  # two jobs starting together must not time each other's passes


def choose_precision(precision: str, task: str, device: torch.device, run_pass: PassFn) -> PrecisionChoice:
    """The format for ``task``'s passes on ``device``: forced, or measured once per process (``"auto"``)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
    if precision != "auto":
        return PrecisionChoice(precision, f"{precision}: chosen in the settings")
    key = (task, str(device))
    with _LOCK:
        if key not in _CHOICES:
            _CHOICES[key] = measure_choice(device, run_pass)
        return _CHOICES[key]


def forget_choices() -> None:
    """Drop every measured choice, so the next job measures again (tests that inject timings)."""
    with _LOCK:
        _CHOICES.clear()


def describe_precision(device: torch.device | None = None) -> str:
    """One short line for the sidebar's compute line: the format each measured task uses and why.

    Before the first heavy job on ``device`` (default: the best one) the choice may not be made
    yet; the line then says so. Never measures anything itself (the sidebar must stay instant).
    """
    device = device or best_device()
    with _LOCK:
        made = {task: c for (task, dev), c in _CHOICES.items() if dev == str(device)}
    if made:
        return " · ".join(f"{task} {c.reason}" for task, c in sorted(made.items()))
    if device.type == "cpu" and cpu_bf16_flags() == ():
        return "float32 (this CPU has no native bfloat16)"
    return "float32 or bfloat16: timed at the first style transfer"
