"""The architectures page's live experiments: shortcuts against vanishing gradients, ReLU against tanh."""
from __future__ import annotations

import math

import streamlit as st

from explainer import architectures as arch
from explainer.architectures import figures
from explainer.mnist.training import training_threads

from . import keys
from .architectures_settings import Settings, key
from .architectures_widgets import PLOT_CONFIG
from .job_panel import JobPanel, ProgressLine
from .sidebar import controls

STEPS = 300


# ---------------------------------------------------------------- live experiments
def race_progress(job, context) -> ProgressLine | None:
    event = job.latest
    if isinstance(event, arch.Raced):
        return ProgressLine(fraction=event.step / event.total_steps, eta_s=event.eta_s,
                            text=f"step {event.step:,} / {event.total_steps:,}")
    if isinstance(event, arch.Gradients):
        return ProgressLine(fraction=0.0, text="gradients at initialisation measured; training…")
    return None


def shortcut_section(s: Settings, fs: int, data) -> None:
    st.markdown("ResNet's claim: **shortcuts** (a block adds its input to its output) let gradients reach "
                "the first layers of a very deep network. Two stacks of the same depth and the same starting "
                f"weights, {arch.StackSpec.width} channels wide, on {data.name}: *plain* "
                "h ← act(conv(h)), *residual* h ← h + act(conv(h)).")
    c = st.columns([3, 1.3])
    with c[0], controls("Depth, activation, BatchNorm"):
        d = st.columns([2, 1.2, 1])
        d[0].slider("Depth (weight layers)", 6, 50, key=key("depth"))
        d[1].radio("Activation", list(arch.ACTIVATIONS), key=key("activation"), horizontal=True)
        d[2].toggle("BatchNorm", key=key("batch_norm"),
                    help="Normalise each layer's output over the batch (Ioffe & Szegedy 2015).")
    spec = arch.StackSpec(depth=s.depth, activation=s.activation, batch_norm=s.batch_norm)
    panel = JobPanel(keys.ARCH_SHORTCUT_JOB, what="experiment")
    panel.start_button("Run the experiment", lambda: arch.shortcut_events(data, spec, steps=STEPS,
                                                                          threads=training_threads()),
                       context={"spec": spec, "log": arch.RaceLog()}, where=c[1], icon=":material/play_arrow:")
    panel.show(race_progress, lambda job, ctx: draw_shortcut(job, ctx, fs),
               idle=f"Press **Run the experiment**: first the gradient of every layer at initialisation, "
                    f"then {STEPS} training steps of both stacks on the same batches.")


def draw_shortcut(job, context, fs: int) -> None:
    log, spec = context["log"].add(job.events_since(context["log"].n_events)), context["spec"]
    if not log.gradients:
        return
    g = log.gradients
    plain, residual = g[arch.PLAIN][0], g[arch.RESIDUAL][0]
    ratio = (f"it underflows to 0 in float32; {residual:.2g} with shortcuts" if plain == 0 else
             f"{residual:.2g} with shortcuts (**{residual / plain:,.0f}×** larger)" if residual / plain < 1e6 else
             f"{residual:.2g} with shortcuts (**10^{math.log10(residual / plain):.0f}×** larger)")
    what = f"{spec.depth} layers, {spec.activation}{', BatchNorm' if spec.batch_norm else ''}"
    left, right = st.columns(2)
    left.plotly_chart(figures.gradient_figure(g, font_size=fs, title=f"Gradient per layer at start · {what}"),
                      config=PLOT_CONFIG, key="grads")
    right.plotly_chart(figures.curves_figure(log.losses, y_title="training loss (cross-entropy)", font_size=fs,
                                                  title="Loss while training", total_steps=STEPS),
                       config=PLOT_CONFIG, key="shortcut_loss")
    st.markdown(
        f"First layer: ‖∂loss/∂W‖ = {plain:.2g} in the plain stack; {ratio}. Backpropagation multiplies "
        "one factor per layer; in the plain stack "
        "each factor includes the activation's slope (at most ¼ for the sigmoid), so the product **vanishes** "
        "with depth. A shortcut adds 1 to every factor (∂(h + f(h))/∂h = 1 + ∂f/∂h): the gradient has a "
        "path that skips the layers. (With the sigmoid, whose outputs are all positive, the residual sum grows "
        "layer after layer: its loss starts high; batch norm tames it.)"
        + (f" Last 20 steps: mean loss {_tail(log.losses[arch.PLAIN]):.2f} plain, "
           f"{_tail(log.losses[arch.RESIDUAL]):.2f} residual." if log.losses else ""))


def _tail(values: list[float], n: int = 20) -> float:
    tail = values[-n:]
    return sum(tail) / max(1, len(tail))


def relu_section(s: Settings, fs: int, data) -> None:
    st.markdown("AlexNet (2012) replaced the saturating tanh of LeNet-5 (1998) with **ReLU**: in its Figure 1 a "
                "four-layer CNN with ReLU reaches 25 % training error on CIFAR-10 about **6× faster** than with "
                f"tanh. Here LeNet-5 with tanh and with ReLU, same starting weights, same batches of {data.name}, "
                "SGD with momentum: measured, whichever way it goes.")
    panel = JobPanel(keys.ARCH_RELU_JOB, what="experiment")
    c = st.columns([2, 1])
    with c[0], controls("Dropout"):
        st.slider("Dropout in the fully connected layers (AlexNet: 0.5)", 0.0, 0.5, step=0.05, key=key("dropout"))
    dropout = s.dropout
    panel.start_button("Train both", lambda: arch.activation_events(data, dropout=dropout, steps=STEPS,
                                                                            threads=training_threads()),
                       context={"dropout": dropout, "log": arch.RaceLog()}, where=c[1], icon=":material/play_arrow:")
    panel.show(race_progress, lambda job, ctx: draw_relu(job, ctx, fs),
               idle="Press **Train both** to race tanh against ReLU.")


def draw_relu(job, context, fs: int) -> None:
    log = context["log"].add(job.events_since(context["log"].n_events))
    if not log.errors:
        return
    st.plotly_chart(figures.curves_figure(log.errors, y_title="training error (share of batch wrong)",
                                               font_size=fs, target=0.25, total_steps=job.latest.total_steps,
                                               title=f"Training error, dropout {context['dropout']:g}"),
                    config=PLOT_CONFIG, key="relu_curves")
    reached = {k: arch.steps_to_error(v) for k, v in log.errors.items()}
    words = ", ".join(f"{k}: {'step ' + str(n) if n else 'not yet'}" for k, n in reached.items())
    st.markdown(f"25 % training error (mean of 20 steps) reached at {words}. {verdict(reached)} "
                "Dropout switches off a random share of the fully connected units at each step, which slows "
                "training down but fights over-fitting.")


def verdict(reached: dict[str, int | None]) -> str:
    """What this run measured, said plainly, whichever way it went."""
    relu, tanh = reached.get("relu"), reached.get("tanh")
    if not relu or not tanh:
        return ""
    if relu < tanh:
        return (f"ReLU got there **{tanh / relu:.1f}×** sooner: tanh saturates (slope near 0 for large inputs), "
                "ReLU's slope is 1 wherever it is active.")
    return (f"Here **tanh** got there {relu / tanh:.1f}× sooner: in a 5-layer net with PyTorch's small initial "
            "weights tanh works in its near-linear middle, where it does not saturate. AlexNet's 6× was "
            "measured on a deeper network and larger images; to see saturation hurt, run the *Shortcuts* "
            "experiment with tanh or sigmoid at depth 30.")
