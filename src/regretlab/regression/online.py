"""Batched online regressors on square loss: online ridge, Vovk–Azoury–Warmuth, OGD, AdaGrad.

Contract (the regression analogue of the experts contract): a factory returns an object with
``init(batch, dim) -> state``, ``predict(state, x [B, D]) -> [B]`` and
``update(state, x [B, D], y [B], mask [B] bool | None) -> state`` (pure; rows with
``mask = False`` are left unchanged, which is how a sleeping group expert skips a round).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from regretlab.core.errors import check_int, check_positive


def _xy(x: np.ndarray, y: np.ndarray | None, batch: int, dim: int) -> tuple[np.ndarray, np.ndarray | None]:
    x = np.asarray(x, dtype=np.float64)
    if x.shape != (batch, dim):
        raise ValueError(f"x must have shape [{batch}, {dim}], got {list(x.shape)}")
    if not np.isfinite(x).all():
        raise ValueError("x must be finite, got a non-finite entry")
    if y is not None:
        y = np.asarray(y, dtype=np.float64)
        if y.shape != (batch,):
            raise ValueError(f"y must have shape [{batch}], got {list(y.shape)}")
        if not np.isfinite(y).all():
            raise ValueError(f"y must be finite, got a non-finite entry {y[~np.isfinite(y)][0]!r}")
    return x, y


def _mask(mask: np.ndarray | None, batch: int) -> np.ndarray:
    if mask is None:
        return np.ones(batch, dtype=bool)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != (batch,):
        raise ValueError(f"mask must have shape [{batch}], got {list(mask.shape)}")
    return mask


class RidgeState(NamedTuple):
    """State of online ridge / VAW."""

    t: np.ndarray  # [B] rounds each run has been updated
    inverse: np.ndarray  # [B, D, D] P = (λI + Σ x xᵀ)⁻¹
    moment: np.ndarray  # [B, D] b = Σ y x
    theta: np.ndarray  # [B, D] θ = P b


class OnlineRidge:
    """Online ridge regression with Sherman–Morrison updates (FTRL with a square regulariser).

    ŷ_t = x_tᵀθ_{t−1}; P_t = P_{t−1} − P_{t−1}x xᵀP_{t−1}/(1 + xᵀP_{t−1}x), b_t = b_{t−1} + y_t x_t,
    θ_t = P_t b_t, with P_0 = I/λ. With ``forward=True`` this is the Vovk–Azoury–Warmuth forecaster
    ŷ_t = x_tᵀP_t b_{t−1} = x_tᵀθ_{t−1}/(1 + x_tᵀP_{t−1}x_t), whose regret against any u is at most
    λ‖u‖² + Y² Σ_i ln(1 + λ_i/λ) (Vovk 2001; Azoury & Warmuth 2001).

    Args:
        lam: ridge parameter λ > 0 (``l2_pen`` in the groupwise-regret code).
        forward: use the VAW (forward) prediction.
        clip: optional (lo, hi) interval predictions are clipped to.
    """

    def __init__(self, lam: float = 1.0, forward: bool = False, clip: tuple[float, float] | None = None):
        self.lam = check_positive("lam", lam)
        self.forward = bool(forward)
        if clip is not None and (len(clip) != 2 or not clip[0] < clip[1]):
            raise ValueError(f"clip must be a pair (lo, hi) with lo < hi, got {clip!r}")
        self.clip = clip

    def init(self, batch: int, dim: int) -> RidgeState:
        batch, dim = check_int("batch", batch), check_int("dim", dim)
        inverse = np.broadcast_to(np.eye(dim) / self.lam, (batch, dim, dim)).copy()
        return RidgeState(np.zeros(batch, dtype=np.int64), inverse, np.zeros((batch, dim)), np.zeros((batch, dim)))

    def predict(self, state: RidgeState, x: np.ndarray) -> np.ndarray:
        batch, dim = state.moment.shape
        x, _ = _xy(x, None, batch, dim)
        pred = np.einsum("bd,bd->b", x, state.theta)
        if self.forward:
            px = np.einsum("bij,bj->bi", state.inverse, x)
            pred = pred / (1.0 + np.einsum("bd,bd->b", x, px))
        if self.clip is not None:
            pred = np.clip(pred, self.clip[0], self.clip[1])
        return pred

    def update(self, state: RidgeState, x: np.ndarray, y: np.ndarray, mask: np.ndarray | None = None) -> RidgeState:
        batch, dim = state.moment.shape
        x, y = _xy(x, y, batch, dim)
        m = _mask(mask, batch)
        px = np.einsum("bij,bj->bi", state.inverse, x)  # P x (P symmetric)
        denom = 1.0 + np.einsum("bd,bd->b", x, px)
        inverse = state.inverse - np.einsum("bi,bj->bij", px, px) / denom[:, None, None]
        moment = state.moment + y[:, None] * x
        theta = np.einsum("bij,bj->bi", inverse, moment)
        keep = ~m
        inverse[keep] = state.inverse[keep]
        moment[keep] = state.moment[keep]
        theta[keep] = state.theta[keep]
        return RidgeState(state.t + m, inverse, moment, theta)


def online_ridge(lam: float = 1.0, clip: tuple[float, float] | None = None) -> OnlineRidge:
    """Online ridge regression (Sherman–Morrison); see :class:`OnlineRidge`."""
    return OnlineRidge(lam=lam, forward=False, clip=clip)


def vaw(lam: float = 1.0) -> OnlineRidge:
    """Vovk–Azoury–Warmuth forecaster ŷ_t = x_tᵀ(λI + Σ_{s≤t} x_s x_sᵀ)⁻¹ Σ_{s<t} y_s x_s."""
    return OnlineRidge(lam=lam, forward=True)


def vaw_bound(X: np.ndarray, y: np.ndarray, lam: float = 1.0) -> float:
    """VAW regret bound Y² Σ_i ln(1 + λ_i(XᵀX)/λ), Y = max|y| (Vovk 2001, Thm 1 in the ridge form)."""
    eig = np.linalg.eigvalsh(np.asarray(X, dtype=np.float64).T @ np.asarray(X, dtype=np.float64))
    return float(np.max(np.abs(y)) ** 2 * np.sum(np.log1p(np.clip(eig, 0.0, None) / lam)))


def ridge_hindsight_loss(X: np.ndarray, y: np.ndarray, lam: float = 1.0) -> float:
    """min_u Σ_t (uᵀx_t − y_t)² + λ‖u‖² (the VAW comparator in closed form)."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    u = np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ y)
    return float(np.sum((X @ u - y) ** 2) + lam * u @ u)


class LinearState(NamedTuple):
    """State of the gradient-based linear regressors."""

    t: np.ndarray  # [B] rounds each run has been updated
    weight: np.ndarray  # [B, D] w
    grad_sq: np.ndarray  # [B, D] AdaGrad accumulator Σ g² (zeros for OGD)


class GradientRegressor:
    """Online gradient descent or diagonal AdaGrad on the square loss (ŷ − y)².

    OGD: w ← Π_{‖w‖≤R}(w − η_t g), g = 2(wᵀx − y)x, η_t = η (fixed) or η/√t ("anytime");
    regret ≤ R²/(2η) + η Σ‖g_t‖²/2 for fixed η (Zinkevich 2003).
    AdaGrad: G ← G + g², w ← Π(w − η g/√G) (Duchi, Hazan, Singer 2011).

    Args:
        lr: η > 0.
        method: "ogd" or "adagrad".
        schedule: "fixed" or "anytime" (OGD only).
        radius: optional Euclidean radius R of the feasible set.
    """

    def __init__(self, lr: float = 0.1, method: str = "ogd", schedule: str = "fixed", radius: float | None = None):
        self.lr = check_positive("lr", lr)
        if method not in ("ogd", "adagrad"):
            raise ValueError(f"method must be 'ogd' or 'adagrad', got {method!r}")
        if schedule not in ("fixed", "anytime"):
            raise ValueError(f"schedule must be 'fixed' or 'anytime', got {schedule!r}")
        self.method, self.schedule = method, schedule
        self.radius = None if radius is None else check_positive("radius", radius)

    def init(self, batch: int, dim: int) -> LinearState:
        batch, dim = check_int("batch", batch), check_int("dim", dim)
        return LinearState(np.zeros(batch, dtype=np.int64), np.zeros((batch, dim)), np.zeros((batch, dim)))

    def predict(self, state: LinearState, x: np.ndarray) -> np.ndarray:
        batch, dim = state.weight.shape
        x, _ = _xy(x, None, batch, dim)
        return np.einsum("bd,bd->b", x, state.weight)

    def update(self, state: LinearState, x: np.ndarray, y: np.ndarray, mask: np.ndarray | None = None) -> LinearState:
        batch, dim = state.weight.shape
        x, y = _xy(x, y, batch, dim)
        m = _mask(mask, batch)
        t = state.t + m
        g = 2.0 * (np.einsum("bd,bd->b", x, state.weight) - y)[:, None] * x
        g[~m] = 0.0
        if self.method == "adagrad":
            grad_sq = state.grad_sq + g * g
            step = np.where(grad_sq > 0, self.lr * g / np.sqrt(np.where(grad_sq > 0, grad_sq, 1.0)), 0.0)
        else:
            grad_sq = state.grad_sq
            eta = self.lr if self.schedule == "fixed" else self.lr / np.sqrt(np.maximum(t, 1))[:, None]
            step = eta * g
        weight = state.weight - step
        if self.radius is not None:
            norm = np.linalg.norm(weight, axis=1, keepdims=True)
            weight = weight * np.minimum(1.0, self.radius / np.maximum(norm, 1e-300))
        return LinearState(t, weight, grad_sq)


def ogd_regressor(lr: float = 0.1, schedule: str = "fixed", radius: float | None = None) -> GradientRegressor:
    """Online gradient descent on square loss; see :class:`GradientRegressor`."""
    return GradientRegressor(lr=lr, method="ogd", schedule=schedule, radius=radius)


def adagrad_regressor(lr: float = 0.1, radius: float | None = None) -> GradientRegressor:
    """Diagonal AdaGrad on square loss; see :class:`GradientRegressor`."""
    return GradientRegressor(lr=lr, method="adagrad", radius=radius)


def run_regressor(learner, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Prequential predictions ``[B, T]`` of ``learner`` on streams X ``[B, T, D]`` (or ``[T, D]``), y ``[B, T]``.

    Each round: predict ŷ_t from the past, then update with (x_t, y_t).
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim == 2:
        X, y = X[None], y[None]
    if X.ndim != 3 or y.shape != X.shape[:2]:
        raise ValueError(f"X must be [B, T, D] with y [B, T], got {list(X.shape)} and {list(y.shape)}")
    batch, horizon, dim = X.shape
    state = learner.init(batch, dim)
    preds = np.empty((batch, horizon))
    for t in range(horizon):
        preds[:, t] = learner.predict(state, X[:, t])
        state = learner.update(state, X[:, t], y[:, t])
    return preds


class HistogramState(NamedTuple):
    """State of the online histogram (HL-Gauss) regressor."""

    t: np.ndarray  # [B] rounds updated
    weight: np.ndarray  # [B, M, D] logits z = W x
    grad_sq: np.ndarray  # [B, M, D] AdaGrad accumulator


class HistogramRegressor:
    """Online linear-softmax histogram regressor trained on the HL-Gauss cross-entropy.

    z_t = W x_t, q_t = softmax(z_t), ŷ_t = Σ q_{t,i} c_i; loss CE(p(y_t), q_t) with p the HL-Gauss
    target (σ explicit). ∇_W = (q − p) xᵀ, so OGD (W ← Π(W − η∇)) or AdaGrad has the usual
    regret bound on this convex surrogate, e.g. ‖U‖²_F/(2η) + η Σ‖x_t‖² for fixed-η OGD
    (‖q − p‖₂ ≤ √2). Farebrother et al., ICML 2024; Imani & White, ICML 2018.

    Args:
        vmin, vmax, m: histogram support and number of bins.
        sigma: σ of the HL-Gauss target (default 0.75 × bin width).
        lr: η; method: "ogd" or "adagrad"; radius: optional Frobenius-ball radius.
        target: "hl_gauss" or "two_hot".
    """

    def __init__(self, vmin: float, vmax: float, m: int = 64, sigma: float | None = None, lr: float = 0.5,
                 method: str = "adagrad", radius: float | None = None, target: str = "hl_gauss"):
        from regretlab.regression.heads import bins

        self.edges, self.centers, width = bins(vmin, vmax, m)
        self.vmin, self.vmax, self.m = float(vmin), float(vmax), int(m)
        self.sigma = check_positive("sigma", 0.75 * width if sigma is None else sigma)
        self.lr = check_positive("lr", lr)
        if method not in ("ogd", "adagrad"):
            raise ValueError(f"method must be 'ogd' or 'adagrad', got {method!r}")
        if target not in ("hl_gauss", "two_hot"):
            raise ValueError(f"target must be 'hl_gauss' or 'two_hot', got {target!r}")
        self.method, self.target = method, target
        self.radius = None if radius is None else check_positive("radius", radius)

    def init(self, batch: int, dim: int) -> HistogramState:
        batch, dim = check_int("batch", batch), check_int("dim", dim)
        z = np.zeros((batch, self.m, dim))
        return HistogramState(np.zeros(batch, dtype=np.int64), z, z.copy())

    def probabilities(self, state: HistogramState, x: np.ndarray) -> np.ndarray:
        """``[B, M]`` predicted histogram q = softmax(W x)."""
        from scipy.special import softmax

        batch, _, dim = state.weight.shape
        x, _ = _xy(x, None, batch, dim)
        return softmax(np.einsum("bmd,bd->bm", state.weight, x), axis=1)

    def predict(self, state: HistogramState, x: np.ndarray) -> np.ndarray:
        return self.probabilities(state, x) @ self.centers

    def target_histogram(self, y: np.ndarray) -> np.ndarray:
        from regretlab.regression.heads import hl_gauss_target, two_hot_target

        if self.target == "two_hot":
            return two_hot_target(y, self.vmin, self.vmax, self.m)
        return hl_gauss_target(y, self.vmin, self.vmax, self.m, sigma=self.sigma)

    def update(self, state: HistogramState, x: np.ndarray, y: np.ndarray, mask: np.ndarray | None = None) -> HistogramState:
        batch, _, dim = state.weight.shape
        x, y = _xy(x, y, batch, dim)
        m = _mask(mask, batch)
        grad = np.einsum("bm,bd->bmd", self.probabilities(state, x) - self.target_histogram(y), x)
        grad[~m] = 0.0
        if self.method == "adagrad":
            grad_sq = state.grad_sq + grad * grad
            step = self.lr * grad / np.sqrt(np.where(grad_sq > 0, grad_sq, 1.0))
        else:
            grad_sq = state.grad_sq
            step = self.lr * grad
        weight = state.weight - step
        if self.radius is not None:
            norm = np.sqrt(np.einsum("bmd,bmd->b", weight, weight))[:, None, None]
            weight = weight * np.minimum(1.0, self.radius / np.maximum(norm, 1e-300))
        return HistogramState(state.t + m, weight, grad_sq)


class GaussianState(NamedTuple):
    """State of the heteroscedastic Gaussian regressor (natural parameters)."""

    t: np.ndarray  # [B] rounds updated
    mean_weight: np.ndarray  # [B, D] a: λ = aᵀφ(x)
    precision_weight: np.ndarray  # [B, K] b: τ = bᵀψ(x), b ∈ [τ_min, τ_max]^K
    grad_sq_mean: np.ndarray  # [B, D] AdaGrad accumulators
    grad_sq_precision: np.ndarray  # [B, K]


class HeteroscedasticGaussian:
    """Online Gaussian regression with input-dependent variance, in natural parameters.

    λ = μ/σ² = aᵀφ(x), τ = 1/σ² = bᵀψ(x) (ψ ≥ 0, Σψ = 1, b projected to [τ_min, τ_max]^K). The
    per-round NLL ½τy² − λy + ½λ²/τ − ½ log τ is jointly convex in (λ, τ) (unlike (λ, log τ)),
    so projected AdaGrad has a regret guarantee; ∂/∂λ = λ/τ − y, ∂/∂τ = ½y² − ½λ²/τ² − 1/(2τ).
    Regression spec §5 (the transferable piece of POCO, Dwivedi et al., 3DV 2024).

    Args:
        lr: AdaGrad step η.
        tau_min, tau_max: precision box.
    """

    def __init__(self, lr: float = 0.5, tau_min: float = 0.5, tau_max: float = 200.0):
        self.lr = check_positive("lr", lr)
        self.tau_min = check_positive("tau_min", tau_min)
        self.tau_max = check_positive("tau_max", tau_max)
        if not self.tau_min < self.tau_max:
            raise ValueError(f"tau_min must be < tau_max, got {tau_min!r} and {tau_max!r}")

    def init(self, batch: int, dim: int, precision_dim: int | None = None) -> GaussianState:
        batch, dim = check_int("batch", batch), check_int("dim", dim)
        k = dim if precision_dim is None else check_int("precision_dim", precision_dim)
        b = np.full((batch, k), 1.0)
        b = np.clip(b, self.tau_min, self.tau_max)
        return GaussianState(np.zeros(batch, dtype=np.int64), np.zeros((batch, dim)), b, np.zeros((batch, dim)), np.zeros((batch, k)))

    def natural(self, state: GaussianState, phi: np.ndarray, psi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(λ ``[B]``, τ ``[B]``)."""
        return np.einsum("bd,bd->b", phi, state.mean_weight), np.einsum("bk,bk->b", psi, state.precision_weight)

    def predict(self, state: GaussianState, phi: np.ndarray, psi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mean μ = λ/τ ``[B]``, standard deviation σ = τ^{−1/2} ``[B]``)."""
        lam, tau = self.natural(state, phi, psi)
        return lam / tau, 1.0 / np.sqrt(tau)

    def nll(self, state: GaussianState, phi: np.ndarray, psi: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Negative log-likelihood without the constant ½ log 2π, ``[B]``."""
        lam, tau = self.natural(state, phi, psi)
        return 0.5 * tau * y**2 - lam * y + 0.5 * lam**2 / tau - 0.5 * np.log(tau)

    def update(self, state: GaussianState, phi: np.ndarray, psi: np.ndarray, y: np.ndarray) -> GaussianState:
        phi = np.asarray(phi, dtype=np.float64)
        psi = np.asarray(psi, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if (psi < 0).any():
            raise ValueError("psi (precision features) must be non-negative")
        if not np.isfinite(y).all():
            raise ValueError("y must be finite")
        lam, tau = self.natural(state, phi, psi)
        g_lam = lam / tau - y
        g_tau = 0.5 * y**2 - 0.5 * lam**2 / tau**2 - 0.5 / tau
        ga = g_lam[:, None] * phi
        gb = g_tau[:, None] * psi
        sa = state.grad_sq_mean + ga * ga
        sb = state.grad_sq_precision + gb * gb
        a = state.mean_weight - self.lr * ga / np.sqrt(np.where(sa > 0, sa, 1.0))
        b = np.clip(state.precision_weight - self.lr * gb / np.sqrt(np.where(sb > 0, sb, 1.0)), self.tau_min, self.tau_max)
        return GaussianState(state.t + 1, a, b, sa, sb)


def rbf_features(x: np.ndarray, centers: np.ndarray, width: float) -> np.ndarray:
    """Normalised radial basis features ``[N, K]`` (each row sums to 1) of scalar inputs ``[N]``."""
    x = np.asarray(x, dtype=np.float64)[:, None]
    z = np.exp(-0.5 * ((x - np.asarray(centers)[None, :]) / width) ** 2)
    return z / z.sum(axis=1, keepdims=True)
