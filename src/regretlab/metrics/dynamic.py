r"""Dynamic pseudo-regret of a bandit run in a non-stationary environment, from its trace.

A non-stationary environment (:class:`regretlab.bandits.nonstationary.NonstationaryBandit`, or
anything with ``mean_table(T) -> [T, K]`` arm means per round) is compared with two benchmarks:

* the best arm of every round: :math:`R^{\mathrm{round}}_n = \sum_{t \le n} \max_i \mu_t(i) - \langle p_t, \mu_t\rangle`;
* the best arm of each segment ``[s_j, s_{j+1})``:
  :math:`R^{\mathrm{seg}}_n = \sum_j \max_i \sum_{t \in [s_j, s_{j+1}) ,\, t \le n} \mu_t(i) - \sum_{t \le n} \langle p_t, \mu_t\rangle`
  (for piecewise-constant means and the environment's own segments the two are equal; for
  drifting means the segment benchmark is the weaker one, Besbes et al. 2014's batch benchmark).

The learner's side, :math:`\sum_t \langle p_t, \mu_t\rangle`, comes from the trace: from its
strategy history when it was recorded every round (``run(..., history=True, every=1)``), else from
the ledger's pseudo-regret, which the driver accumulates against the means the environment reports
for each round (``mean_utility``), so no history is needed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from regretlab.core.errors import check_array

__all__ = ["best_mean_reward", "dynamic_regret", "learner_mean_reward", "segment_best"]


def _table(env: Any, T: int) -> np.ndarray:
    table = getattr(env, "mean_table", None)
    if not callable(table):
        raise TypeError(f"env must know its arm means per round (a mean_table(T) method), got {env!r}")
    m = np.asarray(table(T), dtype=np.float64)
    if m.ndim != 2 or m.shape[0] != T:
        raise ValueError(f"env.mean_table({T}) must have shape [{T}, K], got {list(m.shape)}")
    return m


def _cumulative(means: np.ndarray) -> np.ndarray:
    return np.concatenate([np.zeros((1, means.shape[1])), np.cumsum(means, axis=0)])


def best_mean_reward(means: np.ndarray, rounds: np.ndarray) -> np.ndarray:
    """``[N]``: ``Σ_{t < n} max_i μ_t(i)`` at each ``n`` of ``rounds`` (1-based counts), from ``means [T, K]``."""
    m = check_array("means", means, shape=(None, None))
    c = np.concatenate([[0.0], np.cumsum(m.max(axis=1))])
    return c[np.asarray(rounds, dtype=np.int64)]


def segment_best(means: np.ndarray, rounds: np.ndarray, boundaries: Any) -> np.ndarray:
    """``[N]``: ``Σ_j max_i Σ_{t ∈ [s_j, s_{j+1}), t < n} μ_t(i)`` at each ``n`` of ``rounds``.

    Args:
        means: ``[T, K]`` arm means per round.
        rounds: ``[N]`` numbers of rounds played (1..T).
        boundaries: increasing segment starts ``s_0 = 0 < s_1 < ...`` (values ``>= T`` ignored).

    Example:
        >>> means = np.array([[1.0, 0.0]] * 2 + [[0.0, 1.0]] * 2)
        >>> segment_best(means, np.array([2, 3, 4]), [0, 2, 4]).tolist()
        [2.0, 3.0, 4.0]
        >>> segment_best(means, np.array([4]), [0, 4]).tolist()   # one segment: the best fixed arm
        [2.0]
    """
    m = check_array("means", means, shape=(None, None))
    T = m.shape[0]
    s = np.asarray(boundaries, dtype=np.int64).reshape(-1)
    if s.size == 0 or s[0] != 0 or (np.diff(s) <= 0).any():
        raise ValueError(f"boundaries must be increasing segment starts beginning at 0, got {s.tolist()}")
    s = np.concatenate([s[s < T], [T]])
    cum = _cumulative(m)
    full = (cum[s[1:]] - cum[s[:-1]]).max(axis=1)  # [S] best arm's total of each whole segment
    done = np.concatenate([[0.0], np.cumsum(full)])
    n = np.asarray(rounds, dtype=np.int64)
    j = np.searchsorted(s, n, side="right") - 1  # the segment that round n-1 ... n falls in
    j = np.minimum(j, s.size - 2)
    partial = (cum[n] - cum[s[j]]).max(axis=1)
    return done[j] + partial


def learner_mean_reward(trace: Any, env: Any) -> np.ndarray:
    """``[N, B]``: ``Σ_{t < n} <p_t, μ_t>`` at each recorded round ``n`` of the trace."""
    T = int(trace.horizon)
    means = _table(env, T)
    rounds = np.asarray(trace.rounds, dtype=np.int64)
    hist = getattr(trace, "strategies", None)
    if hist is not None and hist.shape[0] == T:  # every round recorded: exact from the history
        got = np.cumsum(np.einsum("tbk,tk->tb", hist, means), axis=0)
        return got[rounds - 1]
    pseudo = trace.metrics.get("pseudo_regret")
    if pseudo is None:
        raise ValueError("the trace has neither a per-round strategy history nor pseudo_regret: run the "
                         "environment as a setting that reports mean_utility per round, or pass history=True, every=1")
    return best_mean_reward(means, rounds)[:, None] - pseudo


def dynamic_regret(trace: Any, env: Any, against: str = "round", boundaries: Any = None) -> np.ndarray:
    r"""Dynamic pseudo-regret ``[N, B]`` of a trace at its recorded rounds.

    Args:
        trace: a :class:`regretlab.run.Trace` of a run in ``env`` (player 0).
        env: the environment (``mean_table(T) [T, K]``; ``segments(T)`` for ``against="segment"``).
        against: ``"round"`` (the best arm of every round) or ``"segment"`` (the best arm of each
            segment).
        boundaries: segment starts for ``against="segment"`` (default ``env.segments(T)``: its
            change points).

    Returns:
        ``[N, B]`` regret after each recorded round.

    Example:
        >>> from regretlab.bandits.nonstationary import piecewise_bandit, sw_ucb
        >>> from regretlab.run import run
        >>> env = piecewise_bandit(means=[[0.9, 0.1], [0.1, 0.9]], change_points=[500])
        >>> tr = run(sw_ucb(window=100), env, T=1000, batch=2, every=500)
        >>> r = dynamic_regret(tr, env, "segment")
        >>> r.shape, bool(np.allclose(r, dynamic_regret(tr, env, "round")))
        ((2, 2), True)
    """
    if against not in ("round", "segment"):
        raise ValueError(f"against must be 'round' or 'segment', got {against!r}")
    T = int(trace.horizon)
    means = _table(env, T)
    rounds = np.asarray(trace.rounds, dtype=np.int64)
    if against == "round":
        best = best_mean_reward(means, rounds)
    else:
        if boundaries is None:
            seg = getattr(env, "segments", None)
            boundaries = seg(T)[:-1] if callable(seg) else [0]
        best = segment_best(means, rounds, boundaries)
    return best[:, None] - learner_mean_reward(trace, env)
