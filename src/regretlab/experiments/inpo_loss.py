"""INPO spec §1.5 target 2: the minimiser of the sampled INPO loss equals the closed-form update (★).

eta = 2, tau = 0.1, pi_t = (0.5, 0.3, 0.2) on the cyclic game: draw N pairs y, y' ~ pi_t ordered by
lambda_P, minimise the squared loss over tabular policies; the L1 distance to (★) shrinks like
1/sqrt(N) (L1 < 5e-3 at N = 4e5).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from regretlab.experiments import Experiment, register_experiment
from regretlab.experiments.inpo_omd import columns
from regretlab.preference import CYCLIC_P, CYCLIC_REF, PreferenceGame, omd_step
from regretlab.preference.loss import fit_tabular_inpo, sample_pairs


@dataclass(frozen=True)
class Config:
    sizes: tuple[int, ...] = (1000, 4000, 16000, 64000, 400000)  # numbers of pairs N
    runs: int = 20  # independent samples per N
    eta: float = 2.0  # INPO step
    tau: float = 0.1  # KL strength
    last: tuple[float, ...] = (0.5, 0.3, 0.2)  # pi_t


def run(config: Config, seed: int) -> dict[str, np.ndarray]:
    """Rows ``n, run, l1`` (L1 distance of the loss minimiser to (★))."""
    game = PreferenceGame.make(CYCLIC_P, CYCLIC_REF, tau=config.tau)
    last = np.asarray(config.last, float)
    closed = omd_step(game, last, config.eta)[0]
    ns, rs, l1 = [], [], []
    keys = np.random.SeedSequence(seed).spawn(len(config.sizes) * config.runs)
    for i, n in enumerate(config.sizes):
        for r in range(config.runs):
            rng = np.random.default_rng(keys[i * config.runs + r])
            fit = fit_tabular_inpo(*sample_pairs(rng, CYCLIC_P, last, n), 3, last, CYCLIC_REF, config.eta, config.tau)
            ns.append(n), rs.append(r), l1.append(float(np.abs(fit - closed).sum()))
    return {"n": np.array(ns), "run": np.array(rs), "l1": np.array(l1)}


def summarize(rows: Any) -> list[tuple[str, Any]]:
    c = columns(rows)
    out = [(f"mean L1 at N={n}", float(c["l1"][c["n"] == n].mean())) for n in np.unique(c["n"])]
    ns = np.unique(c["n"])
    if len(ns) > 1:
        m = [c["l1"][c["n"] == n].mean() for n in ns]
        out.append(("log-log slope of L1 vs N (theory -0.5)", float(np.polyfit(np.log(ns), np.log(m), 1)[0])))
    return out


def plot(rows: Any, outdir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = columns(rows)
    ns = np.unique(c["n"])
    mean = np.array([c["l1"][c["n"] == n].mean() for n in ns])
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    ax.loglog(c["n"], c["l1"], ".", alpha=0.3, color="gray", label="runs")
    ax.loglog(ns, mean, "o-", label="mean L1")
    ax.loglog(ns, mean[0] * np.sqrt(ns[0] / ns), "k--", label="1/sqrt(N)")
    ax.axhline(5e-3, color="r", linestyle=":", label="5e-3 (spec at N=4e5)")
    ax.set(xlabel="pairs N", ylabel="L1(loss minimiser, closed form)", title="INPO loss minimiser vs (★)")
    ax.legend()
    fig.tight_layout()
    path = Path(outdir) / "inpo_loss.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return [path]


register_experiment(Experiment(
    "inpo_loss", Config, run, plot, demo={"sizes": (1000, 4000, 16000), "runs": 4}, summarize=summarize,
    description="INPO sampled-loss minimiser vs the closed-form OMD update, L1 by number of pairs",
    reference="Zhang et al., INPO, ICLR 2025 (arXiv 2407.00617); spec regret-papers.md §1.5 target 2",
))
