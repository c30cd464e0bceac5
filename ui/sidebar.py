"""The sidebar every page shares, and presentation mode: what changes when the app is projected.

Presentation mode (sidebar toggle, or ``?present=1`` in a link) is for a lecture hall:
type at least 20 px, figures labelled at 16 px or more, a high-contrast look, and each
page's main picture right under its title. Pages ask this module how big to draw
(``font_size()``, ``figure_height()``) and where to put controls (``controls()``), so the
same page fits a 1280x720 projector without scrolling.
"""
from __future__ import annotations

import streamlit as st

from explainer.device import describe_device
from explainer.precision import describe_precision
from ui.keys import PRESENT

PRESENT_KEY = PRESENT

_PRESENTATION_CSS = """
<style>
/* Readable from the back row: 20 px body text, bold headings, near-black ink on white. */
html, body, .stApp { color: #111 !important; }
.stMarkdown p, .stMarkdown li, label, .stCaption, [data-testid="stCaptionContainer"] { font-size: 1.25rem !important; }
.stMarkdown p, .stMarkdown li { line-height: 1.45; }
[data-testid="stCaptionContainer"] { color: #333 !important; }
h1 { font-size: 2.3rem !important; padding: 0 0 .25rem 0 !important; }
h2 { font-size: 1.9rem !important; }  h3 { font-size: 1.6rem !important; }
[data-testid="stMetricValue"] { font-size: 2.4rem !important; }
code { font-size: 1.1rem !important; }
/* Room for the picture: no toolbar strip, little padding above the title. */
header[data-testid="stHeader"] { height: 0 !important; min-height: 0 !important; background: transparent; }
.block-container, [data-testid="stMainBlockContainer"] { padding-top: 0.8rem !important; padding-bottom: 1rem !important;
  max-width: 100% !important; }
[data-testid="stVerticalBlock"] { gap: 0.6rem; }
</style>
"""


def presentation() -> bool:
    """True when the lecturer has switched on presentation mode (bigger type, fewer controls)."""
    return bool(st.session_state.get(PRESENT_KEY, False))


def font_size() -> int:
    """Base font size for figures: readable from the back row in presentation mode."""
    return 20 if presentation() else 14


def figure_height(normal: int, projected: int | None = None) -> int:
    """A figure's height in pixels; projected, small enough that title + figure fit 720 px."""
    return (projected or min(normal, 480)) if presentation() else normal


def controls(label: str = "Settings"):
    """Where a page's controls go: inline normally; projected, behind one compact button
    (a popover) so the picture moves up under the title."""
    if presentation():
        return st.popover(label, icon=":material/tune:")
    return st.container()


def intro(text: str) -> None:
    """A page's opening paragraph: shown normally, folded away when projected (the lecturer talks)."""
    if presentation():
        return
    st.markdown(text)


def render_sidebar() -> None:
    """Draw the shared sidebar; call once per run from app.py, before the page."""
    if PRESENT_KEY not in st.session_state:
        st.session_state[PRESENT_KEY] = st.query_params.get(PRESENT_KEY) == "1"
    with st.sidebar:
        st.toggle("Presentation mode", key=PRESENT_KEY,
                  help="Bigger type and figures, controls folded away: for projecting in a lecture hall.")
        st.caption(f"Compute: {describe_device()} · {describe_precision()}")
    if presentation():
        st.query_params[PRESENT_KEY] = "1"
        st.markdown(_PRESENTATION_CSS, unsafe_allow_html=True)
    elif PRESENT_KEY in st.query_params:
        del st.query_params[PRESENT_KEY]


def advanced(label: str = "More settings"):
    """A container for secondary controls: an expander, closed by default."""
    return st.expander(label, expanded=False)
