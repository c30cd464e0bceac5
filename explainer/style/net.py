"""VGG19's convolutional part, frozen, as the eyes of neural style transfer.

Gatys et al. (2016) describe an image by the feature maps of a VGG19 trained on
ImageNet: deep layers (``conv4_2``) for *content*, correlations between the maps of
``conv1_1 ... conv5_1`` for *style*. Only the convolutional part is needed, and only
up to ``conv5_1``: the 548 MB file torchvision ships also holds the fully connected
classifier (about 470 MB of it), which this module never builds and keeps in memory
only for the first load, after which a features-only copy (about 50 MB) sits beside
it in the cache.

On the CPU the network runs in the ``channels_last`` memory layout, the one oneDNN's
convolutions work in, so no layer reorders its input and output (about 1.2x faster per
pass here, measured); the number format (float32 or bfloat16) is chosen by measurement,
see :func:`network_precision`.

Layer names follow the paper: ``conv3_1`` is the first convolution of block 3,
read *after* its ReLU (what the paper calls the layer's response). Without
pretrained weights the network keeps a fixed random initialisation and says so.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import torch
from torch import nn
from torchvision.models import VGG19_Weights
from torchvision.models.vgg import cfgs, make_layers

from explainer.device import best_device
from explainer.precision import PrecisionChoice, choose_precision
from explainer.weights import Progress, WeightsStatus, cache_path, pretrained_or_untrained

WEIGHTS = VGG19_Weights.IMAGENET1K_V1
#: Layers style transfer may read, in network order (conv4_2 is the usual content layer).
LAYERS = ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv4_2", "conv5_1")
STYLE_LAYERS = ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1")
CONTENT_LAYER = "conv4_2"
#: The precision probe on the CPU: a 32 px picture through blocks 1-3 only (up to conv3_1), so
#: choosing costs a few hundredths of a second. Deeper layers at this size are 4x4 px or less, where
#: casting their 512x512x3x3 weights to bfloat16 on every pass outweighs the arithmetic and makes
#: bfloat16 look slower than it is at a real size; the convolutions up to conv3_1 are the same kinds
#: of kernel and a third of a full pass's multiply-adds. bfloat16 / float32 time on one Zen 5 core
#: (native bfloat16): 0.52-0.60 for this probe, 0.66 for a whole 256 px pass; CLEARLY_FASTER's
#: margin covers the difference.
PROBE_SIDE = 32
PROBE_LAYERS = ("conv1_1", "conv2_1", "conv3_1")
#: On a GPU a tiny pass only times kernel launches: there the probe is the whole network at 128 px.
GPU_PROBE_SIDE = 128
#: The random init is seeded, so an untrained run is the same on every machine and in every link.
UNTRAINED_SEED = 0


def _relu_indices() -> dict[str, int]:
    """``{"conv1_1": 1, "conv1_2": 3, ...}``: index in ``vgg19.features`` of each conv's ReLU."""
    names, block, conv, index = {}, 1, 0, 0
    for v in cfgs["E"]:
        if v == "M":
            block, conv, index = block + 1, 0, index + 1
        else:
            conv += 1
            names[f"conv{block}_{conv}"] = index + 1  # the ReLU right after the conv
            index += 2
    return names


RELU_INDEX = _relu_indices()
#: Keep ``features[:KEEP]``: everything after conv5_1's ReLU is never used.
KEEP = max(RELU_INDEX[name] for name in LAYERS) + 1


def list_layers() -> tuple[str, ...]:
    """The layer names :meth:`StyleNet.extract` accepts."""
    return LAYERS


@dataclass
class StyleNet:
    """Frozen VGG19 features up to conv5_1, with ImageNet normalisation built in.

    Shared by every session: eval mode, ``requires_grad`` off, no hooks. Gradients
    still flow to the *input* image, which is all style transfer needs.
    """

    features: nn.Sequential
    mean: torch.Tensor          # (1, 3, 1, 1), from the weights enum's transforms
    std: torch.Tensor           # (1, 3, 1, 1)
    status: WeightsStatus
    device: torch.device = field(default_factory=best_device)
    memory_format: torch.memory_format = torch.contiguous_format  # of weights and activations

    @property
    def pretrained(self) -> bool:
        return self.status.pretrained

    def extract(self, image: torch.Tensor, layers: Sequence[str]) -> dict[str, torch.Tensor]:
        """Feature maps of ``image`` at ``layers``.

        Args:
            image: ``(N, 3, H, W)`` RGB in 0..1 on ``self.device``.
            layers: names from :func:`list_layers`.
        Returns:
            ``{name: (N, C, H', W')}``. The forward pass stops after the last layer asked for.
        """
        unknown = [name for name in layers if name not in RELU_INDEX or RELU_INDEX[name] >= KEEP]
        if unknown:
            raise KeyError(f"Unknown layer(s) {unknown}; choose from {list_layers()}.")
        wanted = {RELU_INDEX[name]: name for name in layers}
        last = max(wanted)
        x = ((image - self.mean) / self.std).contiguous(memory_format=self.memory_format)
        out: dict[str, torch.Tensor] = {}
        for i, module in enumerate(self.features):
            x = module(x)
            if i in wanted:
                out[wanted[i]] = x
            if i == last:
                break
        return out


def timing_pass(net: StyleNet, autocast: torch.dtype | None) -> None:
    """One forward + backward as style transfer runs it, small: see :data:`PROBE_SIDE`, :data:`PROBE_LAYERS`."""
    cpu = net.device.type == "cpu"
    side, layers = (PROBE_SIDE, PROBE_LAYERS) if cpu else (GPU_PROBE_SIDE, LAYERS)
    image = torch.rand(1, 3, side, side, device=net.device, requires_grad=True)
    with torch.autocast(net.device.type, dtype=autocast or torch.float32, enabled=autocast is not None):
        feats = net.extract(image, layers)
    sum(f.float().square().mean() for f in feats.values()).backward()


def network_precision(net: StyleNet, precision: str = "auto") -> PrecisionChoice:
    """float32 or bfloat16 for the network's passes: ``"auto"`` times both once per process.

    See :mod:`explainer.precision`: bfloat16 only where it measured clearly faster.
    """
    return choose_precision(precision, "VGG19", net.device, lambda dtype: timing_pass(net, dtype))


def _layout_for(device: torch.device) -> torch.memory_format:
    """channels_last where oneDNN runs the convolutions (the CPU), the default layout elsewhere."""
    cpu_onednn = device.type == "cpu" and torch.backends.mkldnn.is_available()
    return torch.channels_last if cpu_onednn else torch.contiguous_format


def _untrained_features(*, whole: bool = False) -> nn.Sequential:
    """VGG19's ``features`` (up to conv5_1 unless ``whole``), initialised as torchvision's VGG does.

    ``vgg19(weights=None)`` would also allocate and initialise the 120 M-parameter
    classifier only to drop it; ``make_layers`` builds the identical conv stack alone.
    The seeded init gives the same first layers whether or not ``whole``.
    """
    cfg = cfgs["E"] if whole else cfgs["E"][:cfgs["E"].index("M", 12) + 2]  # ... conv4_4, pool, conv5_1
    features = make_layers(cfg, batch_norm=False)
    gen = torch.Generator().manual_seed(UNTRAINED_SEED)
    for m in features.modules():
        if isinstance(m, nn.Conv2d):  # same scheme as torchvision.models.VGG.__init__
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu", generator=gen)
            nn.init.zeros_(m.bias)
    return features


def features_copy_path() -> Path:
    """Where the features-only copy of the pretrained file is kept (beside torch's hub cache)."""
    full = cache_path(WEIGHTS)
    return full.with_name(full.stem + f".features-to-{LAYERS[-1]}.pth")


def _save_features_copy(features: nn.Sequential) -> None:
    path = features_copy_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".part") as tmp:
            torch.save(features.state_dict(), tmp)
        os.replace(tmp.name, path)
    except OSError:
        pass  # a read-only cache only costs the next start the full load


def _load_features_copy(features: nn.Sequential) -> bool:
    path = features_copy_path()
    if not path.is_file():
        return False
    try:
        state = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
        features.load_state_dict(state)
        return True
    except Exception:  # damaged or stale copy: fall back to the original file
        return False


def load_style_net(*, progress: Progress | None = None, device: torch.device | None = None,
                   download_if_missing: bool = True) -> StyleNet:
    """Build the frozen network, pretrained when the weights can be had, else labelled untrained.

    Call once per process (the page wraps it in ``st.cache_resource``). Peak memory:
    about 50 MB of weights from the features-only copy; the very first load reads the
    full 548 MB file once, then writes that copy.
    """
    device = device or best_device()
    features = _untrained_features()
    if _load_features_copy(features):
        status = WeightsStatus(True, f"Pretrained weights loaded ({WEIGHTS}, convolutional part only).")
    elif cache_path(WEIGHTS).is_file() or download_if_missing:
        whole = _untrained_features(whole=True)  # the file's keys cover all 16 convolutions
        status = pretrained_or_untrained(whole, WEIGHTS, progress=progress, prefix="features.",
                                         download_if_missing=download_if_missing)
        if status.pretrained:
            features = whole[:KEEP]
            _save_features_copy(features)
    else:
        status = pretrained_or_untrained(features, WEIGHTS, download_if_missing=False)  # says why not
    layout = _layout_for(device)
    features = features.eval().to(device, memory_format=layout)
    for p in features.parameters():
        p.requires_grad_(False)
    transform = WEIGHTS.transforms()
    mean = torch.tensor(transform.mean, device=device).view(1, 3, 1, 1)
    std = torch.tensor(transform.std, device=device).view(1, 3, 1, 1)
    return StyleNet(features=features, mean=mean, std=std, status=status, device=device, memory_format=layout)
