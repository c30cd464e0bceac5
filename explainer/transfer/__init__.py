"""Transfer learning: reuse what a network learned elsewhere, freeze it, train a new head.

- :mod:`~explainer.transfer.digits`: LeNet-5 pretrained on the digits 0–4 (once per
  process), then 5–9 learned from k examples per class from scratch, with frozen features
  and a new head, or fine-tuned (``transfer_grid_events``).
- :mod:`~explainer.transfer.photos`: the lecture's recipe on photos: frozen ResNet18
  features once per photo, a new linear head, leave-one-out accuracy.
- :mod:`~explainer.transfer.run_keys`: share keys of both runs (``grid_key``, ``photo_key``).
- :mod:`~explainer.transfer.figures`: plotly figures of the page.
"""
from explainer.transfer.digits import (
                                       FINE_TUNE,
                                       FROZEN,
                                       KS,
                                       MAX_PASSES,
                                       METHODS,
                                       PRETRAIN,
                                       SCRATCH,
                                       SOURCE_DIGITS,
                                       TARGET_DIGITS,
                                       TransferGrid,
                                       TransferSetup,
                                       available_ks,
                                       cached_pretrained,
                                       few_per_class,
                                       frozen_features_new_head,
                                       frozen_outputs,
                                       head_accuracy,
                                       lenet_for,
                                       parameter_counts,
                                       pretrain_events,
                                       pretrain_then_grid_events,
                                       relabelled,
                                       source_accuracy,
                                       trainable,
                                       train_new_head_events,
                                       transfer_grid_events,
                                       unfreeze,
)
from explainer.transfer.figures import (
                                       layers_figure,
                                       probabilities_figure,
                                       transfer_figure,
)
from explainer.transfer.photos import (
                                       MAX_PER_CLASS,
                                       MIN_PER_CLASS,
                                       LeaveOneOut,
                                       PhotoHead,
                                       PhotoResult,
                                       PhotoSetError,
                                       check_classes,
                                       features_events,
                                       fit_heads,
                                       frozen_body,
                                       leave_one_out,
                                       photo_features,
                                       photo_transfer_events,
                                       texture_classes,
                                       train_head,
)
from explainer.transfer.run_keys import grid_key, photo_key

__all__ = [
    # digits
    "SOURCE_DIGITS", "TARGET_DIGITS", "SCRATCH", "FROZEN", "FINE_TUNE", "METHODS", "KS", "PRETRAIN", "MAX_PASSES",
    "TransferSetup", "TransferGrid", "pretrain_events", "cached_pretrained", "source_accuracy",
    "transfer_grid_events", "pretrain_then_grid_events", "frozen_features_new_head", "frozen_outputs",
    "train_new_head_events", "head_accuracy", "unfreeze", "lenet_for", "relabelled", "few_per_class", "available_ks", "trainable", "parameter_counts",
    # photos
    "MIN_PER_CLASS", "MAX_PER_CLASS", "PhotoSetError", "check_classes", "texture_classes", "frozen_body",
    "features_events", "fit_heads", "train_head", "leave_one_out", "PhotoHead", "LeaveOneOut",
    "PhotoResult", "photo_transfer_events", "photo_features",
    # share keys
    "grid_key", "photo_key",
    # figures
    "transfer_figure", "layers_figure", "probabilities_figure",
]
