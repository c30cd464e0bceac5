"""Where a page's reruns spend the server's CPU under load: py-spy samples the server while students move.

    .venv/bin/pip install py-spy      # once, locally (not a project dependency)
    .venv/bin/python benchmarks/profile_load.py --pages kernels,geometry --students 10

For each page: start a server, let N students do their moves (bench_load's scenario) while
``py-spy record --format raw`` samples every thread; then count, over the samples taken while a
script run was on CPU, the share of time inside each project function (inclusive) and each
function overall (self). Writes benchmarks/results/profile-<page>.json and the raw stacks beside it.
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
    for marker in ("site-packages/", "/work/main/", "/tmp/cs-head/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{m.group('func')} ({path})"


def summarise(raw: Path, top: int = 25) -> dict:
    """Inclusive and self shares over samples that are inside a script run (ScriptRunner thread)."""
    inclusive, self_time, total = collections.Counter(), collections.Counter(), 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit() or "_run_script" not in stack:
            continue
        n = int(count)
        frames = [_short(f) for f in stack.split(";")[1:]]
        total += n
        for f in set(frames):
            inclusive[f] += n
        if frames:
            self_time[frames[-1]] += n
    share = lambda c: [{"share": round(v / total, 3), "where": k} for k, v in c.most_common(top)]  # noqa: E731
    project = collections.Counter({k: v for k, v in inclusive.items()
                                   if re.search(r"\((pages|ui|explainer)/", k)})
    return {"script_samples": total, "project_inclusive": share(project), "self": share(self_time),
            "inclusive_all": share(inclusive)}


def profile_page(page: str, args) -> dict:
    servers = server_proc.start(args.server_arg, app_dir=args.app_dir)
    raw = RESULTS / f"profile-{page}.raw.txt"
    try:
        asyncio.run(scenarios.class_moves(servers.url, page, students=1, moves=1, think_s=0))  # warm caches
        spy = subprocess.Popen([py_spy(), "record", "--pid", str(servers.pids[0]), "--rate", "200",
                                "--format", "raw", "--output", str(raw), "--nonblocking", "--threads",
                                "--duration", str(args.duration)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        tally = asyncio.run(scenarios.class_moves(servers.url, page, students=args.students, moves=args.moves,
                                                  think_s=args.think, arrive_within_s=1.0))
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=60)
    finally:
        servers.stop()
    out = summarise(raw)
    out.update(page=page, students=args.students, moves=len(tally.moves), problems=tally.problems[:5],
               server_args=args.server_arg)
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pages", type=lambda s: s.split(","), default=["kernels", "geometry", "feature_maps"])
    p.add_argument("--students", type=int, default=10)
    p.add_argument("--moves", type=int, default=5)
    p.add_argument("--think", type=float, default=2.0)
    p.add_argument("--duration", type=int, default=120, help="py-spy's upper bound, s")
    p.add_argument("--server-arg", action="append", default=[])
    p.add_argument("--app-dir", type=Path, default=server_proc.ROOT)
    args = p.parse_args(argv)
    for page in args.pages:
        save(f"profile-{page}", profile_page(page, args))


if __name__ == "__main__":
    main()
