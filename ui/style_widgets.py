"""Pieces of the style-transfer page: settings table, job start/stop, live panel, Gram section."""
from __future__ import annotations

import io

import numpy as np
import streamlit as st
from PIL import Image

from explainer.style import figures
from explainer.device import best_device
from explainer.jobs import FAILED, STOPPED, default_runner
from explainer.style.transfer import GramView, StyleEvent, StyleSettings, gram_view, schedule, transfer  # noqa: F401
from explainer.style.net import CONTENT_LAYER, LAYERS, STYLE_LAYERS, StyleNet, load_style_net

JOB, META, SHOWN = "sty_job", "sty_job_meta", "sty_final_shown"
POLL_S = 0.7
CONTENT_WEIGHTS = [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0]
STYLE_WEIGHTS = [1e3, 3e3, 1e4, 3e4, 1e5, 3e5, 1e6, 3e6, 1e7, 3e7, 1e8, 3e8, 1e9]
TV_WEIGHTS = [0.0, 0.1, 1.0, 10.0, 100.0, 1000.0]
LAYER_WEIGHTS = [0.1, 0.2, 0.5, 1.0, 2.0, 5.0]
SIZES = [64, 96, 128, 160, 192, 256, 320, 384] + ([512, 768] if best_device().type != "cpu" else [])
ITERATIONS = [10, 20, 30, 45, 60, 90, 120, 150, 200, 300]
INITS = {"content": "content image", "noise": "noise", "style": "style image"}
OPTIMIZERS = {"lbfgs": "L-BFGS", "adam": "Adam"}
PLOT_CONFIG = {"displaylogo": False}

#: (url key, default, UrlState.bind extras): the page's settings, all restorable from a link.
SETTINGS = [
    ("cw", 1.0, dict(choices=CONTENT_WEIGHTS)),
    ("sw", 1e6, dict(choices=STYLE_WEIGHTS)),
    ("tv", 0.0, dict(choices=TV_WEIGHTS)),
    ("size", 256, dict(choices=SIZES)),
    ("iters", 90, dict(choices=ITERATIONS)),
    ("layers", list(STYLE_LAYERS), dict(choices=STYLE_LAYERS)),
    *[(f"w_{name}", 1.0, dict(choices=LAYER_WEIGHTS)) for name in STYLE_LAYERS],
    ("clayer", CONTENT_LAYER, dict(choices=LAYERS)),
    ("init", "content", dict(choices=list(INITS))),
    ("opt", "lbfgs", dict(choices=list(OPTIMIZERS))),
    ("keep", False, {}),
    ("levels", 3, dict(lo=1, hi=3)),
    ("sscale", 1.0, dict(lo=0.5, hi=2.0)),
    ("gram_layer", "conv1_1", dict(choices=STYLE_LAYERS)),
    ("gram_k", 24, dict(lo=8, hi=64)),
]


def sci(v: float) -> str:
    """1e6 -> '10⁶', 3e5 -> '3·10⁵', 0.3 -> '0.3': weights read at a glance."""
    if v == 0 or 0.01 <= abs(v) < 1000:
        return f"{v:g}"
    exp = int(np.floor(np.log10(abs(v))))
    mant = round(v / 10**exp)
    sup = str(exp).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return f"10{sup}" if mant == 1 else f"{mant}·10{sup}"


@st.cache_resource(show_spinner="Loading VGG19's convolutional layers…")
def style_net() -> StyleNet:
    """One frozen network for every session (read-only)."""
    return load_style_net()


def settings_from_state(k: dict[str, str]) -> StyleSettings:
    s = st.session_state
    iters = s[k["iters"]]
    return StyleSettings(
        size=s[k["size"]], iterations=iters, coarse_iterations=iters * 2 // 3, levels=s[k["levels"]],
        content_weight=s[k["cw"]], style_weight=s[k["sw"]], tv_weight=s[k["tv"]],
        content_layer=s[k["clayer"]],
        style_layers={name: s[k[f"w_{name}"]] for name in STYLE_LAYERS if name in s[k["layers"]]},
        init=s[k["init"]], optimizer=s[k["opt"]], keep_colors=s[k["keep"]], style_scale=s[k["sscale"]])


# ---------------------------------------------------------------- the job
def start_job(net: StyleNet, content, style, settings: StyleSettings) -> None:
    """Queue a transfer on the shared runner (one heavy job per CPU pair) and remember it."""
    old = st.session_state.get(JOB)
    if old is not None and not old.is_finished:
        old.cancel()
    content_rgb, style_rgb = content.rgb, style.rgb
    job = default_runner().submit("style transfer", lambda: transfer(net, content_rgb, style_rgb, settings))
    st.session_state[JOB] = job
    st.session_state[META] = {"settings": settings, "content": content, "style": style}


def newest_frame(events: list[StyleEvent]) -> StyleEvent | None:
    for event in reversed(events):
        if event.image is not None:  # older frames have given their pixels back
            return event
    return None


def output_image(fallback: np.ndarray) -> np.ndarray:
    """The newest painted frame, else ``fallback`` (what a run would start from)."""
    job = st.session_state.get(JOB)
    if job is not None:
        if job.result is not None:
            return job.result.image
        frame = newest_frame(job.events)
        if frame is not None and frame.image is not None:
            return frame.image
    return fallback


def _png(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    return buf.getvalue()


def _fmt_s(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def live_panel(fs: int, present: bool, label: str) -> None:
    """The image as it forms, progress, Stop, download, loss curves and their numbers (polled)."""
    job, meta = st.session_state.get(JOB), st.session_state.get(META)
    if job is None:
        st.info("Choose a content photo and a style picture, then press **Paint**. "
                "The picture forms live here, with its loss curves beside it.")
        return
    job.touch()  # the page is still watching
    events, settings = job.events, meta["settings"]
    left, right = st.columns([1.1, 1], gap="large")
    with left:
        frame = newest_frame(events)
        image = job.result.image if job.result is not None else (frame.image if frame else None)
        if image is not None:
            st.image(image, caption=f"Output — {label}" + (" (forming…)" if not job.is_finished else ""),
                     width="stretch")
        latest = events[-1] if events else None
        if job.state == "queued":
            st.warning(f"Waiting for a free CPU pair: position {job.queue_position()} in the queue "
                       "(one style transfer at a time per two cores).", icon=":material/hourglass_top:")
        elif latest is None and not job.is_finished:
            st.progress(0.0, text="Starting: computing the style and content targets…")
        elif latest is not None:
            h, w = latest.shape
            status = {"running": f"ETA {_fmt_s(latest.eta_s)}", "done": "done", "stopped": "stopped",
                      "failed": "failed"}[job.state]
            st.progress(latest.iteration / latest.total_iterations,
                        text=f"**Evaluation {latest.iteration} / {latest.total_iterations}** · level "
                             f"{latest.level + 1} ({w}×{h} px) · {_fmt_s(latest.elapsed_s)} · {status}")
        if job.state == FAILED:
            st.error(f"The transfer failed: {job.error}")
        elif job.state == STOPPED and job.error:
            st.warning(f"The transfer was {job.error}.")
        b1, b2 = st.columns(2)
        if not job.is_finished and b1.button("Stop", icon=":material/stop:", width="stretch"):
            job.cancel()
            job.wait(5)
            st.session_state[SHOWN] = job.id
            st.rerun()
        if image is not None:
            b2.download_button("Download PNG", _png(image), file_name="convscope-style.png", mime="image/png",
                               icon=":material/download:", on_click="ignore", width="stretch")
    with right:
        if events:
            st.plotly_chart(figures.loss_curves(events, settings, font_size=fs, height=460 if present else 380),
                            width="stretch", config=PLOT_CONFIG)
            explain_numbers(events[-1].losses if job.result is None else job.result.losses, settings, present)
    if job.is_finished and st.session_state.get(SHOWN) != job.id:
        st.session_state[SHOWN] = job.id
        st.rerun()  # whole page: stop polling, refresh the Gram section with the final image


def explain_numbers(losses: dict[str, float], s: StyleSettings, present: bool) -> None:
    """Content loss, style loss and their weights, in words, with the current numbers."""
    w = figures.weighted_terms(losses, s)
    st.markdown(
        f"**<span style='color:{figures.COLOURS['content']}'>Content loss</span>** — at `{s.content_layer}`, the output's "
        f"feature maps are compared with the content photo's, activation by activation: mean squared difference "
        f"**{losses['content']:.3g}**, × α = {sci(s.content_weight)} → **{w['content']:.3g}**.  \n"
        f"**<span style='color:{figures.COLOURS['style']}'>Style loss</span>** — at each style layer, the Gram matrix "
        f"(how strongly every pair of feature maps fires *together*, wherever in the picture) is compared with "
        f"the painting's: weighted sum of mean squared differences **{losses['style']:.3g}**, "
        f"× β = {sci(s.style_weight)} → **{w['style']:.3g}**."
        + (f"  \n**TV loss** (smoothness) {losses['tv']:.3g} × γ = {sci(s.tv_weight)} → {w['tv']:.3g}."
           if s.tv_weight else "")
        + f"  \n**Total** = **{losses['total']:.3g}**. "
        f"Style/content ratio β/α = {sci(s.style_weight / s.content_weight)}: "
        "raise it for more painting, lower it for more photo.", unsafe_allow_html=True)
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


def gram_section(k: dict[str, str], style, output: np.ndarray, fs: int, present: bool) -> None:
    st.header("Inside the style loss: Gram matrices")
    c1, c2 = st.columns([1, 3])
    c1.selectbox("Layer", STYLE_LAYERS, key=k["gram_layer"])
    if not present:
        c1.slider("Channels shown", 8, 64, step=8, key=k["gram_k"],
                  help="The most active channels of the style image at this layer, strongest first.")
    layer = st.session_state[k["gram_layer"]]
    view = _gram_view(style.key, style.rgb, output, layer, st.session_state[k["sscale"]],
                      st.session_state[k["gram_k"]])
    h, w = view.map_shape
    c1.markdown(
        f"`{layer}` has **C = {view.n_channels}** feature maps; on the output each is {w}×{h}. Flatten each "
        f"map into a row: **F** is {view.n_channels}×{h * w}. Then **G = F Fᵀ / (C·H·W)** is "
        f"{view.n_channels}×{view.n_channels}: entry G[i, j] is large when maps i and j are strong *at the same "
        "places* — it records which features occur together, and forgets *where*. That is why it captures "
        "texture and colour (style) but not the layout (content).")
    c1.markdown(f"This layer's style term: mean of (G − A)² over all {view.n_channels}² entries = "
                f"**{view.layer_loss:.3g}**. The painting forms as the right matrix comes to look like the left.")
    c2.plotly_chart(figures.gram_heatmaps(view.style_gram, view.output_gram, view.channels, layer=layer,
                                     font_size=fs, height=520 if present else 440),
                    width="stretch", config=PLOT_CONFIG)
    c2.plotly_chart(figures.feature_map_grid(view.style_maps, view.output_maps, view.channels[:len(view.style_maps)],
                                        font_size=fs, height=380 if present else 320),
                    width="stretch", config=PLOT_CONFIG)
    c2.caption("Top: the style image's feature maps for the channels with the largest G[i, i]; bottom: the same "
               "channels on the output. Their products, summed over all positions, are the Gram entries above.")
