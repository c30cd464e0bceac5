"""The PyTorch "Neural Transfer" tutorial's recipe, written here as the baseline bench_style.py times ours against.

A ``nn.Sequential`` of VGG19 layers with content/style loss modules inserted, trimmed after the
last loss, ``torch.optim.LBFGS`` (max_iter=20) on the full-size image started from the content
image, clamped inside the closure.
"""
from __future__ import annotations

import copy
import resource
import time

import torch
import torch.nn.functional as F
from torch import nn


def cpu_s() -> float:
    """CPU seconds of this process so far (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def gram(x):
    a, b, c, d = x.size()
    f = x.view(a * b, c * d)
    return torch.mm(f, f.t()).div(a * b * c * d)


class ContentLoss(nn.Module):
    def __init__(self, target):
        super().__init__()
        self.target = target.detach()

    def forward(self, x):
        self.loss = F.mse_loss(x, self.target)
        return x


class StyleLoss(nn.Module):
    def __init__(self, target_feature, weight):
        super().__init__()
        self.target, self.weight = gram(target_feature).detach(), weight

    def forward(self, x):
        self.loss = self.weight * F.mse_loss(gram(x), self.target)
        return x


class Normalization(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.mean, self.std = mean, std

    def forward(self, x):
        return (x - self.mean) / self.std


def tutorial_model(net, content, style, settings):
    """The tutorial's ``nn.Sequential`` with loss modules after the chosen layers, trimmed after the last."""
    from explainer.style.net import RELU_INDEX

    # The tutorial's network: PyTorch's default NCHW layout, float32 (ours may use channels_last).
    features = copy.deepcopy(net.features).to(memory_format=torch.contiguous_format)
    at = {RELU_INDEX[settings.content_layer]: ("content", settings.content_layer)}
    model = nn.Sequential(Normalization(net.mean, net.std))
    plain = nn.Sequential(Normalization(net.mean, net.std))  # the same layers without loss modules
    content_losses, style_losses = [], []
    by_index = {RELU_INDEX[k]: k for k in settings.active_style_layers}
    last = max([*by_index, *at])
    for i, layer in enumerate(features):
        if i > last:
            break  # the tutorial trims the model after its last loss module too
        layer = nn.ReLU(inplace=False) if isinstance(layer, nn.ReLU) else layer
        model.add_module(f"layer_{i}", layer)  # not str(i): "0" is the normalisation's name
        plain.add_module(f"layer_{i}", layer)
        if i in at:
            cl = ContentLoss(plain(content))
            model.add_module(f"content_{i}", cl)
            content_losses.append(cl)
        if i in by_index:
            sl = StyleLoss(plain(style), settings.active_style_layers[by_index[i]])
            model.add_module(f"style_{i}", sl)
            style_losses.append(sl)
    return model.eval().requires_grad_(False), content_losses, style_losses


def tutorial_transfer(net, content_rgb, style_rgb, settings, evaluations: int, clock: tuple[float, float]):
    """The tutorial's loop: L-BFGS (max_iter=20 per step) on the clamped full-size image.

    Also returns its loss curve, ``[evaluation, 0, total loss, wall s, cpu s]`` per closure call
    (the loss it already computed; reading it costs nothing worth counting).
    """
    from explainer.style import resize_long_side, to_rgb, to_tensor

    content = resize_long_side(to_tensor(content_rgb, net.device), settings.size)
    style = resize_long_side(to_tensor(style_rgb, net.device), settings.size)
    model, content_losses, style_losses = tutorial_model(net, content, style, settings)
    img = content.clone().requires_grad_(True)
    opt = torch.optim.LBFGS([img])  # tutorial: defaults, max_iter=20 per step
    run, curve = [0], []
    while run[0] < evaluations:
        def closure():
            with torch.no_grad():
                img.clamp_(0, 1)
            opt.zero_grad()
            model(img)
            s = sum(sl.loss for sl in style_losses) * settings.style_weight
            c = sum(cl.loss for cl in content_losses) * settings.content_weight
            loss = s + c
            loss.backward()
            run[0] += 1
            curve.append([run[0], 0, float(f"{loss.item():.5g}"), round(time.perf_counter() - clock[0], 2),
                          round(cpu_s() - clock[1], 2)])
            return loss
        opt.param_groups[0]["max_iter"] = min(20, evaluations - run[0])
        opt.param_groups[0]["max_eval"] = min(25, evaluations - run[0])
        opt.step(closure)
    with torch.no_grad():
        img.clamp_(0, 1)
    return to_rgb(img), run[0], curve
