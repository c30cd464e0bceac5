"""Widget state mirrored in the URL, so a shared link restores the same view.

Usage on a page::

    url = UrlState()
    k = url.bind("size", 3, lo=1, hi=15)       # session_state[k] seeded from ?size=…
    st.slider("Kernel size", 1, 15, key=k)     # no value= : the state holds it
    ...
    url.write()                                # after the widgets: push values to the URL

Values that don't parse or fall outside ``lo..hi`` / ``choices`` are ignored in favour
of the default, so a hand-edited link never breaks a page.
"""
from __future__ import annotations

from typing import Any, Sequence

import streamlit as st

from ui.keys import URL_BOUND


def _parse(raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(raw)
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        value = float(raw)
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(raw)
        return value
    if isinstance(default, (list, tuple)):
        items = [s for s in raw.split(",") if s != ""]
        if default and isinstance(default[0], (int, float)) and not isinstance(default[0], bool):
            kind = type(default[0])
            parsed = [kind(s) for s in items]
        else:
            parsed = items
        return type(default)(parsed)
    return raw


def url_text(value: Any) -> str:
    """A value as the address bar holds it (1/0 for booleans, comma lists, 6 significant digits)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (list, tuple)):
        return ",".join(url_text(v) for v in value)
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


class UrlState:
    """The URL-backed settings of one page."""

    def __init__(self) -> None:
        self._defaults: dict[str, Any] = {}

    def bind(self, key: str, default: Any, *, lo: float | None = None, hi: float | None = None,
             choices: Sequence[Any] | None = None) -> str:
        """Seed ``st.session_state[key]`` from ``?key=`` (once per session) and return ``key``."""
        self._defaults[key] = default
        st.session_state.setdefault(URL_BOUND, set()).add(key)  # so a tour step can reset every view
        if key not in st.session_state:
            value = default
            raw = st.query_params.get(key)
            if raw is not None:
                try:
                    candidate = _parse(raw, default)
                    items = candidate if isinstance(candidate, (list, tuple)) else [candidate]
                    ok = all((lo is None or v >= lo) and (hi is None or v <= hi) for v in items
                             if isinstance(v, (int, float)))
                    if choices is not None:
                        ok = ok and all(v in choices for v in items)
                    if ok:
                        value = candidate
                except (ValueError, TypeError):
                    pass
            st.session_state[key] = value
        return key

    def write(self) -> None:
        """Put every bound value into the URL (only the ones that differ from their default)."""
        for key, default in self._defaults.items():
            value = st.session_state.get(key, default)
            if value == default:
                if key in st.query_params:
                    del st.query_params[key]
            elif st.query_params.get(key) != url_text(value):
                st.query_params[key] = url_text(value)


def forget_url_settings() -> None:
    """Drop every URL-bound value from this session, so the next page reads its settings from the
    link alone (a tour step opens exactly the view it names, not what the student left behind)."""
    for key in st.session_state.get(URL_BOUND, set()):
        st.session_state.pop(key, None)
