"""Data augmentation: one batch before/after, little data with and without augmentation, more data helps."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import streamlit as st
import torch

from ui import run_inside_app
from explainer.augmentation import (DATASET_SIZES, DIGIT_DEFAULT, NONE, SIZES, WITH, Augmentation, Fit, SmallData,
                                    augment, before_after_figure, compare_events, comparison_key, label_warnings,
                                    robustness_figure, size_curve_events, size_curve_figure, size_curve_key,
                                    with_threads)
from explainer.mnist import DigitSet, training_threads
from ui import keys
from ui.job_panel import JobPanel, fraction_and_text
from ui.mnist_data import data_banner, digits
from ui.sidebar import controls, figure_height, font_size, intro, presentation
from ui.url_state import UrlState

run_inside_app()  # a cold deep link runs this file on its own: run it through app.py

COMPARE = JobPanel(keys.AUG_JOB, what="training run")
SIZE_CURVE = JobPanel(keys.AUG_SIZE_JOB, what="size curve")
PREVIEW = 12                                               # digits in the before/after batch
PROJECTED_PREVIEW = 8                                      # projected: fewer, bigger (the first 8 of the same 12)
MAIN_KEY = "au_main"                                       # the container of the page's main picture (tests look for it)
STEPS = [100, 200, 300, 500, 1_000]


@dataclass(frozen=True)
class AugmentationSettings:
    """Every control of the page, mirrored in the URL as ``au_<field>`` (the augmentation's own fields too)."""

    augmentation: Augmentation = DIGIT_DEFAULT
    batch: int = 0               # which random batch the preview shows
    n_train: int = 300           # training digits of the side-by-side experiment
    steps: int = 300             # training steps of every run (64 digits each)

    @classmethod
    def from_url(cls, url: UrlState) -> AugmentationSettings:
        bounds = {"shift_px": dict(lo=0, hi=10), "rotate_deg": dict(lo=0, hi=180), "scale": dict(lo=0, hi=0.5),
                  "crop_px": dict(lo=0, hi=12), "noise": dict(lo=0, hi=100), "batch": dict(lo=0, hi=10_000),
                  "n_train": dict(choices=list(SIZES)), "steps": dict(choices=STEPS)}
        defaults = {f.name: getattr(DIGIT_DEFAULT, f.name) for f in dataclasses.fields(Augmentation)}
        defaults |= {f.name: f.default for f in dataclasses.fields(cls) if f.name != "augmentation"}
        value = {name: st.session_state[url.bind(f"au_{name}", default, **bounds.get(name, {}))]
                 for name, default in defaults.items()}
        aug = Augmentation(**{f.name: value.pop(f.name) for f in dataclasses.fields(Augmentation)})
        return cls(augmentation=aug, **value)

    def fit(self) -> Fit:
        return Fit(steps=self.steps, augmentation=self.augmentation)


def _controls(projected: bool) -> None:
    """The six augmentation controls: three columns inline, one column inside the projected popover."""
    cols = (st.container(),) * 3 if projected else st.columns(3)
    cols[0].slider("Shift (± pixels)", 0.0, 10.0, step=0.5, key="au_shift_px",
                   help="Each digit moves by a random amount up to this, left/right and up/down.")
    cols[0].slider("Rotation (± degrees)", 0.0, 180.0, step=5.0, key="au_rotate_deg")
    cols[1].slider("Scale (± share)", 0.0, 0.5, step=0.05, key="au_scale",
                   help="0.1: each digit is zoomed by a random factor between 0.9 and 1.1.")
    cols[1].slider("Random crop (pixels cut)", 0, 12, key="au_crop_px",
                   help="Keep a random square this many pixels smaller than 28x28, enlarged back to 28x28.")
    cols[2].slider("Gaussian noise (σ, grey levels of 255)", 0.0, 100.0, step=5.0, key="au_noise")
    cols[2].toggle("Horizontal flip (half of the digits)", key="au_flip")
    if not projected:
        cols[2].button("Another batch", icon=":material/casino:", on_click=_next_batch)


def _control_row(projected: bool) -> None:
    """Projected: one compact row (settings popover, another batch) so the picture sits under the title."""
    if not projected:
        _controls(False)
        return
    left, right, _ = st.columns([1.5, 1.1, 2], vertical_alignment="center")
    with left, controls("Augmentation settings"):
        _controls(True)
    right.button("Another batch", icon=":material/casino:", on_click=_next_batch)


def _next_batch() -> None:
    st.session_state["au_batch"] += 1


def _preview(data: DigitSet, settings: AugmentationSettings, fs: int, projected: bool) -> None:
    count = PROJECTED_PREVIEW if projected else PREVIEW
    pick = torch.randperm(data.n_test, generator=torch.Generator().manual_seed(settings.batch))[:count]
    before = data.test_images[pick]
    after = augment(before, settings.augmentation, generator=torch.Generator().manual_seed(settings.batch))
    figure = before_after_figure(before.numpy(), after.numpy(), data.test_labels[pick].tolist(), font_size=fs,
                                 height=figure_height(230, 330))
    st.container(key=MAIN_KEY).plotly_chart(figure, config={"displayModeBar": False}, key="au_preview")
    for note in label_warnings(settings.augmentation):
        st.warning(note, icon=":material/report:")
    st.caption(f"Top: {count} test digits as written. Bottom: the same digits after **{settings.augmentation.describe()}**"
               " — what the network would see in one training step. Every step draws new random changes, so "
               "in 300 steps the network sees thousands of versions of the same few hundred digits. "
               "The label under each digit is kept.")


# ---------------------------------------------------------------- the experiments (jobs)
def _comparison_section(data: DigitSet, settings: AugmentationSettings, fs: int) -> None:
    st.header("Little data: with and without augmentation")
    st.markdown(
        "Two LeNet-5 networks, **same starting weights, same batches, same number of steps**; the only "
        "difference: the second one gets every batch through the augmentation above. Then both are tested on "
        "the test digits as they are, and on the same test digits **shifted** and **rotated**.")
    cols = st.columns([1, 1, 1])
    cols[0].select_slider("Training digits", list(SIZES), key="au_n_train", format_func=lambda v: f"{v:,}")
    cols[1].select_slider("Training steps (64 digits each)", STEPS, key="au_steps")
    setup = SmallData(n_train=settings.n_train, fit=settings.fit())
    key = comparison_key(data, setup)   # identical settings and data: one run, replayed to everyone who asks
    COMPARE.start_button("Train both", lambda: with_threads(compare_events(data, setup), training_threads()),
                         context=key, share_key=key, where=cols[2], icon=":material/play_arrow:")
    COMPARE.show(fraction_and_text, idle=None)
    result = COMPARE.result_for(key)
    if result is None:
        st.info(f"Press **Train both**: {2 * settings.steps} steps, a few seconds (at once if someone on this "
                "server has already run these settings). "
                f"({min(settings.n_train, data.n_train):,} of {data.n_train:,} training digits"
                f"{'; the stand-in has no more' if settings.n_train > data.n_train else ''}.)",
                icon=":material/school:")
        return
    _comparison_result(result, settings, fs)


def _comparison_result(result, settings: AugmentationSettings, fs: int) -> None:
    m = st.columns(4)
    for i, name in enumerate((NONE, WITH)):
        m[i].metric(f"Test accuracy, {name}", f"{result.test_acc[name]:.1%}")
        m[2 + i].metric(f"Shifted & rotated, {name}", f"{result.moved_acc(name):.1%}",
                        help="Mean accuracy over every shift (−6…6 px) and rotation (−60…60°) of the test digits.")
    st.plotly_chart(robustness_figure(result, font_size=fs), config={"displayModeBar": False}, key="au_robust")
    gain = result.moved_acc(WITH) - result.moved_acc(NONE)
    st.caption(
        f"Trained on {result.n_train:,} digits for {settings.steps} steps. Each point: the share of test digits "
        "recognised after moving every one of them by the same amount. A convolution slides the same kernels "
        "everywhere and pooling forgives a pixel or two, so the CNN tolerates small moves anyway; beyond that it "
        "only recognises what it has seen. Augmentation **shows it moved and turned digits during training**: "
        f"{gain:+.1%} on the moved test digits here. With thousands of digits the plain network sees more "
        "variety by itself and the gap narrows — try 10,000.")


def _size_section(data: DigitSet, settings: AugmentationSettings, fs: int) -> None:
    st.header("More data helps")
    left, right = st.columns([2.2, 1])
    with right:
        st.markdown("**Dataset sizes in the lecture**")
        st.table({"data set": list(DATASET_SIZES), "images": [f"{n:,}" for n in DATASET_SIZES.values()]})
        st.caption("Deep networks have millions of weights; small data sets are why augmentation, transfer "
                   "learning and few-shot learning exist.")
    with left:
        fit = settings.fit()
        key = size_curve_key(data, fit)
        SIZE_CURVE.start_button("Run the size curve", lambda: with_threads(size_curve_events(data, fit),
                                                                            training_threads()),
                                context=key, share_key=key, icon=":material/play_arrow:")
        SIZE_CURVE.show(fraction_and_text, idle=None)
        curve = SIZE_CURVE.result_for(key)
        if curve is None:
            st.info(f"LeNet-5 trained on {', '.join(f'{s:,}' for s in sorted({min(s, data.n_train) for s in SIZES}))} "
                    f"digits, with and without the augmentation above, {settings.steps} steps each: about "
                    "half a minute. A curve anyone on this server has run with the same settings comes back "
                    "at once.",
                    icon=":material/school:")
            return
        st.plotly_chart(size_curve_figure(curve, font_size=fs), config={"displayModeBar": False}, key="au_sizes")
        st.caption("Same number of steps for every size: only the number of *different* digits changes. Test "
                   "accuracy climbs as the training set grows (log axis: each step right is about 3x more data), "
                   "and augmentation lifts the left end most: it stands in for data you do not have.")


# ---------------------------------------------------------------- the page
data = digits()
url = UrlState()
settings = AugmentationSettings.from_url(url)
url.write()
fs = font_size()

st.title("Data augmentation: more training digits for free")
intro("With little data, **augment** it: flip, rotate, scale, crop, translate, add Gaussian noise (the lecture's "
      "list). Each training batch is changed at random, so the network never sees the same picture twice — "
      "as long as the change keeps the label true.")
projected = presentation()
if not projected:
    data_banner(data)
_control_row(projected)
_preview(data, settings, fs, projected)
if projected:   # the picture first; which digits it shows comes after it
    data_banner(data)
_comparison_section(data, settings, fs)
_size_section(data, settings, fs)
