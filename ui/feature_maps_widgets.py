"""Widgets of the feature-map page: weights status and download, user weights, MNIST nets."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable

import numpy as np
import streamlit as st
import torch

from explainer import config, features, weights
from explainer.mnist.datasets import load_digits

from . import keys
from .sidebar import presentation
from .url_state import UrlState

MNIST_PREFIX = "MNIST: "
PREFETCH_HINT = ("To get them: on a machine with internet access run `python -m explainer.prefetch` "
                 "(fills torch's hub cache, ~1.2 GB for all four networks) or copy the `.pth` files "
                 "into `{folder}`, then reload.")


def weights_notice(loaded: features.LoadedModel, *, on_downloaded: Callable[[], None]) -> None:
    """Say plainly which weights are in use; offer a download or a re-download when they are missing."""
    status = loaded.status
    if status.pretrained:
        if loaded.spec is not None and "uploaded" not in status.message:
            st.caption(f"✅ Pretrained ImageNet weights ({loaded.weights_enum}), same for every visitor.")
        else:
            st.caption(f"✅ {status.message}")
        return
    enum_value = loaded.weights_enum
    folder = weights.cache_path(enum_value).parent
    offline = config.offline()
    if status.corrupt_path is not None:
        st.error(f"**UNTRAINED — random weights.** The cached file `{status.corrupt_path}` is damaged "
                 "(truncated or not a weights file), so the network runs with random weights.",
                 icon=":material/warning:")
        label = "Delete the damaged file and download it again"
    elif presentation():  # one line beside the controls button, so the grid stays on screen
        st.error(f"**UNTRAINED — random weights** ({loaded.name}'s pretrained file is not on this server): "
                 "shapes and fields are real, the maps are not learned.", icon=":material/warning:")
    else:
        st.error(f"**UNTRAINED — random weights.** Pretrained ImageNet weights for {loaded.name} are "
                 f"not on this server{' (downloads are switched off)' if offline else ''}. Layer shapes "
                 "and receptive fields below are real; the maps, filters and predictions are those of "
                 "an untrained network.", icon=":material/warning:")
        label = f"Download the pretrained weights ({enum_value.meta.get('_file_size', 0):.0f} MB)"
    if not presentation():  # projected, the banner is enough; the how-to is for whoever runs the server
        st.caption(PREFETCH_HINT.format(folder=folder))
    if offline and status.corrupt_path is None:
        return
    if st.button(label, type="primary", key="fm_download"):
        _download(enum_value, force=status.corrupt_path is not None, on_downloaded=on_downloaded)


def _download(enum_value, *, force: bool, on_downloaded: Callable[[], None]) -> None:
    bar = st.progress(0.0, text="Connecting…")
    shown = [-1]

    def progress(done: int, total: int) -> None:
        pct = int(100 * done / total) if total else 0
        if pct != shown[0]:  # one redraw per percent, not per megabyte
            shown[0] = pct
            bar.progress(pct / 100, text=f"{done / 1e6:.0f} of {total / 1e6:.0f} MB")

    try:
        weights.download(enum_value, progress=progress, force=force)
    except weights.WeightsUnavailable as err:
        bar.empty()
        st.error(str(err))
        return
    on_downloaded()
    st.rerun()


def user_weights(loaded: features.LoadedModel) -> features.LoadedModel:
    """An upload box for a state_dict; returns a private copy carrying it, or ``loaded``."""
    st.caption(f"A `.pth` state_dict for {loaded.name} (e.g. your fine-tuned copy). It is read with "
               "`torch.load(weights_only=True)`, so a file cannot run code, and is applied to a private "
               "copy: other visitors keep the shared network.")
    up = st.file_uploader("state_dict file", type=["pth", "pt", "bin"], key="fm_state_dict")
    if up is None:
        return loaded
    data = up.getvalue()
    digest = hashlib.sha256(data).hexdigest()[:16]
    cached = st.session_state.get(keys.FM_USER_MODEL)
    if cached and cached[0] == (loaded.name, digest):
        return cached[1]
    try:
        copy = features.with_user_weights(loaded, data)
    except weights.WeightsUnavailable as err:
        st.error(f"Could not use “{up.name}”: {err} Showing the shared network instead.")
        return loaded
    st.session_state[keys.FM_USER_MODEL] = ((loaded.name, digest), copy)
    return copy


def session_network(name: str, module: torch.nn.Module) -> features.LoadedModel:
    """A frozen copy of a network from the MNIST page, refreshed when its weights change."""
    snaps = st.session_state.setdefault(keys.FM_MNIST_SNAPSHOTS, {})
    mark = features.fingerprint(module)
    if name not in snaps or snaps[name][0] != mark:
        snaps[name] = (mark, features.session_model(name, module))
    return snaps[name][1]


@dataclass(frozen=True)
class Digit:
    key: str
    x: torch.Tensor        # (1, 1, 28, 28) normalised
    shown: np.ndarray      # (28, 28, 3) uint8


@st.cache_resource(show_spinner=False)
def _digits():
    return load_digits(download=False)


def digit_input(url: UrlState) -> Digit:
    """Pick a test digit (MNIST, or the offline stand-in) for the MNIST networks."""
    data = _digits()
    n = len(data.test_labels)
    k = url.bind("digit", 0, lo=0, hi=n - 1)
    st.number_input(f"Test digit (0–{n - 1}) from {data.name}", 0, n - 1, key=k)
    i = st.session_state[k]
    img = data.test_images[i].numpy()
    st.caption(f"Label: {int(data.test_labels[i])}. " + (data.note if not data.is_mnist else ""))
    return Digit(key=f"{data.name}:{i}", x=features.prepare_digit(img, data.mean, data.std),
                 shown=np.repeat(img[..., None], 3, axis=2))


# ---------------------------------------------------------------- the tabs after the first two
PLOT_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
FILTER_COUNTS = [16, 32, 64]


@st.cache_data(max_entries=16, show_spinner=False)
def layer_table(model_key: str, input_shape: tuple[int, ...], _loaded: features.LoadedModel):
    rows = features.layer_table(_loaded.model, input_shape)
    return features.layer_table_frame(rows, image_side=input_shape[-1]), sum(r.params for r in rows)


@st.cache_resource(max_entries=8, show_spinner=False)
def first_filters(model_key: str, _loaded: features.LoadedModel):
    """The first layer's filters and their closest presets (read-only, shared)."""
    filters = features.first_layer_filters(_loaded.model)
    return filters, features.closest_presets(filters) if filters.shape[1] in (1, 3) else []


@st.cache_resource(max_entries=16, show_spinner=False)
def _filters_figure(model_key: str, n: int, fs: int, cols: int, title: str, _loaded: features.LoadedModel):
    filters, matches = first_filters(model_key, _loaded)
    return features.filter_tiles(filters[:n], matches[:n], font_size=fs, cols=cols, title=title)


@st.cache_resource(max_entries=16, ttl=1800, show_spinner=False)
def _predictions_figure(view: str, fs: int, _preds, untrained: bool):
    return features.predictions_figure(_preds, untrained=untrained, font_size=fs)


@st.fragment
def filters_tab(loaded: features.LoadedModel, name: str, tag: str, fs: int, url: UrlState) -> None:
    """First-layer filters beside their closest playground preset; the count reruns only this tab."""
    filters, matches = first_filters(loaded.key, loaded)
    if not matches:
        st.info(f"The first layer of {name} takes {filters.shape[1]} channel(s); "
                "tiles are shown for RGB input only.")
        return
    k = filters.shape[-1]
    st.select_slider("Filters shown", FILTER_COUNTS, key="nfilters")
    n = min(st.session_state["nfilters"], len(filters))
    title = f"The {len(filters)} filters of the first layer ({k}×{k}×3){tag}"
    st.plotly_chart(_filters_figure(loaded.key, n, fs, 6 if presentation() else 8, title, loaded),
                    config=PLOT_CONFIG, key="filters")
    counts: dict[str, int] = {}
    for m in matches:
        counts[m.label] = counts.get(m.label, 0) + 1
    common = ", ".join(f"{lab} ({c})" for lab, c in sorted(counts.items(), key=lambda t: -t[1])[:5])
    st.markdown(
        f"Each tile is one {k}×{k} {'RGB ' if filters.shape[1] == 3 else ''}kernel "
        "(grey = 0, bright = positive weight, dark = negative). "
        "Under it: the **kernel-playground preset** its brightness part correlates with best "
        "(|cosine|, a minus sign = the preset flipped); *col.* marks filters that mostly weigh colours "
        f"against each other, which no greyscale preset describes. Most common here: {common}."
        + ("" if loaded.pretrained else " Random weights match presets only by chance."))
    url.write()


def layer_table_tab(loaded: features.LoadedModel, input_shape: tuple[int, ...]) -> None:
    side = input_shape[-1]
    frame, total = layer_table(loaded.key, input_shape, loaded)
    st.dataframe(frame, hide_index=True, height=560 if presentation() else 420, width="stretch")
    st.caption(f"{len(frame)} layers, {total:,} parameters in all, for a {side}-pixel input. "
               "Receptive field: the square of input pixels one cell depends on, grown by every kernel "
               "(k−1 cells) and multiplied up by every stride; the shortcut ‘add’ of a ResNet block takes "
               "the larger of its two branches.")


def predictions_tab(view: str, fm: features.FeatureMaps, loaded: features.LoadedModel, is_digit_net: bool,
                    fs: int) -> None:
    preds = features.top_predictions(fm.logits, loaded.categories, 5)
    st.plotly_chart(_predictions_figure(view, fs, preds, not loaded.pretrained), config=PLOT_CONFIG, key="preds")
    st.caption("Softmax of the network's 10 scores." if is_digit_net
               else "Softmax of the last layer's 1000 scores; class names from the weights' metadata.")
