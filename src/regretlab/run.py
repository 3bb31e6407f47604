"""The one driver: ``run(learners, setting, T, batch, seed, every) -> Trace``.

Each round, for all ``B`` runs at once and every player ``i`` of the setting: the learner
announces ``p_i = strategy(state_i, context_i)``; an action ``a_i ~ p_i`` is drawn from the
run's own action stream; the setting answers with ``u_i [B, K_i]``, the utility of each of the
player's actions given what the others did (an adaptive adversary may look at ``p``); the learner
receives ``FullInfo(u_i)`` or ``Bandit(a_i, u_i(a_i), p_i(a_i))`` according to its
``feedback``; and ``(p_i, u_i, a_i)`` go to the :class:`~regretlab.metrics.ledger.Ledger`, from
which :mod:`regretlab.metrics.ledger` computes regret, CCE/CE gaps and average strategies. A
loss/utility environment is a one-player setting (:class:`EnvSetting`); games, bandit
environments and streams of other parts are settings too. The driver never grades a learner.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_fits, check_int
from regretlab.core.registry import environments, learners
from regretlab.core.types import Bandit, FullInfo, Gradient, SemiBandit
from regretlab.metrics import ledger as ledger_metrics
from regretlab.metrics.ledger import Ledger


@dataclass
class Trace:
    """Per-run metric curves, recorded every ``every`` rounds.

    Attributes:
        rounds: ``[N]`` 1-based round numbers at which metrics were recorded.
        metrics: name -> ``[N, B]``: ``regret`` (expected external regret), ``realized_regret``,
            ``utility`` (learner's cumulative expected utility), ``best_utility`` (best fixed
            action's), and ``swap_regret`` when requested.
        strategies / utilities: ``[N, B, K]`` history when ``history=True`` (else ``None``).
        final_strategy: ``[B, K]`` the strategy after the last update (player 0).
        players: per player, the same curves as ``metrics`` has for one player. With several
            players ``metrics`` holds the joint ones: ``regret`` (the largest player regret),
            ``cce_gap`` (``max_i R^i_t / t``), ``ce_gap`` with ``swap=True``, and whatever the
            setting evaluates (e.g. ``nash_conv`` of the average strategies).
        final_strategies: per player ``[B, K_i]``.
        ledger: the ledger the curves were computed from.
    """

    rounds: np.ndarray
    metrics: dict[str, np.ndarray]
    learner: str
    env: str
    seed: int
    batch: int
    horizon: int
    final_strategy: np.ndarray
    strategies: np.ndarray | None = None
    utilities: np.ndarray | None = None
    seconds: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)
    players: list[dict[str, np.ndarray]] = field(default_factory=list)
    final_strategies: list[np.ndarray] = field(default_factory=list)
    ledger: Ledger | None = None

    @property
    def regret(self) -> np.ndarray:
        """``[N, B]`` expected external regret."""
        return self.metrics["regret"]

    def final(self, name: str = "regret") -> np.ndarray:
        """``[B]`` value of a metric after the last round."""
        return self.metrics[name][-1]

    def mean(self, name: str = "regret") -> np.ndarray:
        """``[N]`` mean of a metric over runs."""
        return self.metrics[name].mean(axis=1)

    def to_rows(self) -> dict[str, np.ndarray]:
        """Tidy columns: one row per (run, recorded round) with every metric as a column."""
        n, b = self.metrics["regret"].shape
        cols: dict[str, Any] = {
            "learner": [self.learner] * (n * b),
            "env": [self.env] * (n * b),
            "run": np.tile(np.arange(b), n),
            "round": np.repeat(self.rounds, b),
        }
        for name, values in self.metrics.items():
            cols[name] = values.reshape(-1)
        return cols


def _with_horizon(registry: Any, name: str, horizon: int, params: dict[str, Any],
                  utility_range: tuple[float, float] | None = None) -> Any:
    """Make a registered factory, filling in the run-time facts its registration declares."""
    import inspect

    entry = registry.get(name)
    params = dict(params)
    if "horizon" in entry.tunes and "horizon" not in params and not params.get("lr"):
        params["horizon"] = horizon
    if utility_range is not None and "reward_range" in entry.tunes and "reward_range" not in params:
        params["reward_range"] = tuple(utility_range)
    try:  # check the user's parameters against the factory before calling it
        inspect.signature(entry.factory).bind(**params)
    except TypeError:
        accepts = inspect.signature(entry.factory).parameters
        unknown = sorted(set(params) - set(accepts))
        if not unknown:  # nothing unknown: a required parameter (no default) was not given
            missing = [k for k, p in accepts.items() if p.default is p.empty and k not in params
                       and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
            raise ValueError(f"{registry.kind} {name!r} needs the parameter(s) {', '.join(missing)}, which this "
                             f"caller does not give; it takes: {', '.join(accepts)}") from None
        raise ValueError(f"{registry.kind} {name!r} has no parameter(s) {', '.join(unknown)}; "
                         f"it takes: {', '.join(accepts) or 'none'}") from None
    return entry.factory(**params)


def make_learner(name: str, horizon: int, utility_range: tuple[float, float] | None = None,
                 **params: Any) -> Any:
    """A registered learner; one whose registration declares ``tunes=("horizon",)`` gets
    ``horizon`` (unless a rate ``lr`` is given), and one that declares ``"reward_range"`` gets
    the setting's ``utility_range`` (unless ``reward_range`` is given). Nothing is guessed."""
    return _with_horizon(learners, name, horizon, params, utility_range)


def make_env(name: str, horizon: int, **params: Any) -> Any:
    """A registered environment; one that declares ``tunes=("horizon",)`` gets ``horizon``."""
    return _with_horizon(environments, name, horizon, params)


def _resolve(obj: Any, registry: Any, what: str) -> Any:
    if isinstance(obj, str):
        return registry.make(obj)
    if obj is None:
        raise ValueError(f"{what} must be an object or a registered name, got None")
    return obj


class EnvSetting:
    """A one-player :class:`~regretlab.core.types.Setting` made from a loss/utility environment.

    The environment's ``context(state)`` is shown to the learner; a ``[B, K]`` bool array is
    also the ``awake`` mask of full-information feedback (sleeping experts). An environment with
    ``mean_utility [K]`` (stochastic bandits) gives pseudo-regret.
    """

    num_players = 1

    def __init__(self, env: Any) -> None:
        for method in ("init", "context", "step"):
            if not callable(getattr(env, method, None)):
                raise TypeError(f"env must be an environment (init/context/step methods), got {env!r}")
        self.env = env
        self.num_actions = (check_int("env.num_actions", getattr(env, "num_actions", None), minimum=1),)
        self.utility_range = getattr(env, "utility_range", None)
        self.name = str(getattr(env, "name", env))
        means = getattr(env, "mean_utility", None)  # [K] expected utilities, when the env knows them
        self._means = None if means is None or callable(means) else np.asarray(means, dtype=np.float64)

    def init(self, keys: np.ndarray) -> Any:
        return self.env.init(keys)

    def context(self, state: Any, player: int) -> Any:
        return self.env.context(state)

    def awake(self, context: Any, player: int) -> np.ndarray | None:
        return context if isinstance(context, np.ndarray) and context.dtype == bool else None

    def step(self, state: Any, strategies: tuple[np.ndarray, ...],
             actions: tuple[np.ndarray | None, ...]) -> tuple[Any, tuple[np.ndarray, ...]]:
        state, u = self.env.step(state, strategies[0])
        return state, (u,)

    def mean_utility(self, state: Any, player: int) -> np.ndarray | None:
        return self._means

    def __repr__(self) -> str:
        return repr(self.env)


def as_setting(setting: Any, horizon: int) -> Any:
    """A setting from a :class:`Setting`, an environment object or a registered environment name."""
    if isinstance(setting, str):
        setting = make_env(setting, horizon)
    if setting is None:
        raise ValueError("setting must be a Setting, an environment or a registered name, got None")
    if isinstance(getattr(setting, "num_actions", None), tuple) and hasattr(setting, "num_players"):
        return setting
    return EnvSetting(setting)


def player_keys(setting: Any, keys: np.ndarray, player: int) -> tuple[np.ndarray, np.ndarray]:
    """``(learner keys, action keys)`` of one player, functions of the run keys only.

    One player: the run keys and their ``"action"`` stream, so a learner driven by hand with the
    same keys sees the same numbers. Several players: player ``i`` gets stream ``16 + i`` for its
    learner and stream ``32 + i`` of the ``"action"`` stream for its draws (the convention of
    repeated games). A setting may define its own ``player_keys(keys, i)``.
    """
    own = getattr(setting, "player_keys", None)
    if callable(own):
        return own(keys, player)
    if setting.num_players == 1:
        return keys, rng.derive(keys, "action")
    return rng.derive(keys, 16 + player), rng.derive(rng.derive(keys, "action"), 32 + player)


def _learners(learners_: Any, setting: Any, horizon: int) -> list[Any]:
    num = setting.num_players
    items = list(learners_) if isinstance(learners_, (list, tuple)) else [learners_] * num
    if len(items) != num:
        raise ValueError(f"learners must be one learner or a list of {num} (one per player), got {len(items)}")
    out = []
    for i, item in enumerate(items):
        if isinstance(item, str):  # a name gets its rate tuned to T and the setting's utility range
            item = make_learner(item, horizon, utility_range=getattr(setting, "utility_range", None))
        item = _resolve(item, learners, "learner")
        if not all(callable(getattr(item, m, None)) for m in ("init", "strategy", "update")):
            raise TypeError(f"learners[{i}] must be a learner (init/strategy/update) or a registered name, "
                            f"got {item!r}")
        mode = getattr(item, "feedback", None)
        if mode is SemiBandit and not callable(getattr(setting, "semi_bandit", None)):
            raise TypeError(f"learners[{i}] takes SemiBandit feedback, which {setting!r} does not give "
                            "(a semi-bandit setting has semi_bandit(state, player, action) -> (chosen, reward))")
        if mode is Gradient:
            raise TypeError(f"learners[{i}] takes Gradient feedback, which {setting!r} does not give; play it in an "
                            "OCO setting (regretlab.oco: linear_losses, quadratic_losses, logistic_losses, portfolio, "
                            "from_sequence)")
        if mode not in (FullInfo, Bandit, SemiBandit):
            raise TypeError(f"run() drives learners whose feedback is FullInfo, Bandit or SemiBandit, got {mode!r} "
                            f"for {item!r}")
        out.append(item)
    return out


def run(
    learners_: Any,
    setting: Any,
    T: int,
    batch: int = 1,
    seed: int = 0,
    every: int = 1,
    *,
    keys: np.ndarray | None = None,
    history: bool = False,
    swap: bool = False,
    joint: bool = False,
    progress: bool | Callable[[int], Any] | None = None,
    comparators: Any = None,
) -> Trace:
    """Play learners in a setting for ``T`` rounds in ``batch`` independent runs.

    An OCO setting (:mod:`regretlab.oco.settings`) plays one learner with ``Gradient`` feedback
    (see :func:`run_oco`): then ``regret`` is against the best fixed point in hindsight.

    Args:
        learners_: one learner (every player) or a list, one per player; objects or registered
            names (a name's rate is tuned to ``T``, a bandit's reward range to the setting's).
        setting: a :class:`~regretlab.core.types.Setting` (a game, a stream of another part),
            an environment object or a registered environment name (one player).
        T: number of rounds (>= 1).
        batch: number of independent runs ``B``.
        seed: root seed; run ``b`` uses ``spawn_keys(seed, B)[b]`` so row ``b`` equals a solo
            run given ``keys=spawn_keys(seed, B)[b:b+1]``.
        every: record metrics every ``every`` rounds (and at round ``T``).
        keys: explicit ``[B]`` run keys (overrides ``seed``/``batch``).
        history: also keep ``strategies`` and ``utilities`` ``[N, B, K]`` (player 0).
        swap: also track swap regret (``O(B K^2)`` per round and player).
        joint: also keep the empirical joint distribution of play ``[B, K_1, ..., K_P]``
            (``trace.ledger.joint_distribution()``).
        progress: show a progress bar (default: when ``T * B >= 5e6``), or a callable given
            the number of rounds done about 200 times during the run (e.g. to drive a bar that
            covers several runs; then no bar of its own is drawn).
        comparators: OCO settings only: a comparator sequence ``[T, D]`` or ``[T, B, D]`` for
            dynamic regret (see :func:`run_oco`).
    Returns:
        A :class:`Trace`.

    Example:
        >>> from regretlab.experts import hedge
        >>> from regretlab.envs import alternating
        >>> tr = run(hedge(horizon=1000), alternating(), T=1000, batch=4)
        >>> bool((tr.final() <= (1000 * np.log(2) / 2) ** 0.5).all())
        True
    """
    T = check_int("T", T, minimum=1)
    if getattr(setting, "is_oco", False) or _takes_gradient(learners_):
        if swap or joint:
            raise ValueError("swap=True and joint=True are statistics of play over actions; an OCO run has none")
        return run_oco(learners_, setting, T, batch, seed, every, keys=keys, history=history, progress=progress,
                       comparators=comparators)
    if comparators is not None:
        raise ValueError("comparators (a comparator sequence for dynamic regret) needs an OCO setting")
    setting = as_setting(setting, T)
    players = _learners(learners_, setting, T)
    every = check_int("every", every, minimum=1)
    b = check_int("batch", batch, minimum=1) if keys is None else int(np.size(keys))
    ks = tuple(check_int("setting.num_actions", k, minimum=1) for k in setting.num_actions)
    num = len(ks)
    n_rec = (T + every - 1) // every
    names = ["regret", "realized_regret", "utility", "best_utility"] + (["swap_regret"] if swap else [])
    k_sum, k_sq = sum(ks), sum(k * k for k in ks)
    # the recorded curves, the history and ~14 [B, K] work arrays per player (swap: [B, K, K] gains)
    need = 8 * (len(names) * n_rec * b * num + (2 * n_rec * b * ks[0] if history else 0) + 14 * b * k_sum
                + (2 * b * k_sq if swap else 0))
    check_fits(f"run(T={T}, batch={b}, K={'x'.join(map(str, ks))}, every={every}"
               + (", history=True" if history else "") + (", swap=True" if swap else "") + ")", need)
    if keys is None:
        keys = rng.spawn_keys(seed, b)
    keys = np.asarray(keys, dtype=np.uint64)
    bandit = [lr.feedback is Bandit for lr in players]
    semi = [lr.feedback is SemiBandit for lr in players]
    draws = getattr(setting, "samples_actions", True)
    if (any(bandit) or any(semi)) and not draws:
        raise ValueError(f"{setting!r} reveals expected utilities only (no actions are drawn), so it cannot "
                         "give bandit feedback; use realized play for bandit learners")

    pkeys = [player_keys(setting, keys, i) for i in range(num)]
    states = [lr.init(pk[0], k) for lr, pk, k in zip(players, pkeys, ks)]
    sstate = setting.init(keys)
    if joint:
        size = b
        for k in ks:
            size *= k
        check_fits(f"run(..., joint=True) over {'x'.join(map(str, ks))} action profiles and batch={b}", 8 * size)
    book = Ledger(ks, b, swap=swap, history=history, joint=joint)
    awake_of = getattr(setting, "awake", None)
    mean_of = getattr(setting, "mean_utility", None)
    evaluate = getattr(setting, "evaluate", None)
    extra: dict[str, list[np.ndarray]] = {}
    rounds = np.empty(n_rec, dtype=np.int64)
    from regretlab.progress import Rounds

    names_ = " / ".join(dict.fromkeys(str(getattr(lr, "name", lr)) for lr in players))
    ticker = Rounds(T, b, f"{names_} in {getattr(setting, 'name', setting)}", progress)
    rows = np.arange(b)
    start = time.perf_counter()
    i = 0
    ps: list[np.ndarray] = []
    contexts: list[Any] = [None] * num
    try:
        for t in range(T):
            ps = []
            for j, (lr, st) in enumerate(zip(players, states)):
                contexts[j] = ctx = setting.context(sstate, j)
                ps.append(lr.strategy(st, ctx) if ctx is not None else lr.strategy(st))
            acts = tuple(rng.sample_actions(pk[1], t, p) for pk, p in zip(pkeys, ps)) if draws else (None,) * num
            sstate, us = setting.step(sstate, tuple(ps), acts)
            for j in range(num):
                u, p, a, k = us[j], ps[j], acts[j], ks[j]
                if u.shape != (b, k) or not np.isfinite(u).all():
                    raise ValueError(f"setting {setting!r} returned invalid utilities for player {j} at round "
                                     f"{t + 1}: shape {list(u.shape)}, expected [{b}, {k}] finite values")
                if bandit[j]:
                    got = u[rows, a]
                    fb: Any = Bandit(a, got, p[rows, a], context=contexts[j])
                elif semi[j]:  # the components of the drawn action and their utilities
                    chosen, reward = setting.semi_bandit(sstate, j, a)
                    fb = SemiBandit(chosen, reward, context=contexts[j])
                else:
                    awake = awake_of(contexts[j], j) if awake_of is not None else None
                    fb = FullInfo(u, awake=awake)
                states[j] = players[j].update(states[j], fb)
                book.record(j, p, u, a, mean_of(sstate, j) if mean_of is not None else None)
            book.end_round(tuple(ps), acts)
            if (t + 1) % every == 0 or t + 1 == T:
                book.snapshot()
                rounds[i] = t + 1
                if evaluate is not None:
                    for name, value in evaluate(sstate, book).items():
                        extra.setdefault(name, []).append(np.asarray(value, dtype=np.float64))
                i += 1
            ticker.done(t + 1)
    finally:
        ticker.close()
    finals = [lr.strategy(st) if contexts[j] is None else ps[j]
              for j, (lr, st) in enumerate(zip(players, states))]
    per_player = [_curves(book, j, swap) for j in range(num)]
    if num == 1:
        metrics = per_player[0]
    else:
        metrics = {"regret": np.max([c["regret"] for c in per_player], axis=0),
                   "cce_gap": ledger_metrics.cce_gap(book, "realized" if draws else "expected")}
        if swap:
            metrics["ce_gap"] = ledger_metrics.ce_gap(book)
    metrics.update({name: np.stack(vals) for name, vals in extra.items()})
    hist = book.books[0].history
    hist_p = np.stack(hist["strategy"]) if history else None
    hist_u = np.stack(hist["utility"]) if history else None
    label = ",".join(dict.fromkeys(str(getattr(lr, "name", lr)) for lr in players))
    return Trace(rounds, metrics, label, str(getattr(setting, "name", setting)), int(seed), b, T, finals[0],
                 hist_p, hist_u, time.perf_counter() - start, players=per_player, final_strategies=finals,
                 ledger=book)


def _curves(book: Ledger, player: int, swap: bool) -> dict[str, np.ndarray]:
    """One player's recorded curves, from the ledger."""
    out = {"regret": ledger_metrics.external(book, player)}
    if book.books[player].acted:
        out["realized_regret"] = ledger_metrics.realized(book, player)
    out["utility"] = book.curve("expected", player)
    out["best_utility"] = book.curve("best", player)
    if swap:
        out["swap_regret"] = ledger_metrics.swap(book, player)
    if book.books[player].snapshots.get("pseudo"):
        out["pseudo_regret"] = ledger_metrics.pseudo(book, player)
    return out


# -- online convex optimisation: Gradient learners on OCO settings --------------------------------------------


def _takes_gradient(learners_: Any) -> bool:
    items = list(learners_) if isinstance(learners_, (list, tuple)) else [learners_]
    return len(items) == 1 and getattr(items[0], "feedback", None) is Gradient


def run_oco(
    learner: Any,
    setting: Any,
    T: int,
    batch: int = 1,
    seed: int = 0,
    every: int = 1,
    *,
    keys: np.ndarray | None = None,
    history: bool = False,
    progress: bool | Callable[[int], Any] | None = None,
    comparators: Any = None,
) -> Trace:
    """Play a ``Gradient`` learner on an OCO setting for ``T`` rounds in ``batch`` runs (``run`` calls it).

    Each round: ``x_t = strategy(state, context)`` (checked to lie in the domain); the setting
    names the loss ``f_t`` (``step``) and computes ``f_t(x_t)`` and ``∇f_t(x_t)``
    (``loss_and_gradient``); the learner gets ``Gradient(-∇f_t(x_t))`` (the utility gradient);
    the :class:`~regretlab.metrics.ledger.OCOLedger` records the loss, the point and the loss data,
    from which :mod:`regretlab.metrics.oco` computes the regret against the best fixed point in
    hindsight and, with a comparator sequence, the dynamic regret.

    Args:
        learner: a learner with ``feedback = Gradient`` (object or registered name; a name is
            tuned to ``T``).
        setting: an OCO setting (``regretlab.oco.settings``).
        T, batch, seed, every, keys, history, progress: as for :func:`run`.
        comparators: ``[T, D]`` or ``[T, B, D]`` comparator points ``u_t`` for dynamic regret; by
            default the setting's own ``comparator(state)`` sequence when it has one.
    Returns:
        A :class:`Trace` with ``regret`` (static), ``loss`` (cumulative ``sum f_t(x_t)``),
        ``best_loss`` (the best fixed point's) and ``dynamic_regret`` when there is a comparator
        sequence; ``final_strategy [B, D]`` is the last point; ``strategies [N, B, D]`` with
        ``history=True``; ``info["best_point"] [B, D]`` the best fixed point at the end.

    Example:
        >>> from regretlab.oco import oco_ogd, quadratic_losses
        >>> tr = run(oco_ogd("ball"), quadratic_losses(2, "ball"), T=200, batch=3, every=100)
        >>> tr.regret.shape, bool((tr.final() <= 1.5 * 2 * 3 * 200 ** 0.5).all())
        ((2, 3), True)
    """
    from regretlab.metrics import oco as oco_metrics
    from regretlab.metrics.ledger import OCOLedger

    T = check_int("T", T, minimum=1)
    items = list(learner) if isinstance(learner, (list, tuple)) else [learner]
    if len(items) != 1:
        raise ValueError(f"an OCO setting has one player: give one learner, got {len(items)}")
    item = items[0]
    if isinstance(item, str):
        item = make_learner(item, T)
    item = _resolve(item, learners, "learner")
    if not all(callable(getattr(item, m, None)) for m in ("init", "strategy", "update")):
        raise TypeError(f"learner must be a learner (init/strategy/update) or a registered name, got {item!r}")
    mode = getattr(item, "feedback", None)
    if not getattr(setting, "is_oco", False):
        raise TypeError(f"learner {item!r} takes Gradient feedback, which {setting!r} does not give; play it in an "
                        "OCO setting (regretlab.oco: linear_losses, quadratic_losses, logistic_losses, portfolio, "
                        "from_sequence)")
    if mode is not Gradient:
        name = getattr(mode, "__name__", repr(mode))
        raise TypeError(f"{setting!r} is an OCO setting (it gives Gradient feedback); learner {item!r} takes {name}")
    d = check_int("setting.dim", setting.dim, minimum=1)
    domain = setting.domain
    own = getattr(item, "domain", None)
    if own is not None and not own.matches(domain, d):
        raise ValueError(f"domain mismatch: learner {getattr(item, 'name', item)!r} plays in {own!r}, but the setting's "
                         f"losses are on {domain!r}; make the learner with domain={domain!r}")
    every = check_int("every", every, minimum=1)
    b = check_int("batch", batch, minimum=1) if keys is None else int(np.size(keys))
    n_rec = (T + every - 1) // every
    check_fits(f"run(T={T}, batch={b}, D={d}, every={every}" + (", history=True" if history else "") + ")",
               8 * (4 * n_rec * b + (n_rec * b * d if history else 0) + 40 * b * d * d))
    if keys is None:
        keys = rng.spawn_keys(seed, b)
    keys = np.asarray(keys, dtype=np.uint64)
    path = None
    if comparators is not None:
        path = np.asarray(comparators, dtype=np.float64)
        if path.shape not in ((T, d), (T, b, d)) or not np.isfinite(path).all():
            raise ValueError(f"comparators must be finite, shape [T, D] = [{T}, {d}] or [T, B, D] = [{T}, {b}, {d}], "
                             f"got shape {list(path.shape)}")
        if path.ndim == 2:
            path = np.broadcast_to(path[:, None, :], (T, b, d))
    state = item.init(keys, d)
    sstate = setting.init(keys)
    book = OCOLedger(b, oco_metrics.comparator(setting.loss, domain, d, b), history=history)
    rounds = np.empty(n_rec, dtype=np.int64)
    from regretlab.progress import Rounds

    ticker = Rounds(T, b, f"{getattr(item, 'name', item)} in {getattr(setting, 'name', setting)}", progress)
    start = time.perf_counter()
    own_path = path is None and callable(getattr(setting, "comparator", None))
    i = 0
    try:
        for t in range(T):
            ctx = setting.context(sstate)
            x = item.strategy(state, ctx) if ctx is not None else item.strategy(state)
            x = np.asarray(x, dtype=np.float64)
            if x.shape != (b, d) or not np.isfinite(x).all():
                raise ValueError(f"learner {item!r} returned invalid points at round {t + 1}: shape {list(x.shape)}, "
                                 f"expected [{b}, {d}] finite values")
            inside = domain.contains(x, atol=1e-6)
            if not inside.all():
                run_ = int(np.argmin(inside))
                raise ValueError(f"learner {item!r} played {x[run_].tolist()} outside the domain {domain!r} at round "
                                 f"{t + 1} (run {run_})")
            u = path[t] if path is not None else (setting.comparator(sstate) if own_path else None)
            sstate, data = setting.step(sstate, x)
            loss, grad = setting.loss_and_gradient(data, x)
            loss, grad = np.asarray(loss, dtype=np.float64), np.asarray(grad, dtype=np.float64)
            if loss.shape != (b,) or grad.shape != (b, d) or not (np.isfinite(loss).all() and np.isfinite(grad).all()):
                raise ValueError(f"setting {setting!r} returned an invalid loss or gradient at round {t + 1}: shapes "
                                 f"{list(loss.shape)} and {list(grad.shape)}, expected [{b}] and [{b}, {d}] finite values")
            book.record(x, loss, data, None if u is None else setting.loss.value(data, u))
            state = item.update(state, Gradient(-grad))
            book.end_round()
            if (t + 1) % every == 0 or t + 1 == T:
                book.snapshot()
                rounds[i] = t + 1
                i += 1
            ticker.done(t + 1)
    finally:
        ticker.close()
    metrics = {"regret": oco_metrics.regret(book), "loss": book.curve("loss"), "best_loss": book.curve("best")}
    if book.comparator_loss is not None:
        metrics["dynamic_regret"] = oco_metrics.dynamic_regret(book)
    hist = np.stack(book.history["point"]) if history else None
    final = item.strategy(state)
    return Trace(rounds, metrics, str(getattr(item, "name", item)), str(getattr(setting, "name", setting)), int(seed),
                 b, T, final, hist, None, time.perf_counter() - start, info={"best_point": book.best_point},
                 players=[metrics], final_strategies=[final], ledger=book)  # type: ignore[arg-type]
