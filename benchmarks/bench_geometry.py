"""How long the geometry page takes to redraw after each control change, server side.

Drives the real page with Streamlit's AppTest (the whole script: app.py, sidebar, page,
figure building), flipping each control between two values several times and timing
every rerun. Prints JSON and writes benchmarks/results/geometry.json.

    python benchmarks/bench_geometry.py [--repeats 6]

Playback speed is not measured here: it runs in the browser (plotly frames), see
tests/browser/test_geometry_browser.py, which asserts ≥ 9 window steps in 2 s at 8 steps/s.
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
os.environ.setdefault("CONVSCOPE_DEVICE", "cpu")

BUDGET_MS = 150
# (name, widget kind, key, value A, value B, extra URL params to start from)
CONTROLS = [
    ("input height", "number_input", "geo_h", 5, 7, {}),
    ("kernel width", "number_input", "geo_kw", 3, 2, {}),
    ("stride", "number_input", "geo_s", 1, 2, {}),
    ("dilation", "number_input", "geo_d", 1, 2, {"geo_h": "9", "geo_w": "9"}),
    ("padding mode", "radio", "geo_pad", "valid", "same", {}),
    ("operation", "selectbox", "geo_op", "conv", "transposed", {}),
    ("operation (pooling)", "selectbox", "geo_op", "maxpool", "avgpool", {"geo_kh": "2", "geo_kw": "2"}),
    ("numbers mode", "toggle", "geo_num", True, False, {}),
    ("start position", "slider", "geo_pos", 0, 4, {}),
    ("playback speed", "select_slider", "geo_fps", 3.0, 8.0, {}),
    ("32x32 input, 5x5 kernel", "number_input", "geo_kh", 5, 3, {"geo_h": "32", "geo_w": "32", "geo_kw": "5",
                                                                  "geo_num": "0"}),
    ("channels: filters", "slider", "geo_n", 1, 4, {"geo_view": "channels"}),
    ("receptive field: layers", "slider", "geo_layers", 2, 3, {"geo_view": "receptive"}),
    ("view switch", "radio", "geo_view", "window", "lenet", {}),
]


def _widget(at, kind: str, key: str):
    return getattr(at, kind)(key=key)


def bench(repeats: int) -> dict:
    from tests.conftest import assert_no_exception, run_page

    results = {}
    for name, kind, key, a, b, query in CONTROLS:
        at = run_page("pages/geometry.py", timeout=120, query=query)
        assert_no_exception(at)
        _widget(at, kind, key).set_value(b).run()  # warm both values once (imports, torch check cache)
        _widget(at, kind, key).set_value(a).run()
        times = []
        for i in range(repeats):
            _widget(at, kind, key).set_value(b if i % 2 == 0 else a)
            t0 = time.perf_counter()
            at.run()
            times.append((time.perf_counter() - t0) * 1000)
            assert_no_exception(at)
        results[name] = {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1),
                         "runs_ms": [round(t, 1) for t in times]}
        print(f"{name:28s} median {results[name]['median_ms']:7.1f} ms   max {results[name]['max_ms']:7.1f} ms",
              file=sys.stderr)
    medians = [r["median_ms"] for r in results.values()]
    return {
        "what": "server-side rerun time of pages/geometry.py after one control change (AppTest, whole script)",
        "budget_ms": BUDGET_MS,
        "median_of_medians_ms": round(statistics.median(medians), 1),
        "worst_median_ms": max(medians),
        "within_budget": max(medians) < BUDGET_MS,
        "controls": results,
        "repeats": repeats,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_avg_1min": os.getloadavg()[0]},
        "playback": "client-side plotly frames; browser test asserts >= 9 steps in 2 s at 8 steps/s",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=6)
    report = bench(parser.parse_args().repeats)
    save("geometry", report)


if __name__ == "__main__":
    main()
