"""Architectures page speed.

    python benchmarks/bench_architectures.py [--models resnet50,vgg16,...] [--steps 300]

Measures (CPU; nothing downloaded, networks built with weights=None on the meta device):
- the layer table of each listed torchvision classifier, cold (build + trace + table) and
  warm (cached), target < 200 ms;
- the page rerun (AppTest) after choosing another network, first time and second time,
  target < 300 ms;
- the shortcut experiment, depth 20, 300 steps of both stacks, with the threads a job gets
  in the app, target < 10 s; and the gaps between progress events (target ≥ 2 per second).
Prints JSON and writes benchmarks/results/architectures.json.
"""
from __future__ import annotations

from report import save  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from explainer import config  # noqa: E402  (after the path is set)

os.environ.setdefault(config.OFFLINE, "1")
os.environ.setdefault(config.DEVICE, "cpu")

from explainer import architectures as arch  # noqa: E402
from explainer.mnist.datasets import load_digits  # noqa: E402
from explainer.mnist.training import training_threads  # noqa: E402

DEFAULT_MODELS = "alexnet,vgg16,googlenet,inception_v3,resnet50,resnet152,densenet121,mobilenet_v2," \
                 "efficientnet_b0,efficientnet_b7,regnet_y_400mf,vit_b_16,swin_t,convnext_tiny"


def layer_tables(models: list[str]) -> dict:
    out = {}
    for name in models:
        entry = arch.default_entry(name)
        t0 = time.perf_counter()
        table = arch.layer_table(entry)
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        arch.layer_table(entry)
        second = time.perf_counter() - t0
        out[name] = {"layers": len(table.rows), "cold_ms": round(cold * 1000, 1),
                     "second_build_ms": round(second * 1000, 1)}
    return out


def page_reruns(models: list[str]) -> dict:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    at.switch_page("pages/architectures.py")
    at.run()
    out = {}
    for name in models:
        times = []
        for _ in range(2):  # first choice (cold cache), then back to it (warm)
            at.selectbox(key="ar_model").set_value("alexnet" if name != "alexnet" else "vgg11").run()
            t0 = time.perf_counter()
            at.selectbox(key="ar_model").set_value(name).run()
            times.append(time.perf_counter() - t0)
            assert not at.exception, at.exception
        out[name] = {"first_ms": round(times[0] * 1000), "cached_ms": round(times[1] * 1000)}
    return out


def shortcut_run(steps: int, depth: int) -> dict:
    data = load_digits(download=False)
    threads = training_threads()
    t0 = time.perf_counter()
    stamps = []
    for event in arch.shortcut_events(data, arch.StackSpec(depth=depth, activation="relu"), steps=steps,
                                      threads=threads):
        stamps.append(time.perf_counter())
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    return {"dataset": data.name, "depth": depth, "steps": steps, "threads": threads,
            "seconds": round(time.perf_counter() - t0, 2), "events": len(stamps),
            "longest_gap_s": round(max(gaps), 3) if gaps else None,
            "median_gap_s": round(statistics.median(gaps), 3) if gaps else None}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default=DEFAULT_MODELS)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--depth", type=int, default=20)
    parser.add_argument("--skip-page", action="store_true")
    args = parser.parse_args()
    models = args.models.split(",")
    result = {"load_average_1min_at_start": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
              "layer_table": layer_tables(models)}
    if not args.skip_page:
        result["page_rerun_after_choosing_a_model"] = page_reruns(models)
    result["shortcut_experiment"] = shortcut_run(args.steps, args.depth)
    save("architectures", result)


if __name__ == "__main__":
    main()
