"""CCE gap of independent Hedge vs T in random 3-player games (spec §4.3 target 3, §2.6 target 4).

Every player runs Hedge tuned to T (η = sqrt(8 ln K / T)); the empirical joint distribution of
T rounds is a max_i Reg_i(T)/T-CCE, so its gap is at most sqrt(ln K / (2T)) and its log-log
slope in T should be at most -0.5 + 0.05.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from regretlab.experiments import Experiment, register_experiment


@dataclass(frozen=True)
class CceGapConfig:
    """Independent Hedge in random games with U[0,1] payoffs.

    Attributes:
        players: number of players P.
        actions: actions per player K.
        min_exp: smallest horizon 2^min_exp.
        max_exp: largest horizon 2^max_exp.
        games: random games (one per seed offset), the "seeds" of the slope fit.
        mode: ``expected`` (utility vectors against the mixed strategies) or ``realized``.
    """

    players: int = 3
    actions: int = 3
    min_exp: int = 6
    max_exp: int = 12
    games: int = 10
    mode: str = "expected"


def run_cce_gap(config: CceGapConfig, seed: int) -> dict[str, Any]:
    from regretlab.experts import hedge
    from regretlab.games.normal_form import cce_gap, random_game
    from regretlab.games.normal_form.setting import NormalFormSetting
    from regretlab.run import run

    out: dict[str, list[Any]] = {"game": [], "T": [], "cce_gap": [], "max_regret_over_T": [], "bound": []}
    for gidx in range(config.games):
        game = random_game(config.actions, num_players=config.players, seed=seed * 100_003 + gidx)
        setting = NormalFormSetting(game, config.mode, nash_conv=False)
        for e in range(config.min_exp, config.max_exp + 1):
            T = 2**e
            tr = run(hedge(horizon=T), setting, T, batch=1, seed=seed, every=T, joint=True)
            out["game"].append(gidx)
            out["T"].append(T)
            # the gap of the recorded joint distribution, from the payoffs ...
            out["cce_gap"].append(float(cce_gap(game, tr.ledger.joint_distribution())[0]))
            # ... equals max_i R^i_T / T from the ledger (realized regret in realized play)
            out["max_regret_over_T"].append(float(tr.metrics["cce_gap"][-1, 0]))
            out["bound"].append(math.sqrt(math.log(config.actions) / (2 * T)))
    return out


def _slope(cols: dict[str, np.ndarray]) -> tuple[float, float, float]:
    from regretlab.metrics import loglog_slope

    ts = np.unique(cols["T"])
    games = np.unique(cols["game"])
    mat = np.array([[cols["cce_gap"][(cols["T"] == t) & (cols["game"] == g)][0] for g in games] for t in ts])
    return loglog_slope(ts.astype(float), np.maximum(mat, 1e-300))


def summarize_cce_gap(rows: Any) -> list[Any]:
    """The log-log slope of the CCE gap in T (bootstrap over games; spec target <= -0.45), the
    largest gap over its bound sqrt(ln K/(2T)) (a hard bound: <= 1 on every game and T), and the
    mean gap at the largest T (± standard error over games)."""
    from regretlab.plot import columns
    from regretlab.summary import Estimate, Verdict

    cols = columns(rows)
    slope, lo, hi = _slope(cols)
    games = len(np.unique(cols["game"]))
    ratio = float(np.max(cols["cce_gap"] / cols["bound"]))
    last = cols["T"] == cols["T"].max()
    return [
        Verdict(f"log-log slope of the CCE gap in T ({games} games, 95% bootstrap [{lo:.3f}, {hi:.3f}])",
                Estimate(slope, (hi - lo) / 3.92, games), (None, -0.45), quantity="slope"),
        Verdict("largest CCE gap / sqrt(ln K/(2T)) over every game and T (the bound holds everywhere)",
                ratio, (None, 1.0), quantity="ratio"),
        (f"mean CCE gap at T = {int(cols['T'].max())} ({games} games)", Estimate.of(cols["cce_gap"][last])),
    ]


def plot_cce_gap(rows: Any, outdir: Path) -> list[Path]:
    """Mean CCE gap over games against T (log-log, 95% band over games, fitted slope in the
    legend), the bound sqrt(ln K/(2T)) and the rate T^{-1/2} dashed grey."""
    from regretlab import plot_style as style
    from regretlab.plot import columns, curve_stats, stored_config

    cols = columns(rows)
    ts, mean, half = curve_stats(cols["T"], cols["cce_gap"].astype(float))
    ts = ts.astype(float)
    bound = np.array([cols["bound"][cols["T"] == t][0] for t in ts])
    fig, ax = style.figure()
    style.line(ax, ts, mean, band=half, name="hedge", label="independent Hedge", slope=True)
    style.reference(ax, ts, bound, r"bound $\sqrt{\ln K / (2T)}$")
    style.slope_guide(ax, ts, float(mean[0]), -0.5, r"$\propto T^{-1/2}$")
    style.set_scale(ax, "x", ts)
    style.set_scale(ax, "y", np.concatenate([mean - half, mean + half, bound]))
    ax.set_xlabel("horizon $T$")
    ax.set_ylabel("CCE gap of empirical play")
    cfg = stored_config(cols)
    games = len(np.unique(cols["game"]))
    setting = f"random games, P = {cfg.get('players', '?')}, K = {cfg.get('actions', '?')}" if cfg else "random games"
    style.title(ax, "CCE gap of independent Hedge", setting=setting,
                T=f"{int(ts[0])}…{int(ts[-1])}", runs=f"{games} games (runs)")
    style.legend(ax)
    return style.save(fig, Path(outdir) / "nfg_cce_gap.png")


register_experiment(Experiment(
    "nfg_cce_gap", CceGapConfig, run_cce_gap, plot_cce_gap,
    demo={"min_exp": 5, "max_exp": 9, "games": 3},
    summarize=summarize_cce_gap,
    description="CCE gap of independent Hedge vs T in random 3-player games (slope <= -0.45).",
    reference="spec §4.3 target 3 and §2.6 target 4; Cesa-Bianchi & Lugosi 2006 Thm 2.2",
))
