"""Groupwise regret: one online-ridge expert per group combined by sleeping AdaNormalHedge.

Acharya, Arunachaleswaran, Kannan, Roth, Ziani, "Oracle Efficient Algorithms for Groupwise
Regret", ICLR 2024 (code: krishnacharya/multidecomp). For each group g with subsequence
I_g, Reg_g(T) = Σ_{t∈I_g} ℓ_t(ŷ_t) − min_θ Σ_{t∈I_g} (θᵀx_t − y_t)², ℓ_t(ŷ) = (ŷ − y_t)², and the
algorithm's loss is its expected loss Σ_g p_{t,g} ℓ_{t,g}. The baseline is one online ridge run
on all rounds. Shuffles follow the paper: ``DataFrame.sample(frac=1, random_state=seed)``,
which is ``RandomState(seed).permutation(T)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

import numba
import numpy as np

from regretlab.core.errors import check_int, check_positive
from regretlab.core.registry import register
from regretlab.core.types import FullInfo
from regretlab.regression.types import Grouped, Label, Mixture, check_label, keep_rows

PAPER_SEEDS = (473, 503, 623, 550, 692, 989, 617, 458, 301, 205)


def shuffle_order(seed: int, rows: int) -> np.ndarray:
    """Row order of ``DataFrame.sample(frac=1, random_state=seed)`` (pandas uses RandomState)."""
    return np.random.RandomState(seed).permutation(rows)


def check_grouped(X: np.ndarray, y: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate (X ``[T, D]``, y ``[T]``, groups ``[T, G]``) and return contiguous float/bool copies."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array [T, D], got shape {list(X.shape)}")
    y = np.asarray(y, dtype=np.float64)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape [{X.shape[0]}] (one target per row of X), got {list(y.shape)}")
    if not np.isfinite(y).all():
        bad = np.flatnonzero(~np.isfinite(y))
        raise ValueError(f"y must be finite, got {float(y[bad[0]])!r} at row {bad[0]} ({bad.size} non-finite targets)")
    if not np.isfinite(X).all():
        bad = np.argwhere(~np.isfinite(X))[0]
        raise ValueError(f"X must be finite, got {float(X[bad[0], bad[1]])!r} at row {bad[0]}, column {bad[1]}")
    groups = np.asarray(groups)
    if groups.ndim != 2 or groups.shape[0] != X.shape[0]:
        raise ValueError(
            f"groups must be a [T, G] membership matrix with T = {X.shape[0]} rows (one per row of X), "
            f"got shape {list(groups.shape)}"
        )
    if not np.isin(groups, (0, 1)).all():
        raise ValueError("groups must contain only 0/1 (or booleans)")
    groups = groups.astype(bool)
    never = np.flatnonzero(~groups.any(axis=0))
    if never.size:
        raise ValueError(f"groups column(s) {never.tolist()} are never active; every group needs at least one row")
    return np.ascontiguousarray(X), np.ascontiguousarray(y), np.ascontiguousarray(groups)


# --------------------------------------------------------------------------------------------
# compiled batched pass


@numba.njit(cache=True, inline="always")
def _sherman_morrison(P, bvec, theta, x, yt, px):
    # P ← P − (Px)(Px)ᵀ/(1 + xᵀPx) (P stays symmetric); θ ← θ + P_new x (y − xᵀθ), and
    # P_new x = Px/(1 + xᵀPx), so the update costs 2D² + O(D) instead of recomputing θ = P b.
    D = x.shape[0]
    for i in range(D):
        s = 0.0
        for j in range(D):
            s += P[i, j] * x[j]
        px[i] = s
    denom = 1.0
    resid = yt
    for i in range(D):
        denom += x[i] * px[i]
        resid -= x[i] * theta[i]
    for i in range(D):
        c = px[i] / denom
        for j in range(D):
            P[i, j] -= c * px[j]
        bvec[i] += yt * x[i]
        theta[i] += c * resid


@numba.njit(cache=True, inline="always")
def _predict(theta, x, do_clip, lo, hi):
    s = 0.0
    for i in range(x.shape[0]):
        s += theta[i] * x[i]
    if do_clip:
        if s < lo:
            s = lo
        elif s > hi:
            s = hi
    return s


@numba.njit(cache=True, parallel=True)
def _groupwise_kernel(X, y, A, perms, lam, do_clip, lo, hi, base_group, loss_anh, loss_base, loss_expert):
    B, T = perms.shape
    D = X.shape[1]
    G = A.shape[1]
    for b in numba.prange(B):
        P = np.zeros((G, D, D))
        bv = np.zeros((G, D))
        th = np.zeros((G, D))
        R = np.zeros(G)
        C = np.zeros(G)
        P0 = np.zeros((D, D))
        b0 = np.zeros(D)
        th0 = np.zeros(D)
        for i in range(D):
            P0[i, i] = 1.0 / lam
            for g in range(G):
                P[g, i, i] = 1.0 / lam
        px = np.zeros(D)
        logw = np.zeros(G)
        prob = np.zeros(G)
        loss = np.zeros(G)
        for t in range(T):
            row = perms[b, t]
            x = X[row]
            yt = y[row]
            # baseline: one online ridge on every round (the always-on expert computes the
            # same numbers in the same order, so it is reused when there is one)
            if base_group < 0:
                pred = _predict(th0, x, do_clip, lo, hi)
                loss_base[b, t] = (pred - yt) ** 2
                _sherman_morrison(P0, b0, th0, x, yt, px)
            # sleeping AdaNormalHedge distribution over the awake group experts
            nawake = 0
            top = 0.0
            for g in range(G):
                if A[row, g]:
                    nawake += 1
                    d3 = 3.0 * (C[g] + 1.0)
                    rp = R[g] + 1.0 if R[g] > -1.0 else 0.0
                    rm = R[g] - 1.0 if R[g] > 1.0 else 0.0
                    logw[g] = rp * rp / d3
                    prob[g] = rm * rm / d3
                    if logw[g] > top:
                        top = logw[g]
            total = 0.0
            # direct weights ½(e^{a} − e^{b}) as in the paper's code; shifted by e^{−top} only
            # when they would overflow
            shift = top - 600.0 if top > 600.0 else 0.0
            for g in range(G):
                if A[row, g]:
                    v = 0.5 * (np.exp(logw[g] - shift) - np.exp(prob[g] - shift))
                    prob[g] = v
                    total += v
                else:
                    prob[g] = 0.0
            if nawake == 0:
                for g in range(G):
                    prob[g] = 1.0 / G
            elif total == 0.0:
                for g in range(G):
                    prob[g] = (1.0 / nawake) if A[row, g] else 0.0
            else:
                for g in range(G):
                    prob[g] /= total
            lhat = 0.0
            for g in range(G):
                if A[row, g]:
                    pg = _predict(th[g], x, do_clip, lo, hi)
                    loss[g] = (pg - yt) ** 2
                    loss_expert[b, t, g] = loss[g]
                    _sherman_morrison(P[g], bv[g], th[g], x, yt, px)
                    lhat += prob[g] * loss[g]
            loss_anh[b, t] = lhat
            if base_group >= 0:
                loss_base[b, t] = loss[base_group]
            for g in range(G):
                if A[row, g]:
                    r = lhat - loss[g]
                    R[g] += r
                    C[g] += abs(r)


def groupwise_losses(
    X: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    orders: np.ndarray,
    lam: float = 1.0,
    clip: tuple[float, float] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-round losses of the groupwise algorithm and of the baseline for B row orders at once.

    Args:
        X: ``[T, D]`` features; y: ``[T]`` targets; groups: ``[T, G]`` bool membership.
        orders: ``[B, T']`` int row orders (one shuffle per run; T' ≤ T rows may be a prefix).
        lam: ridge parameter of every online-ridge expert.
        clip: optional (lo, hi) clipping of every ridge prediction.

    Returns:
        (loss_anh ``[B, T]`` expected loss Σ_g p_{t,g} ℓ_{t,g}, loss_base ``[B, T]`` single online
        ridge, loss_expert ``[B, T, G]`` each awake expert's loss, 0 when asleep), in shuffled order.
    """
    X, y, groups = check_grouped(X, y, groups)
    lam = check_positive("lam", lam)
    orders = np.ascontiguousarray(np.asarray(orders, dtype=np.int64))
    if orders.ndim != 2 or orders.shape[1] < 1:
        raise ValueError(f"orders must be a [B, T'] array of row indices, got shape {list(orders.shape)}")
    if orders.min() < 0 or orders.max() >= X.shape[0]:
        raise ValueError(f"orders must index rows 0..{X.shape[0] - 1}, got values in [{orders.min()}, {orders.max()}]")
    B, T = orders.shape
    loss_anh = np.zeros((B, T))
    loss_base = np.zeros((B, T))
    loss_expert = np.zeros((B, T, groups.shape[1]))
    lo, hi = (0.0, 0.0) if clip is None else (float(clip[0]), float(clip[1]))
    always = np.flatnonzero(groups.all(axis=0))
    base_group = int(always[0]) if always.size else -1
    _groupwise_kernel(X, y, groups, orders, lam, clip is not None, lo, hi, base_group, loss_anh, loss_base, loss_expert)
    return loss_anh, loss_base, loss_expert


class GroupwiseState(NamedTuple):
    """State of a :class:`Groupwise` learner."""

    t: np.ndarray  # [B] rounds learned from
    experts: Any  # the expert regressor's state over B * G rows (run b, group g at row b * G + g)
    combiner: Any  # the sleeping experts learner's state over G experts, batched over [B]


class Groupwise:
    """One regressor per group, trained on its group's rounds, combined by sleeping experts.

    Round t with features x_t and awake groups A_t: expert g predicts ŷ_{t,g}; the combiner plays
    p_t over the awake experts (``strategy(state, context=A_t)``); the prediction is the mixture
    ``(p_t, ŷ_t)`` whose loss is the expected loss ℓ̂_t = Σ_g p_{t,g} (ŷ_{t,g} − y_t)². After y_t,
    every awake expert learns (x_t, y_t) and the combiner gets ``FullInfo(−ℓ_t, awake=A_t)``.
    With online ridge and sleeping AdaNormalHedge the groupwise regret of every group is
    O(√T_g) up to logs (Acharya, Arunachaleswaran, Kannan, Roth & Ziani, ICLR 2024).

    Args:
        num_groups: G.
        expert: the per-group regressor (default ``online_ridge(1.0)``).
        combiner: a sleeping experts learner (default ``SleepingAdaNormalHedge()``).
    """

    feedback: ClassVar[type] = Label
    name = "groupwise"

    def __init__(self, num_groups: int, expert: Any = None, combiner: Any = None) -> None:
        from regretlab.experts.sleeping import SleepingAdaNormalHedge
        from regretlab.regression.online import OnlineRidge

        self.num_groups = check_int("num_groups", num_groups)
        self.expert = OnlineRidge(1.0) if expert is None else expert
        self.combiner = SleepingAdaNormalHedge() if combiner is None else combiner

    def init(self, keys: Any, dim: int) -> GroupwiseState:
        from regretlab.regression.types import check_keys

        keys = check_keys(keys)
        g = self.num_groups
        return GroupwiseState(np.zeros(keys.size, dtype=np.int64), self.expert.init(np.repeat(keys, g), dim),
                              self.combiner.init(keys, g))

    def _split(self, state: GroupwiseState, context: Any) -> tuple[np.ndarray, np.ndarray]:
        b, g = state.t.size, self.num_groups
        if isinstance(context, Grouped):
            x, awake = np.asarray(context.x, dtype=np.float64), np.asarray(context.groups)
            if awake.shape != (b, g):
                raise ValueError(f"groups must have shape [{b}, {g}], got {list(awake.shape)}")
            return x, awake.astype(bool)
        return np.asarray(context, dtype=np.float64), np.ones((b, g), dtype=bool)

    def _values(self, state: GroupwiseState, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if x.ndim != 2 or x.shape[0] != state.t.size:
            raise ValueError(f"x must have shape [{state.t.size}, D], got {list(x.shape)}")
        xr = np.repeat(x, self.num_groups, axis=0)
        try:
            values = self.expert.predict(state.experts, xr)
        except ValueError as exc:  # the experts see B * G rows: name the caller's shapes instead
            raise ValueError(f"x must have shape [{state.t.size}, D] with the D of init, got {list(x.shape)} "
                             f"(the group experts said: {exc})") from None
        return xr, values.reshape(state.t.size, self.num_groups)

    def predict(self, state: GroupwiseState, context: Any) -> Mixture:
        """:class:`~regretlab.regression.types.Mixture` of the awake experts' predictions for
        ``context = Grouped(x [B, D], groups [B, G])`` (plain ``x``: every group awake)."""
        x, awake = self._split(state, context)
        _, values = self._values(state, x)
        return Mixture(self.combiner.strategy(state.combiner, context=awake), values, awake)

    def update(self, state: GroupwiseState, feedback: Label) -> GroupwiseState:
        """Awake experts learn (x, y); the combiner is charged each awake expert's square loss."""
        context, y, m = check_label(feedback, state.t.size)
        x, awake = self._split(state, context)
        xr, values = self._values(state, x)
        loss = ((values.reshape(-1) - np.repeat(y, self.num_groups)) ** 2).reshape(awake.shape) * awake
        learn = awake & m[:, None]
        experts = self.expert.update(state.experts, Label(xr, np.repeat(y, self.num_groups), learn.reshape(-1)))
        combiner = self.combiner.update(state.combiner, FullInfo(utility=-loss, awake=awake))
        return GroupwiseState(state.t + m, experts, keep_rows(m, combiner, state.combiner))

    def __repr__(self) -> str:
        return f"groupwise(num_groups={self.num_groups}, expert={self.expert!r}, combiner={type(self.combiner).__name__})"


@register("groupwise", family="regression", test_params=[{"num_groups": 3}])
def groupwise(num_groups: int, expert: Any = None, combiner: Any = None) -> Groupwise:
    """Groupwise regression: a regressor per group combined by sleeping AdaNormalHedge.

    p_{t,g} ∝ a_{t,g} w(R_g, C_g) over the awake groups (sleeping AdaNormalHedge), prediction the
    mixture of ŷ_{t,g} = x_tᵀθ_{g,t−1} (one online ridge per group, trained on its rounds only),
    loss Σ_g p_{t,g}(ŷ_{t,g} − y_t)²; for every group g, Σ_{t∈I_g} ℓ̂_t − min_θ Σ_{t∈I_g}
    (θᵀx_t − y_t)² = O(√T_g log) (groupwise regret).

    Args:
        num_groups: G, the number of (possibly overlapping) groups.
        expert: the per-group regressor (default ``online_ridge(1.0)``).
        combiner: a sleeping experts learner over G experts (default sleeping AdaNormalHedge).

    Returns:
        A :class:`Groupwise`; its context is :class:`~regretlab.regression.types.Grouped`
        ``(x [B, D], groups [B, G])`` and ``predict`` returns a
        :class:`~regretlab.regression.types.Mixture`.

    Example:
        >>> from regretlab.core import rng
        >>> from regretlab.regression import Grouped, Label
        >>> f = groupwise(2); state = f.init(rng.spawn_keys(0, 1), 1)
        >>> ctx = Grouped(np.ones((1, 1)), np.array([[True, False]]))
        >>> f.predict(state, ctx).weights.tolist()   # all mass on the awake group
        [[1.0, 0.0]]
        >>> state = f.update(state, Label(ctx, np.array([2.0])))
        >>> f.predict(state, ctx).mean.tolist()   # group 0's ridge: 2 / (1 + 1)
        [1.0]

    Acharya, Arunachaleswaran, Kannan, Roth & Ziani, "Oracle Efficient Algorithms for Groupwise
    Regret", ICLR 2024; Luo & Schapire, COLT 2015 (AdaNormalHedge).
    """
    return Groupwise(num_groups, expert=expert, combiner=combiner)


def groupwise_losses_numpy(
    X: np.ndarray, y: np.ndarray, groups: np.ndarray, orders: np.ndarray, lam: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """The same pass as :func:`groupwise_losses`, played by the one prediction driver with the
    library's pieces (:func:`groupwise` over :class:`OnlineRidge` experts and
    :class:`SleepingAdaNormalHedge`; one :class:`OnlineRidge` baseline); used to check the
    compiled kernel. Returns (loss_anh ``[B, T]``, loss_base ``[B, T]``)."""
    from regretlab.regression.driver import ArrayStream, run_predictor
    from regretlab.regression.online import OnlineRidge

    X, y, groups = check_grouped(X, y, groups)
    orders = np.asarray(orders, dtype=np.int64)
    keys = np.zeros(orders.shape[0], dtype=np.uint64)  # the learners are deterministic
    stream = ArrayStream(X, y, groups=groups, orders=orders, name="groupwise")
    anh = run_predictor(Groupwise(groups.shape[1], expert=OnlineRidge(lam=lam)), stream, keys=keys, history=True,
                        ridge=None, progress=False)
    base = run_predictor(OnlineRidge(lam=lam), ArrayStream(X, y, orders=orders, name="groupwise"), keys=keys,
                         history=True, ridge=None, progress=False)
    return np.ascontiguousarray(anh.losses.T), np.ascontiguousarray(base.losses.T)


# --------------------------------------------------------------------------------------------
# straightforward per-seed reference (the shape of the paper's code; used by the benchmark)


def groupwise_reference_seed(
    X: np.ndarray, y: np.ndarray, groups: np.ndarray, seed: int, lam: float = 1.0, rounds: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """One shuffle, one round at a time, one expert object per group, dense matrix products.

    Sherman–Morrison written as P − (P x xᵀ P)/(1 + xᵀPx) with d×d products, expected loss of
    AdaNormalHedge with the direct exponential weights. Returns (loss_anh [T], loss_base [T]).
    """
    X, y, groups = check_grouped(X, y, groups)
    order = shuffle_order(seed, X.shape[0])
    Xs, ys, As = X[order], y[order], groups[order].astype(np.float64)
    T = Xs.shape[0] if rounds is None else int(rounds)
    D, G = X.shape[1], groups.shape[1]

    class Ridge:
        def __init__(self) -> None:
            self.P = np.identity(D) / lam
            self.b = np.zeros(D)
            self.theta = np.zeros(D)

        def step(self, x: np.ndarray, yt: float) -> float:
            pred = float(np.dot(x, self.theta))
            v = x.reshape(-1, 1)
            self.P = self.P - (self.P @ v @ v.T @ self.P) / (1 + v.T @ self.P @ v)
            self.b = self.b + yt * x
            self.theta = self.P @ self.b
            return (pred - yt) ** 2

    base = Ridge()
    experts = [Ridge() for _ in range(G)]
    R, C = np.zeros(G), np.zeros(G)
    loss_anh, loss_base = np.zeros(T), np.zeros(T)
    for t in range(T):
        a = As[t]
        loss_base[t] = base.step(Xs[t], ys[t])
        dr = 3 * (C + 1)
        v = 0.5 * (np.exp(np.clip(R + 1, 0.0, None) ** 2 / dr) - np.exp(np.clip(R - 1, 0.0, None) ** 2 / dr)) * a
        p = np.ones(G) / G if not a.any() else (a / a.sum() if not v.any() else v / v.sum())
        loss = np.zeros(G)
        for g in range(G):
            if a[g]:
                loss[g] = experts[g].step(Xs[t], ys[t])
        lhat = float(np.dot(p, loss))
        loss_anh[t] = lhat
        r = (lhat - loss) * a
        R += r
        C += np.abs(r)
    return loss_anh, loss_base


# --------------------------------------------------------------------------------------------
# the groupwise regret metric


def regret_positions(size: int, points: int = 100) -> np.ndarray:
    """Checkpoints ``linspace(T_g // n, T_g − 1, n)`` (int), n = min(points, T_g), as in the paper."""
    n = min(points, size)
    return np.linspace(size // n, size - 1, num=n, dtype=int)


def _blas_one_thread():
    """Limit BLAS to one thread while many small dense solves run (on a busy 2-core box a
    96×96 eigh went from 2 ms to 90 ms with the default thread pool); a no-op without threadpoolctl."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def hindsight_sse(Xg: np.ndarray, yg: np.ndarray, positions: np.ndarray, exact: bool = False) -> np.ndarray:
    """Least-squares SSE min_θ Σ_{s<p} (θᵀx_s − y_s)² on each prefix ``[:p]`` of one group's rows.

    Unregularised, no intercept, minimum-norm for rank-deficient prefixes (``scipy.linalg.lstsq``).
    ``exact=False`` uses accumulated Gram matrices (SSE = yᵀy − rᵀG⁺r with an eigen pseudo-inverse),
    which agrees with lstsq to ~1e-9 here and costs O(T D²) instead of O(n T D²).
    """
    positions = np.asarray(positions, dtype=np.int64)
    out = np.zeros(positions.size)
    if exact:
        from scipy.linalg import lstsq

        for k, p in enumerate(positions):
            theta = lstsq(Xg[:p], yg[:p])[0]
            out[k] = np.sum((Xg[:p] @ theta - yg[:p]) ** 2)
        return out
    D = Xg.shape[1]
    gram = np.zeros((D, D))
    rhs = np.zeros(D)
    yy = 0.0
    prev = 0
    for k, p in enumerate(positions):
        if p > prev:
            blk, yb = Xg[prev:p], yg[prev:p]
            gram += blk.T @ blk
            rhs += blk.T @ yb
            yy += float(yb @ yb)
            prev = p
        eig, vec = np.linalg.eigh(gram)
        keep = eig > eig.max() * 1e-11 if eig.max() > 0 else np.zeros_like(eig, dtype=bool)
        proj = vec[:, keep].T @ rhs
        out[k] = max(yy - float(np.sum(proj**2 / eig[keep])), 0.0)
    return out


@dataclass
class GroupwiseResult:
    """Groupwise regret curves of the algorithm and the baseline over several shuffles.

    Attributes:
        group_names: G names; group_sizes: ``[G]`` T_g; seeds: ``[B]`` shuffle seeds.
        positions: per group, ``[n_g]`` checkpoints along its subsequence.
        regret_anh, regret_base, hindsight: per group, ``[B, n_g]`` arrays (cumulative loss at
            index p minus the least-squares SSE of rows[:p] — the paper's convention).
        loss_anh, loss_base: ``[B, T]`` per-round losses in shuffled order.
    """

    group_names: tuple[str, ...]
    group_sizes: np.ndarray
    seeds: np.ndarray
    positions: list[np.ndarray]
    regret_anh: list[np.ndarray]
    regret_base: list[np.ndarray]
    hindsight: list[np.ndarray]
    loss_anh: np.ndarray = field(repr=False)
    loss_base: np.ndarray = field(repr=False)

    def table(self) -> dict[str, np.ndarray]:
        """End-of-sequence regret: mean and (population, ddof=0) std over seeds, per group."""
        cols: dict[str, list] = {k: [] for k in ("group", "size", "base_mean", "base_std", "anh_mean", "anh_std", "hindsight_mean", "hindsight_std")}
        for g, name in enumerate(self.group_names):
            cols["group"].append(name)
            cols["size"].append(int(self.group_sizes[g]))
            for key, arr in (("base", self.regret_base[g]), ("anh", self.regret_anh[g]), ("hindsight", self.hindsight[g])):
                cols[f"{key}_mean"].append(float(arr[:, -1].mean()))
                cols[f"{key}_std"].append(float(arr[:, -1].std()))
        return {k: np.asarray(v) for k, v in cols.items()}


def groupwise_regret(
    X: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    group_names: tuple[str, ...] | None = None,
    seeds: tuple[int, ...] = PAPER_SEEDS,
    lam: float = 1.0,
    points: int = 100,
    clip: tuple[float, float] | None = None,
    exact_hindsight: bool = False,
) -> GroupwiseResult:
    """Run the groupwise algorithm and the baseline on every shuffle and measure groupwise regret.

    Args:
        X: ``[T, D]``; y: ``[T]``; groups: ``[T, G]`` 0/1 membership (include an always-on column).
        group_names: G names (default g0, g1, ...).
        seeds: shuffle seeds (the paper's ten by default).
        lam: ridge parameter λ of the experts and the baseline.
        points: checkpoints per group curve.
        clip: optional prediction clipping interval.
        exact_hindsight: use scipy lstsq at every checkpoint instead of Gram matrices.

    Returns:
        :class:`GroupwiseResult`.
    """
    X, y, groups = check_grouped(X, y, groups)
    points = check_int("points", points)
    G = groups.shape[1]
    if group_names is None:
        group_names = tuple(f"g{i}" for i in range(G))
    if len(group_names) != G:
        raise ValueError(f"group_names must have {G} entries (one per column of groups), got {len(group_names)}")
    seeds = np.asarray(seeds, dtype=np.int64).reshape(-1)
    if seeds.size == 0:
        raise ValueError("seeds must contain at least one seed")
    orders = np.stack([shuffle_order(int(s), X.shape[0]) for s in seeds])
    loss_anh, loss_base, _ = groupwise_losses(X, y, groups, orders, lam=lam, clip=clip)
    sizes = groups.sum(axis=0)
    positions = [regret_positions(int(n), points) for n in sizes]
    reg_anh = [np.zeros((seeds.size, p.size)) for p in positions]
    reg_base = [np.zeros((seeds.size, p.size)) for p in positions]
    sse = [np.zeros((seeds.size, p.size)) for p in positions]
    with _blas_one_thread():
        _fill_curves(X, y, groups, orders, loss_anh, loss_base, positions, reg_anh, reg_base, sse, exact_hindsight)
    return GroupwiseResult(tuple(group_names), sizes, seeds, positions, reg_anh, reg_base, sse, loss_anh, loss_base)


def _fill_curves(X, y, groups, orders, loss_anh, loss_base, positions, reg_anh, reg_base, sse, exact_hindsight) -> None:
    for b in range(orders.shape[0]):
        member = groups[orders[b]]
        for g in range(groups.shape[1]):
            rows = orders[b][member[:, g]]
            cum_anh = np.cumsum(loss_anh[b][member[:, g]])
            cum_base = np.cumsum(loss_base[b][member[:, g]])
            h = hindsight_sse(X[rows], y[rows], positions[g], exact=exact_hindsight)
            sse[g][b] = h
            reg_anh[g][b] = cum_anh[positions[g]] - h
            reg_base[g][b] = cum_base[positions[g]] - h
