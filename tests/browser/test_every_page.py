"""Every page in the menu opens in Chromium without an exception box."""
import pytest

from ui.menu import PAGES

from .conftest import ROOT, open_page, screenshot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("file,path", [(f, p) for f, _, _, p in PAGES if (ROOT / f).is_file()])
def test_page_opens(page, server_url, file, path):
    open_page(page, server_url, path)
    assert page.locator("h1").count() >= 1, f"{path}: no title rendered"
    screenshot(page, f"page-{path}")


def test_presentation_mode_from_url(page, server_url):
    open_page(page, server_url, "home?present=1")
    size = page.evaluate("getComputedStyle(document.querySelector('h1')).fontSize")
    assert float(size.rstrip("px")) >= 44, f"title font {size} is not presentation-sized"
    screenshot(page, "home-presentation")
