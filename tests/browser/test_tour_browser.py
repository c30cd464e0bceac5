"""The lecture tour in Chromium: start it, walk it with the arrow keys, land on exact views."""
import re

import pytest

from .conftest import assert_no_exception_box, open_page, screenshot, wait_idle

pytestmark = pytest.mark.browser


def _wait_for_step(page, key: str) -> None:
    page.wait_for_url(re.compile(rf"[?&]tour={key}(&|$)"), timeout=90_000)
    wait_idle(page)
    assert_no_exception_box(page)


def test_start_and_walk_the_tour_with_the_arrow_keys(page, server_url):
    open_page(page, server_url, "tour")
    screenshot(page, "tour-page")
    page.get_by_role("button", name="Start the tour").click()
    _wait_for_step(page, "matrix")
    assert "/kernels" in page.url
    page.get_by_text("step 1 of").first.wait_for()
    page.locator("h1").first.click()  # focus the page, not a widget (arrows would move a slider)
    page.keyboard.press("ArrowRight")
    _wait_for_step(page, "identity")
    page.keyboard.press("ArrowRight")
    _wait_for_step(page, "shift")
    page.get_by_text("step 3 of").first.wait_for()
    screenshot(page, "tour-shift")
    page.keyboard.press("ArrowLeft")
    _wait_for_step(page, "identity")


def test_a_step_link_opens_its_page_in_that_state(page, server_url):
    open_page(page, server_url, "geometry?tour=pooling&geo_op=maxpool&geo_h=4&geo_w=4&geo_kh=2&geo_kw=2&geo_s=2")
    page.get_by_text("step 12 of").first.wait_for()
    assert "geo_op=maxpool" in page.url
    screenshot(page, "tour-pooling")
