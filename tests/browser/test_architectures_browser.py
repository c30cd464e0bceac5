"""The Architectures page in a real browser: trade-off chart, layer table, the shortcut experiment live."""
from __future__ import annotations

import re
import time

import pytest

from .conftest import assert_no_exception_box, open_page, screenshot, wait_idle

pytestmark = pytest.mark.browser


def _wait_for(condition, timeout_s: float, what: str) -> None:
    """Poll ``condition`` until it holds; the timeout only turns a hang into a failure."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)


def _tall(page, height: int = 2000) -> None:
    page.mouse.move(5, 5)
    page.set_viewport_size({"width": 1500, "height": height})
    time.sleep(1.0)  # let plotly redraw at the new size (for the screenshot only)


def _tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    wait_idle(page)


def test_timeline_layers_and_calculators(page, server_url):
    open_page(page, server_url, "architectures?present=1")
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 1
    _tall(page)
    screenshot(page, "architectures_timeline")
    _tab(page, "Layers of a network")
    assert page.get_by_text("25,557,032").count() > 0
    screenshot(page, "architectures_layers")
    _tab(page, "Inception")
    screenshot(page, "architectures_inception")
    assert_no_exception_box(page)


def test_shortcut_experiment_runs_live(page, server_url):
    open_page(page, server_url, "architectures?ar_depth=30&ar_activation=sigmoid&present=1")
    _tab(page, "Shortcuts (live)")
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Depth").locator('[role="slider"]')
    slider.focus()
    page.keyboard.press("ArrowLeft")  # 30 -> 29: the depth changes through the real widget
    wait_idle(page)
    _wait_for(lambda: "ar_depth=29" in page.url, 30, "the depth in the URL")
    page.get_by_role("button", name="Run the experiment").click()
    bar = page.locator('[data-testid="stProgress"]')
    _wait_for(lambda: bar.count() > 0 and re.search(r"step \d", bar.first.inner_text() or ""), 120,
              "the first progress report")
    _wait_for(lambda: re.search(r"· (done|stopped|failed)", bar.first.inner_text() or ""), 600, "the end")
    wait_idle(page)
    assert "done" in bar.first.inner_text()
    assert page.get_by_text("First layer:").count() > 0
    _tall(page, 1600)
    screenshot(page, "architectures_shortcuts")
    assert_no_exception_box(page)
