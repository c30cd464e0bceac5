"""A class at once: 10 simulated students on the real server (Streamlit's websocket protocol, no browser).

Asserts behaviour only (every run finishes, no exception, no failed rerun, every student got the shared
sidebar); the timings live in benchmarks/bench_load.py.
"""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import load_scenarios as scenarios  # noqa: E402
import server_proc  # noqa: E402
from st_client import Session  # noqa: E402


def run_async(coroutine):
    """asyncio.run in a thread of its own: the browser tests' Playwright may hold this thread's loop."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()

STUDENTS = 10
MOVES = 2


@pytest.fixture(scope="module")
def server():
    servers = server_proc.start()
    yield servers
    servers.stop()


@pytest.mark.parametrize("page", ["kernels", "geometry"])
def test_ten_students_move_a_control(server, page):
    tally = run_async(scenarios.class_moves(server.url, page, students=STUDENTS, moves=MOVES, think_s=0.2,
                                              arrive_within_s=1.0, timeout=150))
    assert tally.problems == []
    assert len(tally.first_load) == STUDENTS and len(tally.moves) == STUDENTS * MOVES
    failed = [(r.status, r.exceptions) for r in tally.first_load + tally.moves if r.failed]
    assert failed == []
    assert all(r.bytes > 0 for r in tally.moves)  # each move redrew something


def test_deep_link_gets_the_shared_sidebar_and_page_widgets(server):
    async def visit():
        s = Session(server.url, timeout=150)
        try:
            run = await s.open("kernels")
            return run, s.sidebar_seen, s.find("Presentation mode", ("checkbox",), main_only=False), s.pages
        finally:
            await s.close()

    run, sidebar, toggle, pages = run_async(visit())
    assert not run.failed and sidebar and toggle is not None
    assert {"kernels", "geometry"} <= set(pages)  # the navigation message named the app's pages


def test_two_students_paint_the_same_small_picture(server):
    """The style scenario at its smallest: both presses answered, both pages watch the run to its end."""
    job = scenarios.JOB_PAGES["style"]
    watches = run_async(scenarios.class_starts(server.url, job, students=2, query="sty_size=64&sty_iters=10",
                                               within_s=0.5, limit_s=240, timeout=150))
    assert [w.problem for w in watches] == ["", ""]
    assert all(w.click is not None and not w.click.failed for w in watches)
    assert all(w.finished_after_s is not None and w.updates > 0 for w in watches)
