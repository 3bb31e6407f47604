"""Declared convex domains for online convex optimisation, batched over runs.

A domain knows its Euclidean projection, its projection in the norm of a positive-definite metric
``A`` (``argmin_{y in K} (y - x)^T A (y - x)``, the *generalised projection* of the Online Newton
Step, AdaGrad and MetaGrad), its diameter, a membership check and its linear minimisation oracle
(``argmin_{y in K} <c, y>``, the best fixed point against linear losses).

Domains: :class:`Simplex` (the probability simplex), :class:`ClassSimplex` (the probability
simplex over a named finite class), :class:`Ball` (the centred ℓ2 ball of a radius),
:class:`Box` (``lower <= x <= upper``) and :class:`Reals` (unconstrained ``R^D``, for coin
betting). A domain without a fixed dimension takes it from ``init(keys, D)``.

Generalised projections: a diagonal metric is exact on every domain (clipping on a box, a
breakpoint search on the simplex, a secular equation on the ball); a full metric is exact on the
ball (eigen-decomposition and a Newton-solved secular equation, Moré & Sorensen 1983) and solved
on the simplex and the box by a primal-dual active-set Newton method (Hintermüller, Ito & Kunisch,
SIAM J. Optim. 2003), which stops when the active set repeats and meets the KKT conditions; a row
that has not converged after ``4 D + 20`` steps is solved by SciPy's SLSQP instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from regretlab.core.errors import check_array, check_positive
from regretlab.core.simplex import project_simplex

__all__ = [
    "Ball",
    "Box",
    "ClassSimplex",
    "Domain",
    "Reals",
    "Simplex",
    "as_domain",
    "ball",
    "box",
    "class_simplex",
    "reals",
    "simplex",
]


def _rows(x: Any, name: str = "x") -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"{name} must have shape [B, D], got shape {list(arr.shape)}")
    return arr


def _metric(metric: Any, b: int, d: int) -> np.ndarray | None:
    """``None`` (Euclidean), ``[B, D]`` (diagonal) or ``[B, D, D]`` (full), checked."""
    if metric is None:
        return None
    m = np.asarray(metric, dtype=np.float64)
    if m.shape not in ((b, d), (b, d, d)):
        raise ValueError(f"metric must have shape [{b}, {d}] (diagonal) or [{b}, {d}, {d}], got {list(m.shape)}")
    return m


class Domain:
    """A closed convex set; subclasses implement the geometry."""

    name = "domain"
    dim: int | None = None  # a fixed dimension, or None (any D, given at init)
    bounded = True

    def check_dim(self, D: Any, what: str = "D") -> int:
        """The dimension ``D`` checked against a fixed dimension (a domain mismatch is an error)."""
        from regretlab.core.errors import check_int

        D = check_int(what, D, minimum=1)
        if self.dim is not None and D != self.dim:
            raise ValueError(f"{what} = {D} does not match the domain {self!r} of dimension {self.dim}")
        return D

    # -- geometry (override) ---------------------------------------------------------------------
    def center(self, D: int) -> np.ndarray:
        """A point of the domain (the usual starting point), ``[D]``."""
        raise NotImplementedError

    def _euclid(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _diagonal(self, x: np.ndarray, a: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _full(self, x: np.ndarray, a: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _inside(self, x: np.ndarray, atol: float) -> np.ndarray:
        raise NotImplementedError

    def diameter(self, D: int) -> float:
        """``max ||x - y||_2`` over the domain (``inf`` when unbounded)."""
        raise NotImplementedError

    def diameter_inf(self, D: int) -> float:
        """``max ||x - y||_inf`` over the domain (AdaGrad's ``D_inf``)."""
        raise NotImplementedError

    def argmin_linear(self, c: np.ndarray) -> np.ndarray:
        """``argmin_{y in K} <c_b, y>`` per row, ``[B, D]``."""
        raise NotImplementedError

    # -- public API ------------------------------------------------------------------------------
    def project(self, x: Any, metric: Any = None) -> np.ndarray:
        """Projection of every row of ``x [B, D]``: Euclidean (``metric=None``) or in the norm of a
        positive-definite ``metric`` (``[B, D]`` diagonal or ``[B, D, D]`` full).

        Example:
            >>> Ball(1.0).project(np.array([[3.0, 4.0]])).round(12).tolist()
            [[0.6, 0.8]]
        """
        x = _rows(x)
        self.check_dim(x.shape[1], "x.shape[1]")
        m = _metric(metric, *x.shape)
        if m is None:
            return self._euclid(x)
        if m.ndim == 2:
            return self._diagonal(x, np.maximum(m, 1e-300))
        return self._full(x, m)

    def contains(self, x: Any, atol: float = 1e-9) -> np.ndarray:
        """``[B]`` bool: whether each row of ``x [B, D]`` lies in the domain (to ``atol``)."""
        x = _rows(x)
        if x.shape[1] != (self.dim or x.shape[1]):
            return np.zeros(x.shape[0], dtype=bool)
        return self._inside(x, atol) & np.isfinite(x).all(axis=1)

    def matches(self, other: object, D: int) -> bool:
        """Whether ``other`` is the same set as this domain in dimension ``D``."""
        return self == other

    def start(self, batch: int, D: int) -> np.ndarray:
        """``[B, D]`` copies of :meth:`center`."""
        return np.tile(self.center(D), (batch, 1))

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._key() == other._key()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._key()))

    def _key(self) -> tuple[Any, ...]:
        return ()


class Reals(Domain):
    """Unconstrained ``R^D`` (diameter ``inf``): the domain of parameter-free coin betting."""

    name = "reals"
    bounded = False

    def center(self, D: int) -> np.ndarray:
        return np.zeros(D)

    def _euclid(self, x: np.ndarray) -> np.ndarray:
        return x.copy()

    def _diagonal(self, x: np.ndarray, a: np.ndarray) -> np.ndarray:
        return x.copy()

    def _full(self, x: np.ndarray, a: np.ndarray) -> np.ndarray:
        return x.copy()

    def _inside(self, x: np.ndarray, atol: float) -> np.ndarray:
        return np.ones(x.shape[0], dtype=bool)

    def diameter(self, D: int) -> float:
        return math.inf

    def diameter_inf(self, D: int) -> float:
        return math.inf

    def argmin_linear(self, c: np.ndarray) -> np.ndarray:
        raise ValueError("the best fixed point against linear losses on the unbounded domain R^D does not exist; "
                         "use a bounded domain (Ball, Box or Simplex)")

    def __repr__(self) -> str:
        return "Reals()"


class Ball(Domain):
    """The centred ℓ2 ball ``{x : ||x||_2 <= radius}``."""

    name = "ball"

    def __init__(self, radius: float = 1.0) -> None:
        self.radius = check_positive("radius", radius)

    def _key(self) -> tuple[Any, ...]:
        return (self.radius,)

    def center(self, D: int) -> np.ndarray:
        return np.zeros(D)

    def _euclid(self, x: np.ndarray) -> np.ndarray:
        norm = np.linalg.norm(x, axis=1, keepdims=True)
        return x * np.minimum(1.0, self.radius / np.maximum(norm, 1e-300))

    def _secular(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """``lambda >= 0`` with ``||a z / (a + lambda)|| = r`` per row (rows with ``||z|| <= r`` get 0).

        Newton on ``psi(l) = 1/r - 1/||y(l)||`` (decreasing, convex, ``psi(0) > 0``): from ``l = 0``
        the iterates increase monotonically to the root (Moré & Sorensen 1983).
        """
        r = self.radius
        lam = np.zeros(z.shape[0])
        active = np.linalg.norm(z, axis=1) > r
        for _ in range(100):
            if not active.any():
                break
            den = a + lam[:, None]
            y = a * z / den
            ny = np.linalg.norm(y, axis=1)
            dy = -(a * z) / den**2  # d y / d lambda
            dny = np.einsum("bd,bd->b", y, dy) / np.maximum(ny, 1e-300)
            psi = 1.0 / r - 1.0 / np.maximum(ny, 1e-300)
            dpsi = dny / np.maximum(ny, 1e-300) ** 2
            step = np.where(active & (dpsi < 0), -psi / np.where(dpsi < 0, dpsi, -1.0), 0.0)
            lam = np.maximum(lam + step, 0.0)
            active = active & (np.abs(step) > 1e-15 * np.maximum(lam, 1e-300)) & (np.abs(psi) > 1e-15 / r)
        return lam

    def _diagonal(self, x: np.ndarray, a: np.ndarray) -> np.ndarray:
        lam = self._secular(x, a)
        y = a * x / (a + lam[:, None])
        return self._euclid(y)  # removes the last rounding outside the ball

    def _full(self, x: np.ndarray, a: np.ndarray) -> np.ndarray:
        w, v = np.linalg.eigh(a)
        w = np.maximum(w, 1e-300)
        z = np.einsum("bji,bj->bi", v, x)  # V^T x
        lam = self._secular(z, w)
        y = np.einsum("bij,bj->bi", v, w * z / (w + lam[:, None]))
        inside = np.linalg.norm(x, axis=1) <= self.radius
        return self._euclid(np.where(inside[:, None], x, y))

    def _inside(self, x: np.ndarray, atol: float) -> np.ndarray:
        return np.linalg.norm(x, axis=1) <= self.radius + atol

    def diameter(self, D: int) -> float:
        return 2.0 * self.radius

    def diameter_inf(self, D: int) -> float:
        return 2.0 * self.radius

    def argmin_linear(self, c: np.ndarray) -> np.ndarray:
        norm = np.linalg.norm(c, axis=1, keepdims=True)
        return np.where(norm > 0, -self.radius * c / np.maximum(norm, 1e-300), 0.0)

    def __repr__(self) -> str:
        return f"Ball(radius={self.radius:g})"


class _Polytope(Domain):
    """Shared active-set Newton solver for the full-metric projection on the simplex and the box."""

    equality = False  # sum(y) = 1

    def _bounds(self, d: int) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _full(self, x: np.ndarray, a: np.ndarray) -> np.ndarray:
        b, d = x.shape
        lo, hi = self._bounds(d)
        y = self._euclid(x)  # the Euclidean projection's active set is the first guess
        at_lo = y <= lo + 1e-12
        at_hi = (y >= hi - 1e-12) & ~at_lo
        ax = np.einsum("bij,bj->bi", a, x)
        done = np.zeros(b, dtype=bool)
        eq = 1 if self.equality else 0
        for _ in range(4 * d + 20):
            fixed = at_lo | at_hi
            if self.equality:  # keep one free coordinate (the equality needs it)
                none_free = fixed.all(axis=1)
                if none_free.any():
                    j = np.argmax(x[none_free], axis=1)
                    at_lo[none_free, j] = at_hi[none_free, j] = False
                    fixed = at_lo | at_hi
            yfix = np.where(at_lo, lo, np.where(at_hi, hi, 0.0))
            free = ~fixed
            m = np.zeros((b, d + eq, d + eq))
            m[:, :d, :d] = np.where(free[:, :, None] & free[:, None, :], a, 0.0)
            m[:, np.arange(d), np.arange(d)] = np.where(free, np.diagonal(a, axis1=1, axis2=2), 1.0)
            rhs = np.zeros((b, d + eq))
            rhs[:, :d] = np.where(free, ax - np.einsum("bij,bj->bi", a, yfix), yfix)
            if self.equality:
                m[:, :d, d] = free  # + nu on free rows
                m[:, d, :d] = free
                rhs[:, d] = 1.0 - yfix.sum(axis=1)
            try:
                sol = np.linalg.solve(m, rhs[..., None])[..., 0]
            except np.linalg.LinAlgError:
                break
            ynew = np.where(free, sol[:, :d], yfix)
            nu = sol[:, d] if self.equality else np.zeros(b)
            g = np.einsum("bij,bj->bi", a, ynew) - ax + nu[:, None]  # gradient of the Lagrangian
            scale = np.maximum(np.abs(np.diagonal(a, axis1=1, axis2=2)), 1e-300)
            trial = ynew - g / scale
            new_lo = trial <= lo
            new_hi = (trial >= hi) & ~new_lo
            stable = (new_lo == at_lo).all(axis=1) & (new_hi == at_hi).all(axis=1)
            tol = 1e-9 * (1.0 + np.abs(x).max(axis=1))
            feasible = ((ynew >= lo - tol[:, None]) & (ynew <= hi + tol[:, None])).all(axis=1)
            done = stable & feasible
            y = ynew
            if done.all():
                break
            at_lo, at_hi = new_lo, new_hi
        if not done.all():
            y = y.copy()
            for row in np.flatnonzero(~done):
                y[row] = self._scipy(x[row], a[row], lo, hi)
        return self._euclid(y)  # clears rounding at the bounds (a no-op up to 1e-12)

    def _scipy(self, x: np.ndarray, a: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        from scipy.optimize import minimize

        cons = [{"type": "eq", "fun": lambda y: y.sum() - 1.0, "jac": lambda y: np.ones_like(y)}] if self.equality else []
        bounds = [(None if not np.isfinite(lo_) else lo_, None if not np.isfinite(hi_) else hi_) for lo_, hi_ in zip(lo, hi)]
        res = minimize(lambda y: (y - x) @ a @ (y - x), self._euclid(x[None])[0],
                       jac=lambda y: 2 * a @ (y - x), bounds=bounds, constraints=cons, method="SLSQP",
                       options={"ftol": 1e-15, "maxiter": 500})
        return np.asarray(res.x)


class Simplex(_Polytope):
    """The probability simplex ``{x >= 0, sum x = 1}`` in ``R^D`` (``D`` given at init, or fixed by ``dim``)."""

    name = "simplex"
    equality = True

    def __init__(self, dim: int | None = None) -> None:
        if dim is not None:
            from regretlab.core.errors import check_int

            dim = check_int("dim", dim, minimum=1)
        self.dim = dim

    def _key(self) -> tuple[Any, ...]:
        return (self.dim,)

    def _bounds(self, d: int) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(d), np.full(d, np.inf)

    def matches(self, other: object, D: int) -> bool:
        return isinstance(other, Simplex) and self.dim in (None, D) and other.dim in (None, D)

    def center(self, D: int) -> np.ndarray:
        return np.full(D, 1.0 / D)

    def _euclid(self, x: np.ndarray) -> np.ndarray:
        return project_simplex(x)

    def _diagonal(self, x: np.ndarray, a: np.ndarray) -> np.ndarray:
        """``y_i = max(0, x_i - nu / a_i)`` with ``nu`` the root of ``sum y = 1`` (piecewise linear
        in ``nu``, found exactly between sorted breakpoints)."""
        b, d = x.shape
        w = 1.0 / a
        bp = x * a  # y_i > 0 iff nu < bp_i
        order = np.argsort(-bp, axis=1)
        bps = np.take_along_axis(bp, order, axis=1)
        xs = np.take_along_axis(x, order, axis=1)
        ws = np.take_along_axis(w, order, axis=1)
        # with the first k coordinates positive: sum = cx_k - nu cw_k = 1  ->  nu_k = (cx_k - 1) / cw_k
        cx, cw = np.cumsum(xs, axis=1), np.cumsum(ws, axis=1)
        nus = (cx - 1.0) / cw
        nxt = np.concatenate([bps[:, 1:], np.full((b, 1), -np.inf)], axis=1)
        ok = (nus < bps + 1e-15 * np.abs(bps)) & (nus >= nxt)
        k = np.where(ok.any(axis=1), np.argmax(ok, axis=1), d - 1)
        nu = nus[np.arange(b), k]
        return project_simplex(np.maximum(x - nu[:, None] * w, 0.0))

    def _inside(self, x: np.ndarray, atol: float) -> np.ndarray:
        return (x >= -atol).all(axis=1) & (np.abs(x.sum(axis=1) - 1.0) <= atol * max(1, x.shape[1]))

    def diameter(self, D: int) -> float:
        return math.sqrt(2.0) if D > 1 else 0.0

    def diameter_inf(self, D: int) -> float:
        return 1.0 if D > 1 else 0.0

    def argmin_linear(self, c: np.ndarray) -> np.ndarray:
        out = np.zeros_like(c)
        out[np.arange(c.shape[0]), np.argmin(c, axis=1)] = 1.0
        return out

    def __repr__(self) -> str:
        return "Simplex()" if self.dim is None else f"Simplex(dim={self.dim})"


class ClassSimplex(Simplex):
    """The probability simplex over a named finite class (``x[i]`` is the mass of ``classes[i]``).

    Example:
        >>> dom = ClassSimplex(["cat", "dog", "bird"])
        >>> dom.dim, dom.vertex("dog").tolist()
        (3, [0.0, 1.0, 0.0])
    """

    name = "class_simplex"

    def __init__(self, classes: Sequence[Any]) -> None:
        classes = tuple(classes)
        if len(classes) < 1:
            raise ValueError("classes must name at least one class, got none")
        if len(set(classes)) != len(classes):
            raise ValueError(f"classes must be distinct, got {classes!r}")
        super().__init__(len(classes))
        self.classes = classes

    def _key(self) -> tuple[Any, ...]:
        return self.classes

    def vertex(self, label: Any) -> np.ndarray:
        """The point mass on class ``label``, ``[D]``."""
        if label not in self.classes:
            raise ValueError(f"label must be one of {list(self.classes)}, got {label!r}")
        out = np.zeros(self.dim or 0)
        out[self.classes.index(label)] = 1.0
        return out

    def __repr__(self) -> str:
        return f"ClassSimplex({list(self.classes)!r})"


class Box(_Polytope):
    """The box ``lower <= x <= upper`` (scalars, or ``[D]`` arrays that fix the dimension)."""

    name = "box"

    def __init__(self, lower: Any = -1.0, upper: Any = 1.0) -> None:
        lo = check_array("lower", lower)
        hi = check_array("upper", upper)
        if lo.ndim > 1 or hi.ndim > 1 or (lo.ndim == 1 and hi.ndim == 1 and lo.shape != hi.shape):
            raise ValueError(f"lower and upper must be numbers or [D] arrays of one length, got shapes "
                             f"{list(lo.shape)} and {list(hi.shape)}")
        if not (hi > lo).all():
            raise ValueError(f"upper must exceed lower in every coordinate, got lower={lo.tolist()}, upper={hi.tolist()}")
        self.lower, self.upper = lo, hi
        self.dim = int(max(lo.size if lo.ndim else 0, hi.size if hi.ndim else 0)) or None

    def _key(self) -> tuple[Any, ...]:
        return (tuple(np.atleast_1d(self.lower).tolist()), tuple(np.atleast_1d(self.upper).tolist()))

    def _bounds(self, d: int) -> tuple[np.ndarray, np.ndarray]:
        return np.broadcast_to(self.lower, (d,)).astype(float), np.broadcast_to(self.upper, (d,)).astype(float)

    def center(self, D: int) -> np.ndarray:
        lo, hi = self._bounds(D)
        return 0.5 * (lo + hi)

    def matches(self, other: object, D: int) -> bool:
        if not isinstance(other, Box) or (self.dim or D) != D or (other.dim or D) != D:
            return False
        (lo, hi), (lo2, hi2) = self._bounds(D), other._bounds(D)
        return bool(np.array_equal(lo, lo2) and np.array_equal(hi, hi2))

    def _euclid(self, x: np.ndarray) -> np.ndarray:
        lo, hi = self._bounds(x.shape[1])
        return np.clip(x, lo, hi)

    def _diagonal(self, x: np.ndarray, a: np.ndarray) -> np.ndarray:
        return self._euclid(x)  # a separable problem: the clip is exact in any diagonal metric

    def _inside(self, x: np.ndarray, atol: float) -> np.ndarray:
        lo, hi = self._bounds(x.shape[1])
        return np.asarray(((x >= lo - atol) & (x <= hi + atol)).all(axis=1))

    def diameter(self, D: int) -> float:
        lo, hi = self._bounds(D)
        return float(np.linalg.norm(hi - lo))

    def diameter_inf(self, D: int) -> float:
        lo, hi = self._bounds(D)
        return float(np.max(hi - lo))

    def argmin_linear(self, c: np.ndarray) -> np.ndarray:
        lo, hi = self._bounds(c.shape[1])
        return np.where(c > 0, lo, np.where(c < 0, hi, 0.5 * (lo + hi)))

    def __repr__(self) -> str:
        def show(v: np.ndarray) -> str:
            return f"{float(v):g}" if v.ndim == 0 else str(v.tolist())

        return f"Box(lower={show(self.lower)}, upper={show(self.upper)})"


def simplex(dim: int | None = None) -> Simplex:
    """The probability simplex (``dim`` fixes the dimension)."""
    return Simplex(dim)


def class_simplex(classes: Sequence[Any]) -> ClassSimplex:
    """The probability simplex over the named ``classes``."""
    return ClassSimplex(classes)


def ball(radius: float = 1.0) -> Ball:
    """The centred ℓ2 ball of ``radius`` (> 0)."""
    return Ball(radius)


def box(lower: Any = -1.0, upper: Any = 1.0) -> Box:
    """The box ``lower <= x <= upper``."""
    return Box(lower, upper)


def reals() -> Reals:
    """Unconstrained ``R^D``."""
    return Reals()


_BY_NAME = {"simplex": Simplex, "ball": Ball, "box": Box, "reals": Reals}


def as_domain(domain: Any) -> Domain:
    """A :class:`Domain` from a domain object or a name (``simplex``, ``ball``, ``box``, ``reals``).

    Example:
        >>> as_domain("ball")
        Ball(radius=1)
    """
    if isinstance(domain, Domain):
        return domain
    if isinstance(domain, str) and domain in _BY_NAME:
        return _BY_NAME[domain]()
    raise ValueError(f"domain must be a Domain (Simplex, ClassSimplex, Ball, Box, Reals) or one of "
                     f"{', '.join(_BY_NAME)}, got {domain!r}")
