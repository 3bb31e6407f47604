"""Regret of online convex optimisation: against the best fixed point in hindsight, and dynamic.

Static regret ``R_T = sum_t f_t(x_t) - min_{u in K} sum_t f_t(u)``; the comparator (the best fixed
point of the losses so far) depends on the loss family:

* ``linear``: ``argmin_{u in K} <sum_t c_t, u>``, the domain's linear minimisation oracle (closed form);
* ``quadratic``: ``sum_t (a_t/2) ||u - z_t||^2`` is minimised by the Euclidean projection of the
  weighted mean ``sum a_t z_t / sum a_t`` (closed form);
* ``logistic`` and ``portfolio`` (the best constant-rebalanced portfolio): a batched projected
  Newton method, ``u <- Π^H_K(u - H^{-1} ∇)`` with the Hessian ``H`` of the summed loss (the
  generalised projection of :mod:`regretlab.oco.domains`) and a backtracking line search; it is
  checked against SciPy in the tests.

Dynamic regret ``sum_t f_t(x_t) - f_t(u_t)`` against a given comparator sequence ``u_t``, and its
path length ``P_T = sum_t ||u_t - u_{t-1}||``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "Comparator",
    "best_fixed",
    "comparator",
    "cumulative_loss",
    "dynamic_regret",
    "path_length",
    "regret",
]


def _stack(data: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.stack([d[k] for d in data]) for k in data[0]}


def _hessian(name: str, data: dict[str, np.ndarray], u: np.ndarray) -> np.ndarray:
    """``[B, D, D]`` Hessian of the summed loss (data ``[T, B, ...]``) at ``u [B, D]``."""
    if name == "logistic":
        from scipy.special import expit

        a, y = data["features"], data["label"]
        s = expit(y * np.einsum("tbd,bd->tb", a, u))
        return np.einsum("tb,tbi,tbj->bij", s * (1.0 - s), a, a)
    if name == "portfolio":
        r = data["r"]
        q = r / np.maximum(np.einsum("tbd,bd->tb", r, u), 1e-300)[..., None]
        return np.einsum("tbi,tbj->bij", q, q)
    raise ValueError(f"no Hessian for loss family {name!r}")


def _total(family: Any, data: dict[str, np.ndarray], u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(sum_t f_t(u) [B], sum_t ∇f_t(u) [B, D])`` over data ``[T, B, ...]``."""
    t, (b, d) = next(iter(data.values())).shape[0], u.shape
    flat = {k: v.reshape((t * b,) + v.shape[2:]) for k, v in data.items()}  # rounds x runs as one batch
    point = np.broadcast_to(u, (t, b, d)).reshape(t * b, d)
    return (family.value(flat, point).reshape(t, b).sum(axis=0),
            family.grad(flat, point).reshape(t, b, d).sum(axis=0))


def _newton(family: Any, domain: Any, data: dict[str, np.ndarray], start: np.ndarray,
            iterations: int = 60) -> np.ndarray:
    """Batched projected Newton with backtracking: ``argmin_{u in K} sum_t f_t(u)`` per run."""
    u = domain.project(start)
    d = u.shape[1]
    f, g = _total(family, data, u)
    for _ in range(iterations):
        h = _hessian(family.name, data, u)
        ridge = 1e-10 * (1.0 + np.trace(h, axis1=1, axis2=2) / d)
        h = h + ridge[:, None, None] * np.eye(d)
        target = domain.project(u - np.linalg.solve(h, g[..., None])[..., 0], metric=h)
        step = target - u
        slope = np.einsum("bd,bd->b", g, step)  # <= 0: the model's decrease
        if (np.abs(slope) <= 1e-13 * (1.0 + np.abs(f))).all():
            break
        size = np.ones(u.shape[0])
        for _ in range(40):  # Armijo backtracking, per run
            trial = u + size[:, None] * step
            ft, _ = _total(family, data, trial)
            ok = (ft <= f + 1e-4 * size * slope) | (slope >= 0)
            if ok.all():
                break
            size = np.where(ok, size, 0.5 * size)
        moved = slope < 0
        u = np.where(moved[:, None], domain.project(u + size[:, None] * step), u)
        f, g = _total(family, data, u)
    return u


def best_fixed(loss: Any, data: dict[str, Any] | list[dict[str, np.ndarray]], domain: Any,
               start: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The best fixed point in hindsight of a loss sequence and its total loss.

    Args:
        loss: a loss family (or its name) of :mod:`regretlab.oco.losses`.
        data: the rounds' data, stacked (``{k: [T, B, ...]}``) or as a list of per-round dicts.
        domain: the domain of the comparator.
        start: ``[B, D]`` a warm start for the Newton solve (logistic, portfolio).
    Returns:
        ``(total loss [B], point [B, D])``.

    Example:
        >>> from regretlab.oco.domains import Simplex
        >>> c = {"c": np.array([[[1.0, 0.0]], [[1.0, -1.0]]])}  # T = 2 rounds, B = 1 run
        >>> total, point = best_fixed("linear", c, Simplex())
        >>> total.tolist(), point.tolist()
        ([-1.0], [[0.0, 1.0]])
    """
    from regretlab.oco.losses import family as loss_family

    fam = loss_family(loss)
    stacked = _stack(data) if isinstance(data, list) else {k: np.asarray(v, dtype=np.float64) for k, v in data.items()}
    if fam.name == "linear":
        c = stacked["c"].sum(axis=0)
        point = domain.argmin_linear(c)
        return np.einsum("bd,bd->b", c, point), point
    if fam.name == "quadratic":
        a = stacked["a"]  # [T, B]
        z = stacked["z"]  # [T, B, D]
        total_a = a.sum(axis=0)
        mean = np.einsum("tb,tbd->bd", a, z) / total_a[:, None]
        point = domain.project(mean)
        value, _ = _total(fam, stacked, point)
        return value, point
    if start is None:
        d = next(v for k, v in stacked.items() if k in ("features", "r")).shape[-1]
        start = domain.start(next(iter(stacked.values())).shape[1], d)
    point = _newton(fam, domain, stacked, start)
    value, _ = _total(fam, stacked, point)
    return value, point


class Comparator:
    """The running best fixed point of one setting's losses: ``add`` a round, ``best()`` now.

    Linear and quadratic losses keep sufficient statistics (sums); logistic and portfolio
    losses keep the rounds and re-solve at each ``best()`` from the last solution.
    """

    def __init__(self, loss: Any, domain: Any, dim: int, batch: int) -> None:
        from regretlab.oco.losses import family as loss_family

        self.family = loss_family(loss)
        self.domain = domain
        self.dim, self.batch = int(dim), int(batch)
        self._sum_c = np.zeros((batch, dim))
        self._sum_a = np.zeros(batch)
        self._sum_az = np.zeros((batch, dim))
        self._sum_azz = np.zeros(batch)
        self._rounds: list[dict[str, np.ndarray]] = []
        self._point: np.ndarray | None = None

    def add(self, data: dict[str, np.ndarray]) -> None:
        name = self.family.name
        if name == "linear":
            self._sum_c += data["c"]
        elif name == "quadratic":
            a, z = data["a"], data["z"]
            self._sum_a += a
            self._sum_az += a[:, None] * z
            self._sum_azz += a * np.einsum("bd,bd->b", z, z)
        else:
            self._rounds.append({k: np.array(v, dtype=np.float64, copy=True) for k, v in data.items()})

    def best(self) -> tuple[np.ndarray, np.ndarray]:
        """``(min_u sum_t f_t(u) [B], argmin [B, D])`` over the rounds added so far."""
        name = self.family.name
        if name == "linear":
            point = self.domain.argmin_linear(self._sum_c)
            return np.einsum("bd,bd->b", self._sum_c, point), point
        if name == "quadratic":
            a = np.maximum(self._sum_a, 1e-300)
            point = self.domain.project(self._sum_az / a[:, None])
            value = 0.5 * (self._sum_a * np.einsum("bd,bd->b", point, point)
                           - 2.0 * np.einsum("bd,bd->b", self._sum_az, point) + self._sum_azz)
            return value, point
        if not self._rounds:
            return np.zeros(self.batch), self.domain.start(self.batch, self.dim)
        value, point = best_fixed(self.family, self._rounds, self.domain, start=self._point)
        self._point = point
        return value, point


def comparator(loss: Any, domain: Any, dim: int, batch: int) -> Comparator:
    """A :class:`Comparator` for a setting's loss family and domain."""
    return Comparator(loss, domain, dim, batch)


def cumulative_loss(ledger: Any) -> np.ndarray:
    """``[N, B]`` the learner's cumulative loss ``sum_t f_t(x_t)`` at each snapshot."""
    return ledger.curve("loss")


def regret(ledger: Any) -> np.ndarray:
    """``[N, B]`` static regret ``sum_t f_t(x_t) - min_u sum_t f_t(u)`` at each snapshot."""
    return ledger.curve("loss") - ledger.curve("best")


def dynamic_regret(ledger: Any) -> np.ndarray:
    """``[N, B]`` dynamic regret ``sum_t f_t(x_t) - f_t(u_t)`` against the ledger's comparator sequence."""
    return ledger.curve("loss") - ledger.curve("comparator")


def path_length(comparators: Any) -> np.ndarray:
    """``P_T = sum_{t>1} ||u_t - u_{t-1}||_2`` of a comparator sequence ``[T, B, D]`` (or ``[T, D]``), ``[B]``.

    Example:
        >>> path_length(np.array([[0.0, 0.0], [3.0, 4.0], [3.0, 4.0]])).tolist()
        [5.0]
    """
    u = np.asarray(comparators, dtype=np.float64)
    if u.ndim == 2:
        u = u[:, None, :]
    if u.ndim != 3:
        raise ValueError(f"comparators must have shape [T, B, D] or [T, D], got {list(np.shape(comparators))}")
    return np.linalg.norm(np.diff(u, axis=0), axis=2).sum(axis=0)
