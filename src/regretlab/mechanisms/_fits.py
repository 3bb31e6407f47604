"""Refuse work that cannot fit in memory, before any of it is done.

Uses :func:`regretlab.core.errors.check_fits` when the core provides it; otherwise the same
behaviour here: the estimate is compared with ``MemAvailable`` of ``/proc/meminfo``.
"""

from __future__ import annotations

import math
from typing import Any


def _format_bytes(nbytes: float) -> str:
    value = float(nbytes)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(value) < 1024 or unit == "PiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.3g} {unit}"
        value /= 1024
    return f"{value:.3g} PiB"  # pragma: no cover


def _memory_available() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def check_fits(what: str, nbytes: float, seconds: float | None = None) -> None:
    """Raise one ``ValueError`` line naming ``what``, the estimate and the memory available when
    ``nbytes`` exceeds it (and, with the core's helper, when ``seconds`` exceeds its time limit)."""
    shared: Any
    try:
        from regretlab.core.errors import check_fits as shared
    except ImportError:
        shared = None
    if shared is not None:
        if seconds is None:
            shared(what, nbytes)
        else:
            shared(what, nbytes, seconds)
        return
    need = float(nbytes)
    avail = _memory_available()
    if not math.isfinite(need) or (avail is not None and need > avail):
        have = "an unknown amount" if avail is None else _format_bytes(avail)
        shown = _format_bytes(need) if math.isfinite(need) else "more than any machine has"
        raise ValueError(f"{what} needs about {shown} of memory (estimate), but only {have} is available; "
                         "choose a smaller size")
