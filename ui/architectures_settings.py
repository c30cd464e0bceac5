"""The architectures page's settings: one frozen dataclass, each field bound to the URL under ``ar_<field>``."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from explainer import architectures as arch

from .url_state import UrlState

KERNELS = [1, 3, 5, 7, 9, 11]


@dataclass(frozen=True)
class Settings:
    """Everything this page's URL holds."""

    model: str = "resnet50"
    stack_channels: int = 256
    stack_depth: int = 2
    inc_side: int = 28
    inc_c_in: int = 192
    inc_n1: int = 64
    inc_r3: int = 96
    inc_n3: int = 128
    inc_r5: int = 16
    inc_n5: int = 32
    inc_pool: int = 32
    dw_k: int = 3
    dw_c_in: int = 32
    dw_c_out: int = 64
    dw_side: int = 112
    depth: int = 20
    activation: str = "relu"
    batch_norm: bool = False
    dropout: float = 0.0


LIMITS = {"stack_channels": (1, 2048), "stack_depth": (1, 5), "inc_side": (1, 224),
          "dw_side": (1, 512), "depth": (6, 50), "dropout": (0.0, 0.5)}
CHANNEL_FIELDS = ("inc_c_in", "inc_n1", "inc_r3", "inc_n3", "inc_r5", "inc_n5", "inc_pool", "dw_c_in", "dw_c_out")


def bind_settings(url: UrlState) -> Settings:
    """Seed every setting from the URL (ignoring values out of range) and read them back."""
    defaults = Settings()
    choices = {"model": arch.model_names(), "activation": list(arch.ACTIVATIONS), "dw_k": KERNELS}
    for name in Settings.__dataclass_fields__:
        default = getattr(defaults, name)
        if name in choices:
            url.bind(key(name), default, choices=choices[name])
            if st.session_state[key(name)] not in choices[name]:
                st.session_state[key(name)] = default
        else:
            lo, hi = LIMITS.get(name, (1, 1024) if name in CHANNEL_FIELDS else (None, None))
            url.bind(key(name), default, lo=lo, hi=hi)
    return Settings(**{name: st.session_state[key(name)] for name in Settings.__dataclass_fields__})


def key(name: str) -> str:
    """Session-state and URL key of a setting: prefixed, because session state is shared by all pages."""
    return f"ar_{name}"
