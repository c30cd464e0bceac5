"""Finished experiments, kept per setting for every session: the same settings come back at once.

Results are small (accuracies, curves) and do not depend on who asked, so one store per
process serves the whole class; a page holds it with ``st.cache_resource``.
"""
from __future__ import annotations

import threading
from typing import Any, Hashable


class SharedResults:
    """A thread-safe ``settings key -> result`` store whose ``keep`` fits a job panel's ``on_finish``."""

    def __init__(self) -> None:
        self._results: dict[Hashable, Any] = {}
        self._lock = threading.Lock()

    def keep(self, job, key: Hashable) -> None:
        """Store a finished job's return value under ``key`` (a stopped or failed job has none)."""
        if job.result is not None:
            with self._lock:
                self._results[key] = job.result

    def get(self, key: Hashable) -> Any:
        with self._lock:
            return self._results.get(key)
