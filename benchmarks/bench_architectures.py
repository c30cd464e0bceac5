"""Architectures page speed.

    python benchmarks/bench_architectures.py [--models resnet50,vgg16,...] [--steps 300]

Measures (CPU; nothing downloaded, networks built with weights=None on the meta device).
Each figure is given as CPU time of this process (``time.process_time``: what the work
costs, whatever else the shared machine runs) and wall time:
- the layer table of each listed torchvision classifier, first time in the process:
  build on meta, trace + table, both together; target < 200 ms;
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


def _clock() -> tuple[float, float]:
    return time.process_time(), time.perf_counter()


def _ms_since(start: tuple[float, float]) -> tuple[float, float]:
    cpu, wall = _clock()
    return round((cpu - start[0]) * 1000, 1), round((wall - start[1]) * 1000, 1)


def layer_tables(models: list[str]) -> dict:
    from explainer import features

    arch.default_layer_table("resnet18")  # first-use costs of torch.fx and the meta kernels, once
    out = {}
    for name in models:
        entry = arch.default_entry(name)
        shape = (3, entry.input_size, entry.input_size)
        t0 = _clock()
        model = arch.build_on_meta(entry)
        build = _ms_since(t0)
        t1 = _clock()
        rows = features.layer_table(model, shape)
        table = _ms_since(t1)
        total = _ms_since(t0)
        out[name] = {"layers": len(rows), "build_cpu_ms": build[0], "trace_and_table_cpu_ms": table[0],
                     "total_cpu_ms": total[0], "total_wall_ms": total[1]}
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
            t0 = _clock()
            at.selectbox(key="ar_model").set_value(name).run()
            times.append(_ms_since(t0))
            assert not at.exception, at.exception
        out[name] = {"first_cpu_ms": times[0][0], "first_wall_ms": times[0][1],
                     "cached_cpu_ms": times[1][0], "cached_wall_ms": times[1][1]}
    return out


def shortcut_run(steps: int, depth: int) -> dict:
    data = load_digits(download=False)
    threads = training_threads()
    t0 = _clock()
    stamps = []
    for event in arch.shortcut_events(data, arch.StackSpec(depth=depth, activation="relu"), steps=steps,
                                      threads=threads):
        stamps.append(time.perf_counter())
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    cpu_ms, wall_ms = _ms_since(t0)
    return {"dataset": data.name, "depth": depth, "steps": steps, "threads": threads,
            "cpu_seconds": round(cpu_ms / 1000, 2), "wall_seconds": round(wall_ms / 1000, 2), "events": len(stamps),
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
