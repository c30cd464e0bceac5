"""Augmentation & transfer speed: the issue's targets, measured (JSON on stdout and in benchmarks/results/).

    .venv/bin/python benchmarks/bench_augmentation.py [--threads 1]

1. Augmentation preview: the page's rerun after a slider move (AppTest, median of reruns), and the
   batched augmentation of the 12 preview digits alone.
2. Training with augmentation on vs off: time per epoch-equivalent (938 steps of 64 = 60,000 digits'
   worth) of LeNet-5, same steps, batched tensors; off and on alternate, medians of 3 rounds.
3. Transfer on digits: pretraining on 0–4, then the grid (3 methods x 6 values of k).
4. Photo transfer: ResNet18 features of 40 photos, the new head, leave-one-out.

Every figure is given in CPU seconds of this process (``time.process_time``) and in wall seconds:
on a shared machine under load the wall seconds count other processes' turns on the cores too.
Run with ``--threads 1`` on a busy machine: then CPU seconds ~ the wall time on one quiet core.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CONVSCOPE_OFFLINE", "1")
os.environ.setdefault("CONVSCOPE_DEVICE", "cpu")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from benchmarks.report import save  # noqa: E402
from explainer.augmentation import (DIGIT_DEFAULT, Augmentation, Fit, augment, augmented_batch,  # noqa: E402
                                    fit_events, run_to_end)
from explainer.features import load_model  # noqa: E402
from explainer.mnist import LeNetSpec, build, load_digits  # noqa: E402
from explainer.transfer import (features_events, leave_one_out, pretrain_events, train_head,  # noqa: E402
                                transfer_grid_events)


def timed(fn):
    """``(value, wall seconds)``."""
    t = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t


def cpu_timed(fn):
    """``(value, CPU seconds of this process, wall seconds)``: on a shared machine the CPU seconds are
    what the work costs; the wall seconds also count the time other processes had the cores."""
    c, t = time.process_time(), time.perf_counter()
    value = fn()
    return value, time.process_time() - c, time.perf_counter() - t


def preview(data) -> dict:
    from streamlit.testing.v1 import AppTest

    x = data.test_images[:12]
    alone = [timed(lambda: augment(x, DIGIT_DEFAULT, generator=torch.Generator().manual_seed(i)))[1] for i in range(50)]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/augmentation.py")
    at.run()
    cpu, wall = [], []
    for i in range(8):
        _, c, w = cpu_timed(lambda: at.slider(key="au_rotate_deg").set_value(float(5 * (i + 1))).run())
        cpu.append(c)
        wall.append(w)
    return {"augment_12_digits_ms": round(1e3 * statistics.median(alone), 2),
            "page_rerun_after_slider_cpu_ms_median": round(1e3 * statistics.median(cpu), 1),
            "page_rerun_after_slider_wall_ms_median": round(1e3 * statistics.median(wall), 1),
            "page_rerun_after_slider_wall_ms_max": round(1e3 * max(wall), 1), "target_ms": 150}


def epoch_cost(data, steps: int, rounds: int = 3) -> dict:
    """Off and on alternately, ``rounds`` times each (so a change in load hits both alike); medians."""
    cpu: dict[str, list[float]] = {"off": [], "on": []}
    wall: dict[str, list[float]] = {"off": [], "on": []}
    for _ in range(rounds):
        for name, aug in (("off", Augmentation()), ("on", DIGIT_DEFAULT)):
            model = build(LeNetSpec(), seed=0)
            _, c, w = cpu_timed(lambda: run_to_end(fit_events(model, data.train_images, data.train_labels, data.mean,
                                                              data.std, Fit(steps=steps, augmentation=aug),
                                                              report_every=100)))
            cpu[name].append(c * 938 / steps)
            wall[name].append(w * 938 / steps)
    out = {"steps_timed": steps, "rounds": rounds}
    for name in ("off", "on"):
        out[f"augmentation_{name}_cpu_s_per_60k_digits"] = round(statistics.median(cpu[name]), 2)
        out[f"augmentation_{name}_wall_s_per_60k_digits"] = round(statistics.median(wall[name]), 2)
    out["slowdown_cpu"] = round(out["augmentation_on_cpu_s_per_60k_digits"]
                                / out["augmentation_off_cpu_s_per_60k_digits"] - 1, 3)
    out["slowdown_wall"] = round(out["augmentation_on_wall_s_per_60k_digits"]
                                 / out["augmentation_off_wall_s_per_60k_digits"] - 1, 3)
    x = data.train_images[:64]
    g = torch.Generator().manual_seed(0)
    _, c, _ = cpu_timed(lambda: [augmented_batch(x, DIGIT_DEFAULT, data.mean, data.std, generator=g)
                                 for _ in range(500)])
    out["augmented_batch_of_64_cpu_ms"] = round(c / 500 * 1e3, 3)
    out["target_slowdown"] = 0.20
    return out


def transfer(data) -> dict:
    base, pre_cpu, pre_wall = cpu_timed(lambda: run_to_end(pretrain_events(data)))
    grid, grid_cpu, grid_wall = cpu_timed(lambda: run_to_end(transfer_grid_events(data, base)))
    return {"pretrain_cpu_s": round(pre_cpu, 2), "pretrain_wall_s": round(pre_wall, 2), "target_pretrain_s": 10,
            "grid_cpu_s": round(grid_cpu, 2), "grid_wall_s": round(grid_wall, 2), "target_grid_s": 30,
            "ks": grid.ks, "accuracy": {m: [round(a, 3) for a in v] for m, v in grid.accuracy.items()}}


def photos() -> dict:
    loaded, load_s = timed(lambda: load_model("ResNet18", download_if_missing=False))
    rng = np.random.default_rng(0)
    imgs = [rng.integers(0, 255, (480, 640, 3)).astype(np.uint8) for _ in range(40)]
    labels = torch.tensor([0] * 20 + [1] * 20)
    feats, f_cpu, f_wall = cpu_timed(lambda: run_to_end(features_events(loaded, imgs)))
    _, head_cpu, head_wall = cpu_timed(lambda: train_head(feats, labels, ("a", "b")))
    _, loo_cpu, loo_wall = cpu_timed(lambda: leave_one_out(feats, labels, 2))
    return {"weights": loaded.status.label, "load_s": round(load_s, 2),
            "features_40_photos_cpu_s": round(f_cpu, 2), "features_40_photos_wall_s": round(f_wall, 2),
            "target_features_s": 5, "head_cpu_s": round(head_cpu, 3), "head_wall_s": round(head_wall, 3),
            "leave_one_out_40_heads_cpu_s": round(loo_cpu, 3), "leave_one_out_40_heads_wall_s": round(loo_wall, 3),
            "target_head_s": 1}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--steps", type=int, default=300, help="steps timed per epoch estimate")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = load_digits(os.environ.get("CONVSCOPE_DATA") or ROOT.parent / "shared" / "data", download=False)
    result = {"data": data.name, "threads": args.threads, "load_average_1min_at_start": round(os.getloadavg()[0], 2),
              "note": "CPU seconds are this process's own (time.process_time); wall seconds include waiting "
                      "for cores other processes hold, so under load they overstate the cost",
              "preview": preview(data), "training_epoch": epoch_cost(data, args.steps),
              "transfer_digits": transfer(data), "photo_transfer": photos()}
    save("augmentation", result)


if __name__ == "__main__":
    main()
