"""Streamlit pieces every page shares: sidebar, image picker, URL state, job panel, styling.

Every page calls :func:`run_inside_app` first, so a cold deep link still gets app.py's shared
sidebar and wide layout.
"""
import contextlib
import contextvars
import runpy
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

APP = Path(__file__).resolve().parent.parent / "app.py"

# Set while app.py's navigation runs a page, in this script run's thread only: per run, not per user.
_INSIDE_APP = contextvars.ContextVar("convscope_inside_app", default=False)


@contextlib.contextmanager
def inside_app():
    """Mark the page app.py's navigation runs now as running inside app.py."""
    token = _INSIDE_APP.set(True)
    try:
        yield
    finally:
        _INSIDE_APP.reset(token)


def run_inside_app() -> None:
    """Make sure this page runs inside app.py's ``st.navigation``; if not, run app.py here instead.

    Streamlit routes through its old folder-based multipage API (a folder named pages/) until
    app.py's ``st.navigation()`` has run once in the process: on a freshly started server every
    visitor whose run starts before then, on a deep link (/kernels), runs the page file on its own,
    with no shared sidebar and no wide layout. ``PagesManager.uses_pages_directory`` is that private
    switch (Streamlit 1.67; tests/test_routing.py fails loudly if an upgrade renames it): turn it
    off for the runs that follow, and run app.py in this very run, which runs this page again
    inside its navigation. In place rather than ``st.rerun()``, so a button click that started
    this run is not lost.
    """
    if _INSIDE_APP.get():
        return
    PagesManager.uses_pages_directory = False
    runpy.run_path(str(APP), run_name="__main__")
    st.stop()
