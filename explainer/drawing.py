"""Pillow drawing for exported pictures: fonts, colour maps, captions, grids, PNG and GIF bytes.

The app's figures are plotly; plotly's static export needs a Chrome that pip does not
install, so files for slides are drawn here with Pillow instead (pure Python wheels).
Colours follow explainer.plotting: signed values on a blue-white-red map centred on zero,
magnitudes on viridis.
"""
from __future__ import annotations

import io
from functools import lru_cache
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

INK = (20, 20, 20)
PAPER = (255, 255, 255)
MUTED = (110, 110, 110)
#: Anchors of plotly's RdBu_r (blue = negative, white = 0, red = positive) and Viridis.
_RDBU_R = np.array([(5, 48, 97), (33, 102, 172), (67, 147, 195), (146, 197, 222), (209, 229, 240),
                    (247, 247, 247), (253, 219, 199), (244, 165, 130), (214, 96, 77), (178, 24, 43),
                    (103, 0, 31)], float)
_VIRIDIS = np.array([(68, 1, 84), (72, 40, 120), (62, 73, 137), (49, 104, 142), (38, 130, 142),
                     (31, 158, 137), (53, 183, 121), (109, 205, 89), (180, 222, 44), (253, 231, 37)], float)
#: Plain-text stand-ins when no font with these glyphs is installed (Pillow's own font lacks them).
_ASCII = {"−": "-", "×": "x", "∞": "inf", "→": "->", "⌊": "floor(", "⌋": ")", "·": "*", "≈": "~",
          "σ": "sigma", "α": "alpha", "β": "beta", "…": "...", "—": "-", "–": "-", "²": "^2"}
_UNICODE_FONTS = ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                  "LiberationSans-Regular.ttf", "Arial.ttf")


@lru_cache(maxsize=32)
def font(size: int) -> ImageFont.FreeTypeFont:
    """A sans-serif font of ``size`` px: DejaVu Sans when installed, else Pillow's bundled one."""
    for name in _UNICODE_FONTS:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def has_symbols(f: ImageFont.FreeTypeFont) -> bool:
    return "DejaVu" in " ".join(f.getname()) or "Liberation" in " ".join(f.getname())


def printable(text: str, f: ImageFont.FreeTypeFont) -> str:
    """``text`` with maths symbols spelled in ASCII when ``f`` cannot draw them."""
    if has_symbols(f):
        return text
    return "".join(_ASCII.get(ch, ch if ord(ch) < 256 else "?") for ch in text)


def text_size(text: str, f: ImageFont.FreeTypeFont) -> tuple[int, int]:
    left, top, right, bottom = f.getbbox(printable(text, f))
    return int(right - left), int(bottom - top)


def write(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int, *,
          fill=INK, anchor: str = "la") -> None:
    f = font(size)
    draw.text(xy, printable(text, f), font=f, fill=fill, anchor=anchor)


def fit_text(text: str, size: int, width: int) -> str:
    """Cut ``text`` with an ellipsis so it fits in ``width`` px."""
    f = font(size)
    if text_size(text, f)[0] <= width:
        return text
    while text and text_size(text + "…", f)[0] > width:
        text = text[:-1]
    return text + "…"


# --------------------------------------------------------------------------- colour

def colorize(values: np.ndarray, *, kind: str = "diverging", lo: float | None = None,
             hi: float | None = None) -> np.ndarray:
    """(H, W) numbers -> (H, W, 3) uint8. ``diverging``: centred on 0 (±max|v| unless lo/hi given);
    ``sequential``: viridis from lo to hi; ``grey``: black to white."""
    v = np.nan_to_num(np.asarray(values, dtype=float))
    if kind == "diverging" and (lo is None or hi is None):
        m = float(np.abs(v).max()) or 1.0
        lo, hi = -m, m
    lo = float(v.min()) if lo is None else lo
    hi = float(v.max()) if hi is None else hi
    t = np.clip((v - lo) / ((hi - lo) or 1.0), 0.0, 1.0)
    if kind == "grey":
        return np.repeat((t * 255).round().astype(np.uint8)[..., None], 3, axis=2)
    anchors = _RDBU_R if kind == "diverging" else _VIRIDIS
    grid = np.linspace(0.0, 1.0, len(anchors))
    rgb = np.stack([np.interp(t, grid, anchors[:, c]) for c in range(3)], axis=-1)
    return rgb.round().astype(np.uint8)


def as_rgb(img: np.ndarray) -> np.ndarray:
    """(H, W) grey or (H, W, 3) numbers -> (H, W, 3) uint8 (floats in 0..1 or 0..255 both work)."""
    a = np.asarray(img)
    if a.dtype != np.uint8:
        a = a.astype(float)
        a = a * 255.0 if a.size and a.max() <= 1.0 else a
        a = np.clip(a.round(), 0, 255).astype(np.uint8)
    if a.ndim == 2:
        a = np.repeat(a[..., None], 3, axis=2)
    if a.ndim != 3 or a.shape[2] not in (3, 4):
        raise ValueError(f"expected an (H, W) or (H, W, 3) picture, got shape {a.shape}")
    return a[..., :3]


# --------------------------------------------------------------------------- layout

def enlarge(img: Image.Image, min_side: int) -> Image.Image:
    """Scale up by a whole factor (nearest: pixels stay crisp squares) until ``min_side`` is reached."""
    factor = max(1, -(-min_side // max(1, min(img.size))))
    return img if factor == 1 else img.resize((img.width * factor, img.height * factor), Image.Resampling.NEAREST)


def wrap(text: str, size: int, width: int, max_lines: int = 2) -> list[str]:
    """Word-wrap ``text`` into at most ``max_lines`` lines of ``width`` px (the last one cut if needed)."""
    f, lines, line = font(size), [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if text_size(trial, f)[0] <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = word
    lines.append(line)
    if len(lines) > max_lines:
        lines = lines[: max_lines - 1] + [" ".join(lines[max_lines - 1:])]
    return [fit_text(item, size, width) for item in lines]


def captioned(img: Image.Image, caption: str, *, size: int = 20, pad: int = 8) -> Image.Image:
    """``img`` with a caption under it, centred, wrapped onto two lines if it is wider."""
    lines = wrap(caption, size, max(40, img.width - 2 * pad))
    line_h = text_size("Ag", font(size))[1] + pad
    out = Image.new("RGB", (img.width, img.height + line_h * len(lines) + pad), PAPER)
    out.paste(img, (0, 0))
    draw = ImageDraw.Draw(out)
    for i, line in enumerate(lines):
        write(draw, (img.width / 2, img.height + pad / 2 + line_h * (i + 0.5)), line, size, anchor="mm")
    return out


def titled(img: Image.Image, title: str, *, size: int = 26, pad: int = 12) -> Image.Image:
    """``img`` with a title above it."""
    if not title:
        return img
    line_h = text_size("Ag", font(size))[1] + 2 * pad
    out = Image.new("RGB", (img.width, img.height + line_h), PAPER)
    out.paste(img, (0, line_h))
    write(ImageDraw.Draw(out), (pad, line_h / 2), fit_text(title, size, img.width - 2 * pad), size, anchor="lm")
    return out


def grid(tiles: Sequence[Image.Image], columns: int, *, gap: int = 12, margin: int = 16) -> Image.Image:
    """Tiles laid row by row on white, each cell as big as the biggest tile; tiles centred across, top-aligned."""
    if not tiles:
        raise ValueError("nothing to lay out")
    columns = max(1, min(columns, len(tiles)))
    rows = -(-len(tiles) // columns)
    cw, ch = max(t.width for t in tiles), max(t.height for t in tiles)
    out = Image.new("RGB", (2 * margin + columns * cw + (columns - 1) * gap,
                            2 * margin + rows * ch + (rows - 1) * gap), PAPER)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, columns)
        out.paste(tile, (margin + c * (cw + gap) + (cw - tile.width) // 2,
                         margin + r * (ch + gap)))
    return out


# --------------------------------------------------------------------------- files

def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=False)
    return buf.getvalue()


def flat_palette(colours: Sequence[tuple[int, int, int]], inks: Sequence[tuple[int, int, int]] = (INK,),
                 shades: int = 6) -> Image.Image:
    """A palette image holding ``colours`` and their blends towards each ink (anti-aliased text)."""
    def blends(towards):
        return [tuple(round(a + (b - a) * t) for a, b in zip(c, other, strict=True))
                for c in colours for other in towards for t in np.linspace(0.0, 1.0, shades)]

    # The pure colours first, so they map exactly; then text edges; then edges between fills.
    entries = list(dict.fromkeys([tuple(c) for c in colours] + blends(inks) + blends(colours)))[:256]
    pal = Image.new("P", (1, 1))
    flat = [v for c in entries for v in c]
    pal.putpalette(flat + flat[:3] * (256 - len(entries)))
    return pal


def gif_bytes(frames: Sequence[Image.Image], durations_ms: Sequence[int], *,
              flat_colours: Sequence[tuple[int, int, int]] | None = None, photo: bool = False) -> bytes:
    """An animated GIF that loops forever.

    ``flat_colours``: the colours the frames were drawn with (diagrams): mapped exactly onto one
    palette built from them, fast. ``photo``: one adaptive palette from the last frame, dithered.
    Otherwise each frame gets its own octree palette. Identical neighbouring frames are merged
    by Pillow (their durations add up).
    """
    if not frames:
        raise ValueError("an animation needs at least one frame")
    if flat_colours:
        pal = flat_palette(flat_colours, inks=(INK, MUTED, PAPER))
        paletted = [f.convert("RGB").quantize(palette=pal, dither=Image.Dither.NONE) for f in frames]
    elif photo:
        pal = frames[-1].convert("RGB").quantize(colors=255, method=Image.Quantize.MEDIANCUT)
        paletted = [f.convert("RGB").quantize(palette=pal, dither=Image.Dither.FLOYDSTEINBERG) for f in frames]
    else:
        paletted = [f.convert("RGB").quantize(colors=64, method=Image.Quantize.FASTOCTREE,
                                              dither=Image.Dither.NONE) for f in frames]
    buf = io.BytesIO()
    paletted[0].save(buf, "GIF", save_all=True, append_images=paletted[1:], duration=list(durations_ms),
                     loop=0, disposal=1, optimize=False)
    return buf.getvalue()


# --------------------------------------------------------------------------- line charts

#: Line colours (plotly's default cycle): blue, red, green, purple, orange.
LINE_COLOURS = [(99, 110, 250), (239, 85, 59), (0, 204, 150), (171, 99, 250), (255, 161, 90)]


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2 or 5 × 10^k apart) covering lo..hi."""
    if not np.isfinite([lo, hi]).all() or hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(1, count)
    mag = 10 ** np.floor(np.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    start = np.ceil(lo / step - 1e-9) * step
    return [float(v) for v in np.arange(start, hi + step * 1e-6, step)]


def tick_label(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 10_000:
        return f"{v / 1000:g}k"
    return f"{v:.4g}"


def _legend(draw: ImageDraw.ImageDraw, names: Sequence[str], left: int, y: float, right: int, size: int) -> float:
    """Swatch + name for each curve, flowing left to right; returns the y below the legend."""
    x, line_h = left, size + 8
    for i, name in enumerate(names):
        w = 38 + text_size(name, font(size))[0] + 18
        if x + w > right and x > left:
            x, y = left, y + line_h
        colour = LINE_COLOURS[i % len(LINE_COLOURS)]
        draw.line([(x, y + size / 2 + 2), (x + 30, y + size / 2 + 2)], fill=colour, width=5)
        write(draw, (x + 38, y), name, size)
        x += w
    return y + line_h


def line_chart(series: dict[str, tuple[Sequence[float], Sequence[float]]], *, title: str = "",
               x_label: str = "", y_label: str = "", size: tuple[int, int] = (800, 480),
               y_range: tuple[float, float] | None = None, font_px: int = 20) -> Image.Image:
    """Named (x, y) curves on shared axes with ticks, labels and a legend above the plot."""
    width, height = size
    img = Image.new("RGB", size, PAPER)
    draw = ImageDraw.Draw(img)
    xs = np.concatenate([np.asarray(x, float) for x, _ in series.values()] or [np.zeros(1)])
    ys = np.concatenate([np.asarray(y, float) for _, y in series.values()] or [np.zeros(1)])
    x0, x1 = (float(xs.min()), float(xs.max())) if xs.size else (0.0, 1.0)
    y0, y1 = y_range or ((float(np.nanmin(ys)), float(np.nanmax(ys))) if ys.size else (0.0, 1.0))
    x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1)
    small = round(font_px * 0.8)
    left, right = 18 + text_size("00.00k", font(small))[0] + font_px, width - 20
    if title:
        write(draw, (left, 10), title, font_px)
    top = _legend(draw, list(series), left, (1.8 * font_px + 12) if title else 10, right, small) + small
    bottom = height - 2.4 * font_px - 10

    def at(x: float, y: float) -> tuple[float, float]:
        return left + (x - x0) / (x1 - x0) * (right - left), bottom - (y - y0) / (y1 - y0) * (bottom - top)

    for v in nice_ticks(y0, y1):
        _, py = at(x0, v)
        draw.line([(left, py), (right, py)], fill=(228, 228, 228))
        write(draw, (left - 6, py), tick_label(v), small, fill=MUTED, anchor="rm")
    for v in nice_ticks(x0, x1):
        px, _ = at(v, y0)
        write(draw, (px, bottom + 6), tick_label(v), small, fill=MUTED, anchor="ma")
    draw.line([(left, top), (left, bottom), (right, bottom)], fill=INK, width=2)
    for i, (x, y) in enumerate(series.values()):
        points = [at(float(a), float(b)) for a, b in zip(x, y) if np.isfinite(b)]
        colour = LINE_COLOURS[i % len(LINE_COLOURS)]
        if len(points) > 1:
            draw.line(points, fill=colour, width=3, joint="curve")
        elif points:
            draw.ellipse([points[0][0] - 4, points[0][1] - 4, points[0][0] + 4, points[0][1] + 4], fill=colour)
    write(draw, ((left + right) / 2, height - 8), x_label, small, anchor="md")
    write(draw, (8, top - 6), y_label, small, fill=MUTED, anchor="ld")
    return img
