"""INPO vs iterative DPO on the contextual toy (tiny random transformer, exact duality gap).

Needs the ``[llm]`` extra (torch, transformers); they are imported when the experiment runs, and the
experiment is registered only where they are installed.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from regretlab.experiments import Experiment, register_experiment
from regretlab.experiments.inpo_omd import columns


@dataclass(frozen=True)
class Config:
    methods: tuple[str, ...] = ("inpo", "dpo", "ipo")  # losses compared (DPO/IPO: beta = tau)
    iterations: int = 10  # outer iterations
    num_samples: int = 32  # responses per prompt and iteration (all pairs, lambda_P ordered)
    num_contexts: int = 8  # prompts
    length: int = 2  # response length over the alphabet a, b, c (|Y| = 3**length)
    scale: float = 1.0  # blade-chest scale of the hidden preference
    tau: float = 0.1  # KL strength of the game
    eta: float = 2.0  # INPO step
    epochs: int = 4  # passes over each iteration's pairs
    learning_rate: float = 0.01  # Adam step


def run(config: Config, seed: int) -> dict[str, np.ndarray]:
    """Rows ``method, iteration, gap`` (iteration 0 is pi_ref)."""
    try:
        from regretlab.preference.toy import make_toy, run_toy
    except ImportError as exc:
        raise ImportError("experiment inpo_toy needs the [llm] extra: pip install 'regretlab[llm]'") from exc
    toy = make_toy(num_contexts=config.num_contexts, length=config.length, scale=config.scale, tau=config.tau,
                   seed=seed)
    meth, its, gaps = [], [], []
    for m in config.methods:
        res = run_toy(m, iterations=config.iterations, num_samples=config.num_samples, eta=config.eta,
                      learning_rate=config.learning_rate, epochs=config.epochs, toy=toy, seed=seed)
        meth += [m] * len(res["gap"])
        its += res["iteration"].tolist()
        gaps += res["gap"].tolist()
    return {"method": np.array(meth), "iteration": np.array(its), "gap": np.array(gaps)}


def summarize(rows: Any) -> list[tuple[str, Any]]:
    c = columns(rows)
    T = c["iteration"].max()
    return [(f"{m} duality gap after {T} iterations", float(c["gap"][(c["method"] == m) & (c["iteration"] == T)].mean()))
            for m in sorted(set(c["method"].tolist()))]


def plot(rows: Any, outdir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = columns(rows)
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    for m in sorted(set(c["method"].tolist())):
        sel = c["method"] == m
        its = np.unique(c["iteration"][sel])
        ax.semilogy(its, [c["gap"][sel & (c["iteration"] == i)].mean() for i in its], "o-", label=m.upper())
    ax.set(xlabel="iteration", ylabel="exact duality gap (tau-regularised game)",
           title="Contextual toy, intransitive (blade-chest) preference")
    ax.legend()
    fig.tight_layout()
    path = Path(outdir) / "inpo_toy.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return [path]


# registered only where the [llm] extra is installed, so `regretlab demo` works on a minimal install
if importlib.util.find_spec("torch") is not None and importlib.util.find_spec("transformers") is not None:
    register_experiment(Experiment(
        "inpo_toy", Config, run, plot,
        demo={"iterations": 2, "num_samples": 8, "num_contexts": 4, "methods": ("inpo", "dpo"), "epochs": 2},
        summarize=summarize,
        description="INPO vs iterative DPO/IPO on a tiny random transformer with an intransitive preference (exact gap)",
        reference="Zhang et al., INPO, ICLR 2025 (arXiv 2407.00617); spec regret-papers.md §1.5 target 3",
    ))
