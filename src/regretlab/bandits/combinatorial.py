r"""Combinatorial (and contextual) semi-bandits: Exp2 and FTPL with an ERM oracle and geometric resampling.

Setting (spec §6.2-6.3). There are ``D`` components. An *action* is a binary vector
``a ∈ {0,1}^D``; a *policy* ``h`` maps the round's context to an action ``a_h(x_t)``. Each round
the learner picks a policy, plays its action, and sees the utility ``u_{t,j}`` of every component
it switched on (semi-bandit feedback), plus, optionally, the utilities of some always-revealed
coordinates (the synthetic full-information examples of the fairness reduction). Utilities follow
the library convention: higher is better (pass ``reward = -loss``).

The learners follow the library's contract with ``feedback = SemiBandit``:

* ``init(keys [B], M)``: state for ``B`` runs over ``M`` policies, with a per-run round counter ``t [B]``;
* ``strategy(state, context) -> [B, M]``: the distribution over the ``M`` policies this round
  (Exp2: exponential weights mixed with exploration; FTPL: the one-hot of its perturbed leader);
* ``chosen(policy [B], context) -> [B, D]`` bool: the components a drawn policy switches on;
* ``update(state, SemiBandit(chosen, reward, context=context)) -> state``: pure.

The one driver plays them in a :class:`SemiBanditSetting` (component utilities and the action table
of each round): it draws ``h ~ strategy`` from the run's action stream, and the learner gets the
chosen components and their utilities. ``act(state, context) -> (policy, chosen)`` is a shortcut
that draws the policy from the learner's own key stream (for hand-written loops).

Two ways to give the action sets:

* **fixed**: ``actions`` is a binary matrix ``[M, D]`` (row ``h`` = action of policy ``h``);
  :func:`m_sets` builds all ``m``-subsets of ``D`` components. The context is ``None``.
* **contextual**: the round's action matrix is the context: ``[M, D]`` shared by all runs or
  ``[B, M, D]`` per run (row ``h`` = ``a_h(x_t)``). Exp2 needs this explicit table (it is
  ``O(M)`` per round by design). FTPL never enumerates policies: it calls an
  :class:`ERMOracle` (``best``/``act``/``add``), so the context can be anything the oracle
  understands. Coordinates observed whatever is played come with the context as
  ``SemiBanditRound(context, revealed)``.

Python API (every array has the run axis ``B`` first)::

    from regretlab.bandits.combinatorial import SemiBanditSetting, exp2, m_sets
    from regretlab.run import run
    learner = exp2(actions=m_sets(6, 2), horizon=T)           # Exp2 over the 15 2-subsets of 6
    setting = SemiBanditSetting(-losses, m_sets(6, 2))        # losses [T, D] in [0, 1]
    trace = run(learner, setting, T, batch=64)                # regret vs the best fixed 2-subset

    state = learner.init(rng.spawn_keys(0, 64), 15)           # by hand: 64 runs, 15 policies
    policy, chosen = learner.act(state)                       # [B] int, [B, D] bool
    state = learner.update(state, SemiBandit(chosen, np.where(chosen, -loss, 0.0)))

The random draws (action sampling, perturbations, resamples) come from the learner's own key
stream addressed by the run's round counter, so ``strategy``/``act`` are pure functions of
``(state, context)`` and row ``b`` of a batched run equals a solo run with ``keys[b:b+1]``.

References: Exp2 — Dani, Hayes & Kakade (2007); Bubeck, Cesa-Bianchi & Kakade (COLT 2012);
semi-bandit analysis Audibert, Bubeck & Lugosi (Math. OR 2014). FTPL with geometric resampling —
Neu & Bartók (ALT 2013; JMLR 2016). Context-Semi-Bandit-FTPL with a separator set —
Syrgkanis, Krishnamurthy & Schapire (ICML 2016); used by Bechavod & Roth (ICML 2023).
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Callable, NamedTuple, Protocol, Sequence, runtime_checkable

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_array, check_int, check_positive, check_probability
from regretlab.core.registry import register
from regretlab.core.simplex import softmax
from regretlab.core.types import SemiBandit

from regretlab.bandits._common import (
    NOISES,
    STREAM_ACT,
    STREAM_NOISE,
    STREAM_RESAMPLE,
    check_range,
    check_rewards,
    init_keys,
    learner_repr,
    noise,
    round_counter,
    sample_actions,
    shared_round,
)

__all__ = [
    "CallbackOracle", "ERMOracle", "EnumerationOracle", "Exp2", "Exp2State", "FTPLSemiBandit",
    "FTPLState", "FixedSetOracle", "SemiBanditRound", "SemiBanditSetting", "TopMOracle",
    "check_action_set", "exp2", "ftpl_semibandit", "geometric_resampling_mean", "m_sets",
    "semibandit_estimate",
]


# ---------------------------------------------------------------------------------------------
# action sets
# ---------------------------------------------------------------------------------------------
def check_action_set(actions: Any, name: str = "actions", batched: bool = False) -> np.ndarray:
    """Validate a binary action matrix ``[M, D]`` (or ``[B, M, D]`` with ``batched``) and return it as bool.

    Raises ValueError when an entry is not 0/1 or a row is empty (an action that switches on no
    component gives no feedback and breaks importance weighting).
    """
    arr = np.asarray(actions)
    ndims = (2, 3) if batched else (2,)
    if arr.ndim not in ndims or arr.size == 0:
        want = "[M, D] or [B, M, D]" if batched else "[M, D]"
        raise ValueError(f"{name} must be a non-empty binary matrix of shape {want}, got shape {list(arr.shape)}")
    if arr.dtype != bool:
        if not np.isin(arr, (0, 1)).all():
            raise ValueError(f"{name} must contain only 0/1 entries, got {arr[~np.isin(arr, (0, 1))].ravel()[0]!r}")
        arr = arr.astype(bool)
    empty = ~arr.any(axis=-1)
    if empty.any():
        where = np.argwhere(empty)[0].tolist()
        raise ValueError(f"{name} has an empty row at index {where}: every action must switch on >= 1 component")
    return arr


def m_sets(num_components: int, m: int) -> np.ndarray:
    """All ``m``-subsets of ``D = num_components`` components as a bool matrix ``[C(D, m), D]``.

    Example:
        >>> m_sets(3, 2).astype(int).tolist()
        [[1, 1, 0], [1, 0, 1], [0, 1, 1]]
    """
    d = check_int("num_components", num_components, minimum=1)
    m = check_int("m", m, minimum=1)
    if m > d:
        raise ValueError(f"m must be <= num_components={d}, got {m}")
    combos = list(itertools.combinations(range(d), m))
    out = np.zeros((len(combos), d), dtype=bool)
    for i, c in enumerate(combos):
        out[i, list(c)] = True
    return out


class SemiBanditRound(NamedTuple):
    """A round's context together with the coordinates observed whatever is played.

    Attributes:
        context: what the learner reads: the action table ``[M, D]`` / ``[B, M, D]`` for Exp2
            (``None`` for a fixed set), anything the oracle understands for FTPL.
        revealed: ``[D]`` or ``[B, D]`` bool, coordinates whose utilities are seen every round
            (used as they are, without importance weighting), or ``None``.
    """

    context: Any = None
    revealed: Any = None


def _unwrap(context: Any, revealed: Any) -> tuple[Any, Any]:
    """``(context, revealed)`` from a context that may be a :class:`SemiBanditRound`."""
    if isinstance(context, SemiBanditRound):
        return context.context, context.revealed if revealed is None else revealed
    return context, revealed


def _context_actions(context: Any, fixed: np.ndarray | None, batch: int) -> np.ndarray:
    """The round's action table ``[B, M, D]`` bool from ``context`` (or the fixed set)."""
    if context is None:
        if fixed is None:
            raise ValueError("context must be the round's action matrix [M, D] or [B, M, D] "
                             "(this learner was built without a fixed action set)")
        return np.broadcast_to(fixed, (batch,) + fixed.shape)
    arr = check_action_set(context, "context (action matrix)", batched=True)
    if arr.ndim == 2:
        arr = np.broadcast_to(arr, (batch,) + arr.shape)
    if arr.shape[0] != batch:
        raise ValueError(f"context (action matrix) must have {batch} runs on axis 0, got shape {list(arr.shape)}")
    if fixed is not None and arr.shape[1:] != fixed.shape:
        raise ValueError(f"context (action matrix) must have shape [*, {fixed.shape[0]}, {fixed.shape[1]}], "
                         f"got {list(arr.shape)}")
    return arr


def _revealed_mask(revealed: Any, batch: int, d: int) -> np.ndarray:
    if revealed is None:
        return np.zeros((batch, d), dtype=bool)
    arr = np.asarray(revealed, dtype=bool)
    try:
        return np.broadcast_to(arr, (batch, d))
    except ValueError:
        raise ValueError(f"revealed must be a bool mask of shape [D] or [B, D] = [{batch}, {d}], "
                         f"got shape {list(arr.shape)}") from None


def _check_semibandit(feedback: Any, batch: int, d: int, lo: float, hi: float,
                      revealed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(feedback, SemiBandit):
        raise TypeError(f"feedback must be SemiBandit(chosen=[B, D], reward=[B, D]), got {type(feedback).__name__}")
    chosen = np.asarray(feedback.chosen)
    if chosen.shape != (batch, d):
        raise ValueError(f"feedback.chosen must have shape [{batch}, {d}], got {list(chosen.shape)}")
    if chosen.dtype != bool:
        if chosen.dtype.kind not in "biuf" or not np.isin(chosen, (0, 1)).all():
            bad = chosen[~np.isin(chosen, (0, 1))].ravel()
            raise ValueError("feedback.chosen must be a bool / 0-1 mask of the played components, "
                             f"got {bad[0] if bad.size else chosen.dtype}")
        chosen = chosen.astype(bool)
    reward = np.asarray(feedback.reward, dtype=np.float64)
    if reward.shape != (batch, d):
        raise ValueError(f"feedback.reward must have shape [{batch}, {d}], got {list(reward.shape)}")
    seen = chosen | revealed
    check_rewards("feedback.reward", np.where(seen, reward, lo), (batch, d), lo, hi)
    return chosen, np.where(seen, reward, 0.0)


def semibandit_estimate(chosen: np.ndarray, reward: np.ndarray, marginal: np.ndarray,
                        revealed: np.ndarray | None = None) -> np.ndarray:
    r"""Importance-weighted semi-bandit estimate :math:`\hat u_j = u_j 1[a_j = 1] / P_j` (``u_j`` where revealed).

    Unbiased: :math:`E[\hat u_j] = u_j` whenever ``P_j > 0`` (Audibert, Bubeck & Lugosi 2014).

    Args:
        chosen: ``[B, D]`` bool, the played action.
        reward: ``[B, D]`` utilities (only chosen / revealed entries are read).
        marginal: ``[B, D]`` probability ``P_j`` that component ``j`` is on.
        revealed: optional ``[B, D]`` bool, coordinates observed whatever was played.

    Returns:
        ``[B, D]`` estimate.
    """
    est = np.where(chosen, reward / np.where(marginal > 0, marginal, 1.0), 0.0)
    if revealed is not None:
        est = np.where(revealed, reward, est)
    return est


# ---------------------------------------------------------------------------------------------
# Exp2
# ---------------------------------------------------------------------------------------------
class Exp2State(NamedTuple):
    """State of :class:`Exp2`."""

    t: np.ndarray  # [B] int64 rounds played by each run
    key: np.ndarray  # [B] uint64 learner keys
    score: np.ndarray  # [B, M] cumulative estimated utility of each policy


class Exp2:
    r"""Exp2: exponential weights over policies with semi-bandit importance weighting and exploration.

    .. math::
        p_t = (1-\gamma)\, q_t + \gamma \mu,\quad q_t(h) \propto \exp(\eta_t \hat S_{t-1}(h)),\quad
        \hat S_t(h) = \hat S_{t-1}(h) + \langle a_h(x_t), \hat u_t\rangle,\quad
        \hat u_{t,j} = u_{t,j} 1[a_{t,j}=1] / P_{t,j},\ P_{t,j} = \sum_h p_t(h) a_{h,j}(x_t).

    Regret (losses ``-u`` in ``[0, 1]``, ``‖a‖_1 <= m``, ``γ = 0``, tuned
    ``η = sqrt(2 ln M / (m D T))``): at most ``sqrt(2 m D T ln M)`` (Audibert, Bubeck & Lugosi
    2014, Thm 2 style argument: ``ln M/η + η/2 Σ_t E[Σ_h p(h)⟨a_h, ℓ̂⟩²] <= ln M/η + η m D T/2``).
    """

    feedback = SemiBandit
    name = "exp2"

    def __init__(self, actions: Any = None, num_policies: int | None = None, lr: float | None = None,
                 horizon: int | None = None, exploration: float = 0.0, explore_with: Any = "uniform",
                 reward_range: tuple[float, float] = (-1.0, 0.0)):
        self.actions = None if actions is None else check_action_set(actions)
        if num_policies is not None:
            num_policies = check_int("num_policies", num_policies, minimum=1)
            if self.actions is not None and num_policies != self.actions.shape[0]:
                raise ValueError(f"num_policies={num_policies} disagrees with actions ({self.actions.shape[0]} rows)")
        self.num_policies = self.actions.shape[0] if self.actions is not None else num_policies
        self.lr = None if lr is None else check_positive("lr", lr)
        self.horizon = None if horizon is None else check_int("horizon", horizon)
        self.exploration = check_probability("exploration", exploration)
        self.reward_range = check_range("reward_range", reward_range)
        if isinstance(explore_with, str):
            if explore_with != "uniform":
                raise ValueError(f"explore_with must be 'uniform' or a distribution [M], got {explore_with!r}")
            self.explore_with: Any = "uniform"
        else:
            mu = np.asarray(explore_with, dtype=np.float64)
            if mu.ndim != 1 or (mu < 0).any() or not np.isclose(mu.sum(), 1.0):
                raise ValueError(f"explore_with must be a probability vector [M], got {explore_with!r:.80}")
            if self.num_policies is not None and mu.size != self.num_policies:
                raise ValueError(f"explore_with must have {self.num_policies} entries, got {mu.size}")
            self.explore_with = mu

    def rate(self, state: Exp2State, actions: np.ndarray) -> Any:
        """``η_t``: ``lr``, else tuned ``sqrt(2 ln M / (m D T))/(hi-lo)`` with ``m`` the largest action of
        the run's table (``t`` instead of ``T`` when no horizon); ``[B, 1]`` when the runs differ."""
        if self.lr is not None:
            return self.lr
        m_count, d = actions.shape[-2], actions.shape[-1]
        sizes = actions.sum(axis=-1).max(axis=-1)  # [B] largest action of each run's table
        lo, hi = self.reward_range
        top = 2.0 * math.log(max(m_count, 2))
        common = shared_round(state.t) if self.horizon is None else self.horizon - 1
        m = shared_round(sizes)
        if m is not None and common is not None:
            return math.sqrt(top / (m * d * (common + 1))) / (hi - lo)
        horizon = np.asarray(state.t) + 1.0 if common is None else float(common + 1)
        return (np.sqrt(top / (sizes * d * horizon)) / (hi - lo))[:, None]

    def init(self, keys: Any, num_actions: int | None = None) -> Exp2State:
        """State for ``B = len(keys)`` runs; ``num_actions`` is the number of policies ``M`` (optional if known)."""
        key = init_keys(keys)
        m = self.num_policies
        if num_actions is not None:
            num_actions = check_int("num_actions", num_actions)
            if m is not None and num_actions != m:
                raise ValueError(f"num_actions must equal the number of policies {m}, got {num_actions}")
            m = num_actions
        if m is None:
            raise ValueError("exp2 needs the number of policies: pass actions=, num_policies= or num_actions=")
        return Exp2State(round_counter(key.size), key, np.zeros((key.size, m)))

    def _table(self, state: Exp2State, context: Any) -> np.ndarray:
        actions = _context_actions(context, self.actions, state.score.shape[0])
        if actions.shape[1] != state.score.shape[1]:
            raise ValueError(f"context has {actions.shape[1]} policies, the state {state.score.shape[1]}")
        return actions

    def _distribution(self, state: Exp2State, actions: np.ndarray) -> np.ndarray:
        q = softmax(self.rate(state, actions) * state.score)
        if self.exploration == 0.0:
            return q
        mu = (np.full(q.shape[1], 1.0 / q.shape[1]) if isinstance(self.explore_with, str) else self.explore_with)
        return (1.0 - self.exploration) * q + self.exploration * mu[None, :]

    def strategy(self, state: Exp2State, context: Any = None) -> np.ndarray:
        """The sampling distribution ``p_t`` over policies, ``[B, M]``."""
        context, _ = _unwrap(context, None)
        return self._distribution(state, self._table(state, context))

    def marginals(self, state: Exp2State, context: Any = None) -> np.ndarray:
        """``P_{t,j} = Σ_h p_t(h) a_{h,j}``, ``[B, D]``: the probability each component is on."""
        context, _ = _unwrap(context, None)
        actions = self._table(state, context)
        return np.einsum("bm,bmd->bd", self._distribution(state, actions), actions)

    def chosen(self, policy: Any, context: Any = None) -> np.ndarray:
        """The components ``[B, D]`` bool that the policies ``policy [B]`` switch on in this round."""
        context, _ = _unwrap(context, None)
        h = np.asarray(policy)
        actions = _context_actions(context, self.actions, h.size)
        if h.ndim != 1 or h.dtype.kind not in "iu" or h.size and (h.min() < 0 or h.max() >= actions.shape[1]):
            raise ValueError(f"policy must be [B] integers in [0, {actions.shape[1]}), got {h!r:.80}")
        return actions[np.arange(h.size), h]

    def act(self, state: Exp2State, context: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``h_t ~ p_t`` with the learner's key; returns ``(policy [B] int, chosen [B, D] bool)``."""
        p = self.strategy(state, context)
        h = sample_actions(rng.derive(state.key, STREAM_ACT), state.t, p)
        return h, self.chosen(h, context)

    def update(self, state: Exp2State, feedback: SemiBandit, context: Any = None,
               revealed: Any = None) -> Exp2State:
        """Add ``⟨a_h(x_t), û_t⟩`` to every policy's score.

        Args:
            feedback: ``SemiBandit(chosen [B, D], reward [B, D], context=...)``; ``chosen`` must be
                one of the round's actions.
            context: the round's action matrix, if not in ``feedback.context`` (``None`` for fixed
                sets); a :class:`SemiBanditRound` also carries the revealed coordinates.
            revealed: optional ``[D]`` / ``[B, D]`` bool, coordinates observed whatever was played
                (their utilities are used without importance weighting).
        """
        if context is None:
            context = getattr(feedback, "context", None)
        context, revealed = _unwrap(context, revealed)
        actions = self._table(state, context)
        b, _, d = actions.shape
        rev = _revealed_mask(revealed, b, d)
        chosen, reward = _check_semibandit(feedback, b, d, *self.reward_range, rev)
        played = (actions == chosen[:, None, :]).all(axis=2).any(axis=1)
        if not played.all():
            run = int(np.argmin(played))
            raise ValueError(f"feedback.chosen of run {run} is not one of the round's {actions.shape[1]} actions "
                             "(play chosen(policy, context) of a policy drawn from strategy())")
        p = self._distribution(state, actions)
        est = semibandit_estimate(chosen, reward, np.einsum("bm,bmd->bd", p, actions), rev)
        score = state.score + np.einsum("bmd,bd->bm", actions, est)
        return state._replace(t=state.t + 1, score=score)

    def __repr__(self) -> str:
        return learner_repr(self, self.name)


_EXP2_TESTS = [
    {"actions": m_sets(4, 2), "horizon": 100, "reward_range": (-1e6, 1e6)},
    {"actions": m_sets(3, 1), "lr": 0.5, "exploration": 0.1},
    {"num_policies": 5, "exploration": 0.05, "reward_range": (-1e6, 1e6)},  # contextual: tables as context
]


@register("exp2", family="semibandits", tunes=("horizon", "reward_range"), test_params=_EXP2_TESTS)
def exp2(actions: Any = None, num_policies: int | None = None, lr: float | None = None,
         horizon: int | None = None, exploration: float = 0.0, explore_with: Any = "uniform",
         reward_range: tuple[float, float] = (-1.0, 0.0)) -> Exp2:
    r"""Exp2 for (contextual) combinatorial semi-bandits: exponential weights over the ``M`` policies.

    .. math::
        p_t = (1-\gamma)\,\mathrm{softmax}(\eta \hat S_{t-1}) + \gamma\mu,\qquad
        \hat S_t(h) = \hat S_{t-1}(h) + \langle a_h(x_t), \hat u_t\rangle,\qquad
        \hat u_{t,j} = \frac{u_{t,j}\,1[a_{t,j} = 1]}{\sum_h p_t(h)\, a_{h,j}(x_t)}.

    Args:
        actions: fixed binary action matrix ``[M, D]``; omit for the contextual version (the round's
            ``[M, D]`` / ``[B, M, D]`` table is the context; give ``num_policies`` or ``init(keys, M)``).
        num_policies: ``M`` for the contextual version.
        lr: fixed rate ``η``; default tuned ``sqrt(2 ln M/(m D T))/(hi - lo)`` from ``horizon``
            (anytime ``t`` when absent), ``m`` the largest action size.
        horizon: ``T``, for the tuned rate.
        exploration: ``γ``, the weight of the exploration distribution.
        explore_with: ``"uniform"`` over policies or a distribution ``[M]`` (e.g. a spanner).
        reward_range: declared ``(low, high)`` of component utilities; values outside raise.

    Returns:
        An :class:`Exp2` learner: ``init(keys [B], M)``, ``strategy(state, context) -> [B, M]``,
        ``chosen(policy [B], context) -> [B, D]``, ``update(state, SemiBandit(chosen [B, D], reward [B, D]))``.

    Example:
        >>> from regretlab.core import SemiBandit, rng
        >>> learner = exp2(actions=m_sets(3, 2), lr=1.0)
        >>> s = learner.init(rng.spawn_keys(0, 2), 3)
        >>> h = rng.sample_actions(rng.spawn_keys(1, 2), 0, learner.strategy(s))
        >>> chosen = learner.chosen(h)                                # [B, D] components switched on
        >>> s = learner.update(s, SemiBandit(chosen, np.where(chosen, -1.0, 0.0)))
        >>> learner.strategy(s).shape, s.t.tolist()
        ((2, 3), [1, 1])

    Paper: Audibert, Bubeck & Lugosi, "Regret in online combinatorial optimization", Math. OR 2014
    (semi-bandit Exp2); Bubeck, Cesa-Bianchi & Kakade, COLT 2012.
    """
    return Exp2(actions, num_policies, lr, horizon, exploration, explore_with, reward_range)


# ---------------------------------------------------------------------------------------------
# ERM oracles for FTPL
# ---------------------------------------------------------------------------------------------
@runtime_checkable
class ERMOracle(Protocol):
    """What FTPL needs from the policy class: an incremental ERM (argmax) oracle.

    Attributes:
        num_components: ``D``.
        num_separator: ``|S|``, rows of the perturbation ``[B, |S|, D]`` (the separator contexts).
        num_policies: (optional) ``M`` when the policies are the integers ``0..M-1`` (``best``
            returns ``[B]`` ints); then FTPL's ``strategy`` is the one-hot ``[B, M]`` of its leader.
        contains(chosen [B, D], context) -> [B] bool: (optional) whether each run's played vector is
            an action of the class; FTPL then refuses feedback for a vector that is not.

    Methods:
        init(batch) -> summary: an empty data set for ``B`` runs.
        add(summary, context, utility [B, D]) -> summary: append round ``(x_t, û_t)``.
        best(summary, noise [B, |S|, D]) -> policy: per run, ``argmax_h Σ_τ ⟨a_h(x_τ), û_τ⟩ +
            Σ_s ⟨a_h(s), noise_s⟩`` (first axis ``B``; ids or any encoding ``act`` reads).
        act(policy, context) -> [B, D] bool: the policies' actions on ``context``.
    """

    num_components: int
    num_separator: int

    def init(self, batch: int) -> Any: ...

    def add(self, summary: Any, context: Any, utility: np.ndarray) -> Any: ...

    def best(self, summary: Any, noise: np.ndarray) -> Any: ...

    def act(self, policy: Any, context: Any) -> np.ndarray: ...


class FixedSetOracle:
    """Linear-optimisation oracle over a fixed action matrix ``[M, D]`` (separator = the identity).

    Summary: cumulative utility ``[B, D]``; ``best`` = ``argmax_h ⟨a_h, U + z⟩``, ``O(M D)``.
    """

    def __init__(self, actions: Any):
        self.actions = check_action_set(actions)
        self.num_components = self.actions.shape[1]
        self.num_policies = self.actions.shape[0]
        self.num_separator = 1
        self._af = self.actions.astype(np.float64)

    def init(self, batch: int) -> np.ndarray:
        return np.zeros((batch, self.num_components))

    def add(self, summary: np.ndarray, context: Any, utility: np.ndarray) -> np.ndarray:
        return summary + utility

    def best(self, summary: np.ndarray, noise: np.ndarray) -> np.ndarray:
        return np.argmax((summary + noise[:, 0, :]) @ self._af.T, axis=1)

    def act(self, policy: np.ndarray, context: Any) -> np.ndarray:
        return self.actions[policy]

    def contains(self, chosen: np.ndarray, context: Any) -> np.ndarray:
        return (self.actions[None, :, :] == chosen[:, None, :]).all(axis=2).any(axis=1)

    def __repr__(self) -> str:
        return f"FixedSetOracle(M={self.actions.shape[0]}, D={self.num_components})"


class TopMOracle:
    """Oracle for all ``m``-subsets of ``D`` components without enumerating them: take the ``m`` best.

    The policy encoding is the chosen mask ``[B, D]`` itself.
    """

    def __init__(self, num_components: int, m: int):
        self.num_components = check_int("num_components", num_components)
        self.m = check_int("m", m)
        if self.m > self.num_components:
            raise ValueError(f"m must be <= num_components={self.num_components}, got {self.m}")
        self.num_separator = 1

    def init(self, batch: int) -> np.ndarray:
        return np.zeros((batch, self.num_components))

    def add(self, summary: np.ndarray, context: Any, utility: np.ndarray) -> np.ndarray:
        return summary + utility

    def best(self, summary: np.ndarray, noise: np.ndarray) -> np.ndarray:
        score = summary + noise[:, 0, :]
        top = np.argpartition(-score, self.m - 1, axis=1)[:, : self.m]
        mask = np.zeros(score.shape, dtype=bool)
        np.put_along_axis(mask, top, True, axis=1)
        return mask

    def act(self, policy: np.ndarray, context: Any) -> np.ndarray:
        return policy

    def contains(self, chosen: np.ndarray, context: Any) -> np.ndarray:
        return chosen.sum(axis=1) == self.m

    def __repr__(self) -> str:
        return f"TopMOracle(D={self.num_components}, m={self.m})"


class EnumerationOracle:
    """Exact ERM oracle over an enumerable policy class (the reference oracle for small classes).

    Args:
        policy_actions: ``f(context) -> [H, D]`` or ``[B, H, D]`` binary, row ``h`` = ``a_h(context)``.
        separator: the separator contexts ``S`` (each a context ``f`` accepts, unbatched); the
            perturbation adds ``Σ_s ⟨a_h(s), z_s⟩``. Default: one context ``None``.
        num_components: ``D``.

    Summary: cumulative score ``[B, H]`` of every policy (so ``best`` costs ``O(|S| H D)``).
    """

    def __init__(self, policy_actions: Callable[[Any], Any], num_components: int,
                 separator: Sequence[Any] = (None,)):
        if not callable(policy_actions):
            raise TypeError(f"policy_actions must be callable context -> [H, D], got {policy_actions!r}")
        self.policy_actions = policy_actions
        self.num_components = check_int("num_components", num_components)
        self.separator = list(separator)
        if not self.separator:
            raise ValueError("separator must hold at least one context")
        self.num_separator = len(self.separator)
        sep = [check_action_set(policy_actions(s), "policy_actions(separator)") for s in self.separator]
        self._sep = np.stack(sep).astype(np.float64)  # [S, H, D]
        if self._sep.shape[2] != self.num_components:
            raise ValueError(f"policy_actions returned D={self._sep.shape[2]}, expected {self.num_components}")
        self.num_policies = self._sep.shape[1]

    def _table(self, context: Any, batch: int) -> np.ndarray:
        return _context_actions(self.policy_actions(context), None, batch)

    def init(self, batch: int) -> np.ndarray:
        return np.zeros((batch, self._sep.shape[1]))

    def add(self, summary: np.ndarray, context: Any, utility: np.ndarray) -> np.ndarray:
        return summary + np.einsum("bhd,bd->bh", self._table(context, summary.shape[0]), utility)

    def best(self, summary: np.ndarray, noise: np.ndarray) -> np.ndarray:
        return np.argmax(summary + np.einsum("shd,bsd->bh", self._sep, noise), axis=1)

    def act(self, policy: np.ndarray, context: Any) -> np.ndarray:
        table = self._table(context, policy.shape[0])
        return table[np.arange(policy.shape[0]), policy]


class CallbackOracle:
    """Wrap a user ERM routine (e.g. a weighted-classification solver) as an :class:`ERMOracle`.

    Args:
        fit: ``fit(contexts, utilities [B, n, D], separator, noise [B, |S|, D]) -> policy`` returns,
            per run, a maximiser of ``Σ_i ⟨a_h(contexts[i]), utilities[:, i]⟩ + Σ_s ⟨a_h(s), noise_s⟩``;
            ``contexts`` is the list of the ``n`` past round contexts as they were passed.
        act: ``act(policy, context) -> [B, D]`` binary.
        separator: the separator contexts (passed back to ``fit`` unchanged).
        num_components: ``D``.

    Summary: the data set ``(contexts, utilities)`` itself (``fit`` sees all of it each call).
    """

    def __init__(self, fit: Callable[..., Any], act: Callable[[Any, Any], Any], separator: Sequence[Any],
                 num_components: int):
        if not callable(fit) or not callable(act):
            raise TypeError("fit and act must be callables")
        self.fit, self._act = fit, act
        self.separator = list(separator)
        if not self.separator:
            raise ValueError("separator must hold at least one context")
        self.num_separator = len(self.separator)
        self.num_components = check_int("num_components", num_components)

    def init(self, batch: int) -> tuple[tuple[Any, ...], np.ndarray]:
        return (), np.zeros((batch, 0, self.num_components))

    def add(self, summary: Any, context: Any, utility: np.ndarray) -> Any:
        contexts, utils = summary
        return contexts + (context,), np.concatenate([utils, utility[:, None, :]], axis=1)

    def best(self, summary: Any, noise: np.ndarray) -> Any:
        contexts, utils = summary
        return self.fit(list(contexts), utils, self.separator, noise)

    def act(self, policy: Any, context: Any) -> np.ndarray:
        out = np.asarray(self._act(policy, context)).astype(bool)
        return out


# ---------------------------------------------------------------------------------------------
# FTPL with geometric resampling
# ---------------------------------------------------------------------------------------------
class FTPLState(NamedTuple):
    """State of :class:`FTPLSemiBandit`."""

    t: np.ndarray  # [B] int64 rounds played by each run
    key: np.ndarray  # [B] uint64 learner keys
    summary: Any  # the oracle's data set (e.g. cumulative utility [B, D] or scores [B, H])


def geometric_resampling_mean(p: float, max_resamples: int) -> float:
    """``E[min(G, M)]`` for ``G ~ Geometric(p)``: ``(1 - (1-p)^M) / p`` (→ ``1/p`` as ``M → ∞``)."""
    return (1.0 - (1.0 - p) ** max_resamples) / p


class FTPLSemiBandit:
    r"""(Context-)Semi-Bandit FTPL: perturbed ERM leader plus geometric-resampling loss estimates.

    .. math::
        h_t = \arg\max_h \sum_{\tau<t} \langle a_h(x_\tau), \hat u_\tau\rangle + \sum_{s\in S}\langle a_h(s), z_s/\epsilon\rangle,
        \quad z_{s,j} \sim \text{noise},\qquad
        \hat u_{t,j} = u_{t,j} K_{t,j}\,1[a_{t,j}=1],

    where ``K_{t,j}`` is the number of fresh perturbed leaders drawn (on the same data) until one
    switches ``j`` on, truncated at ``M``: ``E[K_{t,j}] = (1-(1-P_{t,j})^M)/P_{t,j}``, i.e.
    ``1/P_{t,j}`` up to the truncation (Neu & Bartók 2013). Revealed coordinates use ``u`` as is.
    Regret ``O(m sqrt(D T ln D))`` for fixed sets with exponential noise (Neu & Bartók 2016);
    ``O(T^{2/3})`` in the contextual separator form (Syrgkanis et al. 2016).

    ``strategy`` is the one-hot ``[B, M]`` of the perturbed leader (the driver then plays it with
    probability 1); it needs an oracle that numbers its policies (``num_policies``:
    :class:`FixedSetOracle`, :class:`EnumerationOracle`). ``act`` works with every oracle.
    """

    feedback = SemiBandit
    name = "ftpl_semibandit"

    def __init__(self, oracle: Any, epsilon: float | None = None, horizon: int | None = None,
                 max_resamples: int | None = None, noise: str = "laplace",
                 reward_range: tuple[float, float] = (-1.0, 0.0)):
        if isinstance(oracle, np.ndarray) or isinstance(oracle, list):
            oracle = FixedSetOracle(oracle)
        if not isinstance(oracle, ERMOracle):
            raise TypeError("oracle must implement ERMOracle (num_components, num_separator, init, add, best, act) "
                            f"or be an action matrix [M, D], got {type(oracle).__name__}")
        if noise not in NOISES:
            raise ValueError(f"noise must be one of {', '.join(NOISES)}, got {noise!r}")
        self.oracle, self.noise = oracle, noise
        self.horizon = None if horizon is None else check_int("horizon", horizon)
        self.reward_range = check_range("reward_range", reward_range)
        lo, hi = self.reward_range
        d = oracle.num_components
        if epsilon is None:
            if self.horizon is None:
                raise ValueError("ftpl_semibandit needs epsilon > 0 or horizon >= 1 (to tune epsilon)")
            # Neu & Bartók (2016): eta = sqrt(ln(D/m) / (D T)) for losses in [0, 1]; ln(D/m) <= ln D.
            epsilon = math.sqrt(max(math.log(d), 1.0) / (d * self.horizon)) / (hi - lo)
        self.epsilon = check_positive("epsilon", epsilon)
        if max_resamples is None:
            if self.horizon is None:
                raise ValueError("ftpl_semibandit needs max_resamples >= 1 or horizon >= 1")
            max_resamples = int(math.ceil(math.sqrt(d * self.horizon)))
        self.max_resamples = check_int("max_resamples", max_resamples)

    @property
    def num_policies(self) -> int | None:
        """``M`` when the oracle numbers its policies, else ``None``."""
        m = getattr(self.oracle, "num_policies", None)
        return None if m is None else int(m)

    def init(self, keys: Any, num_actions: int | None = None) -> FTPLState:
        """State for ``B = len(keys)`` runs; ``num_actions``, if given, is the number of policies ``M``
        (checked against the oracle's ``num_policies`` when it has one)."""
        key = init_keys(keys)
        if num_actions is not None:
            num_actions = check_int("num_actions", num_actions)
            if self.num_policies is not None and num_actions != self.num_policies:
                raise ValueError(f"num_actions must equal the oracle's number of policies {self.num_policies}, "
                                 f"got {num_actions}")
        return FTPLState(round_counter(key.size), key, self.oracle.init(key.size))

    def _perturbation(self, keys: np.ndarray, counter: Any) -> np.ndarray:
        """Noise ``[B, |S|, D]`` scaled by ``1/ε`` for round ``counter`` (an int or ``[B]``)."""
        s, d = self.oracle.num_separator, self.oracle.num_components
        z = noise(self.noise, keys, counter, s * d).reshape(np.size(keys), s, d)
        return z / self.epsilon

    def leader(self, state: FTPLState) -> Any:
        """This round's perturbed leader (policy encoding of the oracle), deterministic in ``state``."""
        return self.oracle.best(state.summary, self._perturbation(rng.derive(state.key, STREAM_NOISE), state.t))

    def strategy(self, state: FTPLState, context: Any = None) -> np.ndarray:
        """The one-hot ``[B, M]`` of this round's perturbed leader (it does not depend on ``context``)."""
        m = self.num_policies
        if m is None:
            raise TypeError(f"ftpl_semibandit.strategy needs an oracle that numbers its policies (num_policies), "
                            f"got {self.oracle!r}; use act(state, context) or FixedSetOracle / EnumerationOracle")
        h = np.asarray(self.leader(state))
        out = np.zeros((h.size, m))
        out[np.arange(h.size), h] = 1.0
        return out

    def chosen(self, policy: Any, context: Any = None) -> np.ndarray:
        """The components ``[B, D]`` bool that the policies ``policy`` switch on (the oracle's ``act``)."""
        context, _ = _unwrap(context, None)
        return np.asarray(self.oracle.act(policy, context)).astype(bool)

    def act(self, state: FTPLState, context: Any = None) -> tuple[Any, np.ndarray]:
        """``(policy, chosen [B, D] bool)`` of the perturbed leader on ``context``."""
        context, _ = _unwrap(context, None)
        policy = self.leader(state)
        return policy, self.oracle.act(policy, context)

    def resample_counts(self, state: FTPLState, context: Any, chosen: np.ndarray) -> np.ndarray:
        """Geometric resampling counts ``K [B, D]`` (1..M on chosen coordinates, 0 elsewhere).

        One stream of fresh perturbed leaders per run serves all coordinates (each ``K_j`` is then
        Geometric(``P_j``) truncated at ``M``); the loop stops when every chosen coordinate is hit.
        """
        context, _ = _unwrap(context, None)
        counts = np.zeros(chosen.shape, dtype=np.int64)
        pending = chosen.copy()
        keys = rng.derive(state.key, STREAM_RESAMPLE)
        base = np.asarray(state.t) * self.max_resamples
        for k in range(1, self.max_resamples + 1):
            if not pending.any():
                break
            hit = self.oracle.act(self.oracle.best(state.summary, self._perturbation(keys, base + k - 1)), context)
            done = pending & hit
            counts[done] = k
            pending &= ~hit
        counts[pending] = self.max_resamples
        return counts

    def update(self, state: FTPLState, feedback: SemiBandit, context: Any = None,
               revealed: Any = None) -> FTPLState:
        """Add the geometric-resampling estimate ``û_t`` (with ``x_t`` = the round's context) to the oracle's data.

        Args:
            feedback: ``SemiBandit(chosen [B, D], reward [B, D], context=...)``.
            context: the round's context, if not in ``feedback.context`` (a
                :class:`SemiBanditRound` also carries the revealed coordinates).
            revealed: optional ``[D]`` / ``[B, D]`` bool coordinates observed whatever was played.
        """
        if context is None:
            context = getattr(feedback, "context", None)
        context, revealed = _unwrap(context, revealed)
        d = self.oracle.num_components
        b = int(state.key.size)
        rev = _revealed_mask(revealed, b, d)
        chosen, reward = _check_semibandit(feedback, b, d, *self.reward_range, rev)
        contains = getattr(self.oracle, "contains", None)
        if contains is not None:
            played = np.asarray(contains(chosen, context), dtype=bool)
            if not played.all():
                run = int(np.argmin(played))
                raise ValueError(f"feedback.chosen of run {run} is not one of the round's actions of {self.oracle!r} "
                                 "(play the action of the policy strategy() or act() gives)")
        counts = self.resample_counts(state, context, chosen & ~rev)
        est = np.where(rev, reward, reward * counts)
        return state._replace(t=state.t + 1, summary=self.oracle.add(state.summary, context, est))

    def __repr__(self) -> str:
        return learner_repr(self, self.name)


_FTPL_TESTS = [
    {"oracle": m_sets(4, 2), "horizon": 100, "reward_range": (-1e6, 1e6)},
    {"oracle": FixedSetOracle(np.eye(3, dtype=bool)), "epsilon": 0.5, "max_resamples": 10, "noise": "gumbel"},
    {"oracle": EnumerationOracle(lambda x: m_sets(4, 2)[[(x + i) % 6 for i in range(6)]], 4, separator=[0, 1]),
     "epsilon": 0.3, "max_resamples": 8, "noise": "exponential", "reward_range": (-1e6, 1e6)},  # contextual
]


@register("ftpl_semibandit", family="semibandits", tunes=("horizon", "reward_range"), test_params=_FTPL_TESTS)
def ftpl_semibandit(oracle: Any, epsilon: float | None = None, horizon: int | None = None,
                    max_resamples: int | None = None, noise: str = "laplace",
                    reward_range: tuple[float, float] = (-1.0, 0.0)) -> FTPLSemiBandit:
    r"""Context-Semi-Bandit FTPL with an ERM oracle and geometric resampling (truncation ``M``).

    .. math::
        h_t = \arg\max_h \sum_{\tau<t}\langle a_h(x_\tau), \hat u_\tau\rangle + \sum_{s\in S}\langle a_h(s), z_s\rangle/\epsilon,
        \qquad \hat u_{t,j} = u_{t,j}\, K_{t,j}\, 1[a_{t,j}=1],

    ``K_{t,j}``: fresh perturbed leaders drawn until one switches ``j`` on, at most ``M``.

    Args:
        oracle: an :class:`ERMOracle` (:class:`FixedSetOracle`, :class:`TopMOracle`,
            :class:`EnumerationOracle`, :class:`CallbackOracle`) or an action matrix ``[M, D]``.
        epsilon: perturbation rate (noise scale ``1/ε``); default tuned from ``horizon``.
        horizon: ``T``, for the default ``epsilon`` and ``max_resamples``.
        max_resamples: truncation ``M`` of geometric resampling (default ``ceil(sqrt(D T))``;
            spec §6.3 suggests ``M ≍ T^{1/3}`` in the contextual form).
        noise: ``laplace`` (spec §6.3), ``exponential`` (Neu & Bartók), ``gumbel`` or ``gaussian``.
        reward_range: declared ``(low, high)`` of component utilities; values outside raise.

    Returns:
        An :class:`FTPLSemiBandit`: ``init(keys [B], M)``, ``strategy(state) -> [B, M]`` one-hot
        (numbered oracles), ``act(state, context) -> (policy, chosen [B, D])``,
        ``update(state, SemiBandit(chosen [B, D], reward [B, D], context=...))``.

    Example:
        >>> from regretlab.core import SemiBandit, rng
        >>> learner = ftpl_semibandit(TopMOracle(5, 2), epsilon=1.0, max_resamples=10)
        >>> s = learner.init(rng.spawn_keys(0, 3))
        >>> _, chosen = learner.act(s)
        >>> chosen.sum(axis=1).tolist()
        [2, 2, 2]
        >>> s = learner.update(s, SemiBandit(chosen, np.where(chosen, -0.5, 0.0)))
        >>> s.t.tolist()
        [1, 1, 1]

    Paper: Neu & Bartók, "An efficient algorithm for learning with semi-bandit feedback", ALT 2013
    (JMLR 2016); Syrgkanis, Krishnamurthy & Schapire, "Efficient algorithms for adversarial
    contextual learning", ICML 2016.
    """
    return FTPLSemiBandit(oracle, epsilon, horizon, max_resamples, noise, reward_range)


# ---------------------------------------------------------------------------------------------
# a semi-bandit world for the one driver
# ---------------------------------------------------------------------------------------------
class SemiBanditState(NamedTuple):
    """State of :class:`SemiBanditSetting`: the round counter and the round just played."""

    t: int  # rounds played
    utility: np.ndarray | None = None  # [B, D] component utilities of the last round
    table: np.ndarray | None = None  # [B, M, D] bool action table of the last round


class SemiBanditSetting:
    r"""A one-player semi-bandit setting for :func:`regretlab.run.run`: component utilities and action tables.

    Round ``t``: the learner sees ``context`` (``None`` for a fixed table, else the round's table
    ``[B, M, D]`` or ``contexts[t]``), announces ``p_t [B, M]``; the driver draws ``h_t ~ p_t``;
    the learner receives ``SemiBandit(chosen = a_{h_t}, reward = u_t ⊙ (chosen ∨ revealed))`` and
    the ledger the utility of every action, ``⟨a_h, u_t⟩ [B, M]``, so ``trace.regret`` is the regret
    against the best fixed policy in hindsight, ``max_h Σ_t ⟨a_h(x_t), u_t⟩ - Σ_t ⟨p_t, A_t u_t⟩``.

    Args:
        utility: ``[T, D]`` component utilities shared by the runs, or ``[T, B, D]``.
        actions: fixed binary table ``[M, D]``, or one per round ``[T, M, D]`` / ``[T, B, M, D]``
            (row ``h`` = ``a_h(x_t)``).
        contexts: optional length-``T`` sequence shown to the learner instead of the table (what an
            oracle reads, e.g. the ``x_t`` an :class:`EnumerationOracle` maps to ``actions[t]``).
        revealed: optional ``[D]`` / ``[B, D]`` bool coordinates seen whatever is played (then the
            context is a :class:`SemiBanditRound`).
        utility_range: ``(low, high)`` of the component utilities (checked; given to learners
            made by name as ``reward_range``).

    Example:
        >>> from regretlab.core import rng
        >>> setting = SemiBanditSetting(-np.tile([0.9, 0.1, 0.5], (20, 1)), m_sets(3, 2))
        >>> state = setting.init(rng.spawn_keys(0, 2))
        >>> state, (u,) = setting.step(state, (np.full((2, 3), 1 / 3),), (np.array([0, 1]),))
        >>> u.round(2).tolist()        # utility of each of the 3 actions {0,1}, {0,2}, {1,2}
        [[-1.0, -1.4, -0.6], [-1.0, -1.4, -0.6]]
        >>> chosen, reward = setting.semi_bandit(state, 0, np.array([0, 1]))
        >>> chosen.astype(int).tolist(), reward.tolist()
        ([[1, 1, 0], [1, 0, 1]], [[-0.9, -0.1, 0.0], [-0.9, 0.0, -0.5]])
    """

    num_players = 1

    def __init__(self, utility: Any, actions: Any, contexts: Sequence[Any] | None = None,
                 revealed: Any = None, utility_range: tuple[float, float] = (-1.0, 0.0)):
        u = check_array("utility", utility)
        if u.ndim not in (2, 3):
            raise ValueError(f"utility must have shape [T, D] or [T, B, D], got {list(u.shape)}")
        self.utility_range = check_range("utility_range", utility_range)
        check_rewards("utility", u, u.shape, *self.utility_range)
        arr = np.asarray(actions)
        if arr.ndim == 2:
            table = check_action_set(arr)
        elif arr.ndim in (3, 4):
            table = check_action_set(arr.reshape((-1,) + arr.shape[-2:]), "actions", batched=True).reshape(arr.shape)
            if arr.shape[0] != u.shape[0]:
                raise ValueError(f"actions per round must have T={u.shape[0]} rounds on axis 0, got {list(arr.shape)}")
        else:
            raise ValueError(f"actions must have shape [M, D], [T, M, D] or [T, B, M, D], got {list(arr.shape)}")
        if table.shape[-1] != u.shape[-1]:
            raise ValueError(f"actions have D={table.shape[-1]} components, utility has D={u.shape[-1]}")
        if u.ndim == 3 and table.ndim == 4 and table.shape[1] != u.shape[1]:
            raise ValueError(f"actions [T, B, M, D] and utility [T, B, D] disagree on B: {table.shape[1]} vs {u.shape[1]}")
        if contexts is not None and len(contexts) != u.shape[0]:
            raise ValueError(f"contexts must hold one context per round ({u.shape[0]}), got {len(contexts)}")
        self.utility, self.actions, self.contexts = u, table, contexts
        self.revealed = None if revealed is None else np.asarray(revealed, dtype=bool)
        self.horizon = u.shape[0]
        self.num_components = u.shape[-1]
        self.num_actions = (table.shape[-2],)
        self.name = f"semi_bandit(T={self.horizon}, M={table.shape[-2]}, D={self.num_components})"

    def _batch(self, b: int) -> None:
        for what, arr, axis in (("utility", self.utility, 1 if self.utility.ndim == 3 else None),
                                ("actions", self.actions, 1 if self.actions.ndim == 4 else None)):
            if axis is not None and arr.shape[axis] != b:
                raise ValueError(f"{what} holds {arr.shape[axis]} runs, the driver asked for batch={b}")

    def init(self, keys: Any) -> SemiBanditState:
        self._batch(int(np.size(keys)))
        return SemiBanditState(0)

    def _round(self, t: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        if t >= self.horizon:
            raise ValueError(f"SemiBanditSetting ran past its {self.horizon} rounds")
        u = self.utility[t]
        u = np.broadcast_to(u, (b, self.num_components)) if u.ndim == 1 else u
        table = self.actions if self.actions.ndim == 2 else self.actions[t]
        table = np.broadcast_to(table, (b,) + table.shape) if table.ndim == 2 else table
        return u, table

    def context(self, state: SemiBanditState, player: int) -> Any:
        t = state.t
        if self.contexts is not None:
            ctx = self.contexts[t]
        elif self.actions.ndim > 2:
            ctx = self.actions[t]
        else:
            ctx = None
        return ctx if self.revealed is None else SemiBanditRound(ctx, self.revealed)

    def step(self, state: SemiBanditState, strategies: tuple[np.ndarray, ...],
             actions: tuple[np.ndarray | None, ...]) -> tuple[SemiBanditState, tuple[np.ndarray, ...]]:
        b = strategies[0].shape[0]
        u, table = self._round(state.t, b)
        return SemiBanditState(state.t + 1, u, table), (np.einsum("bmd,bd->bm", table.astype(np.float64), u),)

    def semi_bandit(self, state: SemiBanditState, player: int, action: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(chosen [B, D] bool, reward [B, D])`` of the round just played, for the drawn ``action [B]``."""
        if state.table is None or state.utility is None:
            raise ValueError("semi_bandit() answers for the round just played: call step() first")
        chosen = state.table[np.arange(state.table.shape[0]), action]
        seen = chosen if self.revealed is None else chosen | self.revealed
        return chosen, np.where(seen, state.utility, 0.0)

    def __repr__(self) -> str:
        return self.name
