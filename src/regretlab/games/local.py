"""CFR local rules: any experts learner, batched over one player's information sets.

A local rule is an experts (full-information) learner with the usual contract
``init(keys, K)``, ``strategy(state, context)``, ``update(state, FullInfo(utility, awake))``.
The CFR family runs one copy of it per information set of each player: player ``p``'s state
has batch axis = ``p``'s information sets (in increasing id order, :func:`infoset_groups`),
``K = A`` (the game's widest action set), and the legal actions are the awake mask. After a
sweep has computed the counterfactual values ``cfv [I_p, A]`` of the updating player, one step
(:func:`step`) is::

    u'(I,a) = cfv(I,a) if a is legal at I, else <sigma(I), cfv(I)>     (asleep = what was played)
    state   = local.update(state, FullInfo(u', awake=legal))
    sigma   = mask(local.strategy(state, legal), legal)                 (renormalised over legal)

Regret matching's instantaneous regret ``u - <sigma, u>`` is then exactly CFR's counterfactual
regret, so ``regret_matching()`` is CFR, ``regret_matching_plus()`` CFR+, and so on. Learners
that ignore ``awake`` are handled by the mask and by crediting illegal actions with the played
value (:func:`regretlab.experts._base.credit_asleep`): their regret to every legal action is
then the true one. Sleeping learners read the mask themselves.

The built-in regret-matching rules also have fused compiled kernels (:func:`fused_rule` says
which); :mod:`regretlab.games.cfr` picks them automatically and converts their state with
:func:`gather` / :func:`scatter`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from regretlab.core import rng
from regretlab.core.types import FullInfo
from regretlab.experts._base import CumulativeState, credit_asleep, mask_awake
from regretlab.experts.regret_matching import (
    DiscountedRegretMatching,
    RegretMatching,
    RegretMatchingPlus,
)
from regretlab.experts.wrappers import Optimistic, OptimisticState
from regretlab.games.treeplex import Treeplex


def check_local(local: Any, what: str = "local") -> Any:
    """``local`` if it is a full-information learner (``init``/``strategy``/``update``), else a
    ``TypeError`` that names ``what``."""
    if isinstance(local, str) or not all(callable(getattr(local, m, None)) for m in ("init", "strategy", "update")):
        raise TypeError(
            f"{what} must be an experts learner with init/strategy/update (e.g. regret_matching_plus(), "
            f"hedge(lr=0.1), or regretlab.core.registry.learners.make(name)), got {local!r}")
    feedback = getattr(local, "feedback", FullInfo)
    if feedback is not FullInfo:
        raise TypeError(f"{what} must be a full-information learner (feedback FullInfo), got "
                        f"{local!r} with feedback {getattr(feedback, '__name__', feedback)}")
    return local


def rule_name(local: Any) -> str:
    """A short label for ``local`` (its ``name`` attribute, else its class name)."""
    return str(getattr(local, "name", type(local).__name__))


def infoset_groups(game: Treeplex) -> tuple[np.ndarray, np.ndarray]:
    """Information sets grouped by player (increasing ids inside a group) and group starts.

    Returns:
        members: ``[I]`` int64 information-set ids; player ``p``'s are
            ``members[start[p]:start[p + 1]]``. start: ``[P + 1]`` int64.

    Memoised on ``game.meta`` (read-only arrays derived from the game).
    """
    cached = game.meta.get("_members")
    if cached is None:
        members = np.argsort(game.infoset_player, kind="stable").astype(np.int64)
        counts = np.bincount(game.infoset_player, minlength=game.num_players)
        start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        members.flags.writeable = start.flags.writeable = False
        cached = (members, start)
        game.meta["_members"] = cached
    return cached


def player_rows(game: Treeplex) -> list[np.ndarray]:
    """``[P]`` arrays of each player's information-set ids (increasing)."""
    members, start = infoset_groups(game)
    return [members[start[p]:start[p + 1]] for p in range(game.num_players)]


def init_states(local: Any, game: Treeplex, seed: int) -> tuple[Any, ...]:
    """One local-rule state per player (``None`` for a player without information sets).

    Information set ``s`` gets key ``split(spawn_keys(seed, 1), I)[0, s]``, whoever owns it.
    """
    keys = rng.split(rng.spawn_keys(seed, 1), max(game.num_infosets, 1))[0]
    return tuple(local.init(keys[rows], game.max_actions) if rows.size else None
                 for rows in player_rows(game))


def policy_rows(local: Any, state: Any, legal: np.ndarray) -> np.ndarray:
    """``[I_p, A]`` the rule's strategy on legal actions only (renormalised)."""
    return mask_awake(np.asarray(local.strategy(state, legal), dtype=np.float64), legal)


def initial_policy(local: Any, states: tuple[Any, ...], game: Treeplex) -> np.ndarray:
    """``[I, A]`` the strategy the first iteration plays."""
    out = np.zeros(game.legal_mask.shape)
    for rows, st in zip(player_rows(game), states):
        if st is not None:
            out[rows] = policy_rows(local, st, game.legal_mask[rows])
    return out


def step(local: Any, state: Any, cfv: np.ndarray, legal: np.ndarray,
         played: np.ndarray) -> tuple[Any, np.ndarray]:
    """One update of the rule at one player's information sets (module docstring).

    Args:
        local: the learner.
        state: its state over the player's ``I_p`` information sets.
        cfv: ``[I_p, A]`` counterfactual values (anything on illegal actions).
        legal: ``[I_p, A]`` bool legal actions (the awake mask).
        played: ``[I_p, A]`` the strategy the sweep used (zero on illegal actions).

    Returns:
        (next state, ``[I_p, A]`` next strategy).
    """
    utility = credit_asleep(played, cfv, legal)
    state = local.update(state, FullInfo(utility, awake=legal))
    return state, policy_rows(local, state, legal)


DTYPES = ("float64", "float32")


def check_dtype(dtype: Any, what: str = "dtype") -> str:
    """``dtype`` if it names a storage type of regrets and averages (``"float64"``, the default,
    or ``"float32"``, half the memory), else a ValueError naming ``what``."""
    name = getattr(np.dtype(dtype), "name", None) if not isinstance(dtype, str) else dtype
    if name not in DTYPES:
        raise ValueError(f"{what} must be one of {', '.join(DTYPES)}, got {dtype!r}")
    return name


# -- fused specialisations of the built-in rules -------------------------------------------------


@dataclass(frozen=True)
class FusedRule:
    """What the compiled CFR kernels do per information set (see ``kernels.local_update``)."""

    floor: bool  # regret matching+: clip cumulative regrets at 0
    predictive: bool  # play [R + r_last]^+ (optimistic(...) of a regret-matching rule)
    # DCFR: t -> (multiplier of positive, of negative regrets) after iteration t; None: kept
    discounts: Callable[[int], tuple[float, float]] | None = None

    def scales(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``[T]`` multipliers of positive and negative cumulative regrets at iterations ``t``
        (1-based), computed by the learner's own ``discounts`` so both paths agree exactly."""
        t = np.asarray(t, dtype=np.float64)
        if self.discounts is None:
            return np.ones_like(t), np.ones_like(t)
        pos, neg = zip(*(self.discounts(int(x)) for x in t)) if t.size else ((), ())
        return np.array(pos, dtype=np.float64), np.array(neg, dtype=np.float64)


def fused_rule(local: Any) -> FusedRule | None:
    """The compiled form of ``local`` when it is a built-in regret-matching rule, else ``None``.

    Recognised (exact classes, so a subclass that changes behaviour is never fused):
    ``regret_matching()`` (CFR), ``regret_matching_plus()`` (CFR+),
    ``discounted_regret_matching(α, β)`` (DCFR; (1, 1) is linear CFR) and ``optimistic(...)`` of
    any of them (PCFR+ is ``optimistic(regret_matching_plus())``).
    """
    predictive = False
    if type(local) is Optimistic:
        local, predictive = local.base, True
    kind = type(local)
    if kind is RegretMatching:
        return FusedRule(False, predictive)
    if kind is RegretMatchingPlus:
        return FusedRule(True, predictive)
    if kind is DiscountedRegretMatching:
        return FusedRule(False, predictive, local.discounts)
    return None


def _parts(rule: FusedRule, state: Any) -> tuple[CumulativeState, np.ndarray | None]:
    if rule.predictive:
        if not isinstance(state, OptimisticState) or not isinstance(state.base, CumulativeState):
            raise TypeError(f"the local rule's state must be an OptimisticState, got {type(state).__name__}")
        return state.base, state.prediction
    if not isinstance(state, CumulativeState):
        raise TypeError(f"the local rule's state must be a CumulativeState, got {type(state).__name__}")
    return state, None


def gather(rule: FusedRule, states: tuple[Any, ...], game: Treeplex,
           dtype: Any = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """``[I, A]`` cumulative regrets and last instantaneous regrets (zero unless predictive),
    stored as ``dtype`` (float64, or float32 for the fused kernels' float32 storage)."""
    regret = np.zeros(game.legal_mask.shape, dtype=dtype)
    last = np.zeros(game.legal_mask.shape, dtype=dtype)
    for rows, st in zip(player_rows(game), states):
        if st is None:
            continue
        base, prediction = _parts(rule, st)
        regret[rows] = base.signal
        if prediction is not None:
            last[rows] = prediction
    return regret, last


def scatter(rule: FusedRule, states: tuple[Any, ...], game: Treeplex, regret: np.ndarray,
            last: np.ndarray, t: int) -> tuple[Any, ...]:
    """The per-player states holding ``regret`` / ``last`` after ``t`` iterations (inverse of
    :func:`gather`; keys are kept). Every information set has learned at every iteration, so
    the per-run round counter is ``t [I_p]`` = ``t`` at each of them."""
    out: list[Any] = []
    for rows, st in zip(player_rows(game), states):
        if st is None:
            out.append(None)
            continue
        base, _ = _parts(rule, st)
        rounds = np.full(rows.size, int(t), dtype=np.int64)
        base = base._replace(t=rounds, signal=regret[rows])
        out.append(OptimisticState(rounds.copy(), st.key, base, last[rows]) if rule.predictive else base)
    return tuple(out)


def same_states(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """Whether two tuples of local states hold equal arrays and counters (tests, resumes)."""
    def leaves(x: Any) -> list:
        if isinstance(x, tuple):
            return [y for item in x for y in leaves(item)]
        return [x]

    la, lb = leaves(a), leaves(b)
    return len(la) == len(lb) and all(
        (x is None and y is None) or (x is not None and y is not None and np.array_equal(x, y))
        for x, y in zip(la, lb))
