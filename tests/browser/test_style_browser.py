"""Style transfer in Chromium: press Paint, watch frames and the evaluation counter move, press Stop."""
from __future__ import annotations

import re
import time

import pytest

from .conftest import (PROJECTOR_SIZES, SHOTS, assert_in_viewport, assert_projected_type, assert_no_exception_box,
                       open_page, screenshot, wait_idle)

pytestmark = pytest.mark.browser


def _progress(page) -> str:
    texts = page.locator('[data-testid="stProgress"]').all_inner_texts()
    return texts[0] if texts else ""


def _output_src(page) -> str | None:
    img = page.locator('[data-testid="stImage"]').filter(has_text="Output").locator("img")
    return img.first.get_attribute("src") if img.count() else None


def _open(page, server_url, path):
    open_page(page, server_url, path)
    assert "style_transfer" in page.url, page.url


def _scroll_to(page, text: str, tries: int = 10) -> None:
    """Scroll a text into view; a live page may redraw it in between (then find it again)."""
    for attempt in range(tries):
        try:
            page.get_by_text(text).first.scroll_into_view_if_needed(timeout=30_000)
            return
        except Exception:  # detached by a rerun of the live panel: look it up again
            if attempt == tries - 1:
                raise
            page.wait_for_timeout(300)


def test_paint_live_then_stop(page, server_url):
    _open(page, server_url, "style_transfer?sty_size=64&sty_iters=300")
    page.get_by_text("UNTRAINED network").first.wait_for(timeout=120_000)
    page.get_by_text("Inside the style loss").first.wait_for(timeout=120_000)  # drawn last
    wait_idle(page)
    screenshot(page, "style-transfer-before")

    page.locator("button", has_text="Paint").first.click()
    evaluations, frames = set(), set()
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline and (len(evaluations) < 3 or len(frames) < 2):
        m = re.search(r"Evaluation (\d+) / (\d+)", _progress(page))
        if m:
            evaluations.add(int(m.group(1)))
        src = _output_src(page)
        if src:
            frames.add(src)
        time.sleep(0.5)
    assert len(evaluations) >= 3, f"the evaluation counter did not move: {evaluations}"
    assert len(frames) >= 2, "the output picture never changed"
    _scroll_to(page, "β · style")
    screenshot(page, "style-transfer-running")

    page.locator("button", has_text="Stop").first.click()
    page.get_by_text(re.compile(r"· stopped")).first.wait_for(timeout=60_000)
    wait_idle(page)
    assert_no_exception_box(page)
    stopped_at = max(evaluations)
    assert stopped_at < 300
    assert page.locator("button", has_text="Download PNG").count() == 1
    _scroll_to(page, "Inside the style loss")
    screenshot(page, "style-transfer-gram")


@pytest.mark.parametrize("size", PROJECTOR_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_presentation_fits_a_projector(projector, server_url, size):
    """Issue 11: projected, the forming picture and the loss curve sit under the title, whole; type stays large.
    (The second size replays the first one's painting: same pictures and settings — issue 10.)"""
    page = projector(server_url, "style_transfer?sty_size=128&sty_iters=20", size)
    page.locator("button", has_text="Paint").first.click()
    page.get_by_text(re.compile(r"· done")).first.wait_for(timeout=180_000)
    wait_idle(page, 120)
    assert_no_exception_box(page)
    page.mouse.move(size[0] - 5, size[1] - 5)  # no tooltip left over from the click
    page.wait_for_timeout(600)  # plotly lays out after the script has finished
    picture = assert_in_viewport(page, ".st-key-sty_output img", what="the painted picture")
    curve = assert_in_viewport(page, ".st-key-sty_loss_box .js-plotly-plot", what="the loss curve")
    assert picture["height"] >= 250 and curve["height"] >= 300, (picture, curve)
    page.screenshot(path=str(SHOTS / f"present-style_transfer-{size[0]}x{size[1]}.png"))
    # Tick labels ≥ 16 px (plotly draws a log axis's in-between digits "2", "5" at 3/4 size: not counted).
    ticks = page.locator(".st-key-sty_loss_box .xtick text")
    assert_projected_type(page, ticks, count=2, checked=2)
    assert page.locator("button", has_text="Progression (GIF").count() == 1
