"""Augmentation and transfer in Chromium: the preview follows a slider, one transfer run, one photo upload,
and both pages in presentation mode at projector sizes (main picture inside the viewport, readable type).

Under load (a busy 2-core machine) every wait is on a condition with a generous limit, never on time."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from .conftest import (PROJECTOR_SIZES, SHOTS, assert_in_viewport, assert_no_exception_box, open_page, screenshot,
                       wait_idle)

pytestmark = pytest.mark.browser

WAIT_MS = 180_000                    # a page rerun under heavy load
TRAIN_MS = 420_000                   # a training job queued behind others under heavy load
AUG_MAIN = ".st-key-au_main"         # augmentation: the before/after batch grid
TR_MAIN = ".st-key-tr_main"          # transfer: accuracy against k, three methods
# Every piece of text a figure shows, with its computed size.
TEXT_SIZES = """els => els.filter(e => e.textContent.trim())
  .map(e => [e.textContent.trim().slice(0, 30), parseFloat(getComputedStyle(e).fontSize)])"""


def _png(channel: int, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 80, (120, 160, 3)).astype(np.uint8)
    img[..., channel] += 150
    buffer = io.BytesIO()
    Image.fromarray(img).save(buffer, format="PNG")
    return buffer.getvalue()


def test_preview_and_flip_warning(page, server_url):
    open_page(page, server_url, "augmentation?au_rotate_deg=25&au_noise=20&au_steps=100")
    page.get_by_text("after shift ±3 px").first.wait_for(timeout=WAIT_MS)
    page.locator(f"{AUG_MAIN} .main-svg").first.wait_for(timeout=WAIT_MS)
    screenshot(page, "augmentation-preview")
    page.get_by_text("Horizontal flip (half of the digits)").click()
    page.get_by_text("Horizontal flip changes the label").first.wait_for(timeout=WAIT_MS)
    wait_idle(page, WAIT_MS / 1000)
    assert_no_exception_box(page)
    page.locator("button", has_text="Train both").first.click()
    page.get_by_text("Shifted & rotated, with augmentation").first.wait_for(timeout=TRAIN_MS)
    wait_idle(page, WAIT_MS / 1000)
    assert_no_exception_box(page)
    screenshot(page, "augmentation-side-by-side")


def test_one_transfer_run(page, server_url):
    open_page(page, server_url, "transfer?tr_steps=50")
    page.get_by_text("UNTRAINED — random weights").first.wait_for(timeout=WAIT_MS)
    _run_transfer_unless_done(page)
    page.get_by_text("(b) in code").first.wait_for(timeout=TRAIN_MS)
    wait_idle(page, WAIT_MS / 1000)
    assert_no_exception_box(page)
    page.get_by_text("(b) in code").first.scroll_into_view_if_needed()
    screenshot(page, "transfer-digits")


def _run_transfer_unless_done(page) -> None:
    """Start the run unless this page shows its chart already; a run of the same settings that another
    session has finished on this server comes back at once (one shared run per setting)."""
    if page.locator(TR_MAIN).count() == 0:
        page.locator("button", has_text="Run the transfer experiment").first.click()
    page.locator(f"{TR_MAIN} .main-svg").first.wait_for(timeout=TRAIN_MS)
    wait_idle(page, WAIT_MS / 1000)


def test_photo_upload(page, server_url):
    open_page(page, server_url, "transfer?tr_source=upload")
    page.get_by_text("has no photos yet").first.wait_for(timeout=WAIT_MS)
    inputs = page.locator('input[type="file"]')
    inputs.nth(0).set_input_files([{"name": f"red{i}.png", "mimeType": "image/png", "buffer": _png(0, i)}
                                   for i in range(4)]
                                  + [{"name": "notes.png", "mimeType": "image/png", "buffer": b"not an image"}])
    page.get_by_text("notes.png").first.wait_for(timeout=WAIT_MS)
    wait_idle(page, WAIT_MS / 1000)
    page.locator('input[type="file"]').nth(1).set_input_files(
        [{"name": f"blue{i}.png", "mimeType": "image/png", "buffer": _png(2, 10 + i)} for i in range(4)])
    page.get_by_text("Is it a renamed text or PDF file?").first.wait_for(timeout=WAIT_MS)  # clear message, page goes on
    page.locator("button", has_text="Train the new head").first.wait_for(timeout=WAIT_MS)
    wait_idle(page, WAIT_MS / 1000)
    page.locator("button", has_text="Train the new head").first.click()
    page.get_by_text("Leave-one-out accuracy").first.wait_for(timeout=TRAIN_MS)
    wait_idle(page, WAIT_MS / 1000)
    page.locator('input[type="file"]').nth(2).set_input_files(
        [{"name": "new.png", "mimeType": "image/png", "buffer": _png(0, 99)}])
    page.get_by_text("probability (softmax").first.wait_for(timeout=WAIT_MS)
    wait_idle(page, WAIT_MS / 1000)
    assert_no_exception_box(page)
    screenshot(page, "transfer-photos")


def _readable(page, selector: str, size: tuple[int, int], name: str, what: str) -> None:
    """The main picture inside the viewport, near the top, labels >= 16 px, body text >= 20 px; a screenshot."""
    box = assert_in_viewport(page, selector, what=what)
    assert box["y"] < 0.3 * size[1], box                  # right under the title
    small = [t for t in page.eval_on_selector_all(f"{selector} svg text", TEXT_SIZES) if t[1] < 16]
    assert not small, f"labels under 16 px: {small}"
    body = page.evaluate("getComputedStyle(document.querySelector('[data-testid=\"stCaptionContainer\"]')).fontSize")
    assert float(body.rstrip("px")) >= 20
    page.screenshot(path=str(SHOTS / f"present-{name}-{size[0]}x{size[1]}.png"))   # what the hall sees
    assert_no_exception_box(page)


@pytest.mark.parametrize("size", PROJECTOR_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_augmentation_presentation_fits_a_projector(projector, server_url, size):
    page = projector(server_url, "augmentation", size)
    page.locator(f"{AUG_MAIN} .main-svg").first.wait_for(timeout=WAIT_MS)
    _readable(page, AUG_MAIN, size, "augmentation", "before/after batch grid")
    box = page.locator(AUG_MAIN).bounding_box()
    assert box["width"] >= 0.5 * size[0], box              # big, not a thumbnail strip
    if size == PROJECTOR_SIZES[0]:                         # the controls are one click away
        page.get_by_text("Augmentation settings").first.click()
        page.get_by_text("Gaussian noise").first.wait_for(timeout=WAIT_MS)
        page.screenshot(path=str(SHOTS / "present-augmentation-settings.png"))


@pytest.mark.parametrize("size", PROJECTOR_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_transfer_presentation_fits_a_projector(projector, server_url, size):
    page = projector(server_url, "transfer?tr_steps=50", size)
    _run_transfer_unless_done(page)
    _readable(page, TR_MAIN, size, "transfer", "accuracy-vs-k chart")
