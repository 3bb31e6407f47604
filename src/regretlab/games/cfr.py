"""The CFR family as one tree sweep plus a per-information-set local rule.

A solver is composed from three parts (no boolean flags):

* a **local rule** — how cumulative regrets are updated and turned into a strategy:
  :func:`regret_matching` (CFR), :func:`regret_matching_plus` (CFR+), :func:`discounted`
  (DCFR's α/β), :func:`predictive` (wraps a rule; PCFR+);
* an **averaging schedule** — the weight of iterate ``t`` in the average strategy:
  :func:`uniform`, :func:`linear`, :func:`polynomial`, :func:`delayed`;
* an **update order** — ``"alternating"`` (player by player, each seeing the others' newest
  strategies) or ``"simultaneous"``.

``cfr(local=regret_matching_plus(), averaging=linear())`` is CFR+; presets :func:`vanilla_cfr`,
:func:`cfr_plus`, :func:`linear_cfr`, :func:`dcfr`, :func:`pcfr_plus` build the usual ones.

Update rule at information set I of the updating player i, iteration t::

    r^t(I,a) = sum_{h in I} pi_-i(h) (v_i(sigma^t, ha) - v_i(sigma^t, h))
    R^t(I,a) = scale_t(R^{t-1}(I,a) + r^t(I,a))      (scale: α/β discount; floor at 0 for RM+)
    sigma^{t+1}(I,·) ∝ [R^t(I,·) + m^{t+1}(I,·)]^+    (m = r^t for predictive rules, else 0)
    S^t(I,a) = S^{t-1}(I,a) + w_t pi_i^{sigma^t}(I) sigma^t(I,a)     (average = S / sum_a S)

References: Zinkevich et al. 2007 (CFR); Tammelin 2014 (CFR+); Brown & Sandholm 2019 (linear
CFR, DCFR); Farina, Kroer & Sandholm 2021 (predictive CFR+).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, NamedTuple

import numpy as np

from regretlab.core.errors import check_int, check_positive
from regretlab.games import kernels
from regretlab.games.treeplex import Treeplex

# -- local rules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalRule:
    """Per-information-set regret rule: discount, floor, optional prediction.

    Attributes:
        name: short name.
        alpha: positive regrets are multiplied by t^α/(t^α+1) after each update (None: kept).
        beta: negative regrets are multiplied by t^β/(t^β+1) (None: kept).
        floor: clip cumulative regrets at 0 after each update (regret matching+).
        predictive: play ``[R + r_last]^+`` instead of ``[R]^+`` (optimistic prediction).
    """

    name: str
    alpha: float | None = None
    beta: float | None = None
    floor: bool = False
    predictive: bool = False

    def scales(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Multipliers of positive and negative cumulative regrets at iterations ``t`` (1-based)."""
        t = np.asarray(t, dtype=np.float64)
        pos = np.ones_like(t) if self.alpha is None else _discount(t, self.alpha)
        neg = np.ones_like(t) if self.beta is None else _discount(t, self.beta)
        return pos, neg


def _discount(t: np.ndarray, exponent: float) -> np.ndarray:
    if np.isinf(exponent):
        return np.ones_like(t) if exponent > 0 else np.zeros_like(t)
    x = t**exponent
    return x / (x + 1.0)


def regret_matching() -> LocalRule:
    """Regret matching (Hart & Mas-Colell 2000): ``R += r``, ``sigma ∝ [R]^+``."""
    return LocalRule("regret_matching")


def regret_matching_plus() -> LocalRule:
    """Regret matching+ (Tammelin 2014): ``R = max(R + r, 0)``, ``sigma ∝ R``."""
    return LocalRule("regret_matching_plus", floor=True)


def discounted(alpha: float = 1.5, beta: float = 0.0) -> LocalRule:
    """DCFR regrets (Brown & Sandholm 2019): positive ×t^α/(t^α+1), negative ×t^β/(t^β+1)."""
    return LocalRule(
        f"discounted({alpha},{beta})",
        alpha=float(_check_real("alpha", alpha)),
        beta=float(_check_real("beta", beta)),
    )


def predictive(base: LocalRule | None = None) -> LocalRule:
    """Predictive variant of ``base`` (Farina et al. 2021): ``sigma^{t+1} ∝ [R^t + r^t]^+``."""
    base = regret_matching_plus() if base is None else base
    if not isinstance(base, LocalRule):
        raise TypeError(f"base must be a LocalRule (e.g. regret_matching_plus()), got {base!r}")
    return replace(base, name=f"predictive({base.name})", predictive=True)


def _check_real(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    if np.isnan(value):
        raise ValueError(f"{name} must be a real number, got nan")
    return float(value)


# -- averaging schedules ----------------------------------------------------------------------


@dataclass(frozen=True)
class Averaging:
    """Weight ``w_t`` of iterate ``t`` (1-based) in the average strategy."""

    name: str
    weight: Callable[[np.ndarray], np.ndarray]

    def weights(self, t: np.ndarray) -> np.ndarray:
        return np.asarray(self.weight(np.asarray(t, dtype=np.float64)), dtype=np.float64)


def uniform() -> Averaging:
    """``w_t = 1`` (vanilla CFR's average)."""
    return Averaging("uniform", lambda t: np.ones_like(t))


def linear() -> Averaging:
    """``w_t = t`` (CFR+, linear CFR)."""
    return Averaging("linear", lambda t: t)


def polynomial(gamma: float = 2.0) -> Averaging:
    """``w_t = t^γ`` (DCFR's (t/(t+1))^γ discount of the average; γ=2 in Brown & Sandholm 2019)."""
    g = check_positive("gamma", gamma, allow_zero=True)
    return Averaging(f"polynomial({g})", lambda t: t**g)


def delayed(delay: int) -> Averaging:
    """``w_t = max(t - d, 0)`` (CFR+ with the first ``d`` iterates left out, Tammelin 2015)."""
    d = check_int("delay", delay, minimum=0)
    return Averaging(f"delayed({d})", lambda t: np.maximum(t - d, 0.0))


# -- the solver -------------------------------------------------------------------------------


class CFRState(NamedTuple):
    """State of a CFR-family solver on one game."""

    t: int  # iterations done
    regret: np.ndarray  # [I, A] cumulative (discounted / floored) regrets
    cumulative: np.ndarray  # [I, A] weighted sum of own-reach x strategy (average numerator)
    strategy: np.ndarray  # [I, A] sigma^{t+1}, the strategy the next iteration plays
    last_regret: np.ndarray  # [I, A] r^t, the last instantaneous regrets (prediction)


_UPDATES = ("alternating", "simultaneous")
# numba: public-tree layout when the game has one (deal first, same betting tree per deal),
# else the per-history sweep; numba_nodes: always the per-history sweep; numpy: the reference.
_BACKENDS = ("numba", "numba_nodes", "numpy")


@dataclass(frozen=True)
class CFR:
    """A CFR-family solver: one tree sweep with a local rule, an averaging schedule, an update order."""

    local: LocalRule
    averaging: Averaging
    updates: str = "alternating"
    backend: str = "numba"
    name: str = "cfr"

    def init(self, game: Treeplex) -> CFRState:
        """Zero regrets and averages; the first strategy is uniform."""
        if not isinstance(game, Treeplex):
            raise TypeError(f"game must be a Treeplex, got {type(game).__name__}")
        shape = game.legal_mask.shape
        return CFRState(0, np.zeros(shape), np.zeros(shape), game.uniform_policy(), np.zeros(shape))

    def update(self, state: CFRState, game: Treeplex, iterations: int = 1) -> CFRState:
        """Run ``iterations`` iterations from ``state``; returns a new state (inputs unchanged)."""
        iterations = check_int("iterations", iterations, minimum=0)
        _check_state(state, game)
        regret = state.regret.copy()
        cumulative = state.cumulative.copy()
        strategy = state.strategy.copy()
        last = state.last_regret.copy()
        if iterations == 0:
            return CFRState(state.t, regret, cumulative, strategy, last)
        ts = np.arange(state.t + 1, state.t + iterations + 1, dtype=np.float64)
        pos, neg = self.local.scales(ts)
        w = self.averaging.weights(ts)
        layout = None
        if self.backend == "numba":
            from regretlab.games.factored import public_layout

            layout = public_layout(game)
        if layout is not None:
            from regretlab.games import factored

            work = factored.scratch(game, layout)
            factored.run_iterations(
                iterations, self.updates == "alternating", game.num_players,
                regret, cumulative, strategy, last, pos, neg, w, self.local.floor,
                self.local.predictive, layout.player, layout.first_child, layout.num_children,
                layout.infoset, layout.internal, layout.deal_prob, *_members(game),
                game.infoset_num_actions, game.infoset_parent, game.infoset_parent_action,
                work.opp, work.prob, work.live, work.values, work.reach, work.inst,
            )
        elif self.backend in ("numba", "numba_nodes"):
            kernels.run_iterations(
                state.t, iterations, self.updates == "alternating", game.num_players,
                regret, cumulative, strategy, last, pos, neg, w, self.local.floor,
                self.local.predictive, game.node_player, game.node_first_child,
                game.node_num_children, game.node_infoset, game.node_chance_prob,
                game.node_terminal, game.utilities, game.infoset_player,
                game.infoset_num_actions, game.infoset_parent, game.infoset_parent_action,
            )
        else:
            from regretlab.games import reference

            for k in range(iterations):
                reference.iteration(
                    game, regret, cumulative, strategy, last, pos[k], neg[k], w[k],
                    self.local.floor, self.local.predictive, self.updates == "alternating",
                )
        return CFRState(state.t + iterations, regret, cumulative, strategy, last)

    def average_policy(self, state: CFRState, game: Treeplex) -> np.ndarray:
        """The average strategy ``S / sum_a S`` (uniform where an information set was never reached)."""
        return normalize(state.cumulative, game)

    def current_policy(self, state: CFRState) -> np.ndarray:
        """sigma^{t+1}, the strategy the next iteration would play."""
        return state.strategy.copy()

    def solve(
        self,
        game: Treeplex,
        iterations: int,
        *,
        state: CFRState | None = None,
        every: int = 0,
        callback: Callable[[CFRState], None] | None = None,
    ) -> CFRState:
        """Run ``iterations`` iterations (in blocks of ``every`` calling ``callback(state)``)."""
        iterations = check_int("iterations", iterations, minimum=0)
        state = self.init(game) if state is None else state
        block = iterations if every <= 0 else check_int("every", every)
        done = 0
        while done < iterations:
            n = min(block, iterations - done)
            state = self.update(state, game, n)
            done += n
            if callback is not None:
                callback(state)
        return state


def _check_state(state: Any, game: Any) -> None:
    """Refuse a state built for another game before the compiled sweep indexes it."""
    if not isinstance(game, Treeplex):
        raise TypeError(f"game must be a Treeplex, got {type(game).__name__}")
    shape = game.legal_mask.shape
    for name in ("regret", "cumulative", "strategy", "last_regret"):
        arr = getattr(state, name, None)
        if arr is not None and np.shape(arr) != shape:
            raise ValueError(
                f"state.{name} has shape {list(np.shape(arr))} but game {game.name!r} needs "
                f"{list(shape)} (infosets x actions): was the state made for another game?"
            )


def _members(game: Treeplex) -> tuple[np.ndarray, np.ndarray]:
    """Information sets grouped by player (increasing ids inside a group) and group starts."""
    cached = game.meta.get("_members")
    if cached is None:
        members = np.argsort(game.infoset_player, kind="stable").astype(np.int64)
        counts = np.bincount(game.infoset_player, minlength=game.num_players)
        cached = (members, np.concatenate([[0], np.cumsum(counts)]).astype(np.int64))
        game.meta["_members"] = cached
    return cached


def normalize(cumulative: np.ndarray, game: Treeplex) -> np.ndarray:
    """Rows of ``cumulative`` normalised over legal actions (uniform where a row sums to 0)."""
    cum = np.where(game.legal_mask, np.maximum(cumulative, 0.0), 0.0)
    sums = cum.sum(axis=1, keepdims=True)
    uni = game.uniform_policy()
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sums > 0, cum / np.where(sums > 0, sums, 1.0), uni)


def cfr(
    local: LocalRule | None = None,
    averaging: Averaging | None = None,
    updates: str = "alternating",
    backend: str = "numba",
    name: str | None = None,
) -> CFR:
    """Compose a CFR-family solver.

    Args:
        local: local regret rule (default :func:`regret_matching`).
        averaging: averaging schedule (default :func:`uniform`).
        updates: ``"alternating"`` or ``"simultaneous"``.
        backend: ``"numba"`` (compiled; public-tree layout when the game allows it),
            ``"numba_nodes"`` (compiled per-history sweep) or ``"numpy"`` (level-by-level reference).
        name: label.

    Returns:
        A :class:`CFR` solver (``init`` / ``update`` / ``average_policy``).

    Example:
        >>> solver = cfr(local=regret_matching_plus(), averaging=linear())  # CFR+
    """
    local = regret_matching() if local is None else local
    averaging = uniform() if averaging is None else averaging
    if not isinstance(local, LocalRule):
        raise TypeError(f"local must be a LocalRule (e.g. regret_matching()), got {local!r}")
    if not isinstance(averaging, Averaging):
        raise TypeError(f"averaging must be an Averaging (e.g. linear()), got {averaging!r}")
    if updates not in _UPDATES:
        raise ValueError(f"updates must be one of {_UPDATES}, got {updates!r}")
    if backend not in _BACKENDS:
        raise ValueError(f"backend must be one of {_BACKENDS}, got {backend!r}")
    return CFR(local, averaging, updates, backend, name or f"cfr[{local.name},{averaging.name},{updates}]")


def vanilla_cfr(updates: str = "alternating", **kw: Any) -> CFR:
    """CFR (Zinkevich et al. 2007): regret matching, uniform averaging."""
    return cfr(regret_matching(), uniform(), updates, name="cfr", **kw)


def cfr_plus(updates: str = "alternating", delay: int = 0, **kw: Any) -> CFR:
    """CFR+ (Tammelin 2014): regret matching+, linear averaging, alternating updates."""
    avg = linear() if delay == 0 else delayed(delay)
    return cfr(regret_matching_plus(), avg, updates, name="cfr+", **kw)


def linear_cfr(updates: str = "alternating", **kw: Any) -> CFR:
    """Linear CFR (Brown & Sandholm 2019): regrets and average both weighted by t (DCFR(1,1,1))."""
    return cfr(discounted(1.0, 1.0), linear(), updates, name="linear_cfr", **kw)


def dcfr(alpha: float = 1.5, beta: float = 0.0, gamma: float = 2.0,
         updates: str = "alternating", **kw: Any) -> CFR:
    """Discounted CFR (Brown & Sandholm 2019) with (α, β, γ) = (1.5, 0, 2) by default."""
    return cfr(discounted(alpha, beta), polynomial(gamma), updates, name="dcfr", **kw)


def pcfr_plus(updates: str = "alternating", gamma: float = 2.0, **kw: Any) -> CFR:
    """Predictive CFR+ (Farina et al. 2021): RM+ with prediction r^t, quadratic averaging."""
    return cfr(predictive(regret_matching_plus()), polynomial(gamma), updates, name="pcfr+", **kw)


ALGORITHMS: dict[str, Callable[..., CFR]] = {
    "cfr": vanilla_cfr,
    "cfr+": cfr_plus,
    "linear_cfr": linear_cfr,
    "dcfr": dcfr,
    "pcfr+": pcfr_plus,
}


def make_solver(name: str, **kw: Any) -> CFR:
    """A preset solver by name: one of ``cfr``, ``cfr+``, ``linear_cfr``, ``dcfr``, ``pcfr+``."""
    if name not in ALGORITHMS:
        raise ValueError(f"algo must be one of {sorted(ALGORITHMS)}, got {name!r}")
    return ALGORITHMS[name](**kw)
