"""explainer.images: every Pillow mode becomes RGB, every bad file becomes an ImageError."""
import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from explainer.images import (MIN_SIDE, ImageError, fit_within, load_image, sample_images,
                              to_gray)


def encode(img: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def gradient(w=40, h=30) -> np.ndarray:
    x = np.linspace(0, 255, w, dtype=np.float32)[None, :].repeat(h, 0)
    y = np.linspace(0, 255, h, dtype=np.float32)[:, None].repeat(w, 1)
    return np.stack([x, y, 255 - x], axis=2).astype(np.uint8)


def test_rgb_png_round_trips_exactly():
    rgb = gradient()
    out = load_image(encode(Image.fromarray(rgb)))
    assert out.dtype == np.uint8 and out.shape == (30, 40, 3)
    np.testing.assert_array_equal(out, rgb)


@pytest.mark.parametrize("mode", ["L", "LA", "RGBA", "P", "CMYK", "1", "I", "F", "I;16"])
def test_every_mode_becomes_rgb(mode):
    base = Image.fromarray(gradient())
    if mode == "I;16":
        img = Image.fromarray((np.arange(40 * 30, dtype=np.uint16).reshape(30, 40) * 50))
    elif mode in ("I", "F"):
        img = base.convert("L").convert(mode)
    else:
        img = base.convert(mode)
    fmt = "TIFF" if mode in ("CMYK", "I", "F", "I;16") else "PNG"
    out = load_image(encode(img, fmt))
    assert out.shape == (30, 40, 3) and out.dtype == np.uint8


def test_sixteen_bit_uses_its_full_range():
    ramp = np.linspace(0, 4000, 40 * 30).astype(np.uint16).reshape(30, 40)
    img = Image.fromarray(ramp)
    assert img.mode == "I;16"
    out = load_image(encode(img, "TIFF"))
    assert out.min() == 0 and out.max() == 255  # stretched, not clipped to black


def test_transparency_is_laid_on_white():
    rgba = np.zeros((20, 20, 4), np.uint8)  # fully transparent black
    out = load_image(encode(Image.fromarray(rgba, "RGBA")))
    assert (out == 255).all()


def test_palette_with_transparency():
    img = Image.new("P", (20, 20), 0)
    img.putpalette([255, 0, 0] + [0, 0, 255] * 255)
    img.info["transparency"] = 0
    out = load_image(encode(img, transparency=0))
    assert (out == 255).all()


def test_animated_gif_gives_first_frame():
    frames = [Image.new("RGB", (16, 16), c) for c in [(255, 0, 0), (0, 255, 0), (0, 0, 255)]]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    out = load_image(buf.getvalue())
    assert out[8, 8, 0] > 200 and out[8, 8, 1] < 50


def test_exif_orientation_is_applied():
    img = Image.fromarray(gradient(40, 20))  # landscape
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    out = load_image(encode(img, "JPEG", exif=exif.tobytes()))
    assert out.shape[:2] == (40, 20)  # now portrait


def test_paths_file_objects_and_arrays(tmp_path):
    rgb = gradient()
    path = tmp_path / "g.png"
    path.write_bytes(encode(Image.fromarray(rgb)))
    np.testing.assert_array_equal(load_image(path), rgb)
    np.testing.assert_array_equal(load_image(str(path)), rgb)
    np.testing.assert_array_equal(load_image(io.BytesIO(path.read_bytes())), rgb)
    np.testing.assert_array_equal(load_image(rgb), rgb)
    assert load_image(rgb[..., 0]).shape == (30, 40, 3)
    assert load_image(rgb.astype(np.float64) / 255).max() == 255


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge size (a decompression bomb) with no real data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


BAD = {
    "empty": b"",
    "text renamed .png": b"hello, this is not a picture\n" * 10,
    "pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
    "truncated png": encode(Image.fromarray(gradient(200, 200)))[:400],
    "truncated jpeg": encode(Image.fromarray(gradient(200, 200)), "JPEG")[:300],
    "1x1": encode(Image.new("RGB", (1, 1))),
    "bomb": png_header_only(60_000, 60_000),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_files_raise_image_error_with_a_message(name):
    with pytest.raises(ImageError) as err:
        load_image(BAD[name])
    assert len(str(err.value)) > 20  # a sentence a student can read


def test_bomb_is_refused_before_decoding():
    with pytest.raises(ImageError, match="too large"):
        load_image(png_header_only(60_000, 60_000))


def test_too_small_and_missing(tmp_path):
    with pytest.raises(ImageError, match=f"{MIN_SIDE}"):
        load_image(np.zeros((4, 100, 3), np.uint8))
    with pytest.raises(ImageError, match="No image file"):
        load_image(tmp_path / "nope.png")
    with pytest.raises(ImageError):
        load_image(12345)
    with pytest.raises(ImageError, match="NaN"):
        load_image(np.full((10, 10), np.nan))


def test_fit_within_keeps_aspect_and_never_enlarges():
    big = np.zeros((1000, 500, 3), np.uint8)
    assert fit_within(big, 200).shape == (200, 100, 3)
    small = np.zeros((50, 40, 3), np.uint8)
    assert fit_within(small, 200) is small


def test_to_gray_weights():
    px = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], np.uint8)
    np.testing.assert_allclose(to_gray(px)[0], [76.245, 149.685, 29.07], rtol=1e-5)


def test_bundled_samples_load_offline():
    samples = sample_images()
    assert {"astronaut", "coffee", "camera", "brick"} <= set(samples)
    for key in ("astronaut", "camera"):
        img = samples[key].load()
        assert img.ndim == 3 and img.shape[2] == 3 and img.dtype == np.uint8
        assert "scikit-image" in samples[key].credit


def test_extra_folder_from_environment(tmp_path, monkeypatch):
    (tmp_path / "wave.png").write_bytes(encode(Image.fromarray(gradient())))
    (tmp_path / "notes.txt").write_text("not an image")
    monkeypatch.setenv("CONVSCOPE_IMAGE_DIR", str(tmp_path))
    samples = sample_images()
    assert "file-wave" in samples and not any("notes" in k for k in samples)
    assert samples["file-wave"].load().shape == (30, 40, 3)


def test_own_pixel_cap_applies_below_pillows():
    with pytest.raises(ImageError, match="too large"):
        load_image(encode(Image.fromarray(gradient())), max_pixels=1000)
