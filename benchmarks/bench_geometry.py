"""How long the geometry page takes to redraw after each control change, server side; and,
with ``--browser``, how fast ▶ Play steps the window in Chromium.

Drives the real page with Streamlit's AppTest (the whole script: app.py, sidebar, page,
figure building), flipping each control between two values several times and timing
every rerun. Prints JSON and writes benchmarks/results/geometry.json.

    python benchmarks/bench_geometry.py [--repeats 6] [--browser]

Playback runs in the browser (plotly frames, no rerun per step). The browser test only
checks that it steps in order and that Pause stops it; its speed is measured here.
"""
from __future__ import annotations

from report import save  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
import argparse
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from explainer import config  # noqa: E402  (reads nothing at import: settings below still count)

os.environ.setdefault(config.OFFLINE, "1")
os.environ.setdefault(config.DEVICE, "cpu")

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
    from bench_kernels import compile_scripts_once
    from tests.conftest import assert_no_exception, run_page

    compile_scripts_once()
    results = {}
    for name, kind, key, a, b, query in CONTROLS:
        at = run_page("pages/geometry.py", timeout=120, query=query)
        assert_no_exception(at)
        _widget(at, kind, key).set_value(b).run()  # warm both values once (imports, caches)
        _widget(at, kind, key).set_value(a).run()
        times, cpu = [], []
        for i in range(repeats):
            _widget(at, kind, key).set_value(b if i % 2 == 0 else a)
            t0, c0 = time.perf_counter(), time.process_time()
            at.run()
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            assert_no_exception(at)
        results[name] = {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1),
                         "cpu_ms_min": round(min(cpu), 1), "cpu_ms_median": round(statistics.median(cpu), 1),
                         "runs_ms": [round(t, 1) for t in times]}
        print(f"{name:28s} median {results[name]['median_ms']:7.1f} ms   max {results[name]['max_ms']:7.1f} ms   "
              f"cpu median {results[name]['cpu_ms_median']:6.1f} ms", file=sys.stderr)
    results["start slider, new values (12×12)"] = new_start_values()
    medians = [r["median_ms"] for r in results.values()]
    return {
        "what": "server-side rerun time of pages/geometry.py after one control change (AppTest, whole script, "
                "scripts compiled once as a server does; cpu = time.process_time of every thread). The "
                "control pairs flip between two values, so from the second flip figures come from the cache",
        "budget_ms": BUDGET_MS,
        "median_of_medians_ms": round(statistics.median(medians), 1),
        "worst_median_ms": max(medians),
        "within_budget": max(medians) < BUDGET_MS,
        "controls": results,
        "repeats": repeats,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_avg_1min": os.getloadavg()[0]},
        "playback": "client-side plotly frames, no rerun per step; measured with --browser",
    }


def new_start_values(steps: int = 40) -> dict:
    """The "Start at" slider moved to a value never shown before: the figure (100 frames) is built anew."""
    from tests.conftest import run_page

    at = run_page("pages/geometry.py", timeout=120, query={"geo_h": "12", "geo_w": "12"})
    times, cpu = [], []
    for v in range(1, steps + 1):
        at.slider(key="geo_pos").set_value(v)
        t0, c0 = time.perf_counter(), time.process_time()
        at.run()
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1),
            "cpu_ms_min": round(min(cpu), 1), "cpu_ms_median": round(statistics.median(cpu), 1), "runs": steps}


# Timestamps every change of the slider's read-out ("Output cell (row, col): …").
TIME_STEPS = """() => {
  const seen = window.__geoSteps = [];
  const record = () => {
    const el = document.querySelector('g.slider-container text.slider-label');
    const text = el ? el.textContent : '';
    if (text && (!seen.length || seen[seen.length - 1][0] !== text)) seen.push([text, performance.now()]);
  };
  new MutationObserver(record).observe(document.body, {subtree: true, childList: true, characterData: true});
  record();
}"""


def bench_playback(fps: float = 8.0) -> dict:
    """Steps per second that ▶ Play reaches on the 5×5 'same' example (25 steps) in headless Chromium."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_FLAGS, open_page, running_app

    chromium = next((c for c in ("/usr/bin/chromium", shutil.which("chromium")) if c and os.path.exists(c)), None)
    if chromium is None:
        return {"skipped": "Chromium not found"}
    with running_app() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.set_default_timeout(120_000)
        open_page(page, url, f"geometry?geo_pad=same&geo_vals=patch&geo_kvals=sharpen&geo_fps={fps:g}")
        page.evaluate(TIME_STEPS)
        page.locator("g.updatemenu-button").first.click()                    # ▶ Play
        page.wait_for_function("window.__geoSteps.length >= 25", timeout=120_000)
        steps = page.evaluate("window.__geoSteps")
        browser.close()
    played = steps[1:]                                                          # from the first step after (0, 0)
    seconds = (played[-1][1] - played[0][1]) / 1000
    return {"requested_steps_per_s": fps, "steps_seen": len(steps),
            "steps_per_s": round((len(played) - 1) / seconds, 2) if seconds > 0 else None,
            "what": "slider read-out changes per second while playing, timed in the page"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=6)
    parser.add_argument("--browser", action="store_true", help="also measure ▶ Play in headless Chromium")
    args = parser.parse_args()
    report = bench(args.repeats)
    if args.browser:
        report["playback_in_browser"] = bench_playback()
    save("geometry", report)


if __name__ == "__main__":
    main()
