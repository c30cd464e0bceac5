"""The kernel playground page under AppTest: renders, reacts, survives bad input."""
from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from tests.conftest import assert_no_exception, run_page
from tests.test_images_bad_files import EXPECTED, make_bad_files

PAGE = "pages/kernels.py"


def _result_url(at) -> str:
    """The media URL of the filtered picture; it is a hash of the pixels, so it changes with them."""
    return next(i.proto.imgs[0].url for i in at.image if i.proto.imgs[0].caption.startswith("Result"))


def _markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


@pytest.fixture(scope="module")
def at():
    app = run_page(PAGE, timeout=120)
    assert_no_exception(app)
    return app


def test_page_renders_everything(at):
    assert at.title[0].value == "Kernel playground"
    assert at.selectbox(key="preset").value == "gaussian"
    captions = [i.proto.imgs[0].caption for i in at.image]
    assert any(c.startswith("Original") for c in captions) and any(c.startswith("Result") for c in captions)
    text = _markdown(at)
    assert "Padding: **zeros**" in text and "Shown clipped" in text      # mapping + padding stated
    assert "An image is a matrix" in [h.value for h in at.header]
    assert "Output[0, 0] =" in text
    assert len(at.get("plotly_chart")) >= 3                            # kernel, patch, output map


def test_slider_and_preset_change_the_output(at):
    before = _result_url(at)
    at.slider(key="sigma").set_value(4.0).run()
    assert_no_exception(at)
    after_sigma = _result_url(at)
    assert after_sigma != before
    at.selectbox(key="preset").set_value("sobel_x").run()
    assert_no_exception(at)
    assert _result_url(at) not in (before, after_sigma)
    assert "absolute value" in _markdown(at)                            # sobel's default display
    assert at.query_params["preset"] in ("sobel_x", ["sobel_x"])         # the URL follows


@pytest.mark.parametrize("preset", ["identity", "shift", "box", "detail", "sharpen", "sharpen5", "sobel_mag",
                                    "laplacian", "outline", "emboss", "robinson", "compass_map", "random"])
def test_every_preset_runs(at, preset):
    at.selectbox(key="preset").set_value(preset).run()
    assert_no_exception(at)
    assert not at.error, [e.value for e in at.error]


def test_colour_padding_and_display_modes(at):
    at.selectbox(key="preset").set_value("box").run()
    at.radio(key="colour").set_value("conv-layer").run()
    at.radio(key="pad").set_value("none").run()
    at.radio(key="display").set_value("rescale").run()
    assert_no_exception(at)
    text = _markdown(at)
    assert "512×512×3 → 506×506×1" in text                            # 7×7 kernel, no padding, 3 -> 1 map
    assert "Shown rescaled" in text and "Padding: **none**" in text
    before = _result_url(at)
    for i, w in enumerate((1.0, 0.0, -1.0)):                         # red minus blue
        at.slider(key=f"rgbw_{i}").set_value(w).run()
    assert_no_exception(at)
    assert _result_url(at) != before and at.session_state["rgbw"] == (1.0, 0.0, -1.0)
    for key, value in (("colour", "per-channel"), ("pad", "zeros"), ("display", "auto")):
        at.radio(key=key).set_value(value).run()


def test_shift_preset_says_its_one_sits_opposite_to_the_move(at):
    at.selectbox(key="preset").set_value("shift").run()
    assert_no_exception(at)
    captions = "\n".join(c.value for c in at.caption)
    assert "1 **left of the centre**" in captions and "lecture" in captions      # default: shift right
    at.radio(key="shift").set_value("up").run()
    assert "1 **below the centre**" in "\n".join(c.value for c in at.caption)
    at.radio(key="shift").set_value("right").run()
    at.selectbox(key="preset").set_value("gaussian").run()
    assert "left of the centre" not in "\n".join(c.value for c in at.caption)


def test_settings_survive_a_detour_through_another_preset(at):
    at.selectbox(key="preset").set_value("sharpen").run()
    at.slider(key="amount").set_value(3.5).run()
    at.selectbox(key="preset").set_value("box").run()                  # no amount slider on this one
    assert at.query_params["amount"] in ("3.5", ["3.5"])               # still in the link
    at.selectbox(key="preset").set_value("sharpen").run()
    assert_no_exception(at)
    assert at.slider(key="amount").value == 3.5
    at.slider(key="amount").set_value(1.0).run()
    assert "amount" not in at.query_params                             # back to the default: out of the link


def test_random_button_changes_the_kernel(at):
    at.selectbox(key="preset").set_value("random").run()
    seed, before = at.session_state["seed"], _result_url(at)
    next(b for b in at.button if "random" in b.label).click().run()
    assert_no_exception(at)
    assert at.session_state["seed"] == seed + 1 and _result_url(at) != before


def test_bad_custom_kernel_gives_a_message_not_an_exception(at):
    at.selectbox(key="preset").set_value("custom").run()
    for text, message in (("1 2 3\n4 nan 6\n7 8 9", "NaN"), ("1 2\n3 4", "odd"), ("1 2 3\n4 5\n6 7 8", "same number"),
                          ("", "empty"), ("a b c", "not a number")):
        at.text_area(key="custom").set_value(text).run()
        assert_no_exception(at)
        assert any(message in e.value for e in at.error), (text, [e.value for e in at.error])
        assert "Output[0, 0] =" in _markdown(at)                        # the rest still works
    at.text_area(key="custom").set_value("0 0 0\n0 0 1\n0 0 0").run()
    assert not at.error


def test_canny_shows_every_stage(at):
    at.selectbox(key="preset").set_value("canny").run()
    assert_no_exception(at)
    captions = [i.proto.imgs[0].caption for i in at.image]
    for stage in ("Gaussian blur", "Sobel gradient", "non-maximum suppression", "double threshold", "hysteresis"):
        assert any(stage in c for c in captions), stage
    at.slider(key="canny_sigma").set_value(3.0).run()
    captions = [i.proto.imgs[0].caption for i in at.image]
    assert any("σ = 3" in c for c in captions)
    edges = next(c for c in captions if "hysteresis" in c)
    at.slider(key="canny_thr").set_value((0.3, 0.6)).run()
    assert_no_exception(at)
    fewer = next(i.proto.imgs[0].caption for i in at.image if "hysteresis" in i.proto.imgs[0].caption)
    assert int(fewer.split(": ")[1].split()[0]) < int(edges.split(": ")[1].split()[0])


@pytest.mark.parametrize("demo,expected", [("edge5", "= 6"), ("sharpen114", "= 114"), ("curve6600", "= 6600")])
def test_lecture_examples_on_the_page(at, demo, expected):
    at.selectbox(key="demo").set_value(demo).run()
    assert_no_exception(at)
    line = next(m.value for m in at.markdown if m.value.startswith("#### Output[0, 0]"))
    assert line.endswith(expected)
    assert "the lecture's number" in _markdown(at)
    at.selectbox(key="demo").set_value("photo").run()


def test_url_restores_settings():
    at = run_page(PAGE, query={"preset": "sharpen", "amount": "2.5", "pad": "reflect", "size": "4"})
    assert_no_exception(at)
    assert at.selectbox(key="preset").value == "sharpen"
    assert at.slider(key="amount").value == 2.5
    assert at.radio(key="pad").value == "reflect"
    assert at.select_slider(key="size").value == 7                    # 4 is not odd: the default is kept


def test_presentation_mode_uses_big_type():
    at = run_page(PAGE, session={"present": True})
    assert_no_exception(at)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["font"]["size"] >= 20


def test_broken_uploads_get_a_message_and_the_page_keeps_working(tmp_path):
    files = make_bad_files(tmp_path)
    at = run_page(PAGE)
    at.radio(key="img_src").set_value("Upload").run()
    for name, outcome in EXPECTED.items():
        mime = "image/gif" if name.endswith(".gif") else "image/jpeg" if name.endswith(".jpg") else "image/png"
        at.file_uploader[0].set_value((name, files[name].read_bytes(), mime)).run()
        assert_no_exception(at)
        errors = [e.value for e in at.error]
        if outcome == "error":
            assert any(name in e and "Could not use" in e for e in errors), (name, errors)
        else:
            assert not errors, (name, errors)
            assert any(f"“{name}”" in i.proto.imgs[0].caption for i in at.image)
        assert any(i.proto.imgs[0].caption.startswith("Result") for i in at.image), name
        assert "Output[0, 0] =" in _markdown(at), name


def test_tiny_upload_with_big_kernels_keeps_working():
    import io

    import numpy as np
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)).save(buf, format="PNG")
    at = run_page(PAGE, query={"preset": "box", "size": "15"})
    at.radio(key="img_src").set_value("Upload").run()
    at.file_uploader[0].set_value(("tiny.png", buf.getvalue(), "image/png")).run()
    assert_no_exception(at)
    for pad in ("zeros", "reflect", "replicate", "none"):
        at.radio(key="pad").set_value(pad).run()
        assert_no_exception(at)
    assert any("larger than the image" in e.value or "does not fit" in e.value for e in at.error)
    for preset in ("canny", "compass_map", "sobel_mag"):
        at.selectbox(key="preset").set_value(preset).run()
        assert_no_exception(at)


# ---------------------------------------------------------------- exports and presentation

@pytest.fixture
def downloads(monkeypatch):
    """File name -> the data callable of every deferred ``st.download_button`` drawn (pages make the
    bytes only when pressed; AppTest's media manager is gone after a run, so keep the callables)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    made = {}
    real = MediaFileManager.add_deferred

    def keep(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        made[file_name] = data_callable
        return real(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    return made


def _png(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def test_the_image_pair_downloads_as_a_png_made_only_when_pressed(downloads):
    at = run_page(PAGE, query={"preset": "sobel_x"})
    assert_no_exception(at)
    button = next(b for b in at.get("download_button") if "PNG" in b.proto.label)
    assert button.proto.deferred_file_id and not button.proto.url      # nothing encoded until pressed
    pair = _png(downloads["kernel-sobel_x.png"]())
    assert pair.format == "PNG" and pair.mode == "RGB"
    # two 512×512 pictures side by side (each at least 360 px), a gap, captions and a title below/above
    assert pair.width >= 2 * 512 and 512 < pair.height < 2 * 512
    left, right = np.asarray(pair)[:, : pair.width // 2], np.asarray(pair)[:, pair.width // 2:]
    assert left.std() > 20 and right.std() > 20 and not np.array_equal(left, right)


def test_canny_pair_downloads_the_edges(downloads):
    at = run_page(PAGE, query={"preset": "canny"})
    assert_no_exception(at)
    pair = np.asarray(_png(downloads["kernel-canny.png"]()))
    right = pair[:, pair.shape[1] // 2 + 20:]
    assert set(np.unique(right[100:400])) >= {0, 255}                   # black and white edge pixels


def test_presentation_puts_the_pair_and_kernel_under_the_title_and_controls_in_a_popover():
    at = run_page(PAGE, session={"present": True})
    assert_no_exception(at)
    assert not any("multiply the pixels" in m.value for m in at.markdown)   # the intro is folded away
    assert at.get("popover") and "Image & settings" in at.get("popover")[0].proto.popover.label
    captions = [i.proto.imgs[0].caption for i in at.image]
    assert captions[:2] == ["Original", "Result — Gaussian blur"]          # short captions, the pair first
    kernel = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert kernel["layout"]["title"]["text"].startswith("Kernel") and kernel["layout"]["font"]["size"] >= 20
    assert kernel["data"][0]["texttemplate"] == ""                       # 7×7 weights would be < 16 px: colours
    assert at.slider(key="sigma").value == 2.0                            # the controls still work
    at.slider(key="sigma").set_value(3.0).run()
    assert_no_exception(at)
    assert at.query_params["sigma"] in ("3", ["3"])


def test_matrix_view_controls_keep_the_rest_of_the_page():
    at = run_page(PAGE)
    before = _result_url(at)
    at.slider(key="orow").set_value(2).run()
    at.slider(key="py").set_value(100).run()
    assert_no_exception(at)
    assert "Output[2, 0] =" in _markdown(at) and _result_url(at) == before
    assert at.query_params["orow"] in ("2", ["2"]) and at.query_params["py"] in ("100", ["100"])
