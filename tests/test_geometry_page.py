"""The geometry page in AppTest: renders, loads the lecture's examples, explains bad settings, restores URLs."""
from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from explainer.geometry.examples import EXAMPLES

from .conftest import assert_no_exception, run_page
from .test_kernels_page import downloads  # noqa: F401  (fixture: the callables behind download buttons)

PAGE = "pages/geometry.py"


def _texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


@pytest.fixture(scope="module")
def at():
    return run_page(PAGE, timeout=60)


def test_default_view_is_the_lectures_first_example(at):
    assert_no_exception(at)
    assert _texts(at.main.code) == "nn.Conv2d(1, 1, kernel_size=3)"
    assert "torch agrees: (1, 1, 3, 3)" in _texts(at.success)
    assert "6" in _texts(at.info)  # the example note names the top-left output
    assert at.get("plotly_chart"), "no figure drawn"


@pytest.mark.parametrize("ex", EXAMPLES, ids=lambda e: e.key)
def test_each_lecture_example_loads_with_its_size(at, ex):
    at.selectbox(key="geo_pick").set_value(ex.key).run()
    assert_no_exception(at)
    assert at.session_state["geo_h"] == ex.setting.size[0]
    ho, wo = ex.expect
    assert f"torch agrees: (1, 1, {ho}, {wo})" in _texts(at.success)
    assert not at.error


def test_view_examples_rgb_lenet_and_receptive_field(at):
    at.selectbox(key="geo_pick").set_value("rgb").run()
    assert_no_exception(at)
    assert "torch agrees: (1, 1, 8, 8)" in _texts(at.success)
    assert "= **76**" in _texts(at.markdown)  # 1 × (5·5·3 + 1)
    at.selectbox(key="geo_pick").set_value("walk").run()
    assert_no_exception(at)
    walk = "**32×32×3** → **28×28×6** → **14×14×6** → **10×10×16** → **5×5×16**"
    assert walk in _texts(at.markdown)
    at.selectbox(key="geo_pick").set_value("rf").run()
    assert_no_exception(at)
    assert "**3 → 5**" in _texts(at.markdown)
    at.radio(key="geo_view").set_value("window").run()  # the sliding-window settings survived the detour
    assert at.session_state["geo_h"] == 12 and at.get("plotly_chart")


@pytest.mark.parametrize("changes,word", [
    ({"geo_s": 0}, "stride of 0"),
    ({"geo_h": 3, "geo_kh": 7}, "does not fit"),
    ({"geo_d": 4, "geo_h": 5}, "dilation"),
])
def test_bad_settings_show_a_message_not_an_exception(changes, word):
    at = run_page(PAGE, timeout=60)
    for key, value in changes.items():
        at.number_input(key=key).set_value(value)
    at.run()
    assert_no_exception(at)
    assert word in _texts(at.error), _texts(at.error)
    assert "Not a valid layer" in _texts(at.warning)


@pytest.mark.filterwarnings("ignore:Using padding=.same.")  # torch: even kernel, a padded copy
def test_same_padding_with_stride_and_uneven_same_are_explained():
    at = run_page(PAGE, timeout=60, query={"geo_pad": "same", "geo_s": "2"})
    assert_no_exception(at)
    assert "stride 1" in _texts(at.error)
    at = run_page(PAGE, timeout=60, query={"geo_pad": "same", "geo_kh": "4", "geo_kw": "4"})
    assert_no_exception(at)
    assert "cannot be symmetric" in _texts(at.info) and "torch agrees: (1, 1, 5, 5)" in _texts(at.success)


def test_url_restores_a_pooling_view_in_presentation_mode():
    at = run_page(PAGE, timeout=60, query={"present": "1", "geo_op": "maxpool", "geo_h": "8", "geo_w": "6",
                                           "geo_kh": "2", "geo_kw": "2", "geo_s": "2", "geo_pos": "5"})
    assert_no_exception(at)
    assert _texts(at.main.code) == "nn.MaxPool2d(kernel_size=2, stride=2)"
    assert "torch agrees: (1, 1, 4, 3)" in _texts(at.success)
    assert at.slider(key="geo_pos").value == 5


def test_transposed_and_pyramid_views_render():
    at = run_page(PAGE, timeout=90, query={"geo_op": "transposed", "geo_s": "2", "geo_h": "3", "geo_w": "3"})
    assert_no_exception(at)
    assert _texts(at.main.code) == "nn.ConvTranspose2d(1, 1, kernel_size=3, stride=2)"
    assert "torch agrees: (1, 1, 7, 7)" in _texts(at.success)
    at.radio(key="geo_view").set_value("pyramid").run()
    assert_no_exception(at)
    assert "max_pool2d" in _texts(at.caption)


def _frames(data: bytes) -> tuple[str, int, tuple[int, int]]:
    img = Image.open(io.BytesIO(data))
    return img.format, img.n_frames, img.size


def test_the_animation_downloads_as_a_gif_with_one_frame_per_step(downloads):  # noqa: F811
    at = run_page(PAGE, timeout=60, query={"geo_pad": "same", "geo_s": "1"})
    assert_no_exception(at)
    button = next(b for b in at.get("download_button") if "GIF" in b.proto.label)
    assert button.proto.deferred_file_id                                # drawn only when pressed
    fmt, frames, (w, h) = _frames(downloads["conv-5x5-k3x3-s1-same.gif"]())
    assert fmt == "GIF" and frames == 5 * 5 + 1 and w >= 720 and h > 200   # the empty output, then 25 steps
    at.number_input(key="geo_s").set_value(2).run()                    # a 5×5 'valid' input, stride 2 → 2×2
    at.radio(key="geo_pad").set_value("valid").run()
    assert _frames(downloads["conv-5x5-k3x3-s2-valid.gif"]())[1] == 2 * 2 + 1


def test_settings_with_no_gif_say_why():
    at = run_page(PAGE, timeout=60, query={"geo_h": "32", "geo_w": "32", "geo_kh": "1", "geo_kw": "1"})
    assert_no_exception(at)
    assert not [b for b in at.get("download_button") if "GIF" in b.proto.label]
    assert "No GIF of this one" in _texts(at.caption) and "1024 steps" in _texts(at.caption)


def test_presentation_puts_the_figure_under_the_title_and_controls_in_a_popover():
    at = run_page(PAGE, timeout=60, session={"present": True})
    assert_no_exception(at)
    assert "View & layer settings" in at.get("popover")[0].proto.popover.label
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["height"] <= 570 and spec["layout"]["font"]["size"] >= 20
    at.number_input(key="geo_h").set_value(7).run()                    # the controls in the popover still work
    assert_no_exception(at)
    assert "torch agrees: (1, 1, 5, 3)" in _texts(at.success)
