"""Lecture tour: the lecture's order, one step per view, each a deep link into a page."""
import streamlit as st

from ui import run_inside_app
from explainer import tour
from ui.menu import PAGES
from ui.sidebar import intro
from ui.tour import available_pages, go_to

run_inside_app()  # a cold deep link runs this file on its own: run it through app.py

st.title("Lecture tour")
intro("The lecture in its own order, about twenty steps. Each step opens a page in exactly the state "
      "that shows one idea, with the talking point beside it in the sidebar. Move with **Next** and "
      "**Previous** or the **→ ← arrow keys**; the step is in the address bar, so a link to a step "
      "opens it for a student too.")

steps = tour.steps()
if st.button("Start the tour", icon=":material/play_arrow:", type="primary", key="tour_start"):
    go_to(steps[0])

pages = available_pages()
titles = {path: title for _file, title, _icon, path in PAGES}
for step in steps:
    page, params, note = tour.view_of(step, pages)
    with st.container(border=True):
        number, text, action = st.columns([0.6, 8, 1.6], vertical_alignment="center")
        number.markdown(f"### {step.number}")
        text.markdown(f"**{step.title}** · _{titles.get(page, 'Start here')}_  \n{step.talking_point}")
        if note:
            text.caption(note)
        if action.button("Open", key=f"tour_open_{step.key}", icon=":material/arrow_forward:",
                         use_container_width=True):
            go_to(step)
