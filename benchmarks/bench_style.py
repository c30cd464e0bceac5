"""Style transfer speed: the PyTorch tutorial's recipe vs ConvScope's, same objective.

Baseline (benchmarks/tutorial_style.py, after the structure of the PyTorch "Neural Transfer" tutorial):
a ``nn.Sequential`` of VGG19 layers with content/style loss modules inserted, trimmed
after the last loss, ``torch.optim.LBFGS`` (max_iter=20) on the full-size image started
from the content image, clamped inside the closure, 300 closure evaluations.
Ours: ``explainer.style.transfer``: coarse-to-fine levels, targets once per level, L-BFGS
with a strong-Wolfe line search on ``z`` where the picture is ``sigmoid(z)`` (no clamping),
the network in oneDNN's channels_last layout on CPU, and its passes in bfloat16 only where
one timed pass showed that clearly faster on this machine (float32 Gram matrices and losses).
Both use the same layers, layer weights, alpha/beta and the same VGG19 weights
(pretrained if cached, else the same seeded random init); both final images are
scored by one function, ``explainer.style.final_loss``, at the output size. The baseline
gets its own copy of the network in PyTorch's default (NCHW) layout, as the tutorial has it.

Each method runs in its own subprocess (same machine, one after the other, torch
limited to ``--threads`` threads) so peak memory is per method. Ours runs in each
precision of ``--precision`` (default ``auto``, what the app does; the first one named is
the one the verdict is about), and again in the other precision where the hardware has
native bfloat16 (or with ``--both-precisions``), so the figure says which precision it
holds for. The report names the CPU and its bfloat16 flags, and gives CPU seconds beside
wall seconds: on a shared machine the CPU-time ratio is the steadier one. There, also set
``OMP_WAIT_POLICY=PASSIVE`` (passed to both methods alike, and recorded): otherwise an
OpenMP thread that waits for a descheduled partner spins, and CPU seconds measure the load.

    python benchmarks/bench_style.py            # 256 px, 2 threads; writes benchmarks/results/style.json
    python benchmarks/bench_style.py --precision float32 auto --skip-memory   # as a CPU without bfloat16 would
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from report import RESULTS, save  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
from tutorial_style import cpu_s, tutorial_transfer  # noqa: E402

STYLES = ROOT.parent / "shared" / "data" / "styles"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def _images(style_name: str, content_name: str):
    from explainer.images import load_image, sample_images

    content = sample_images()[content_name].load()
    path = STYLES / f"{style_name}.jpg"
    if path.is_file():
        return content, load_image(path), str(path.relative_to(ROOT.parent))
    shipped = sample_images().get(style_name)  # the app's own copy (at most 512 px)
    if shipped is not None:
        return content, shipped.load(), f"assets/styles ({style_name}, shipped copy)"
    # No painting of that name: a bundled texture keeps the benchmark runnable.
    return content, sample_images()["gravel"].load(), "skimage gravel (painting not found)"


def _settings(args):
    from explainer.style import StyleSettings

    return StyleSettings(size=args.size, iterations=args.iterations, coarse_iterations=args.coarse_iterations,
                         levels=args.levels, content_weight=1.0, style_weight=1e6, tv_weight=0.0,
                         precision=args.precision[0])


# --------------------------------------------------------------------------------------
# One method in this (sub)process

def worker(args) -> dict:
    import numpy as np

    torch.set_num_threads(args.threads)
    from explainer.style import final_loss, load_style_net, network_precision, transfer

    rss_before = _peak_rss_mb()
    t = time.perf_counter()
    net = load_style_net(device=torch.device(args.device), download_if_missing=False)
    load_s = time.perf_counter() - t
    rss_after_load = _peak_rss_mb()
    content, style, style_src = _images(args.style, args.content)
    settings = _settings(args)
    # Warm up the kernels (first convolutions allocate), identically for both methods.
    with torch.no_grad():
        net.extract(torch.rand(1, 3, 64, 64, device=net.device), ["conv5_1"])
    if args.device.startswith("cuda"):
        torch.cuda.synchronize()
    t, cpu = time.perf_counter(), cpu_s()
    if args.worker == "baseline":
        out, evals, curve = tutorial_transfer(net, content, style, settings, args.baseline_evaluations, (t, cpu))
        chosen = {"name": "float32", "reason": "the tutorial's recipe: float32, NCHW"}
    else:  # the precision probe runs inside transfer() and counts in our time
        result, curve = _run_with_curve(transfer(net, content, style, settings), t, cpu)
        out, evals = result.image, result.evaluations
        choice = network_precision(net, settings.precision)
        chosen = {"name": choice.name, "reason": choice.reason,
                  "probe_seconds_per_pass": {k: round(v, 4) for k, v in choice.seconds.items()}}
    if args.device.startswith("cuda"):
        torch.cuda.synchronize()
    seconds, cpu_seconds = time.perf_counter() - t, cpu_s() - cpu
    losses = final_loss(net, content, style, out, settings)
    np.save(args.save, out)
    return {"method": args.worker, "seconds": round(seconds, 2), "cpu_seconds": round(cpu_seconds, 2),
            "evaluations": evals, "final_loss": losses, "output_shape": list(out.shape), "load_s": round(load_s, 2),
            "peak_rss_mb": round(_peak_rss_mb(), 1), "rss_before_load_mb": round(rss_before, 1),
            "peak_rss_after_load_mb": round(rss_after_load, 1), "weights": net.status.label,
            "style_image": style_src, "settings": {k: v for k, v in asdict(settings).items()},
            "network_precision": chosen["name"], "precision_choice": chosen,
            "network_layout": "NCHW" if args.worker == "baseline" else str(net.memory_format).replace("torch.", ""),
            "load_avg_after": list(os.getloadavg()),
            "loss_curve": curve}


def _run_with_curve(events, wall_start: float, cpu_start: float):
    """Drive a transfer; keep ``[evaluation, level, total loss, wall s, cpu s]`` at every step."""
    curve = []
    while True:
        try:
            e = next(events)
        except StopIteration as stop:
            return stop.value, curve
        curve.append([e.iteration, e.level, float(f"{e.losses['total']:.5g}"),
                      round(time.perf_counter() - wall_start, 2), round(cpu_s() - cpu_start, 2)])


def load_worker() -> dict:
    """Peak memory of building the network (in this fresh process), with whatever the hub cache holds."""
    from explainer.style.net import features_copy_path, load_style_net

    had_copy = features_copy_path().is_file()
    before = _peak_rss_mb()
    t = time.perf_counter()
    net = load_style_net(device=torch.device("cpu"), download_if_missing=False)
    return {"weights": net.status.label, "from_features_copy": had_copy, "seconds": round(time.perf_counter() - t, 2),
            "peak_rss_mb_before_load": round(before, 1), "peak_rss_mb_after_load": round(_peak_rss_mb(), 1),
            "load_peak_mb": round(_peak_rss_mb() - before, 1),
            "weights_mb": round(sum(p.numel() * 4 for p in net.features.parameters()) / 2**20, 1)}


def fake_checkpoint_worker() -> dict:
    """Write a full-size VGG19 checkpoint (random values, torchvision's keys) where torch.hub would keep it."""
    from torchvision.models import vgg19

    from explainer.style.net import WEIGHTS, cache_path

    path = cache_path(WEIGHTS)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(vgg19(weights=None).state_dict(), path)
    return {"bytes": path.stat().st_size}


def memory_report(python: str) -> dict:
    """Peak memory of loading VGG19 three ways, each in a fresh process with its own hub cache.

    Without real pretrained weights here, the "pretrained" cases use a full-size stand-in file
    (random values, the real keys and shapes, 548 MB), which costs the same memory to read.
    """
    def run(worker: str, torch_home: str | None) -> dict:
        env = dict(os.environ, CONVSCOPE_OFFLINE="1")
        if torch_home:
            env["TORCH_HOME"] = torch_home
        out = subprocess.run([python, __file__, "--worker", worker], capture_output=True, text=True, env=env,
                             cwd=ROOT)
        if out.returncode:
            raise SystemExit(f"{worker} failed:\n{out.stderr}")
        return json.loads(out.stdout.strip().splitlines()[-1])

    with tempfile.TemporaryDirectory() as home:
        report = {"untrained_features_only": run("load", home)}
        fake = run("fake-checkpoint", home)
        report["pretrained_first_load_full_file"] = run("load", home) | {"file_mb": round(fake["bytes"] / 2**20)}
        report["pretrained_later_loads_features_copy"] = run("load", home)
    report["note"] = ("load_peak_mb: growth of the process's peak RSS while building the network. The first "
                      "pretrained load reads the full torchvision file once (classifier included) and writes a "
                      "features-only copy; every later process reads only that copy (mmap).")
    return report


def _spawn(args, method: str, save: str, precision: str = "auto") -> dict:
    cmd = [sys.executable, __file__, "--worker", method, "--save", save, "--precision", precision]
    for k in ("size", "iterations", "coarse_iterations", "levels", "threads", "style", "content",
              "baseline_evaluations", "device"):
        cmd += [f"--{k.replace('_', '-')}", str(getattr(args, k))]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), CONVSCOPE_OFFLINE="1")
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    if out.returncode:
        raise SystemExit(f"{method} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _parser() -> argparse.ArgumentParser:
    from explainer.style import StyleSettings

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", type=int, default=256)
    defaults = StyleSettings()  # ours runs the app's default schedule unless told otherwise
    p.add_argument("--iterations", type=int, default=defaults.iterations, help="ours: evaluations at full size")
    p.add_argument("--coarse-iterations", type=int, default=defaults.coarse_iterations,
                   help="ours: evaluations per coarser level")
    p.add_argument("--levels", type=int, default=defaults.levels)
    p.add_argument("--baseline-evaluations", type=int, default=300)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--style", default="starry_night")
    p.add_argument("--content", default="chelsea")
    p.add_argument("--device", default="cpu")
    p.add_argument("--out", default="style", help="result name: benchmarks/results/<out>.json")
    p.add_argument("--save-images", action="store_true", help="also write the outputs as PNG beside the result")
    p.add_argument("--skip-memory", action="store_true", help="skip the weights-loading memory report")
    p.add_argument("--both-precisions", action="store_true",
                   help="run ours in float32 and bfloat16 even without native bfloat16 (emulated: slow)")
    p.add_argument("--precision", nargs="+", default=["auto"], choices=["auto", "float32", "bfloat16"],
                   help="ours' network precision(s); the first is the verdict's (float32: as on a CPU without "
                        "native bfloat16)")
    p.add_argument("--worker", choices=["baseline", "ours", "load", "fake-checkpoint"], help=argparse.SUPPRESS)
    p.add_argument("--save", help=argparse.SUPPRESS)
    return p


def hardware(device: str) -> dict:
    """The CPU (model, bfloat16 flags) and what oneDNN's capability flag claims, for the figure's context."""
    from explainer.precision import cpu_bf16_flags, cpu_model

    try:
        onednn_claims = bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        onednn_claims = None
    flags = cpu_bf16_flags()
    info = {"cpu_model": cpu_model(), "cpu_native_bf16_flags": flags,
            "cpu_has_native_bf16": None if flags is None else bool(flags),
            "onednn_flag_says_bf16_supported": onednn_claims, "torch": torch.__version__,
            "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "(unset: threads spin while they wait)"),
            "python": platform.python_version(), "cpus_visible": os.cpu_count()}
    if device.startswith("cuda"):
        info |= {"gpu": torch.cuda.get_device_name(), "gpu_bf16": torch.cuda.is_bf16_supported()}
    return info


def _other_precision_wanted(args, machine: dict, auto_choice: str) -> str | None:
    """The precision ours did not pick, when running it is informative (native bfloat16 or asked for)."""
    native = machine.get("gpu_bf16") if args.device.startswith("cuda") else machine["cpu_has_native_bf16"]
    if native or args.both_precisions:
        return "float32" if auto_choice == "bfloat16" else "bfloat16"
    return None


def _verdict(run: dict, base: dict) -> dict:
    ratio = run["seconds"] / base["seconds"]
    loss_ratio = run["final_loss"]["total"] / base["final_loss"]["total"]
    return {"network_precision": run["network_precision"], "seconds": run["seconds"],
            "time_ratio_ours_over_baseline": round(ratio, 3),
            "cpu_time_ratio_ours_over_baseline": round(run["cpu_seconds"] / base["cpu_seconds"], 3),
            "loss_ratio_ours_over_baseline": round(loss_ratio, 4),
            "target_met": bool(ratio <= 0.25 and loss_ratio <= 1.0),
            "target_met_by_cpu_time": bool(run["cpu_seconds"] <= 0.25 * base["cpu_seconds"] and loss_ratio <= 1.0)}


def main() -> None:
    args = _parser().parse_args()
    if args.worker:
        run = {"load": load_worker, "fake-checkpoint": fake_checkpoint_worker}.get(args.worker)
        print(json.dumps(run() if run else worker(args)))
        return

    machine = hardware(args.device)
    load_before = list(os.getloadavg())
    with tempfile.TemporaryDirectory() as tmp:
        runs = {"baseline": _spawn(args, "baseline", f"{tmp}/baseline.npy")}
        runs["ours"] = _spawn(args, "ours", f"{tmp}/ours.npy", precision=args.precision[0])
        for precision in dict.fromkeys(args.precision[1:]):
            if precision != args.precision[0]:
                runs[f"ours_{precision}"] = _spawn(args, "ours", f"{tmp}/ours_{precision}.npy", precision=precision)
        done = {run["network_precision"] for name, run in runs.items() if name != "baseline"}
        other = _other_precision_wanted(args, machine, runs["ours"]["network_precision"])
        if other and other not in done:
            runs[f"ours_{other}"] = _spawn(args, "ours", f"{tmp}/ours_{other}.npy", precision=other)
        if args.save_images:
            import numpy as np
            from PIL import Image

            for name in runs:
                Image.fromarray(np.load(f"{tmp}/{name}.npy")).save(save_dir() / f"style_{name}.png")
    base = runs["baseline"]
    verdicts = {name: _verdict(run, base) for name, run in runs.items() if name != "baseline"}
    report = {
        "benchmark": "style transfer, PyTorch tutorial recipe vs ConvScope (same objective)",
        "device": args.device, "threads": args.threads, "size_px": args.size,
        "content": args.content, "style": base["style_image"],
        "weights": base["weights"],
        "weights_note": ("No pretrained VGG19 on this machine: both methods use the same seeded random "
                         "initialisation (explainer.style.net.UNTRAINED_SEED), so losses compare but "
                         "the pictures are not meaningful.") if "UNTRAINED" in base["weights"] else
                        "Both methods use the pretrained ImageNet VGG19 (features-only copy).",
        "machine": machine, "load_avg_before": load_before,
        **runs,
        "memory": None if args.skip_memory else memory_report(sys.executable),
        "verdicts": verdicts,
        "time_ratio_ours_over_baseline": verdicts["ours"]["time_ratio_ours_over_baseline"],
        "loss_ratio_ours_over_baseline": verdicts["ours"]["loss_ratio_ours_over_baseline"],
        "target": "ours <= 0.25 x baseline time with total loss <= baseline's",
        "cpu_time_ratio_ours_over_baseline": verdicts["ours"]["cpu_time_ratio_ours_over_baseline"],
        "target_met": verdicts["ours"]["target_met"],
        "target_met_by_cpu_time": verdicts["ours"]["target_met_by_cpu_time"],
        "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    }
    save(args.out, report)


def save_dir() -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    return RESULTS


if __name__ == "__main__":
    main()
