"""Feature-map viewer speed and memory.

    python benchmarks/bench_features.py [--repeats 5] [--skip-memory]

Measures (CPU, torch threads sized to the machine; weights are random when the
pretrained files are absent, which does not change the arithmetic):
- the first forward pass capturing every layer of VGG16 at 224 px, after the model is
  loaded (target < 0.5 s on 2 cores), and the repeated pass;
- a layer switch: building the grid and the enlarged map of a new layer and
  serialising them as Streamlit does (target < 100 ms);
- whole-page reruns in AppTest: CPU (process_time, min and median of --repeats) and bytes
  sent, first view and after each control (Streamlit sends an unchanged element of 10 KB or
  more as a reference to the browser's copy, so a move costs about the charts that changed);
- the layer table of torchvision classifiers built on the meta device (no weights);
- peak resident memory of a process holding each model plus its captured maps at
  224 px, each model in its own subprocess so numbers don't accumulate.
Prints JSON and writes benchmarks/results/features.json.
"""
from __future__ import annotations

from report import save  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from explainer import config  # noqa: E402  (after the path is set)

os.environ.setdefault(config.OFFLINE, "1")  # as the tests run: random weights unless cached
os.environ.setdefault(config.DEVICE, "cpu")

FIRST_PASS_TARGET_S = 0.5
SWITCH_TARGET_MS = 100


def _peak_mb() -> float:
    """Peak resident memory of this process (VmHWM; ru_maxrss would carry the parent's
    peak across fork+exec on Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def memory_of(name: str) -> dict:
    """Run in a fresh subprocess: load ``name``, capture all layers at 224 px, report peak RSS."""
    import numpy as np

    from explainer import features
    from explainer.device import configure_threads

    configure_threads()
    base = _peak_mb()
    loaded = features.load_model(name, download_if_missing=False)
    after_load = _peak_mb()
    x, _ = features.prepare_input(np.full((300, 300, 3), 120, np.uint8), loaded, 224)
    fm = features.capture(loaded.model, x)
    return {"model": name, "pretrained": loaded.pretrained, "layers": len(fm.maps),
            "peak_rss_after_import_mb": round(base), "peak_rss_model_loaded_mb": round(after_load),
            "peak_rss_after_forward_mb": round(_peak_mb()),
            "captured_maps_mb": round(fm.nbytes / 1e6, 1)}


def speed(repeats: int) -> dict:
    from explainer import features
    from explainer.device import configure_threads
    from explainer.images import sample_images

    threads = configure_threads()
    loaded = features.load_model("VGG16", download_if_missing=False)
    rgb = sample_images()["chelsea"].load()
    x, shown = features.prepare_input(rgb, loaded, 224)
    t0, c0 = time.perf_counter(), time.process_time()
    fm = features.capture(loaded.model, x)  # includes tracing the graph once
    first, first_cpu = time.perf_counter() - t0, time.process_time() - c0
    again, again_cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        features.capture(loaded.model, x)
        again.append(time.perf_counter() - t0)
        again_cpu.append(time.process_time() - c0)
    switches, sent = layer_switches(fm, shown, repeats)

    return {"threads": threads, "pretrained": loaded.pretrained,
            "vgg16_224_first_pass_s": round(first, 3),
            "vgg16_224_repeat_pass_s": round(statistics.median(again), 3),
            # CPU seconds / threads: what the wall time would be with the cores to ourselves
            "vgg16_224_first_pass_cpu_s_per_thread": round(first_cpu / threads, 3),
            "vgg16_224_repeat_pass_cpu_s_per_thread": round(statistics.median(again_cpu) / threads, 3),
            "first_pass_target_s": FIRST_PASS_TARGET_S,
            "captured_maps_mb": round(fm.nbytes / 1e6, 1),
            "layer_switch_figures_ms": switches,
            "layer_switch_figures_worst_median_ms": max(v["median"] for v in switches.values()),
            "layer_switch_target_ms": SWITCH_TARGET_MS,
            "layer_switch_figures_kb": sent}


def layer_switches(fm, shown, repeats: int) -> tuple[dict, dict]:
    """Building and serialising the grid and the enlarged map of each layer: time and size."""
    from explainer import features

    switches, sent = {}, {}
    for layer in ["features.1", "features.3", "features.8", "features.15", "features.22", "features.29"]:
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()  # single-threaded work: wall time is what a user waits
            maps, stats = fm.maps[layer], fm.stats[layer]
            top = features.top_channels(stats, 16)
            grid = features.feature_grid(maps, top, stats=stats, title=layer)
            big = features.enlarged_map(shown, maps[int(top[0])], channel=int(top[0]))
            text = grid.to_json(), big.to_json()  # what st.plotly_chart sends
            times.append(time.perf_counter() - t0)
        switches[layer] = {"median": round(1000 * statistics.median(times), 1),
                           "best": round(1000 * min(times), 1)}
        sent[layer] = {"grid": round(len(text[0]) / 1e3, 1), "enlarged": round(len(text[1]) / 1e3, 1)}
    return switches, sent


def architectures_on_meta() -> dict:
    """Layer table of networks built with weights=None on the meta device: rows and seconds."""
    import torch
    from torchvision import models as tvm

    from explainer import features

    out = {}
    for name in ["resnet18", "resnet50", "mobilenet_v3_small", "efficientnet_b0", "googlenet", "inception_v3",
                 "convnext_tiny", "vit_b_16"]:
        options = {"aux_logits": False, "init_weights": False} if name in ("googlenet", "inception_v3") else {}
        side = 299 if name == "inception_v3" else 224
        t0 = time.perf_counter()
        with torch.device("meta"):
            model = tvm.get_model(name, weights=None, **options).eval()
        built = time.perf_counter() - t0
        rows = features.layer_table(model, (3, side, side))
        out[name] = {"rows": len(rows), "build_s": round(built, 2),
                     "table_s": round(time.perf_counter() - t0 - built, 2),
                     "deepest_local_rf": max((r.rf for r in rows if r.rf is not None), default=None)}
    return {"layer_table_on_meta": out}


MOVES = {  # control -> values that never repeat within three runs (the browser keeps recent messages)
    "alpha": ("slider", [0.3, 0.8, 0.45, 0.95, 0.1, 0.7]),
    "k": ("select_slider", [8, 32, 64]),
    "channel": ("number_input", [3, 5, 7, 9, 11, 13]),
    "layer": ("selectbox", ["features.8", "features.15", "features.3", "features.22", "features.1", "features.29"]),
}


class SentBytes:
    """What one rerun sends: every ForwardMsg the script enqueues, counted as Streamlit sends it
    (an element of ≥ 10 KB that the browser got in the previous run goes as a ~60-byte reference)."""

    def __init__(self) -> None:
        from streamlit.runtime.scriptrunner_utils import script_run_context as src

        self.log, self.seen, original = [], set(), src.ScriptRunContext.enqueue

        def enqueue(ctx, msg):
            original(ctx, msg)
            self.log.append((msg.hash, msg.ByteSize(), msg.metadata.cacheable))
        src.ScriptRunContext.enqueue = enqueue

    def take(self) -> int:
        total = sum(60 if cacheable and h in self.seen else size for h, size, cacheable in self.log)
        self.seen = {h for h, _, cacheable in self.log if cacheable}
        self.log = []
        return total


def page_rerun(repeats: int) -> dict:
    """Whole-page reruns in AppTest (app.py, sidebar, page; VGG16 at 224): server CPU (process_time)
    and bytes sent, first view and per control. AppTest reruns the whole script, so these are upper
    bounds: on the real server a control inside a fragment reruns only its fragment
    (bench_load.py measures that over the websocket)."""
    from tests.conftest import run_page

    sent = SentBytes()
    run_page("pages/feature_maps.py", timeout=600, query={"model": "VGG16"})  # loads the model, one pass
    sent.take()
    sent.seen = set()
    c0 = time.process_time()
    at = run_page("pages/feature_maps.py", timeout=600, query={"model": "VGG16"})  # a new visitor
    out = {"first_view": {"cpu_ms": round(1000 * (time.process_time() - c0)), "kb": round(sent.take() / 1024, 1)}}
    for key, (kind, values) in MOVES.items():
        cpu, kb = [], []
        for i in range(repeats):
            getattr(at, kind)(key=key).set_value(values[i % len(values)])
            c0 = time.process_time()
            at.run()
            cpu.append(1000 * (time.process_time() - c0))
            kb.append(sent.take() / 1024)
            assert not at.exception, at.exception
        out[key] = {"cpu_ms_min": round(min(cpu)), "cpu_ms_median": round(statistics.median(cpu)),
                    "kb_median": round(statistics.median(kb), 1), "kb_max": round(max(kb), 1)}
    return {"page_rerun_appTest": out}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=12)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--memory-of", help=argparse.SUPPRESS)  # the per-model subprocess
    args = parser.parse_args()
    if args.memory_of:
        print(json.dumps(memory_of(args.memory_of)))
        return
    result = {"machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(),
                          "python": platform.python_version(), "load_average_1min": os.getloadavg()[0]},
              **speed(args.repeats), **page_rerun(args.repeats), **architectures_on_meta()}
    if not args.skip_memory:
        result["memory"] = []
        for name in ["VGG16", "VGG19", "ResNet18", "ResNet50"]:
            run = subprocess.run([sys.executable, __file__, "--memory-of", name], capture_output=True,
                                 text=True, check=True, cwd=ROOT)
            result["memory"].append(json.loads(run.stdout.strip().splitlines()[-1]))
    save("features", result)


if __name__ == "__main__":
    main()
