"""Agent-regret experiments (Park et al., "Do LLM agents have regret?", ICLR 2025, spec §2.6):
detector calibration (target 2), Hedge players' CCE gap in repeated games (target 4), the
regret-loss LSA (target 3), and a regret-loss transformer on the regrettable sequences."""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from regretlab.experiments import Experiment, register_experiment
from regretlab.plot import _mpl, columns, line_plot


def _floats(text: str, what: str) -> list[float]:
    try:
        vals = [float(x) for x in str(text).replace("|", ",").split(",") if x.strip()]
    except ValueError:
        raise ValueError(f"{what} must be comma-separated numbers, got {text!r}") from None
    if not vals:
        raise ValueError(f"{what} must list at least one number, got {text!r}")
    return vals


# ----------------------------------------------------------------------------- target 2
@dataclass(frozen=True)
class DetectorConfig:
    """Calibrate both sublinearity detectors on noisy curves ``R_t = c t^alpha + noise``.

    Attributes:
        alphas: comma-separated growth exponents (1 = linear regret).
        T: curve length. runs: curves per exponent. c: scale.
        noise: std of the i.i.d. per-round increments added (a random walk), relative to c.
    """
    # declared for sweep.validate_config: the fields naming learners, environments and sizes
    size_fields: ClassVar[tuple[str, ...]] = ("T", "runs")

    alphas: str = "0.3,0.5,0.7,0.8,0.9,1.0"
    T: int = 200
    runs: int = 200
    c: float = 1.0
    noise: float = 0.3


def run_detectors(config: DetectorConfig, seed: int) -> dict[str, Any]:
    from regretlab.agents.harness import sublinearity

    gen = np.random.default_rng(seed)
    t = np.arange(1, config.T + 1)
    out: dict[str, list[Any]] = {k: [] for k in ("alpha", "run", "trend_pvalue", "trend_reject", "slope",
                                                  "slope_pvalue", "slope_sublinear")}
    for alpha in _floats(config.alphas, "alphas"):
        for r in range(config.runs):
            walk = np.cumsum(config.noise * config.c * gen.standard_normal(config.T))
            curve = np.maximum(config.c * t ** alpha + walk, 1e-9)
            res = sublinearity(curve)
            out["alpha"].append(alpha)
            out["run"].append(r)
            for k in ("trend_pvalue", "trend_reject", "slope", "slope_pvalue", "slope_sublinear"):
                out[k].append(res[k])
    return out


def summarize_detectors(rows: Any) -> list[tuple[str, Any]]:
    cols = columns(rows)
    res = []
    for a in np.unique(cols["alpha"]):
        sel = cols["alpha"] == a
        res.append((f"alpha={a:g}: trend-test / regression-test rejection rate; median slope",
                    f"{cols['trend_reject'][sel].mean():.2f} / {cols['slope_sublinear'][sel].mean():.2f}; "
                    f"{np.median(cols['slope'][sel]):.3f}"))
    return res


def plot_detectors(rows: Any, outdir: Path) -> list[Path]:
    cols = columns(rows)
    al = np.unique(cols["alpha"])
    series = {
        "trend test rejects (p<0.05)": (al, np.array([cols["trend_reject"][cols["alpha"] == a].mean() for a in al])),
        "regression test: slope<1 (p<0.05)": (al, np.array([cols["slope_sublinear"][cols["alpha"] == a].mean() for a in al])),
        "median fitted slope": (al, np.array([np.median(cols["slope"][cols["alpha"] == a]) for a in al])),
    }
    return [line_plot(series, Path(outdir) / "agents_detectors.png", xlabel="true exponent alpha",
                      ylabel="rate / slope", title="Sublinearity detectors on R_t = t^alpha + noise")]


register_experiment(Experiment(
    "agents_detectors", DetectorConfig, run_detectors, plot_detectors,
    demo={"runs": 30, "T": 100}, summarize=summarize_detectors,
    description="Power and size of the trend and regression tests on noisy t^alpha regret curves.",
    reference="spec §2.2, §2.6 target 2",
))


# ----------------------------------------------------------------------------- target 4
@dataclass(frozen=True)
class CCEConfig:
    """Two Hedge players (tuned rate) in random 3x3 games with U[0,1] payoffs, through the harness.

    Attributes:
        horizons: comma-separated T values. games: random games per T.
        K: actions per player. players: number of players. feedback: ``expected`` or ``realized``.
    """
    # declared for sweep.validate_config: the fields naming learners, environments and sizes
    count_fields: ClassVar[tuple[str, ...]] = ("K",)

    horizons: str = "100,300,1000,3000,10000"
    games: int = 10
    K: int = 3
    players: int = 2
    feedback: str = "expected"


def run_cce(config: CCEConfig, seed: int) -> dict[str, Any]:
    from regretlab.agents.harness import play_game
    from regretlab.experts import hedge
    from regretlab.games.normal_form import random_game

    out: dict[str, list[Any]] = {k: [] for k in ("T", "game", "cce_gap", "max_regret_over_T", "bound")}
    for T in (int(x) for x in _floats(config.horizons, "horizons")):
        for g in range(config.games):
            game = random_game(config.K, num_players=config.players, seed=seed * 10_000 + g)
            tr = play_game([hedge(horizon=T) for _ in range(config.players)], game, T, feedback=config.feedback,
                           seed=seed, every=T)
            reg = tr.regret if config.feedback == "expected" else tr.realized_regret
            out["T"].append(T)
            out["game"].append(g)
            out["cce_gap"].append(float(tr.cce_gap[-1, 0]))
            out["max_regret_over_T"].append(float(reg[-1, 0].max() / T))
            out["bound"].append(2 * math.sqrt(math.log(config.K) / (2 * T)))
    return out


def summarize_cce(rows: Any) -> list[tuple[str, Any]]:
    from regretlab.metrics import loglog_slope

    cols = columns(rows)
    ts = np.unique(cols["T"])
    gaps = np.array([np.maximum(cols["cce_gap"][cols["T"] == t], 1e-12) for t in ts])
    slope = loglog_slope(ts.astype(float), gaps, n_boot=200)
    worst = max(float((cols["cce_gap"] / cols["bound"]).max()), 0.0)
    return [("log-log slope of mean CCE gap vs T [95% CI]", f"{slope[0]:.3f} [{slope[1]:.3f}, {slope[2]:.3f}]"),
            ("max over cells of gap / (2 sqrt(ln K / 2T))", f"{worst:.3f}")]


def plot_cce(rows: Any, outdir: Path) -> list[Path]:
    cols = columns(rows)
    ts = np.unique(cols["T"])
    series = {"mean CCE gap": (ts, np.array([cols["cce_gap"][cols["T"] == t].mean() for t in ts])),
              "max CCE gap": (ts, np.array([cols["cce_gap"][cols["T"] == t].max() for t in ts])),
              "2 sqrt(ln K / 2T)": (ts, np.array([cols["bound"][cols["T"] == t][0] for t in ts]))}
    return [line_plot(series, Path(outdir) / "agents_cce_gap.png", xlabel="T", ylabel="CCE gap",
                      title="Two Hedge players, random 3x3 games", logx=True, logy=True)]


register_experiment(Experiment(
    "agents_cce", CCEConfig, run_cce, plot_cce,
    demo={"horizons": "100,300,1000", "games": 4}, summarize=summarize_cce,
    description="CCE gap of two Hedge players' empirical joint play in random games vs T (bound and slope).",
    reference="spec §2.6 target 4",
))


# ----------------------------------------------------------------------------- target 3
@dataclass(frozen=True)
class LSAConfig:
    """Regret-loss training of a single-layer linear self-attention model (spec §2.6 target 3).

    Attributes:
        ks: comma-separated softmax weights k of the regret-loss.
        steps, batch, N, lr: Adam training (spec: 5000, 64, 8, 1e-3).
        T, d: horizon and actions. test: held-out sequences.
    """
    # declared for sweep.validate_config: the fields naming learners, environments and sizes
    size_fields: ClassVar[tuple[str, ...]] = ("T", "batch")

    ks: str = "1,5"
    steps: int = 5000
    batch: int = 64
    N: int = 8
    lr: float = 1e-3
    T: int = 25
    d: int = 2
    test: int = 1000


def run_lsa(config: LSAConfig, seed: int) -> dict[str, Any]:
    import torch

    from regretlab.agents.regret_loss import (TrainConfig, affine_fit, model_regret, train, tuned_baseline,
                                              uniform_sampler)

    test = uniform_sampler(torch.Generator().manual_seed(10_000 + seed), (config.test, config.T, config.d)).numpy()
    base = tuned_baseline(test)
    out: dict[str, list[Any]] = {k: [] for k in ("k", "step", "train_loss", "lsa_regret", "baseline_regret",
                                                  "baseline", "ratio", "r2", "slope")}
    for k in _floats(config.ks, "ks"):
        res = train(TrainConfig(model="lsa", d=config.d, T=config.T, steps=config.steps, batch=config.batch,
                                N=config.N, k=k, lr=config.lr, seed=seed))
        r = float(model_regret(res.model, test).mean())
        fit = affine_fit(res.model, test)
        stride = max(1, len(res.losses) // 200)
        for s in range(0, len(res.losses), stride):
            out["k"].append(k)
            out["step"].append(s + 1)
            out["train_loss"].append(float(np.mean(res.losses[s:s + stride])))
            out["lsa_regret"].append(r)
            out["baseline_regret"].append(base["mean_regret"])
            out["baseline"].append(f"{base['rule']} eta={base['eta']:.3g}")
            out["ratio"].append(r / base["mean_regret"])
            out["r2"].append(fit["r2"])
            out["slope"].append(fit["slope"])
    return out


def summarize_lsa(rows: Any) -> list[tuple[str, Any]]:
    cols = columns(rows)
    res = []
    for k in np.unique(cols["k"]):
        i = np.flatnonzero(cols["k"] == k)[-1]
        res.append((f"k={k:g}: LSA regret / tuned {cols['baseline'][i]} (target <= 1.15)",
                    f"{cols['lsa_regret'][i]:.4f} / {cols['baseline_regret'][i]:.4f} = {cols['ratio'][i]:.3f}"))
        res.append((f"k={k:g}: affine fit R^2 (target > 0.95), slope on centred L", f"{cols['r2'][i]:.4f}, {cols['slope'][i]:.3f}"))
    return res


def plot_lsa(rows: Any, outdir: Path) -> list[Path]:
    cols = columns(rows)
    series = {f"k={k:g}": (cols["step"][cols["k"] == k], cols["train_loss"][cols["k"] == k]) for k in np.unique(cols["k"])}
    return [line_plot(series, Path(outdir) / "agents_lsa_training.png", xlabel="Adam step", ylabel="regret-loss",
                      title="Regret-loss training of a linear self-attention layer (d=2, T=25)", logy=True)]


_HAS_TORCH = importlib.util.find_spec("torch") is not None  # the [llm] extra; without it these two are not registered

AGENTS_LSA = Experiment(
    "agents_lsa", LSAConfig, run_lsa, plot_lsa,
    demo={"ks": "1", "steps": 200, "lr": 1e-2, "batch": 32, "test": 300}, summarize=summarize_lsa,
    description="Regret-loss LSA vs the eta-tuned Hedge/FTRL-L2 baseline at T=25; affine (FTRL) form check.",
    reference="spec §2.4, §2.6 target 3; regression spec §1",
)
if _HAS_TORCH:
    register_experiment(AGENTS_LSA)


# ----------------------------------------------------------------------------- transformer
@dataclass(frozen=True)
class TransformerConfig:
    """A small softmax transformer trained with the regret-loss on regrettable sequences, compared
    through the harness with FTL and tuned Hedge.

    Attributes:
        steps, lr, batch, N, k, width, layers: training. T: horizon. runs: evaluation runs.
        settings: comma-separated harness settings to evaluate on.
    """
    # declared for sweep.validate_config: the fields naming learners, environments and sizes
    size_fields: ClassVar[tuple[str, ...]] = ("T", "runs", "batch")

    steps: int = 1000
    lr: float = 1e-2
    batch: int = 16
    N: int = 4
    k: float = 1.0
    width: int = 16
    layers: int = 1
    T: int = 25
    runs: int = 20
    settings: str = "alternating,alternating_noisy,adaptive,adaptive_noisy,gaussian"


def run_transformer(config: TransformerConfig, seed: int) -> dict[str, Any]:
    from regretlab.agents.harness import play
    from regretlab.agents.regret_loss import ModelAgent, TrainConfig, train
    from regretlab.agents.settings import get_setting
    from regretlab.experts import ftl, hedge

    res = train(TrainConfig(model="transformer", data="regrettable", T=config.T, steps=config.steps, lr=config.lr,
                            batch=config.batch, N=config.N, k=config.k, width=config.width, layers=config.layers,
                            seed=seed))
    out: dict[str, list[Any]] = {k: [] for k in ("setting", "learner", "round", "regret", "trend_pvalue", "slope")}
    for name in [s.strip() for s in config.settings.split(",") if s.strip()]:
        setting = get_setting(name, 2)
        for label, agent in (("transformer", ModelAgent(res.model, "transformer")), ("ftl", ftl()),
                             ("hedge", hedge(horizon=config.T))):
            tr = play(agent, setting.make(config.T, seed), config.T, batch=config.runs, seed=seed)
            mean = tr.regret.mean(axis=1)
            tests = tr.tests()
            for t in range(config.T):
                out["setting"].append(name)
                out["learner"].append(label)
                out["round"].append(t + 1)
                out["regret"].append(float(mean[t]))
                out["trend_pvalue"].append(float(tests["trend_pvalue"]))
                out["slope"].append(float(tests["slope"]))
    return out


def summarize_transformer(rows: Any) -> list[tuple[str, Any]]:
    cols = columns(rows)
    res = []
    last = cols["round"] == cols["round"].max()
    for s in dict.fromkeys(cols["setting"].tolist()):
        vals = {l: cols["regret"][last & (cols["setting"] == s) & (cols["learner"] == l)].mean()
                for l in ("transformer", "ftl", "hedge")}
        res.append((f"{s}: final regret transformer / FTL / Hedge",
                    f"{vals['transformer']:.3f} / {vals['ftl']:.3f} / {vals['hedge']:.3f}"))
    return res


def plot_transformer(rows: Any, outdir: Path) -> list[Path]:
    plt = _mpl()
    cols = columns(rows)
    settings = list(dict.fromkeys(cols["setting"].tolist()))
    last = cols["round"] == cols["round"].max()
    fig, ax = plt.subplots(figsize=(7.2, 4.2), dpi=110)
    width = 0.27
    for j, l in enumerate(("transformer", "ftl", "hedge")):
        vals = [cols["regret"][last & (cols["setting"] == s) & (cols["learner"] == l)].mean() for s in settings]
        ax.bar(np.arange(len(settings)) + (j - 1) * width, vals, width, label=l)
    ax.set_xticks(range(len(settings)), settings, rotation=15)
    ax.set_ylabel(f"regret at T={int(cols['round'].max())}")
    ax.set_title("Regret-loss transformer vs FTL and Hedge")
    ax.legend()
    fig.tight_layout()
    path = Path(outdir) / "agents_transformer.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return [path]


AGENTS_TRANSFORMER = Experiment(
    "agents_transformer", TransformerConfig, run_transformer, plot_transformer,
    demo={"steps": 60, "runs": 4, "settings": "alternating,adaptive"}, summarize=summarize_transformer,
    description="A regret-loss transformer trained on regrettable sequences vs FTL and Hedge through the harness.",
    reference="spec §2.4-2.5 (regret-loss transformers fix the regrettable cases)",
)
if _HAS_TORCH:
    register_experiment(AGENTS_TRANSFORMER)


# ----------------------------------------------------------------------------- comparison table
@dataclass(frozen=True)
class CompareConfig:
    """The paper's comparison (spec §2.5) through the harness: agents x settings x feedback at
    the LLM prompt length, with both detectors' verdicts. Set ``endpoint`` and ``model`` to add a
    chat model behind an OpenAI-compatible endpoint as one more agent (never in CI).

    Attributes:
        agents: comma-separated learner names (``exp3`` is used for ``hedge`` under bandit feedback).
        settings: comma-separated harness settings. feedback: ``full``, ``bandit`` or both.
        T: rounds. runs: repeats. K: actions. endpoint / model / api_key_env: an optional chat agent.
    """
    # declared for sweep.validate_config: the fields naming learners, environments and sizes
    size_fields: ClassVar[tuple[str, ...]] = ("T", "runs")
    count_fields: ClassVar[tuple[str, ...]] = ("K",)

    agents: str = "hedge,ftpl,ftl,uniform"
    settings: str = "gaussian,linear_trend,sinusoidal,alternating,adaptive"
    feedback: str = "full,bandit"
    T: int = 25
    runs: int = 20
    K: int = 2
    endpoint: str = ""
    model: str = ""
    api_key_env: str = "OPENAI_API_KEY"


def run_compare(config: CompareConfig, seed: int) -> dict[str, Any]:
    from regretlab.agents.harness import as_agent, play
    from regretlab.agents.settings import exp3, get_setting

    out: dict[str, list[Any]] = {k: [] for k in ("setting", "feedback", "learner", "round", "regret", "trend_pvalue",
                                                  "slope", "slope_pvalue", "fallbacks")}
    names = [a.strip() for a in config.agents.split(",") if a.strip()]
    if config.endpoint:
        names.append("chat")
    for sname in [s.strip() for s in config.settings.split(",") if s.strip()]:
        setting = get_setting(sname, config.K)
        for fb in [f.strip() for f in config.feedback.split(",") if f.strip()]:
            for name in names:
                env = setting.make(config.T, seed)
                if name == "chat":
                    from regretlab.agents.text import ChatAgent

                    agent: Any = ChatAgent(config.endpoint, config.model, api_key_env=config.api_key_env, seed=seed)
                elif name == "hedge" and fb == "bandit":
                    agent = exp3(config.T, env.num_actions)
                else:
                    agent = as_agent(name, horizon=config.T)
                tr = play(agent, env, config.T, batch=config.runs, seed=seed, feedback=fb)
                tests = tr.tests()
                mean = tr.regret.mean(axis=1)
                label = agent.name
                for t in range(config.T):
                    for key, val in (("setting", sname), ("feedback", fb), ("learner", label), ("round", t + 1),
                                     ("regret", float(mean[t])), ("trend_pvalue", float(tests["trend_pvalue"])),
                                     ("slope", float(tests["slope"])), ("slope_pvalue", float(tests["slope_pvalue"])),
                                     ("fallbacks", tr.fallbacks)):
                        out[key].append(val)
    return out


def summarize_compare(rows: Any) -> list[tuple[str, Any]]:
    cols = columns(rows)
    last = cols["round"] == cols["round"].max()
    res = []
    for i in np.flatnonzero(last):
        verdict = "sublinear" if cols["trend_pvalue"][i] < 0.05 and cols["slope_pvalue"][i] < 0.05 else "not shown"
        res.append((f"{cols['setting'][i]} / {cols['feedback'][i]} / {cols['learner'][i]}",
                    f"regret {cols['regret'][i]:.2f}, trend p {cols['trend_pvalue'][i]:.2g}, "
                    f"slope {cols['slope'][i]:.2f} (p {cols['slope_pvalue'][i]:.2g}): {verdict}"))
    return res


def plot_compare(rows: Any, outdir: Path) -> list[Path]:
    plt = _mpl()
    cols = columns(rows)
    cells = list(dict.fromkeys(zip(cols["setting"].tolist(), cols["feedback"].tolist())))
    n = len(cells)
    ncol = min(n, 5)
    nrow = (n + ncol - 1) // ncol
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.0 * ncol, 2.6 * nrow), dpi=100, squeeze=False)
    for ax, (s, f) in zip(axes.ravel(), cells):
        sel = (cols["setting"] == s) & (cols["feedback"] == f)
        for l in dict.fromkeys(cols["learner"][sel].tolist()):
            m = sel & (cols["learner"] == l)
            ax.plot(cols["round"][m], cols["regret"][m], label=l)
        ax.set_title(f"{s} ({f})", fontsize=9)
        ax.grid(alpha=0.3)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=7)
    fig.supxlabel("round")
    fig.supylabel("mean regret")
    fig.tight_layout()
    path = Path(outdir) / "agents_compare.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return [path]


register_experiment(Experiment(
    "agents_compare", CompareConfig, run_compare, plot_compare,
    demo={"runs": 5}, summarize=summarize_compare,
    description="Baselines (or a chat endpoint) x loss generators x full/bandit feedback at T=25, with verdicts.",
    reference="spec §2.1, §2.5",
))
