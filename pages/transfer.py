"""Transfer learning: LeNet-5 pretrained on 0–4 learns 5–9 from a few examples; ResNet18 on your photos."""
from __future__ import annotations

import dataclasses
import hashlib
import inspect
from dataclasses import dataclass

import numpy as np
import streamlit as st

from ui import run_inside_app
from explainer.augmentation import with_threads
from explainer.config import offline
from explainer.features import load_model
from explainer.images import ImageError, fit_within, load_image
from explainer.mnist import DigitSet, training_threads
from explainer.transfer import (FINE_TUNE, FROZEN, KS, MAX_PER_CLASS, SCRATCH, PhotoSetError, TransferSetup,
                                cached_pretrained, check_classes, frozen_features_new_head, grid_key, layers_figure,
                                photo_features, photo_key, photo_transfer_events, pretrain_then_grid_events,
                                probabilities_figure, source_accuracy, texture_classes, transfer_figure)
from ui import keys
from ui.job_panel import JobPanel, fraction_and_text
from ui.mnist_data import data_banner, digits
from ui.sidebar import controls, figure_height, font_size, intro, presentation
from ui.url_state import UrlState

run_inside_app()  # a cold deep link runs this file on its own: run it through app.py

GRID = JobPanel(keys.TR_GRID_JOB, what="transfer run")
PHOTOS = JobPanel(keys.TR_PHOTO_JOB, what="photo training")
FEATURES = keys.TR_FEATURES                                   # {photo id: (512,) features}: this session's only
STEPS = [50, 100, 150, 300]
MAIN_KEY = "tr_main"                                          # the container of the page's main picture (tests look for it)


@dataclass(frozen=True)
class TransferSettings:
    """Every control of the page; each field is mirrored in the URL as ``tr_<field>``."""

    steps: int = 150              # training steps per run of the digit grid
    source: str = "textures"      # photo classes: "textures" (bundled) or "upload"
    n_classes: int = 2            # classes when uploading
    per_class: int = 12           # bundled tiles per texture

    @classmethod
    def from_url(cls, url: UrlState) -> TransferSettings:
        bounds = {"steps": dict(choices=STEPS), "source": dict(choices=["textures", "upload"]),
                  "n_classes": dict(lo=2, hi=4), "per_class": dict(lo=3, hi=15)}
        for f in dataclasses.fields(cls):
            url.bind(f"tr_{f.name}", f.default, **bounds.get(f.name, {}))
        return cls(**{f.name: st.session_state[f"tr_{f.name}"] for f in dataclasses.fields(cls)})


@st.cache_resource(show_spinner="Loading ResNet18…")
def _resnet18():
    return load_model("ResNet18", download_if_missing=not offline())  # shared, read-only


def _digits_section(data: DigitSet, settings: TransferSettings, fs: int) -> None:
    projected = presentation()
    if not projected:    # projected, the chart sits right under the page title: the lecturer says this part
        st.header("On digits: learn 0–4, then 5–9 from k examples")
    intro("LeNet-5 first learns the digits **0–4** (once per server, shared by everyone). Then it must learn "
          "**5–9** from only **k examples per digit**, three ways: **(a) from scratch**; **(b) frozen features + "
          "new head**: keep the pretrained convolutional part, frozen, and train only a new last layer; **(c) "
          "fine-tune everything**: (b), then unfreeze all weights and train a little more with a 10x smaller "
          "learning rate (the lecture's *optionally unfreeze all at the end*).")
    cols = st.columns([1, 1.6, 2.4] if projected else [1, 1], vertical_alignment="center" if projected else "top")
    with cols[0], controls("Training steps"):
        st.select_slider("Training steps per run (64 digits each)", STEPS, key="tr_steps")
    setup = TransferSetup(steps=settings.steps)
    key = grid_key(data, setup)   # identical settings and data: one run, replayed to everyone who asks
    GRID.start_button("Run the transfer experiment", lambda: with_threads(pretrain_then_grid_events(data, setup),
                                                                          training_threads()),
                      context=key, share_key=key, where=cols[1], icon=":material/play_arrow:")
    grid = GRID.result_for(key)
    if grid is not None:   # the main picture before the job's status line
        _grid_chart(data, grid, fs)
    GRID.show(fraction_and_text, idle=None)
    if grid is None:
        pretrained = cached_pretrained(data)
        st.info(f"Press **Run the transfer experiment**: {'pretraining on 0–4 (a few seconds, once), then ' if pretrained is None else ''}"
                f"3 ways x {len(KS)} values of k = {3 * len(KS)} short runs of {settings.steps} steps (at once "
                "if someone on this server has already run these settings).",
                icon=":material/school:")
        return
    _grid_details(data, grid, fs)


def _grid_chart(data: DigitSet, grid, fs: int) -> None:
    figure = transfer_figure(grid, font_size=fs, height=figure_height(400, 440))
    st.container(key=MAIN_KEY).plotly_chart(figure, config={"displayModeBar": False}, key="tr_curve")
    i = grid.ks.index(10) if 10 in grid.ks else 0
    pretrained = cached_pretrained(data)
    st.caption(
        f"Accuracy on {grid.n_test:,} test digits 5–9 that no run has seen. With k = {grid.ks[i]} examples per "
        f"digit: from scratch {grid.accuracy[SCRATCH][i]:.1%}, frozen features + new head "
        f"{grid.accuracy[FROZEN][i]:.1%}, fine-tuned {grid.accuracy[FINE_TUNE][i]:.1%}. The filters learned on "
        "0–4 (strokes, curves, corners) are just as useful for 5–9, so with few examples reusing them beats "
        "learning 61,000 weights from nothing; with many examples, learning from scratch catches up."
        + (f" The pretrained network gets {source_accuracy(pretrained, data):.1%} of the 0–4 test digits right."
           if pretrained is not None else ""))
    if not data.is_mnist:
        st.caption("On the small stand-in set the 0–4 part has only a few hundred digits to pretrain on, so "
                   "transfer helps at the smallest k and ties after; with MNIST's 30,000 digits of 0–4 it wins "
                   "clearly at k = 10.")


def _grid_details(data: DigitSet, grid, fs: int) -> None:
    st.plotly_chart(layers_figure(grid, font_size=fs), config={"displayModeBar": False}, key="tr_layers")
    st.caption("Which layers learn in each way, with each layer's number of weights and biases. (b) trains "
               "2,005 numbers instead of 61,281: 5 digits x (400 inputs + 1 bias). Fewer numbers to fit means "
               "fewer examples needed.")
    st.markdown("**(b) in code** — the very function this page runs, in the lecture's form "
                "(`requires_grad` off for everything learned before, a new `nn.Linear` on top):")
    st.code(inspect.getsource(frozen_features_new_head), language="python")
    st.caption("The frozen layers give the same 400 numbers for a digit every time, so the page sends the k "
               "examples through them once and trains the new `fc` on those numbers: the same gradient steps as "
               "sending every batch through the frozen layers again, for a fraction of the work.")


# ---------------------------------------------------------------- photos
def _weights_notice(loaded) -> None:
    if loaded.pretrained:
        st.caption(f":material/check_circle: ResNet18 with pretrained ImageNet weights ({loaded.weights_enum}).")
        return
    st.error("**UNTRAINED — random weights.** Pretrained ImageNet weights for ResNet18 are not on this server, so "
             "the frozen part is a *random* network. The recipe below still runs end to end, and random filters "
             "still tell colours and coarse textures apart; with pretrained weights (`python -m explainer.prefetch` "
             "on a machine with internet) the same 512 numbers describe objects and the head learns far more "
             "from a few photos.", icon=":material/warning:")


def _decoded(file) -> tuple[str, np.ndarray]:
    """``(id, RGB)`` of one upload, decoded once per session (kept in the session only, never on disk)."""
    data = file.getvalue()
    pid = hashlib.sha1(data).hexdigest()[:16]
    cache = st.session_state.setdefault(keys.TR_DECODED, {})
    if pid not in cache:
        cache[pid] = fit_within(load_image(data), 448)
    return pid, cache[pid]


def _uploaded_classes(settings: TransferSettings) -> dict[str, list[tuple[str, np.ndarray]]]:
    st.number_input("Classes", 2, 4, key="tr_n_classes")
    classes: dict[str, list[tuple[str, np.ndarray]]] = {}
    cols = st.columns(settings.n_classes)
    for i, col in enumerate(cols):
        name = col.text_input(f"Class {i + 1}", value=f"class {i + 1}", key=f"tr_name_{i}").strip() or f"class {i + 1}"
        files = col.file_uploader(f"Photos of “{name}” (5–{MAX_PER_CLASS})", accept_multiple_files=True,
                                  key=f"tr_up_{i}", type=None)
        if len(files) > MAX_PER_CLASS:
            col.warning(f"{len(files)} photos given; the first {MAX_PER_CLASS} are used (the limit per class).")
        photos, bad = [], []
        for file in files[:MAX_PER_CLASS]:
            try:
                photos.append(_decoded(file))
            except ImageError as err:
                bad.append(f"**{file.name}**: {err}")
        for message in bad:
            col.error(message, icon=":material/broken_image:")
        classes[name if name not in classes else f"{name} ({i + 1})"] = photos
    return classes


def _texture_classes(settings: TransferSettings) -> dict[str, list[tuple[str, np.ndarray]]]:
    st.slider("Tiles per texture", 3, 15, key="tr_per_class")
    tiles = texture_classes(settings.per_class)
    st.caption("Three photos that ship with scikit-image (a brick wall, grass, gravel), each cut into "
               "128x128 tiles that do not overlap: real pictures, a few per class, like a student's upload.")
    return {name: [(f"tex:{name}:{j}", t) for j, t in enumerate(items[:-1])] for name, items in tiles.items()}


def _photo_section(settings: TransferSettings, fs: int) -> None:
    st.header("On your own photos: the lecture's recipe")
    st.markdown("ResNet18, **every weight frozen**, its last layer `fc` replaced by a new `nn.Linear(512, classes)`; "
                "only that layer learns. Frozen layers give the same output every time, so each photo goes "
                "through ResNet18 once and the new layer trains on its 512 numbers in well under a second.")
    loaded = _resnet18()
    _weights_notice(loaded)
    st.radio("Photos", ["textures", "upload"], key="tr_source", horizontal=True,
             format_func={"textures": "Bundled textures", "upload": "Your photos"}.get)
    photos = _texture_classes(settings) if settings.source == "textures" else _uploaded_classes(settings)
    try:
        check_classes({name: len(items) for name, items in photos.items()})
    except PhotoSetError as err:
        st.warning(str(err), icon=":material/info:")
        return
    known = st.session_state.setdefault(FEATURES, {})
    key = photo_key(loaded, photos)   # the same photos in the same classes: one run for every session
    PHOTOS.start_button("Train the new head", lambda: with_threads(photo_transfer_events(loaded, photos, known),
                                                                   training_threads()),
                        context=key, share_key=key, icon=":material/play_arrow:")
    PHOTOS.show(fraction_and_text, idle=None)
    result = PHOTOS.result_for(key)
    if result is not None:
        _photo_result(loaded, result, photos, settings, fs)


def _photo_result(loaded, result, photos, settings: TransferSettings, fs: int) -> None:
    loo = result.loo
    n = len(loo.labels)
    st.metric("Leave-one-out accuracy", f"{loo.accuracy:.0%}",
              help="Each photo judged by a head trained on all the other photos.")
    st.caption(f"{int(round(loo.accuracy * n))} of {n} photos right when each is left out of training in turn "
               f"(guessing: {1 / len(result.classes):.0%}).")
    wrong = [i for i in range(n) if loo.predicted[i] != loo.labels[i]]
    flat = [rgb for items in photos.values() for _, rgb in items]
    if wrong:
        st.image([flat[i] for i in wrong[:12]], width=96,
                 caption=[f"{result.classes[loo.labels[i]]} → {result.classes[loo.predicted[i]]}" for i in wrong[:12]])
    st.subheader("A new photo")
    if settings.source == "textures":
        tiles = texture_classes(settings.per_class)
        pick = st.selectbox("An unseen tile", list(tiles), key="tr_new_tile")
        rgb = tiles[pick][-1]
    else:
        new = st.file_uploader("A photo the head has not seen", key="tr_new_photo")
        if new is None:
            return
        try:
            rgb = _decoded(new)[1]
        except ImageError as err:
            st.error(str(err), icon=":material/broken_image:")
            return
    cols = st.columns([1, 2.5])
    cols[0].image(rgb, width="stretch")
    probs = result.head.probabilities(photo_features(loaded, rgb))[0]
    cols[1].plotly_chart(probabilities_figure(probs, list(result.classes), font_size=fs),
                         config={"displayModeBar": False}, key="tr_probs")


# ---------------------------------------------------------------- the page
st.title("Transfer learning: reuse what a network already knows")
intro("Take a network trained on a large, fairly general data set, **freeze** its low layers, add a new "
      "classifier on top and train only that on your small data set; optionally **unfreeze** everything at "
      "the end and fine-tune. The lecture's example: ants vs bees from about 120 photos each.")
url = UrlState()
settings = TransferSettings.from_url(url)
url.write()
data, fs = digits(), font_size()
if not presentation():
    data_banner(data)
_digits_section(data, settings, fs)
if presentation():   # after the main picture
    data_banner(data)
_photo_section(settings, fs)
