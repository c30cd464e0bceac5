"""Every ImageNet classifier torchvision ships, as its weights enums describe it (offline).

Parameters, GFLOPs (``_ops``: multiply-adds counted as one op each, in billions, at the
weights' own input size) and top-1/top-5 accuracy come from
``torchvision.models.get_model_weights(name)[version].meta``: nothing is downloaded and
nothing is trained here. The year and the paper are the only facts added by hand
(:data:`FAMILIES`), because the enums do not carry them.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from torchvision import models as tvm


@dataclass(frozen=True)
class Family:
    """A line of architectures: when and where it was published, and its one idea."""

    label: str
    year: int          # year of the arXiv / conference paper
    paper: str
    idea: str


FAMILIES: dict[str, Family] = {
    "alexnet": Family("AlexNet", 2012, "Krizhevsky, Sutskever & Hinton", "ReLU, dropout, training on GPUs"),
    "vgg": Family("VGG", 2014, "Simonyan & Zisserman", "only 3×3 convolutions, stacked deep"),
    "googlenet": Family("GoogLeNet (Inception v1)", 2014, "Szegedy et al.", "Inception modules, 1×1 reductions"),
    "inception": Family("Inception v3", 2015, "Szegedy et al.", "factorised Inception modules"),
    "resnet": Family("ResNet", 2015, "He et al.", "shortcuts: a block adds its input to its output"),
    "wide_resnet": Family("Wide ResNet", 2016, "Zagoruyko & Komodakis", "fewer, wider residual blocks"),
    "resnext": Family("ResNeXt", 2016, "Xie et al.", "residual blocks of grouped convolutions"),
    "densenet": Family("DenseNet", 2016, "Huang et al.", "every layer sees all earlier feature maps"),
    "squeezenet": Family("SqueezeNet", 2016, "Iandola et al.",
                         "1×1 squeeze layers: AlexNet accuracy, 50× fewer weights"),
    "mobilenet_v2": Family("MobileNet v2", 2018, "Sandler et al.",
                           "depthwise separable convolutions, inverted residuals"),
    "shufflenet": Family("ShuffleNet v2", 2018, "Ma et al.", "grouped convolutions with channel shuffle"),
    "mnasnet": Family("MnasNet", 2018, "Tan et al.", "architecture searched for phone latency"),
    "mobilenet_v3": Family("MobileNet v3", 2019, "Howard et al.", "searched MobileNet with squeeze-excitation"),
    "efficientnet": Family("EfficientNet", 2019, "Tan & Le", "width, depth and resolution scaled together"),
    "regnet": Family("RegNet", 2020, "Radosavovic et al.", "widths and depths from a simple rule"),
    "vit": Family("Vision Transformer (ViT)", 2020, "Dosovitskiy et al.",
                  "image cut into 16×16 patches fed to a transformer"),
    "efficientnet_v2": Family("EfficientNet v2", 2021, "Tan & Le", "EfficientNet trained faster, fused convolutions"),
    "swin": Family("Swin Transformer", 2021, "Liu et al.", "attention inside local windows that shift"),
    "swin_v2": Family("Swin Transformer v2", 2021, "Liu et al.", "Swin scaled up, more stable training"),
    "convnext": Family("ConvNeXt", 2022, "Liu et al.", "a ResNet modernised with the transformers' recipe"),
    "maxvit": Family("MaxViT", 2022, "Tu et al.", "convolutions with local and grid attention"),
}

# Longest prefix first, so "efficientnet_v2_s" is not taken for an "efficientnet".
_PREFIXES = sorted([(p, p) for p in FAMILIES] + [("inception_v3", "inception"), ("shufflenet_v2", "shufflenet"),
                    ("vit_", "vit"), ("swin_v2", "swin_v2"), ("swin_", "swin"), ("mobilenet_v3", "mobilenet_v3")],
                   key=lambda t: -len(t[0]))


def family_of(model: str) -> str:
    """``"resnet50" -> "resnet"``, ``"efficientnet_v2_s" -> "efficientnet_v2"``."""
    return next(family for prefix, family in _PREFIXES if model.startswith(prefix))


@dataclass(frozen=True)
class Entry:
    """One weights version of one builder, with the numbers its enum publishes."""

    model: str               # torchvision builder name, e.g. "resnet50"
    weights: str             # enum member, e.g. "IMAGENET1K_V2"
    family: str
    year: int
    params: int              # meta["num_params"]
    gflops: float            # meta["_ops"]
    top1: float | None       # % on ImageNet-1K validation (None: not published, e.g. a features-only file)
    top5: float | None
    is_default: bool         # the version ``weights="DEFAULT"`` picks
    input_size: int          # meta["min_size"] for ViT at 384/512/518, else the usual crop
    recipe: str              # meta["recipe"]: how it was trained

    @property
    def label(self) -> str:
        return f"{self.model} ({self.weights})"

    @property
    def extra_data(self) -> bool:
        """SWAG weights were pre-trained on 3.6 billion Instagram images before ImageNet."""
        return "SWAG" in self.weights


def _entry(model: str, version) -> Entry:
    meta = version.meta
    acc = meta.get("_metrics", {}).get("ImageNet-1K", {})
    top1, top5 = acc.get("acc@1"), acc.get("acc@5")
    fam = family_of(model)
    size = meta.get("min_size", (224, 224))[0]
    return Entry(model=model, weights=version.name, family=fam, year=FAMILIES[fam].year,
                 params=int(meta["num_params"]), gflops=float(meta["_ops"]),
                 top1=None if top1 is None or math.isnan(top1) else float(top1),
                 top5=None if top5 is None or math.isnan(top5) else float(top5),
                 is_default=version is tvm.get_model_weights(model).DEFAULT,
                 input_size=size if size > 224 else (299 if model == "inception_v3" else 224),
                 recipe=meta.get("recipe", ""))


@functools.cache
def catalogue() -> tuple[Entry, ...]:
    """Every weights version of every ImageNet classifier builder in ``torchvision.models``."""
    rows = [_entry(name, version) for name in tvm.list_models(module=tvm)
            for version in tvm.get_model_weights(name)]
    return tuple(sorted(rows, key=lambda e: (e.year, e.family, e.params, e.model, e.weights)))


def model_names() -> list[str]:
    """The builders in the catalogue, oldest family first."""
    return list(dict.fromkeys(e.model for e in catalogue()))


def default_entry(model: str) -> Entry:
    return next(e for e in catalogue() if e.model == model and e.is_default)


def recipe_pairs() -> list[tuple[Entry, Entry]]:
    """Same builder, same architecture, several ImageNet-1K trainings: (oldest, best).

    ResNet50 V1 gets 76.1 % top-1, V2 80.9 %: the same 25.6 M weights, a better training
    recipe (longer, with augmentation and label smoothing). SWAG versions are left out:
    they saw extra data, not only a better recipe.
    """
    pairs = []
    for model in model_names():
        versions = [e for e in catalogue() if e.model == model and e.top1 is not None and not e.extra_data]
        if len(versions) > 1:
            v1 = min(versions, key=lambda e: e.weights)
            best = max(versions, key=lambda e: e.top1)
            if best is not v1:
                pairs.append((v1, best))
    return pairs


@dataclass(frozen=True)
class LectureRow:
    """One line of the lecture's accuracy table (Xception paper, Chollet 2017, Table 1)."""

    model: str
    top1: float
    top5: float
    torchvision: str | None   # the builder whose numbers sit beside it; None: not in torchvision


LECTURE_TABLE = (
    LectureRow("VGG-16", 0.715, 0.901, "vgg16"),
    LectureRow("ResNet-152", 0.770, 0.933, "resnet152"),
    LectureRow("Inception V3", 0.782, 0.941, "inception_v3"),
    LectureRow("Xception", 0.790, 0.945, None),
)
