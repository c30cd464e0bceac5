"""“Share this view”: the link of the current view and a QR code students scan from their seats.

Every page keeps its settings in the query string (``ui.url_state``), so the link of a view
is ``<base>/<page url path>?<settings>``. The base is the public address when one is set
(``CONVSCOPE_PUBLIC_URL``, e.g. the Hugging Face Space) — a lecturer running the app on a
laptop would otherwise hand out ``http://127.0.0.1:8501`` — else the address the browser used.

The QR code is made here, in Python (segno, pure Python), never by a web service.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence
from urllib.parse import quote, urlsplit

import numpy as np
import segno
from PIL import Image

from explainer import config

#: Used when neither a public URL nor the browser's address is known (tests, scripts).
LOCAL_BASE = "http://localhost:8501"
#: Display settings of the lecturer's screen, not of the view: a student's phone should not
#: open in presentation mode.
NOT_SHARED = ("present",)
#: Characters left as they are in a query value: ``,`` separates list values (``rgbw=0.3,0.3,0.4``).
_SAFE = ",:"
#: Medium error correction: survives a glare spot on the projection, keeps modules large.
_ERROR = "m"
#: The quiet zone the QR standard asks for, in modules.
BORDER = 4


class ShareError(ValueError):
    """A link that cannot be shared as asked (bad base URL, too long for a QR code)."""


def base_url(browser_url: str | None = None, page_path: str = "") -> str:
    """Where shared links point: ``CONVSCOPE_PUBLIC_URL``, else the browser's address minus the page.

    ``browser_url`` is what the browser shows without its query (``st.context.url``), e.g.
    ``http://127.0.0.1:8501/kernels``; ``page_path`` (``kernels``) is cut from its end.
    """
    public = config.public_url()
    if public:
        return _checked_base(public)
    if not browser_url:
        return LOCAL_BASE
    url = browser_url.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    page = page_path.strip("/")
    if page and url.endswith("/" + page):
        url = url[: -len(page) - 1]
    return _checked_base(url)


def _checked_base(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ShareError(f"{url!r} is not a web address to share (expected http://… or https://…). "
                         f"Check {config.PUBLIC_URL}.")
    return url.strip().rstrip("/")


def query_string(params: Mapping[str, str | Sequence[str]], *, drop: Iterable[str] = NOT_SHARED) -> str:
    """``key=value&…`` with every reserved character escaped; list values repeat their key.

    Spaces become ``%20`` (not ``+``), so the value reads back the same in any parser;
    newlines, ``&``, ``=``, ``#``, ``+`` and non-ASCII text (``−∞``) are percent-encoded.
    """
    dropped = set(drop)
    pairs = []
    for key, value in params.items():
        if key in dropped:
            continue
        values = [value] if isinstance(value, str) else list(value)
        pairs += [f"{quote(str(key), safe='')}={quote(str(v), safe=_SAFE)}" for v in values]
    return "&".join(pairs)


def share_url(page_path: str, params: Mapping[str, str | Sequence[str]] | None = None, *,
              base: str | None = None, drop: Iterable[str] = NOT_SHARED) -> str:
    """The full link of a view: ``<base>/<page_path>?<params>``.

    Args:
        page_path: the page's url path (``kernels``, ``geometry``; ``""`` for the start page).
        params: the query parameters of the view (``st.query_params``), values as strings
            or lists of strings. Default: none.
        base: scheme, host and any prefix (``https://me-convscope.hf.space``). Default:
            :func:`base_url` (``CONVSCOPE_PUBLIC_URL`` or ``http://localhost:8501``).
        drop: keys left out of the link. Default: presentation mode.
    """
    root = _checked_base(base) if base else base_url()
    page = quote(page_path.strip("/"), safe="/")
    url = f"{root}/{page}" if page else f"{root}/"
    query = query_string(params or {}, drop=drop)
    return f"{url}?{query}" if query else url


# --------------------------------------------------------------------------- the QR code

@dataclass(frozen=True)
class ShareCode:
    """A QR code of ``url`` ready to show: PNG bytes and what a reader needs to know about it."""

    url: str
    png: bytes
    version: int        # 1..40: the size class; each step adds 4 modules a side
    modules: int        # modules per side, quiet zone excluded
    side_px: int        # PNG width = height, quiet zone included
    scale: int          # pixels per module


def qr_symbol(url: str) -> segno.QRCode:
    """Encode ``url`` (byte mode, medium error correction, never a Micro QR)."""
    try:
        return segno.make(url, error=_ERROR, micro=False)
    except segno.DataOverflowError as err:
        raise ShareError(f"This link is {len(url)} characters long: too long for a QR code that can be "
                         "scanned from a seat. Share the link itself, or reset some settings.") from err


def qr_matrix(url: str) -> np.ndarray:
    """The code as a boolean (modules, modules) array, True = dark, without the quiet zone."""
    return np.array(qr_symbol(url).matrix, dtype=bool)


def share_code(url: str, *, side_px: int = 480) -> ShareCode:
    """A QR code of ``url`` as a black-on-white PNG about ``side_px`` wide (never below 3 px per module).

    Bigger modules scan from further away: 480 px projected on a 3 m wide screen makes a
    code ~0.75 m wide, readable by a phone across a lecture hall. Black on white, because
    many phone readers reject inverted codes. segno encodes; Pillow writes the PNG (segno's
    own PNG writer is pure Python and several times slower at these sizes).
    """
    symbol = qr_symbol(url)
    dark = np.pad(np.array(symbol.matrix, dtype=bool), BORDER)  # (modules + 8, modules + 8), quiet zone light
    modules = dark.shape[0] - 2 * BORDER
    scale = max(3, side_px // dark.shape[0])
    pixels = np.repeat(np.repeat(~dark, scale, axis=0), scale, axis=1)  # True = white
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG")  # mode "1": one bit a pixel
    return ShareCode(url=url, png=buf.getvalue(), version=int(symbol.version), modules=modules,
                     side_px=dark.shape[0] * scale, scale=scale)


def qr_svg(url: str, *, scale: int = 8) -> str:
    """The same code as an SVG document (sharp at any size, e.g. on a slide)."""
    buf = io.BytesIO()
    qr_symbol(url).save(buf, kind="svg", scale=scale, border=BORDER, xmldecl=False)
    return buf.getvalue().decode("utf-8")
