"""The kernel playground's computation: hand-made kernels, filtering through ``F.conv2d``,
Canny step by step, the multiply-and-add at one position, and their figures.

Use it as ``from explainer import kernels`` then ``kernels.apply_filter(...)``.
"""
from explainer.kernels.canny import (
    CannyStages, agreement, canny, hysteresis, non_maximum_suppression, stage_pictures,
)
from explainer.kernels.figures import compass_legend, kernel_figure, mark_patch, matrix_figure, output_figure
from explainer.kernels.filtering import (
    COLOUR_HELP, COLOUR_MODES, DIRECTION_COLOURS, DISPLAY_HELP, DISPLAYS, PADDING_HELP, PADDINGS, CompassMap,
    Display, Filtered, apply_filter, compass_map, conv_layer_weight, convolve, filter2d, gradient_magnitude,
    to_display,
)
from explainer.kernels.image_matrix import (
    Position, explain_position, format_terms, loop_cross_correlate, multiply_add_terms, zoom_patch,
)
from explainer.kernels.pictures import QUALITY, ShownCanny, ShownResult, picture_bytes, shown_canny, shown_result
from explainer.kernels.settings import KernelSettings, MatrixInput
from explainer.kernels.presets import (
    DIRECTION_NAMES, DIRECTIONS, MAX_SIDE, PRESETS, SHIFT_SIDE, KernelError, Preset, box, describe_shift, detail,
    emboss, gaussian, gaussian_1d, identity, laplacian, outline, parse_kernel, preset_kernel, random_kernel,
    robinson, robinson_all, sharpen, sharpen_classic, shift, short_number, sobel_x, sobel_y, suggested_display,
)

__all__ = [
    # presets: the kernels and the page's preset table
    "DIRECTION_NAMES", "DIRECTIONS", "MAX_SIDE", "PRESETS", "SHIFT_SIDE", "KernelError", "Preset", "box",
    "describe_shift", "detail", "emboss", "gaussian", "gaussian_1d", "identity", "laplacian", "outline",
    "parse_kernel", "preset_kernel", "random_kernel", "robinson", "robinson_all", "sharpen", "sharpen_classic",
    "shift", "short_number", "sobel_x", "sobel_y", "suggested_display",
    # filtering: F.conv2d, colour modes, padding, display mappings
    "COLOUR_HELP", "COLOUR_MODES", "DIRECTION_COLOURS", "DISPLAY_HELP", "DISPLAYS", "PADDING_HELP", "PADDINGS",
    "CompassMap", "Display", "Filtered", "apply_filter", "compass_map", "conv_layer_weight", "convolve",
    "filter2d", "gradient_magnitude", "to_display",
    # canny: every stage
    "CannyStages", "agreement", "canny", "hysteresis", "non_maximum_suppression", "stage_pictures",
    # image_matrix: the slow loops and one position written out
    "Position", "explain_position", "format_terms", "loop_cross_correlate", "multiply_add_terms", "zoom_patch",
    # settings: the page's settings and the matrix view's input, as plain data
    "KernelSettings", "MatrixInput",
    # pictures: what the page sends, encoded once
    "QUALITY", "ShownCanny", "ShownResult", "picture_bytes", "shown_canny", "shown_result",
    # figures
    "compass_legend", "kernel_figure", "mark_patch", "matrix_figure", "output_figure",
]
