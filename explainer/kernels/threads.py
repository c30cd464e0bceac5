"""One torch thread for the playground's filters: a class shares the server's cores.

One pass of a 7×7 kernel over a 512×512 photo takes about 5 ms of one core. With torch's
default two threads the same pass cost 5–8× the CPU on a busy 2-core server (45 vs 5 ms,
measured with ``time.process_time``; the second thread spins while it waits for work) and was
slower on the clock too. Forty students moving sliders already keep both cores busy: each
of their requests should take one.

``torch.set_num_threads`` is per calling thread in torch's CPU builds (OpenMP), so a training
job running in another thread keeps its own thread count.
"""
from __future__ import annotations

import functools

import torch


def single_threaded(fn):
    """Run ``fn`` with one torch thread in the calling thread, then restore the count it had."""
    @functools.wraps(fn)
    def with_one_thread(*args, **kwargs):
        before = torch.get_num_threads()
        if before == 1:
            return fn(*args, **kwargs)
        torch.set_num_threads(1)
        try:
            return fn(*args, **kwargs)
        finally:
            torch.set_num_threads(before)
    return with_one_thread
