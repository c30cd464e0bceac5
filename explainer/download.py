"""One streaming downloader for everything ConvScope fetches (weights files, MNIST).

A download is a generator of ``(done_bytes, total_bytes)`` events so that a page's job
runner, ``python -m explainer.prefetch`` and a test drive the same code; it writes to a
temporary file beside the target, checks a hash, and only then moves the file into place,
so a stopped or failed download never leaves a half-written file behind.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

from explainer import config

CHUNK = 1 << 20


class DownloadError(RuntimeError):
    """The file could not be fetched or arrived damaged; ``str(err)`` says which."""


def fetch(url: str, target: Path, *, algorithm: str = "sha256", expected: str | None = None,
          timeout_s: float = 30.0, chunk: int = CHUNK) -> Iterator[tuple[int, int]]:
    """Stream ``url`` into ``target``, yielding ``(done, total)``; total is 0 when unknown.

    ``expected`` is the hex digest (or a prefix of it, as in torchvision's file names)
    that the bytes must hash to with ``algorithm``.

    Raises:
        DownloadError: downloads switched off (``CONVSCOPE_OFFLINE=1``), network or HTTP
            error, or a hash mismatch.
    """
    if config.offline():
        raise DownloadError(f"downloads are switched off ({config.OFFLINE}=1)")
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.new(algorithm)
    fd, part = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout_s) as response:
            total, done = int(response.headers.get("Content-Length") or 0), 0
            while block := response.read(chunk):
                out.write(block)
                digest.update(block)
                done += len(block)
                yield done, total
        if expected and not digest.hexdigest().startswith(expected):
            raise DownloadError(f"the download of {target.name} was damaged ({algorithm} mismatch)")
        os.replace(part, target)
    except (urllib.error.URLError, OSError, TimeoutError) as err:
        raise DownloadError(f"could not download {target.name} ({getattr(err, 'reason', err)})") from err
    finally:
        if os.path.exists(part):  # stopped early (generator closed), failed, or damaged
            os.unlink(part)


def fetch_all(url: str, target: Path, **kw) -> Path:
    """:func:`fetch` to the end without progress; returns ``target``."""
    for _ in fetch(url, target, **kw):
        pass
    return Path(target)
