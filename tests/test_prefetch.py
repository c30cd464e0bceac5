"""`python -m explainer.prefetch` offline: it says what failed and what is missing, and exits 1."""
from __future__ import annotations

import io
import subprocess
import sys

import pytest
import torch

from explainer.features import models
from explainer import prefetch
from explainer import weights

from .conftest import ROOT, shared_data_or_skip


@pytest.fixture
def empty(tmp_path, monkeypatch):
    old = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path / "hub"))
    monkeypatch.setenv("CONVSCOPE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv(weights.OFFLINE_ENV, "1")
    yield tmp_path
    torch.hub.set_dir(old)


def test_offline_run_reports_each_failure_and_exits_1(empty):
    out = io.StringIO()
    assert prefetch.main([], out) == 1
    text = out.getvalue()
    for name in ("VGG16", "VGG19", "ResNet18", "ResNet50", "MNIST"):
        assert f"{name:<10} FAILED: Downloads are switched off" in text
    assert "5 of 5 missing" in text and "python -m explainer.prefetch" in text
    assert str(empty / "hub" / "checkpoints" / "vgg19-dcbb9e9d.pth") in text
    assert not (empty / "data").exists()  # nothing half-written


def test_check_reports_what_is_present_without_downloading(empty, monkeypatch):
    monkeypatch.setenv("CONVSCOPE_DATA", str(shared_data_or_skip("MNIST").parent))
    for enum_value in models.all_weights().values():  # stand-in files: only presence and size are reported
        weights.cache_path(enum_value).parent.mkdir(parents=True, exist_ok=True)
        weights.cache_path(enum_value).write_bytes(b"0" * 2_000_000)
    out = io.StringIO()
    assert prefetch.main(["--check"], out) == 0
    text = out.getvalue()
    assert "FAILED" not in text and "All 5 items present." in text
    assert text.count("present    2.0 MB") == 4


def test_runs_as_a_module(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "CONVSCOPE_OFFLINE": "1", "TORCH_HOME": str(tmp_path / "th"),
           "CONVSCOPE_DATA": str(tmp_path / "data"), "HOME": str(tmp_path)}
    run = subprocess.run([sys.executable, "-m", "explainer.prefetch", "--check"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stderr
    assert "MISSING" in run.stdout and "Traceback" not in run.stderr
