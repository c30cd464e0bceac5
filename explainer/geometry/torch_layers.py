"""The geometry page's settings as real ``torch.nn`` layers: the line, the module, its shape.

The page's claims are only as good as this check: it builds the layer and runs it.
"""
from __future__ import annotations

from explainer.geometry.arithmetic import Pair, Plan


def torch_line(p: Plan) -> str:
    """The ``nn.*`` line that builds this layer, with only the arguments that differ from torch's defaults."""
    s = p.setting

    def pair(v: Pair) -> str:
        return str(v[0]) if v[0] == v[1] else f"({v[0]}, {v[1]})"

    args = []
    if s.op in ("conv", "transposed"):
        args += [str(s.in_channels), str(s.out_channels), f"kernel_size={pair(s.kernel)}"]
    else:
        args.append(f"kernel_size={pair(s.kernel)}")
    if s.op in ("maxpool", "avgpool") or s.stride != (1, 1):
        args.append(f"stride={pair(s.stride)}")  # pooling's default stride is the kernel: always say it
    if s.padding_mode == "same" and s.op == "conv":
        args.append("padding='same'")
    elif p.pads != ((0, 0), (0, 0)):
        args.append(f"padding={pair((p.pads[0][0], p.pads[1][0]))}")
    if s.op == "transposed" and s.output_padding != (0, 0):
        args.append(f"output_padding={pair(s.output_padding)}")
    if s.dilation != (1, 1):
        args.append(f"dilation={pair(s.dilation)}")
    name = {"conv": "Conv2d", "transposed": "ConvTranspose2d", "maxpool": "MaxPool2d", "avgpool": "AvgPool2d"}[s.op]
    return f"nn.{name}({', '.join(args)})"


def torch_module(p: Plan):
    """The real ``torch.nn`` layer of :func:`torch_line` (raises GeometryError when impossible)."""
    from torch import nn

    s = p.require().setting

    def arg(v: Pair):  # pooling layers keep what they are given: 2, not (2, 2), like the printed line
        return v[0] if v[0] == v[1] else v

    pad = "same" if (s.padding_mode == "same" and s.op == "conv") else arg((p.pads[0][0], p.pads[1][0]))
    k, st, d = arg(s.kernel), arg(s.stride), arg(s.dilation)
    if s.op == "conv":
        return nn.Conv2d(s.in_channels, s.out_channels, k, stride=st, padding=pad, dilation=d)
    if s.op == "transposed":
        return nn.ConvTranspose2d(s.in_channels, s.out_channels, k, stride=st, padding=pad,
                                  output_padding=arg(s.output_padding), dilation=d)
    if s.op == "maxpool":
        return nn.MaxPool2d(k, stride=st, padding=pad, dilation=d)
    return nn.AvgPool2d(k, stride=st, padding=pad)


def torch_shape(p: Plan) -> tuple[int, int, int, int]:
    """(N, C, H, W) that the real layer gives for a zero input of shape (1, C_in, H, W)."""
    import torch

    s = p.setting
    with torch.inference_mode():
        y = torch_module(p)(torch.zeros(1, s.in_channels, *s.size))
    return tuple(y.shape)  # type: ignore[return-value]


def expected_shape(p: Plan) -> tuple[int, int, int, int]:
    """(N, C, H, W) this module predicts; pooling keeps the channel count."""
    s = p.require().setting
    c = s.out_channels if s.op in ("conv", "transposed") else s.in_channels
    return (1, c, *p.out)
