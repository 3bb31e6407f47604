"""In-context learners as online learners: one-layer linear self-attention (LSA), its closed-form
optimum (one step of preconditioned GD), an exact alternating-least-squares fitter, and the
online one-step-GD learner.

Mahankali, Hashimoto, Ma, "One Step of Gradient Descent is Provably the Optimal In-Context
Learner with One Layer of Linear Self-Attention", ICLR 2024 (regression spec §1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np

from regretlab.core.errors import check_int, check_positive
from regretlab.core.registry import register
from regretlab.regression.types import Label, check_keys, check_label, keep_rows


def sample_prompts(
    num: int, n: int, d: int, sigma2: float = 1.0, cov: np.ndarray | None = None,
    weight_prior: str = "identity", response: str = "linear", seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Random regression prompts (x_1, y_1, …, x_n, y_n, x_q) and query targets.

    x ~ N(0, Σ) (Σ = I by default), w ~ N(0, I) ("identity") or N(0, Σ⁻¹) ("inverse"),
    y = wᵀx + ε (or tanh(wᵀx) + ε), ε ~ N(0, σ²).

    Returns:
        X ``[N, n, d]``, Y ``[N, n]``, x_query ``[N, d]``, y_query ``[N]``.
    """
    num, n, d = check_int("num", num), check_int("n", n), check_int("d", d)
    if weight_prior not in ("identity", "inverse"):
        raise ValueError(f"weight_prior must be 'identity' or 'inverse', got {weight_prior!r}")
    if response not in ("linear", "tanh"):
        raise ValueError(f"response must be 'linear' or 'tanh', got {response!r}")
    rng = np.random.default_rng(seed)
    cov = np.eye(d) if cov is None else np.asarray(cov, dtype=np.float64)
    root = np.linalg.cholesky(cov)
    X = rng.standard_normal((num, n + 1, d)) @ root.T
    if weight_prior == "identity":
        w = rng.standard_normal((num, d))
    else:
        w = rng.standard_normal((num, d)) @ np.linalg.cholesky(np.linalg.inv(cov)).T
    f = np.einsum("npd,nd->np", X, w)
    if response == "tanh":
        f = np.tanh(f)
    Y = f + np.sqrt(sigma2) * rng.standard_normal(f.shape)
    return X[:, :n], Y[:, :n], X[:, n], Y[:, n]


def optimal_gamma(n: int, d: int, sigma2: float = 1.0, cov: np.ndarray | None = None, weight_prior: str = "inverse") -> np.ndarray:
    """Closed-form optimal LSA preconditioner Γ* (ŷ = x_qᵀ Γ* (1/n) Σ y_i x_i).

    Isotropic: Γ* = η* I, η* = n/(n + d + 1 + σ²). x ~ N(0, Σ), w ~ N(0, Σ⁻¹): Γ* = η* Σ⁻¹.
    x ~ N(0, Σ), w ~ N(0, I): Γ* = n[(n + 1)Σ + (tr Σ + σ²) I]⁻¹ (regression spec §1.1).
    """
    n, d = check_int("n", n), check_int("d", d)
    check_positive("sigma2", sigma2, allow_zero=True)
    eta = n / (n + d + 1 + sigma2)
    if cov is None:
        return eta * np.eye(d)
    cov = np.asarray(cov, dtype=np.float64)
    if weight_prior == "inverse":
        return eta * np.linalg.inv(cov)
    if weight_prior == "identity":
        return n * np.linalg.inv((n + 1) * cov + (np.trace(cov) + sigma2) * np.eye(d))
    raise ValueError(f"weight_prior must be 'identity' or 'inverse', got {weight_prior!r}")


@dataclass
class LinearSelfAttention:
    """One linear self-attention layer read at the query's label coordinate.

    ŷ = e_{d+1}ᵀ W^{PV} ((1/n) Σ_i z_i z_iᵀ) W^{KQ} z_q, z_i = (x_i, y_i), z_q = (x_q, 0), the query
    excluded from keys/values. Only the last row w = (u, v) of W^{PV} and the first d columns
    M = W^{KQ}[:, :d] ∈ ℝ^{(d+1)×d} matter, so ŷ = wᵀ S M x_q with S = (1/n) Σ z zᵀ.

    Attributes:
        value_row: ``[d+1]`` w = (u, v).
        key_query: ``[d+1, d]`` M = (A; cᵀ).
    """

    value_row: np.ndarray  # [d+1]
    key_query: np.ndarray  # [d+1, d]

    @staticmethod
    def moments(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """``[N, d+1, d+1]`` S = (1/n) Σ_i z_i z_iᵀ."""
        Z = np.concatenate([X, Y[..., None]], axis=-1)
        return np.einsum("npi,npj->nij", Z, Z) / X.shape[1]

    def predict(self, X: np.ndarray, Y: np.ndarray, x_query: np.ndarray) -> np.ndarray:
        """``[N]`` predictions for prompts X ``[N, n, d]``, Y ``[N, n]``, x_query ``[N, d]``."""
        S = self.moments(X, Y)
        return np.einsum("i,nij,jk,nk->n", self.value_row, S, self.key_query, x_query)

    def effective_gamma(self) -> np.ndarray:
        """Γ = (v A)ᵀ, the identifiable product ((v, A) → (v/α, αA) leaves ŷ unchanged)."""
        d = self.key_query.shape[1]
        return (self.value_row[d] * self.key_query[:d]).T

    @property
    def u(self) -> np.ndarray:
        """``[d]`` first d entries of the value row (0 at the optimum)."""
        return self.value_row[:-1]

    @property
    def c(self) -> np.ndarray:
        """``[d]`` last row of M (0 at the optimum)."""
        return self.key_query[-1]


def fit_als(
    X: np.ndarray, Y: np.ndarray, x_query: np.ndarray, y_query: np.ndarray,
    sweeps: int = 30, restarts: int = 4, seed: int = 0,
) -> LinearSelfAttention:
    """Fit an LSA layer exactly by alternating least squares, best training MSE over restarts.

    ŷ is linear in w for fixed M (features S M x_q) and linear in M for fixed w (features
    (S w) ⊗ x_q), so each half-step is an exact least-squares solve. Random restarts avoid the
    spurious stationary point Γ ≈ 0, u ≠ 0 (regression spec §1.4).
    """
    sweeps, restarts = check_int("sweeps", sweeps), check_int("restarts", restarts)
    S = LinearSelfAttention.moments(X, Y)
    d = X.shape[-1]
    rng = np.random.default_rng(seed)
    best, best_mse = None, np.inf
    for _ in range(restarts):
        M = rng.standard_normal((d + 1, d))
        w = rng.standard_normal(d + 1)
        for _ in range(sweeps):
            F = np.matmul(S, (x_query @ M.T)[:, :, None])[:, :, 0]  # S M x_q
            w = _lstsq(F, y_query)
            G = ((S @ w)[:, :, None] * x_query[:, None, :]).reshape(len(y_query), -1)
            M = _lstsq(G, y_query).reshape(d + 1, d)
        model = LinearSelfAttention(w, M)
        mse = float(np.mean((model.predict(X, Y, x_query) - y_query) ** 2))
        if mse < best_mse:
            best, best_mse = model, mse
    return best


def _lstsq(F: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least squares through the (small) normal equations, pseudo-inverse for safety."""
    return np.linalg.lstsq(F.T @ F, F.T @ y, rcond=None)[0]


def relative_error(gamma: np.ndarray, reference: np.ndarray) -> float:
    """‖Γ − Γ_ref‖_F / ‖Γ_ref‖_F."""
    return float(np.linalg.norm(gamma - reference) / np.linalg.norm(reference))


class OneStepGDState(NamedTuple):
    """State of the online one-step-GD learner."""

    t: np.ndarray  # [B] context length so far
    moment: np.ndarray  # [B, D] Σ_{s<t} y_s x_s


class OneStepGDLearner:
    """The trained LSA used online: ŷ_t = η_t x_tᵀ P (1/(t−1)) Σ_{s<t} y_s x_s.

    η_t = (t−1)/(t−1 + d + 1 + σ²) (the isotropic optimum for context length t−1) and P a fixed
    preconditioner (I for plain GD, Σ⁻¹ for what the LSA learns on x ~ N(0, Σ)). Not a no-regret
    algorithm in general: with P mismatched to the data its regret is linear (regression spec §1.2).

    Args:
        sigma2: noise variance in η_t.
        precond: ``[D, D]`` P (identity when None).
    """

    feedback: ClassVar[type] = Label
    name = "one_step_gd"

    def __init__(self, sigma2: float = 0.25, precond: np.ndarray | None = None):
        self.sigma2 = check_positive("sigma2", sigma2, allow_zero=True)
        self.precond = None if precond is None else np.asarray(precond, dtype=np.float64)
        if self.precond is not None and (self.precond.ndim != 2 or self.precond.shape[0] != self.precond.shape[1]
                                         or not np.isfinite(self.precond).all()):
            raise ValueError(f"precond must be a finite square [D, D] matrix, got shape {list(self.precond.shape)}")

    def init(self, keys: Any, dim: int) -> OneStepGDState:
        batch, dim = check_keys(keys).size, check_int("dim", dim)
        if self.precond is not None and self.precond.shape[0] != dim:
            raise ValueError(f"precond is {self.precond.shape[0]}x{self.precond.shape[0]}, expected D = {dim}")
        return OneStepGDState(np.zeros(batch, dtype=np.int64), np.zeros((batch, dim)))

    def _x(self, state: OneStepGDState, context: Any) -> np.ndarray:
        x = np.asarray(context, dtype=np.float64)
        if x.shape != state.moment.shape:
            raise ValueError(f"x must have shape {list(state.moment.shape)}, got {list(x.shape)}")
        if not np.isfinite(x).all():
            raise ValueError("x must be finite, got a non-finite entry")
        return x

    def predict(self, state: OneStepGDState, context: Any) -> np.ndarray:
        """``[B]`` predictions for features ``context = x [B, D]``."""
        x = self._x(state, context)
        d = x.shape[1]
        n = state.t.astype(np.float64)
        g = state.moment / np.maximum(n, 1.0)[:, None]
        if self.precond is not None:
            g = g @ self.precond.T
        eta = n / (n + d + 1 + self.sigma2)
        return eta * np.einsum("bd,bd->b", x, g)

    def update(self, state: OneStepGDState, feedback: Label) -> OneStepGDState:
        """Add (x_t, y_t) to the context of the runs in ``feedback.mask``."""
        x, y, m = check_label(feedback, state.t.size)
        x = self._x(state, x)
        return keep_rows(m, OneStepGDState(state.t + m, state.moment + (m * y)[:, None] * x), state)


@register("one_step_gd", family="regression", test_params=[{}, {"sigma2": 1.0, "precond": np.diag([2.0, 1.0, 0.5])}])
def one_step_gd(sigma2: float = 0.25, precond: np.ndarray | None = None) -> OneStepGDLearner:
    """The optimal one-layer linear self-attention run online: one step of preconditioned GD.

    ŷ_t = η_t x_tᵀ P (1/n) Σ_{s<t} y_s x_s with n = t − 1 past rows and η_t = n/(n + D + 1 + σ²)
    (the isotropic optimum); the update only appends (x_t, y_t) to the context. Not no-regret in
    general: with P mismatched to the data the regret grows linearly.

    Args:
        sigma2: label noise variance σ² ≥ 0 in η_t.
        precond: ``[D, D]`` preconditioner P (identity when None; Σ⁻¹ is what the LSA learns).

    Returns:
        A :class:`OneStepGDLearner` (state ``t [B]``, ``moment [B, D]``).

    Example:
        >>> from regretlab.core import rng
        >>> from regretlab.regression import Label
        >>> f = one_step_gd(sigma2=0.0); state = f.init(rng.spawn_keys(0, 1), 1)
        >>> state = f.update(state, Label(np.ones((1, 1)), np.array([3.0])))
        >>> f.predict(state, np.ones((1, 1))).tolist()   # η = 1 / (1 + 1 + 1), mean moment 3
        [1.0]

    Mahankali, Hashimoto & Ma, "One step of gradient descent is provably the optimal in-context
    learner with one layer of linear self-attention", ICLR 2024.
    """
    return OneStepGDLearner(sigma2=sigma2, precond=precond)
