"""One way for every benchmark to record its result: JSON on stdout and in benchmarks/results/."""
from __future__ import annotations

import json
import os
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def save(name: str, result: dict) -> Path:
    """Print ``result`` as JSON and write it to ``benchmarks/results/<name>.json``.

    Adds the 1-minute load average at the end, so a reader can tell a quiet run (below the
    core count) from one that shared the CPUs with other work.
    """
    load = os.getloadavg()[0]
    result.setdefault("load_average_1min_at_end", round(load, 2))
    result["cpu_was_quiet"] = load < (os.cpu_count() or 1)
    text = json.dumps(result, indent=2)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{name}.json"
    out.write_text(text + "\n")
    return out
