"""Live MNIST training: a fully connected network against LeNet-5, curves that move as they learn."""
import streamlit as st

import ui  # noqa: F401  (first import routes a deep link through app.py)
from explainer.mnist.datasets import HOW_TO_GET_MNIST
from explainer.mnist.networks import CNN_NAME, MLP_NAME, LeNetSpec, MLPSpec
from explainer.mnist.training import TrainConfig, training_threads
from ui import mnist_widgets as W
from ui.sidebar import advanced, font_size, presentation
from ui.url_state import UrlState

url = UrlState()
fs = font_size()
present = presentation()
st.title("Live MNIST training: fully connected vs CNN")
st.markdown(
    "The lecture's claim: on MNIST a **fully connected** network gets about **90%** of the digits right, "
    "a **convolutional** network (LeNet-5) **over 99% with fewer weights to learn**. Train both on the same "
    "batches, side by side, and check it live.")

# ---------------------------------------------------------------- data
data = W.digits()
W.data_banner(data, HOW_TO_GET_MNIST)

# ---------------------------------------------------------------- controls
k = {name: url.bind(f"mn_{name}", default, **extra) for name, default, extra in W.SETTINGS}
s = st.session_state  # bound keys are seeded, so the specs are known before the widgets draw
sizes = W.train_sizes(data.n_train)
if s[k["n"]] not in sizes:  # a hand-edited link, or the smaller stand-in set: nearest size that exists
    s[k["n"]] = max([v for v in sizes if v <= s[k["n"]]] or sizes[:1])
mlp = MLPSpec(hidden=s[k["hidden"]], depth=s[k["depth"]], relu=s[k["relu"]], batchnorm=s[k["bn"]],
              dropout=s[k["drop"]])
cnn = LeNetSpec(pooling=s[k["pool"]], relu=s[k["relu"]], batchnorm=s[k["bn"]], dropout=s[k["drop"]])

c_fc, c_cnn, c_train = st.columns([1, 1, 1.3], gap="large")
with c_fc.container(border=True):
    st.subheader(MLP_NAME)
    st.select_slider("Hidden neurons per layer", W.HIDDEN, key=k["hidden"])
    st.slider("Hidden layers", 1, 3, key=k["depth"])
    W.weights_metric(mlp, present)
with c_cnn.container(border=True):
    st.subheader(CNN_NAME)
    st.toggle("Max-pooling after each convolution", key=k["pool"],
              help="Without pooling the feature maps stay 28x28 and 24x24, so the first fully connected "
                   "layer needs 16·24·24 = 9,216 inputs instead of 16·5·5 = 400.")
    st.toggle("ReLU after each layer", key=k["relu"],
              help="Without a non-linearity, stacked layers collapse into one linear map.")
    W.weights_metric(cnn, present)
with c_train.container(border=True):
    st.subheader("Training")
    st.radio("Optimizer", W.OPTIMIZERS, key=k["opt"], horizontal=True, format_func=W.OPTIMIZERS.get,
             on_change=W.default_lr_for_optimizer, args=(k["opt"], k["lr"]))
    st.select_slider("Learning rate (log scale)", W.LEARNING_RATES, key=k["lr"], format_func=lambda v: f"{v:g}")
    cols = st.columns(2)
    cols[0].select_slider("Training digits", sizes, key=k["n"],
                          format_func=lambda v: f"{v:,}")
    cols[1].slider("Epochs", 1, 10, key=k["epochs"], help="One epoch = every training digit seen once.")
with advanced("More settings: momentum, batch size, seed, BatchNorm, Dropout"):
    a = st.columns(4)
    a[0].slider("Momentum (SGD)", 0.0, 0.99, step=0.01, key=k["mom"], disabled=s[k["opt"]] != "sgd")
    a[0].select_slider("Batch size", W.BATCH_SIZES, key=k["bs"])
    a[1].number_input("Random seed", 0, 10_000, key=k["seed"],
                      help="Same seed, same settings: same starting weights and batch order.")
    a[1].toggle("Cosine learning-rate decay", key=k["decay"],
                help="Lower the learning rate smoothly to 0 by the end of the run: settles into a better minimum.")
    a[2].toggle("BatchNorm (both networks)", key=k["bn"])
    a[3].slider("Dropout (both networks)", 0.0, 0.5, step=0.05, key=k["drop"])
url.write()
config = TrainConfig(mlp=mlp, cnn=cnn, optimizer=s[k["opt"]], lr=s[k["lr"]], momentum=s[k["mom"]],
                     batch_size=s[k["bs"]], epochs=s[k["epochs"]], train_size=s[k["n"]], seed=s[k["seed"]],
                     lr_decay=s[k["decay"]], threads=training_threads())

# ---------------------------------------------------------------- train, watch, analyse
W.train_controls(data, config)
W.live_panel(fs)
W.analysis_section(data, fs, url, present)
