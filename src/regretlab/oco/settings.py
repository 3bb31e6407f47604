"""OCO settings: batched streams of convex losses on a declared domain, driven by :func:`regretlab.run.run`.

Each round the learner plays ``x_t [B, D]`` in the domain; the setting names the round's loss
``f_t`` by its ``data`` (see :mod:`regretlab.oco.losses`), and the driver evaluates the loss
``f_t(x_t) [B]`` and the gradient ``∇f_t(x_t) [B, D]``, hands the learner
``Gradient(-∇f_t(x_t))`` (the library's sign convention: the gradient of the *utility*
``-f_t``) and writes the loss and the data to the :class:`~regretlab.metrics.ledger.OCOLedger`.
Regret against the best fixed point in hindsight, and dynamic regret against a comparator
sequence, are computed in :mod:`regretlab.metrics.oco`.

A setting may look at ``x_t`` (an adaptive adversary). ``comparator(state)`` (optional) gives the
round's comparator ``u_t [B, D]`` for dynamic regret (e.g. the minimiser of a moving quadratic).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_array, check_int, check_positive
from regretlab.oco.domains import Domain, Simplex, as_domain
from regretlab.oco.losses import (
    LINEAR,
    LOGISTIC,
    PORTFOLIO,
    QUADRATIC,
    LossFamily,
    family,
)

__all__ = [
    "OCOSetting",
    "OCOState",
    "adversarial_linear",
    "from_sequence",
    "linear_losses",
    "logistic_losses",
    "portfolio",
    "quadratic_losses",
    "synthetic_classification",
    "synthetic_price_relatives",
]


class OCOState(NamedTuple):
    t: int  # rounds generated so far (every run of the batch advances together)
    key: np.ndarray  # [B] environment keys
    params: Any = None  # per-run parameters drawn at init (documented per setting)


class OCOSetting:
    """Base class: subclasses set ``loss``, ``domain``, ``dim`` and define ``round_data``."""

    name = "oco"
    num_players = 1
    is_oco = True  # the driver plays Gradient learners here
    loss: LossFamily
    domain: Domain
    dim: int

    @property
    def num_actions(self) -> tuple[int, ...]:
        return (self.dim,)

    def init(self, keys: Any) -> OCOState:
        key = rng.derive(np.asarray(keys, dtype=np.uint64), "env")
        return OCOState(0, key, self.draw_params(key))

    def draw_params(self, key: np.ndarray) -> Any:
        return None

    def context(self, state: OCOState) -> Any:
        return None

    def round_data(self, state: OCOState, x: np.ndarray) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def step(self, state: OCOState, x: np.ndarray) -> tuple[OCOState, dict[str, np.ndarray]]:
        """``(next state, the round's loss data)`` after the learner played ``x [B, D]``."""
        return state._replace(t=state.t + 1), self.round_data(state, x)

    def loss_and_gradient(self, data: dict[str, np.ndarray], x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(f_t(x) [B], ∇f_t(x) [B, D])`` of the round described by ``data``."""
        return self.loss.value(data, x), self.loss.grad(data, x)

    def comparator(self, state: OCOState) -> np.ndarray | None:
        return None

    def __repr__(self) -> str:
        return f"{self.name}(D={self.dim}, domain={self.domain!r})"


class _Linear(OCOSetting):
    name = "linear_losses"
    loss = LINEAR

    def __init__(self, dim: int, domain: Any, scale: float, bias: float) -> None:
        self.domain = as_domain(domain)
        self.dim = self.domain.check_dim(dim, "dim")
        self.scale = check_positive("scale", scale)
        self.bias = check_positive("bias", bias, allow_zero=True)

    def draw_params(self, key: np.ndarray) -> np.ndarray:
        return self.bias * (2.0 * rng.uniform(key, 0, self.dim) - 1.0)  # [B, D] mean loss vector per run

    def round_data(self, state: OCOState, x: np.ndarray) -> dict[str, np.ndarray]:
        noise = 2.0 * rng.uniform(state.key, state.t + 1, self.dim) - 1.0
        return {"c": self.scale * np.clip(state.params + noise, -1.0, 1.0)}


def linear_losses(dim: int = 3, domain: Any = "ball", scale: float = 1.0, bias: float = 0.3) -> OCOSetting:
    """Stochastic linear losses ``f_t(x) = <c_t, x>``, ``c_t = scale * clip(m + U[-1,1]^D, -1, 1)``
    with a mean ``m ~ U[-bias, bias]^D`` drawn once per run (so ``||c_t||_2 <= scale sqrt(D)``).

    Example:
        >>> s = linear_losses(2, "ball"); st = s.init(rng.spawn_keys(0, 3))
        >>> s.step(st, np.zeros((3, 2)))[1]["c"].shape
        (3, 2)
    """
    return _Linear(dim, domain, scale, bias)


class _Adversarial(OCOSetting):
    name = "adversarial_linear"
    loss = LINEAR

    def __init__(self, dim: int, domain: Any, scale: float) -> None:
        self.domain = as_domain(domain)
        self.dim = self.domain.check_dim(dim, "dim")
        self.scale = check_positive("scale", scale)

    def round_data(self, state: OCOState, x: np.ndarray) -> dict[str, np.ndarray]:
        away = x - self.domain.center(self.dim)[None, :]
        norm = np.linalg.norm(away, axis=1, keepdims=True)
        coin = np.sign(rng.uniform(state.key, state.t + 1, self.dim) - 0.5)  # a random direction at the centre
        direction = np.where(norm > 1e-12, away / np.maximum(norm, 1e-300), coin / math.sqrt(self.dim))
        return {"c": self.scale * direction}


def adversarial_linear(dim: int = 3, domain: Any = "ball", scale: float = 1.0) -> OCOSetting:
    """An adaptive adversary: ``c_t = scale (x_t - x_0) / ||x_t - x_0||`` (``x_0`` the domain's
    centre; a random sign vector when ``x_t = x_0``), the linear loss that grows fastest away from
    the centre in the learner's own direction. ``||c_t||_2 = scale``."""
    return _Adversarial(dim, domain, scale)


class _Quadratic(OCOSetting):
    name = "quadratic_losses"
    loss = QUADRATIC

    def __init__(self, dim: int, domain: Any, curvature: float, noise: float, switch_every: int | None) -> None:
        self.domain = as_domain(domain)
        self.dim = self.domain.check_dim(dim, "dim")
        self.curvature = check_positive("curvature", curvature)
        self.noise = check_positive("noise", noise, allow_zero=True)
        self.switch_every = None if switch_every is None else check_int("switch_every", switch_every, minimum=1)

    def _target(self, key: np.ndarray, t: int) -> np.ndarray:
        """The centre of the round's targets: a point of the domain drawn per run and segment."""
        segment = 0 if self.switch_every is None else t // self.switch_every
        raw = 2.0 * rng.uniform(rng.derive(key, 7), segment, self.dim) - 1.0
        lo = self.domain.center(self.dim)
        return self.domain.project(lo + raw)

    def round_data(self, state: OCOState, x: np.ndarray) -> dict[str, np.ndarray]:
        z = self._target(state.key, state.t)
        if self.noise > 0:
            z = z + self.noise * rng.normal(state.key, state.t + 1, self.dim)
        return {"z": z, "a": np.full(z.shape[0], self.curvature)}

    def comparator(self, state: OCOState) -> np.ndarray:
        return self._target(state.key, state.t)  # the mean target of the round about to be played


def quadratic_losses(dim: int = 3, domain: Any = "ball", curvature: float = 1.0, noise: float = 0.3,
                     switch_every: int | None = None) -> OCOSetting:
    """Quadratic losses ``f_t(x) = (a/2) ||x - z_t||^2`` with ``z_t = m + noise N(0, I)`` around a
    centre ``m`` in the domain drawn per run (and redrawn every ``switch_every`` rounds: a
    piecewise-stationary stream whose comparator sequence ``u_t = m(t)`` is given for dynamic regret).
    """
    return _Quadratic(dim, domain, curvature, noise, switch_every)


class _Logistic(OCOSetting):
    name = "logistic_losses"
    loss = LOGISTIC

    def __init__(self, features: Any, labels: Any, domain: Any, order: str) -> None:
        x = check_array("features", features, shape=(None, None))
        y = check_array("labels", labels, shape=(x.shape[0],))
        if not np.isin(y, (-1.0, 0.0, 1.0)).all():
            raise ValueError(f"labels must be 0/1 or -1/+1, got values {np.unique(y)[:5].tolist()}")
        self.features = x
        self.labels = np.where(y > 0, 1.0, -1.0)
        self.domain = as_domain(domain)
        self.dim = self.domain.check_dim(x.shape[1], "features.shape[1]")
        if order not in ("cycle", "random"):
            raise ValueError(f"order must be 'cycle' or 'random', got {order!r}")
        self.order = order

    def round_data(self, state: OCOState, x: np.ndarray) -> dict[str, np.ndarray]:
        n, b = self.features.shape[0], state.key.shape[0]
        if self.order == "cycle":
            idx = np.full(b, state.t % n)
        else:
            idx = np.minimum((rng.uniform(state.key, state.t + 1, 1)[:, 0] * n).astype(np.int64), n - 1)
        return {"features": self.features[idx], "label": self.labels[idx]}


def logistic_losses(features: Any, labels: Any, domain: Any = "ball", order: str = "random") -> OCOSetting:
    """Online logistic regression on a data set: round ``t`` shows example ``i_t`` (``order="cycle"``:
    ``t mod N`` for every run; ``"random"``: uniform per run) and ``f_t(x) = log(1 + exp(-y <a, x>))``.

    Args:
        features: ``[N, D]`` examples ``a``; labels: ``[N]`` in {0, 1} or {-1, +1}.
        domain: the parameter domain (default the unit ball).
    """
    return _Logistic(features, labels, domain, order)


class _Portfolio(OCOSetting):
    name = "portfolio"
    loss = PORTFOLIO

    def __init__(self, dim: int, relatives: Any, volatility: float, drift: float) -> None:
        self.relatives = None
        if relatives is not None:
            r = check_array("price_relatives", relatives)
            if r.ndim not in (2, 3) or (r <= 0).any():
                raise ValueError(f"price_relatives must be positive, shape [T, D] or [T, B, D], got shape "
                                 f"{list(r.shape)}" + (" with a value <= 0" if r.size and (r <= 0).any() else ""))
            self.relatives = r
            dim = r.shape[-1]
        self.dim = check_int("dim", dim, minimum=1)
        self.domain = Simplex()
        self.volatility = check_positive("volatility", volatility, allow_zero=True)
        self.drift = check_positive("drift", drift, allow_zero=True)

    def draw_params(self, key: np.ndarray) -> np.ndarray:
        return self.drift * (2.0 * rng.uniform(key, 0, self.dim) - 1.0)  # [B, D] log-drift per asset

    def round_data(self, state: OCOState, x: np.ndarray) -> dict[str, np.ndarray]:
        b = state.key.shape[0]
        if self.relatives is not None:
            if state.t >= self.relatives.shape[0]:
                raise ValueError(f"price_relatives has {self.relatives.shape[0]} rounds; cannot play round {state.t + 1}")
            r = self.relatives[state.t]
            return {"r": np.broadcast_to(r, (b, self.dim)).copy()}
        z = np.clip(rng.normal(state.key, state.t + 1, self.dim), -2.0, 2.0)
        return {"r": np.exp(state.params + self.volatility * z)}

    def gradient_bound(self) -> float:
        """``G >= ||∇f_t(x)||_2 = ||r_t|| / <r_t, x>`` on the simplex: ``sqrt(D) max_t (max r_t / min r_t)``."""
        if self.relatives is not None:
            r = self.relatives
            return float(math.sqrt(self.dim) * np.max(r.max(axis=-1) / r.min(axis=-1)))
        return float(math.sqrt(self.dim) * math.exp(2.0 * self.drift + 4.0 * self.volatility))


def portfolio(dim: int = 3, price_relatives: Any = None, volatility: float = 0.3, drift: float = 0.02) -> OCOSetting:
    """Log-loss portfolio selection on the simplex: ``f_t(x) = -log <r_t, x>`` (Cover 1991).

    ``price_relatives [T, D]`` (or ``[T, B, D]``) replays a market; without it each run gets a
    synthetic one: ``r_t,i = exp(mu_i + volatility clip(N(0, 1), -2, 2))`` with a log-drift
    ``mu_i ~ U[-drift, drift]`` per run and asset. ``gradient_bound()`` is a ``G`` for the learners. The loss is 1-exp-concave, so ONS and Cover's
    universal portfolio have O(D log T) regret against the best constant-rebalanced portfolio.

    Example:
        >>> s = portfolio(3); st = s.init(rng.spawn_keys(0, 2))
        >>> bool((s.step(st, np.full((2, 3), 1 / 3))[1]["r"] > 0).all())
        True
    """
    return _Portfolio(dim, price_relatives, volatility, drift)


class _Sequence(OCOSetting):
    name = "from_sequence"

    def __init__(self, loss: Any, data: dict[str, Any], domain: Any) -> None:
        self.loss = family(loss)
        if not isinstance(data, dict) or not data:
            raise ValueError("data must be a non-empty dict of arrays with the round axis first")
        self.data = {k: check_array(f"data[{k!r}]", v) for k, v in data.items()}
        lengths = {v.shape[0] if v.ndim else 0 for v in self.data.values()}
        if len(lengths) != 1 or 0 in lengths:
            raise ValueError(f"data arrays must all have the same number of rounds (first axis), got {sorted(lengths)}")
        self.rounds = lengths.pop()
        self.domain = as_domain(domain)
        main = {"linear": "c", "quadratic": "z", "logistic": "features", "portfolio": "r"}[self.loss.name]
        if main not in self.data:
            raise ValueError(f"data for {self.loss.name} losses needs the key {main!r}, got {sorted(self.data)}")
        self.dim = self.domain.check_dim(self.data[main].shape[-1], f"data[{main!r}].shape[-1]")

    def round_data(self, state: OCOState, x: np.ndarray) -> dict[str, np.ndarray]:
        if state.t >= self.rounds:
            raise ValueError(f"the sequence has {self.rounds} rounds; cannot play round {state.t + 1}")
        b = state.key.shape[0]
        out = {}
        for k, v in self.data.items():
            row = v[state.t]
            rank = 0 if k in ("a", "label") else 1  # a number or a [D] vector per run
            if row.ndim == rank + 1:  # given per run
                if row.shape[0] != b:
                    raise ValueError(f"data[{k!r}] has {row.shape[0]} runs per round; the run has batch={b}")
                out[k] = np.array(row, dtype=np.float64)
            else:
                out[k] = np.array(np.broadcast_to(row, (b,) + row.shape), dtype=np.float64)
        if self.loss.name == "quadratic" and "a" not in out:
            out["a"] = np.ones(b)
        return out


def from_sequence(loss: Any, data: dict[str, Any], domain: Any = "ball") -> OCOSetting:
    """A recorded (e.g. adversarial or Hypothesis-drawn) loss sequence: round ``t`` is ``data[k][t]``.

    Args:
        loss: ``linear``, ``quadratic``, ``logistic`` or ``portfolio``.
        data: the loss's data with the round axis first, the same for every run (``c [T, D]``) or
            per run (``c [T, B, D]``); for quadratic losses ``a`` defaults to 1.
        domain: the domain the learner plays in.

    Example:
        >>> s = from_sequence("linear", {"c": [[1.0, 0.0], [0.0, 1.0]]}, "simplex")
        >>> s.step(s.init(rng.spawn_keys(0, 1)), np.full((1, 2), 0.5))[1]["c"].tolist()
        [[1.0, 0.0]]
    """
    return _Sequence(loss, data, domain)


def synthetic_price_relatives(T: int, dim: int = 3, seed: int = 0, volatility: float = 0.3) -> np.ndarray:
    """``[T, D]`` price relatives of a seeded synthetic market: asset 0 is cash (``r = 1``), the
    others are driftless log-normal (``exp(volatility N(0, 1))``), the market in which
    rebalancing earns a volatility premium over every single asset (Cover 1991)."""
    T, dim = check_int("T", T), check_int("dim", dim, minimum=2)
    gen = np.random.default_rng(seed)
    r = np.exp(check_positive("volatility", volatility) * gen.standard_normal((T, dim)))
    r[:, 0] = 1.0
    return r


def synthetic_classification(N: int, dim: int = 3, seed: int = 0, scale: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """``(features [N, D], labels [N] in ±1)`` from a seeded logistic model ``P(y=1|a) = σ(<w, a>)``
    with ``a ~ N(0, I / D)`` and ``w`` of norm ``scale``."""
    N, dim = check_int("N", N), check_int("dim", dim)
    gen = np.random.default_rng(seed)
    a = gen.standard_normal((N, dim)) / math.sqrt(dim)
    w = gen.standard_normal(dim)
    w *= scale / np.linalg.norm(w)
    y = np.where(gen.random(N) < 1.0 / (1.0 + np.exp(-(a @ w))), 1.0, -1.0)
    return a, y

