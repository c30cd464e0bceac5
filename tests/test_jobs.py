"""explainer.jobs: events, stop within a second, FIFO queue, abandoned jobs, failures."""
import threading
import time

import pytest

from explainer.jobs import DONE, FAILED, QUEUED, RUNNING, STOPPED, JobRunner


def ticker(n, dt=0.01, cleanup=None):
    try:
        for i in range(n):
            time.sleep(dt)
            yield i
        return "finished"
    finally:
        if cleanup is not None:
            cleanup.set()


def test_events_and_result_arrive_in_order():
    job = JobRunner(max_heavy=1).submit("t", lambda: ticker(5))
    assert job.wait(5)
    assert job.state == DONE and job.events == [0, 1, 2, 3, 4] and job.result == "finished"
    assert job.events_since(3) == [3, 4] and job.latest == 4


def test_cancel_stops_within_a_second_and_runs_finally():
    cleaned = threading.Event()
    job = JobRunner(max_heavy=1).submit("t", lambda: ticker(10_000, 0.05, cleaned))
    while not job.events:
        time.sleep(0.01)
    t0 = time.monotonic()
    job.cancel()
    assert job.wait(1.0), "job did not stop within a second"
    assert time.monotonic() - t0 < 1.0
    assert job.state == STOPPED and cleaned.is_set()


def test_heavy_jobs_queue_fifo_with_positions():
    runner = JobRunner(max_heavy=1)
    gate = threading.Event()

    def blocked():
        yield "started"
        gate.wait(5)
        yield "released"

    first = runner.submit("a", blocked)
    while first.state != RUNNING:
        time.sleep(0.01)
    second = runner.submit("b", lambda: ticker(2))
    third = runner.submit("c", lambda: ticker(2))
    deadline = time.monotonic() + 2
    while (second.queue_position(), third.queue_position()) != (1, 2) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert (second.queue_position(), third.queue_position()) == (1, 2)
    assert second.state == QUEUED and runner.running() == 1 and runner.waiting() == 2
    gate.set()
    assert third.wait(5) and second.state == DONE and third.state == DONE
    assert second.started <= third.started  # first come, first served


def test_light_jobs_do_not_wait_for_heavy_ones():
    runner = JobRunner(max_heavy=1)
    gate = threading.Event()
    heavy = runner.submit("heavy", lambda: (x for x in [gate.wait(5)]))
    light = runner.submit("light", lambda: ticker(1), heavy=False)
    assert light.wait(2) and light.state == DONE
    gate.set()
    assert heavy.wait(5)


def test_cancel_while_queued_leaves_the_queue():
    runner = JobRunner(max_heavy=1)
    gate = threading.Event()
    first = runner.submit("a", lambda: (x for x in [gate.wait(5)]))
    queued = runner.submit("b", lambda: ticker(1))
    while queued.queue_position() != 1:
        time.sleep(0.01)
    queued.cancel()
    assert queued.wait(2) and queued.state == STOPPED and queued.events == []
    gate.set()
    assert first.wait(5)


def test_unwatched_job_is_stopped_as_abandoned():
    runner = JobRunner(max_heavy=1, abandon_after_s=0.3)
    job = runner.submit("t", lambda: ticker(10_000, 0.02))
    assert job.wait(3), "an unpolled job kept running"
    assert job.state == STOPPED and "watching" in job.error


def test_touched_job_is_not_abandoned():
    runner = JobRunner(max_heavy=1, abandon_after_s=0.3)
    job = runner.submit("t", lambda: ticker(40, 0.02))
    while not job.is_finished:
        job.touch()
        time.sleep(0.05)
    assert job.state == DONE


def test_failure_is_reported_not_raised():
    def broken():
        yield 1
        raise RuntimeError("kernel exploded")

    job = JobRunner(max_heavy=1).submit("t", broken)
    assert job.wait(2)
    assert job.state == FAILED and "kernel exploded" in job.error and job.events == [1]


@pytest.mark.parametrize("max_heavy", [1, 2])
def test_at_most_max_heavy_run_at_once(max_heavy):
    runner = JobRunner(max_heavy=max_heavy)
    live, peak, lock = [0], [0], threading.Lock()

    def work():
        with lock:
            live[0] += 1
            peak[0] = max(peak[0], live[0])
        try:
            for _ in range(5):
                time.sleep(0.01)
                yield
        finally:
            with lock:
                live[0] -= 1

    jobs = [runner.submit(str(i), work) for i in range(5)]
    assert all(j.wait(5) for j in jobs)
    assert peak[0] == max_heavy


# --- shared runs (issue 10): same key, one computation -------------------------------------------------
def counted(calls, n=3, dt=0.01, gate=None):
    """A factory of seeded-looking runs that counts how often it was really computed."""
    def make_events():
        calls.append(1)
        for i in range(n):
            if gate is not None:
                gate.wait(5)
            time.sleep(dt)
            yield i
        return {"weights": [len(calls)]}
    return make_events


def test_identical_settings_replay_the_identical_run():
    runner, calls = JobRunner(max_heavy=1), []
    first = runner.submit("t", counted(calls), share_key=("mnist", 1))
    assert first.wait(5) and first.state == DONE and not first.replayed
    again = runner.submit("t", counted(calls), share_key=("mnist", 1))
    assert again.replayed and again.state == DONE  # at once, no wait
    assert again.result is first.result and again.events == first.events == [0, 1, 2]
    assert again.run_id == first.run_id and again.id != first.id
    assert len(calls) == 1


def test_other_settings_get_a_fresh_run():
    runner, calls = JobRunner(max_heavy=1), []
    a = runner.submit("t", counted(calls), share_key=("mnist", 1))
    b = runner.submit("t", counted(calls), share_key=("mnist", 2))
    unshared = runner.submit("t", counted(calls))
    assert a.wait(5) and b.wait(5) and unshared.wait(5)
    assert a.run_id != b.run_id and a.result != b.result and len(calls) == 3
    assert not b.replayed and not unshared.shared


def test_a_second_watcher_attaches_to_the_running_job_and_sees_it_live():
    runner, calls, gate = JobRunner(max_heavy=1), [], threading.Event()
    first = runner.submit("t", counted(calls, n=4, gate=gate), share_key="k")
    second = runner.submit("t", counted(calls, n=4, gate=gate), share_key="k")
    assert second.attached and not second.replayed and second.run_id == first.run_id
    assert first.watchers == second.watchers == 2
    gate.set()
    seen = []
    while not second.is_finished:
        second.touch()
        seen.append(second.n_events)
        time.sleep(0.005)
    assert second.state == DONE and second.events == [0, 1, 2, 3] and len(calls) == 1


def test_stop_detaches_one_watcher_the_run_goes_on_for_the_others():
    runner, calls, gate = JobRunner(max_heavy=1), [], threading.Event()
    first = runner.submit("t", counted(calls, n=3, gate=gate), share_key="k")
    second = runner.submit("t", counted(calls, n=3, gate=gate), share_key="k")
    first.touch()
    second.touch()
    first.cancel()
    assert first.state == STOPPED and first.wait(0) and first.result is None
    gate.set()
    assert second.wait(5) and second.state == DONE and second.result is not None
    assert first.state == STOPPED and first.events == []  # what it had seen when it stopped watching


def test_last_watcher_stopping_stops_the_run_and_it_is_not_replayed():
    runner, calls = JobRunner(max_heavy=1), []
    only = runner.submit("t", counted(calls, n=10_000, dt=0.02), share_key="k")
    while not only.events:
        time.sleep(0.01)
    only.cancel()
    assert only.job.wait(2) and only.job.state == STOPPED
    fresh = runner.submit("t", counted(calls, n=2), share_key="k")
    assert fresh.run_id != only.run_id and fresh.wait(5) and fresh.state == DONE and len(calls) == 2


def test_finished_runs_kept_are_bounded_least_recently_used_first():
    runner, calls = JobRunner(max_heavy=1, max_shared=2), []
    for key in ("a", "b"):
        assert runner.submit("t", counted(calls, n=1), share_key=key).wait(5)
    assert runner.submit("t", counted(calls, n=1), share_key="a").replayed  # "a" is now the most recent
    assert runner.submit("t", counted(calls, n=1), share_key="c").wait(5)  # evicts "b"
    assert runner.shared_runs() == 2 and len(calls) == 3
    assert runner.submit("t", counted(calls, n=1), share_key="a").replayed
    again_b = runner.submit("t", counted(calls, n=1), share_key="b")
    assert not again_b.replayed and again_b.wait(5) and len(calls) == 4


def test_queued_job_gets_a_wait_estimate_from_recent_runs():
    runner, gate = JobRunner(max_heavy=1), threading.Event()
    assert runner.submit("t", lambda: ticker(2)).wait(5)  # one finished run of this name: the typical time
    blocker = runner.submit("t", lambda: (x for x in [gate.wait(5)]))
    queued = runner.submit("t", lambda: ticker(1))
    while queued.queue_position() != 1:
        time.sleep(0.01)
    assert queued.estimated_wait_s() is not None and queued.estimated_wait_s() >= 0
    assert runner.submit("other", lambda: ticker(1)).estimated_wait_s() is None  # never run: no idea
    gate.set()
    assert blocker.wait(5) and queued.wait(5)


def test_watchers_count_pages_that_polled_recently():
    runner = JobRunner(max_heavy=2)
    jobs = [runner.submit("t", lambda: ticker(1)) for _ in range(3)]
    for job in jobs[:2]:
        job.touch()
    assert runner.watchers() == 2
