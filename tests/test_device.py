"""explainer.device: the override wins, and the description names the device."""
import torch

from explainer import device


def test_override_and_description(monkeypatch):
    device.best_device.cache_clear()
    monkeypatch.setenv("CONVSCOPE_DEVICE", "cpu")
    try:
        assert device.best_device() == torch.device("cpu")
        assert device.describe_device().startswith("CPU · ")
    finally:
        device.best_device.cache_clear()


def test_thread_count_follows_setting(monkeypatch):
    before = torch.get_num_threads()
    device.configure_threads.cache_clear()
    monkeypatch.setenv("CONVSCOPE_THREADS", "1")
    try:
        assert device.configure_threads() == 1 and torch.get_num_threads() == 1
    finally:
        device.configure_threads.cache_clear()
        torch.set_num_threads(before)
