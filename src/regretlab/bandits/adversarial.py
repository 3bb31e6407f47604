r"""Adversarial multi-armed bandits: Exp3 (fixed / anytime), Exp3-IX, Exp3.P, Tsallis-INF, FTPL with
geometric resampling, and Exp4 (expert advice).

All learners follow the batched contract with ``feedback = Bandit``: ``init(keys, K)``,
``strategy(state, context=None) -> [B, K]``, ``update(state, Bandit(action, reward, prob))``. The
runner (:func:`regretlab.run.run`) samples the action from ``strategy`` with its own key stream.
Rewards are utilities in the declared ``reward_range = (lo, hi)`` (default ``(-1, 0)``, i.e.
``-loss`` with losses in [0, 1]); internally every learner works with the normalised loss
``ℓ = (hi - r) / (hi - lo) ∈ [0, 1]``, so a reward outside the range raises a ValueError.
Regret bounds below are in units of normalised loss; multiply by ``hi - lo`` for utilities.

References: Auer, Cesa-Bianchi, Freund & Schapire (SIAM J. Comput. 2002) for Exp3/Exp3.P/Exp4;
Bubeck & Cesa-Bianchi (2012, "Regret analysis of stochastic and nonstochastic multi-armed bandit
problems", Thms 3.1, 3.3, 4.2); Neu (NeurIPS 2015) for Exp3-IX; Zimmert & Seldin (JMLR 2021) for
Tsallis-INF; Neu & Bartók (ALT 2013) for FTPL with geometric resampling.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_array, check_int, check_positive, check_probability
from regretlab.core.registry import register
from regretlab.core.kernels import softmax_rows
from regretlab.core.simplex import softmax
from regretlab.core.types import Bandit

from regretlab.bandits._common import (
    NOISES,
    STREAM_NOISE,
    STREAM_RESAMPLE,
    check_bandit,
    check_range,
    column,
    init_keys,
    learner_repr,
    noise,
    per_run,
    round_counter,
    shared_round,
)

__all__ = [
    "BanditFTPL", "BanditState", "Exp3", "Exp3IX", "Exp3P", "Exp4", "TablePlay", "TsallisINF",
    "bandit_ftpl", "exp3", "exp3_ix", "exp3p", "exp4", "tsallis_inf",
]

_SCHEDULES = ("fixed", "anytime")


class BanditState(NamedTuple):
    """State of the adversarial bandit learners.

    ``p`` is derived state: ``init`` and ``update`` compute the next round's strategy along with
    the rest (one compiled pass), so ``strategy`` only returns it. ``t`` is per run: rows of one
    state may be at different rounds (rows of different runs stacked together), and every rate,
    refresh and random draw of row ``b`` uses its own ``t[b]``. It is read-only, so that the
    array handed to the caller cannot change the state. After replacing other fields by hand
    (``state._replace(loss=...)``), pass ``p=None`` too and ``strategy`` recomputes it.
    """

    t: np.ndarray  # [B] int64 rounds played by each run
    key: np.ndarray  # [B] uint64 learner keys
    loss: np.ndarray  # [B, K] cumulative estimated normalised loss (gain for Exp3.P; experts' loss for Exp4)
    weight: np.ndarray | None = None  # [B, K] exp(-η (L̂ - c_b)) kept incrementally (fixed-rate Exp3 only)
    total: np.ndarray | None = None  # [B] row sums of weight
    p: np.ndarray | None = None  # [B, K] this round's strategy (Exp3, Exp3-IX, Exp3.P, Tsallis-INF)


class TablePlay(NamedTuple):
    """What :meth:`Exp3.play_table` returns."""

    state: BanditState  # after the table's rounds
    reward: np.ndarray  # [B] reward summed over the table's rounds
    actions: np.ndarray | None  # [T, B] actions played (with history=True)


_I64 = np.dtype(np.int64)
_F64 = np.dtype(np.float64)


def _frozen(p: np.ndarray) -> np.ndarray:
    p.flags.writeable = False
    return p


class _Base:
    feedback = Bandit
    name = "bandit"
    reward_range: tuple[float, float] = (-1.0, 0.0)

    def init(self, keys: Any, num_actions: int) -> BanditState:
        """State for ``B = len(keys)`` runs over ``K = num_actions`` arms."""
        k = check_int("num_actions", num_actions, minimum=1)
        key = init_keys(keys)
        return BanditState(round_counter(key.size), key, np.zeros((key.size, self._width(k))))

    def _width(self, k: int) -> int:
        return k

    def _loss(self, state: BanditState, feedback: Any, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Validated ``(action, normalised loss, prob)``."""
        lo, hi = self.reward_range
        a, r, p = check_bandit(feedback, state.loss.shape[0], k, lo, hi)
        return a, (hi - r) / (hi - lo), p

    def _arrays(self, state: BanditState, feedback: Any, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(action int64 [B], reward [B], prob [B])`` for a compiled step, which checks the values.

        Fast path: a ``Bandit`` of int64 / float64 arrays of shape ``[B]`` (what the runner builds)
        goes to the kernel as it is. Anything else is converted and fully checked here.
        """
        b = state.loss.shape[0]
        if type(feedback) is Bandit:
            a, r, p = feedback.action, feedback.reward, feedback.prob
            if (type(a) is np.ndarray and type(r) is np.ndarray and type(p) is np.ndarray
                    and a.dtype == _I64 and r.dtype == _F64 and p.dtype == _F64
                    and a.shape == (b,) and r.shape == (b,) and p.shape == (b,)):
                return a, r, p
        lo, hi = self.reward_range
        return check_bandit(feedback, b, k, lo, hi)

    def _reject(self, state: BanditState, feedback: Any, k: int) -> None:
        """A compiled step found bad feedback: raise the NumPy checks' ValueError that names it."""
        lo, hi = self.reward_range
        check_bandit(feedback, state.loss.shape[0], k, lo, hi)
        raise ValueError(f"feedback must be actions in [0, {k}), rewards in [{lo}, {hi}] and probs in (0, 1]")

    def __repr__(self) -> str:
        return learner_repr(self, self.name)


def _rate_args(lr: Any, schedule: str, horizon: Any) -> tuple[float | None, str, int | None]:
    if schedule not in _SCHEDULES:
        raise ValueError(f"schedule must be one of {', '.join(_SCHEDULES)}, got {schedule!r}")
    lr = None if lr is None else check_positive("lr", lr)
    horizon = None if horizon is None else check_int("horizon", horizon)
    if schedule == "fixed" and lr is None and horizon is None:
        raise ValueError("schedule='fixed' needs lr > 0 or horizon >= 1 (to tune the rate)")
    return lr, schedule, horizon


class Exp3(_Base):
    r"""Exp3 with loss-based importance weighting.

    .. math::
        p_t = (1-\gamma)\,\mathrm{softmax}(-\eta_t \hat L_{t-1}) + \gamma/K,\qquad
        \hat L_t(i) = \hat L_{t-1}(i) + \ell_t(A_t) 1[A_t = i] / p_t(A_t).

    Rates: ``fixed`` ``η = sqrt(2 ln K / (T K))`` ⇒ expected regret ``<= sqrt(2 T K ln K)``
    (Bubeck & Cesa-Bianchi 2012, Thm 3.1); ``anytime`` ``η_t = sqrt(ln K / (t K))`` ⇒
    ``<= 2 sqrt(T K ln K)`` (ibid., Thm 3.1 anytime variant).
    """

    name = "exp3"

    def __init__(self, lr: float | None = None, schedule: str = "fixed", horizon: int | None = None,
                 exploration: float = 0.0, reward_range: tuple[float, float] = (-1.0, 0.0)):
        self.lr, self.schedule, self.horizon = _rate_args(lr, schedule, horizon)
        self.exploration = check_probability("exploration", exploration)
        self.reward_range = check_range("reward_range", reward_range)

    def rate(self, k: int, t: Any) -> float | np.ndarray:
        """``η`` at 0-based round ``t``: an int, or the per-run counters ``[B]``.

        One float when the rate is fixed or every run is at the same round, else ``[B]`` (row ``b``
        the rate at round ``t[b]``, bit for bit what a solo run computes).
        """
        if self.schedule == "fixed":
            return self.lr if self.lr is not None else math.sqrt(2 * math.log(max(k, 2)) / (self.horizon * k))
        base = self.lr if self.lr is not None else math.sqrt(math.log(max(k, 2)) / k)
        return per_run(lambda s: base / math.sqrt(s + 1), t)

    # With a fixed rate only one weight per run changes each round, so the weights and their sum are
    # updated in place of a full softmax (one exp per run instead of K); every 64 rounds, and for any
    # run whose weights underflow, they are recomputed from L̂ so rounding never accumulates. One
    # compiled pass per update checks the feedback, updates L̂, the weights and their sums, and
    # computes the next strategy.
    _REFRESH = 64  # a power of two (the compiled step tests t & 63)

    def init(self, keys: Any, num_actions: int) -> BanditState:
        state = super().init(keys, num_actions)
        b, k = state.loss.shape
        if self.schedule == "fixed":
            state = state._replace(weight=np.ones((b, k)), total=np.full(b, float(k)))
        return state._replace(p=_frozen(self._strategy(state)))

    def _strategy(self, state: BanditState) -> np.ndarray:
        """The strategy computed from ``L̂`` (or the kept weights): the reference of ``state.p``."""
        k = state.loss.shape[1]
        if state.weight is not None:
            p = state.weight / state.total[:, None]
        else:
            p = softmax_rows(state.loss, -self.rate(k, state.t))
        return p if self.exploration == 0 else (1 - self.exploration) * p + self.exploration / k

    def strategy(self, state: BanditState, context: Any = None) -> np.ndarray:
        return state.p if state.p is not None else self._strategy(state)

    def update(self, state: BanditState, feedback: Bandit) -> BanditState:
        from regretlab.bandits import _kernels  # Numba loads on first use only

        b, k = state.loss.shape
        a, r, prob = self._arrays(state, feedback, k)
        lo, hi = self.reward_range
        if state.weight is None:
            ok, loss = _kernels.iw_step(state.loss, a, r, prob, lo, hi, 0.0)
            if not ok:
                self._reject(state, feedback, k)
            new = BanditState(state.t + 1, state.key, loss)
            return new._replace(p=_frozen(self._strategy(new)))
        t = state.t
        if type(t) is not np.ndarray:  # a state written by hand with one int for the batch
            t = np.full(b, t, dtype=np.int64)
        ok, loss, weight, total, p, new_t = _kernels.exp3_fixed_step(  # the kernel advances t too
            state.loss, state.weight, a, r, prob, lo, hi, self.rate(k, t), self.exploration, t, self._REFRESH)
        if not ok:
            if np.shape(t) != (b,):
                raise ValueError(f"state.t must be the runs' round counters, shape [{b}], got shape {list(np.shape(t))}")
            self._reject(state, feedback, k)
        return BanditState(new_t, state.key, loss, weight, total, _frozen(p))

    def play_table(self, state: BanditState, action_keys: Any, table: Any, history: bool = False) -> TablePlay:
        """``T = len(table)`` rounds of the runner's protocol in one compiled call (fixed rate only).

        Each round: ``p = strategy(state)``, ``a = rng.sample_actions(action_keys, state.t, p)`` (each run
        at its own round ``t[b]``),
        ``r = table[t, a]``, ``state = update(state, Bandit(a, r, p[a]))``, with the same numbers as
        that loop (tests/bandits/test_play_table.py). A compiled specialisation for benchmarks and
        fixed-table experiments; ``strategy``/``update`` stay the general path. Play a long table
        in chunks to record curves (each call continues from the state's round ``t``).

        Args:
            state: a fixed-rate Exp3 state ``[B, K]`` made by ``init``/``update``/``play_table``.
            action_keys: ``[B]`` uint64 keys of the runs' action stream (``rng.derive(keys, "action")``).
            table: ``[T, K]`` rewards in ``reward_range``, the same table for every run; every entry
                is checked, played or not.
            history: also return the actions ``[T, B]``.

        Returns:
            ``TablePlay(state after T rounds, reward [B] summed over the T rounds, actions [T, B] or None)``.
        """
        if state.weight is None or state.p is None:
            raise ValueError("play_table needs a fixed-rate Exp3 state made by init/update (schedule='fixed')")
        b, k = state.loss.shape
        keys = np.asarray(action_keys)
        if keys.shape != (b,) or keys.dtype != np.uint64:
            raise ValueError(f"action_keys must be [{b}] uint64 keys (rng.derive(keys, 'action')), "
                             f"got shape {list(keys.shape)} dtype {keys.dtype}")
        tab = check_array("table", table, finite=False)
        if tab.ndim != 2 or tab.shape[1] != k:
            raise ValueError(f"table must have shape [T, {k}], got {list(tab.shape)}")
        t0 = np.broadcast_to(np.asarray(state.t, dtype=np.int64), (b,))
        tab, keys = np.ascontiguousarray(tab), np.ascontiguousarray(keys)
        weight, total, p = state.weight, state.total, state.p
        assert total is not None
        total_in = total
        common = shared_round(t0)
        if common is not None:  # every run at one round: one compiled call (the common case)
            loss, weight, total, p, reward, actions = self._play(state.loss, weight, total, p, keys, common,
                                                                 tab, history)
        else:  # one compiled call for the runs of each round
            loss, weight, total, p = (np.empty_like(x) for x in (state.loss, weight, total, p))
            reward, actions = np.empty(b), np.empty((tab.shape[0] if history else 0, b), np.int64)
            for c in np.unique(t0):
                rows = np.flatnonzero(t0 == c)
                out = self._play(state.loss[rows], state.weight[rows], total_in[rows], state.p[rows], keys[rows],
                                 int(c), tab, history)
                loss[rows], weight[rows], total[rows], p[rows], reward[rows] = out[:5]
                actions[:, rows] = out[5]
        new = BanditState(t0 + tab.shape[0], state.key, loss, weight, total, _frozen(p))
        return TablePlay(new, reward, actions if history else None)

    def _play(self, loss: np.ndarray, weight: np.ndarray, total: np.ndarray, p: np.ndarray, keys: np.ndarray,
              t0: int, tab: np.ndarray, history: bool) -> tuple[np.ndarray, ...]:
        """:func:`_kernels.exp3_fixed_play` for runs that are all at round ``t0``; a clear error on bad rewards."""
        from regretlab.bandits import _kernels

        lo, hi = self.reward_range
        ok, *out = _kernels.exp3_fixed_play(loss, weight, total, p, keys, t0, tab, lo, hi, self.rate(p.shape[1], 0),
                                            self.exploration, self._REFRESH, bool(history))
        if not ok:
            from regretlab.bandits._common import check_rewards

            check_rewards("table", tab, tab.shape, lo, hi)
            raise ValueError(f"table must be rewards in [{lo}, {hi}]")
        return tuple(out)


@register("exp3", family="bandits", tunes=("horizon", "reward_range"),
          test_params=[{"reward_range": (-1e6, 1e6), "horizon": 100}, {"reward_range": (-1e6, 1e6), "schedule": "anytime"}, {"reward_range": (-1e6, 1e6), "lr": 0.1, "exploration": 0.05}])
def exp3(lr: float | None = None, schedule: str = "fixed", horizon: int | None = None,
         exploration: float = 0.0, reward_range: tuple[float, float] = (-1.0, 0.0)) -> Exp3:
    r"""Exp3: exponential weights on importance-weighted loss estimates (fixed tuned rate, or anytime).

    .. math::
        p_t = (1-\gamma)\,\mathrm{softmax}(-\eta_t \hat L_{t-1}) + \gamma/K,\qquad
        \hat L_t(i) = \hat L_{t-1}(i) + \frac{\ell_t(A_t)\,1[A_t = i]}{p_t(A_t)},\qquad
        \ell = \frac{hi - r}{hi - lo}.

    Args:
        lr: fixed rate ``η`` (overrides the tuning).
        schedule: ``"fixed"`` (``η = sqrt(2 ln K/(T K))`` from ``horizon``: regret ``<= sqrt(2 T K ln K)``)
            or ``"anytime"`` (``η_t = sqrt(ln K/(t K))``: ``<= 2 sqrt(T K ln K)``).
        horizon: ``T``, for the fixed tuned rate.
        exploration: ``γ``, uniform exploration.
        reward_range: declared ``(low, high)`` of rewards (default ``(-1, 0)``: ``-loss``).

    Returns:
        An :class:`Exp3` learner (``feedback = Bandit``): ``init(keys [B], K)``,
        ``strategy(state) -> [B, K]`` (read-only, carried in the state),
        ``update(state, Bandit(action [B], reward [B], prob [B]))``; ``play_table`` for fixed tables.

    Example:
        >>> from regretlab.core import Bandit, rng
        >>> learner = exp3(lr=0.5); s = learner.init(rng.spawn_keys(0, 2), 3)
        >>> s = learner.update(s, Bandit(np.array([0, 1]), np.array([-1.0, 0.0]), np.array([1/3, 1/3])))
        >>> learner.strategy(s).argmin(axis=1).tolist()
        [0, 0]

    Paper: Auer, Cesa-Bianchi, Freund & Schapire, "The nonstochastic multiarmed bandit problem",
    SIAM J. Comput. 2002; rates from Bubeck & Cesa-Bianchi 2012, Thm 3.1.
    """
    return Exp3(lr, schedule, horizon, exploration, reward_range)


class Exp3IX(_Base):
    r"""Exp3-IX: implicit exploration, :math:`\hat\ell_t(i) = \ell_t(A_t) 1[A_t=i]/(p_t(i) + \gamma)`.

    ``p_t = softmax(-η \hat L_{t-1})`` with ``η = sqrt(2 ln K / (K T))``, ``γ = η/2``: regret
    ``<= 2 sqrt(2 K T ln K) + (sqrt(2KT/ln K) + 1) ln(2/δ)`` with probability ``1-δ`` (Neu 2015, Thm 1).
    """

    name = "exp3_ix"

    def __init__(self, lr: float | None = None, gamma: float | None = None, horizon: int | None = None,
                 reward_range: tuple[float, float] = (-1.0, 0.0)):
        self.lr, _, self.horizon = _rate_args(lr, "fixed", horizon)
        self.gamma = None if gamma is None else check_positive("gamma", gamma, allow_zero=True)
        self.reward_range = check_range("reward_range", reward_range)

    def rate(self, k: int) -> tuple[float, float]:
        eta = self.lr if self.lr is not None else math.sqrt(2 * math.log(max(k, 2)) / (k * self.horizon))
        return eta, (eta / 2 if self.gamma is None else self.gamma)

    def init(self, keys: Any, num_actions: int) -> BanditState:
        state = super().init(keys, num_actions)
        return state._replace(p=_frozen(self._strategy(state)))

    def _strategy(self, state: BanditState) -> np.ndarray:
        return softmax_rows(state.loss, -self.rate(state.loss.shape[1])[0])

    def strategy(self, state: BanditState, context: Any = None) -> np.ndarray:
        return state.p if state.p is not None else self._strategy(state)

    def update(self, state: BanditState, feedback: Bandit) -> BanditState:
        from regretlab.bandits import _kernels

        k = state.loss.shape[1]
        a, r, prob = self._arrays(state, feedback, k)
        lo, hi = self.reward_range
        ok, loss = _kernels.iw_step(state.loss, a, r, prob, lo, hi, self.rate(k)[1])
        if not ok:
            self._reject(state, feedback, k)
        new = BanditState(state.t + 1, state.key, loss)
        return new._replace(p=_frozen(self._strategy(new)))


@register("exp3_ix", family="bandits", tunes=("horizon", "reward_range"), test_params=[{"reward_range": (-1e6, 1e6), "horizon": 100}, {"reward_range": (-1e6, 1e6), "lr": 0.2, "gamma": 0.05}])
def exp3_ix(lr: float | None = None, gamma: float | None = None, horizon: int | None = None,
            reward_range: tuple[float, float] = (-1.0, 0.0)) -> Exp3IX:
    r"""Exp3-IX: Exp3 with implicit exploration, regret bounded with high probability.

    .. math::
        p_t = \mathrm{softmax}(-\eta \hat L_{t-1}),\qquad
        \hat L_t(i) = \hat L_{t-1}(i) + \frac{\ell_t(A_t)\,1[A_t = i]}{p_t(i) + \gamma}.

    Args:
        lr: ``η`` (default ``sqrt(2 ln K/(K T))`` from ``horizon``).
        gamma: implicit exploration ``γ`` (default ``η/2``).
        horizon: ``T``, for the tuned rate.
        reward_range: declared ``(low, high)`` of rewards (default ``(-1, 0)``).

    Returns:
        An :class:`Exp3IX` learner (``feedback = Bandit``): regret ``<= 2 sqrt(2 K T ln K) +
        (sqrt(2KT/ln K) + 1) ln(2/δ)`` with probability ``1 - δ``.

    Example:
        >>> from regretlab.core import Bandit, rng
        >>> learner = exp3_ix(horizon=100); s = learner.init(rng.spawn_keys(0, 2), 3)
        >>> s = learner.update(s, Bandit(np.array([0, 0]), np.array([-1.0, -1.0]), np.array([1/3, 1/3])))
        >>> bool((learner.strategy(s)[:, 0] < 1/3).all())
        True

    Paper: Neu, "Explore no more: improved high-probability regret bounds for non-stochastic
    bandits", NeurIPS 2015, Thm 1.
    """
    return Exp3IX(lr, gamma, horizon, reward_range)


class Exp3P(_Base):
    r"""Exp3.P: gain estimates with a confidence bonus, :math:`\hat g_t(i) = (g_t(i) 1[A_t=i] + \beta)/p_t(i)`.

    ``p_t = (1-γ) softmax(η \hat G_{t-1}) + γ/K`` with ``β = sqrt(ln(K/δ)/(TK))``,
    ``η = 0.95 sqrt(ln K/(TK))``, ``γ = 1.05 sqrt(K ln K / T)``: regret
    ``<= 5.15 sqrt(T K ln(K/δ))`` with probability ``1-δ`` (Bubeck & Cesa-Bianchi 2012, Thm 3.3).
    """

    name = "exp3p"

    def __init__(self, horizon: int, delta: float = 0.05, reward_range: tuple[float, float] = (-1.0, 0.0)):
        self.horizon = check_int("horizon", horizon)
        self.delta = check_probability("delta", delta, open_right=True)
        if self.delta == 0:
            raise ValueError("delta must be in (0, 1), got 0")
        self.reward_range = check_range("reward_range", reward_range)

    def params(self, k: int) -> tuple[float, float, float]:
        """``(β, η, γ)`` of Bubeck & Cesa-Bianchi (2012), Thm 3.3 (γ capped at 1)."""
        t, lk = self.horizon, math.log(max(k, 2))
        beta = math.sqrt(math.log(k / self.delta) / (t * k))
        return beta, 0.95 * math.sqrt(lk / (t * k)), min(1.0, 1.05 * math.sqrt(k * lk / t))

    def init(self, keys: Any, num_actions: int) -> BanditState:
        state = super().init(keys, num_actions)
        return state._replace(p=_frozen(self._strategy(state)))

    def _strategy(self, state: BanditState) -> np.ndarray:
        k = state.loss.shape[1]
        _, eta, gamma = self.params(k)
        return (1 - gamma) * softmax(eta * state.loss) + gamma / k

    def strategy(self, state: BanditState, context: Any = None) -> np.ndarray:
        return state.p if state.p is not None else self._strategy(state)

    def update(self, state: BanditState, feedback: Bandit) -> BanditState:
        from regretlab.bandits import _kernels

        k = state.loss.shape[1]
        a, r, prob = self._arrays(state, feedback, k)
        lo, hi = self.reward_range
        beta, _, _ = self.params(k)
        ok, loss = _kernels.exp3p_step(state.loss, self.strategy(state), a, r, prob, lo, hi, beta)
        if not ok:
            self._reject(state, feedback, k)
        new = BanditState(state.t + 1, state.key, loss)
        return new._replace(p=_frozen(self._strategy(new)))


@register("exp3p", family="bandits", tunes=("horizon", "reward_range"), test_params=[{"reward_range": (-1e6, 1e6), "horizon": 100}])
def exp3p(horizon: int, delta: float = 0.05, reward_range: tuple[float, float] = (-1.0, 0.0)) -> Exp3P:
    r"""Exp3.P: gain estimates with a confidence bonus, regret ``O(sqrt(T K ln(K/δ)))`` with probability ``1 - δ``.

    .. math::
        p_t = (1-\gamma)\,\mathrm{softmax}(\eta \hat G_{t-1}) + \gamma/K,\qquad
        \hat G_t(i) = \hat G_{t-1}(i) + \frac{g_t(i)\,1[A_t = i] + \beta}{p_t(i)},

    ``β = sqrt(ln(K/δ)/(TK))``, ``η = 0.95 sqrt(ln K/(TK))``, ``γ = 1.05 sqrt(K ln K/T)``.

    Args:
        horizon: ``T``.
        delta: confidence ``δ ∈ (0, 1)``.
        reward_range: declared ``(low, high)`` of rewards (default ``(-1, 0)``).

    Returns:
        An :class:`Exp3P` learner (``feedback = Bandit``): regret ``<= 5.15 sqrt(T K ln(K/δ))`` w.p. ``1 - δ``.

    Example:
        >>> from regretlab.core import rng
        >>> learner = exp3p(horizon=1000); s = learner.init(rng.spawn_keys(0, 1), 4)
        >>> learner.strategy(s).round(2).tolist()
        [[0.25, 0.25, 0.25, 0.25]]

    Paper: Auer, Cesa-Bianchi, Freund & Schapire, SIAM J. Comput. 2002; Bubeck & Cesa-Bianchi 2012, Thm 3.3.
    """
    return Exp3P(horizon, delta, reward_range)


def tsallis_weights(loss: np.ndarray, eta: float | np.ndarray, iters: int = 40) -> np.ndarray:
    r"""``argmin_p ⟨p, L⟩ - (4/η) Σ sqrt(p_i)`` on the simplex: ``p_i = 4/(η (L_i - x))^2``, ``x`` by Newton.

    Args:
        loss: ``[B, K]`` cumulative loss estimates.
        eta: learning rate ``η``: a number, or ``[B, 1]`` (one per run).

    Returns:
        ``[B, K]`` distribution.
    """
    lmin = loss.min(axis=1, keepdims=True)
    x = lmin - 2.0 / eta  # here the best arm alone has weight 1, so the sum is >= 1
    for _ in range(iters):
        gap = loss - x
        w = 4.0 / (eta * gap) ** 2
        f = w.sum(axis=1, keepdims=True) - 1.0
        df = (2.0 * w / gap).sum(axis=1, keepdims=True)
        x = x - f / df  # f is convex increasing in x on (-inf, min L): Newton from the left is monotone
        if np.abs(f).max() < 1e-12:
            break
    w = 4.0 / (eta * (loss - x)) ** 2
    return w / w.sum(axis=1, keepdims=True)


class TsallisINF(_Base):
    r"""Tsallis-INF (α = 1/2): FTRL with the 1/2-Tsallis entropy, best of both worlds.

    .. math:: p_t = \arg\min_p \langle p, \hat L_{t-1}\rangle - \frac{4}{\eta_t}\sum_i \sqrt{p_i},\quad \eta_t = 2/\sqrt{t}

    with importance-weighted loss estimates. Adversarial regret ``<= 4 sqrt(K T) + 1``;
    logarithmic ``O(Σ_i ln T / Δ_i)`` in stochastic environments (Zimmert & Seldin 2021, Thms 1, 4).
    """

    name = "tsallis_inf"

    def __init__(self, lr: float | None = None, reward_range: tuple[float, float] = (-1.0, 0.0)):
        self.lr = None if lr is None else check_positive("lr", lr)
        self.reward_range = check_range("reward_range", reward_range)

    def init(self, keys: Any, num_actions: int) -> BanditState:
        state = super().init(keys, num_actions)
        return state._replace(p=_frozen(self._strategy(state)))

    def rate(self, t: Any) -> float | np.ndarray:
        """``η_t = lr/sqrt(t + 1)`` at 0-based round ``t`` (an int, or per-run counters ``[B]``: one
        float when the runs share a round, else ``[B]``)."""
        c = self.lr if self.lr is not None else 2.0
        return per_run(lambda s: c / math.sqrt(s + 1), t)

    def _strategy(self, state: BanditState) -> np.ndarray:
        return tsallis_weights(state.loss, column(self.rate(state.t)))

    def strategy(self, state: BanditState, context: Any = None) -> np.ndarray:
        return state.p if state.p is not None else self._strategy(state)

    def update(self, state: BanditState, feedback: Bandit) -> BanditState:
        from regretlab.bandits import _kernels

        k = state.loss.shape[1]
        a, r, prob = self._arrays(state, feedback, k)
        lo, hi = self.reward_range
        ok, loss = _kernels.iw_step(state.loss, a, r, prob, lo, hi, 0.0)
        if not ok:
            self._reject(state, feedback, k)
        new = BanditState(state.t + 1, state.key, loss)
        return new._replace(p=_frozen(self._strategy(new)))


@register("tsallis_inf", family="bandits", tunes=("reward_range",), test_params=[{"reward_range": (-1e6, 1e6)}, {"reward_range": (-1e6, 1e6), "lr": 1.0}])
def tsallis_inf(lr: float | None = None, reward_range: tuple[float, float] = (-1.0, 0.0)) -> TsallisINF:
    r"""Tsallis-INF (α = 1/2): FTRL with the 1/2-Tsallis entropy, optimal in adversarial and stochastic regimes.

    .. math::
        p_t = \arg\min_p \langle p, \hat L_{t-1}\rangle - \frac{4}{\eta_t}\sum_i \sqrt{p_i},\quad
        \eta_t = \frac{2}{\sqrt t},\qquad \hat L_t(i) = \hat L_{t-1}(i) + \frac{\ell_t(A_t) 1[A_t = i]}{p_t(i)}.

    Args:
        lr: the constant in ``η_t = lr/sqrt(t)`` (default 2).
        reward_range: declared ``(low, high)`` of rewards (default ``(-1, 0)``).

    Returns:
        A :class:`TsallisINF` learner (``feedback = Bandit``, anytime): adversarial regret
        ``<= 4 sqrt(K T) + 1``, stochastic ``O(Σ_i ln T/Δ_i)``.

    Example:
        >>> from regretlab.core import Bandit, rng
        >>> learner = tsallis_inf(); s = learner.init(rng.spawn_keys(0, 1), 2)
        >>> s = learner.update(s, Bandit(np.array([0]), np.array([-1.0]), np.array([0.5])))
        >>> bool(learner.strategy(s)[0, 1] > 0.5)
        True

    Paper: Zimmert & Seldin, "Tsallis-INF: an optimal algorithm for stochastic and adversarial
    bandits", JMLR 2021, Thms 1 and 4.
    """
    return TsallisINF(lr, reward_range)


class BanditFTPL(_Base):
    r"""Follow the perturbed leader for bandits with geometric resampling (FPL+GR).

    .. math:: A_t = \arg\min_i \hat L_{t-1}(i) - Z_{t,i}/\eta,\qquad \hat\ell_t(i) = \ell_t(A_t) K_t 1[A_t=i]

    where ``K_t`` counts fresh perturbed leaders until one picks ``A_t`` (truncated at ``M``),
    so ``E[K_t] ≈ 1/p_t(A_t)`` (Neu & Bartók 2013). ``strategy`` returns the one-hot of this
    round's perturbed leader (the runner then plays it with probability 1). Exponential noise
    with ``η = sqrt(ln K/(K T))`` and ``M = ceil(sqrt(K T))`` gives regret ``O(sqrt(K T ln K))``.
    """

    name = "bandit_ftpl"

    def __init__(self, lr: float | None = None, horizon: int | None = None, max_resamples: int | None = None,
                 noise: str = "exponential", reward_range: tuple[float, float] = (-1.0, 0.0)):
        self.lr, _, self.horizon = _rate_args(lr, "fixed", horizon)
        if noise not in NOISES:
            raise ValueError(f"noise must be one of {', '.join(NOISES)}, got {noise!r}")
        self.noise = noise
        if max_resamples is None and horizon is None:
            raise ValueError("bandit_ftpl needs max_resamples >= 1 or horizon >= 1")
        self.max_resamples = None if max_resamples is None else check_int("max_resamples", max_resamples)
        self.reward_range = check_range("reward_range", reward_range)

    def _params(self, k: int) -> tuple[float, int]:
        eta = self.lr if self.lr is not None else math.sqrt(math.log(max(k, 2)) / (k * self.horizon))
        m = self.max_resamples if self.max_resamples is not None else int(math.ceil(math.sqrt(k * self.horizon)))
        return eta, m

    def _leader(self, loss: np.ndarray, keys: np.ndarray, counter: Any, eta: float) -> np.ndarray:
        """The perturbed leaders ``[B]`` of draw ``counter`` (an int or per-run ``[B]``)."""
        z = noise(self.noise, keys, counter, loss.shape[1])
        return np.argmin(loss - z / eta, axis=1)

    def strategy(self, state: BanditState, context: Any = None) -> np.ndarray:
        b, k = state.loss.shape
        a = self._leader(state.loss, rng.derive(state.key, STREAM_NOISE), state.t, self._params(k)[0])
        out = np.zeros((b, k))
        out[np.arange(b), a] = 1.0
        return out

    def update(self, state: BanditState, feedback: Bandit) -> BanditState:
        b, k = state.loss.shape
        a, ell, _ = self._loss(state, feedback, k)
        eta, m = self._params(k)
        keys = rng.derive(state.key, STREAM_RESAMPLE)
        counts = np.full(b, m, dtype=np.int64)
        pending = np.ones(b, dtype=bool)
        for j in range(1, m + 1):
            hit = pending & (self._leader(state.loss, keys, state.t * m + j - 1, eta) == a)
            counts[hit] = j
            pending &= ~hit
            if not pending.any():
                break
        loss = state.loss.copy()
        loss[np.arange(b), a] += ell * counts
        return state._replace(t=state.t + 1, loss=loss)


@register("bandit_ftpl", family="bandits", tunes=("horizon", "reward_range"),
          test_params=[{"reward_range": (-1e6, 1e6), "horizon": 100}, {"reward_range": (-1e6, 1e6), "lr": 0.3, "max_resamples": 10, "noise": "gumbel"}])
def bandit_ftpl(lr: float | None = None, horizon: int | None = None, max_resamples: int | None = None,
                noise: str = "exponential", reward_range: tuple[float, float] = (-1.0, 0.0)) -> BanditFTPL:
    r"""FTPL with geometric resampling for K-armed bandits (FPL+GR).

    .. math::
        A_t = \arg\min_i \hat L_{t-1}(i) - Z_{t,i}/\eta,\qquad
        \hat L_t(A_t) = \hat L_{t-1}(A_t) + \ell_t(A_t)\, K_t,

    ``K_t``: fresh perturbed leaders drawn until one picks ``A_t`` (at most ``M``), so
    ``E[K_t] ≈ 1/p_t(A_t)``; ``strategy`` is the one-hot of ``A_t``.

    Args:
        lr: ``η`` (default ``sqrt(ln K/(K T))`` from ``horizon``).
        horizon: ``T``, for the defaults.
        max_resamples: truncation ``M`` (default ``ceil(sqrt(K T))``).
        noise: ``exponential``, ``laplace``, ``gumbel`` or ``gaussian`` perturbations.
        reward_range: declared ``(low, high)`` of rewards (default ``(-1, 0)``).

    Returns:
        A :class:`BanditFTPL` learner (``feedback = Bandit``): regret ``O(sqrt(K T ln K))``.

    Example:
        >>> from regretlab.core import rng
        >>> learner = bandit_ftpl(horizon=100); s = learner.init(rng.spawn_keys(0, 3), 4)
        >>> learner.strategy(s).sum(axis=1).tolist()          # one arm per run
        [1.0, 1.0, 1.0]

    Paper: Neu & Bartók, "An efficient algorithm for learning with semi-bandit feedback", ALT 2013.
    """
    return BanditFTPL(lr, horizon, max_resamples, noise, reward_range)


class Exp4(_Base):
    r"""Exp4: exponential weights over ``N`` experts' advice with importance-weighted arm losses.

    .. math::
        q_t = \mathrm{softmax}(-\eta \hat Y_{t-1}),\quad p_t = (1-\gamma)\, q_t^\top \xi_t + \gamma/K,\quad
        \hat Y_t(j) = \hat Y_{t-1}(j) + \langle \xi_t(j), \hat\ell_t\rangle

    with advice ``ξ_t [B, N, K]`` passed as the round's ``context``. ``η = sqrt(2 ln N / (T K))``,
    ``γ = 0``: regret against the best expert ``<= sqrt(2 T K ln N)`` (Bubeck & Cesa-Bianchi 2012, Thm 4.2).
    ``update`` needs the same advice: the driver passes it as ``Bandit(..., context=advice)``
    (``update(state, feedback, context=advice)`` also works). Without ``num_experts`` the experts
    are the ``K`` arms themselves (``N = K``): a round without advice uses the identity advice
    ``ξ_t = I``, and Exp4 is then Exp3 (with Exp4's rate).
    """

    name = "exp4"

    def __init__(self, num_experts: int | None = None, lr: float | None = None, horizon: int | None = None,
                 exploration: float = 0.0, reward_range: tuple[float, float] = (-1.0, 0.0)):
        self.num_experts = None if num_experts is None else check_int("num_experts", num_experts)
        self.lr, _, self.horizon = _rate_args(lr, "fixed", horizon)
        self.exploration = check_probability("exploration", exploration)
        self.reward_range = check_range("reward_range", reward_range)

    def _width(self, k: int) -> int:
        return k if self.num_experts is None else self.num_experts

    def _advice(self, state: BanditState, context: Any) -> np.ndarray:
        b, n = state.loss.shape
        if context is None:
            if self.num_experts is not None:
                raise ValueError(f"exp4 needs the experts' advice as context: an array [B, {n}, K] or [{n}, K]")
            return np.broadcast_to(np.eye(n), (b, n, n))  # the experts are the arms
        adv = check_array("context (advice)", context)
        if adv.ndim == 2:
            adv = np.broadcast_to(adv, (b,) + adv.shape)
        if adv.ndim != 3 or adv.shape[:2] != (b, n):
            raise ValueError(f"context (advice) must have shape [{b}, {n}, K] or [{n}, K], got {list(adv.shape)}")
        if (adv < -1e-12).any() or not np.allclose(adv.sum(axis=2), 1.0):
            raise ValueError("context (advice) rows must be probability vectors over the K arms")
        return adv

    def strategy(self, state: BanditState, context: Any = None) -> np.ndarray:
        adv = self._advice(state, context)
        k = adv.shape[2]
        n = state.loss.shape[1]
        eta = self.lr if self.lr is not None else math.sqrt(2 * math.log(max(n, 2)) / (self.horizon * k))
        p = np.einsum("bn,bnk->bk", softmax(-eta * state.loss), adv)
        return p if self.exploration == 0 else (1 - self.exploration) * p + self.exploration / k

    def update(self, state: BanditState, feedback: Bandit, context: Any = None) -> BanditState:
        adv = self._advice(state, getattr(feedback, "context", None) if context is None else context)
        b, _, k = adv.shape
        a, ell, p = self._loss(state, feedback, k)
        est = np.zeros((b, k))
        est[np.arange(b), a] = ell / p
        return state._replace(t=state.t + 1, loss=state.loss + np.einsum("bnk,bk->bn", adv, est))


@register("exp4", family="bandits", tunes=("horizon", "reward_range"),
          test_params=[{"reward_range": (-1e6, 1e6), "horizon": 100},
                       {"reward_range": (-1e6, 1e6), "lr": 0.3, "exploration": 0.1}])
def exp4(num_experts: int | None = None, lr: float | None = None, horizon: int | None = None,
         exploration: float = 0.0, reward_range: tuple[float, float] = (-1.0, 0.0)) -> Exp4:
    r"""Exp4: bandits with expert advice, the round's advice ``ξ_t [B, N, K]`` given as context.

    .. math::
        p_t = (1-\gamma)\,\mathrm{softmax}(-\eta \hat Y_{t-1})^\top \xi_t + \gamma/K,\qquad
        \hat Y_t(j) = \hat Y_{t-1}(j) + \frac{\xi_t(j, A_t)\,\ell_t(A_t)}{p_t(A_t)}.

    Args:
        num_experts: ``N``; default: the ``K`` arms are the experts (identity advice when a round has none).
        lr: ``η``; default ``sqrt(2 ln N/(T K))`` from ``horizon``.
        horizon: ``T``, for the tuned rate.
        exploration: ``γ``, uniform exploration over the arms.
        reward_range: declared ``(low, high)`` of rewards (default ``(-1, 0)``: ``-loss``).

    Returns:
        An :class:`Exp4` learner: ``init(keys [B], K)``, ``strategy(state, advice [B, N, K]) -> [B, K]``,
        ``update(state, Bandit(action [B], reward [B], prob [B], context=advice))``.

    Example:
        >>> from regretlab.core import Bandit, rng
        >>> advice = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])    # N = 3 experts over K = 2 arms
        >>> learner = exp4(num_experts=3, lr=0.5); s = learner.init(rng.spawn_keys(0, 2), 2)
        >>> p = learner.strategy(s, advice); p.round(3).tolist()
        [[0.5, 0.5], [0.5, 0.5]]
        >>> s = learner.update(s, Bandit(np.array([0, 0]), np.array([-1.0, -1.0]), p[:, 0], context=advice))
        >>> bool((learner.strategy(s, advice)[:, 1] > 0.5).all())     # arm 0 lost: weight moves to arm 1
        True

    Paper: Auer, Cesa-Bianchi, Freund & Schapire, "The nonstochastic multiarmed bandit problem",
    SIAM J. Comput. 2002; Bubeck & Cesa-Bianchi 2012, Thm 4.2.
    """
    return Exp4(num_experts, lr, horizon, exploration, reward_range)
