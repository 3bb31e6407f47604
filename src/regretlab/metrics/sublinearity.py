"""Tests of sublinear regret (Park et al., ICLR 2025, spec §2.2) and log-log slopes (spec §0)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from regretlab.core.errors import check_array, check_int


@dataclass(frozen=True)
class TrendTest:
    """Trend-checking test result: ``statistic`` = number of decreases of ``R_t / t``."""

    statistic: int
    trials: int
    pvalue: float
    reject: bool  # True: "no-regret behaviour" (R_t/t decreases more often than chance)


@dataclass(frozen=True)
class SlopeTest:
    """OLS fit ``log R_t = slope log t + intercept`` with a one-sided test of ``slope < 1``."""

    slope: float
    intercept: float
    stderr: float
    ci_low: float
    ci_high: float
    pvalue: float  # H0: slope >= 1 vs H1: slope < 1
    sublinear: bool


def trend_test(regret: np.ndarray, alpha: float = 0.05) -> TrendTest:
    """Trend-checking test on a regret curve ``R_1..R_T``.

    ``f(t) = R_t / t``; ``S = sum_t 1[f(t+1) < f(t)]``; under H0 ("f is not decreasing") each
    step decreases with probability at most 1/2, so ``p = P(Binomial(T-1, 1/2) >= S)``.

    Example:
        >>> t = np.arange(1, 101); trend_test(np.sqrt(t)).pvalue < 1e-3
        True
    """
    r = check_array("regret", regret, shape=(None,))
    if r.size < 2:
        raise ValueError(f"regret must have at least 2 rounds, got {r.size}")
    f = r / np.arange(1, r.size + 1)
    s = int(np.sum(f[1:] < f[:-1]))
    n = r.size - 1
    p = float(stats.binom.sf(s - 1, n, 0.5))
    return TrendTest(s, n, p, p < alpha)


def slope_test(regret: np.ndarray, rounds: np.ndarray | None = None, alpha: float = 0.05,
               hac_lags: int | str | None = None) -> SlopeTest:
    """Regression test: OLS of ``log R_t`` on ``log t`` over rounds with ``R_t > 0``.

    Sublinear iff the one-sided t-test rejects ``slope >= 1`` at level ``alpha``.
    ``hac_lags=None`` uses the plain OLS standard error (the paper's test). A regret curve is a
    cumulative sum, so its residuals are strongly autocorrelated and plain OLS understates the
    error; ``hac_lags="auto"`` (``floor(4 (n/100)^(2/9))`` lags) or an integer uses the
    Newey–West (1987) HAC standard error instead, which keeps the false-positive rate near
    ``alpha`` on noisy linear curves.

    Example:
        >>> t = np.arange(1, 1001); round(slope_test(3 * t ** 0.5).slope, 3)
        0.5
    """
    r = check_array("regret", regret, shape=(None,))
    t = np.arange(1, r.size + 1, dtype=float) if rounds is None else check_array("rounds", rounds, shape=(r.size,))
    keep = (r > 0) & (t > 0)
    if keep.sum() < 3:
        raise ValueError(f"slope_test needs at least 3 rounds with positive regret, got {int(keep.sum())}")
    x, y = np.log(t[keep]), np.log(r[keep])
    fit = stats.linregress(x, y)
    df = int(keep.sum()) - 2
    se = float(fit.stderr) if np.isfinite(fit.stderr) else 0.0
    if hac_lags is not None:
        se = _newey_west_slope_se(x, y - (fit.intercept + fit.slope * x), hac_lags)
    if se > 1e-12:
        tstat = (fit.slope - 1.0) / se
        p = float(stats.t.cdf(tstat, df))
        half = float(stats.t.ppf(0.975, df)) * se
    else:
        p = 0.0 if fit.slope < 1 - 1e-9 else 1.0  # an exact power law: no sampling noise
        half = 0.0
    return SlopeTest(float(fit.slope), float(fit.intercept), se, fit.slope - half, fit.slope + half, p, p < alpha)


def _newey_west_slope_se(x: np.ndarray, resid: np.ndarray, lags: int | str) -> float:
    """Newey–West HAC standard error of the OLS slope (Bartlett kernel)."""
    n = x.size
    if lags == "auto":
        lags = int(np.floor(4 * (n / 100.0) ** (2.0 / 9.0)))
    lags = check_int("hac_lags", lags, minimum=0)
    xc = x - x.mean()
    sxx = float(xc @ xc)
    g = xc * resid
    s = float(g @ g)
    for lag in range(1, min(lags, n - 1) + 1):
        s += 2.0 * (1.0 - lag / (lags + 1.0)) * float(g[lag:] @ g[:-lag])
    return float(np.sqrt(max(s, 0.0)) / sxx)


def loglog_slope(horizons: np.ndarray, regrets: np.ndarray, n_boot: int = 1000,
                 seed: int = 0, level: float = 0.95) -> tuple[float, float, float]:
    """Slope of ``log mean_seed R_T`` against ``log T`` with a bootstrap CI over seeds (spec §0).

    Args:
        horizons: ``[n]`` horizons T.
        regrets: ``[n, S]`` final regret of each of S seeds at each horizon.
    Returns:
        ``(slope, ci_low, ci_high)``.
    """
    h = check_array("horizons", horizons, shape=(None,))
    r = check_array("regrets", regrets, shape=(h.size, None))
    check_int("n_boot", n_boot, minimum=1)
    x = np.log(h)

    def fit(mean: np.ndarray) -> float:
        return float(np.polyfit(x, np.log(np.maximum(mean, 1e-300)), 1)[0])

    slope = fit(r.mean(axis=1))
    gen = np.random.default_rng(seed)
    idx = gen.integers(0, r.shape[1], size=(n_boot, r.shape[1]))
    boots = np.array([fit(r[:, i].mean(axis=1)) for i in idx])
    lo, hi = np.quantile(boots, [(1 - level) / 2, (1 + level) / 2])
    return slope, float(lo), float(hi)
