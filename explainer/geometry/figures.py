"""The sliding-window figure of any operation: ``geometry_figure`` picks the view that fits it.

Convolution and pooling slide a window (:mod:`~explainer.geometry.window_figure`); a transposed
convolution scatters each input cell into the output (:mod:`~explainer.geometry.transposed_figure`);
both draw on one shared canvas with client-side playback (:mod:`~explainer.geometry.canvas`).
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from explainer.geometry import arithmetic
from explainer.geometry.canvas import MAX_FRAMES, NUMBERS_MAX
from explainer.geometry.transposed_figure import transposed_figure
from explainer.geometry.window_figure import window_figure

__all__ = ["MAX_FRAMES", "NUMBERS_MAX", "geometry_figure", "transposed_figure", "window_figure"]


def geometry_figure(p: arithmetic.Plan, x: np.ndarray, w: np.ndarray, **kw) -> go.Figure:
    """The animated figure for any operation (see :func:`window_figure`, :func:`transposed_figure`)."""
    return (transposed_figure if p.setting.op == "transposed" else window_figure)(p, x, w, **kw)
