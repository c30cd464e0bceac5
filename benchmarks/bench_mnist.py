"""MNIST training speed on the CPU: our in-memory loop against the usual torchvision pipeline.

    python benchmarks/bench_mnist.py [--data ../shared/data] [--quick] [--claim] [--cadence]

Measures, on the real MNIST in ../shared/data (60,000 training digits, one epoch, Adam):
* LeNet-5 and the fully connected network through ``explainer.mnist.training.train_events``
  (both trained in the same loop, each timed alone), test accuracy after one epoch,
  with 2 threads and with 1 thread;
* (each with 1 and with 2 threads) the same LeNet-5 epoch written the usual way: ``MNIST(transform=Compose([ToTensor(),
  Normalize(...)]))`` in a ``DataLoader`` (one PIL image at a time), plain model and Adam,
  and a plain in-memory loop without our CPU tweaks; the speed-up ratio;
* the overhead of live charts: the same run through the job runner with and without a
  consumer that polls every 0.5 s and builds the page's curves figure (as the page does);
* how often the live chart gets an event (gaps between events, asked for one every 0.2 s) and
  how long Stop takes to end a run (the tests check the mechanism, this measures the seconds);
* with ``--claim``: the page's default settings (Adam, cosine decay) for 1, 2 and 3 epochs,
  three seeds each: how many epochs LeNet-5 needs for the lecture's "over 99 %".

Prints JSON and writes benchmarks/results/mnist.json. Timings depend on the machine and
on what else runs on it: the load average is recorded before and after.
"""
from __future__ import annotations

from report import save  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import plotly.io  # noqa: E402
import plotly.tools  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from explainer.mnist.datasets import MNIST_MEAN, MNIST_STD, load_digits  # noqa: E402
from explainer.jobs import JobRunner  # noqa: E402
from explainer.mnist.figures import curves_figure  # noqa: E402
from explainer.mnist.networks import CNN_NAME, MLP_NAME, LeNetSpec, build  # noqa: E402
from explainer.mnist.training import (EpochDone, Progress, TrainConfig, TrainingLog, accuracy,  # noqa: E402
                                      train_events, training_threads)


def ours(data, threads: int, train_size: int) -> dict:
    """One epoch of both networks through the app's own training generator."""
    t0 = time.perf_counter()
    epoch = None
    for event in train_events(data, TrainConfig(epochs=1, train_size=train_size, threads=threads)):
        if isinstance(event, EpochDone):
            epoch = event
    wall = time.perf_counter() - t0
    return {"threads": threads, "wall_s_both_nets_incl_eval": round(wall, 2),
            **{f"{key}_{tag}": round(v, 4 if key == "test_accuracy" else 3)
               for tag, name in (("lenet", CNN_NAME), ("mlp", MLP_NAME))
               for key, v in (("epoch_s", epoch.epoch_time_s[name]), ("test_accuracy", epoch.test_acc[name]),
                              ("images_per_s", epoch.images_per_s[name]))}}


def usual_pipeline(root: Path, threads: int, train_size: int) -> dict:
    """LeNet-5, one epoch, the way tutorials write it: per-image ToTensor + Normalize."""
    from torch.utils.data import DataLoader, Subset
    from torchvision import datasets, transforms

    torch.set_num_threads(threads)
    torch.set_flush_denormal(False)
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((MNIST_MEAN,), (MNIST_STD,))])
    train = datasets.MNIST(root, train=True, transform=tf, download=False)
    loader = DataLoader(Subset(train, range(train_size)), batch_size=64, shuffle=True, num_workers=0)
    torch.manual_seed(0)
    model = build(LeNetSpec())
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    t0 = time.perf_counter()
    for x, y in loader:
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return {"threads": threads, "epoch_s_lenet": round(time.perf_counter() - t0, 3)}


def plain_in_memory(data, threads: int, train_size: int) -> dict:
    """LeNet-5 on in-memory tensors but without our CPU tweaks (channels_last, fused Adam, flush)."""
    torch.set_num_threads(threads)
    torch.set_flush_denormal(False)
    torch.manual_seed(0)
    model = build(LeNetSpec())
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    perm = torch.randperm(train_size)
    t0 = time.perf_counter()
    for i in range(0, train_size, 64):
        idx = perm[i:i + 64]
        x = (data.train_images[idx].unsqueeze(1).float() / 255 - MNIST_MEAN) / MNIST_STD
        loss = F.cross_entropy(model(x), data.train_labels[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss.item()  # the usual per-step logging
    seconds = time.perf_counter() - t0
    return {"threads": threads, "epoch_s_lenet": round(seconds, 3),
            "test_accuracy_lenet": round(accuracy(model, data.test_images, data.test_labels, MNIST_MEAN, MNIST_STD), 4)}


def live_overhead(data, threads: int, train_size: int, repeats: int = 2) -> dict:
    """Whole-run time through the job runner, with and without a page-like poller.

    Runs alternate (plain, polled, plain, polled ...) and the fastest of each kind counts,
    so a burst of load from elsewhere does not pass for overhead.
    """
    best = {False: float("inf"), True: float("inf")}
    costs = []
    for _ in range(repeats):
        for polled in (False, True):
            runner = JobRunner(max_heavy=1)
            job = runner.submit("bench", lambda: train_events(
                data, TrainConfig(train_size=train_size, threads=threads)))
            log = TrainingLog()
            t0 = time.perf_counter()
            while not job.wait(0.5):
                job.touch()
                if polled:
                    t = time.perf_counter()
                    log.add(job.events_since(log.n_events))
                    if log.started is not None:  # what st.plotly_chart does with the figure
                        plotly.io.to_json(plotly.tools.return_figure_from_figure_or_data(curves_figure(log), True),
                                          validate=False)
                    costs.append(time.perf_counter() - t)
            best[polled] = min(best[polled], time.perf_counter() - t0)
    return {"threads": threads, "unpolled_s": round(best[False], 2), "polled_s": round(best[True], 2),
            "polls": len(costs), "mean_poll_ms": round(1000 * sum(costs) / max(1, len(costs)), 1),
            "overhead_pct": round(100 * (best[True] / best[False] - 1), 1)}


def live_cadence(data, threads: int, train_size: int = 10_000, stops: int = 5) -> dict:
    """Seconds between consecutive events (event_every_s=0.2), and from Stop to the job's end."""
    gaps, last = [], None
    for _ in train_events(data, TrainConfig(train_size=train_size, threads=threads, event_every_s=0.2)):
        now = time.perf_counter()
        if last is not None:
            gaps.append(now - last)
        last = now
    latencies = []
    for _ in range(stops):
        job = JobRunner(max_heavy=1).submit("bench", lambda: train_events(
            data, TrainConfig(epochs=10, threads=threads, event_every_s=0.2)))
        while not any(isinstance(e, Progress) for e in job.events):
            job.wait(0.05)
        t0 = time.perf_counter()
        job.cancel()
        job.wait()
        latencies.append(time.perf_counter() - t0)
    gaps.sort()
    return {"threads": threads, "events": len(gaps) + 1, "median_gap_s": round(gaps[len(gaps) // 2], 3),
            "max_gap_s": round(gaps[-1], 3), "stop_latency_s": [round(t, 3) for t in latencies],
            "max_stop_latency_s": round(max(latencies), 3)}


def epochs_to_claim(data, threads: int, seeds=(0, 1, 2), epochs=(1, 2, 3)) -> dict:
    """Whole-test-split accuracy of the page's default run for each epoch count (cosine decay
    spans the whole run, so every count is its own run, not a checkpoint of a longer one)."""
    rows = {}
    for n_epochs in epochs:
        accs, walls = [], []
        for seed in seeds:
            t0 = time.perf_counter()
            last = None
            for event in train_events(data, TrainConfig(epochs=n_epochs, seed=seed, threads=threads)):
                if isinstance(event, EpochDone):
                    last = event
            walls.append(time.perf_counter() - t0)
            accs.append(last.test_acc[CNN_NAME])
        rows[f"{n_epochs}_epochs"] = {"lenet_test_accuracy": [round(a, 4) for a in accs],
                                      "min": round(min(accs), 4), "wall_s_both_nets": [round(w, 1) for w in walls]}
    return {"threads": threads, "seeds": list(seeds), **rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--quick", action="store_true", help="10,000 digits instead of 60,000 (a smoke run)")
    parser.add_argument("--threads", default="1,2", help="thread counts to compare, e.g. 1,2 (default) or 1")
    parser.add_argument("--claim", action="store_true",
                        help="only measure how many epochs the default run needs for 99 %% (3 seeds)")
    parser.add_argument("--cadence", action="store_true", help="only measure event gaps and Stop latency")
    args = parser.parse_args()
    data = load_digits(args.data, download=False)
    if not data.is_mnist:
        sys.exit(f"MNIST not found under {args.data}: this benchmark needs the real set")
    if args.claim:
        save("mnist_claim", {"loadavg_before": os.getloadavg(), "cpu_count": os.cpu_count(),
                             **epochs_to_claim(data, int(args.threads.split(",")[-1]))})
        return
    if args.cadence:
        save("mnist_cadence", {"loadavg_before": os.getloadavg(), **live_cadence(data, training_threads())})
        return
    n = 10_000 if args.quick else 60_000
    load_before = os.getloadavg()
    results = {"train_digits": n, "cpu_count": os.cpu_count(), "torch": torch.__version__,
               "machine": platform.processor() or platform.machine(), "loadavg_before": load_before}
    counts = [int(t) for t in args.threads.split(",")]
    for threads in counts:  # thread-matched comparisons: a busy machine punishes 2 threads unevenly
        tag = f"{threads}_thread{'s' if threads > 1 else ''}"
        results[f"ours_{tag}"] = ours(data, threads, n)
        results[f"usual_torchvision_pipeline_{tag}"] = usual_pipeline(Path(args.data), threads, n)
        results[f"plain_in_memory_loop_{tag}"] = plain_in_memory(data, threads, n)
        mine = results[f"ours_{tag}"]["epoch_s_lenet"]
        results[f"speedup_vs_usual_pipeline_{tag}"] = round(
            results[f"usual_torchvision_pipeline_{tag}"]["epoch_s_lenet"] / mine, 2)
        results[f"speedup_vs_plain_in_memory_{tag}"] = round(
            results[f"plain_in_memory_loop_{tag}"]["epoch_s_lenet"] / mine, 2)
    results["best_lenet_epoch_s"] = min(results[k]["epoch_s_lenet"] for k in results if k.startswith("ours_"))
    results["live_chart_overhead"] = live_overhead(data, training_threads(), n)
    results["live_cadence"] = live_cadence(data, training_threads())
    results["loadavg_after"] = os.getloadavg()
    results["targets"] = {"lenet_epoch_s": "< 4", "lenet_test_accuracy": ">= 0.985", "mlp_epoch_s": "< 1",
                          "mlp_test_accuracy": ">= 0.955", "speedup_vs_usual_pipeline_*": ">= 2.5",
                          "overhead_pct": "< 10", "max_gap_s": "< 0.6", "max_stop_latency_s": "< 1"}
    save("mnist", results)


if __name__ == "__main__":
    main()
