"""ConvScope: an interactive visual explainer of convolutional neural networks.

Navigation and the shared sidebar only; each page lives in pages/.
"""
from pathlib import Path

import streamlit as st

from explainer.device import configure_threads, freeze_imported_objects
from ui import inside_app
from ui.menu import PAGES
from ui.share import share_view
from ui.sidebar import render_sidebar
from ui.tour import tour_panel


ROOT = Path(__file__).parent

st.set_page_config(page_title="ConvScope", page_icon=":material/blur_on:", layout="wide")
configure_threads()
freeze_imported_objects()
nav = st.navigation([
    st.Page(file, title=title, icon=icon, url_path=path, default=(path == "home"))
    for file, title, icon, path in PAGES if (ROOT / file).is_file()
])
render_sidebar()
tour_panel()
share_slot = st.sidebar.container()  # placed now, filled after the page has written its settings
with inside_app():
    nav.run()
with share_slot:  # after the page, so the link carries the settings it just wrote
    share_view(nav.url_path)
