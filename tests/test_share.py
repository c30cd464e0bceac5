"""explainer.share: the link of a view, and a QR code that reads back as exactly that link."""
import io
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from PIL import Image

from explainer import share

TRICKY = {
    "custom": "1 0 -1\n2 0 -2\n1 0 -1",       # the kernel typed on the playground: spaces, newlines
    "rgbw": "0.33,0.33,0.34",                 # a list value, commas kept readable
    "note": "a&b=c#d+e f%20",                 # every character that means something in a URL
    "label": "−∞ → naïve 漢字",                # non-ASCII
    "present": "1",                           # the lecturer's screen setting: not shared
}


def decode(png: bytes) -> list[str]:
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (requirements-dev.txt) reads QR codes back")
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))]


@pytest.fixture(autouse=True)
def no_public_url(monkeypatch):
    monkeypatch.delenv("CONVSCOPE_PUBLIC_URL", raising=False)


def test_link_is_base_page_and_every_setting():
    url = share.share_url("kernels", {"preset": "sobel", "size": "7"}, base="https://me-convscope.hf.space/")
    assert url == "https://me-convscope.hf.space/kernels?preset=sobel&size=7"
    assert share.share_url("", {}, base="http://127.0.0.1:8501") == "http://127.0.0.1:8501/"


def test_public_url_setting_replaces_the_local_address(monkeypatch):
    assert share.base_url("http://127.0.0.1:8501/geometry", "geometry") == "http://127.0.0.1:8501"
    monkeypatch.setenv("CONVSCOPE_PUBLIC_URL", "https://me-convscope.hf.space/")
    assert share.base_url("http://127.0.0.1:8501/geometry", "geometry") == "https://me-convscope.hf.space"
    assert share.share_url("geometry", {"geo_s": "2"}).startswith("https://me-convscope.hf.space/geometry?")


def test_browser_address_under_a_prefix_keeps_the_prefix():
    assert share.base_url("https://host.org/apps/convscope/mnist/", "mnist") == "https://host.org/apps/convscope"
    assert share.base_url(None) == share.LOCAL_BASE
    assert share.base_url("http://localhost:8501/?x=1#top") == "http://localhost:8501"


@pytest.mark.parametrize("bad", ["127.0.0.1:8501", "ftp://host/", "javascript:alert(1)", "https://"])
def test_a_bad_base_is_a_clear_error(bad, monkeypatch):
    with pytest.raises(share.ShareError, match="web address"):
        share.share_url("kernels", {}, base=bad)
    monkeypatch.setenv("CONVSCOPE_PUBLIC_URL", bad)
    with pytest.raises(share.ShareError, match="CONVSCOPE_PUBLIC_URL"):
        share.base_url("http://localhost:8501")


def test_query_values_survive_escaping_exactly():
    url = share.share_url("kernels", {**TRICKY, "many": ["x y", "z&w"]}, base="http://localhost:8501")
    query = urlsplit(url).query
    assert "\n" not in url and " " not in url and "#" not in query and "+" not in query
    assert "rgbw=0.33,0.33,0.34" in query
    back = parse_qs(query, keep_blank_values=True)
    expected = {k: [v] for k, v in TRICKY.items() if k != "present"}
    assert back == {**expected, "many": ["x y", "z&w"]}


def test_presentation_mode_is_not_shared_unless_asked():
    assert "present" not in share.share_url("kernels", {"present": "1", "size": "3"})
    assert "present=1" in share.share_url("kernels", {"present": "1"}, drop=())


@pytest.mark.parametrize("params", [{}, {"preset": "sobel"}, TRICKY,
                                    {f"sty_w_conv{i}_1": "0.5" for i in range(1, 6)} | {"sty_iters": "300"}])
def test_qr_code_decodes_to_the_link(params):
    url = share.share_url("style_transfer", params, base="https://me-convscope.hf.space")
    code = share.share_code(url)
    assert decode(code.png) == [url]


def test_qr_code_still_reads_when_small_on_the_screen():
    url = share.share_url("geometry", {"geo_h": "6", "geo_w": "6", "geo_s": "2", "geo_pad": "custom"})
    code = share.share_code(url)
    with Image.open(io.BytesIO(code.png)) as img:
        assert img.size == (code.side_px, code.side_px)
        far = img.convert("L").resize((code.side_px // 3,) * 2, Image.Resampling.BILINEAR)
    buf = io.BytesIO()
    far.save(buf, "PNG")
    assert decode(buf.getvalue()) == [url]


def test_qr_size_follows_the_request_with_a_quiet_zone():
    url = share.share_url("kernels", {"preset": "sobel"})
    small, large = share.share_code(url, side_px=200), share.share_code(url, side_px=900)
    assert small.side_px <= 200 < large.side_px <= 900 and large.scale > small.scale
    assert large.modules == 17 + 4 * large.version
    matrix = share.qr_matrix(url)
    assert matrix.shape == (large.modules, large.modules)
    finder = matrix[:7, :7]  # the top-left finder pattern: dark ring, light ring, dark 3x3 centre
    assert finder[0].all() and finder[:, 0].all() and not finder[1, 1:6].any() and finder[2:5, 2:5].all()
    with Image.open(io.BytesIO(large.png)) as img:
        px = np.asarray(img.convert("L"))
    assert (px[: share.BORDER * large.scale] == 255).all()  # white quiet zone on top


def test_too_long_a_link_says_so():
    url = share.share_url("kernels", {"custom": "9" * 5000})
    with pytest.raises(share.ShareError, match="too long"):
        share.share_code(url)


def test_svg_is_a_document_of_the_same_code():
    svg = share.qr_svg(share.share_url("mnist", {"mn_epochs": "2"}))
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
