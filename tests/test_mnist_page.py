"""The MNIST page in AppTest: real MNIST, the labelled stand-in, settings from the URL, training."""
from __future__ import annotations

import pytest

from explainer import config
from explainer.mnist.networks import CNN_NAME, MLP_NAME
from ui import keys

from .conftest import assert_no_exception, run_page, shared_data_or_skip

PAGE = "pages/mnist.py"


@pytest.fixture
def data_folder(monkeypatch):
    """Point CONVSCOPE_DATA somewhere for one test (put back afterwards)."""
    return lambda path: monkeypatch.setenv(config.DATA, str(path))


def _text(at) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "warning", "info", "success")
                     for e in getattr(at, kind))


def test_renders_with_real_mnist(data_folder):
    data_folder(shared_data_or_skip("MNIST", "raw").parent.parent)
    at = run_page(PAGE, timeout=180)
    assert_no_exception(at)
    text = _text(at)
    assert "Data: MNIST" in text and "60,000" in text
    assert not at.warning
    assert [m.value for m in at.metric if m.label == "Weights to learn"] == ["101,770", "61,706"]


def test_stand_in_banner_when_mnist_is_absent(data_folder, tmp_path):
    data_folder(tmp_path)  # an empty folder: no MNIST there
    at = run_page(PAGE, timeout=180)
    assert_no_exception(at)
    banner = " ".join(str(w.value) for w in at.warning)
    assert "MNIST is not available" in banner and "scikit-learn" in banner
    assert "python -m explainer.prefetch" in banner
    assert not list(tmp_path.iterdir())  # offline: nothing downloaded, nothing created
    assert not any(b.label.startswith("Download MNIST") for b in at.button)  # offline: no download offered
    # pooling on (the default): max-pooling keeps the CNN non-linear even without ReLU
    assert "does not collapse" in at.toggle(key="mn_relu").help


def test_settings_come_from_the_url(data_folder, tmp_path):
    data_folder(tmp_path)
    at = run_page(PAGE, timeout=180, query={"mn_hidden": "32", "mn_pool": "0", "mn_lr": "0.01", "mn_bs": "oops",
                                            "mn_n": "1234"})
    assert_no_exception(at)
    assert at.session_state["mn_n"] == 1_000  # the stand-in has 1,347 training digits; 1,234 is no option
    assert at.session_state["mn_hidden"] == 32 and at.session_state["mn_pool"] is False
    assert at.session_state["mn_lr"] == 0.01 and at.session_state["mn_bs"] == 64  # a bad value is ignored
    weights = [m.value for m in at.metric if m.label == "Weights to learn"]
    assert weights == [f"{784 * 32 + 32 + 330:,}", f"{61_706 - 400 * 120 + 9_216 * 120:,}"]
    assert "collapses the same way" in at.toggle(key="mn_relu").help  # no pooling, no ReLU: one linear map
    assert at.session_state["mn_epochs"] == 3  # the default run reaches the lecture's 99 % on MNIST


def test_a_short_run_finishes_and_shows_the_analysis(data_folder, tmp_path):
    data_folder(tmp_path)  # the stand-in set: a whole run takes a second or two
    at = run_page(PAGE, timeout=180, query={"mn_n": "500", "mn_epochs": "1"})
    at.button[0].click().run()  # "Train both networks"
    assert_no_exception(at)
    job = at.session_state[keys.MNIST_JOB]
    assert job.wait(120), "training did not finish"
    at.run()  # what the polling fragment would do: collect the events, then show the analysis
    at.run()
    assert_no_exception(at)
    assert any(p.proto.text.endswith("· done") and "Epoch 1/1" in p.proto.text for p in at.get("progress"))
    models = at.session_state[keys.MNIST_MODELS]
    assert set(models) == {MLP_NAME, CNN_NAME} and not any(m.training for m in models.values())
    assert any(h.value == "What did they learn?" for h in at.header)
    assert [t.label for t in at.tabs][:2] == ["Translation test", "Confusion matrices"]
    assert "Lecture:" in _text(at) and "This run" in _text(at)


def _train(at, timeout_s: float = 120):
    """Press Train; wait for the run (what the polling fragment does), then the page's reruns."""
    next(b for b in at.button if b.label.startswith("Train both")).click().run()
    assert_no_exception(at)
    job = at.session_state[keys.MNIST_JOB]
    assert job.wait(timeout_s), "training did not finish"
    at.run()
    at.run()
    assert_no_exception(at)
    return job


def test_two_students_with_the_same_settings_share_one_run(data_folder, tmp_path):
    """Issue 10: the second press with identical settings replays the finished run, nothing is retrained;
    each session gets the networks read-only, not the run's own objects."""
    data_folder(tmp_path)
    query = {"mn_n": "500", "mn_epochs": "1", "mn_seed": "7"}
    first = _train(run_page(PAGE, timeout=180, query=query))
    second_page = run_page(PAGE, timeout=180, query=query)
    second = _train(second_page)
    assert second.run_id == first.run_id and second.replayed
    assert any("had already finished" in c.value for c in second_page.caption)
    mine = second_page.session_state[keys.MNIST_MODELS]
    run = first.job.result  # what the shared job returned: its networks and the analysis, scored once
    assert all(mine[name] is not run.models[name] for name in mine)  # a frozen copy, not the run's networks
    assert set(run.predictions) == set(mine) and len(run.shift_curve[CNN_NAME]) == 13
    assert all(not p.requires_grad for m in mine.values() for p in m.parameters())
    other = _train(run_page(PAGE, timeout=180, query={**query, "mn_seed": "8"}))
    assert other.run_id != first.run_id and not other.replayed  # other settings: a run of their own


def test_curves_export_as_csv_and_png(data_folder, tmp_path):
    import io

    from PIL import Image

    from ui.mnist_tabs import curves_file

    data_folder(tmp_path)
    at = run_page(PAGE, timeout=180, query={"mn_n": "500", "mn_epochs": "2", "mn_seed": "3"})
    _train(at)
    assert any(t.label == "Downloads" for t in at.tabs)
    log, run_id = at.session_state[keys.MNIST_MODELS_LOG], at.session_state[keys.MNIST_MODELS_JOB]
    rows = curves_file(run_id, log.n_events, "csv", log).decode().splitlines()
    assert rows[0].startswith("kind,images_seen,epoch,network")
    assert sum(r.startswith("test,") and ",1.0000," in r for r in rows) == 2  # both networks scored after epoch 1
    assert len(rows) == 1 + len(log.progress) + len(log.tests)
    png = Image.open(io.BytesIO(curves_file(run_id, log.n_events, "png", log)))
    assert png.format == "PNG" and png.width >= 1000 and png.height >= 400


def test_presentation_mode_folds_the_controls_into_one_button(data_folder, tmp_path):
    data_folder(tmp_path)
    at = run_page(PAGE, timeout=180, query={"present": "1", "mn_n": "500", "mn_epochs": "1"})
    assert_no_exception(at)
    assert not any("The lecture's claim" in m.value for m in at.markdown)  # the lecturer says it
    assert any("weights**" in m.value and "61,706" in m.value for m in at.markdown)
    assert any("Not MNIST" in w.value for w in at.warning)  # the stand-in is still named plainly
    _train(at)
    assert any(h.value == "What did they learn?" for h in at.header)
