r"""Online learning with switching costs and observation budgets (spec §8; Cheng, Zhou & Ji, ICML 2023).

Setting. ``K`` arms, horizon ``T``, an oblivious adversary with losses ``ℓ_t ∈ [0,1]^K`` (this
module speaks *losses*, as the paper does). Playing ``X_t`` costs ``ℓ_t(X_t) + 1[X_t ≠ X_{t-1}]``;

.. math:: R_T = \sum_t \ell_t(X_t) + \#\{t: X_t \ne X_{t-1}\} - \min_k \sum_t \ell_t(k).

Feedback settings (:class:`Observer` enforces them strictly):

* ``"bandit"``: the played arm's loss is seen for free, nothing else;
* ``"A"``: bandit feedback plus at most ``B_ex`` extra observations of other arms;
* ``"B"``: nothing is free; at most ``B`` observations ``ℓ_t(k)`` in total (``K <= B <= K T``);
* ``"full"``: everything is seen (no accounting).

A policy that asks for more than its budget raises :class:`BudgetExceeded` (a ``ValueError``):
never a silent extra look.

Algorithms (generic framework of the paper: mini-batches + a base learner + a feedback rule):

* :class:`BatchedExp3` — rule (i): action fixed for ``τ`` rounds, batch loss of the played arm
  importance-weighted, Exp3 over ``N = ⌈T/τ⌉`` batches (``τ ≈ (T/K)^{1/3}``): ``O(K^{1/3}T^{2/3})``.
* :class:`LazyHedge` — rule (ii): full information at one uniformly random round of each batch,
  ``L̂_b = τ ℓ_{t_b}``, Hedge with shrinking-dartboard lazy sampling (Geulen, Vöcking & Winkler,
  COLT 2010) so that ``E[#switches] <= η Σ_b ⟨p_b, L̂_b⟩``: regret ``<= T sqrt(K ln K/(2B)) + O(sqrt(N ln K))``.
* :func:`setting_a` / :func:`setting_b` — the paper's algorithms and their switch rule: Setting A
  uses (i) when ``B_ex <= K^{1/3} T^{2/3}`` and (ii) with ``B = B_ex`` otherwise; Setting B uses (ii).
* :func:`batching` — a runner-compatible wrapper that holds any Bandit learner's action fixed
  within blocks of ``τ`` rounds (its base sees the block's mean reward).
* :class:`MultiScaleRandomWalk` — the lower-bound adversary of Dekel, Ding, Koren & Peres (STOC 2014).

:func:`simulate` plays a policy against a loss sequence for ``B`` runs and reports ``loss``,
``switches``, ``observations`` (charged), ``free_observations`` and ``regret`` separately.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_array, check_int, check_positive
from regretlab.core.simplex import softmax
from regretlab.core.types import Bandit

from regretlab.bandits._common import STREAM_ACT, STREAM_NOISE, init_keys

__all__ = [
    "BatchedExp3", "BudgetExceeded", "LazyHedge", "MultiScaleRandomWalk", "Observer", "batching",
    "bandit_threshold", "mrw_losses", "setting_a", "setting_b", "simulate",
]

SETTINGS = ("bandit", "A", "B", "full")


class BudgetExceeded(ValueError):
    """A policy asked for more observations than its budget allows."""


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
    """Convenience: ``[B, T, K]`` multi-scale random-walk losses for ``batch`` runs of ``seed``."""
    return MultiScaleRandomWalk(num_actions, epsilon).losses(rng.spawn_keys(seed, batch), T)[0]


# ---------------------------------------------------------------------------------------------
# observation accounting
# ---------------------------------------------------------------------------------------------
class Observer:
    """The only door from a policy to the losses: counts every look and enforces the budget.

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
        if self.budget is None:
            self.charged += n
            return
        over = self.charged + n > self.budget
        if over.any():
            run = int(np.argmax(over))
            raise BudgetExceeded(
                f"observation budget exceeded in run {run}: {int(self.charged[run])} used + {int(n[run])} "
                f"requested > budget {self.budget} (setting {self.setting})"
            )
        self.charged += n

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
class PolicyState(NamedTuple):
    """State of a batched switching policy."""

    b: int  # batches completed
    key: np.ndarray  # [B] uint64 policy keys
    score: np.ndarray  # [B, K] cumulative loss estimate (Exp3) or log-weights (Hedge)
    action: np.ndarray  # [B] int current arm (-1 before the first batch)
    draws: np.ndarray | None = None  # [B, N, 3] uniforms of every batch (a pure function of key)


def _tau(name: str, value: Any) -> int:
    return check_int(name, value, minimum=1)


class BatchedExp3:
    r"""Exp3 over batches (rule (i)): ``X_b ~ p_b = softmax(-η L̂)``, ``L̂(X_b) += L_b(X_b)/p_b(X_b)``.

    ``L_b(k) = Σ_{t ∈ batch b} ℓ_t(k)`` is seen for the played arm only (bandit feedback).
    ``τ = ⌈(T/K)^{1/3}⌉``, ``η = sqrt(2 ln K / (N K τ²))``: regret ``<= τ sqrt(2 N K ln K) + N =
    O(K^{1/3} T^{2/3} sqrt(ln K))`` (spec §8.3 (i); Arora, Dekel & Tewari, ICML 2012).

    Args:
        horizon: ``T``; num_actions: ``K``; tau: batch length (default as above); lr: ``η``.
    """

    name = "batched_exp3"
    setting = "bandit"

    def __init__(self, horizon: int, num_actions: int, tau: int | None = None, lr: float | None = None):
        self.horizon = check_int("horizon", horizon)
        self.num_actions = check_int("num_actions", num_actions, minimum=2)
        self.tau = _tau("tau", tau if tau is not None else math.ceil((self.horizon / self.num_actions) ** (1 / 3)))
        self.batches = math.ceil(self.horizon / self.tau)
        k = self.num_actions
        self.lr = check_positive("lr", lr) if lr is not None else math.sqrt(2 * math.log(k) / (self.batches * k * self.tau**2))
        self.budget = 0

    def init(self, keys: Any) -> PolicyState:
        key = init_keys(keys)
        return PolicyState(0, key, np.zeros((key.size, self.num_actions)), np.full(key.size, -1))

    def probs(self, state: PolicyState) -> np.ndarray:
        return softmax(-self.lr * state.score)

    def choose(self, state: PolicyState) -> np.ndarray:
        return rng.sample_actions(rng.derive(state.key, STREAM_ACT), state.b, self.probs(state))

    def feedback(self, state: PolicyState, observer: Observer, start: int, end: int, arm: np.ndarray) -> PolicyState:
        p = self.probs(state)
        rows = np.arange(arm.size)
        batch_loss = observer.played(start, end, arm)
        score = state.score.copy()
        score[rows, arm] += batch_loss / p[rows, arm]
        return PolicyState(state.b + 1, state.key, score, arm)


class LazyHedge:
    r"""Hedge over batches with full information at one random round and shrinking-dartboard sampling (rule (ii)).

    Each batch draws ``t_b`` uniformly, observes all ``K`` losses there (``K`` observations), and
    uses ``L̂_b = τ_b ℓ_{t_b}`` (unbiased for the batch loss). ``w_{b+1} = w_b exp(-η L̂_b)``; the
    arm is kept with probability ``w_{b+1}(X)/w_b(X)`` and otherwise redrawn from ``p_{b+1}``, so
    ``X_b ~ p_b`` exactly while ``E[#switches] <= η Σ_b ⟨p_b, L̂_b⟩``. With ``B`` observations,
    ``N = ⌊B/K⌋`` batches (``τ = ⌈T/N⌉``) and ``η = sqrt(8 ln K/(N τ²))``: regret
    ``<= T sqrt(K ln K/(2B)) + O(sqrt(N ln K))`` (spec §8.3 (ii); Geulen, Vöcking & Winkler 2010).

    Args:
        horizon: ``T``; num_actions: ``K``; budget: observations ``B`` (>= K), or ``tau`` directly
            (then ``budget`` is ``K ⌈T/τ⌉``); setting: ``"B"`` (all looks charged) or ``"A"``
            (the played arm at ``t_b`` is free); lr: ``η``.
    """

    name = "lazy_hedge"

    def __init__(self, horizon: int, num_actions: int, budget: int | None = None, tau: int | None = None,
                 lr: float | None = None, setting: str = "B"):
        self.horizon = check_int("horizon", horizon)
        self.num_actions = k = check_int("num_actions", num_actions, minimum=2)
        if setting not in ("A", "B", "full"):
            raise ValueError(f"setting must be 'A', 'B' or 'full', got {setting!r}")
        self.setting = setting
        if budget is None and tau is None:
            raise ValueError("lazy_hedge needs budget >= K or tau >= 1")
        if tau is not None:
            self.tau = _tau("tau", tau)
            n = math.ceil(self.horizon / self.tau)
            self.budget = n * k if budget is None else check_int("budget", budget, minimum=k)
        else:
            self.budget = _budget(budget, k, self.horizon)
            n = self.budget // k
            self.tau = math.ceil(self.horizon / n)
        self.batches = math.ceil(self.horizon / self.tau)
        if self.batches * k > self.budget and setting == "B":
            raise ValueError(f"tau={self.tau} needs {self.batches * k} observations, more than budget={self.budget}")
        self.lr = check_positive("lr", lr) if lr is not None else math.sqrt(8 * math.log(k) / (self.batches * self.tau**2))

    def init(self, keys: Any) -> PolicyState:
        key = init_keys(keys)
        b = key.size
        first = rng.sample_actions(rng.derive(key, STREAM_ACT), 0, np.full((b, self.num_actions), 1 / self.num_actions))
        # all uniforms at once (batch n uses row n: observed round, keep coin, redraw): cheap per batch
        draws = rng.uniform(rng.derive(key, STREAM_NOISE), 0, 3 * self.batches).reshape(b, self.batches, 3)
        return PolicyState(0, key, np.zeros((b, self.num_actions)), first, draws)

    def probs(self, state: PolicyState) -> np.ndarray:
        return softmax(state.score)

    def choose(self, state: PolicyState) -> np.ndarray:
        return state.action

    def feedback(self, state: PolicyState, observer: Observer, start: int, end: int, arm: np.ndarray) -> PolicyState:
        b, k = state.score.shape
        length = end - start
        u = state.draws[:, state.b]  # [B, 3]: observed round, keep coin, redraw
        t_obs = start + np.minimum((u[:, 0] * length).astype(np.int64), length - 1)
        seen = observer.look(t_obs, None, played=arm)
        est = length * seen  # [B, K] unbiased for the batch loss
        score = state.score - self.lr * est
        score -= score.max(axis=1, keepdims=True)  # log-weights up to a constant (ratios unchanged)
        rows = np.arange(b)
        keep = u[:, 1] < np.exp(-self.lr * est[rows, arm])  # w_{b+1}(X)/w_b(X) <= 1 since est >= 0
        action = arm
        if not keep.all():
            cdf = np.cumsum(softmax(score), axis=1)
            cdf[:, -1] = np.inf
            action = np.where(keep, arm, np.argmax(cdf > u[:, 2:3], axis=1))
        return PolicyState(state.b + 1, state.key, score, action, state.draws)


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
    The returned policy has ``rule`` = ``"bandit"`` or ``"full-info"``.
    """
    horizon = check_int("horizon", horizon)
    k = check_int("num_actions", num_actions, minimum=2)
    extra = check_int("extra_budget", extra_budget, minimum=0)
    if extra <= bandit_threshold(horizon, k) or extra < k:
        policy: Any = BatchedExp3(horizon, k)
        policy.setting, policy.budget, policy.rule = "A", extra, "bandit"
        return policy
    policy = LazyHedge(horizon, k, budget=extra, setting="A")
    policy.rule = "full-info"
    return policy


def setting_b(horizon: int, num_actions: int, budget: int) -> LazyHedge:
    """Setting B's algorithm: lazy Hedge with full information at a random round of ``⌊B/K⌋`` batches.

    Regret ``Θ̃(T sqrt(K/B))`` for every ``K <= B <= KT`` (spec §8.2). Raises for ``B < K``.
    """
    return LazyHedge(horizon, num_actions, budget=budget, setting="B")


# ---------------------------------------------------------------------------------------------
# simulator
# ---------------------------------------------------------------------------------------------
def simulate(policy: Any, losses: Any, seed: int = 0, keys: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Play a batched switching policy on ``losses [B, T, K]`` (or ``[T, K]`` shared) and account for everything.

    Args:
        policy: :class:`BatchedExp3`, :class:`LazyHedge` or the result of :func:`setting_a` /
            :func:`setting_b` (``horizon`` must equal ``T``).
        losses: losses in [0, 1].
        seed / keys: run keys (``spawn_keys(seed, B)`` by default).

    Returns:
        ``[B]`` arrays: ``loss`` (Σ ℓ_t(X_t)), ``switches``, ``observations`` (charged),
        ``free_observations``, ``best_loss`` (min_k Σ ℓ_t(k)), ``regret`` (= loss + switches - best_loss).
    """
    arr = check_array("losses", losses)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3:
        raise ValueError(f"losses must have shape [B, T, K] or [T, K], got {list(arr.shape)}")
    if ((arr < 0) | (arr > 1)).any():
        raise ValueError(f"losses must lie in [0, 1], got {arr[(arr < 0) | (arr > 1)].ravel()[0]!r}")
    b, t_len, k = arr.shape
    if t_len != policy.horizon or k != policy.num_actions:
        raise ValueError(f"losses have T={t_len}, K={k} but the policy was built for T={policy.horizon}, "
                         f"K={policy.num_actions}")
    if keys is None:
        keys = rng.spawn_keys(seed, b)
    observer = Observer(arr, policy.setting, policy.budget)
    state = policy.init(keys)
    rows = np.arange(b)
    cum = observer._cum  # the simulator (not the policy) reads the incurred losses
    incurred = np.zeros(b)
    switches = np.zeros(b, dtype=np.int64)
    prev = np.full(b, -1)
    for n in range(policy.batches):
        start, end = n * policy.tau, min(t_len, (n + 1) * policy.tau)
        if start >= end:
            break
        arm = policy.choose(state)
        incurred += cum[rows, end, arm] - cum[rows, start, arm]
        switches += (arm != prev) & (prev >= 0)
        prev = arm
        state = policy.feedback(state, observer, start, end, arm)
    best = cum[:, -1, :].min(axis=1)
    return {"loss": incurred, "switches": switches.astype(np.float64), "observations": observer.charged.astype(np.float64),
            "free_observations": observer.free.astype(np.float64), "best_loss": best,
            "regret": incurred + switches - best}


def count_switches(actions: np.ndarray) -> np.ndarray:
    """Switches ``Σ_t 1[X_t ≠ X_{t-1}]`` per run from actions ``[T, B]``."""
    a = np.asarray(actions)
    return (a[1:] != a[:-1]).sum(axis=0)


# ---------------------------------------------------------------------------------------------
# runner-compatible batching wrapper
# ---------------------------------------------------------------------------------------------
class BatchingState(NamedTuple):
    """State of :func:`batching`."""

    t: int  # rounds played
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

    def __init__(self, base: Any, tau: int):
        if getattr(base, "feedback", None) is not Bandit:
            raise TypeError(f"batching wraps a Bandit-feedback learner, got {base!r}")
        self.base = base
        self.tau = _tau("tau", tau)
        self.feedback = Bandit
        self.name = f"batching({getattr(base, 'name', base)}, tau={self.tau})"

    def init(self, keys: Any, num_actions: int) -> BatchingState:
        base = self.base.init(keys, num_actions)
        b = len(keys)
        return BatchingState(0, init_keys(keys), base, np.zeros(b, dtype=np.int64), np.ones(b), np.zeros(b))

    def strategy(self, state: BatchingState, context: Any = None) -> np.ndarray:
        p = self.base.strategy(state.base)
        if state.t % self.tau == 0:
            return p
        out = np.zeros_like(p)
        out[np.arange(p.shape[0]), state.action] = 1.0
        return out

    def update(self, state: BatchingState, feedback: Bandit) -> BatchingState:
        start = state.t % self.tau == 0
        action = np.asarray(feedback.action) if start else state.action
        prob = np.asarray(feedback.prob, dtype=np.float64) if start else state.prob
        if not start and not np.array_equal(np.asarray(feedback.action), state.action):
            raise ValueError("batching: the played action changed inside a block (sample from strategy())")
        total = (0.0 if start else state.total) + np.asarray(feedback.reward, dtype=np.float64)
        t = state.t + 1
        base = state.base
        if t % self.tau == 0:
            base = self.base.update(base, Bandit(action, total / self.tau, prob))
            total = np.zeros_like(total)
        return BatchingState(t, state.key, base, action, prob, total)

    def __repr__(self) -> str:
        return self.name


def batching(base: Any, tau: int) -> Batching:
    """Wrap a Bandit learner so its action is fixed within blocks of ``tau`` rounds.

    Example:
        >>> from regretlab.bandits import exp3
        >>> learner = batching(exp3(horizon=100), tau=10)   # Exp3 over 100 batches of 10 rounds
    """
    return Batching(base, tau)
