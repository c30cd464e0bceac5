"""A freshly started server and a whole class opening the shared deep link in the same second.

Streamlit serves a folder named pages/ through its old router until app.py has run once; every
visitor whose first run starts before then must still get app.py's sidebar and wide layout
(ui.run_inside_app). Behaviour only: the timings live in `benchmarks/bench_load.py --scenario cold`.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import load_scenarios as scenarios  # noqa: E402
import server_proc  # noqa: E402

from .test_load import run_async  # noqa: E402

VISITORS = 20


def test_twenty_visitors_on_a_deep_link_of_a_fresh_server_all_get_the_whole_app():
    servers = server_proc.start()  # a server of its own: no run of app.py has happened in it yet
    try:
        visits = run_async(scenarios.cold_deep_link(servers.url, visitors=VISITORS, page="kernels",
                                                     within_s=1.0, timeout=150))
    finally:
        servers.stop()
    assert [v["status"] for v in visits] == ["ok"] * VISITORS
    assert [v["exceptions"] for v in visits] == [[]] * VISITORS
    assert sum(v["sidebar"] for v in visits) == VISITORS, "some visitors got the page without the shared sidebar"
    assert sum(v["wide"] for v in visits) == VISITORS, "some visitors got the page without the wide layout"
