"""The exact-gap test bed: every preference-optimisation method's population update on tabular games.

Three families of contextual preference games, each with ``contexts`` contexts and ``responses``
responses, drawn fresh for each instance: transitive Bradley–Terry (``P = sigmoid(r(y) - r(y'))``),
intransitive blade–chest (Chen & Joachims 2016) and random skew-symmetric (``P = 1/2 + A``, A
skew-symmetric). Each method of :mod:`regretlab.preference.methods` runs from ``pi_ref`` with its
paper's step; the duality gap of the last and of the average iterate against the regularised Nash
policy pi*_tau is exact (:func:`regretlab.preference.games.duality_gap`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from regretlab import plot_style as style
from regretlab.experiments import Experiment, register_experiment
from regretlab.preference.games import PreferenceGame, blade_chest, duality_gap
from regretlab.preference.methods import make_method
from regretlab.summary import Estimate, Verdict

GAMES = ("bradley_terry", "blade_chest", "skew")
ALL_METHODS = "inpo,nash_md,online_ipo,ipo,sppo,dno,spin,dpo,xpo"
FLOOR = 1e-15  # gaps below this are float rounding, not drawn on the log axis


@dataclass(frozen=True)
class Config:
    """Run every method on every game family.

    Attributes:
        methods: comma-separated names from :data:`regretlab.preference.methods.METHODS`.
        games: comma-separated game families (``bradley_terry``, ``blade_chest``, ``skew``).
        contexts: contexts X per game.  responses: responses Y per context.
        tau: KL strength of the game (the gap is against pi*_tau).
        T: iterations.  points: recorded iterations (log-spaced).
        instances: independent random games per family (the spread of the final gaps).
    """

    learner_fields: ClassVar[tuple[str, ...]] = ("methods",)
    environment_fields: ClassVar[tuple[str, ...]] = ("games",)
    size_fields: ClassVar[tuple[str, ...]] = ("T", "instances")
    count_fields: ClassVar[tuple[str, ...]] = ("contexts", "responses")

    methods: str = ALL_METHODS
    games: str = ",".join(GAMES)
    contexts: int = 3
    responses: int = 5
    tau: float = 0.2
    T: int = 300
    points: int = 30
    instances: int = 5


def make_game(kind: str, contexts: int, responses: int, tau: float, seed: int) -> PreferenceGame:
    """One random game of family ``kind`` (uniform ``rho``; ``ref`` Dirichlet(2), full support)."""
    rng = np.random.default_rng([seed, GAMES.index(kind) if kind in GAMES else 99])
    X, Y = contexts, responses
    if kind == "bradley_terry":
        r = rng.normal(0, 1, (X, Y))
        P = 1 / (1 + np.exp(-(r[:, :, None] - r[:, None, :])))
    elif kind == "blade_chest":
        P = blade_chest(X, Y, seed=int(rng.integers(2**31)), scale=1.0)
    elif kind == "skew":
        U = rng.uniform(-0.45, 0.45, (X, Y, Y))
        P = 0.5 + (U - np.swapaxes(U, 1, 2)) / 2
    else:
        raise ValueError(f"games must name families among {', '.join(GAMES)}, got {kind!r}")
    ref = rng.dirichlet(np.full(Y, 2.0), size=X)
    return PreferenceGame.make(P, ref, tau=tau)


def hyperparameters(name: str, tau: float, T: int) -> dict[str, float]:
    """Each method's step as its paper sets it (tabular analogue).

    INPO: ``eta tau = 1/3`` (the authors' ratio); Nash-MD: mixture ``eta tau = 0.125`` (Munos et al.'s
    beta); online IPO: ``lr = tau/2`` (a stable SGD step); SPPO: ``eta = 1/sqrt(T)`` (Theorem 4.1); DNO:
    ``eta = 0.1`` (DNO-Prct's beta; a step of 10); SPIN: ``lambda = 2``; DPO/XPO: ``beta = tau``, XPO ``alpha = 1e-5`` (the paper's scale; larger alpha leaves the objective
    unbounded on near-deterministic preferences).
    """
    return {"inpo": {"eta": 1 / (3 * tau)}, "nash_md": {"eta": 0.125 / tau}, "online_ipo": {"lr": tau / 2},
            "ipo": {}, "sppo": {"eta": 1 / np.sqrt(T)}, "dno": {"eta": 0.1}, "spin": {"lam": 2.0},
            "dpo": {"beta": tau}, "xpo": {"beta": tau, "alpha": 1e-5}}.get(name, {})


def _names(text: str) -> list[str]:
    return [n.strip().replace("-", "_") for n in text.split(",") if n.strip()]


def run(config: Config, seed: int) -> dict[str, np.ndarray]:
    """Rows ``method, game, instance, round, last_gap, average_gap, average_gap0, tau, responses``.

    ``average_gap0`` is the average iterate's gap in the same game at tau = 0 (the target of SPPO and DNO,
    which have no reference term)."""
    rec = np.unique(np.geomspace(1, config.T, config.points).round().astype(int))
    for name in _names(config.methods):  # every name checked before any work
        make_method(name, **hyperparameters(name.replace("-", "_"), config.tau, config.T))
    for kind in _names(config.games):
        if kind not in GAMES:
            raise ValueError(f"games must name families among {', '.join(GAMES)}, got {kind!r}")
    cols: dict[str, list] = {k: [] for k in ("method", "game", "instance", "round", "last_gap", "average_gap",
                                              "average_gap0", "tau", "responses")}
    for kind in _names(config.games):
        for inst in range(config.instances):
            game = make_game(kind, config.contexts, config.responses, config.tau, seed * 10_007 + inst)
            game0 = PreferenceGame.make(game.P, game.ref, game.rho, tau=0.0)
            for name in _names(config.methods):
                m = make_method(name, **hyperparameters(name, config.tau, config.T))
                m.check(game)
                state = m.init(game)
                total = np.zeros_like(state.policy)
                for t in range(1, config.T + 1):
                    total += state.policy
                    if t in rec:
                        cols["method"].append(name)
                        cols["game"].append(kind)
                        cols["instance"].append(inst)
                        cols["round"].append(t)
                        cols["last_gap"].append(duality_gap(game, state.policy))
                        cols["average_gap"].append(duality_gap(game, total / t))
                        cols["average_gap0"].append(duality_gap(game0, total / t))
                        cols["tau"].append(config.tau)
                        cols["responses"].append(config.responses)
                    if t < config.T:
                        state = m.step(game, state)
    return {k: np.asarray(v) for k, v in cols.items()}


def columns(rows: Any) -> dict[str, np.ndarray]:
    """Stored rows (Arrow table or mapping of columns) as NumPy columns."""
    if hasattr(rows, "to_pydict"):
        rows = rows.to_pydict()
    return {k: np.asarray(v) for k, v in rows.items()}


def _final(c: dict[str, np.ndarray], method: str, game: str, col: str) -> np.ndarray:
    sel = (c["method"] == method) & (c["game"] == game)
    T = c["round"][sel].max()
    return c[col][sel & (c["round"] == T)]


def summarize(rows: Any) -> list[Any]:
    """Final last- and average-iterate gaps per method and game (mean ± SE over instances), and verdicts
    for the papers' convergence claims: INPO's last iterate reaches pi*_tau, Nash-MD's within its
    constant-step bias, SPPO's average iterate at its O(1/sqrt(T)) rate in the tau = 0 game."""
    c = columns(rows)
    out: list[Any] = []
    T = int(c["round"].max())
    games = list(dict.fromkeys(c["game"].tolist()))
    methods = list(dict.fromkeys(c["method"].tolist()))
    for g in games:
        for m in methods:
            last = _final(c, m, g, "last_gap")
            avg = _final(c, m, g, "average_gap")
            out.append((f"{g}, {m}: gap of the last / average iterate at T = {T}",
                        f"{Estimate.of(last)} / {Estimate.of(avg)}"))
    for g in games:
        if "inpo" in methods:
            v = _final(c, "inpo", g, "last_gap").max()
            out.append(Verdict(f"{g}: INPO's last iterate reaches pi*_tau (largest gap over instances; "
                               "Zhang et al. 2025, last-iterate theorem)", float(v), (None, 1e-6), quantity="gap"))
        if "nash_md" in methods:
            v = _final(c, "nash_md", g, "last_gap").max()
            out.append(Verdict(f"{g}: Nash-MD's last iterate is within its constant-step bias of pi*_tau "
                               "(Munos et al. 2024, Theorem 1: O(eta/tau) in KL)", float(v), (None, 1e-2),
                               quantity="gap"))
        if "sppo" in methods:
            # SPPO is Hedge in self-play with eta = 1/sqrt(T): regret <= log(Y)/eta + eta T/8 (Freund & Schapire
            # 1997), and the average iterate's (tau = 0) gap is at most twice the average regret
            Y = int(c["responses"][0])
            bound = 2 * (np.log(Y) + 1 / 8) / np.sqrt(T)
            v = _final(c, "sppo", g, "average_gap0")
            out.append(Verdict(f"{g}: SPPO's average iterate, tau = 0 gap below 2 (log Y + 1/8) / sqrt(T) (Wu et al. "
                               "2024, Theorem 4.1; Hedge's regret bound)", Estimate.of(v), (None, bound),
                               quantity="gap"))
    return out


def plot(rows: Any, outdir: Path) -> list[Path]:
    """Gap of the last iterate vs iteration (log-log), one panel per game family, every method on the same
    axes (mean over instances); the average iterates' final gaps are in the summary table."""
    c = columns(rows)
    games = list(dict.fromkeys(c["game"].tolist()))
    methods = list(dict.fromkeys(c["method"].tolist()))
    fig, axes = style.figure(len(games), height=3.6)
    axes = np.atleast_1d(axes)
    n_inst = len(np.unique(c["instance"]))
    T = int(c["round"].max())
    tau = float(c["tau"][0])
    for j, g in enumerate(games):
        ax = axes[j]
        values, dropped = [], 0
        for k, m in enumerate(methods):
            sel = (c["method"] == m) & (c["game"] == g)
            rounds = np.unique(c["round"][sel])
            mean = np.array([c["last_gap"][sel & (c["round"] == t)].mean() for t in rounds])
            keep = mean > FLOOR
            dropped += int(np.sum(~keep))
            if keep.any():
                style.line(ax, rounds[keep], mean[keep], name=m, label=m.replace("_", "-"),
                           color=style.PALETTE[k % len(style.PALETTE)], marker="")
                values.append(mean[keep])
        style.set_scale(ax, "x", np.unique(c["round"]).astype(float))
        if values:
            style.set_scale(ax, "y", np.concatenate(values))
        if dropped:
            style.note(ax, f"{dropped} points below {FLOOR:g} (converged) not drawn")
        ax.set(xlabel="iteration $t$", ylabel=r"duality gap of $\pi_t$")
        ax.set_title(rf"{g.replace('_', '-')}, $\tau = {tau:g}$")
        if j == len(games) - 1:
            style.legend(ax, fontsize=6, ncol=2)
    style.title(fig, r"Preference optimisation: last iterate vs the regularised Nash policy $\pi^*_\tau$ (exact gap)",
                T=T, runs=f"{n_inst} random games per family")
    return style.save(fig, Path(outdir) / "preference_testbed.png")


register_experiment(Experiment(
    "preference_testbed", Config, run, plot,
    demo={"T": 60, "instances": 2, "contexts": 2, "responses": 4, "points": 12},
    summarize=summarize,
    description="INPO, Nash-MD, online IPO, IPO, SPPO, DNO, SPIN, DPO, XPO on tabular preference games: exact "
                "duality gap of the last and average iterates vs pi*_tau",
    reference="Zhang et al. 2025 (INPO); Munos et al. 2024 (Nash-MD); Calandriello et al. 2024 (online IPO); "
              "Wu et al. 2024 (SPPO); Rosset et al. 2024 (DNO); Chen et al. 2024 (SPIN); Xie et al. 2024 (XPO)",
))
