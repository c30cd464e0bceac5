"""Pieces of the style-transfer page: its settings, the painting panel (polled live), the Gram section."""
from __future__ import annotations

import dataclasses
import hashlib
import io
import threading
import time
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import streamlit as st
import torch
from PIL import Image

from explainer import exports
from explainer.device import best_device
from explainer.mnist import training_threads
from explainer.style import (COLOURS, CONTENT_LAYER, LAYERS, STYLE_LAYERS, GramView, StyleEvent, StyleNet,
                             StyleResult, StyleSettings, feature_map_grid, gram_heatmaps, gram_view, load_style_net,
                             loss_curves, schedule, transfer, weighted_terms)

from . import keys
from .job_panel import JobPanel, ProgressLine, duration, runner_limits
from .sidebar import figure_height
from .url_state import UrlState

CONTENT_WEIGHTS = [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0]
STYLE_WEIGHTS = [1e3, 3e3, 1e4, 3e4, 1e5, 3e5, 1e6, 3e6, 1e7, 3e7, 1e8, 3e8, 1e9]
TV_WEIGHTS = [0.0, 0.1, 1.0, 10.0, 100.0, 1000.0]
LAYER_WEIGHTS = [0.1, 0.2, 0.5, 1.0, 2.0, 5.0]
SIZES = [64, 96, 128, 160, 192, 256, 320, 384] + ([512, 768] if best_device().type != "cpu" else [])
ITERATIONS = [10, 20, 30, 45, 60, 75, 90, 120, 150, 200, 300]
#: each coarse level's share of the full-size evaluations, as in explainer.style's benchmarked schedule
COARSE_SHARE = StyleSettings().coarse_iterations / StyleSettings().iterations
INITS = {"content": "content image", "noise": "noise", "style": "style image"}
OPTIMIZERS = {"lbfgs": "L-BFGS", "adam": "Adam"}
PLOT_CONFIG = {"displaylogo": False}

PAINTING = JobPanel(keys.STYLE_JOB, what="painting", poll_s=0.7)
FILM_FRAMES = 30           # pictures kept of a painting forming (the GIF's frames)
FILM_SIDE = 256            # their long side at most, px
OUTPUT_KEY, LOSS_KEY = "sty_output", "sty_loss_box"  # containers of the main picture (the browser test finds them)
PROJECTED_IMAGE_H, PROJECTED_IMAGE_W = 400, 600  # projected: the output's height (and widest), px
PROJECTED_LOSS_PX = 400    # projected: the loss chart's height, px


# ---------------------------------------------------------------- settings
@dataclass(frozen=True)
class StylePageSettings:
    """Every control of the page but the two pictures; each field is in the URL under ``KEY[field]``."""

    content_weight: float = 1.0          # α
    style_weight: float = 1e6            # β
    tv_weight: float = 0.0               # γ, smoothness
    size: int = 256                      # long side of the output, px
    iterations: int = StyleSettings().iterations   # loss evaluations at full size (benchmarked default)
    layers: tuple[str, ...] = STYLE_LAYERS  # whose Gram matrices count
    weight_conv1_1: float = 1.0          # weight of conv1_1's Gram term
    weight_conv2_1: float = 1.0          # weight of conv2_1's Gram term
    weight_conv3_1: float = 1.0          # weight of conv3_1's Gram term
    weight_conv4_1: float = 1.0          # weight of conv4_1's Gram term
    weight_conv5_1: float = 1.0          # weight of conv5_1's Gram term
    content_layer: str = CONTENT_LAYER   # where the content is compared
    init: str = "content"                # start picture: content | noise | style
    optimizer: str = "lbfgs"             # lbfgs | adam
    keep_colors: bool = False            # luminance-only transfer
    levels: int = 3                      # coarse-to-fine levels
    style_scale: float = 1.0             # painting's size relative to the output
    gram_layer: str = "conv1_1"          # the Gram section's layer
    gram_channels: int = 24              # channels the Gram section shows

    @classmethod
    def from_url(cls, url: UrlState) -> StylePageSettings:
        """Bind every field to its URL key (seeding the session once) and read them."""
        for f in dataclasses.fields(cls):
            default = list(f.default) if isinstance(f.default, tuple) else f.default  # st.pills keeps a list
            url.bind(KEY[f.name], default, **BOUNDS.get(f.name, {}))
        values = {f.name: st.session_state[KEY[f.name]] for f in dataclasses.fields(cls)}
        return cls(**{**values, "layers": tuple(values["layers"])})

    def layer_weight(self, layer: str) -> float:
        return getattr(self, f"weight_{layer}")

    def transfer_settings(self) -> StyleSettings:
        """What ``transfer`` needs; ValueError when they make no picture (e.g. no layer, α = 0)."""
        return StyleSettings(
            size=self.size, iterations=self.iterations, coarse_iterations=round(self.iterations * COARSE_SHARE),
            levels=self.levels, content_weight=self.content_weight, style_weight=self.style_weight,
            tv_weight=self.tv_weight, content_layer=self.content_layer,
            style_layers={name: self.layer_weight(name) for name in STYLE_LAYERS if name in self.layers},
            init=self.init, optimizer=self.optimizer, keep_colors=self.keep_colors, style_scale=self.style_scale)


#: field -> URL key (the short keys old links use).
KEY = {"content_weight": "sty_cw", "style_weight": "sty_sw", "tv_weight": "sty_tv", "size": "sty_size",
       "iterations": "sty_iters", "layers": "sty_layers", **{f"weight_{n}": f"sty_w_{n}" for n in STYLE_LAYERS},
       "content_layer": "sty_clayer", "init": "sty_init", "optimizer": "sty_opt", "keep_colors": "sty_keep",
       "levels": "sty_levels", "style_scale": "sty_sscale", "gram_layer": "sty_gram_layer",
       "gram_channels": "sty_gram_k"}
#: field -> what a link may set it to (anything else falls back to the default).
BOUNDS = {"content_weight": {"choices": CONTENT_WEIGHTS}, "style_weight": {"choices": STYLE_WEIGHTS},
          "tv_weight": {"choices": TV_WEIGHTS}, "size": {"choices": SIZES}, "iterations": {"choices": ITERATIONS},
          "layers": {"choices": STYLE_LAYERS}, **{f"weight_{n}": {"choices": LAYER_WEIGHTS} for n in STYLE_LAYERS},
          "content_layer": {"choices": LAYERS}, "init": {"choices": list(INITS)},
          "optimizer": {"choices": list(OPTIMIZERS)}, "levels": {"lo": 1, "hi": 3},
          "style_scale": {"lo": 0.5, "hi": 2.0}, "gram_layer": {"choices": STYLE_LAYERS},
          "gram_channels": {"lo": 8, "hi": 64}}


def sci(v: float) -> str:
    """1e6 -> '10⁶', 3e5 -> '3·10⁵', 0.3 -> '0.3': weights read at a glance."""
    if v == 0 or 0.01 <= abs(v) < 1000:
        return f"{v:g}"
    exp = int(np.floor(np.log10(abs(v))))
    mant = round(v / 10**exp)
    if mant == 10:  # 9.9e14 rounds up to 10·10¹⁴: write 10¹⁵
        exp, mant = exp + 1, 1
    sup = str(exp).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return f"10{sup}" if mant == 1 else f"{mant}·10{sup}"


@st.cache_resource(show_spinner="Loading VGG19's convolutional layers…")
def style_net() -> StyleNet:
    """One frozen network for every session (read-only)."""
    return load_style_net()


def schedule_caption(settings: StyleSettings, label: str) -> str:
    plan = schedule(settings)
    return (f"VGG19 {label} · levels {' → '.join(str(side) for side, _ in plan)} px · "
            f"{sum(n for _, n in plan)} evaluations · one run at a time per two CPU cores.")


# ---------------------------------------------------------------- the painting job
@dataclass(frozen=True)
class Painting:
    """What a finished painting job returns: the transfer's result and a thinned film of it forming."""

    result: StyleResult
    frames: tuple[np.ndarray, ...]   # at most ~FILM_FRAMES pictures (H, W, 3) uint8, coarse ones smaller
    captions: tuple[str, ...]        # one per frame: "evaluation 40 / 90 · 128×85 px"


def painting_events(net: StyleNet, content_rgb: np.ndarray, style_rgb: np.ndarray, settings: StyleSettings,
                    *, keep: int = FILM_FRAMES) -> Iterator[StyleEvent]:
    """``transfer``'s events, unchanged, keeping every n-th frame for the GIF; returns a :class:`Painting`.

    The transfer lets go of each frame once a newer one exists; this keeps at most ``keep``
    of them, evenly spread: when the film is full, every other frame goes and the step doubles.
    Frames are shrunk to FILM_SIDE px (a GIF for slides, ~30 frames of ≤ 256 px: < 6 MB).
    Runs with ``training_threads()`` torch threads, like training: on a 2-core server one core
    stays free for everybody's slider moves and polls.
    """
    film: list[tuple[np.ndarray, str]] = []
    step, seen = 1, 0
    result = None
    threads_before = torch.get_num_threads()
    torch.set_num_threads(training_threads())  # all cores but one: the server stays quick for the class
    events = transfer(net, content_rgb, style_rgb, settings)
    try:
        while True:
            try:
                event = next(events)
            except StopIteration as stop:
                result = stop.value
                break
            if event.image is not None:
                if seen % step == 0:
                    film.append((_thumbnail(event.image), f"evaluation {event.iteration} / {event.total_iterations}"
                                 f" · {event.shape[1]}×{event.shape[0]} px"))
                    if len(film) > keep:
                        film, step = film[::2], step * 2
                seen += 1
            yield event
    finally:
        events.close()
        torch.set_num_threads(threads_before)
    h, w = result.image.shape[:2]
    film.append((_thumbnail(result.image), f"final · {result.evaluations} evaluations · {w}×{h} px"))
    return Painting(result=result, frames=tuple(f for f, _ in film), captions=tuple(c for _, c in film))


def _thumbnail(rgb: np.ndarray) -> np.ndarray:
    img = Image.fromarray(rgb)
    img.thumbnail((FILM_SIDE, FILM_SIDE), Image.Resampling.LANCZOS)
    return np.asarray(img)


def share_key(content, style, net: StyleNet, settings: StyleSettings) -> tuple:
    """Paintings with equal keys are identical (same pictures, network, settings, seed): computed once."""
    return ("style", content.key, style.key, net.status.label, repr(settings))


def paint_button(where, net: StyleNet, content, style, settings: StyleSettings) -> None:
    """Paint (or Restart): queue a transfer of these pictures with these settings (shared with whoever asks
    for exactly the same)."""
    content_rgb, style_rgb = content.rgb, style.rgb
    PAINTING.start_button("Paint", lambda: painting_events(net, content_rgb, style_rgb, settings), context=settings,
                          share_key=share_key(content, style, net, settings), restart_label="Restart", where=where,
                          icon=":material/brush:", width="stretch", help=runner_limits())


def painting_panel(fs: int, present: bool, label: str) -> None:
    """Progress, Stop, the picture as it forms, loss curves and their numbers (polled while unfinished)."""
    PAINTING.show(_painting_progress, lambda job, settings: _live_view(job, settings, fs, present, label),
                  starting="Starting: computing the style and content targets…",
                  idle="Choose a content photo and a style picture, then press **Paint**. "
                       "The picture forms live here, with its loss curves beside it.")


def _painting_progress(job, settings: StyleSettings) -> ProgressLine | None:
    latest: StyleEvent | None = job.latest
    if latest is None:
        return None
    h, w = latest.shape
    return ProgressLine(fraction=latest.iteration / latest.total_iterations, eta_s=latest.eta_s,
                        text=f"**Evaluation {latest.iteration} / {latest.total_iterations}** · level "
                             f"{latest.level + 1} ({w}×{h} px) · {duration(latest.elapsed_s)}")


def newest_frame(events: list[StyleEvent]) -> StyleEvent | None:
    for event in reversed(events):
        if event.image is not None:  # older frames have given their pixels back
            return event
    return None


def _newest_picture(job) -> tuple[int, np.ndarray] | None:
    """(number of events it belongs to, picture): the final one, else the newest frame."""
    if job.result is not None:
        return job.n_events, job.result.result.image
    events = job.events
    for i in range(len(events) - 1, -1, -1):
        image = events[i].image  # read once: the transfer may drop it at any moment
        if image is not None:
            return i, image
    return None


def output_image(fallback: np.ndarray) -> np.ndarray:
    """The finished (or stopped) painting, else ``fallback`` (what a run starts from).

    Not the newest frame of a running painting: the Gram section is drawn by whole-page runs only,
    so it would show whichever frame was newest at a click, and a class pressing Paint on a running
    shared painting would each pay a VGG pass and two new figures for it (issue 10). It shows the
    start picture while the painting forms and the result once it has ended."""
    job = PAINTING.job
    picture = _newest_picture(job) if job is not None and job.is_finished else None
    return picture[1] if picture is not None else fallback


def _png(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    return buf.getvalue()


@st.cache_resource(max_entries=32, show_spinner=False)
def _frame_png(run_id: int, event_index: int, _rgb: np.ndarray) -> bytes:
    """A frame encoded once for every page watching the run (a poll with no new frame re-sends the same bytes)."""
    return _png(_rgb)


class NewestFigure:
    """One chart of a running job, shared by every page polling it: rebuilt when the job has new events, at
    most every ``refresh_s`` seconds while it runs (5 pages polling a painting would otherwise each build their
    own, one event apart: ~40 ms each), and at once when it has finished (read-only once built)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._made: tuple[int, float, object] | None = None  # (events it shows, when built, figure)

    def get(self, n_events: int, finished: bool, build, *, refresh_s: float = 0.4):
        with self._lock:
            now, made = time.monotonic(), self._made
            if made is None or (made[0] != n_events and (finished or now - made[1] >= refresh_s)):
                self._made = made = (n_events, now, build())
            return made[2]


@st.cache_resource(max_entries=32, show_spinner=False)
def _loss_figures(run_id: int, fs: int, height: int) -> NewestFigure:
    return NewestFigure()


def _loss_figure(job, n_events: int, events, settings: StyleSettings, fs: int, height: int):
    """The loss curves of ``job`` (see ``NewestFigure``)."""
    def build():
        fig = loss_curves(events, settings, font_size=fs, height=height)
        # Sizes set on every text: Streamlit's chart theme would otherwise shrink ticks and legend to 12 px.
        fig.update_xaxes(tickfont_size=fs, title_font_size=fs)
        fig.update_yaxes(tickfont_size=fs, title_font_size=fs)
        return fig.update_layout(legend_font_size=fs)
    return _loss_figures(job.run_id, fs, height).get(n_events, job.is_finished, build, refresh_s=PAINTING.poll_s)


@st.cache_resource(max_entries=16, show_spinner=False)
def _jpeg(key: str, shape: tuple[int, ...], _rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(_rgb).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def picture_jpeg(picked) -> bytes:
    """A picked content or style picture (``ui.image_picker.PickedImage``) encoded once for every rerun and
    visitor, instead of on every rerun by ``st.image``."""
    return _jpeg(picked.key, picked.rgb.shape, picked.rgb)


@st.cache_resource(max_entries=8, show_spinner="Drawing the GIF…")
def progression_gif(run_id: int, _painting: Painting) -> bytes:
    """The painting forming, as an animated GIF for slides (made on the first click, once per run)."""
    return exports.style_progression_gif(list(_painting.frames), captions=list(_painting.captions), fps=4)


def _live_view(job, settings: StyleSettings, fs: int, present: bool, label: str) -> None:
    n_events = job.n_events
    events = job.events_since(0)[:n_events]
    left, right = st.columns([1, 1.1] if present else [1.1, 1], gap="large")
    picture = _newest_picture(job)
    if picture is not None:
        index, image = picture
        h, w = image.shape[:2]
        caption = f"Output — {label}" + (" (forming…)" if not job.is_finished else "")
        with left.container(key=OUTPUT_KEY):
            st.image(_frame_png(job.run_id, index, image), caption=caption,
                     width=min(PROJECTED_IMAGE_W, round(PROJECTED_IMAGE_H * w / h)) if present else "stretch")
        if job.is_finished:
            _picture_downloads(left, job, image)
    if events:
        with right.container(key=LOSS_KEY):
            st.plotly_chart(_loss_figure(job, n_events, events, settings, fs, figure_height(380, PROJECTED_LOSS_PX)),
                            width="stretch", config=PLOT_CONFIG, key="sty_loss")
        with right:
            explain_numbers(events[-1].losses if job.result is None else job.result.result.losses, settings,
                            present)


def _picture_downloads(where, job, image: np.ndarray) -> None:
    """The final picture (PNG) and, for a finished run, its forming as a GIF: bytes made only when clicked."""
    cols = where.columns(2)
    cols[0].download_button("Download PNG", lambda: _png(image), file_name="convscope-style.png", mime="image/png",
                            icon=":material/download:", on_click="ignore", width="stretch")
    painting: Painting | None = job.result
    if painting is not None:
        run_id = job.run_id
        cols[1].download_button(f"Progression (GIF, {len(painting.frames)} frames)",
                                lambda: progression_gif(run_id, painting), file_name="convscope-style.gif",
                                mime="image/gif", icon=":material/animation:", on_click="ignore", width="stretch")


def explain_numbers(losses: dict[str, float], s: StyleSettings, present: bool) -> None:
    """Content loss, style loss and their weights, in words, with the current numbers."""
    w = weighted_terms(losses, s)
    st.markdown(
        f"**<span style='color:{COLOURS['content']}'>Content loss</span>** — at `{s.content_layer}`, the "
        f"output's feature maps are compared with the content photo's, activation by activation: mean squared "
        f"difference **{losses['content']:.3g}**, × α = {sci(s.content_weight)} → **{w['content']:.3g}**.  \n"
        f"**<span style='color:{COLOURS['style']}'>Style loss</span>** — at each style layer, the Gram "
        f"matrix (how strongly every pair of feature maps fires *together*, wherever in the picture) is compared "
        f"with the painting's: weighted sum of mean squared differences **{losses['style']:.3g}**, "
        f"× β = {sci(s.style_weight)} → **{w['style']:.3g}**."
        + (f"  \n**TV loss** (smoothness) {losses['tv']:.3g} × γ = {sci(s.tv_weight)} → {w['tv']:.3g}."
           if s.tv_weight else "")
        + f"  \n**Total** = **{losses['total']:.3g}**. "
        f"Style/content ratio β/α = {sci(s.style_weight / s.content_weight)}: "
        "raise it for more painting, lower it for more photo. (How these means relate to the lecture's "
        "½Σ sums: see the footnote under the Gram matrices.)", unsafe_allow_html=True)
    if not present:
        rows = {name: losses.get(f"style/{name}") for name in s.active_style_layers}
        st.caption("Style term per layer (mean squared Gram difference, before its layer weight): " + " · ".join(
            f"`{n}` {v:.2g}" for n, v in rows.items() if v is not None))


# ---------------------------------------------------------------- Gram matrices
@st.cache_data(max_entries=16, show_spinner="Computing Gram matrices…")
def _gram_view(style_key: str, _style_rgb: np.ndarray, output_rgb: np.ndarray, layer: str, style_scale: float,
               k: int) -> GramView:
    # output_rgb is hashed (it changes as the painting forms); style_key names the style image.
    return gram_view(style_net(), _style_rgb, output_rgb, layer, style_scale=style_scale, channels=k)


@st.cache_resource(max_entries=16, show_spinner=False)
def _gram_figures(key: tuple, _view: GramView):
    """The section's two figures, built once per (style, output, layer, channels, size) for every visitor."""
    fs, present = key[-2], key[-1]
    heatmaps = gram_heatmaps(_view.style_gram, _view.output_gram, _view.channels, layer=_view.layer, font_size=fs,
                             height=520 if present else 440)
    maps = feature_map_grid(_view.style_maps, _view.output_maps, _view.channels[:len(_view.style_maps)],
                            font_size=fs, height=380 if present else 320)
    return heatmaps, maps


def gram_section(page: StylePageSettings, style, output: np.ndarray, fs: int, present: bool) -> None:
    st.header("Inside the style loss: Gram matrices")
    c1, c2 = st.columns([1, 3])
    c1.selectbox("Layer", STYLE_LAYERS, key=KEY["gram_layer"])
    if not present:
        c1.slider("Channels shown", 8, 64, step=8, key=KEY["gram_channels"],
                  help="The most active channels of the style image at this layer, strongest first.")
    layer = page.gram_layer
    view = _gram_view(style.key, style.rgb, output, layer, page.style_scale, page.gram_channels)
    h, w = view.map_shape
    c1.markdown(
        f"`{layer}` has **C = {view.n_channels}** feature maps; on the output each is {w}×{h}. Flatten each "
        f"map into a row: **F** is {view.n_channels}×{h * w}. Then **G = F Fᵀ / (C·H·W)** is "
        f"{view.n_channels}×{view.n_channels}: entry G[i, j] is large when maps i and j are strong *at the same "
        "places* — it records which features occur together, and forgets *where*. That is why it captures "
        "texture and colour (style) but not the layout (content).")
    c1.markdown(f"This layer's style term: mean of (G − A)² over all {view.n_channels}² entries = "
                f"**{view.layer_loss:.3g}**. The painting forms as the right matrix comes to look like the left.")
    heatmaps, maps = _gram_figures((style.key, hashlib.sha1(output.tobytes()).hexdigest(), layer, page.style_scale,
                                    page.gram_channels, fs, present), view)
    c2.plotly_chart(heatmaps, width="stretch", config=PLOT_CONFIG)
    c2.plotly_chart(maps, width="stretch", config=PLOT_CONFIG)
    c2.caption("Top: the style image's feature maps for the channels with the largest G[i, i]; bottom: the same "
               "channels on the output. Their products, summed over all positions, are the Gram entries above.")
    c1.download_button("Gram matrices (PNG, for slides)", lambda: gram_png(view), file_name=f"gram-{layer}.png",
                       mime="image/png", icon=":material/image:", on_click="ignore")
    lecture_footnote(view, page, output.shape[:2])


def gram_png(view: GramView) -> bytes:
    """The two Gram matrices of the section, side by side (made when the button is clicked)."""
    grams = {"style picture A": view.style_gram, "output G": view.output_gram}
    return exports.gram_heatmaps_png(grams, title=f"Gram matrices at {view.layer}: {len(view.channels)} most "
                                                  f"active of {view.n_channels} channels")


def lecture_footnote(view: GramView, page: StylePageSettings, output_hw: tuple[int, int]) -> None:
    """How the page's normalised losses relate to the lecture's ½Σ(F−P)² and G = FFᵀ, with this layer's numbers."""
    c, (h, w) = view.n_channels, view.map_shape
    chw = c * h * w
    # The content layer's size: VGG19 block b has 64·2^(b-1) maps (at most 512), after b-1 halvings.
    halvings = int(page.content_layer[4]) - 1
    cc, ch, cw = min(512, 64 * 2 ** halvings), output_hw[0] // 2 ** halvings, output_hw[1] // 2 ** halvings
    st.caption(
        "**Footnote: these numbers and the lecture's formulas.** The lecture writes G = F Fᵀ (a plain sum over "
        "the H·W positions), L_style = ½ Σ (G − A)² and L_content = ½ Σ (F − P)². This page divides so that the "
        "numbers do not depend on the picture's size: G by C·H·W, and each loss is a *mean* of squared "
        "differences instead of half their sum (the painting's A is divided by its own C·H·W, so a painting of "
        "another size still compares fairly).  \n"
        f"**Style**, at `{view.layer}`: C·H·W = {c}·{h}·{w} = {chw:,}, so the lecture's ½ Σ (G − A)² = "
        f"½·C²·(C·H·W)² × this page's term = {sci(0.5 * c * c * chw * chw)} × it. β = {sci(page.style_weight)} "
        f"here weighs this layer as β′ = 2β / (C²·(C·H·W)²) = {sci(2 * page.style_weight / (c * c * chw * chw))} "
        "would weigh the lecture's sum.  \n"
        f"**Content**, at `{page.content_layer}` ({cc} maps of {cw}×{ch}): ½ Σ (F − P)² = ½·{cc * ch * cw:,} × "
        f"the mean, so α = {sci(page.content_weight)} here is α′ = "
        f"{sci(2 * page.content_weight / max(1, cc * ch * cw))} on the lecture's sum.  \n"
        "So β looks huge next to α only because dividing G by C·H·W makes Gram entries, and their squared "
        "differences, tiny: it is the scale of the numbers, not a stronger pull towards style.")
