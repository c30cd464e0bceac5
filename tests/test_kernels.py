"""explainer.kernels: the lecture's numbers, conv2d vs loops, preset properties, typed kernels."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import explainer.kernels
from explainer.kernels import filtering
from explainer.kernels import image_matrix
from explainer.kernels import presets
from explainer.kernels.presets import KernelError
from explainer.worked_examples import WORKED_EXAMPLES


def _rng_image(h=20, w=24, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3)).astype(np.uint8)


# --- the lecture's worked examples --------------------------------------------------

@pytest.mark.parametrize("key,expected", [("edge5", 6), ("sharpen114", 114), ("curve6600", 6600)])
def test_lecture_examples_exact(key, expected):
    ex = WORKED_EXAMPLES[key]
    terms = image_matrix.multiply_add_terms(ex.image, ex.kernel, ex.row, ex.col, pad=ex.pad)
    assert sum(p * w for p, w in terms) == expected == ex.expected
    # conv2d (through convolve) gives the same number at the same place.
    padding = "zeros" if ex.pad else "none"
    out = filtering.convolve(ex.image.astype(np.float32), ex.kernel, padding=padding, colour="grayscale")
    assert out[ex.row, ex.col] == expected


def test_lecture_output_shapes():
    ex = WORKED_EXAMPLES
    assert filtering.convolve(ex["edge5"].image, ex["edge5"].kernel, padding="none").shape == (3, 3)   # 5 - 2
    assert filtering.convolve(ex["sharpen114"].image, ex["sharpen114"].kernel, padding="zeros").shape == (5, 5)


def test_curve_sum_written_out():
    ex = WORKED_EXAMPLES["curve6600"]
    text = image_matrix.format_terms(image_matrix.multiply_add_terms(ex.image, ex.kernel, 0, 0))
    assert text == "(50*30)+(20*30)+(50*30)+(50*30)+(50*30) = 6600"


def test_edge_sum_written_out_with_negatives():
    ex = WORKED_EXAMPLES["edge5"]
    text = image_matrix.format_terms(image_matrix.multiply_add_terms(ex.image, ex.kernel, 0, 0))
    # zero weights (the middle column) are left out of the written sum
    assert text == "(7*1)+(3*(-1))+(4*1)+(3*(-1))+(3*1)+(2*(-1)) = 6"


def test_conv_layer_shape_12x12x3_to_8x8x1():
    img = _rng_image(12, 12)
    out = filtering.convolve(img, presets.box(5), padding="none", colour="conv-layer")
    assert out.shape == (8, 8)
    # One 3-channel filter summed == the three per-channel results, weighted 1/3 and added.
    per_channel = filtering.convolve(img, presets.box(5), padding="none", colour="per-channel")
    np.testing.assert_allclose(out, per_channel.mean(axis=2), rtol=1e-5, atol=1e-3)
    assert filtering.conv_layer_weight(presets.box(5)).shape == (1, 3, 5, 5)


# --- loops vs conv2d ----------------------------------------------------------------

@pytest.mark.parametrize("kshape,pad", [((3, 3), 0), ((3, 3), 1), ((5, 5), 2), ((1, 3), 0), ((7, 5), 3)])
def test_loop_matches_conv2d(kshape, pad):
    rng = np.random.default_rng(1)
    img = rng.normal(size=(11, 13))
    kernel = rng.normal(size=kshape)
    loops = image_matrix.loop_cross_correlate(img, kernel, pad=pad)
    x = torch.from_numpy(img)[None, None]
    ref = F.conv2d(x, torch.from_numpy(kernel)[None, None], padding=pad)[0, 0].numpy()
    np.testing.assert_allclose(loops, ref, rtol=1e-10, atol=1e-10)


def test_separable_path_matches_direct_conv():
    img = _rng_image(40, 50).astype(np.float32)
    k = presets.gaussian(9, 2.0)   # rank one: takes the two-pass path
    fast = filtering.convolve(img, k, padding="zeros")
    x = torch.from_numpy(img.transpose(2, 0, 1).copy())[:, None]
    direct = F.conv2d(x, torch.from_numpy(k)[None, None], padding=4)[:, 0].numpy().transpose(1, 2, 0)
    np.testing.assert_allclose(fast, direct, atol=1e-3)


def test_is_cross_correlation_not_flipped():
    img = np.zeros((5, 5), np.float32)
    img[2, 2] = 1
    k = np.arange(9, dtype=np.float32).reshape(3, 3)
    out = filtering.convolve(img, k, padding="zeros")
    # An impulse comes out as the kernel rotated 180°: that is what "not flipped" means.
    np.testing.assert_array_equal(out[1:4, 1:4], k[::-1, ::-1])


# --- presets ------------------------------------------------------------------------

def test_identity_copies():
    img = _rng_image()
    for padding in ("zeros", "reflect", "replicate"):
        np.testing.assert_array_equal(filtering.convolve(img, presets.identity(), padding=padding), img.astype(np.float32))


@pytest.mark.parametrize("size", [1, 3, 5, 7, 15])
def test_box_and_gaussian_sum_to_one(size):
    assert presets.box(size).sum() == pytest.approx(1.0)
    assert presets.gaussian(size, 1.5).sum() == pytest.approx(1.0)
    assert np.all(presets.box(size) == presets.box(size)[0, 0])


def test_gaussian_is_symmetric_and_peaks_in_centre():
    g = presets.gaussian(7, 1.2)
    np.testing.assert_allclose(g, g.T)
    np.testing.assert_allclose(g, g[::-1, ::-1])
    assert g.argmax() == 24


def test_box_keeps_flat_image_flat():
    flat = np.full((10, 10, 3), 100, np.uint8)
    out = filtering.convolve(flat, presets.box(5), padding="replicate")
    np.testing.assert_allclose(out, 100, atol=1e-3)


@pytest.mark.parametrize("direction,dy,dx", [("right", 0, 1), ("left", 0, -1), ("down", 1, 0), ("up", -1, 0)])
def test_shift_moves_by_one_pixel(direction, dy, dx):
    img = _rng_image().astype(np.float32)
    out = filtering.convolve(img, presets.shift(direction), padding="zeros")
    h, w = img.shape[:2]
    # out[y + dy, x + dx] == img[y, x] wherever both are inside the image.
    src = img[max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)]
    dst = out[max(0, dy):h - max(0, -dy), max(0, dx):w - max(0, -dx)]
    np.testing.assert_array_equal(dst, src)


def test_shift_description_names_the_side_of_the_one():
    for direction, side in presets.SHIFT_SIDE.items():
        k = presets.shift(direction)
        r, c = np.argwhere(k == 1)[0]
        where = {(1, 0): "left of", (1, 2): "right of", (0, 1): "above", (2, 1): "below"}[(r, c)]
        assert where == side
        assert f"{side} the centre" in presets.describe_shift(direction)
    assert "lecture" in presets.describe_shift("right")
    with pytest.raises(KernelError):
        presets.describe_shift("sideways")


def test_detail_and_sharpen():
    assert presets.detail(3).sum() == pytest.approx(0.0, abs=1e-6)
    assert presets.sharpen(1.0, 3).sum() == pytest.approx(1.0)
    # amount 1, size 3: the lecture's 2·identity − box.
    np.testing.assert_allclose(presets.sharpen(1.0, 3), 2 * presets.identity() - presets.box(3), atol=1e-7)
    assert presets.sharpen_classic().sum() == 1


def test_sobel_on_a_ramp():
    x = np.arange(30, dtype=np.float32)
    ramp = np.tile(3 * x, (20, 1))                       # brightness grows 3 per pixel to the right
    gx = filtering.convolve(ramp, presets.sobel_x(), padding="none")
    gy = filtering.convolve(ramp, presets.sobel_y(), padding="none")
    np.testing.assert_allclose(gx, 8 * 3)                # (1+2+1) rows × (3 − (−3)) = 24
    np.testing.assert_allclose(gy, 0)
    _, _, mag = filtering.gradient_magnitude(ramp.T.copy())
    np.testing.assert_allclose(mag[1:-1, 1:-1], 24)


def test_laplacian_zero_on_ramps_and_outline_zero_on_flat():
    yy, xx = np.mgrid[0:15, 0:15].astype(np.float32)
    plane = 2 * xx + 5 * yy
    np.testing.assert_allclose(filtering.convolve(plane, presets.laplacian(), padding="none"), 0, atol=1e-4)
    np.testing.assert_allclose(filtering.convolve(np.full((9, 9), 7.0), presets.outline(), padding="none"), 0)
    assert presets.emboss().sum() == 1


def test_robinson_are_rotations_and_match_the_lecture():
    ks = presets.robinson_all()
    for i in range(8):
        # two 45° steps clockwise = one 90° clockwise rotation
        np.testing.assert_array_equal(ks[(i + 2) % 8], np.rot90(ks[i], -1))
        assert ks[i].sum() == 0
    lecture = [[[1, 1, 0], [1, 0, -1], [0, -1, -1]], [[1, 1, 1], [0, 0, 0], [-1, -1, -1]],
               [[0, 1, 1], [-1, 0, 1], [-1, -1, 0]], [[1, 0, -1]] * 3, [[-1, 0, 1]] * 3,
               [[0, -1, -1], [1, 0, -1], [1, 1, 0]], [[-1, -1, -1], [0, 0, 0], [1, 1, 1]],
               [[-1, -1, 0], [-1, 0, 1], [0, 1, 1]]]
    assert {presets.robinson(d).astype(int).tobytes() for d in presets.DIRECTIONS} == \
           {np.array(k).astype(int).tobytes() for k in lecture}
    np.testing.assert_array_equal(presets.robinson("E"), [[-1, 0, 1]] * 3)


def test_compass_map_finds_the_bright_side():
    img = np.zeros((16, 16), np.float32)
    img[:, 8:] = 200                                      # bright to the right: east
    cm = filtering.compass_map(img)
    assert presets.DIRECTIONS[cm.strongest[8, 8]] == "E"
    assert cm.rgb.shape == (16, 16, 3) and cm.rgb.dtype == np.uint8
    assert cm.rgb[8, 2].max() == 0                        # flat area: dark


def test_random_kernel_reproducible():
    np.testing.assert_array_equal(presets.random_kernel(7, 5), presets.random_kernel(7, 5))
    assert not np.array_equal(presets.random_kernel(7, 5), presets.random_kernel(8, 5))
    assert presets.random_kernel(1, 5).shape == (5, 5)


def test_every_preset_builds():
    for key in presets.PRESETS:
        if key == "custom":
            continue
        k = presets.preset_kernel(key, size=5, sigma=1.0, amount=1.5, shift_to="up", direction="SW", seed=3)
        assert k.ndim == 2 and k.shape[0] % 2 == 1 and np.isfinite(k).all(), key


# --- colour modes, padding, display ---------------------------------------------------

def test_colour_mode_shapes():
    img = _rng_image(12, 14)
    assert filtering.convolve(img, presets.box(3), colour="per-channel").shape == (12, 14, 3)
    assert filtering.convolve(img, presets.box(3), colour="grayscale").shape == (12, 14)
    assert filtering.convolve(img, presets.box(3), colour="conv-layer").shape == (12, 14)
    assert filtering.convolve(img, presets.box(5), padding="none").shape == (8, 10, 3)


def test_padding_modes_differ_only_at_the_border():
    img = _rng_image(16, 16)
    outs = {p: filtering.convolve(img, presets.box(3), padding=p) for p in ("zeros", "reflect", "replicate")}
    for a in outs.values():
        np.testing.assert_allclose(a[1:-1, 1:-1], outs["zeros"][1:-1, 1:-1], atol=1e-3)
    assert outs["zeros"][0, 0].mean() < outs["replicate"][0, 0].mean()   # zeros darken the corner


def test_display_mappings():
    v = np.array([[-100.0, 0.0], [50.0, 300.0]])
    clip = filtering.to_display(v, "clip")
    np.testing.assert_array_equal(clip.pixels, [[0, 0], [50, 255]])
    np.testing.assert_array_equal(filtering.to_display(v, "abs").pixels, [[100, 0], [50, 255]])
    res = filtering.to_display(v, "rescale")
    assert res.pixels.min() == 0 and res.pixels.max() == 255 and (res.lo, res.hi) == (-100, 300)
    assert "rescaled" in res.sentence and "-100" in res.sentence
    assert filtering.to_display(np.zeros((3, 3)), "rescale").pixels.max() == 0
    with pytest.raises(KernelError):
        filtering.to_display(v, "log")


def test_kernel_bigger_than_image_without_padding_is_a_clear_error():
    with pytest.raises(KernelError, match="does not fit"):
        filtering.convolve(np.zeros((4, 4)), presets.box(5), padding="none")


# --- typed kernels ------------------------------------------------------------------

def test_parse_kernel_formats():
    np.testing.assert_array_equal(presets.parse_kernel("0 -1 0\n-1 5 -1\n0 -1 0"), presets.sharpen_classic())
    np.testing.assert_array_equal(presets.parse_kernel("[[0,-1,0],[-1,5,-1],[0,-1,0]]"), presets.sharpen_classic())
    np.testing.assert_array_equal(presets.parse_kernel("0, -1, 0; -1, 5, -1; 0, -1, 0"), presets.sharpen_classic())
    np.testing.assert_allclose(presets.parse_kernel("1/9 1/9 1/9\n1/9 1/9 1/9\n1/9 1/9 1/9"), presets.box(3))
    assert presets.parse_kernel("1 0 -1").shape == (1, 3)
    big = presets.parse_kernel("\n".join(" ".join(["1"] * 15) for _ in range(15)))
    assert big.shape == (15, 15)


@pytest.mark.parametrize("text,message", [
    ("", "empty"), ("   \n ", "empty"),
    ("1 2 3\n4 nan 6\n7 8 9", "NaN"), ("1 2 3\n4 inf 6\n7 8 9", "infinite"), ("1 -inf 1", "infinite"),
    ("1 2 3\n4 x 6\n7 8 9", "not a number"), ("1 2 3\n4 5\n7 8 9", "same number"),
    ("1 2\n3 4", "odd"), ("1 1/0 1", "divides by zero"), ("1 1e999 1", "too large"),
    ("\n".join(" ".join(["1"] * 33) for _ in range(33)), "largest"),
])
def test_parse_kernel_rejects(text, message):
    with pytest.raises(KernelError, match=message):
        presets.parse_kernel(text)
    assert issubclass(KernelError, ValueError)


def test_explain_position_on_a_photo_patch():
    gray = np.arange(100, dtype=np.float32).reshape(10, 10) * 2.4
    patch = image_matrix.zoom_patch(gray, 8, 8, 5)                     # pushed back inside: rows 5..9
    assert patch.shape == (5, 5) and patch[0, 0] == np.rint(gray[5, 5])
    pos = image_matrix.explain_position(patch, presets.box(3) * 9, row=1, col=2)
    assert pos.output.shape == (3, 3)
    assert pos.total == patch[1:4, 2:5].sum() == pos.output[1, 2]
    assert pos.written.endswith(f"= {pos.total:.4g}")
    with pytest.raises(KernelError, match="does not fit"):
        image_matrix.explain_position(patch, np.ones((7, 7)))


def test_curve_filter_matches_the_written_sum_not_the_transcript_typo():
    ex = WORKED_EXAMPLES["curve6600"]
    literal = ex.kernel.copy()
    literal[6, 3] = 30                     # the lecture's text also has a 30 here
    assert (ex.image * literal).sum() == 8100
    assert (ex.image * ex.kernel).sum() == 6600 and np.count_nonzero(ex.image * ex.kernel) == 5


def test_package_names_its_public_api():
    for name in explainer.kernels.__all__:
        assert getattr(explainer.kernels, name) is not None, name
    assert not [n for n in explainer.kernels.__all__ if n.startswith("_")]


def test_worked_examples_are_shared_read_only_data():
    ex = WORKED_EXAMPLES["sharpen114"]
    np.testing.assert_array_equal(presets.sharpen_classic(), ex.kernel)
    with pytest.raises(ValueError):
        ex.image[0, 0] = 0            # shared by every session: nobody may change it


def test_suggested_display_for_typed_kernels():
    assert presets.suggested_display(presets.sharpen_classic()) == "clip"
    assert presets.suggested_display(presets.sobel_x()) == "abs"
    assert presets.suggested_display(np.ones((3, 3))) == "rescale"


# --- what the page sends: encoded pictures, figures built in one go, one thread per filter ----

def _decoded(data: bytes) -> np.ndarray:
    import io

    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(data)))


def test_shown_result_encodes_the_display_pixels_once():
    rgb = _rng_image(40, 60)
    result = explainer.kernels.apply_filter(rgb, presets.box(3), padding="none")
    shown = explainer.kernels.shown_result(result)
    pixels = _decoded(shown.picture)
    assert shown.picture[:2] == b"\xff\xd8" and pixels.shape == (38, 58, 3) and shown.size == (58, 38)
    # JPEG at quality 90 without chroma subsampling: close to the exact pixels, not a different picture
    assert np.abs(pixels.astype(int) - result.display.pixels.astype(int)).mean() < 6
    assert shown.sentence == result.display.sentence and "40×60×3 → 38×58×3" in shown.shapes
    magnitude = explainer.kernels.shown_result(explainer.kernels.apply_filter(rgb, presets.sobel_x(), kind="magnitude"))
    assert set(magnitude.parts) == {"gx", "gy"} and _decoded(magnitude.parts["gy"]).shape == (40, 60)


def test_shown_canny_keeps_the_numbers_its_captions_quote():
    rgb = _rng_image(48, 48)
    stages = explainer.kernels.canny(rgb, sigma=1.0, low=0.1, high=0.3)
    shown = explainer.kernels.shown_canny(stages)
    assert set(shown.pictures) == {"blurred", "magnitude", "thinned", "double", "edges"}
    assert shown.edge_pixels == int(stages.edges.sum()) and (shown.low, shown.high) == (stages.low, stages.high)
    assert _decoded(shown.pictures["double"]).shape == (48, 48, 3)


def test_filters_run_on_one_thread_and_leave_the_callers_count_alone():
    seen = []
    real = F.conv2d

    def spy(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return real(*args, **kwargs)

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(filtering.F, "conv2d", spy)
            explainer.kernels.apply_filter(_rng_image(), presets.sharpen())
            explainer.kernels.canny(_rng_image(), sigma=1.0)
        assert seen and set(seen) == {1}
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_kernel_figure_leaves_out_numbers_too_small_to_read():
    import explainer.kernels.figures as figures

    big = figures.kernel_figure(presets.gaussian(7, 2.0), font_size=20, height=360, min_text=16)
    small = figures.kernel_figure(presets.gaussian(7, 2.0), font_size=20, height=360)
    three = figures.kernel_figure(presets.sharpen(), font_size=20, height=360, min_text=16)
    assert big.data[0].texttemplate == "" and small.data[0].texttemplate == "%{text}"
    assert three.data[0].texttemplate == "%{text}" and three.data[0].textfont.size >= 16
    assert three.layout.title.text is None and three.layout.font.size == 20 and three.layout.height == 360


def test_matrix_figure_outlines_the_window_and_the_padding():
    import explainer.kernels.figures as figures

    fig = figures.matrix_figure(np.arange(25.0).reshape(5, 5), pad=1, window=(0, 1, 3, 3), weights=np.ones((3, 3)),
                                title="x")
    dotted, window = fig.layout.shapes
    assert (dotted.x0, dotted.y0, dotted.x1, dotted.y1) == (0.5, 0.5, 5.5, 5.5) and dotted.line.dash == "dot"
    assert (window.x0, window.y0, window.x1, window.y1) == (0.5, -0.5, 3.5, 2.5)
    assert fig.layout.yaxis.autorange == "reversed" and fig.layout.title.text == "x"
