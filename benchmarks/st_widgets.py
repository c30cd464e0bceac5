"""What a simulated student knows of the page: its widgets, the values their protos start with, and what each
requested script run cost (st_client.Session keeps these as the browser's frontend does)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

WIDGET_KINDS = ("slider", "selectbox", "radio", "checkbox", "number_input", "text_input", "button")


@dataclass
class Widget:
    """One widget as the client knows it: where it came from and the value the client holds."""
    id: str
    kind: str                  # the Element oneof name: slider, selectbox, radio, …
    label: str
    proto: Any
    fragment_id: str = ""
    in_sidebar: bool = False

    @property
    def options(self) -> list[str]:
        return list(getattr(self.proto, "options", []))


@dataclass
class Run:
    """What one requested script run cost the client: latency, bytes, and what went wrong."""
    latency_s: float = 0.0
    bytes: int = 0
    messages: int = 0
    status: str = "timeout"
    media_bytes: int = 0
    exceptions: list[str] = field(default_factory=list)
    error_boxes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status not in ("ok", "fragment_ok") or bool(self.exceptions)


def initial_value(w: Widget) -> tuple[str, Any] | None:
    """(WidgetState field, value) the frontend registers when the widget first mounts."""
    p = w.proto
    if w.kind == "slider":
        if p.type == p.Type.SELECT_SLIDER:  # the server sets it as option strings (raw_value)
            if p.set_value and p.raw_value:
                return "string_array_value", list(p.raw_value)
            return "string_array_value", [p.options[int(i)] for i in p.default]
        return "double_array_value", list(p.value) if p.set_value else list(p.default)
    if w.kind in ("selectbox", "radio"):  # index=None: no default, nothing sent until the user picks
        if p.set_value and p.HasField("raw_value"):
            return "string_value", p.raw_value
        ok = p.HasField("default") and 0 <= p.default < len(p.options)
        return ("string_value", p.options[p.default]) if ok else None
    if w.kind == "checkbox":
        return "bool_value", p.value if p.set_value else p.default
    if w.kind == "number_input":
        if p.set_value and p.HasField("value"):
            return "double_value", p.value
        return ("double_value", p.default) if p.HasField("default") else None
    if w.kind == "text_input":
        return "string_value", p.value if p.set_value else p.default
    return None  # buttons send a trigger only when clicked; unknown widgets keep their server value
