"""Repeated play of a normal-form game: no-regret dynamics, fictitious play, replicator dynamics.

``play``, ``self_play``, ``optimistic_hedge_self_play`` and ``fictitious_play`` are named views
of the one driver, ``regretlab.run.run(learners, NormalFormSetting(game, mode), ...)``: regret,
the CCE gap (``max_i Reg_i(T)/T``, exact for the recorded joint distribution: Hart & Mas-Colell
2000; Blum & Mansour 2007, ch. 4 of Nisan et al.) and the empirical joint distribution come
from the run's :class:`~regretlab.metrics.ledger.Ledger`. ``replicator_dynamics`` is a
continuous-time flow of all populations together (each RK4 stage needs every population's
intermediate state, so no per-player learner can run it); it is its own integrator, and its gap
is :func:`~regretlab.games.normal_form.gaps.nash_conv` of its state.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_int, check_positive
from regretlab.core.registry import learners as learner_registry
from regretlab.core.types import Bandit
from regretlab.games.normal_form.game import NormalFormGame
from regretlab.games.normal_form.gaps import nash_conv
from regretlab.games.normal_form.setting import NormalFormSetting, action_frequencies
from regretlab.metrics import ledger as ledger_metrics

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


def _named(learners: Any, num_players: int, horizon: int) -> Any:
    """Registered names become learners with a rate tuned to ``horizon`` (objects pass through)."""
    from regretlab.run import make_learner

    if isinstance(learners, (list, tuple)):
        if len(learners) != num_players:
            raise ValueError(f"learners must be one learner or a list of {num_players}, got {len(learners)}")
        return [make_learner(x, horizon) if isinstance(x, str) else x for x in learners]
    return make_learner(learners, horizon) if isinstance(learners, str) else learners


def play(
    game: NormalFormGame,
    learners: Any,
    T: int,
    batch: int = 1,
    seed: int = 0,
    mode: str | None = None,
    every: int = 1,
    on_round: Callable[[int], Any] | None = None,
) -> DynamicsResult:
    r"""Repeated play of ``game`` where player i runs ``learners[i]``, batched over runs.

    Round t: each player announces :math:`x_i^t`. ``mode="expected"``: player i sees
    :math:`u_i(\cdot, x_{-i}^t)` and the joint distribution accumulates :math:`\otimes_i x_i^t`.
    ``mode="realized"``: :math:`a^t \sim x^t` is drawn, full-information players see
    :math:`u_i(\cdot, a_{-i}^t)`, bandit players see :math:`u_i(a^t)` and its probability, and
    the joint distribution counts :math:`a^t`. Regret
    :math:`R^i_T = \max_k \sum_t u_i^t(k) - \sum_t u_i^t(x^t)` (expected or realized) and the
    CCE gap :math:`\max_i R^i_T / T` come from the run's ledger. This is
    ``run(learners, NormalFormSetting(game, mode), T, batch, seed, every, joint=True)``.

    Args:
        game: a :class:`NormalFormGame` ``[P, K_1, ..., K_P]`` (learners assume utilities in
            [0, 1]; see ``rescale``).
        learners: one learner (every player) or a list of P, objects or registered names
            (a name's rate is tuned to T when it needs the horizon, as ``regretlab.run.make_learner``).
        T: rounds.
        batch: independent runs B.
        seed: seed of the run keys (row b equals a solo run with the same seed's key b).
        mode: ``"expected"`` or ``"realized"``; default expected unless a bandit learner plays.
        every: record metrics every ``every`` rounds (and at T).
        on_round: called with the number of finished rounds, every ``max(1, T // 200)`` rounds
            and at T (progress bars).

    Returns:
        :class:`DynamicsResult`: ``rounds [R]``, ``cce_gap [R, B]``, ``regret [R, B, P]``,
        ``nash_conv [R, B]``, ``joint [B, K_1, ..., K_P]``, ``average_strategies`` and
        ``last_strategies`` (P arrays ``[B, K_i]``); ``cce_gap[r] == max_i regret[r, :, i] / rounds[r]``.

    Example:
        >>> from regretlab.experts import hedge
        >>> from regretlab.games.normal_form import random_game, cce_gap
        >>> game = random_game(3, num_players=3, seed=0)
        >>> res = play(game, hedge(horizon=1000), 1000, batch=2, every=1000)
        >>> bool(np.allclose(res.cce_gap[-1], cce_gap(game, res.joint)))
        True
        >>> bool((res.regret[-1] / 1000 <= np.sqrt(np.log(3) / 2000)).all())
        True

    References:
        Cesa-Bianchi & Lugosi, *Prediction, Learning, and Games*, 2006, §7; S. Hart and
        A. Mas-Colell, Econometrica 68, 2000.
    """
    from regretlab.run import run

    if not isinstance(game, NormalFormGame):
        raise TypeError(f"game must be a NormalFormGame, got {type(game).__name__}")
    T = check_int("T", T)
    players = _named(learners, game.num_players, T)
    feedbacks = [getattr(x, "feedback", None) for x in (players if isinstance(players, list) else [players])]
    if mode is None:
        mode = "realized" if Bandit in feedbacks else "expected"
    if mode not in _MODES:
        raise ValueError(f"mode must be 'expected' or 'realized', got {mode!r}")
    if mode == "expected" and Bandit in feedbacks:
        raise ValueError("mode='expected' needs full-information learners; a bandit learner needs mode='realized'")
    trace = run(players, NormalFormSetting(game, mode), T, batch, seed, every, joint=True,
                progress=on_round)
    book = trace.ledger
    assert book is not None
    which = "realized_regret" if mode == "realized" else "regret"
    return DynamicsResult(
        rounds=trace.rounds,
        cce_gap=trace.metrics["cce_gap"],
        regret=np.stack([c[which] for c in trace.players], axis=-1),
        nash_conv=trace.metrics["nash_conv"],
        joint=book.joint_distribution(),
        average_strategies=[ledger_metrics.average_strategy(book, i) for i in range(game.num_players)],
        last_strategies=[bk.last_strategy for bk in book.books],
    )


def self_play(game: NormalFormGame, learner: Any = "hedge", T: int = 1000, **kwargs: Any) -> DynamicsResult:
    """Every player runs the same learner: ``play(game, learner, T, ...)``.

    Args:
        game: a :class:`NormalFormGame` ``[P, K_1, ..., K_P]``.
        learner: a learner object or a registered name (made with ``learner_params``, as given).
        T: rounds.
        **kwargs: ``learner_params`` (dict) and the arguments of :func:`play`
            (``batch``, ``seed``, ``mode``, ``every``, ``on_round``).

    Returns:
        :class:`DynamicsResult`.

    Example:
        >>> from regretlab.games.normal_form import matching_pennies, rescale
        >>> res = self_play(rescale(matching_pennies()), "hedge", T=300,
        ...                 learner_params={"horizon": 300}, every=300)
        >>> bool(res.nash_conv[-1, 0] < 0.3)
        True

    References:
        Freund & Schapire, "Adaptive game playing using multiplicative weights", GEB 29, 1999.
    """
    params = kwargs.pop("learner_params", {})
    if isinstance(learner, str):
        learner = learner_registry.make(learner, **params)
    return play(game, learner, T, **kwargs)


def optimistic_hedge_self_play(game: NormalFormGame, T: int, lr: float | None = None, **kwargs: Any) -> DynamicsResult:
    r"""Optimistic Hedge self-play: :math:`x_i^{t+1} \propto \exp(\eta (U_i^t + u_i^t))`.

    :math:`U_i^t = \sum_{s \le t} u_i^s`, the last utility counted twice. With payoffs in
    [0, 1] and :math:`\eta \le 1/(2(P-1))` the RVU property gives
    :math:`\sum_i \mathrm{Reg}_i(T) \le P \ln K / \eta` for every T; default
    ``lr = 1/(2(P-1))``. This is ``play(game, optimistic(hedge(lr=lr)), T, ...)``.

    Args:
        game: a :class:`NormalFormGame` ``[P, K_1, ..., K_P]`` with payoffs in [0, 1].
        T: rounds.
        lr: the rate :math:`\eta`.
        **kwargs: the arguments of :func:`play` (``batch``, ``seed``, ``mode``, ``every``, ``on_round``).

    Returns:
        :class:`DynamicsResult`.

    Example:
        >>> from regretlab.games.normal_form import random_game
        >>> res = optimistic_hedge_self_play(random_game([3, 3], seed=7), 500, every=500)
        >>> bool(res.regret[-1].sum() <= 2 * np.log(3) / 0.5)
        True

    References:
        V. Syrgkanis, A. Agarwal, H. Luo and R. Schapire, "Fast convergence of regularized
        learning in games", NeurIPS 2015 (Thm 4 with Prop. 7).
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
    r"""Simultaneous fictitious play: :math:`a_i^{t+1} \in \arg\max_a u_i(a, \bar x_{-i}^t)`.

    :math:`\bar x_j^t` is player j's empirical action frequency. Round 1 actions are uniform
    draws from the run key; ties go to the lowest index. Every player runs the registered
    ``fictitious_play`` learner (follow-the-leader on the utilities of the others' realized
    actions) in ``NormalFormSetting(game, "realized", average="actions")``; the CCE gap of play
    (realized regret) comes from the ledger.

    Args:
        game: a :class:`NormalFormGame` ``[P, K_1, ..., K_P]``.
        T: rounds.
        batch: independent runs B.
        seed: seed of the run keys.
        every: record every ``every`` rounds (and at T).

    Returns:
        :class:`FictitiousPlayResult`: ``rounds [R]``, ``nash_conv [R, B]`` of the empirical
        frequencies, ``cce_gap [R, B]``, ``joint [B, K_1, ..., K_P]``, ``average_strategies``
        (P arrays ``[B, K_i]``, the empirical frequencies after T rounds).

    Example:
        >>> from regretlab.games.normal_form import rock_paper_scissors
        >>> res = fictitious_play(rock_paper_scissors(), 4000, batch=2, every=1000)
        >>> bool((res.nash_conv[-1] < 0.05).all())
        True

    References:
        G. W. Brown, 1951; J. Robinson, Annals of Mathematics 54, 1951 (convergence in zero-sum
        games); L. Shapley, 1964 (cycling in Shapley's game).
    """
    from regretlab.games.normal_form.players import fictitious_player
    from regretlab.run import run

    if not isinstance(game, NormalFormGame):
        raise TypeError(f"game must be a NormalFormGame, got {type(game).__name__}")
    T = check_int("T", T)
    setting = NormalFormSetting(game, "realized", average="actions")
    trace = run(fictitious_player(), setting, T, check_int("batch", batch), seed, check_int("every", every),
                joint=True, progress=False)
    book = trace.ledger
    assert book is not None
    return FictitiousPlayResult(trace.rounds, trace.metrics["nash_conv"], trace.metrics["cce_gap"],
                                book.joint_distribution(),
                                [action_frequencies(book, i) for i in range(game.num_players)])


class ReplicatorResult(NamedTuple):
    """Replicator trajectory (R = number of recorded steps)."""

    times: np.ndarray  # [R] continuous time of each record
    strategies: list  # P arrays [R, B, K_i], the state at each record
    average_strategies: list  # P arrays [B, K_i], time averages over [0, steps*dt]
    nash_conv: np.ndarray  # [R, B] NashConv of the state


def replicator_dynamics(game: NormalFormGame, steps: int, dt: float = 0.01, batch: int = 1,
                        seed: int = 0, initial: Sequence[np.ndarray] | None = None,
                        every: int = 1) -> ReplicatorResult:
    r"""Multi-population replicator dynamics, integrated with RK4.

    :math:`\dot x_i(a) = x_i(a)\,(u_i(a, x_{-i}) - u_i(x))` for every population i, steps of
    size ``dt``; after each step the state is clipped at 0 and renormalised. In a zero-sum
    bimatrix game with interior equilibrium :math:`(x^*, y^*)` the quantity
    :math:`\sum_k x^*_k \log x_k + \sum_k y^*_k \log y_k` is a constant of motion.

    Args:
        game: a :class:`NormalFormGame` ``[P, K_1, ..., K_P]``.
        steps: RK4 steps of size ``dt``.
        dt: step size (> 0).
        batch: independent trajectories B.
        seed: seed of the Dirichlet(1) initial states (when ``initial`` is not given).
        initial: P arrays ``[B, K_i]`` or ``[K_i]`` (interior).
        every: record every ``every`` steps (and at the last).

    Returns:
        :class:`ReplicatorResult`: ``times [R]`` (``R = 1 + records``, time 0 included),
        ``strategies`` (P arrays ``[R, B, K_i]``), ``average_strategies`` (P arrays ``[B, K_i]``,
        trapezoid time averages over ``[0, steps * dt]``) and ``nash_conv [R, B]`` of the state.

    Example:
        >>> from regretlab.games.normal_form import rock_paper_scissors
        >>> res = replicator_dynamics(rock_paper_scissors(), 500, dt=0.02, batch=2, every=500)
        >>> x, y = res.strategies
        >>> h = np.log(x).mean(-1) + np.log(y).mean(-1)  # the constant of motion
        >>> bool(np.abs(h - h[0]).max() < 1e-8)
        True

    References:
        P. Taylor and L. Jonker, "Evolutionary stable strategies and game dynamics", Math.
        Biosciences 40, 1978; J. Hofbauer and K. Sigmund, *Evolutionary Games and Population
        Dynamics*, 1998, §11.2.
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
