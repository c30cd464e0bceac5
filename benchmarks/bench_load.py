"""A whole class on one server: simulated students over Streamlit's websocket protocol (issue 10).

Run by hand (each run starts its own server on a free 127.0.0.1 port unless --attach is given):

    .venv/bin/python benchmarks/bench_load.py                                  # moves: 3 pages x N=1,10,40
    .venv/bin/python benchmarks/bench_load.py --students 10 --pages kernels --tag gc-off \
        --server-arg=--runner.postScriptGC=false                               # one lever, one page
    .venv/bin/python benchmarks/bench_load.py --scenario train --students 10   # N students press Train
    .venv/bin/python benchmarks/bench_load.py --scenario style --students 5    # N students press Paint (128 px)
    .venv/bin/python benchmarks/bench_load.py --scenario style --differ        # ... each with their own β
    .venv/bin/python benchmarks/bench_load.py --scenario cold --students 20    # deep link, cold server
    .venv/bin/python benchmarks/bench_load.py --processes 2                    # 2 servers behind nginx

Prints JSON and writes benchmarks/results/load-<scenario>-<tag>.json: latency p50/p95/max of first loads
and of moves, failed reruns, exceptions, server RSS (sampled every 0.5 s) and CPU, bytes per rerun
(websocket protobuf bytes, plus /media image bytes the browser would fetch), the 1-minute load
average before and after (the machine is shared: compare runs made under similar load).
For ``train``/``style``: "click" is the time from sending the button's ``rerun_script`` to that run's
``script_finished`` (the button sits outside any fragment, so it is a whole-page run); "max gap" the
longest a student's page went without any new element (progress, queue position, picture) from the
click's answer until the run that shows the finished job.
The benchmark's own CPU (client_cpu_s) runs on the same cores as the server: it is reported too.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load_scenarios as scenarios  # noqa: E402
import server_proc  # noqa: E402
from report import save  # noqa: E402
from st_client import require_loopback  # noqa: E402

PAGES = ["kernels", "geometry", "feature_maps"]


def quantiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    v = sorted(values)

    def q(p: float) -> float:
        return round(v[min(len(v) - 1, int(round(p * (len(v) - 1))))], 3)
    return {"n": len(v), "p50": q(0.5), "p95": q(0.95), "max": round(v[-1], 3), "mean": round(sum(v) / len(v), 3)}


def summarise_runs(runs) -> dict:
    ok = [r for r in runs if not r.failed]
    return {"latency_s": quantiles([r.latency_s for r in runs]),
            "failed_reruns": len(runs) - len(ok),
            "statuses": sorted({r.status for r in runs}),
            "exceptions": sum(len(r.exceptions) for r in runs),
            "error_boxes": sum(len(r.error_boxes) for r in runs),
            "ws_kb_per_rerun": round(sum(r.bytes for r in runs) / max(1, len(runs)) / 1024, 1),
            "media_kb_per_rerun": round(sum(r.media_bytes for r in runs) / max(1, len(runs)) / 1024, 1)}


class Sampler:
    """Server RSS every 0.5 s while a scenario runs (the peak is what a Space's memory limit sees)."""

    def __init__(self, servers) -> None:
        self.servers, self.max_rss = servers, 0.0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.max_rss = max(self.max_rss, self.servers.rss_mb())
            try:
                await asyncio.wait_for(stop.wait(), 0.5)
            except asyncio.TimeoutError:
                pass


async def measured(servers, coro) -> tuple[object, dict]:
    """Run ``coro`` while sampling the servers; returns its result and wall/CPU/RSS numbers."""
    stop, sampler = asyncio.Event(), Sampler(servers)
    watcher = asyncio.create_task(sampler.run(stop))
    cpu0, client0, t0 = servers.cpu_s(), time.process_time(), time.perf_counter()
    try:
        result = await coro
    finally:
        stop.set()
        await watcher
    wall = time.perf_counter() - t0
    cpu = servers.cpu_s() - cpu0
    return result, {"wall_s": round(wall, 2), "server_cpu_s": round(cpu, 2),
                    "server_cores_used": round(cpu / wall, 2) if wall else None,
                    "client_cpu_s": round(time.process_time() - client0, 2),
                    "server_rss_mb_max": round(sampler.max_rss), "server_rss_mb_end": round(servers.rss_mb())}


async def moves_for(servers, page: str, n: int, args) -> dict:
    coro = scenarios.class_moves(servers.url, page, students=n, moves=args.moves, think_s=args.think,
                                 arrive_within_s=args.arrive, pattern=args.widget, seed=args.seed,
                                 timeout=args.timeout)
    tally, numbers = await measured(servers, coro)
    out = {"page": page, "students": n, "load_before": round(os.getloadavg()[0], 2),
           "first_load": summarise_runs(tally.first_load), "moves": summarise_runs(tally.moves),
           "moved": sorted(set(tally.moved)), "problems": tally.problems[:10], "n_problems": len(tally.problems),
           **numbers}
    if n == 1 and tally.moves:  # server CPU of one move, alone: the first load is excluded
        out["server_cpu_ms_per_move_alone"] = await cpu_per_move(servers, page, args)
    return out


async def cpu_per_move(servers, page: str, args) -> float:
    """Server CPU for single moves by one student, no think time (median of the moves' CPU)."""
    from st_client import Session

    s = Session(servers.url, timeout=args.timeout)
    costs = []
    try:
        await s.open(page)
        rng = random.Random(args.seed)
        for _ in range(args.moves):
            w = scenarios.pick_control(s, page, args.widget)
            if w is None:
                break
            c0 = servers.cpu_s()
            await s.set_value(w, scenarios.new_value(w, s.value_of(w), rng))
            await asyncio.sleep(0.05)  # let the post-run cleanup (GC) land in this move's account
            costs.append(servers.cpu_s() - c0)
    finally:
        await s.close()
    return round(sorted(costs)[len(costs) // 2] * 1000, 1) if costs else None


async def run_moves(servers, args) -> dict:
    results = []
    for page in args.pages:
        for n in args.students:
            res = await moves_for(servers, page, n, args)
            print(f"[load] {page} N={n}: moves {res['moves']['latency_s']} failed {res['moves']['failed_reruns']} "
                  f"rss {res['server_rss_mb_max']} MB load {os.getloadavg()[0]:.1f}", file=sys.stderr)
            results.append(res)
    return {"runs": results}


async def run_job(servers, args) -> dict:
    """``train`` / ``style``: N students press the page's start button within a few seconds of each other."""
    n, job = args.students[0], scenarios.JOB_PAGES[args.scenario]
    query = args.query if args.query is not None else (args.train_query if args.scenario == "train" else None)
    if args.warm:  # the lecturer's own visit: imports, data and network loaded once before the class arrives
        await scenarios.class_moves(servers.url, job.page, students=1, moves=0, think_s=0, timeout=args.timeout)
    watches, numbers = await measured(servers, scenarios.class_starts(
        servers.url, job, students=n, query=query, differ=args.differ, within_s=args.arrive,
        limit_s=args.train_limit, timeout=args.timeout))
    clicks = [w.click for w in watches if w.click is not None]
    done = [w.finished_after_s for w in watches if w.finished_after_s is not None]
    late = await late_click(servers, job, watches[0].query, args) if not args.differ else None
    return {"students": n, "page": job.page, "query": query if query is not None else job.query, "warm": args.warm,
            "differ": (job.vary if args.differ else None), "distinct_settings": len({w.query for w in watches}),
            "click": summarise_runs(clicks),
            "finished": len(done), "finished_after_s": quantiles(done), "all_finished_within_s":
            round(max(done), 1) if len(done) == n else None,
            "max_gap_between_updates_s": quantiles([w.max_gap_s for w in watches]),
            "saw_queue_position": sum(w.saw_queue for w in watches),
            "per_student": [{"query": w.query, "click_s": round(w.click.latency_s, 3) if w.click else None,
                             "max_gap_s": round(w.max_gap_s, 2), "max_gap_ended_s": w.max_gap_ended_s,
                             "updates": w.updates, "saw_queue": w.saw_queue,
                             "finished_after_s": round(w.finished_after_s, 1) if w.finished_after_s else None}
                            for w in watches],
            "late_student_replayed_click": late,
            "problems": [w.problem for w in watches if w.problem][:10], **numbers}


async def late_click(servers, job, query: str, args) -> dict | None:
    """One more student, alone, after the class: the press is answered from the finished shared run
    (the results drawn in the click's own answer). Server CPU of that answer, and its latency."""
    from st_client import Session

    s = Session(servers.url, timeout=args.timeout)
    try:
        await s.open(job.page, query)
        button = s.find(job.button, ("button",))
        if button is None:
            return None
        c0 = servers.cpu_s()
        run = await s.click(button)
        await asyncio.sleep(0.05)
        return {"latency_s": round(run.latency_s, 3), "server_cpu_ms": round((servers.cpu_s() - c0) * 1000),
                "status": run.status, "ws_kb": round(run.bytes / 1024, 1), "exceptions": run.exceptions[:3]}
    finally:
        await s.close()


async def run_cold(servers, args) -> dict:
    n = args.students[0]
    visits, numbers = await measured(servers, scenarios.cold_deep_link(servers.url, visitors=n, page=args.page))
    lat = [v["latency_s"] for v in visits if v["latency_s"] is not None]
    return {"visitors": n, "page": args.page, "latency_s": quantiles(lat),
            "with_sidebar": sum(v["sidebar"] for v in visits), "wide_layout": sum(v["wide"] for v in visits),
            "not_ok": [v for v in visits if v["status"] != "ok" or v["exceptions"]][:5], **numbers}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenario", choices=["moves", "train", "style", "cold"], default="moves")
    p.add_argument("--pages", type=lambda s: s.split(","), default=PAGES)
    p.add_argument("--page", default="kernels", help="deep-link page for --scenario cold")
    p.add_argument("--students", type=lambda s: [int(x) for x in s.split(",")], default=None)
    p.add_argument("--moves", type=int, default=5)
    p.add_argument("--think", type=float, default=2.0, help="mean think time between moves (exponential), s")
    p.add_argument("--arrive", type=float, default=3.0, help="students open the page within this many s")
    p.add_argument("--widget", default=None, help="regex of the control's label (default: per page)")
    p.add_argument("--server-arg", action="append", default=[], help="passed to streamlit run (repeatable)")
    p.add_argument("--app-dir", type=Path, default=server_proc.ROOT,
                   help="run the app from this copy (e.g. `git archive HEAD | tar -x -C DIR`: a tree others don't edit)")
    p.add_argument("--processes", type=int, default=1, help=">1: that many servers behind nginx")
    p.add_argument("--attach", default=None, help="use a running server at this 127.0.0.1 URL")
    p.add_argument("--attach-pid", type=int, action="append", default=[], help="its PID(s), for RSS/CPU")
    p.add_argument("--train-query", default="mn_n=5000&mn_epochs=1")
    p.add_argument("--query", default=None, help="train/style: the URL settings (default: the scenario's)")
    p.add_argument("--differ", action="store_true",
                   help="train/style: each student varies one setting (seed / style weight): no shared run")
    p.add_argument("--cold-server", dest="warm", action="store_false",
                   help="train/style: no visit before the class (by default one page load warms the server)")
    p.add_argument("--train-limit", type=float, default=240.0, help="give up watching a job after this, s")
    p.add_argument("--timeout", type=float, default=120.0, help="longest wait for one script run, s")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tag", default="default")
    args = p.parse_args(argv)
    if args.students is None:
        args.students = {"moves": [1, 10, 40], "train": [10], "style": [5], "cold": [20]}[args.scenario]
    if max(args.students) > 200 or args.moves > 50:
        p.error("bounded on purpose: at most 200 students and 50 moves each")
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    loads0 = os.getloadavg()
    load0 = round(loads0[0], 2)
    if args.attach:
        require_loopback(args.attach)
        servers = server_proc.Servers(url=args.attach.rstrip("/"), pids=args.attach_pid)
    else:
        servers = server_proc.start(args.server_arg, processes=args.processes, app_dir=args.app_dir)
    try:
        runner = {"moves": run_moves, "train": run_job, "style": run_job, "cold": run_cold}[args.scenario]
        body = asyncio.run(runner(servers, args))
        peak = servers.peak_rss_mb()
    finally:
        if not args.attach:
            servers.stop()
    save(f"load-{args.scenario}-{args.tag}", {
        "scenario": args.scenario, "tag": args.tag, "app_dir": str(args.app_dir), "server_args": args.server_arg,
        "processes": args.processes, "think_s": args.think, "moves_each": args.moves, "cpus": os.cpu_count(),
        "load_average_1min_at_start": load0, "load_average_1_5_15_at_start": [round(x, 2) for x in loads0],
        "load_average_1_5_15_at_end": [round(x, 2) for x in os.getloadavg()],
        "server_peak_rss_mb": round(peak), **body})


if __name__ == "__main__":
    main()
