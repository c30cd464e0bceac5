"""The sidebar every page shares: presentation mode, device, credits."""
from __future__ import annotations

import streamlit as st

from explainer.device import describe_device

PRESENT_KEY = "present"

_PRESENTATION_CSS = """
<style>
html, body, [class*="css"], .stMarkdown, .stText, label, .stCaption { font-size: 1.25rem; }
.stMarkdown p, .stMarkdown li { font-size: 1.35rem !important; line-height: 1.5; }
h1 { font-size: 3rem !important; }  h2 { font-size: 2.2rem !important; }  h3 { font-size: 1.8rem !important; }
[data-testid="stMetricValue"] { font-size: 2.6rem !important; }
code { font-size: 1.15rem !important; }
.block-container { padding-top: 1.5rem; max-width: 100% !important; }
</style>
"""


def presentation() -> bool:
    """True when the lecturer has switched on presentation mode (bigger type, fewer controls)."""
    return bool(st.session_state.get(PRESENT_KEY, False))


def font_size() -> int:
    """Base font size for figures: readable from the back row in presentation mode."""
    return 22 if presentation() else 14


def render_sidebar() -> None:
    """Draw the shared sidebar; call once per run from app.py, before the page."""
    if PRESENT_KEY not in st.session_state:
        st.session_state[PRESENT_KEY] = st.query_params.get(PRESENT_KEY) == "1"
    with st.sidebar:
        st.toggle("Presentation mode", key=PRESENT_KEY,
                  help="Bigger type and figures, fewer controls: for projecting in a lecture hall.")
        st.caption(f"Compute: {describe_device()}")
    if presentation():
        st.query_params[PRESENT_KEY] = "1"
        st.markdown(_PRESENTATION_CSS, unsafe_allow_html=True)
    elif PRESENT_KEY in st.query_params:
        del st.query_params[PRESENT_KEY]


def advanced(label: str = "More settings"):
    """A container for secondary controls: an expander normally, hidden-by-default in presentation."""
    return st.expander(label, expanded=False)
