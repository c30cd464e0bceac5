"""The Architectures page in a real browser: trade-off chart, layer table, the shortcut experiment live,
and presentation mode at projector sizes (the scatter inside the viewport, readable type)."""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from .conftest import (PROJECTOR_SIZES, SHOTS, assert_in_viewport, assert_no_exception_box, open_page, screenshot,
                       wait_idle)

pytestmark = pytest.mark.browser

MAIN = ".st-key-tradeoff"            # the accuracy-vs-GFLOPs scatter
WAIT_MS = 180_000                    # a page rerun under heavy load
# Every piece of text a figure shows, with its computed size.
TEXT_SIZES = """els => els.filter(e => e.textContent.trim())
  .map(e => [e.textContent.trim().slice(0, 30), parseFloat(getComputedStyle(e).fontSize)])"""


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
    page.get_by_role("button", name="Depth, activation, BatchNorm").click()  # projected: controls in a popover
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Depth (weight layers)").get_by_role("slider")
    slider.focus()
    page.keyboard.press("ArrowLeft")  # 30 -> 29: the depth changes through the real widget
    wait_idle(page)
    page.wait_for_url(re.compile(r"ar_depth=29"), timeout=30_000)
    page.keyboard.press("Escape")  # close the popover
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


@pytest.mark.parametrize("size", PROJECTOR_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_presentation_fits_a_projector(projector, server_url, size):
    page = projector(server_url, "architectures", size)
    wait_idle(page)  # the share widget may rerun the page once: look at the settled chart
    legend = page.locator(f"{MAIN} .legendtext")
    legend.first.wait_for(timeout=WAIT_MS)  # plotly has drawn it
    box = assert_in_viewport(page, MAIN, what="accuracy-vs-GFLOPs scatter")
    assert box["width"] >= 0.5 * size[0] and box["height"] >= 480, box  # the picture, not a thumbnail
    assert legend.count() >= 20 and assert_in_viewport(page, f"{MAIN} .legend", what="legend")  # no scroll bar
    small = [t for t in page.eval_on_selector_all(f"{MAIN} svg text", TEXT_SIZES) if t[1] < 16]
    assert not small, f"labels under 16 px: {small}"
    body = page.locator('[data-testid="stMain"] .stMarkdown p').evaluate_all(
        "ps => ps.filter(p => p.offsetParent)"
        "  .map(p => [p.textContent.slice(0, 30), parseFloat(getComputedStyle(p).fontSize)])")
    assert body and min(b[1] for b in body) >= 20, body
    page.screenshot(path=str(SHOTS / f"present-architectures-{size[0]}x{size[1]}.png"))  # what the hall sees
    assert_no_exception_box(page)
    if size == PROJECTOR_SIZES[0]:  # another tab: its controls fold into one button, the diagrams fit
        _tab(page, "Inception")
        page.locator(".st-key-inception_True .main-svg").first.wait_for(timeout=WAIT_MS)
        page.get_by_role("button", name="Module sizes").first.wait_for(timeout=WAIT_MS)
        assert_in_viewport(page, ".st-key-inception_True", what="Inception diagram")
        small = [t for t in page.eval_on_selector_all(".st-key-inception_True svg text", TEXT_SIZES) if t[1] < 16]
        assert not small, f"labels under 16 px: {small}"
        page.screenshot(path=str(SHOTS / "present-architectures-inception-1280x720.png"))
