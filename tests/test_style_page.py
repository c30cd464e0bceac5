"""The style-transfer page in AppTest: honest about its weights, every control there, links restore it."""
from __future__ import annotations

import time

import pytest

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
    assert at.select_slider(key="sty_iters").value == 90
    assert at.toggle(key="sty_keep").value is True
    assert at.radio(key="sty_init").value == "noise" and at.radio(key="sty_opt").value == "adam"
    assert at.selectbox(key="sty_style").value == "brick"
    assert at.selectbox(key="sty_gram_layer").value == "conv3_1"
    assert at.session_state["sty_layers"] == ["conv1_1", "conv3_1"]
    assert "levels 32 → 64 → 128 px" not in " ".join(c.value for c in at.caption)  # 32 is below the coarse minimum
    assert any("levels 64 → 128 px" in c.value for c in at.caption)


def test_paint_runs_a_job_and_shows_the_result():
    at = run_page(PAGE, timeout=240, query={"sty_size": "64", "sty_iters": "10"})
    next(b for b in at.button if b.label == "Paint").click().run()
    assert_no_exception(at)
    job = at.session_state["sty_job"]
    deadline = time.monotonic() + 180
    while not job.wait(0.5):
        job.touch()  # AppTest does not poll the fragment; keep the job from being taken as abandoned
        assert time.monotonic() < deadline, "style transfer did not finish"
    assert job.state == "done", job.error
    at.run()
    assert_no_exception(at)
    assert any("done" in p.proto.text for p in at.get("progress"))
    assert any("Content loss" in m.value and "Style loss" in m.value for m in at.markdown)
    assert at.get("download_button"), "no PNG download for the finished picture"
