"""Live MNIST training: a fully connected network against LeNet-5, curves that move as they learn."""
import streamlit as st

from ui import run_inside_app
from explainer.mnist.networks import CNN_NAME, MLP_NAME
from ui.mnist_analysis import analysis_section
from ui.mnist_data import data_banner, digits
from ui.mnist_settings import (BATCH_SIZES, CLAIM_EPOCHS, HIDDEN, KEY, LEARNING_RATES, OPTIMIZERS, MnistSettings,
                               default_lr_for_optimizer, relu_help, train_sizes, weights_line, weights_metric)
from ui.mnist_training import training_panel
from ui.sidebar import advanced, controls, font_size, intro, presentation
from ui.url_state import UrlState

run_inside_app()  # a cold deep link runs this file on its own: run it through app.py

data = digits()
url = UrlState()
settings = MnistSettings.from_url(url, data)  # every control, read once from the session/URL
url.write()
present = presentation()


def network_controls(boxes) -> None:
    """The two networks' controls, one box each (columns inline, stacked in the projected popover)."""
    with boxes[0].container(border=True):
        st.subheader(MLP_NAME)
        st.select_slider("Hidden neurons per layer", HIDDEN, key=KEY["hidden"])
        st.slider("Hidden layers", 1, 3, key=KEY["depth"])
        weights_metric(settings.mlp(), present)
    with boxes[1].container(border=True):
        st.subheader(CNN_NAME)
        st.toggle("Max-pooling after each convolution", key=KEY["pooling"],
                  help="Without pooling the feature maps stay 28x28 and 24x24, so the first fully connected "
                       "layer needs 16·24·24 = 9,216 inputs instead of 16·5·5 = 400.")
        st.toggle("ReLU after each layer (both networks)", key=KEY["relu"], help=relu_help(settings.pooling))
        weights_metric(settings.cnn(), present)


def training_controls(box) -> None:
    with box.container(border=True):
        st.subheader("Training")
        st.radio("Optimizer", OPTIMIZERS, key=KEY["optimizer"], horizontal=True, format_func=OPTIMIZERS.get,
                 on_change=default_lr_for_optimizer)
        st.select_slider("Learning rate (log scale)", LEARNING_RATES, key=KEY["lr"], format_func=lambda v: f"{v:g}")
        left, right = st.columns(2)
        left.select_slider("Training digits", train_sizes(data.n_train), key=KEY["train_size"],
                           format_func=lambda v: f"{v:,}")
        right.slider("Epochs", 1, 10, key=KEY["epochs"], help="One epoch = every training digit seen once.")


def more_settings() -> None:
    with advanced("More settings: momentum, batch size, seed, BatchNorm, Dropout"):
        more = (st.container(),) * 4 if present else st.columns(4)
        more[0].slider("Momentum (SGD)", 0.0, 0.99, step=0.01, key=KEY["momentum"],
                       disabled=settings.optimizer != "sgd")
        more[0].select_slider("Batch size", BATCH_SIZES, key=KEY["batch_size"])
        more[1].number_input("Random seed", 0, 10_000, key=KEY["seed"],
                             help="Same seed, same settings: same starting weights and batch order.")
        more[1].toggle("Cosine learning-rate decay", key=KEY["lr_decay"],
                       help="Lower the learning rate smoothly to 0 by the end of the run: settles into a better "
                            "minimum.")
        more[2].toggle("BatchNorm (both networks)", key=KEY["batchnorm"])
        more[3].slider("Dropout (both networks)", 0.0, 0.5, step=0.05, key=KEY["dropout"])


st.title("Live MNIST training: fully connected vs CNN")
intro("The lecture's claim: on MNIST a **fully connected** network gets about **90%** of the digits right, "
      "a **convolutional** network (LeNet-5) **over 99% with fewer weights to learn**. Train both on the same "
      f"batches, side by side, and check it live. LeNet-5 passes 99% after about {CLAIM_EPOCHS} epochs over all "
      f"60,000 digits with the learning rate decayed to 0 (the default); one epoch stops near 98.7%.")
data_banner(data, present)

# ---------------------------------------------------------------- controls, then train, watch, analyse
if present:  # projected: one compact row, so the curves sit right under the title
    row = st.columns([1.25, 1.35, 3.4], vertical_alignment="center")
    with row[0], controls("Settings"):
        network_controls((st, st))
        training_controls(st)
        more_settings()
    row[2].markdown(weights_line(settings, data))
    training_panel(data, settings.train_config(), font_size(), present, where=row[1])
else:
    c_fc, c_cnn, c_train = st.columns([1, 1, 1.3], gap="large")
    network_controls((c_fc, c_cnn))
    training_controls(c_train)
    more_settings()
    training_panel(data, settings.train_config(), font_size(), present)
analysis_section(data, settings, font_size(), present)
