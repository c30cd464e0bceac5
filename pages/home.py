"""Landing page: what ConvScope shows and where to start."""
import streamlit as st

import ui  # noqa: F401  (first import routes a deep link through app.py)

st.title("ConvScope")
st.markdown(
    "#### See what a convolutional neural network does, one idea at a time.\n"
    "Every page runs the real computation — `torch.nn.functional.conv2d`, real VGG and ResNet "
    "layers, real MNIST training — on pictures you choose, and writes the numbers beside the picture."
)

TOUR = [
    ("pages/kernels.py", "Kernel playground",
     "An image is a matrix. Slide a small kernel over it, multiply and add: blur, sharpen, "
     "Sobel edges, Robinson compass, Canny step by step — or type your own kernel."),
    ("pages/geometry.py", "Padding & stride",
     "Why a 32×32 input gives a 28×28 feature map, what padding and stride change, "
     "pooling, dilation and transposed convolution, cell by cell."),
    ("pages/feature_maps.py", "Feature maps",
     "Open VGG or ResNet on your photo and look at every layer: edges early, parts later."),
    ("pages/mnist.py", "Live MNIST training",
     "Train a fully connected network and a CNN side by side and watch the curves move."),
    ("pages/style_transfer.py", "Neural style transfer",
     "Content from one image, style (Gram matrices) from a painting, mixed by two sliders."),
]

from pathlib import Path  # noqa: E402

root = Path(__file__).resolve().parent.parent
cols = st.columns(len([t for t in TOUR if (root / t[0]).is_file()]) or 1)
for col, (file, title, text) in zip(cols, [t for t in TOUR if (root / t[0]).is_file()]):
    with col.container(border=True):
        st.subheader(title)
        st.write(text)
        st.page_link(file, label=f"Open {title.lower()}", icon=":material/arrow_forward:")

st.caption("Tip for lecturers: switch on *Presentation mode* in the sidebar before projecting. "
           "Every page keeps its settings in the address bar, so a copied link restores the same view.")
