"""The runner: ``run(learner, env, T, batch, seed) -> Trace``.

Each round, for all ``B`` runs at once: the learner announces ``p_t = strategy(state)``, the
environment answers with utilities ``u_t [B, K]`` (an adaptive adversary may look at ``p_t``),
an action ``a_t ~ p_t`` is drawn from the run's own ``action`` stream, and the learner receives
``FullInfo(u_t)`` or ``Bandit(a_t, u_t(a_t), p_t(a_t))`` according to ``learner.feedback``.
Regret is accounted here, never by the learner.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_fits, check_int
from regretlab.core.registry import environments, learners
from regretlab.core.types import Bandit, FullInfo


@dataclass
class Trace:
    """Per-run metric curves, recorded every ``every`` rounds.

    Attributes:
        rounds: ``[N]`` 1-based round numbers at which metrics were recorded.
        metrics: name -> ``[N, B]``: ``regret`` (expected external regret), ``realized_regret``,
            ``utility`` (learner's cumulative expected utility), ``best_utility`` (best fixed
            action's), and ``swap_regret`` when requested.
        strategies / utilities: ``[N, B, K]`` history when ``history=True`` (else ``None``).
        final_strategy: ``[B, K]`` the strategy after the last update.
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
    import inspect

    factory = registry.get(name).factory
    accepts = inspect.signature(factory).parameters
    if "horizon" in accepts and "horizon" not in params and not params.get("lr"):
        params = {**params, "horizon": horizon}
    if utility_range is not None and "reward_range" in accepts and "reward_range" not in params:
        params = {**params, "reward_range": tuple(utility_range)}
    unknown = sorted(set(params) - set(accepts))
    if unknown and not any(p.kind is p.VAR_KEYWORD for p in accepts.values()):
        raise ValueError(f"{registry.kind} {name!r} has no parameter(s) {', '.join(unknown)}; "
                         f"it takes: {', '.join(accepts) or 'none'}")
    return factory(**params)


def make_learner(name: str, horizon: int, utility_range: tuple[float, float] | None = None,
                 **params: Any) -> Any:
    """A registered learner; a rate that needs the horizon is tuned for ``horizon``, and a
    learner that declares the range of its rewards (bandits) gets the environment's
    ``utility_range`` unless ``reward_range`` is given."""
    return _with_horizon(learners, name, horizon, params, utility_range)


def make_env(name: str, horizon: int, **params: Any) -> Any:
    """A registered environment; one that needs the horizon gets ``horizon``."""
    return _with_horizon(environments, name, horizon, params)


def _resolve(obj: Any, registry: Any, what: str) -> Any:
    if isinstance(obj, str):
        return registry.make(obj)
    if obj is None:
        raise ValueError(f"{what} must be an object or a registered name, got None")
    return obj


def run(
    learner: Any,
    env: Any,
    T: int,
    batch: int = 1,
    seed: int = 0,
    every: int = 1,
    *,
    keys: np.ndarray | None = None,
    history: bool = False,
    swap: bool = False,
    progress: bool | Callable[[int], Any] | None = None,
) -> Trace:
    """Play ``learner`` against ``env`` for ``T`` rounds in ``batch`` independent runs.

    Args:
        learner: a learner object or registered name.
        env: an environment object or registered name.
        T: number of rounds (>= 1).
        batch: number of independent runs ``B``.
        seed: root seed; run ``b`` uses ``spawn_keys(seed, B)[b]`` so row ``b`` equals a solo
            run given ``keys=spawn_keys(seed, B)[b:b+1]``.
        every: record metrics every ``every`` rounds (and at round ``T``).
        keys: explicit ``[B]`` run keys (overrides ``seed``/``batch``).
        history: also keep ``strategies`` and ``utilities`` ``[N, B, K]``.
        swap: also track swap regret (``O(B K^2)`` per round).
        progress: show a progress bar (default: when ``T * B >= 5e6``), or a callable given
            the number of rounds done about 200 times during the run (e.g. to drive a bar that
            covers several runs; then no bar of its own is drawn).
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
    env = make_env(env, T) if isinstance(env, str) else _resolve(env, environments, "env")
    if isinstance(learner, str):  # a name gets its rate tuned to T and the env's utility range
        learner = make_learner(learner, T, utility_range=getattr(env, "utility_range", None))
    learner = _resolve(learner, learners, "learner")
    every = check_int("every", every, minimum=1)
    b = check_int("batch", batch, minimum=1) if keys is None else int(np.size(keys))
    k = check_int("env.num_actions", getattr(env, "num_actions", None), minimum=1)
    n_rec = (T + every - 1) // every
    names = ["regret", "realized_regret", "utility", "best_utility"] + (["swap_regret"] if swap else [])
    # the recorded curves, the history and ~12 [B, K] work arrays (swap: [B, K, K] gains)
    need = 8 * (len(names) * n_rec * b + (2 * n_rec * b * k if history else 0) + 12 * b * k
                + (2 * b * k * k if swap else 0))
    check_fits(f"run(T={T}, batch={b}, K={k}, every={every}"
               + (", history=True" if history else "") + (", swap=True" if swap else "") + ")", need)
    if keys is None:
        keys = rng.spawn_keys(seed, b)
    keys = np.asarray(keys, dtype=np.uint64)
    mode = getattr(learner, "feedback", None)
    if mode not in (FullInfo, Bandit):
        raise TypeError(
            f"run() drives learners whose feedback is FullInfo or Bandit, got {mode!r} for {learner!r}"
        )

    lstate = learner.init(keys, k)
    estate = env.init(keys)
    action_keys = rng.derive(keys, "action")
    cum_u = np.zeros((b, k))
    cum_exp = np.zeros(b)
    cum_real = np.zeros(b)
    gains = np.zeros((b, k, k)) if swap else None
    rec = {name: np.empty((n_rec, b)) for name in names}
    rounds = np.empty(n_rec, dtype=np.int64)
    hist_p = np.empty((n_rec, b, k)) if history else None
    hist_u = np.empty((n_rec, b, k)) if history else None
    report = progress if callable(progress) else None
    show = report is None and (bool(progress) if progress is not None else T * b >= 5_000_000)
    bar = None
    if show:
        from regretlab.progress import Bar

        bar = Bar(T, f"{getattr(learner, 'name', learner)} vs {getattr(env, 'name', env)}", transient=True)
    tick = max(1, T // 200)
    rows = np.arange(b)
    start = time.perf_counter()
    i = 0
    try:
        for t in range(T):
            context = env.context(estate)
            p = learner.strategy(lstate, context) if context is not None else learner.strategy(lstate)
            estate, u = env.step(estate, p)
            if u.shape != (b, k) or not np.isfinite(u).all():
                raise ValueError(f"environment {env!r} returned invalid utilities at round {t + 1}: "
                                 f"shape {list(u.shape)}, expected [{b}, {k}] finite values")
            a = rng.sample_actions(action_keys, t, p)
            got = u[rows, a]
            cum_u += u
            cum_exp += np.einsum("bk,bk->b", p, u)
            cum_real += got
            if swap:
                gains += p[:, :, None] * (u[:, None, :] - u[:, :, None])
            if mode is FullInfo:
                fb: Any = FullInfo(u, awake=context if isinstance(context, np.ndarray) else None)
            else:
                fb = Bandit(a, got, p[rows, a])
            lstate = learner.update(lstate, fb)
            if (t + 1) % every == 0 or t + 1 == T:
                best = cum_u.max(axis=1)
                rounds[i] = t + 1
                rec["regret"][i] = best - cum_exp
                rec["realized_regret"][i] = best - cum_real
                rec["utility"][i] = cum_exp
                rec["best_utility"][i] = best
                if swap:
                    rec["swap_regret"][i] = np.maximum(gains.max(axis=2), 0.0).sum(axis=1)
                if history:
                    hist_p[i], hist_u[i] = p, u
                i += 1
            if (t + 1) % tick == 0 or t + 1 == T:
                if bar is not None:
                    bar.update(t + 1)
                elif report is not None:
                    report(t + 1)
    finally:
        if bar is not None:
            bar.close()
    final = learner.strategy(lstate) if env.context(estate) is None else p
    return Trace(rounds, rec, str(getattr(learner, "name", learner)), str(getattr(env, "name", env)),
                 int(seed), b, T, final, hist_p, hist_u, time.perf_counter() - start)
