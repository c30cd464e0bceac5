"""Convolution arithmetic against the real torch layers, the lecture's numbers, and hand-checked maps."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis.strategies import booleans, builds, integers, sampled_from, tuples
from torch import nn

import explainer.geometry
from explainer.geometry import arithmetic
from explainer.geometry import torch_layers
from explainer.geometry import stacks
from explainer.geometry.examples import EXAMPLES, cell_values
from explainer.worked_examples import DIGITS, EDGE, PATCH, SHARPEN, WORKED_EXAMPLES


def _torch_outcome(p: arithmetic.Plan):
    """What torch really does with this setting: an output shape, or None if it refuses."""
    try:
        return torch_layers.torch_shape(p) if p.ok else _forced_shape(p)
    except (RuntimeError, ValueError):
        return None


def _forced_shape(p: arithmetic.Plan):
    """Build the layer even though plan() refused, to see whether torch refuses too."""
    s = p.setting
    if s.op == "avgpool" and s.dilation != (1, 1):
        raise ValueError("nn.AvgPool2d has no dilation argument")
    pad = "same" if s.padding_mode == "same" and s.op == "conv" else (p.pads[0][0], p.pads[1][0])
    layer = {
        "conv": lambda: nn.Conv2d(s.in_channels, s.out_channels, s.kernel, stride=s.stride, padding=pad,
                                  dilation=s.dilation),
        "transposed": lambda: nn.ConvTranspose2d(s.in_channels, s.out_channels, s.kernel, stride=s.stride,
                                                 padding=pad, output_padding=s.output_padding, dilation=s.dilation),
        "maxpool": lambda: nn.MaxPool2d(s.kernel, stride=s.stride, padding=pad, dilation=s.dilation),
        "avgpool": lambda: nn.AvgPool2d(s.kernel, stride=s.stride, padding=pad),
    }[s.op]()
    with torch.inference_mode():
        return tuple(layer(torch.zeros(1, s.in_channels, *s.size)).shape)


settings_strategy = builds(
    arithmetic.Setting,
    op=sampled_from(list(arithmetic.OPERATIONS)),
    size=tuples(integers(1, 12), integers(1, 12)),
    kernel=tuples(integers(1, 6), integers(1, 6)),
    stride=tuples(integers(1, 4), integers(1, 4)),
    dilation=tuples(integers(1, 3), integers(1, 3)),
    padding_mode=sampled_from(list(arithmetic.PADDING_MODES)),
    padding=tuples(integers(0, 4), integers(0, 4)),
    output_padding=tuples(integers(0, 2), integers(0, 2)),
    in_channels=integers(1, 3),
    out_channels=integers(1, 3),
)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(settings_strategy)
def test_plan_agrees_with_torch(s):
    """plan() accepts exactly what torch accepts, and predicts the shape torch produces."""
    if s.op != "transposed":
        s = s.with_(output_padding=(0, 0))  # ignored there (a note), not a torch argument
    p = arithmetic.plan(s)
    real = _torch_outcome(p)
    if p.ok:
        assert real == torch_layers.expected_shape(p), (torch_layers.torch_line(p), p.out, real)
    else:
        # 'same' on a pooling or transposed layer is this page's idea (keep the size), not a torch
        # argument, so torch may well run what we refuse there; everywhere else torch must refuse too.
        if not (s.padding_mode == "same" and s.op != "conv"):
            assert real is None or real[-1] < 1 or real[-2] < 1, (s, p.problems, real)
        assert all(isinstance(m, str) and len(m) > 20 for m in p.problems)


@settings(max_examples=200, deadline=None)
@given(sampled_from(["maxpool", "avgpool"]), integers(1, 16), integers(1, 16), integers(1, 5),
       integers(1, 5), integers(1, 4), integers(0, 2), booleans())
def test_pooling_sizes_agree_with_torch(op, h, w, kh, kw, stride, pad, dilate):
    """Pooling gets its own search: in the general one most pooling settings are (rightly) refused."""
    s = arithmetic.Setting(op=op, size=(h, w), kernel=(kh, kw), stride=(stride, stride), padding_mode="custom",
                  padding=(min(pad, kh // 2), min(pad, kw // 2)),
                  dilation=(2, 2) if dilate and op == "maxpool" else (1, 1))
    p = arithmetic.plan(s)
    real = _torch_outcome(p)
    if p.ok:
        assert real == torch_layers.expected_shape(p), (torch_layers.torch_line(p), p.out, real)
    else:
        assert real is None or min(real[-2:]) < 1, (s, p.problems, real)


@settings(max_examples=150, deadline=None)
@given(settings_strategy)
def test_the_nn_line_builds_the_same_layer(s):
    p = arithmetic.plan(s.with_(output_padding=s.output_padding if s.op == "transposed" else (0, 0)))
    if p.ok:
        assert repr(eval(torch_layers.torch_line(p), {"nn": nn})) == repr(torch_layers.torch_module(p))


@settings(max_examples=120, deadline=None)
@given(settings_strategy, integers(0, 2**16))
def test_readable_loops_match_torch(s, seed):
    """slide()/scatter(), the cell-by-cell versions the page animates, equal torch's functional ops."""
    s = s.with_(in_channels=1, out_channels=1, output_padding=s.output_padding if s.op == "transposed" else (0, 0))
    p = arithmetic.plan(s)
    if not p.ok:
        return
    rng = np.random.default_rng(seed)
    x = rng.integers(-5, 6, size=s.size).astype(float)
    w = rng.integers(-3, 4, size=s.kernel).astype(float)
    layer = torch_layers.torch_module(p).double()
    if s.op in ("conv", "transposed"):
        layer.weight.data = torch.from_numpy(w)[None, None]
        layer.bias.data.zero_()
    with torch.inference_mode():
        want = layer(torch.from_numpy(x)[None, None])[0, 0].numpy()
    np.testing.assert_allclose(arithmetic.slide(p, x, w), want, atol=1e-9)


@pytest.mark.parametrize("n,k,p,s,d", [(7, 3, 0, 2, 1), (8, 2, 1, 2, 1), (9, 3, 1, 3, 2), (5, 2, 0, 2, 1)])
def test_pool_ceil_mode_matches_torch(n, k, p, s, d):
    for ceil in (False, True):
        y = F.max_pool2d(torch.zeros(1, 1, n, n), k, s, p, d, ceil_mode=ceil)
        assert y.shape[-1] == arithmetic.pool_output_size(n, k, padding=p, stride=s, dilation=d, ceil_mode=ceil)


@pytest.mark.parametrize("ex", EXAMPLES, ids=lambda e: e.key)
def test_every_lecture_example_gives_the_lectures_size(ex):
    p = arithmetic.plan(ex.setting)
    assert p.ok, p.problems
    assert p.out == ex.expect
    assert torch_layers.torch_shape(p)[-2:] == ex.expect


def test_lecture_cells_6_and_114():
    first = arithmetic.plan(arithmetic.Setting(size=(5, 5), kernel=(3, 3)))
    cell = arithmetic.output_cell(first, DIGITS, EDGE, 0, 0)
    assert cell.value == 6
    assert cell.text.startswith("7×1 + 2×0 + 3×(-1) + 4×1") and cell.text.endswith("= 6")
    same = arithmetic.plan(arithmetic.Setting(size=(5, 5), kernel=(3, 3), padding_mode="same"))
    assert arithmetic.output_cell(same, PATCH, SHARPEN, 0, 0).value == 114
    assert arithmetic.plan(arithmetic.Setting(size=(32, 32), kernel=(5, 5))).out == (28, 28)
    # the same matrices and numbers the kernel playground writes out
    assert WORKED_EXAMPLES["edge5"].expected == 6 and WORKED_EXAMPLES["sharpen114"].expected == 114
    assert "output is 6." in EXAMPLES[0].note and "output is 114." in next(e.note for e in EXAMPLES if e.key == "same")


def test_package_names_its_public_api():
    assert all(hasattr(explainer.geometry, name) for name in explainer.geometry.__all__)
    assert not [n for n in explainer.geometry.__all__ if n.startswith("_")]


def test_lenet_walk_matches_a_real_lenet():
    stages = stacks.shape_walk(32, 3)
    assert [st_.shape[1] for st_ in stages] == [32, 28, 14, 10, 5]
    net = nn.Sequential(*(eval(st_.line, {"nn": nn}) for st_ in stages[1:]))
    assert tuple(net(torch.zeros(1, 3, 32, 32)).shape[1:]) == stages[-1].shape == (16, 5, 5)


def test_bad_settings_explain_themselves():
    cases = {
        "stride": arithmetic.Setting(stride=(0, 1)),
        "does not fit": arithmetic.Setting(size=(3, 3), kernel=(5, 5)),
        "dilation": arithmetic.Setting(size=(5, 5), kernel=(3, 3), dilation=(3, 3)),
        "stride 2": arithmetic.Setting(padding_mode="same", stride=(2, 2)),
        "symmetric": arithmetic.Setting(op="transposed", kernel=(4, 4), padding_mode="same"),
        "Output padding": arithmetic.Setting(op="transposed", output_padding=(1, 1)),
        "crops": arithmetic.Setting(op="transposed", size=(2, 2), kernel=(2, 2), padding_mode="custom", padding=(2, 2)),
        "half": arithmetic.Setting(op="maxpool", kernel=(2, 2), stride=(2, 2), padding_mode="custom", padding=(2, 2)),
        "no dilation": arithmetic.Setting(op="avgpool", kernel=(2, 2), dilation=(2, 2)),
    }
    for word, s in cases.items():
        p = arithmetic.plan(s)
        assert not p.ok and p.out is None
        assert any(word.lower() in m.lower() for m in p.problems), (word, p.problems)
        with pytest.raises(arithmetic.GeometryError):
            p.require()


@pytest.mark.filterwarnings("ignore:Using padding=.same.")
def test_same_with_even_kernel_runs_but_says_it_is_uneven():
    p = arithmetic.plan(arithmetic.Setting(size=(6, 5), kernel=(4, 3), padding_mode="same"))
    assert p.ok and p.out == (6, 5) and p.pads == ((1, 2), (1, 1))
    assert any("symmetric" in n for n in p.notes)
    assert torch_layers.torch_shape(p) == (1, 1, 6, 5)


def test_window_index_map_by_hand():
    p = arithmetic.plan(arithmetic.Setting(size=(6, 6), kernel=(3, 3), stride=(2, 2), padding_mode="custom", padding=(1, 1)))
    assert p.out == (3, 3)
    assert arithmetic.window(p, 0, 0) == [(r, c) for r in range(3) for c in range(3)]
    assert arithmetic.window(p, 1, 2)[0] == (2, 4) and arithmetic.window(p, 1, 2)[-1] == (4, 6)
    assert arithmetic.is_padding(p, 0, 3) and arithmetic.is_padding(p, 7, 7) and not arithmetic.is_padding(p, 1, 1)
    dil = arithmetic.plan(arithmetic.Setting(size=(7, 7), kernel=(3, 3), dilation=(2, 2)))
    assert dil.out == (3, 3) and arithmetic.window(dil, 0, 0)[:3] == [(0, 0), (0, 2), (0, 4)]


def test_transposed_feeds_by_hand():
    p = arithmetic.plan(arithmetic.Setting(op="transposed", size=(2, 2), kernel=(3, 3), stride=(2, 2), padding_mode="custom",
                         padding=(1, 1)))
    assert arithmetic.full_size(p) == (5, 5) and p.out == (3, 3)
    cells = arithmetic.feeds(p, 1, 0)
    assert (cells[0][0], cells[0][1]) == (2, 0) and (cells[-1][0], cells[-1][1]) == (4, 2)
    x, w = np.array([[1.0, 0], [0, 0]]), np.arange(9.0).reshape(3, 3)
    # Only input (0, 0) is non-zero: the output is the kernel stamped at (0, 0), cropped by 1.
    np.testing.assert_array_equal(arithmetic.scatter(p, x, w), np.pad(w, ((0, 2), (0, 2)))[1:4, 1:4])
    assert arithmetic.scatter(p, x, w, steps=0).sum() == 0


def test_receptive_field_two_3x3_see_one_5x5():
    two = stacks.receptive_field([(3, 1, 1), (3, 1, 1)])
    assert two[-1].size == stacks.receptive_field([(5, 1, 1)])[-1].size == 5
    assert stacks.reach_back([(3, 1, 1), (3, 1, 1)], 0, 0) == [(0, 4), (0, 2), (0, 0)]
    assert stacks.receptive_field([(3, 2, 1), (3, 1, 1)])[-1] == stacks.Reach(7, 2)
    assert arithmetic.parameter_count((3, 3), 1, 1, bias=False) * 2 < arithmetic.parameter_count((5, 5), 1, 1, bias=False)


def test_parameter_count_matches_torch():
    layer = nn.Conv2d(3, 8, (5, 4))
    assert arithmetic.parameter_count((5, 4), 3, 8) == sum(t.numel() for t in layer.parameters()) == 8 * (5 * 4 * 3 + 1)


def test_pyramid_halves_with_max_pool():
    rgb = np.random.default_rng(0).integers(0, 256, size=(64, 48, 3), dtype=np.uint8)
    levels = stacks.max_pool_pyramid(rgb, 4)
    assert [lv.shape[:2] for lv in levels] == [(64, 48), (32, 24), (16, 12), (8, 6)]
    assert levels[1][0, 0, 0] == rgb[:2, :2, 0].max()


def test_cell_values_fall_back_to_random_with_the_wrong_shape():
    v, used = cell_values("digits", (4, 4))
    assert used == "random" and v.shape == (4, 4)
    assert (cell_values("digits", (5, 5))[0] == DIGITS).all()


# --------------------------------------------------------------------------- figures

def _frame_cells(frame: dict, trace: int = 0) -> set[tuple[int, int]]:
    """Centres of the squares drawn by one frame trace (each square is 5 corners + a gap)."""
    xs, ys = frame["data"][trace]["x"], frame["data"][trace]["y"]
    return {(round((ys[i] + ys[i + 2]) / 2, 3), round((xs[i] + xs[i + 1]) / 2, 3)) for i in range(0, len(xs), 6)}


def test_window_figure_frames_follow_the_index_map():
    import plotly.graph_objects as go

    from explainer.geometry.figures import geometry_figure

    p = arithmetic.plan(arithmetic.Setting(size=(6, 6), kernel=(3, 3), stride=(2, 2), padding_mode="custom", padding=(1, 1)))
    fig = geometry_figure(p, np.arange(36).reshape(6, 6), np.ones((3, 3)), numbers=True, start=4)
    spec = fig.to_dict()
    go.Figure(spec)  # frames are plain dicts: they must still be valid plotly
    frames = spec["frames"]
    assert len(frames) == 9 and spec["layout"]["sliders"][0]["active"] == 4
    for n, (oy, ox) in enumerate(arithmetic.positions(p)):  # padded 8×8 is the tallest grid: drawn from y = 0
        assert _frame_cells(frames[n], 0) == {(float(r), float(c)) for r, c in arithmetic.window(p, oy, ox)}
    assert "= <b>" in frames[4]["data"][-1]["text"][0]  # the multiply-and-add line of cell (1, 1)


def test_big_outputs_animate_a_band_of_rows_and_transposed_labels_input_and_output():
    from explainer.geometry.figures import MAX_FRAMES, geometry_figure

    p = arithmetic.plan(arithmetic.Setting(size=(32, 32), kernel=(5, 5)))
    spec = geometry_figure(p, np.zeros((32, 32)), np.ones((5, 5)), numbers=True, start=28 * 20 + 3).to_dict()
    assert len(spec["frames"]) <= MAX_FRAMES
    labels = [s["label"] for s in spec["layout"]["sliders"][0]["steps"]]
    assert "(20, 3)" in labels and labels[spec["layout"]["sliders"][0]["active"]] == "(20, 3)"
    t = arithmetic.plan(arithmetic.Setting(op="transposed", size=(2, 2), kernel=(3, 3), stride=(2, 2)))
    spec = geometry_figure(t, np.ones((2, 2)), np.ones((3, 3)), numbers=True).to_dict()
    notes = " ".join(a["text"] for a in spec["layout"]["annotations"])
    assert "INPUT</b> 2×2" in notes and "OUTPUT</b> 5×5" in notes
    assert len(spec["frames"]) == 4  # one step per input cell


@pytest.mark.parametrize("op,size,kernel", [("conv", (5, 5), (3, 3)), ("conv", (14, 14), (3, 3)),
                                            ("maxpool", (8, 8), (2, 2)), ("transposed", (4, 4), (3, 3))])
def test_a_height_cap_shrinks_the_cells_until_the_figure_fits(op, size, kernel):
    from explainer.geometry.figures import geometry_figure

    s = arithmetic.Setting(op=op, size=size, kernel=kernel, stride=(2, 2) if op != "conv" else (1, 1))
    p = arithmetic.plan(s)
    x, w = np.arange(size[0] * size[1]).reshape(size) % 10, np.ones(kernel)
    free = geometry_figure(p, x, w, numbers=True, font_size=20)
    capped = geometry_figure(p, x, w, numbers=True, font_size=20, max_height=480)
    assert capped.layout.height <= 480
    assert capped.layout.height <= free.layout.height
    roomy = geometry_figure(p, x, w, numbers=True, font_size=20, max_height=5000)
    assert roomy.layout.height == free.layout.height                     # a cap that doesn't bind changes nothing
    assert len(capped.to_dict()["frames"]) == len(free.to_dict()["frames"])


def test_the_gif_lives_in_the_geometry_package():
    import explainer.exports

    assert explainer.geometry.padding_stride_gif is explainer.exports.padding_stride_gif
    assert explainer.geometry.GifError is explainer.exports.GifError
    p = explainer.geometry.animatable(arithmetic.Setting(op="conv", size=(5, 5), kernel=(3, 3)))
    assert p.ok and p.out == (3, 3)
    with pytest.raises(explainer.geometry.GifError, match="steps"):
        explainer.geometry.animatable(arithmetic.Setting(op="conv", size=(32, 32), kernel=(1, 1)))
    with pytest.raises(explainer.geometry.GifError, match="stride of 0"):
        explainer.geometry.animatable(arithmetic.Setting(op="conv", size=(5, 5), kernel=(3, 3), stride=(0, 0)))
