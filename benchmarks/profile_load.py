"""Where a page's reruns spend the server's CPU under load: py-spy samples the server while students move.

    .venv/bin/pip install py-spy      # once, locally (not a project dependency)
    .venv/bin/python benchmarks/profile_load.py --pages kernels,geometry --students 10
    .venv/bin/python benchmarks/profile_load.py --scenario train --students 10   # N students press Train

For each page: start a server, let N students do their moves (bench_load's scenario) while
``py-spy record --format raw`` samples every thread; then count, over the samples taken while a
script run was on CPU, the share of time inside each project function (inclusive) and each
function overall (self). Writes benchmarks/results/profile-<page>.json (``profile-train.json`` for
``--scenario train``) and the raw stacks beside it. A script run's samples are split into the runs
that draw the whole page and the fragment reruns (``_poll``: a job panel's polling) in ``by_kind``.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load_scenarios as scenarios  # noqa: E402
import server_proc  # noqa: E402
from report import RESULTS, save  # noqa: E402

FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def py_spy() -> str:
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not os.path.exists(exe):
        raise SystemExit("py-spy not found: .venv/bin/pip install py-spy")
    return exe


def _short(frame: str) -> str:
    m = FRAME.match(frame.strip())
    if not m:
        return frame.strip()
    path = m.group("file")
    if "site-packages/" in path:
        path = path.split("site-packages/", 1)[1]
    else:  # the app may run from a copy (--app-dir): keep the path from the project's top folder
        path = re.sub(r"^.*?/(?=(pages|ui|explainer|benchmarks|app\.py)\b)", "", path)
    return f"{m.group('func')} ({path})"


def summarise(raw: Path, top: int = 25) -> dict:
    """Inclusive and self shares over samples that are inside a script run (ScriptRunner thread)."""
    inclusive, self_time, total = collections.Counter(), collections.Counter(), 0
    kinds = collections.Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit() or "_run_script" not in stack:
            continue
        n = int(count)
        frames = [_short(f) for f in stack.split(";")[1:]]
        total += n
        kinds["fragment reruns (job panel polls)" if any(re.match(r"(\w+\.)?_poll \(", f) for f in frames)
              and not any(f.startswith("<module> (pages/") for f in frames) else "whole-page runs"] += n
        for f in set(frames):
            inclusive[f] += n
        if frames:
            self_time[frames[-1]] += n
    share = lambda c: [{"share": round(v / total, 3), "where": k} for k, v in c.most_common(top)]  # noqa: E731
    project = collections.Counter({k: v for k, v in inclusive.items()
                                   if re.search(r"\((pages|ui|explainer)/", k)})
    return {"script_samples": total, "by_kind": {k: round(v / max(1, total), 3) for k, v in kinds.items()},
            "project_inclusive": share(project), "self": share(self_time),
            "inclusive_all": share(inclusive)}


def sampled(servers, raw: Path, duration: int, coro_factory):
    """Run ``coro_factory()`` while py-spy samples the (first) server; returns the coroutine's result."""
    spy = subprocess.Popen([py_spy(), "record", "--pid", str(servers.pids[0]), "--rate", "200",
                            "--format", "raw", "--output", str(raw), "--nonblocking", "--threads",
                            "--duration", str(duration)], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        return asyncio.run(coro_factory())
    finally:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=60)


def profile_page(page: str, args) -> dict:
    servers = server_proc.start(args.server_arg, app_dir=args.app_dir)
    raw = RESULTS / f"profile-{page}.raw.txt"
    try:
        asyncio.run(scenarios.class_moves(servers.url, page, students=1, moves=1, think_s=0))  # warm caches
        tally = sampled(servers, raw, args.duration, lambda: scenarios.class_moves(
            servers.url, page, students=args.students, moves=args.moves, think_s=args.think, arrive_within_s=1.0))
    finally:
        servers.stop()
    out = summarise(raw)
    out.update(page=page, students=args.students, moves=len(tally.moves), problems=tally.problems[:5],
               server_args=args.server_arg)
    return out


def profile_job(kind: str, args) -> dict:
    """N students press the page's start button (``train``: MNIST, ``style``: style transfer) under py-spy."""
    servers = server_proc.start(args.server_arg, app_dir=args.app_dir)
    raw = RESULTS / f"profile-{kind}.raw.txt"
    page = {"train": "mnist", "style": "style_transfer"}[kind]
    try:
        asyncio.run(scenarios.class_moves(servers.url, page, students=1, moves=0, think_s=0))  # warm imports
        watches = sampled(servers, raw, args.duration, lambda: scenarios.class_starts(
            servers.url, scenarios.JOB_PAGES[kind], students=args.students, query=args.query or None))
    finally:
        servers.stop()
    out = summarise(raw)
    out.update(scenario=kind, students=args.students, server_args=args.server_arg,
               click_s=sorted(round(w.click.latency_s, 3) for w in watches if w.click),
               problems=[w.problem for w in watches if w.problem][:5])
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenario", choices=["moves", "train", "style"], default="moves")
    p.add_argument("--query", default="", help="train/style: the page's URL settings (default: the scenario's)")
    p.add_argument("--pages", type=lambda s: s.split(","), default=["kernels", "geometry", "feature_maps"])
    p.add_argument("--students", type=int, default=10)
    p.add_argument("--moves", type=int, default=5)
    p.add_argument("--think", type=float, default=2.0)
    p.add_argument("--duration", type=int, default=120, help="py-spy's upper bound, s")
    p.add_argument("--server-arg", action="append", default=[])
    p.add_argument("--app-dir", type=Path, default=server_proc.ROOT)
    args = p.parse_args(argv)
    if args.scenario != "moves":
        save(f"profile-{args.scenario}", profile_job(args.scenario, args))
        return
    for page in args.pages:
        save(f"profile-{page}", profile_page(page, args))


if __name__ == "__main__":
    main()
