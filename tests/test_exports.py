"""explainer.exports: every file opens, has the size and frame count it should, and says what it shows."""
import csv
import io

import numpy as np
import pytest
from PIL import Image

from explainer import exports
from explainer.geometry import arithmetic
from explainer.geometry.gif import (DONE_FILL, MAX_STEPS, NOW_FILL, WINDOW_FILL, GifError, animation_frames,
                                    window_sums)
from explainer.mnist.training import Evaluated, Progress, TrainingLog

RED_END, BLUE_END = (103, 0, 31), (5, 48, 97)  # the ends of the diverging map: +max, -max


def opened(data: bytes, fmt: str) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    assert img.format == fmt
    return img


def colours(img: Image.Image) -> set[tuple[int, int, int]]:
    return {tuple(int(v) for v in c) for c in np.unique(np.asarray(img.convert("RGB")).reshape(-1, 3), axis=0)}


def gif_frames(data: bytes) -> list[Image.Image]:
    img = opened(data, "GIF")
    frames = []
    for i in range(img.n_frames):
        img.seek(i)
        frames.append(img.convert("RGB"))
    return frames


def small_log(steps: int = 12) -> TrainingLog:
    log = TrainingLog()
    for i in range(1, steps + 1):
        log.add([Progress(step=i, total_steps=steps, epoch=i / steps, images_seen=64 * i,
                          loss={"MLP": 2.3 / i, "CNN": 2.0 / i}, train_acc={"MLP": 0.5 + i / 40, "CNN": 0.6 + i / 40},
                          images_per_s=1000.0, elapsed_s=0.1 * i, eta_s=0.1 * (steps - i))])
        if i % 4 == 0:
            log.add([Evaluated(step=i, epoch=i / steps, images_seen=64 * i, test_acc={"MLP": 0.7, "CNN": 0.8},
                               n_images=1000, full=i == steps)])
    return log


# --------------------------------------------------------------------------- PNG pictures

def test_image_pair_is_both_pictures_side_by_side_enlarged_for_slides():
    before = np.zeros((64, 48, 3), np.uint8)
    after = np.full((64, 48), 255, np.uint8)  # greyscale works too
    img = opened(exports.image_pair_png(before, after, captions=("Original", "Box blur 5×5"), title="Blur"), "PNG")
    # 48 px wide tiles are enlarged by a whole factor (8: short side 384 >= 360) and laid side by side
    assert img.width >= 2 * 48 * 8 and img.height > 64 * 8
    found = colours(img)
    assert (0, 0, 0) in found and (255, 255, 255) in found


def test_image_pair_rejects_what_is_not_a_picture():
    with pytest.raises(exports.ExportError, match="image pair"):
        exports.image_pair_png(np.zeros((4, 4, 7)), np.zeros((4, 4)))


def test_feature_grid_centres_colours_on_zero():
    maps = np.stack([np.full((14, 14), 3.0), np.full((14, 14), -0.5), np.zeros((14, 14))])
    layer = opened(exports.feature_grid_png(maps, scope="layer", titles=["a", "b", "c"]), "PNG")
    own = opened(exports.feature_grid_png(maps, scope="map"), "PNG")
    assert RED_END in colours(layer) and BLUE_END not in colours(layer)  # -0.5 is pale on the layer's ±3 scale
    assert RED_END in colours(own) and BLUE_END in colours(own)  # each map on its own ±max
    with pytest.raises(exports.ExportError, match=r"\(N, H, W\)"):
        exports.feature_grid_png(np.zeros((14, 14)))


def test_gram_heatmaps_one_tile_per_layer():
    grams = {"conv1_1": np.eye(8), "conv2_1": np.ones((16, 16))}
    img = opened(exports.gram_heatmaps_png(grams, title="Style: Gram matrices"), "PNG")
    assert img.width > 2 * 240
    with pytest.raises(exports.ExportError, match="square"):
        exports.gram_heatmaps_png({"bad": np.zeros((3, 4))})


def test_training_curves_png_and_csv_carry_every_point():
    log = small_log()
    img = opened(exports.training_curves_png(log, title="MNIST"), "PNG")
    assert img.width > 1000 and img.height >= 480
    rows = list(csv.DictReader(io.StringIO(exports.training_csv(log).decode("utf-8"))))
    assert len(rows) == 2 * 12 + 2 * 3  # two networks: 12 progress rows and 3 test scores each
    assert {r["network"] for r in rows} == {"MLP", "CNN"}
    first = rows[0]
    assert first["kind"] == "train" and first["images_seen"] == "64" and float(first["loss"]) == pytest.approx(2.3)
    assert sum(r["kind"] == "test" for r in rows) == 6


def test_nothing_to_export_before_a_run():
    with pytest.raises(exports.ExportError, match="start a run"):
        exports.training_csv(TrainingLog())
    with pytest.raises(exports.ExportError, match="start a run"):
        exports.training_curves_png(TrainingLog())


# --------------------------------------------------------------------------- GIF animations

def test_padding_stride_gif_has_one_frame_per_step_plus_the_start():
    setting = arithmetic.Setting(size=(6, 7), kernel=(3, 3))  # valid: 4×5 output = 20 steps
    data = exports.padding_stride_gif(setting, fps=4, hold_s=1.5)
    frames = gif_frames(data)
    assert len(frames) == 21
    assert NOW_FILL not in colours(frames[0]) and DONE_FILL not in colours(frames[0])  # nothing computed yet
    assert WINDOW_FILL in colours(frames[1]) and NOW_FILL in colours(frames[1])
    assert DONE_FILL in colours(frames[-1])
    first = opened(data, "GIF")
    assert first.info["loop"] == 0 and first.info["duration"] == 1500
    first.seek(1)
    assert first.info["duration"] == 250


@pytest.mark.parametrize("setting, steps", [
    (arithmetic.Setting(size=(5, 5), kernel=(3, 3), padding_mode="same"), 25),              # the lecture's 114
    (arithmetic.Setting(size=(5, 5), kernel=(3, 3), stride=(2, 2), padding_mode="custom", padding=(1, 1)), 9),
    (arithmetic.Setting(op="maxpool", size=(4, 4), kernel=(2, 2), stride=(2, 2)), 4),
    (arithmetic.Setting(op="avgpool", size=(4, 4), kernel=(2, 2), stride=(2, 2)), 4),
    (arithmetic.Setting(op="transposed", size=(2, 2), kernel=(3, 3), stride=(2, 2)), 4),
    (arithmetic.Setting(size=(7, 7), kernel=(3, 3), dilation=(2, 2)), 9),
])
def test_every_operation_animates(setting, steps):
    frames = list(animation_frames(setting))
    assert len(frames) == steps + 1
    assert len({f.size for f in frames}) <= 2  # captions may differ by a line; the GIF pads to one size
    assert len(gif_frames(exports.padding_stride_gif(setting))) == steps + 1


def test_lecture_values_give_the_lecture_numbers():
    from explainer.worked_examples import DIGITS, EDGE, PATCH, SHARPEN

    same = arithmetic.Setting(size=PATCH.shape, kernel=SHARPEN.shape, padding_mode="same")
    sums = window_sums(same, PATCH, SHARPEN)
    assert sums[0].cell == (0, 0) and sums[0].value == 114 and sums[0].text.endswith("= 114")
    assert "0×0" in sums[0].text and "60×5" in sums[0].text  # padding zeros times the kernel, the centre ×5
    expected = arithmetic.slide(arithmetic.plan(same), PATCH, SHARPEN)
    assert [s.value for s in sums] == list(expected.ravel())  # what the page computes, cell by cell
    first = window_sums(arithmetic.Setting(size=DIGITS.shape, kernel=EDGE.shape), DIGITS, EDGE)
    assert first[0].value == 6  # the lecture's first example
    assert len(list(animation_frames(same, PATCH, SHARPEN, numbers=True))) == PATCH.size + 1


@pytest.mark.parametrize("setting, message", [
    (arithmetic.Setting(size=(2, 2), kernel=(3, 3)), "kernel"),
    (arithmetic.Setting(size=(32, 32), kernel=(3, 3), padding_mode="same"), "steps"),
])
def test_a_setting_that_cannot_animate_says_why(setting, message):
    with pytest.raises(GifError, match=message):
        exports.padding_stride_gif(setting)
    assert MAX_STEPS < 32 * 32


def test_values_of_the_wrong_shape_are_refused():
    with pytest.raises(GifError, match="do not fit"):
        exports.padding_stride_gif(arithmetic.Setting(size=(5, 5)), np.zeros((4, 4)))


def test_style_progression_scales_coarse_frames_up_and_holds_the_last():
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (16, 24, 3), dtype=np.uint8), rng.integers(0, 256, (32, 48, 3), dtype=np.uint8),
              rng.integers(0, 256, (64, 96, 3), dtype=np.uint8)]
    data = exports.style_progression_gif(frames, captions=["64 px", "128 px", "256 px"], fps=5, hold_last_s=2)
    img = opened(data, "GIF")
    assert img.n_frames == 3 and img.width == 96 and img.height > 64
    img.seek(2)
    assert img.info["duration"] == 2000
    plain = opened(exports.style_progression_gif(frames, side=192), "GIF")
    assert plain.size == (192, 128)
    with pytest.raises(exports.ExportError, match="No pictures"):
        exports.style_progression_gif([])
