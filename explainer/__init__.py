"""ConvScope's computation: convolution, geometry, models, training, style transfer.

Nothing below this package imports streamlit, so every function can be used from a
test, a benchmark, a notebook or a page alike.
"""
