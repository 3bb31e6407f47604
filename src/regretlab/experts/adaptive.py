r"""Adaptive regret: meta-learners over copies of a base experts learner started at different rounds.

*Adaptive regret* is the worst regret over any interval ``I = [r, s]`` of rounds (Hazan &
Seshadhri 2009), *strongly adaptive* regret the worst over intervals of length ``tau``
(Daniely, Gonen & Shalev-Shwartz 2015). A learner with low external regret can have regret
linear in ``|I|`` on a late interval (Hedge keeps playing the early leader); these learners run
copies ("instances") of any base experts learner, each started at some round, and mix their
strategies with a meta-learner, so each interval is covered by instances that saw only it.

* :func:`flh` — Follow-the-Leading-History (Hazan & Seshadhri, ICML 2009): a new instance every
  round, Hedge over the instances; with ``prune=True`` (default) geometric lifetimes keep at
  most ``3 (floor(log2 t) + 1)`` instances alive.
* :func:`cbce` — coin betting over geometric covering intervals (CBCE; Jun, Orabona, Wright &
  Willett, AISTATS 2017, on the covering intervals of SAOL, Daniely et al. 2015): one instance per
  interval ``[i 2^k, (i+1) 2^k - 1]``, a sleeping Krichevsky–Trofimov bettor per instance.
* :func:`saol` — the Strongly Adaptive Online Learner (Daniely, Gonen & Shalev-Shwartz, ICML
  2015): the same covering intervals, multiplicative weights ``w_J (1 + η_J r_J)`` over them.

Both compose with any full-information learner: ``flh(base=hedge(lr=0.1))``,
``cbce(base=adahedge())``, or a registered name (``cbce(base="ada_normal_hedge")``). The base's
copies live in one batched base state of ``B * M`` rows (copy ``m`` of run ``b`` is row
``b * M + m``); the number ``M`` of slots grows as the runs go (a batch uses the largest count
any of its runs needs; an unused slot has weight 0). Utilities of a round are assumed to lie in
an interval of width 1 (losses in [0, 1]), as for Hedge's tuned rates. Awake masks are honoured
as by the other experts learners (asleep actions are credited with the value of what was
played, :func:`~regretlab.experts._base.credit_asleep`; a run with no awake action keeps its
state, :func:`~regretlab.experts._base.keep_asleep`).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_int, check_positive
from regretlab.core.registry import learners, register
from regretlab.core.types import FullInfo
from regretlab.experts._base import (
    awake_mask,
    check_utility,
    credit_asleep,
    init_keys,
    keep_rows,
    learned_rows,
    mask_awake,
    zero_rounds,
)
from regretlab.experts.sleeping import ada_normal_hedge_log_weight


class AdaptiveState(NamedTuple):
    """State of :class:`FLH`, :class:`CBCE` and :class:`SAOL` (``M`` slots of base instances per run)."""

    t: np.ndarray  # [B] int64 rounds each run has learned from
    key: np.ndarray  # [B] uint64 learner keys
    base: Any  # the base learner's state over B * M rows: slot m of run b is row b * M + m
    start: np.ndarray  # [B, M] int64 1-based round at which the slot's instance started (0: empty)
    a: np.ndarray  # [B, M] FLH: log meta weight (-inf: no instance); CBCE: log KT wealth
    c: np.ndarray  # [B, M] FLH: unused zeros; CBCE: sum of the KT coins the instance has seen
    x: np.ndarray  # [B, M, K] the instances' strategies for the next round (cached from base)


# -- operations on a base state whose arrays lead with B * M rows ---------------------------------
def _tree(fn: Any, new: Any, *others: Any) -> Any:
    """Apply ``fn(new_leaf, *other_leaves)`` to every array leaf of a (nested) NamedTuple state;
    non-array leaves (e.g. an int ``K``) are taken from ``new``."""
    if isinstance(new, tuple):
        fields = [_tree(fn, a, *(o[i] for o in others)) for i, a in enumerate(new)]
        return type(new)(*fields) if hasattr(new, "_fields") else tuple(fields)
    if isinstance(new, np.ndarray) and new.ndim >= 1:
        return fn(new, *others)
    return new


def _grow(base: Any, fresh: Any, b: int, m_old: int, m_new: int) -> Any:
    """Base state of ``b * m_old`` rows widened to ``b * m_new`` with rows of ``fresh``."""
    def widen(old: np.ndarray, add: np.ndarray) -> np.ndarray:
        o = old.reshape((b, m_old) + old.shape[1:])
        a = add.reshape((b, m_new) + add.shape[1:])[:, m_old:]
        return np.concatenate([o, a], axis=1).reshape((b * m_new,) + old.shape[1:])
    return _tree(widen, base, fresh)


def _replace_rows(base: Any, fresh: Any, rows: np.ndarray) -> Any:
    """``fresh``'s rows where ``rows [B*M]`` is True, ``base``'s elsewhere."""
    def pick(old: np.ndarray, new: np.ndarray) -> np.ndarray:
        return np.where(rows.reshape((-1,) + (1,) * (old.ndim - 1)), new, old)
    return _tree(pick, base, fresh)


def _scatter(base: Any, fresh: Any, idx: np.ndarray) -> Any:
    """``base`` with its rows ``idx`` replaced by the rows of ``fresh`` (one per index)."""
    def put(old: np.ndarray, new: np.ndarray) -> np.ndarray:
        out = old.copy()
        out[idx] = new
        return out
    return _tree(put, base, fresh)


def _logsumexp(x: np.ndarray) -> np.ndarray:
    """Row-wise ``log sum exp`` of ``x [B, M]`` (``-inf`` rows give ``-inf``)."""
    top = x.max(axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return np.log(np.exp(x - top).sum(axis=1)) + top[:, 0]


def _make_base(base: Any, horizon: int | None) -> Any:
    if isinstance(base, str):
        entry = learners.get(base)
        params = {"horizon": horizon} if horizon is not None and "horizon" in entry.tunes else {}
        base = entry.factory(**params)
    if getattr(base, "feedback", None) is not FullInfo:
        raise TypeError(f"base must be a full-information experts learner (or its registered name), got {base!r}")
    return base


class _MetaOverInstances:
    """Shared machinery: slots of base instances, their strategies, restarts and awake handling.

    A subclass defines ``slots_for(rounds) -> M`` (slots needed to play 1-based rounds up to
    ``rounds``), ``meta_weights(state) -> [B, M]`` (the mixture over instances),
    ``meta_update(state, values, played) -> (a, c)`` and ``restart(state, rounds) -> (a, c,
    start, rows)``, which prepares the state for its next round ``rounds [B]`` (``rows [B, M]``:
    the slots whose instance starts then).
    """

    feedback = FullInfo
    name = "adaptive"
    empty_a: float = 0.0  # the ``a`` of an empty slot

    def __init__(self, base: Any):
        self.base = base

    # -- what a meta-learner defines --------------------------------------------------------------
    def slots_for(self, rounds: int) -> int:
        raise NotImplementedError

    def meta_weights(self, state: AdaptiveState) -> np.ndarray:
        raise NotImplementedError

    def meta_update(self, state: AdaptiveState, values: np.ndarray,
                    played: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def restart(self, state: AdaptiveState, rounds: np.ndarray) -> tuple[np.ndarray, ...]:
        raise NotImplementedError

    # -- slots -------------------------------------------------------------------------------
    def _fresh(self, key: np.ndarray, rounds: np.ndarray, m: int, k: int, idx: np.ndarray | None = None) -> Any:
        """Fresh base states for every slot (or the rows ``idx`` of ``B * M``), keyed by (run key,
        start round, slot)."""
        child = rng.bits(key, rounds.astype(np.uint64), m).reshape(-1)
        return self.base.init(child if idx is None else child[idx], k)

    def _widened(self, state: AdaptiveState, rounds: np.ndarray, k: int, slots: int | None = None) -> AdaptiveState:
        """``state`` with enough slots to play round ``rounds [B]`` (1-based), or ``slots`` of them."""
        b, m_old = state.start.shape
        m_new = self.slots_for(int(rounds.max())) if slots is None else slots
        if m_new <= m_old:
            return state
        fresh = self._fresh(state.key, rounds, m_new, k)
        pad = ((0, 0), (0, m_new - m_old))
        return state._replace(
            base=_grow(state.base, fresh, b, m_old, m_new),
            start=np.pad(state.start, pad),
            a=np.pad(state.a, pad, constant_values=self.empty_a),
            c=np.pad(state.c, pad),
            x=np.pad(state.x, pad + ((0, 0),), constant_values=1.0 / k),
        )

    def _prepared(self, state: AdaptiveState, k: int) -> AdaptiveState:
        """Start the instances of round ``state.t + 1`` (and drop the expired ones)."""
        rounds = state.t + 1
        state = self._widened(state, rounds, k)
        a, c, start, rows = self.restart(state, rounds)
        if rows.any():
            idx = np.flatnonzero(rows)
            base = _scatter(state.base, self._fresh(state.key, rounds, state.start.shape[1], k, idx), idx)
        else:
            base = state.base
        x = self.base.strategy(base).reshape(start.shape + (k,))
        return state._replace(base=base, start=start, a=a, c=c, x=x)

    def init(self, keys: Any, num_actions: int) -> AdaptiveState:
        k = check_int("num_actions", num_actions, minimum=1)
        key = init_keys(keys)
        b = key.size
        m = self.slots_for(1)
        state = AdaptiveState(zero_rounds(b), key, self._fresh(key, np.ones(b, dtype=np.int64), m, k),
                              np.zeros((b, m), dtype=np.int64), np.full((b, m), self.empty_a), np.zeros((b, m)),
                              np.full((b, m, k), 1.0 / k))
        return self._prepared(state, k)

    # -- play ----------------------------------------------------------------------------------
    def _mixture(self, state: AdaptiveState) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        x = state.x  # [B, M, K] the slots' instances' strategies
        v = self.meta_weights(state)
        p = np.maximum(np.einsum("bm,bmk->bk", v, x), 0.0)
        return p / p.sum(axis=1, keepdims=True), x, v

    def strategy(self, state: AdaptiveState, context: Any = None) -> np.ndarray:
        """``[B, K]`` mixture of the instances' strategies by the meta weights; with an awake mask
        as ``context``, restricted to the awake actions."""
        p, _, _ = self._mixture(state)
        return mask_awake(p, awake_mask(context, state.key.size, p.shape[1]))

    def update(self, state: AdaptiveState, feedback: Any) -> AdaptiveState:
        """Meta step on the instances' values ``<x_m, u>``, every instance's own update, then the
        instances of the next round are started; a run with no awake action keeps its state."""
        b, m = state.start.shape
        p, x, _ = self._mixture(state)
        k = x.shape[2]
        awake = awake_mask(getattr(feedback, "awake", None), b, k)
        utility = check_utility(feedback, b, k, awake)
        utility = credit_asleep(p, utility, awake)
        values = np.einsum("bmk,bk->bm", x, utility)  # [B, M] each instance's utility this round
        played = np.einsum("bk,bk->b", p, utility)  # [B] the mixture's
        a, c = self.meta_update(state, values, played)
        base = self.base.update(state.base, FullInfo(np.repeat(utility, m, axis=0)))
        new = self._prepared(state._replace(t=state.t + 1, base=base, a=a, c=c), k)
        rows = learned_rows(awake, b)
        if rows is None:
            return new
        # a run with no awake action keeps its state (widened to the batch's slots: unused ones)
        m_new = new.start.shape[1]
        old = self._widened(state, state.t + 1, k, m_new)
        kept = keep_rows(rows, new._replace(base=None), old._replace(base=None))
        return kept._replace(base=_replace_rows(old.base, new.base, np.repeat(rows, m_new)))


# -- Follow-the-Leading-History ----------------------------------------------------------------
def _valuation(j: np.ndarray) -> np.ndarray:
    """2-adic valuation of positive integers ``j`` (the exponent of 2 in ``j``)."""
    j = j.astype(np.int64)
    return np.round(np.log2(j & -j)).astype(np.int64)


def flh_lifetime_end(j: np.ndarray) -> np.ndarray:
    """Last round of instance ``j`` (1-based start) under FLH's pruning: ``j + 4 * 2^v`` where
    ``2^v`` is the largest power of 2 dividing ``j`` (Hazan & Seshadhri 2009, §3.2: lifetime
    ``2^(v+2) + 1`` rounds).

    Example:
        >>> flh_lifetime_end(np.array([1, 2, 3, 4, 12])).tolist()
        [5, 10, 7, 20, 28]
    """
    j = np.asarray(j, dtype=np.int64)
    return j + 4 * (j & -j)


def flh_pieces(r: int, s: int) -> list[tuple[int, int]]:
    """The partition of ``[r, s]`` into pieces each inside one pruned-FLH instance's lifetime.

    Greedy from the right: the piece ending at ``s`` starts at the round ``j`` of ``[r, s]``
    with the largest 2-adic valuation ``v`` (it is unique, and ``s - j < 2^(v+1)``, so instance
    ``j`` is alive on all of ``[j, s]``); then recurse on ``[r, j - 1]``. At most
    ``floor(log2 |I|) + 2`` pieces.

    Example:
        >>> flh_pieces(5, 12)
        [(5, 5), (6, 7), (8, 12)]
    """
    out = []
    while s >= r:
        v = (s ^ (r - 1)).bit_length() - 1  # highest bit where r-1 and s differ: max valuation in [r, s]
        j = (s >> v) << v
        out.append((j, s))
        s = j - 1
    return out[::-1]


class FLH(_MetaOverInstances):
    r"""Follow-the-Leading-History (Hazan & Seshadhri, ICML 2009) over any base experts learner.

    Round ``t`` starts a new base instance ``E^t``; the meta weights ``v`` (Hedge over the live
    instances, rate ``eta``) give it ``1/t`` and scale the others by ``1 - 1/t``; the learner plays
    ``p_t = sum_j v_t(j) x_t^{(j)}``; after the round, :math:`v(j) \propto v(j)\,e^{\eta \langle
    x^{(j)}_t, u_t\rangle}` and every instance takes its own step. With ``prune=True`` instance
    ``j`` lives for rounds ``j .. j + 4 * 2^v(j)`` (``2^v(j)`` the largest power of 2 dividing
    ``j``), and the weights of the survivors are renormalised: at most ``3 (floor(log2 t) + 1)``
    instances are alive at round ``t``. ``a`` holds ``log v [B, M]``.

    Adaptive regret (utilities of a round in an interval of width 1; ``R_base(n)`` the base's
    regret bound after ``n`` rounds): for every interval ``I = [r, s]``,

    * ``prune=False``: :math:`\mathrm{Reg}_I \le R_{base}(|I|) + \ln(s)/\eta + \eta |I| / 8`;
    * ``prune=True``: :math:`\mathrm{Reg}_I \le \sum_{P} R_{base}(|P|) + m \ln(s)/\eta + \eta|I|/8`
      over the ``m <= floor(log2 |I|) + 2`` pieces ``P`` of :func:`flh_pieces`.

    (Hazan & Seshadhri 2009, Lemma 3.1 and §3.2, with Hedge's mixability step by Hoeffding's
    lemma in place of exp-concavity: the meta's regret to ``E^r`` over ``[r, s]`` is at most
    ``(ln r + ln(s/r))/eta + eta |I|/8``.) With ``eta = sqrt(8 ln T / T)`` (``horizon=T``) the meta
    term is at most ``sqrt(T ln T / 2)`` on every interval.
    """

    name = "flh"
    empty_a = -np.inf

    def __init__(self, base: Any, lr: float | None, horizon: int | None, prune: bool):
        super().__init__(base)
        if lr is None and horizon is None:
            raise ValueError("flh needs lr > 0 (the meta Hedge rate) or horizon >= 1 (to tune it)")
        self.lr = None if lr is None else check_positive("lr", lr)
        self.horizon = None if horizon is None else check_int("horizon", horizon, minimum=1)
        if not isinstance(prune, bool):
            raise TypeError(f"prune must be True or False, got {prune!r}")
        self.prune = prune
        self.name = f"flh({getattr(base, 'name', type(base).__name__)})"

    @property
    def eta(self) -> float:
        """The meta Hedge rate: ``lr``, or ``sqrt(8 ln T / T)`` for ``horizon=T``."""
        if self.lr is not None:
            return self.lr
        assert self.horizon is not None  # checked in __init__
        t = max(self.horizon, 2)
        return math.sqrt(8.0 * math.log(t) / t)

    def slot_of(self, j: np.ndarray) -> np.ndarray:
        """Slot of the instance started at round ``j``: ``j - 1`` (no pruning), else
        ``3 v + (j >> (v + 1)) mod 3`` (three slots per valuation ``v``: the instances of one
        valuation alive together are at most 3 consecutive odd multiples of ``2^v``)."""
        j = np.asarray(j, dtype=np.int64)
        if not self.prune:
            return j - 1
        v = _valuation(j)
        return 3 * v + (j >> (v + 1)) % 3

    def slots_for(self, rounds: int) -> int:
        return rounds if not self.prune else 3 * (int(rounds).bit_length())

    def meta_weights(self, state: AdaptiveState) -> np.ndarray:
        a = state.a
        top = a.max(axis=1, keepdims=True)
        w = np.exp(a - top)
        return w / w.sum(axis=1, keepdims=True)

    def meta_update(self, state: AdaptiveState, values: np.ndarray, played: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = np.where(np.isfinite(state.a), state.a + self.eta * (values - played[:, None]), -np.inf)
        return a - _logsumexp(a)[:, None], state.c

    def restart(self, state: AdaptiveState, rounds: np.ndarray) -> tuple[np.ndarray, ...]:
        b, m = state.start.shape
        a, start = state.a.copy(), state.start.copy()
        if self.prune:  # drop the instances whose lifetime has ended, renormalise the survivors
            dead = (start > 0) & (flh_lifetime_end(np.maximum(start, 1)) < rounds[:, None])
            if dead.any():
                a = np.where(dead, -np.inf, a)
                start = np.where(dead, 0, start)
                a = np.where(dead.any(axis=1, keepdims=True), a - _logsumexp(a)[:, None], a)
        tf = rounds.astype(np.float64)[:, None]
        with np.errstate(divide="ignore"):
            a = a + np.log1p(-1.0 / tf)  # the others keep 1 - 1/t (round 1: there are none)
        slot = self.slot_of(rounds)
        rows = np.zeros((b, m), dtype=bool)
        rows[np.arange(b), slot] = True
        a = np.where(rows, -np.log(tf), a)
        start = np.where(rows, rounds[:, None], start)
        return a, state.c, start, rows

    def __repr__(self) -> str:
        return f"flh(base={self.base!r}, lr={self.lr!r}, horizon={self.horizon!r}, prune={self.prune!r})"


@register("flh", family="experts", tunes=("horizon",),
          test_params=[{"lr": 0.5}, {"base": "hedge", "horizon": 40}, {"base": "ftl", "lr": 0.5, "prune": False}])
def flh(base: Any = "adahedge", lr: float | None = None, horizon: int | None = None, prune: bool = True) -> FLH:
    r"""Follow-the-Leading-History over any base experts learner (adaptive regret).

    Hedge (rate ``lr``, or tuned ``sqrt(8 ln T / T)`` from ``horizon``) over instances of
    ``base`` started at each round; ``prune=True`` keeps ``O(log t)`` of them (geometric
    lifetimes). Regret on every interval ``[r, s]``:
    ``R_base(|I|) + ln(s)/eta + eta |I|/8`` without pruning, and a sum over at most
    ``log2 |I| + 2`` pieces with it (see :class:`FLH`; Hazan & Seshadhri, ICML 2009).

    Args:
        base: a full-information learner or a registered name (a name whose registration tunes
            ``horizon`` is made with ``horizon``).
        lr: the meta Hedge rate ``eta > 0``.
        horizon: ``T``, to tune ``eta`` (and a named base) when ``lr`` is not given.
        prune: geometric lifetimes (``O(log t)`` live instances) rather than all ``t``.

    Returns:
        An :class:`FLH` learner: ``strategy(state) -> [B, K]``, state ``t [B]``.

    Example:
        >>> from regretlab.core import FullInfo, rng
        >>> from regretlab.experts import hedge
        >>> learner = flh(base=hedge(lr=1.0), lr=1.0)
        >>> s = learner.init(rng.spawn_keys(0, 2), 2)
        >>> for t in range(40):  # action 0 is best for 20 rounds, then action 1
        ...     s = learner.update(s, FullInfo(np.tile([[0.0, -1.0]] if t < 20 else [[-1.0, 0.0]], (2, 1))))
        >>> learner.strategy(s).argmax(axis=1).tolist()
        [1, 1]
    """
    return FLH(_make_base(base, horizon), lr, horizon, prune)


# -- coin betting over geometric covering intervals -------------------------------------------
TIE = 1e-12  # |coin| at most this is a tie (0): rounding must not place a bet
LOG_PRIOR_NORM = math.log(6.0 / math.pi**2)  # sum over intervals of 1/(a^2 (1 + floor(log2 a))) <= pi^2/6


def cbce_log_prior(start: np.ndarray) -> np.ndarray:
    r"""``ln pi_J`` of a covering interval starting at round ``a``:
    :math:`\pi_J = \frac{6}{\pi^2}\,\frac{1}{a^2 (1 + \lfloor \log_2 a \rfloor)}` (Jun et al. 2017,
    §4). At most ``1 + floor(log2 a)`` intervals start at ``a``, so the priors sum to at most 1.

    Example:
        >>> round(float(np.exp(cbce_log_prior(np.array([1]))[0])), 4)
        0.6079
    """
    a = np.asarray(start, dtype=np.float64)
    levels = np.floor(np.log2(np.maximum(a, 1.0)))
    return LOG_PRIOR_NORM - 2.0 * np.log(np.maximum(a, 1.0)) - np.log1p(levels)


def covering_pieces(r: int, s: int) -> list[tuple[int, int]]:
    """The partition of ``[r, s]`` into geometric covering intervals ``[i 2^k, (i+1) 2^k - 1]``
    (``i >= 1``), greedy from the left: the longest one that starts at the current round and fits.
    Lengths rise then fall, each power of 2 at most twice (Daniely et al. 2015, Lemma 1.2), so
    ``sum sqrt(|J|) <= (4 + 2 sqrt 2) sqrt(|I|)``.

    Example:
        >>> covering_pieces(3, 13)
        [(3, 3), (4, 7), (8, 11), (12, 13)]
    """
    out = []
    x = r
    while x <= s:
        size = x & -x
        while x + size - 1 > s:
            size >>= 1
        out.append((x, x + size - 1))
        x += size
    return out


def kt_regret_bound(n: Any, log_prior: Any) -> Any:
    r"""Regret of a sleeping KT bettor to an expert awake ``n`` rounds, prior ``pi``:
    :math:`\sqrt{2n\,(1 + \tfrac12\ln(\pi n) + \ln(1/\pi_J))}`.

    From the KT wealth bound :math:`W_n \ge e^{X^2/(2n)}/(e\sqrt{\pi n})` for coins in [-1, 1]
    summing to ``X`` (Orabona & Pál, NeurIPS 2016, Lemma 14 with Stirling's bound) and
    :math:`\sum_J \pi_J W_J \le 1` (the coin-betting experts reduction, their §5; Jun et al. 2017,
    Lemma 2).

    Example:
        >>> round(float(kt_regret_bound(100, np.log(0.5))), 2)
        30.23
    """
    n = np.asarray(n, dtype=np.float64)
    return np.sqrt(2.0 * n * (1.0 + 0.5 * np.log(np.pi * n) - np.asarray(log_prior, dtype=np.float64)))


class CBCE(_MetaOverInstances):
    r"""Coin betting over geometric covering intervals (Jun, Orabona, Wright & Willett, AISTATS
    2017; intervals of SAOL, Daniely, Gonen & Shalev-Shwartz, ICML 2015).

    Slot ``k`` runs a base instance on each interval ``J = [i 2^k, (i+1) 2^k - 1]`` in turn
    (restarted when ``2^k`` divides the round). Per instance a Krichevsky–Trofimov bettor with
    wealth ``W`` (from 1) and coin sum ``S`` over its ``n`` rounds so far: bet fraction
    ``beta = S / n``; the meta weights are :math:`p_J \propto \pi_J [\beta_J]_+ W_J` over the
    live instances (the prior :func:`cbce_log_prior` when none is positive). After the round, the
    coin is :math:`g_J = \langle x^J, u\rangle - \langle p, u\rangle` (clipped to [-1, 1]; 0 when
    within ``1e-12`` of 0, so that rounding errors on ties place no bet), replaced by
    :math:`[g_J]_+` when ``beta_J <= 0``; ``W *= 1 + beta g``, ``S += g``.
    ``a`` holds ``ln W``, ``c`` holds ``S``.

    Strongly adaptive regret (utilities of a round in an interval of width 1): for every interval
    ``I = [r, s]`` with pieces ``J`` of :func:`covering_pieces`,

    .. math:: \mathrm{Reg}_I \le \sum_J \Big(R_{base}(|J|) + \sqrt{2|J|\,(1 + \tfrac12 \ln(\pi|J|)
              + \ln(1/\pi_J))}\Big) = O\big(\sqrt{|I| \ln s}\big) + \sum_J R_{base}(|J|)

    (Jun et al. 2017, Thm 2, with the constants of :func:`kt_regret_bound`; with a base of regret
    ``c sqrt(n)`` this is at most ``(4 + 2 sqrt 2)(c + sqrt(2(1 + ln(pi |I|)/2 + ln(pi^2/6) +
    2 ln s + ln(1 + log2 s)))) sqrt(|I|)``). ``floor(log2 t) + 1`` instances at round ``t``.

    ``meta="ada_normal_hedge"`` replaces the KT bettors by sleeping AdaNormalHedge over the same
    instances and prior (Luo & Schapire, COLT 2015, §5): :math:`p_J \propto \pi_J\,w(R_J, C_J)`
    with ``R`` the meta's regret to the instance and ``C`` its sum of absolute values since the
    instance started (``a`` holds ``R``, ``c`` holds ``C``); its regret to ``J`` is
    ``O(sqrt(C_J ln(ln(C_J) / pi_J)))``, so the same covering argument gives
    ``O(sqrt(|I| ln s)) + sum_J R_base(|J|)`` on every interval.
    """

    name = "cbce"
    empty_a = 0.0
    METAS = ("kt", "ada_normal_hedge")

    def __init__(self, base: Any, meta: str = "kt"):
        super().__init__(base)
        if meta not in self.METAS:
            raise ValueError(f"meta must be one of {', '.join(self.METAS)} (the meta-learner over the intervals), "
                             f"got {meta!r}")
        self.meta = meta
        base_name = getattr(base, "name", type(base).__name__)
        self.name = f"cbce({base_name})" if meta == "kt" else f"cbce({base_name}, meta={meta})"

    def slots_for(self, rounds: int) -> int:
        return int(rounds).bit_length()

    def meta_weights(self, state: AdaptiveState) -> np.ndarray:
        live = state.start > 0
        prior = cbce_log_prior(np.maximum(state.start, 1))
        if self.meta == "ada_normal_hedge":
            log_w, positive = ada_normal_hedge_log_weight(state.a, state.c)
            pos = live & positive
            logw = np.where(pos, prior + log_w, -np.inf)
        else:
            n = np.maximum(state.t[:, None] + 2 - state.start, 1)  # this round's index in the interval
            beta = state.c / n
            pos = live & (beta > 0)
            with np.errstate(divide="ignore"):
                logw = np.where(pos, prior + np.log(np.where(pos, beta, 1.0)) + state.a, -np.inf)
        fallback = np.where(live, prior, -np.inf)
        logw = np.where(pos.any(axis=1, keepdims=True), logw, fallback)
        top = logw.max(axis=1, keepdims=True)
        w = np.exp(logw - top)
        return w / w.sum(axis=1, keepdims=True)

    def meta_update(self, state: AdaptiveState, values: np.ndarray, played: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        live = state.start > 0
        if self.meta == "ada_normal_hedge":  # instantaneous regret to each live instance
            r = np.where(live, values - played[:, None], 0.0)
            return state.a + r, state.c + np.abs(r)
        n = np.maximum(state.t[:, None] + 2 - state.start, 1)  # this round's index in the interval
        beta = state.c / n
        g = np.clip(values - played[:, None], -1.0, 1.0)
        # a coin that is 0 in exact arithmetic (ties) but a rounding error here would open a bet:
        # the weights jump at beta = 0, so coins within TIE of 0 count as 0
        g = np.where(np.abs(g) <= TIE, 0.0, g)
        g = np.where(beta > 0, g, np.maximum(g, 0.0))
        g = np.where(live, g, 0.0)
        return state.a + np.log1p(beta * g), state.c + g

    def restart(self, state: AdaptiveState, rounds: np.ndarray) -> tuple[np.ndarray, ...]:
        b, m = state.start.shape
        size = np.left_shift(1, np.arange(m, dtype=np.int64))  # [M] interval length of slot k
        rows = (rounds[:, None] % size[None, :] == 0) & (size[None, :] <= rounds[:, None])
        a = np.where(rows, 0.0, state.a)
        c = np.where(rows, 0.0, state.c)
        start = np.where(rows, rounds[:, None], state.start)
        return a, c, start, rows

    def __repr__(self) -> str:
        return f"cbce(base={self.base!r}, meta={self.meta!r})"


@register("cbce", family="experts", tunes=("horizon",),
          test_params=[{}, {"base": "hedge", "horizon": 40}, {"base": "ftpl"}, {"meta": "ada_normal_hedge"}])
def cbce(base: Any = "adahedge", horizon: int | None = None, meta: str = "kt") -> CBCE:
    r"""Coin betting over geometric covering intervals (strongly adaptive regret), any base learner.

    A sleeping Krichevsky–Trofimov bettor per instance of ``base`` on the intervals
    ``[i 2^k, (i+1) 2^k - 1]``; no learning rate. Regret on every interval ``I = [r, s]``:
    ``sum_J (R_base(|J|) + sqrt(2|J|(1 + ln(pi|J|)/2 + ln(1/pi_J))))`` over its covering pieces,
    ``O(sqrt(|I| log s))`` (see :class:`CBCE`; Jun, Orabona, Wright & Willett, AISTATS 2017).

    Args:
        base: a full-information learner or a registered name (a name whose registration tunes
            ``horizon`` is made with ``horizon``).
        horizon: ``T``, only passed on to a named base that tunes it.
        meta: ``"kt"`` (coin betting, CBCE) or ``"ada_normal_hedge"`` (sleeping AdaNormalHedge
            over the same intervals, Luo & Schapire 2015).

    Returns:
        A :class:`CBCE` learner: ``strategy(state) -> [B, K]``, state ``t [B]``.

    Example:
        >>> from regretlab.core import FullInfo, rng
        >>> from regretlab.experts import adahedge
        >>> learner = cbce(base=adahedge())
        >>> s = learner.init(rng.spawn_keys(0, 2), 2)
        >>> for t in range(64):  # action 0 is best for 32 rounds, then action 1
        ...     s = learner.update(s, FullInfo(np.tile([[0.0, -1.0]] if t < 32 else [[-1.0, 0.0]], (2, 1))))
        >>> learner.strategy(s).argmax(axis=1).tolist()
        [1, 1]
    """
    return CBCE(_make_base(base, horizon), meta)



# -- SAOL: multiplicative weights over geometric covering intervals ----------------------------
def saol_rate(length: Any) -> Any:
    r"""SAOL's rate of a covering interval of ``|J|`` rounds: :math:`\eta_J = \min(1/2, |J|^{-1/2})`
    (Daniely, Gonen & Shalev-Shwartz 2015, Algorithm 1).

    Example:
        >>> saol_rate(np.array([1, 4, 16])).tolist()
        [0.5, 0.5, 0.25]
    """
    return np.minimum(0.5, 1.0 / np.sqrt(np.asarray(length, dtype=np.float64)))


def saol_meta_bound(n: Any, length: Any, s: Any) -> Any:
    r"""Regret of SAOL's meta-learner to the instance of a covering interval ``J`` (``length``
    rounds) over its first ``n <= |J|`` rounds, the last of which is round ``s``:
    :math:`\ln(2s)/\eta_J + \eta_J n` (``η_J`` of :func:`saol_rate`).

    Proof: the mixture makes :math:`\sum_J \eta_J w_J r_J = 0` (``r_J`` the instance's utility
    minus the mixture's), so an update does not raise the sum of the live weights, and each started
    instance adds 1: at most ``sum_k floor(s / 2^k) <= 2s`` by round ``s``. So
    :math:`\prod_t (1 + \eta_J r_t) \le 2s`, and :math:`\ln(1 + x) \ge x - x^2` for ``|x| <= 1/2``
    gives :math:`\sum_t r_t \le \ln(2s)/\eta_J + \eta_J \sum_t r_t^2` (Daniely et al. 2015,
    Lemma 5.2's argument, with these constants).

    Example:
        >>> round(float(saol_meta_bound(16, 16, 31)), 3)
        20.509
    """
    eta = saol_rate(length)
    return np.log(2.0 * np.asarray(s, dtype=np.float64)) / eta + eta * np.asarray(n, dtype=np.float64)


class SAOL(_MetaOverInstances):
    r"""Strongly Adaptive Online Learner (Daniely, Gonen & Shalev-Shwartz, ICML 2015, Algorithm 1).

    Slot ``k`` runs a base instance on each geometric covering interval
    ``J = [i 2^k, (i+1) 2^k - 1]`` in turn (as :class:`CBCE`). Each live instance has a weight
    ``w_J`` (1 when it starts) and the rate ``η_J = min(1/2, |J|^{-1/2})``; the meta plays
    :math:`p_J \propto \eta_J w_J` and after the round multiplies
    :math:`w_J \leftarrow w_J (1 + \eta_J r_J)` with :math:`r_J = \langle x^J - p, u\rangle`
    (the instance's utility minus the mixture's, clipped to [-1, 1]). ``a`` holds ``ln w``.

    Strongly adaptive regret (utilities of a round in an interval of width 1): on every interval
    ``I = [r, s]`` with pieces ``J`` of :func:`covering_pieces`,

    .. math:: \mathrm{Reg}_I \le \sum_J \Big(R_{base}(|J|) + \frac{\ln(2s)}{\eta_J} + \eta_J |J|\Big)
              = O\big(\sqrt{|I|}\,\ln s\big) + \sum_J R_{base}(|J|)

    (:func:`saol_meta_bound`; Daniely et al. 2015, Thm 1: with a base of regret ``C |J|^{1/2}``,
    ``(4/(√2 − 1)) C |I|^{1/2} + 40 ln(s + 1) |I|^{1/2}``). ``floor(log2 t) + 1`` instances at
    round ``t``. CBCE's coin betting removes the ``ln s`` factor's square (``O(sqrt(|I| ln s))``).
    """

    name = "saol"
    empty_a = 0.0

    def __init__(self, base: Any):
        super().__init__(base)
        self.name = f"saol({getattr(base, 'name', type(base).__name__)})"

    def slots_for(self, rounds: int) -> int:
        return int(rounds).bit_length()

    def _log_rate(self, m: int) -> np.ndarray:
        return np.log(saol_rate(np.left_shift(1, np.arange(m, dtype=np.int64))))  # [M] ln eta of slot k

    def meta_weights(self, state: AdaptiveState) -> np.ndarray:
        live = state.start > 0
        logw = np.where(live, state.a + self._log_rate(state.start.shape[1])[None, :], -np.inf)
        w = np.exp(logw - logw.max(axis=1, keepdims=True))
        return w / w.sum(axis=1, keepdims=True)

    def meta_update(self, state: AdaptiveState, values: np.ndarray, played: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        live = state.start > 0
        eta = np.exp(self._log_rate(state.start.shape[1]))[None, :]
        r = np.where(live, np.clip(values - played[:, None], -1.0, 1.0), 0.0)
        return state.a + np.log1p(eta * r), state.c

    restart = CBCE.restart

    def __repr__(self) -> str:
        return f"saol(base={self.base!r})"


@register("saol", family="experts", tunes=("horizon",),
          test_params=[{}, {"base": "hedge", "horizon": 40}])
def saol(base: Any = "adahedge", horizon: int | None = None) -> SAOL:
    r"""SAOL: multiplicative weights over base instances on geometric covering intervals.

    Instances of ``base`` on the intervals ``[i 2^k, (i+1) 2^k - 1]``; the meta plays
    ``p_J ∝ η_J w_J`` and updates ``w_J ← w_J (1 + η_J r_J)``, ``η_J = min(1/2, |J|^{-1/2})``.
    Regret on every interval ``I = [r, s]``: ``sum_J (R_base(|J|) + ln(2s)/η_J + η_J |J|)`` over
    its covering pieces, ``O(sqrt(|I|) log s)`` (see :class:`SAOL`; Daniely, Gonen &
    Shalev-Shwartz, "Strongly adaptive online learning", ICML 2015, Thm 1).

    Args:
        base: a full-information learner or a registered name (a name whose registration tunes
            ``horizon`` is made with ``horizon``).
        horizon: ``T``, only passed on to a named base that tunes it.

    Returns:
        A :class:`SAOL` learner: ``strategy(state) -> [B, K]``, state ``t [B]``.

    Example:
        >>> from regretlab.core import FullInfo, rng
        >>> from regretlab.experts import adahedge
        >>> learner = saol(base=adahedge())
        >>> s = learner.init(rng.spawn_keys(0, 2), 2)
        >>> for t in range(64):  # action 0 is best for 32 rounds, then action 1
        ...     s = learner.update(s, FullInfo(np.tile([[0.0, -1.0]] if t < 32 else [[-1.0, 0.0]], (2, 1))))
        >>> learner.strategy(s).argmax(axis=1).tolist()
        [1, 1]
    """
    return SAOL(_make_base(base, horizon))
