"""The painting's loss chart, built once per new events for every page polling the run (NewestFigure)."""
from __future__ import annotations

import threading
import time

import streamlit as st

from explainer.style import StyleSettings, loss_curves

from .style_painting import PAINTING


class NewestFigure:
    """One chart of a running job, shared by every page polling it: rebuilt when the job has new events, at
    most every ``refresh_s`` seconds while it runs (5 pages polling a painting would otherwise each build their
    own, one event apart: ~40 ms each), and at once when it has finished (read-only once built)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._made: tuple[int, float, object] | None = None  # (events it shows, when built, figure)

    def get(self, n_events: int, finished: bool, build, *, refresh_s: float = 0.4):
        with self._lock:
            now, made = time.monotonic(), self._made
            if made is None or (made[0] != n_events and (finished or now - made[1] >= refresh_s)):
                self._made = made = (n_events, now, build())
            return made[2]


@st.cache_resource(max_entries=32, show_spinner=False)
def _loss_figures(run_id: int, fs: int, height: int) -> NewestFigure:
    return NewestFigure()


def loss_figure(job, n_events: int, events, settings: StyleSettings, fs: int, height: int):
    """The loss curves of ``job`` (see ``NewestFigure``)."""
    def build():
        fig = loss_curves(events, settings, font_size=fs, height=height)
        # Sizes set on every text: Streamlit's chart theme would otherwise shrink ticks and legend to 12 px.
        fig.update_xaxes(tickfont_size=fs, title_font_size=fs)
        fig.update_yaxes(tickfont_size=fs, title_font_size=fs)
        return fig.update_layout(legend_font_size=fs)
    return _loss_figures(job.run_id, fs, height).get(n_events, job.is_finished, build, refresh_s=PAINTING.poll_s)
