"""Shared machinery of full-information learners: state, input checks, rate schedules.

Most experts algorithms are *cumulative*: they keep one accumulated signal per action (total
utility for Hedge/FTRL/FTPL, total regret for regret matching) and map it to a strategy. Such a
learner implements three pieces, and the wrappers (:func:`optimistic`, :func:`swap`) compose
with any of them:

* ``strategy_from(state, signal) -> [B, K]`` the map from an accumulated signal to a strategy;
* ``increment(state, utility, played) -> [B, K]`` what one round adds to the signal;
* ``advance(state, utility, played) -> state`` the update given the strategy actually played.

Every state carries a per-run round counter ``t [B]`` (int64): the rounds each run has learned
from. A run whose feedback has no awake action (``FullInfo(u, awake)`` with an all-``False``
row) receives no feedback that round: its state, ``t`` included, is left exactly as it was
(:func:`keep_rows`), so runs of one batch may be at different rounds. Rates that depend on the
round are then computed per run (:func:`per_run`); when every run is at the same round (the
common case) they are one number for the batch, computed as before.
"""

from __future__ import annotations

import math
from typing import Any, Callable, NamedTuple

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_array, check_int
from regretlab.core.kernels import every_row_has_one
from regretlab.core.types import FullInfo


class CumulativeState(NamedTuple):
    """State of a cumulative learner."""

    t: np.ndarray  # [B] int64 rounds each run has learned from
    key: np.ndarray  # [B] uint64 learner random keys
    signal: np.ndarray  # [B, K] accumulated signal (utility or regret)
    aux: Any = None  # learner-specific extra arrays (documented by each learner)


def init_keys(keys: Any) -> np.ndarray:
    """Validate run keys ``[B]`` and derive the learner's own stream."""
    arr = np.asarray(keys)
    if arr.ndim != 1 or arr.size < 1 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(
            f"keys must be a 1-d integer array of run keys (see regretlab.core.rng.spawn_keys), "
            f"got shape {list(arr.shape)} dtype {arr.dtype}"
        )
    return rng.derive(arr.astype(np.uint64), "learner")


def zero_rounds(batch: int) -> np.ndarray:
    """A fresh per-run round counter: ``[B]`` int64 zeros."""
    return np.zeros(batch, dtype=np.int64)


def per_run(fn: Callable[[int], float], t: np.ndarray) -> float | np.ndarray:
    """``fn(t_b)`` for the per-run round counters ``t [B]``.

    One float when every run is at the same round (the common case: ``fn`` is called once, with
    a Python int, exactly as with a batch-wide counter), else a ``[B]`` array computed once per
    distinct round (so row ``b`` is bit for bit what a solo run at round ``t_b`` computes).

    Example:
        >>> per_run(lambda t: 1.0 / (t + 1), np.array([3, 3]))
        0.25
        >>> per_run(lambda t: 1.0 / (t + 1), np.array([3, 0, 3])).tolist()
        [0.25, 1.0, 0.25]
    """
    t = np.asarray(t)
    if t.ndim == 0:  # a batch-wide int (states written before t became per-run)
        return fn(int(t))
    first = int(t[0])
    if t.size == 1 or (t == first).all():
        return fn(first)
    values, inverse = np.unique(t, return_inverse=True)
    return np.array([fn(int(v)) for v in values], dtype=np.float64)[inverse.reshape(-1)]


def column(x: float | np.ndarray) -> float | np.ndarray:
    """A per-run value ready to scale ``[B, K]`` rows: a number as it is, ``[B]`` as ``[B, 1]``."""
    return x[:, None] if isinstance(x, np.ndarray) and x.ndim == 1 else x


def learned_rows(awake: np.ndarray | None, batch: int) -> np.ndarray | None:
    """``[B]`` bool: the runs that receive feedback (some action awake); ``None`` when all do."""
    if awake is None or every_row_has_one(awake):
        return None
    return awake.any(axis=1)


def keep_rows(rows: np.ndarray | None, new: Any, old: Any) -> Any:
    """Per run, the ``new`` state where ``rows`` and the ``old`` one elsewhere.

    Every array of a learner state leads with the batch axis ``B`` (nested states are walked;
    anything else, e.g. an int ``K``, is taken from ``new``). ``rows=None`` means every run.
    """
    if rows is None or rows.all():
        return new
    if not rows.any():
        return old
    return _select(rows, new, old)


def keep_asleep(feedback: Any, new: Any, old: Any) -> Any:
    """``new`` for the runs that received feedback, ``old`` for those whose ``feedback.awake`` row
    is all ``False`` (every action asleep: no feedback, so no change, ``t`` included).

    The one line a new experts learner needs for the contract's all-asleep rule (checked by
    the conformance suite).

    Example:
        >>> from regretlab.core import FullInfo
        >>> fb = FullInfo(np.zeros((2, 2)), awake=np.array([[True, False], [False, False]]))
        >>> keep_asleep(fb, (np.array([1, 1]),), (np.array([0, 0]),))[0].tolist()
        [1, 0]
    """
    awake = getattr(feedback, "awake", None)
    if awake is None:
        return new
    return keep_rows(learned_rows(np.asarray(awake, dtype=bool), len(awake)), new, old)


def _select(rows: np.ndarray, new: Any, old: Any) -> Any:
    if isinstance(new, tuple):
        fields = [_select(rows, a, b) for a, b in zip(new, old)]
        return type(new)(*fields) if hasattr(new, "_fields") else tuple(fields)
    if isinstance(new, np.ndarray) and new.ndim >= 1 and new.shape[0] == rows.shape[0]:
        return np.where(rows.reshape((-1,) + (1,) * (new.ndim - 1)), new, old)
    return new


def check_utility(feedback: Any, batch: int, k: int, awake: np.ndarray | None = None) -> np.ndarray:
    """The ``[B, K]`` finite utility of a FullInfo feedback, or a clear error.

    With an ``awake [B, K]`` mask only the awake entries must be finite (asleep ones are never
    read, so a NaN placeholder is allowed; they come back as 0).
    """
    if not isinstance(feedback, FullInfo):
        raise TypeError(
            f"feedback must be FullInfo(utility=[B, K]) for a full-information learner, "
            f"got {type(feedback).__name__}"
        )
    if awake is None:
        return check_array("feedback.utility", feedback.utility, shape=(batch, k))
    utility = check_array("feedback.utility", feedback.utility, shape=(batch, k), finite=False)
    if np.isfinite(utility).all():  # the common case: nothing to hide
        return utility
    bad = ~np.isfinite(utility) & awake
    if bad.any():
        raise ValueError(f"feedback.utility must be finite on the awake actions, got a non-finite entry "
                         f"{utility[bad][0]!r}")
    return np.where(awake, utility, 0.0)


def awake_mask(context: Any, batch: int, k: int) -> np.ndarray | None:
    """The ``[B, K]`` bool awake mask carried by ``context`` / ``feedback.awake``, or ``None``.

    Only a boolean array is an awake mask (other contexts are not for experts learners and are
    ignored); one of the wrong shape is an error naming the shape expected.
    """
    if not isinstance(context, np.ndarray) or context.dtype != np.bool_:
        return None
    if context.shape != (batch, k):
        raise ValueError(f"awake mask (context) must have shape [{batch}, {k}], got {list(context.shape)}")
    return context


def mask_awake(strategy: np.ndarray, awake: np.ndarray | None) -> np.ndarray:
    """``strategy [B, K]`` restricted to the ``awake [B, K]`` actions and renormalised.

    Rows with no mass on asleep actions are returned as they are (so a learner that honours
    ``awake`` is not renormalised twice); a row with no mass on awake actions becomes uniform
    over them (uniform over all if none is awake).
    """
    if awake is None:
        return strategy
    awake = np.asarray(awake, dtype=bool)
    w = np.where(awake, strategy, 0.0)
    clean = ~np.any((strategy != 0) & ~awake, axis=1, keepdims=True)
    total = w.sum(axis=1, keepdims=True)
    count = awake.sum(axis=1, keepdims=True)
    fallback = np.where(count > 0, awake / np.maximum(count, 1), 1.0 / awake.shape[1])
    masked = np.where(total > 0, w / np.where(total > 0, total, 1.0), fallback)
    return np.where(clean & (total > 0), w, masked)


def credit_asleep(strategy: np.ndarray, utility: np.ndarray, awake: np.ndarray | None) -> np.ndarray:
    r"""Utilities with every asleep action credited with the played strategy's value.

    :math:`u'_a = u_a` if ``a`` is awake, else :math:`\langle p, u\rangle` with ``p`` =
    :func:`mask_awake` of ``strategy``. A learner that ignores ``awake`` and is fed ``u'`` has
    ``<strategy, u'> = <p, u>``: its own utility is the utility of what was really played, so its
    regret to every awake action is the true one, and its regret bound carries over (the
    "specialists" reduction of Freund, Schapire, Singer & Warmuth, STOC 1997). Asleep entries of
    ``utility`` are never read (a NaN placeholder is harmless).

    Args:
        strategy: ``[B, K]`` the learner's own strategy this round (before masking).
        utility: ``[B, K]`` utilities (only the awake entries matter).
        awake: ``[B, K]`` bool mask, or ``None`` (everything awake: ``utility`` is returned).

    Returns:
        ``[B, K]`` utilities to feed the learner.
    """
    if awake is None:
        return utility
    awake = np.asarray(awake, dtype=bool)
    u = np.where(awake, utility, 0.0)
    value = np.sum(mask_awake(strategy, awake) * u, axis=1, keepdims=True)
    return np.where(awake, u, value)


class CumulativeLearner:
    """Base class: a learner that maps an accumulated ``[B, K]`` signal to a strategy."""

    feedback = FullInfo
    name = "cumulative"
    # whether ``advance`` needs the strategy that was played (regret-based learners do);
    # learners that do not skip recomputing it in ``update``.
    uses_played = True

    def init(self, keys: Any, num_actions: int) -> CumulativeState:
        k = check_int("num_actions", num_actions, minimum=1)
        key = init_keys(keys)
        return CumulativeState(zero_rounds(key.size), key, np.zeros((key.size, k)), self.init_aux(key.size, k))

    def init_aux(self, batch: int, k: int) -> Any:
        return None

    # -- the three pieces ------------------------------------------------------------------
    def strategy_from(self, state: CumulativeState, signal: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def increment(self, state: CumulativeState, utility: np.ndarray, played: np.ndarray) -> np.ndarray:
        return utility

    def advance(self, state: CumulativeState, utility: np.ndarray, played: np.ndarray) -> CumulativeState:
        signal = state.signal + self.increment(state, utility, played)
        return state._replace(t=state.t + 1, signal=signal)

    # -- the public contract ----------------------------------------------------------------
    def strategy(self, state: CumulativeState, context: Any = None) -> np.ndarray:
        """``[B, K]`` strategy; with an awake mask as ``context``, restricted to the awake actions
        (:func:`mask_awake`)."""
        p = self.strategy_from(state, state.signal)
        return mask_awake(p, awake_mask(context, *state.signal.shape))

    def update(self, state: CumulativeState, feedback: Any) -> CumulativeState:
        """Next state; with ``feedback.awake`` the learner is charged for what it played on the
        awake actions and asleep actions are credited with that value (:func:`credit_asleep`);
        a run with no awake action is left as it was (``t`` too)."""
        b, k = state.signal.shape
        awake = awake_mask(getattr(feedback, "awake", None), b, k)
        utility = check_utility(feedback, b, k, awake)
        if awake is None:
            played = self.strategy(state) if self.uses_played else None
            return self.advance(state, utility, played)
        played = self.strategy(state, awake)
        new = self.advance(state, credit_asleep(played, utility, awake), played)
        return keep_rows(learned_rows(awake, b), new, state)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{self.name}({params})"


# -- learning-rate schedules ------------------------------------------------------------------
def tuned_hedge_rate(k: int, horizon: int) -> float:
    """``sqrt(8 ln K / T)``: Hedge's rate for losses in [0, 1] with known horizon ``T``.

    With it the regret is at most ``sqrt(T ln K / 2)`` (Cesa-Bianchi & Lugosi 2006, Thm 2.2).
    """
    return math.sqrt(8.0 * math.log(max(k, 2)) / horizon)


def anytime_hedge_rate(k: int, t: int) -> float:
    """``sqrt(8 ln K / t)`` at round ``t >= 1`` (Cesa-Bianchi & Lugosi 2006, Thm 2.3)."""
    return math.sqrt(8.0 * math.log(max(k, 2)) / max(t, 1))


class PlaysItsState(CumulativeLearner):
    """A learner whose ``signal`` is the strategy itself (starts uniform): OGD, Fixed-Share."""

    def init(self, keys: Any, num_actions: int) -> CumulativeState:
        state = super().init(keys, num_actions)
        return state._replace(signal=np.full_like(state.signal, 1.0 / state.signal.shape[1]))

    def strategy_from(self, state: CumulativeState, signal: np.ndarray) -> np.ndarray:
        return signal
