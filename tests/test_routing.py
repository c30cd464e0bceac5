"""The one private Streamlit attribute ConvScope relies on (cold deep links): still there?"""
import streamlit
from streamlit.runtime.pages_manager import PagesManager


def test_pages_manager_still_has_the_switch():
    assert "uses_pages_directory" in vars(PagesManager), (
        f"Streamlit {streamlit.__version__} renamed PagesManager.uses_pages_directory: "
        "ui.run_inside_app() no longer fixes cold deep links; find the new switch.")
    assert isinstance(PagesManager.uses_pages_directory, (bool, type(None)))


def test_the_switch_is_what_the_legacy_router_reads():
    """It must be the flag Streamlit consults to pick the pages/ folder router, not a dead name."""
    import inspect

    from streamlit.runtime import pages_manager

    assert "uses_pages_directory" in inspect.getsource(pages_manager)
    from streamlit.runtime.scriptrunner import script_runner

    runner_source = inspect.getsource(script_runner)
    assert "PagesManager.uses_pages_directory" in runner_source


def test_every_page_enters_through_app_py_before_drawing():
    """The first statement after a page's imports is ``run_inside_app()``: nothing is drawn before it."""
    import ast

    from ui.menu import PAGES

    from .conftest import ROOT

    for file, *_ in PAGES:
        body = ast.parse((ROOT / file).read_text()).body
        first = next(n for n in body if not isinstance(n, (ast.Import, ast.ImportFrom))
                     and not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)))
        assert ast.unparse(first) == "run_inside_app()", f"{file}: starts with {ast.unparse(first)[:60]!r}"
