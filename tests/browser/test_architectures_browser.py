"""The Architectures page in a real browser: trade-off chart, layer table, the shortcut experiment live."""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from .conftest import assert_no_exception_box, open_page, screenshot, wait_idle

pytestmark = pytest.mark.browser


def _tall(page, height: int = 2000) -> None:
    page.mouse.move(5, 5)
    page.set_viewport_size({"width": 1500, "height": height})
    time.sleep(1.0)  # let plotly redraw at the new size (for the screenshot only)


def _tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    wait_idle(page)


def test_timeline_layers_and_calculators(page, server_url):
    open_page(page, server_url, "architectures?present=1")
    page.locator('[data-testid="stPlotlyChart"]').first.wait_for()
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
    slider = page.locator('[data-testid="stSlider"] input[type="range"][aria-label="Depth (weight layers)"]')
    slider.focus()
    page.keyboard.press("ArrowLeft")  # 30 -> 29: the depth changes through the real widget
    wait_idle(page)
    page.wait_for_url(re.compile(r"ar_depth=29"), timeout=30_000)
    page.get_by_role("button", name="Run the experiment").click()
    bar = page.locator('[data-testid="stProgress"]')
    expect(bar.first).to_contain_text(re.compile(r"step \d"), timeout=120_000)       # live progress
    expect(bar.first).to_contain_text(re.compile(r"· (done|stopped|failed)"), timeout=600_000)
    wait_idle(page)
    assert "done" in bar.first.inner_text()
    assert page.get_by_text("First layer:").count() > 0
    _tall(page, 1600)
    screenshot(page, "architectures_shortcuts")
    assert_no_exception_box(page)
