"""The augmentation and transfer pages in AppTest: settings from the URL, the preview, each experiment,
the stand-in banner, and photo uploads good and bad."""
from __future__ import annotations

import json
import os

import pytest

from .conftest import assert_no_exception, run_page, shared_data_or_skip

AUG, TRANSFER = "pages/augmentation.py", "pages/transfer.py"


@pytest.fixture
def stand_in(tmp_path):
    """Point CONVSCOPE_DATA at an empty folder (no MNIST there) for one test, then put it back."""
    before = os.environ.get("CONVSCOPE_DATA")
    os.environ["CONVSCOPE_DATA"] = str(tmp_path)
    yield tmp_path
    if before is None:
        os.environ.pop("CONVSCOPE_DATA", None)
    else:
        os.environ["CONVSCOPE_DATA"] = before


def _text(at) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "warning", "info", "success", "error")
                     for e in getattr(at, kind))


def _finish(at, panel_key: str):
    job = at.session_state[panel_key]
    for _ in range(60):          # a watching page touches its job; a silent one would be stopped as abandoned
        job.touch()
        if job.wait(5):
            break
    assert job.state == "done", (job.state, job.error)
    at.run()   # the poll sees the end, keeps the result and reruns
    at.run()
    assert_no_exception(at)
    return job


def test_preview_follows_the_url_and_flags_flip(stand_in):
    at = run_page(AUG, query={"au_flip": "1", "au_rotate_deg": "20", "au_shift_px": "oops"})
    assert_no_exception(at)
    assert at.session_state["au_flip"] is True and at.session_state["au_rotate_deg"] == 20.0
    assert at.session_state["au_shift_px"] == 3.0  # a bad value falls back to the default
    assert any("changes the label" in str(w.value) for w in at.warning)
    assert "MNIST is not available" in _text(at) and "scikit-learn" in _text(at)
    at.toggle(key="au_flip").set_value(False).run()
    assert not any("changes the label" in str(w.value) for w in at.warning)


def test_side_by_side_run_shows_both_accuracies(stand_in):
    at = run_page(AUG, query={"au_n_train": "100", "au_steps": "100"})
    next(b for b in at.button if b.label == "Train both").click().run()
    _finish(at, "aug_job")
    labels = [m.label for m in at.metric]
    assert "Test accuracy, no augmentation" in labels and "Shifted & rotated, with augmentation" in labels
    assert "on the moved test digits" in _text(at)


def test_renders_with_real_mnist(stand_in):
    os.environ["CONVSCOPE_DATA"] = str(shared_data_or_skip("MNIST", "raw").parent.parent)  # put back after
    at = run_page(AUG)
    assert_no_exception(at)
    assert "Data: MNIST" in _text(at)


def test_transfer_digits_run_shows_curve_layers_and_code(stand_in):
    at = run_page(TRANSFER, query={"tr_steps": "50"})
    assert_no_exception(at)
    assert any("UNTRAINED" in str(e.value) for e in at.error)  # no ImageNet weights here: said plainly
    next(b for b in at.button if b.label == "Run the transfer experiment").click().run()
    _finish(at, "tr_grid_job")
    assert "requires_grad_(False)" in at.code[0].value and "nn.Linear" in at.code[0].value
    assert "test digits 5–9" in _text(at) and "stand-in" in _text(at)


def test_photo_transfer_on_bundled_textures(stand_in):
    at = run_page(TRANSFER, query={"tr_per_class": "3"})
    next(b for b in at.button if b.label == "Train the new head").click().run()
    _finish(at, "tr_photo_job")
    assert [m.label for m in at.metric] == ["Leave-one-out accuracy"]
    assert at.selectbox(key="tr_new_tile").options  # a new photo is classified with probabilities
    assert_no_exception(at)


def test_upload_problems_get_clear_messages(stand_in):
    at = run_page(TRANSFER, query={"tr_source": "upload"})
    assert_no_exception(at)
    assert any("no photos yet" in str(w.value) for w in at.warning)


def test_augmentation_presentation_puts_the_batch_under_the_title(stand_in):
    at = run_page(AUG, session={"present": True})
    assert_no_exception(at)
    assert "Augmentation settings" in at.get("popover")[0].proto.popover.label
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["font"]["size"] >= 20 and spec["layout"]["height"] <= 360
    assert len(spec["layout"]["xaxis"]["ticktext"]) == 8          # fewer, bigger digits when projected
    assert "With little data, **augment** it" not in _text(at)    # the intro is the lecturer's to say
    at.slider(key="au_rotate_deg").set_value(30.0).run()          # the popover's controls still work
    assert_no_exception(at)
    assert "rotate ±30°" in _text(at)


def test_transfer_presentation_puts_the_chart_under_the_title(stand_in):
    at = run_page(TRANSFER, query={"tr_steps": "50"}, session={"present": True})
    assert_no_exception(at)
    assert "Training steps" in at.get("popover")[0].proto.popover.label
    assert "Take a network trained on a large" not in _text(at)
    assert [h.value for h in at.header] == ["On your own photos: the lecture's recipe"]  # digits header folded away


def _press(at, label: str) -> None:
    next(b for b in at.button if b.label == label).click().run()
    assert_no_exception(at)


def test_two_sessions_with_the_same_settings_share_one_comparison_run(stand_in):
    """Issue 10: the second student's press replays the first one's run; other settings start a fresh run."""
    query = {"au_n_train": "100", "au_steps": "100"}
    first = run_page(AUG, query=query)
    _press(first, "Train both")
    run = _finish(first, "aug_job")
    second = run_page(AUG, query=query)
    assert "Test accuracy, no augmentation" not in [m.label for m in second.metric]   # nothing shown unasked
    _press(second, "Train both")
    replay = second.session_state["aug_job"]
    assert replay.replayed and replay.run_id == run.run_id and replay.result is run.result
    assert "Test accuracy, no augmentation" in [m.label for m in second.metric]
    assert "had already finished on this server" in _text(second)
    second.select_slider(key="au_steps").set_value(200).run()
    assert "Test accuracy, no augmentation" not in [m.label for m in second.metric]   # not these settings' result
    _press(second, "Train both")
    fresh = second.session_state["aug_job"]
    assert fresh.run_id != run.run_id and not fresh.replayed
    fresh.cancel()   # the only watcher: the run stops


def test_two_sessions_with_the_same_settings_share_one_transfer_run(stand_in):
    first = run_page(TRANSFER, query={"tr_steps": "50"})
    _press(first, "Run the transfer experiment")
    run = _finish(first, "tr_grid_job")
    second = run_page(TRANSFER, query={"tr_steps": "50"})
    _press(second, "Run the transfer experiment")
    replay = second.session_state["tr_grid_job"]
    assert replay.replayed and replay.run_id == run.run_id and replay.result is run.result
    assert "test digits 5–9" in _text(second) and "had already finished on this server" in _text(second)
