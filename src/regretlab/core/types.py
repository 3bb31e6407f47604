"""The learner contract: feedback types and the protocols learners and environments follow.

Sign convention: inside regretlab a learner receives *utilities* (higher is better).
Environments built from losses report ``utility = -loss``, so regret values are unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class FullInfo:
    """Every action's utility this round.

    Attributes:
        utility: ``[B, K]`` utility of each action.
        awake: optional ``[B, K]`` bool mask of the experts that were awake (sleeping experts);
            asleep experts' utilities are ignored by sleeping learners.
    """

    utility: np.ndarray  # [B, K]
    awake: np.ndarray | None = None  # [B, K] bool


@dataclass(frozen=True)
class Bandit:
    """Only the chosen action's utility.

    Attributes:
        action: ``[B]`` int, the action played.
        reward: ``[B]`` utility of that action.
        prob: ``[B]`` probability with which it was played (for importance weighting).
        context: what the learner was shown before acting this round (features, expert advice
            ``[B, N, K]``, an action table), or ``None``; contextual learners read it in
            ``update`` so that updates stay a function of ``(state, feedback)``.
    """

    action: np.ndarray  # [B]
    reward: np.ndarray  # [B]
    prob: np.ndarray  # [B]
    context: Any = None


@dataclass(frozen=True)
class SemiBandit:
    """Combinatorial semi-bandit: the utilities of the chosen components only.

    Attributes:
        chosen: ``[B, D]`` bool, the components of the played action.
        reward: ``[B, D]`` utility per component (zero where not chosen).
    """

    chosen: np.ndarray  # [B, D] bool
    reward: np.ndarray  # [B, D]
    context: Any = None  # the round's context (e.g. the action table [B, M, D]), as for Bandit


@dataclass(frozen=True)
class Gradient:
    """A (sub)gradient of the utility at the played point, ``[B, D]``."""

    grad: np.ndarray  # [B, D]


@dataclass(frozen=True)
class Label:
    """The target of a regression round, with the context it was predicted from.

    Attributes:
        x: the round's context, as given to ``predict``: features ``[B, D]`` (or a
            ``Grouped(x, groups)``, or a ``(phi, psi)`` pair).
        y: ``[B]`` targets.
        mask: ``[B]`` bool, the runs that learn this round (``None``: all of them).
    """

    x: Any  # [B, D]
    y: np.ndarray  # [B]
    mask: np.ndarray | None = None  # [B] bool


Feedback = FullInfo | Bandit | SemiBandit | Gradient | Label


@runtime_checkable
class Learner(Protocol):
    """A batched online learner: pure ``init``/``strategy``/``update`` over explicit state.

    ``init(keys, num_actions)`` builds the state for ``B = len(keys)`` independent runs, each with
    its own random key (see :mod:`regretlab.core.rng`). ``strategy(state, context)`` returns the
    ``[B, K]`` mixed strategies for this round; ``context`` is what the environment reveals before
    the round (an awake mask for sleeping experts), or ``None``. ``update(state, feedback)``
    returns the next state and never mutates its argument.
    """

    feedback: ClassVar[type]

    def init(self, keys: np.ndarray, num_actions: int) -> Any: ...

    def strategy(self, state: Any, context: Any = None) -> np.ndarray: ...

    def update(self, state: Any, feedback: Any) -> Any: ...


@runtime_checkable
class Environment(Protocol):
    """A batched stream of utilities (an adversary, a stochastic source or a recorded sequence).

    ``init(keys)`` builds the environment state for ``B`` runs. ``context(state)`` returns what is
    shown before the learner acts (``None`` for most; an awake mask ``[B, K]`` for sleeping
    experts). ``step(state, strategy)`` returns ``(next_state, utility [B, K])``; an adaptive
    adversary may look at ``strategy`` (the learner's announced ``[B, K]`` mixture).
    """

    num_actions: int

    def init(self, keys: np.ndarray) -> Any: ...

    def context(self, state: Any) -> Any: ...

    def step(self, state: Any, strategy: np.ndarray) -> tuple[Any, np.ndarray]: ...


@runtime_checkable
class Setting(Protocol):
    """Where learners play: a batched world of ``num_players`` players (one learner each).

    The one driver (:func:`regretlab.run.run`) plays a round as: every player ``i`` gets
    ``context(state, i)`` and announces ``p_i = strategy(...) [B, K_i]``; the driver draws
    ``a_i ~ p_i`` from the run's own action stream; ``step(state, strategies, actions)`` returns
    the next state and, per player, ``u_i [B, K_i]``: the utility of each of the player's actions
    given what the others did this round (the counterfactual that external regret compares with).
    The driver hands each learner the feedback it declares (``FullInfo(u_i)`` or
    ``Bandit(a_i, u_i[a_i], p_i[a_i])``) and writes ``(p_i, u_i, a_i)`` to the ledger, from which
    :mod:`regretlab.metrics.ledger` computes regret, CCE/CE gaps and averages.

    Optional members: ``utility_range`` (``(lo, hi)`` of utilities, for bandit learners made by
    name), ``mean_utility(state, i) -> [B, K_i]`` (pseudo-regret), ``evaluate(ledger) ->
    {name: [B]}`` (setting-specific metrics at each record, e.g. NashConv of the average play),
    and ``key_streams`` (how per-player keys are derived; see :func:`regretlab.run.player_keys`).
    """

    num_players: int
    num_actions: tuple[int, ...]

    def init(self, keys: np.ndarray) -> Any: ...

    def context(self, state: Any, player: int) -> Any: ...

    def step(self, state: Any, strategies: tuple[np.ndarray, ...],
             actions: tuple[np.ndarray, ...]) -> tuple[Any, tuple[np.ndarray, ...]]: ...
