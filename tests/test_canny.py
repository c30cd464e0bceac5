"""explainer.kernels.canny: each stage does its job, and the result matches scikit-image's Canny."""
import numpy as np
import pytest
import skimage.data
import skimage.feature

from explainer.kernels.canny import agreement, canny, hysteresis, non_maximum_suppression, stage_pictures
from explainer.images import fit_within, load_image
from explainer.kernels.presets import KernelError


def _square(n=40, noise=0.0, seed=0):
    img = np.zeros((n, n), np.float32)
    img[10:30, 10:30] = 200
    if noise:
        img += np.random.default_rng(seed).normal(0, noise, img.shape).astype(np.float32)
    return np.clip(img, 0, 255)


def test_stages_have_the_image_shape_and_order():
    st = canny(_square(), sigma=1.5)
    for arr in (st.blurred, st.gx, st.gy, st.magnitude, st.thinned, st.strong, st.weak, st.edges):
        assert arr.shape == (40, 40)
    assert st.blurred.std() < st.gray.std()                       # the blur smooths
    assert np.all((st.thinned == 0) | (st.thinned == st.magnitude))
    assert (st.thinned > 0).sum() < (st.magnitude > st.magnitude.max() * 0.05).sum()  # thinning thins
    assert not (st.strong & st.weak).any()
    assert np.all(st.edges <= (st.strong | st.weak))              # edges come only from candidates
    assert np.all(st.edges[st.strong])                            # every strong pixel is an edge
    assert 0 < st.low <= st.high == pytest.approx(0.2 * st.magnitude.max())


def test_square_outline_is_one_pixel_thin():
    img = np.zeros((40, 40), np.float32)
    img[9:31, 9:31] = 100          # a one-pixel step at half height: the edge has a single centre,
    img[10:30, 10:30] = 200        # (a bare 0 -> 200 step would leave a two-pixel tie, in skimage too)
    st = canny(img, sigma=1.0)
    edges = st.edges
    # Along the middle row, the left side of the square is crossed by exactly one edge pixel.
    assert edges[20, 5:15].sum() == 1
    assert edges[20, 25:35].sum() == 1
    assert edges[15:25, 15:25].sum() == 0                          # nothing inside the flat square


def test_nms_keeps_ridge_centre():
    mag = np.array([[0, 1, 3, 1, 0]] * 5, float)
    gx = np.ones_like(mag)
    gy = np.zeros_like(mag)
    kept = non_maximum_suppression(gx, gy, mag)
    assert kept[2].tolist() == [0, 0, 3, 0, 0]


def test_hysteresis_links_weak_pixels_to_strong_ones():
    thinned = np.zeros((5, 9))
    thinned[2, 1:4] = [0.9, 0.4, 0.4]      # strong + two weak: all edges
    thinned[2, 6:8] = [0.4, 0.4]           # weak on their own: dropped
    strong, weak, edges = hysteresis(thinned, 0.3, 0.8)
    assert strong.sum() == 1 and weak.sum() == 4
    assert edges[2, 1:4].all() and not edges[2, 6:8].any()


@pytest.mark.parametrize("name,sigma", [("camera", 1.0), ("coins", 2.0), ("astronaut", 3.0)])
def test_agrees_with_skimage(name, sigma):
    img = fit_within(load_image(getattr(skimage.data, name)()), 256)
    st = canny(img, sigma=sigma, low=0.1, high=0.2)
    ref = skimage.feature.canny(st.gray, sigma=sigma, low_threshold=st.low, high_threshold=st.high,
                                mode="nearest")
    agree = agreement(st.edges, ref)
    # Measured: identical maps (1.0 and 1.0); the margin only allows float-rounding ties.
    assert agree["pixels_agree"] >= 0.999, agree
    assert agree["iou"] >= 0.99, agree
    assert ref.sum() > 100                 # a real edge map, not two empty ones


def test_agrees_with_skimage_on_noise():
    st = canny(_square(64, noise=30, seed=3), sigma=2.0, low=0.05, high=0.15)
    ref = skimage.feature.canny(st.gray, sigma=2.0, low_threshold=st.low, high_threshold=st.high,
                                mode="nearest")
    assert agreement(st.edges, ref)["iou"] >= 0.99


def test_bad_parameters_are_clear_errors():
    with pytest.raises(KernelError, match="low"):
        canny(_square(), low=0.5, high=0.2)
    with pytest.raises(KernelError, match="sigma"):
        canny(_square(), sigma=0)


def test_flat_image_has_no_edges():
    st = canny(np.full((20, 20), 90, np.float32))
    assert not st.edges.any()


def test_stage_pictures_show_each_stage_as_pixels():
    st = canny(_square(), sigma=1.5)
    pics = stage_pictures(st)
    assert set(pics) == {"blurred", "magnitude", "thinned", "double", "edges"}
    assert all(p.dtype == np.uint8 and p.shape[:2] == (40, 40) for p in pics.values())
    assert (pics["edges"] == 255).sum() == st.edges.sum()
    assert (pics["double"][st.strong] == 255).all() and (pics["double"][st.weak] == (90, 160, 255)).all()
    assert pics["magnitude"].max() == 255            # the high threshold and above show white
