"""Kernel playground: slide a small kernel over a photo, multiply and add, and see what comes out."""
from __future__ import annotations

import streamlit as st

from explainer import kernels
from ui import run_inside_app
from ui.image_picker import image_picker
from ui.kernels_canny import draw_canny
from ui.kernels_matrix import matrix_view
from ui.kernels_widgets import KEYS, draw_filtered, draw_kernel, kernel_caption, kernel_of, part, preset_controls, \
    read_settings
from ui.sidebar import controls, intro, presentation
from ui.url_state import UrlState

run_inside_app()  # a cold deep link runs this file on its own: run it through app.py

PAIR_KEY = "kp_pair"           # the container of the main picture (original, result, kernel): CSS, tests
# Projected, the pictures stop short of the bottom of the screen whatever its size or the picture's shape
# (a server-side width would make Streamlit re-encode the picture on every rerun).
PROJECTED_CSS = f"""<style>
.st-key-{PAIR_KEY} [data-testid="stImage"] img {{ max-height: calc(100vh - 250px); width: auto !important;
  max-width: 100%; object-fit: contain; }}
</style>"""


# ---------------------------------------------------------------- the page
st.title("Kernel playground")
intro("A **kernel** (filter) is a small grid of weights. Slide it over the image: at every position "
      "multiply the pixels under it by the weights and add them up. That is all a convolution layer "
      "in a CNN does — here with kernels people designed by hand, in a CNN with kernels it learned.")
url = UrlState()
projected = presentation()
if projected:   # the pictures right under the title: the chooser in a compact row, the rest behind one button
    st.markdown(PROJECTED_CSS, unsafe_allow_html=True)
    c_choose, c_more = st.columns([1, 1.5], vertical_alignment="bottom")
    with c_more:
        popover = controls("Image & settings")
    c_params, c_img = popover.container(), popover.container()   # the kernel's own settings first
else:
    c_img, c_params, c_fig = st.columns(3, gap="large")
    c_choose = c_params
with c_img:
    picked = image_picker("img", url, max_side=512)
settings = read_settings(url, picked.rgb.shape[:2])
preset = kernels.PRESETS[settings.preset]
kernel, kernel_problem = kernel_of(settings, preset)
c_choose.selectbox("Kernel", list(kernels.PRESETS), key=KEYS["preset"],
                   format_func=lambda k: kernels.PRESETS[k].title)
with c_params:
    if not projected:
        st.caption(preset.about)
    preset_controls(settings, preset)
if kernel_problem:
    (st if projected else c_params).error(kernel_problem)

pictures = st.container(key=PAIR_KEY)
if projected:   # original | result | kernel (Canny: its six stages | the blur kernel)
    *shown_in, c_fig = pictures.columns([2, 0.62] if preset.kind == "canny" else [1, 1, 0.62], gap="small")
    pictures = shown_in[0] if preset.kind == "canny" else shown_in
elif preset.kind != "canny":
    pictures = pictures.columns(2)
if projected:   # what the kernel is, right under the pictures
    st.caption(f"**{preset.title}.** {preset.about} {kernel_caption(kernel, preset)}")
draw_kernel(kernel, preset, c_fig)
if preset.kind == "canny":
    draw_canny(picked, kernel, preset, settings, pictures, c_img)
else:
    draw_filtered(picked, kernel, preset, settings, pictures, c_fig, c_img)
part(matrix_view)(url, picked, kernels.sobel_x() if preset.kind == "canny" else kernel, settings)
url.write()
