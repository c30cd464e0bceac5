"""Pieces of the MNIST page: its settings, data banner, training panel (polled live), analysis views."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import streamlit as st
import torch

from explainer.config import data_dir, offline
from explainer import exports
from explainer.mnist import analysis, figures
from explainer.mnist.datasets import DigitSet, DownloadProgress, download_events, load_digits, mnist_available
from explainer.mnist.networks import CNN_NAME, MLP_NAME, LeNetSpec, MLPSpec, build, count_parameters, describe
from explainer.mnist.runs import SHIFT_DIGITS, Analysing, RunRecord, frozen_copies, private_log, train_and_analyse
from explainer.mnist.training import Scoring, TrainConfig, TrainingLog, training_threads

from . import keys
from .job_panel import JobPanel, ProgressLine, runner_limits
from .sidebar import figure_height
from .url_state import UrlState

OPTIMIZERS = {"adam": "Adam", "sgd": "SGD + momentum"}
DEFAULT_LR = {"adam": 5e-3, "sgd": 0.05}
LEARNING_RATES = [1e-4, 3e-4, 1e-3, 2e-3, 3e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2]
HIDDEN = [16, 32, 64, 128, 256, 512]
BATCH_SIZES = [16, 32, 64, 128, 256, 512]
TRAIN_SIZES = (500, 1_000, 2_000, 5_000, 10_000, 20_000, 30_000, 60_000)
PLOT_CONFIG = {"displayModeBar": False}
CURVES_KEY = "mn_curves"     # the container of the page's main picture (the browser test looks for it)
PROJECTED_CURVES_PX = 380    # title, one row of buttons, the progress line and this chart fit 1280x720
#: Epochs of the default run: LeNet-5 passes the lecture's 99 % after this many (benchmarks/bench_mnist.py --claim).
CLAIM_EPOCHS = 3

TRAINING = JobPanel(keys.MNIST_JOB, what="training run", poll_s=0.5)
DOWNLOAD = JobPanel(keys.MNIST_DOWNLOAD, what="download", poll_s=0.5, heavy=False)


# ---------------------------------------------------------------- settings
@dataclass(frozen=True)
class MnistSettings:
    """Every control of the page; each field is mirrored in the URL under ``KEY[field]``."""

    hidden: int = 128            # fully connected: neurons per hidden layer
    depth: int = 1               # fully connected: hidden layers
    pooling: bool = True         # LeNet-5: max-pool after each convolution
    relu: bool = True            # both: ReLU after each layer
    optimizer: str = "adam"      # "adam" or "sgd" (with momentum)
    lr: float = 5e-3             # learning rate at the start of the run
    train_size: int = 60_000     # training digits used (clipped to the data set)
    epochs: int = CLAIM_EPOCHS   # passes over those digits
    momentum: float = 0.9        # SGD only
    batch_size: int = 64         # digits per step
    seed: int = 0                # starting weights and batch order
    lr_decay: bool = True        # cosine decay of the learning rate to 0
    batchnorm: bool = False      # both networks
    dropout: float = 0.0         # both networks
    digit: int = 0               # test digit for the views after training
    shift_x: int = 0             # translation test: pixels right
    shift_y: int = 0             # translation test: pixels down
    rotation: int = 0            # translation test: degrees counter-clockwise

    @classmethod
    def from_url(cls, url: UrlState, data: DigitSet) -> MnistSettings:
        """Bind every field to its URL key (seeding the session once), fix what the data rules out, read."""
        state = st.session_state
        for f in dataclasses.fields(cls):
            url.bind(KEY[f.name], f.default, **BOUNDS.get(f.name, {}))
        sizes = train_sizes(data.n_train)
        if state[KEY["train_size"]] not in sizes:  # a hand-edited link, or the smaller stand-in set
            state[KEY["train_size"]] = max([v for v in sizes if v <= state[KEY["train_size"]]] or sizes[:1])
        state[KEY["digit"]] = min(state[KEY["digit"]], data.n_test - 1)
        return cls(**{f.name: state[KEY[f.name]] for f in dataclasses.fields(cls)})

    def mlp(self) -> MLPSpec:
        return MLPSpec(hidden=self.hidden, depth=self.depth, relu=self.relu, batchnorm=self.batchnorm,
                       dropout=self.dropout)

    def cnn(self) -> LeNetSpec:
        return LeNetSpec(pooling=self.pooling, relu=self.relu, batchnorm=self.batchnorm, dropout=self.dropout)

    def train_config(self) -> TrainConfig:
        return TrainConfig(mlp=self.mlp(), cnn=self.cnn(), optimizer=self.optimizer, lr=self.lr,
                           momentum=self.momentum, batch_size=self.batch_size, epochs=self.epochs,
                           train_size=self.train_size, seed=self.seed, lr_decay=self.lr_decay,
                           threads=training_threads())


#: field -> URL key (the short keys old links use).
KEY = {"hidden": "mn_hidden", "depth": "mn_depth", "pooling": "mn_pool", "relu": "mn_relu", "optimizer": "mn_opt",
       "lr": "mn_lr", "train_size": "mn_n", "epochs": "mn_epochs", "momentum": "mn_mom", "batch_size": "mn_bs",
       "seed": "mn_seed", "lr_decay": "mn_decay", "batchnorm": "mn_bn", "dropout": "mn_drop", "digit": "mn_digit",
       "shift_x": "mn_dx", "shift_y": "mn_dy", "rotation": "mn_rot"}
#: field -> what a link may set it to (anything else falls back to the default).
BOUNDS = {"hidden": {"choices": HIDDEN}, "depth": {"lo": 1, "hi": 3}, "optimizer": {"choices": list(OPTIMIZERS)},
          "lr": {"choices": LEARNING_RATES}, "train_size": {"lo": 100, "hi": 60_000}, "epochs": {"lo": 1, "hi": 10},
          "momentum": {"lo": 0.0, "hi": 0.99}, "batch_size": {"choices": BATCH_SIZES}, "seed": {"lo": 0, "hi": 10_000},
          "dropout": {"lo": 0.0, "hi": 0.5}, "digit": {"lo": 0, "hi": 9_999}, "shift_x": {"lo": -8, "hi": 8},
          "shift_y": {"lo": -8, "hi": 8}, "rotation": {"lo": -60, "hi": 60}}


def train_sizes(n_train: int) -> list[int]:
    """The "Training digits" choices this data set allows (its whole training split last)."""
    sizes = [s for s in TRAIN_SIZES if s < n_train]
    return sizes + [n_train] if n_train not in sizes else sizes


def default_lr_for_optimizer() -> None:
    """Switching optimizer resets the learning rate to one that works for it (an on_change callback)."""
    st.session_state[KEY["lr"]] = DEFAULT_LR[st.session_state[KEY["optimizer"]]]


def relu_help(pooling: bool) -> str:
    """What switching ReLU off does, true for the current pooling setting."""
    common = ("Without a non-linearity the fully connected network is one linear map from 784 pixels to 10 "
              "scores, however many layers it stacks: a product of matrices is one matrix. ")
    if pooling:
        return common + ("The CNN does not collapse here: max-pooling is on, and the maximum of four numbers is "
                         "not a linear function, so pooling alone keeps some non-linearity between its layers.")
    return common + ("Max-pooling is off too, so the CNN collapses the same way: its two convolutions and three "
                     "fully connected layers become one linear map.")


# ---------------------------------------------------------------- data
@st.cache_resource(show_spinner="Loading the digits into memory…")
def _digits(root: str) -> DigitSet:
    return load_digits(root, download=False)  # downloads only when asked (button below)


def digits() -> DigitSet:
    return _digits(str(data_dir()))


def data_banner(data: DigitSet, present: bool = False) -> None:
    """Which digits the page trains on; projected, one short line (the stand-in is still named plainly)."""
    if present:
        if not data.is_mnist:
            st.warning(f"**Not MNIST: a stand-in ({data.name}), {data.n_train:,} training digits.**",
                       icon=":material/warning:")
        return
    if data.is_mnist:
        st.caption(f":material/check_circle: **Data: MNIST** — {data.n_train:,} training and {data.n_test:,} test "
                   f"digits, 28x28 grey pixels, read once into memory from `{data.source}`.")
        return
    st.warning(f"**MNIST is not available here, so this page uses a stand-in: {data.name}.** "
               f"{data.n_train:,} training and {data.n_test:,} test digits. {data.note}",
               icon=":material/warning:")
    if not offline():
        DOWNLOAD.start_button("Download MNIST now (about 11 MB)", lambda: download_events(data_dir()),
                              restart_label="Restart the download", icon=":material/download:")
        DOWNLOAD.show(_download_progress, on_finish=_download_finished)


def _download_progress(job, context) -> ProgressLine | None:
    ev: DownloadProgress | None = job.latest
    if ev is None:
        return None
    return ProgressLine(fraction=(ev.file_index + (ev.done / ev.total if ev.total else 0)) / ev.n_files,
                        text=f"{ev.file}: {ev.done / 1e6:.1f} MB")


def _download_finished(job, context) -> None:
    if mnist_available():
        _digits.clear()  # the page's rerun reads MNIST


@st.cache_data(show_spinner=False)
def parameter_count(spec) -> int:
    return count_parameters(build(spec))


def weights_line(settings: MnistSettings, data: DigitSet) -> str:
    """Projected, the two weight counts (the lecture's point: the CNN needs fewer) in one line."""
    return (f"**{parameter_count(settings.mlp()):,} vs {parameter_count(settings.cnn()):,} weights** "
            f"(FC vs CNN) · {'MNIST' if data.is_mnist else 'stand-in'}, "
            f"{min(settings.train_size, data.n_train):,} digits × {settings.epochs} epoch"
            f"{'s' if settings.epochs > 1 else ''}")


def weights_metric(spec, present: bool) -> None:
    st.metric("Weights to learn", f"{parameter_count(spec):,}", border=False)
    if not present:
        st.caption(describe(spec))


# ---------------------------------------------------------------- the training job
def share_key(data: DigitSet, config: TrainConfig) -> tuple:
    """Runs with equal keys are identical (same data, settings, seed): one run serves the whole class."""
    return ("mnist", data.name, data.source, data.n_train, data.n_test, config)


@st.cache_resource(max_entries=32, show_spinner=False)
def _record(run_id: int) -> RunRecord:
    """One record per shared run, for every session watching it (rebuilt from the job's events if dropped)."""
    return RunRecord()


def run_log(job) -> TrainingLog:
    """The run's log as this session may see it: the shared one, or only what it saw before it stopped watching."""
    return private_log(job) if getattr(job, "detached", False) else _record(job.run_id).sync(job)


def training_panel(data: DigitSet, config: TrainConfig, fs: int, present: bool, where=st) -> None:
    """Start button, then progress, Stop, live numbers and curves (polled while the run is unfinished).

    ``where``: a column for the button (projected, it sits beside the settings popover)."""
    digits_seen = min(config.train_size, data.n_train) * config.epochs
    TRAINING.start_button("Train both networks", lambda: train_and_analyse(data, config), where=where,
                          share_key=share_key(data, config), icon=":material/play_arrow:",
                          help=f"{digits_seen:,} digits through each network. Both see the same batches in the "
                               f"same order. {runner_limits()}")
    TRAINING.show(_training_progress, lambda job, _: _live_view(job, run_log(job), fs, present),
                  on_finish=_keep_models,
                  idle=f"Press **Train both networks**. With all 60,000 digits one epoch takes a few seconds on a "
                       f"laptop ({CLAIM_EPOCHS} epochs by default: what LeNet-5 needs to pass 99 %); pick fewer "
                       "training digits or epochs for a quicker demo.")


def _training_progress(job, _) -> ProgressLine | None:
    log = run_log(job)
    ev = log.latest
    if ev is None:
        return None
    cfg = log.started.config
    latest = job.latest
    note = (f"scoring all {latest.total:,} test digits…" if isinstance(latest, Scoring)
            else latest.what if isinstance(latest, Analysing) else None)
    return ProgressLine(
        fraction=ev.fraction, eta_s=ev.eta_s,
        text=f"Epoch {min(cfg.epochs, int(ev.epoch) + 1)}/{cfg.epochs} · {ev.images_seen:,} / "
             f"{log.started.total_digits:,} digits · {ev.images_per_s:,.0f} digits/s",
        note=note)


def _keep_models(job, _) -> None:
    """A run that got going (finished or stopped) leaves its networks for the analysis and other pages:
    frozen copies, shared read-only by everyone who watched the run (own copies when this page left it early)."""
    log = run_log(job)
    if log.started is None or log.latest is None:
        return
    if getattr(job, "detached", False):  # the run goes on for others: keep the networks as they are now
        models, run_id = frozen_copies(log.started.models), job.id
    else:
        models, run_id = _record(job.run_id).models(job), job.run_id
    st.session_state[keys.MNIST_MODELS] = dict(models)
    st.session_state[keys.MNIST_MODELS_LOG] = log
    st.session_state[keys.MNIST_MODELS_JOB] = run_id


def _curves(job, log: TrainingLog, fs: int, height: int):
    """The curves chart, built once per new batch of events for every page watching the run
    (and at most every 0.4 s while many poll it)."""
    build = lambda lg: figures.curves_figure(lg, font_size=fs, height=height)  # noqa: E731
    if getattr(job, "detached", False):
        return build(log)
    return _record(job.run_id).made(("curves", fs, height), build, refresh_s=0.4)


def _live_view(job, log: TrainingLog, fs: int, present: bool) -> None:
    if log.started is None:
        return
    chart = lambda: st.container(key=CURVES_KEY).plotly_chart(  # noqa: E731
        _curves(job, log, fs, figure_height(400, PROJECTED_CURVES_PX)), key="mnist_curves", config=PLOT_CONFIG)
    if present:  # projected: the picture first, right under the progress line
        chart()
        _numbers(log)
    else:
        _numbers(log)
        chart()


def _numbers(log: TrainingLog) -> None:
    """Both test accuracies as metrics against the lecture's claims; speed as two short lines beside them
    (two numbers per metric would be cut off at projector sizes)."""
    cols = st.columns([1, 1, 1.6])
    tests = {r["network"]: r["test_accuracy"] for r in log.tests}
    for col, name in zip(cols, log.started.parameters):
        acc, claim = tests.get(name), figures.LECTURE_CLAIM[name]
        col.metric(f"{name}: test accuracy", f"{acc:.1%}" if acc is not None else "…",
                   delta=f"{acc - claim:+.1%} vs lecture's {claim:.0%}" if acc is not None else None)
    short = {name: "FC" if name == MLP_NAME else "CNN" for name in log.started.parameters}
    if log.epochs:
        last = log.epochs[-1]
        cols[2].markdown(
            "**Time per epoch** (each network alone, last epoch): "
            + " · ".join(f"{short[n]} {t:.2g} s" if t < 1 else f"{short[n]} {t:.1f} s"
                         for n, t in last.epoch_time_s.items())
            + "  \n**Digits per second:** "
            + " · ".join(f"{short[n]} {r:,.0f}" for n, r in last.images_per_s.items()))
    elif log.latest is not None:
        cols[2].markdown("**Loss now:** " + " · ".join(f"{short.get(n, n)} {v:.3f}" for n, v in log.latest.loss.items())
                         + f"  \n**Digits per second** (both networks): {log.latest.images_per_s:,.0f}")


# ---------------------------------------------------------------- after training
@st.cache_data(max_entries=8, show_spinner="Scoring the test digits…")
def _scored(job_id: int, data_name: str, _models, _data: DigitSet):
    return {name: analysis.predict(m, _data.test_images, _data.mean, _data.std) for name, m in _models.items()}


@st.cache_data(max_entries=8, show_spinner=f"Shifting {SHIFT_DIGITS} test digits…")
def _shifted(job_id: int, data_name: str, _models, _data: DigitSet):
    n = min(SHIFT_DIGITS, _data.n_test)
    return analysis.shift_accuracy(_models, _data.test_images[:n], _data.test_labels[:n], _data.mean, _data.std)


def _predictions(job_id: int, data_name: str, models, data: DigitSet):
    """A finished run's job scored the test split already; a stopped one is scored here (once per run)."""
    done = _record(job_id).result
    return done.predictions if done is not None else _scored(job_id, data_name, models, data)


def _shift_curve(job_id: int, data_name: str, models, data: DigitSet):
    done = _record(job_id).result
    return done.shift_curve if done is not None else _shifted(job_id, data_name, models, data)


def analysis_section(data: DigitSet, settings: MnistSettings, fs: int, present: bool) -> None:
    """What the trained networks learned: verdict, then tabs (drawn once a run has ended)."""
    models = st.session_state.get(keys.MNIST_MODELS)
    log: TrainingLog | None = st.session_state.get(keys.MNIST_MODELS_LOG)
    if not models or TRAINING.running or log is None or log.started is None:
        return
    job_id = st.session_state.get(keys.MNIST_MODELS_JOB, 0)
    preds = _predictions(job_id, data.name, models, data)
    st.header("What did they learn?")
    _lecture_verdict(log, preds, data)
    st.columns([1, 3])[0].number_input(
        f"Test digit for the views below (0–{data.n_test - 1:,})", 0, data.n_test - 1, key=KEY["digit"],
        help="A digit from the test split: the networks never saw it in training.")
    tabs = st.tabs(["Translation test", "Confusion matrices", "Mistakes", "Filters & feature maps", "Downloads"])
    with tabs[1]:
        _confusion_matrices(data, preds, fs, job_id)
    with tabs[2]:
        _mistakes(data, preds, fs, present, job_id)
    with tabs[3]:
        _filters_and_maps(data, settings.digit, models[CNN_NAME], fs, job_id)
    with tabs[4]:
        _downloads(log, models, job_id)
    with tabs[0]:  # last: the shift curve is the slowest view, the other tabs need not wait for it
        _translation_test(data, settings, models, fs, job_id)


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


@st.cache_resource(max_entries=96, show_spinner=False)
def _run_figure(key: tuple, _build):
    """A figure (or a few) of a finished run's analysis, built once per (run, view, inputs, size) for every page
    that shows it: a class whose shared run has just ended redraws these all at once (read-only once built)."""
    return _build()


def _confusion_matrices(data: DigitSet, preds, fs: int, run_id: int) -> None:
    for col, (name, (_, pred)) in zip(st.columns(2), preds.items()):
        def build(pred=pred, name=name):
            cm = analysis.confusion_matrix(pred, data.test_labels.numpy())
            return figures.confusion_figure(cm, title=f"{name}: {cm.trace():,} of {cm.sum():,} right",
                                            font_size=fs, height=560 if fs > 14 else 460)
        col.plotly_chart(_run_figure(("confusion", run_id, data.name, name, fs), build), key=f"mnist_cm_{name}",
                         config=PLOT_CONFIG)
    st.caption("Row = the digit written, column = the network's answer; the diagonal is right. "
               "Colours are scaled to the largest mistake so the confusions (4↔9, 3↔5, 7↔2…) stand out.")


def _mistakes(data: DigitSet, preds, fs: int, present: bool, run_id: int) -> None:
    labels = data.test_labels.numpy()
    for name, (probs, pred) in preds.items():
        def build(probs=probs, pred=pred, name=name):
            bad = analysis.misclassified(probs, labels, limit=16 if present else 24)
            captions = [f"{labels[i]}→{pred[i]} ({probs[i, pred[i]]:.0%})" for i in bad]
            return figures.digit_grid_figure(
                data.test_images[bad].numpy(), captions, cols=8, font_size=fs,
                title=f"{name}: {int((pred != labels).sum()):,} mistakes, most confident first (written → answered)")
        st.plotly_chart(_run_figure(("mistakes", run_id, data.name, name, fs, present), build),
                        key=f"mnist_bad_{name}", config=PLOT_CONFIG)


def _translation_test(data: DigitSet, settings: MnistSettings, models, fs: int, job_id: int) -> None:
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

    moved_fig, bars_fig = _run_figure(("moved", job_id, data.name, i, dx, dy, angle, fs), moved_digit_figures)
    mid.plotly_chart(moved_fig, key="mnist_moved", config=PLOT_CONFIG)
    right.plotly_chart(bars_fig, key="mnist_bars", config=PLOT_CONFIG)
    curve = _shift_curve(job_id, data.name, models, data)
    shift_fig = _run_figure(("shift", job_id, data.name, dx, fs), lambda: figures.shift_accuracy_figure(
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


def _filters_and_maps(data: DigitSet, i: int, cnn: torch.nn.Module, fs: int, job_id: int) -> None:
    filters = _run_figure(("filters", job_id, data.name, fs), lambda: figures.filters_figure(
        analysis.first_layer_filters(cnn), font_size=fs, height=260 if fs > 14 else 220,
        title="The 6 learned 5x5 kernels of the first convolution"))
    st.plotly_chart(filters, key="mnist_filters", config=PLOT_CONFIG)
    left, right = st.columns([1, 4], gap="large")
    left.image(255 - data.test_images[i].numpy(), width=200, clamp=True,
               caption=f"test digit {i}: a {int(data.test_labels[i])} (dark = ink)")
    maps = _run_figure(("maps", job_id, data.name, i, fs), lambda: {
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


def _downloads(log: TrainingLog, models, run_id: int) -> None:
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
