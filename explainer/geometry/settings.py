"""The padding & stride page's settings as one frozen value (plain data, no Streamlit).

The page binds each field to its URL key and widget. Defined here rather than in the page
script because a page script runs again on every control change, and building a frozen
dataclass costs about a millisecond each time.
"""
from __future__ import annotations

from dataclasses import dataclass

from explainer.geometry.arithmetic import Setting


@dataclass(frozen=True)
class GeometrySettings:
    """Everything the padding & stride page lets you choose, as the URL holds it (``?geo_op=maxpool&geo_s=2``)."""

    view: str
    op: str
    height: int
    width: int
    kernel_h: int
    kernel_w: int
    padding_mode: str
    pad_h: int                # custom padding, cells on each side
    pad_w: int
    stride: int
    dilation: int
    output_padding: int       # transposed convolution only
    numbers: bool
    input_values: str
    kernel_values: str
    fps: float
    start: int                # animation step shown first
    example: str              # the lecture example last loaded (its note shows while it matches)
    channels: int
    filters: int
    layers: int               # receptive-field view
    rf_kernel: int
    rf_stride: int
    blow_up: bool             # pyramid view: every level at the original's size

    def layer(self, op: str | None = None) -> Setting:
        """The layer the sliding-window controls describe (checked later by ``plan``)."""
        op = op or self.op
        custom = self.padding_mode == "custom"
        return Setting(
            op=op, size=(self.height, self.width), kernel=(self.kernel_h, self.kernel_w),
            stride=(self.stride,) * 2, dilation=(self.dilation,) * 2, padding_mode=self.padding_mode,
            padding=(self.pad_h, self.pad_w) if custom else (0, 0),
            output_padding=(self.output_padding,) * 2 if op == "transposed" else (0, 0))
