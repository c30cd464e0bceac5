"""ui.image_picker: samples chosen from the URL, shrunk to the working size."""
from streamlit.testing.v1 import AppTest


def page():
    import streamlit as st

    from ui.image_picker import image_picker
    from ui.url_state import UrlState

    url = UrlState()
    picked = image_picker("img", url, max_side=128)
    st.write(f"{picked.key} {picked.rgb.shape}")
    url.write()


def test_sample_from_url_at_working_size():
    at = AppTest.from_function(page, default_timeout=30)
    at.query_params["img"] = "coffee"
    at.run()
    assert not at.exception
    assert at.markdown[-1].value == "sample:coffee (85, 128, 3)"  # 400x600 shrunk to 128 wide


def test_changing_sample_updates_url():
    at = AppTest.from_function(page, default_timeout=30)
    at.run()
    assert "sample:astronaut" in at.markdown[-1].value
    at.selectbox[0].set_value("camera").run()
    assert at.query_params["img"] in ("camera", ["camera"])
    assert at.markdown[-1].value == "sample:camera (128, 128, 3)"  # greyscale became RGB


def test_unknown_sample_in_url_falls_back():
    at = AppTest.from_function(page, default_timeout=30)
    at.query_params["img"] = "../../etc/passwd"
    at.run()
    assert not at.exception and "sample:astronaut" in at.markdown[-1].value
