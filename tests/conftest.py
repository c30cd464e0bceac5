"""Shared test helpers: paths, the shared-data marker, AppTest on one page."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"

# Tests never reach for the network: the offline paths are what we test.
os.environ.setdefault("CONVSCOPE_OFFLINE", "1")
os.environ.setdefault("CONVSCOPE_DEVICE", "cpu")


def shared_data_or_skip(*parts: str) -> Path:
    """Path under ../shared/data, or skip the test saying what is missing."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs {path} (the shared data folder beside the project); not present here")
    return path


def run_page(page: str, *, timeout: float = 120, query: dict | None = None, session: dict | None = None):
    """An AppTest of app.py switched to ``page`` (e.g. "pages/kernels.py") and run once."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    for k, v in (session or {}).items():
        at.session_state[k] = v
    at.run()
    at.switch_page(page)
    at.run()
    return at


def assert_no_exception(at) -> None:
    """Fail with the page's own traceback text when a Streamlit exception box is shown."""
    assert not at.exception, "page raised: " + "\n".join(str(e.value) for e in at.exception)


def pytest_collection_modifyitems(config, items):
    """Under xdist (scripts/test.sh runs ``-n 2 --dist loadgroup``), all browser tests go to one
    worker so they share one streamlit server and one Chromium; the other worker runs the rest."""
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="module")
def one_thread():
    """Small tensors on a busy 2-core machine: one thread, not two that wait on each other at every step."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def stand_in():
    """The labelled offline digits (scikit-learn's), as a fresh clone without MNIST has them."""
    from explainer.mnist import load_digits

    return load_digits("/nonexistent-folder", download=False)
