"""The MNIST training panel: Train button, progress, live accuracies and curves (polled while the run goes on)."""
from __future__ import annotations

import streamlit as st

from explainer.mnist import figures
from explainer.mnist.datasets import DigitSet
from explainer.mnist.networks import MLP_NAME
from explainer.mnist.runs import Analysing, frozen_copies, train_and_analyse
from explainer.mnist.training import Scoring, TrainConfig, TrainingLog

from . import keys
from .job_panel import JobPanel, ProgressLine, runner_limits
from .mnist_runs import run_log, run_record, share_key
from .mnist_settings import CLAIM_EPOCHS, PLOT_CONFIG
from .sidebar import figure_height

CURVES_KEY = "mn_curves"     # the container of the page's main picture (the browser test looks for it)
PROJECTED_CURVES_PX = 380    # title, one row of buttons, the progress line and this chart fit 1280x720

TRAINING = JobPanel(keys.MNIST_JOB, what="training run", poll_s=0.5)


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
        models, run_id = run_record(job.run_id).models(job), job.run_id
    st.session_state[keys.MNIST_MODELS] = dict(models)
    st.session_state[keys.MNIST_MODELS_LOG] = log
    st.session_state[keys.MNIST_MODELS_JOB] = run_id


def _curves(job, log: TrainingLog, fs: int, height: int):
    """The curves chart, built once per new batch of events for every page watching the run
    (and at most every 0.4 s while many poll it)."""
    build = lambda lg: figures.curves_figure(lg, font_size=fs, height=height)  # noqa: E731
    if getattr(job, "detached", False):
        return build(log)
    return run_record(job.run_id).made(("curves", fs, height), build, refresh_s=0.4)


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
