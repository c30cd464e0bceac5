"""What to look at once the two networks are trained: mistakes, filters, feature maps, shifts.

All functions take a trained network in eval mode and leave it as it was (no hooks
left behind, no ``.train()``); images are ``(N, 28, 28) uint8`` as in ``datasets``.
"""
from __future__ import annotations

import io

import numpy as np
import torch
from torchvision.transforms.v2.functional import InterpolationMode, affine
from torch import nn

from explainer.mnist.datasets import normalise


@torch.inference_mode()
def predict(model: nn.Module, images: torch.Tensor, mean: float, std: float, *,
            batch: int = 2_500) -> tuple[np.ndarray, np.ndarray]:
    """Class probabilities ``(N, 10)`` and predicted digits ``(N,)`` for ``images`` ``(N, 28, 28) uint8``."""
    probs = []
    for i in range(0, len(images), batch):
        x = normalise(images[i:i + batch], mean, std)
        probs.append(torch.softmax(model(x), dim=1))
    p = torch.cat(probs).numpy() if probs else np.zeros((0, 10), np.float32)
    return p, p.argmax(1)


def confusion_matrix(predicted: np.ndarray, labels: np.ndarray, n_classes: int = 10) -> np.ndarray:
    """``(true, predicted)`` counts, ``(10, 10) int``: row = the digit written, column = the answer."""
    return np.bincount(np.asarray(labels) * n_classes + np.asarray(predicted),
                       minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def misclassified(probs: np.ndarray, labels: np.ndarray, *, limit: int = 24) -> np.ndarray:
    """Indices of wrongly labelled digits, most confidently wrong first (at most ``limit``)."""
    predicted = probs.argmax(1)
    wrong = np.flatnonzero(predicted != np.asarray(labels))
    order = np.argsort(-probs[wrong, predicted[wrong]], kind="stable")
    return wrong[order][:limit]


def first_layer_filters(cnn: nn.Module) -> np.ndarray:
    """The learned kernels of the first convolution, ``(6, 5, 5)`` for LeNet-5."""
    return cnn.conv1.weight.detach()[:, 0].cpu().numpy().copy()


@torch.inference_mode()
def feature_maps(cnn: nn.Module, image: torch.Tensor, mean: float, std: float,
                 layers: tuple[str, ...] = ("conv1", "relu1", "conv2", "relu2")) -> dict[str, np.ndarray]:
    """Outputs ``(C, H, W)`` of the named layers for one digit ``(28, 28) uint8``.

    Runs the network's children one by one (they are an ``nn.Sequential``), so nothing is
    registered on the model. Layer names absent in this variant (e.g. ``pool1`` when
    pooling is off) are skipped.
    """
    x = normalise(image.reshape(1, 28, 28), mean, std)  # (1, 1, 28, 28)
    out: dict[str, np.ndarray] = {}
    for name, layer in cnn.named_children():
        if name == "flatten":
            break
        x = layer(x)
        if name in layers:
            out[name] = x[0].contiguous().numpy().copy()
    return out


def move_digit(image: torch.Tensor, *, dx: float = 0, dy: float = 0, angle: float = 0) -> torch.Tensor:
    """The digit ``(28, 28) uint8`` shifted by ``(dx, dy)`` pixels and rotated by ``angle`` degrees
    (counter-clockwise, about the centre); what leaves the frame is lost, black comes in."""
    moved = affine(image.reshape(1, 28, 28).float(), angle=float(angle), translate=[float(dx), float(dy)],
                   scale=1.0, shear=[0.0, 0.0], interpolation=InterpolationMode.BILINEAR, fill=0.0)
    return moved[0].round().clamp(0, 255).to(torch.uint8)


@torch.inference_mode()
def shift_accuracy(models: dict[str, nn.Module], images: torch.Tensor, labels: torch.Tensor,
                   mean: float, std: float, shifts: range = range(-6, 7)) -> dict[str, list[float]]:
    """Accuracy of each network when every digit is moved ``s`` pixels right (s < 0: left).

    The translation test in numbers: a convolution slides the same kernels everywhere
    and pooling forgives small moves, while a fully connected layer has a separate
    weight for every pixel position, so it has never seen a digit 4 pixels to the left.
    """
    result = {name: [] for name in models}
    for s in shifts:
        moved = torch.roll(images, shifts=s, dims=2)
        if s > 0:
            moved[:, :, :s] = 0   # no wrap-around: what leaves on one side does not come back
        elif s < 0:
            moved[:, :, s:] = 0
        for name, model in models.items():
            _, pred = predict(model, moved, mean, std)
            result[name].append(float((pred == labels.numpy()).mean()))
    return result


def state_dict_bytes(model: nn.Module) -> bytes:
    """``torch.save(model.state_dict())`` as bytes, for a download button (load with
    ``torch.load(..., weights_only=True)`` into a network built from the same spec)."""
    buffer = io.BytesIO()
    torch.save({k: v.contiguous() for k, v in model.state_dict().items()}, buffer)
    return buffer.getvalue()
