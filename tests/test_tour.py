"""explainer.tour: the lecture's order, links that name real settings, bad links that land softly."""
import pytest

from explainer import share, tour
from ui.url_state import url_text
from tests.conftest import assert_no_exception, run_page
from tests.page_keys import menu_pages, unknown_keys

LECTURE_ORDER = ["matrix", "identity", "shift", "box", "sharpen", "curve", "sobel", "canny", "robinson", "padding",
                 "stride", "pooling", "pyramid", "lenet", "mnist", "early", "deep", "architectures", "augmentation",
                 "transfer", "style"]
PAGES = menu_pages()


def test_about_twenty_steps_in_the_lecture_order():
    steps = tour.steps()
    assert [s.key for s in steps] == LECTURE_ORDER
    assert [s.number for s in steps] == list(range(1, len(steps) + 1))
    for s in steps:
        assert s.title and 60 <= len(s.talking_point) <= 320, s.key
        assert s.page and (s.params or s.fallback_page or s.page in PAGES), s.key


@pytest.mark.parametrize("step", tour.steps(), ids=lambda s: s.key)
def test_every_key_in_a_link_is_one_its_page_reads(step):
    if step.page in PAGES:
        assert unknown_keys(step.page, step.params) == []
    else:  # a page still being written: its fallback must work today
        assert step.fallback_page in PAGES, f"{step.key}: neither {step.page} nor a fallback page exists"
    if step.fallback_page:
        assert unknown_keys(step.fallback_page, step.fallback_params) == []


def test_the_key_check_notices_a_renamed_setting():
    assert unknown_keys("kernels", {"preset": "box", "kernel_size": "7"}) == ["kernel_size"]
    assert unknown_keys("geometry", {"geo_s": "2", "geo_stride": "2"}) == ["geo_stride"]
    assert unknown_keys("style_transfer", {"sty_style_src": "Sample", "present": "1"}) == []
    with pytest.raises(LookupError, match="no page"):
        unknown_keys("nowhere", {})


@pytest.mark.parametrize("raw, key, note", [
    (None, "matrix", ""), ("", "matrix", ""), ("canny", "canny", ""), ("CANNY", "canny", ""), ("8", "canny", ""),
    ("0", "matrix", "steps 1 to"), ("999", "style", "steps 1 to"), ("-3", "matrix", "steps 1 to"),
    ("1e400", "matrix", "no tour step"), ("8.5", "matrix", "no tour step"), ("nan", "matrix", "no tour step"),
    ("<script>", "matrix", "no tour step"),
])
def test_a_bad_tour_link_opens_the_nearest_step_with_a_note(raw, key, note):
    found = tour.find_step(raw)
    assert found.step.key == key
    assert (note in found.note) if note else found.note == ""


def test_neighbours_and_views():
    first, last = tour.steps()[0], tour.steps()[-1]
    assert tour.neighbours(first) == (None, tour.steps()[1])
    assert tour.neighbours(last) == (tour.steps()[-2], None)
    canny = tour.find_step("canny").step
    assert tour.view_of(canny, PAGES) == ("kernels", {"preset": "canny", "canny_sigma": "2", "tour": "canny"}, "")
    arch = tour.TourStep(number=18, key="architectures", title="Architectures", talking_point="…",
                         page="architectures", params={"ar_depth": "20"}, fallback_page="feature_maps",
                         fallback_params={"model": "ResNet50"})
    page, params, note = tour.view_of(arch, {"feature_maps"})  # a build without the page: its fallback
    assert page == "feature_maps" and params["model"] == "ResNet50" and "not in this version" in note
    assert tour.view_of(arch, set())[0] == ""


def test_step_links_survive_the_share_link():
    from urllib.parse import parse_qs, urlsplit

    for step in tour.steps():
        page, params, _ = tour.view_of(step, PAGES)
        url = share.share_url(page, params, base="https://me-convscope.hf.space")
        back = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        assert back == params and urlsplit(url).path == f"/{page}"


@pytest.mark.parametrize("step", tour.steps(), ids=lambda s: s.key)
def test_every_step_opens_its_page_in_exactly_that_state(step, monkeypatch):
    """The real check: the page runs with the step's link, and every setting in it was taken."""
    monkeypatch.delenv("CONVSCOPE_IMAGE_DIR", raising=False)  # a fresh clone: shipped pictures only
    page, params, _ = tour.view_of(step, PAGES)
    at = run_page(PAGES[page].relative_to(PAGES[page].parent.parent).as_posix(), query=params, timeout=240)
    assert_no_exception(at)
    for key, wanted in params.items():
        if key in ("tour",):
            continue  # the tour's own key: the tour page reads it, not this page
        assert key in at.session_state, f"{step.key}: the page did not read ?{key}="
        value = at.session_state[key]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            taken = float(value) == float(wanted)
        else:
            taken = url_text(value) == wanted
        assert taken, (f"{step.key}: ?{key}={wanted} was replaced by {url_text(value)} "
                       "(a renamed choice? out of range?)")
