"""Batched online regressors: online ridge, Vovk–Azoury–Warmuth, OGD and AdaGrad on square loss,
the HL-Gauss histogram regressor and the heteroscedastic Gaussian.

Every regressor follows the contract of :mod:`regretlab.regression.types`: ``feedback = Label``,
``init(keys [B], D) -> state`` with ``state.t [B]``, ``predict(state, context=x [B, D]) -> [B]``
(the Gaussian returns a :class:`~regretlab.regression.types.Gaussian`) and
``update(state, Label(x, y, mask)) -> state`` (pure; a row with ``mask = False`` is left exactly
as it was). They are registered (family ``"regression"``) and checked by one conformance suite
(``tests/regression/test_conformance.py``); :func:`regretlab.regression.driver.run_predictor`
plays any of them on a stream and accounts the loss and the regret against the best ridge in
hindsight (:mod:`regretlab.metrics.prediction`).
"""

from __future__ import annotations

from typing import Any, ClassVar, NamedTuple

import numpy as np

from regretlab.core.errors import check_int, check_positive
from regretlab.core.registry import register
from regretlab.metrics.prediction import ridge_hindsight_loss
from regretlab.regression.types import Gaussian, Label, check_keys, check_label, keep_rows

__all__ = [
    "GaussianState", "GradientRegressor", "HeteroscedasticGaussian", "HistogramRegressor", "HistogramState",
    "LinearState", "OnlineRidge", "RidgeState", "adagrad_regressor", "heteroscedastic_gaussian",
    "hl_gauss_regressor", "ogd_regressor", "online_ridge", "rbf_features", "ridge_hindsight_loss",
    "run_regressor", "vaw", "vaw_bound",
]


def _features(x: Any, batch: int, dim: int, name: str = "x") -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.shape != (batch, dim):
        raise ValueError(f"{name} must have shape [{batch}, {dim}], got {list(x.shape)}")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} must be finite, got a non-finite entry")
    return x


def _check_finite(name: str, value: np.ndarray, lr: float) -> np.ndarray:
    """A diverged gradient step (inputs far larger than the rate allows) is an error, never a NaN."""
    if not np.isfinite(value).all():
        raise ValueError(f"the {name} overflowed: lr={lr!r} is too large for inputs this large "
                         "(a square-loss step needs lr well below 1 / ||x||^2); lower lr or rescale x")
    return value


class RidgeState(NamedTuple):
    """State of online ridge / VAW."""

    t: np.ndarray  # [B] rounds each run has learned from
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

    feedback: ClassVar[type] = Label

    def __init__(self, lam: float = 1.0, forward: bool = False, clip: tuple[float, float] | None = None):
        self.lam = check_positive("lam", lam)
        self.forward = bool(forward)
        if clip is not None and (len(clip) != 2 or not clip[0] < clip[1]):
            raise ValueError(f"clip must be a pair (lo, hi) with lo < hi, got {clip!r}")
        self.clip = clip
        self.name = "vaw" if self.forward else "online_ridge"

    def init(self, keys: Any, dim: int) -> RidgeState:
        batch, dim = check_keys(keys).size, check_int("dim", dim)
        inverse = np.broadcast_to(np.eye(dim) / self.lam, (batch, dim, dim)).copy()
        return RidgeState(np.zeros(batch, dtype=np.int64), inverse, np.zeros((batch, dim)), np.zeros((batch, dim)))

    def predict(self, state: RidgeState, context: Any) -> np.ndarray:
        """``[B]`` predictions ŷ for features ``context = x [B, D]``."""
        batch, dim = state.moment.shape
        x = _features(context, batch, dim)
        pred = np.einsum("bd,bd->b", x, state.theta)
        if self.forward:
            px = np.einsum("bij,bj->bi", state.inverse, x)
            pred = pred / (1.0 + np.einsum("bd,bd->b", x, px))
        if self.clip is not None:
            pred = np.clip(pred, self.clip[0], self.clip[1])
        return pred

    def update(self, state: RidgeState, feedback: Label) -> RidgeState:
        """Next state after the target ``feedback.y`` of features ``feedback.x``."""
        batch, dim = state.moment.shape
        x, y, m = check_label(feedback, batch)
        x = _features(x, batch, dim)
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

    def __repr__(self) -> str:
        clip = "" if self.clip is None else f", clip={self.clip!r}"
        return f"{self.name}(lam={self.lam!r}{clip})"


@register("online_ridge", family="regression", test_params=[{}, {"lam": 0.5, "clip": (-2.0, 2.0)}])
def online_ridge(lam: float = 1.0, clip: tuple[float, float] | None = None) -> OnlineRidge:
    """Online ridge regression: predict with the ridge fit on the past rounds (Sherman–Morrison).

    ŷ_t = x_tᵀθ_{t−1}, θ_t = (λI + Σ_{s≤t} x_s x_sᵀ)⁻¹ Σ_{s≤t} y_s x_s, the inverse kept by
    rank-one Sherman–Morrison steps (O(D²) per round); FTRL with the square regulariser.

    Args:
        lam: λ > 0.
        clip: optional ``(lo, hi)`` interval the predictions are clipped to.

    Returns:
        An :class:`OnlineRidge` (``init(keys [B], D)``, ``predict(state, x [B, D]) -> [B]``,
        ``update(state, Label(x [B, D], y [B], mask [B] | None))``).

    Example:
        >>> from regretlab.core import rng
        >>> from regretlab.regression import Label
        >>> ridge = online_ridge(lam=1.0); state = ridge.init(rng.spawn_keys(0, 2), 1)
        >>> x = np.ones((2, 1)); state = ridge.update(state, Label(x, np.array([2.0, 4.0])))
        >>> ridge.predict(state, x).tolist()   # θ = 2 / (1 + 1), 4 / (1 + 1)
        [1.0, 2.0]

    Hoerl & Kennard 1970 (ridge); the online form in Cesa-Bianchi & Lugosi 2006, §11.7.
    """
    return OnlineRidge(lam=lam, forward=False, clip=clip)


@register("vaw", family="regression", test_params=[{}, {"lam": 3.0}])
def vaw(lam: float = 1.0) -> OnlineRidge:
    """Vovk–Azoury–Warmuth forecaster: ridge that also counts the current input in its Gram matrix.

    ŷ_t = x_tᵀ(λI + Σ_{s≤t} x_s x_sᵀ)⁻¹ Σ_{s<t} y_s x_s = x_tᵀθ_{t−1} / (1 + x_tᵀP_{t−1}x_t);
    regret against every u: Σ(ŷ_t − y_t)² − Σ(uᵀx_t − y_t)² ≤ λ‖u‖² + Y² Σ_i ln(1 + λ_i(XᵀX)/λ)
    (:func:`vaw_bound`).

    Args:
        lam: λ > 0.

    Returns:
        An :class:`OnlineRidge` with ``forward=True``.

    Example:
        >>> from regretlab.core import rng
        >>> from regretlab.regression import Label
        >>> f = vaw(1.0); state = f.init(rng.spawn_keys(0, 1), 1)
        >>> state = f.update(state, Label(np.ones((1, 1)), np.array([3.0])))
        >>> f.predict(state, np.ones((1, 1))).tolist()   # x P_t b = 1 * (1/3) * 3
        [1.0]

    Vovk, "Competitive on-line statistics", 2001; Azoury & Warmuth, Machine Learning 2001.
    """
    return OnlineRidge(lam=lam, forward=True)


def vaw_bound(X: np.ndarray, y: np.ndarray, lam: float = 1.0) -> float:
    """VAW regret bound Y² Σ_i ln(1 + λ_i(XᵀX)/λ), Y = max|y| (Vovk 2001, Thm 1 in the ridge form)."""
    eig = np.linalg.eigvalsh(np.asarray(X, dtype=np.float64).T @ np.asarray(X, dtype=np.float64))
    return float(np.max(np.abs(y)) ** 2 * np.sum(np.log1p(np.clip(eig, 0.0, None) / lam)))


class LinearState(NamedTuple):
    """State of the gradient-based linear regressors."""

    t: np.ndarray  # [B] rounds each run has learned from
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

    feedback: ClassVar[type] = Label

    def __init__(self, lr: float = 0.1, method: str = "ogd", schedule: str = "fixed", radius: float | None = None):
        self.lr = check_positive("lr", lr)
        if method not in ("ogd", "adagrad"):
            raise ValueError(f"method must be 'ogd' or 'adagrad', got {method!r}")
        if schedule not in ("fixed", "anytime"):
            raise ValueError(f"schedule must be 'fixed' or 'anytime', got {schedule!r}")
        self.method, self.schedule = method, schedule
        self.radius = None if radius is None else check_positive("radius", radius)
        self.name = f"{method}_regressor"

    def init(self, keys: Any, dim: int) -> LinearState:
        batch, dim = check_keys(keys).size, check_int("dim", dim)
        return LinearState(np.zeros(batch, dtype=np.int64), np.zeros((batch, dim)), np.zeros((batch, dim)))

    def predict(self, state: LinearState, context: Any) -> np.ndarray:
        """``[B]`` predictions wᵀx for features ``context = x [B, D]``."""
        batch, dim = state.weight.shape
        return np.einsum("bd,bd->b", _features(context, batch, dim), state.weight)

    def update(self, state: LinearState, feedback: Label) -> LinearState:
        """One gradient step on (wᵀx − y)² for the runs in ``feedback.mask``."""
        batch, dim = state.weight.shape
        x, y, m = check_label(feedback, batch)
        x = _features(x, batch, dim)
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
        _check_finite("weights", weight, self.lr)
        return keep_rows(m, LinearState(t, weight, grad_sq), state)

    def __repr__(self) -> str:
        return f"{self.name}(lr={self.lr!r}, schedule={self.schedule!r}, radius={self.radius!r})"


@register("ogd_regressor", family="regression",
          test_params=[{"lr": 0.05}, {"lr": 0.1, "schedule": "anytime", "radius": 2.0}])
def ogd_regressor(lr: float = 0.1, schedule: str = "fixed", radius: float | None = None) -> GradientRegressor:
    """Online (projected) gradient descent on the square loss of a linear predictor.

    w_{t+1} = Π_{‖w‖≤R}(w_t − η_t g_t), g_t = 2(w_tᵀx_t − y_t)x_t, η_t = η or η/√t; for fixed η
    regret ≤ R²/(2η) + (η/2) Σ‖g_t‖² against every ‖u‖ ≤ R.

    Args:
        lr: η > 0.
        schedule: ``"fixed"`` or ``"anytime"`` (η/√t).
        radius: optional radius R of the feasible ball.

    Returns:
        A :class:`GradientRegressor` (state ``t [B]``, ``weight [B, D]``).

    Example:
        >>> from regretlab.core import rng
        >>> from regretlab.regression import Label
        >>> f = ogd_regressor(lr=0.25); state = f.init(rng.spawn_keys(0, 1), 1)
        >>> state = f.update(state, Label(np.ones((1, 1)), np.array([1.0])))
        >>> state.weight.tolist()   # 0 - 0.25 * 2 (0 - 1) * 1
        [[0.5]]

    Zinkevich, "Online convex programming and generalized infinitesimal gradient ascent", ICML 2003.
    """
    return GradientRegressor(lr=lr, method="ogd", schedule=schedule, radius=radius)


@register("adagrad_regressor", family="regression", test_params=[{}, {"lr": 0.5, "radius": 1.0}])
def adagrad_regressor(lr: float = 0.1, radius: float | None = None) -> GradientRegressor:
    """Diagonal AdaGrad on the square loss of a linear predictor.

    G_t = G_{t−1} + g_t², w_{t+1} = Π_{‖w‖≤R}(w_t − η g_t / √G_t), g_t = 2(w_tᵀx_t − y_t)x_t;
    regret O(R Σ_i √(Σ_t g_{t,i}²)).

    Args:
        lr: η > 0.
        radius: optional radius R of the feasible ball.

    Returns:
        A :class:`GradientRegressor` with ``method="adagrad"``.

    Example:
        >>> from regretlab.core import rng
        >>> from regretlab.regression import Label
        >>> f = adagrad_regressor(lr=0.1); state = f.init(rng.spawn_keys(0, 1), 2)
        >>> state = f.update(state, Label(np.array([[1.0, -2.0]]), np.array([1.0])))
        >>> np.round(state.weight, 12).tolist()   # every coordinate moves by lr on the first step
        [[0.1, -0.1]]

    Duchi, Hazan & Singer, "Adaptive subgradient methods", JMLR 2011.
    """
    return GradientRegressor(lr=lr, method="adagrad", radius=radius)


def run_regressor(learner: Any, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Prequential predictions ``[B, T]`` of ``learner`` on streams X ``[B, T, D]`` (or ``[T, D]``), y ``[B, T]``.

    Each round: predict ŷ_t from the past, then update with (x_t, y_t). A thin view of
    :func:`regretlab.regression.driver.run_predictor` (the point predictions it records).
    """
    from regretlab.core import rng
    from regretlab.regression.driver import ArrayStream, run_predictor

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim == 2:
        X, y = X[None], y[None]
    if X.ndim != 3 or y.shape != X.shape[:2]:
        raise ValueError(f"X must be [B, T, D] with y [B, T], got {list(X.shape)} and {list(y.shape)}")
    trace = run_predictor(learner, ArrayStream(X, y), keys=rng.spawn_keys(0, X.shape[0]), history=True,
                          ridge=None, progress=False)
    assert trace.predictions is not None
    return np.ascontiguousarray(trace.predictions.T)


class HistogramState(NamedTuple):
    """State of the online histogram (HL-Gauss) regressor."""

    t: np.ndarray  # [B] rounds learned from
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

    feedback: ClassVar[type] = Label

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
        self.name = f"{target}_regressor"

    def init(self, keys: Any, dim: int) -> HistogramState:
        batch, dim = check_keys(keys).size, check_int("dim", dim)
        z = np.zeros((batch, self.m, dim))
        return HistogramState(np.zeros(batch, dtype=np.int64), z, z.copy())

    def probabilities(self, state: HistogramState, context: Any) -> np.ndarray:
        """``[B, M]`` predicted histogram q = softmax(W x)."""
        from scipy.special import softmax

        batch, _, dim = state.weight.shape
        x = _features(context, batch, dim)
        return softmax(np.einsum("bmd,bd->bm", state.weight, x), axis=1)

    def predict(self, state: HistogramState, context: Any) -> np.ndarray:
        """``[B]`` the histogram's mean Σ q_i c_i for features ``context = x [B, D]``."""
        return self.probabilities(state, context) @ self.centers

    def target_histogram(self, y: np.ndarray) -> np.ndarray:
        from regretlab.regression.heads import hl_gauss_target, two_hot_target

        if self.target == "two_hot":
            return two_hot_target(y, self.vmin, self.vmax, self.m)
        return hl_gauss_target(y, self.vmin, self.vmax, self.m, sigma=self.sigma)

    def update(self, state: HistogramState, feedback: Label) -> HistogramState:
        """One OGD/AdaGrad step on the cross-entropy to the target histogram of ``feedback.y``."""
        batch, _, dim = state.weight.shape
        x, y, m = check_label(feedback, batch)
        x = _features(x, batch, dim)
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
        _check_finite("histogram logits", weight, self.lr)
        return keep_rows(m, HistogramState(state.t + m, weight, grad_sq), state)

    def __repr__(self) -> str:
        return (f"hl_gauss_regressor(vmin={self.vmin!r}, vmax={self.vmax!r}, m={self.m}, sigma={self.sigma!r}, "
                f"lr={self.lr!r}, method={self.method!r}, target={self.target!r})")


@register("hl_gauss_regressor", family="regression", test_params=[
    {"vmin": -3.0, "vmax": 3.0, "m": 16},
    {"vmin": -3.0, "vmax": 3.0, "m": 8, "lr": 0.1, "method": "ogd", "radius": 5.0, "target": "two_hot"},
])
def hl_gauss_regressor(vmin: float, vmax: float, m: int = 64, sigma: float | None = None, lr: float = 0.5,
                       method: str = "adagrad", radius: float | None = None,
                       target: str = "hl_gauss") -> HistogramRegressor:
    """Online histogram (distributional) regression on the HL-Gauss cross-entropy.

    q_t = softmax(W_t x_t) over m bins of [vmin, vmax], ŷ_t = Σ_i q_{t,i} c_i; after y_t,
    W_{t+1} = W_t − η (q_t − p(y_t)) x_tᵀ (OGD; AdaGrad divides by √G), p(y) the HL-Gauss target
    N(y, σ²) integrated over each bin (or the two-hot target). The surrogate is convex in W.

    Args:
        vmin, vmax: support of the histogram.
        m: number of bins.
        sigma: σ of the target (default 0.75 × bin width, the paper's choice).
        lr: η > 0.
        method: ``"adagrad"`` or ``"ogd"``.
        radius: optional Frobenius radius of W.
        target: ``"hl_gauss"`` or ``"two_hot"``.

    Returns:
        A :class:`HistogramRegressor` (``predict -> [B]`` means; ``probabilities -> [B, m]``).

    Example:
        >>> from regretlab.core import rng
        >>> from regretlab.regression import Label
        >>> f = hl_gauss_regressor(-1.0, 1.0, m=4); state = f.init(rng.spawn_keys(0, 1), 1)
        >>> f.predict(state, np.ones((1, 1))).tolist()   # uniform histogram: mean of the centres
        [0.0]
        >>> state = f.update(state, Label(np.ones((1, 1)), np.array([0.9])))
        >>> bool(f.predict(state, np.ones((1, 1)))[0] > 0)
        True

    Farebrother et al., "Stop Regressing", ICML 2024; Imani & White, ICML 2018.
    """
    return HistogramRegressor(vmin, vmax, m, sigma=sigma, lr=lr, method=method, radius=radius, target=target)


class GaussianState(NamedTuple):
    """State of the heteroscedastic Gaussian regressor (natural parameters)."""

    t: np.ndarray  # [B] rounds learned from
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

    The context is ``x [B, D]`` (φ = ψ = x, which must then be non-negative) or a pair
    ``(phi [B, D], psi [B, K])``.

    Args:
        lr: AdaGrad step η.
        tau_min, tau_max: precision box.
        precision_dim: K, the size of ψ when it differs from D (pair contexts).
    """

    feedback: ClassVar[type] = Label
    name = "heteroscedastic_gaussian"

    def __init__(self, lr: float = 0.5, tau_min: float = 0.5, tau_max: float = 200.0,
                 precision_dim: int | None = None):
        self.lr = check_positive("lr", lr)
        self.tau_min = check_positive("tau_min", tau_min)
        self.tau_max = check_positive("tau_max", tau_max)
        if not self.tau_min < self.tau_max:
            raise ValueError(f"tau_min must be < tau_max, got {tau_min!r} and {tau_max!r}")
        self.precision_dim = None if precision_dim is None else check_int("precision_dim", precision_dim)

    def init(self, keys: Any, dim: int) -> GaussianState:
        batch, dim = check_keys(keys).size, check_int("dim", dim)
        k = dim if self.precision_dim is None else self.precision_dim
        b = np.full((batch, k), 1.0)
        b = np.clip(b, self.tau_min, self.tau_max)
        return GaussianState(np.zeros(batch, dtype=np.int64), np.zeros((batch, dim)), b, np.zeros((batch, dim)),
                             np.zeros((batch, k)))

    def _phi_psi(self, state: GaussianState, context: Any) -> tuple[np.ndarray, np.ndarray]:
        batch, dim = state.mean_weight.shape
        k = state.precision_weight.shape[1]
        if isinstance(context, tuple):
            if len(context) != 2:
                raise ValueError(f"context must be x [B, D] or a pair (phi [B, D], psi [B, K]), got a {len(context)}-tuple")
            phi, psi = _features(context[0], batch, dim, "phi"), _features(context[1], batch, k, "psi")
        else:
            phi = psi = _features(context, batch, dim)
            if k != dim:
                raise ValueError(f"context must be a pair (phi [B, {dim}], psi [B, {k}]) when precision_dim={k} "
                                 f"differs from D={dim}")
        if (psi < 0).any():
            raise ValueError("psi (precision features) must be non-negative")
        return phi, psi

    def natural(self, state: GaussianState, context: Any) -> tuple[np.ndarray, np.ndarray]:
        """(λ ``[B]``, τ ``[B]``)."""
        phi, psi = self._phi_psi(state, context)
        return np.einsum("bd,bd->b", phi, state.mean_weight), np.einsum("bk,bk->b", psi, state.precision_weight)

    def predict(self, state: GaussianState, context: Any) -> Gaussian:
        """:class:`Gaussian` (mean μ = λ/τ ``[B]``, standard deviation σ = τ^{−1/2} ``[B]``)."""
        lam, tau = self.natural(state, context)
        return Gaussian(lam / tau, 1.0 / np.sqrt(tau))

    def nll(self, state: GaussianState, context: Any, y: np.ndarray) -> np.ndarray:
        """Negative log-likelihood without the constant ½ log 2π, ``[B]``."""
        lam, tau = self.natural(state, context)
        return 0.5 * tau * y**2 - lam * y + 0.5 * lam**2 / tau - 0.5 * np.log(tau)

    def update(self, state: GaussianState, feedback: Label) -> GaussianState:
        """One projected AdaGrad step on the NLL of ``feedback.y`` in (a, b)."""
        context, y, m = check_label(feedback, state.t.size)
        lam, tau = self.natural(state, context)
        phi, psi = self._phi_psi(state, context)
        g_lam = lam / tau - y
        g_tau = 0.5 * y**2 - 0.5 * lam**2 / tau**2 - 0.5 / tau
        ga = g_lam[:, None] * phi
        gb = g_tau[:, None] * psi
        sa = state.grad_sq_mean + ga * ga
        sb = state.grad_sq_precision + gb * gb
        a = state.mean_weight - self.lr * ga / np.sqrt(np.where(sa > 0, sa, 1.0))
        b = np.clip(state.precision_weight - self.lr * gb / np.sqrt(np.where(sb > 0, sb, 1.0)), self.tau_min, self.tau_max)
        _check_finite("mean weights", a, self.lr)
        return keep_rows(m, GaussianState(state.t + m, a, b, sa, sb), state)

    def __repr__(self) -> str:
        return f"heteroscedastic_gaussian(lr={self.lr!r}, tau_min={self.tau_min!r}, tau_max={self.tau_max!r})"


@register("heteroscedastic_gaussian", family="regression",
          test_params=[{}, {"lr": 0.1, "tau_min": 1.0, "tau_max": 10.0}])
def heteroscedastic_gaussian(lr: float = 0.5, tau_min: float = 0.5, tau_max: float = 200.0,
                             precision_dim: int | None = None) -> HeteroscedasticGaussian:
    """Online Gaussian regression with input-dependent variance (natural parameters, AdaGrad).

    λ_t = aᵀφ(x_t), τ_t = bᵀψ(x_t); predict N(λ/τ, 1/τ); after y_t take a projected AdaGrad step
    on ℓ = ½τy² − λy + ½λ²/τ − ½ ln τ (jointly convex in (λ, τ)), with
    ∂ℓ/∂λ = λ/τ − y, ∂ℓ/∂τ = ½y² − ½λ²/τ² − 1/(2τ), b kept in [τ_min, τ_max]^K.

    Args:
        lr: AdaGrad step η > 0.
        tau_min, tau_max: the precision box (0 < τ_min < τ_max).
        precision_dim: K when ψ is given separately from φ (context ``(phi, psi)``).

    Returns:
        A :class:`HeteroscedasticGaussian`; ``predict`` returns a
        :class:`~regretlab.regression.types.Gaussian` ``(mean [B], std [B])``.

    Example:
        >>> from regretlab.core import rng
        >>> from regretlab.regression import Label
        >>> g = heteroscedastic_gaussian(); state = g.init(rng.spawn_keys(0, 1), 2)
        >>> x = np.array([[0.5, 0.5]]); g.predict(state, x).std.tolist()   # τ = bᵀψ = 1
        [1.0]
        >>> state = g.update(state, Label(x, np.array([0.1])))
        >>> bool(g.predict(state, x).std[0] < 1.0)   # a small residual: more precision
        True

    Regression spec §5 (after POCO, Dwivedi et al., 3DV 2024).
    """
    return HeteroscedasticGaussian(lr=lr, tau_min=tau_min, tau_max=tau_max, precision_dim=precision_dim)


def rbf_features(x: np.ndarray, centers: np.ndarray, width: float) -> np.ndarray:
    """Normalised radial basis features ``[N, K]`` (each row sums to 1) of scalar inputs ``[N]``."""
    x = np.asarray(x, dtype=np.float64)[:, None]
    z = np.exp(-0.5 * ((x - np.asarray(centers)[None, :]) / width) ** 2)
    return z / z.sum(axis=1, keepdims=True)
