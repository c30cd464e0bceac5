"""The style-transfer objective, piece by piece (Gatys et al., 2016).

Content loss compares feature maps; style loss compares Gram matrices of feature maps
(which maps fire together, wherever they fire); total variation keeps the picture smooth.
"""
from __future__ import annotations

from typing import Mapping

from explainer.style.net import LAYERS

import torch
import torch.nn.functional as F


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """Normalised Gram matrix: which feature maps are active together.

    ``G[i, j] = sum_k F[i, k] F[j, k] / (C * H * W)`` with ``F`` the ``(C, H*W)`` matrix of
    the layer's ``C`` feature maps flattened. Dividing by ``C*H*W`` makes G independent of
    the image size (same as the PyTorch tutorial; the paper divides in the loss instead).
    The readable version is ``flat @ flat.T / (c * h * w)``; this one takes the product over
    pixels in whichever memory layout the maps come in and backpropagates it in one matrix
    product instead of two (see :class:`_GramProduct`): about twice as fast at 256 px.

    Args:
        features: ``(N, C, H, W)``.
    Returns:
        ``(N, C, C)``, symmetric.
    """
    n, c, h, w = features.shape
    if not features.is_contiguous() and features.is_contiguous(memory_format=torch.channels_last):
        pixels = features.permute(0, 2, 3, 1).reshape(n, h * w, c)   # (N, H*W, C): a view in this layout
    else:
        pixels = features.reshape(n, c, h * w).transpose(1, 2)      # (N, H*W, C): a view of (N, C, H*W)
    return _GramProduct.apply(pixels) / (c * h * w)                 # (N, C, C)


class _GramProduct(torch.autograd.Function):
    """``P^T P`` for pixels ``P`` ``(N, M, C)``, with the gradient ``P (dG + dG^T)``.

    Autograd's rule for a general product ``A @ B`` takes two products here (one for ``A = P^T``,
    one for ``B = P``); for ``P^T P`` they are the same product with ``dG`` transposed, so one does.
    A single picture (N = 1, always so in style transfer) uses 2-D products, faster than batched.
    """

    @staticmethod
    def forward(ctx, pixels: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(pixels)
        if pixels.shape[0] == 1:
            return (pixels[0].T @ pixels[0])[None]
        return pixels.transpose(1, 2) @ pixels

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        (pixels,) = ctx.saved_tensors
        both = grad + grad.transpose(1, 2)                                 # (N, C, C)
        if pixels.shape[0] == 1:
            return (pixels[0] @ both[0])[None]
        return pixels @ both


def content_loss(features: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared difference between two feature maps ``(N, C, H, W)``: 0 when they agree."""
    return F.mse_loss(features, target)


def style_loss(grams: Mapping[str, torch.Tensor], targets: Mapping[str, torch.Tensor],
               weights: Mapping[str, float]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """``sum_l w_l * mean((G_l - A_l)^2)`` over the style layers.

    Args:
        grams: ``{layer: (N, C, C)}`` of the image being made.
        targets: ``{layer: (N, C, C)}`` of the style image.
        weights: ``{layer: w_l}``; layers with weight 0 are skipped.
    Returns:
        The weighted sum, and each layer's unweighted term (for the page's table).
    """
    per_layer = {name: F.mse_loss(grams[name], targets[name]) for name, w in weights.items() if w}
    total = sum((weights[name] * value for name, value in per_layer.items()),
                torch.zeros((), device=next(iter(targets.values())).device))
    return total, per_layer


def tv_loss(image: torch.Tensor) -> torch.Tensor:
    """Total variation: mean squared difference between neighbouring pixels of ``(N, C, H, W)``."""
    dy = image[:, :, 1:, :] - image[:, :, :-1, :]
    dx = image[:, :, :, 1:] - image[:, :, :, :-1]
    return dy.pow(2).mean() + dx.pow(2).mean()


# ---------------------------------------------------------------------------------------
# How these losses relate to the lecture's

#: A footnote for the page: how :func:`content_loss`, :func:`gram_matrix` and :func:`style_loss`
#: relate to the lecture's formulas, so that the scale of beta makes sense.
LOSS_NORMALISATION_NOTE = r"""
The lecture writes the content cost as $\tfrac12\sum_{ij}(F_{ij}-P_{ij})^2$ and the Gram matrix as
$G = FF^\top$ (sums, no division). Here every quantity is divided by its size instead, so the numbers
do not grow with the picture. For a layer with $C$ feature maps of $M = H \times W$ pixels:

* content: the **mean** of $(F-P)^2$ over its $C\,M$ entries, i.e. $\frac{2}{C M}$ times the lecture's cost;
* Gram matrix: $G = FF^\top / (C M)$, i.e. the lecture's $G$ divided by $C M$;
* style, per layer: the **mean** of $(G-A)^2$ over the $C^2$ entries, i.e. $\frac{2}{C^4 M^2}$ times the
  lecture's $\tfrac12\sum_{ij}(G_{ij}-A_{ij})^2$.

So $\beta$ here is far larger than it would be with the lecture's sums: at 256 × 256 px, conv1_1
($C=64$, $M=65\,536$) divides its style term by about $3.6 \times 10^{16}$ and conv4_2's content term
($C=512$, $M=1024$) by about $2.6 \times 10^{5}$. Only the ratio $\beta/\alpha$ shapes the picture,
and with means the same ratio works at every image size.
"""


def lecture_factors(height: int, width: int) -> dict[str, float]:
    """What each of our loss terms is, times the lecture's (summed) term, for an ``height x width`` input.

    ``{"content/<layer>": 2 / (C M), "style/<layer>": 2 / (C^4 M^2)}`` for every layer of
    :data:`explainer.style.net.LAYERS`, with ``C`` its channels and ``M`` its pixels after
    VGG19's 2x2 poolings. See :data:`LOSS_NORMALISATION_NOTE`.
    """
    out: dict[str, float] = {}
    for name in LAYERS:
        block = int(name[4])                     # conv<block>_<n>: block-1 poolings before it
        c = min(64 * 2 ** (block - 1), 512)
        m = (height // 2 ** (block - 1)) * (width // 2 ** (block - 1))
        out[f"content/{name}"] = 2 / (c * m)
        out[f"style/{name}"] = 2 / (c ** 4 * m ** 2)
    return out
