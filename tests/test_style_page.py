"""The style-transfer page in AppTest: honest about its weights, every control there, links restore it."""
from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from explainer.images import sample_images
from explainer.style import gram_view
from ui.style_gram import gram_png
from ui.style_live_view import progression_gif
from ui.style_painting import FILM_FRAMES
from ui.style_pictures import style_net

from tests.conftest import assert_no_exception, run_page

PAGE = "pages/style_transfer.py"


@pytest.fixture(autouse=True)
def no_extra_images(monkeypatch):
    monkeypatch.delenv("CONVSCOPE_IMAGE_DIR", raising=False)  # bundled samples only: same on every machine


def test_renders_with_untrained_warning_and_controls():
    at = run_page(PAGE, timeout=240)
    assert_no_exception(at)
    assert any("UNTRAINED" in w.value and "not meaningful" in w.value for w in at.warning)
    labels = {w.label for w in at.select_slider}
    assert {"Style weight β (log scale)", "Content weight α (log scale)", "Output size (long side, px)",
            "Iterations at full size", "Smoothness γ (total variation)"} <= labels
    assert {f"weight {n}" for n in ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1")} <= labels
    assert at.toggle(key="sty_keep").value is False
    assert at.radio(key="sty_init").value == "content" and at.radio(key="sty_opt").value == "lbfgs"
    assert at.selectbox(key="sty_clayer").value == "conv4_2"
    assert at.selectbox(key="sty_style").value == "gravel"  # no paintings folder: a bundled texture
    assert any(b.label == "Paint" for b in at.button)
    # before any run, the Gram section explains the style picture against the starting image
    assert any("Gram matrices" in h.value for h in at.header)
    assert any("C = 64" in m.value for m in at.markdown)
    # the footnote linking these means to the lecture's ½Σ sums and G = FFᵀ, with this layer's numbers
    footnote = next(c.value for c in at.caption if c.value.startswith("**Footnote"))
    assert "½ Σ (G − A)²" in footnote and "G = F Fᵀ" in footnote and "C·H·W = 64·" in footnote
    assert "β′ = 2β / (C²·(C·H·W)²)" in footnote and "`conv4_2` (512 maps of" in footnote


def test_settings_come_back_from_the_url():
    query = {"sty_sw": "1e+08", "sty_cw": "10", "sty_size": "128", "sty_keep": "1", "sty_init": "noise",
             "sty_layers": "conv1_1,conv3_1", "sty_opt": "adam", "sty_gram_layer": "conv3_1",
             "sty_style": "brick", "sty_iters": "7"}  # 7 is not a choice: default kept
    at = run_page(PAGE, timeout=240, query=query)
    assert_no_exception(at)
    assert at.select_slider(key="sty_sw").value == 1e8
    assert at.select_slider(key="sty_cw").value == 10
    assert at.select_slider(key="sty_size").value == 128
    assert at.select_slider(key="sty_iters").value == 75  # explainer.style's benchmarked schedule
    assert at.toggle(key="sty_keep").value is True
    assert at.radio(key="sty_init").value == "noise" and at.radio(key="sty_opt").value == "adam"
    assert at.selectbox(key="sty_style").value == "brick"
    assert at.selectbox(key="sty_gram_layer").value == "conv3_1"
    assert at.session_state["sty_layers"] == ["conv1_1", "conv3_1"]
    assert "levels 32 → 64 → 128 px" not in " ".join(c.value for c in at.caption)  # 32 is below the coarse minimum
    assert any("levels 64 → 128 px" in c.value for c in at.caption)


def test_paint_runs_a_job_and_shows_the_result():
    at = run_page(PAGE, timeout=240, query={"sty_size": "64", "sty_iters": "10"})
    assert any(b.label == "Paint" for b in at.button)
    _paint(at)
    assert any("done" in p.proto.text for p in at.get("progress"))
    assert any("Content loss" in m.value and "Style loss" in m.value for m in at.markdown)
    assert at.get("download_button"), "no PNG download for the finished picture"


def _paint(at):
    next(b for b in at.button if b.label in ("Paint", "Restart")).click().run()
    assert_no_exception(at)
    job = at.session_state["sty_job"]
    deadline = time.monotonic() + 180
    while not job.wait(0.5):
        job.touch()  # AppTest does not poll the fragment; keep the job from being taken as abandoned
        assert time.monotonic() < deadline, "style transfer did not finish"
    assert job.state == "done", job.error
    at.run()
    assert_no_exception(at)
    return job


def test_same_painting_is_shared_and_exports_a_gif_and_gram_png():
    """Issue 10: a second page asking for the identical painting gets the same run, not a new one.
    Issue 11: the forming picture as a GIF (thinned frames), the Gram matrices as a PNG."""
    query = {"sty_size": "64", "sty_iters": "20", "sty_levels": "2", "sty_tv": "1"}
    first = _paint(run_page(PAGE, timeout=240, query=query))
    second_page = run_page(PAGE, timeout=240, query=query)
    second = _paint(second_page)
    assert second.run_id == first.run_id and second.replayed
    painting = second.result
    assert 2 <= len(painting.frames) <= FILM_FRAMES + 1 and len(painting.captions) == len(painting.frames)
    assert painting.captions[-1].startswith("final")
    labels = [b.label for b in second_page.get("download_button")]
    assert any(label.startswith("Progression (GIF") for label in labels)
    gif = Image.open(io.BytesIO(progression_gif(second.run_id, painting)))
    assert gif.format == "GIF" and gif.n_frames >= 2 and max(gif.size) >= 64
    view = gram_view(style_net(), sample_images()["gravel"].load()[:128, :128], painting.result.image, "conv1_1",
                     channels=16)  # what the page's Gram section draws
    png = Image.open(io.BytesIO(gram_png(view)))
    assert png.format == "PNG" and png.width > 2 * 240 and png.height >= 240


def test_presentation_mode_puts_the_controls_behind_one_button():
    at = run_page(PAGE, timeout=240, query={"present": "1", "sty_size": "64", "sty_iters": "10"})
    assert_no_exception(at)
    assert not any("A frozen **VGG19** looks" in m.value for m in at.markdown)  # the lecturer says it
    assert any(b.label == "Paint" for b in at.button)
    job = _paint(at)
    assert job.state == "done" and any("done" in p.proto.text for p in at.get("progress"))
