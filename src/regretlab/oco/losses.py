"""Convex loss families of online convex optimisation: the value and gradient of ``f_t`` at a point.

A round's loss is described by ``data``, a dict of arrays with the run axis first; a family
evaluates ``f_t(x) [B]`` and its gradient ``[B, D]`` from it. The comparator (the best fixed point
in hindsight) of each family is in :mod:`regretlab.metrics.oco`.

| family | data | ``f_t(x)`` | curvature |
|---|---|---|---|
| ``linear`` | ``c [B, D]`` | ``<c, x>`` | none |
| ``quadratic`` | ``z [B, D]``, ``a [B]`` | ``(a/2) ||x - z||^2`` | ``a``-strongly convex |
| ``logistic`` | ``features [B, D]``, ``label [B]`` in ±1 | ``log(1 + exp(-y <a, x>))`` | exp-concave on bounded sets |
| ``portfolio`` | ``r [B, D] > 0`` (price relatives) | ``-log <r, x>`` | 1-exp-concave (Hazan et al. 2007) |
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["FAMILIES", "LINEAR", "LOGISTIC", "PORTFOLIO", "QUADRATIC", "LossFamily", "family"]

Data = dict[str, np.ndarray]


class LossFamily:
    """A named family of convex losses (``value`` and ``grad`` of one round's data at ``x [B, D]``)."""

    name = "loss"
    # exp-concavity constant alpha when the family has one for every round (None otherwise)
    exp_concave: float | None = None

    def value(self, data: Data, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def grad(self, data: Data, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.name


class _Linear(LossFamily):
    name = "linear"

    def value(self, data: Data, x: np.ndarray) -> np.ndarray:
        return np.einsum("bd,bd->b", data["c"], x)

    def grad(self, data: Data, x: np.ndarray) -> np.ndarray:
        return np.array(data["c"], dtype=np.float64, copy=True)


class _Quadratic(LossFamily):
    name = "quadratic"

    def value(self, data: Data, x: np.ndarray) -> np.ndarray:
        diff = x - data["z"]
        return 0.5 * data["a"] * np.einsum("bd,bd->b", diff, diff)

    def grad(self, data: Data, x: np.ndarray) -> np.ndarray:
        return data["a"][:, None] * (x - data["z"])


class _Logistic(LossFamily):
    name = "logistic"

    def value(self, data: Data, x: np.ndarray) -> np.ndarray:
        margin = data["label"] * np.einsum("bd,bd->b", data["features"], x)
        return np.logaddexp(0.0, -margin)

    def grad(self, data: Data, x: np.ndarray) -> np.ndarray:
        y = data["label"]
        margin = y * np.einsum("bd,bd->b", data["features"], x)
        from scipy.special import expit

        return (-y * expit(-margin))[:, None] * data["features"]


class _Portfolio(LossFamily):
    name = "portfolio"
    exp_concave = 1.0

    def value(self, data: Data, x: np.ndarray) -> np.ndarray:
        return -np.log(np.maximum(np.einsum("bd,bd->b", data["r"], x), 1e-300))

    def grad(self, data: Data, x: np.ndarray) -> np.ndarray:
        r = data["r"]
        return -r / np.maximum(np.einsum("bd,bd->b", r, x), 1e-300)[:, None]


LINEAR, QUADRATIC, LOGISTIC, PORTFOLIO = _Linear(), _Quadratic(), _Logistic(), _Portfolio()
FAMILIES = {f.name: f for f in (LINEAR, QUADRATIC, LOGISTIC, PORTFOLIO)}


def family(name: Any) -> LossFamily:
    """The loss family called ``name`` (``linear``, ``quadratic``, ``logistic``, ``portfolio``).

    Example:
        >>> family("linear").value({"c": np.array([[1.0, -1.0]])}, np.array([[0.25, 0.75]])).tolist()
        [-0.5]
    """
    if isinstance(name, LossFamily):
        return name
    if name not in FAMILIES:
        raise ValueError(f"loss must be one of {', '.join(FAMILIES)}, got {name!r}")
    return FAMILIES[name]
