"""Plotly figures for the feature-map viewer.

Grids of many feature maps are drawn as one colour-mapped mosaic image (a PNG inside
the figure): 64 maps of 224×224 would be 3 million numbers as a heatmap, the mosaic is
a few hundred kilobytes and redraws at once. Hovering a tile still names its channel.
"""
from __future__ import annotations

import base64
import io
from typing import Sequence

import numpy as np
import pandas as pd
import plotly.colors as pc
import plotly.graph_objects as go
import torch
import torch.nn.functional as F
from plotly.subplots import make_subplots
from PIL import Image

from explainer.features.architecture import LayerRow
from explainer.features.extraction import ChannelStats
from explainer.features.filter_matching import PresetMatch
from explainer.features.receptive_fields import LOCAL
from explainer.plotting import DIVERGING, SEQUENTIAL, styled

TILE = 96        # at most this many pixels a side per feature-map tile in a grid of up to 16
TILE_MANY = 48   # ... and in a grid of more (64 tiles of 45-56 px: about twice the bytes of 16 of 96 px)
EXACT_SIDE = 14  # maps up to this size are sent as PNG (exact); larger ones as JPEG
GAP = 6          # pixels between tiles
PHOTO_QUALITY = 90  # JPEG quality of the input picture
MAP_QUALITY = 75    # of colour-mapped feature maps: fine for colour fields enlarged 2-3x, a third fewer bytes than 90
UNTRAINED_NOTE = "UNTRAINED"


def _lut(scale: str) -> np.ndarray:
    """A plotly colour scale as a (256, 3) uint8 lookup table."""
    colours = pc.sample_colorscale(pc.get_colorscale(scale), np.linspace(0, 1, 256).tolist())
    rgb = [pc.unlabel_rgb(c) if c.startswith("rgb") else pc.hex_to_rgb(c) for c in colours]
    return np.clip(np.round(np.array(rgb, dtype=float)), 0, 255).astype(np.uint8)


_LUTS = {name: _lut(name) for name in (SEQUENTIAL, DIVERGING)}


def colourise(maps: np.ndarray, *, signed: bool, scope: str = "map") -> np.ndarray:
    """``(N, H, W)`` activations -> ``(N, H, W, 3)`` uint8.

    ``scope="map"``: each map scaled to its own largest value (so weak channels show their
    pattern); ``"layer"``: one scale for all (so strong and weak channels compare). Signed
    maps are centred on zero (white), positive red, negative blue; others run 0 → max.
    """
    a = maps.astype(np.float32)
    axes = (1, 2) if scope == "map" else (0, 1, 2)
    top = np.abs(a).max(axis=axes, keepdims=True) if signed else a.max(axis=axes, keepdims=True)
    top = np.where(top > 0, top, 1.0)
    unit = (a / top + 1) / 2 if signed else np.clip(a / top, 0, 1)
    idx = np.clip(np.nan_to_num(unit) * 255 + 0.5, 0, 255).astype(np.uint8)
    return _LUTS[DIVERGING if signed else SEQUENTIAL][idx]


def shrink(maps: np.ndarray, tile: int = TILE) -> np.ndarray:
    """``(N, H, W)`` values -> at most ``tile`` pixels a side, by averaging whole blocks
    (before colour mapping, so a tile shows the mean activation of the cells it covers)."""
    x = torch.from_numpy(np.ascontiguousarray(maps, dtype=np.float32))
    if x.shape[-1] > tile:
        f = -(-x.shape[-1] // tile)
        x = F.avg_pool2d(x[None], f, ceil_mode=True)[0]
    return x.numpy()


def _tiles(rgb: np.ndarray, tile: int = TILE) -> np.ndarray:
    """``(N, h, w, 3)`` small tiles -> enlarged crisply (nearest) to about ``tile`` pixels."""
    f = max(1, round(tile / rgb.shape[1]))
    return rgb.repeat(f, axis=1).repeat(f, axis=2) if f > 1 else rgb


def _mosaic(tiles: np.ndarray, cols: int, gap_x: int = GAP, gap_y: int = GAP) -> np.ndarray:
    n, t = tiles.shape[0], tiles.shape[1]
    rows = -(-n // cols)
    out = np.full((rows * (t + gap_y) - gap_y, cols * (t + gap_x) - gap_x, 3), 255, np.uint8)
    for i in range(n):
        r, c = divmod(i, cols)
        out[r * (t + gap_y):r * (t + gap_y) + t, c * (t + gap_x):c * (t + gap_x) + t] = tiles[i]
    return out


def image_uri(rgb: np.ndarray, *, jpeg_quality: int | None) -> str:
    """An ``(H, W, 3) uint8`` image as a data URI: JPEG at ``jpeg_quality`` (photos and noisy
    maps compress ~10× better than PNG), or PNG when ``None`` (flat blocks: small maps
    enlarged, filter tiles)."""
    buf = io.BytesIO()
    if jpeg_quality is not None:
        Image.fromarray(rgb).save(buf, format="JPEG", quality=jpeg_quality)
        return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()
    Image.fromarray(rgb).save(buf, format="PNG", compress_level=6)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _map_quality(small: np.ndarray) -> int | None:
    """PNG (exact) for maps of up to ``EXACT_SIDE`` cells a side, which the browser enlarges into
    flat blocks; JPEG above, whose noise PNG compresses badly."""
    return None if small.shape[1] <= EXACT_SIDE else MAP_QUALITY


def lean(fig: go.Figure) -> go.Figure:
    """No plotly template in the JSON: ~7 KB less per figure, and Streamlit's theme restyles it anyway."""
    fig.layout.template = None
    return fig


def label_size(font_size: int) -> int:
    """Tile labels: 16 px when projected (font 20), 11 px otherwise."""
    return max(10, round(font_size * 0.8))


def _mosaic_figure(tiles: np.ndarray, labels: Sequence[str], hover: Sequence[str], *, cols: int,
                   font_size: int, title: str | None, gap: int = GAP, gap_y: int | None = None,
                   label_below: bool = False, height: int | None = None,
                   jpeg_quality: int | None = MAP_QUALITY) -> go.Figure:
    """Tiles ``(N, t, t, 3)`` as one image (the browser enlarges it crisply, pixel by pixel), with an
    invisible marker per tile for hovering and one text trace of labels. Coordinates: mosaic pixels."""
    t = tiles.shape[1]
    gap_y = gap if gap_y is None else gap_y
    image = _mosaic(tiles, cols, gap, gap_y)
    rows = -(-len(tiles) // cols)
    centres = [(divmod(i, cols)[1] * (t + gap) + t / 2, divmod(i, cols)[0] * (t + gap_y) + t / 2)
               for i in range(len(tiles))]
    width_px = 1100 if cols >= 8 else 150 * cols
    fig = go.Figure(go.Image(source=image_uri(image, jpeg_quality=jpeg_quality), hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=[c[0] for c in centres], y=[c[1] for c in centres], mode="markers",
                             marker=dict(size=min(60, round(0.45 * width_px / cols)), opacity=0),
                             hovertext=list(hover), hoverinfo="text", showlegend=False))
    # Labels as one text trace: a layout annotation per tile costs ~25 ms each in plotly.
    if label_below:
        fig.add_trace(go.Scatter(x=[x for x, _ in centres], y=[y + t / 2 + 0.05 * t for _, y in centres],
                                 text=list(labels), mode="text", textposition="bottom center",
                                 textfont=dict(size=label_size(font_size)), hoverinfo="skip", showlegend=False))
    else:
        fig.add_trace(go.Scatter(x=[x - 0.47 * t for x, _ in centres], y=[y - 0.48 * t for _, y in centres],
                                 text=list(labels), mode="text", textposition="bottom right",
                                 textfont=dict(size=label_size(font_size), color="white",
                                               shadow="1px 1px 2px black"),
                                 hoverinfo="skip", showlegend=False))
    fig.update_xaxes(visible=False, range=[-0.5, image.shape[1] - 0.5])
    fig.update_yaxes(visible=False, range=[image.shape[0] - 0.5 + (gap_y if label_below else 0), -0.5],
                     scaleanchor="x")
    fig.update_layout(hovermode="closest", dragmode=False)
    natural = int(width_px * (rows * (t + gap_y)) / (cols * (t + gap))) + (70 if title else 20)
    height = min(height, natural) if height else natural  # ``height``: at most this (a projector's room)
    return lean(styled(fig, font_size=font_size, height=height, title=title))


def feature_grid(maps: np.ndarray, channels: Sequence[int], *, stats: ChannelStats | None = None,
                 scope: str = "map", cols: int = 8, font_size: int = 14,
                 title: str | None = None, height: int | None = None) -> go.Figure:
    """Feature maps ``(C, H, W)`` of one layer, the given ``channels`` as a grid of tiles.

    Signed layers (before ReLU) use the diverging scale centred on 0, others 0 → max. Maps
    larger than ``TILE`` are averaged down to it; smaller ones are sent at their own size
    (the browser draws each cell as a crisp block), so a 14×14 layer costs a few kilobytes.
    """
    stats = stats or ChannelStats.of(maps)
    channels = [int(c) for c in channels]
    chosen = shrink(maps[channels], TILE if len(channels) <= 16 else TILE_MANY)
    signed = stats.signed
    if scope == "layer":  # one scale for the whole layer, not just the channels on screen
        top = max(float(stats.max.max()), float(-stats.min.min()) if signed else 0.0)
        chosen = np.concatenate([chosen, np.full_like(chosen[:1], top)])
    rgb = colourise(chosen, signed=signed, scope=scope)[:len(channels)]
    means, peaks = stats.mean[channels], stats.max[channels]
    hover = [f"channel {c}<br>mean {m:.3g}, max {p:.3g}" + ("<br>all zero: this filter never fires here"
                                                           if p == 0 and not signed else "")
             for c, m, p in zip(channels, means, peaks)]
    t = rgb.shape[1]
    return _mosaic_figure(rgb, [str(c) for c in channels], hover, cols=min(cols, len(channels)),
                          font_size=font_size, title=title, gap=max(1, round(t * GAP / TILE)), height=height,
                          jpeg_quality=_map_quality(rgb))


def _image_trace(rgb: np.ndarray, *, jpeg_quality: int | None = PHOTO_QUALITY) -> go.Image:
    return go.Image(source=image_uri(rgb, jpeg_quality=jpeg_quality), hoverinfo="skip")


def early_vs_deep(early: np.ndarray, deep: np.ndarray, early_stats: ChannelStats, deep_stats: ChannelStats,
                  *, k: int = 8, titles: tuple[str, str], font_size: int = 14) -> go.Figure:
    """The ``k`` strongest maps of a shallow and a deep layer side by side, each ``(C, H, W)``."""
    fig = make_subplots(1, 2, horizontal_spacing=0.04, subplot_titles=titles)
    for col, (maps, stats) in enumerate(((early, early_stats), (deep, deep_stats)), start=1):
        chans = list(np.argsort(-stats.mean, kind="stable")[:k])
        small = colourise(shrink(maps[chans]), signed=stats.signed)  # sent at its own size, enlarged crisply
        gap = max(1, round(small.shape[1] * GAP / TILE))
        fig.add_trace(_image_trace(_mosaic(small, 4, gap, gap), jpeg_quality=_map_quality(small)), 1, col)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_annotations(font_size=font_size)
    fig = styled(fig, font_size=font_size, height=340 if font_size < 20 else 440)
    fig.update_layout(margin=dict(t=20 + 3 * font_size))  # room for the two-line subplot titles
    return lean(fig)


def filter_tiles(filters: np.ndarray, matches: Sequence[PresetMatch], *, cols: int = 8,
                 font_size: int = 14, title: str | None = None) -> go.Figure:
    """First-layer filters ``(C_out, 3 or 1, k, k)`` as RGB tiles (grey = 0), each labelled with
    its closest playground preset."""
    if filters.shape[1] == 1:  # a greyscale network (MNIST): grey tiles
        filters = np.repeat(filters, 3, axis=1)
    w = filters / np.maximum(np.abs(filters).max(axis=(1, 2, 3), keepdims=True), 1e-12)
    rgb = ((w.transpose(0, 2, 3, 1) + 1) / 2 * 255 + 0.5).astype(np.uint8)  # (C_out, k, k, 3)
    tiles = _tiles(rgb, tile=72)
    labels = [("−" if m.sign < 0 else "") + m.preset + ("<br>(colour)" if m.grey_share < 0.5 else "")
              for m in matches]
    hover = [f"filter {i}: closest preset {m.label}<br>|cosine| {m.similarity:.2f}, "
             f"grey part {m.grey_share:.0%} of its energy" for i, m in enumerate(matches)]
    return _mosaic_figure(tiles, labels, hover, cols=cols, font_size=font_size, title=title,
                          gap_y=40 if font_size < 20 else 50, label_below=True, jpeg_quality=None)


def predictions_figure(preds: Sequence[tuple[str, float]], *, untrained: bool,
                       font_size: int = 14) -> go.Figure:
    """Top-k classes as horizontal bars; an untrained network's guesses are marked as such."""
    names = [n for n, _ in preds][::-1]
    probs = [p for _, p in preds][::-1]
    colour = "#9e9e9e" if untrained else "#d1495b"
    fig = go.Figure(go.Bar(x=probs, y=names, orientation="h", marker_color=colour,
                           text=[f"{p:.1%}" for p in probs], textposition="outside",
                           hovertemplate="%{y}: %{x:.2%}<extra></extra>"))
    fig.update_xaxes(range=[0, max(1.0, max(probs) * 1.15)], tickformat=".0%", title="probability (softmax)",
                     tickfont=dict(size=font_size))
    fig.update_yaxes(tickfont=dict(size=font_size), automargin=True)
    title = (f"Top-{len(preds)} — {UNTRAINED_NOTE} weights: these guesses are meaningless" if untrained
             else f"Top-{len(preds)} predictions")
    fig = styled(fig, font_size=font_size, height=80 + 55 * len(preds), title=title)
    if untrained:
        fig.update_layout(title_font_color="#b00020")
    return lean(fig)


def _shape(shape: tuple[int, ...]) -> str:
    return " × ".join(str(s) for s in shape)


def _field_text(r: LayerRow, image_side: int) -> str:
    if r.field != LOCAL or r.rf_hw is None:
        return {"": "—", "constant": "— (learned constant)", "unknown": "not followed (see operation)"}.get(
            r.field, r.field)
    text = f"{r.rf_hw[0]:.0f} × {r.rf_hw[1]:.0f} px"
    return text + " (> image)" if r.rf > image_side else text


def _spacing_text(r: LayerRow) -> str:
    if r.field != LOCAL or r.jump_hw is None:
        return "—"
    rows, cols = r.jump_hw
    return f"{rows:g} px" if rows == cols else f"{rows:g} × {cols:g} px"


def layer_table_frame(rows: Sequence[LayerRow], *, image_side: int) -> pd.DataFrame:
    """The layer table for ``st.dataframe``: receptive fields larger than the image are flagged."""
    return pd.DataFrame({
        "#": [r.index for r in rows],
        "layer": [r.layer for r in rows],
        "operation": [r.operation for r in rows],
        "output shape (C × H × W)": [_shape(r.shape) if r.shape else "—" for r in rows],
        "parameters": [r.params for r in rows],
        "receptive field": [_field_text(r, image_side) for r in rows],
        "cell spacing": [_spacing_text(r) for r in rows],
    })
