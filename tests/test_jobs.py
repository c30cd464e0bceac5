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
