"""Streamlit pieces every page shares: sidebar, image picker, URL state, job panel, styling.

Every page imports this package first and calls :func:`inside_app` once per run, which
routes a cold deep link through app.py.
"""
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

#: Set by app.py for the length of one run: the page is running inside st.navigation.
APP_RUN = "app_run"


def route_through_navigation() -> None:
    """Make a deep link on a freshly started server run inside app.py's ``st.navigation``.

    Streamlit routes through its old folder-based multipage API (a folder named pages/)
    until app.py's ``st.navigation()`` has run once in the process. If the very first
    request is a deep link (/kernels), the page script would run on its own: no shared
    sidebar, no wide layout. ``PagesManager.uses_pages_directory`` is that private
    switch (Streamlit 1.67); flip it and rerun through app.py. tests/test_routing.py
    fails loudly if an upgrade renames it.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def inside_app() -> None:
    """Call at the top of every page: if this run did not come through app.py, rerun through it.

    On a cold server, visitors whose first run started before any app.py had run get the
    legacy pages/ router; the import-time switch above fixes the process but not their run
    already under way. app.py marks its runs (``APP_RUN``); a page run without the mark
    reruns, now through app.py.
    """
    route_through_navigation()
    if not st.session_state.get(APP_RUN):
        st.rerun()


route_through_navigation()
