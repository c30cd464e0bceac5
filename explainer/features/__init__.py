"""Feature maps: what every layer of a network sees, and the table of its layers.

- :mod:`~explainer.features.models`: the ImageNet networks the viewer opens (a table,
  weights or an honest "untrained" fallback, preprocessing from the weights enum).
- :mod:`~explainer.features.graph`: a network traced into named layers (``list_layers``),
  output shapes from a run on the meta device (``layer_shapes``).
- :mod:`~explainer.features.architecture`: the layer table of *any* traceable network,
  by index math alone (works on ``meta``): ``layer_table``, ``layer_params``.
- :mod:`~explainer.features.receptive_fields`: every layer's receptive field and cell
  spacing by index math on the traced graph (``layer_geometry``, ``Geometry``).
- :mod:`~explainer.features.layer_words`: each layer's operation in words (``describe_layer``).
- :mod:`~explainer.features.extraction`: one forward pass kept for drawing (``capture``).
- :mod:`~explainer.features.filter_matching`: first-layer filters beside the playground's presets.
- :mod:`~explainer.features.figures`: plotly figures and the layer table's data frame.
- :mod:`~explainer.features.enlarged`: one map enlarged, with a bounded grid of hover values.
"""
from explainer.features.architecture import LayerRow, layer_params, layer_table
from explainer.features.extraction import (ChannelStats, FeatureMaps, capture, extract_features,
                                           top_channels, top_predictions)
from explainer.features.enlarged import (HOVER_CELLS, HoverGrid, enlarged_map, hover_block, hover_grid,
                                         photo_uri)
from explainer.features.figures import (UNTRAINED_NOTE, early_vs_deep, feature_grid, filter_tiles,
                                        layer_table_frame, predictions_figure)
from explainer.features.filter_matching import PresetMatch, closest_presets, first_layer_filters
from explainer.features.graph import layer_shapes, list_layers
from explainer.features.layer_words import describe_layer
from explainer.features.models import (MODELS, STYLE_WEIGHTS, CacheEntry, LoadedModel, ModelSpec, all_weights,
                                       cached_status, fingerprint, load_model, prefetch_models, prepare_digit,
                                       prepare_input, session_model, with_user_weights)
from explainer.features.receptive_fields import Geometry, layer_geometry

__all__ = [
    # models
    "MODELS", "ModelSpec", "LoadedModel", "load_model", "with_user_weights", "prepare_input",
    "session_model", "prepare_digit", "fingerprint",
    # the weights files (prefetch)
    "STYLE_WEIGHTS", "all_weights", "cached_status", "prefetch_models", "CacheEntry",
    # the layer table (any network, also on the meta device)
    "list_layers", "layer_shapes", "layer_geometry", "layer_params", "describe_layer", "layer_table",
    "Geometry", "LayerRow",
    # one forward pass
    "extract_features", "capture", "FeatureMaps", "ChannelStats", "top_channels", "top_predictions",
    # first-layer filters
    "first_layer_filters", "closest_presets", "PresetMatch",
    # figures
    "feature_grid", "enlarged_map", "early_vs_deep", "filter_tiles", "predictions_figure",
    "layer_table_frame", "UNTRAINED_NOTE",
    # the enlarged map: values under the mouse on a bounded grid, the picture encoded once
    "hover_grid", "hover_block", "HoverGrid", "HOVER_CELLS", "photo_uri",
]
