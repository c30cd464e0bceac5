"""The painting job: a transfer's events thinned into a film for the GIF, and the Paint button that queues it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np
import torch
from PIL import Image

from explainer.mnist import training_threads
from explainer.style import StyleEvent, StyleNet, StyleResult, StyleSettings, transfer

from . import keys
from .job_panel import JobPanel, runner_limits

PAINTING = JobPanel(keys.STYLE_JOB, what="painting", poll_s=0.7)
FILM_FRAMES = 30           # pictures kept of a painting forming (the GIF's frames)
FILM_SIDE = 256            # their long side at most, px


@dataclass(frozen=True)
class Painting:
    """What a finished painting job returns: the transfer's result and a thinned film of it forming."""

    result: StyleResult
    frames: tuple[np.ndarray, ...]   # at most ~FILM_FRAMES pictures (H, W, 3) uint8, coarse ones smaller
    captions: tuple[str, ...]        # one per frame: "evaluation 40 / 90 · 128×85 px"


def painting_events(net: StyleNet, content_rgb: np.ndarray, style_rgb: np.ndarray, settings: StyleSettings,
                    *, keep: int = FILM_FRAMES) -> Iterator[StyleEvent]:
    """``transfer``'s events, unchanged, keeping every n-th frame for the GIF; returns a :class:`Painting`.

    The transfer lets go of each frame once a newer one exists; this keeps at most ``keep``
    of them, evenly spread: when the film is full, every other frame goes and the step doubles.
    Frames are shrunk to FILM_SIDE px (a GIF for slides, ~30 frames of ≤ 256 px: < 6 MB).
    Runs with ``training_threads()`` torch threads, like training: on a 2-core server one core
    stays free for everybody's slider moves and polls.
    """
    film: list[tuple[np.ndarray, str]] = []
    step, seen = 1, 0
    result = None
    threads_before = torch.get_num_threads()
    torch.set_num_threads(training_threads())  # all cores but one: the server stays quick for the class
    events = transfer(net, content_rgb, style_rgb, settings)
    try:
        while True:
            try:
                event = next(events)
            except StopIteration as stop:
                result = stop.value
                break
            if event.image is not None:
                if seen % step == 0:
                    film.append((_thumbnail(event.image), f"evaluation {event.iteration} / {event.total_iterations}"
                                 f" · {event.shape[1]}×{event.shape[0]} px"))
                    if len(film) > keep:
                        film, step = film[::2], step * 2
                seen += 1
            yield event
    finally:
        events.close()
        torch.set_num_threads(threads_before)
    h, w = result.image.shape[:2]
    film.append((_thumbnail(result.image), f"final · {result.evaluations} evaluations · {w}×{h} px"))
    return Painting(result=result, frames=tuple(f for f, _ in film), captions=tuple(c for _, c in film))


def _thumbnail(rgb: np.ndarray) -> np.ndarray:
    img = Image.fromarray(rgb)
    img.thumbnail((FILM_SIDE, FILM_SIDE), Image.Resampling.LANCZOS)
    return np.asarray(img)


def share_key(content, style, net: StyleNet, settings: StyleSettings) -> tuple:
    """Paintings with equal keys are identical (same pictures, network, settings, seed): computed once."""
    return ("style", content.key, style.key, net.status.label, repr(settings))


def paint_button(where, net: StyleNet, content, style, settings: StyleSettings) -> None:
    """Paint (or Restart): queue a transfer of these pictures with these settings (shared with whoever asks
    for exactly the same)."""
    content_rgb, style_rgb = content.rgb, style.rgb
    PAINTING.start_button("Paint", lambda: painting_events(net, content_rgb, style_rgb, settings), context=settings,
                          share_key=share_key(content, style, net, settings), restart_label="Restart", where=where,
                          icon=":material/brush:", width="stretch", help=runner_limits())
