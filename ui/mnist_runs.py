"""A shared MNIST training run as the page sees it: its key, its record, its scores and figures, made once per run."""
from __future__ import annotations

import streamlit as st

from explainer.mnist import analysis
from explainer.mnist.datasets import DigitSet
from explainer.mnist.runs import SHIFT_DIGITS, RunRecord, private_log
from explainer.mnist.training import TrainConfig, TrainingLog


def share_key(data: DigitSet, config: TrainConfig) -> tuple:
    """Runs with equal keys are identical (same data, settings, seed): one run serves the whole class."""
    return ("mnist", data.name, data.source, data.n_train, data.n_test, config)


@st.cache_resource(max_entries=32, show_spinner=False)
def run_record(run_id: int) -> RunRecord:
    """One record per shared run, for every session watching it (rebuilt from the job's events if dropped)."""
    return RunRecord()


def run_log(job) -> TrainingLog:
    """The run's log as this session may see it: the shared one, or only what it saw before it stopped watching."""
    return private_log(job) if getattr(job, "detached", False) else run_record(job.run_id).sync(job)


@st.cache_data(max_entries=8, show_spinner="Scoring the test digits…")
def _scored(job_id: int, data_name: str, _models, _data: DigitSet):
    return {name: analysis.predict(m, _data.test_images, _data.mean, _data.std) for name, m in _models.items()}


@st.cache_data(max_entries=8, show_spinner=f"Shifting {SHIFT_DIGITS} test digits…")
def _shifted(job_id: int, data_name: str, _models, _data: DigitSet):
    n = min(SHIFT_DIGITS, _data.n_test)
    return analysis.shift_accuracy(_models, _data.test_images[:n], _data.test_labels[:n], _data.mean, _data.std)


def predictions(job_id: int, data_name: str, models, data: DigitSet):
    """A finished run's job scored the test split already; a stopped one is scored here (once per run)."""
    done = run_record(job_id).result
    return done.predictions if done is not None else _scored(job_id, data_name, models, data)


def shift_curve(job_id: int, data_name: str, models, data: DigitSet):
    done = run_record(job_id).result
    return done.shift_curve if done is not None else _shifted(job_id, data_name, models, data)


@st.cache_resource(max_entries=96, show_spinner=False)
def run_figure(key: tuple, _build):
    """A figure (or a few) of a finished run's analysis, built once per (run, view, inputs, size) for every page
    that shows it: a class whose shared run has just ended redraws these all at once (read-only once built)."""
    return _build()
