"""explainer.download: progress, hash checks, nothing half-written; MNIST through the same path.

A tiny HTTP server on 127.0.0.1 stands in for the internet.
"""
from __future__ import annotations

import gzip
import hashlib
import http.server
import threading

import pytest

from explainer import download
from explainer.mnist import datasets

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("www")
    (root / "blob.bin").write_bytes(PAYLOAD)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(root), **kw)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture
def online(monkeypatch):
    monkeypatch.delenv("CONVSCOPE_OFFLINE", raising=False)


def test_streams_with_progress_and_checks_the_hash(server, tmp_path, online):
    _, url = server
    target = tmp_path / "sub" / "blob.bin"
    events = list(download.fetch(url + "blob.bin", target, expected=hashlib.sha256(PAYLOAD).hexdigest()[:8],
                                 chunk=1 << 16))
    assert target.read_bytes() == PAYLOAD
    assert len(events) == 16 and events[-1] == (len(PAYLOAD), len(PAYLOAD))
    assert [d for d, _ in events] == sorted(d for d, _ in events)
    assert list(target.parent.glob("*.part")) == []


def test_a_hash_mismatch_leaves_nothing(server, tmp_path, online):
    _, url = server
    target = tmp_path / "blob.bin"
    with pytest.raises(download.DownloadError, match="mismatch"):
        download.fetch_all(url + "blob.bin", target, expected="00000000")
    assert list(tmp_path.iterdir()) == []


def test_a_stopped_download_leaves_nothing(server, tmp_path, online):
    _, url = server
    events = download.fetch(url + "blob.bin", tmp_path / "blob.bin", chunk=1 << 16)
    next(events)
    events.close()  # what a job's Stop does to the generator
    assert list(tmp_path.iterdir()) == []


def test_missing_file_and_offline_are_download_errors(server, tmp_path, online, monkeypatch):
    _, url = server
    with pytest.raises(download.DownloadError, match="could not download"):
        download.fetch_all(url + "nope.bin", tmp_path / "nope.bin")
    monkeypatch.setenv("CONVSCOPE_OFFLINE", "1")
    with pytest.raises(download.DownloadError, match="switched off"):
        download.fetch_all(url + "blob.bin", tmp_path / "blob.bin")
    assert list(tmp_path.iterdir()) == []


def test_mnist_downloads_through_the_same_helper(server, tmp_path, online, monkeypatch):
    """The four MNIST files from a mirror that is our loopback server, md5-checked and unpacked."""
    from torchvision.datasets import MNIST

    www, url = server
    resources = []
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        packed = gzip.compress(name.encode() * 100)
        (www / f"{name}.gz").write_bytes(packed)
        resources.append((f"{name}.gz", hashlib.md5(packed).hexdigest()))
    monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/dead/", url])  # first mirror refuses
    monkeypatch.setattr(MNIST, "resources", resources)
    events = list(datasets.download_events(tmp_path))
    raw = tmp_path / "MNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(n[:-3] for n, _ in resources)
    assert (raw / "t10k-labels-idx1-ubyte").read_bytes() == b"t10k-labels-idx1-ubyte" * 100
    assert {e.file_index for e in events} == {0, 1, 2, 3} and events[-1].n_files == 4
