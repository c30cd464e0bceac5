"""Markdown tables from bench_load results: ``python benchmarks/load_table.py [tag ...]`` (default: all)."""
from __future__ import annotations

import json
import sys

from report import RESULTS


def _lat(block: dict) -> str:
    lat = block["latency_s"]
    return f"{lat['p50']:.2f} / {lat['p95']:.2f} / {lat['max']:.2f}" if lat.get("n") else "-"


def moves_table(paths) -> str:
    rows = ["| config | page | N | first load p50/p95/max s | move p50/p95/max s | failed | exc | "
            "KB/rerun ws+media | RSS max MB | cores used | server CPU/run ms | CPU/move alone ms | load avg |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for path in paths:
        d = json.loads(path.read_text())
        for r in d["runs"]:
            m = r["moves"]
            rows.append(f"| {d['tag']} | {r['page']} | {r['students']} | {_lat(r['first_load'])} | {_lat(m)} | "
                        f"{m['failed_reruns'] + r['first_load']['failed_reruns']} | "
                        f"{m['exceptions'] + r['n_problems']} | {m['ws_kb_per_rerun']}+{m['media_kb_per_rerun']} | "
                        f"{r['server_rss_mb_max']} | {r['server_cores_used']} | "
                        f"{1000 * r['server_cpu_s'] / max(1, m['latency_s']['n'] + r['first_load']['latency_s']['n']):.0f} | "
                        f"{r.get('server_cpu_ms_per_move_alone', '')} | {r['load_before']} |")
    return "\n".join(rows)


def jobs_table(paths) -> str:
    """``train`` / ``style`` runs: N students press the start button within a few seconds."""
    rows = ["| result | page, settings | N (distinct) | click p50/p95/max s | max gap p50/p95 s | finished, all within s | "
            "server CPU s | RSS max MB | late replayed click: s / CPU ms | load avg |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for path in paths:
        d = json.loads(path.read_text())
        gap, late = d["max_gap_between_updates_s"], d.get("late_student_replayed_click") or {}
        rows.append(f"| {path.stem} | {d.get('page', 'mnist')} {d['query']} | {d['students']} "
                    f"({d.get('distinct_settings', 1)}) | {_lat(d['click'])} | {gap.get('p50')} / {gap.get('p95')} | "
                    f"{d['finished']}, {d['all_finished_within_s']} | {d['server_cpu_s']} | {d['server_rss_mb_max']} | "
                    f"{late.get('latency_s', '-')} / {late.get('server_cpu_ms', '-')} | "
                    f"{d['load_average_1min_at_start']} → {d['load_average_1min_at_end']} |")
    return "\n".join(rows)


def main() -> None:
    tags = sys.argv[1:]
    paths = sorted(p for p in RESULTS.glob("load-moves-*.json") if not tags or p.stem[len("load-moves-"):] in tags)
    print(moves_table(paths))
    jobs = sorted(RESULTS.glob("load-train-*.json")) + sorted(RESULTS.glob("load-style-*.json"))
    print(jobs_table([p for p in jobs if not tags or p.stem.split("-", 2)[-1] in tags]))
    for p in sorted(RESULTS.glob("load-cold-*.json")):
        print(p.stem, json.dumps({k: v for k, v in json.loads(p.read_text()).items() if k not in ("cpus",)}))


if __name__ == "__main__":
    main()
