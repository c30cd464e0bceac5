"""Landing page: what ConvScope shows and where to start."""
from pathlib import Path

import streamlit as st

from ui import run_inside_app
from ui.menu import PAGES
from ui.sidebar import intro

run_inside_app()  # a cold deep link runs this file on its own: run it through app.py

ROOT = Path(__file__).resolve().parent.parent

#: (page file, title, one line in the lecture's words), in the lecture's order.
CARDS = [
    ("pages/tour.py", "Lecture tour",
     "The whole lecture, step by step: each step opens a page in exactly the state the point needs."),
    ("pages/kernels.py", "Kernel playground",
     "An image is a matrix. Slide a small kernel over it, multiply and add: blur, sharpen, "
     "Sobel edges, Robinson compass, Canny step by step — or type your own kernel."),
    ("pages/geometry.py", "Padding & stride",
     "Why a 32×32 input gives a 28×28 feature map, what padding and stride change, "
     "pooling, dilation and transposed convolution, cell by cell."),
    ("pages/mnist.py", "Live MNIST training",
     "Train a fully connected network and a CNN side by side and watch the curves move."),
    ("pages/feature_maps.py", "Feature maps",
     "Open VGG or ResNet on your photo and look at every layer: edges early, parts later."),
    ("pages/architectures.py", "Architectures",
     "From LeNet to ResNet: every torchvision classifier's accuracy against its cost, VGG's A–E table, "
     "Inception and depthwise calculators, and vanishing gradients with and without shortcuts, live."),
    ("pages/augmentation.py", "Data augmentation",
     "Little data? Shift, rotate, scale and crop it: more examples for free, and a network that "
     "shrugs off those changes. Measured on small training sets."),
    ("pages/transfer.py", "Transfer learning",
     "Reuse what a network learned elsewhere: freeze its layers, train only a new head — on digits "
     "and on your own photos."),
    ("pages/style_transfer.py", "Neural style transfer",
     "Content from one image, style (Gram matrices) from a painting, mixed by two sliders."),
]

st.title("ConvScope")
st.markdown("#### See what a convolutional neural network does, one idea at a time.")
intro("Every page runs the real computation — `torch.nn.functional.conv2d`, real VGG and ResNet "
      "layers, real MNIST training — on pictures you choose, and writes the numbers beside the picture.")

in_menu = {file for file, *_ in PAGES}
cards = [card for card in CARDS if card[0] in in_menu and (ROOT / card[0]).is_file()]
per_row = 4
for start in range(0, len(cards), per_row):
    for col, (file, title, text) in zip(st.columns(per_row), cards[start:start + per_row]):
        with col.container(border=True):
            st.subheader(title)
            st.write(text)
            st.page_link(file, label=f"Open {title.lower()}", icon=":material/arrow_forward:")

st.caption("Tip for lecturers: switch on *Presentation mode* in the sidebar before projecting. "
           "Every page keeps its settings in the address bar, so a copied link restores the same view.")
