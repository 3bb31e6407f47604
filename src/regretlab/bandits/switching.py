r"""Online learning with switching costs and observation budgets (spec §8; Cheng, Zhou & Ji, ICML 2023).

Setting. ``K`` arms, horizon ``T``, an oblivious adversary with losses ``ℓ_t ∈ [0,1]^K`` (the paper
speaks *losses*; the learners receive utilities ``u = -ℓ`` like every learner of the library, in a
declared ``reward_range``, default ``(-1, 0)``). Playing ``X_t`` costs ``ℓ_t(X_t) + 1[X_t ≠ X_{t-1}]``;

.. math:: R_T = \sum_t \ell_t(X_t) + \#\{t: X_t \ne X_{t-1}\} - \min_k \sum_t \ell_t(k).

Feedback settings (each policy enforces its own; :class:`Observer` does the same for hand-written loops):

* ``"bandit"``: the played arm's loss is seen for free, nothing else;
* ``"A"``: bandit feedback plus at most ``B_ex`` extra observations of other arms;
* ``"B"``: nothing is free; at most ``B`` observations ``ℓ_t(k)`` in total (``K <= B <= K T``);
* ``"full"``: everything is seen (no limit; looks are still counted).

A policy that would look at more than its budget raises :class:`BudgetExceeded` (a ``ValueError``):
never a silent extra look.

Algorithms (generic framework of the paper: mini-batches + a base learner + a feedback rule), all
on the library's contract: ``init(keys [B], K)``, ``strategy(state) -> [B, K]`` (the one-hot of
the arm held in the current batch, drawn by the policy from its own key stream, so the driver
plays it with probability 1), ``update(state, Bandit | FullInfo)``, per-run round counter ``t [B]``
and observation counters ``observations [B]`` / ``free [B]`` in the state:

* :func:`batched_exp3` — rule (i): action fixed for ``τ`` rounds, batch loss of the played arm
  importance-weighted, Exp3 over ``N = ⌈T/τ⌉`` batches (``τ ≈ (T/K)^{1/3}``): ``O(K^{1/3}T^{2/3})``.
  ``feedback = Bandit``.
* :func:`lazy_hedge` — rule (ii): full information at one uniformly random round of each batch,
  ``L̂_b = τ ℓ_{t_b}``, Hedge with shrinking-dartboard lazy sampling (Geulen, Vöcking & Winkler,
  COLT 2010) so that ``E[#switches] <= η Σ_b ⟨p_b, L̂_b⟩``: regret ``<= T sqrt(K ln K/(2B)) + O(sqrt(N ln K))``.
  ``feedback = FullInfo``: the policy reads the utilities only at its observation rounds and
  charges each read to its budget.
* :func:`setting_a` / :func:`setting_b` — the paper's algorithms and their switch rule: Setting A
  uses (i) when ``B_ex <= K^{1/3} T^{2/3}`` and (ii) with ``B = B_ex`` otherwise; Setting B uses (ii).
* :func:`batching` — holds any Bandit learner's action fixed within blocks of ``τ`` rounds (its
  base sees the block's mean reward).
* :class:`MultiScaleRandomWalk` — the lower-bound adversary of Dekel, Ding, Koren & Peres (STOC 2014).

:func:`simulate` plays a policy on a loss sequence with the one driver (:func:`regretlab.run.run`)
and reports ``loss``, ``switches`` and ``regret`` from the ledger, and the ``observations``
(charged) and ``free_observations`` the policy made.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_array, check_int, check_positive
from regretlab.core.registry import register
from regretlab.core.simplex import softmax
from regretlab.core.types import Bandit, FullInfo

from regretlab.bandits.adversarial import Exp3
from regretlab.bandits._common import (
    STREAM_ACT,
    STREAM_NOISE,
    check_bandit,
    check_range,
    check_rewards,
    init_keys,
    learner_repr,
    round_counter,
    sample_actions,
    shared_round,
)

__all__ = [
    "BatchedExp3", "Batching", "BudgetExceeded", "LazyHedge", "MultiScaleRandomWalk", "Observer", "Plan",
    "SwitchingState", "bandit_threshold", "batched_exp3", "batching", "lazy_hedge", "mrw_losses",
    "setting_a", "setting_b", "simulate",
]

SETTINGS = ("bandit", "A", "B", "full")


class BudgetExceeded(ValueError):
    """A policy asked for more observations than its budget allows."""


def charge(charged: np.ndarray, n: np.ndarray, budget: int | None, setting: str) -> np.ndarray:
    """``charged + n`` (``[B]`` observations), or :class:`BudgetExceeded` naming the first run over ``budget``."""
    new = charged + n
    if budget is not None:
        over = new > budget
        if over.any():
            run = int(np.argmax(over))
            raise BudgetExceeded(
                f"observation budget exceeded in run {run}: {int(charged[run])} used + {int(n[run])} "
                f"requested > budget {budget} (setting {setting})"
            )
    return new


# ---------------------------------------------------------------------------------------------
# adversary
# ---------------------------------------------------------------------------------------------
class MultiScaleRandomWalk:
    r"""Multi-scale random walk losses (Dekel, Ding, Koren & Peres 2014).

    .. math::
        W_0 = 0,\ W_t = W_{\rho(t)} + \xi_t,\ \rho(t) = t - 2^{\delta(t)},\ \delta(t) = \max\{i: 2^i | t\},\
        \xi_t \sim \mathcal N(0, \sigma^2),\ \sigma = 1/(9\log_2 T),\qquad
        \ell_t(k) = \mathrm{clip}(W_t + 1/2 - \epsilon 1[k = k^*], 0, 1)

    with ``k*`` uniform per run. ``ε ≍ K^{1/3} T^{-1/3} / log T`` forces ``Ω̃(K^{1/3} T^{2/3})``
    regret on bandit learners; a larger ``ε`` (e.g. 0.05) shows budget curves clearly (spec §8.3).

    Args:
        num_actions: ``K``; epsilon: gap of the best arm; sigma: step scale (default ``1/(9 log2 T)``).
    """

    def __init__(self, num_actions: int, epsilon: float = 0.05, sigma: float | None = None):
        self.num_actions = check_int("num_actions", num_actions, minimum=2)
        self.epsilon = check_positive("epsilon", epsilon)
        if self.epsilon > 0.5:
            raise ValueError(f"epsilon must be <= 0.5, got {epsilon}")
        self.sigma = None if sigma is None else check_positive("sigma", sigma)

    def losses(self, keys: np.ndarray, T: int) -> tuple[np.ndarray, np.ndarray]:
        """``(losses [B, T, K], best_arm [B])`` for runs ``keys [B]``."""
        T = check_int("T", T)
        keys = rng.derive(np.asarray(keys, dtype=np.uint64), "env")
        b, k = keys.size, self.num_actions
        sigma = self.sigma if self.sigma is not None else 1.0 / (9.0 * max(math.log2(T), 1.0))
        xi = sigma * rng.normal(keys, 0, T + 1)  # [B, T+1], xi[:, 0] unused (W_0 = 0)
        walk = np.zeros((b, T + 1))
        idx = np.arange(1, T + 1)
        popcount = np.array([bin(i).count("1") for i in idx])
        # rho(t) clears the lowest set bit of t, so W_t only depends on indices of smaller popcount.
        for level in range(1, int(popcount.max()) + 1):
            sel = idx[popcount == level]
            walk[:, sel] = walk[:, sel & (sel - 1)] + xi[:, sel]
        best = np.minimum((rng.uniform(keys, 1, 1)[:, 0] * k).astype(np.int64), k - 1)
        gap = self.epsilon * (np.arange(k)[None, :] == best[:, None])  # [B, K]
        losses = np.clip(walk[:, 1:, None] + 0.5 - gap[:, None, :], 0.0, 1.0)
        return losses, best

    def __repr__(self) -> str:
        return f"MultiScaleRandomWalk(K={self.num_actions}, epsilon={self.epsilon})"


def mrw_losses(num_actions: int, T: int, batch: int, seed: int = 0, epsilon: float = 0.05) -> np.ndarray:
    r"""Multi-scale random-walk losses ``[B, T, K]`` for ``batch`` runs of ``seed`` (the hard instance for switching costs).

    .. math:: \ell_t(k) = \mathrm{clip}(W_t + 1/2 - \epsilon 1[k = k^*], 0, 1),\qquad W_t = W_{t - 2^{\delta(t)}} + \xi_t.

    Args:
        num_actions: ``K >= 2``; T: rounds; batch: runs ``B``; seed: root seed; epsilon: the best arm's gap.

    Returns:
        ``[B, T, K]`` losses in ``[0, 1]`` (run ``b`` from ``spawn_keys(seed, B)[b]``).

    Example:
        >>> losses = mrw_losses(3, 64, batch=2, seed=0)
        >>> losses.shape, bool(((losses >= 0) & (losses <= 1)).all())
        ((2, 64, 3), True)

    Paper: Dekel, Ding, Koren & Peres, "Bandits with switching costs: T^{2/3} regret", STOC 2014.
    """
    return MultiScaleRandomWalk(num_actions, epsilon).losses(rng.spawn_keys(seed, batch), T)[0]


# ---------------------------------------------------------------------------------------------
# observation accounting
# ---------------------------------------------------------------------------------------------
class Observer:
    """Strict observation accounting over a loss array, for hand-written policy loops.

    The policies of this module count their own looks (the driver hands them the round's
    utilities; they read only what their rule allows and charge it with :func:`charge`);
    ``Observer`` is the same accounting as a door to a ``[B, T, K]`` loss array.

    Args:
        losses: ``[B, T, K]`` loss sequence.
        setting: ``"bandit"``, ``"A"``, ``"B"`` or ``"full"`` (see module doc).
        budget: total charged observations allowed per run (``B_ex`` in A, ``B`` in B; ignored
            for ``full``; must be 0 or absent for ``bandit``).

    Attributes:
        charged: ``[B]`` observations counted against the budget.
        free: ``[B]`` free observations (the played arm under bandit feedback).
    """

    def __init__(self, losses: np.ndarray, setting: str, budget: int | None = None):
        if setting not in SETTINGS:
            raise ValueError(f"setting must be one of {', '.join(SETTINGS)}, got {setting!r}")
        self._losses = losses
        self._cum = np.concatenate([np.zeros((losses.shape[0], 1, losses.shape[2])), np.cumsum(losses, axis=1)], axis=1)
        self.setting = setting
        b, t, k = losses.shape
        if setting == "bandit":
            budget = 0
        elif setting == "full":
            budget = None
        elif budget is None:
            raise ValueError(f"setting {setting!r} needs an observation budget")
        else:
            budget = check_int("budget", budget, minimum=0 if setting == "A" else k)
        self.budget = budget
        self.charged = np.zeros(b, dtype=np.int64)
        self.free = np.zeros(b, dtype=np.int64)

    def _charge(self, n: np.ndarray) -> None:
        self.charged = charge(self.charged, n, self.budget, self.setting)

    def played(self, start: int, end: int, arm: np.ndarray) -> np.ndarray:
        """``Σ_{t=start}^{end-1} ℓ_t(arm)`` ``[B]``: the played arm's losses over a batch.

        Free under ``bandit``/``A``/``full`` feedback; charged ``end - start`` per run under ``B``.
        """
        n = np.full(arm.size, end - start, dtype=np.int64)
        if self.setting == "B":
            self._charge(n)
        else:
            self.free += n
        rows = np.arange(arm.size)
        return self._cum[rows, end, arm] - self._cum[rows, start, arm]

    def look(self, t: np.ndarray, mask: np.ndarray | None = None, played: np.ndarray | None = None) -> np.ndarray:
        """Observe ``ℓ_{t_b}(k)`` for the arms in ``mask [B, K]`` (default: all) at rounds ``t [B]``; ``NaN`` elsewhere.

        Under Setting ``A`` the arm ``played [B]`` at that round is free (it is seen anyway).
        """
        b, _, k = self._losses.shape
        rows = np.arange(b)
        if mask is None:
            n = np.full(b, k, dtype=np.int64)
            free = np.zeros(b, dtype=np.int64)
            if self.setting in ("A", "bandit") and played is not None:
                free += 1
        else:
            mask = np.asarray(mask, dtype=bool)
            n = mask.sum(axis=1).astype(np.int64)
            free = np.zeros(b, dtype=np.int64)
            if self.setting in ("A", "bandit") and played is not None:
                free = mask[rows, played].astype(np.int64)
        self._charge(n - free)
        self.free += free
        seen = self._losses[rows, t]
        return seen if mask is None else np.where(mask, seen, np.nan)


# ---------------------------------------------------------------------------------------------
# policies
# ---------------------------------------------------------------------------------------------
class SwitchingState(NamedTuple):
    """State of a switching policy (:class:`BatchedExp3`, :class:`LazyHedge`)."""

    t: np.ndarray  # [B] int64 rounds played by each run
    key: np.ndarray  # [B] uint64 policy keys
    score: np.ndarray  # [B, K] cumulative loss estimate (batched Exp3) or log-weights (lazy Hedge)
    action: np.ndarray  # [B] int64 arm held in the current batch
    next_action: np.ndarray  # [B] int64 arm of the next batch (lazy Hedge: drawn at the observation round)
    batch_loss: np.ndarray  # [B] normalised loss of the held arm so far in this batch (batched Exp3)
    observations: np.ndarray  # [B] int64 observations charged to the budget
    free: np.ndarray  # [B] int64 free observations (the played arm under bandit feedback)
    draws: np.ndarray | None = None  # [B, N, 3] uniforms of every batch (lazy Hedge; a pure function of key)
    observe_at: np.ndarray | None = None  # [B, N] int64 the observation round of every batch (lazy Hedge; from draws)


class Plan(NamedTuple):
    """A policy's schedule for ``K`` arms: batch length, number of batches, rate, budget."""

    tau: int  # rounds per batch
    batches: int  # N = ceil(T / tau)
    lr: float  # η
    budget: int | None  # observations allowed per run (None: no limit)


def _tau(name: str, value: Any) -> int:
    return check_int(name, value, minimum=1)


def _one_hot(action: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros((action.size, k))
    out[np.arange(action.size), action] = 1.0
    return out


class _Switching:
    """Shared parts: the plan for ``K`` arms, the batch of each run's round, the held-arm strategy."""

    name = "switching"
    feedback: type = Bandit
    setting = "bandit"

    def _common(self, horizon: int, num_actions: int | None, setting: str,
                reward_range: tuple[float, float]) -> None:
        self.horizon = check_int("horizon", horizon)
        self.num_actions = None if num_actions is None else check_int("num_actions", num_actions, minimum=2)
        if setting not in SETTINGS:
            raise ValueError(f"setting must be one of {', '.join(SETTINGS)}, got {setting!r}")
        self.setting = setting
        self.reward_range = check_range("reward_range", reward_range)

    def plan(self, k: int) -> Plan:
        raise NotImplementedError

    def _plan(self, k: int) -> Plan:
        """:meth:`plan` for ``k`` arms, computed once (hyperparameters do not change)."""
        cache = self.__dict__.setdefault("_plans", {})
        if k not in cache:
            cache[k] = self.plan(k)
        return cache[k]

    def _known(self) -> Plan:
        if self.num_actions is None:
            raise AttributeError(f"{self.name} was built without num_actions: its schedule is plan(K)")
        return self._plan(self.num_actions)

    @property
    def tau(self) -> int:
        """Rounds per batch (needs ``num_actions``; else see :meth:`plan`)."""
        return self._known().tau

    @property
    def batches(self) -> int:
        """Number of batches ``N`` (needs ``num_actions``)."""
        return self._known().batches

    @property
    def lr(self) -> float:
        """The rate ``η`` (needs ``num_actions``)."""
        return self._known().lr

    @property
    def budget(self) -> int | None:
        """Observations allowed per run (needs ``num_actions``)."""
        return self._known().budget

    def _arms(self, num_actions: Any) -> int:
        k = check_int("num_actions", num_actions, minimum=2)
        if self.num_actions is not None and k != self.num_actions:
            raise ValueError(f"num_actions must be {self.num_actions} (the policy was built for it), got {k}")
        return k

    def _batch(self, t: np.ndarray, plan: Plan) -> tuple[Any, Any, Any]:
        """``(batch index, start, end)`` of each run's current round: ints when the runs are at the same
        round (the driver's case), else ``[B]`` arrays; refuses rounds past the horizon."""
        t = np.asarray(t)
        first = int(t[0]) if t.size else 0
        if (t == first).all() and first < self.horizon:
            index = first // plan.tau
            return index, index * plan.tau, min(self.horizon, (index + 1) * plan.tau)
        if (t >= self.horizon).any():
            run = int(np.argmax(t >= self.horizon))
            raise ValueError(f"{self.name} was built for horizon={self.horizon} rounds; run {run} is at round "
                             f"{int(t[run]) + 1}")
        n = t // plan.tau
        start = n * plan.tau
        return n, start, np.minimum(self.horizon, start + plan.tau)

    def strategy(self, state: SwitchingState, context: Any = None) -> np.ndarray:
        """The one-hot ``[B, K]`` of the arm held in the current batch."""
        return _one_hot(state.action, state.score.shape[1])

    def __repr__(self) -> str:
        return learner_repr(self, self.name)


class BatchedExp3(_Switching):
    r"""Exp3 over batches (rule (i)): ``X_b ~ p_b = softmax(-η L̂)``, ``L̂(X_b) += L_b(X_b)/p_b(X_b)``.

    ``L_b(k) = Σ_{t ∈ batch b} ℓ_t(k)`` is seen for the played arm only (bandit feedback: free
    under ``"bandit"`` and ``"A"``, charged under ``"B"``).
    ``τ = ⌈(T/K)^{1/3}⌉``, ``η = sqrt(2 ln K / (N K τ²))``: regret ``<= τ sqrt(2 N K ln K) + N =
    O(K^{1/3} T^{2/3} sqrt(ln K))`` (spec §8.3 (i); Arora, Dekel & Tewari, ICML 2012).

    Args:
        horizon: ``T``; num_actions: ``K`` (optional: else taken from ``init``); tau: batch length
            (default as above); lr: ``η``; setting / budget: the feedback setting and its budget
            (``setting_a`` uses ``"A"`` with the unused extra budget); reward_range: of utilities.
    """

    name = "batched_exp3"
    feedback = Bandit

    def __init__(self, horizon: int, num_actions: int | None = None, tau: int | None = None,
                 lr: float | None = None, setting: str = "bandit", budget: int | None = 0,
                 reward_range: tuple[float, float] = (-1.0, 0.0)):
        self._common(horizon, num_actions, setting, reward_range)
        self._tau = None if tau is None else _tau("tau", tau)
        self._lr = None if lr is None else check_positive("lr", lr)
        self._budget = None if budget is None else check_int("budget", budget, minimum=0)
        if self.num_actions is not None:
            self.plan(self.num_actions)

    def plan(self, k: int) -> Plan:
        """The schedule for ``K = k`` arms."""
        tau = self._tau if self._tau is not None else math.ceil((self.horizon / k) ** (1 / 3))
        batches = math.ceil(self.horizon / tau)
        lr = self._lr if self._lr is not None else math.sqrt(2 * math.log(k) / (batches * k * tau**2))
        budget = None if self.setting == "full" else self._budget
        if self.setting == "B" and (budget is None or budget < self.horizon):
            raise ValueError(f"batched_exp3 in setting 'B' pays for every played round: budget must be >= "
                             f"T={self.horizon}, got {budget}")
        return Plan(tau, batches, lr, budget)

    def observation_counts(self, k: int) -> tuple[int, int]:
        """``(charged, free)`` observations of one run over the horizon (the played arm each round)."""
        return (self.horizon, 0) if self.setting == "B" else (0, self.horizon)

    def _draw(self, key: np.ndarray, batch: Any, score: np.ndarray, lr: float) -> np.ndarray:
        return sample_actions(rng.derive(key, STREAM_ACT), batch, softmax(-lr * score))

    def init(self, keys: Any, num_actions: int) -> SwitchingState:
        """State for ``B = len(keys)`` runs over ``K = num_actions`` arms; the first batch's arm is drawn."""
        k = self._arms(num_actions)
        plan = self._plan(k)
        key = init_keys(keys)
        b = key.size
        score = np.zeros((b, k))
        first = self._draw(key, 0, score, plan.lr)
        zeros = round_counter(b)
        return SwitchingState(zeros, key, score, first, first, np.zeros(b), zeros, zeros)

    def update(self, state: SwitchingState, feedback: Bandit) -> SwitchingState:
        """Add the played arm's normalised loss to the batch; at a batch end, importance-weight it and draw the next arm."""
        b, k = state.score.shape
        plan = self._plan(k)
        lo, hi = self.reward_range
        a, r, _ = check_bandit(feedback, b, k, lo, hi)
        if not np.array_equal(a, state.action):
            run = int(np.argmax(a != state.action))
            raise ValueError(f"batched_exp3 holds its arm within a batch: run {run} played {int(a[run])}, the policy "
                             f"holds {int(state.action[run])} (play the arm of strategy())")
        n, _, end = self._batch(state.t, plan)
        one = np.ones(b, dtype=np.int64)
        if self.setting == "B":
            observations, free = charge(state.observations, one, plan.budget, self.setting), state.free
        else:
            observations, free = state.observations, state.free + one
        batch_loss = state.batch_loss + (hi - r) / (hi - lo)
        t = state.t + 1
        done = t == end
        score, action = state.score, state.action
        if done.any():
            rows = slice(None) if done.all() else np.flatnonzero(done)
            old = score[rows]
            arm = action[rows]
            p = softmax(-plan.lr * old)
            idx = np.arange(arm.size)
            new = old.copy()
            new[idx, arm] += batch_loss[rows] / p[idx, arm]
            score, action = score.copy(), action.copy()
            score[rows] = new
            action[rows] = self._draw(state.key[rows], n + 1 if np.ndim(n) == 0 else n[rows] + 1, new, plan.lr)
            batch_loss = np.where(done, 0.0, batch_loss)
        return SwitchingState(t, state.key, score, action, action, batch_loss, observations, free)


@register("batched_exp3", family="switching", tunes=("horizon", "reward_range"),
          test_params=[{"horizon": 100, "reward_range": (-1e6, 1e6)},
                       {"horizon": 100, "tau": 7, "lr": 0.05, "setting": "A", "budget": 10, "reward_range": (-1e6, 1e6)}])
def batched_exp3(horizon: int, tau: int | None = None, lr: float | None = None, setting: str = "bandit",
                 budget: int | None = 0, reward_range: tuple[float, float] = (-1.0, 0.0),
                 num_actions: int | None = None) -> BatchedExp3:
    r"""Exp3 over mini-batches of ``τ`` rounds: at most ``N = ⌈T/τ⌉`` switches, ``O(K^{1/3}T^{2/3})`` regret.

    .. math::
        X_b \sim p_b = \mathrm{softmax}(-\eta \hat L_{b-1}),\qquad
        \hat L_b(X_b) = \hat L_{b-1}(X_b) + \frac{\sum_{t \in b} \ell_t(X_b)}{p_b(X_b)},

    ``τ = ⌈(T/K)^{1/3}⌉``, ``η = sqrt(2 ln K/(N K τ²))``; the arm is held for the whole batch.

    Args:
        horizon: ``T``.
        tau: batch length (default ``⌈(T/K)^{1/3}⌉``).
        lr: ``η`` (default as above).
        setting: ``"bandit"`` (the played arm free), ``"A"`` (same; extra budget unused), ``"B"``
            (every played round charged) or ``"full"``.
        budget: observations allowed (``"B"`` needs ``>= T``).
        reward_range: ``(low, high)`` of the utilities (default ``(-1, 0)``: ``u = -ℓ``, ``ℓ ∈ [0, 1]``).
        num_actions: ``K``, if known now (then ``tau``, ``batches``, ``lr`` are attributes).

    Returns:
        A :class:`BatchedExp3`: ``init(keys [B], K)``, ``strategy(state) -> [B, K]`` one-hot,
        ``update(state, Bandit(action [B], reward [B], prob [B]))``.

    Example:
        >>> from regretlab.envs import from_array
        >>> from regretlab.run import run
        >>> losses = np.tile([0.9, 0.1, 0.5], (64, 1))           # [T, K]: arm 1 is best
        >>> tr = run(batched_exp3(horizon=64), from_array(losses), T=64, batch=8)   # a loss sequence
        >>> int(tr.ledger.curve("switches")[-1].max()) <= batched_exp3(64, num_actions=3).batches - 1
        True

    Paper: Arora, Dekel & Tewari, "Online bandit learning against an adaptive adversary", ICML 2012;
    Cheng, Zhou & Ji, ICML 2023 (rule (i)).
    """
    return BatchedExp3(horizon, num_actions, tau, lr, setting, budget, reward_range)


class LazyHedge(_Switching):
    r"""Hedge over batches with full information at one random round and shrinking-dartboard sampling (rule (ii)).

    Each batch draws ``t_b`` uniformly, observes all ``K`` losses there (``K`` observations), and
    uses ``L̂_b = τ_b ℓ_{t_b}`` (unbiased for the batch loss). ``w_{b+1} = w_b exp(-η L̂_b)``; the
    arm is kept with probability ``w_{b+1}(X)/w_b(X)`` and otherwise redrawn from ``p_{b+1}``, so
    ``X_b ~ p_b`` exactly while ``E[#switches] <= η Σ_b ⟨p_b, L̂_b⟩``. With ``B`` observations,
    ``N = ⌊B/K⌋`` batches (``τ = ⌈T/N⌉``) and ``η = sqrt(8 ln K/(N τ²))``: regret
    ``<= T sqrt(K ln K/(2B)) + O(sqrt(N ln K))`` (spec §8.3 (ii); Geulen, Vöcking & Winkler 2010).

    ``feedback = FullInfo``: the round's utilities are handed over every round, and the policy reads
    them only at its observation round ``t_b`` of each batch, charging ``K`` looks (``K - 1`` in
    Setting A, where the played arm is seen anyway) to its budget.

    Args:
        horizon: ``T``; num_actions: ``K`` (optional); budget: observations ``B`` (>= K), or
            ``tau`` directly (then ``budget`` is ``K ⌈T/τ⌉``); setting: ``"B"`` (all looks
            charged), ``"A"`` (the played arm at ``t_b`` is free) or ``"full"``; lr: ``η``.
    """

    name = "lazy_hedge"
    feedback = FullInfo

    def __init__(self, horizon: int, num_actions: int | None = None, budget: int | None = None,
                 tau: int | None = None, lr: float | None = None, setting: str = "B",
                 reward_range: tuple[float, float] = (-1.0, 0.0)):
        self._common(horizon, num_actions, setting, reward_range)
        if setting not in ("A", "B", "full"):
            raise ValueError(f"setting must be 'A', 'B' or 'full', got {setting!r}")
        if budget is None and tau is None:
            raise ValueError("lazy_hedge needs budget >= K or tau >= 1")
        self._tau = None if tau is None else _tau("tau", tau)
        self._budget = budget
        self._lr = None if lr is None else check_positive("lr", lr)
        if self.num_actions is not None:
            self.plan(self.num_actions)

    def plan(self, k: int) -> Plan:
        """The schedule for ``K = k`` arms (raises if the budget cannot pay for it)."""
        if self._tau is not None:
            tau = self._tau
            n = math.ceil(self.horizon / tau)
            budget = n * k if self._budget is None else check_int("budget", self._budget, minimum=k)
        else:
            budget = _budget(self._budget, k, self.horizon)
            tau = math.ceil(self.horizon / (budget // k))
        batches = math.ceil(self.horizon / tau)
        if batches * k > budget and self.setting == "B":
            raise ValueError(f"tau={tau} needs {batches * k} observations, more than budget={budget}")
        lr = self._lr if self._lr is not None else math.sqrt(8 * math.log(k) / (batches * tau**2))
        return Plan(tau, batches, lr, None if self.setting == "full" else budget)

    def _free_look(self) -> int:
        return 1 if self.setting == "A" else 0  # the played arm is seen anyway in Setting A

    def observation_counts(self, k: int) -> tuple[int, int]:
        """``(charged, free)`` observations of one run over the horizon (``K`` per batch)."""
        n, free = self._plan(k).batches, self._free_look()
        return n * (k - free), n * free

    def init(self, keys: Any, num_actions: int) -> SwitchingState:
        """State for ``B = len(keys)`` runs over ``K = num_actions`` arms: the first arm and every batch's uniforms."""
        k = self._arms(num_actions)
        plan = self._plan(k)
        key = init_keys(keys)
        b = key.size
        first = sample_actions(rng.derive(key, STREAM_ACT), 0, np.full((b, k), 1 / k))
        # all uniforms at once (batch n uses row n: observed round, keep coin, redraw): cheap per batch
        draws = rng.uniform(rng.derive(key, STREAM_NOISE), 0, 3 * plan.batches).reshape(b, plan.batches, 3)
        start = np.arange(plan.batches) * plan.tau
        length = np.minimum(self.horizon, start + plan.tau) - start
        observe_at = start + np.minimum((draws[:, :, 0] * length).astype(np.int64), length - 1)  # uniform in the batch
        zeros = round_counter(b)
        return SwitchingState(zeros, key, np.zeros((b, k)), first, first, np.zeros(b), zeros, zeros, draws, observe_at)

    def update(self, state: SwitchingState, feedback: FullInfo) -> SwitchingState:
        """At a run's observation round: charge the look, update the weights, draw the next batch's arm
        (kept with probability ``w_{b+1}(X)/w_b(X)``); at the batch end: switch to it."""
        if not isinstance(feedback, FullInfo):
            raise TypeError(f"feedback must be FullInfo(utility=[B, K]) for lazy_hedge, got {type(feedback).__name__}")
        b, k = state.score.shape
        plan = self._plan(k)
        lo, hi = self.reward_range
        utility = check_rewards("feedback.utility", feedback.utility, (b, k), lo, hi)
        n, start, end = self._batch(state.t, plan)
        length = end - start
        shared = np.ndim(n) == 0
        assert state.draws is not None and state.observe_at is not None, "a lazy_hedge state made by init"
        look = state.t == (state.observe_at[:, n] if shared else state.observe_at[np.arange(b), n])
        score, next_action = state.score, state.next_action
        observations, free = state.observations, state.free
        if look.any():
            rows = slice(None) if look.all() else np.flatnonzero(look)
            f = self._free_look()
            observations = charge(observations, look * (k - f), plan.budget, self.setting)
            free = free + look * f
            u = state.draws[:, n] if shared else state.draws[np.arange(b), n]  # [B, 3]: round, keep coin, redraw
            seen = (hi - utility[rows]) / (hi - lo)  # the K losses of the observation round
            est = (length if shared else length[rows][:, None]) * seen  # [*, K] unbiased for the batch loss
            new = score[rows] - plan.lr * est
            new -= new.max(axis=1, keepdims=True)  # log-weights up to a constant (ratios unchanged)
            arm, draw = state.action[rows], u[rows]
            idx = np.arange(arm.size)
            keep = draw[:, 1] < np.exp(-plan.lr * est[idx, arm])  # w_{b+1}(X)/w_b(X) <= 1 since est >= 0
            nxt = arm
            if not keep.all():
                cdf = np.cumsum(softmax(new), axis=1)
                cdf[:, -1] = np.inf
                nxt = np.where(keep, arm, np.argmax(cdf > draw[:, 2:3], axis=1))
            score, next_action = score.copy(), next_action.copy()
            score[rows] = new
            next_action[rows] = nxt
        t = state.t + 1
        action = np.where(t == end, next_action, state.action)
        return SwitchingState(t, state.key, score, action, next_action, state.batch_loss, observations, free,
                              state.draws, state.observe_at)


@register("lazy_hedge", family="switching", tunes=("horizon", "reward_range"),
          test_params=[{"horizon": 100, "tau": 5, "reward_range": (-1e6, 1e6)},
                       {"horizon": 100, "budget": 60, "setting": "A", "reward_range": (-1e6, 1e6)},
                       {"horizon": 100, "tau": 3, "lr": 2.0, "setting": "full", "reward_range": (-1e6, 1e6)}])
def lazy_hedge(horizon: int, budget: int | None = None, tau: int | None = None, lr: float | None = None,
               setting: str = "B", reward_range: tuple[float, float] = (-1.0, 0.0),
               num_actions: int | None = None) -> LazyHedge:
    r"""Hedge over batches, full information at one random round per batch, lazy (shrinking-dartboard) switching.

    .. math::
        \hat L_b = \tau_b\, \ell_{t_b},\quad w_{b+1} = w_b\, e^{-\eta \hat L_b},\quad
        X_{b+1} = X_b \text{ w.p. } \frac{w_{b+1}(X_b)}{w_b(X_b)}, \text{ else } X_{b+1} \sim \frac{w_{b+1}}{\|w_{b+1}\|_1},

    ``t_b`` uniform in batch ``b``; ``N = ⌊B/K⌋`` batches, ``η = sqrt(8 ln K/(N τ²))``.

    Args:
        horizon: ``T``.
        budget: observations ``B >= K`` per run (``N = ⌊B/K⌋`` batches), or give ``tau``.
        tau: batch length (then the budget defaults to ``K ⌈T/τ⌉``).
        lr: ``η`` (default as above).
        setting: ``"B"`` (every look charged), ``"A"`` (the played arm free) or ``"full"`` (no limit).
        reward_range: ``(low, high)`` of the utilities (default ``(-1, 0)``).
        num_actions: ``K``, if known now (then ``tau``, ``batches``, ``lr``, ``budget`` are attributes).

    Returns:
        A :class:`LazyHedge`: ``init(keys [B], K)``, ``strategy(state) -> [B, K]`` one-hot,
        ``update(state, FullInfo(utility [B, K]))``; ``state.observations [B]`` counts the looks.

    Example:
        >>> from regretlab.core import FullInfo, rng
        >>> learner = lazy_hedge(horizon=12, budget=9)             # 3 looks at K = 3 arms
        >>> s = learner.init(rng.spawn_keys(0, 2), 3)
        >>> for t in range(12):
        ...     s = learner.update(s, FullInfo(-np.tile([0.9, 0.1, 0.5], (2, 1))))
        >>> s.observations.tolist(), learner.strategy(s).shape
        ([9, 9], (2, 3))

    Paper: Geulen, Vöcking & Winkler, "Regret minimization for online buffering problems using the
    weighted majority algorithm", COLT 2010; Cheng, Zhou & Ji, ICML 2023 (rule (ii)).
    """
    return LazyHedge(horizon, num_actions, budget, tau, lr, setting, reward_range)


def _budget(budget: Any, k: int, horizon: int) -> int:
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer, float)):
        raise ValueError(f"budget must be an integer >= K={k}, got {budget!r}")
    if isinstance(budget, float):
        if not budget.is_integer():
            raise ValueError(f"budget must be an integer >= K={k}, got {budget!r}")
        budget = int(budget)
    if budget < k:
        raise ValueError(f"budget must be >= K={k} (one look at every arm), got {budget}")
    return int(min(budget, k * horizon))


def bandit_threshold(horizon: int, num_actions: int) -> float:
    """``K^{1/3} T^{2/3}``: the extra-observation budget below which extra looks do not help (spec §8.2)."""
    return num_actions ** (1 / 3) * horizon ** (2 / 3)


def setting_a(horizon: int, num_actions: int, extra_budget: int) -> Any:
    """Setting A's algorithm and switch rule: batched Exp3 if ``B_ex <= K^{1/3}T^{2/3}``, else lazy Hedge with ``B = B_ex``.

    Regret ``Θ̃(K^{1/3}T^{2/3})`` below the threshold and ``Θ̃(T sqrt(K/B_ex))`` above (spec §8.2).

    Args:
        horizon: ``T``; num_actions: ``K``; extra_budget: ``B_ex >= 0`` observations beyond the played arm.

    Returns:
        A :class:`BatchedExp3` (``rule = "bandit"``) or :class:`LazyHedge` (``rule = "full-info"``)
        built for ``K`` arms in Setting A.

    Example:
        >>> setting_a(4096, 4, 0).rule, setting_a(4096, 4, 10_000).rule
        ('bandit', 'full-info')

    Paper: Cheng, Zhou & Ji, "Understanding the role of feedback in online learning with switching
    costs", ICML 2023 (Setting A).
    """
    horizon = check_int("horizon", horizon)
    k = check_int("num_actions", num_actions, minimum=2)
    extra = check_int("extra_budget", extra_budget, minimum=0)
    if extra <= bandit_threshold(horizon, k) or extra < k:
        policy: Any = BatchedExp3(horizon, k, setting="A", budget=extra)
        policy.rule = "bandit"
        return policy
    policy = LazyHedge(horizon, k, budget=extra, setting="A")
    policy.rule = "full-info"
    return policy


def setting_b(horizon: int, num_actions: int, budget: int) -> LazyHedge:
    """Setting B's algorithm: lazy Hedge with full information at a random round of ``⌊B/K⌋`` batches.

    Regret ``Θ̃(T sqrt(K/B))`` for every ``K <= B <= KT`` (spec §8.2). Raises for ``B < K``.

    Args:
        horizon: ``T``; num_actions: ``K``; budget: ``B`` observations in total per run.

    Returns:
        A :class:`LazyHedge` built for ``K`` arms in Setting B.

    Example:
        >>> policy = setting_b(4096, 4, budget=400)
        >>> policy.batches, policy.tau
        (100, 41)

    Paper: Cheng, Zhou & Ji, ICML 2023 (Setting B).
    """
    return LazyHedge(horizon, num_actions, budget=budget, setting="B")


# ---------------------------------------------------------------------------------------------
# simulator: a thin view of the one driver
# ---------------------------------------------------------------------------------------------
def simulate(policy: Any, losses: Any, seed: int = 0, keys: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Play a switching policy on ``losses [B, T, K]`` (or ``[T, K]`` shared) with :func:`regretlab.run.run`.

    The policy receives utilities ``-ℓ_t`` (its declared ``reward_range`` must hold them: the default
    ``(-1, 0)`` does). Loss, switches and the best arm come from the run's ledger; the observations
    are the ones the policy's rule makes (and charges to its budget: over it raises
    :class:`BudgetExceeded`).

    Args:
        policy: :func:`batched_exp3`, :func:`lazy_hedge` or the result of :func:`setting_a` /
            :func:`setting_b` (``horizon`` must equal ``T``), or any learner with ``horizon`` and
            ``observation_counts(K)``.
        losses: losses in [0, 1].
        seed / keys: run keys (``spawn_keys(seed, B)`` by default).

    Returns:
        ``[B]`` arrays: ``loss`` (Σ ℓ_t(X_t)), ``switches``, ``observations`` (charged),
        ``free_observations``, ``best_loss`` (min_k Σ ℓ_t(k)), ``regret`` (= loss + switches - best_loss).

    Example:
        >>> out = simulate(setting_b(600, 3, budget=300), mrw_losses(3, 600, batch=4, seed=0))
        >>> bool((out["observations"] <= 300).all()), sorted(out)[:3]
        (True, ['best_loss', 'free_observations', 'loss'])
    """
    from regretlab.bandits.play import ArrayEnv
    from regretlab.run import run

    arr = check_array("losses", losses)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3:
        raise ValueError(f"losses must have shape [B, T, K] or [T, K], got {list(arr.shape)}")
    if ((arr < 0) | (arr > 1)).any():
        raise ValueError(f"losses must lie in [0, 1], got {arr[(arr < 0) | (arr > 1)].ravel()[0]!r}")
    b, t_len, k = arr.shape
    expected_k = getattr(policy, "num_actions", None)
    if t_len != policy.horizon or (expected_k is not None and k != expected_k):
        raise ValueError(f"losses have T={t_len}, K={k} but the policy was built for T={policy.horizon}, "
                         f"K={expected_k}")
    if keys is None:
        keys = rng.spawn_keys(seed, b)
    trace = run(policy, ArrayEnv(-np.transpose(arr, (1, 0, 2))), t_len, keys=keys, every=t_len, progress=False)
    book = trace.ledger
    assert book is not None
    loss = -book.curve("realized")[-1]
    switches = book.curve("switches")[-1]
    best = -book.curve("best")[-1]
    charged, free = policy.observation_counts(k)
    return {"loss": loss, "switches": switches, "observations": np.full(b, float(charged)),
            "free_observations": np.full(b, float(free)), "best_loss": best, "regret": loss + switches - best}


def count_switches(actions: np.ndarray) -> np.ndarray:
    """Switches ``Σ_t 1[X_t ≠ X_{t-1}]`` per run from actions ``[T, B]``."""
    a = np.asarray(actions)
    return (a[1:] != a[:-1]).sum(axis=0)



# ---------------------------------------------------------------------------------------------
# batching wrapper
# ---------------------------------------------------------------------------------------------
class BatchingState(NamedTuple):
    """State of :func:`batching`."""

    t: np.ndarray  # [B] int64 rounds played by each run (all runs advance together)
    key: np.ndarray  # [B] uint64 learner keys
    base: Any  # the base learner's state (advanced once per block)
    action: np.ndarray  # [B] int arm held in the current block
    prob: np.ndarray  # [B] probability with which the base drew it
    total: np.ndarray  # [B] reward accumulated over the current block


class Batching:
    r"""Hold a Bandit learner's action fixed within blocks of ``τ`` rounds (at most ``⌈T/τ⌉`` switches).

    At a block start ``strategy`` returns the base's distribution (the runner draws ``X``); inside
    a block it returns the one-hot of ``X``. At the block end the base is updated once with
    ``Bandit(X, mean block reward, p(X))``, so a base tuned for ``N = ⌈T/τ⌉`` rounds is Exp3 over
    batches (spec §8.3 (i)): ``batching(exp3(horizon=N), τ)``.
    """

    feedback = Bandit

    def __init__(self, base: Any, tau: int):
        if getattr(base, "feedback", None) is not Bandit:
            raise TypeError(f"batching wraps a Bandit-feedback learner, got {base!r}")
        self.base = base
        self.tau = _tau("tau", tau)
        self.name = f"batching({getattr(base, 'name', base)}, tau={self.tau})"
        self.reward_range = getattr(base, "reward_range", None)

    def _round(self, state: BatchingState) -> int:
        t = shared_round(state.t)
        if t is None:
            raise ValueError("batching advances its base once per block for all runs: the runs must be at the "
                             f"same round, got t={np.asarray(state.t).tolist()}")
        return t

    def init(self, keys: Any, num_actions: int) -> BatchingState:
        """State for ``B = len(keys)`` runs over ``K = num_actions`` arms (the base's state inside)."""
        base = self.base.init(keys, num_actions)
        key = init_keys(keys)
        b = key.size
        return BatchingState(round_counter(b), key, base, np.zeros(b, dtype=np.int64), np.ones(b), np.zeros(b))

    def strategy(self, state: BatchingState, context: Any = None) -> np.ndarray:
        """The base's strategy at a block start, else the one-hot ``[B, K]`` of the held arm."""
        p = self.base.strategy(state.base)
        if self._round(state) % self.tau == 0:
            return p
        return _one_hot(state.action, p.shape[1])

    def update(self, state: BatchingState, feedback: Bandit) -> BatchingState:
        """Add the reward to the block's total; at the block end, update the base with the mean."""
        t0 = self._round(state)
        b = state.action.size
        k = np.asarray(self.base.strategy(state.base)).shape[1]
        lo, hi = self.reward_range if self.reward_range is not None else (-np.inf, np.inf)
        if self.reward_range is not None:
            a, r, p = check_bandit(feedback, b, k, lo, hi)
        else:
            a, r, p = (np.asarray(feedback.action), np.asarray(feedback.reward, dtype=np.float64),
                       np.asarray(feedback.prob, dtype=np.float64))
        start = t0 % self.tau == 0
        if not start and not np.array_equal(a, state.action):
            raise ValueError("batching: the played action changed inside a block (sample from strategy())")
        action = a if start else state.action
        prob = p if start else state.prob
        total = (0.0 if start else state.total) + r
        t = state.t + 1
        base = state.base
        if (t0 + 1) % self.tau == 0:
            base = self.base.update(base, Bandit(action, total / self.tau, prob))
            total = np.zeros_like(total)
        return BatchingState(t, state.key, base, action, prob, total)

    def __repr__(self) -> str:
        return self.name


@register("batching", family="switching",
          test_params=[{"base": Exp3(horizon=20, reward_range=(-1e6, 1e6)), "tau": 4},
                       {"base": Exp3(lr=0.2, schedule="anytime", reward_range=(-1e6, 1e6)), "tau": 1}])
def batching(base: Any, tau: int) -> Batching:
    r"""Wrap a Bandit learner so that its action is fixed within blocks of ``tau`` rounds.

    .. math::
        X_t = X_{\tau \lfloor t/\tau \rfloor} \sim p^{\mathrm{base}}_{\lfloor t/\tau \rfloor},\qquad
        \text{base update at a block end with } \Big(X, \tfrac{1}{\tau}\sum_{t \in \text{block}} r_t, p(X)\Big).

    Args:
        base: a learner with ``feedback = Bandit`` (tuned for ``⌈T/τ⌉`` rounds).
        tau: block length ``τ >= 1``.

    Returns:
        A :class:`Batching` learner (``feedback = Bandit``): at most ``⌈T/τ⌉ - 1`` switches.

    Example:
        >>> from regretlab.bandits import exp3
        >>> from regretlab.envs import from_array
        >>> from regretlab.run import run
        >>> learner = batching(exp3(horizon=10), tau=10)   # Exp3 over 10 batches of 10 rounds
        >>> tr = run(learner, from_array(np.tile([0.9, 0.1], (100, 1))), T=100, batch=4)   # losses [T, K]
        >>> bool((tr.ledger.curve("switches")[-1] <= 9).all())
        True

    Paper: Arora, Dekel & Tewari, ICML 2012 (mini-batching a bandit algorithm); spec §8.3 (i).
    """
    return Batching(base, tau)
