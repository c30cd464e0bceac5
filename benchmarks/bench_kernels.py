"""Kernel playground speed: filtering a 512×512 RGB photo, and one page rerun after a slider move.

Run by hand: ``python benchmarks/bench_kernels.py`` (prints JSON, writes benchmarks/results/kernels.json).
Targets (2 CPU cores): each filter < 20 ms; a page rerun after a slider change < 150 ms, with the
picked image cached (not decoded again).
"""
from __future__ import annotations

from report import save  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from explainer import config  # noqa: E402  (reads nothing at import: settings below still count)

os.environ.setdefault(config.OFFLINE, "1")
os.environ.setdefault(config.DEVICE, "cpu")
os.environ.setdefault(config.THREADS, "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402

import explainer.images as images  # noqa: E402
from explainer import kernels  # noqa: E402
from explainer.device import configure_threads  # noqa: E402

REPEATS = 25


def _median_ms(fn, repeats: int = REPEATS) -> dict:
    fn()  # warm-up: first call allocates
    times, cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    # cpu_ms: CPU time of all our threads. On a shared machine wall time swells with other
    # people's load; cpu_ms / threads estimates the wall time on 2 quiet cores.
    return {"median_ms": round(statistics.median(times), 2), "min_ms": round(min(times), 2),
            "max_ms": round(max(times), 2), "cpu_ms_median": round(statistics.median(cpu), 2),
            "repeats": repeats}


def bench_filters() -> dict:
    import skimage.data

    rgb = images.fit_within(images.load_image(skimage.data.astronaut()), 512)    # (512, 512, 3) uint8
    out = {}
    for size in (3, 7, 15):
        general = kernels.random_kernel(size, size)          # full rank: one F.conv2d pass
        smooth = kernels.gaussian(size, size / 4)            # rank one: two thin F.conv2d passes
        out[f"{size}x{size}"] = {
            "general_kernel": _median_ms(lambda: kernels.convolve(rgb, general, padding="zeros")),
            "gaussian_kernel": _median_ms(lambda: kernels.convolve(rgb, smooth, padding="zeros")),
            "conv_layer_mode": _median_ms(lambda: kernels.convolve(rgb, general, padding="zeros", colour="conv-layer")),
        }
    return out


def bench_page_rerun() -> dict:
    from streamlit.testing.v1 import AppTest

    decodes = {"n": 0}
    real = images.load_image

    def counting(*args, **kwargs):
        decodes["n"] += 1
        return real(*args, **kwargs)

    images.load_image = counting                     # sample loaders look it up here
    import ui.image_picker as picker
    picker.load_image = counting                     # uploads decode through this name
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/kernels.py")
    at.run()
    at.slider(key="sigma").set_value(1.5).run()      # warm: imports, first figures
    decodes["n"] = 0
    fresh, cached, patch = [], [], []
    for i, sigma in enumerate(np.round(np.linspace(0.5, 4.5, 12), 2)):
        t = time.perf_counter()
        at.slider(key="sigma").set_value(float(sigma)).run()        # new sigma: filter recomputed
        fresh.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        at.slider(key="orow").set_value(i % 3).run()                  # matrix view only: filter cached
        cached.append((time.perf_counter() - t) * 1000)
    for top in range(100, 160, 5):
        t = time.perf_counter()
        at.slider(key="py").set_value(top).run()
        patch.append((time.perf_counter() - t) * 1000)
    assert not at.exception, [e.value for e in at.exception]
    return {
        "sigma_slider_rerun_ms": {"median_ms": round(statistics.median(fresh), 1), "max_ms": round(max(fresh), 1),
                                  "runs": len(fresh), "note": "Gaussian 7×7 recomputed on a 512×512 photo"},
        "cached_filter_rerun_ms": {"median_ms": round(statistics.median(cached), 1), "runs": len(cached),
                                   "note": "kernel-position slider; filter result from st.cache_data"},
        "patch_slider_rerun_ms": {"median_ms": round(statistics.median(patch), 1), "runs": len(patch)},
        "image_decodes_during_reruns": decodes["n"],
    }


def main() -> None:
    threads = configure_threads()
    result = {
        "benchmark": "kernels",
        "note": "medians; a load average above the core count means other processes shared the CPUs",
        "machine": {"python": platform.python_version(), "torch": torch.__version__, "torch_threads": threads,
                    "cpu_count": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                    "load_average_1min_at_start": round(os.getloadavg()[0], 2)},
        "targets": {"filter_ms": 20, "page_rerun_ms": 150},
        "filter_512x512_rgb": bench_filters(),
        "page": bench_page_rerun(),
    }
    save("kernels", result)


if __name__ == "__main__":
    main()
