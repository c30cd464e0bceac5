"""Data augmentation: batched random changes of images, and the experiments that show what they buy.

- :mod:`~explainer.augmentation.transforms`: ``Augmentation`` settings, ``augment`` (one
  batched affine warp + noise on the tensors' device), ``augmented_batch`` (the same, as a
  normalised training batch), ``label_warnings``, ``moved``.
- :mod:`~explainer.augmentation.fitting`: one network, fixed steps and seed (``fit_events``;
  ``fit_inputs_events`` on any inputs, e.g. a frozen part's features), progress events
  (``Progress``) for the job runner.
- :mod:`~explainer.augmentation.experiments`: little data with and without augmentation
  (``compare_events``), accuracy vs training-set size (``size_curve_events``).
- :mod:`~explainer.augmentation.run_keys`: share keys of the experiments (``comparison_key``,
  ``size_curve_key``, ``data_identity``): equal keys, one run replayed to every session.
- :mod:`~explainer.augmentation.figures`: plotly figures of the page.
"""
from explainer.augmentation.experiments import (
                                                ANGLES,
                                                NONE,
                                                SHIFTS,
                                                SIZES,
                                                WITH,
                                                Comparison,
                                                SizeCurve,
                                                SmallData,
                                                compare_events,
                                                rotation_accuracy,
                                                size_curve_events,
                                                test_accuracy,
                                                training_subset,
)
from explainer.augmentation.figures import (
                                                COLOURS,
                                                DATASET_SIZES,
                                                before_after_figure,
                                                readable,
                                                robustness_figure,
                                                size_curve_figure,
)
from explainer.augmentation.fitting import (
                                                Fit,
                                                Progress,
                                                Step,
                                                fit_events,
                                                fit_inputs_events,
                                                run_to_end,
                                                staged,
                                                with_threads,
)
from explainer.augmentation.run_keys import comparison_key, data_identity, size_curve_key
from explainer.augmentation.transforms import (
                                                DIGIT_DEFAULT,
                                                Augmentation,
                                                augment,
                                                augmented_batch,
                                                augmented_floats,
                                                label_warnings,
                                                moved,
                                                random_matrices,
                                                sampling_grid,
                                                warp,
)

__all__ = [
    # transforms
    "Augmentation", "DIGIT_DEFAULT", "augment", "augmented_batch", "augmented_floats", "label_warnings", "moved",
    "random_matrices", "sampling_grid", "warp",
    # training runs
    "Fit", "Progress", "Step", "fit_events", "fit_inputs_events", "run_to_end", "staged", "with_threads",
    # experiments
    "NONE", "WITH", "SHIFTS", "ANGLES", "SIZES", "SmallData", "Comparison", "SizeCurve", "compare_events",
    "size_curve_events", "rotation_accuracy", "test_accuracy", "training_subset",
    # share keys (one run per key for the whole server)
    "data_identity", "comparison_key", "size_curve_key",
    # figures
    "COLOURS", "DATASET_SIZES", "before_after_figure", "readable", "robustness_figure",
    "size_curve_figure",
]
