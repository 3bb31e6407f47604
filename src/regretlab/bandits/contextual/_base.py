"""Shared pieces of the contextual bandit learners: context checks, reward normalisation, the
one-hot of an index policy and the compiled (Numba) kernels of the linear learners.

A round's context is the features every arm is scored on: ``[B, D]`` shared by the ``K`` arms,
or ``[B, K, D]`` one feature vector per arm (a ``[D]`` or ``[K, D]`` context is the same for every
run). :func:`features` turns either into a ``[B, K, D]`` view (no copy for shared features) and
raises a one-line error naming ``context`` when the shape does not fit ``B``, ``K`` or ``D``.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from regretlab.bandits._common import check_bandit, check_range

__all__ = ["check_dim", "chosen_features", "features", "normalised_reward", "one_hot"]


def check_dim(dim: Any) -> int:
    """The feature dimension ``D`` a contextual learner is made with (an integer >= 1)."""
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
        raise ValueError(f"dim must be the context's feature dimension, an integer >= 1, got {dim!r}")
    return int(dim)


def features(context: Any, batch: int, k: int, dim: int, name: str = "context") -> np.ndarray:
    """``[B, K, D]`` float64 features of a round (a broadcast view for shared features).

    Accepts ``[B, D]`` (shared by the arms), ``[B, K, D]`` (per arm), ``[D]`` or ``[K, D]`` (the same
    for every run); anything else, a missing context or a non-finite entry is a ``ValueError``.
    """
    if context is None:
        raise ValueError(f"{name} is required: features [{batch}, {dim}] shared by the arms or "
                         f"[{batch}, {k}, {dim}] per arm (a contextual learner cannot act without one)")
    x = context if type(context) is np.ndarray and context.dtype == np.float64 else None
    if x is None:
        try:
            x = np.asarray(context, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be an array of features, got {type(context).__name__}") from None
    if x.ndim == 2 and x.shape == (batch, dim):
        out = np.broadcast_to(x[:, None, :], (batch, k, dim))
    elif x.ndim == 3 and x.shape == (batch, k, dim):
        out = x
    elif x.ndim == 1 and x.shape == (dim,) or x.ndim == 2 and x.shape == (k, dim) and batch != k:
        out = np.broadcast_to(x, (batch, k, dim))
    else:
        raise ValueError(f"{name} must have shape [{batch}, {dim}] (features shared by the arms) or "
                         f"[{batch}, {k}, {dim}] (per arm), got {list(x.shape)}: the learner was made "
                         f"with dim={dim}")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} must be finite, got a non-finite entry")
    return out


def chosen_features(x: np.ndarray, action: np.ndarray) -> np.ndarray:
    """``[B, D]`` the features of each run's played arm from ``x [B, K, D]``."""
    return np.ascontiguousarray(x[np.arange(x.shape[0]), action])


def normalised_reward(feedback: Any, batch: int, k: int, reward_range: tuple[float, float]
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(action [B], x = (r - lo)/(hi - lo) in [0, 1] [B], prob [B])`` of validated Bandit feedback."""
    lo, hi = reward_range
    a, r, p = check_bandit(feedback, batch, k, lo, hi)
    return a, np.clip((r - lo) / (hi - lo), 0.0, 1.0), p


def one_hot(index: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros((index.size, k))
    out[np.arange(index.size), index] = 1.0
    return out


def reward_range(value: Any) -> tuple[float, float]:
    return check_range("reward_range", value)


# -- compiled kernels ----------------------------------------------------------------------------
# Reassociation (and fused multiply-adds) let the compiler vectorise the dot products; the flags
# keep IEEE infinities and NaNs meaningful (no "fast" nnan/ninf), so -inf and max() behave.
_FAST = {"reassoc", "contract"}

# The hot path of the disjoint linear learners: per run and arm the quadratic form x P x (K D^2
# per run-round, the floor of LinUCB's cost) and, after a pull, one Sherman-Morrison step on the
# played arm (D^2). NumPy's einsum over [B, K, D, D] spends most of its time on the small trailing
# axes; one compiled loop does the same arithmetic in the same order as the NumPy reference.
@numba.njit(cache=True, nogil=True, inline="always", fastmath=_FAST)
def _score_one(inverse: np.ndarray, theta: np.ndarray, xv: np.ndarray, b: int, a: int) -> tuple[float, float]:
    """``(θ_a·x, xᵀP_a x)`` of run b's arm a. The full rows are read (contiguous inner loops the
    compiler vectorises), which measured 2.5x faster than reading only the upper triangle."""
    d_len = xv.shape[0]
    m = 0.0
    q = 0.0
    for i in range(d_len):
        m += theta[b, a, i] * xv[i]
        s = 0.0
        for j in range(d_len):
            s += inverse[b, a, i, j] * xv[j]
        q += xv[i] * s
    return m, q


@numba.njit(cache=True, nogil=True, inline="always", fastmath=_FAST)
def _step_one(inverse: np.ndarray, moment: np.ndarray, theta: np.ndarray, b: int, a: int, xv: np.ndarray,
              y: float, w: float, px: np.ndarray) -> None:
    """One weighted Sherman–Morrison step on run b's arm a, in place (``px``: scratch ``[D]``)."""
    d_len = xv.shape[0]
    q = 0.0
    for i in range(d_len):
        s = 0.0
        for j in range(d_len):
            s += inverse[b, a, i, j] * xv[j]
        px[i] = s
        q += xv[i] * s
    # θ_new = P_new b_new = θ + w (y − θᵀx) P x / (1 + w xᵀPx) (the recursive-least-squares form: O(D)
    # instead of recomputing P b)
    c = w / (1.0 + w * q)
    err = y
    for i in range(d_len):
        err -= theta[b, a, i] * xv[i]
    for i in range(d_len):
        pi = c * px[i]
        for j in range(d_len):
            inverse[b, a, i, j] -= pi * px[j]
        moment[b, a, i] += w * y * xv[i]
        theta[b, a, i] += pi * err


@numba.njit(cache=True, nogil=True, fastmath=_FAST)
def _scores(inverse: np.ndarray, theta: np.ndarray, x: np.ndarray, k_len: int, mean: np.ndarray,
            width: np.ndarray) -> None:
    """mean[b, a] = θ_a·x_a, width[b, a] = sqrt(x_aᵀ P_a x_a) for inverse [B, M, D, D] (M = K, or 1:
    pooled) and x [B, 1 or K, D] (1: features shared by the arms), all C-contiguous."""
    b_len = x.shape[0]
    shared = x.shape[1] == 1
    pooled = inverse.shape[1] == 1
    for b in range(b_len):
        for a in range(k_len):
            m, q = _score_one(inverse, theta, x[b, 0 if shared else a], b, 0 if pooled else a)
            mean[b, a] = m
            width[b, a] = np.sqrt(max(q, 0.0))


@numba.njit(cache=True, nogil=True, inline="always", fastmath=_FAST)
def _score_row(pool: np.ndarray, row: int, theta: np.ndarray, b: int, s_: int, xv: np.ndarray) -> tuple[float, float]:
    """:func:`_score_one` on the pool's block ``row``: the same arithmetic in the same order."""
    d_len = xv.shape[0]
    m = 0.0
    q = 0.0
    for i in range(d_len):
        m += theta[b, s_, i] * xv[i]
        s = 0.0
        for j in range(d_len):
            s += pool[row, i, j] * xv[j]
        q += xv[i] * s
    return m, q


@numba.njit(cache=True, nogil=True, fastmath=_FAST)
def _scores_blocks(pool: np.ndarray, index: np.ndarray, vec: np.ndarray, x: np.ndarray, k_len: int,
                   mean: np.ndarray, width: np.ndarray) -> None:
    """:func:`_scores` on persistent blocks: run b's slot m is ``pool[index[b, m]]``, its θ
    ``vec[index[b, m], 0]`` (as ``theta[b, m]`` of :func:`_score_row`). The arms are
    visited in the order of their rows (run b's rows are ``[b region, (b + 1) region)``,
    :func:`~regretlab.bandits.contextual._blocks.blocks_from`'s layout), so the pool is read in
    memory order; each score is computed as :func:`_score_one` does."""
    b_len = x.shape[0]
    shared = x.shape[1] == 1
    if index.shape[1] == 1:  # pooled: one block scores every arm
        for b in range(b_len):
            row = index[b, 0]
            for a in range(k_len):
                m, q = _score_row(pool, row, vec, row, 0, x[b, 0 if shared else a])
                mean[b, a] = m
                width[b, a] = np.sqrt(max(q, 0.0))
        return
    region = pool.shape[0] // b_len
    arm_of = np.empty(region, dtype=np.int64)
    for b in range(b_len):
        for r in range(region):
            arm_of[r] = -1
        for a in range(k_len):
            arm_of[index[b, a] - b * region] = a
        for r in range(region):
            a = arm_of[r]
            if a >= 0:
                m, q = _score_row(pool, b * region + r, vec, b * region + r, 0, x[b, 0 if shared else a])
                mean[b, a] = m
                width[b, a] = np.sqrt(max(q, 0.0))


def triangle(d: int) -> np.ndarray:
    """``[4, D (D + 1) / 2]`` uint64 (unsigned: no negative-index check in the compiled loops): for entry ``t`` of a shadow (the pairs ``i <= j`` row by row),
    the flat offsets ``i D + j`` and ``j D + i`` in a block and ``i``, ``j``."""
    got = _TRIANGLES.get(d)
    if got is None:
        i, j = np.triu_indices(d)
        got = _TRIANGLES[d] = np.ascontiguousarray(np.stack([i * d + j, j * d + i, i, j]).astype(np.uint64))
    return got


_TRIANGLES: dict[int, np.ndarray] = {}


@numba.njit(cache=True, nogil=True, inline="always", fastmath=_FAST)
def _shadow_one(flat: np.ndarray, row: int, shadow: np.ndarray, scale: np.ndarray, tri: np.ndarray,
                tmp: np.ndarray) -> None:
    """The shadow of block ``row`` of ``flat`` (the pool as ``[C, D²]``): for the pairs ``i <= j``
    (:func:`triangle`), int16 ``s = trunc((P_ij + P_ji) / c)`` with ``c = 2 (1 + 2^-20) ‖P‖_F / 32767``
    (the Frobenius norm bounds every entry and, unlike the largest entry, is a sum the compiler
    vectorises); ``scale = c``, NaN (not screened) when an entry is not finite or ``‖P‖_F²`` is
    outside [1e-280, 1e280]. ``tmp``: scratch ``[D (D + 1) / 2]`` (gathering the sums first, then
    converting, measured twice as fast as one loop)."""
    n_sq = flat.shape[1]
    ss = 0.0
    for t in range(n_sq):
        ss += flat[row, t] * flat[row, t]
    if not (1e-280 <= ss <= 1e280):  # also NaN and inf
        scale[row] = np.nan
        return
    c = 2.0 * np.sqrt(ss) * (1.0 + 2.0**-20) / 32767.0
    inv = 1.0 / c
    for t in range(shadow.shape[1]):
        tmp[t] = flat[row, tri[0, t]] + flat[row, tri[1, t]]
    for t in range(shadow.shape[1]):
        shadow[row, t] = np.int16(tmp[t] * inv)
    scale[row] = c


@numba.njit(cache=True, nogil=True, fastmath=_FAST)
def shadow_rows(pool: np.ndarray, index: np.ndarray, shadow: np.ndarray, scale: np.ndarray, tri: np.ndarray) -> None:
    """:func:`_shadow_one` of every row ``index [B, M]`` shows."""
    b_len, m_len = index.shape
    flat = pool.reshape(pool.shape[0], pool.shape[1] * pool.shape[2])
    tmp = np.empty(shadow.shape[1])
    for b in range(b_len):
        for m in range(m_len):
            _shadow_one(flat, index[b, m], shadow, scale, tri, tmp)


@numba.njit(cache=True, nogil=True, fastmath=_FAST)
def _step_blocks(pool: np.ndarray, vec: np.ndarray, index: np.ndarray, rows: np.ndarray,
                 slot: np.ndarray, x: np.ndarray, y: np.ndarray, freed: np.ndarray, shadow: np.ndarray,
                 scale: np.ndarray, tri: np.ndarray) -> None:
    """:func:`_step_one` (weight 1) on persistent blocks, copy-on-write: run b's new block of slot
    ``a = slot[b]`` goes to the free row ``rows[b]`` of the pool (the old one is only read),
    ``index[b, a]`` (the caller's copy) points to it and ``freed[b]`` gets the old row; the row's
    vectors ``vec [C, 2, D]`` (θ, b) and shadow are written there too."""
    b_len = index.shape[0]
    d_len = pool.shape[1]
    px = np.empty(d_len)
    w = 1.0
    flat = pool.reshape(pool.shape[0], d_len * d_len)
    tmp = np.empty(shadow.shape[1])
    for b in range(b_len):
        a = slot[b]
        src = index[b, a]
        dst = rows[b]
        xv = x[b]
        q = 0.0
        for i in range(d_len):
            s = 0.0
            for j in range(d_len):
                s += pool[src, i, j] * xv[j]
            px[i] = s
            q += xv[i] * s
        c = w / (1.0 + w * q)
        err = y[b]
        for i in range(d_len):
            err -= vec[src, 0, i] * xv[i]
        for i in range(d_len):
            pi = c * px[i]
            for j in range(d_len):
                pool[dst, i, j] = pool[src, i, j] - pi * px[j]
            vec[dst, 1, i] = vec[src, 1, i] + w * y[b] * xv[i]
            vec[dst, 0, i] = vec[src, 0, i] + pi * err
        _shadow_one(flat, dst, shadow, scale, tri, tmp)
        index[b, a] = dst
        freed[b] = src


@numba.njit(cache=True, nogil=True)
def gather_blocks(pool: np.ndarray, index: np.ndarray, out: np.ndarray) -> None:
    """``out[b, m] = pool[index[b, m]]`` (``out`` may be a strided view): NumPy's fancy indexing of
    ``[B, M]`` rows of 3 KB blocks measured many times slower."""
    b_len, m_len = index.shape
    d_len = pool.shape[1]
    for b in range(b_len):
        for m in range(m_len):
            row = index[b, m]
            for i in range(d_len):
                for j in range(d_len):
                    out[b, m, i, j] = pool[row, i, j]


@numba.njit(cache=True, nogil=True)
def gather_vectors(vec: np.ndarray, index: np.ndarray, out: np.ndarray) -> None:
    """``out[b, m] = vec[index[b, m]]`` (``[B, M, 2, D]``)."""
    b_len, m_len = index.shape
    for b in range(b_len):
        for m in range(m_len):
            out[b, m] = vec[index[b, m]]


def compact(x: np.ndarray) -> np.ndarray:
    """C-contiguous ``[..., 1, D]`` of features broadcast over the arm axis (stride 0), else ``x``
    C-contiguous: the compiled loops vectorise only over contiguous rows."""
    if x.shape[-2] > 1 and x.strides[-2] == 0:
        return np.ascontiguousarray(x[..., :1, :])
    return np.ascontiguousarray(x)


def scores_reference(inverse: np.ndarray, theta: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NumPy reference of the compiled scores: ``(θ_a·x_a, sqrt(x_aᵀP_a x_a))`` ``[B, K]`` each."""
    mean = np.einsum("bkd,bkd->bk", theta, x)
    q = np.einsum("bki,bkij,bkj->bk", x, inverse, x)
    return mean, np.sqrt(np.maximum(q, 0.0))


def scores(inverse: np.ndarray, theta: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Compiled :func:`scores_reference` (``inverse``/``theta`` may have one slot ``M = 1`` shared by
    the ``K`` arms of ``x [B, K, D]``)."""
    b, k, _ = x.shape
    mean, width = np.empty((b, k)), np.empty((b, k))
    _scores(np.ascontiguousarray(inverse), np.ascontiguousarray(theta), compact(x), k, mean, width)
    return mean, width


@numba.njit(cache=True, nogil=True, fastmath=_FAST)
def _sherman_morrison(inverse: np.ndarray, moment: np.ndarray, theta: np.ndarray, action: np.ndarray,
                      x: np.ndarray, y: np.ndarray, weight: np.ndarray) -> None:
    """In place, for the played arm a of every run with weight w > 0:
    P_a ← P_a − w (P_a x)(P_a x)ᵀ / (1 + w xᵀP_a x), b_a ← b_a + w y x,
    θ_a ← θ_a + w (y − θ_aᵀx) P_a x / (1 + w xᵀP_a x) (= P_a b_a after the step)."""
    b_len, _, d_len = theta.shape
    px = np.empty(d_len)
    for b in range(b_len):
        if weight[b] != 0.0:
            _step_one(inverse, moment, theta, b, action[b], x[b], y[b], weight[b], px)


@numba.njit(cache=True, nogil=True, fastmath=_FAST)
def _play_linucb(inverse: np.ndarray, moment: np.ndarray, theta: np.ndarray, x: np.ndarray, utility: np.ndarray,
                 alpha: float, lo: float, hi: float, actions: np.ndarray, reward: np.ndarray, pooled: bool) -> None:
    """LinUCB's rounds in place: contexts x [T, B, 1 or K, D] (1: shared by the arms), every arm's
    utility [T, B, K], inverse [B, S, D, D] (slot 0 only when pooled; S may exceed the slots used:
    a pool of blocks run by run, ``blocks_empty``'s layout); the same scores (:func:`_score_one`),
    argmax (first maximum) and step (:func:`_step_one`) as the pure path."""
    t_len, b_len, k_len = utility.shape
    d_len = x.shape[3]
    shared = x.shape[2] == 1
    px = np.empty(d_len)
    # runs are independent: play all rounds of one run before the next, so that its K inverses
    # (K D² doubles) stay in cache instead of streaming the whole [B, K, D, D] state every round
    for b in range(b_len):
        for t in range(t_len):
            best = 0
            best_value = -np.inf
            for a in range(k_len):
                m, q = _score_one(inverse, theta, x[t, b, 0 if shared else a], b, 0 if pooled else a)
                value = m + alpha * np.sqrt(max(q, 0.0))
                if value > best_value:
                    best_value = value
                    best = a
            u = utility[t, b, best]
            y = min(max((u - lo) / (hi - lo), 0.0), 1.0)
            _step_one(inverse, moment, theta, b, 0 if pooled else best, x[t, b, 0 if shared else best], y, 1.0, px)
            actions[t, b] = best
            reward[b] += u


def scores_blocks(blocks: Any, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`scores` of a :class:`~regretlab.bandits.contextual._blocks.Blocks` inverse and the θ
    of its rows (no gather)."""
    b, k, _ = x.shape
    mean, width = np.empty((b, k)), np.empty((b, k))
    _scores_blocks(blocks.store.pool, blocks.index, blocks.store.vec, compact(x), k, mean, width)
    return mean, width


def sherman_morrison_blocks(blocks: Any, action: np.ndarray, x: np.ndarray, y: np.ndarray) -> Any:
    """:func:`sherman_morrison` (weight 1) on a persistent ``Blocks`` inverse and its rows' θ and b:
    the new ``Blocks``, copying only the index (each run's played slot gets a new row); the
    argument shows what it showed."""
    store, index, rows = blocks.writable()
    freed = np.empty(action.size, dtype=np.int64)
    _step_blocks(store.pool, store.vec, index, rows, np.ascontiguousarray(action, dtype=np.int64),
                 np.ascontiguousarray(x), np.ascontiguousarray(y, dtype=np.float64), freed, store.shadow, store.scale,
                 triangle(store.pool.shape[1]))
    return blocks.advanced(store, index, freed)


def sherman_morrison(inverse: np.ndarray, moment: np.ndarray, theta: np.ndarray, action: np.ndarray,
                     x: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """New ``(inverse, moment, theta)`` after a (weighted) rank-one step on each run's played arm.

    Pure: the arguments are copied first. ``weight [B]`` (default 1) scales the pull (0: the run
    does not learn this round).
    """
    inverse, moment, theta = inverse.copy(), moment.copy(), theta.copy()
    w = np.ones(action.size) if weight is None else np.ascontiguousarray(weight, dtype=np.float64)
    _sherman_morrison(inverse, moment, theta, np.ascontiguousarray(action, dtype=np.int64),
                      np.ascontiguousarray(x), np.ascontiguousarray(y, dtype=np.float64), w)
    return inverse, moment, theta


def sherman_morrison_reference(inverse: np.ndarray, moment: np.ndarray, theta: np.ndarray, action: np.ndarray,
                               x: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None
                               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """NumPy reference of :func:`sherman_morrison`."""
    rows = np.arange(action.size)
    w = np.ones(action.size) if weight is None else np.asarray(weight, dtype=np.float64)
    inverse, moment, theta = inverse.copy(), moment.copy(), theta.copy()
    p = inverse[rows, action]
    px = np.einsum("bij,bj->bi", p, x)
    c = w / (1.0 + w * np.einsum("bi,bi->b", x, px))
    inverse[rows, action] = p - c[:, None, None] * px[:, :, None] * px[:, None, :]
    moment[rows, action] += (w * y)[:, None] * x
    err = y - np.einsum("bi,bi->b", theta[rows, action], x)
    theta[rows, action] += (c * err)[:, None] * px
    return inverse, moment, theta



# -- LinUCB's arm choice, screened on the float32 shadows ------------------------------------------


@numba.njit(cache=True, nogil=True)
def _ucb_value(m: float, q: float, alpha: float) -> float:
    """``m + alpha sqrt(max(q, 0))`` with plain IEEE operations (no fused multiply-add), as NumPy
    computes ``mean + alpha * width``."""
    return m + alpha * np.sqrt(max(q, 0.0))


@numba.njit(cache=True, nogil=True, fastmath=_FAST)
def _argmax_ucb_blocks(pool: np.ndarray, shadow: np.ndarray, scale: np.ndarray, index: np.ndarray, vec: np.ndarray,
                       x: np.ndarray, alpha: float, tri: np.ndarray, out: np.ndarray) -> None:
    """``out[b] = argmax_a θ_a·x_a + α sqrt(x_aᵀP_a x_a)`` (the first maximum, NaN counting as the
    maximum, as ``np.argmax`` of :func:`scores_blocks`'s index) for disjoint blocks ``index [B, K]``.

    Each arm's quadratic form is first bounded from its shadow (``P_ij + P_ji``, ``i <= j``, as int16
    multiples ``s_ij`` of a scale ``c``, :func:`_shadow_one`): ``q̃ = c Σ_{i<=j} s_ij x_i x_j`` (the
    diagonal's ``x_i²`` halved) is one contiguous dot product of ``D (D + 1) / 2`` terms, and the
    exact ``xᵀPx`` (either summation order) lies within ``tol c (Σ|x_i|)²`` of it (each ``s_ij`` is
    truncated by less than 1; the float32 dot product's error is at most ``n 2^-24`` of
    ``32767 (Σ|x_i|)²``, ``n = D (D + 1) / 2``; ``tol`` doubles it), so the index lies in
    ``[lo_a, hi_a]`` (widened by ``1e-12`` of
    ``Σ|θ_i x_i| + α w`` for the mean's and square root's rounding). An arm with ``hi_a`` below
    ``L = max lo`` is not the argmax (its exact index is below the arm attaining ``L``); when one
    arm is left it is the argmax, otherwise the arms left are scored exactly as
    :func:`_scores_blocks` scores them (:func:`_score_row`) and the first maximum wins."""
    b_len, k_len = index.shape
    d_len = pool.shape[1]
    n_tri = shadow.shape[1]
    shared = x.shape[1] == 1
    lo = np.empty(k_len)
    hi = np.empty(k_len)
    w = np.empty(n_tri, dtype=np.float32)  # x_i x_j (halved when i = j) in the shadow's order: one dot product
    # float32 sums of n terms err by at most n 2^-24 of Σ|s_t w_t| <= 32767 (Σ|x_i|)² (s_t: integers, exact);
    # twice that, the truncation (< 1 per s_t) and w's rounding: the tolerance in units of c (Σ|x_i|)²
    tol = 1.0 + 2.0**-10 + 2.0 * (n_tri + 2) * 2.0**-24 * 32767.0
    xd = np.empty(d_len)
    diag = np.empty(d_len, dtype=np.int64)  # the shadow entry of (i, i)
    off = 0
    for i in range(d_len):
        diag[i] = off
        off += d_len - i
    for b in range(b_len):
        finite = True
        top = -np.inf
        x1 = 0.0
        for a in range(k_len):
            xv = x[b, 0 if shared else a]
            if a == 0 or not shared:
                x1 = 0.0
                for i in range(d_len):
                    x1 += abs(xv[i])
                for i in range(d_len):
                    xd[i] = xv[i]
                for t in range(n_tri):
                    w[t] = np.float32(xd[tri[2, t]] * xd[tri[3, t]])
                for i in range(d_len):  # the diagonal's entries hold 2 P_ii
                    w[diag[i]] *= np.float32(0.5)
                if not (1e-15 < x1 < 1e15):  # float32 products could underflow or overflow: no screen
                    finite = False
            row = index[b, a]
            m = 0.0
            ma = 0.0
            for i in range(d_len):
                v = vec[row, 0, i] * xv[i]
                m += v
                ma += abs(v)
            c = scale[row]
            q32 = np.float32(0.0)
            for t in range(n_tri):
                q32 += np.float32(shadow[row, t]) * w[t]
            q = np.float64(q32) * c
            delta = tol * c * x1 * x1
            wl = np.sqrt(max(q - delta, 0.0))
            wh = np.sqrt(max(q + delta, 0.0))
            slack = 1e-12 * (ma + alpha * wh) + 1e-300
            lo[a] = m + alpha * wl - slack
            hi[a] = m + alpha * wh + slack
            if not (np.isfinite(lo[a]) and np.isfinite(hi[a])):
                finite = False
            if lo[a] > top:
                top = lo[a]
        n_left = 0
        only = 0
        if finite:
            for a in range(k_len):
                if hi[a] >= top:
                    n_left += 1
                    only = a
        if finite and n_left == 1:
            out[b] = only
            continue
        best = -1
        best_value = 0.0
        for a in range(k_len):  # exact scores of the arms left (all of them when a bound is not finite)
            if finite and hi[a] < top:
                continue
            mm, qq = _score_row(pool, index[b, a], vec, index[b, a], 0, x[b, 0 if shared else a])
            value = _ucb_value(mm, qq, alpha)
            if best < 0 or value > best_value or (value != value and best_value == best_value):
                best, best_value = a, value
        out[b] = best


def argmax_ucb_blocks(blocks: Any, x: np.ndarray, alpha: float) -> np.ndarray:
    """``[B]`` LinUCB's arm of a disjoint :class:`~regretlab.bandits.contextual._blocks.Blocks`
    inverse: ``np.argmax(mean + alpha * width)`` of :func:`scores_blocks`, screened on the shadows."""
    out = np.empty(x.shape[0], dtype=np.int64)
    _argmax_ucb_blocks(blocks.store.pool, blocks.store.shadow, blocks.store.scale, blocks.index, blocks.store.vec,
                       compact(x), float(alpha), triangle(blocks.store.pool.shape[1]), out)
    return out
