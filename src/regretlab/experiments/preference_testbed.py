"""The exact-gap test bed: every preference-optimisation method's population update on tabular games.

Three families of contextual preference games, each with ``contexts`` contexts and ``responses``
responses, drawn fresh for each instance: transitive Bradley–Terry (``P = sigmoid(r(y) - r(y'))``),
intransitive blade–chest (Chen & Joachims 2016) and random skew-symmetric (``P = 1/2 + A``, A
skew-symmetric). Each method of :mod:`regretlab.preference.methods` runs from ``pi_ref`` with its
paper's step; the duality gap of the last and of the average iterate against the regularised Nash
policy pi*_tau is exact (:func:`regretlab.preference.games.duality_gap`). The gaps are drawn against
iterations and against preference queries: the oracle calls the sampled trainer
(:mod:`regretlab.preference.trainer`) makes per context and iteration with ``samples`` = K responses
(:func:`queries_per_iteration`).
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
QUERY_TARGET = 1e-3  # the summary's "queries to reach this gap"


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
        samples: responses K the sampled trainer draws per context and iteration; sets the preference
            queries per iteration (:func:`queries_per_iteration`), not the exact population updates.
    """

    learner_fields: ClassVar[tuple[str, ...]] = ("methods",)
    environment_fields: ClassVar[tuple[str, ...]] = ("games",)
    size_fields: ClassVar[tuple[str, ...]] = ("T", "instances")
    count_fields: ClassVar[tuple[str, ...]] = ("contexts", "responses", "samples")

    methods: str = ALL_METHODS
    games: str = ",".join(GAMES)
    contexts: int = 3
    responses: int = 5
    tau: float = 0.2
    T: int = 300
    points: int = 30
    instances: int = 5
    samples: int = 8


def queries_per_iteration(name: str, samples: int) -> int:
    """Preference-oracle calls per context in one iteration of the sampled trainer with K = ``samples``.

    Pairwise methods (INPO, Nash-MD, online IPO / IPO-MD, iterative IPO and DPO, XPO) order K/2 disjoint
    pairs, one query each (the ``lambda_P`` sampling their theory assumes; XPO pairs pi_t's samples with
    pi_ref's); SPPO and DNO estimate the win rate of every sample against the others, all K(K-1)/2 pairs;
    SPIN queries no oracle (its winner is the demonstration).

    Example:
        >>> [queries_per_iteration(m, 8) for m in ("inpo", "sppo", "spin")]
        [4, 28, 0]
    """
    k = int(samples)
    if k < 2:
        raise ValueError(f"samples must be an integer >= 2, got {samples!r}")
    name = name.replace("-", "_")
    return {"sppo": k * (k - 1) // 2, "dno": k * (k - 1) // 2, "spin": 0}.get(name, k // 2)


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
    """Rows ``method, game, instance, round, queries, last_gap, average_gap, average_gap0, tau, responses``.

    ``average_gap0`` is the average iterate's gap in the same game at tau = 0 (the target of SPPO and DNO,
    which have no reference term); ``queries`` counts the preference queries per context of the
    ``round - 1`` updates that made pi_round (:func:`queries_per_iteration`)."""
    rec = np.unique(np.geomspace(1, config.T, config.points).round().astype(int))
    for name in _names(config.methods):  # every name checked before any work
        make_method(name, **hyperparameters(name.replace("-", "_"), config.tau, config.T))
    queries_per_iteration("inpo", config.samples)
    for kind in _names(config.games):
        if kind not in GAMES:
            raise ValueError(f"games must name families among {', '.join(GAMES)}, got {kind!r}")
    cols: dict[str, list] = {k: [] for k in ("method", "game", "instance", "round", "queries", "last_gap",
                                              "average_gap", "average_gap0", "tau", "responses", "samples")}
    for kind in _names(config.games):
        for inst in range(config.instances):
            game = make_game(kind, config.contexts, config.responses, config.tau, seed * 10_007 + inst)
            game0 = PreferenceGame.make(game.P, game.ref, game.rho, tau=0.0)
            for name in _names(config.methods):
                m = make_method(name, **hyperparameters(name, config.tau, config.T))
                m.check(game)
                q = queries_per_iteration(name, config.samples)
                state = m.init(game)
                total = np.zeros_like(state.policy)
                for t in range(1, config.T + 1):
                    total += state.policy
                    if t in rec:
                        cols["method"].append(name)
                        cols["game"].append(kind)
                        cols["instance"].append(inst)
                        cols["round"].append(t)
                        cols["queries"].append((t - 1) * q)
                        cols["last_gap"].append(duality_gap(game, state.policy))
                        cols["average_gap"].append(duality_gap(game, total / t))
                        cols["average_gap0"].append(duality_gap(game0, total / t))
                        cols["tau"].append(config.tau)
                        cols["responses"].append(config.responses)
                        cols["samples"].append(config.samples)
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
    if "queries" in c:
        for g in games:
            parts = []
            for m in methods:
                sel = (c["method"] == m) & (c["game"] == g)
                if not c["queries"][sel].any():
                    parts.append(f"{m} none (no oracle)")
                    continue
                reached = []
                for i in np.unique(c["instance"][sel]):
                    s_i = sel & (c["instance"] == i) & (c["last_gap"] <= QUERY_TARGET)
                    if s_i.any():
                        reached.append(c["queries"][s_i].min())
                n = len(np.unique(c["instance"][sel]))
                if len(reached) < n:
                    parts.append(f"{m} not reached in {n - len(reached)} of {n} games")
                else:  # whole numbers: one value when every game needed the same number
                    parts.append(f"{m} {int(reached[0])}" if min(reached) == max(reached) else
                                 f"{m} {Estimate.of(reached)}")
            out.append((f"{g}: preference queries per context until the last iterate's gap is <= {QUERY_TARGET:g} "
                        f"(first recorded iteration)", ", ".join(parts)))
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
    """Gap of the last iterate (log-log, mean over instances), one column per game family, every method on
    the same axes: against iterations (top row) and against preference queries per context (bottom row;
    methods that query no oracle, SPIN, are left out). The average iterates' final gaps are in the summary."""
    c = columns(rows)
    games = list(dict.fromkeys(c["game"].tolist()))
    methods = list(dict.fromkeys(c["method"].tolist()))
    by_queries = "queries" in c
    fig, axes = style.figure(len(games), 2 if by_queries else 1, height=3.6)
    axes = np.asarray(axes).reshape(2 if by_queries else 1, len(games))
    n_inst = len(np.unique(c["instance"]))
    T = int(c["round"].max())
    tau = float(c["tau"][0])
    for row, xcol in enumerate(("round", "queries")[: 2 if by_queries else 1]):
        for j, g in enumerate(games):
            ax = axes[row, j]
            values, xs, dropped, silent = [], [], 0, []
            for k, m in enumerate(methods):
                sel = (c["method"] == m) & (c["game"] == g)
                rounds = np.unique(c["round"][sel])
                mean = np.array([c["last_gap"][sel & (c["round"] == t)].mean() for t in rounds])
                x = rounds if xcol == "round" else np.array([c["queries"][sel & (c["round"] == t)][0] for t in rounds])
                keep = (mean > FLOOR) & (x > 0)
                if xcol == "queries" and not (x > 0).any():
                    silent.append(m.replace("_", "-"))
                    continue
                dropped += int(np.sum(~(mean > FLOOR) & (x > 0)))
                if keep.any():
                    style.line(ax, x[keep], mean[keep], name=m, label=m.replace("_", "-"),
                               color=style.PALETTE[k % len(style.PALETTE)], marker="")
                    values.append(mean[keep])
                    xs.append(x[keep])
            if xs:
                style.set_scale(ax, "x", np.concatenate(xs).astype(float))
            if values:
                style.set_scale(ax, "y", np.concatenate(values))
            if dropped:
                style.note(ax, f"{dropped} points below {FLOOR:g} (converged) not drawn")
            if silent:
                style.note(ax, f"{', '.join(silent)}: no preference queries, not drawn")
            if xcol == "round":
                ax.set(xlabel="iteration $t$", ylabel=r"duality gap of $\pi_t$")
            else:
                K = int(c["samples"][0]) if "samples" in c else None
                ax.set(xlabel="preference queries per context" + (f" ($K = {K}$)" if K else ""),
                       ylabel=r"duality gap of $\pi_t$")
            ax.set_title(rf"{g.replace('_', '-')}, $\tau = {tau:g}$")
            if j == len(games) - 1 and row == 0:
                style.legend(ax, fontsize=6, ncol=2)
    style.title(fig, r"Preference optimisation: last iterate vs the regularised Nash policy $\pi^*_\tau$ (exact gap)",
                T=T, runs=f"{n_inst} random games per family")
    return style.save(fig, Path(outdir) / "preference_testbed.png")


register_experiment(Experiment(
    "preference_testbed", Config, run, plot,
    demo={"T": 60, "instances": 2, "contexts": 2, "responses": 4, "points": 12},
    summarize=summarize,
    description="INPO, Nash-MD, online IPO, IPO, SPPO, DNO, SPIN, DPO, XPO on tabular preference games: exact "
                "duality gap of the last and average iterates vs pi*_tau, against iterations and preference queries",
    reference="Zhang et al. 2025 (INPO); Munos et al. 2024 (Nash-MD); Calandriello et al. 2024 (online IPO); "
              "Wu et al. 2024 (SPPO); Rosset et al. 2024 (DNO); Chen et al. 2024 (SPIN); Xie et al. 2024 (XPO)",
))
