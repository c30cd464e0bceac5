"""A folder of broken and odd image files, made here, each through ``load_image``.

``make_bad_files`` is shared with the kernel page's AppTest and browser test, which feed the same
files through the page's upload path.
"""
from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from explainer.images import ImageError, load_image

#: file name -> what must happen: "error" (clear ImageError) or "ok" (a usable RGB picture).
EXPECTED = {
    "empty.png": "error",
    "truncated.png": "error",
    "text-renamed.png": "error",
    "one-pixel.png": "error",
    "bomb-header.png": "error",
    "sixteen-bit.png": "ok",
    "cmyk.jpg": "ok",
    "palette-transparent.png": "ok",
    "animated.gif": "ok",
}


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _with_header_size(png: bytes, width: int, height: int) -> bytes:
    """Rewrite a PNG's IHDR so it claims ``width × height`` (a decompression-bomb header)."""
    # signature (8) | length (4) | "IHDR" (4) | data (13) | crc (4)
    data = struct.pack(">II", width, height) + png[24:29]
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + data) & 0xFFFFFFFF)
    return png[:16] + data + crc + png[33:]


def make_bad_files(folder: Path) -> dict[str, Path]:
    """Write the broken/odd files into ``folder``; returns name -> path (names as in EXPECTED)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    photo = Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))
    good_png = _png(photo)
    ramp16 = (np.arange(64 * 64, dtype=np.uint32).reshape(64, 64) * 16).astype(np.uint16)
    palette = Image.fromarray(rng.integers(0, 4, (40, 40), dtype=np.uint8), mode="L").convert("P")
    palette.info["transparency"] = 0
    cmyk = io.BytesIO()
    photo.convert("CMYK").save(cmyk, format="JPEG")
    gif = io.BytesIO()
    frames = [Image.new("RGB", (48, 48), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    frames[0].save(gif, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    pal_buf = io.BytesIO()
    palette.save(pal_buf, format="PNG", transparency=0)
    contents = {
        "empty.png": b"",
        "truncated.png": good_png[: len(good_png) // 2],
        "text-renamed.png": b"This is a lecture note, not a picture.\n" * 20,
        "one-pixel.png": _png(Image.new("RGB", (1, 1), (200, 10, 10))),
        "bomb-header.png": _with_header_size(good_png, 100_000, 100_000),
        "sixteen-bit.png": _png(Image.fromarray(ramp16)),
        "cmyk.jpg": cmyk.getvalue(),
        "palette-transparent.png": pal_buf.getvalue(),
        "animated.gif": gif.getvalue(),
    }
    paths = {}
    for name, data in contents.items():
        paths[name] = folder / name
        paths[name].write_bytes(data)
    return paths


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    return make_bad_files(tmp_path_factory.mktemp("bad-images"))


def test_the_folder_holds_what_it_says(bad_files):
    assert Image.open(bad_files["sixteen-bit.png"]).mode.startswith("I")
    assert Image.open(bad_files["cmyk.jpg"]).mode == "CMYK"
    pal = Image.open(bad_files["palette-transparent.png"])
    assert pal.mode == "P" and "transparency" in pal.info
    assert getattr(Image.open(bad_files["animated.gif"]), "n_frames", 1) == 3
    header = bad_files["bomb-header.png"].read_bytes()[12:24]
    assert header == b"IHDR" + struct.pack(">II", 100_000, 100_000)


@pytest.mark.parametrize("name", [n for n, v in EXPECTED.items() if v == "error"])
def test_broken_files_give_a_clear_error(bad_files, name):
    with pytest.raises(ImageError) as err:
        load_image(bad_files[name])
    message = str(err.value)
    assert len(message) > 20 and "Traceback" not in message


@pytest.mark.parametrize("name", [n for n, v in EXPECTED.items() if v == "ok"])
def test_odd_but_valid_files_load(bad_files, name):
    rgb = load_image(bad_files[name].read_bytes())
    assert rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3
    assert rgb.std() > 0 or name == "animated.gif"


def test_animated_gif_gives_first_frame(bad_files):
    rgb = load_image(bad_files["animated.gif"])
    assert tuple(rgb[10, 10]) == (255, 0, 0)


def test_sixteen_bit_keeps_its_range(bad_files):
    rgb = load_image(bad_files["sixteen-bit.png"])
    assert rgb.min() == 0 and rgb.max() == 255      # stretched, not clipped to white
