"""Policy-space response oracles (PSRO) and double oracle with exact best responses, on
normal-form games (:class:`~regretlab.games.normal_form.NormalFormGame`) and extensive-form
games (:class:`~regretlab.games.treeplex.Treeplex`).

Each player keeps a population of policies. Every iteration solves the *restricted* (meta-)game
among the populations with a meta-solver, and adds each player's exact best response to the
others' meta-strategy mixtures (Lanctot et al., "A unified game-theoretic approach to multiagent
reinforcement learning", NeurIPS 2017). With the Nash meta-solver this is the double oracle
(McMahan, Gordon & Blum, ICML 2003): in a finite game it stops when no best response is new, at
an exact equilibrium of the whole game. Meta-solvers:

* ``"nash"``: two-player zero-sum: the minimax LP (:func:`~regretlab.games.normal_form.zero_sum_nash`);
  two-player general-sum: Lemke–Howson; not defined for more players;
* ``"uniform"``: the uniform mixture over the population (fictitious play in policy space);
* ``"alpharank"``: each population's marginal of the α-rank distribution (Muller et al.,
  "A generalized training approach for multiagent learning", ICLR 2020);
* ``"cce"`` / ``"ce"``: a welfare-maximising coarse correlated / correlated equilibrium of the
  meta-game (the LP of :func:`~regretlab.games.normal_form.lp.correlated_equilibrium`), with the
  best responses of JPSRO (Marris et al., "Multi-agent training beyond zero-sum with correlated
  equilibrium meta-solvers", ICML 2021): for CCE each player's best response to the others' joint
  marginal of the meta-distribution ``μ``; for CE one best response per recommended policy, to
  the others' distribution conditioned on it. The curve ``gap`` records ``μ``'s CCE / CE gap in
  the whole game (max over players, as :func:`~regretlab.games.normal_form.gaps.cce_gap`), which
  ``tol`` then applies to; when no best response is new, ``μ`` is a CCE / CE of the whole game.
  Extensive-form games: two players (the joint of the others is then one population's mixture,
  which a behavioural strategy plays exactly). In a two-player zero-sum game the marginals of a
  CCE are a Nash equilibrium, so ``nash_conv`` falls to 0 as well.

Extensive-form policies are behavioural; a mixture of them is played through its realization
plan (mixing the plans is exact under perfect recall, Kuhn 1953), so the best response to a
meta-strategy is the exact best response of :mod:`regretlab.games.evaluation`. Two-player
meta-games are filled from the sequence form (``u_0(π_i, π_j) = x_iᵀ A y_j``, one sparse product
per new policy); games with more players by exact evaluation of each profile.
"""

from __future__ import annotations

import itertools
import time
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp

from regretlab.core.errors import check_int, check_positive
from regretlab.games.normal_form.game import NormalFormGame
from regretlab.games.treeplex import Treeplex

META_SOLVERS = ("nash", "uniform", "alpharank", "ce", "cce")
CORRELATED = ("ce", "cce")


class PSROResult(NamedTuple):
    """Outcome of :func:`psro` / :func:`double_oracle`."""

    profile: Any  # NF: P mixed strategies [K_i]; EF: the [I, A] behavioural meta-profile
    meta_strategies: list[np.ndarray]  # per player, the mixture [n_i] over its population
    population_sizes: tuple[int, ...]  # policies per player at the end
    nash_conv: np.ndarray  # [iterations + 1] NashConv of the meta-profile after each meta-solve
    iterations: int  # best-response rounds that added a policy (len(nash_conv) - 1)
    stopped: str  # "converged" (no new best response), "tol", "iterations" or "time_limit"
    meta_game: np.ndarray  # [P, n_1, ..., n_P] the restricted game's payoffs at the last meta-solve
    populations: list[list[Any]]  # per player: its actions (normal form) or [I, A] policies (extensive form)
    gap: np.ndarray | None = None  # ce/cce: [iterations + 1] the meta-distribution's CE/CCE gap in the whole game
    joint: np.ndarray | None = None  # ce/cce: [n_1, ..., n_P] the meta-distribution at the last meta-solve


def _check_meta_solver(meta_solver: Any, num_players: int, zero_sum: bool) -> str:
    if meta_solver not in META_SOLVERS:
        raise ValueError(f"meta_solver must be one of {', '.join(META_SOLVERS)}, got {meta_solver!r}")
    if meta_solver == "nash" and num_players != 2:
        raise ValueError(f"meta_solver='nash' needs a 2-player game (got {num_players} players); "
                         "use 'uniform' or 'alpharank'")
    return meta_solver


def _correlated(payoffs: np.ndarray, kind: str) -> tuple[np.ndarray, list[np.ndarray]]:
    """A welfare-maximising CE / CCE ``μ [n_1..n_P]`` of the meta-game and its marginals."""
    from regretlab.games.normal_form.lp import correlated_equilibrium

    mu = correlated_equilibrium(NormalFormGame(payoffs), kind, "welfare").joint
    P = mu.ndim
    marg = [mu.sum(axis=tuple(q for q in range(P) if q != p)) for p in range(P)]
    return mu, [m / m.sum() for m in marg]


def _minimax(a: np.ndarray) -> list[np.ndarray]:
    """Both players' minimax strategies of the zero-sum matrix ``a`` from one LP and its duals:
    ``max v s.t. v - xᵀa_j <= 0 (dual y_j), Σx = 1, x >= 0``."""
    from scipy.optimize import linprog

    k1, k2 = a.shape
    c = np.zeros(k1 + 1)
    c[-1] = -1.0
    a_ub = np.hstack([-a.T, np.ones((k2, 1))])
    a_eq = np.hstack([np.ones((1, k1)), np.zeros((1, 1))])
    res = linprog(c, A_ub=a_ub, b_ub=np.zeros(k2), A_eq=a_eq, b_eq=[1.0],
                  bounds=[(0, None)] * k1 + [(None, None)], method="highs-ds",
                  options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10})
    if res.status != 0:  # pragma: no cover - a bounded feasible LP
        raise RuntimeError(f"meta-game LP failed: {res.message}")
    out = []
    for v in (res.x[:k1], -res.ineqlin.marginals):
        v = np.maximum(v, 0.0)
        out.append(v / v.sum())
    return out


def _minimax_on_support(a: np.ndarray, hint: list[np.ndarray] | None, tol: float = 1e-12) -> list[np.ndarray]:
    """:func:`_minimax` of ``a`` solved on a small sub-matrix: start from the rows and columns
    in ``hint`` (the last meta-solve's supports plus the new policies), add every row or column
    that beats the sub-game's value by more than ``tol``, and re-solve until none does; the
    result is then a minimax solution of the whole matrix (a double oracle inside the meta-game)."""
    k1, k2 = a.shape
    if hint is None or k1 * k2 <= 400:
        return _minimax(a)
    rows = np.unique(np.r_[hint[0], k1 - 1]).astype(int)
    cols = np.unique(np.r_[hint[1], k2 - 1]).astype(int)
    while True:
        xs, ys = _minimax(a[np.ix_(rows, cols)])
        x = np.zeros(k1)
        y = np.zeros(k2)
        x[rows], y[cols] = xs, ys
        v_row = a @ y  # each row's payoff against y
        v_col = x @ a  # each column's payoff (to the row player) against x
        value = float(x @ a @ y)
        better_rows = np.setdiff1d(np.flatnonzero(v_row > value + tol), rows)
        better_cols = np.setdiff1d(np.flatnonzero(v_col < value - tol), cols)
        if better_rows.size == 0 and better_cols.size == 0:
            return [x, y]
        rows = np.union1d(rows, better_rows)
        cols = np.union1d(cols, better_cols)


def _meta_solve(payoffs: np.ndarray, meta_solver: str, zero_sum: bool, alpha: float,
                hint: list[np.ndarray] | None = None) -> list[np.ndarray]:
    """Meta-strategies of the restricted game ``payoffs [P, n_1, ..., n_P]``."""
    P = payoffs.shape[0]
    sizes = payoffs.shape[1:]
    if meta_solver == "uniform":
        return [np.full(n, 1.0 / n) for n in sizes]
    if meta_solver == "nash":
        if zero_sum:
            return _minimax_on_support(payoffs[0], hint)
        from regretlab.games.normal_form.nash import lemke_howson

        x, y = lemke_howson(NormalFormGame(payoffs))
        return [np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)]
    from regretlab.games.normal_form.alpharank import alpharank

    res = alpharank(list(payoffs), alpha=alpha, population="multi")
    out = []
    for k in range(P):
        marg = np.zeros(sizes[k])
        np.add.at(marg, res.profiles[:, k], res.pi)
        out.append(marg / marg.sum())
    return out


def _check_common(iterations: Any, tol: Any, time_limit: Any, alpha: Any) -> tuple[int, float, float | None, float]:
    iterations = check_int("iterations", iterations, minimum=1)
    tol = check_positive("tol", tol, allow_zero=True)
    if time_limit is not None:
        time_limit = check_positive("time_limit", time_limit)
    alpha = check_positive("alpha", alpha)
    return iterations, tol, time_limit, alpha


# -- normal-form games --------------------------------------------------------------------------
def _psro_normal_form(game: NormalFormGame, meta_solver: str, iterations: int, tol: float,
                      time_limit: float | None, alpha: float, initial: Any) -> PSROResult:
    from regretlab.games.normal_form.gaps import nash_conv

    P = game.num_players
    zero_sum = P == 2 and game.is_zero_sum(atol=1e-9)
    _check_meta_solver(meta_solver, P, zero_sum)
    if initial is None:
        pops = [[0] for _ in range(P)]
    else:
        if len(initial) != P:
            raise ValueError(f"initial must give one starting action per player ({P}), got {initial!r}")
        pops = []
        for i, (a, k) in enumerate(zip(initial, game.num_actions)):
            if isinstance(a, bool) or not isinstance(a, (int, np.integer)) or not 0 <= a < k:
                raise ValueError(f"initial[{i}] must be an action in [0, {k}), got {a!r}")
            pops.append([int(a)])
    from regretlab.games.normal_form.gaps import cce_gap, ce_gap

    started = time.perf_counter()
    curve: list[float] = []
    gaps: list[float] = []
    correlated = meta_solver in CORRELATED
    mu = None
    stopped = "iterations"
    it = 0
    while True:
        sub = game.payoffs[(slice(None),) + np.ix_(*[list(p) for p in pops])]
        if correlated:
            mu, meta = _correlated(sub, meta_solver)
            mu_full = np.zeros(game.num_actions)
            mu_full[np.ix_(*[list(p) for p in pops])] = mu
            gaps.append(float((cce_gap if meta_solver == "cce" else ce_gap)(game, mu_full)))
        else:
            meta = _meta_solve(sub, meta_solver, zero_sum, alpha)
        full = []
        for i, k in enumerate(game.num_actions):
            x = np.zeros(k)
            x[pops[i]] = meta[i]
            full.append(x)
        curve.append(float(nash_conv(game, full)))
        if (gaps if correlated else curve)[-1] <= tol:
            stopped = "tol"
            break
        if it >= iterations:
            break
        if time_limit is not None and time.perf_counter() - started > time_limit:
            stopped = "time_limit"
            break
        added = False
        for i in range(P):
            if correlated:  # JPSRO: respond to the others' joint (CCE) or to each recommendation (CE)
                u = np.moveaxis(game.payoffs[i], i, 0)
                others = np.moveaxis(mu_full, i, 0)
                if meta_solver == "cce":
                    targets = [others.sum(axis=0)]
                else:
                    targets = [others[a] / others[a].sum() for a in pops[i] if others[a].sum() > 1e-12]
                brs = [int(np.argmax(np.tensordot(u, nu, axes=P - 1))) for nu in targets]
            else:
                brs = [int(np.argmax(game.deviation_utilities(full, i)))]
            for br in brs:
                if br not in pops[i]:
                    pops[i].append(br)
                    added = True
        if not added:
            stopped = "converged"
            break
        it += 1
    return PSROResult(full, meta, tuple(len(p) for p in pops), np.array(curve), it, stopped, sub,
                      [list(p) for p in pops], np.array(gaps) if correlated else None, mu)


# -- extensive-form games -----------------------------------------------------------------------
class _EFMeta:
    """Populations of an extensive-form game and their meta-game payoff tensor (grown in place)."""

    def __init__(self, game: Treeplex) -> None:
        from regretlab.games.sequence_form import realization_plan

        self.game = game
        self.P = game.num_players
        self.plans: list[list[np.ndarray]] = [[] for _ in range(self.P)]
        self.policies: list[list[np.ndarray]] = [[] for _ in range(self.P)]
        self.seen: list[set[bytes]] = [set() for _ in range(self.P)]
        self._plan = realization_plan
        if self.P == 2:
            from regretlab.games.sequence_form import sequence_form

            sf = sequence_form(game)
            z0, z1 = sf.terminal_sequences[:, 0], sf.terminal_sequences[:, 1]
            shape = sf.payoff.shape
            A = [sp.csr_matrix((sf.terminal_chance * game.utilities[:, p], (z0, z1)), shape=shape)
                 for p in range(2)]
            self.A, self.AT = A, [a.T.tocsr() for a in A]
            self.xA: list[list[np.ndarray]] = [[], []]  # per payoff p: A_pᵀ x_i for each x_i  [S1]
            self.Ay: list[list[np.ndarray]] = [[], []]  # per payoff p: A_p y_j for each y_j  [S0]
            self.matrix = np.zeros((2, 0, 0))
        self.table: dict[tuple[int, ...], np.ndarray] = {}

    def add(self, player: int, policy: np.ndarray) -> bool:
        """Add a policy unless one with the same realization plan is there; True when added."""
        x = self._plan(self.game, policy, player)
        key = np.round(x, 12).tobytes()
        if key in self.seen[player]:
            return False
        self.seen[player].add(key)
        self.plans[player].append(x)
        self.policies[player].append(policy)
        if self.P == 2:  # one new row (player 0) or column (player 1) of both payoff matrices
            n0, n1 = self.matrix.shape[1:]
            if player == 0:
                grown = np.zeros((2, n0 + 1, n1))
                grown[:, :n0] = self.matrix
                for p in range(2):
                    self.xA[p].append(self.AT[p] @ x)
                    grown[p, n0] = [y @ self.xA[p][-1] for y in self.plans[1]] if n1 else []
            else:
                grown = np.zeros((2, n0, n1 + 1))
                grown[:, :, :n1] = self.matrix
                for p in range(2):
                    self.Ay[p].append(self.A[p] @ x)
                    grown[p, :, n1] = [xi @ self.Ay[p][-1] for xi in self.plans[0]] if n0 else []
            self.matrix = grown
        return True

    def payoffs(self) -> np.ndarray:
        if self.P == 2:
            return self.matrix
        from regretlab.games.evaluation import head_to_head

        sizes = tuple(len(p) for p in self.plans)
        out = np.empty((self.P, *sizes))
        for idx in itertools.product(*(range(n) for n in sizes)):
            if idx not in self.table:
                self.table[idx] = head_to_head(self.game, [self.policies[p][j] for p, j in enumerate(idx)])
            out[(slice(None),) + idx] = self.table[idx]
        return out

    def mixture(self, meta: list[np.ndarray]) -> np.ndarray:
        """The behavioural profile that plays each player's meta-mixture of its population."""
        from regretlab.games.sequence_form import behavioural

        plans = [np.asarray(m) @ np.array(self.plans[p]) for p, m in enumerate(meta)]
        return behavioural(self.game, plans)


def _psro_extensive_form(game: Treeplex, meta_solver: str, iterations: int, tol: float,
                         time_limit: float | None, alpha: float, initial: Any) -> PSROResult:
    from regretlab.games.evaluation import best_response, expected_value

    P = game.num_players
    total = game.utilities.sum(axis=1)
    zero_sum = P == 2 and (total.size == 0 or float(np.ptp(total)) <= 1e-9 * max(1.0, float(np.abs(game.utilities).max())))
    _check_meta_solver(meta_solver, P, zero_sum)
    correlated = meta_solver in CORRELATED
    if correlated and P != 2:
        raise ValueError(f"meta_solver={meta_solver!r} on an extensive-form game needs 2 players (got {P}); "
                         "use 'uniform' or 'alpharank'")
    start = game.uniform_policy() if initial is None else game.check_policy(initial, "initial")
    pops = _EFMeta(game)
    for p in range(P):
        pops.add(p, start)
    started = time.perf_counter()
    curve: list[float] = []
    gaps: list[float] = []
    mu = None
    stopped = "iterations"
    it = 0
    hint = None
    while True:
        meta_game = pops.payoffs()
        if correlated:
            mu, meta = _correlated(meta_game, meta_solver)
        else:
            meta = _meta_solve(meta_game, meta_solver, zero_sum, alpha, hint)
        hint = [np.flatnonzero(m > 0) for m in meta]
        profile = pops.mixture(meta)
        value = expected_value(game, profile)
        brs = [best_response(game, profile, p) for p in range(P)]
        curve.append(float(sum(b.value - value[p] for p, b in enumerate(brs))))
        new = [b.policy(game, profile) for b in brs]
        if correlated:
            gap, new = _correlated_responses(game, pops, meta_game, mu, meta_solver, brs, profile)
            gaps.append(gap)
        if (gaps if correlated else curve)[-1] <= tol:
            stopped = "tol"
            break
        if it >= iterations:
            break
        if time_limit is not None and time.perf_counter() - started > time_limit:
            stopped = "time_limit"
            break
        added = False
        for p, pols in enumerate(new if correlated else [[x] for x in new]):
            for pol in pols:
                added |= pops.add(p, pol)
        if not added:
            stopped = "converged"
            break
        it += 1
    sizes = tuple(len(p) for p in pops.plans)
    return PSROResult(profile, meta, sizes, np.array(curve), it, stopped,
                      meta_game[(slice(None),) + tuple(slice(0, len(m)) for m in meta)].copy(),
                      [list(p[:len(m)]) for p, m in zip(pops.policies, meta)],
                      np.array(gaps) if correlated else None, mu)


def _correlated_responses(game: Treeplex, pops: _EFMeta, meta_game: np.ndarray, mu: np.ndarray, kind: str,
                          brs: list, profile: np.ndarray) -> tuple[float, list[list[np.ndarray]]]:
    """JPSRO's best responses of a two-player extensive-form game to the meta-distribution ``mu``
    ``[n0, n1]``, and ``mu``'s CCE / CE gap (max over players) in the whole game."""
    from regretlab.games.evaluation import best_response
    from regretlab.games.sequence_form import behavioural

    new: list[list[np.ndarray]] = [[], []]
    gain = [0.0, 0.0]
    for p in range(2):
        joint = mu if p == 0 else mu.T  # [own, other]
        u = meta_game[p] if p == 0 else meta_game[p].T
        if kind == "cce":  # the other's marginal is the product profile's other part
            gain[p] = brs[p].value - float((joint * u).sum())
            new[p].append(brs[p].policy(game, profile))
            continue
        for j in np.flatnonzero(joint.sum(axis=1) > 1e-12):
            mass = float(joint[j].sum())
            cond = joint[j] / mass
            plans: list[Any] = [None, None]
            plans[1 - p] = cond @ np.array(pops.plans[1 - p])
            other = behavioural(game, plans, base=profile)
            b = best_response(game, other, p)
            gain[p] += mass * (b.value - float(cond @ u[j]))
            new[p].append(b.policy(game, other))
    return max(gain), new


def psro(
    game: NormalFormGame | Treeplex,
    meta_solver: str = "nash",
    iterations: int = 100,
    *,
    tol: float = 0.0,
    time_limit: float | None = None,
    alpha: float = 10.0,
    initial: Any = None,
) -> PSROResult:
    """PSRO with exact best responses on a normal-form or extensive-form game.

    Loop: solve the restricted game of the populations with ``meta_solver``; record the NashConv
    of the resulting meta-profile in the whole game; add every player's exact best response to
    it; stop when no best response is new, NashConv <= ``tol``, after ``iterations`` rounds or
    at ``time_limit`` seconds.

    Args:
        game: a :class:`NormalFormGame` (populations of pure actions) or a :class:`Treeplex`
            (populations of behavioural policies; best responses are pure).
        meta_solver: ``"nash"`` (2 players), ``"uniform"``, ``"alpharank"``, ``"cce"`` or ``"ce"``
            (extensive form: 2 players).
        iterations: most best-response rounds.
        tol: stop once NashConv <= tol (``ce``/``cce``: once the meta-distribution's gap <= tol).
        time_limit: seconds (``None``: no limit); reaching it returns what was found.
        alpha: α-rank's selection intensity (meta_solver ``"alpharank"``).
        initial: the first policy: per player an action (normal form), or one ``[I, A]``
            policy for every player (extensive form; default uniform).

    Returns:
        :class:`PSROResult` (final meta-profile, meta-strategies, population sizes, NashConv
        curve, iterations, why it stopped; ``gap`` and ``joint`` for ``ce``/``cce``).

    Example:
        >>> from regretlab.games import kuhn_poker
        >>> res = psro(kuhn_poker(), "nash", iterations=50, tol=1e-9)
        >>> res.stopped, bool(res.nash_conv[-1] < 1e-9), res.population_sizes
        ('tol', True, (7, 7))

    References:
        M. Lanctot et al., NeurIPS 2017 (PSRO); H. B. McMahan, G. Gordon, A. Blum, ICML 2003
        (double oracle); P. Muller et al., ICLR 2020 (α-rank meta-solver); L. Marris et al.,
        ICML 2021 (JPSRO: CE / CCE meta-solvers).
    """
    iterations, tol, time_limit, alpha = _check_common(iterations, tol, time_limit, alpha)
    if isinstance(game, NormalFormGame):
        return _psro_normal_form(game, meta_solver, iterations, tol, time_limit, alpha, initial)
    if isinstance(game, Treeplex):
        return _psro_extensive_form(game, meta_solver, iterations, tol, time_limit, alpha, initial)
    raise TypeError(f"game must be a NormalFormGame or a Treeplex, got {type(game).__name__}")


def double_oracle(game: NormalFormGame | Treeplex, iterations: int = 1000, **kwargs: Any) -> PSROResult:
    """Double oracle: :func:`psro` with the Nash meta-solver (two players), run until no best
    response is new (then the meta-profile is an exact Nash equilibrium of the whole game).

    Example:
        >>> from regretlab.games.normal_form import rock_paper_scissors
        >>> res = double_oracle(rock_paper_scissors())
        >>> [x.round(6).tolist() for x in res.profile], res.stopped
        ([[0.333333, 0.333333, 0.333333], [0.333333, 0.333333, 0.333333]], 'converged')
    """
    return psro(game, "nash", iterations, **kwargs)


__all__ = ["META_SOLVERS", "PSROResult", "double_oracle", "psro"]

