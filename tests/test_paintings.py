"""The public-domain paintings in assets/styles/: small, credited, offered by every picker."""
import json

import pytest
from PIL import Image

from explainer.images import PAINTINGS_DIR, sample_images

MAX_SIDE = 512
MAX_BYTES = 200_000
CREDIT_FIELDS = ("key", "file", "title", "artist", "year", "source", "public_domain")


def credits() -> list[dict]:
    return json.loads((PAINTINGS_DIR / "credits.json").read_text(encoding="utf-8"))


def test_five_paintings_ship_and_every_image_file_is_credited():
    listed = {e["file"] for e in credits()}
    on_disk = {p.name for p in PAINTINGS_DIR.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png")}
    assert len(listed) == 5
    assert on_disk == listed  # no uncredited file, no credit without its file


@pytest.mark.parametrize("entry", credits(), ids=lambda e: e["key"])
def test_painting_is_small_credited_and_public_domain(entry):
    for field in CREDIT_FIELDS:
        assert str(entry.get(field, "")).strip(), f"{entry['file']}: no {field}"
    path = PAINTINGS_DIR / entry["file"]
    assert path.stat().st_size < MAX_BYTES
    with Image.open(path) as img:
        assert img.format == "JPEG" and img.mode == "RGB"
        assert max(img.size) <= MAX_SIDE
        assert max(img.size) == MAX_SIDE or min(img.size) >= 256  # shrunk, not a thumbnail
    assert entry["title"] in (PAINTINGS_DIR / "CREDITS.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("entry", credits(), ids=lambda e: e["key"])
def test_sample_images_offer_the_painting_with_title_and_credit(entry, monkeypatch):
    monkeypatch.delenv("CONVSCOPE_IMAGE_DIR", raising=False)  # a fresh clone: no extra folder
    sample = sample_images()[entry["key"]]
    assert entry["title"] in sample.title and entry["artist"] in sample.title
    assert entry["artist"] in sample.credit and entry["year"] in sample.credit
    assert "public domain" in sample.credit.lower()
    rgb = sample.load()
    assert rgb.dtype.name == "uint8" and rgb.ndim == 3 and rgb.shape[2] == 3
    assert max(rgb.shape[:2]) <= MAX_SIDE and rgb.std() > 10  # a real picture, not a blank


def test_extra_folder_still_adds_images_without_duplicating_a_shipped_painting(tmp_path, monkeypatch):
    Image.new("RGB", (40, 30), (200, 10, 10)).save(tmp_path / "starry_night.jpg")
    Image.new("RGB", (40, 30), (10, 200, 10)).save(tmp_path / "my_sketch.png")
    monkeypatch.setenv("CONVSCOPE_IMAGE_DIR", str(tmp_path))
    samples = sample_images()
    assert "file-my_sketch" in samples and samples["file-my_sketch"].load().shape == (30, 40, 3)
    assert "file-starry_night" not in samples
    assert max(samples["starry_night"].load().shape[:2]) == MAX_SIDE  # the shipped one, not the stand-in


def test_shared_originals_match_what_ships():
    from tests.conftest import shared_data_or_skip

    originals = shared_data_or_skip("styles")
    for entry in credits():
        with Image.open(originals / entry["file"]) as big, Image.open(PAINTINGS_DIR / entry["file"]) as small:
            ratio_big, ratio_small = big.width / big.height, small.width / small.height
            assert abs(ratio_big - ratio_small) < 0.01  # same picture, same proportions
