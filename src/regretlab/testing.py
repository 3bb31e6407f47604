"""Helpers for pinning results in tests: a column's fingerprint, compared to 1e-12.

A refactor that must not change numbers records ``fingerprint`` of every output column with the
old code and checks the new code against it with :func:`assert_same_fingerprint`.

Example:
    >>> import numpy as np
    >>> fp = fingerprint(np.arange(4.0))
    >>> assert_same_fingerprint(fingerprint(np.arange(4.0)), fp, "column")
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

__all__ = ["assert_same_fingerprint", "assert_same_state", "fingerprint", "pure_update", "snapshot"]


def fingerprint(values: Any) -> Any:
    """``(size, NaN count, sum of r_i v_i with fixed r_i in [0.5, 1.5), min, max)`` of a numeric
    column (finite entries), or a 16-hex digest of a text column."""
    a = np.asarray(values)
    if a.dtype.kind in ("U", "S", "O"):
        return hashlib.sha1("\x1f".join(map(str, a.ravel().tolist())).encode()).hexdigest()[:16]
    a = a.astype(np.float64).ravel()
    ok = np.isfinite(a)
    r = 0.5 + np.modf(np.arange(a.size) * 0.6180339887498949)[0]
    return (int(a.size), int((~ok).sum()), float(np.dot(np.where(ok, a, 0.0), r)),
            float(a[ok].min()) if ok.any() else None, float(a[ok].max()) if ok.any() else None)


def assert_same_fingerprint(got: Any, want: Any, what: str) -> None:
    """Assert two fingerprints agree: sizes and NaN counts exactly, the rest to 1e-12 (relative)."""
    if isinstance(want, str):
        assert got == want, what
        return
    assert tuple(got[:2]) == tuple(want[:2]), what
    np.testing.assert_allclose(np.array(got[2:], dtype=float), np.array(want[2:], dtype=float), rtol=1e-12,
                               atol=1e-300, err_msg=what)


_PLUS_MINUS = None


def assert_rounded_to_se(text: str) -> None:
    """Every ``a ± b`` in ``text``: ``b`` has at most two significant figures (or is 0) and ``a``
    stops at ``b``'s last digit (a summary rounded to its standard error)."""
    import re

    global _PLUS_MINUS
    if _PLUS_MINUS is None:
        _PLUS_MINUS = re.compile(r"(?<![\w.])(-?\d+(?:\.\d+)?) ± (\d+(?:\.\d+)?)(?![\w.])")
    for m, s in _PLUS_MINUS.findall(text):
        if float(s) == 0:
            continue
        sig = s.replace(".", "").lstrip("0")
        dec = len(s.split(".")[1]) if "." in s else 0
        assert len(sig if dec else (sig.rstrip("0") or "0")) <= 2, text
        assert (len(m.split(".")[1]) if "." in m else 0) == dec, text


def figure_problems(fig: Any, path: Any, *, symlog: bool = True) -> list[str]:
    """What a paper figure must not have: log axes over non-positive data, overlapping ticks, a
    title that does not name the runs, and (``symlog=False``) any symlog axis."""
    import re

    from regretlab import plot_style as style

    problems = list(style.log_axes_on_positive_data(fig))
    problems += [f"{path}: ticks overlap {pair}" for pair in style.overlapping_ticks(fig)]
    titles = [ax.get_title() for ax in fig.axes] + ([fig._suptitle.get_text()] if fig._suptitle else [])
    if not any(re.search(r"runs?\b|deterministic|exact", t) for t in titles):
        problems.append(f"{path}: no title names the number of runs: {titles}")
    if not symlog:
        problems += [f"{path}: symlog {axis} axis" for ax in fig.axes for axis, scale in
                     (("x", ax.get_xscale()), ("y", ax.get_yscale())) if scale == "symlog"]
    return problems


def snapshot(state: Any) -> Any:
    """A deep copy of a learner state's arrays (NamedTuples and tuples rebuilt, other values as
    they are), to check later that an update left its argument alone."""
    if isinstance(state, np.ndarray):
        return state.copy()
    if isinstance(state, tuple):
        items = [snapshot(v) for v in state]
        return type(state)(*items) if hasattr(state, "_fields") else tuple(items)
    return state


def assert_same_state(a: Any, b: Any, where: str = "state") -> None:
    """``a`` and ``b`` hold equal arrays field by field (other values by ``==``); the message names
    the first field that differs."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b), where
        for name, x, y in zip(getattr(a, "_fields", range(len(a))), a, b):
            assert_same_state(x, y, f"{where}.{name}")
    else:
        assert a == b or (a is None and b is None), (where, a, b)


def pure_update(learner: Any, state: Any, feedback: Any) -> Any:
    """``learner.update(state, feedback)``, checking the contract's purity: the argument is left
    alone and the same update twice gives the same state.

    Example:
        >>> from regretlab.core import FullInfo, rng
        >>> from regretlab.experts import hedge
        >>> h = hedge(lr=0.1)
        >>> s = pure_update(h, h.init(rng.spawn_keys(0, 2), 3), FullInfo(-np.ones((2, 3))))
        >>> s.t.tolist()
        [1, 1]
    """
    kept = snapshot(state)
    new = learner.update(state, feedback)
    assert_same_state(state, kept)
    assert_same_state(learner.update(state, feedback), new, "repeated update")
    return new
