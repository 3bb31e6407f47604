"""Counter-based random streams: one key per run, draws addressed by (key, counter).

Every run ``b`` of a batch owns a 64-bit key derived from the user's seed with
``numpy.random.SeedSequence.spawn``. A draw is a pure function of (key, stream,
counter, index) computed with the SplitMix64 mixer, so

* row ``b`` of a batched run equals a solo run given ``keys[b:b+1]``;
* a learner's state needs no mutable generator, only its key and round ``t`` (one round for
  the batch, or a ``[B]`` counter per run: every draw function takes either);
* the same seed gives the same numbers on every machine and batch size.

This is the counter-based design of JAX/Philox keys (Salmon et al., "Parallel random
numbers: as easy as 1, 2, 3", SC 2011), with SplitMix64 (Steele et al., OOPSLA 2014) as the
bijective mixer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import ndtri

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TWO_M53 = 1.0 / 9007199254740992.0

# Named streams so that a learner, an environment and the runner's action sampler
# never share draws even though they start from the same run key.
STREAMS = {"learner": 1, "env": 2, "action": 3, "data": 4, "noise": 5}


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser (a bijection on uint64); wraps modulo 2**64."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> _S30)) * _M1
        x = (x ^ (x >> _S27)) * _M2
        return x ^ (x >> _S31)


def spawn_keys(seed: int | None, batch: int) -> np.ndarray:
    """Return ``[B]`` uint64 run keys; run ``b``'s key depends only on (seed, b).

    Example:
        >>> keys = spawn_keys(0, 4)
        >>> bool((spawn_keys(0, 2) == keys[:2]).all())
        True
    """
    if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch < 1:
        raise ValueError(f"batch must be an integer >= 1, got {batch!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}")
    root = np.random.SeedSequence(seed)
    # SeedSequence children are indexed by spawn_key, so child b is the same whatever B is.
    keys = np.empty(int(batch), dtype=np.uint64)
    for b in range(int(batch)):
        child = np.random.SeedSequence(root.entropy, spawn_key=(b,))
        keys[b] = child.generate_state(1, dtype=np.uint64)[0]
    return keys


def derive(keys: np.ndarray, stream: str | int) -> np.ndarray:
    """Keys of an independent sub-stream (``stream`` a name of STREAMS or an int)."""
    sid = STREAMS[stream] if isinstance(stream, str) else int(stream)
    with np.errstate(over="ignore"):
        return _mix(np.asarray(keys, dtype=np.uint64) ^ (np.uint64(sid) * _M2 + _GOLDEN))


def _counter(counter: Any, batch: int) -> Any:
    """A round counter as the kernels take it: a Python int (one round for the batch, reduced
    modulo 2**64) or a ``[B]`` uint64 array (one round per run, wrapped modulo 2**64)."""
    if not isinstance(counter, (np.ndarray, list, tuple)) or np.ndim(counter) == 0:
        return int(counter) % 2**64
    arr = np.asarray(counter)
    if arr.shape != (batch,) or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"counter must be an integer or an integer array of shape [{batch}] "
                         f"(one round per run), got {arr.dtype} {list(arr.shape)}")
    return np.ascontiguousarray(arr.astype(np.uint64))


def bits(keys: np.ndarray, counter: int | np.ndarray, size: int) -> np.ndarray:
    """Raw uint64 draws ``[B, size]`` for round ``counter`` (an int, or ``[B]`` per run)."""
    keys = np.asarray(keys, dtype=np.uint64)
    c = _counter(counter, keys.shape[0])
    idx = np.arange(size, dtype=np.uint64)
    with np.errstate(over="ignore"):
        base = _mix(keys + (np.uint64(c) if isinstance(c, int) else c) * _GOLDEN)  # [B]
        x = base[:, None] + (idx[None, :] + np.uint64(1)) * _GOLDEN
        return _mix(x)


def uniform_reference(keys: np.ndarray, counter: int | np.ndarray, size: int) -> np.ndarray:
    """NumPy reference of :func:`uniform` (the compiled kernel must match it bit for bit)."""
    u = (bits(keys, counter, size) >> _S11).astype(np.float64) * _TWO_M53
    return u + 0.5 * _TWO_M53  # never exactly 0 or 1: safe for log and ndtri


def uniform(keys: np.ndarray, counter: int | np.ndarray, size: int) -> np.ndarray:
    """Uniform draws in the open interval (0, 1), shape ``[B, size]`` (compiled; equals
    :func:`uniform_reference` exactly).

    ``counter`` is the round: one int for the batch, or ``[B]`` integers (run ``b`` draws its
    round ``counter[b]``, as a solo run at that round would); equal counters give the same
    numbers either way.

    Example:
        >>> keys = spawn_keys(0, 3)
        >>> bool((uniform(keys, np.array([5, 5, 5]), 2) == uniform(keys, 5, 2)).all())
        True
        >>> bool((uniform(keys, np.array([5, 9, 5]), 2)[1] == uniform(keys[1:2], 9, 2)[0]).all())
        True
    """
    from regretlab.core.kernels import uniform_rows

    keys = np.ascontiguousarray(keys, dtype=np.uint64)
    return uniform_rows(keys, _counter(counter, keys.shape[0]), int(size))


def normal(keys: np.ndarray, counter: int | np.ndarray, size: int) -> np.ndarray:
    """Standard normal draws ``[B, size]`` by inversion (``counter`` as in :func:`uniform`)."""
    return ndtri(uniform(keys, counter, size))


def gumbel(keys: np.ndarray, counter: int | np.ndarray, size: int) -> np.ndarray:
    """Standard Gumbel draws ``[B, size]`` (``counter`` as in :func:`uniform`)."""
    return -np.log(-np.log(uniform(keys, counter, size)))


def sample_actions(keys: np.ndarray, counter: int | np.ndarray, probs: np.ndarray) -> np.ndarray:
    """One action per run from ``probs [B, K]`` by inversion; returns ``[B]`` int64.

    ``counter`` is the round, as in :func:`uniform`: one int for the batch, or ``[B]`` (run ``b``
    draws at round ``counter[b]``, the action a solo run at that round draws).

    Example:
        >>> keys, p = spawn_keys(0, 3), np.full((3, 4), 0.25)
        >>> bool((sample_actions(keys, np.array([2, 7, 2]), p)[1] == sample_actions(keys[1:2], 7, p[:1])).all())
        True
    """
    if not isinstance(counter, (np.ndarray, list, tuple)):  # one round for the batch (the per-round path)
        from regretlab.core.kernels import sample_keyed

        return sample_keyed(keys, counter, probs)  # = sample_rows(probs, uniform(keys, counter, 1)[:, 0])
    from regretlab.core.kernels import sample_rows

    return sample_rows(probs, uniform(keys, counter, 1)[:, 0])


def split(keys: np.ndarray, n: int) -> np.ndarray:
    """``n`` independent child keys per run, shape ``[B, n]`` (child j of run b depends on key b only)."""
    keys = np.asarray(keys, dtype=np.uint64)
    idx = np.arange(1, n + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return _mix(_mix(keys)[:, None] ^ (idx[None, :] * _M1 + _GOLDEN))
