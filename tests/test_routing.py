"""The one private Streamlit attribute ConvScope relies on (cold deep links): still there?"""
import streamlit
from streamlit.runtime.pages_manager import PagesManager


def test_pages_manager_still_has_the_switch():
    assert "uses_pages_directory" in vars(PagesManager), (
        f"Streamlit {streamlit.__version__} renamed PagesManager.uses_pages_directory: "
        "ui.route_through_navigation() no longer fixes cold deep links; find the new switch.")
    assert isinstance(PagesManager.uses_pages_directory, (bool, type(None)))


def test_the_switch_is_what_the_legacy_router_reads():
    """It must be the flag Streamlit consults to pick the pages/ folder router, not a dead name."""
    import inspect

    from streamlit.runtime import pages_manager

    assert "uses_pages_directory" in inspect.getsource(pages_manager)
    from streamlit.runtime.scriptrunner import script_runner

    runner_source = inspect.getsource(script_runner)
    assert "PagesManager.uses_pages_directory" in runner_source
