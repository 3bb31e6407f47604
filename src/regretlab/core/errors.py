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


# -- sizes that cannot fit -------------------------------------------------------------------------
MAX_HOURS_ENV = "REGRETLAB_MAX_HOURS"
DEFAULT_MAX_HOURS = 7 * 24.0


def format_bytes(nbytes: float) -> str:
    """``1.5 GiB``-style size."""
    value = float(nbytes)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(value) < 1024 or unit == "PiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.3g} {unit}"
        value /= 1024
    return f"{value:.1f} PiB"  # pragma: no cover


def format_seconds(seconds: float) -> str:
    """``3.2 h`` / ``12 days`` / ``4.1e+03 years``-style duration."""
    s = float(seconds)
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    if s < 3 * 86400:
        return f"{s / 3600:.1f} h"
    if s < 365 * 86400:
        return f"{s / 86400:.0f} days"
    return f"{s / (365 * 86400):.3g} years"


def memory_available() -> int | None:
    """Bytes of memory available to new work now: ``MemAvailable`` of ``/proc/meminfo`` (Linux;
    capped by a cgroup v2 limit when one is set), else free physical pages from ``os.sysconf``;
    ``None`` when neither is known."""
    import os

    avail: int | None = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        avail = None
    if avail is None:
        try:
            avail = int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            avail = None
    try:  # a container's own limit
        with open("/sys/fs/cgroup/memory.max") as f:
            limit = f.read().strip()
        with open("/sys/fs/cgroup/memory.current") as f:
            used = int(f.read().strip())
        if limit.isdigit():
            room = max(int(limit) - used, 0)
            avail = room if avail is None else min(avail, room)
    except (OSError, ValueError):
        pass
    return avail


def max_seconds() -> float:
    """The longest work :func:`check_fits` accepts: ``REGRETLAB_MAX_HOURS`` (default a week)."""
    import os

    text = os.environ.get(MAX_HOURS_ENV, "")
    try:
        hours = float(text) if text else DEFAULT_MAX_HOURS
    except ValueError:
        hours = DEFAULT_MAX_HOURS
    return (hours if math.isfinite(hours) and hours > 0 else DEFAULT_MAX_HOURS) * 3600.0


def check_fits(what: str, nbytes: float, seconds: float | None = None) -> None:
    """Refuse, before any work, a size that cannot fit in memory (or would run for longer than
    ``REGRETLAB_MAX_HOURS``, a week by default).

    Args:
        what: the size as the user gave it, e.g. ``"--T=1e+12, --runs=1000"``; starts the message.
        nbytes: estimated peak memory of the work, in bytes.
        seconds: optional estimate of the run time (better too low than too high).
    Raises:
        ValueError: one line naming ``what``, the estimate and the memory (or time) available.

    Example:
        >>> check_fits("K=10", 8 * 10)
        >>> check_fits("K=1e15", 8e15 ** 2)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: K=1e15 needs about ... of memory (estimate), but only ... is available; choose a smaller size
    """
    need = float(nbytes)
    avail = memory_available()
    if not math.isfinite(need) or (avail is not None and need > avail):
        have = "an unknown amount" if avail is None else format_bytes(avail)
        shown = format_bytes(need) if math.isfinite(need) else "more than any machine has"
        raise ValueError(f"{what} needs about {shown} of memory (estimate), but only {have} is available; "
                         "choose a smaller size")
    if seconds is not None:
        limit = max_seconds()
        if not math.isfinite(float(seconds)) or float(seconds) > limit:
            shown = format_seconds(seconds) if math.isfinite(float(seconds)) else "forever"
            raise ValueError(f"{what} would take at least {shown} (estimate), more than the limit of "
                             f"{format_seconds(limit)}; choose a smaller size (or raise {MAX_HOURS_ENV})")
