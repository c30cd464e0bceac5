"""The kernel playground in Chromium: main controls, Canny, a bad typed kernel, broken uploads."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.test_images_bad_files import EXPECTED, make_bad_files

from .conftest import (PROJECTOR_SIZES, SHOTS, assert_in_viewport, assert_no_exception_box, open_page, screenshot,
                       wait_idle)

pytestmark = pytest.mark.browser
WAIT_MS = 90_000   # generous: a busy 2-core machine may take long to rerun, never fails for it


def _choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label`` and wait for the rerun."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_text(label, exact=True))
    choice = page.get_by_role("option").filter(has_text=option).first
    for _ in range(4):   # a rerun that lands while the list is open closes it: open it again
        box.click()
        try:
            choice.wait_for(timeout=5000)
            choice.click(timeout=5000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            wait_idle(page)
    else:
        raise AssertionError(f"could not choose {option!r} in {label!r}")
    wait_idle(page)
    assert_no_exception_box(page)


def _result_src(page) -> str:
    img = page.locator('[data-testid="stImage"]').filter(has_text="Result").locator("img").first
    return img.get_attribute("src")


def test_kernel_controls(page, server_url):
    open_page(page, server_url, "kernels")
    screenshot(page, "kernels-default")
    before = _result_src(page)

    _choose(page, "Kernel", "Sobel x")
    page.get_by_text("Result — Sobel x").wait_for()
    assert _result_src(page) != before
    page.get_by_text("absolute value").first.wait_for(timeout=WAIT_MS)    # the display mapping is stated
    assert "preset=sobel_x" in page.url                                 # settings are in the URL
    page.get_by_text("rescale", exact=True).first.click()            # display radio
    wait_idle(page)
    page.get_by_text("Shown rescaled").first.wait_for(timeout=WAIT_MS)
    screenshot(page, "kernels-sobel")

    _choose(page, "Example", "curve detector")
    page.get_by_text("= 6600").first.wait_for()
    page.get_by_text("the lecture's number").first.wait_for(timeout=WAIT_MS)
    page.get_by_text("= 6600").first.scroll_into_view_if_needed()
    screenshot(page, "kernels-matrix-6600")


def test_shift_preset_says_where_its_one_sits(page, server_url):
    open_page(page, server_url, "kernels?preset=shift")
    note = page.get_by_text("left of the centre").first
    note.wait_for()                                   # shown under the preset, not in an expander
    assert note.is_visible()
    page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for()   # the kernel, drawn
    screenshot(page, "kernels-shift")


def test_canny_step_through(page, server_url):
    open_page(page, server_url, "kernels")
    _choose(page, "Kernel", "Canny edge detector (step by step)")
    for stage in ("1 · Gaussian blur", "3 · non-maximum suppression", "4 · double threshold", "5 · hysteresis"):
        page.get_by_text(stage).first.wait_for()
    page.get_by_text("1 · Gaussian blur").first.scroll_into_view_if_needed()
    screenshot(page, "kernels-canny")


def test_bad_custom_kernel_shows_a_message(page, server_url):
    open_page(page, server_url, "kernels")
    _choose(page, "Kernel", "Custom (type your own)")
    area = page.locator("textarea").first
    area.fill("1 2 3\n4 nan 6\n7 8 9")
    area.press("Control+Enter")
    wait_idle(page)
    page.get_by_text("is NaN").first.wait_for()
    assert_no_exception_box(page)
    expect(page.get_by_text("Result — Custom")).to_have_count(1, timeout=WAIT_MS)   # the page still shows a result
    area.fill("0 -1 0\n-1 5 -1\n0 -1 0")
    area.press("Control+Enter")
    wait_idle(page)
    expect(page.get_by_text("is NaN")).to_have_count(0, timeout=WAIT_MS)
    screenshot(page, "kernels-custom")


def test_broken_uploads(page, server_url, tmp_path):
    files = make_bad_files(tmp_path)
    open_page(page, server_url, "kernels")
    page.get_by_text("Upload", exact=True).first.click()
    wait_idle(page)
    for name in ("truncated.png", "text-renamed.png", "bomb-header.png", "cmyk.jpg"):
        page.locator('input[type="file"]').first.set_input_files(str(files[name]))
        wait_idle(page)
        assert_no_exception_box(page)
        if EXPECTED[name] == "error":
            page.get_by_text(f"Could not use “{name}”").first.wait_for()
        else:
            page.get_by_text(f"Your image “{name}”").first.wait_for()
        # the page keeps working
        expect(page.get_by_text("Result — Gaussian blur")).to_have_count(1, timeout=WAIT_MS)
        if name == "bomb-header.png":
            screenshot(page, "kernels-bad-upload")


def test_presentation_mode(page, server_url):
    open_page(page, server_url, "kernels?present=1&preset=sobel_mag")
    # body text readable from the back row (a normal page uses 16 px)
    size = page.evaluate("getComputedStyle(document.querySelector('.stMarkdown p')).fontSize")
    assert float(size.rstrip("px")) >= 20
    screenshot(page, "kernels-presentation")


PAIR = ".st-key-kp_pair"            # the page's main picture: original | result | kernel
PICTURES_LOADED = """sel => { const imgs = [...document.querySelectorAll(sel + ' [data-testid="stImage"] img')];
  return imgs.length >= 2 && imgs.every(i => i.complete && i.naturalWidth > 0); }"""
# Every piece of text a figure or picture shows, with its computed size.
TEXT_SIZES = """els => els.filter(e => e.textContent.trim())
  .map(e => [e.textContent.trim().slice(0, 30), parseFloat(getComputedStyle(e).fontSize)])"""


def text_sizes(page, selector: str) -> list:
    return page.eval_on_selector_all(f"{selector} svg text, {selector} [data-testid='stImageCaption']", TEXT_SIZES)


@pytest.mark.parametrize("size", PROJECTOR_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_presentation_fits_a_projector(projector, server_url, size):
    page = projector(server_url, "kernels", size)
    page.wait_for_function(PICTURES_LOADED, arg=PAIR)      # pictures at their real size, not placeholders
    box = assert_in_viewport(page, PAIR, what="original and result")
    assert box["y"] < 0.25 * size[1], box                  # right under the title
    a, b = (page.locator(f"{PAIR} [data-testid='stImage'] img").nth(i).bounding_box() for i in (0, 1))
    assert abs(a["y"] - b["y"]) < 2 and b["x"] >= a["x"] + a["width"] - 1    # side by side
    assert a["height"] >= 0.35 * size[1], a                # big, not thumbnails
    small = [t for t in text_sizes(page, PAIR) if t[1] < 16]
    assert not small, f"labels under 16 px: {small}"
    body = page.evaluate("getComputedStyle(document.querySelector('.stMarkdown p')).fontSize")
    assert float(body.rstrip("px")) >= 20
    page.screenshot(path=str(SHOTS / f"present-kernels-{size[0]}x{size[1]}.png"))   # what the hall sees
    if size == PROJECTOR_SIZES[0]:                         # the controls are one click away
        page.get_by_text("Image & settings").first.click()
        page.get_by_text("Sigma σ").first.wait_for(timeout=WAIT_MS)
        page.screenshot(path=str(SHOTS / "present-kernels-settings.png"))
    assert_no_exception_box(page)
