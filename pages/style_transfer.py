"""Neural style transfer: a photo's content, a painting's style, two weights — watch it paint."""
import streamlit as st

from ui import run_inside_app
from explainer.images import fit_within, sample_images
from ui.image_picker import image_picker
from ui.sidebar import advanced, controls, font_size, intro, presentation
from ui.style_gram import gram_section
from ui.style_live_view import output_image, painting_panel
from ui.style_painting import paint_button
from ui.style_pictures import picture_jpeg, style_net
from ui.style_settings import (CONTENT_WEIGHTS, INITS, ITERATIONS, KEY, LAYER_WEIGHTS, LAYERS, OPTIMIZERS, SIZES,
                               STYLE_LAYERS, STYLE_WEIGHTS, TV_WEIGHTS, StylePageSettings, schedule_caption, sci)
from ui.url_state import UrlState

run_inside_app()  # a cold deep link runs this file on its own: run it through app.py

st.title("Neural style transfer")
intro("A frozen **VGG19** looks at three pictures. The pixels of the output are optimised so that its **deep "
      "feature maps** match the photo (*content*) and the **Gram matrices** of its feature maps match the "
      "painting (*style*): **L = α·L_content + β·L_style**. The network is never trained here — "
      "only the picture is.")

net = style_net()
present = presentation()
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

url = UrlState()
page = StylePageSettings.from_url(url)  # every control but the pictures, read once from the session/URL
samples = sample_images()


def pictures(boxes):
    """The content and style pickers, each with its picture (two columns inline, stacked when projected)."""
    with boxes[0].container(border=True):
        content = image_picker("sty_content", url, label="Content photo", default="chelsea", max_side=512)
        st.image(picture_jpeg(content), caption=content.caption, width="stretch")
    with boxes[1].container(border=True):
        style = image_picker("sty_style", url, label="Style picture", max_side=512,
                             default="file-starry_night" if "file-starry_night" in samples else "gravel")
        st.image(picture_jpeg(style), caption=style.caption, width="stretch")
    url.write()  # after the pickers: they bind their own keys
    return content, style


def main_controls(box) -> None:
    with box.container(border=True):
        st.select_slider("Style weight β (log scale)", STYLE_WEIGHTS, key=KEY["style_weight"], format_func=sci,
                         help="How much the Gram matrices of the output must match the painting's.")
        st.select_slider("Content weight α (log scale)", CONTENT_WEIGHTS, key=KEY["content_weight"],
                         format_func=sci, help="How much the deep feature maps of the output must match the photo's.")
        left, right = st.columns(2)
        left.select_slider("Output size (long side, px)", SIZES, key=KEY["size"])
        right.select_slider("Iterations at full size", ITERATIONS, key=KEY["iterations"],
                            help="Loss evaluations at full size; each smaller level gets two thirds as many "
                                 "(4x / 16x cheaper each).")
        st.pills("Style layers", STYLE_LAYERS, selection_mode="multi", key=KEY["layers"],
                 help="Which layers' Gram matrices count. Early layers: colours and fine texture; deep: larger "
                      "motifs.")
        left, right = st.columns(2)
        left.toggle("Keep colours", key=KEY["keep_colors"],
                    help="Transfer on luminance only, then put back the photo's colour (YCbCr chroma).")
        right.radio("Start from", list(INITS), key=KEY["init"], format_func=INITS.get, horizontal=True)


def more_settings() -> None:
    with advanced("More settings: layer weights, content layer, optimiser, smoothness, scales"):
        n = len(STYLE_LAYERS)
        for col, name in zip((st.container(),) * n if present else st.columns(n), STYLE_LAYERS):
            col.select_slider(f"weight {name}", LAYER_WEIGHTS, key=KEY[f"weight_{name}"],
                              disabled=name not in page.layers)
        cols = (st.container(),) * 5 if present else st.columns(5)
        cols[0].selectbox("Content layer", LAYERS, key=KEY["content_layer"], help="conv4_2 in Gatys et al.")
        cols[1].radio("Optimiser", list(OPTIMIZERS), key=KEY["optimizer"], format_func=OPTIMIZERS.get,
                      horizontal=True)
        cols[2].select_slider("Smoothness γ (total variation)", TV_WEIGHTS, key=KEY["tv_weight"], format_func=sci)
        cols[3].slider("Coarse-to-fine levels", 1, 3, key=KEY["levels"],
                       help="3: paint at ¼ and ½ size first, then refine at full size (faster). 1: full size only.")
        cols[4].slider("Style scale", 0.5, 2.0, step=0.25, key=KEY["style_scale"],
                       help="Size of the painting relative to the output: larger gives bigger brush strokes.")


# ---------------------------------------------------------------- pictures and controls
if present:  # projected: everything behind one button, so the forming picture sits under the title
    go_row = st.columns([1.2, 0.8, 4], vertical_alignment="center")
    with go_row[0], controls("Settings"):
        content, style = pictures((st, st))
        main_controls(st)
        more_settings()
    go_col, note_col = go_row[1], go_row[2]
else:
    c_content, c_style, c_ctrl = st.columns([1, 1, 1.3], gap="large")
    content, style = pictures((c_content, c_style))
    main_controls(c_ctrl)
    more_settings()

try:
    settings = page.transfer_settings()
except ValueError as err:  # e.g. no style layer and content weight 0
    st.error(str(err))
    st.stop()

# ---------------------------------------------------------------- paint, watch, look inside
if not present:
    go_col, note_col = st.columns([1, 4], vertical_alignment="center")
paint_button(go_col, net, content, style, settings)
note_col.caption(schedule_caption(settings, net.status.label))
painting_panel(font_size(), present, net.status.label)
gram_section(page, style, output_image(fit_within(content.rgb, settings.size)), font_size(), present)
