"""The geometry page in Chromium: controls redraw it, ▶ Play steps the window without a page rerun."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from .conftest import (PROJECTOR_SIZES, SHOTS, assert_in_viewport, assert_no_exception_box, open_page, screenshot,
                       wait_idle)
from .test_kernels_browser import text_sizes

pytestmark = pytest.mark.browser
WAIT_MS = 90_000   # generous: a busy 2-core machine may take long to rerun, never fails for it

CURRENT = "g.slider-container text.slider-label"   # plotly's "Output cell (row, col): …" read-out


def _current(page) -> str:
    return page.locator(CURRENT).first.text_content() or ""


def _set_number(page, label: str, value: int) -> None:
    box = page.locator('[data-testid="stNumberInput"]').filter(has_text=label).locator("input").first
    box.fill(str(value))
    box.press("Enter")
    wait_idle(page)


# Records every read-out the slider shows (a MutationObserver sees each change, however
# slow the machine), and presses ❚❚ Pause from inside the page the moment the read-out
# has changed ``pause_at`` - 1 times, so where it stops does not depend on how fast the
# test process can react.
WATCH_STEPS = """pauseAt => {
  const seen = window.__geoSteps = [];
  const record = () => {
    const el = document.querySelector('g.slider-container text.slider-label');
    const text = el ? el.textContent : '';
    if (!text || seen[seen.length - 1] === text) return;
    seen.push(text);
    if (seen.length === pauseAt) {
      document.querySelectorAll('g.updatemenu-button')[1].dispatchEvent(new MouseEvent('click', {bubbles: true}));
    }
  };
  new MutationObserver(record).observe(document.body, {subtree: true, childList: true, characterData: true});
  record();
}"""


def _steps(page) -> list[str]:
    return page.evaluate("window.__geoSteps")


def _wait_until_still(page, quiet_s: float = 1.5, timeout_s: float = 60) -> list[str]:
    """Wait until no new step has shown for ``quiet_s``; return the steps seen."""
    deadline = time.monotonic() + timeout_s
    seen, since = _steps(page), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = _steps(page)
        if now != seen:
            seen, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return seen
    raise AssertionError(f"the animation never came to rest: {seen}")


def _reading_order(label: str) -> tuple[int, int]:
    row, col = label.rsplit("(", 1)[1].rstrip(")").split(",")
    return int(row), int(col)


def test_play_steps_the_window_in_the_browser(page, server_url):
    open_page(page, server_url, "geometry?geo_pad=same&geo_vals=patch&geo_kvals=sharpen&geo_fps=8")
    assert "(0, 0)" in _current(page)
    expect(page.get_by_text("torch agrees: (1, 1, 5, 5)")).to_have_count(1, timeout=WAIT_MS)
    screenshot(page, "geometry-same-padding")

    runs_before = page.evaluate("performance.getEntriesByType('resource').length")
    pause_at = 10                                           # of the 25 steps of a 5×5 output
    page.evaluate(WATCH_STEPS, pause_at)
    page.locator("g.updatemenu-button").first.click()       # ▶ Play (plotly's own button)
    page.wait_for_function(f"window.__geoSteps.length >= {pause_at}", timeout=120_000)
    screenshot(page, "geometry-playing")
    steps = _wait_until_still(page)
    # The window visited the output cells one after another, in reading order...
    assert len(set(steps)) == len(steps) >= pause_at, steps
    assert [_reading_order(s) for s in steps] == sorted(_reading_order(s) for s in steps), steps
    # ...and Pause stopped it there (at most one frame already under way), well before the last cell.
    assert len(steps) <= pause_at + 2, f"Pause did not stop the animation: {steps}"
    assert _current(page) == steps[-1]
    # no Streamlit rerun happened while playing: no status widget, no new requests to fetch a page
    assert page.locator('[data-testid="stStatusWidget"]').count() == 0
    assert page.evaluate("performance.getEntriesByType('resource').length") - runs_before < 5
    assert_no_exception_box(page)


def test_changing_a_control_redraws_and_a_bad_setting_explains(page, server_url):
    open_page(page, server_url, "geometry")
    _set_number(page, "Stride", 0)
    assert_no_exception_box(page)
    expect(page.get_by_text("A stride of 0 would never move the window")).to_have_count(1, timeout=WAIT_MS)
    screenshot(page, "geometry-stride-zero")
    _set_number(page, "Stride", 2)
    _set_number(page, "Input height", 7)
    expect(page.get_by_text("torch agrees: (1, 1, 3, 2)")).to_have_count(1, timeout=WAIT_MS)
    assert_no_exception_box(page)


def test_transposed_and_lenet_views(page, server_url):
    open_page(page, server_url, "geometry?geo_op=transposed&geo_s=2&geo_h=3&geo_w=3&geo_pad=custom&geo_ph=1&geo_pw=1")
    expect(page.get_by_text("torch agrees: (1, 1, 5, 5)")).to_have_count(1, timeout=WAIT_MS)
    assert "Input cell" in _current(page)
    screenshot(page, "geometry-transposed")
    open_page(page, server_url, "geometry?geo_view=lenet&present=1")
    page.get_by_text("5×5×16").first.wait_for(timeout=WAIT_MS)
    screenshot(page, "geometry-lenet-presentation")
    open_page(page, server_url, "geometry?geo_view=pyramid&geo_blow=1")
    screenshot(page, "geometry-pyramid")


MAIN = ".st-key-geo_main"           # the page's main figure: input, kernel, output grid


@pytest.mark.parametrize("size", PROJECTOR_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_presentation_fits_a_projector(projector, server_url, size):
    page = projector(server_url, "geometry", size)
    page.locator(f"{MAIN} .main-svg").first.wait_for()
    box = assert_in_viewport(page, MAIN, what="input, kernel and output grid")
    assert box["y"] < 0.25 * size[1], box                  # right under the title
    assert "(0, 0)" in _current(page)                      # the figure, with its Play controls, is drawn
    small = [t for t in text_sizes(page, MAIN) if t[1] < 16]
    assert not small, f"labels under 16 px: {small}"
    page.screenshot(path=str(SHOTS / f"present-geometry-{size[0]}x{size[1]}.png"))
    assert_no_exception_box(page)
