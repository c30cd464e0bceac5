"""What the kernel playground sends to the browser: pictures encoded once, with the words beside them.

A page rerun should not pay for encoding a 512×512 picture it has already sent: these
functions turn a filter result (or Canny's stages) into small encoded pictures and the
numbers the captions quote, so a page can cache them by the settings that made them and
hand the same bytes to every rerun (and every student) that asks for the same thing.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

from explainer.kernels.canny import CannyStages, stage_pictures
from explainer.kernels.filtering import Filtered, to_display

#: JPEG quality for pictures on screen: photos and filter outputs look the same as the PNG,
#: at a fifth of the bytes (Streamlit's default for arrays is quality 100).
QUALITY = 90


def picture_bytes(pixels: np.ndarray, *, quality: int = QUALITY) -> bytes:
    """``(H, W)`` or ``(H, W, 3)`` uint8 pixels as JPEG bytes.

    No chroma subsampling (4:4:4): one-pixel coloured lines (Canny's blue maybes, the
    compass map) keep their colour.
    """
    img = Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality, subsampling=0)
    return buf.getvalue()


@dataclass(frozen=True)
class ShownResult:
    """A filter result as the page shows it: the picture and what the caption says about it."""

    picture: bytes               # JPEG of the display pixels
    size: tuple[int, int]        # (width, height) of the picture in pixels
    sentence: str                # how the raw numbers became pixels
    shapes: str                  # e.g. "512×512×3 → 506×506×1"
    parts: dict[str, bytes]      # extra pictures: "gx", "gy" (|Sobel x|, |Sobel y|) for the magnitude


def shown_result(result: Filtered) -> ShownResult:
    """Encode a :class:`~explainer.kernels.filtering.Filtered` for the screen (parts: Sobel x/y magnitudes)."""
    pixels = result.display.pixels
    parts = {name: picture_bytes(to_display(result.parts[name], "abs").pixels)
             for name in ("gx", "gy") if name in result.parts}
    return ShownResult(picture=picture_bytes(pixels), size=(pixels.shape[1], pixels.shape[0]),
                       sentence=result.display.sentence, shapes=result.shapes, parts=parts)


@dataclass(frozen=True)
class ShownCanny:
    """Canny's five stages as pictures, with the numbers their captions quote."""

    pictures: dict[str, bytes]   # blurred, magnitude, thinned, double, edges
    sigma: float
    low: float                   # absolute thresholds on the gradient magnitude
    high: float
    edge_pixels: int


def shown_canny(stages: CannyStages) -> ShownCanny:
    return ShownCanny(pictures={k: picture_bytes(v) for k, v in stage_pictures(stages).items()},
                      sigma=stages.sigma, low=stages.low, high=stages.high, edge_pixels=int(stages.edges.sum()))
