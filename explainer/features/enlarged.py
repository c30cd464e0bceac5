"""One feature map enlarged: its colours, its values under the mouse, and the map laid over the input.

What reaches the browser is sized for a class on one Wi-Fi (a whole figure is a few tens of KB):

- the map's colours as one small image at the map's own resolution, which the browser enlarges
  crisply, one flat block per cell (PNG, exact, up to 14 cells a side; JPEG above);
- the values for hovering on a grid of at most ``HOVER_CELLS`` a side: the exact activations for
  maps up to that size (every layer of VGG16 at 224 px after the second pooling), otherwise the
  largest value of each b×b block, i.e. what a b×b max pooling of the map would give;
- the input picture as a JPEG, and the same map image again over it with the overlay opacity,
  blended by the browser.

The exact 224×224 float32 values of a first-layer map would be ~270 KB of JSON; the hover grid is
at most 56×56 floats (~18 KB), and 32×32 block maxima for larger maps (~6 KB).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import torch
import torch.nn.functional as F

from explainer.features.figures import EXACT_SIDE, MAP_QUALITY, PHOTO_QUALITY, colourise, image_uri, lean
from explainer.features.receptive_fields import Geometry
from explainer.plotting import DIVERGING, SEQUENTIAL, styled

HOVER_CELLS = 56   # maps up to this size: exact values under the mouse
BLOCK_CELLS = 32   # larger maps: the max of blocks, at most this many a side
BOX = dict(type="rect", line=dict(color="#d1495b", width=3), fillcolor="rgba(0,0,0,0)")


@dataclass(frozen=True)
class HoverGrid:
    """Values shown under the mouse: ``values`` ``(ceil(H/block), ceil(W/block))`` float32."""

    values: np.ndarray
    block: int

    @property
    def exact(self) -> bool:
        return self.block == 1


def hover_block(shape: tuple[int, int]) -> int:
    """Side of the blocks whose max the hover grid shows for a map of ``shape`` (1: exact values)."""
    side = max(shape)
    return 1 if side <= HOVER_CELLS else -(-side // BLOCK_CELLS)


def hover_grid(fmap: np.ndarray) -> HoverGrid:
    """``(H, W)`` activations -> the exact values if both sides fit ``HOVER_CELLS``, else the max
    over b×b blocks, b the smallest that leaves at most ``BLOCK_CELLS`` a side (edge blocks may be partial)."""
    block = hover_block(fmap.shape)
    x = torch.from_numpy(np.ascontiguousarray(fmap, dtype=np.float32))
    if block > 1:
        x = F.max_pool2d(x[None, None], block, ceil_mode=True)[0, 0]
    return HoverGrid(values=x.numpy(), block=block)


def photo_uri(shown: np.ndarray) -> str:
    """The input picture ``(S, S, 3) uint8`` as a JPEG data URI (cache it per picture)."""
    return image_uri(shown, jpeg_quality=PHOTO_QUALITY)


def _hover_trace(grid: HoverGrid, *, signed: bool, zmin: float, zmax: float) -> go.Heatmap:
    b = grid.block
    if grid.exact:
        text = "row %{y}, col %{x}<br>activation %{z:.3g}<extra></extra>"
    else:
        text = (f"around row %{{y:.0f}}, col %{{x:.0f}}<br>largest of this {b}×{b} block of cells: "
                "%{z:.3g}<extra></extra>")
    # Invisible (the image underneath has the colours); it carries the hover values and the colour bar.
    return go.Heatmap(z=grid.values, x0=(b - 1) / 2, dx=b, y0=(b - 1) / 2, dy=b, opacity=0,
                      colorscale=DIVERGING if signed else SEQUENTIAL, zmin=zmin, zmax=zmax,
                      colorbar=dict(x=0.47, len=0.9, thickness=14), hovertemplate=text)


def enlarged_map(shown: np.ndarray, fmap: np.ndarray, *, channel: int, opacity: float = 0.6,
                 geometry: Geometry | None = None, font_size: int = 14, title: str | None = None,
                 photo: str | None = None) -> go.Figure:
    """One feature map ``(H, W)`` enlarged (left) and laid over the input ``(S, S, 3)`` (right).

    With the layer's ``geometry``, the strongest cell is outlined on the map and the input
    rectangle it sees (its receptive field) on the picture. ``photo``: ``photo_uri(shown)``,
    if the caller keeps it.
    """
    fmap = np.asarray(fmap, dtype=np.float32)
    h, w = fmap.shape
    side_h, side_w = shown.shape[:2]
    signed = bool(fmap.min() < 0)
    zmin, zmax = (-np.abs(fmap).max(), np.abs(fmap).max()) if signed else (0.0, float(fmap.max()))
    zmax = float(zmax) if zmax > zmin else zmin + 1
    colours = colourise(fmap[None], signed=signed)[0]  # (H, W, 3)
    cells = image_uri(colours, jpeg_quality=None if max(h, w) <= EXACT_SIDE else MAP_QUALITY)
    # Over the picture, a 224×224 map at half resolution looks the same under blending, for a quarter the bytes.
    half = max(h, w) > 112
    over = image_uri(np.ascontiguousarray(colours[::2, ::2]), jpeg_quality=MAP_QUALITY) if half else cells
    oh, ow = (-(-h // 2), -(-w // 2)) if half else (h, w)
    grid = hover_grid(fmap)
    fig = go.Figure([
        go.Image(source=cells, hoverinfo="skip"),
        _hover_trace(grid, signed=signed, zmin=float(zmin), zmax=zmax),
        go.Image(source=photo or photo_uri(shown), hoverinfo="skip", xaxis="x2", yaxis="y2"),
        go.Image(source=over, x0=0.5 * side_w / ow - 0.5, dx=side_w / ow, y0=0.5 * side_h / oh - 0.5,
                 dy=side_h / oh, opacity=opacity, hoverinfo="skip", xaxis="x2", yaxis="y2"),
    ])
    row, col = np.unravel_index(int(np.argmax(fmap)), fmap.shape)
    field = geometry.field_of(int(row), int(col)) if geometry is not None else None
    right = "laid over the input"
    if field is not None:
        right += f"; □ = what the strongest cell sees ({geometry.rf_text} px)"
        fig.add_shape(**BOX, x0=col - 0.5, x1=col + 0.5, y0=row - 0.5, y1=row + 0.5, xref="x", yref="y")
        x0, y0, x1, y1 = field  # pixel edges; plot coordinates put pixel centres on integers
        fig.add_shape(**BOX, x0=x0 - 0.5, x1=x1 - 0.5, y0=y0 - 0.5, y1=y1 - 0.5, xref="x2", yref="y2")
    left = f"channel {channel}: {h}×{w} values" + ("" if grid.exact else f" (hover: max per {grid.block}×{grid.block})")
    return _layout(fig, (left, right), map_hw=(h, w), side_hw=(side_h, side_w), font_size=font_size, title=title)


def _layout(fig: go.Figure, titles: tuple[str, str], *, map_hw: tuple[int, int], side_hw: tuple[int, int],
            font_size: int, title: str | None) -> go.Figure:
    """Two square panels side by side, pixel-exact ranges, no axes; subplot titles as annotations."""
    hidden = dict(visible=False)
    fig.update_layout(
        xaxis=dict(hidden, domain=[0, 0.44], range=[-0.5, map_hw[1] - 0.5]),
        yaxis=dict(hidden, range=[map_hw[0] - 0.5, -0.5], scaleanchor="x"),
        xaxis2=dict(hidden, domain=[0.53, 1], range=[-0.5, side_hw[1] - 0.5]),
        yaxis2=dict(hidden, range=[side_hw[0] - 0.5, -0.5], scaleanchor="x2", anchor="x2"),
        annotations=[dict(text=t, x=x, y=1.0, xref="paper", yref="paper", xanchor="center", yanchor="bottom",
                          showarrow=False, font=dict(size=font_size)) for t, x in zip(titles, (0.22, 0.765))],
        hovermode="closest", dragmode=False)
    fig = styled(fig, font_size=font_size, height=480 if font_size < 20 else 560, title=title)
    fig.update_layout(margin=dict(t=(50 if title else 10) + 2 * font_size))
    return lean(fig)
