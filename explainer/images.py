"""Images in, safe RGB arrays out.

Every page takes pictures from strangers (uploads, a webcam, a folder), so all of
them pass through :func:`load_image`: whatever Pillow can open becomes an
``(H, W, 3) uint8`` array with EXIF orientation applied, and everything else
becomes an :class:`ImageError` whose message can be shown to a student as is.
"""
from __future__ import annotations

import io
import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from explainer import config

#: Refuse images above this many pixels before decoding them (decompression bombs).
MAX_PIXELS = 40_000_000
#: Smaller than this on either side there is nothing to convolve.
MIN_SIDE = 8
#: Working size: pages shrink larger images so a slider move stays interactive.
WORK_SIDE = 512

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff"}


class ImageError(ValueError):
    """The input is not a usable image; ``str(err)`` is a message for the user."""


def load_image(source, *, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Decode ``source`` into an ``(H, W, 3) uint8`` RGB array.

    ``source`` may be raw bytes, a path, a binary file object (a Streamlit upload),
    a PIL image or a numpy array (``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4)``).
    Animated images give their first frame; transparent ones are laid on white;
    16-bit, float, CMYK, palette and 1-bit images are converted.

    Raises:
        ImageError: empty, truncated, not an image, too many pixels, or too small.
    """
    if isinstance(source, np.ndarray):
        return _check_size(_array_to_rgb(source))
    img = source if isinstance(source, Image.Image) else _open(source)
    w, h = img.size
    if w * h > max_pixels:
        raise ImageError(
            f"This image is too large: {w}×{h} = {w * h / 1e6:.0f} megapixels; the limit is "
            f"{max_pixels / 1e6:.0f} MP. Please use a smaller picture."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img.seek(0)  # animated GIF/WebP/APNG: first frame
            img = ImageOps.exif_transpose(img)
            rgb = _to_rgb(img)
    except ImageError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombWarning,
            Image.DecompressionBombError) as err:
        raise ImageError(f"The file looks like an image but could not be decoded ({err}). "
                         "It may be truncated or corrupt.") from err
    return _check_size(rgb)


def _open(source) -> Image.Image:
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise ImageError(f"No image file at {path}.")
        data = path.read_bytes()
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif hasattr(source, "read"):
        if hasattr(source, "seek"):
            source.seek(0)
        data = source.read()
    else:
        raise ImageError(f"Cannot read an image from a {type(source).__name__}.")
    if not data:
        raise ImageError("The file is empty (0 bytes).")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError) as err:
        if isinstance(err, UnidentifiedImageError):
            raise ImageError("This file is not an image Pillow can read (PNG, JPEG, GIF, "
                             "BMP, WebP, TIFF…). Is it a renamed text or PDF file?") from err
        raise ImageError(f"This image is too large to open safely: its header claims far more than "
                         f"the {MAX_PIXELS / 1e6:.0f} megapixels allowed (a 'decompression bomb'?).") from err
    except OSError as err:
        raise ImageError(f"The file could not be read as an image ({err}).") from err


def _to_rgb(img: Image.Image) -> np.ndarray:
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # 16-bit or float greyscale: stretch its own range to 0..255 rather than clipping.
        return _array_to_rgb(np.asarray(img, dtype=np.float64))
    if mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        img = img.convert("RGBA")
        white = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, img)
    return np.array(img.convert("RGB"), dtype=np.uint8)


def _array_to_rgb(arr: np.ndarray) -> np.ndarray:
    arr = np.asarray(arr)
    if arr.ndim == 3 and arr.shape[2] == 4:
        alpha = arr[..., 3:4].astype(np.float64) / (255.0 if arr.dtype == np.uint8 else 1.0)
        arr = arr[..., :3] * alpha + (255.0 if arr.dtype == np.uint8 else 1.0) * (1 - alpha)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[..., 0]
    if arr.ndim == 2:
        arr = np.repeat(arr[..., None], 3, axis=2)
    if arr.ndim != 3 or arr.shape[2] != 3:
        raise ImageError(f"Expected a greyscale or RGB picture, got an array of shape {arr.shape}.")
    if arr.dtype == np.uint8:
        return np.ascontiguousarray(arr)
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise ImageError("The image contains NaN or infinite values.")
    lo, hi = float(arr.min()), float(arr.max())
    if 0.0 <= lo and hi <= 1.0 and arr.dtype.kind == "f":
        scaled = arr * 255.0
    elif hi > lo:
        scaled = (arr - lo) / (hi - lo) * 255.0
    else:
        scaled = np.zeros_like(arr)
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def _check_size(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    if min(h, w) < MIN_SIDE:
        raise ImageError(f"This image is only {w}×{h} pixels; please use one at least "
                         f"{MIN_SIDE}×{MIN_SIDE}.")
    return rgb


def fit_within(rgb: np.ndarray, max_side: int = WORK_SIDE) -> np.ndarray:
    """Shrink (never enlarge) so the longer side is at most ``max_side``, keeping the aspect."""
    h, w = rgb.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1:
        return rgb
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.LANCZOS))


def to_gray(rgb: np.ndarray) -> np.ndarray:
    """ITU-R 601 luma, as float32 in 0..255: what "grayscale" means on every page."""
    return (rgb[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32))


# ---------------------------------------------------------------------------------------
# Sample images: photos that ship inside scikit-image, so a fresh machine works offline.

@dataclass(frozen=True)
class SampleImage:
    key: str
    title: str
    credit: str
    load: Callable[[], np.ndarray]


def _skimage(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        import skimage.data

        return load_image(getattr(skimage.data, name)())
    return load


_SKIMAGE = [
    ("astronaut", "Astronaut (Eileen Collins)", "NASA, public domain — via scikit-image"),
    ("coffee", "Coffee cup", "Rachel Michetti, CC0 — via scikit-image"),
    ("chelsea", "Chelsea the cat", "Stéfan van der Walt, CC0 — via scikit-image"),
    ("rocket", "Falcon 9 rocket", "SpaceX, CC0 — via scikit-image"),
    ("camera", "Cameraman", "Public domain (MIT) — via scikit-image"),
    ("coins", "Greek coins", "Brooklyn Museum, public domain — via scikit-image"),
    ("brick", "Brick wall (texture)", "Stéfan van der Walt, CC0 — via scikit-image"),
    ("grass", "Grass (texture)", "Stéfan van der Walt, CC0 — via scikit-image"),
    ("gravel", "Gravel (texture)", "Stéfan van der Walt, CC0 — via scikit-image"),
]


#: Public-domain paintings shipped with the app (at most 512 px), described in credits.json there.
PAINTINGS_DIR = config.PROJECT_ROOT / "assets" / "styles"


def _paintings() -> dict[str, SampleImage]:
    """The shipped paintings with title and credit; none (not an error) if the folder is missing."""
    try:
        entries = json.loads((PAINTINGS_DIR / "credits.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    found = {}
    for e in entries:
        path = PAINTINGS_DIR / e["file"]
        if path.is_file():
            credit = f"{e['artist']}, {e['title']} ({e['year']}), {e['source']}. Public domain."
            found[e["key"]] = SampleImage(e["key"], f"{e['title']} — {e['artist']} (painting)", credit,
                                          lambda p=path: load_image(p))
    return found


def sample_images() -> dict[str, SampleImage]:
    """Bundled photos and paintings, then any images in ``$CONVSCOPE_IMAGE_DIR``, keyed by a URL-safe name."""
    samples = {key: SampleImage(key, title, credit, _skimage(key)) for key, title, credit in _SKIMAGE}
    paintings = _paintings()
    samples.update(paintings)
    extra = config.image_dir()
    if extra is not None and extra.is_dir():
        for path in sorted(extra.iterdir()):
            if path.stem in paintings:
                continue  # the full-size original of a shipped painting: one entry is enough
            if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
                key = "file-" + path.stem
                title = path.stem.replace("_", " ").title()
                samples[key] = SampleImage(key, title, f"{path.name} from {extra}",
                                           lambda p=path: load_image(p))
    return samples
