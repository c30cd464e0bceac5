"""The shared job panel in AppTest: idle, start, progress, queue position, Stop, failure, finish once."""
from __future__ import annotations

import threading

from streamlit.testing.v1 import AppTest

from explainer.jobs import default_runner

from .conftest import assert_no_exception


def _script():
    import streamlit as st

    from ui.job_panel import JobPanel, ProgressLine

    panel = JobPanel("tp_job", what="test job", poll_s=0.2)

    def progress(job, context):
        n = len(job.events)
        return ProgressLine(fraction=n / 10, text=f"{n} / 10 steps", eta_s=5.0) if n else None

    def finished(job, context):
        st.session_state["tp_finished"] = st.session_state.get("tp_finished", 0) + 1

    panel.start_button("Go", st.session_state["tp_events"], context="ctx",
                       share_key=st.session_state.get("tp_share"))
    panel.show(progress, lambda job, context: st.write(f"result so far: {len(job.events)} ({context})"),
               on_finish=finished, idle="Press Go.")


def _app(make_events, share=None) -> AppTest:
    at = AppTest.from_function(_script, default_timeout=60)
    at.session_state["tp_events"] = make_events
    at.session_state["tp_share"] = share
    return at.run()


def _gate():
    """A generator factory whose jobs yield once, wait until the gate opens, then yield three more."""
    gate = threading.Event()

    def make_events():
        yield "first"
        gate.wait(30)
        yield from ("second", "third", "fourth")

    return gate, make_events


def _texts(at) -> str:
    return " ".join(str(e.value) for kind in ("info", "error", "warning", "markdown") for e in getattr(at, kind))


def test_idle_then_a_run_that_finishes_reruns_the_page_once():
    at = _app(lambda: iter(range(10)))
    assert_no_exception(at)
    assert [i.value for i in at.info] == ["Press Go."] and [b.label for b in at.button] == ["Go"]
    at.button(key="tp_job_start").click().run()
    job = at.session_state["tp_job"]
    assert job.wait(30) and job.state == "done"
    at.run()
    assert_no_exception(at)
    assert [p.proto.text for p in at.get("progress")] == ["10 / 10 steps · done"]
    assert "result so far: 10 (ctx)" in _texts(at)
    assert at.session_state["tp_finished"] == 1 and not any(b.label == "Stop" for b in at.button)
    at.run()
    assert at.session_state["tp_finished"] == 1  # once per job


def test_running_job_shows_stop_and_restart_and_stops():
    gate, make_events = _gate()
    at = _app(make_events)
    at.button(key="tp_job_start").click().run()
    job = at.session_state["tp_job"]
    try:
        while not job.events:
            job.wait(0.05)
        at.run()
        assert [b.label for b in at.button] == ["Restart with these settings", "Stop"]
        assert any("about 5 s left" in p.proto.text for p in at.get("progress"))
        at.button(key="tp_job_stop").click().run()
    finally:
        gate.set()
    # Stop comes between two events: the one being made is kept, nothing after it
    assert job.wait(30) and job.state == "stopped" and job.events == ["first", "second"]
    at.run()
    assert any(p.proto.text.endswith("· stopped") for p in at.get("progress"))


def test_waiting_job_shows_its_queue_position():
    runner = default_runner()
    gate, make_events = _gate()
    blockers = [runner.submit("blocker", make_events) for _ in range(runner.max_heavy)]
    try:
        at = _app(make_events)
        at.button(key="tp_job_start").click().run()
        job = at.session_state["tp_job"]
        assert job.state == "queued"
        assert "position 1 in the queue" in _texts(at) and "Your test job starts by itself" in _texts(at)
    finally:
        gate.set()
    assert all(b.wait(30) for b in blockers) and job.wait(30) and job.state == "done"


def test_failure_is_shown_with_its_message():
    def make_events():
        yield 1
        raise ValueError("boom")

    at = _app(make_events)
    at.button(key="tp_job_start").click().run()
    assert at.session_state["tp_job"].wait(30)
    at.run()
    assert_no_exception(at)
    assert [e.value for e in at.error] == ["The test job failed: ValueError: boom"]


def test_shared_run_one_computation_two_watchers_own_stop():
    """Two sessions press Go with the same share key: one job; the second sees it live and is told it is
    shared; Stop in one session leaves the run going for the other."""
    import uuid

    gate, make_events = _gate()
    calls = []
    counted = lambda: (calls.append(1), make_events())[1]  # noqa: E731
    key = ("tp", uuid.uuid4().hex)
    a, b = _app(counted, key), _app(counted, key)
    a.button(key="tp_job_start").click().run()
    b.button(key="tp_job_start").click().run()
    job_a, job_b = a.session_state["tp_job"], b.session_state["tp_job"]
    try:
        assert job_b.run_id == job_a.run_id and job_b.attached and len(calls) == 1
        while not job_b.events:
            job_b.wait(0.05)
        job_a.touch()
        job_b.touch()
        b.run()
        assert any("2 pages are watching this same test job" in c.value for c in b.caption)
        a.button(key="tp_job_stop").click().run()
        assert job_a.state == "stopped" and job_b.state == "running"
    finally:
        gate.set()
    assert job_b.wait(30) and job_b.state == "done" and job_b.events == ["first", "second", "third", "fourth"]
    assert job_a.events == ["first"]  # what it had when it stopped watching


def test_polls_slow_down_with_more_watchers_but_stay_under_two_seconds():
    from ui.job_panel import MAX_POLL_S, poll_every

    rates = [poll_every(0.5, n) for n in (0, 1, 4, 10, 40, 400)]
    assert rates[0] == rates[1] == 0.5 and rates == sorted(rates)
    assert rates[2] > 0.5 and max(rates) == MAX_POLL_S < 2
