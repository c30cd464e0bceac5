"""Fetch everything ConvScope downloads, ahead of time: ``python -m explainer.prefetch``.

Pretrained weights (VGG16, VGG19 — also the style-transfer network —, ResNet18, ResNet50)
go to torch's hub cache, MNIST to ``config.mnist_raw_dir()``. The Dockerfile runs this at
build time so a running Space never downloads. ``--check`` only reports what is there.
Exit status 0 when everything is present afterwards, 1 when something is missing.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from explainer.features import models
from explainer import weights
from explainer import config
from explainer.config import data_dir
from explainer.mnist.datasets import download_events

MNIST_FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
               "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


@dataclass(frozen=True)
class Item:
    item: str
    path: Path
    present: bool
    size_mb: float


def mnist_folder() -> Path:
    return config.mnist_raw_dir()


def report() -> list[Item]:
    """What is on disk now (no network)."""
    rows = [Item(e.item, e.path, e.present, e.size_mb) for e in models.cached_status()]
    raw = mnist_folder()
    files = [raw / f for f in MNIST_FILES]
    present = all(f.is_file() for f in files)
    size = sum(f.stat().st_size for f in files if f.is_file()) / 1e6
    rows.append(Item("MNIST (4 files)", raw, present, size))
    return rows


def _bar(out: TextIO):
    last = {}

    def progress(name: str, done: int, total: int) -> None:
        pct = int(100 * done / total) if total else -1
        if last.get(name) != pct and (pct % 5 == 0 or pct == -1):
            last[name] = pct
            amount = f"{done / 1e6:6.1f} / {total / 1e6:.1f} MB" if total else f"{done / 1e6:6.1f} MB"
            print(f"  {name:<10} {amount}" + (f"  {pct:3d}%" if total else ""), file=out, flush=True)
    return progress


def fetch_mnist(out: TextIO) -> str | None:
    """Download MNIST into the data folder (the same downloader the MNIST page uses); an error, or None."""
    if all((mnist_folder() / f).is_file() for f in MNIST_FILES):
        return None
    if config.offline():
        return f"Downloads are switched off ({config.OFFLINE}=1)."
    print(f"  MNIST -> {mnist_folder()}", file=out, flush=True)
    bar = _bar(out)
    try:
        for event in download_events(data_dir()):
            bar(event.file, event.done, event.total)
    except (RuntimeError, OSError) as err:
        return f"Could not download MNIST ({' '.join(str(err).split())[:300]}). Is this machine online?"
    return None


def print_table(rows: list[Item], out: TextIO) -> None:
    width = max(len(r.item) for r in rows)
    print(f"\n{'item':<{width}}  {'status':<14} path", file=out)
    for r in rows:
        status = f"present {r.size_mb:6.1f} MB" if r.present else "MISSING"
        print(f"{r.item:<{width}}  {status:<14} {r.path}", file=out)


def main(argv: list[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(prog="python -m explainer.prefetch", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report what is present; download nothing")
    parser.add_argument("--force", action="store_true", help="download the weights again even if cached")
    args = parser.parse_args(argv)

    failures: dict[str, str] = {}
    if not args.check:
        print(f"Downloading pretrained weights into {weights.cache_path(models.STYLE_WEIGHTS).parent}", file=out, flush=True)
        for name, _path, error in models.prefetch_models(_bar(out), force=args.force):
            if error:
                failures[f"{name} weights"] = error
                print(f"  {name:<10} FAILED: {error}", file=out, flush=True)
        error = fetch_mnist(out)
        if error:
            failures["MNIST"] = error
            print(f"  MNIST      FAILED: {error}", file=out, flush=True)

    rows = report()
    print_table(rows, out)
    missing = [r.item for r in rows if not r.present]
    if missing:
        print(f"\n{len(missing)} of {len(rows)} missing: {', '.join(missing)}.", file=out)
        print("Run `python -m explainer.prefetch` on a machine with internet access "
              "(without CONVSCOPE_OFFLINE=1), or copy the files to the paths above.", file=out)
        return 1
    print(f"\nAll {len(rows)} items present.", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
