"""How long “Share this view” and the slide exports take (issue 11's budgets).

- QR code of a typical view's link (the geometry page with ten settings), PNG at sidebar
  and presentation sizes: budget 50 ms.
- GIF of a 20-step padding & stride animation (6×7 input, 3×3 kernel: 4×5 output): budget 2 s.
- For reference: style progression GIF (30 frames, 256 px), curves PNG, feature-grid PNG.

Prints JSON and writes benchmarks/results/share_exports.json.

    python benchmarks/bench_share_exports.py [--repeats 7]
"""
from __future__ import annotations

from report import save  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CONVSCOPE_OFFLINE", "1")

import numpy as np  # noqa: E402

from explainer import exports, share  # noqa: E402
from explainer.geometry import arithmetic  # noqa: E402

QR_BUDGET_MS = 50
GIF_BUDGET_S = 2.0
VIEW = {"geo_view": "window", "geo_h": "6", "geo_w": "6", "geo_kh": "3", "geo_kw": "3", "geo_pad": "custom",
        "geo_ph": "1", "geo_pw": "1", "geo_s": "2", "geo_vals": "patch", "geo_kvals": "sharpen"}


def timed(fn, repeats: int) -> list[float]:
    """Seconds per call, ``repeats`` calls after one warm-up call."""
    fn()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def summary(seconds: list[float], unit: float) -> dict:
    return {"median": round(statistics.median(seconds) * unit, 2), "max": round(max(seconds) * unit, 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    url = share.share_url("geometry", VIEW, base="https://me-convscope.hf.space")
    twenty = arithmetic.Setting(size=(6, 7), kernel=(3, 3))
    assert len(arithmetic.positions(arithmetic.plan(twenty))) == 20
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (256, 256, 3), dtype=np.uint8) for _ in range(30)]
    maps = rng.normal(size=(64, 56, 56))
    t0 = time.perf_counter()
    share.share_code(url, side_px=260)
    cold_qr_ms = (time.perf_counter() - t0) * 1000
    qr_small = summary(timed(lambda: share.share_code(url, side_px=260), args.repeats * 5), 1000)
    qr_large = summary(timed(lambda: share.share_code(url, side_px=900), args.repeats * 5), 1000)
    gif = summary(timed(lambda: exports.padding_stride_gif(twenty), args.repeats), 1)
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "link": url, "link_chars": len(url), "qr_version": share.share_code(url).version,
        "qr_ms_first_call": round(cold_qr_ms, 2),
        "qr_ms_sidebar_260px": qr_small, "qr_ms_fullscreen_900px": qr_large, "qr_budget_ms": QR_BUDGET_MS,
        "qr_within_budget": qr_large["median"] < QR_BUDGET_MS,
        "gif_20_steps_s": gif, "gif_20_steps_bytes": len(exports.padding_stride_gif(twenty)),
        "gif_budget_s": GIF_BUDGET_S, "gif_within_budget": gif["median"] < GIF_BUDGET_S,
        "style_gif_30_frames_256px_s": summary(timed(lambda: exports.style_progression_gif(frames), 3), 1),
        "feature_grid_png_64_maps_s": summary(timed(lambda: exports.feature_grid_png(maps), 3), 1),
    }
    save("share_exports", result)


if __name__ == "__main__":
    main()
