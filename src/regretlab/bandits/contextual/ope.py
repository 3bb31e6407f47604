r"""Off-policy evaluation of a logged contextual-bandit stream: IPS, self-normalised IPS, doubly robust.

A logged stream is ``n`` rounds ``(x_i, a_i, r_i, μ_i)`` where ``μ_i = μ(a_i | x_i)`` is the
logging policy's probability of the action it took. The value of a target policy ``π``,
``V(π) = E_x Σ_a π(a|x) E[r | x, a]``, is estimated by

* IPS: ``(1/n) Σ_i w_i r_i`` with ``w_i = π(a_i|x_i)/μ_i`` (unbiased when ``μ > 0`` wherever ``π > 0``);
* self-normalised IPS: ``Σ_i w_i r_i / Σ_i w_i`` (biased, consistent, lower variance);
* doubly robust: ``(1/n) Σ_i [Σ_a π(a|x_i) q̂(x_i, a) + w_i (r_i − q̂(x_i, a_i))]`` with a reward
  model ``q̂`` (unbiased for any ``q̂`` fixed before the data; Dudík, Langford & Li, ICML 2011).

Each takes arrays with any leading batch axes (e.g. ``[B, n]``, one logged stream per run) and
returns an :class:`OffPolicyEstimate` ``(value, se)`` over the last axis. Propensities must lie in
``(0, 1]``: a propensity of 0 (an action the logging policy could not take) or outside the
interval is a ``ValueError`` naming the first bad entry, never a silent infinity.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_array, check_int

__all__ = ["LoggedStream", "OffPolicyEstimate", "check_propensity", "doubly_robust", "ips", "log_stream", "snips"]


class OffPolicyEstimate(NamedTuple):
    """An off-policy estimate and its standard error (over the logged rounds)."""

    value: np.ndarray  # [...] estimated value of the target policy
    se: np.ndarray  # [...] standard error (sample standard deviation of the terms / sqrt(n))


def check_propensity(propensity: Any, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """The logging propensities ``μ(a_i | x_i)`` as floats in ``(0, 1]``, or a one-line ``ValueError``."""
    p = check_array("propensity", propensity, finite=False)
    if shape is not None and p.shape != shape:
        raise ValueError(f"propensity must have shape {list(shape)} (one per logged round), got {list(p.shape)}")
    bad = ~((p > 0.0) & (p <= 1.0 + 1e-12))
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"propensity must be the logging policy's probability of the logged action, in (0, 1]; "
                         f"got {p[where]!r} at index {list(where)} (a logged action of probability 0 cannot be "
                         "importance weighted)")
    return p


def _target_of(target: Any, action: np.ndarray, k: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """``(π(a_i|x_i) [..., n], π [..., n, K] or None)`` from a target ``[..., n]`` or ``[..., n, K]``."""
    pi = check_array("target", target)
    if pi.shape == action.shape:
        return pi, None
    if pi.shape[:-1] != action.shape:
        raise ValueError(f"target must be π(a_i|x_i) {list(action.shape)} or the target policy's distribution "
                         f"{list(action.shape) + ['K']}, got {list(pi.shape)}")
    if (pi < -1e-12).any() or not np.allclose(pi.sum(axis=-1), 1.0):
        raise ValueError("target rows must be probability distributions over the K arms")
    if action.min() < 0 or action.max() >= pi.shape[-1]:
        raise ValueError(f"action must be in [0, {pi.shape[-1]}), got {int(action.max() if action.max() >= pi.shape[-1] else action.min())}")
    return np.take_along_axis(pi, action[..., None], axis=-1)[..., 0], pi


def _inputs(action: Any, reward: Any, propensity: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a = np.asarray(action)
    if a.ndim < 1 or a.dtype.kind not in "iu":
        raise ValueError(f"action must be an integer array [..., n], got {a.dtype} {list(a.shape)}")
    r = check_array("reward", reward)
    if r.shape != a.shape:
        raise ValueError(f"reward must have the shape of action {list(a.shape)}, got {list(r.shape)}")
    return a.astype(np.int64), r, check_propensity(propensity, a.shape)


def _mean_se(terms: np.ndarray) -> OffPolicyEstimate:
    n = terms.shape[-1]
    se = terms.std(axis=-1, ddof=1) / np.sqrt(n) if n > 1 else np.full(terms.shape[:-1], np.nan)
    return OffPolicyEstimate(terms.mean(axis=-1), se)


def ips(action: Any, reward: Any, propensity: Any, target: Any) -> OffPolicyEstimate:
    """Inverse propensity scoring: ``(1/n) Σ_i π(a_i|x_i) r_i / μ_i``.

    Args:
        action: ``[..., n]`` logged actions; reward: ``[..., n]``; propensity: ``[..., n]`` ``μ(a_i|x_i)``.
        target: ``[..., n]`` ``π(a_i|x_i)``, or ``[..., n, K]`` the target policy's distributions.

    Example:
        >>> ips([0, 1], [1.0, 0.0], [0.5, 0.5], [[1.0, 0.0], [1.0, 0.0]]).value.item()   # (1/0.5 * 1 + 0) / 2
        1.0

    Horvitz & Thompson, JASA 1952; for contextual bandits e.g. Dudík, Langford & Li, ICML 2011.
    """
    a, r, mu = _inputs(action, reward, propensity)
    pa, _ = _target_of(target, a)
    return _mean_se(pa / mu * r)


def snips(action: Any, reward: Any, propensity: Any, target: Any) -> OffPolicyEstimate:
    """Self-normalised IPS: ``Σ_i w_i r_i / Σ_i w_i`` with ``w_i = π(a_i|x_i)/μ_i`` (delta-method se).

    Example:
        >>> snips([0, 1], [1.0, 0.0], [0.5, 0.5], [[1.0, 0.0], [1.0, 0.0]]).value.item()   # 2 / 2
        1.0

    Swaminathan & Joachims, "The self-normalized estimator for counterfactual learning", NeurIPS 2015.
    """
    a, r, mu = _inputs(action, reward, propensity)
    pa, _ = _target_of(target, a)
    w = pa / mu
    total = w.sum(axis=-1)
    if (total <= 0).any():
        raise ValueError("snips: the target policy gives probability 0 to every logged action (Σ w = 0)")
    value = (w * r).sum(axis=-1) / total
    n = w.shape[-1]
    resid = w * (r - value[..., None]) / (total[..., None] / n)
    se = resid.std(axis=-1, ddof=1) / np.sqrt(n) if n > 1 else np.full(value.shape, np.nan)
    return OffPolicyEstimate(value, se)


def doubly_robust(action: Any, reward: Any, propensity: Any, target: Any, model: Any) -> OffPolicyEstimate:
    """Doubly robust: ``(1/n) Σ_i [⟨π(·|x_i), q̂(x_i, ·)⟩ + π(a_i|x_i)(r_i − q̂(x_i, a_i))/μ_i]``.

    Args:
        action, reward, propensity: the logged ``[..., n]`` arrays.
        target: ``[..., n, K]`` the target policy's distributions at the logged contexts.
        model: ``[..., n, K]`` the reward model ``q̂(x_i, a)`` (fit on other data: then DR is unbiased).

    Example:
        >>> q = [[0.5, 0.5], [0.5, 0.5]]
        >>> doubly_robust([0, 1], [1.0, 0.0], [0.5, 0.5], [[1.0, 0.0], [1.0, 0.0]], q).value.item()   # 0.5 + (1 + 0)/2
        1.0

    Dudík, Langford & Li, "Doubly robust policy evaluation and learning", ICML 2011, eq. (3).
    """
    a, r, mu = _inputs(action, reward, propensity)
    pa, pi = _target_of(target, a)
    if pi is None:
        raise ValueError(f"target must be the target policy's distributions {list(a.shape) + ['K']} for doubly_robust")
    q = check_array("model", model, shape=pi.shape)
    qa = np.take_along_axis(q, a[..., None], axis=-1)[..., 0]
    return _mean_se(np.einsum("...k,...k->...", pi, q) + pa / mu * (r - qa))


class LoggedStream(NamedTuple):
    """A stream logged by a logging policy, run axis first (one logged stream per run)."""

    contexts: np.ndarray  # [B, n, D] or [B, n, K, D]
    action: np.ndarray  # [B, n] logged actions
    reward: np.ndarray  # [B, n] their rewards
    propensity: np.ndarray  # [B, n] μ(a_i | x_i)
    logging: np.ndarray  # [B, n, K] the logging policy's distributions
    utilities: np.ndarray  # [B, n, K] every arm's reward (for checks against the truth)
    means: np.ndarray | None  # [B, n, K] expected rewards when the setting knows them


def log_stream(setting: Any, logging: Any, T: int, keys: np.ndarray) -> LoggedStream:
    """Log ``T`` rounds of ``setting`` played by ``logging``: a policy (``context -> [B, K]``) or a learner.

    The actions are drawn from the runs' ``"action"`` streams, as the driver draws them.
    """
    T = check_int("T", T)
    keys = np.asarray(keys, dtype=np.uint64)
    learner = logging if all(callable(getattr(logging, m, None)) for m in ("init", "strategy", "update")) else None
    k = setting.num_actions[0]
    lstate = learner.init(keys, k) if learner is not None else None
    state = setting.init(keys)
    act = rng.derive(keys, "action")
    rows = np.arange(keys.size)
    out: dict[str, list[Any]] = {n: [] for n in ("contexts", "action", "reward", "propensity", "logging",
                                                         "utilities", "means")}
    from regretlab.core.types import Bandit

    for t in range(T):
        x = setting.context(state, 0)
        p = learner.strategy(lstate, x) if learner is not None else np.asarray(logging(x), dtype=np.float64)
        a = rng.sample_actions(act, t, np.ascontiguousarray(p))
        state, (u,) = setting.step(state, (p,), (a,))
        if learner is not None:
            lstate = learner.update(lstate, Bandit(a, u[rows, a], p[rows, a], context=x))
        m = setting.mean_utility(state, 0) if hasattr(setting, "mean_utility") else None
        for name, value in (("contexts", x), ("action", a), ("reward", u[rows, a]), ("propensity", p[rows, a]),
                            ("logging", p), ("utilities", u), ("means", m)):
            out[name].append(None if value is None else np.array(value))
    stack: dict[str, Any] = {n: (np.stack(v, axis=1) if all(e is not None for e in v) else None)
                             for n, v in out.items()}
    return LoggedStream(**stack)
