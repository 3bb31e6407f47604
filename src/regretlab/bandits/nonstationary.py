r"""Non-stationary bandits: piecewise-stationary and drifting environments, sliding-window and
discounted UCB.

Environments (:func:`piecewise_bandit`, :func:`drifting_bandit`) are one-player settings whose arm
means change over rounds. Each knows its means per round (:meth:`NonstationaryBandit.means_at`,
``mean_table(T) [T, K]``) and tells the driver the means of the round just played
(``mean_utility``), so the ledger's pseudo-regret is the *dynamic* pseudo-regret against the best
arm of every round, :math:`\sum_t \max_i \mu_t(i) - \langle p_t, \mu_t\rangle`;
:mod:`regretlab.metrics.dynamic` turns a trace into dynamic regret against the best arm of each
segment too.

Learners follow the batched contract (``feedback = Bandit``, one-hot strategies, a per-run round
counter ``t [B]``) with rewards normalised to ``x = (r - lo)/(hi - lo) ∈ [0, 1]`` from the
declared ``reward_range`` (default ``(0, 1)``). The change-detecting learners (M-UCB, GLR-kl-UCB)
are in :mod:`regretlab.bandits.change_detection`, the adversarial ones (Exp3.S, Exp3 with
restarts, Rexp3) in :mod:`regretlab.bandits.nonstationary_adversarial`.

Reference: Garivier & Moulines, "On upper-confidence bound policies for switching bandit
problems", ALT 2011 (SW-UCB, D-UCB).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_array, check_int, check_positive
from regretlab.core.registry import register, register_env
from regretlab.core.types import Bandit

from regretlab.bandits._common import check_bandit, check_range, init_keys, learner_repr, round_counter
from regretlab.bandits._windows import RingView, new_view

__all__ = [
    "DUCB", "IndexPlay", "NonstationaryBandit", "SWUCB", "WindowState", "DiscountState", "check_discount",
    "d_ucb", "drifting_bandit", "piecewise_bandit", "sw_ucb", "sw_ucb_reference",
]

_I64 = np.dtype(np.int64)
_F64 = np.dtype(np.float64)


# ---------------------------------------------------------------------------------------------
# environments
# ---------------------------------------------------------------------------------------------
class EnvState(NamedTuple):
    """State of a non-stationary bandit environment (all runs play the same round)."""

    t: int  # rounds drawn
    key: np.ndarray  # [B] uint64 environment keys


class NonstationaryBandit:
    """A one-player bandit setting whose arm means change over rounds.

    The means of round ``t`` (0-based) are ``means[segment(t)]`` for a piecewise-stationary
    instance (``segment(t)`` = number of change points ``<= t``), or a function of ``t`` for a
    drifting one. Every round each arm's reward is drawn (Bernoulli or Gaussian) and the learner
    sees the one it pulled.

    Attributes:
        num_players: 1; num_actions: ``(K,)``.
        change_points: ``[C]`` sorted rounds (0-based) at which a new segment starts (empty for
            drifting means).
        utility_range: ``(0, 1)`` for Bernoulli arms, ``None`` for Gaussian ones.
    """

    num_players = 1

    def __init__(self, num_actions: int, kind: str = "bernoulli", sigma: float = 1.0,
                 change_points: Any = (), name: str = "nonstationary_bandit") -> None:
        if kind not in ("bernoulli", "gaussian"):
            raise ValueError(f"kind must be 'bernoulli' or 'gaussian', got {kind!r}")
        self.kind = kind
        self.sigma = check_positive("sigma", sigma)
        k = check_int("num_actions", num_actions)
        self.num_actions = (k,)
        self.change_points = np.asarray(change_points, dtype=np.int64).reshape(-1)
        self.utility_range = (0.0, 1.0) if kind == "bernoulli" else None
        self.name = name

    @property
    def K(self) -> int:
        return self.num_actions[0]

    def means_at(self, t: Any) -> np.ndarray:
        """Arm means of round(s) ``t`` (0-based int or ``[n]`` ints): ``[K]`` or ``[n, K]``."""
        raise NotImplementedError

    def mean_table(self, T: int) -> np.ndarray:
        """``[T, K]`` arm means of rounds ``0 .. T-1``."""
        return self.means_at(np.arange(check_int("T", T)))

    def segments(self, T: int) -> np.ndarray:
        """``[S + 1]`` segment boundaries inside ``[0, T]``: ``0, change points < T, T``."""
        T = check_int("T", T)
        inner = self.change_points[(self.change_points > 0) & (self.change_points < T)]
        return np.concatenate([[0], inner, [T]]).astype(np.int64)

    def variation(self, T: int) -> float:
        """Variation budget ``V_T = Σ_{t<T-1} max_i |μ_{t+1}(i) - μ_t(i)|`` (Besbes et al. 2014)."""
        m = self.mean_table(T)
        return float(np.abs(np.diff(m, axis=0)).max(axis=1).sum()) if T > 1 else 0.0

    # -- the Setting protocol --
    def init(self, keys: np.ndarray) -> EnvState:
        return EnvState(0, rng.derive(np.asarray(keys, dtype=np.uint64), "env"))

    def context(self, state: EnvState, player: int = 0) -> None:
        return None

    def step(self, state: EnvState, strategies: Any, actions: Any = None) -> tuple[EnvState, tuple[np.ndarray]]:
        mu = self.means_at(state.t)
        u = rng.uniform(state.key, state.t, self.K)
        if self.kind == "bernoulli":
            reward = (u < mu[None, :]).astype(np.float64)
        else:
            from scipy.special import ndtri

            reward = mu[None, :] + self.sigma * ndtri(u)
        return state._replace(t=state.t + 1), (reward,)

    def mean_utility(self, state: EnvState, player: int = 0) -> np.ndarray:
        """``[K]`` means of the round just played (the driver asks after ``step``)."""
        return self.means_at(max(state.t - 1, 0))


class _Piecewise(NonstationaryBandit):
    def __init__(self, means: np.ndarray, change_points: np.ndarray, kind: str, sigma: float) -> None:
        super().__init__(means.shape[1], kind, sigma, change_points, "piecewise_bandit")
        self.means = means  # [S, K]

    def means_at(self, t: Any) -> np.ndarray:
        return self.means[np.searchsorted(self.change_points, t, side="right")]

    def __repr__(self) -> str:
        return (f"piecewise_bandit(segments={self.means.shape[0]}, K={self.K}, "
                f"change_points={self.change_points.tolist()}, kind={self.kind!r})")


class _Drifting(NonstationaryBandit):
    def __init__(self, k: int, center: float, amplitude: float, period: float, kind: str, sigma: float) -> None:
        super().__init__(k, kind, sigma, (), "drifting_bandit")
        self.center, self.amplitude, self.period = center, amplitude, period
        self.phase = 2 * math.pi * np.arange(k) / k

    def means_at(self, t: Any) -> np.ndarray:
        t = np.asarray(t, dtype=np.float64)
        return self.center + self.amplitude * np.sin(2 * math.pi * t[..., None] / self.period + self.phase)

    def __repr__(self) -> str:
        return (f"drifting_bandit(K={self.K}, center={self.center}, amplitude={self.amplitude}, "
                f"period={self.period}, kind={self.kind!r})")


def _draw_change_points(num_changes: int, horizon: int, seed: int) -> np.ndarray:
    if num_changes >= horizon:
        raise ValueError(f"num_changes must be < horizon ({horizon}), got {num_changes}")
    gen = np.random.default_rng(seed)
    return np.sort(gen.choice(np.arange(1, horizon), size=num_changes, replace=False)).astype(np.int64)


def _rotating_means(segments: int, k: int, gap: float, best: float) -> np.ndarray:
    """Segment ``s`` has its best arm ``s mod K`` at ``best``, the others at ``best - gap``."""
    means = np.full((segments, k), best - gap)
    means[np.arange(segments), np.arange(segments) % k] = best
    return means


@register_env("piecewise_bandit", family="nonstationary", tunes=("horizon",),
              test_params=[{"means": [[0.8, 0.2], [0.2, 0.8]], "change_points": [50]},
                           {"num_changes": 3, "horizon": 200, "num_actions": 3}])
def piecewise_bandit(means: Any = None, change_points: Any = None, *, num_changes: int = 3,
                     horizon: int = 10_000, num_actions: int = 2, gap: float = 0.4, best: float = 0.7,
                     kind: str = "bernoulli", sigma: float = 1.0, seed: int = 0) -> NonstationaryBandit:
    r"""Piecewise-stationary arms: the means jump at known change points and are constant between.

    .. math:: \mu_t = m_{s(t)},\qquad s(t) = |\{c \in C : c \le t\}|,\qquad
              r_t(i) \sim \mathrm{Bernoulli}(\mu_t(i))\ \text{or}\ \mathcal N(\mu_t(i), \sigma^2).

    Args:
        means: ``[S, K]`` means of each segment (default: ``S = len(change_points) + 1`` segments,
            segment ``s`` with its best arm ``s mod K`` at ``best``, the others at ``best - gap``).
        change_points: ``[S - 1]`` increasing rounds (0-based, >= 1) at which the segments start;
            default: ``num_changes`` distinct rounds in ``[1, horizon)`` drawn with ``seed``.
        num_changes / horizon / seed: the drawn change points (``horizon`` is the run's ``T``).
        num_actions / gap / best: the default means.
        kind: ``"bernoulli"`` (means in [0, 1]) or ``"gaussian"``; sigma: the Gaussian noise.

    Returns:
        A :class:`NonstationaryBandit` setting (``means_at``, ``mean_table``, ``segments``).

    Example:
        >>> env = piecewise_bandit(means=[[0.9, 0.1], [0.1, 0.9]], change_points=[100])
        >>> env.means_at(99).tolist(), env.means_at(100).tolist(), env.segments(300).tolist()
        ([0.9, 0.1], [0.1, 0.9], [0, 100, 300])

    Paper: the switching (abruptly changing) bandit of Garivier & Moulines, ALT 2011, §2.
    """
    if change_points is None:
        num_changes = check_int("num_changes", num_changes, minimum=0)
        horizon = check_int("horizon", horizon)
        cps = _draw_change_points(num_changes, horizon, seed) if num_changes else np.zeros(0, np.int64)
    else:
        cps = np.asarray(change_points)
        if cps.ndim != 1 or (cps.size and (not np.issubdtype(cps.dtype, np.integer) or cps.min() < 1
                                           or (np.diff(cps) <= 0).any())):
            raise ValueError(f"change_points must be increasing integer rounds >= 1, got {np.asarray(change_points).tolist()}")
        cps = cps.astype(np.int64)
    if means is None:
        k = check_int("num_actions", num_actions, minimum=2)
        gap = check_positive("gap", gap)
        table = _rotating_means(cps.size + 1, k, gap, float(best))
    else:
        table = check_array("means", means, shape=(None, None))
        if table.shape[0] != cps.size + 1:
            raise ValueError(f"means must have one row per segment ({cps.size + 1} = len(change_points) + 1), "
                             f"got {table.shape[0]}")
    if kind == "bernoulli" and ((table < 0) | (table > 1)).any():
        raise ValueError(f"means of Bernoulli arms must be in [0, 1], got {table.tolist()}")
    return _Piecewise(np.asarray(table, dtype=np.float64), cps, kind, sigma)


@register_env("drifting_bandit", family="nonstationary",
              test_params=[{"num_actions": 3, "period": 100.0}])
def drifting_bandit(num_actions: int = 2, center: float = 0.5, amplitude: float = 0.3,
                    period: float = 5000.0, kind: str = "bernoulli", sigma: float = 1.0) -> NonstationaryBandit:
    r"""Slowly drifting arms: sinusoidal means, arm ``i`` a phase ``2πi/K`` behind arm 0.

    .. math:: \mu_t(i) = c + a \sin(2\pi t / P + 2\pi i / K),

    so the best arm changes ``2K`` times a period and the variation budget is
    ``V_T ≈ 4 a T / P`` for ``K = 2`` (up to ``2π a T / P`` for many arms; Besbes, Gur & Zeevi
    2014's setting).

    Args:
        num_actions: ``K``; center / amplitude: ``c`` and ``a`` (Bernoulli: ``0 <= c ± a <= 1``);
        period: ``P`` in rounds; kind / sigma: as for :func:`piecewise_bandit`.

    Returns:
        A :class:`NonstationaryBandit` setting (``means_at``, ``mean_table``, ``variation``).

    Example:
        >>> env = drifting_bandit(num_actions=2, period=400.0)
        >>> env.means_at(100).round(3).tolist(), round(env.variation(400), 2)
        ([0.8, 0.2], 1.2)

    Paper: Besbes, Gur & Zeevi, "Stochastic multi-armed-bandit problem with non-stationary
    rewards", NeurIPS 2014 (the variation budget).
    """
    k = check_int("num_actions", num_actions)
    amplitude = check_positive("amplitude", amplitude, allow_zero=True)
    period = check_positive("period", period)
    center = float(center)
    if kind == "bernoulli" and not (0.0 <= center - amplitude and center + amplitude <= 1.0):
        raise ValueError(f"center ± amplitude must lie in [0, 1] for Bernoulli arms, got {center} ± {amplitude}")
    return _Drifting(k, center, amplitude, period, kind, sigma)


# ---------------------------------------------------------------------------------------------
# learners
# ---------------------------------------------------------------------------------------------
def check_discount(name: str, value: Any) -> float:
    """A discount factor in ``(0, 1]`` or a ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) \
            or not math.isfinite(float(value)) or not 0.0 < float(value) <= 1.0:
        raise ValueError(f"{name} must be a number in (0, 1], got {value!r}")
    return float(value)


class _IndexBase:
    """Shared pieces: feedback as ``(action int64 [B], x [B] in [0, 1])``, repr."""

    feedback = Bandit
    name = "nonstationary"
    reward_range: tuple[float, float] = (0.0, 1.0)

    def _arrays(self, batch: int, k: int, feedback: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(action int64, reward float64, prob float64)`` ``[B]`` for a compiled step that checks
        the values itself: the runner's arrays as they are, anything else converted and checked."""
        if type(feedback) is Bandit:
            a, r, p = feedback.action, feedback.reward, feedback.prob
            if (type(a) is np.ndarray and type(r) is np.ndarray and type(p) is np.ndarray
                    and a.dtype == _I64 and r.dtype == _F64 and p.dtype == _F64
                    and a.shape == (batch,) and r.shape == (batch,) and p.shape == (batch,)):
                return a, r, p
        lo, hi = self.reward_range
        return check_bandit(feedback, batch, k, lo, hi)

    def _reject(self, batch: int, k: int, feedback: Any) -> None:
        """A compiled step found bad feedback: raise the NumPy checks' error that names it."""
        lo, hi = self.reward_range
        check_bandit(feedback, batch, k, lo, hi)
        raise ValueError(f"feedback must be actions in [0, {k}), rewards in [{lo}, {hi}] and probs in (0, 1]")

    def _feedback(self, batch: int, k: int, feedback: Any) -> tuple[np.ndarray, np.ndarray]:
        from regretlab.bandits._kernels import feedback_ok

        lo, hi = self.reward_range
        if type(feedback) is Bandit:
            a, r, p = feedback.action, feedback.reward, feedback.prob
            if (type(a) is np.ndarray and type(r) is np.ndarray and type(p) is np.ndarray
                    and a.dtype == _I64 and r.dtype == _F64 and p.dtype == _F64
                    and a.shape == (batch,) and r.shape == (batch,) and p.shape == (batch,)
                    and feedback_ok(a, r, p, k, lo, hi)):
                return a, np.clip((r - lo) / (hi - lo), 0.0, 1.0)
        a, r, _ = check_bandit(feedback, batch, k, lo, hi)
        return a, np.clip((r - lo) / (hi - lo), 0.0, 1.0)

    def _play_args(self, state: Any, table: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(table [T, B or 1, K] float64 or bool, t0 [B])`` for a compiled ``play_table``, every entry
        checked against ``reward_range`` (a clear error naming ``table`` otherwise)."""
        b, k = state.count.shape
        tab = np.asarray(table)
        if tab.dtype != np.bool_:
            if not (np.issubdtype(tab.dtype, np.floating) or np.issubdtype(tab.dtype, np.integer)):
                raise TypeError(f"table must be numeric or bool rewards, got dtype {tab.dtype}")
            tab = tab.astype(np.float64, copy=False)
        if tab.ndim == 2 and tab.shape[1] == k:
            tab = tab[:, None, :]  # one table for every run
        if tab.ndim != 3 or tab.shape[1] not in (1, b) or tab.shape[2] != k:
            raise ValueError(f"table must be rewards [T, {k}] (every run) or [T, {b}, {k}] (one table per run), "
                             f"got shape {list(np.shape(table))}")
        if tab.size:
            lo, hi = self.reward_range
            tol = 1e-9 * (hi - lo)
            least, most = float(tab.min()), float(tab.max())
            if not (least >= lo - tol and most <= hi + tol):  # NaN fails too
                raise ValueError(f"table must be rewards in reward_range [{lo}, {hi}], got values in "
                                 f"[{least}, {most}]")
        return np.ascontiguousarray(tab), np.broadcast_to(np.asarray(state.t, dtype=np.int64), (b,))

    def __repr__(self) -> str:
        return learner_repr(self, self.name)


class IndexPlay(NamedTuple):
    """What ``play_table`` of SW-UCB and D-UCB returns."""

    state: Any  # the learner's state after the table's rounds
    reward: np.ndarray  # [B] rewards summed over the table's rounds
    actions: np.ndarray | None  # [T, B] arms played (with history=True)


_PLAY_DOC = """``T = len(table)`` rounds of the runner's protocol in one compiled call.

        Each round: ``p = strategy(state)`` (one-hot, so the runner's draw
        ``rng.sample_actions(action stream, t, p)`` is its arm whatever the stream), ``r = table[s, a]``,
        ``state = update(state, Bandit(a, r, 1))``, with the same numbers as that loop
        (tests/nonstationary/test_play_table.py). A compiled specialisation for benchmarks and
        recorded-table experiments; ``strategy``/``update`` stay the general, pure path, and the state
        returned continues on either. Play a long table in chunks to record curves.

        Args:
            state: a state made by ``init``/``update``/``play_table`` (not changed).
            table: ``[T, K]`` rewards in ``reward_range`` for every run, or ``[T, B, K]`` one table per
                run (float or bool); every entry is checked, played or not.
            history: also return the arms ``[T, B]``.

        Returns:
            ``IndexPlay(state after T rounds, reward [B] summed over the T rounds, actions [T, B] or None)``.
        """


class WindowState(NamedTuple):
    """State of SW-UCB."""

    t: np.ndarray  # [B] int64 rounds played
    key: np.ndarray  # [B] uint64 learner keys
    count: np.ndarray  # [B, K] pulls of each arm in the last `window` rounds
    total: np.ndarray  # [B, K] their normalised rewards summed
    window: RingView  # the last `window` (arm, reward) pairs of each run (a shared time-major ring, [cap, B, 1, 2])
    p: np.ndarray | None = None  # [B, K] this round's one-hot strategy (read-only; None: recomputed)


class SWUCB(_IndexBase):
    r"""SW-UCB: UCB on the last ``τ`` rounds only.

    .. math:: A_t = \arg\max_i \bar X_t(\tau, i) + B\sqrt{\xi \ln \min(t, \tau) / N_t(\tau, i)},

    ``N_t(τ, i)`` the pulls of ``i`` among the last ``τ`` rounds and ``X̄`` their mean reward. With
    ``τ = 2B sqrt(T ln T / Υ_T)`` for ``Υ_T`` breakpoints, ``E[R_T^dyn] = O(sqrt(Υ_T T ln T))``
    (Garivier & Moulines 2011, Thm 1 and its corollary).
    """

    name = "sw_ucb"

    def __init__(self, window: int, xi: float = 0.6, scale: float = 1.0,
                 reward_range: tuple[float, float] = (0.0, 1.0)) -> None:
        self.window = check_int("window", window)
        self.xi = check_positive("xi", xi)
        self.scale = check_positive("scale", scale, allow_zero=True)
        self.reward_range = check_range("reward_range", reward_range)
        m = np.arange(self.window + 1, dtype=np.float64)
        # the index's tables: the bonus of round t depends on min(t, window) only, and counts are
        # integers <= window (row 0: scale sqrt(xi ln max(n, 1)); row 1: 1/sqrt(m); row 2: 1/m)
        with np.errstate(divide="ignore"):
            self._tables = np.stack([self.scale * np.sqrt(self.xi * np.log(np.maximum(m, 1.0))),
                                     1.0 / np.sqrt(m), 1.0 / m])
        self._bounds = np.array(self.reward_range)

    def init(self, keys: Any, num_actions: int) -> WindowState:
        """State for ``B = len(keys)`` runs over ``K = num_actions`` arms."""
        k = check_int("num_actions", num_actions)
        key = init_keys(keys)
        b = key.size
        return WindowState(round_counter(b), key, np.zeros((b, k)), np.zeros((b, k)),
                           new_view(2, b, 1, self.window, time_major=True))

    def strategy(self, state: WindowState, context: Any = None) -> np.ndarray:
        if state.p is not None:  # computed by the update, in the same pass
            return state.p
        from regretlab.bandits import _nonstationary_kernels as kern

        return kern.sw_ucb_strategy(state.count, state.total, state.t, self.window, self._tables)

    def update(self, state: WindowState, feedback: Any) -> WindowState:
        from regretlab.bandits import _nonstationary_kernels as kern

        b, k = state.count.shape
        a, r, p = self._arrays(b, k, feedback)
        view = state.window
        ring = view.writable()
        ok, count, total, head, t, nxt = kern.sw_ucb_step(ring.data, view.head, state.count, state.total,
                                                          state.t, a, r, p, self._bounds, self.window, self._tables)
        if not ok:
            self._reject(b, k, feedback)
        nxt.flags.writeable = False
        return WindowState(t, state.key, count, total, view.appended(ring, head), nxt)

    def play_table(self, state: WindowState, table: Any, history: bool = False) -> IndexPlay:
        from regretlab.bandits import _nonstationary_kernels as kern

        tab, t0 = self._play_args(state, table)
        b, k = state.count.shape
        view = state.window
        ring = view.writable()  # the shared ring when this state is the newest, else a copy
        head, count, total = view.head.copy(), state.count.copy(), state.total.copy()
        t_len = tab.shape[0]
        actions = np.zeros((t_len if history else 0, b), dtype=np.int64)
        reward = np.zeros(b)
        lo, hi = self.reward_range
        kern.sw_ucb_play(ring.data, head, count, total, t0, tab, lo, hi, self.window, self._tables,
                         actions, reward, bool(history))
        t = t0 + t_len
        nxt = kern.sw_ucb_strategy(count, total, t, self.window, self._tables)
        nxt.flags.writeable = False
        new = WindowState(t, state.key, count, total, view.appended(ring, head), nxt)
        return IndexPlay(new, reward, actions if history else None)

    play_table.__doc__ = _PLAY_DOC


def _sw_window(horizon: int, changes: int) -> int:
    """Garivier & Moulines' window ``τ = 2 sqrt(T ln T / Υ)`` (B = 1), at least 1."""
    return max(1, int(round(2.0 * math.sqrt(horizon * math.log(max(horizon, 2)) / max(changes, 1)))))


@register("sw_ucb", family="bandits", tunes=("horizon", "reward_range"),
          test_params=[{"window": 10, "reward_range": (-1e6, 1e6)}, {"horizon": 100, "changes": 2, "reward_range": (-1e6, 1e6)}])
def sw_ucb(window: int | None = None, *, horizon: int | None = None, changes: int = 1, xi: float = 0.6,
           scale: float = 1.0, reward_range: tuple[float, float] = (0.0, 1.0)) -> SWUCB:
    r"""Sliding-window UCB: the UCB index computed on the last ``window`` rounds (each arm once first).

    .. math:: A_t = \arg\max_i \frac{1}{N_t(\tau,i)} \sum_{s=t-\tau+1}^{t} X_s 1[A_s = i]
              + B\sqrt{\frac{\xi \ln \min(t, \tau)}{N_t(\tau,i)}},\qquad
              N_t(\tau,i) = \sum_{s=t-\tau+1}^{t} 1[A_s = i].

    The window is a ring buffer per run (``[B, 2τ]`` arms and rewards) that successive states share
    (:mod:`regretlab.bandits._windows`), so an update costs ``O(B K)``, not ``O(B τ)``.

    Args:
        window: ``τ >= 1`` rounds; default ``2 sqrt(T ln T / Υ)`` from ``horizon`` and ``changes``.
        horizon: ``T`` (used for the default window only).
        changes: ``Υ_T``, the number of breakpoints the window is tuned for.
        xi: ``ξ > 1/2`` in the analysis (0.6 in the paper's experiments).
        scale: ``B``, the reward bound after normalisation (1).
        reward_range: declared ``(low, high)`` of rewards (default ``(0, 1)``).

    Returns:
        A :class:`SWUCB` learner (``feedback = Bandit``): with the default window,
        ``E[R_T^dyn] = O(sqrt(Υ_T T ln T))`` on an instance with ``Υ_T`` breakpoints.

    Example:
        >>> from regretlab.run import run
        >>> env = piecewise_bandit(means=[[0.9, 0.1], [0.1, 0.9]], change_points=[1000])
        >>> tr = run(sw_ucb(window=200), env, T=2000, batch=4)
        >>> bool((tr.metrics["pseudo_regret"][-1] < 200).all())  # UCB1: ~800 (it sticks to arm 0)
        True

    Paper: Garivier & Moulines, "On upper-confidence bound policies for switching bandit
    problems", ALT 2011, Thm 1 (SW-UCB, ``O(sqrt(Υ_T T log T))``).
    """
    if window is None:
        if horizon is None:
            raise ValueError("sw_ucb needs window >= 1 or horizon >= 1 (to tune the window)")
        window = _sw_window(check_int("horizon", horizon), check_int("changes", changes))
    return SWUCB(check_int("window", window), xi, scale, reward_range)


class DiscountState(NamedTuple):
    """State of D-UCB."""

    t: np.ndarray  # [B] int64 rounds played
    key: np.ndarray  # [B] uint64 learner keys
    count: np.ndarray  # [B, K] discounted pulls N_t(γ, i)
    total: np.ndarray  # [B, K] discounted normalised rewards


class DUCB(_IndexBase):
    r"""D-UCB: UCB on discounted counts and sums.

    .. math:: A_t = \arg\max_i \frac{S_t(\gamma,i)}{N_t(\gamma,i)} + 2B\sqrt{\frac{\xi \ln n_t(\gamma)}{N_t(\gamma,i)}},
              \quad N_t(\gamma,i) = \sum_{s \le t} \gamma^{t-s} 1[A_s = i],\ n_t = \sum_i N_t(\gamma, i).

    With ``γ = 1 - (4B)^{-1} sqrt(Υ_T / T)``: ``E[R_T^dyn] = O(sqrt(Υ_T T) ln T)`` (Garivier &
    Moulines 2011, Thm 3).
    """

    name = "d_ucb"

    def __init__(self, discount: float, xi: float = 0.6, scale: float = 1.0,
                 reward_range: tuple[float, float] = (0.0, 1.0)) -> None:
        self.discount = check_discount("discount", discount)
        self.xi = check_positive("xi", xi)
        self.scale = check_positive("scale", scale, allow_zero=True)
        self.reward_range = check_range("reward_range", reward_range)

    def init(self, keys: Any, num_actions: int) -> DiscountState:
        """State for ``B = len(keys)`` runs over ``K = num_actions`` arms."""
        k = check_int("num_actions", num_actions)
        key = init_keys(keys)
        return DiscountState(round_counter(key.size), key, np.zeros((key.size, k)), np.zeros((key.size, k)))

    def strategy(self, state: DiscountState, context: Any = None) -> np.ndarray:
        from regretlab.bandits import _nonstationary_kernels as kern

        arm = kern.d_ucb_choice(state.count, state.total, self.scale, self.xi)
        return kern.one_hot(arm, state.count.shape[1])

    def update(self, state: DiscountState, feedback: Any) -> DiscountState:
        from regretlab.bandits import _nonstationary_kernels as kern

        b, k = state.count.shape
        a, x = self._feedback(b, k, feedback)
        count, total = kern.d_ucb_step(state.count, state.total, a, x, self.discount)
        return state._replace(t=state.t + 1, count=count, total=total)

    def play_table(self, state: DiscountState, table: Any, history: bool = False) -> IndexPlay:
        from regretlab.bandits import _nonstationary_kernels as kern

        tab, t0 = self._play_args(state, table)
        b = state.count.shape[0]
        count, total = state.count.copy(), state.total.copy()
        t_len = tab.shape[0]
        actions = np.zeros((t_len if history else 0, b), dtype=np.int64)
        reward = np.zeros(b)
        lo, hi = self.reward_range
        kern.d_ucb_play(count, total, tab, lo, hi, self.discount, self.scale, self.xi, actions, reward,
                        bool(history))
        new = DiscountState(t0 + t_len, state.key, count, total)
        return IndexPlay(new, reward, actions if history else None)

    play_table.__doc__ = _PLAY_DOC


@register("d_ucb", family="bandits", tunes=("horizon", "reward_range"),
          test_params=[{"discount": 0.9, "reward_range": (-1e6, 1e6)}, {"horizon": 100, "changes": 2, "reward_range": (-1e6, 1e6)}])
def d_ucb(discount: float | None = None, *, horizon: int | None = None, changes: int = 1, xi: float = 0.6,
          scale: float = 1.0, reward_range: tuple[float, float] = (0.0, 1.0)) -> DUCB:
    r"""Discounted UCB: UCB on counts and sums that decay by ``γ`` every round (each arm once first).

    .. math:: N \leftarrow \gamma N + e_{A_t},\quad S \leftarrow \gamma S + X_t e_{A_t},\qquad
              A_t = \arg\max_i \frac{S_i}{N_i} + 2B\sqrt{\frac{\xi \ln \sum_j N_j}{N_i}}.

    Args:
        discount: ``γ ∈ (0, 1]`` (1 is UCB without forgetting); default
            ``1 - sqrt(Υ / T) / 4`` from ``horizon`` and ``changes``.
        horizon: ``T`` (for the default discount); changes: ``Υ_T`` breakpoints.
        xi: ``ξ > 1/2`` (0.6 in the paper's experiments); scale: ``B`` (1).
        reward_range: declared ``(low, high)`` of rewards (default ``(0, 1)``).

    Returns:
        A :class:`DUCB` learner (``feedback = Bandit``): with the default discount,
        ``E[R_T^dyn] = O(sqrt(Υ_T T) log T)``.

    Example:
        >>> from regretlab.run import run
        >>> env = piecewise_bandit(means=[[0.9, 0.1], [0.1, 0.9]], change_points=[1000])
        >>> tr = run(d_ucb(horizon=2000), env, T=2000, batch=4)
        >>> bool((tr.metrics["pseudo_regret"][-1] < 300).all())
        True

    Paper: Garivier & Moulines, "On upper-confidence bound policies for switching bandit
    problems", ALT 2011, Thm 3 (D-UCB, ``O(sqrt(Υ_T T) log T)``).
    """
    if discount is None:
        if horizon is None:
            raise ValueError("d_ucb needs discount in (0, 1] or horizon >= 1 (to tune the discount)")
        discount = 1.0 - 0.25 * math.sqrt(check_int("changes", changes) / check_int("horizon", horizon))
    return DUCB(check_discount("discount", discount), xi, scale, reward_range)


def sw_ucb_reference(rewards: Any, window: int, xi: float = 0.6, scale: float = 1.0) -> np.ndarray:
    """SW-UCB on one run, straight from the definition: the reference the batched learner must match.

    Each round recomputes the window's counts and means from the last ``window`` (arm, reward)
    pairs (a plain NumPy loop, ``O(τ)`` per round, one run at a time).

    Args:
        rewards: ``[T, K]`` rewards in ``[0, 1]`` of every arm at every round (the learner sees the
            pulled one).
        window / xi / scale: as for :func:`sw_ucb`.

    Returns:
        ``[T]`` int64 arms pulled.

    Example:
        >>> sw_ucb_reference(np.array([[1.0, 0.0]] * 3 + [[0.0, 1.0]] * 4), window=2).tolist()
        [0, 1, 0, 0, 1, 1, 0]
    """
    x = check_array("rewards", rewards, shape=(None, None))
    window = check_int("window", window)
    T, k = x.shape
    arms = np.zeros(T, dtype=np.int64)
    for t in range(T):
        lo = max(0, t - window)
        past, got = arms[lo:t], x[np.arange(lo, t), arms[lo:t]]
        count = np.bincount(past, minlength=k).astype(np.float64)
        if (count == 0).any():
            arms[t] = int(np.argmin(count > 0))
            continue
        mean = np.bincount(past, weights=got, minlength=k) / count
        bonus = scale * np.sqrt(xi * math.log(max(min(t, window), 1)) / count)
        arms[t] = int(np.argmax(mean + bonus))
    return arms
