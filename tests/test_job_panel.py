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

    panel.start_button("Go", st.session_state["tp_events"], context="ctx")
    panel.show(progress, lambda job, context: st.write(f"result so far: {len(job.events)} ({context})"),
               on_finish=finished, idle="Press Go.")


def _app(make_events) -> AppTest:
    at = AppTest.from_function(_script, default_timeout=60)
    at.session_state["tp_events"] = make_events
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
