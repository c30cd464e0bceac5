"""The real app in a real browser: one streamlit server for the session, headless Chromium.

Screenshots land in artifacts/screenshots/ (printed at the start); open them and look.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def pytest_collection_modifyitems(config, items):
    if _chromium() or os.environ.get("CI") == "true":
        return  # in CI a missing browser must fail loudly, not skip
    skip = pytest.mark.skip(reason="Chromium not found (/usr/bin/chromium); install it with apt-get install chromium")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app():
    """Start `streamlit run app.py` on a free loopback port; yield its URL; stop it by PID."""
    port = _free_port()
    env = dict(os.environ, CONVSCOPE_OFFLINE="1", PYTHONUNBUFFERED="1")
    shared_styles = ROOT.parent / "shared" / "data" / "styles"
    if shared_styles.is_dir():
        env.setdefault("CONVSCOPE_IMAGE_DIR", str(shared_styles))
    shared_data = ROOT.parent / "shared" / "data"
    if shared_data.is_dir():
        env.setdefault("CONVSCOPE_DATA", str(shared_data))
    (ROOT / "artifacts").mkdir(exist_ok=True)
    log_path = ROOT / "artifacts" / f"server-{port}.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start; see {log_path}")
            time.sleep(0.5)
        print(f"\n[browser] app at {url} (pid {proc.pid}); screenshots in {SHOTS}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def server_url():
    with running_app() as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=_chromium(), headless=True, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()


def wait_idle(page, timeout_s: float = 90, quiet_s: float = 1.0) -> None:
    """Wait until Streamlit has finished running the script (no 'Running…' widget and no spinner, such as
    a cached model's "Building the network…", for quiet_s)."""
    page.wait_for_selector('[data-testid="stApp"]')
    deadline = time.monotonic() + timeout_s
    quiet_since = None
    while time.monotonic() < deadline:
        running = page.locator('[data-testid="stStatusWidget"], [data-testid="stSpinner"]').count() > 0
        if running:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_s:
            return
        time.sleep(0.2)
    raise AssertionError("the app was still running after %.0f s" % timeout_s)


def assert_no_exception_box(page) -> None:
    boxes = page.locator('[data-testid="stException"]')
    assert boxes.count() == 0, "Streamlit exception shown:\n" + boxes.first.inner_text()


def open_page(page, url: str, path: str, *, timeout_s: float = 120) -> None:
    """Load one app page (e.g. 'kernels') and wait for it to finish rendering."""
    page.goto(f"{url}/{path}")
    # The shared sidebar proves the page ran inside app.py's st.navigation, not on its own.
    page.get_by_text("Presentation mode").first.wait_for(timeout=timeout_s * 1000)
    page.locator("h1").first.wait_for(timeout=timeout_s * 1000)  # every page starts with its title
    wait_idle(page, timeout_s)
    assert_no_exception_box(page)


def screenshot(page, name: str) -> Path:
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


PROJECTOR_SIZES = [(1280, 720), (1920, 1080)]


def assert_in_viewport(page, selector: str, *, what: str = "main picture") -> dict:
    """The first element matching ``selector`` lies wholly inside the viewport, unscrolled."""
    page.evaluate("window.scrollTo(0, 0)")
    element = page.locator(selector).first
    element.wait_for(state="visible")
    box = element.bounding_box()
    size = page.viewport_size
    assert box is not None, f"{what} ({selector}) has no box"
    inside = (box["x"] >= -1 and box["y"] >= -1 and box["x"] + box["width"] <= size["width"] + 1
              and box["y"] + box["height"] <= size["height"] + 1)
    assert inside, f"{what} ({selector}) at {box} is not inside the {size['width']}x{size['height']} viewport"
    return box


def assert_projected_type(page, labels, *, count: int, checked: int) -> None:
    """Projected type: at least ``count`` chart labels (``labels``, a locator) of which the first ``checked``
    are ≥ 16 px, and every paragraph of body text ≥ 20 px."""
    assert labels.count() >= count
    assert min(float(labels.nth(i).evaluate("e => getComputedStyle(e).fontSize")[:-2]) for i in range(checked)) >= 16
    body = page.locator('[data-testid="stMain"] [data-testid="stMarkdown"] p')
    sizes = body.evaluate_all("ps => ps.map(p => parseFloat(getComputedStyle(p).fontSize))")
    assert sizes and min(sizes) >= 20, sizes


@pytest.fixture
def projector(browser):
    """A function ``open(url, path, size)`` giving a page at a projector size in presentation mode."""
    contexts = []

    def open_at(url: str, path: str, size: tuple[int, int]):
        context = browser.new_context(viewport={"width": size[0], "height": size[1]})
        contexts.append(context)
        pg = context.new_page()
        pg.set_default_timeout(60_000)
        sep = "&" if "?" in path else "?"
        open_page(pg, url, f"{path}{sep}present=1")
        return pg

    yield open_at
    for context in contexts:
        context.close()
