"""Plotly figures for the MNIST page: live curves, confusion matrices, mistakes, filters,
feature maps and the translation test. Every builder returns a new ``go.Figure``."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explainer.mnist.networks import CNN_NAME, MLP_NAME
from explainer.plotting import DIVERGING, styled, symmetric_range
from explainer.mnist.training import TrainingLog

#: One colour per network on every chart (colour-blind safe pair).
COLOURS = {MLP_NAME: "#E69F00", CNN_NAME: "#0072B2"}
#: What the lecture says each network reaches on MNIST.
LECTURE_CLAIM = {MLP_NAME: 0.90, CNN_NAME: 0.99}


def _colour(name: str) -> str:
    return COLOURS.get(name, "#555555")


def curves_figure(log: TrainingLog, *, font_size: int = 14, height: int = 420,
                  total_images: int | None = None) -> go.Figure:
    """Training loss (left) and accuracy (right) of both networks against digits seen.

    Accuracy: thin dotted = on the training batches as they go (dropout on), solid with
    markers = on held-out test digits. Dashed grey lines: the lecture's 90% / 99%.
    Redrawn twice a second while training, so it is built from plain dicts without
    plotly's per-property validation (ten times cheaper, and the training thread
    shares the interpreter with it).
    """
    names = list(log.started.parameters) if log.started else [MLP_NAME, CNN_NAME]
    traces = [trace for name in names for trace in _network_traces(log, name)]
    accs = [r["train_accuracy"] for r in log.progress] + [r["test_accuracy"] for r in log.tests]
    low = max(0.0, min([0.8] + [a for a in accs if a > 0.5]) - 0.02)
    x_max = total_images or (log.started.total_digits if log.started else None)
    shapes, notes = _lecture_lines(font_size)
    layout = _curves_layout(font_size, height, low, x_max, shapes, notes)
    return go.Figure(dict(data=traces, layout=layout), _validate=False)


def _network_traces(log: TrainingLog, name: str) -> list[dict]:
    """Loss, accuracy on the training batches and on test digits, for one network."""
    rows = [r for r in log.progress if r["network"] == name]
    tests = [r for r in log.tests if r["network"] == name]
    x = [r["images_seen"] for r in rows]
    c = _colour(name)
    return [
        dict(type="scatter", x=x, y=[r["loss"] for r in rows], name=name, legendgroup=name,
             mode="lines" if len(x) > 20 else "lines+markers",  # a short run may have one point
             line=dict(color=c, width=3), xaxis="x", yaxis="y",
             hovertemplate="%{x:,} digits<br>loss %{y:.3f}<extra>" + name + "</extra>"),
        dict(type="scatter", x=x, y=[r["train_accuracy"] for r in rows], name=f"{name} · training batches",
             legendgroup=name, showlegend=False, mode="lines", opacity=0.7, xaxis="x2", yaxis="y2",
             line=dict(color=c, width=1.5, dash="dot"),
             hovertemplate="%{x:,} digits<br>on its training batches %{y:.1%}<extra>" + name + "</extra>"),
        dict(type="scatter", x=[r["images_seen"] for r in tests], y=[r["test_accuracy"] for r in tests],
             name=f"{name} · test", legendgroup=name, showlegend=False, mode="lines+markers",
             xaxis="x2", yaxis="y2", line=dict(color=c, width=3.5),
             marker=dict(size=[11 if r["full_test"] else 5 for r in tests]),
             hovertemplate="%{x:,} digits<br>on test digits %{y:.2%}<extra>" + name + "</extra>"),
    ]


def _lecture_lines(font_size: int) -> tuple[list[dict], list[dict]]:
    """The lecture's 90 % / 99 % as dashed lines, and the two panels' titles."""
    small = round(font_size * 0.8)
    shapes, notes = [], []
    for name, level in LECTURE_CLAIM.items():
        shapes.append(dict(type="line", xref="x2 domain", yref="y2", x0=0, x1=1, y0=level, y1=level,
                           line=dict(color="#888", dash="dash", width=1)))
        notes.append(dict(xref="x2 domain", yref="y2", x=1, y=level, xanchor="right", yanchor="top",
                          showarrow=False, font=dict(size=small, color="#666"),
                          text=f"lecture: {'fully connected' if name == MLP_NAME else 'CNN'} {level:.0%}"))
    # Projected type is large: shorter titles still fit over each half of a 1280 px wide chart.
    titles = (("Training loss (cross-entropy, log scale)", "Accuracy: solid = test digits, dotted = training batches")
              if font_size < 18 else ("Loss (cross-entropy, log)", "Accuracy: solid test, dotted training"))
    for i, title in enumerate(titles):
        notes.append(dict(xref=f"x{i + 1 if i else ''} domain", yref="paper", x=0.5, y=1.0, yanchor="bottom",
                          showarrow=False, text=title, font=dict(size=round(font_size * 1.05))))
    return shapes, notes


def _curves_layout(font_size: int, height: int, low: float, x_max, shapes: list, notes: list) -> dict:
    # Sizes set on every text: Streamlit's chart theme would otherwise shrink ticks and legend to 12 px.
    ticks = dict(tickfont=dict(size=font_size))
    x_range = [0, x_max * 1.04] if x_max else None  # room for the last marker: at exactly x_max it is cut in half
    axis = dict(title=dict(text="digits seen", font=dict(size=font_size)), range=x_range,
                gridcolor="#eee", zeroline=False, **ticks)
    return dict(
        xaxis=dict(axis, domain=[0, 0.46]), xaxis2=dict(axis, domain=[0.54, 1]),
        yaxis=dict(type="log", gridcolor="#eee", title=dict(text="loss", font=dict(size=font_size)),
                   tickvals=[0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5], **ticks),
        yaxis2=dict(range=[low, 1.0], tickformat=".0%", gridcolor="#eee", anchor="x2", **ticks),
        shapes=shapes, annotations=notes, uirevision="curves",
        legend=dict(orientation="h", y=-0.22, x=0.5, xanchor="center", font=dict(size=font_size)),
        font=dict(size=font_size), height=height, margin=dict(l=10, r=10, t=40, b=10),
        paper_bgcolor="white", plot_bgcolor="white")


def confusion_figure(counts: np.ndarray, *, title: str, font_size: int = 14, height: int = 460) -> go.Figure:
    """A ``(10, 10)`` confusion matrix; colour scaled to the largest *mistake*, so errors show."""
    off = counts.copy()
    np.fill_diagonal(off, 0)
    fig = go.Figure(go.Heatmap(
        z=counts, x=[str(d) for d in range(10)], y=[str(d) for d in range(10)], colorscale="Reds",
        zmin=0, zmax=max(1, int(off.max())), showscale=False, text=counts, texttemplate="%{text}",
        textfont=dict(size=round(font_size * 0.8)),
        hovertemplate="written %{y}, answered %{x}: %{z} digits<extra></extra>"))
    fig.update_xaxes(title_text="predicted digit", side="bottom", type="category", showgrid=False)
    fig.update_yaxes(title_text="true digit", autorange="reversed", type="category", scaleanchor="x", showgrid=False)
    return styled(fig, font_size=font_size, height=height, title=title)


def digit_grid_figure(images: np.ndarray, captions: list[str], *, cols: int = 8, font_size: int = 14,
                      title: str | None = None) -> go.Figure:
    """Digits ``(N, 28, 28) uint8`` in a grid, dark ink on white, a caption above each."""
    n = len(images)
    rows = max(1, -(-n // cols))
    pad, cell = 2, 28 + 2 * 2 + 10  # room for the caption above each digit
    canvas = np.full((rows * cell, cols * (28 + 2 * pad)), 255, np.uint8)
    annotations = []
    for k, (img, cap) in enumerate(zip(images, captions)):
        r, c = divmod(k, cols)
        top, left = r * cell + 10 + pad, c * (28 + 2 * pad) + pad
        canvas[top:top + 28, left:left + 28] = 255 - img
        annotations.append(dict(x=left + 14, y=top - 2, text=cap, showarrow=False, yanchor="bottom",
                                font=dict(size=font_size, color="#222")))
    fig = go.Figure(go.Heatmap(z=canvas, colorscale="gray", zmin=0, zmax=255, showscale=False, hoverinfo="skip"))
    fig.update_layout(annotations=annotations)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    height = int(rows * cell * (font_size / 14) * 3.2) + (60 if title else 20)
    return styled(fig, font_size=font_size, height=height, title=title)


def filters_figure(filters: np.ndarray, *, font_size: int = 14, height: int = 230,
                   title: str | None = None) -> go.Figure:
    """The CNN's first-layer kernels ``(6, 5, 5)``, one shared colour scale centred on 0."""
    n = len(filters)
    lo, hi = symmetric_range(filters)
    fig = make_subplots(rows=1, cols=n, horizontal_spacing=0.02, subplot_titles=[f"kernel {i + 1}" for i in range(n)])
    for i, f in enumerate(filters):
        fig.add_trace(go.Heatmap(z=f, zmin=lo, zmax=hi, colorscale=DIVERGING, showscale=(i == n - 1),
                                 colorbar=dict(thickness=12, len=0.9),
                                 hovertemplate="row %{y}, col %{x}: %{z:.3f}<extra></extra>"), row=1, col=i + 1)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed")
    for i in range(n):
        fig.update_yaxes(scaleanchor=f"x{i + 1 if i else ''}", row=1, col=i + 1)
    return styled(fig, font_size=font_size, height=height, title=title)


def feature_maps_figure(maps: np.ndarray, *, layer: str, cols: int = 8, font_size: int = 14,
                        height: int | None = None) -> go.Figure:
    """One layer's feature maps ``(C, H, W)`` in a grid, diverging colours on one scale."""
    c = len(maps)
    cols = min(cols, c)
    rows = -(-c // cols)
    lo, hi = symmetric_range(maps)
    fig = make_subplots(rows=rows, cols=cols, horizontal_spacing=0.01, vertical_spacing=0.06,
                        subplot_titles=[f"{layer} #{i + 1}" for i in range(c)])
    for i, m in enumerate(maps):
        r, k = divmod(i, cols)
        fig.add_trace(go.Heatmap(z=m, zmin=lo, zmax=hi, colorscale=DIVERGING, showscale=False,
                                 hovertemplate="y %{y}, x %{x}: %{z:.2f}<extra></extra>"), row=r + 1, col=k + 1)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed")
    fig.update_annotations(font_size=round(font_size * 0.75))
    return styled(fig, font_size=font_size, height=height or int(rows * 150 * font_size / 14) + 30)


def digit_figure(image: np.ndarray, *, font_size: int = 14, height: int = 300, title: str | None = None) -> go.Figure:
    """One digit ``(28, 28) uint8``, dark ink on white, with a faint 28x28 frame."""
    fig = go.Figure(go.Heatmap(z=255 - image, colorscale="gray", zmin=0, zmax=255, showscale=False,
                               hovertemplate="x %{x}, y %{y}: %{customdata}<extra></extra>", customdata=image))
    fig.add_shape(type="rect", x0=-0.5, y0=-0.5, x1=27.5, y1=27.5, line=dict(color="#999", width=1))
    fig.update_xaxes(visible=False, range=[-1, 28])
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    return styled(fig, font_size=font_size, height=height, title=title)


def prediction_bars_figure(probs: dict[str, np.ndarray], true_label: int, *, font_size: int = 14,
                           height: int = 300) -> go.Figure:
    """Each network's probabilities for digits 0-9, side by side; the true digit is marked."""
    fig = go.Figure()
    for name, p in probs.items():
        fig.add_trace(go.Bar(x=list(range(10)), y=p, name=f"{name}: says {int(np.argmax(p))}",
                             marker_color=_colour(name), hovertemplate="digit %{x}: %{y:.1%}<extra></extra>"))
    fig.add_vrect(x0=true_label - 0.5, x1=true_label + 0.5, fillcolor="#2ca02c", opacity=0.12, line_width=0,
                  annotation_text=f"true: {true_label}", annotation_position="top left")
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=-0.25, x=0.5, xanchor="center"))
    fig.update_xaxes(tickmode="linear", dtick=1, title_text="digit")
    fig.update_yaxes(range=[0, 1.05], tickformat=".0%", title_text="probability", gridcolor="#eee")
    return styled(fig, font_size=font_size, height=height)


def shift_accuracy_figure(shifts: list[int], accuracy: dict[str, list[float]], *, current: float | None = None,
                          font_size: int = 14, height: int = 320) -> go.Figure:
    """Test accuracy of both networks against a horizontal shift of every digit (pixels)."""
    fig = go.Figure()
    for name, acc in accuracy.items():
        fig.add_trace(go.Scatter(x=shifts, y=acc, name=name, mode="lines+markers",
                                 line=dict(color=_colour(name), width=3), marker=dict(size=8),
                                 hovertemplate="shift %{x} px: %{y:.1%}<extra>" + name + "</extra>"))
    if current is not None:
        fig.add_vline(x=current, line=dict(color="#444", dash="dot"))
    fig.update_xaxes(title_text="every test digit shifted right by … pixels", dtick=1, gridcolor="#eee")
    fig.update_yaxes(title_text="accuracy", range=[0, 1.02], tickformat=".0%", gridcolor="#eee")
    fig.update_layout(legend=dict(orientation="h", y=-0.3, x=0.5, xanchor="center"))
    return styled(fig, font_size=font_size, height=height)
