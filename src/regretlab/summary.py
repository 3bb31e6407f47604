"""Numbers for summary tables: estimates rounded to their standard error, and verdicts that say in
words what was tested against which target.

An experiment's ``summarize(rows)`` returns a list of entries. An entry is either a plain
``(label, value)`` pair (any value; shown as ``str(value)``) or a :class:`Verdict`. A verdict
unpacks as the pair ``(claim, verdict)``, so code that reads a summary as pairs (``dict(summary)``,
``for label, value in summary``) keeps working. Values that are means over runs are best given as
an :class:`Estimate` (a ``float`` that carries its standard error and prints rounded to it).

Example:
    >>> format_estimate(0.0033296031363212, 0.000123)
    '0.00333 ± 0.00012'
    >>> Verdict("hedge: log-log slope of regret vs T", Estimate(0.486, 0.004), (0.45, 0.52),
    ...         quantity="slope").text()
    'slope 0.4860 ± 0.0040 ∈ [0.45, 0.52]: holds'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

__all__ = ["Estimate", "Verdict", "format_estimate", "format_number", "estimate_of", "entries"]


def format_number(x: float, digits: int = 4) -> str:
    """``x`` to ``digits`` significant figures: fixed point for 1e-4 <= |x| < 1e6, else
    scientific (``1.234e-07``); integers-valued floats keep their trailing zeros to the digits.

    Example:
        >>> format_number(0.0926126), format_number(123456.7), format_number(1.5e-9), format_number(0.0)
        ('0.09261', '123457', '1.500e-09', '0')
    """
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    power = math.floor(math.log10(abs(x)))
    if -4 <= power < 6:
        decimals = max(0, digits - 1 - power)
        return f"{round(x, decimals) + 0.0:.{decimals}f}"
    return f"{x:.{digits - 1}e}"


def format_estimate(mean: float, se: float | None = None, *, digits: int = 2) -> str:
    """``mean ± se`` with the standard error rounded to ``digits`` significant figures and the mean
    rounded to the same decimal place, so no digit is printed that the runs do not support.

    ``se=None`` (a deterministic value, no spread to measure) prints the mean to 4 significant
    figures without ``±``; ``se=0`` (runs that all agree) prints it to 6 with ``± 0``.
    Very small or large numbers share one exponent: ``(3.33 ± 0.12)e-07``.

    Args:
        mean: the estimate.
        se: its standard error (``std(ddof=1) / sqrt(n)`` over independent runs), or ``None``.
        digits: significant figures of the standard error (2, the usual choice).
    Returns:
        The text, e.g. ``'0.00333 ± 0.00012'``.

    Example:
        >>> format_estimate(12345.6, 234), format_estimate(100.0, 0.0), format_estimate(0.0926, None)
        ('12350 ± 230', '100.000 ± 0', '0.09260')
        >>> format_estimate(3.3296e-7, 1.23e-8)
        '(3.33 ± 0.12)e-07'
    """
    mean = float(mean)
    if not math.isfinite(mean):
        return str(mean)
    if se is None or not math.isfinite(float(se)):
        return format_number(mean, 4)
    se = abs(float(se))
    if se == 0:
        return f"{format_number(mean, 6)} ± 0"
    if digits < 1:
        raise ValueError(f"digits must be >= 1, got {digits}")
    last = math.floor(math.log10(se)) - (digits - 1)  # decimal exponent of the last digit kept
    se_r = round(se, -last)
    if se_r > 0 and math.floor(math.log10(se_r)) - (digits - 1) > last:  # 0.0996 -> 0.10
        last += 1
        se_r = round(se, -last)
    mean_r = round(mean, -last) + 0.0
    top = math.floor(math.log10(max(abs(mean_r), se_r)))
    if last < -6 or top >= 6:  # share one exponent
        decimals = max(0, top - last)
        scale = 10.0 ** top
        return f"({mean_r / scale + 0.0:.{decimals}f} ± {se_r / scale:.{decimals}f})e{top:+03d}"
    decimals = max(0, -last)
    return f"{mean_r:.{decimals}f} ± {se_r:.{decimals}f}"


class Estimate(float):
    """A mean over runs that carries its standard error and prints as :func:`format_estimate`.

    It is a ``float`` (compare it, add it, pass it to NumPy), so code that read the bare number
    keeps working.

    Example:
        >>> e = Estimate.of([0.30, 0.32, 0.31, 0.35]); str(e), round(float(e), 4), e.n
        ('0.320 ± 0.011', 0.32, 4)
    """

    se: float | None
    n: int | None

    def __new__(cls, mean: float, se: float | None = None, n: int | None = None) -> "Estimate":
        obj = super().__new__(cls, float(mean))
        obj.se = None if se is None else float(se)
        obj.n = n
        return obj

    @classmethod
    def of(cls, values: Sequence[float] | Any) -> "Estimate":
        """Mean and standard error (``std(ddof=1)/sqrt(n)``) of independent ``values``; one value
        has no standard error (``se=None``)."""
        import numpy as np

        v = np.asarray(values, dtype=float).ravel()
        if v.size == 0:
            raise ValueError("Estimate.of needs at least one value, got none")
        se = float(v.std(ddof=1) / math.sqrt(v.size)) if v.size > 1 else None
        return cls(float(v.mean()), se, int(v.size))

    @property
    def mean(self) -> float:
        return float(self)

    def interval(self, z: float = 1.96) -> tuple[float, float]:
        """``mean ± z se`` (a 95% normal interval by default); a point when there is no se."""
        half = z * (self.se or 0.0)
        return float(self) - half, float(self) + half

    def __str__(self) -> str:
        return format_estimate(float(self), self.se)

    def __format__(self, spec: str) -> str:
        return str(self) if not spec else format(float(self), spec)

    def __repr__(self) -> str:
        return f"Estimate({float(self)!r}, se={self.se!r}, n={self.n!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Estimate, (float(self), self.se, self.n))


def estimate_of(values: Sequence[float] | Any) -> Estimate:
    """Shorthand for :meth:`Estimate.of`."""
    return Estimate.of(values)


def _value_text(value: Any) -> str:
    if isinstance(value, Estimate):
        return str(value)
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int,)) and not isinstance(value, bool):
        return str(value)
    try:
        return format_number(float(value), 4)
    except (TypeError, ValueError):
        return str(value)


def _bound_text(x: float) -> str:
    return f"{x:.4g}" if isinstance(x, (int, float)) else str(x)


@dataclass(frozen=True)
class Verdict:
    """One claim of a paper or spec checked on a run: what was tested, the measured value, the
    target and whether it holds; ``demo_size`` says why a run this small cannot show the claim.

    Attributes:
        claim: what was tested, in words (``"hedge: log-log slope of regret vs T"``).
        value: the measured value (an :class:`Estimate`, a number, or text).
        target: an interval ``(low, high)`` (``None`` for an open end) or words (``"not monotone"``).
        holds: ``True``/``False``, or ``None`` to derive it from an interval target (a verdict
            with a word target, or with ``demo_size`` set, and ``holds=None`` is not tested).
        demo_size: set when the claim needs a larger run than this one: what size shows it
            (``"needs 10 iterations; this run has 2"``). A failed claim with this note is shown as
            "demo size", not as a failure.
        full_size: where the full-size result is (a stored config, a figure under ``docs/``).
        quantity: a short noun for the value in the verdict text (``"slope"``, ``"gap"``).

    A verdict unpacks as ``(claim, verdict)``, so ``dict(summary)`` still maps labels to entries.

    Example:
        >>> v = Verdict("INPO beats DPO: final gap below DPO's", 0.099, (None, 0.0787), holds=False,
        ...             quantity="gap", demo_size="needs 10 iterations; this run has 2")
        >>> v.status, v.text()
        ('demo size', 'gap 0.09900 > 0.0787: does not hold at demo size (needs 10 iterations; this run has 2)')
    """

    claim: str
    value: Any
    target: tuple[float | None, float | None] | str | None = None
    holds: bool | None = None
    demo_size: str | None = None
    full_size: str | None = None
    quantity: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.target, (tuple, list)):
            if len(self.target) != 2:
                raise ValueError(f"Verdict target must be (low, high) or words, got {self.target!r}")
            object.__setattr__(self, "target", tuple(self.target))
        if self.holds is None and self.demo_size is None and isinstance(self.target, tuple):
            try:
                v = float(self.value)
            except (TypeError, ValueError):
                return
            lo, hi = self.target
            ok = math.isfinite(v) and (lo is None or v >= lo) and (hi is None or v <= hi)
            object.__setattr__(self, "holds", bool(ok))

    def __iter__(self) -> Iterator[Any]:
        yield self.claim
        yield self

    def __len__(self) -> int:
        return 2

    def __getitem__(self, i: int) -> Any:
        return (self.claim, self)[i]

    @property
    def status(self) -> str:
        """``holds``, ``fails``, ``demo size`` (fails, but the run is too small to show it) or
        ``not tested``."""
        if self.holds:
            return "holds"
        if self.demo_size:
            return "demo size"
        return "not tested" if self.holds is None else "fails"

    def relation(self) -> str:
        """``0.486 ∈ [0.45, 0.52]``: the value against its target (``(target ≤ 0.005)`` when the
        verdict was not decided)."""
        value = _value_text(self.value)
        head = f"{self.quantity} {value}".strip()
        if isinstance(self.target, tuple):
            lo, hi = self.target
            if lo is not None and hi is not None:
                bounds = f"[{_bound_text(lo)}, {_bound_text(hi)}]"
                signs = ("∈", "∉")
            elif hi is not None:
                bounds, signs = _bound_text(hi), ("≤", ">")
            elif lo is not None:
                bounds, signs = _bound_text(lo), ("≥", "<")
            else:
                return head
            if self.holds is None:
                return f"{head} (target {signs[0]} {bounds})"
            return f"{head} {signs[0] if self.holds else signs[1]} {bounds}"
        if self.target:
            return f"{head} (target: {self.target})"
        return head

    def text(self) -> str:
        """The verdict in words: ``slope 0.49 ∈ [0.45, 0.52]: holds``."""
        status = self.status
        if status == "demo size":
            words = (f"not tested at demo size ({self.demo_size})" if self.holds is None
                     else f"does not hold at demo size ({self.demo_size})")
        elif status == "fails":
            words = "does not hold"
        else:
            words = status
        out = f"{self.relation()}: {words}"
        if self.full_size:
            out += f"; full size: {self.full_size}"
        return out

    def __str__(self) -> str:
        return self.text()


def entries(summary: Sequence[Any]) -> list[tuple[str, str, Verdict | None]]:
    """A summary (pairs and verdicts) as rows ``(label, value text, verdict or None)`` for tables."""
    out = []
    for item in summary:
        if isinstance(item, Verdict):
            out.append((item.claim, _value_text(item.value), item))
            continue
        label, value = item
        if isinstance(value, Verdict):
            out.append((str(label), _value_text(value.value), value))
        elif isinstance(value, Estimate):
            out.append((str(label), str(value), None))
        elif isinstance(value, float):
            out.append((str(label), format_number(value, 4), None))
        else:
            out.append((str(label), str(value), None))
    return out
