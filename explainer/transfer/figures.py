"""Plotly figures of the transfer page: accuracy vs examples per class, which layers are frozen, photo predictions."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from explainer.augmentation import readable
from explainer.plotting import styled
from explainer.transfer.digits import FINE_TUNE, FROZEN, METHODS, SCRATCH, TransferGrid

COLOURS = {SCRATCH: "#E69F00", FROZEN: "#0072B2", FINE_TUNE: "#009E73"}
#: Layer states in the diagram: colour and word.
STATES = {"frozen": ("#9ecae1", "frozen (pretrained on 0–4)"), "tuned": ("#a1d99b", "learns, starts pretrained"),
          "new": ("#fdae6b", "learns, starts random"), "dropped": ("#f0f0f0", "not used")}


def transfer_figure(grid: TransferGrid, *, font_size: int = 14, height: int = 400) -> go.Figure:
    """Test accuracy on the 5–9 test digits against k training examples per class, one line per method."""
    fig = go.Figure()
    for method in METHODS:
        fig.add_trace(go.Scatter(x=grid.ks, y=grid.accuracy[method], name=method, mode="lines+markers",
                                 line=dict(color=COLOURS[method], width=3), marker=dict(size=10),
                                 hovertemplate="k = %{x}: %{y:.1%}<extra>" + method + "</extra>"))
    fig.add_hline(y=0.2, line=dict(color="#777", dash="dot"), annotation_text="guessing (1 in 5)",
                  annotation_position="bottom right", annotation_font_color="#444")
    fig.update_xaxes(type="log", tickvals=grid.ks, title_text="training examples per digit (k), log scale",
                     gridcolor="#eee")
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", title_text=f"accuracy on {grid.n_test:,} test digits 5–9",
                     gridcolor="#eee")
    fig.update_layout(legend=dict(orientation="h", y=-0.25, x=0.5, xanchor="center"))
    return readable(styled(fig, font_size=font_size, height=height), font_size)


def _state(method: str, layer: str, layers: dict[str, tuple[bool, int]]) -> str:
    if layer not in layers:
        return "dropped"
    learns, _ = layers[layer]
    if method == SCRATCH or layer == "fc" or (method == FROZEN and learns):
        return "new" if learns else "frozen"
    return "tuned" if learns else "frozen"


def layers_figure(grid: TransferGrid, *, font_size: int = 14, height: int | None = None) -> go.Figure:
    """Which layers learn in each method: a row of boxes per method, one box per layer with its
    number of weights and biases."""
    columns = ["conv1", "conv2", "fc1", "fc2", "fc3", "fc"]
    fig = go.Figure()
    for row, method in enumerate(METHODS):
        layers = grid.layers[method]
        for col, layer in enumerate(columns):
            state = _state(method, layer, layers)
            colour, _ = STATES[state]
            n = layers.get(layer, (False, 0))[1]
            name = "new fc" if layer == "fc" else layer
            fig.add_shape(type="rect", x0=col, x1=col + 0.92, y0=-row, y1=-row + 0.8, fillcolor=colour,
                          line=dict(color="#555" if state != "dropped" else "#ddd", width=1))
            fig.add_annotation(x=col + 0.46, y=-row + 0.4, showarrow=False,
                               text=f"<b>{name}</b><br>{f'{n:,}' if n else '—'}",
                               font=dict(size=round(font_size * 0.85), color="#222" if n else "#aaa"))
        trainable, total = grid.parameters[method]
        fig.add_annotation(x=-0.08, y=-row + 0.4, xanchor="right", showarrow=False, align="right",
                           text=f"<b>{method}</b><br>{trainable:,} of {total:,} learn")
    for state, (colour, words) in STATES.items():  # a legend made of invisible markers
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=words,
                                 marker=dict(size=14, symbol="square", color=colour, line=dict(color="#555", width=1))))
    fig.update_xaxes(visible=False, range=[-2.6, len(columns)])
    fig.update_yaxes(visible=False, range=[-len(METHODS) + 0.7, 0.9])
    fig.update_layout(legend=dict(orientation="h", y=-0.05, x=0.5, xanchor="center"))
    return readable(styled(fig, font_size=font_size, height=height or (340 if font_size > 14 else 280)), font_size)


def probabilities_figure(probabilities: np.ndarray, classes: list[str], *, font_size: int = 14,
                         height: int = 260) -> go.Figure:
    """The new head's softmax probabilities for one photo, one bar per class."""
    best = int(np.argmax(probabilities))
    fig = go.Figure(go.Bar(x=list(probabilities), y=classes, orientation="h",
                           marker_color=["#0072B2" if i == best else "#9ecae1" for i in range(len(classes))],
                           text=[f"{p:.1%}" for p in probabilities], textposition="auto",
                           hovertemplate="%{y}: %{x:.1%}<extra></extra>"))
    fig.update_xaxes(range=[0, 1], tickformat=".0%", title_text="probability (softmax of the new head's scores)")
    fig.update_yaxes(autorange="reversed")
    return readable(styled(fig, font_size=font_size, height=height), font_size)
