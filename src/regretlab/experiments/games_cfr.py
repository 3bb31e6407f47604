"""CFR-family convergence on Kuhn and Leduc poker (spec §9.3): exploitability of the average
strategy against iterations for CFR, CFR+, linear CFR, DCFR and predictive CFR+, plus MCCFR
(external sampling) on the same budget of iterations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from regretlab.experiments import Experiment, register_experiment


@dataclass(frozen=True)
class Config:
    games: tuple = ("kuhn", "leduc")  # game specs (regretlab.games.registry)
    algos: tuple = ("cfr", "cfr+", "linear_cfr", "dcfr", "pcfr+", "mccfr-external")
    iterations: int = 10_000  # last iteration evaluated
    points: int = 12  # evaluation points on a geometric grid from 1 to ``iterations``
    players: int = 2  # players of the built-in games


def run(config: Config, seed: int) -> dict[str, Any]:
    """One curve per (game, algo): exploitability at geometric checkpoints."""
    from regretlab.games import registry
    from regretlab.games.evaluation import expected_value, nash_conv
    from regretlab.games.solve import make

    grid = np.unique(np.geomspace(1, config.iterations, config.points).round().astype(int))
    cols: dict[str, list] = {k: [] for k in
                             ("game", "algo", "iteration", "exploitability", "nash_conv", "value0")}
    for spec in config.games:
        game = registry.load(spec, config.players)
        for algo in config.algos:
            solver = make(algo, seed)
            state = solver.init(game)
            for T in grid:
                state = solver.update(state, game, int(T) - state.t)
                pol = solver.average_policy(state, game)
                nc = nash_conv(game, pol)
                cols["game"].append(game.name)
                cols["algo"].append(algo)
                cols["iteration"].append(int(T))
                cols["nash_conv"].append(nc)
                cols["exploitability"].append(nc / game.num_players)
                cols["value0"].append(float(expected_value(game, pol)[0]))
    return cols


def _columns(rows: Any) -> dict[str, list]:
    return rows.to_pydict() if hasattr(rows, "to_pydict") else dict(rows)


def plot(rows: Any, outdir: Path) -> list[Path]:
    """One log-log panel per game: exploitability against iterations, a line per algorithm."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = _columns(rows)
    games = sorted(set(c["game"]))
    fig, axes = plt.subplots(1, len(games), figsize=(5 * len(games), 4), squeeze=False)
    for ax, g in zip(axes[0], games):
        for algo in dict.fromkeys(c["algo"]):
            idx = [k for k in range(len(c["game"])) if c["game"][k] == g and c["algo"][k] == algo]
            if not idx:
                continue
            it = np.array([c["iteration"][k] for k in idx])
            ex = np.array([c["exploitability"][k] for k in idx])
            order = np.argsort(it)
            ax.loglog(it[order], np.maximum(ex[order], 1e-12), marker=".", label=algo)
        ax.set_title(g)
        ax.set_xlabel("iteration")
        ax.set_ylabel("exploitability of the average strategy")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / "games_cfr_convergence.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return [path]


def summarize(rows: Any) -> list[tuple[str, Any]]:
    """Final exploitability per (game, algo)."""
    c = _columns(rows)
    last: dict[tuple, tuple] = {}
    for g, a, t, e in zip(c["game"], c["algo"], c["iteration"], c["exploitability"]):
        if (g, a) not in last or t > last[(g, a)][0]:
            last[(g, a)] = (t, e)
    return [(f"{g} {a} exploitability @ {t}", float(e)) for (g, a), (t, e) in sorted(last.items())]


register_experiment(Experiment(
    "games_cfr_convergence", Config, run, plot,
    demo={"iterations": 200, "points": 6},
    summarize=summarize,
    description="CFR, CFR+, linear CFR, DCFR, PCFR+ and MCCFR exploitability on Kuhn and Leduc",
    reference="spec §9.2-9.3; Zinkevich 2007, Tammelin 2014, Brown & Sandholm 2019, Farina 2021",
))
