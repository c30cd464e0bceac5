"""The MNIST analysis tabs: confusion matrices, mistakes, translation test, filters and feature maps, downloads."""
from __future__ import annotations

import streamlit as st
import torch

from explainer import exports
from explainer.mnist import analysis, figures
from explainer.mnist.datasets import DigitSet
from explainer.mnist.networks import MLP_NAME
from explainer.mnist.runs import SHIFT_DIGITS
from explainer.mnist.training import TrainingLog

from .mnist_runs import run_figure, shift_curve
from .mnist_settings import KEY, PLOT_CONFIG, MnistSettings


def confusion_matrices(data: DigitSet, preds, fs: int, run_id: int) -> None:
    for col, (name, (_, pred)) in zip(st.columns(2), preds.items()):
        def build(pred=pred, name=name):
            cm = analysis.confusion_matrix(pred, data.test_labels.numpy())
            return figures.confusion_figure(cm, title=f"{name}: {cm.trace():,} of {cm.sum():,} right",
                                            font_size=fs, height=560 if fs > 14 else 460)
        col.plotly_chart(run_figure(("confusion", run_id, data.name, name, fs), build), key=f"mnist_cm_{name}",
                         config=PLOT_CONFIG)
    st.caption("Row = the digit written, column = the network's answer; the diagonal is right. "
               "Colours are scaled to the largest mistake so the confusions (4↔9, 3↔5, 7↔2…) stand out.")


def mistakes(data: DigitSet, preds, fs: int, present: bool, run_id: int) -> None:
    labels = data.test_labels.numpy()
    for name, (probs, pred) in preds.items():
        def build(probs=probs, pred=pred, name=name):
            bad = analysis.misclassified(probs, labels, limit=16 if present else 24)
            captions = [f"{labels[i]}→{pred[i]} ({probs[i, pred[i]]:.0%})" for i in bad]
            return figures.digit_grid_figure(
                data.test_images[bad].numpy(), captions, cols=8, font_size=fs,
                title=f"{name}: {int((pred != labels).sum()):,} mistakes, most confident first (written → answered)")
        st.plotly_chart(run_figure(("mistakes", run_id, data.name, name, fs, present), build),
                        key=f"mnist_bad_{name}", config=PLOT_CONFIG)


def translation_test(data: DigitSet, settings: MnistSettings, models, fs: int, job_id: int) -> None:
    left, mid, right = st.columns([1, 1.1, 1.6], gap="large")
    with left:
        st.slider("Shift right (pixels)", -8, 8, key=KEY["shift_x"])
        st.slider("Shift down (pixels)", -8, 8, key=KEY["shift_y"])
        st.slider("Rotate (degrees)", -60, 60, step=5, key=KEY["rotation"])
    i, dx, dy, angle = settings.digit, settings.shift_x, settings.shift_y, settings.rotation

    def moved_digit_figures():
        label = int(data.test_labels[i])
        moved = analysis.move_digit(data.test_images[i], dx=dx, dy=dy, angle=angle)
        probs = {name: analysis.predict(m, moved[None], data.mean, data.std)[0][0] for name, m in models.items()}
        return (figures.digit_figure(moved.numpy(), font_size=fs, height=360 if fs > 14 else 300,
                                     title=f"digit {label}, moved"),
                figures.prediction_bars_figure(probs, label, font_size=fs, height=380 if fs > 14 else 320))

    moved_fig, bars_fig = run_figure(("moved", job_id, data.name, i, dx, dy, angle, fs), moved_digit_figures)
    mid.plotly_chart(moved_fig, key="mnist_moved", config=PLOT_CONFIG)
    right.plotly_chart(bars_fig, key="mnist_bars", config=PLOT_CONFIG)
    curve = shift_curve(job_id, data.name, models, data)
    shift_fig = run_figure(("shift", job_id, data.name, dx, fs), lambda: figures.shift_accuracy_figure(
        list(range(-6, 7)), curve, current=dx, font_size=fs, height=380 if fs > 14 else 320))
    st.plotly_chart(shift_fig, key="mnist_shift", config=PLOT_CONFIG)
    st.caption(f"Accuracy on {min(SHIFT_DIGITS, data.n_test)} test digits, each moved sideways by the same number "
               "of pixels. The convolution's kernels are the same at every position and max-pooling forgives small "
               "moves, so the CNN degrades slowly; the fully connected layer has a separate weight for every pixel.")


FEATURE_MAP_TITLES = {
    "conv1": "conv1: 6 feature maps, 28x28 (padding 2 keeps the size)",
    "relu1": "after max-pool + ReLU: 14x14",
    "conv2": "conv2: 16 feature maps, 10x10 (5x5 kernels over all 6 maps)",
    "relu2": "after max-pool + ReLU: 5x5 — these 400 numbers feed the fully connected layers"}


def filters_and_maps(data: DigitSet, i: int, cnn: torch.nn.Module, fs: int, job_id: int) -> None:
    filters = run_figure(("filters", job_id, data.name, fs), lambda: figures.filters_figure(
        analysis.first_layer_filters(cnn), font_size=fs, height=260 if fs > 14 else 220,
        title="The 6 learned 5x5 kernels of the first convolution"))
    st.plotly_chart(filters, key="mnist_filters", config=PLOT_CONFIG)
    left, right = st.columns([1, 4], gap="large")
    left.image(255 - data.test_images[i].numpy(), width=200, clamp=True,
               caption=f"test digit {i}: a {int(data.test_labels[i])} (dark = ink)")
    maps = run_figure(("maps", job_id, data.name, i, fs), lambda: {
        layer: figures.feature_maps_figure(m, layer=layer, font_size=fs)
        for layer, m in analysis.feature_maps(cnn, data.test_images[i], data.mean, data.std).items()})
    with right:
        for layer, fig in maps.items():
            st.markdown(f"**{FEATURE_MAP_TITLES.get(layer, layer)}**")
            st.plotly_chart(fig, key=f"mnist_fm_{layer}", config=PLOT_CONFIG)
    st.caption("Red = positive, blue = negative, white = 0 (one colour scale per layer). "
               "Open these networks on the Feature maps page too: they are listed there for this session.")


@st.cache_resource(max_entries=16, show_spinner=False)
def curves_file(run_id: int, n_events: int, kind: str, _log: TrainingLog) -> bytes:
    """A run's curves as ``csv`` or ``png`` bytes, made once per run (on the first click)."""
    if kind == "csv":
        return exports.training_csv(_log)
    return exports.training_curves_png(_log, title=f"MNIST: fully connected vs LeNet-5 on {_log.started.dataset}")


def downloads(log: TrainingLog, models, run_id: int) -> None:
    cols = st.columns(4)
    for col, kind, label, mime in ((cols[0], "csv", "Curves (CSV)", "text/csv"),
                                   (cols[1], "png", "Curves (PNG, for slides)", "image/png")):
        col.download_button(label, lambda kind=kind: curves_file(run_id, log.n_events, kind, log),
                            file_name=f"mnist_curves.{kind}", mime=mime, on_click="ignore",
                            icon=":material/table:" if kind == "csv" else ":material/image:")
    for col, (name, m) in zip(cols[2:], models.items()):
        slug = "fully_connected" if name == MLP_NAME else "lenet5"
        col.download_button(f"{name} weights (state_dict)", lambda m=m: analysis.state_dict_bytes(m),
                            file_name=f"mnist_{slug}.pt", mime="application/octet-stream", on_click="ignore",
                            icon=":material/download:")
    st.caption("The CSV has one row per moment and network (loss and accuracy on the training batches, accuracy "
               "on the test digits); the PNG draws both curves, as on this page. Load the weights with "
               "`torch.load(path, weights_only=True)` into a network built with the same settings "
               "(`explainer.mnist.networks.build(spec).load_state_dict(...)`).")
