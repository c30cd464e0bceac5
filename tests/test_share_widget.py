"""ui.share.share_view in a tiny app: it shows the link of the view and a QR code of it."""
from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest


def sidebar_app():
    import streamlit as st

    from ui.share import share_view

    st.session_state.setdefault("present", st.query_params.get("present") == "1")
    with st.sidebar:
        share_view("kernels")


def run(query: dict) -> AppTest:
    at = AppTest.from_function(sidebar_app, default_timeout=30)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(autouse=True)
def no_public_url(monkeypatch):
    monkeypatch.delenv("CONVSCOPE_PUBLIC_URL", raising=False)


def shown_url(at: AppTest) -> str:
    return at.sidebar.code[0].value


def test_link_carries_the_page_and_its_settings_but_not_presentation_mode():
    at = run({"preset": "sobel", "custom": "1 0 -1\n2 0 -2", "present": "1"})
    url = shown_url(at)
    parts = urlsplit(url)
    assert parts.path == "/kernels"
    assert parse_qs(parts.query) == {"preset": ["sobel"], "custom": ["1 0 -1\n2 0 -2"]}
    assert len(at.sidebar.get("image")) == 1  # the QR code
    assert at.sidebar.button(key="share_show_big").label.startswith("Show the QR code")  # presentation only


def test_normal_mode_has_no_full_screen_button(monkeypatch):
    monkeypatch.setenv("CONVSCOPE_PUBLIC_URL", "https://me-convscope.hf.space")
    at = run({"size": "5"})
    assert shown_url(at) == "https://me-convscope.hf.space/kernels?size=5"
    assert not [b for b in at.sidebar.button if b.key == "share_show_big"]
    assert len(at.sidebar.get("image")) == 0  # on a laptop the code is made only when asked for
    at.sidebar.toggle(key="share_qr").set_value(True).run()
    assert len(at.sidebar.get("image")) == 1


def test_a_link_too_long_for_a_qr_code_is_still_shown():
    at = run({"custom": "7" * 4000, "present": "1"})
    assert shown_url(at).endswith("7" * 100)
    assert "too long" in at.sidebar.caption[0].value
