"""The painting panel: progress, the picture as it forms, its loss curves and numbers, its downloads."""
from __future__ import annotations

import numpy as np
import streamlit as st

from explainer import exports
from explainer.style import COLOURS, StyleEvent, StyleSettings, weighted_terms

from .job_panel import ProgressLine, duration
from .sidebar import figure_height
from .style_loss_chart import loss_figure
from .style_painting import PAINTING, Painting
from .style_pictures import frame_png, png
from .style_settings import PLOT_CONFIG, sci

OUTPUT_KEY, LOSS_KEY = "sty_output", "sty_loss_box"  # containers of the main picture (the browser test finds them)
PROJECTED_IMAGE_H, PROJECTED_IMAGE_W = 400, 600  # projected: the output's height (and widest), px
PROJECTED_LOSS_PX = 400    # projected: the loss chart's height, px


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
            st.image(frame_png(job.run_id, index, image), caption=caption,
                     width=min(PROJECTED_IMAGE_W, round(PROJECTED_IMAGE_H * w / h)) if present else "stretch")
        if job.is_finished:
            _picture_downloads(left, job, image)
    if events:
        with right.container(key=LOSS_KEY):
            st.plotly_chart(loss_figure(job, n_events, events, settings, fs, figure_height(380, PROJECTED_LOSS_PX)),
                            width="stretch", config=PLOT_CONFIG, key="sty_loss")
        with right:
            explain_numbers(events[-1].losses if job.result is None else job.result.result.losses, settings,
                            present)


def _picture_downloads(where, job, image: np.ndarray) -> None:
    """The final picture (PNG) and, for a finished run, its forming as a GIF: bytes made only when clicked."""
    cols = where.columns(2)
    cols[0].download_button("Download PNG", lambda: png(image), file_name="convscope-style.png", mime="image/png",
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
