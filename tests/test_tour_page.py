"""The tour in the app: the tour page lists every step; a step opens exactly its view.

AppTest keeps the sidebar of an app's first run only, so the sidebar panel is checked on the
first run here and walked with the arrow keys in the browser test.
"""
from streamlit.testing.v1 import AppTest

from explainer import tour
from tests.conftest import ROOT, assert_no_exception, run_page


def _first_run(query: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def test_tour_page_lists_every_step_and_starts_at_the_first():
    at = run_page("pages/tour.py", timeout=120)
    assert_no_exception(at)
    keys = [b.key for b in at.button]
    assert all(f"tour_open_{s.key}" in keys for s in tour.steps())
    at.button(key="tour_start").click().run()
    assert_no_exception(at)
    assert at.query_params["tour"] == "matrix" and at.query_params["preset"] == "identity"


def test_a_step_opens_exactly_its_view_whatever_the_student_changed():
    at = run_page("pages/tour.py", timeout=120)
    at.session_state["size"] = 9                    # a student's own setting on a page the tour visits
    at.session_state["url_bound_keys"] = {"size"}
    at.button(key="tour_open_box").click().run()
    assert_no_exception(at)
    box = tour.find_step("box").step
    assert at.query_params["tour"] == "box" and at.query_params["preset"] == box.params["preset"]
    assert at.session_state["size"] == int(box.params["size"])


def test_the_panel_shows_the_step_with_arrow_key_buttons():
    at = _first_run({"tour": "sharpen"})
    assert_no_exception(at)
    text = " ".join(m.value for m in at.sidebar.markdown)
    assert "step 5 of" in text and "Sharpen" in text
    assert at.sidebar.button(key="tour_next").proto.shortcut == "right"
    assert at.sidebar.button(key="tour_previous").proto.shortcut == "left"
    first = _first_run({"tour": "matrix"})
    assert first.sidebar.button(key="tour_previous").disabled


def test_a_bad_step_lands_softly():
    at = _first_run({"tour": "no-such-step"})
    assert_no_exception(at)
    assert any("no tour step" in i.value for i in at.sidebar.info)
    assert any("step 1 of" in m.value for m in at.sidebar.markdown)
