"""The lecture tour as data: about twenty steps in the lecture's order, each a deep link.

A step is one talking point (our words, the lecture's vocabulary) and the view that shows it:
a page's url path and the query parameters that page already keeps (``ui.url_state``).
Everything is in :data:`TABLE`, one row per step, parameters written as a query string, so
a renamed page or setting is fixed in one line. ``tests/test_tour.py`` opens every step's
page with its parameters and checks that each one was taken (not silently replaced by the
page's default), and ``tests/page_keys.py`` checks the keys against the page sources.

Pages that are still being written (architectures, augmentation & transfer) carry a
``fallback``: the nearest view that exists today, used while their file is missing.

Not wired into the app yet: the tour page / sidebar mode reads :func:`steps`,
:func:`find_step` and :func:`view_of`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Collection, Mapping
from urllib.parse import parse_qsl

#: The query key of the tour itself (``?tour=canny`` or ``?tour=8``): kept beside the page's own keys.
TOUR_KEY = "tour"

# key | page url path | query parameters | fallback "page?params" while the page is missing | title | talking point
TABLE = [
    ("matrix", "kernels", "preset=identity&demo=photo", "",
     "An image is a matrix",
     "To the computer a photo is a grid of numbers: one brightness from 0 to 255 per pixel, three grids for "
     "red, green and blue. Zoom in and the numbers are all there is."),
    ("identity", "kernels", "preset=identity", "",
     "The identity kernel",
     "A kernel is a small grid of weights slid over the image: multiply the pixels under it by the weights "
     "and add. With a single 1 in the centre, every output pixel is just the pixel under it."),
    ("shift", "kernels", "preset=shift&shift=right", "",
     "Shifting by one pixel",
     "Move the 1 off centre and each output pixel copies a neighbour: the whole picture moves by one pixel. "
     "Where the 1 sits decides the direction."),
    ("box", "kernels", "preset=box&size=7", "",
     "Box blur",
     "Make every weight 1/n² and each pixel becomes the average of its n×n neighbourhood: detail is smoothed "
     "away, flat areas keep their brightness because the weights add up to 1."),
    ("sharpen", "kernels", "preset=sharpen&size=3&amount=2", "",
     "Sharpen = original + detail",
     "Detail is the original minus its blur. Adding it back makes edges crisper: centre weight above 1, "
     "neighbours negative, and the weights still add up to 1."),
    ("curve", "kernels", "preset=identity&demo=curve6600", "",
     "A curve detector: 6600",
     "A kernel shaped like a curve gives a large sum where the image has that curve (6600 here) and "
     "almost nothing elsewhere. A kernel is a pattern detector; a CNN learns its patterns."),
    ("sobel", "kernels", "preset=sobel_mag&size=3", "",
     "Sobel edges",
     "Sobel x measures how much brighter it gets to the right, Sobel y downwards. Together they give the "
     "edge strength √(Gx² + Gy²), whatever the edge's direction."),
    ("canny", "kernels", "preset=canny&canny_sigma=2", "",
     "Canny, step by step",
     "Canny blurs, takes the Sobel gradient, keeps only the thin crest of each edge, then keeps weak edge "
     "pixels only when they connect to strong ones: clean one-pixel lines."),
    ("robinson", "kernels", "preset=compass_map", "",
     "Robinson compass kernels",
     "Eight kernels, one per compass direction, each turned 45°. Which one answers most says which way the "
     "edge faces; colouring by the winner draws the direction map."),
    ("padding", "geometry", "geo_view=window&geo_h=5&geo_w=5&geo_kh=3&geo_kw=3&geo_pad=same&geo_vals=patch"
                            "&geo_kvals=sharpen&geo_num=1", "",
     "Zero padding: the 114",
     "Without padding a 3×3 kernel loses a border pixel on each side. A ring of zeros keeps the size; the "
     "top-left output of the sharpen kernel on this patch is 114."),
    ("stride", "geometry", "geo_view=window&geo_h=6&geo_w=6&geo_kh=3&geo_kw=3&geo_pad=custom&geo_ph=1&geo_pw=1"
                           "&geo_s=2", "",
     "Stride",
     "Stride is how far the window jumps. Stride 2 visits every other position, so the 6×6 input gives a "
     "3×3 output: ⌊(n + 2p − k)/s⌋ + 1."),
    ("pooling", "geometry", "geo_view=window&geo_op=maxpool&geo_h=4&geo_w=4&geo_kh=2&geo_kw=2&geo_s=2", "",
     "Max pooling",
     "Pooling has no weights: each 2×2 block keeps only its largest value. Half the width, half the height, "
     "and the strongest responses survive."),
    ("pyramid", "geometry", "geo_view=pyramid", "",
     "Pooling again and again",
     "Pool repeatedly and the picture shrinks to a pyramid: each level keeps coarser structure, which is how "
     "deeper layers get to see larger parts of the image."),
    ("lenet", "geometry", "geo_view=lenet", "",
     "LeNet-5's shapes",
     "LeNet-5 on a 32×32 digit: 5×5 convolutions and 2×2 pooling take it 32 → 28 → 14 → 10 → 5, then fully "
     "connected layers decide which digit it is."),
    ("mnist", "mnist", "mn_epochs=1", "",
     "Fully connected vs CNN on MNIST",
     "Train both on the same digits. The fully connected network treats the image as a long list of pixels; "
     "LeNet shares small kernels across it, learns faster and ends more accurate with fewer weights."),
    ("early", "feature_maps", "model=VGG16&layer=features.3", "",
     "Early feature maps",
     "Feature maps of an early layer still look like the photo: each kernel lights up its own kind of edge "
     "or colour contrast, much like the hand-made kernels."),
    ("deep", "feature_maps", "model=VGG16&layer=features.29", "",
     "Deep feature maps",
     "Deep in the network the maps are small and abstract: each responds to a part or a texture anywhere in "
     "its large receptive field, no longer to a single edge."),
    ("architectures", "architectures", "ar_model=resnet50&ar_depth=20&ar_activation=sigmoid", "",
     "Architectures",
     "From LeNet to AlexNet, VGG and ResNet: deeper networks with small 3×3 kernels, and shortcuts that add "
     "a block's input to its output so very deep networks still train."),
    ("augmentation", "augmentation", "au_n_train=300", "",
     "Data augmentation",
     "Few examples? Flip, rotate, shift, crop and add noise to make new ones. The network learns that these "
     "changes do not change the answer."),
    ("transfer", "transfer", "tr_steps=150", "",
     "Transfer learning",
     "A network trained on ImageNet already has good kernels. Keep its layers, replace and train only the "
     "last one: good results from a small dataset."),
    ("style", "style_transfer", "sty_content=chelsea&sty_style=starry_night", "",
     "Neural style transfer",
     "A frozen VGG19 compares pictures: deep feature maps for content, Gram matrices of feature maps for "
     "style. The pixels of the output are optimised until both match."),
]


@dataclass(frozen=True)
class TourStep:
    """One step of the tour: what to say and the view that shows it."""

    number: int                              # 1-based, as the tour shows it
    key: str                                 # stable id for links (``?tour=canny``)
    title: str
    talking_point: str
    page: str                                # url path of the page (``kernels``)
    params: Mapping[str, str] = field(default_factory=dict)
    fallback_page: str = ""                  # used while ``page`` does not exist yet
    fallback_params: Mapping[str, str] = field(default_factory=dict)


def _params(query: str) -> Mapping[str, str]:
    return MappingProxyType(dict(parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))))


def _step(number: int, row: tuple) -> TourStep:
    key, page, query, fallback, title, point = row
    fb_page, _, fb_query = fallback.partition("?")
    return TourStep(number=number, key=key, title=title, talking_point=point, page=page, params=_params(query),
                    fallback_page=fb_page, fallback_params=_params(fb_query))


def steps() -> list[TourStep]:
    """The tour in the lecture's order."""
    return [_step(n, row) for n, row in enumerate(TABLE, start=1)]


@dataclass(frozen=True)
class Found:
    """Where a ``?tour=`` value leads: the step, and a note when it was not a valid step."""

    step: TourStep
    note: str = ""


def find_step(raw: str | None) -> Found:
    """The step a link names, by key (``canny``) or number (``8``); anything else gives the nearest one.

    Never raises: no value starts the tour, a number out of range goes to the first or last
    step, an unknown key to the first step, each with a note saying so.
    """
    tour = steps()
    if raw is None or not str(raw).strip():
        return Found(tour[0])
    text = str(raw).strip()
    by_key = {s.key: s for s in tour}
    if text.lower() in by_key:
        return Found(by_key[text.lower()])
    try:
        number = int(text)
    except ValueError:
        return Found(tour[0], f"There is no tour step “{text[:40]}”; starting from the first step.")
    nearest = min(max(number, 1), len(tour))
    if nearest != number:
        return Found(tour[nearest - 1], f"The tour has steps 1 to {len(tour)}; showing step {nearest}.")
    return Found(tour[nearest - 1])


def neighbours(step: TourStep) -> tuple[TourStep | None, TourStep | None]:
    """(previous, next) step, None at either end."""
    tour = steps()
    i = step.number - 1
    return (tour[i - 1] if i > 0 else None), (tour[i + 1] if i + 1 < len(tour) else None)


def view_of(step: TourStep, pages: Collection[str]) -> tuple[str, dict[str, str], str]:
    """(page, params, note) to open for ``step``, given the url paths the app has now.

    The tour's own key is added to the params so the tour knows where it is after the switch.
    A page that does not exist yet gives its fallback, with a note; a step with neither gives
    the start page.
    """
    if step.page in pages:
        return step.page, {**step.params, TOUR_KEY: step.key}, ""
    if step.fallback_page in pages:
        return (step.fallback_page, {**step.fallback_params, TOUR_KEY: step.key},
                f"The page for “{step.title}” is not in this version yet; showing the nearest view.")
    return "", {TOUR_KEY: step.key}, f"The page for “{step.title}” is not in this version yet."
