"""Handwritten digits: a fully connected network against LeNet-5, trained live and taken apart.

``datasets`` (MNIST in memory, or the labelled scikit-learn stand-in), ``networks``
(architectures as frozen specs), ``training`` (both networks on the same batches, as a
generator of events), ``runs`` (one run's log and files, made once for every session watching it), ``analysis`` (mistakes, filters, feature maps, the translation test)
and ``figures`` (plotly builders for the page).
"""
from explainer.mnist import analysis, figures
from explainer.mnist.datasets import (HOW_TO_GET_MNIST, MNIST_MEAN, MNIST_STD, DigitSet, DownloadProgress,
                                      download_events, download_mnist, load_digits, mnist_available, normalise,
                                      sklearn_digits)
from explainer.mnist.networks import (CNN_NAME, MLP_NAME, LeNetSpec, MLPSpec, build, count_parameters, describe,
                                      parameter_table)
from explainer.mnist.runs import SHIFT_DIGITS, Analysing, RunRecord, RunResult, frozen_copies, private_log, train_and_analyse
from explainer.mnist.training import (EpochDone, Evaluated, Event, Progress, Scoring, Started, TrainConfig,
                                      TrainingLog, accuracy, cosine_decay, make_optimizer, train_events,
                                      training_threads, tune_cpu)

__all__ = [
    # modules
    "analysis", "figures",
    # datasets
    "HOW_TO_GET_MNIST", "MNIST_MEAN", "MNIST_STD", "DigitSet", "DownloadProgress", "download_events",
    "download_mnist", "load_digits", "mnist_available", "normalise", "sklearn_digits",
    # networks
    "CNN_NAME", "MLP_NAME", "LeNetSpec", "MLPSpec", "build", "count_parameters", "describe", "parameter_table",
    # shared runs
    "SHIFT_DIGITS", "Analysing", "RunRecord", "RunResult", "frozen_copies", "private_log", "train_and_analyse",
    # training
    "EpochDone", "Evaluated", "Event", "Progress", "Scoring", "Started", "TrainConfig", "TrainingLog", "accuracy",
    "cosine_decay", "make_optimizer", "train_events", "training_threads", "tune_cpu",
]
