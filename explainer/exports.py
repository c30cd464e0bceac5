"""Files for slides: PNG pictures, animated GIFs and CSV tables of what the pages show.

Everything returns ``bytes`` ready for ``st.download_button``; nothing here imports Streamlit.
Drawn with Pillow (see :mod:`explainer.drawing` for why not plotly's static export).

- :func:`image_pair_png` — original and filtered image side by side, captioned.
- :func:`feature_grid_png` — a grid of feature maps on a colour map centred on zero.
- :func:`gram_heatmaps_png` — Gram matrices side by side.
- :func:`curves_png` / :func:`training_curves_png` — loss and accuracy curves.
- :func:`padding_stride_gif` — the sliding window, one frame per output cell (in :mod:`explainer.geometry.gif`).
- :func:`style_progression_gif` — the style-transfer picture forming.
- :func:`training_csv` — a finished (or stopped) MNIST run's curves.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from PIL import Image

from explainer import drawing
from explainer.geometry.gif import GifError, padding_stride_gif  # re-exported: one place for every export

__all__ = ["ExportError", "GifError", "image_pair_png", "feature_grid_png", "gram_heatmaps_png", "curves_png",
           "training_curves_png", "padding_stride_gif", "style_progression_gif", "training_csv"]

#: Pictures are enlarged (crisp, whole factors) until their short side is at least this.
MIN_TILE = 360
FONT = 22


class ExportError(ValueError):
    """Nothing sensible to export (no frames, wrong shapes); ``str(err)`` is a message for the user."""


def _tile(rgb: np.ndarray, caption: str, min_side: int = MIN_TILE) -> Image.Image:
    img = drawing.enlarge(Image.fromarray(drawing.as_rgb(rgb)), min_side)
    return drawing.captioned(img, caption, size=FONT) if caption else img


def image_pair_png(before: np.ndarray, after: np.ndarray, *, captions: Sequence[str] = ("Original", "Filtered"),
                   title: str = "") -> bytes:
    """Two pictures side by side (e.g. a photo and its filtered version), captions under each.

    ``before``/``after``: ``(H, W)`` or ``(H, W, 3)``, uint8 or floats in 0..1 / 0..255. A signed
    filter output should be mapped to colours first (:func:`explainer.drawing.colorize`).
    """
    try:
        tiles = [_tile(before, captions[0]), _tile(after, captions[1])]
    except (ValueError, IndexError) as err:
        raise ExportError(f"Cannot draw this image pair: {err}") from err
    return drawing.png_bytes(drawing.titled(drawing.grid(tiles, 2, gap=24), title))


def feature_grid_png(maps: np.ndarray, *, titles: Sequence[str] | None = None, columns: int | None = None,
                     scope: str = "map", title: str = "") -> bytes:
    """Feature maps ``(N, H, W)`` as a grid on blue-white-red centred on 0.

    ``scope``: ``"map"`` scales each map by its own largest magnitude; ``"layer"`` uses one scale
    for all, so their strengths compare. ``titles``: one caption per map (e.g. ``"channel 12"``).
    """
    maps = np.asarray(maps, dtype=float)
    if maps.ndim != 3 or maps.shape[0] == 0:
        raise ExportError(f"Expected feature maps shaped (N, H, W), got {maps.shape}.")
    m = float(np.abs(maps).max()) or 1.0
    limits = [(-m, m) if scope == "layer" else (None, None)] * len(maps)
    tiles = [_tile(drawing.colorize(fm, kind="diverging", lo=lo, hi=hi), titles[i] if titles else "",
                   min_side=96) for i, (fm, (lo, hi)) in enumerate(zip(maps, limits))]
    columns = columns or int(np.ceil(np.sqrt(len(tiles) * 16 / 9)))
    return drawing.png_bytes(drawing.titled(drawing.grid(tiles, columns, gap=6), title))


def gram_heatmaps_png(grams: Mapping[str, np.ndarray], *, title: str = "") -> bytes:
    """Gram matrices ``{label: (C, C)}`` side by side, each on its own scale (viridis; blue-red if signed)."""
    tiles = []
    for label, g in grams.items():
        g = np.asarray(g, dtype=float)
        if g.ndim != 2 or g.shape[0] != g.shape[1]:
            raise ExportError(f"A Gram matrix is square (C, C); {label!r} is {g.shape}.")
        kind = "diverging" if g.min() < 0 else "sequential"
        tiles.append(_tile(drawing.colorize(g, kind=kind), f"{label} ({g.shape[0]}×{g.shape[0]})", min_side=240))
    if not tiles:
        raise ExportError("No Gram matrices to draw.")
    return drawing.png_bytes(drawing.titled(drawing.grid(tiles, min(len(tiles), 3)), title))


def curves_png(panels: Mapping[str, Mapping[str, tuple[Sequence[float], Sequence[float]]]], *,
               x_label: str = "", y_labels: Mapping[str, str] | None = None,
               y_ranges: Mapping[str, tuple[float, float]] | None = None, title: str = "") -> bytes:
    """Charts side by side: ``{panel title: {curve name: (x, y)}}`` (e.g. loss, accuracy)."""
    charts = [drawing.line_chart(series, title=name, x_label=x_label, y_label=(y_labels or {}).get(name, ""),
                                 y_range=(y_ranges or {}).get(name), size=(760, 480), font_px=FONT)
              for name, series in panels.items() if any(len(x) for x, _ in series.values())]
    if not charts:
        raise ExportError("No curves yet: start a run first.")
    return drawing.png_bytes(drawing.titled(drawing.grid(charts, len(charts), gap=8), title))


def _by_network(rows: list[dict], value: str) -> dict[str, tuple[list[float], list[float]]]:
    out: dict[str, tuple[list[float], list[float]]] = {}
    for r in rows:
        xs, ys = out.setdefault(r["network"], ([], []))
        xs.append(r["images_seen"])
        ys.append(r[value])
    return out


def training_curves_png(log, *, title: str = "") -> bytes:
    """An MNIST run's loss and accuracy against digits seen (a :class:`~explainer.mnist.training.TrainingLog`)."""
    accuracy = {f"{net} train": xy for net, xy in _by_network(log.progress, "train_accuracy").items()}
    accuracy |= {f"{net} test": xy for net, xy in _by_network(log.tests, "test_accuracy").items()}
    return curves_png({"Loss (cross-entropy)": _by_network(log.progress, "loss"), "Accuracy": accuracy},
                      x_label="digits seen", y_ranges={"Accuracy": (0.0, 1.0)}, title=title)


def training_csv(log) -> bytes:
    """The run's curves as CSV (UTF-8): one row per (moment, network), train and test rows."""
    if not (log.progress or log.tests):
        raise ExportError("No curves yet: start a run first.")
    return log.to_csv().encode("utf-8")


def style_progression_gif(frames: Sequence[np.ndarray], *, captions: Sequence[str] | None = None,
                          fps: float = 4.0, hold_last_s: float = 2.0, side: int | None = None) -> bytes:
    """The style-transfer picture forming: ``frames`` (H, W, 3), coarse ones scaled up to the last.

    One GIF frame per given frame (identical neighbours are merged by the GIF writer); the
    last is held ``hold_last_s`` seconds. ``captions``: e.g. ``"iteration 40 / 90 · 128×128"``.
    """
    if not len(frames):
        raise ExportError("No pictures yet: the style transfer has not produced a frame.")
    last = drawing.as_rgb(frames[-1])
    h, w = last.shape[:2]
    if side:
        scale = side / max(h, w)
        h, w = max(1, round(h * scale)), max(1, round(w * scale))
    images = []
    for i, rgb in enumerate(frames):
        img = Image.fromarray(drawing.as_rgb(rgb)).resize((w, h), Image.Resampling.LANCZOS)
        images.append(drawing.captioned(img, captions[i], size=max(12, min(FONT, w // 20))) if captions else img)
    step = round(1000 / max(0.5, fps))
    durations = [step] * (len(images) - 1) + [round(hold_last_s * 1000)]
    return drawing.gif_bytes(images, durations, photo=True)
