"""The model table: offline and corrupt-cache paths, preprocessing from the weights, user weights."""
from __future__ import annotations

import io
import os

import numpy as np
import pytest
import torch

from explainer import config, features, weights


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """An empty torch hub cache of our own, so nothing outside the test is read or written."""
    old = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path / "hub"))
    monkeypatch.setenv(config.OFFLINE, "1")
    yield tmp_path / "hub"
    torch.hub.set_dir(old)


def test_table_lists_the_four_networks_with_their_weights():
    assert list(features.MODELS) == ["VGG16", "VGG19", "ResNet18", "ResNet50"]
    for spec in features.MODELS.values():
        assert spec.weights.name == "IMAGENET1K_V1"
        assert len(spec.weights.meta["categories"]) == 1000  # known offline, from the enum


def test_offline_gives_an_untrained_network_that_says_so(hub):
    loaded = features.load_model("ResNet18")
    assert not loaded.pretrained
    assert loaded.status.label == "UNTRAINED (random weights)"
    assert "switched off" in loaded.status.message and "not meaningful" in loaded.status.message
    assert loaded.status.corrupt_path is None
    assert not loaded.model.training
    assert not any(p.requires_grad for p in loaded.model.parameters())
    assert loaded.device == torch.device("cpu")


def test_untrained_networks_are_the_same_in_every_process_and_leave_the_random_stream_alone(hub):
    """A shared link of an untrained network must show its receiver the maps its sender saw, after a restart
    or on another replica: the random initialisation comes from a fixed seed, not the process's stream."""
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    first = features.load_model("ResNet18").model.state_dict()
    assert torch.equal(torch.rand(3), expected_next)           # the process's own stream went on untouched
    torch.manual_seed(456)                                        # a process in another state
    second = features.load_model("ResNet18").model.state_dict()
    assert all(torch.equal(first[k], second[k]) for k in first)


def test_missing_file_without_download_names_the_prefetch_command(hub):
    loaded = features.load_model("ResNet18", download_if_missing=False)
    assert not loaded.pretrained
    assert "python -m explainer.prefetch" in loaded.status.message


def test_corrupt_cached_file_is_reported_with_its_path(hub):
    path = weights.cache_path(features.MODELS["ResNet18"].weights)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PK\x03\x04 truncated download")
    loaded = features.load_model("ResNet18")
    assert not loaded.pretrained
    assert loaded.status.corrupt_path == path
    assert "damaged" in loaded.status.message


def test_cached_status_and_prefetch_offline(hub):
    rows = features.cached_status()
    assert [r.item for r in rows] == ["VGG16 weights", "VGG19 weights", "ResNet18 weights", "ResNet50 weights"]
    assert not any(r.present for r in rows)
    assert all(str(hub) in str(r.path) for r in rows)
    results = list(features.prefetch_models())
    assert [name for name, _, _ in results] == ["VGG16", "VGG19", "ResNet18", "ResNet50"]
    assert all(path is None and "switched off" in err for _, path, err in results)


def test_categories_and_normalisation_come_from_the_weights(hub):
    loaded = features.load_model("ResNet18")
    assert loaded.categories[281] == "tabby"
    t = features.MODELS["ResNet18"].weights.transforms()
    grey = np.full((50, 80, 3), 128, np.uint8)
    x, shown = features.prepare_input(grey, loaded, 64)
    assert x.shape == (1, 3, 64, 64) and shown.shape == (64, 64, 3)
    expected = (128 / 255 - torch.tensor(t.mean)) / torch.tensor(t.std)
    assert torch.allclose(x[0, :, 10, 10], expected, atol=1e-5)


def test_prepare_input_takes_the_centre_square():
    loaded = features.LoadedModel(name="VGG16", model=torch.nn.Identity(), weights_enum=features.MODELS["VGG16"].weights,
                                  status=weights.WeightsStatus(pretrained=False, message=""), device=torch.device("cpu"))
    img = np.zeros((40, 120, 3), np.uint8)
    img[:, 40:80] = 255  # the centre 40×40 square is white, the sides black
    _, shown = features.prepare_input(img, loaded, 32)
    assert shown.min() >= 250


def test_user_weights_go_to_a_copy(hub):
    shared = features.load_model("ResNet18")
    before = shared.model.fc.weight.clone()
    state = {k: v.clone() for k, v in shared.model.state_dict().items()}
    state["fc.bias"] = torch.full_like(state["fc.bias"], 3.0)
    buf = io.BytesIO()
    torch.save(state, buf)
    mine = features.with_user_weights(shared, buf.getvalue())
    assert mine.model is not shared.model and mine.key != shared.key
    assert torch.all(mine.model.fc.bias == 3.0)
    assert torch.equal(shared.model.fc.weight, before) and not torch.all(shared.model.fc.bias == 3.0)
    assert mine.pretrained and not mine.model.training


def test_user_weights_for_another_architecture_are_refused(hub):
    shared = features.load_model("ResNet18")
    buf = io.BytesIO()
    torch.save({"weight": torch.zeros(3)}, buf)
    with pytest.raises(weights.WeightsUnavailable, match="does not fit ResNet18"):
        features.with_user_weights(shared, buf.getvalue())


class _Payload:
    def __reduce__(self):
        return (os.system, (f"touch {os.environ['PWNED_MARKER_PATH']}",))


def test_a_state_dict_carrying_code_is_rejected(tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    monkeypatch.setenv("PWNED_MARKER_PATH", str(marker))
    buf = io.BytesIO()
    torch.save({"weight": torch.zeros(2), "evil": _Payload()}, buf)
    with pytest.raises(weights.WeightsUnavailable):
        weights.load_user_state_dict(buf.getvalue())
    assert not marker.exists()


def test_session_network_is_a_frozen_copy():
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                              torch.nn.Linear(4 * 26 * 26, 10)).train()
    snap = features.session_model("cnn", net)
    assert net.training and snap.model is not net and not snap.model.training
    assert snap.categories == [str(d) for d in range(10)]
    before = features.fingerprint(net)
    with torch.no_grad():
        net[0].weight.add_(1.0)
    assert features.fingerprint(net) != before  # the page re-snapshots a net that kept training
