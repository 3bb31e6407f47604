"""Input checks that fail early with a message naming the argument, value and expectation."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_positive(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """Return ``float(value)`` or raise naming ``name`` when it is not a finite positive number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
        raise ValueError(f"{name} must be a finite number, got {_show(value)}")
    value = float(value)
    if value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound}, got {_show(value)}")
    return float(value)


def check_int(name: str, value: Any, *, minimum: int = 1) -> int:
    """Return ``int(value)`` or raise when it is not an integer >= ``minimum``."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {_show(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {_show(value)}")
    return int(value)


def check_probability(name: str, value: Any, *, open_right: bool = False) -> float:
    """Return ``float(value)`` or raise when it is not in [0, 1] (or [0, 1))."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
        raise ValueError(f"{name} must be a number in [0, 1], got {_show(value)}")
    value = float(value)
    if value < 0 or value > 1 or (open_right and value == 1):
        right = ")" if open_right else "]"
        raise ValueError(f"{name} must be in [0, 1{right}, got {_show(value)}")
    return float(value)


def check_array(
    name: str,
    value: Any,
    *,
    shape: tuple[int | None, ...] | None = None,
    finite: bool = True,
    dtype: Any = np.float64,
) -> np.ndarray:
    """Convert to an array and check its shape (``None`` = any size) and finiteness."""
    try:
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of numbers, got {_show(value)}") from exc
    if shape is not None:
        ok = arr.ndim == len(shape) and all(s is None or s == d for s, d in zip(shape, arr.shape))
        if not ok:
            want = "[" + ", ".join("*" if s is None else str(s) for s in shape) + "]"
            raise ValueError(f"{name} must have shape {want}, got shape {list(arr.shape)}")
    if finite and np.issubdtype(arr.dtype, np.floating) and not np.isfinite(arr).all():
        bad = arr[~np.isfinite(arr)].ravel()[0]
        raise ValueError(f"{name} must be finite, got a non-finite entry {bad!r}")
    return arr
