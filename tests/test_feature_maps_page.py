"""The feature-map page in AppTest, offline: untrained label, layer switching, URL fallbacks."""
from __future__ import annotations

import json

import pytest
import torch.nn as nn

from .conftest import assert_no_exception, run_page

PAGE = "pages/feature_maps.py"
TIMEOUT = 240


def _text(at) -> str:
    parts = [e.value for e in (*at.error, *at.warning, *at.markdown, *at.caption)]
    return "\n".join(str(p) for p in parts)


def _titles(at) -> list[str]:
    layouts = [json.loads(c.proto.spec)["layout"] for c in at.get("plotly_chart")]
    return [lay.get("title", {}).get("text", "") for lay in layouts]


@pytest.fixture(scope="module")
def at():
    return run_page(PAGE, timeout=TIMEOUT, query={"model": "ResNet18", "size": "128"})


def _specs(at) -> str:
    return "\n".join(c.proto.spec for c in at.get("plotly_chart"))


def test_offline_message_and_untrained_label(at):
    assert_no_exception(at)
    assert any("UNTRAINED" in e.value for e in at.error)
    assert "python -m explainer.prefetch" in _text(at)
    assert not at.button  # downloads are switched off: no button that cannot work
    titles = [t for t in _titles(at) if t]
    assert len(titles) == 2 and all("UNTRAINED" in t for t in titles), titles  # only the open tab is drawn
    for tab in ["Early vs deep", "First-layer filters", "Predictions"]:
        other = run_page(PAGE, timeout=TIMEOUT, query={"model": "ResNet18", "size": "128", "tab": tab})
        assert_no_exception(other)
        assert "UNTRAINED" in _specs(other), tab
        assert other.query_params["tab"] == tab  # the open tab is part of the link


def test_one_view_sends_at_most_150_kb_of_figures():
    """Issue 10: a class shares one Wi-Fi. VGG16 at 224 px: the largest maps (224×224, first block)."""
    at = run_page(PAGE, timeout=TIMEOUT, query={"model": "VGG16", "layer": "features.1", "k": "64"})
    assert_no_exception(at)
    sent = sum(len(c.proto.spec) + len(c.proto.config) for c in at.get("plotly_chart"))
    assert sent < 150_000, f"{sent / 1000:.0f} KB of figures"
    assert any("largest value of each 7×7 block" in c.value for c in at.caption)  # says what hovering shows


def test_the_grid_downloads_as_a_png(monkeypatch):
    """The PNG is made when the button is pressed (a deferred callable): call it as the server would."""
    import io

    from PIL import Image
    from streamlit.runtime.media_file_manager import MediaFileManager

    made = []
    original = MediaFileManager.add_deferred

    def keep(self, callable_, *args, **kwargs):
        made.append(callable_)
        return original(self, callable_, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    at = run_page(PAGE, timeout=TIMEOUT, query={"model": "ResNet18", "size": "128", "k": "8"})
    assert_no_exception(at)
    button = at.get("download_button")[0]
    assert button.proto.label == "Grid as PNG" and button.proto.deferred_file_id and button.proto.ignore_rerun
    assert made, "the download is built lazily, when pressed"
    png = Image.open(io.BytesIO(made[-1]()))
    assert png.format == "PNG" and 700 <= png.width <= 4000 and 150 <= png.height <= 3000, png.size


def test_switching_layer_redraws_and_goes_to_the_url(at):
    at.selectbox(key="layer").set_value("layer2.0.relu_1").run()
    assert_no_exception(at)
    assert at.query_params["layer"] == "layer2.0.relu_1"
    title = _titles(at)[0]
    assert title.startswith("layer2.0.relu_1") and "16×16" in title  # 128 px / stride 8
    at.radio(key="view").set_value("all").run()
    assert_no_exception(at)
    assert "maps 0–63 of 128" in _titles(at)[0]


def test_bad_layer_in_the_url_falls_back():
    at = run_page(PAGE, timeout=TIMEOUT, query={"model": "ResNet18", "size": "128", "layer": "nope.7",
                                                "channel": "99999"})
    assert_no_exception(at)
    assert at.selectbox(key="layer").value == "relu"
    assert "“nope.7” is not a layer of ResNet18" in _text(at)


def test_mnist_session_network_is_offered():
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(4 * 14 * 14, 10))
    at = run_page(PAGE, timeout=TIMEOUT, session={"mnist_models": {"tiny CNN": net}})
    assert "MNIST: tiny CNN" in at.selectbox(key="model").options
    at.selectbox(key="model").set_value("MNIST: tiny CNN").run()
    assert_no_exception(at)
    assert not at.error  # a session's own network is trained: no untrained banner
    assert "28 × 28" in at.selectbox(key="layer").format_func(at.selectbox(key="layer").value)
    assert net.training  # the MNIST page's network itself was not switched to eval


def test_a_fully_connected_mnist_net_says_it_has_no_feature_maps():
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10))
    at = run_page(PAGE, timeout=TIMEOUT, query={"model": "MNIST: mlp"}, session={"mnist_models": {"mlp": mlp}})
    assert_no_exception(at)
    assert any("no convolutional layer" in i.value for i in at.info)


def test_corrupt_cached_weights_get_a_message_and_a_redownload_offer(tmp_path):
    import streamlit as st
    import torch

    from explainer.features import models
    from explainer import weights

    old = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path))
    try:
        path = weights.cache_path(models.MODELS["ResNet18"].weights)
        path.parent.mkdir(parents=True)
        path.write_bytes(b"\x00" * 1000)  # a download cut short
        st.cache_resource.clear()  # the process-wide model cache may hold an earlier ResNet18
        at = run_page(PAGE, timeout=TIMEOUT, query={"model": "ResNet18", "size": "128"})
        assert_no_exception(at)
        assert any("damaged" in e.value and str(path) in e.value for e in at.error)
        assert [b.label for b in at.button] == ["Delete the damaged file and download it again"]
    finally:
        torch.hub.set_dir(old)
        st.cache_resource.clear()


def test_a_link_restores_layer_page_and_channel():
    at = run_page(PAGE, timeout=TIMEOUT, query={"model": "ResNet18", "size": "128", "layer": "layer2.0.relu_1",
                                                "view": "all", "page": "2", "channel": "70"})
    assert_no_exception(at)
    grid, enlarged = _titles(at)[:2]
    assert "maps 64–127 of 128" in grid and enlarged.startswith("layer2.0.relu_1, channel 70")
    assert at.query_params["page"] == "2" and at.query_params["channel"] == "70"
    at.selectbox(key="layer").set_value("layer3.0.relu_1").run()  # a new layer opens on the first map shown
    assert_no_exception(at)
    assert "maps 64–127 of 256" in _titles(at)[0] and at.number_input(key="channel").value == 64
    assert _titles(at)[1].startswith("layer3.0.relu_1, channel 64")
