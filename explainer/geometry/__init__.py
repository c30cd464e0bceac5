"""The padding & stride page's computation: output sizes and index maps (pure arithmetic), the
same layers built in torch to check them, stacks of layers, the lecture's examples, figures, and
the sliding window as an animated GIF.

Use it as ``from explainer import geometry`` then ``geometry.plan(geometry.Setting(...))``.
"""
from explainer.geometry.arithmetic import (
    OPERATIONS, PADDING_MODES, CellSum, GeometryError, Pair, Plan, Setting, conv_output_size, feeds, formula,
    format_number, full_size, is_padding, output_cell, padded_input, parameter_count, plan, pool_output_size,
    positions, same_padding, scatter, signed_number, slide, transposed_output_size, window,
)
from explainer.geometry.examples import EXAMPLES, EXAMPLES_BY_KEY, INPUT_VALUES, KERNEL_VALUES, Example, cell_values
from explainer.geometry.figures import MAX_FRAMES, NUMBERS_MAX, geometry_figure
from explainer.geometry.gif import GifError, StepSum, animatable, animation_frames, padding_stride_gif, window_sums
from explainer.geometry.settings import GeometrySettings
from explainer.geometry.stacks import LENET, Reach, Stage, max_pool_pyramid, reach_back, receptive_field, shape_walk
from explainer.geometry.torch_layers import expected_shape, torch_line, torch_module, torch_shape
from explainer.geometry.volumes import channels_figure, lenet_figure, pyramid_figure, receptive_field_figure

__all__ = [
    # arithmetic: one axis, a whole setting, index maps, the readable loops
    "OPERATIONS", "PADDING_MODES", "CellSum", "GeometryError", "Pair", "Plan", "Setting", "conv_output_size",
    "feeds", "formula", "format_number", "full_size", "is_padding", "output_cell", "padded_input",
    "parameter_count", "plan", "pool_output_size", "positions", "same_padding", "scatter", "signed_number",
    "slide", "transposed_output_size", "window",
    # examples: the lecture's settings and cell values
    "EXAMPLES", "EXAMPLES_BY_KEY", "INPUT_VALUES", "KERNEL_VALUES", "Example", "cell_values",
    # settings: the page's settings as plain data
    "GeometrySettings",
    # torch_layers: the same layer in torch
    "expected_shape", "torch_line", "torch_module", "torch_shape",
    # stacks: receptive fields, the LeNet walk, the max-pool pyramid
    "LENET", "Reach", "Stage", "max_pool_pyramid", "reach_back", "receptive_field", "shape_walk",
    # gif: the sliding window as an animated GIF (for slides)
    "GifError", "StepSum", "animatable", "animation_frames", "padding_stride_gif", "window_sums",
    # figures
    "MAX_FRAMES", "NUMBERS_MAX", "channels_figure", "geometry_figure", "lenet_figure", "pyramid_figure",
    "receptive_field_figure",
]
