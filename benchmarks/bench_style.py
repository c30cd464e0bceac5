"""Style transfer speed: the PyTorch tutorial's recipe vs ConvScope's, same objective.

Baseline (written here, after the structure of the PyTorch "Neural Transfer" tutorial):
a ``nn.Sequential`` of VGG19 layers with content/style loss modules inserted, trimmed
after the last loss, ``torch.optim.LBFGS`` (max_iter=20) on the full-size image started
from the content image, clamped inside the closure, 300 closure evaluations.
Ours: ``explainer.style.transfer.transfer``: coarse-to-fine levels, targets once per level, L-BFGS
with a strong-Wolfe line search on ``z`` where the picture is ``sigmoid(z)`` (no clamping),
bfloat16 network passes where the CPU/GPU has native bfloat16 (float32 Gram matrices and losses).
Both use the same layers, layer weights, alpha/beta and the same VGG19 weights
(pretrained if cached, else the same seeded random init); both final images are
scored by one function, ``explainer.style.transfer.final_loss``, at the output size.

Each method runs in its own subprocess (same machine, one after the other, torch
limited to ``--threads`` threads) so peak memory is per method.

    python benchmarks/bench_style.py            # 256 px, 2 threads; writes benchmarks/results/style.json
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
STYLES = ROOT.parent / "shared" / "data" / "styles"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def _images(style_name: str, content_name: str):
    from explainer.images import load_image, sample_images

    content = sample_images()[content_name].load()
    path = STYLES / f"{style_name}.jpg"
    if path.is_file():
        return content, load_image(path), str(path.relative_to(ROOT.parent))
    # No shared paintings on this machine: a bundled texture keeps the benchmark runnable.
    return content, sample_images()["gravel"].load(), "skimage gravel (paintings not found)"


def _settings(args):
    from explainer.style.transfer import StyleSettings

    return StyleSettings(size=args.size, iterations=args.iterations, coarse_iterations=args.coarse_iterations,
                         levels=args.levels, content_weight=1.0, style_weight=1e6, tv_weight=0.0)


# --------------------------------------------------------------------------------------
# Baseline: the tutorial's recipe

def _baseline(net, content_rgb, style_rgb, settings, evaluations: int):
    import torch
    import torch.nn.functional as F
    from torch import nn

    from explainer.style.transfer import resize_long_side, to_rgb, to_tensor
    from explainer.style.net import RELU_INDEX

    def gram(x):
        a, b, c, d = x.size()
        f = x.view(a * b, c * d)
        return torch.mm(f, f.t()).div(a * b * c * d)

    class ContentLoss(nn.Module):
        def __init__(self, target):
            super().__init__()
            self.target = target.detach()

        def forward(self, x):
            self.loss = F.mse_loss(x, self.target)
            return x

    class StyleLoss(nn.Module):
        def __init__(self, target_feature, weight):
            super().__init__()
            self.target, self.weight = gram(target_feature).detach(), weight

        def forward(self, x):
            self.loss = self.weight * F.mse_loss(gram(x), self.target)
            return x

    class Normalization(nn.Module):
        def forward(self, x):
            return (x - net.mean) / net.std

    content = resize_long_side(to_tensor(content_rgb, net.device), settings.size)
    style = resize_long_side(to_tensor(style_rgb, net.device), settings.size)
    at = {RELU_INDEX[settings.content_layer]: ("content", settings.content_layer)}
    model = nn.Sequential(Normalization())
    plain = nn.Sequential(Normalization())  # the same layers without loss modules, for the targets
    content_losses, style_losses = [], []
    by_index = {RELU_INDEX[k]: k for k in settings.active_style_layers}
    last = max([*by_index, *at])
    for i, layer in enumerate(net.features):
        if i > last:
            break  # the tutorial trims the model after its last loss module too
        layer = nn.ReLU(inplace=False) if isinstance(layer, nn.ReLU) else layer
        model.add_module(f"layer_{i}", layer)  # not str(i): "0" is the normalisation's name
        plain.add_module(f"layer_{i}", layer)
        if i in at:
            cl = ContentLoss(plain(content))
            model.add_module(f"content_{i}", cl)
            content_losses.append(cl)
        if i in by_index:
            sl = StyleLoss(plain(style), settings.active_style_layers[by_index[i]])
            model.add_module(f"style_{i}", sl)
            style_losses.append(sl)
    model.eval().requires_grad_(False)

    img = content.clone().requires_grad_(True)
    opt = torch.optim.LBFGS([img])  # tutorial: defaults, max_iter=20 per step
    run = [0]
    while run[0] < evaluations:
        def closure():
            with torch.no_grad():
                img.clamp_(0, 1)
            opt.zero_grad()
            model(img)
            s = sum(sl.loss for sl in style_losses) * settings.style_weight
            c = sum(cl.loss for cl in content_losses) * settings.content_weight
            loss = s + c
            loss.backward()
            run[0] += 1
            return loss
        opt.param_groups[0]["max_iter"] = min(20, evaluations - run[0])
        opt.param_groups[0]["max_eval"] = min(25, evaluations - run[0])
        opt.step(closure)
    with torch.no_grad():
        img.clamp_(0, 1)
    return to_rgb(img), run[0]


# --------------------------------------------------------------------------------------
# One method in this (sub)process

def worker(args) -> dict:
    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    from explainer.style.transfer import _autocast_dtype, final_loss, run_to_end, transfer
    from explainer.style.net import load_style_net

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
    t = time.perf_counter()
    if args.worker == "baseline":
        out, evals = _baseline(net, content, style, settings, args.baseline_evaluations)
    else:
        result = run_to_end(transfer(net, content, style, settings))
        out, evals = result.image, result.evaluations
    if args.device.startswith("cuda"):
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t
    losses = final_loss(net, content, style, out, settings)
    np.save(args.save, out)
    return {"method": args.worker, "seconds": round(seconds, 2), "evaluations": evals,
            "final_loss": losses, "output_shape": list(out.shape), "load_s": round(load_s, 2),
            "peak_rss_mb": round(_peak_rss_mb(), 1), "rss_before_load_mb": round(rss_before, 1),
            "peak_rss_after_load_mb": round(rss_after_load, 1), "weights": net.status.label,
            "style_image": style_src, "settings": {k: v for k, v in asdict(settings).items()},
            "network_precision": "float32" if args.worker == "baseline" else
            str(_autocast_dtype(settings.precision, net.device) or torch.float32).replace("torch.", "")}


def load_worker() -> dict:
    """Peak memory of building the network (in this fresh process), with whatever the hub cache holds."""
    import torch

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
    import torch
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


def _spawn(args, method: str, save: str) -> dict:
    cmd = [sys.executable, __file__, "--worker", method, "--save", save]
    for k in ("size", "iterations", "coarse_iterations", "levels", "threads", "style", "content",
              "baseline_evaluations", "device"):
        cmd += [f"--{k.replace('_', '-')}", str(getattr(args, k))]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), CONVSCOPE_OFFLINE="1")
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    if out.returncode:
        raise SystemExit(f"{method} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--iterations", type=int, default=90, help="ours: evaluations at full size")
    p.add_argument("--coarse-iterations", type=int, default=60, help="ours: evaluations per coarser level")
    p.add_argument("--levels", type=int, default=3)
    p.add_argument("--baseline-evaluations", type=int, default=300)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--style", default="starry_night")
    p.add_argument("--content", default="chelsea")
    p.add_argument("--device", default="cpu")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "style.json"))
    p.add_argument("--save-images", action="store_true", help="also write both outputs as PNG beside --out")
    p.add_argument("--skip-memory", action="store_true", help="skip the weights-loading memory report")
    p.add_argument("--worker", choices=["baseline", "ours", "load", "fake-checkpoint"], help=argparse.SUPPRESS)
    p.add_argument("--save", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        run = {"load": load_worker, "fake-checkpoint": fake_checkpoint_worker}.get(args.worker)
        print(json.dumps(run() if run else worker(args)))
        return

    with tempfile.TemporaryDirectory() as tmp:
        base = _spawn(args, "baseline", f"{tmp}/baseline.npy")
        ours = _spawn(args, "ours", f"{tmp}/ours.npy")
        if args.save_images:
            import numpy as np
            from PIL import Image

            for name in ("baseline", "ours"):
                Image.fromarray(np.load(f"{tmp}/{name}.npy")).save(Path(args.out).with_name(f"style_{name}.png"))
    ratio = ours["seconds"] / base["seconds"]
    report = {
        "benchmark": "style transfer, PyTorch tutorial recipe vs ConvScope (same objective)",
        "device": args.device, "threads": args.threads, "size_px": args.size,
        "content": args.content, "style": base["style_image"],
        "weights": base["weights"],
        "weights_note": ("No pretrained VGG19 on this machine: both methods use the same seeded random "
                         "initialisation (explainer.style.net.UNTRAINED_SEED), so losses compare but "
                         "the pictures are not meaningful.") if "UNTRAINED" in base["weights"] else
                        "Both methods use the pretrained ImageNet VGG19 (features-only copy).",
        "baseline": base, "ours": ours,
        "memory": None if args.skip_memory else memory_report(sys.executable),
        "time_ratio_ours_over_baseline": round(ratio, 3),
        "loss_ratio_ours_over_baseline": round(ours["final_loss"]["total"] / base["final_loss"]["total"], 4),
        "target": "ours <= 0.25 x baseline time with total loss <= baseline's",
        "target_met": bool(ratio <= 0.25 and ours["final_loss"]["total"] <= base["final_loss"]["total"]),
        "machine": {"python": platform.python_version(), "processor": platform.processor() or platform.machine(),
                    "cpus_visible": os.cpu_count(), "load_avg_at_end": list(os.getloadavg())},
        "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
