"""INPO spec §1.5 target 1: exact OMD (★) on the cyclic 3-response preference game.

tau = 0, eta = 1/sqrt(T), start uniform: the average iterate's duality gap is <= 1.5/sqrt(T) and
the last iterate cycles. tau = 0.1: (★) from pi_ref converges geometrically to
pi*_tau = (0.45348, 0.14884, 0.39767) (KL decay for eta = 0.5 and 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from regretlab.experiments import Experiment, register_experiment
from regretlab.preference import CYCLIC_P, CYCLIC_REF, PreferenceGame, kl, omd, omd_step, regularized_nash


@dataclass(frozen=True)
class Config:
    T_grid: tuple[int, ...] = (100, 1000, 10000, 100000)  # horizons of the tau = 0 runs (eta = 1/sqrt(T))
    points: int = 100  # recorded rounds per tau = 0 run
    tau: float = 0.1  # KL strength of the last-iterate runs
    etas: tuple[float, ...] = (0.5, 2.0)  # step sizes of the last-iterate runs
    kl_rounds: int = 200  # updates of the last-iterate runs


def columns(rows: Any) -> dict[str, np.ndarray]:
    """Stored rows (Arrow table or mapping of columns) as NumPy columns."""
    if hasattr(rows, "to_pydict"):
        rows = rows.to_pydict()
    return {k: np.asarray(v) for k, v in rows.items()}


def run(config: Config, seed: int) -> dict[str, np.ndarray]:
    """Rows ``part, horizon, eta, round, value, bound``; deterministic (``seed`` unused: exact dynamics)."""
    del seed
    part, Ts, etas, ts, vals, bounds = [], [], [], [], [], []
    g0 = PreferenceGame.make(CYCLIC_P, CYCLIC_REF, tau=0.0)
    for T in config.T_grid:
        tr = omd(g0, 1 / np.sqrt(T), T, start=np.ones(3) / 3, every=max(T // config.points, 1))
        for name, arr in (("average_gap", tr.average_gap), ("last_gap", tr.last_gap)):
            n = len(arr)
            part += [name] * n
            Ts += [T] * n
            etas += [1 / np.sqrt(T)] * n
            ts += tr.rounds.tolist()
            vals += arr.tolist()
            bounds += [1.5 / np.sqrt(T)] * n
    g = PreferenceGame.make(CYCLIC_P, CYCLIC_REF, tau=config.tau)
    star = regularized_nash(g)[0]
    for eta in config.etas:
        p = CYCLIC_REF
        for t in range(1, config.kl_rounds + 1):
            p = omd_step(g, p, eta)[0]
            part.append("kl")
            Ts.append(config.kl_rounds)
            etas.append(eta)
            ts.append(t)
            vals.append(float(kl(star, p)))
            bounds.append(np.nan)
    for k, v in enumerate(star):
        part.append(f"pi_star_{k}")
        Ts.append(0), etas.append(np.nan), ts.append(0), vals.append(float(v)), bounds.append(np.nan)
    # column names differ in more than case: the store (DuckDB) folds case
    return {"part": np.array(part), "horizon": np.array(Ts), "eta": np.array(etas), "round": np.array(ts),
            "value": np.array(vals), "bound": np.array(bounds)}


def summarize(rows: Any) -> list[tuple[str, Any]]:
    c = columns(rows)
    out = []
    for T in np.unique(c["horizon"][c["part"] == "average_gap"]):
        sel = (c["part"] == "average_gap") & (c["horizon"] == T) & (c["round"] == T)
        out.append((f"average-iterate gap T={T} (bound 1.5/sqrt(T)={1.5 / np.sqrt(T):.4f})", float(c["value"][sel][0])))
    out.append(("pi*_tau", [round(float(c["value"][c["part"] == f"pi_star_{k}"][0]), 5) for k in range(3)]))
    return out


def plot(rows: Any, outdir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = columns(rows)
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), dpi=110)
    avg = c["part"] == "average_gap"
    Ts = np.unique(c["horizon"][avg])
    final = [c["value"][avg & (c["horizon"] == T) & (c["round"] == T)][0] for T in Ts]
    axes[0].loglog(Ts, final, "o-", label="average iterate")
    axes[0].loglog(Ts, 1.5 / np.sqrt(Ts), "k--", label="1.5/sqrt(T)")
    axes[0].set(xlabel="T", ylabel="duality gap at T", title="tau=0, eta=1/sqrt(T)")
    axes[0].legend()
    Tmax = Ts.max()
    for name in ("average_gap", "last_gap"):
        sel = (c["part"] == name) & (c["horizon"] == Tmax)
        axes[1].semilogy(c["round"][sel], c["value"][sel], label=name.replace("_", " "))
    axes[1].set(xlabel="round t", ylabel="duality gap", title=f"T={Tmax}: the last iterate cycles")
    axes[1].legend()
    for eta in np.unique(c["eta"][c["part"] == "kl"]):
        sel = (c["part"] == "kl") & (c["eta"] == eta)
        axes[2].semilogy(c["round"][sel], np.maximum(c["value"][sel], 1e-17), label=f"eta={eta:g}")
    axes[2].set(xlabel="update t", ylabel="KL(pi*_tau || pi_t)", title="tau=0.1: geometric last-iterate decay")
    axes[2].legend()
    fig.tight_layout()
    path = Path(outdir) / "inpo_omd.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return [path]


register_experiment(Experiment(
    "inpo_omd", Config, run, plot, demo={"T_grid": (100, 1000), "kl_rounds": 100}, summarize=summarize,
    description="INPO closed-form OMD on a cyclic preference game: average-iterate gap, last-iterate cycling, KL decay",
    reference="Zhang et al., INPO, ICLR 2025 (arXiv 2407.00617); spec regret-papers.md §1.5 target 1",
))
