"""The MNIST page's settings: each control's choices, URL key and bounds, and the networks' weight counts."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import streamlit as st

from explainer.mnist.datasets import DigitSet
from explainer.mnist.networks import LeNetSpec, MLPSpec, build, count_parameters, describe
from explainer.mnist.training import TrainConfig, training_threads

from .url_state import UrlState

OPTIMIZERS = {"adam": "Adam", "sgd": "SGD + momentum"}
DEFAULT_LR = {"adam": 5e-3, "sgd": 0.05}
LEARNING_RATES = [1e-4, 3e-4, 1e-3, 2e-3, 3e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2]
HIDDEN = [16, 32, 64, 128, 256, 512]
BATCH_SIZES = [16, 32, 64, 128, 256, 512]
TRAIN_SIZES = (500, 1_000, 2_000, 5_000, 10_000, 20_000, 30_000, 60_000)
PLOT_CONFIG = {"displayModeBar": False}
#: Epochs of the default run: LeNet-5 passes the lecture's 99 % after this many (benchmarks/bench_mnist.py --claim).
CLAIM_EPOCHS = 3


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
