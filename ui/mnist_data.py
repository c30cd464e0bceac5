"""The digits the MNIST pages train on: loaded once for every session, the data banner, the download."""
from __future__ import annotations

import streamlit as st

from explainer.config import data_dir, offline
from explainer.mnist.datasets import DigitSet, DownloadProgress, download_events, load_digits, mnist_available

from . import keys
from .job_panel import JobPanel, ProgressLine

DOWNLOAD = JobPanel(keys.MNIST_DOWNLOAD, what="download", poll_s=0.5, heavy=False)


@st.cache_resource(show_spinner="Loading the digits into memory…")
def _digits(root: str) -> DigitSet:
    return load_digits(root, download=False)  # downloads only when asked (button below)


def digits() -> DigitSet:
    return _digits(str(data_dir()))


def data_banner(data: DigitSet, present: bool = False) -> None:
    """Which digits the page trains on; projected, one short line (the stand-in is still named plainly)."""
    if present:
        if not data.is_mnist:
            st.warning(f"**Not MNIST: a stand-in ({data.name}), {data.n_train:,} training digits.**",
                       icon=":material/warning:")
        return
    if data.is_mnist:
        st.caption(f":material/check_circle: **Data: MNIST** — {data.n_train:,} training and {data.n_test:,} test "
                   f"digits, 28x28 grey pixels, read once into memory from `{data.source}`.")
        return
    st.warning(f"**MNIST is not available here, so this page uses a stand-in: {data.name}.** "
               f"{data.n_train:,} training and {data.n_test:,} test digits. {data.note}",
               icon=":material/warning:")
    if not offline():
        DOWNLOAD.start_button("Download MNIST now (about 11 MB)", lambda: download_events(data_dir()),
                              restart_label="Restart the download", icon=":material/download:")
        DOWNLOAD.show(_download_progress, on_finish=_download_finished)


def _download_progress(job, context) -> ProgressLine | None:
    ev: DownloadProgress | None = job.latest
    if ev is None:
        return None
    return ProgressLine(fraction=(ev.file_index + (ev.done / ev.total if ev.total else 0)) / ev.n_files,
                        text=f"{ev.file}: {ev.done / 1e6:.1f} MB")


def _download_finished(job, context) -> None:
    if mnist_available():
        _digits.clear()  # the page's rerun reads MNIST
