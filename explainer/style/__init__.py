"""Neural style transfer (Gatys et al., 2016): the frozen VGG19, the losses, the transfer loop, figures.

Import from here; the modules behind it are ``net`` (the network), ``losses`` (Gram matrix,
content/style/TV losses), ``pixels`` (arrays, colour), ``settings`` (what a transfer depends on,
its coarse-to-fine levels), ``objective`` (targets, all loss terms in one pass), ``events`` (what a
transfer reports), ``optimise`` (one level's optimisation), ``transfer`` (the levels as one
generator of events), ``grams`` (a look inside the style loss) and ``figures`` (plotly).
"""
from explainer.style.events import StyleEvent, StyleResult
from explainer.style.figures import COLOURS, feature_map_grid, gram_heatmaps, loss_curves, weighted_terms
from explainer.style.grams import GramView, gram_view
from explainer.style.losses import (LOSS_NORMALISATION_NOTE, content_loss, gram_matrix, lecture_factors, style_loss,
                                    tv_loss)
from explainer.style.net import (CONTENT_LAYER, LAYERS, STYLE_LAYERS, StyleNet, features_copy_path, list_layers,
                                 load_style_net, network_precision)
from explainer.style.objective import Targets, compute_targets, final_loss, objective
from explainer.style.pixels import match_luminance, resize_long_side, rgb_to_ycbcr, to_rgb, to_tensor, ycbcr_to_rgb
from explainer.style.settings import INITS, MIN_SIZE, OPTIMIZERS, StyleSettings, level_sizes, schedule
from explainer.style.transfer import run_to_end, transfer

__all__ = [
    # the network
    "CONTENT_LAYER", "LAYERS", "STYLE_LAYERS", "StyleNet", "features_copy_path", "list_layers", "load_style_net",
    "network_precision",
    # the objective
    "LOSS_NORMALISATION_NOTE", "content_loss", "gram_matrix", "lecture_factors", "style_loss", "tv_loss",
    "Targets", "compute_targets", "objective", "final_loss",
    # the transfer
    "INITS", "MIN_SIZE", "OPTIMIZERS", "StyleEvent", "StyleResult", "StyleSettings", "level_sizes", "run_to_end",
    "schedule", "transfer",
    # a look inside the style loss, figures
    "GramView", "gram_view", "COLOURS", "feature_map_grid", "gram_heatmaps", "loss_curves", "weighted_terms",
    # pixels
    "match_luminance", "resize_long_side", "rgb_to_ycbcr", "to_rgb", "to_tensor", "ycbcr_to_rgb",
]
