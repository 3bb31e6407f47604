"""Repeated play of a normal-form game: no-regret dynamics, fictitious play, replicator dynamics.

Every player runs its own batched learner (spec §2.1 "repeated games among learners", §4.3.3).
The empirical joint distribution of play is a ``max_i Reg_i(T)/T``-CCE (Hart & Mas-Colell 2000;
Blum & Mansour 2007, ch. 4 of Nisan et al.); the identity ``CCEgap(μ_T) = max_i Reg_i(T)/T``
holds exactly for the joint distribution recorded here.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Sequence

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_int, check_positive
from regretlab.core.registry import learners as learner_registry
from regretlab.core.types import Bandit, FullInfo
from regretlab.games.normal_form.game import NormalFormGame
from regretlab.games.normal_form.gaps import nash_conv

_MODES = ("expected", "realized")


class DynamicsResult(NamedTuple):
    """What repeated play records (R = number of recorded rounds)."""

    rounds: np.ndarray  # [R] number of rounds played at each record
    cce_gap: np.ndarray  # [R, B] CCE gap of the empirical joint distribution so far
    regret: np.ndarray  # [R, B, P] each player's external regret so far
    nash_conv: np.ndarray  # [R, B] NashConv of the time-averaged strategies
    joint: np.ndarray  # [B, K1, ..., KP] empirical joint distribution after the last round
    average_strategies: list  # P arrays [B, K_i], time averages of the played mixtures
    last_strategies: list  # P arrays [B, K_i], the strategies of the last round


def _resolve_learners(learners: Any, num_players: int, horizon: int) -> list[Any]:
    if isinstance(learners, (list, tuple)):
        if len(learners) != num_players:
            raise ValueError(f"learners must be one learner or a list of {num_players}, got {len(learners)}")
        items = list(learners)
    else:
        items = [learners] * num_players
    out = []
    for i, item in enumerate(items):
        if isinstance(item, str):  # a registered name; a rate that needs T is tuned to T
            from regretlab.run import make_learner

            item = make_learner(item, horizon)
        if not all(hasattr(item, m) for m in ("init", "strategy", "update")):
            raise TypeError(f"learners[{i}] must be a learner (init/strategy/update) or a registered name, got {item!r}")
        if getattr(item, "feedback", None) not in (FullInfo, Bandit):
            raise TypeError(f"learners[{i}].feedback must be FullInfo or Bandit, got {getattr(item, 'feedback', None)!r}")
        out.append(item)
    return out


def _pure_utilities(game: NormalFormGame, actions: Sequence[np.ndarray], player: int) -> np.ndarray:
    """``u_i(·, a_{-i})`` for realized actions ``a_j [B]``: ``[B, K_i]``."""
    table = np.moveaxis(game.payoffs[player], player, -1)  # [K_{-i}..., K_i]
    others = tuple(a for j, a in enumerate(actions) if j != player)
    out = table[others] if others else table
    return np.broadcast_to(out, (actions[0].shape[0], table.shape[-1]))


def play(
    game: NormalFormGame,
    learners: Any,
    T: int,
    batch: int = 1,
    seed: int = 0,
    mode: str | None = None,
    every: int = 1,
    on_round: Any = None,
) -> DynamicsResult:
    """Repeated play where player i runs ``learners[i]`` (batched over ``batch`` runs).

    Round t: each player announces ``x_i^t = strategy(state_i)``. ``mode="expected"``: player i
    sees ``u_i(·, x_{-i}^t)`` and the joint distribution accumulates ``⊗_i x_i^t``.
    ``mode="realized"``: actions ``a^t ~ x^t`` are drawn, full-information players see
    ``u_i(·, a_{-i}^t)``, bandit players (``learner.feedback is Bandit``) see only
    ``u_i(a^t)`` with its probability, and the joint distribution counts ``a^t``.

    Args:
        game: a :class:`NormalFormGame` (learners assume utilities in [0, 1]; see ``rescale``).
        learners: one learner (every player) or a list of P, objects or registered names
            (a name's rate is tuned to T when it needs the horizon, as ``regretlab.run.make_learner``).
        T: rounds.
        batch: independent runs B.
        seed: seed of the run keys (row b equals a solo run with the same seed's key b).
        mode: ``"expected"`` or ``"realized"``; default expected unless a bandit learner plays.
        every: record metrics every ``every`` rounds (and at T).
        on_round: called with the number of finished rounds after each round (progress bars).

    Returns:
        :class:`DynamicsResult`; ``cce_gap[r] == max_i regret[r, :, i] / rounds[r]``.
    """
    if not isinstance(game, NormalFormGame):
        raise TypeError(f"game must be a NormalFormGame, got {type(game).__name__}")
    T = check_int("T", T)
    batch = check_int("batch", batch)
    every = check_int("every", every)
    p = game.num_players
    ls = _resolve_learners(learners, p, T)
    bandit = [lr.feedback is Bandit for lr in ls]
    if mode is None:
        mode = "realized" if any(bandit) else "expected"
    if mode not in _MODES:
        raise ValueError(f"mode must be 'expected' or 'realized', got {mode!r}")
    if mode == "expected" and any(bandit):
        raise ValueError("mode='expected' needs full-information learners; a bandit learner needs mode='realized'")
    keys = rng.spawn_keys(seed, batch)
    states = [lr.init(rng.derive(keys, 16 + i), k) for i, (lr, k) in enumerate(zip(ls, game.num_actions))]
    action_keys = [rng.derive(rng.derive(keys, "action"), 32 + i) for i in range(p)]
    cum_util = [np.zeros((batch, k)) for k in game.num_actions]  # Σ_t u_i^t(a)
    cum_got = np.zeros((batch, p))  # Σ_t utility actually obtained (expected or realized)
    sum_x = [np.zeros((batch, k)) for k in game.num_actions]
    joint = np.zeros((batch,) + game.num_actions)
    letters = "abcdefghijklmnopqrstuvwxy"[:p]
    outer = ",".join(f"z{c}" for c in letters) + f"->z{letters}"
    rec_t, rec_gap, rec_reg, rec_nc = [], [], [], []
    bidx = np.arange(batch)
    xs: list[np.ndarray] = []
    for t in range(T):
        xs = [lr.strategy(s) for lr, s in zip(ls, states)]
        for i in range(p):
            sum_x[i] += xs[i]
        if mode == "expected":
            utils = [game.deviation_utilities(xs, i) for i in range(p)]
            for i in range(p):
                cum_got[:, i] += np.einsum("bk,bk->b", utils[i], xs[i])
            joint += np.einsum(outer, *xs)
            feedback = [FullInfo(u) for u in utils]
        else:
            acts = [rng.sample_actions(action_keys[i], t, xs[i]) for i in range(p)]
            utils = [_pure_utilities(game, acts, i) for i in range(p)]
            feedback = []
            for i in range(p):
                got = utils[i][bidx, acts[i]]
                cum_got[:, i] += got
                if bandit[i]:
                    feedback.append(Bandit(acts[i], got, xs[i][bidx, acts[i]]))
                else:
                    feedback.append(FullInfo(utils[i]))
            np.add.at(joint, (bidx, *acts), 1.0)
        for i in range(p):
            cum_util[i] += utils[i]
        states = [lr.update(s, fb) for lr, s, fb in zip(ls, states, feedback)]
        n = t + 1
        if on_round is not None:
            on_round(n)
        if n % every == 0 or n == T:
            reg = np.stack([cum_util[i].max(axis=1) - cum_got[:, i] for i in range(p)], axis=1)
            rec_t.append(n)
            rec_reg.append(reg)
            rec_gap.append(reg.max(axis=1) / n)
            rec_nc.append(nash_conv(game, [s / n for s in sum_x]))
    return DynamicsResult(
        rounds=np.array(rec_t),
        cce_gap=np.array(rec_gap),
        regret=np.array(rec_reg),
        nash_conv=np.array(rec_nc),
        joint=joint / T,
        average_strategies=[s / T for s in sum_x],
        last_strategies=xs,
    )


def self_play(game: NormalFormGame, learner: Any = "hedge", T: int = 1000, **kwargs: Any) -> DynamicsResult:
    """Every player runs the same learner (a name with ``learner_params`` or an object)."""
    params = kwargs.pop("learner_params", {})
    if isinstance(learner, str):
        learner = learner_registry.make(learner, **params)
    return play(game, learner, T, **kwargs)


def optimistic_hedge_self_play(game: NormalFormGame, T: int, lr: float | None = None, **kwargs: Any) -> DynamicsResult:
    """Optimistic Hedge self-play: ``x_i^{t+1} ∝ exp(η (U_i^t + u_i^t))`` (Syrgkanis et al. 2015).

    With payoffs in [0, 1] and ``η <= 1/(2(P-1))`` the RVU property gives
    ``Σ_i Reg_i(T) <= P ln K / η`` for every T (Syrgkanis, Agarwal, Luo & Schapire, NeurIPS 2015,
    Thm 4 with Prop. 7); default ``lr = 1/(2(P-1))``.
    """
    from regretlab.experts import hedge, optimistic

    if lr is None:
        lr = 1.0 / (2 * max(game.num_players - 1, 1))
    return play(game, optimistic(hedge(lr=lr)), T, **kwargs)


class FictitiousPlayResult(NamedTuple):
    """Fictitious play records (R = number of recorded rounds)."""

    rounds: np.ndarray  # [R]
    nash_conv: np.ndarray  # [R, B] NashConv of the empirical action frequencies
    cce_gap: np.ndarray  # [R, B] CCE gap of the empirical joint distribution of play
    joint: np.ndarray  # [B, K1..KP] empirical joint distribution
    average_strategies: list  # P arrays [B, K_i] empirical frequencies


def fictitious_play(game: NormalFormGame, T: int, batch: int = 1, seed: int = 0,
                    every: int = 1) -> FictitiousPlayResult:
    """Simultaneous fictitious play: ``a_i^{t+1} ∈ argmax_a u_i(a, \\bar x_{-i}^t)`` (Brown 1951).

    ``\\bar x_j^t`` is player j's empirical action frequency. Round 1 actions are uniform draws
    from the run key; ties go to the lowest index. Frequencies converge to Nash in zero-sum
    games (Robinson 1951) and cycle in Shapley's game (Shapley 1964).

    Returns:
        :class:`FictitiousPlayResult`.
    """
    if not isinstance(game, NormalFormGame):
        raise TypeError(f"game must be a NormalFormGame, got {type(game).__name__}")
    T = check_int("T", T)
    batch = check_int("batch", batch)
    every = check_int("every", every)
    p = game.num_players
    keys = rng.derive(rng.spawn_keys(seed, batch), "action")
    counts = [np.zeros((batch, k)) for k in game.num_actions]
    joint = np.zeros((batch,) + game.num_actions)
    bidx = np.arange(batch)
    cum_util = [np.zeros((batch, k)) for k in game.num_actions]
    cum_got = np.zeros((batch, p))
    rec_t, rec_nc, rec_gap = [], [], []
    for t in range(T):
        if t == 0:
            acts = [rng.sample_actions(rng.derive(keys, 32 + i), 0, np.full((batch, k), 1.0 / k))
                    for i, k in enumerate(game.num_actions)]
        else:
            freq = [c / t for c in counts]
            acts = [np.argmax(game.deviation_utilities(freq, i), axis=1) for i in range(p)]
        for i in range(p):
            counts[i][bidx, acts[i]] += 1.0
            u = _pure_utilities(game, acts, i)
            cum_util[i] += u
            cum_got[:, i] += u[bidx, acts[i]]
        np.add.at(joint, (bidx, *acts), 1.0)
        n = t + 1
        if n % every == 0 or n == T:
            rec_t.append(n)
            rec_nc.append(nash_conv(game, [c / n for c in counts]))
            reg = np.stack([cum_util[i].max(axis=1) - cum_got[:, i] for i in range(p)], axis=1)
            rec_gap.append(reg.max(axis=1) / n)
    return FictitiousPlayResult(np.array(rec_t), np.array(rec_nc), np.array(rec_gap), joint / T,
                                [c / T for c in counts])


class ReplicatorResult(NamedTuple):
    """Replicator trajectory (R = number of recorded steps)."""

    times: np.ndarray  # [R] continuous time of each record
    strategies: list  # P arrays [R, B, K_i], the state at each record
    average_strategies: list  # P arrays [B, K_i], time averages over [0, steps*dt]
    nash_conv: np.ndarray  # [R, B] NashConv of the state


def replicator_dynamics(game: NormalFormGame, steps: int, dt: float = 0.01, batch: int = 1,
                        seed: int = 0, initial: Sequence[np.ndarray] | None = None,
                        every: int = 1) -> ReplicatorResult:
    """Multi-population replicator dynamics ``ẋ_i(a) = x_i(a)(u_i(a, x_{-i}) - u_i(x))``, RK4.

    (Taylor & Jonker 1978; Hofbauer & Sigmund, *Evolutionary Games and Population Dynamics*,
    1998.) In a zero-sum bimatrix game with interior equilibrium (x*, y*) the quantity
    ``Σ x*_k log x_k + Σ y*_k log y_k`` is a constant of motion (Hofbauer & Sigmund §11.2).

    Args:
        steps: RK4 steps of size ``dt``.
        initial: P arrays ``[B, K_i]`` (interior); default Dirichlet(1) draws from the seed.

    Returns:
        :class:`ReplicatorResult`.
    """
    if not isinstance(game, NormalFormGame):
        raise TypeError(f"game must be a NormalFormGame, got {type(game).__name__}")
    steps = check_int("steps", steps)
    dt = check_positive("dt", dt)
    batch = check_int("batch", batch)
    every = check_int("every", every)
    p = game.num_players
    if initial is None:
        keys = rng.derive(rng.spawn_keys(seed, batch), "noise")
        xs = []
        for i, k in enumerate(game.num_actions):
            e = -np.log(rng.uniform(rng.derive(keys, 48 + i), 0, k))  # exponential draws
            xs.append(e / e.sum(axis=1, keepdims=True))
    else:
        xs = [np.broadcast_to(np.atleast_2d(x), (batch, k)).astype(np.float64).copy()
              for x, k in zip(game.check_strategies(list(initial), "initial"), game.num_actions)]

    def field(state: list[np.ndarray]) -> list[np.ndarray]:
        out = []
        for i in range(p):
            u = game.deviation_utilities(state, i)
            out.append(state[i] * (u - np.einsum("bk,bk->b", u, state[i])[:, None]))
        return out

    sums = [np.zeros_like(x) for x in xs]
    rec_t, rec_x, rec_nc = [0.0], [[x.copy() for x in xs]], [nash_conv(game, xs)]
    for step in range(steps):
        k1 = field(xs)
        k2 = field([x + 0.5 * dt * k for x, k in zip(xs, k1)])
        k3 = field([x + 0.5 * dt * k for x, k in zip(xs, k2)])
        k4 = field([x + dt * k for x, k in zip(xs, k3)])
        new = [x + dt / 6.0 * (a + 2 * b + 2 * c + d) for x, a, b, c, d in zip(xs, k1, k2, k3, k4)]
        # trapezoid rule for the time average
        sums = [s + 0.5 * dt * (x + y) for s, x, y in zip(sums, xs, new)]
        xs = [np.maximum(x, 0.0) / np.maximum(x, 0.0).sum(axis=1, keepdims=True) for x in new]
        if (step + 1) % every == 0 or step + 1 == steps:
            rec_t.append((step + 1) * dt)
            rec_x.append([x.copy() for x in xs])
            rec_nc.append(nash_conv(game, xs))
    strategies = [np.stack([r[i] for r in rec_x]) for i in range(p)]
    return ReplicatorResult(np.array(rec_t), strategies, [s / (steps * dt) for s in sums], np.array(rec_nc))
