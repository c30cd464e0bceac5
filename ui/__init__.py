"""Streamlit pieces every page shares: sidebar, image picker, URL state, styling."""
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

# Streamlit routes through the old folder-based multipage API (a folder named pages/)
# until app.py's st.navigation() has run once in this process. If the very first
# request after a restart is a deep link (/kernels), the page script would run
# without app.py: no shared sidebar, no wide layout. Every page imports ui, so
# switch the process to st.navigation here and rerun through app.py.
if PagesManager.uses_pages_directory:
    PagesManager.uses_pages_directory = False
    st.rerun()
