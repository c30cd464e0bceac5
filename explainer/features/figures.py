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

from explainer.features.architecture import LOCAL, Geometry, LayerRow
from explainer.features.extraction import ChannelStats
from explainer.features.filter_matching import PresetMatch
from explainer.plotting import DIVERGING, SEQUENTIAL, styled

TILE = 96        # pixels per feature-map tile in a grid
GAP = 6          # pixels between tiles
PHOTO_QUALITY = 90  # JPEG quality of the input picture
MAP_QUALITY = 85    # of colour-mapped feature maps: no visible difference from 90, a fifth fewer bytes
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
    """JPEG for maps shown near their own size, PNG for maps enlarged into flat blocks of 4 px or
    more (a 14×14 map as a 98-pixel tile: PNG is 4× smaller there, and exact)."""
    return None if round(TILE / small.shape[1]) >= 4 else MAP_QUALITY


def _mosaic_figure(tiles: np.ndarray, labels: Sequence[str], hover: Sequence[str], *, cols: int,
                   font_size: int, title: str | None, gap_y: int = GAP, label_below: bool = False,
                   height: int | None = None, jpeg_quality: int | None = MAP_QUALITY) -> go.Figure:
    t = tiles.shape[1]
    image = _mosaic(tiles, cols, GAP, gap_y)
    rows = -(-len(tiles) // cols)
    centres = [(divmod(i, cols)[1] * (t + GAP) + t / 2, divmod(i, cols)[0] * (t + gap_y) + t / 2)
               for i in range(len(tiles))]
    fig = go.Figure(go.Image(source=image_uri(image, jpeg_quality=jpeg_quality), hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=[c[0] for c in centres], y=[c[1] for c in centres], mode="markers",
                             marker=dict(size=t / 2, opacity=0), hovertext=list(hover),
                             hoverinfo="text", showlegend=False))
    small = max(10, round(font_size * 0.75))
    # Labels as one text trace: a layout annotation per tile costs ~25 ms each in plotly.
    if label_below:
        fig.add_trace(go.Scatter(x=[x for x, _ in centres], y=[y + t / 2 + 3 for _, y in centres],
                                 text=list(labels), mode="text", textposition="bottom center",
                                 textfont=dict(size=small), hoverinfo="skip", showlegend=False))
    else:
        fig.add_trace(go.Scatter(x=[x - t / 2 + 3 for x, _ in centres], y=[y - t / 2 + 2 for _, y in centres],
                                 text=list(labels), mode="text", textposition="bottom right",
                                 textfont=dict(size=small, color="white", shadow="1px 1px 2px black"),
                                 hoverinfo="skip", showlegend=False))
    fig.update_xaxes(visible=False, range=[-0.5, image.shape[1] - 0.5])
    fig.update_yaxes(visible=False, range=[image.shape[0] - 0.5 + (gap_y if label_below else 0), -0.5],
                     scaleanchor="x")
    fig.update_layout(hovermode="closest", dragmode=False)
    width_px = 1100 if cols >= 8 else 150 * cols
    height = height or int(width_px * (rows * (t + gap_y)) / (cols * (t + GAP))) + (70 if title else 20)
    return styled(fig, font_size=font_size, height=height, title=title)


def feature_grid(maps: np.ndarray, channels: Sequence[int], *, stats: ChannelStats | None = None,
                 scope: str = "map", cols: int = 8, font_size: int = 14,
                 title: str | None = None) -> go.Figure:
    """Feature maps ``(C, H, W)`` of one layer, the given ``channels`` as a grid of tiles.

    Signed layers (before ReLU) use the diverging scale centred on 0, others 0 → max.
    """
    stats = stats or ChannelStats.of(maps)
    channels = [int(c) for c in channels]
    chosen = shrink(maps[channels])
    signed = stats.signed
    if scope == "layer":  # one scale for the whole layer, not just the channels on screen
        top = max(float(stats.max.max()), float(-stats.min.min()) if signed else 0.0)
        chosen = np.concatenate([chosen, np.full_like(chosen[:1], top)])
    rgb = colourise(chosen, signed=signed, scope=scope)[:len(channels)]
    means, peaks = stats.mean[channels], stats.max[channels]
    hover = [f"channel {c}<br>mean {m:.3g}, max {p:.3g}" + ("<br>all zero: this filter never fires here"
                                                           if p == 0 and not signed else "")
             for c, m, p in zip(channels, means, peaks)]
    return _mosaic_figure(_tiles(rgb), [str(c) for c in channels], hover, cols=min(cols, len(channels)),
                          font_size=font_size, title=title, jpeg_quality=_map_quality(rgb))


def _image_trace(rgb: np.ndarray, *, jpeg_quality: int | None = PHOTO_QUALITY) -> go.Image:
    return go.Image(source=image_uri(rgb, jpeg_quality=jpeg_quality), hoverinfo="skip")


def overlay(shown: np.ndarray, fmap: np.ndarray, *, opacity: float) -> np.ndarray:
    """The input ``(S, S, 3) uint8`` with a feature map ``(H, W)`` laid over it, colour-mapped as
    the heatmap beside it (one flat colour per cell, cell ``i`` covering pixels ``i·S/H`` up to
    ``(i+1)·S/H``), blended with ``opacity``. One small JPEG instead of a second heatmap of values."""
    side = shown.shape[0]
    signed = bool(fmap.min() < 0)
    colour = colourise(np.asarray(fmap, np.float32)[None], signed=signed)[0]  # (H, W, 3)
    rows = ((np.arange(side) + 0.5) * fmap.shape[0] / side).astype(int)
    cols = ((np.arange(shown.shape[1]) + 0.5) * fmap.shape[1] / shown.shape[1]).astype(int)
    cells = colour[rows][:, cols]  # (S, S, 3): each pixel takes the colour of the cell over it
    return (shown * (1 - opacity) + cells * opacity + 0.5).astype(np.uint8)


def enlarged_map(shown: np.ndarray, fmap: np.ndarray, *, channel: int, opacity: float = 0.6,
                 geometry: Geometry | None = None, font_size: int = 14, title: str | None = None) -> go.Figure:
    """One feature map ``(H, W)`` enlarged with its values, and laid over the input ``(S, S, 3)``.

    With the layer's ``geometry``, the strongest cell is outlined on the map and the input
    rectangle it sees (its receptive field) on the picture.
    """
    fmap = fmap.astype(np.float32)
    signed = bool(fmap.min() < 0)
    zmin, zmax = (-np.abs(fmap).max(), np.abs(fmap).max()) if signed else (0.0, float(fmap.max()))
    zmax = zmax if zmax > zmin else zmin + 1
    row, col = np.unravel_index(int(np.argmax(fmap)), fmap.shape)
    field = geometry.field_of(int(row), int(col)) if geometry is not None else None
    right = "laid over the input"
    if field is not None:
        right += f"; □ = what the strongest cell sees ({geometry.rf_text} px)"
    fig = make_subplots(1, 2, horizontal_spacing=0.06,
                        subplot_titles=(f"channel {channel}: {fmap.shape[0]}×{fmap.shape[1]} values", right))
    fig.add_trace(go.Heatmap(z=fmap, colorscale=DIVERGING if signed else SEQUENTIAL, zmin=zmin, zmax=zmax,
                             colorbar=dict(x=0.47, len=0.9, thickness=14),
                             hovertemplate="row %{y}, col %{x}<br>activation %{z:.3g}<extra></extra>"), 1, 1)
    fig.add_trace(_image_trace(overlay(shown, fmap, opacity=opacity)), 1, 2)
    if field is not None:
        box = dict(type="rect", line=dict(color="#d1495b", width=3), fillcolor="rgba(0,0,0,0)")
        fig.add_shape(**box, x0=col - 0.5, x1=col + 0.5, y0=row - 0.5, y1=row + 0.5, row=1, col=1)
        x0, y0, x1, y1 = field  # pixel edges; plot coordinates put pixel centres on integers
        fig.add_shape(**box, x0=x0 - 0.5, x1=x1 - 0.5, y0=y0 - 0.5, y1=y1 - 0.5, row=1, col=2)
    return _enlarged_layout(fig, side=shown.shape[0], font_size=font_size, title=title)


def _enlarged_layout(fig: go.Figure, *, side: int, font_size: int, title: str | None) -> go.Figure:
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed")
    fig.update_xaxes(range=[-0.5, side - 0.5], row=1, col=2)
    fig.update_yaxes(range=[side - 0.5, -0.5], autorange=False, row=1, col=2)
    fig.update_yaxes(scaleanchor="x", row=1, col=1)
    fig.update_yaxes(scaleanchor="x2", row=1, col=2)
    fig.update_annotations(font_size=font_size)
    fig = styled(fig, font_size=font_size, height=480 if font_size < 20 else 620, title=title)
    fig.update_layout(margin=dict(t=(50 if title else 10) + 2 * font_size))
    return fig


def early_vs_deep(early: np.ndarray, deep: np.ndarray, early_stats: ChannelStats, deep_stats: ChannelStats,
                  *, k: int = 8, titles: tuple[str, str], font_size: int = 14) -> go.Figure:
    """The ``k`` strongest maps of a shallow and a deep layer side by side, each ``(C, H, W)``."""
    fig = make_subplots(1, 2, horizontal_spacing=0.04, subplot_titles=titles)
    for col, (maps, stats) in enumerate(((early, early_stats), (deep, deep_stats)), start=1):
        chans = list(np.argsort(-stats.mean, kind="stable")[:k])
        small = colourise(shrink(maps[chans]), signed=stats.signed)
        fig.add_trace(_image_trace(_mosaic(_tiles(small), 4), jpeg_quality=_map_quality(small)), 1, col)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_annotations(font_size=font_size)
    fig = styled(fig, font_size=font_size, height=340 if font_size < 20 else 440)
    fig.update_layout(margin=dict(t=20 + 3 * font_size))  # room for the two-line subplot titles
    return fig


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
    return fig


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
