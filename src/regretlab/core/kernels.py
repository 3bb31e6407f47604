"""Compiled (Numba) row kernels for the per-round hot path, each with the NumPy reference it must
match (tests/core/test_kernels.py). Row operations over a short last axis are where NumPy pays
most: a reduction along K=10 costs far more per element than the exp itself."""

from __future__ import annotations

import math

import numba
import numpy as np


def is_scalar(value: object) -> bool:
    """Whether ``value`` is one number (not an array or sequence of per-row values); cheaper
    than ``np.ndim(value) == 0`` (which builds an array) on the per-round path."""
    if isinstance(value, (np.ndarray, list, tuple)):
        return np.ndim(value) == 0
    return True


@numba.njit(cache=True, nogil=True)
def _shift_rows(x: np.ndarray, scale: float, out: np.ndarray) -> None:
    """out = scale * x - rowmax(scale * x)."""
    b_len, k_len = x.shape
    for b in range(b_len):
        m = -np.inf
        for k in range(k_len):
            v = scale * x[b, k]
            if v > m:
                m = v
        for k in range(k_len):
            out[b, k] = scale * x[b, k] - m


@numba.njit(cache=True, nogil=True)
def _normalize_rows(out: np.ndarray) -> None:
    b_len, k_len = out.shape
    for b in range(b_len):
        total = 0.0
        for k in range(k_len):
            total += out[b, k]
        inv = 1.0 / total
        for k in range(k_len):
            out[b, k] *= inv


@numba.njit(cache=True, nogil=True)
def _shift_rows_per_row(x: np.ndarray, scale: np.ndarray, out: np.ndarray) -> None:
    """out[b] = scale[b] * x[b] - max(scale[b] * x[b]): :func:`_shift_rows` with one scale per row."""
    b_len, k_len = x.shape
    for b in range(b_len):
        s = scale[b]
        m = -np.inf
        for k in range(k_len):
            v = s * x[b, k]
            if v > m:
                m = v
        for k in range(k_len):
            out[b, k] = s * x[b, k] - m


def softmax_rows(x: np.ndarray, scale: float | np.ndarray = 1.0) -> np.ndarray:
    """``softmax(scale * x)`` of each row of a finite ``[B, K]`` array.

    ``scale`` is one number for every row, or ``[B]`` (row ``b`` uses ``scale[b]``: a per-run
    learning rate); row ``b`` of the per-row form equals the scalar form with ``scale[b]`` bit
    for bit. Row max and normalisation are compiled loops; the exponential is NumPy's
    vectorised ``exp`` (SIMD), which is several times faster than a scalar ``exp`` in a
    compiled loop. Reference: :func:`regretlab.core.simplex.softmax` ``(scale * x)``.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    out = np.empty_like(x)
    if is_scalar(scale):
        _shift_rows(x, float(scale), out)
    else:
        rates = np.ascontiguousarray(scale, dtype=np.float64)
        if rates.shape != (x.shape[0],):
            raise ValueError(f"scale must be a number or have shape [{x.shape[0]}] (one per row), "
                             f"got shape {list(rates.shape)}")
        _shift_rows_per_row(x, rates, out)
    np.exp(out, out=out)
    _normalize_rows(out)
    return out


@numba.njit(cache=True, nogil=True)
def _first_empty_row(mask: np.ndarray) -> int:
    b_len, k_len = mask.shape
    for b in range(b_len):
        empty = True
        for k in range(k_len):
            if mask[b, k]:
                empty = False
                break
        if empty:
            return b
    return -1


def every_row_has_one(mask: np.ndarray) -> bool:
    """Whether every row of a bool ``[B, K]`` mask has a ``True`` entry (``mask.any(axis=1).all()``,
    compiled: the per-round check that every run received feedback, several times cheaper than
    NumPy's reduction along a short last axis)."""
    return bool(_first_empty_row(np.asarray(mask, dtype=np.bool_)) < 0)


@numba.njit(cache=True, nogil=True)
def _sample_rows(probs: np.ndarray, u: np.ndarray, out: np.ndarray) -> None:
    b_len, k_len = probs.shape
    for b in range(b_len):
        total = 0.0
        for k in range(k_len):
            total += probs[b, k]
        out[b] = _inverse_cdf(probs, b, u[b] * total)


@numba.njit(cache=True, nogil=True, inline="always")
def _inverse_cdf(probs: np.ndarray, b: int, target: float) -> int:
    # The first k whose running sum exceeds target equals the number of running sums <= target
    # (they never decrease), counted without a data-dependent branch: a random early exit
    # mispredicts once per run, which cost half the sampling time at K = 10.
    k_len = probs.shape[1]
    acc = 0.0
    choice = 0
    for k in range(k_len):
        acc += probs[b, k]
        choice += acc <= target
    if choice > k_len - 1:
        choice = k_len - 1
    # never land on a zero-probability action through rounding
    while probs[b, choice] <= 0.0 and choice > 0:
        choice -= 1
    return choice


def sample_rows(probs: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF sample of one index per row of ``probs [B, K]`` given uniforms ``u [B]``."""
    probs = np.ascontiguousarray(probs, dtype=np.float64)
    out = np.empty(probs.shape[0], dtype=np.int64)
    _sample_rows(probs, np.ascontiguousarray(u, dtype=np.float64), out)
    return out


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


@numba.njit(cache=True, nogil=True)
def _mix64(x: np.uint64) -> np.uint64:
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


@numba.njit(cache=True, nogil=True)
def _uniform_rows(keys: np.ndarray, counter: np.uint64, out: np.ndarray) -> None:
    b_len, size = out.shape
    scale = 1.0 / 9007199254740992.0
    for b in range(b_len):
        base = _mix64(keys[b] + counter * _GOLDEN)
        for j in range(size):
            x = _mix64(base + np.uint64(j + 1) * _GOLDEN)
            out[b, j] = float(x >> np.uint64(11)) * scale + 0.5 * scale


@numba.njit(cache=True, nogil=True)
def _sample_keyed(keys: np.ndarray, counter: np.uint64, probs: np.ndarray, out: np.ndarray) -> None:
    scale = 1.0 / 9007199254740992.0
    for b in range(probs.shape[0]):
        # the first uniform of _uniform_rows (j = 0), drawn inline
        x = _mix64(_mix64(keys[b] + counter * _GOLDEN) + np.uint64(1) * _GOLDEN)
        u = float(x >> np.uint64(11)) * scale + 0.5 * scale
        total = 0.0
        for k in range(probs.shape[1]):
            total += probs[b, k]
        out[b] = _inverse_cdf(probs, b, u * total)


def sample_keyed(keys: np.ndarray, counter: int, probs: np.ndarray) -> np.ndarray:
    """One action per row of ``probs [B, K]`` from the run keys' uniform of round ``counter``.

    Equals ``sample_rows(probs, uniform_rows(keys, counter, 1)[:, 0])`` exactly, in one call.
    """
    probs = np.ascontiguousarray(probs, dtype=np.float64)
    out = np.empty(probs.shape[0], dtype=np.int64)
    _sample_keyed(np.ascontiguousarray(keys, dtype=np.uint64), np.uint64(int(counter) % 2**64), probs, out)
    return out


@numba.njit(cache=True, nogil=True)
def _uniform_rows_per_row(keys: np.ndarray, counters: np.ndarray, out: np.ndarray) -> None:
    """:func:`_uniform_rows` with one counter per row (row ``b`` at round ``counters[b]``)."""
    b_len, size = out.shape
    scale = 1.0 / 9007199254740992.0
    for b in range(b_len):
        base = _mix64(keys[b] + counters[b] * _GOLDEN)
        for j in range(size):
            x = _mix64(base + np.uint64(j + 1) * _GOLDEN)
            out[b, j] = float(x >> np.uint64(11)) * scale + 0.5 * scale


def uniform_rows(keys: np.ndarray, counter: int | np.ndarray, size: int) -> np.ndarray:
    """Counter-based uniforms ``[B, size]`` (see :mod:`regretlab.core.rng`), compiled.

    ``counter`` is one round for every row, or ``[B]`` uint64 (row ``b`` draws at round
    ``counter[b]``: per-run clocks); with equal counters both forms give the same bits.
    Reference: :func:`regretlab.core.rng.uniform_reference`.
    """
    out = np.empty((keys.shape[0], size))
    if is_scalar(counter):
        _uniform_rows(keys, np.uint64(counter), out)
    else:
        _uniform_rows_per_row(keys, np.ascontiguousarray(counter, dtype=np.uint64), out)
    return out
