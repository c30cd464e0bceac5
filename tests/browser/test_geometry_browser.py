"""The geometry page in Chromium: controls redraw it, ▶ Play steps the window without a page rerun."""
from __future__ import annotations

import time

import pytest

from .conftest import assert_no_exception_box, open_page, screenshot, wait_idle

pytestmark = pytest.mark.browser

CURRENT = "g.slider-container text.slider-label"   # plotly's "Output cell (row, col): …" read-out


def _current(page) -> str:
    return page.locator(CURRENT).first.text_content() or ""


def _set_number(page, label: str, value: int) -> None:
    box = page.locator('[data-testid="stNumberInput"]').filter(has_text=label).locator("input").first
    box.fill(str(value))
    box.press("Enter")
    wait_idle(page)


def _samples(page, seconds: float) -> list[tuple[float, str]]:
    out, t0 = [], time.monotonic()
    while time.monotonic() - t0 < seconds:
        out.append((time.monotonic() - t0, _current(page)))
        time.sleep(0.05)
    return out


def test_play_steps_the_window_in_the_browser(page, server_url):
    open_page(page, server_url, "geometry?geo_pad=same&geo_vals=patch&geo_kvals=sharpen&geo_fps=8")
    assert "(0, 0)" in _current(page)
    assert page.get_by_text("torch agrees: (1, 1, 5, 5)").count() == 1
    screenshot(page, "geometry-same-padding")

    runs_before = page.evaluate("performance.getEntriesByType('resource').length")
    page.locator("g.updatemenu-button").first.click()   # ▶ Play (plotly's own button)
    seen = _samples(page, 2.0)
    labels = [label for _, label in seen]
    changes = sum(1 for a, b in zip(labels, labels[1:]) if a != b)
    screenshot(page, "geometry-playing")
    # 8 steps/s requested: at least 5 distinct steps a second, all on the client.
    assert changes >= 9, f"only {changes} steps in 2 s: {labels}"
    assert len(set(labels)) >= 9
    page.locator("g.updatemenu-button").nth(1).click()  # ❚❚ Pause
    paused = _current(page)
    time.sleep(0.8)
    assert _current(page) == paused, "Pause did not stop the animation"
    # no Streamlit rerun happened while playing: no status widget, no new requests to fetch a page
    assert page.locator('[data-testid="stStatusWidget"]').count() == 0
    assert page.evaluate("performance.getEntriesByType('resource').length") - runs_before < 5
    assert_no_exception_box(page)


def test_changing_a_control_redraws_and_a_bad_setting_explains(page, server_url):
    open_page(page, server_url, "geometry")
    _set_number(page, "Stride", 0)
    assert_no_exception_box(page)
    assert page.get_by_text("A stride of 0 would never move the window").count() == 1
    screenshot(page, "geometry-stride-zero")
    _set_number(page, "Stride", 2)
    _set_number(page, "Input height", 7)
    assert page.get_by_text("torch agrees: (1, 1, 3, 2)").count() == 1
    assert_no_exception_box(page)


def test_transposed_and_lenet_views(page, server_url):
    open_page(page, server_url, "geometry?geo_op=transposed&geo_s=2&geo_h=3&geo_w=3&geo_pad=custom&geo_ph=1&geo_pw=1")
    assert page.get_by_text("torch agrees: (1, 1, 5, 5)").count() == 1
    assert "Input cell" in _current(page)
    screenshot(page, "geometry-transposed")
    open_page(page, server_url, "geometry?geo_view=lenet&present=1")
    assert page.get_by_text("5×5×16").count() >= 1
    screenshot(page, "geometry-lenet-presentation")
    open_page(page, server_url, "geometry?geo_view=pyramid&geo_blow=1")
    screenshot(page, "geometry-pyramid")
