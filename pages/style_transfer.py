"""Neural style transfer: a photo's content, a painting's style, two weights — watch it paint."""
import streamlit as st

import ui  # noqa: F401  (first import routes a deep link through app.py)
from explainer.images import fit_within, sample_images
from ui import style_widgets as W
from ui.image_picker import image_picker
from ui.sidebar import advanced, font_size, presentation
from ui.url_state import UrlState

url = UrlState()
fs = font_size()
present = presentation()
st.title("Neural style transfer")
st.markdown(
    "A frozen **VGG19** looks at three pictures. The pixels of the output are optimised so that its **deep "
    "feature maps** match the photo (*content*) and the **Gram matrices** of its feature maps match the "
    "painting (*style*): **L = α·L_content + β·L_style**. The network is never trained here — "
    "only the picture is.")

net = W.style_net()
if not net.pretrained and present:
    st.warning("**UNTRAINED network (no pretrained weights here): the pictures are not meaningful** — "
               "the losses, Gram matrices and optimiser are real.", icon=":material/warning:")
elif not net.pretrained:
    st.warning(
        "**UNTRAINED network — the pictures are not meaningful.** The pretrained ImageNet weights of VGG19 "
        "could not be loaded, so its filters are random. Style transfer works because a *trained* VGG's "
        "feature maps respond to edges, textures and object parts; random filters respond to arbitrary "
        "patterns, so 'content' and 'style' are measured by meaningless features. Everything still runs — the "
        "same losses, Gram matrices and optimiser — so the mechanics can be shown, not the art.  \n"
        f"_{net.status.message}_", icon=":material/warning:")
label = net.status.label

# ---------------------------------------------------------------- pictures and main controls
k = {name: url.bind(f"sty_{name}", default, **extra) for name, default, extra in W.SETTINGS}
samples = sample_images()
default_style = "file-starry_night" if "file-starry_night" in samples else "gravel"
c_content, c_style, c_ctrl = st.columns([1, 1, 1.3], gap="large")
with c_content.container(border=True):
    content = image_picker("sty_content", url, label="Content photo", default="chelsea", max_side=512)
    st.image(content.rgb, caption=content.caption, width="stretch")
with c_style.container(border=True):
    style = image_picker("sty_style", url, label="Style picture", default=default_style, max_side=512)
    st.image(style.rgb, caption=style.caption, width="stretch")
with c_ctrl.container(border=True):
    st.select_slider("Style weight β (log scale)", W.STYLE_WEIGHTS, key=k["sw"], format_func=W.sci,
                     help="How much the Gram matrices of the output must match the painting's.")
    st.select_slider("Content weight α (log scale)", W.CONTENT_WEIGHTS, key=k["cw"], format_func=W.sci,
                     help="How much the deep feature maps of the output must match the photo's.")
    a, b = st.columns(2)
    a.select_slider("Output size (long side, px)", W.SIZES, key=k["size"])
    b.select_slider("Iterations at full size", W.ITERATIONS, key=k["iters"],
                    help="Loss evaluations at full size; each smaller level gets two thirds as many "
                         "(4x / 16x cheaper each).")
    st.pills("Style layers", W.STYLE_LAYERS, selection_mode="multi", key=k["layers"],
             help="Which layers' Gram matrices count. Early layers: colours and fine texture; deep: larger motifs.")
    a, b = st.columns(2)
    a.toggle("Keep colours", key=k["keep"],
             help="Transfer on luminance only, then put back the photo's colour (YCbCr chroma).")
    b.radio("Start from", list(W.INITS), key=k["init"], format_func=W.INITS.get, horizontal=True)
with advanced("More settings: layer weights, content layer, optimiser, smoothness, scales"):
    cols = st.columns(len(W.STYLE_LAYERS))
    for col, name in zip(cols, W.STYLE_LAYERS):
        col.select_slider(f"weight {name}", W.LAYER_WEIGHTS, key=k[f"w_{name}"],
                          disabled=name not in st.session_state[k["layers"]])
    a, b, c, d, e = st.columns(5)
    a.selectbox("Content layer", W.LAYERS, key=k["clayer"], help="conv4_2 in Gatys et al.")
    b.radio("Optimiser", list(W.OPTIMIZERS), key=k["opt"], format_func=W.OPTIMIZERS.get, horizontal=True)
    c.select_slider("Smoothness γ (total variation)", W.TV_WEIGHTS, key=k["tv"], format_func=W.sci)
    d.slider("Coarse-to-fine levels", 1, 3, key=k["levels"],
             help="3: paint at ¼ and ½ size first, then refine at full size (faster). 1: full size only.")
    e.slider("Style scale", 0.5, 2.0, step=0.25, key=k["sscale"],
             help="Size of the painting relative to the output: larger gives bigger brush strokes.")
url.write()

try:
    settings = W.settings_from_state(k)
except ValueError as err:  # e.g. no style layer and content weight 0
    st.error(str(err))
    st.stop()

# ---------------------------------------------------------------- paint, watch, look inside
job = st.session_state.get(W.JOB)
running = job is not None and not job.is_finished
go_col, note_col = st.columns([1, 4], vertical_alignment="center")
if go_col.button("Restart" if running else "Paint", type="primary",
                 icon=":material/brush:", width="stretch"):
    W.start_job(net, content, style, settings)
    st.rerun()
note_col.caption(f"VGG19 {label} · levels {' → '.join(str(s) for s, _ in W.schedule(settings))} px · "
                 f"{sum(n for _, n in W.schedule(settings))} evaluations · one run at a time per two CPU cores.")

st.fragment(run_every=W.POLL_S if running else None)(W.live_panel)(fs, present, label)
W.gram_section(k, style, W.output_image(fit_within(content.rgb, settings.size)), fs, present)
