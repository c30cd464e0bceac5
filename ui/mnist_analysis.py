"""What the trained MNIST networks learned: the verdict against the lecture's claims, then the analysis tabs."""
from __future__ import annotations

import streamlit as st

from explainer.mnist.datasets import DigitSet
from explainer.mnist.networks import CNN_NAME, MLP_NAME
from explainer.mnist.training import TrainingLog

from . import keys
from .mnist_runs import predictions
from .mnist_settings import KEY, MnistSettings
from .mnist_tabs import confusion_matrices, downloads, filters_and_maps, mistakes, translation_test
from .mnist_training import TRAINING


def analysis_section(data: DigitSet, settings: MnistSettings, fs: int, present: bool) -> None:
    """What the trained networks learned: verdict, then tabs (drawn once a run has ended)."""
    models = st.session_state.get(keys.MNIST_MODELS)
    log: TrainingLog | None = st.session_state.get(keys.MNIST_MODELS_LOG)
    if not models or TRAINING.running or log is None or log.started is None:
        return
    job_id = st.session_state.get(keys.MNIST_MODELS_JOB, 0)
    preds = predictions(job_id, data.name, models, data)
    st.header("What did they learn?")
    _lecture_verdict(log, preds, data)
    st.columns([1, 3])[0].number_input(
        f"Test digit for the views below (0–{data.n_test - 1:,})", 0, data.n_test - 1, key=KEY["digit"],
        help="A digit from the test split: the networks never saw it in training.")
    tabs = st.tabs(["Translation test", "Confusion matrices", "Mistakes", "Filters & feature maps", "Downloads"])
    with tabs[1]:
        confusion_matrices(data, preds, fs, job_id)
    with tabs[2]:
        mistakes(data, preds, fs, present, job_id)
    with tabs[3]:
        filters_and_maps(data, settings.digit, models[CNN_NAME], fs, job_id)
    with tabs[4]:
        downloads(log, models, job_id)
    with tabs[0]:  # last: the shift curve is the slowest view, the other tabs need not wait for it
        translation_test(data, settings, models, fs, job_id)


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
