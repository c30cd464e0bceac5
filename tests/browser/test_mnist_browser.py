"""Live MNIST training in a real browser: the chart moves, Stop stops, a finished run is analysed."""
from __future__ import annotations

import re
import time

import pytest

from .conftest import (PROJECTOR_SIZES, SHOTS, assert_in_viewport, assert_projected_type, assert_no_exception_box,
                       open_page, screenshot, wait_idle)

pytestmark = pytest.mark.browser


def _progress_text(page) -> str:
    bar = page.locator('[data-testid="stProgress"]')
    return bar.first.inner_text() if bar.count() else ""


def _digits_seen(page) -> int:
    match = re.search(r"([\d,]+) / [\d,]+ digits", _progress_text(page))
    return int(match.group(1).replace(",", "")) if match else -1


def _curve_points(page) -> int:
    return page.evaluate("() => { const p = document.querySelector('[data-testid=stPlotlyChart] .js-plotly-plot');"
                         " return p && p.data ? p.data[0].x.length : 0; }")


def _finished(page) -> bool:
    return bool(re.search(r"· (stopped|done)$", _progress_text(page).strip()))


def _wait_for(condition, timeout_s: float, what: str) -> None:
    """Poll ``condition`` until it holds; the timeout only turns a hang into a failure."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)


def _tall(page, height: int = 2300) -> None:
    """Streamlit scrolls inside its own container: a tall window shows the whole page."""
    page.mouse.move(5, 5)  # no tooltip left over from the last click
    page.set_viewport_size({"width": 1500, "height": height})
    time.sleep(1.0)  # let plotly redraw at the new size (for the screenshot only)


def _long_run(page, server_url) -> tuple[str, bool]:
    """Settings for a run long enough to watch and stop: every MNIST digit twice, or, on the small
    stand-in set (a fresh clone without ../shared/data), its 1,347 digits ten times in batches of 16
    through the largest networks the page offers."""
    open_page(page, server_url, "mnist")
    stand_in = page.get_by_text("MNIST is not available").count() > 0
    return ("mnist?mn_epochs=10&mn_bs=16&mn_pool=0&mn_depth=3&mn_hidden=512" if stand_in
            else "mnist?mn_n=60000&mn_epochs=2"), stand_in


def test_training_moves_stops_and_is_analysed(page, server_url):
    path, stand_in = _long_run(page, server_url)
    open_page(page, server_url, path)
    page.get_by_role("button", name="Train both networks").click()
    _wait_for(lambda: _digits_seen(page) > 0, 120, "the first progress event")
    page.locator('[data-testid="stPlotlyChart"]').first.wait_for(timeout=60_000)
    first, points = _digits_seen(page), _curve_points(page)
    # polled, no click needed
    _wait_for(lambda: _digits_seen(page) > first, 60, "the progress to move")
    _wait_for(lambda: _curve_points(page) > points, 60, "the loss curve to grow")
    _tall(page)
    screenshot(page, "mnist-training")

    stop = page.get_by_role("button", name="Stop")
    if stop.count():  # the stand-in's run may have ended already
        stop.click()
    _wait_for(lambda: _finished(page), 60, "the run to stop")
    stopped_at = _digits_seen(page)
    if not stand_in:
        assert _progress_text(page).strip().endswith("stopped") and stopped_at < 120_000
    # A stopped run keeps its networks: the analysis appears after it, and the count has not moved since.
    page.get_by_text("What did they learn?").wait_for(timeout=120_000)
    wait_idle(page)
    assert _digits_seen(page) == stopped_at, "training went on after Stop"
    assert page.get_by_role("button", name="Stop").count() == 0
    assert_no_exception_box(page)

    # A short run that finishes: the analysis appears underneath.
    page.set_viewport_size({"width": 1500, "height": 1000})
    open_page(page, server_url, "mnist?mn_n=5000&mn_epochs=1")
    page.get_by_role("button", name="Train both networks").click()
    page.get_by_text("What did they learn?").wait_for(timeout=120_000)
    page.get_by_text("test digits, each moved sideways").wait_for(timeout=120_000)  # the last view drawn
    wait_idle(page)
    assert_no_exception_box(page)
    assert _progress_text(page).strip().endswith("done")
    assert page.get_by_text("Lecture:").count() >= 1
    _tall(page, 2600)
    screenshot(page, "mnist-analysis")
    page.get_by_role("tab", name="Filters & feature maps").click()
    wait_idle(page)
    screenshot(page, "mnist-feature-maps")
    page.get_by_role("tab", name="Mistakes").click()
    wait_idle(page)
    screenshot(page, "mnist-mistakes")
    assert_no_exception_box(page)


@pytest.mark.parametrize("size", PROJECTOR_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_presentation_fits_a_projector(projector, server_url, size):
    """Issue 11: projected, the two curves sit under the title, whole, without scrolling; type stays large.
    (The second size replays the first one's run: same settings, one computation — issue 10.)"""
    page = projector(server_url, "mnist?mn_n=5000&mn_epochs=1", size)
    page.get_by_role("button", name="Train both networks").click()
    page.get_by_text("What did they learn?").wait_for(timeout=180_000)  # finished: the curves are whole
    page.get_by_text("test digits, each moved sideways").wait_for(timeout=120_000)  # the last view drawn
    wait_idle(page, 120)
    assert_no_exception_box(page)
    page.mouse.move(size[0] - 5, size[1] - 5)  # no tooltip left over from the click
    page.wait_for_timeout(600)  # plotly lays out after the script has finished
    box = assert_in_viewport(page, ".st-key-mn_curves", what="training curves")
    assert box["height"] >= 300 and box["width"] >= size[0] * 0.6, box
    page.screenshot(path=str(SHOTS / f"present-mnist-{size[0]}x{size[1]}.png"))
    ticks = page.locator(".st-key-mn_curves .xtick text, .st-key-mn_curves .ytick text")
    assert_projected_type(page, ticks, count=4, checked=4)
    page.get_by_test_id("stPopoverButton").filter(has_text="Settings").first.click()  # the controls: one click away
    page.get_by_text("Hidden neurons per layer").first.wait_for(timeout=30_000)
