"""A small batched driver for bandit learners that also reports pseudo-regret and switches.

:func:`play` mirrors the runner's protocol (the action is sampled from ``strategy`` with the
run's ``"action"`` key stream and fed back as ``Bandit(action, reward, prob)``) and records, per
run: expected regret against the best fixed arm in hindsight, pseudo-regret when the environment
exposes ``means``, realised reward, and the number of action switches.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_int
from regretlab.core.types import Bandit


def _takes_context(method: Any) -> bool:
    try:
        return "context" in inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False


def play(learner: Any, env: Any, T: int, batch: int = 1, seed: int = 0, every: int = 1) -> dict[str, np.ndarray]:
    """Run ``learner`` against ``env`` for ``T`` rounds on ``batch`` runs.

    Args:
        learner: a bandit learner (``feedback = Bandit``).
        env: an environment (``num_actions``, ``init``, ``context``, ``step``); ``env.means [K]``
            enables pseudo-regret.
        T: rounds; batch: runs ``B``; seed: root seed; every: record every ``every`` rounds.

    Returns:
        dict with ``rounds [n]`` and ``[n, B]`` curves ``regret`` (expected, vs best arm in
        hindsight), ``pseudo_regret`` (if ``means``), ``reward`` (realised cumulative) and
        ``switches`` (cumulative number of rounds with ``A_t != A_{t-1}``), ``n = T // every``.
    """
    T = check_int("T", T)
    every = check_int("every", every)
    keys = rng.spawn_keys(seed, check_int("batch", batch))
    act_keys = rng.derive(keys, "action")
    k = env.num_actions
    ls, es = learner.init(keys, k), env.init(keys)
    ctx_update = _takes_context(learner.update)
    means = getattr(env, "means", None)
    cum_util = np.zeros((batch, k))
    expected = np.zeros(batch)
    pseudo = np.zeros(batch)
    realised = np.zeros(batch)
    switches = np.zeros(batch)
    last = np.full(batch, -1)
    n = T // every
    out = {name: np.zeros((n, batch)) for name in ("regret", "pseudo_regret", "reward", "switches")}
    rows = np.arange(batch)
    for t in range(T):
        ctx = env.context(es)
        p = learner.strategy(ls, ctx) if ctx is not None else learner.strategy(ls)
        a = rng.sample_actions(act_keys, t, p)
        es, util = env.step(es, p)
        r = util[rows, a]
        fb = Bandit(a, r, np.maximum(p[rows, a], 1e-300))
        ls = learner.update(ls, fb, context=ctx) if (ctx is not None and ctx_update) else learner.update(ls, fb)
        cum_util += util
        expected += (p * util).sum(axis=1)
        realised += r
        if means is not None:
            pseudo += means.max() - p @ means
        switches += (a != last) & (last >= 0)
        last = a
        if (t + 1) % every == 0:
            i = (t + 1) // every - 1
            out["regret"][i] = cum_util.max(axis=1) - expected
            out["pseudo_regret"][i] = pseudo
            out["reward"][i] = realised
            out["switches"][i] = switches
    out["rounds"] = np.arange(1, n + 1) * every
    if means is None:
        del out["pseudo_regret"]
    return out


class ArrayEnv:
    """An oblivious adversary from a fixed utility sequence ``[T, K]`` (shared) or ``[T, B, K]``."""

    def __init__(self, utility: Any):
        self.utility = np.asarray(utility, dtype=np.float64)
        if self.utility.ndim not in (2, 3):
            raise ValueError(f"utility must have shape [T, K] or [T, B, K], got {list(self.utility.shape)}")
        self.num_actions = self.utility.shape[-1]

    def init(self, keys: Any) -> int:
        return 0

    def context(self, state: int) -> None:
        return None

    def step(self, state: int, strategy: np.ndarray) -> tuple[int, np.ndarray]:
        if state >= self.utility.shape[0]:
            raise ValueError(f"ArrayEnv ran past its {self.utility.shape[0]} rounds")
        u = self.utility[state]
        return state + 1, np.broadcast_to(u, (strategy.shape[0], self.num_actions)) if u.ndim == 1 else u
