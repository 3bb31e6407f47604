"""In-context learning checks (Mahankali, Hashimoto, Ma, ICLR 2024; regression spec §1): the
ALS-fitted linear self-attention equals one step of preconditioned GD, and that learner's regret."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


def plot_lsa(rows: Any, outdir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = {k: np.asarray(v) for k, v in rows.to_pydict().items()} if hasattr(rows, "to_pydict") else rows
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.bar(np.arange(len(c["case"])), 100 * c["rel_error"], color="tab:blue")
    ax.axhline(4, color="r", ls="--", label="4% target")
    ax.set_xticks(np.arange(len(c["case"])), c["case"], fontsize=8)
    ax.set_ylabel("‖Γ_ALS − Γ*‖_F / ‖Γ*‖_F (%)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    Path(outdir).mkdir(parents=True, exist_ok=True)
    path = Path(outdir) / "lsa_closed_form.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return [path]


@dataclass(frozen=True)
class RegretConfig:
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


def plot_regret(rows: Any, outdir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = {k: np.asarray(v) for k, v in rows.to_pydict().items()} if hasattr(rows, "to_pydict") else rows
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for name in dict.fromkeys(c["learner"].tolist()):
        sel = c["learner"] == name
        ts = np.unique(c["t"][sel])
        ax.plot(ts, [c["regret"][sel & (c["t"] == t)].mean() for t in ts], marker="o", ms=3, label=name)
    ax.set_xscale("log")
    ax.set_yscale("symlog")
    ax.set_xlabel("t")
    ax.set_ylabel("regret vs OLS in hindsight")
    ax.legend(fontsize=7)
    fig.tight_layout()
    Path(outdir).mkdir(parents=True, exist_ok=True)
    path = Path(outdir) / "icl_regret.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return [path]


register_experiment(
    Experiment(
        "regression_lsa_one_step_gd",
        LSAConfig,
        run_lsa,
        plot_lsa,
        demo={"prompts": 5000, "sweeps": 10, "restarts": 2},
        summarize=lambda rows: [(f"{c}: rel. error", f"{e:.4f}") for c, e in zip(rows.to_pydict()["case"] if hasattr(rows, "to_pydict") else rows["case"], rows.to_pydict()["rel_error"] if hasattr(rows, "to_pydict") else rows["rel_error"])],
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
        description="Regret of the one-step-GD in-context learner vs VAW on an anisotropic stream",
        reference=REFERENCE,
    )
)
