"""Shared dataset types: the grouped regression data container and the unavailable-data error."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


class DatasetUnavailable(FileNotFoundError):
    """The offline source of a dataset is not installed or the user's file is missing."""


@dataclass(frozen=True)
class GroupedData:
    """A regression stream with (possibly intersecting) group memberships.

    Attributes:
        X: ``[T, D]`` features (float64).
        y: ``[T]`` targets (float64).
        groups: ``[T, G]`` bool membership matrix (the last column is usually ``always_on``).
        group_names: ``G`` names, one per column of ``groups``.
        feature_names: ``D`` names, one per column of ``X``.
    """

    X: np.ndarray  # [T, D]
    y: np.ndarray  # [T]
    groups: np.ndarray  # [T, G] bool
    group_names: tuple[str, ...]
    feature_names: tuple[str, ...] = ()

    @property
    def group_sizes(self) -> np.ndarray:
        """``[G]`` number of rounds each group is active."""
        return self.groups.sum(axis=0)


def minmax(values: np.ndarray) -> np.ndarray:
    """Min–max scale each column to [0, 1] with scikit-learn's MinMaxScaler arithmetic.

    x' = x·s + m with s = 1/(max − min) (1 where max = min) and m = −min·s, the exact order
    of operations of ``MinMaxScaler.transform``, so results match it bit for bit.
    """
    values = np.asarray(values, dtype=np.float64)
    lo = values.min(axis=0)
    span = values.max(axis=0) - lo
    span = np.where(span == 0.0, 1.0, span)
    scale = 1.0 / span
    shift = 0.0 - lo * scale
    out = values * scale
    out += shift
    return out


def check_file(name: str, path: str | Path) -> Path:
    """Return ``Path(path)`` or raise :class:`DatasetUnavailable` naming the argument."""
    if path is None:
        raise DatasetUnavailable(f"{name}: a path to the CSV file is required, got None")
    p = Path(path)
    if not p.is_file():
        raise DatasetUnavailable(f"{name}: file {str(p)!r} does not exist (no download is attempted)")
    return p
