"""explainer.weights: cache hits, offline and corrupt files become messages, safe user uploads."""
import io
import pickle

import pytest
import torch
from torchvision.models import ResNet18_Weights, resnet18

from explainer import weights


@pytest.fixture
def hub_dir(tmp_path):
    old = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path))
    yield tmp_path
    torch.hub.set_dir(old)


def test_offline_gives_untrained_status_with_instructions(hub_dir, monkeypatch):
    monkeypatch.setenv(weights.OFFLINE_ENV, "1")
    net = resnet18(weights=None)
    before = net.conv1.weight.clone()
    status = weights.pretrained_or_untrained(net, ResNet18_Weights.IMAGENET1K_V1)
    assert not status.pretrained and "UNTRAINED" in status.label
    assert "not meaningful" in status.message and "switched off" in status.message
    assert torch.equal(net.conv1.weight, before)  # random init left as it was


def test_unreachable_network_says_how_to_prefetch(hub_dir, monkeypatch):
    monkeypatch.delenv(weights.OFFLINE_ENV, raising=False)
    monkeypatch.setattr(ResNet18_Weights.IMAGENET1K_V1.value, "url",
                        "http://127.0.0.1:9/resnet18-f37072fd.pth", raising=False)
    with pytest.raises(weights.WeightsUnavailable, match="explainer.prefetch"):
        weights.download(ResNet18_Weights.IMAGENET1K_V1)


def test_cached_file_is_loaded_as_pretrained(hub_dir):
    source = resnet18(weights=None)
    path = weights.cache_path(ResNet18_Weights.IMAGENET1K_V1)
    path.parent.mkdir(parents=True)
    torch.save(source.state_dict(), path)
    target = resnet18(weights=None)
    status = weights.pretrained_or_untrained(target, ResNet18_Weights.IMAGENET1K_V1)
    assert status.pretrained and weights.is_cached(ResNet18_Weights.IMAGENET1K_V1)
    assert torch.equal(target.conv1.weight, source.conv1.weight)


def test_prefix_loads_only_part_of_a_model(hub_dir):
    source = resnet18(weights=None)
    path = weights.cache_path(ResNet18_Weights.IMAGENET1K_V1)
    path.parent.mkdir(parents=True)
    torch.save(source.state_dict(), path)
    layer = resnet18(weights=None).layer1
    assert weights.pretrained_or_untrained(layer, ResNet18_Weights.IMAGENET1K_V1, prefix="layer1.").pretrained
    assert torch.equal(layer[0].conv1.weight, source.layer1[0].conv1.weight)


def test_corrupt_cached_file_is_named_not_raised(hub_dir):
    path = weights.cache_path(ResNet18_Weights.IMAGENET1K_V1)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PK\x03\x04 truncated zip")
    status = weights.pretrained_or_untrained(resnet18(weights=None), ResNet18_Weights.IMAGENET1K_V1)
    assert not status.pretrained and status.corrupt_path == path and "damaged" in status.message


class Exploit:
    def __reduce__(self):
        return (print, ("pwned",))


def test_user_state_dict_refuses_code():
    with pytest.raises(weights.WeightsUnavailable):
        weights.load_user_state_dict(pickle.dumps(Exploit()))
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buf)
    assert torch.equal(weights.load_user_state_dict(buf.getvalue())["w"], torch.ones(2))
    buf = io.BytesIO()
    torch.save([1, 2, 3], buf)
    with pytest.raises(weights.WeightsUnavailable, match="state_dict"):
        weights.load_user_state_dict(buf.getvalue())
