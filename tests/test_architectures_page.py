"""AppTest of the Architectures page: every section draws, settings follow the URL, the experiment runs."""
from __future__ import annotations

import time

from tests.conftest import assert_no_exception, run_page

PAGE = "pages/architectures.py"


def _text(at) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)


def test_page_draws_every_section_with_its_numbers():
    at = run_page(PAGE)
    assert_no_exception(at)
    assert at.title[0].value.startswith("Architectures")
    text = _text(at)
    assert "76.1 %" in text and "80.9 %" in text          # ResNet-50 V1 vs V2: the recipe
    assert "25,557,032" in text                            # default network's parameters (sum of numel)
    assert "18C²" in text and "25C²" in text               # two stacked 3×3 vs one 5×5
    assert "1/C_out + 1/k²" in text
    frames = [df.value for df in at.dataframe]
    vgg_counts = next(f for f in frames if "paper" in f.columns)
    assert list(vgg_counts["millions (computed)"]) == [133, 133, 134, 138, 144]
    lecture = next(f for f in frames if "lecture top-1" in f.columns)
    assert lecture.set_index("network").loc["Xception", "in torchvision"] == "no"


def test_model_from_the_url_and_its_feature_map_link():
    at = run_page(PAGE, query={"ar_model": "vgg16"})
    assert_no_exception(at)
    assert "138,357,544" in _text(at)
    at.selectbox(key="ar_model").set_value("mobilenet_v2").run()
    assert_no_exception(at)
    assert "3,504,872" in _text(at)
    assert at.query_params["ar_model"] == "mobilenet_v2"


def test_bad_url_values_fall_back_to_defaults():
    at = run_page(PAGE, query={"ar_model": "not_a_net", "ar_depth": "999", "ar_dw_k": "4"})
    assert_no_exception(at)
    assert at.selectbox(key="ar_model").value == "resnet50"
    assert at.slider(key="ar_depth").value == 20


def test_calculators_follow_their_inputs():
    at = run_page(PAGE)
    at.slider(key="ar_stack_depth").set_value(3).run()
    assert "27C²" in _text(at) and "49C²" in _text(at)
    at.number_input(key="ar_dw_c_out").set_value(256).run()
    assert "1/256 + 1/9" in _text(at)
    assert_no_exception(at)


def test_shortcut_experiment_runs_through_the_job_panel():
    at = run_page(PAGE, query={"ar_depth": "6"})
    at.button(key="arch_shortcut_job_start").click().run()
    job = at.session_state["arch_shortcut_job"]
    deadline = time.monotonic() + 600
    while not job.wait(1.0):  # the page would poll (touch) it twice a second; stand in for it
        job.touch()
        assert time.monotonic() < deadline, "the experiment did not finish"
    assert job.state == "done", job.error
    at.run()
    assert_no_exception(at)
    assert "First layer: ‖∂loss/∂W‖" in _text(at)
