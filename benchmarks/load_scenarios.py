"""What a class does to the app, as coroutines over simulated students (st_client.Session).

- ``class_moves``: N students open a page, each moves one control ``moves`` times, exponential think time.
- ``class_starts``: N students open a page with a long job (``JOB_PAGES``: MNIST training, style
  transfer) and press its start button within a few seconds of each other, then watch the job.
- ``cold_deep_link``: N visitors open a deep link on a server that has never run the script.
Each returns plain numbers (lists of seconds, counts); bench_load.py summarises them.
"""
from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

from st_client import Run, Session, Widget

# Which control a student moves on each page: label patterns tried in order (pages are being reworked).
MOVES = {
    "kernels": ["sigma", "amount of detail", "kernel size"],
    "geometry": ["^start at", "input height", "kernel height", "stride"],
    "feature_maps": ["overlay opacity", "how many", "^layer"],
}
THINK_CAP_S = 10.0


@dataclass
class Tally:
    """Everything the students of one scenario saw."""
    first_load: list[Run] = field(default_factory=list)
    moves: list[Run] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)


def new_value(w: Widget, current, rng: random.Random):
    """A different value for ``w``, picked the way a student drags: anywhere in its range."""
    p = w.proto
    if w.kind == "slider" and p.type == p.Type.SELECT_SLIDER:
        return [rng.choice([o for o in p.options if [o] != current] or list(p.options))]
    if w.kind == "slider":
        steps = int(round((p.max - p.min) / p.step)) if p.step else 10
        values = [round(p.min + i * p.step, 10) for i in range(steps + 1)]
        return [rng.choice([v for v in values if [v] != current] or values)]
    if w.kind in ("selectbox", "radio"):
        return rng.choice([o for o in p.options if o != current] or list(p.options))
    if w.kind == "number_input":
        lo, hi = (p.min if p.has_min else 1), (p.max if p.has_max else 10)
        return float(rng.choice([v for v in range(int(lo), int(hi) + 1) if v != current] or [lo]))
    raise ValueError(f"don't know how to move a {w.kind}")


def pick_control(session: Session, page: str, pattern: str | None) -> Widget | None:
    for pat in ([pattern] if pattern else MOVES.get(page, [])):
        w = session.find(pat, ("slider", "selectbox", "radio", "number_input"))
        if w is not None:
            return w
    return None


async def one_student(url: str, page: str, query: str, moves: int, think_s: float, tally: Tally,
                      rng: random.Random, pattern: str | None, timeout: float) -> None:
    s = Session(url, timeout=timeout)
    try:
        tally.first_load.append(await s.open(page, query))
        for _ in range(moves):
            await asyncio.sleep(min(rng.expovariate(1 / think_s), THINK_CAP_S) if think_s else 0)
            w = pick_control(s, page, pattern)
            if w is None:
                labels = [s.widgets[i].label for i in s.active if i in s.widgets]
                tally.problems.append(f"{page}: no control matching {pattern or MOVES.get(page)} among {labels}")
                return
            tally.moved.append(w.label)
            tally.moves.append(await s.set_value(w, new_value(w, s.value_of(w), rng)))
    except Exception as exc:  # a student's crash is a finding, not the benchmark's end
        tally.problems.append(f"{type(exc).__name__}: {exc}")
    finally:
        tally.problems.extend(s.exceptions)
        await s.close()


async def class_moves(url: str, page: str, *, students: int, moves: int = 5, think_s: float = 2.0,
                      arrive_within_s: float = 3.0, query: str = "", pattern: str | None = None,
                      seed: int = 0, timeout: float = 120.0) -> Tally:
    tally = Tally()
    rng = random.Random(seed)

    async def arrive(i: int) -> None:
        await asyncio.sleep(rng.uniform(0, arrive_within_s) if students > 1 else 0)
        await one_student(url, page, query, moves, think_s, tally, random.Random(seed * 1000 + i), pattern,
                          timeout)

    await asyncio.gather(*(arrive(i) for i in range(students)))
    return tally


@dataclass(frozen=True)
class JobPage:
    """A page whose button starts a heavy job: the page, the URL settings a class uses, the button's label."""
    page: str
    query: str
    button: str
    vary: str = ""           # URL key whose value differs per student in the "differing settings" variant
    values: tuple = ()       # values it takes, one per student (cycled)


JOB_PAGES = {
    # 5,000 digits, 1 epoch (the "press Train" scenario).
    "train": JobPage("mnist", "mn_n=5000&mn_epochs=1", "^train", vary="mn_seed", values=tuple(range(60))),
    # 128 px, everything else the page's defaults; differing students pick their own style weight β.
    "style": JobPage("style_transfer", "sty_size=128", "^paint$", vary="sty_sw",
                     values=(1e6, 3e5, 3e6, 1e5, 1e7, 3e4, 3e7, 1e4, 1e8, 3e3)),
}


@dataclass
class JobWatch:
    """One student's job: how fast the button answered, the longest silence, when it finished."""
    query: str = ""
    click: Run | None = None
    max_gap_s: float = 0.0
    max_gap_ended_s: float | None = None   # when (s after the click answered) the longest silence ended
    finished_after_s: float | None = None
    updates: int = 0
    saw_queue: bool = False                # the page showed a queue position at some point
    problem: str = ""


TrainWatch = JobWatch  # the name bench_load's first version used


async def _watch_job(s: Session, watch: JobWatch, limit_s: float) -> None:
    """Until a full run ends with no fragment polling left (the job is done), note gaps between updates."""
    t0 = last = time.monotonic()
    seen = s.last_update
    while time.monotonic() - t0 < limit_s:
        await asyncio.sleep(0.1)
        watch.saw_queue |= "in the queue" in s.last_texts.get("alert", "")
        if s.last_update != seen:
            seen = s.last_update
            now = time.monotonic()
            if now - last > watch.max_gap_s:
                watch.max_gap_s, watch.max_gap_ended_s = now - last, round(now - t0, 2)
            last = now
            watch.updates += 1
        if not s.timers and s.full_run_done.is_set() and s._waiter is None:
            watch.finished_after_s = time.monotonic() - t0
            return
        s.full_run_done.clear() if s.timers else None
    watch.problem = f"not finished within {limit_s:.0f} s"


async def one_starter(url: str, job: JobPage, watch: JobWatch, limit_s: float, timeout: float) -> None:
    s = Session(url, timeout=timeout)
    try:
        first = await s.open(job.page, watch.query)
        if first.failed:
            watch.problem = f"page load failed: {first.status} {first.exceptions}"
            return
        w = s.find(job.button, ("button",))
        if w is None:
            watch.problem = f"no button matching {job.button!r}"
            return
        s.full_run_done.clear()
        watch.click = await s.click(w)
        await _watch_job(s, watch, limit_s)
    except Exception as exc:
        watch.problem = f"{type(exc).__name__}: {exc}"
    finally:
        if s.exceptions:
            watch.problem += " " + "; ".join(s.exceptions[:3])
        await s.close()


def student_queries(job: JobPage, students: int, query: str | None = None, differ: bool = False) -> list[str]:
    """Each student's URL settings: the class's (``query``, default the page's) or, ``differ``, one key varied."""
    base = job.query if query is None else query
    if not differ:
        return [base] * students
    return [f"{base}&{job.vary}={job.values[i % len(job.values)]!r}".lstrip("&") for i in range(students)]  # no "+"


async def class_starts(url: str, job: JobPage, *, students: int, query: str | None = None, differ: bool = False,
                       within_s: float = 3.0, limit_s: float = 240.0, timeout: float = 120.0,
                       seed: int = 0) -> list[JobWatch]:
    """N students open ``job.page`` and press its button within ``within_s`` of each other, then watch."""
    rng = random.Random(seed)
    watches = [JobWatch(query=q) for q in student_queries(job, students, query, differ)]

    async def arrive(w: JobWatch) -> None:
        await asyncio.sleep(rng.uniform(0, within_s) if students > 1 else 0)
        await one_starter(url, job, w, limit_s, timeout)

    await asyncio.gather(*(arrive(w) for w in watches))
    return watches


async def class_trains(url: str, *, students: int, query: str = "mn_n=5000&mn_epochs=1",
                       button: str = "^train", within_s: float = 3.0, limit_s: float = 240.0,
                       timeout: float = 120.0, seed: int = 0) -> list[JobWatch]:
    """``class_starts`` on the MNIST page (kept for callers of the first version)."""
    job = JobPage("mnist", query, button)
    return await class_starts(url, job, students=students, within_s=within_s, limit_s=limit_s, timeout=timeout,
                              seed=seed)


async def cold_deep_link(url: str, *, visitors: int = 20, page: str = "kernels", within_s: float = 1.0,
                         timeout: float = 60.0, seed: int = 0) -> list[dict]:
    """Visitors open ``/<page>`` on a fresh server: did each get the shared sidebar and the wide layout?"""
    from streamlit.proto.PageConfig_pb2 import PageConfig

    rng = random.Random(seed)

    async def visit() -> dict:
        await asyncio.sleep(rng.uniform(0, within_s))
        s = Session(url, timeout=timeout)
        try:
            run = await s.open(page)
            return {"latency_s": run.latency_s, "status": run.status, "sidebar": s.sidebar_seen,
                    "wide": s.layout == PageConfig.WIDE, "exceptions": s.exceptions[:3]}
        except Exception as exc:
            return {"latency_s": None, "status": f"{type(exc).__name__}: {exc}", "sidebar": False, "wide": False,
                    "exceptions": []}
        finally:
            await s.close()

    return await asyncio.gather(*(visit() for _ in range(visitors)))
