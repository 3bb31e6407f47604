"""Contextual bandits on a classification dataset (scikit-learn's digits by default): LinUCB,
linear Thompson sampling, SquareCB and ε-greedy over online ridge, each image a context, one arm
per class and reward 1 when the arm is the label. Cumulative reward, and regret against the best
fixed linear policy in hindsight (:mod:`regretlab.metrics.contextual`: the better, per run, of the
full-information ridge fit and a multinomial logistic regression fit on the whole stream).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from regretlab.experiments import Experiment, register_experiment

# per-learner parameters tuned once on digits (one pass, 8 runs) and kept fixed
_PARAMS: dict[str, dict[str, Any]] = {
    "linucb": {"alpha": 0.25},
    "lin_ts": {"v": 0.1},
    "square_cb": {"scale": 4.0},
    "epsilon_greedy_oracle": {"epsilon": 0.05},
    "explore_first": {},
    "linucb_hybrid": {"alpha": 0.25},
}
COLORS = {"linucb": "#0072B2", "lin_ts": "#D55E00", "square_cb": "#009E73", "epsilon_greedy_oracle": "#E69F00",
          "explore_first": "#CC79A7", "linucb_hybrid": "#56B4E9", "policy_exp4": "#000000"}  # Okabe & Ito
LABELS = {"linucb": "LinUCB", "lin_ts": "linear TS", "square_cb": "SquareCB (ridge)",
          "epsilon_greedy_oracle": "ε-greedy (ridge)", "explore_first": "explore-first (ridge)",
          "linucb_hybrid": "hybrid LinUCB", "policy_exp4": "Exp4 (offline policies)"}
_POLICIES, _POLICY_EXAMPLES = 8, 40  # policy_exp4's class: classifiers fit offline on small disjoint samples


_SIZES = {"digits": 1797, "wine": 178, "breast_cancer": 569}  # examples: one pass


def _sklearn_missing() -> str | None:
    try:
        import sklearn  # noqa: F401
    except ModuleNotFoundError:
        return "needs scikit-learn (its datasets and the logistic comparator): pip install 'regretlab[data]'"
    return None


@dataclass(frozen=True)
class ContextualConfig:
    """Contextual bandits on a classification set converted to bandit feedback.

    Attributes:
        algo: comma-separated registered learners of the ``contextual`` family (made with the
            dataset's feature dimension, a horizon of ``T`` and rewards in [0, 1]; ``policy_exp4``
            runs over a class of 8 logistic regressions, each fit offline on 40 examples).
        dataset: ``digits`` (1,797 images, 65 features with the bias, 10 classes), ``wine`` or
            ``breast_cancer``.
        components: 0 for every pixel / feature, else the top principal components kept.
        T: rounds (0: one pass over the dataset).
        runs: independent runs (each its own order of the examples).
        every: record every ``every`` rounds (0: about 60 points).
    """

    learner_fields: ClassVar[tuple[str, ...]] = ("algo",)
    size_fields: ClassVar[tuple[str, ...]] = ("runs",)
    count_fields: ClassVar[tuple[str, ...]] = ("T", "components", "every")

    algo: str = "linucb,lin_ts,square_cb,epsilon_greedy_oracle"
    dataset: str = "digits"
    components: int = 0
    T: int = 0
    runs: int = 20
    every: int = 0

    def validate(self, names: dict[str, str]) -> None:
        """The dataset is one that ships with scikit-learn; every learner is a contextual one."""
        from regretlab.bandits.contextual.settings import DATASETS
        from regretlab.core import learners

        if self.dataset not in DATASETS:
            raise ValueError(f"{names.get('dataset', 'dataset')} must be one of {', '.join(DATASETS)}, "
                             f"got {self.dataset!r}")
        for name in [n.strip() for n in self.algo.split(",") if n.strip()]:
            family = learners.get(name).family
            if family != "contextual":
                raise ValueError(f"{names.get('algo', 'algo')} must name contextual learners "
                                 f"({', '.join(learners.names('contextual'))}), got {name!r} of family {family!r}")


def _logistic_candidate(X: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """``θ [K, D]`` of a multinomial logistic regression on the whole dataset (a linear policy)."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=1.0, max_iter=300, tol=1e-3, fit_intercept=False).fit(X, y)
    return np.asarray(clf.coef_, dtype=np.float64)


def _offline_policies(X: np.ndarray, y: np.ndarray, seed: int) -> list[Any]:
    """The policy class of ``policy_exp4``: ``_POLICIES`` logistic regressions, each fit offline on
    its own ``_POLICY_EXAMPLES`` examples (disjoint random samples of the dataset, from ``seed``),
    each playing the class it predicts."""
    from sklearn.linear_model import LogisticRegression

    from regretlab.bandits.contextual.policies import ClassifierPolicy

    order = np.random.default_rng([seed, 17]).permutation(len(y))
    size = max(2, min(_POLICY_EXAMPLES, len(y) // _POLICIES))
    out = []
    for j in range(_POLICIES):
        rows = order[j * size:(j + 1) * size]
        if np.unique(y[rows]).size < 2:  # a sample of one class: a constant policy
            rows = np.concatenate([rows, order[np.flatnonzero(y[order] != y[rows[0]])[:1]]])
        clf = LogisticRegression(C=1.0, max_iter=300, tol=1e-3, fit_intercept=False).fit(X[rows], y[rows])
        out.append(ClassifierPolicy(clf))
    return out


def run_contextual(config: ContextualConfig, seed: int) -> dict[str, Any]:
    from regretlab.bandits.contextual.settings import (
        classification_bandit,
        record_stream,
    )
    from regretlab.core import rng
    from regretlab.metrics import contextual as cm
    from regretlab.run import make_learner, run

    env = classification_bandit(config.dataset, components=config.components or None)
    T = config.T or env.n
    every = config.every or max(1, T // 60)
    keys = rng.spawn_keys(seed, config.runs)
    stream = record_stream(env, T, keys)
    theta = _logistic_candidate(env.X, env.y)
    best = cm.best_linear_policy(stream.contexts, stream.utilities, lam=1.0, candidates=[theta])
    parts = []
    for name in [n.strip() for n in config.algo.split(",") if n.strip()]:
        params = dict(_PARAMS.get(name, {}))
        if name == "policy_exp4":  # Exp4 needs its policy class: classifiers trained offline
            params["policies"] = _offline_policies(env.X, env.y, seed)
        learner = make_learner(name, T, utility_range=(0.0, 1.0), dim=env.dim, **params)
        trace = run(learner, env, T=T, keys=keys, every=every, progress=False)
        reward = trace.metrics["utility"]  # [N, B] cumulative expected reward
        regret = cm.regret_vs_policy(reward, best.cumulative, trace.rounds)
        n, b = reward.shape
        parts.append({
            "learner": np.array([name] * (n * b)),
            "run": np.tile(np.arange(b), n),
            "round": np.repeat(trace.rounds, b),
            "reward": reward.reshape(-1),
            "regret": regret.reshape(-1),
            "comparator_reward": best.cumulative[trace.rounds - 1].reshape(-1),
            "mistakes": trace.metrics["pseudo_regret"].reshape(-1),  # vs the label: expected errors
        })
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _final(cols: dict[str, np.ndarray], name: str, what: str) -> np.ndarray:
    last = cols["round"] == cols["round"].max()
    return cols[what][last & (cols["learner"] == name)].astype(float)


def _tail_slope(cols: dict[str, np.ndarray], name: str) -> tuple[float, float, float]:
    """Log-log slope of mean regret over the second half of the rounds (bootstrap over runs)."""
    from regretlab.metrics import loglog_slope

    sel = cols["learner"] == name
    rounds = np.unique(cols["round"][sel])
    rounds = rounds[rounds >= rounds.max() / 2]
    mat = np.array([cols["regret"][sel & (cols["round"] == r)] for r in rounds], dtype=float)
    return loglog_slope(rounds.astype(float), np.maximum(mat, 1e-9))


def summarize_contextual(rows: Any) -> list[Any]:
    """Per learner: the final accuracy (reward per round) and regret against the best linear policy
    in hindsight (± standard error over runs). Claims: LinUCB's reward beats uniform play (1/K)
    several times over, and its regret grows sublinearly (log-log slope over the second half of the
    rounds below 1, bootstrap 95% interval below 1)."""
    from regretlab.plot import columns
    from regretlab.summary import Estimate, Verdict

    cols = columns(rows)
    T = int(cols["round"].max())
    names = list(dict.fromkeys(cols["learner"].tolist()))
    out: list[Any] = []
    comp = _final(cols, names[0], "comparator_reward") / T
    out.append((f"best linear policy in hindsight: accuracy over T = {T}", Estimate.of(comp)))
    for name in names:
        out.append((f"{name}: accuracy (reward / T)", Estimate.of(_final(cols, name, "reward") / T)))
        out.append((f"{name}: regret vs the best linear policy at T = {T}", Estimate.of(_final(cols, name, "regret"))))
    if "linucb" in names:
        from regretlab.plot import stored_config

        acc = Estimate.of(_final(cols, "linucb", "reward") / T)
        n = _SIZES.get(stored_config(cols).get("dataset", "digits"), 0)
        short = acc < 0.5 and T < n  # fewer rounds than one pass: still learning
        out.append(Verdict("linucb: accuracy at least 5x uniform play's 1/K = 0.1", acc, (0.5, None),
                           quantity="accuracy",
                           demo_size=f"needs one pass over the data (T = {n:,}); this run has T = {T:,}" if short else None,
                           full_size="one pass, 4 runs, 16 principal components: 0.65 ± 0.02 (docs/bandits.md)"
                           if short else None))
        slope, lo, hi = _tail_slope(cols, "linucb")
        runs = len(np.unique(cols["run"]))
        holds = hi < 1.0
        out.append(Verdict(
            f"linucb: log-log slope of regret vs the best linear policy, second half of the rounds ({runs} runs, "
            f"95% bootstrap [{lo:.2f}, {hi:.2f}]) below 1 (sublinear)",
            Estimate(slope, (hi - lo) / 3.92, runs), (None, 1.0), holds=True if holds else None,
            quantity="slope",
            demo_size=None if holds else f"needs several passes over the data; this run has T = {T}",
            full_size=None if holds else "T = 3 passes, 20 runs (docs/bandits.md, 'Contextual bandits')"))
    return out


def plot_contextual(rows: Any, outdir: Path) -> list[Path]:
    """Left: accuracy so far (cumulative reward / t) of each learner with 95% bands, the best linear
    policy in hindsight and uniform play as references. Right: regret against that policy, log-log,
    with the fitted slope of each curve in the legend and a √t guide."""
    from regretlab import plot_style as style
    from regretlab.plot import columns, curve_stats, stored_config

    cols = columns(rows)
    names = list(dict.fromkeys(cols["learner"].tolist()))
    cfg = stored_config(cols)
    dataset = cfg.get("dataset", "digits")
    fig, (left, right) = style.figure(ncols=2, width=11.0)
    t_all = None
    for name in names:
        sel = cols["learner"] == name
        t, mean, half = curve_stats(cols["round"][sel], cols["reward"][sel].astype(float) / cols["round"][sel])
        style.line(left, t, mean, band=half, name=name, label=LABELS.get(name, name), color=COLORS.get(name))
        tr, rmean, rhalf = curve_stats(cols["round"][sel], cols["regret"][sel].astype(float))
        keep = rmean - rhalf > 0
        if keep.sum() >= 2:
            style.line(right, tr[keep], rmean[keep], band=rhalf[keep], name=name, label=LABELS.get(name, name),
                       color=COLORS.get(name), slope=True, tail=0.5)
        t_all = t
    sel = cols["learner"] == names[0]
    t, comp, _ = curve_stats(cols["round"][sel], cols["comparator_reward"][sel].astype(float) / cols["round"][sel])
    style.reference(left, t, comp, "best linear policy in hindsight")
    k = {"digits": 10, "wine": 3, "breast_cancer": 2}.get(dataset, 10)
    style.hreference(left, 1.0 / k, f"uniform play ($1/K$, K = {k})")
    left.set_xlabel("round $t$")
    left.set_ylabel("accuracy so far (reward / $t$)")
    left.set_ylim(0.0, 1.02)
    style.set_scale(left, "x", t_all, prefer="linear")
    right_vals = cols["regret"].astype(float)
    pos = right_vals[right_vals > 0]
    if pos.size:
        t0 = float(t_all[len(t_all) // 2])
        anchor = float(np.median(cols["regret"][(cols["round"] == t_all[len(t_all) // 2])]))
        if anchor > 0:
            guide_t = t_all[t_all >= t0 / 4].astype(float)
            style.slope_guide(right, guide_t, anchor * (guide_t[0] / t0) ** 0.5, 0.5, r"$\propto \sqrt{t}$")
        style.set_scale(right, "x", t_all)
        style.set_scale(right, "y", pos)
    right.set_xlabel("round $t$")
    right.set_ylabel("regret vs best linear policy")
    runs = len(np.unique(cols["run"]))
    T = int(cols["round"].max())
    style.title(left, "Contextual bandits: accuracy", setting=f"{dataset}, bandit feedback", T=T, runs=runs)
    style.title(right, "Regret vs the best linear policy in hindsight", setting=f"{dataset}", T=T, runs=runs)
    style.legend(left)
    style.legend(right)
    return style.save(fig, Path(outdir) / "bandits_contextual.png")


register_experiment(Experiment(
    "bandits_contextual", ContextualConfig, run_contextual, plot_contextual,
    demo={"runs": 4, "components": 16, "T": 1200}, summarize=summarize_contextual, requires=_sklearn_missing,
    description="LinUCB / linear TS / SquareCB / ε-greedy on digits as a bandit: reward and regret vs the best "
                "linear policy in hindsight.",
    reference="Li et al. 2010; Agrawal & Goyal 2013; Foster & Rakhlin 2020; Langford & Zhang 2007",
))
