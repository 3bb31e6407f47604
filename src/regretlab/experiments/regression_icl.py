"""In-context learning checks (Mahankali, Hashimoto, Ma, ICLR 2024; regression spec §1): the
ALS-fitted linear self-attention equals one step of preconditioned GD, and that learner's regret."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from regretlab.experiments import Experiment, register_experiment

REFERENCE = "regression-papers.md §1 (one step of GD is the optimal one-layer LSA, ICLR 2024)"


@dataclass(frozen=True)
class LSAConfig:
    d: int = 3  # input dimension
    n: int = 10  # context length
    sigma2: float = 1.0  # label noise variance
    prompts: int = 50_000  # training prompts for the ALS fit
    sweeps: int = 30  # ALS sweeps per restart
    restarts: int = 4  # random restarts (best training MSE kept)


CASES = (("isotropic", None, "inverse"), ("w~N(0,inv(Sigma))", "aniso", "inverse"), ("w~N(0,I)", "aniso", "identity"))


def run_lsa(config: LSAConfig, seed: int) -> dict[str, np.ndarray]:
    from regretlab.regression.icl import fit_als, optimal_gamma, relative_error, sample_prompts

    cols: dict[str, list] = {k: [] for k in ("case", "rel_error", "u_max", "c_max", "gamma_trace", "gamma_star_trace")}
    for name, cov_kind, prior in CASES:
        cov = None if cov_kind is None else np.diag(np.geomspace(2.0, 0.5, config.d))
        X, Y, xq, yq = sample_prompts(config.prompts, config.n, config.d, config.sigma2, cov=cov, weight_prior=prior, seed=seed)
        model = fit_als(X, Y, xq, yq, sweeps=config.sweeps, restarts=config.restarts, seed=seed)
        star = optimal_gamma(config.n, config.d, config.sigma2, cov=cov, weight_prior=prior)
        cols["case"].append(name)
        cols["rel_error"].append(relative_error(model.effective_gamma(), star))
        cols["u_max"].append(float(np.abs(model.u).max()))
        cols["c_max"].append(float(np.abs(model.c).max()))
        cols["gamma_trace"].append(float(np.trace(model.effective_gamma())))
        cols["gamma_star_trace"].append(float(np.trace(star)))
    return {k: np.asarray(v) for k, v in cols.items()}


LSA_TARGET = 0.04  # relative error of the fitted Γ (regression spec §1)
LSA_PROMPTS_FOR_TARGET = 20_000  # measured: 10 sweeps, 2 restarts (the demo's), 0.4 s
LSA_FULL = ("20,000 prompts (demo sweeps and restarts, 0.4 s): 2.11 % / 2.08 % / 3.05 %; default config "
            "(50,000 prompts, 30 sweeps, 4 restarts): 1.26 % / 1.21 % / 1.97 %")


def _cols(rows: Any) -> dict[str, np.ndarray]:
    return {k: np.asarray(v) for k, v in (rows.to_pydict() if hasattr(rows, "to_pydict") else rows).items()}


def _prompts(c: dict[str, np.ndarray]) -> int | None:
    import json

    if "cell_config" not in c or not len(c["cell_config"]):
        return None
    return json.loads(str(c["cell_config"][0])).get("prompts")


def plot_lsa(rows: Any, outdir: Path) -> list[Path]:
    """Relative error of the ALS-fitted Γ per case (points), the 4 % target dashed grey."""
    from regretlab import plot_style as style

    c = _cols(rows)
    fig, ax = style.figure(height=3.4)
    x = np.arange(len(c["case"]), dtype=float)
    style.line(ax, x, 100 * c["rel_error"].astype(float), name="ALS-fitted LSA", marker="o", linestyle="none",
               color=style.PALETTE[0])
    style.hreference(ax, 100 * LSA_TARGET, "4 % target")
    ax.set_xticks(x, [str(v) for v in c["case"]])
    ax.set_xlim(-0.5, x[-1] + 0.5)
    ax.set_ylim(0, max(100 * LSA_TARGET, float(100 * c["rel_error"].max())) * 1.25)
    ax.set_ylabel(r"$\|\Gamma_{ALS} - \Gamma^*\|_F \,/\, \|\Gamma^*\|_F$ (%)")
    n = _prompts(c)
    style.title(ax, "One-layer LSA fitted by ALS vs the one-step-GD optimum",
                setting=f"{n:,} training prompts" if n else None, runs="1 run per case")
    style.legend(ax)
    return style.save(fig, Path(outdir) / "lsa_closed_form.png")


def summarize_lsa(rows: Any) -> list[Any]:
    """Per case: the relative error of the fitted Γ against the closed form, verdict <= 4 %
    (marked demo size when a run on fewer than the default 50,000 prompts misses it)."""
    from regretlab.summary import Verdict

    c = _cols(rows)
    n = _prompts(c)
    small = n is not None and n < LSA_PROMPTS_FOR_TARGET
    out: list[Any] = []
    for case, err in zip(c["case"].tolist(), c["rel_error"].astype(float).tolist()):
        holds = err <= LSA_TARGET
        out.append(Verdict(f"{case}: relative error of the ALS-fitted Γ vs the closed form", err,
                           (None, LSA_TARGET), holds=holds,
                           demo_size=(f"this run fits on {n:,} prompts; the target is met from "
                                      f"{LSA_PROMPTS_FOR_TARGET:,}") if small and not holds else None,
                           full_size=LSA_FULL if small else None, quantity="rel. error"))
    return out


@dataclass(frozen=True)
class RegretConfig:
    # declared for sweep.validate_config: the fields naming learners, environments and sizes
    size_fields: ClassVar[tuple[str, ...]] = ("horizon",)
    d: int = 5  # dimension
    horizon: int = 20_000  # rounds
    sigma2: float = 0.25  # noise variance
    checkpoints: int = 20  # regret measured at this many points


def run_regret(config: RegretConfig, seed: int) -> dict[str, np.ndarray]:
    from regretlab.regression.icl import OneStepGDLearner
    from regretlab.regression.online import run_regressor, vaw

    rng = np.random.default_rng(seed)
    cov = np.diag(np.geomspace(4, 0.25, config.d))
    X = rng.standard_normal((config.horizon, config.d)) @ np.sqrt(cov)
    w = rng.standard_normal(config.d)
    y = X @ w + np.sqrt(config.sigma2) * rng.standard_normal(config.horizon)
    learners = {
        "one-step GD (isotropic optimum)": OneStepGDLearner(config.sigma2),
        "one-step GD, Σ⁻¹ preconditioned": OneStepGDLearner(config.sigma2, precond=np.linalg.inv(cov)),
        "VAW": vaw(1.0),
    }
    points = np.unique(np.geomspace(50, config.horizon, config.checkpoints).astype(int))
    cols: dict[str, list] = {"learner": [], "t": [], "regret": []}
    for name, learner in learners.items():
        pred = run_regressor(learner, X, y)[0]
        cum = np.cumsum((pred - y) ** 2)
        for t in points:
            theta = np.linalg.lstsq(X[:t], y[:t], rcond=None)[0]
            cols["learner"].append(name)
            cols["t"].append(int(t))
            cols["regret"].append(float(cum[t - 1] - np.sum((X[:t] @ theta - y[:t]) ** 2)))
    return {k: np.asarray(v) for k, v in cols.items()}


PLAIN = "one-step GD (isotropic optimum)"
PRECOND = "one-step GD, Σ⁻¹ preconditioned"


def _regret_curves(c: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    out = {}
    for name in dict.fromkeys(c["learner"].tolist()):
        sel = c["learner"] == name
        ts = np.unique(c["t"][sel]).astype(float)
        out[str(name)] = (ts, np.array([c["regret"][sel & (c["t"] == t)].mean() for t in ts]))
    return out


def plot_regret(rows: Any, outdir: Path) -> list[Path]:
    """Regret vs OLS in hindsight against t, log-log when every value is positive (fitted slopes in
    the legend, the rates ∝ t and ∝ ln t dashed grey); otherwise log x and a linear y (never a
    symlog with an empty half)."""
    from regretlab import plot_style as style

    c = _cols(rows)
    curves = _regret_curves(c)
    values = np.concatenate([y for _, y in curves.values()])
    xs = np.unique(c["t"]).astype(float)
    loglog = style.scale_for(values)[0] == "log"
    fig, ax = style.figure()
    fixed = {PLAIN: style.PALETTE[1], PRECOND: style.PALETTE[2]}
    for name, (ts, ys) in curves.items():
        style.line(ax, ts, ys, name=name, slope=loglog, marker="o", color=fixed.get(name))
    refs = [values]
    if loglog:
        lin = curves.get(PLAIN, next(iter(curves.values())))
        style.slope_guide(ax, xs, float(lin[1][0]), 1.0, r"$\propto t$")
        low = curves.get("VAW", next(iter(curves.values())))
        logt = float(low[1][0]) * np.log(xs) / np.log(xs[0])
        style.reference(ax, xs, logt, r"$\propto \ln t$")
        refs += [float(lin[1][0]) * xs / xs[0], logt]
        style.set_scale(ax, "y", np.concatenate(refs))
    else:
        style.set_scale(ax, "y", values, prefer="linear")
    style.set_scale(ax, "x", xs)
    ax.set_xlabel("round $t$")
    ax.set_ylabel("regret vs OLS in hindsight")
    import json

    cfg = json.loads(str(c["cell_config"][0])) if "cell_config" in c and len(c["cell_config"]) else {}
    style.title(ax, "In-context one-step GD vs VAW: regret", setting=f"d = {cfg['d']}, anisotropic Σ" if "d" in cfg
                else "anisotropic Σ", T=int(xs.max()), runs="1 run (one stream)")
    style.legend(ax)
    return style.save(fig, Path(outdir) / "icl_regret.png")


def summarize_regret(rows: Any) -> list[Any]:
    """Regret at T per learner (one stream), and the growth R(T)/R(t') from the checkpoint t'
    nearest T/4: plain one-step GD grows linearly (ratio > 3.5 for a 4x horizon), VAW
    logarithmically (< 1.5), and Σ⁻¹ preconditioning ends below plain GD."""
    from regretlab.summary import Verdict

    c = _cols(rows)
    curves = _regret_curves(c)
    out: list[Any] = []
    for name, (ts, ys) in curves.items():
        out.append((f"{name}: regret at T = {int(ts[-1]):,}", float(ys[-1])))
    for name, (lo, hi), words in ((PLAIN, (3.5, None), "linearly"), ("VAW", (None, 1.5), "logarithmically")):
        if name not in curves:
            continue
        ts, ys = curves[name]
        k = int(np.argmin(np.abs(ts - ts[-1] / 4)))
        out.append(Verdict(f"{name}: regret grows {words}: R({int(ts[-1]):,}) / R({int(ts[k]):,})",
                           float(ys[-1] / ys[k]) if ys[k] != 0 else float("nan"), (lo, hi), quantity="ratio"))
    if PLAIN in curves and PRECOND in curves:
        out.append(Verdict(f"{PRECOND}: regret at T below plain one-step GD's", float(curves[PRECOND][1][-1]),
                           (None, float(curves[PLAIN][1][-1])), quantity="regret"))
    return out


register_experiment(
    Experiment(
        "regression_lsa_one_step_gd",
        LSAConfig,
        run_lsa,
        plot_lsa,
        demo={"prompts": 5000, "sweeps": 10, "restarts": 2},
        summarize=summarize_lsa,
        description="ALS-fitted one-layer linear self-attention vs the closed-form one-step-GD optimum",
        reference=REFERENCE,
    )
)
register_experiment(
    Experiment(
        "regression_icl_regret",
        RegretConfig,
        run_regret,
        plot_regret,
        demo={"horizon": 2000, "checkpoints": 8},
        summarize=summarize_regret,
        description="Regret of the one-step-GD in-context learner vs VAW on an anisotropic stream",
        reference=REFERENCE,
    )
)
