"""“Share this view”: the link and QR code of the page as it is now, for students' own devices."""
from __future__ import annotations

import streamlit as st

from explainer import share

from .menu import PAGES
from .sidebar import presentation

BIG_BUTTON_KEY = "share_show_big"
QR_KEY = "share_qr"
SIDEBAR_PX = 260     # fits the sidebar without upscaling blur
PRESENT_PX = 600     # presentation mode: readable from the middle rows
FULL_PX = 900        # the dialog: readable from the back
DIALOG_PX = 540      # shown width in the dialog: fits under its title at 720 px high


@st.cache_data(max_entries=64, show_spinner=False)
def _code(url: str, side_px: int) -> share.ShareCode:
    return share.share_code(url, side_px=side_px)


def _page_from_browser(browser_url: str | None) -> str:
    """The url path of the page the browser shows (``kernels``), or "" for the start page."""
    last = (browser_url or "").split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return last if last in {path for *_, path in PAGES} else ""


def current_view_url(page_path: str | None = None) -> str:
    """The link of this view: public or browser base, page path, every query parameter.

    Call it after the page has run (its ``UrlState.write()`` updates the query string).
    """
    browser = st.context.url
    page = _page_from_browser(browser) if page_path is None else page_path
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    return share.share_url(page, params, base=share.base_url(browser, page))


@st.dialog("Open this view on your own device", width="large")
def _full_screen(url: str) -> None:
    # A fixed width keeps the whole code on a 1280x720 projector (a stretched one runs off the bottom).
    left, right = st.columns([3, 2], vertical_alignment="center")
    left.image(_code(url, FULL_PX).png, width=DIALOG_PX)
    right.markdown("Point your phone's camera at the code, or type the link:")
    right.code(url, language=None, wrap_lines=True)


def share_view(page_path: str | None = None) -> None:
    """Draw “Share this view” in the current container (meant for the sidebar).

    ``page_path``: the page's url path (``nav.url_path`` in app.py); read from the browser's
    address when None. Draw it after ``nav.run()`` so the link carries this run's settings.
    """
    present = presentation()
    with st.expander("Share this view", expanded=present, icon=":material/qr_code_2:"):
        try:
            url = current_view_url(page_path)
        except share.ShareError as err:
            st.warning(str(err))
            return
        # Projected, the code is the point; on a laptop it is made only when asked for
        # (a QR code per distinct link is a noticeable share of a busy server's time).
        code = None
        if present or st.toggle("QR code", key=QR_KEY, help="Show a QR code of this link."):
            try:
                code = _code(url, PRESENT_PX if present else SIDEBAR_PX)
            except share.ShareError as err:  # too long for a QR code: the link alone still works
                st.caption(str(err))
            else:
                st.image(code.png, width="stretch",
                         caption="Scan to open this page with the same settings.")
        st.code(url, language=None, wrap_lines=True)
        if present and code is not None and st.button("Show the QR code full screen", key=BIG_BUTTON_KEY,
                                 icon=":material/fullscreen:", width="stretch"):
            _full_screen(url)
