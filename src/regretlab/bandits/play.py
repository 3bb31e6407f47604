"""Bandit runs through the one driver, reported the way bandit papers plot them.

:func:`play` is :func:`regretlab.run.run` (the action is drawn from ``strategy`` with the run's
``"action"`` key stream and fed back as ``Bandit(action, reward, prob, context)``) with the
curves bandit experiments use: expected regret against the best fixed arm in hindsight,
pseudo-regret when the environment knows its ``mean_utility``, realised reward and the number of
action switches, all computed by :mod:`regretlab.metrics.ledger`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from regretlab.core.errors import check_int
from regretlab.metrics import ledger as metrics


def play(learner: Any, env: Any, T: int, batch: int = 1, seed: int = 0, every: int = 1) -> dict[str, np.ndarray]:
    """Run ``learner`` against ``env`` for ``T`` rounds on ``batch`` runs.

    Args:
        learner: a bandit learner (``feedback = Bandit``).
        env: an environment (``num_actions``, ``init``, ``context``, ``step``); ``env.mean_utility
            [K]`` enables pseudo-regret.
        T: rounds; batch: runs ``B``; seed: root seed; every: record every ``every`` rounds.

    Returns:
        dict with ``rounds [n]`` and ``[n, B]`` curves ``regret`` (expected, vs best arm in
        hindsight), ``pseudo_regret`` (if ``mean_utility``), ``reward`` (realised cumulative) and
        ``switches`` (cumulative number of rounds with ``A_t != A_{t-1}``), ``n = T // every``.

    Example:
        >>> from regretlab.bandits import ucb1, bernoulli_bandit
        >>> out = play(ucb1(), bernoulli_bandit(means=[0.6, 0.4]), T=2000, batch=8, every=1000)
        >>> out["pseudo_regret"].shape, bool((out["pseudo_regret"][-1] < 60).all())
        ((2, 8), True)
    """
    from regretlab.run import run

    T = check_int("T", T)
    every = check_int("every", every)
    trace = run(learner, env, T, check_int("batch", batch), seed=seed, every=every, progress=False)
    book = trace.ledger
    assert book is not None
    n = T // every  # whole blocks only (the driver also records round T)
    out = {"regret": metrics.external(book)[:n], "reward": book.curve("realized")[:n],
           "switches": book.curve("switches")[:n]}
    if book.books[0].pseudo is not None:
        out["pseudo_regret"] = metrics.pseudo(book)[:n]
    out["rounds"] = np.arange(1, n + 1) * every
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
