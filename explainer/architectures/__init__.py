"""From LeNet to ResNet: the architectures of the lecture, as numbers and live experiments.

``catalogue``: every torchvision ImageNet classifier from its weights enums (offline).
``layers``: any of them built on the ``meta`` device, its layer table and stages.
``vgg``, ``inception``, ``depthwise``: the paper tables and cost formulas, checked in torch.
``experiments``: plain vs residual stacks and tanh vs ReLU, as generators of progress events.
``figures``: the page's plotly figures.
"""
from .catalogue import FAMILIES, LECTURE_TABLE, Entry, Family, LectureRow, catalogue, default_entry, family_of, \
    model_names, recipe_pairs
from .depthwise import SeparableCost, separable_conv, standard_conv
from .experiments import ACTIVATIONS, PLAIN, RESIDUAL, Gradients, RaceLog, Raced, Stack, StackSpec, \
    activation_events, gradient_norms, race, shortcut_events, small_cnn, stacks, steps_to_error
from .inception import InceptionModule, InceptionSpec, ModuleCost, convolutions, cost
from .layers import LayerTable, NotBuildable, Stage, build_on_meta, builder_options, default_layer_table, \
    layer_table, parameter_count, stages
from .vgg import PAPER_MILLIONS, TORCHVISION, ConfigSummary, StackCost, build_features, configurations, \
    summarise, table_columns

__all__ = [
    "FAMILIES", "LECTURE_TABLE", "Entry", "Family", "LectureRow", "catalogue", "default_entry", "family_of",
    "model_names", "recipe_pairs",
    "SeparableCost", "separable_conv", "standard_conv",
    "ACTIVATIONS", "PLAIN", "RESIDUAL", "Gradients", "RaceLog", "Raced", "Stack", "StackSpec",
    "activation_events", "gradient_norms", "race", "shortcut_events", "small_cnn", "stacks", "steps_to_error",
    "InceptionModule", "InceptionSpec", "ModuleCost", "convolutions", "cost",
    "LayerTable", "NotBuildable", "Stage", "build_on_meta", "builder_options", "default_layer_table",
    "layer_table", "parameter_count", "stages",
    "PAPER_MILLIONS", "TORCHVISION", "ConfigSummary", "StackCost", "build_features", "configurations",
    "summarise", "table_columns",
]
