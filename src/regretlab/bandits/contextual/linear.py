r"""Linear contextual bandits: LinUCB (disjoint and hybrid, Li et al. 2010) and linear Thompson
sampling (Agrawal & Goyal 2013), batched over ``B`` runs.

Each arm ``a`` keeps the ridge statistics of its pulls, ``A_a = λI + Σ x xᵀ`` and ``b_a = Σ y x``,
as the inverse ``P_a = A_a⁻¹`` updated by one Sherman–Morrison step per pull (``O(D²)``, no
matrix inverse per round), and ``θ_a = P_a b_a``. ``pooled=True`` keeps one ``(P, b, θ)`` for all
arms (one parameter vector, per-arm features ``[B, K, D]``: the OFUL / Agrawal–Goyal form).
Rewards are normalised to ``y = (r − lo)/(hi − lo) ∈ [0, 1]`` with the declared ``reward_range``.
The quadratic forms ``x_aᵀP_a x_a`` of every run and arm and the rank-one steps run in compiled
loops (:mod:`regretlab.bandits.contextual._base`, each with its NumPy reference).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from scipy.special import ndtri

from regretlab.bandits._common import (
    STREAM_NOISE,
    init_keys,
    learner_repr,
    round_counter,
)
from regretlab.bandits._common import uniform as per_run_uniform
from regretlab.bandits.contextual._base import (
    _play_linucb,
    argmax_ucb_blocks,
    check_dim,
    chosen_features,
    compact,
    features,
    normalised_reward,
    one_hot,
    gather_blocks,
    scores_blocks,
    sherman_morrison_blocks,
)
from regretlab.bandits.contextual._blocks import Blocks, Rows, blocks_empty, blocks_from, fill_shadow
from regretlab.bandits.contextual._base import (
    reward_range as _range,
)
from regretlab.core import rng
from regretlab.core.errors import check_positive
from regretlab.core.registry import register
from regretlab.core.types import Bandit

__all__ = ["HybridLinUCB", "HybridState", "LinTS", "LinUCB", "LinearState", "lin_ts", "linucb", "linucb_hybrid"]


class LinearState(NamedTuple):
    """State of the disjoint (or pooled) linear learners."""

    t: np.ndarray  # [B] rounds each run has played
    key: np.ndarray  # [B] uint64 learner keys
    inverse: Blocks  # [B, M, D, D] P_a = (λI + Σ x xᵀ)⁻¹ (M = K arms, or 1 when pooled), read-only:
    # persistent blocks that successive states share (an update writes only the played arm's row)
    moment: Rows  # [B, M, D] b_a = Σ y x (read-only, the rows of `inverse`)
    theta: Rows  # [B, M, D] θ_a = P_a b_a (read-only, the rows of `inverse`)


def _slack(slots: int) -> int:
    """Spare blocks per run in the pool of persistent inverses: the state one update older than
    the newest shares the pool; older states still held are given their own copy when their rows
    are reused. One: a larger pool (4 spare blocks: 45 MB at B=1000, K=10, D=20) measured slower,
    the scores' pass over it falling out of a 32 MB L3."""
    return 1


class _Linear:
    feedback = Bandit
    needs_context = True  # acts on the round's features: a context-free setting cannot drive it
    name = "linear"

    def __init__(self, dim: int, lam: float, pooled: bool, reward_range: tuple[float, float]):
        self.dim = check_dim(dim)
        self.lam = check_positive("lam", lam)
        self.pooled = bool(pooled)
        self.reward_range = _range(reward_range)

    def init(self, keys: Any, num_actions: int) -> LinearState:
        """State for ``B = len(keys)`` runs over ``K = num_actions`` arms (``P_a = I/λ``)."""
        from regretlab.core.errors import check_int

        k = check_int("num_actions", num_actions)
        key = init_keys(keys)
        b, d, m = key.size, self.dim, 1 if self.pooled else k
        inverse = blocks_from(np.broadcast_to(np.eye(d) / self.lam, (b, m, d, d)), _slack(m))
        return LinearState(round_counter(b), key, inverse, Rows(inverse, 1), Rows(inverse, 0))

    def _context(self, state: LinearState, context: Any, k: int) -> np.ndarray:
        x = features(context, state.t.size, k, self.dim)
        if self.pooled and x.strides[1] == 0 and k > 1:
            raise ValueError(f"context must be per-arm features [{state.t.size}, {k}, {self.dim}] for "
                             f"{self.name}(pooled=True): with features shared by the arms one parameter "
                             "vector scores every arm alike")
        return x

    def _scores(self, state: LinearState, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(θ_a·x_a, sqrt(x_aᵀP_a x_a))`` ``[B, K]``."""
        return scores_blocks(state.inverse, x)  # a pooled state's one slot scores every arm

    def _num_arms(self, state: LinearState, context: Any) -> int:
        if not self.pooled:
            return state.inverse.shape[1]
        x = np.asarray(context) if context is not None else None
        if x is not None and x.ndim == 3:
            return x.shape[1]
        if x is not None and x.ndim == 2 and x.shape[1] == self.dim and x.shape[0] != state.t.size:
            return x.shape[0]
        raise ValueError(f"context must be per-arm features [{state.t.size}, K, {self.dim}] for "
                         f"{self.name}(pooled=True), got {None if x is None else list(x.shape)}")

    def update(self, state: LinearState, feedback: Bandit) -> LinearState:
        """Ridge step on each run's played arm, with the round's context ``feedback.context``."""
        b = state.t.size
        if not isinstance(feedback, Bandit):
            raise TypeError("feedback must be Bandit(action=[B], reward=[B], prob=[B], context=features) "
                            f"for a contextual bandit learner, got {type(feedback).__name__}")
        k = self._num_arms(state, feedback.context)
        a, y, _ = normalised_reward(feedback, b, k, self.reward_range)
        x = chosen_features(self._context(state, feedback.context, k), a)
        slot = np.zeros(b, dtype=np.int64) if self.pooled else a
        inverse = sherman_morrison_blocks(state.inverse, slot, x, y)
        return LinearState(state.t + 1, state.key, inverse, Rows(inverse, 1), Rows(inverse, 0))

    def __repr__(self) -> str:
        return learner_repr(self, self.name)


class LinUCB(_Linear):
    r"""LinUCB: play ``argmax_a θ_aᵀx_a + α sqrt(x_aᵀ A_a⁻¹ x_a)`` (ties: the lowest arm)."""

    name = "linucb"

    def __init__(self, dim: int, alpha: float = 1.0, lam: float = 1.0, pooled: bool = False,
                 reward_range: tuple[float, float] = (0.0, 1.0)):
        super().__init__(dim, lam, pooled, reward_range)
        self.alpha = check_positive("alpha", alpha, allow_zero=True)

    def index(self, state: LinearState, context: Any) -> np.ndarray:
        """``[B, K]`` upper confidence bounds of the arms."""
        k = self._num_arms(state, context)
        mean, width = self._scores(state, self._context(state, context, k))
        return mean + self.alpha * width

    def strategy(self, state: LinearState, context: Any = None) -> np.ndarray:
        """One-hot of ``argmax`` :meth:`index` (the first maximum). Disjoint arms: screened on the
        blocks' float32 shadows, the exact scores computed only for arms the screen cannot separate
        (the same arm as ``np.argmax(index)``; :func:`~regretlab.bandits.contextual._base.argmax_ucb_blocks`)."""
        k = self._num_arms(state, context)
        if self.pooled:
            ucb = self.index(state, context)
            return one_hot(np.argmax(ucb, axis=1), k)
        x = self._context(state, context, k)
        return one_hot(argmax_ucb_blocks(state.inverse, x, self.alpha), k)

    def play(self, state: LinearState, contexts: Any, utilities: Any, history: bool = False) -> StreamPlay:
        """Play a recorded stream's rounds in one compiled call, with the numbers of the pure path.

        Each round is ``strategy`` (the arm of largest UCB; LinUCB is deterministic, so the driver's
        draw from the one-hot is that arm) and ``update`` with the played arm's utility, done in
        place on one copy of the state (no per-round copy of the ``[B, K, D, D]`` inverses).

        Args:
            state: the state to start from (not changed).
            contexts: ``[T, B, D]`` (shared) or ``[T, B, K, D]`` (per arm) features.
            utilities: ``[T, B, K]`` every arm's utility, inside ``reward_range``.
            history: also return the actions ``[T, B]``.
        """
        from regretlab.bandits._common import check_rewards
        from regretlab.core.errors import check_array

        u = check_array("utilities", utilities)
        b = state.t.size
        if u.ndim != 3 or u.shape[1] != b:
            raise ValueError(f"utilities must be [T, {b}, K] (every arm's utility each round), got {list(u.shape)}")
        t_len, _, k = u.shape
        if not self.pooled and k != state.inverse.shape[1]:
            raise ValueError(f"utilities must have K = {state.inverse.shape[1]} arms, got {k}")
        lo, hi = self.reward_range
        check_rewards("utilities", u, u.shape, lo, hi)
        x = check_array("contexts", contexts)
        if x.shape[:2] != (t_len, b):
            raise ValueError(f"contexts must be [{t_len}, {b}, {self.dim}] or [{t_len}, {b}, {k}, {self.dim}], "
                             f"got {list(x.shape)}")
        d = self.dim
        if x.ndim == 3 and x.shape[2] == d and not (self.pooled and k > 1):
            x = np.ascontiguousarray(x)[:, :, None, :]  # shared features: [T, B, 1, D]
        elif x.ndim == 4 and x.shape[2:] == (k, d):
            x = compact(x)
        else:
            want = f"[{t_len}, {b}, {k}, {d}]" if self.pooled else f"[{t_len}, {b}, {d}] or [{t_len}, {b}, {k}, {d}]"
            raise ValueError(f"contexts must be {want}, got {list(x.shape)}")
        # the result's pool, filled with the state's blocks and played in place (one allocation)
        b_, m_ = state.inverse.index.shape
        blocks, runs, vecs = blocks_empty(b_, m_, d, _slack(m_))
        gather_blocks(state.inverse.store.pool, state.inverse.index, runs[:, :m_])
        vectors = state.inverse.vectors()
        theta, moment = np.ascontiguousarray(vectors[:, :, 0]), np.ascontiguousarray(vectors[:, :, 1])
        actions = np.empty((t_len, b), dtype=np.int64)
        reward = np.zeros(b)
        _play_linucb(runs, moment, theta, x, np.ascontiguousarray(u), self.alpha, lo, hi, actions, reward,
                     self.pooled)
        vecs[:, :m_, 0], vecs[:, :m_, 1] = theta, moment
        fill_shadow(blocks)
        new = LinearState(state.t + t_len, state.key, blocks, Rows(blocks, 1), Rows(blocks, 0))
        return StreamPlay(new, reward, actions if history else None)


class StreamPlay(NamedTuple):
    """What :meth:`LinUCB.play` returns."""

    state: LinearState  # after the stream's rounds
    reward: np.ndarray  # [B] utility summed over the rounds
    actions: np.ndarray | None  # [T, B] the arms played (history=True)


@register("linucb", family="contextual", tunes=("reward_range",),
          test_params=[{"dim": 3}, {"dim": 3, "alpha": 0.3, "lam": 2.0, "reward_range": (-1e6, 1e6)},
                       {"dim": 3, "pooled": True}])
def linucb(dim: int, alpha: float = 1.0, lam: float = 1.0, pooled: bool = False,
           reward_range: tuple[float, float] = (0.0, 1.0)) -> LinUCB:
    r"""LinUCB with disjoint linear models (Li et al. 2010, Algorithm 1), batched over runs.

    .. math::
        A_t = \arg\max_a \hat\theta_a^\top x_{t,a} + \alpha\sqrt{x_{t,a}^\top P_a x_{t,a}},\qquad
        P_a \leftarrow P_a - \frac{P_a x x^\top P_a}{1 + x^\top P_a x},\quad b_a \leftarrow b_a + y x,
        \quad \hat\theta_a = P_a b_a,

    with ``P_a = (λI + Σ_{pulls of a} x xᵀ)⁻¹`` kept by Sherman–Morrison steps and ``y`` the reward
    normalised to [0, 1]. With ``pooled=True`` one ``θ`` scores per-arm features (OFUL's model).

    Args:
        dim: ``D``, the context's feature dimension (contexts ``[B, D]`` shared or ``[B, K, D]`` per arm).
        alpha: width of the confidence bonus (``1 + sqrt(ln(2/δ)/2)`` in the paper).
        lam: ridge parameter λ > 0.
        pooled: one parameter vector for all arms (needs per-arm features).
        reward_range: ``(lo, hi)`` of the rewards (normalised to [0, 1] inside).

    Returns:
        A :class:`LinUCB`: ``init(keys [B], K)``, ``strategy(state, context) -> [B, K]`` (one-hot),
        ``update(state, Bandit(action, reward, prob, context))``.

    Example:
        >>> from regretlab.core import Bandit, rng
        >>> lin = linucb(dim=2); state = lin.init(rng.spawn_keys(0, 1), 2)
        >>> x = np.array([[1.0, 0.0]])
        >>> state = lin.update(state, Bandit(np.array([0]), np.array([1.0]), np.ones(1), context=x))
        >>> lin.strategy(state, x).tolist()   # arm 0: 0.5 + sqrt(0.5) beats arm 1: 0 + 1
        [[1.0, 0.0]]

    Regret: OFUL-type confidence sets give ``O(d √T log T)`` with high probability (Abbasi-Yadkori,
    Pál & Szepesvári 2011, Thm 3); SupLinUCB ``O(√(T d ln³(K T ln T / δ)))`` (Chu et al. 2011).
    Li, Chu, Langford & Schapire, "A contextual-bandit approach to personalized news article
    recommendation", WWW 2010.
    """
    return LinUCB(dim, alpha=alpha, lam=lam, pooled=pooled, reward_range=reward_range)


class LinTS(_Linear):
    r"""Linear Thompson sampling: play ``argmax_a x_aᵀθ̃_a`` with ``θ̃_a ~ N(θ̂_a, v² P_a)``."""

    name = "lin_ts"

    def __init__(self, dim: int, v: float = 0.5, lam: float = 1.0, pooled: bool = False,
                 reward_range: tuple[float, float] = (0.0, 1.0)):
        super().__init__(dim, lam, pooled, reward_range)
        self.v = check_positive("v", v, allow_zero=True)

    def sample(self, state: LinearState, context: Any) -> np.ndarray:
        """``[B, K]`` sampled scores ``x_aᵀθ̃_a`` (a function of the run key and round only)."""
        k = self._num_arms(state, context)
        x = self._context(state, context, k)
        noise_key = rng.derive(state.key, STREAM_NOISE)
        if not self.pooled:
            # the arms' posteriors are independent, so x_aᵀθ̃_a ~ N(x_aᵀθ̂_a, v² x_aᵀP_a x_a) exactly:
            # K normal draws instead of K D-dimensional ones
            mean, width = self._scores(state, x)
            return mean + self.v * width * ndtri(per_run_uniform(noise_key, state.t, k))
        d = self.dim
        z = ndtri(per_run_uniform(noise_key, state.t, d))
        chol = np.linalg.cholesky(0.5 * (state.inverse[:, 0] + np.swapaxes(state.inverse[:, 0], 1, 2)))
        draw = state.theta[:, 0] + self.v * np.einsum("bij,bj->bi", chol, z)
        return np.einsum("bkd,bd->bk", x, draw)

    def strategy(self, state: LinearState, context: Any = None) -> np.ndarray:
        s = self.sample(state, context)
        return one_hot(np.argmax(s, axis=1), s.shape[1])


@register("lin_ts", family="contextual", tunes=("reward_range",),
          test_params=[{"dim": 3}, {"dim": 3, "v": 0.1, "lam": 0.5, "reward_range": (-1e6, 1e6)},
                       {"dim": 3, "pooled": True}])
def lin_ts(dim: int, v: float = 0.5, lam: float = 1.0, pooled: bool = False,
           reward_range: tuple[float, float] = (0.0, 1.0)) -> LinTS:
    r"""Linear Thompson sampling with a Gaussian posterior per arm (Agrawal & Goyal 2013).

    .. math::
        \tilde\theta_a \sim \mathcal N(\hat\theta_a, v^2 P_a),\qquad A_t = \arg\max_a x_{t,a}^\top\tilde\theta_a,

    then the ridge step of :func:`linucb` on the played arm. The draw is a function of the run key
    and the run's round only (batch row = solo run). ``pooled=True``: one ``θ̃ ~ N(θ̂, v²P)`` scores
    per-arm features (the paper's model).

    Args:
        dim: ``D``; v: posterior scale (the paper's ``R sqrt(24 d ln(1/δ)/ε)``; smaller works better
            in practice); lam: ridge λ > 0; pooled: one parameter vector; reward_range: ``(lo, hi)``.

    Returns:
        A :class:`LinTS` (one-hot strategies of the sampled argmax).

    Example:
        >>> from regretlab.core import rng
        >>> ts = lin_ts(dim=2, v=0.0); state = ts.init(rng.spawn_keys(0, 2), 3)
        >>> ts.strategy(state, np.ones((2, 2))).tolist()   # v = 0: greedy; all tie -> arm 0
        [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]

    Regret ``Õ(d^{3/2} √T)`` (or ``Õ(d √(T ln K))``) with high probability (Agrawal & Goyal,
    "Thompson sampling for contextual bandits with linear payoffs", ICML 2013, Thm 1).
    """
    return LinTS(dim, v=v, lam=lam, pooled=pooled, reward_range=reward_range)


class HybridState(NamedTuple):
    """State of hybrid LinUCB (shared coefficients β on ``z``, per-arm θ_a on ``x``; ``k`` and ``d``
    their dimensions: ``k = d = D`` when ``z = x``)."""

    t: np.ndarray  # [B] rounds played
    key: np.ndarray  # [B] uint64 learner keys
    shared: np.ndarray  # [B, k, k] A_0
    shared_inverse: np.ndarray  # [B, k, k] A_0⁻¹
    shared_moment: np.ndarray  # [B, k] b_0
    inverse: np.ndarray  # [B, K, d, d] A_a⁻¹
    cross: np.ndarray  # [B, K, d, k] B_a = Σ x zᵀ
    moment: np.ndarray  # [B, K, d] b_a


class HybridLinUCB:
    r"""Hybrid LinUCB: reward ``zᵀβ + xᵀθ_a``, β shared by the arms (Li et al. 2010, Algorithm 2)."""

    feedback = Bandit
    needs_context = True  # acts on the round's features: a context-free setting cannot drive it
    name = "linucb_hybrid"

    def __init__(self, dim: int, alpha: float = 1.0, lam: float = 1.0,
                 reward_range: tuple[float, float] = (0.0, 1.0), shared_dim: int | None = None):
        self.dim = check_dim(dim)
        self.alpha = check_positive("alpha", alpha, allow_zero=True)
        self.lam = check_positive("lam", lam)
        self.reward_range = _range(reward_range)
        if shared_dim is not None and (isinstance(shared_dim, bool) or not isinstance(shared_dim, (int, np.integer))
                                       or not 1 <= shared_dim < self.dim):
            raise ValueError(f"shared_dim must be None (z = x) or the number k of shared features, an integer "
                             f"with 1 <= k < dim = {self.dim} (each arm's row is [z (k), x (dim - k)]), "
                             f"got {shared_dim!r}")
        self.shared_dim = None if shared_dim is None else int(shared_dim)

    def _dims(self) -> tuple[int, int]:
        """``(k, d)``: the dimensions of ``z`` (shared coefficients) and ``x`` (per-arm)."""
        if self.shared_dim is None:
            return self.dim, self.dim
        return self.shared_dim, self.dim - self.shared_dim

    def _split(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(z, x)`` of feature rows ``[..., D]`` (both the whole row when ``z = x``)."""
        if self.shared_dim is None:
            return rows, rows
        return rows[..., :self.shared_dim], rows[..., self.shared_dim:]

    def init(self, keys: Any, num_actions: int) -> HybridState:
        from regretlab.core.errors import check_int

        k = check_int("num_actions", num_actions)
        key = init_keys(keys)
        b, (ks, d) = key.size, self._dims()
        eye_s, eye = np.eye(ks), np.eye(d)
        return HybridState(round_counter(b), key, np.broadcast_to(self.lam * eye_s, (b, ks, ks)).copy(),
                           np.broadcast_to(eye_s / self.lam, (b, ks, ks)).copy(), np.zeros((b, ks)),
                           np.broadcast_to(eye / self.lam, (b, k, d, d)).copy(), np.zeros((b, k, d, ks)),
                           np.zeros((b, k, d)))

    def index(self, state: HybridState, context: Any) -> np.ndarray:
        """``[B, K]``: ``zᵀβ̂ + xᵀθ̂_a + α √s_a`` with ``s_a = (z − B_aᵀA_a⁻¹x)ᵀA_0⁻¹(z − B_aᵀA_a⁻¹x) + xᵀA_a⁻¹x``."""
        b, k = state.moment.shape[:2]
        z, x = self._split(features(context, b, k, self.dim))
        beta = np.einsum("bij,bj->bi", state.shared_inverse, state.shared_moment)
        resid = state.moment - np.einsum("bkij,bj->bki", state.cross, beta)
        theta = np.einsum("bkij,bkj->bki", state.inverse, resid)
        u = np.einsum("bkij,bkj->bki", state.inverse, x)  # A_a⁻¹ x
        v = np.einsum("bkij,bki->bkj", state.cross, u)  # B_aᵀ A_a⁻¹ x
        w = z - v  # z − B_aᵀA_a⁻¹x
        s = np.einsum("bki,bij,bkj->bk", w, state.shared_inverse, w) + np.einsum("bki,bki->bk", x, u)
        return (np.einsum("bki,bi->bk", z, beta) + np.einsum("bki,bki->bk", x, theta)
                + self.alpha * np.sqrt(np.maximum(s, 0.0)))

    def strategy(self, state: HybridState, context: Any = None) -> np.ndarray:
        ucb = self.index(state, context)
        return one_hot(np.argmax(ucb, axis=1), ucb.shape[1])

    def update(self, state: HybridState, feedback: Bandit) -> HybridState:
        """Algorithm 2's update on each run's played arm."""
        b, k = state.moment.shape[:2]
        if not isinstance(feedback, Bandit):
            raise TypeError("feedback must be Bandit(action=[B], reward=[B], prob=[B], context=features) "
                            f"for a contextual bandit learner, got {type(feedback).__name__}")
        a, y, _ = normalised_reward(feedback, b, k, self.reward_range)
        z, x = self._split(chosen_features(features(feedback.context, b, k, self.dim), a))
        rows = np.arange(b)
        ainv, bm, ba = state.inverse[rows, a], state.cross[rows, a], state.moment[rows, a]
        btab = np.einsum("bji,bjk->bik", bm, np.einsum("bij,bjk->bik", ainv, bm))  # B_aᵀA_a⁻¹B_a
        btb = np.einsum("bji,bj->bi", bm, np.einsum("bij,bj->bi", ainv, ba))  # B_aᵀA_a⁻¹b_a
        shared = state.shared + btab
        shared_moment = state.shared_moment + btb
        px = np.einsum("bij,bj->bi", ainv, x)
        ainv = ainv - px[:, :, None] * px[:, None, :] / (1.0 + np.einsum("bi,bi->b", x, px))[:, None, None]
        bm = bm + x[:, :, None] * z[:, None, :]
        ba = ba + y[:, None] * x
        shared = (shared + z[:, :, None] * z[:, None, :]
                  - np.einsum("bji,bjk->bik", bm, np.einsum("bij,bjk->bik", ainv, bm)))
        shared_moment = (shared_moment + y[:, None] * z
                         - np.einsum("bji,bj->bi", bm, np.einsum("bij,bj->bi", ainv, ba)))
        shared = 0.5 * (shared + np.swapaxes(shared, 1, 2))
        inverse, cross, moment = state.inverse.copy(), state.cross.copy(), state.moment.copy()
        inverse[rows, a], cross[rows, a], moment[rows, a] = ainv, bm, ba
        return HybridState(state.t + 1, state.key, shared, np.linalg.inv(shared), shared_moment,
                           inverse, cross, moment)

    def __repr__(self) -> str:
        return learner_repr(self, self.name)


@register("linucb_hybrid", family="contextual", tunes=("reward_range",),
          test_params=[{"dim": 3}, {"dim": 2, "alpha": 0.5, "lam": 2.0, "reward_range": (-1e6, 1e6)},
                       {"dim": 4, "shared_dim": 2}])
def linucb_hybrid(dim: int, alpha: float = 1.0, lam: float = 1.0,
                  reward_range: tuple[float, float] = (0.0, 1.0), shared_dim: int | None = None) -> HybridLinUCB:
    r"""LinUCB with hybrid linear models (Li et al. 2010, Algorithm 2): ``E[r] = z_aᵀβ + x_aᵀθ_a``.

    The shared coefficients β learn what all arms have in common, the per-arm ``θ_a`` what is
    particular to each. By default ``z_a = x_a`` (the arm's features); with ``shared_dim = k``
    each arm's feature row of width ``D`` is ``[z_a (k), x_a (D − k)]``: the first ``k`` entries
    are the shared features ``z_{t,a}`` (β of dimension ``k``), the last ``D − k`` the arm-specific
    ``x_{t,a}`` (θ_a of dimension ``D − k``), as in the paper's news-article model (user ⊗ article
    features in ``z``, user features in ``x``). With ``A_0 = λI + Σ(zzᵀ − ...)``
    and ``B_a = Σ x zᵀ`` as in the paper, ``β̂ = A_0⁻¹b_0``, ``θ̂_a = A_a⁻¹(b_a − B_aβ̂)`` and

    .. math:: A_t = \arg\max_a z^\top\hat\beta + x^\top\hat\theta_a + \alpha\sqrt{s_a},\quad
        s_a = (z - B_a^\top A_a^{-1}x)^\top A_0^{-1}(z - B_a^\top A_a^{-1}x) + x^\top A_a^{-1}x.

    ``A_a⁻¹`` by Sherman–Morrison; ``A_0`` (a rank-three change per pull) is inverted per round
    (``O(k³)``).

    Args:
        dim: ``D``, the width of each arm's feature row (contexts ``[B, D]`` shared or ``[B, K, D]``);
            alpha: bonus width; lam: ridge λ > 0; reward_range: ``(lo, hi)``.
        shared_dim: ``k`` with ``1 <= k < D``: the row is ``[z (k), x (D − k)]``; ``None``: ``z = x``.

    Returns:
        A :class:`HybridLinUCB`.

    Example:
        >>> from regretlab.core import Bandit, rng
        >>> h = linucb_hybrid(dim=2, alpha=0.0); state = h.init(rng.spawn_keys(0, 1), 2)
        >>> x = np.array([[[1.0, 0.0], [0.0, 1.0]]])   # per-arm features [B, K, D]
        >>> state = h.update(state, Bandit(np.array([1]), np.array([1.0]), np.ones(1), context=x))
        >>> h.strategy(state, x).tolist()   # the pulled arm's reward was 1: greedy picks it
        [[0.0, 1.0]]

    Regret: as disjoint LinUCB (the hybrid model is a linear model in ``(β, θ_1..θ_K)``).
    Li, Chu, Langford & Schapire, WWW 2010, §3.2.
    """
    return HybridLinUCB(dim, alpha=alpha, lam=lam, reward_range=reward_range, shared_dim=shared_dim)
