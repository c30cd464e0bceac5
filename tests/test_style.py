"""Style transfer: the objective on tensors small enough to check by hand, then the real loop."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torchvision.models.vgg import cfgs, make_layers

from explainer import precision
from explainer.images import ImageError, load_image
from explainer.jobs import DONE, STOPPED, JobRunner
from explainer.style import (LOSS_NORMALISATION_NOTE, StyleSettings, compute_targets, content_loss, gram_matrix,
                             lecture_factors, load_style_net, network_precision, objective, rgb_to_ycbcr,
                             run_to_end, schedule, style_loss, to_tensor, transfer, tv_loss, ycbcr_to_rgb)
from explainer.style import net as style_net

TINY = dict(size=48, levels=1, iterations=6, frame_every_s=0.0)


@pytest.fixture(scope="module")
def net():
    return load_style_net(device=torch.device("cpu"), download_if_missing=False)


def _photo(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A smooth coloured picture with an edge: something with content and colour."""
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    rng = np.random.default_rng(seed)
    rgb = np.stack([x, y, 0.5 + 0.4 * np.sin(8 * x)], -1) * 200 + rng.integers(0, 40, (h, w, 3))
    rgb[: h // 2, : w // 3] = [230, 40, 40]
    return rgb.clip(0, 255).astype(np.uint8)


# --------------------------------------------------------------------------------------
# The objective by hand

def test_gram_matrix_by_hand():
    f = torch.tensor([[[[1., 2.], [3., 4.]],      # channel 0 -> [1, 2, 3, 4]
                       [[1., 0.], [0., 1.]]]])    # channel 1 -> [1, 0, 0, 1]
    # F F^T = [[1+4+9+16, 1+4], [1+4, 1+1]] = [[30, 5], [5, 2]], divided by C*H*W = 8
    expected = torch.tensor([[[30., 5.], [5., 2.]]]) / 8
    assert torch.allclose(gram_matrix(f), expected)


def test_gram_matrix_ignores_where_features_fire():
    # Same activations at shuffled positions: the Gram matrix (style) cannot tell them apart.
    f = torch.randn(1, 4, 5, 6)
    perm = torch.randperm(30)
    shuffled = f.reshape(1, 4, 30)[:, :, perm].reshape(1, 4, 5, 6)
    assert torch.allclose(gram_matrix(f), gram_matrix(shuffled), atol=1e-6)
    assert gram_matrix(torch.randn(2, 3, 7, 9)).shape == (2, 3, 3)


def test_gram_matrix_is_the_same_in_either_memory_layout():
    f = torch.randn(1, 6, 5, 7)
    assert torch.allclose(gram_matrix(f.contiguous(memory_format=torch.channels_last)), gram_matrix(f), atol=1e-6)


@pytest.mark.parametrize("layout", [torch.contiguous_format, torch.channels_last])
@pytest.mark.parametrize("shape", [(1, 4, 3, 5), (2, 3, 4, 2)])
def test_gram_matrix_gradient_is_the_readable_formulas(layout, shape):
    """The one-product backward agrees with autograd through flat @ flat.T, and with finite differences."""
    f = torch.randn(*shape, dtype=torch.double).contiguous(memory_format=layout).requires_grad_(True)
    weights = torch.randn(shape[0], shape[1], shape[1], dtype=torch.double)   # any dL/dG, not symmetric
    (gram_matrix(f) * weights).sum().backward()
    flat = f.detach().reshape(shape[0], shape[1], -1).requires_grad_(True)
    (flat @ flat.transpose(1, 2) / flat[0].numel() * weights).sum().backward()
    assert torch.allclose(f.grad.reshape(flat.shape), flat.grad)
    assert torch.autograd.gradcheck(gram_matrix, (f.detach().requires_grad_(True),))


def test_content_loss_by_hand():
    a = torch.tensor([1., 2., 3., 4.]).view(1, 1, 2, 2)
    assert content_loss(a, torch.zeros_like(a)).item() == pytest.approx((1 + 4 + 9 + 16) / 4)
    assert content_loss(a, a).item() == 0


def test_style_loss_by_hand_with_layer_weights():
    g = {"conv1_1": torch.tensor([[[1., 0.], [0., 1.]]]), "conv2_1": torch.tensor([[[2.]]]),
         "conv3_1": torch.tensor([[[5.]]])}
    a = {"conv1_1": torch.zeros(1, 2, 2), "conv2_1": torch.tensor([[[0.]]]), "conv3_1": torch.tensor([[[0.]]])}
    total, per_layer = style_loss(g, a, {"conv1_1": 1.0, "conv2_1": 0.5, "conv3_1": 0.0})
    # conv1_1: mean of (1, 0, 0, 1)^2 = 0.5; conv2_1: 2^2 = 4, weighted 0.5 -> 2; conv3_1 weight 0: skipped
    assert per_layer["conv1_1"].item() == pytest.approx(0.5)
    assert per_layer["conv2_1"].item() == pytest.approx(4.0)
    assert "conv3_1" not in per_layer
    assert total.item() == pytest.approx(0.5 + 2.0)


def test_tv_loss_by_hand():
    img = torch.tensor([[0., 1.], [0., 1.]]).view(1, 1, 2, 2)  # vertical stripes
    assert tv_loss(img).item() == pytest.approx(1.0)            # dy all 0, dx all 1
    assert tv_loss(torch.full((1, 3, 4, 4), 0.3)).item() == 0


def test_objective_is_the_weighted_sum(net):
    content = to_tensor(_photo(40, 40), net.device)
    style = to_tensor(_photo(40, 40, seed=1)[::-1].copy(), net.device)
    s = StyleSettings(content_weight=2.0, style_weight=3e3, tv_weight=5.0)
    image = torch.rand(1, 3, 40, 40)
    terms = objective(net, image, compute_targets(net, content, style, s), s)
    expected = 2.0 * terms["content"] + 3e3 * terms["style"] + 5.0 * terms["tv"]
    assert terms["total"].item() == pytest.approx(expected.item(), rel=1e-5)
    assert set(k for k in terms if k.startswith("style/")) == {f"style/{n}" for n in style_net.STYLE_LAYERS}
    # the content image is its own perfect content match
    same = objective(net, content, compute_targets(net, content, style, s), s)
    assert same["content"].item() == 0


def test_losses_relate_to_the_lectures_sums_as_the_footnote_says(net):
    """Ours = factor x the lecture's 1/2 sum (F-P)^2, and 1/2 sum (G-A)^2 with G = F F^T unnormalised."""
    a, b = torch.rand(1, 3, 64, 48), torch.rand(1, 3, 64, 48)
    fa, fb = net.extract(a, ["conv2_1", "conv4_2"]), net.extract(b, ["conv2_1", "conv4_2"])
    factors = lecture_factors(64, 48)
    c, m = 128, 32 * 24                                   # conv2_1: 128 maps of 32 x 24 after one pooling
    assert factors["style/conv2_1"] == pytest.approx(2 / (c ** 4 * m ** 2))
    lecture_content = 0.5 * ((fa["conv4_2"] - fb["conv4_2"]) ** 2).sum()
    ours_content = content_loss(fa["conv4_2"], fb["conv4_2"])
    assert ours_content.item() == pytest.approx(factors["content/conv4_2"] * lecture_content.item(), rel=1e-4)
    flat_a, flat_b = (f["conv2_1"].reshape(c, m).double() for f in (fa, fb))
    lecture_style = 0.5 * ((flat_a @ flat_a.T - flat_b @ flat_b.T) ** 2).sum()  # G = F F^T, no division
    _, per_layer = style_loss({"conv2_1": gram_matrix(fa["conv2_1"])}, {"conv2_1": gram_matrix(fb["conv2_1"])},
                              {"conv2_1": 1.0})
    assert per_layer["conv2_1"].item() == pytest.approx(factors["style/conv2_1"] * lecture_style.item(), rel=1e-3)
    assert "G = FF^\\top" in LOSS_NORMALISATION_NOTE and "(F_{ij}-P_{ij})^2" in LOSS_NORMALISATION_NOTE


def test_ycbcr_round_trip_and_grey_has_no_chroma():
    rgb = torch.rand(1, 3, 5, 7)
    assert torch.allclose(ycbcr_to_rgb(rgb_to_ycbcr(rgb)), rgb, atol=1e-5)
    grey = torch.full((1, 3, 2, 2), 0.4)
    ycc = rgb_to_ycbcr(grey)
    assert torch.allclose(ycc[:, 0], torch.full((1, 2, 2), 0.4)) and ycc[:, 1:].abs().max() < 1e-6


# --------------------------------------------------------------------------------------
# The network

def test_net_is_frozen_and_stops_after_last_layer(net):
    assert not net.pretrained and "UNTRAINED" in net.status.label
    assert not net.features.training and not any(p.requires_grad for p in net.features.parameters())
    assert len(net.features) == style_net.KEEP == 30  # up to conv5_1's ReLU, classifier never built
    out = net.extract(torch.rand(1, 3, 32, 32), ["conv1_1", "conv2_1"])
    assert out["conv1_1"].shape == (1, 64, 32, 32) and out["conv2_1"].shape == (1, 128, 16, 16)
    assert out["conv1_1"].min() >= 0  # read after the ReLU
    with pytest.raises(KeyError, match="conv4_2"):  # the message lists what exists
        net.extract(torch.rand(1, 3, 32, 32), ["fc7"])


def test_pretrained_file_is_loaded_once_then_a_features_only_copy(tmp_path, monkeypatch):
    """A (fake) cached torchvision checkpoint: loaded via weights.py, then the small copy is used."""
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    full = make_layers(cfgs["E"])  # all 16 convolutions, like the real file
    with torch.no_grad():
        full[0].weight.fill_(0.25)
    path = style_net.cache_path(style_net.WEIGHTS)
    path.parent.mkdir(parents=True)
    torch.save({f"features.{k}": v for k, v in full.state_dict().items()}
               | {"classifier.0.weight": torch.zeros(4, 4)}, path)
    first = load_style_net(device=torch.device("cpu"), download_if_missing=False)
    assert first.pretrained and torch.all(first.features[0].weight == 0.25)
    copy = style_net.features_copy_path()
    assert copy.is_file() and copy.stat().st_size < path.stat().st_size
    path.unlink()  # from now on only the features-only copy exists
    second = load_style_net(device=torch.device("cpu"), download_if_missing=False)
    assert second.pretrained and torch.equal(second.features[28].weight, first.features[28].weight)


# --------------------------------------------------------------------------------------
# The network's precision: chosen by measurement, never the slower one

class _FakeClock:
    """A timer that advances only when a fake pass 'runs', by that precision's cost this round."""

    def __init__(self, costs: dict[str, list[float]]):
        self.now, self.costs, self.calls = 0.0, costs, {"float32": 0, "bfloat16": 0}

    def __call__(self) -> float:
        return self.now

    def run_pass(self, dtype) -> None:
        name = "bfloat16" if dtype == torch.bfloat16 else "float32"
        self.now += self.costs[name][self.calls[name] % len(self.costs[name])]
        self.calls[name] += 1


@pytest.mark.parametrize("fp32, bf16", [(1.0, 2.8), (1.0, 1.0), (1.0, 0.95), (1.0, 0.5), (3.4, 9.6), (0.2, 0.1)])
def test_the_chooser_never_picks_the_precision_that_measured_slower(fp32, bf16):
    clock = _FakeClock({"float32": [fp32], "bfloat16": [bf16]})
    choice = precision.measure_choice(torch.device("cpu"), clock.run_pass, timer=clock, bf16_flags=("avx512_bf16",))
    other = "bfloat16"
    assert choice.seconds == pytest.approx({"float32": fp32, "bfloat16": bf16})
    if choice.name == "bfloat16":  # kept only when clearly faster
        assert choice.seconds["bfloat16"] * precision.CLEARLY_FASTER <= choice.seconds["float32"]
    else:  # float32 (full precision) unless bfloat16 won by more than timing noise
        assert choice.seconds["float32"] <= choice.seconds[other] * precision.CLEARLY_FASTER
    assert choice.name in choice.reason and (choice.autocast is torch.bfloat16) == (choice.name == "bfloat16")


@pytest.mark.parametrize("seconds, expected", [({"float32": 1.0, "bfloat16": float("nan")}, "float32"),
                                               ({"float32": 1.0, "bfloat16": float("inf")}, "float32"),
                                               ({"float32": 1.0}, "float32"),
                                               ({"float32": float("inf"), "bfloat16": 2.0}, "bfloat16")])
def test_a_failed_or_missing_timing_counts_as_slow(seconds, expected):
    assert precision.pick_faster(seconds) == expected


def test_a_precision_that_fails_is_never_chosen():
    def run_pass(dtype):
        if dtype == torch.bfloat16:
            raise RuntimeError("no bfloat16 kernel here")
    choice = precision.measure_choice(torch.device("cpu"), run_pass, bf16_flags=("avx512_bf16",))
    assert choice.name == "float32" and "failed" in choice.reason


def test_the_chooser_times_interleaved_rounds_and_keeps_each_fastest():
    # a burst of other work slows one float32 round and one bfloat16 round; the minima still decide
    clock = _FakeClock({"float32": [9.0, 1.0, 7.0, 1.1], "bfloat16": [9.0, 3.0, 2.8, 8.0]})
    choice = precision.measure_choice(torch.device("cpu"), clock.run_pass, timer=clock, bf16_flags=("amx_bf16",))
    assert precision.ROUNDS == 3 and clock.calls == {"float32": 4, "bfloat16": 4}  # one warm-up + ROUNDS each
    assert choice.seconds == pytest.approx({"float32": 1.0, "bfloat16": 2.8}) and choice.name == "float32"
    assert "slower" in choice.reason


def test_a_cpu_without_native_bfloat16_gets_float32_without_timing():
    clock = _FakeClock({"float32": [1.0], "bfloat16": [0.1]})
    choice = precision.measure_choice(torch.device("cpu"), clock.run_pass, timer=clock, bf16_flags=())
    assert choice.name == "float32" and clock.calls == {"float32": 0, "bfloat16": 0}
    assert "no native bfloat16" in choice.reason


def test_the_choice_is_made_once_per_process_and_shown(net):
    precision.forget_choices()
    try:
        assert "float32" in precision.describe_precision(torch.device("cpu"))  # nothing measured yet
        first = network_precision(net)
        second = network_precision(net)
        assert first is second and first.name in ("float32", "bfloat16")
        assert first.reason in precision.describe_precision(torch.device("cpu"))
        assert network_precision(net, "float32").autocast is None
        assert network_precision(net, "bfloat16").autocast is torch.bfloat16
        with pytest.raises(ValueError, match="precision"):
            StyleSettings(precision="half")
    finally:
        precision.forget_choices()


def test_the_probe_is_small_and_stops_early(net, monkeypatch):
    """The timed pass is a 32 px picture through blocks 1-3: it never reaches the deep layers."""
    seen = []
    real = style_net.StyleNet.extract
    monkeypatch.setattr(style_net.StyleNet, "extract", lambda self, image, layers: seen.append(
        (tuple(image.shape), tuple(layers))) or real(self, image, layers))
    style_net.timing_pass(net, None)
    assert seen == [((1, 3, 32, 32), ("conv1_1", "conv2_1", "conv3_1"))]


def test_bfloat16_passes_still_lower_the_loss(net):
    s = StyleSettings(**TINY, precision="bfloat16")
    events, result = _events_and_result(transfer(net, _photo(48, 48), _photo(48, 48, 2), s))
    assert result.losses["total"] < 0.5 * events[0].losses["total"]


# --------------------------------------------------------------------------------------
# The transfer loop

def _events_and_result(gen):
    events = []
    while True:
        try:
            events.append(next(gen))
        except StopIteration as stop:
            return events, stop.value


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_optimisation_lowers_the_loss(net, optimizer):
    s = StyleSettings(**{**TINY, "iterations": 12}, optimizer=optimizer)
    events, result = _events_and_result(transfer(net, _photo(48, 48), _photo(40, 56, seed=3), s))
    assert events[-1].iteration == events[-1].total_iterations == 12
    assert 1 < len(events) <= 12 <= result.evaluations  # a line-search step may take a few evaluations
    first, last = events[0].losses["total"], result.losses["total"]
    assert last < 0.5 * first, (first, last)
    assert result.image.shape == (48, 48, 3) and result.image.dtype == np.uint8


def test_content_and_style_of_different_sizes_and_aspects(net):
    content, style = _photo(40, 90), _photo(120, 50, seed=2)  # landscape content, portrait style
    s = StyleSettings(size=96, levels=2, iterations=2, coarse_iterations=2, frame_every_s=0.0)
    assert schedule(s) == [(48, 2), (96, 2)]
    events, result = _events_and_result(transfer(net, content, style, s))
    assert {e.level for e in events} == {0, 1} and [e.level for e in events] == sorted(e.level for e in events)
    assert events[0].shape == (21, 48) and events[-1].shape == (43, 96)  # content's aspect ratio kept
    assert result.image.shape == (43, 96, 3)
    assert all(np.isfinite(e.losses["total"]) and e.eta_s >= 0 for e in events)
    assert events[-1].eta_s == 0


def test_a_finer_level_starts_from_the_coarser_levels_work(net):
    """Level 1 starts from its content picture plus the change level 0 made: far below the content's loss."""
    content, style = _photo(64, 96), _photo(64, 64, seed=4)
    plain = StyleSettings(size=96, levels=1, iterations=1, line_search=False, frame_every_s=0.0)
    at_content = _events_and_result(transfer(net, content, style, plain))[0][0].losses["total"]
    coarse = StyleSettings(size=96, levels=2, coarse_iterations=15, iterations=1, line_search=False,
                           frame_every_s=0.0)
    events, _ = _events_and_result(transfer(net, content, style, coarse))
    level_1_start = next(e for e in events if e.level == 1).losses["total"]  # no line search: the start
    assert level_1_start < 0.3 * at_content, (level_1_start, at_content)


def test_only_the_newest_frame_keeps_its_pixels(net):
    events, result = _events_and_result(transfer(net, _photo(48, 48), _photo(48, 48, 1), StyleSettings(**TINY)))
    with_image = [e for e in events if e.image is not None]
    assert with_image == [events[-1]] and np.array_equal(events[-1].image, result.image)


def test_keep_colours_keeps_the_content_chroma(net):
    content, style = _photo(48, 48), np.ascontiguousarray(_photo(48, 48, 5)[..., ::-1])
    s = StyleSettings(**TINY, keep_colors=True, init="noise")  # luminance starts from noise
    result = run_to_end(transfer(net, content, style, s))
    out, src = rgb_to_ycbcr(to_tensor(result.image, net.device)), rgb_to_ycbcr(to_tensor(content, net.device))
    assert (out[:, 1:] - src[:, 1:]).abs().mean() < 0.01              # Cb, Cr: the content's
    assert (out[:, :1] - src[:, :1]).abs().mean() > 0.02               # Y: newly made
    plain = run_to_end(transfer(net, content, style, StyleSettings(**TINY, init="noise")))
    plain_ycc = rgb_to_ycbcr(to_tensor(plain.image, net.device))
    assert (plain_ycc[:, 1:] - src[:, 1:]).abs().mean() > 0.03         # without it, colours wander


def test_style_image_as_init(net):
    result = run_to_end(transfer(net, _photo(30, 60), _photo(64, 64, 4),
                                 StyleSettings(size=48, levels=1, iterations=1, init="style")))
    assert result.image.shape == (24, 48, 3)


def test_bad_settings_and_images_are_refused_clearly(net):
    with pytest.raises(ValueError, match="init"):
        StyleSettings(init="zeros")
    with pytest.raises(ValueError, match="Nothing to optimise"):
        StyleSettings(content_weight=0, style_layers={"conv1_1": 0.0})
    with pytest.raises(ValueError, match="at least"):
        next(transfer(net, _photo(48, 48), _photo(48, 48), StyleSettings(size=8)))
    with pytest.raises(ImageError):
        load_image(b"GIF89a but not really")
    # odd but valid inputs: a greyscale array and a flat 8x8 picture (no contrast at all)
    grey = load_image(np.linspace(0, 1, 64 * 80).reshape(64, 80))
    flat = load_image(np.full((8, 8, 3), 128, np.uint8))
    result = run_to_end(transfer(net, grey, flat, StyleSettings(size=32, levels=1, iterations=2,
                                                                keep_colors=True)))
    assert result.image.shape == (26, 32, 3) and np.isfinite(result.losses["total"])


def test_stop_through_the_job_runner(net):
    runner = JobRunner(max_heavy=1, abandon_after_s=None)
    s = StyleSettings(size=48, levels=1, iterations=10_000, frame_every_s=0.0)
    job = runner.submit("style", lambda: transfer(net, _photo(48, 48), _photo(48, 48, 1), s))
    queued = runner.submit("style-2", lambda: transfer(net, _photo(48, 48), _photo(48, 48, 1), s))
    for _ in range(200):
        if job.latest is not None:
            break
        job.wait(0.05)
    assert job.latest is not None and queued.queue_position() == 1
    job.cancel()
    assert job.wait(20) and job.state == STOPPED
    assert 0 < len(job.events) < 10_000
    queued.cancel()
    assert queued.wait(20) and queued.state == STOPPED


def test_a_short_job_finishes_with_a_result(net):
    job = JobRunner(max_heavy=1, abandon_after_s=None).submit(
        "style", lambda: transfer(net, _photo(48, 48), _photo(48, 48, 1), StyleSettings(**TINY)))
    assert job.wait(60) and job.state == DONE
    assert job.result.evaluations >= 6 and job.result.image.shape == (48, 48, 3)


def test_without_line_search_every_evaluation_is_an_event(net):
    s = StyleSettings(**TINY, line_search=False)
    events, result = _events_and_result(transfer(net, _photo(48, 48), _photo(48, 48, 1), s))
    assert [e.iteration for e in events] == [1, 2, 3, 4, 5, 6] and result.evaluations == 6
