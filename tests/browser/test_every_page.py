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
    assert float(size.rstrip("px")) >= 32, f"title font {size} is not presentation-sized"
    screenshot(page, "home-presentation")


@pytest.mark.parametrize("path", ["feature_maps", "style_transfer"])
def test_first_request_to_a_fresh_server_can_be_a_deep_link(page, path):
    # Streamlit's old folder router answers until app.py has run once; a shared link
    # opened right after a restart must still land on its page, with the shared sidebar.
    from .conftest import running_app

    with running_app() as url:
        open_page(page, url, path, timeout_s=180)
        assert path in page.url
        assert page.locator("h1").first.inner_text().strip() != "ConvScope"
        assert page.get_by_text("Presentation mode").count() >= 1, "the shared sidebar is missing"
        screenshot(page, f"cold-{path}")
