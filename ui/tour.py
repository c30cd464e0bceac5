"""The lecture tour's controls: a sidebar panel on every page while a tour is on (``?tour=``).

The steps are data (``explainer.tour``); this module only draws them and moves between
them. Moving to a step forgets the session's URL-bound settings and switches page with
the step's query parameters, so the page opens in exactly the state the step names.
"""
from __future__ import annotations

import streamlit as st

from explainer import tour
from ui.keys import TOUR_NOTE
from ui.menu import PAGES
from ui.url_state import forget_url_settings

FILE_OF = {path: file for file, _title, _icon, path in PAGES}


def available_pages() -> set[str]:
    """Url paths of the pages this app has (a page joins when its file exists)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    return {path for path, file in FILE_OF.items() if (root / file).is_file()}


def go_to(step: tour.TourStep) -> None:
    """Open ``step``'s view: its page, with its settings and nothing left over from before."""
    page, params, note = tour.view_of(step, available_pages())
    forget_url_settings()
    if note:
        st.session_state[TOUR_NOTE] = note
    st.switch_page(FILE_OF.get(page, FILE_OF["home"]), query_params=params)


def _end_tour() -> None:
    st.query_params.pop(tour.TOUR_KEY, None)


def tour_panel() -> None:
    """Sidebar panel while ``?tour=`` is in the link: step n of N, talking point, ◀ ▶ (arrow keys)."""
    raw = st.query_params.get(tour.TOUR_KEY)
    note = st.session_state.pop(TOUR_NOTE, "")
    if raw is None:
        return
    found = tour.find_step(raw)
    step, total = found.step, len(tour.steps())
    previous, following = tour.neighbours(step)
    with st.sidebar.container(border=True):
        st.markdown(f"**Lecture tour · step {step.number} of {total}**")
        st.progress(step.number / total)
        st.markdown(f"##### {step.title}")
        st.write(step.talking_point)
        for message in (found.note, note):
            if message:
                st.info(message, icon=":material/info:")
        left, right = st.columns(2)
        if left.button("Back", shortcut="Left", disabled=previous is None,
                       use_container_width=True, key="tour_previous"):
            go_to(previous)
        if right.button("Next", shortcut="Right", disabled=following is None,
                        type="primary", use_container_width=True, key="tour_next"):
            go_to(following)
        st.button("End the tour", on_click=_end_tour, type="tertiary", key="tour_end")
