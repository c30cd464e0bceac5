"""Augmentation and transfer in Chromium: the preview follows a slider, one transfer run, one photo upload."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from .conftest import assert_no_exception_box, open_page, screenshot, wait_idle

pytestmark = pytest.mark.browser


def _png(channel: int, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 80, (120, 160, 3)).astype(np.uint8)
    img[..., channel] += 150
    buffer = io.BytesIO()
    Image.fromarray(img).save(buffer, format="PNG")
    return buffer.getvalue()


def test_preview_and_flip_warning(page, server_url):
    open_page(page, server_url, "augmentation?au_rotate_deg=25&au_noise=20")
    page.get_by_text("after shift ±3 px").first.wait_for()
    screenshot(page, "augmentation-preview")
    page.get_by_text("Horizontal flip (half of the digits)").click()
    page.get_by_text("Horizontal flip changes the label").first.wait_for(timeout=30_000)
    wait_idle(page)
    assert_no_exception_box(page)
    page.locator("button", has_text="Train both").first.click()
    page.get_by_text("Shifted & rotated, with augmentation").first.wait_for(timeout=240_000)
    wait_idle(page)
    assert_no_exception_box(page)
    screenshot(page, "augmentation-side-by-side")


def test_one_transfer_run(page, server_url):
    open_page(page, server_url, "transfer?tr_steps=50")
    page.get_by_text("UNTRAINED — random weights").first.wait_for()
    page.locator("button", has_text="Run the transfer experiment").first.click()
    page.get_by_text("(b) in code").first.wait_for(timeout=300_000)
    wait_idle(page)
    assert_no_exception_box(page)
    page.get_by_text("(b) in code").first.scroll_into_view_if_needed()
    screenshot(page, "transfer-digits")


def test_photo_upload(page, server_url):
    open_page(page, server_url, "transfer?tr_source=upload")
    page.get_by_text("has no photos yet").first.wait_for()
    inputs = page.locator('input[type="file"]')
    inputs.nth(0).set_input_files([{"name": f"red{i}.png", "mimeType": "image/png", "buffer": _png(0, i)}
                                   for i in range(4)]
                                  + [{"name": "notes.png", "mimeType": "image/png", "buffer": b"not an image"}])
    page.get_by_text("notes.png").first.wait_for()
    wait_idle(page)
    page.locator('input[type="file"]').nth(1).set_input_files(
        [{"name": f"blue{i}.png", "mimeType": "image/png", "buffer": _png(2, 10 + i)} for i in range(4)])
    page.get_by_text("Is it a renamed text or PDF file?").first.wait_for()  # a clear message, the page goes on
    page.locator("button", has_text="Train the new head").first.click()
    page.get_by_text("Leave-one-out accuracy").first.wait_for(timeout=240_000)
    wait_idle(page)
    page.locator('input[type="file"]').nth(2).set_input_files(
        [{"name": "new.png", "mimeType": "image/png", "buffer": _png(0, 99)}])
    page.get_by_text("probability (softmax").first.wait_for(timeout=120_000)
    wait_idle(page)
    assert_no_exception_box(page)
    screenshot(page, "transfer-photos")
