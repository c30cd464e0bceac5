"""The feature-map page in Chromium: every network opens, the layer can be changed."""
import pytest

from .conftest import (PROJECTOR_SIZES, SHOTS, assert_in_viewport, assert_projected_type, assert_no_exception_box,
                       open_page, screenshot, wait_idle)

pytestmark = pytest.mark.browser

DEEP = {"VGG16": "features.29", "VGG19": "features.35", "ResNet18": "layer4.1.relu_1",
        "ResNet50": "layer4.2.relu_2"}


def tall_screenshot(page, name: str) -> None:
    # Streamlit scrolls inside its own container, so a full-page shot is one viewport high.
    page.set_viewport_size({"width": 1500, "height": 2300})
    page.wait_for_timeout(800)
    screenshot(page, name)
    page.set_viewport_size({"width": 1500, "height": 1000})


def open_viewer(page, server_url, query: str) -> None:
    open_page(page, server_url, f"feature_maps?{query}", timeout_s=240)
    page.locator(".js-plotly-plot").first.wait_for(timeout=240_000)  # the first forward pass is done
    wait_idle(page, 120)
    assert_no_exception_box(page)


def choose(page, label: str, text: str) -> None:
    """Pick the option of a Streamlit selectbox whose label is ``label`` by typing ``text``."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_text(label, exact=True)).first
    box.click()
    page.keyboard.type(text)
    page.get_by_role("option").filter(has_text=text).first.click()


@pytest.mark.parametrize("model", list(DEEP))
def test_each_network_opens_and_switches_layer(page, server_url, model):
    open_viewer(page, server_url, f"model={model}")
    body = page.locator('[data-testid="stMain"]')
    assert "UNTRAINED" in body.inner_text(), "offline, the page must say the weights are untrained"
    tall_screenshot(page, f"feature-maps-{model}")
    choose(page, "Layer", DEEP[model])
    wait_idle(page, 120)
    assert_no_exception_box(page)
    page.wait_for_function("q => location.search.includes(q)", arg=f"layer={DEEP[model]}", timeout=30_000)
    assert page.locator(".js-plotly-plot").count() >= 2
    tall_screenshot(page, f"feature-maps-{model}-deep")


def test_tabs_and_presentation(page, server_url):
    open_viewer(page, server_url, "model=ResNet18&present=1")
    for tab in ("Early vs deep", "First-layer filters", "Layer table", "Predictions"):
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(400)
        assert_no_exception_box(page)
        tall_screenshot(page, f"feature-maps-tab-{tab.lower().replace(' ', '-')}")
    assert "meaningless" in page.locator('[data-testid="stMain"]').inner_text()


@pytest.mark.parametrize("size", PROJECTOR_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_presentation_fits_a_projector(projector, server_url, size):
    """Issue 11: projected, the grid sits under the title, whole, with no scrolling; type stays large."""
    page = projector(server_url, "feature_maps", size)
    page.locator(".js-plotly-plot").first.wait_for(timeout=240_000)
    wait_idle(page, 120)
    assert_no_exception_box(page)
    page.wait_for_timeout(600)  # plotly lays out after the script has finished
    grid = '[data-testid="stPlotlyChart"]'
    box = assert_in_viewport(page, grid, what="feature-map grid")
    assert box["height"] >= 300, box  # a real picture, not a squeezed strip
    page.screenshot(path=str(SHOTS / f"present-feature_maps-{size[0]}x{size[1]}.png"))
    labels = page.locator(f"{grid} >> nth=0").locator(".textpoint text")
    assert_projected_type(page, labels, count=8, checked=3)
    page.get_by_role("button", name="Layer & channels").click()  # the controls are one click away
    page.get_by_text("How many").first.wait_for(timeout=30_000)
