"""ui.url_state: a link restores widgets; junk in the URL falls back to defaults."""
from streamlit.testing.v1 import AppTest

from ui.url_state import _parse, url_text


def test_parse_and_format_round_trip():
    for default, value in [(3, 7), (0.5, 1e-3), (True, False), ("a", "b"), ([1, 2], [3, 4]),
                           (["x"], ["y", "z"])]:
        assert _parse(url_text(value), default) == value


def page():
    import streamlit as st

    from ui.url_state import UrlState

    url = UrlState()
    st.slider("size", 1, 15, key=url.bind("size", 3, lo=1, hi=15))
    st.selectbox("mode", ["clip", "abs"], key=url.bind("mode", "clip", choices=["clip", "abs"]))
    st.number_input("sigma", key=url.bind("sigma", 1.0))
    url.write()


def test_url_seeds_widgets_and_changes_go_back_to_url():
    at = AppTest.from_function(page)
    at.query_params.update({"size": "9", "mode": "abs"})
    at.run()
    assert at.slider[0].value == 9 and at.selectbox[0].value == "abs"
    at.slider[0].set_value(5).run()
    assert at.query_params["size"] in ("5", ["5"])
    at.selectbox[0].set_value("clip").run()
    assert "mode" not in at.query_params  # back at the default: the link stays short


def test_junk_in_url_falls_back_to_defaults():
    at = AppTest.from_function(page)
    at.query_params.update({"size": "99", "mode": "<script>", "sigma": "nan"})
    at.run()
    assert not at.exception
    assert at.slider[0].value == 3 and at.selectbox[0].value == "clip" and at.number_input[0].value == 1.0
