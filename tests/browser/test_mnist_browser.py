"""Live MNIST training in a real browser: the chart moves, Stop stops, a finished run is analysed."""
from __future__ import annotations

import re
import time

import pytest

from .conftest import assert_no_exception_box, open_page, screenshot, wait_idle

pytestmark = pytest.mark.browser


def _progress_text(page) -> str:
    bar = page.locator('[data-testid="stProgress"]')
    return bar.first.inner_text() if bar.count() else ""


def _digits_seen(page) -> int:
    match = re.search(r"([\d,]+) / [\d,]+ digits", _progress_text(page))
    return int(match.group(1).replace(",", "")) if match else -1


def _wait_for(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)


def _tall(page, height: int = 2300) -> None:
    """Streamlit scrolls inside its own container: a tall window shows the whole page."""
    page.mouse.move(5, 5)  # no tooltip left over from the last click
    page.set_viewport_size({"width": 1500, "height": height})
    time.sleep(1.0)  # let plotly redraw at the new size


def test_training_moves_stops_and_is_analysed(page, server_url):
    # A long run (every digit) so there is time to watch it and stop it.
    open_page(page, server_url, "mnist?mn_n=60000&mn_epochs=2")
    page.get_by_role("button", name="Train both networks").click()
    _wait_for(lambda: _digits_seen(page) > 0, 90, "the first progress event")
    page.locator('[data-testid="stPlotlyChart"]').first.wait_for(timeout=30_000)
    first = _digits_seen(page)
    _wait_for(lambda: _digits_seen(page) > first, 20, "the progress to move")  # polled, no click needed
    points = page.evaluate("() => document.querySelector('[data-testid=stPlotlyChart] .js-plotly-plot')"
                           ".data[0].x.length")
    time.sleep(1.5)
    assert page.evaluate("() => document.querySelector('[data-testid=stPlotlyChart] .js-plotly-plot')"
                         ".data[0].x.length") > points, "the loss curve did not grow"
    _tall(page)
    screenshot(page, "mnist-training")

    page.get_by_role("button", name="Stop").click()
    _wait_for(lambda: "stopped" in _progress_text(page) or page.get_by_text("What did they learn?").count() > 0,
              15, "the run to stop")
    wait_idle(page)
    stopped_at = _digits_seen(page)
    time.sleep(1.5)
    assert _digits_seen(page) == stopped_at, "training went on after Stop"
    assert stopped_at < 120_000
    assert_no_exception_box(page)

    # A short run that finishes: the analysis appears underneath.
    page.set_viewport_size({"width": 1500, "height": 1000})
    open_page(page, server_url, "mnist?mn_n=5000&mn_epochs=1")
    page.get_by_role("button", name="Train both networks").click()
    page.get_by_text("What did they learn?").wait_for(timeout=120_000)
    page.get_by_text("test digits, each moved sideways").wait_for(timeout=120_000)  # the last view drawn
    wait_idle(page)
    assert_no_exception_box(page)
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


def test_presentation_mode(page, server_url):
    open_page(page, server_url, "mnist?present=1")
    _tall(page, 1400)
    sizes = page.evaluate("() => [...document.querySelectorAll('[data-testid=stMetricValue]')]"
                          ".map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert len(sizes) == 2 and min(sizes) >= 40, sizes  # the two weight counts, readable from the back
    screenshot(page, "mnist-presentation")
