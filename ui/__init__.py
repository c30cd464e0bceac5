"""Streamlit pieces every page shares: sidebar, image picker, URL state, job panel, styling.

Every page imports this package first, which routes a cold deep link through app.py.
"""
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager



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


route_through_navigation()
