"""Pieces of the MNIST page: data banner, training job panel (polled live), analysis views."""
from __future__ import annotations

import os

import streamlit as st
import torch

from explainer.mnist import analysis
from explainer.mnist import figures
from explainer.mnist.datasets import DigitSet, download_events, load_digits, mnist_available
from explainer.jobs import QUEUED, default_runner
from explainer.mnist.networks import CNN_NAME, MLP_NAME, build, count_parameters, describe
from explainer.config import data_dir
from explainer.mnist.training import Scoring, TrainConfig, TrainingLog, train_events

from .url_state import UrlState

JOB, LOG, MODELS, SHOWN = "mnist_job", "mnist_log", "mnist_models", "mnist_shown_job"
OPTIMIZERS = {"adam": "Adam", "sgd": "SGD + momentum"}
DEFAULT_LR = {"adam": 5e-3, "sgd": 0.05}
LEARNING_RATES = [1e-4, 3e-4, 1e-3, 2e-3, 3e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2]
HIDDEN = [16, 32, 64, 128, 256, 512]
BATCH_SIZES = [16, 32, 64, 128, 256, 512]
#: (url key, default, bind options): the page's settings, all mirrored in the address bar.
SETTINGS = [
    ("hidden", 128, dict(choices=HIDDEN)), ("depth", 1, dict(lo=1, hi=3)),
    ("pool", True, {}), ("relu", True, {}),
    ("opt", "adam", dict(choices=list(OPTIMIZERS))), ("lr", 5e-3, dict(choices=LEARNING_RATES)),
    ("n", 60_000, dict(lo=100, hi=60_000)), ("epochs", 1, dict(lo=1, hi=10)),
    ("mom", 0.9, dict(lo=0.0, hi=0.99)), ("bs", 64, dict(choices=BATCH_SIZES)),
    ("seed", 0, dict(lo=0, hi=10_000)), ("decay", True, {}), ("bn", False, {}), ("drop", 0.0, dict(lo=0.0, hi=0.5)),
]


# ---------------------------------------------------------------- data
@st.cache_resource(show_spinner="Loading the digits into memory…")
def _digits(root: str) -> DigitSet:
    return load_digits(root, download=False)  # downloads only when asked (button below)


def digits() -> DigitSet:
    return _digits(str(data_dir()))


def train_sizes(n_train: int) -> list[int]:
    sizes = [s for s in (500, 1_000, 2_000, 5_000, 10_000, 20_000, 30_000, 60_000) if s < n_train]
    return sizes + [n_train] if n_train not in sizes else sizes


def data_banner(data: DigitSet, how_to: str) -> None:
    if data.is_mnist:
        st.caption(f":material/check_circle: **Data: MNIST** — {data.n_train:,} training and {data.n_test:,} test "
                   f"digits, 28x28 grey pixels, read once into memory from `{data.source}`.")
        return
    st.warning(f"**MNIST is not available here, so this page uses a stand-in: {data.name}.** "
               f"{data.n_train:,} training and {data.n_test:,} test digits. {data.note}",
               icon=":material/warning:")
    if os.environ.get("CONVSCOPE_OFFLINE") != "1":
        _download_panel()


def _download_panel() -> None:
    error = st.session_state.pop("mnist_download_error", None)
    if error:
        st.error(f"The download failed: {error}")
    job = st.session_state.get("mnist_download")
    if st.button("Download MNIST now (about 11 MB)", icon=":material/download:"):
        job = default_runner().submit("mnist-download", lambda: download_events(data_dir()), heavy=False)
        st.session_state["mnist_download"] = job
    if job is not None:
        _download_progress()


@st.fragment(run_every=0.5)
def _download_progress() -> None:
    job = st.session_state.get("mnist_download")
    if job is None:
        return
    job.touch()
    ev = job.latest
    if job.is_finished:
        del st.session_state["mnist_download"]
        if mnist_available():
            _digits.clear()
        else:
            st.session_state["mnist_download_error"] = job.error or job.state
        st.rerun()  # whole page: MNIST in use, or the error shown once and polling stopped
    if ev is not None:
        st.progress((ev.file_index + (ev.done / ev.total if ev.total else 0)) / ev.n_files,
                    text=f"{ev.file}: {ev.done / 1e6:.1f} MB")


@st.cache_data(show_spinner=False)
def parameter_count(spec) -> int:
    return count_parameters(build(spec))


def weights_metric(spec, present: bool) -> None:
    st.metric("Weights to learn", f"{parameter_count(spec):,}", border=False)
    if not present:
        st.caption(describe(spec))


def default_lr_for_optimizer(opt_key: str, lr_key: str) -> None:
    """Switching optimizer resets the learning rate to one that works for it."""
    st.session_state[lr_key] = DEFAULT_LR[st.session_state[opt_key]]


# ---------------------------------------------------------------- the training job
def _start(data: DigitSet, config: TrainConfig) -> None:
    old = st.session_state.get(JOB)
    if old is not None and not old.is_finished:
        old.cancel()
    st.session_state[JOB] = default_runner().submit("mnist", lambda: train_events(data, config))
    st.session_state[LOG] = TrainingLog()


def train_controls(data: DigitSet, config: TrainConfig) -> None:
    job = st.session_state.get(JOB)
    busy = job is not None and not job.is_finished
    images = min(config.train_size, data.n_train) * config.epochs
    st.button("Train both networks" if not busy else "Restart with these settings", type="primary",
              icon=":material/play_arrow:", on_click=_start, args=(data, config),
              help=f"{images:,} digits through each network. Both see the same batches in the same order.")


def _running() -> bool:
    job = st.session_state.get(JOB)
    return job is not None and not job.is_finished


def live_panel(fs: int) -> None:
    """The progress bar, numbers and curves; polled twice a second while a job runs."""
    if st.session_state.get(JOB) is None:
        st.info("Press **Train both networks**. With all 60,000 digits one epoch takes a few seconds "
                "on a laptop; pick fewer training digits for a quicker demo.", icon=":material/school:")
        return
    (_live_fragment if _running() else _panel)(fs)


def _panel(fs: int) -> None:
    job = st.session_state[JOB]
    job.touch()
    log: TrainingLog = st.session_state[LOG]
    log.add(job.events_since(log.n_events))
    top = st.columns([4, 1], vertical_alignment="center")
    if not job.is_finished:
        top[1].button("Stop", icon=":material/stop:", on_click=job.cancel, key="mnist_stop", width="stretch")
    with top[0]:
        _status_line(job, log)
    if log.started is not None:
        _numbers(log)
        st.plotly_chart(figures.curves_figure(log, font_size=fs, height=460 if fs > 14 else 400),
                        key="mnist_curves", config={"displayModeBar": False})
    if job.is_finished and st.session_state.get(SHOWN) != job.id:
        job.wait(5)  # the generator's `finally` has put the nets in eval mode once this returns
        st.session_state[SHOWN] = job.id
        if log.started is not None and (log.latest is not None):
            st.session_state[MODELS] = dict(log.started.models)
            st.session_state["mnist_models_log"] = log
        st.rerun()  # whole page: the analysis appears and polling stops


_live_fragment = st.fragment(run_every=0.5)(_panel)


def _status_line(job, log: TrainingLog) -> None:
    ev = log.latest
    if job.state == QUEUED:
        st.info(f"Waiting for the trainer: another class member's run goes first "
                f"(position {job.queue_position()} in the queue). This starts by itself.",
                icon=":material/hourglass_top:")
        return
    if job.state == "failed":
        st.error(f"Training failed: {job.error}")
        return
    if ev is None:
        st.progress(0.0, text="Starting…")
        return
    cfg = log.started.config
    epoch = min(cfg.epochs, int(ev.epoch) + 1)
    scoring = job.latest if isinstance(job.latest, Scoring) else None
    what = (f"scoring all {scoring.total:,} test digits…" if scoring and not job.is_finished else
            f"about {ev.eta_s:.0f} s left" if not job.is_finished else
            {"done": "finished", "stopped": "stopped"}.get(job.state, job.state))
    if job.error and job.state == "stopped":
        what = f"stopped ({job.error})"
    st.progress(min(1.0, ev.fraction),
                text=f"Epoch {epoch}/{cfg.epochs} · {ev.images_seen:,} / {log.started.total_digits:,} "
                     f"digits · {ev.images_per_s:,.0f} digits/s · {what}")


def _numbers(log: TrainingLog) -> None:
    cols = st.columns(4)
    tests = {r["network"]: r["test_accuracy"] for r in log.tests}
    for i, name in enumerate(log.started.parameters):
        acc = tests.get(name)
        cols[i].metric(f"{name}: test accuracy", f"{acc:.1%}" if acc is not None else "…",
                       delta=f"{acc - figures.LECTURE_CLAIM[name]:+.1%} vs lecture's {figures.LECTURE_CLAIM[name]:.0%}"
                       if acc is not None else None, delta_color="normal")
    if log.epochs:
        last = log.epochs[-1]
        cols[2].metric("Time per epoch (FC · CNN)", " · ".join(f"{t:.2g} s" if t < 1 else f"{t:.1f} s" for t in last.epoch_time_s.values()),
                       help="Training time of each network alone in the last epoch.")
        cols[3].metric("Digits per second (FC · CNN)", " · ".join(f"{r:,.0f}" for r in last.images_per_s.values()))
    elif log.latest is not None:
        cols[2].metric("Loss now (FC · CNN)", " · ".join(f"{v:.3f}" for v in log.latest.loss.values()))
        cols[3].metric("Digits per second (both nets)", f"{log.latest.images_per_s:,.0f}")


# ---------------------------------------------------------------- after training
@st.cache_data(max_entries=8, show_spinner="Scoring the test digits…")
def _predictions(job_id: int, data_name: str, _models, _data: DigitSet):
    return {name: analysis.predict(m, _data.test_images, _data.mean, _data.std) for name, m in _models.items()}


SHIFT_DIGITS = 600


@st.cache_data(max_entries=8, show_spinner=f"Shifting {SHIFT_DIGITS} test digits…")
def _shift_curve(job_id: int, data_name: str, _models, _data: DigitSet):
    n = min(SHIFT_DIGITS, _data.n_test)
    return analysis.shift_accuracy(_models, _data.test_images[:n], _data.test_labels[:n], _data.mean, _data.std)


def analysis_section(data: DigitSet, fs: int, url: UrlState, present: bool) -> None:
    models = st.session_state.get(MODELS)
    log: TrainingLog | None = st.session_state.get("mnist_models_log")
    if not models or _running() or log is None or log.started is None:
        return
    job_id = st.session_state.get(SHOWN, 0)
    preds = _predictions(job_id, data.name, models, data)
    st.header("What did they learn?")
    _lecture_verdict(log, preds, data)
    i = _digit_choice(data, url)
    tabs = st.tabs(["Translation test", "Confusion matrices", "Mistakes", "Filters & feature maps", "Downloads"])
    with tabs[1]:
        cols = st.columns(2)
        for col, (name, (_, pred)) in zip(cols, preds.items()):
            cm = analysis.confusion_matrix(pred, data.test_labels.numpy())
            col.plotly_chart(figures.confusion_figure(cm, title=f"{name}: {cm.trace():,} of {cm.sum():,} right",
                                                font_size=fs, height=560 if fs > 14 else 460),
                             key=f"mnist_cm_{name}", config={"displayModeBar": False})
        st.caption("Row = the digit written, column = the network's answer; the diagonal is right. "
                   "Colours are scaled to the largest mistake so the confusions (4↔9, 3↔5, 7↔2…) stand out.")
    with tabs[2]:
        for name, (probs, pred) in preds.items():
            bad = analysis.misclassified(probs, data.test_labels.numpy(), limit=16 if present else 24)
            st.plotly_chart(figures.digit_grid_figure(
                data.test_images[bad].numpy(),
                [f"{int(data.test_labels[i])}→{pred[i]} ({probs[i, pred[i]]:.0%})" for i in bad],
                cols=8, font_size=fs, title=f"{name}: {int((pred != data.test_labels.numpy()).sum()):,} mistakes, "
                                            f"most confident first (written → answered)"),
                key=f"mnist_bad_{name}", config={"displayModeBar": False})
    with tabs[3]:
        _filters_and_maps(data, i, models[CNN_NAME], fs)
    with tabs[4]:
        _downloads(log, models)
    with tabs[0]:  # last: the shift curve is the slowest view, the other tabs need not wait for it
        _translation_test(data, i, models, fs, url, job_id)


def _lecture_verdict(log: TrainingLog, preds, data: DigitSet) -> None:
    labels = data.test_labels.numpy()
    acc = {name: float((pred == labels).mean()) for name, (_, pred) in preds.items()}
    n = log.started.parameters
    seen = log.latest.images_seen if log.latest else 0
    fewer = n[CNN_NAME] < n[MLP_NAME]
    st.markdown(
        f"**Lecture:** fully connected ≈ 90%, CNN > 99% with fewer weights. "
        f"**This run** ({seen:,} digits seen{'' if data.is_mnist else ', on the stand-in data'}): "
        f"fully connected **{acc[MLP_NAME]:.2%}** with {n[MLP_NAME]:,} weights, "
        f"CNN **{acc[CNN_NAME]:.2%}** with {n[CNN_NAME]:,} weights "
        f"({'fewer' if fewer else 'more'} than the fully connected one). "
        + ("A well-trained fully connected network does better than the lecture's rough 90% on centred MNIST "
           "digits; where it really loses is shown by the translation test below: it has one weight per pixel "
           "position, so a digit moved a few pixels looks like a new pattern, while the CNN slides the same "
           "kernels everywhere." if acc[MLP_NAME] > 0.93 else ""))


def _digit_choice(data: DigitSet, url: UrlState) -> int:
    k = url.bind("mn_digit", 0, lo=0, hi=data.n_test - 1)
    col = st.columns([1, 3])[0]
    return col.number_input(f"Test digit for the views below (0–{data.n_test - 1:,})", 0, data.n_test - 1, key=k,
                            help="A digit from the test split: the networks never saw it in training.")


def _translation_test(data: DigitSet, i: int, models, fs: int, url: UrlState, job_id: int) -> None:
    left, mid, right = st.columns([1, 1.1, 1.6], gap="large")
    with left:
        kx = url.bind("mn_dx", 0, lo=-8, hi=8)
        ky = url.bind("mn_dy", 0, lo=-8, hi=8)
        ka = url.bind("mn_rot", 0, lo=-60, hi=60)
        st.slider("Shift right (pixels)", -8, 8, key=kx)
        st.slider("Shift down (pixels)", -8, 8, key=ky)
        st.slider("Rotate (degrees)", -60, 60, step=5, key=ka)
        url.write()
    s = st.session_state
    moved = analysis.move_digit(data.test_images[i], dx=s[kx], dy=s[ky], angle=s[ka])
    probs = {name: analysis.predict(m, moved[None], data.mean, data.std)[0][0] for name, m in models.items()}
    with mid:
        st.plotly_chart(figures.digit_figure(moved.numpy(), font_size=fs, height=360 if fs > 14 else 300,
                                       title=f"digit {int(data.test_labels[i])}, moved"),
                        key="mnist_moved", config={"displayModeBar": False})
    with right:
        st.plotly_chart(figures.prediction_bars_figure(probs, int(data.test_labels[i]), font_size=fs,
                                                 height=380 if fs > 14 else 320),
                        key="mnist_bars", config={"displayModeBar": False})
    curve = _shift_curve(job_id, data.name, models, data)
    st.plotly_chart(figures.shift_accuracy_figure(list(range(-6, 7)), curve, current=s[kx], font_size=fs,
                                            height=380 if fs > 14 else 320),
                    key="mnist_shift", config={"displayModeBar": False})
    st.caption(f"Accuracy on {min(SHIFT_DIGITS, data.n_test)} test digits, each moved sideways by the same number of pixels. "
               "The convolution's kernels are the same at every position and max-pooling forgives small moves, "
               "so the CNN degrades slowly; the fully connected layer has a separate weight for every pixel.")


def _filters_and_maps(data: DigitSet, i: int, cnn: torch.nn.Module, fs: int) -> None:
    st.plotly_chart(figures.filters_figure(analysis.first_layer_filters(cnn), font_size=fs, height=260 if fs > 14 else 220,
                                     title="The 6 learned 5x5 kernels of the first convolution"),
                    key="mnist_filters", config={"displayModeBar": False})
    left, right = st.columns([1, 4], gap="large")
    with left:
        st.image(255 - data.test_images[i].numpy(), width=200, clamp=True,
                 caption=f"test digit {i}: a {int(data.test_labels[i])} (dark = ink)")
    maps = analysis.feature_maps(cnn, data.test_images[i], data.mean, data.std)
    titles = {"conv1": "conv1: 6 feature maps, 28x28 (padding 2 keeps the size)",
              "relu1": "after max-pool + ReLU: 14x14",
              "conv2": "conv2: 16 feature maps, 10x10 (5x5 kernels over all 6 maps)",
              "relu2": "after max-pool + ReLU: 5x5 — these 400 numbers feed the fully connected layers"}
    with right:
        for layer, m in maps.items():
            st.markdown(f"**{titles.get(layer, layer)}**")
            st.plotly_chart(figures.feature_maps_figure(m, layer=layer, font_size=fs), key=f"mnist_fm_{layer}",
                            config={"displayModeBar": False})
    st.caption("Red = positive, blue = negative, white = 0 (one colour scale per layer). "
               "Open these networks on the Feature maps page too: they are listed there for this session.")


def _downloads(log: TrainingLog, models) -> None:
    cols = st.columns(3)
    cols[0].download_button("Curves (CSV)", log.to_csv(), file_name="mnist_curves.csv", mime="text/csv",
                            icon=":material/table:")
    for col, (name, m) in zip(cols[1:], models.items()):
        slug = "fully_connected" if name == MLP_NAME else "lenet5"
        col.download_button(f"{name} weights (state_dict)", analysis.state_dict_bytes(m), file_name=f"mnist_{slug}.pt",
                            mime="application/octet-stream", icon=":material/download:")
    st.caption("Load with `torch.load(path, weights_only=True)` into a network built with the same settings "
               "(`explainer.mnist.networks.build(spec).load_state_dict(...)`).")
