"""``regretlab agent run`` as a registered experiment: one agent (a learner, a chat endpoint, a
local LM or a regret-loss checkpoint) on a named setting, stored like any other cell.

A cell is :class:`AgentRunConfig` (the command's options) and a seed; :func:`run_agent` plays it
through the harness (:func:`regretlab.agents.settings.run_setting`, i.e. the one driver) and
returns one row per (run, round, player): the regret, what was played, and the round's
transcript (every prompt, reply, parsed strategy and fallback, as JSON). ``regretlab show``,
``report``, ``export``, ``sweep`` and resumed sweeps work on it as on any experiment; the
per-player verdicts of the two sublinearity detectors are computed from the rows.

A run that stops early (an endpoint down after its retries) raises :class:`AgentStopped`,
which carries the rows of the finished rounds; the cell is stored as failed with them.

Reference: Park et al., "Do LLM agents have regret?", ICLR 2025 (spec §2.1-2.2).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, ClassVar, Mapping

import numpy as np

from regretlab.experiments import Experiment, register_experiment

NAME = "agents_run"

ONLINE_FEEDBACK = ("full", "bandit")
GAME_FEEDBACK = ("realized", "expected")


@dataclass(frozen=True)
class AgentRunConfig:
    """One agent on one named setting (``regretlab agent settings`` lists them).

    At most one of ``agent``, ``endpoint`` (with ``model``), ``local`` and ``checkpoint`` says
    who plays (none: ``hedge``).

    Attributes:
        agent: a registered learner name or ``exp3``; in a game, comma-separated names, player
            ``i`` gets the ``i``-th (cycled).
        endpoint: base URL of an OpenAI-compatible chat endpoint, e.g. ``http://127.0.0.1:8000/v1``.
        model: the model name ``endpoint`` serves. api_key_env: variable holding its key.
        local: folder of a local Hugging Face causal LM.
        checkpoint: a regret-loss checkpoint written by ``agent train``.
        setting: the setting name. T: rounds (>= 2). runs: independent runs. K: actions (online).
        feedback: ``full``/``bandit`` (online) or ``realized``/``expected`` (games); empty: the
            first of those.
        timeout: seconds per endpoint request. retries: re-asks after an invalid reply (then the
            fallback). request_retries: retries of a refused or timed-out request, the first after
            ``backoff`` seconds, doubling. fallback: ``uniform`` or ``previous``.
    """
    # declared for sweep.validate_config: the fields naming learners, environments and sizes
    size_fields: ClassVar[tuple[str, ...]] = ("T", "runs")
    count_fields: ClassVar[tuple[str, ...]] = ("K",)

    agent: str = ""
    endpoint: str = ""
    model: str = ""
    api_key_env: str = "OPENAI_API_KEY"
    local: str = ""
    checkpoint: str = ""
    setting: str = "gaussian"
    T: int = 25
    runs: int = 1
    K: int = 2
    feedback: str = ""
    timeout: float = 60.0
    retries: int = 2
    request_retries: int = 2
    backoff: float = 0.5
    fallback: str = "uniform"

    def estimate(self) -> tuple[float, float]:
        """``(bytes, seconds)``: the trace and the stored rows, about 300 B per round plus
        400 B + 50 B per action per round and run (measured 447 MB at T = 200000, runs = 4, K = 2),
        and 2 us per round and run for a learner (a chat model takes what its endpoint takes).

        Every field is checked first (:func:`check_fields`), so ``regretlab run`` and every
        grid value of a sweep are refused before any work when one is bad."""
        check_fields(self)
        return (self.T * (300 + self.runs * (400 + 50 * _width(self))), 2e-6 * self.T * self.runs)

    def check(self) -> None:
        """Every field and the rules between them (:func:`check`): a whole cell's check."""
        check(self)


def _width(config: AgentRunConfig) -> int:
    from regretlab.agents.settings import get_setting

    try:
        k = get_setting(config.setting, max(int(config.K), 2)).num_actions
    except ValueError:
        return max(int(config.K), 2)
    return k if isinstance(k, int) else sum(k)


class AgentStopped(RuntimeError):
    """A run stopped early (an endpoint down after its retries); ``rows`` are the finished
    rounds' (``None`` when none finished), to be stored with the failed cell."""

    def __init__(self, message: str, rows: Mapping[str, Any] | None, rounds: int) -> None:
        super().__init__(message)
        self.rows, self.rounds = rows, rounds


_PARTIAL: dict[str, Mapping[str, Any]] = {}


def take_partial(key: str) -> Mapping[str, Any] | None:
    """The rows of the finished rounds a stopped cell left in this process (``None`` if none).

    :func:`regretlab.sweep.execute` reports a failed cell as text; until it keeps the ``rows``
    of the exception (see :class:`AgentStopped`), the caller that ran the cell takes them here.
    """
    return _PARTIAL.pop(key, None)


DEFAULT_AGENT = "hedge"


def _agents(config: AgentRunConfig) -> str:
    """The learner names that play: ``agent``, or ``hedge`` when nothing says who plays."""
    if config.agent or config.endpoint or config.local or config.checkpoint:
        return config.agent
    return DEFAULT_AGENT


def _labels(names: Mapping[str, str] | None) -> Callable[[str], str]:
    return lambda field: (names or {}).get(field, field)


def check_fields(config: AgentRunConfig, names: Mapping[str, str] | None = None) -> None:
    """Check every field on its own (ranges, names, paths, the setting): what a sweep checks
    for each grid value before any work (:meth:`AgentRunConfig.estimate`). The rules between
    fields are :func:`check`'s."""
    from regretlab.agents.settings import get_setting
    from regretlab.core.errors import check_int, check_positive

    L = _labels(names)
    if config.agent:
        agents = [a.strip() for a in config.agent.split(",") if a.strip()]
        if not agents:
            raise ValueError(f"{L('agent')} must name a learner (regretlab list learners) or exp3, got {config.agent!r}")
        from regretlab.core import learners

        for a in agents:
            if a != "exp3":
                learners.get(a)  # unknown name: clear error now
    if config.endpoint and not re.match(r"https?://[^/\s]+", config.endpoint):
        raise ValueError(f"{L('endpoint')} must be an http(s) URL such as http://127.0.0.1:8000/v1, "
                         f"got {config.endpoint!r}")
    if isinstance(config.T, bool) or not isinstance(config.T, int) or config.T < 2:
        raise ValueError(f"{L('T')} must be >= 2 (the sublinearity tests need at least two rounds), got {config.T}")
    check_int(L("runs"), config.runs, minimum=1)
    check_int(L("K"), config.K, minimum=2)
    check_positive(L("timeout"), config.timeout)
    check_int(L("retries"), config.retries, minimum=0)
    check_int(L("request_retries"), config.request_retries, minimum=0)
    check_positive(L("backoff"), config.backoff, allow_zero=True)
    if config.fallback not in ("uniform", "previous"):
        raise ValueError(f"{L('fallback')} must be 'uniform' or 'previous', got {config.fallback!r}")
    if config.local:
        local = Path(config.local)
        if not local.exists():
            raise FileNotFoundError(f"{L('local')} folder {config.local!r} does not exist")
        if not local.is_dir():
            raise ValueError(f"{L('local')} must be a folder holding a saved Hugging Face model, got the file "
                             f"{config.local!r}")
        if not (local / "config.json").is_file():
            raise ValueError(f"{L('local')} folder {config.local!r} holds no config.json; expected a model folder "
                             f"written by save_pretrained")
    try:
        spec = get_setting(config.setting, config.K)  # unknown setting: one clear error before any work
    except ValueError as exc:
        raise ValueError(f"{L('setting')}: {exc}") from None
    if config.feedback not in ("", *ONLINE_FEEDBACK, *GAME_FEEDBACK):  # a value no setting takes
        allowed = ONLINE_FEEDBACK if spec.kind == "online" else GAME_FEEDBACK
        raise ValueError(f"{L('feedback')} for {'an online' if spec.kind == 'online' else 'a game'} setting must be "
                         f"one of {', '.join(allowed)}, got {config.feedback!r}")


def check(config: AgentRunConfig, names: Mapping[str, str] | None = None) -> tuple[Any, str]:
    """Check a config before any work; returns ``(setting, feedback)`` with the feedback resolved.

    Every field (:func:`check_fields`), then the rules between them: at most one of ``agent``,
    ``endpoint``, ``local``, ``checkpoint``; ``endpoint`` and ``model`` together; the feedback
    of the setting's kind; one learner name online; a checkpoint that fits the setting. Raises a
    ValueError (FileNotFoundError for a missing ``local`` folder) naming the field as ``names``
    says the user typed it (``{"T": "--T"}``).

    Example:
        >>> check(AgentRunConfig(agent="hedge", setting="alternating"))[1]
        'full'
    """
    from regretlab.agents.settings import get_setting

    L = _labels(names)
    given = [f for f in ("agent", "endpoint", "local", "checkpoint") if getattr(config, f)]
    if len(given) > 1:
        raise ValueError(f"give exactly one of {L('agent')} NAME, {L('endpoint')} URL (with {L('model')}), "
                         f"{L('local')} PATH, {L('checkpoint')} PATH")
    check_fields(config, names)
    if config.model and not config.endpoint:
        raise ValueError(f"{L('model')} names the model served by {L('endpoint')}; give {L('endpoint')} URL too")
    if config.endpoint and not config.model.strip():
        raise ValueError(f"{L('endpoint')} needs {L('model')} NAME (the model the endpoint serves)")
    spec = get_setting(config.setting, config.K)
    allowed = ONLINE_FEEDBACK if spec.kind == "online" else GAME_FEEDBACK
    feedback = config.feedback or allowed[0]
    if feedback not in allowed:
        raise ValueError(f"{L('feedback')} for {'an online' if spec.kind == 'online' else 'a game'} setting must be "
                         f"one of {', '.join(allowed)}, got {feedback!r}")
    if spec.kind == "online" and "," in _agents(config).strip(", "):
        raise ValueError(f"{L('agent')} takes one name in an online-learning setting (several names only in a "
                         f"game, where player i gets the i-th), got {config.agent!r}; run once per agent to compare")
    if config.checkpoint:
        from regretlab.agents.regret_loss import read_checkpoint

        if feedback == "bandit":
            raise ValueError(f"a {L('checkpoint')} model reads full loss vectors; use {L('feedback')} full")
        trained = read_checkpoint(config.checkpoint, L("checkpoint"))["config"]
        need = spec.num_actions if isinstance(spec.num_actions, int) else sorted(set(spec.num_actions))
        if need != trained.get("d") and need != [trained.get("d")]:
            raise ValueError(f"{L('checkpoint')} {config.checkpoint!r} plays {trained.get('d')} actions; setting "
                             f"{config.setting!r} has {need} (give {L('K')} {trained.get('d')} or train with "
                             f"{L('K')} {need})")
        if trained.get("model") == "transformer" and config.T > int(trained.get("T", config.T)):
            raise ValueError(f"{L('T')} {config.T} exceeds the {trained['T']} rounds the {L('checkpoint')} "
                             f"transformer was trained for; give {L('T')} <= {trained['T']}")
    return spec, feedback


def agent_factory(config: AgentRunConfig, seed: int, kind: str,
                  names: Mapping[str, str] | None = None) -> tuple[Callable[[int, int], Any], str]:
    """``((T, K) -> agent, label)`` for a checked config; in a game it is called once per player.

    A learner made by name gets the setting's utility range as its reward range: ``(-1, 0)``
    online (utility = -loss), ``(0, 1)`` in games.
    """
    L = _labels(names)
    if _agents(config):
        from regretlab.agents.harness import as_agent
        from regretlab.agents.settings import exp3

        agents = [a.strip() for a in _agents(config).split(",") if a.strip()]
        span = (-1.0, 0.0) if kind == "online" else (0.0, 1.0)
        calls = iter(range(10**9))

        def make(T: int, k: int) -> Any:  # in a game, player i gets agents[i % len(agents)]
            a = agents[next(calls) % len(agents)]
            return exp3(T, k) if a == "exp3" else as_agent(a, horizon=T, utility_range=span)

        return make, ",".join(agents)
    if config.endpoint:
        from regretlab.agents.text import ChatAgent

        def chat(T: int, k: int) -> Any:
            return ChatAgent(config.endpoint, config.model, api_key_env=config.api_key_env, timeout=config.timeout,
                             request_retries=config.request_retries, backoff=config.backoff,
                             max_retries=config.retries, fallback=config.fallback, seed=seed)

        return chat, f"chat:{config.model}"
    if config.local:
        from regretlab.agents.text import HFAgent

        try:
            loaded = HFAgent(config.local, max_retries=config.retries, fallback=config.fallback)
        except (OSError, ValueError, KeyError) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ValueError(f"{L('local')} {config.local!r} is not a loadable Hugging Face causal LM: {first}") from None
        pair = (loaded.model, loaded.tokenizer)
        return (lambda T, k: HFAgent(pair, max_retries=config.retries, fallback=config.fallback,
                                     name=loaded.name)), loaded.name
    from regretlab.agents.regret_loss import ModelAgent, load

    net = load(config.checkpoint, L("checkpoint"))
    return (lambda T, k: ModelAgent(net, name=f"{net.kind}")), f"model:{Path(config.checkpoint).stem}"


def _vector(row: np.ndarray) -> str:
    return ",".join(f"{x:.6g}" for x in row)


def _transcripts(records: list[dict[str, Any]]) -> dict[tuple[int, int, int], list[dict[str, Any]]]:
    out: dict[tuple[int, int, int], list[dict[str, Any]]] = {}
    for r in records:
        s = r.get("strategy")
        entry = {"attempt": int(r.get("attempt", 0)), "prompt": str(r.get("prompt", "")),
                 "reply": str(r.get("reply", "")),
                 "strategy": None if s is None else [float(x) for x in np.ravel(s)],
                 "fallback": bool(r.get("fallback", False)), "error": str(r.get("error", ""))}
        out.setdefault((int(r.get("round", 0)), int(r.get("run", 0)), int(r.get("player", 0))), []).append(entry)
    return out


def trace_rows(trace: Any, agent: str, setting: str, feedback: str) -> dict[str, list[Any]]:
    """One row per (run, round, player) of an :class:`~regretlab.agents.AgentTrace` or
    :class:`~regretlab.agents.GameTrace`: ``regret``, ``realized_regret``, ``cce_gap`` (games;
    NaN online and between records), ``action``, ``strategy`` and ``loss`` (online) as text,
    ``fallback`` (the round's strategy was the declared fallback), ``asks`` (prompts sent) and
    ``transcript`` (JSON list of the round's attempts: prompt, reply, strategy, fallback, error)."""
    from regretlab.agents.harness import AgentTrace

    cols: dict[str, list[Any]] = {k: [] for k in (
        "agent", "learner", "setting", "feedback", "player", "run", "round", "regret", "realized_regret", "cce_gap",
        "action", "strategy", "loss", "fallback", "asks", "transcript")}
    talk = _transcripts(trace.records)
    online = isinstance(trace, AgentTrace)
    n, b = trace.regret.shape[:2]
    players = 1 if online else trace.regret.shape[2]
    for t in range(n):
        for r in range(b):
            for i in range(players):
                recs = talk.get((t + 1, r, i), [])
                if online:
                    regret, real, gap = trace.regret[t, r], trace.realized_regret[t, r], math.nan
                    act, strat, loss, who = trace.actions[t, r], trace.strategies[t, r], _vector(trace.losses[t, r]), trace.agent
                else:
                    regret, real, gap = trace.regret[t, r, i], trace.realized_regret[t, r, i], trace.cce_gap[t, r]
                    act, strat, loss, who = trace.actions[t, r, i], trace.strategies[i][t, r], "", trace.agents[i]
                for key, value in (("agent", agent), ("learner", who), ("setting", setting), ("feedback", feedback),
                                   ("player", i), ("run", r), ("round", t + 1), ("regret", float(regret)),
                                   ("realized_regret", float(real)), ("cce_gap", float(gap)), ("action", int(act)),
                                   ("strategy", _vector(strat)), ("loss", loss),
                                   ("fallback", any(e["fallback"] for e in recs)),
                                   ("asks", sum(1 for e in recs if e["prompt"])), ("transcript", json.dumps(recs))):
                    cols[key].append(value)
    return cols


def run_agent(config: AgentRunConfig, seed: int) -> dict[str, list[Any]]:
    """Play one cell: the agent on the setting for ``T`` rounds in ``runs`` runs (rows: :func:`trace_rows`).

    Args:
        config: the cell's :class:`AgentRunConfig`.
        seed: root seed of the runs (and the ``seed`` sent to a chat endpoint).
    Returns:
        Columns of one row per (run, round, player).
    Raises:
        AgentStopped: the run stopped early; it carries the finished rounds' rows.

    Example:
        >>> rows = run_agent(AgentRunConfig(agent="ftl", setting="alternating", T=64), 0)
        >>> rows["regret"][-1], len(rows["round"])
        (32.0, 64)

    Reference: Park et al., ICLR 2025 (spec §2.1): ``Regret_T = sum_t <l_t, pi_t> - min_i sum_t l_t(i)``.
    """
    from regretlab.agents.settings import run_setting
    from regretlab.store import cell_key

    spec, feedback = check(config)
    factory, label = agent_factory(config, seed, spec.kind)
    trace, error = run_setting(factory, config.setting, config.T, runs=config.runs, seed=seed, feedback=feedback,
                               num_actions=config.K, progress=True)
    rows = trace_rows(trace, label, config.setting, feedback)
    if error is not None:
        rounds = int(trace.regret.shape[0])
        if rounds:
            _PARTIAL[cell_key(NAME, config, seed)] = rows
        raise AgentStopped(error, rows if rounds else None, rounds)
    return rows


def verdicts(rows: Any) -> list[dict[str, Any]]:
    """Per (agent, setting, player): rounds, the final mean regret, the last CCE gap (games), both
    sublinearity detectors on the mean regret curve (spec §2.2), their verdict and the fallbacks."""
    from regretlab.agents.harness import sublinearity
    from regretlab.plot import columns

    cols = columns(rows)
    keys = list(dict.fromkeys(zip(cols["agent"].tolist(), cols["setting"].tolist(), cols["player"].tolist(),
                                  cols["learner"].tolist(), strict=True)))
    out = []
    for agent, setting, player, learner in keys:
        sel = (cols["agent"] == agent) & (cols["setting"] == setting) & (cols["player"] == player)
        rounds = cols["round"][sel]
        order = np.unique(rounds)
        total = np.bincount(rounds, weights=cols["regret"][sel])[order]
        curve = total / np.bincount(rounds)[order]
        tests = sublinearity(curve)
        last = sel & (cols["round"] == order[-1])
        gaps = cols["cce_gap"][last]
        verdict = ("sublinear" if tests["trend_reject"] and tests["slope_sublinear"] else
                   "mixed" if tests["trend_reject"] or tests["slope_sublinear"] else "not sublinear")
        out.append({"agent": str(agent), "setting": str(setting), "learner": str(learner), "player": int(player),
                    "rounds": int(order[-1]), "final_regret": float(curve[-1]),
                    "cce_gap": float(np.nanmean(gaps)) if np.isfinite(gaps).any() else math.nan,
                    **tests, "verdict": verdict, "fallbacks": int(cols["fallback"][sel].sum())})
    return out


def _final_per_run(cols: dict[str, np.ndarray], sel: np.ndarray) -> np.ndarray:
    """The regret after the last round of each run of the rows ``sel``."""
    last = sel & (cols["round"] == cols["round"][sel].max())
    return cols["regret"][last].astype(float)


def summarize_agent(rows: Any) -> list[Any]:
    """Per (agent, setting, player): the final regret (mean ± SE over runs), both sublinearity
    detectors of Park et al. §2.2 as a verdict (no-regret behaviour: trend test p < 0.05 and
    regression slope < 1 at p < 0.05), the CCE gap in a game, the fallback rounds, and for tuned
    Hedge under full information the deterministic bound sqrt(T ln K / 2) (spec §2.6 target 1)."""
    from regretlab.plot import columns
    from regretlab.summary import Estimate, Verdict

    cols = columns(rows)
    res: list[Any] = []
    for v in verdicts(rows):
        who = f"{v['learner']} (player {v['player']}) on {v['setting']}"
        sel = (cols["agent"] == v["agent"]) & (cols["setting"] == v["setting"]) & (cols["player"] == v["player"])
        final = _final_per_run(cols, sel)
        res.append((f"{who}: final mean regret after {v['rounds']} rounds", Estimate.of(final)))
        both = bool(v["trend_reject"] and v["slope_sublinear"])
        res.append(Verdict(f"{who}: no-regret behaviour by both detectors of Park et al. §2.2 (R_t/t decreasing, "
                           f"log-log slope < 1)",
                           f"trend p {v['trend_pvalue']:.2g}, slope {v['slope']:.3f} (p {v['slope_pvalue']:.2g})",
                           "both p < 0.05", holds=both))
        if math.isfinite(v["cce_gap"]):
            gaps = cols["cce_gap"][sel & (cols["round"] == v["rounds"])].astype(float)
            res.append((f"{who}: CCE gap of the joint play after {v['rounds']} rounds", Estimate.of(gaps)))
        res.append((f"{who}: rounds answered by the fallback", str(v["fallbacks"])))
        online = not math.isfinite(v["cce_gap"])
        feedback = str(cols["feedback"][sel][0])
        if online and v["learner"] == "hedge" and feedback == "full":
            K = len(str(cols["strategy"][sel][0]).split(","))
            bound = math.sqrt(v["rounds"] * math.log(K) / 2)
            res.append(Verdict(f"{who}: tuned Hedge's largest final regret over runs below sqrt(T ln K / 2) = "
                               f"{bound:.3f} (a deterministic bound; spec §2.6 target 1)", float(final.max()),
                               (None, round(bound, 3)), quantity="regret"))
    return res


def figure_name(agent: str, setting: str) -> str:
    """``agent_<agent>_<setting>.png`` with every character outside ``[A-Za-z0-9_.+-]`` as ``_``."""
    return re.sub(r"[^A-Za-z0-9_.+-]", "_", f"agent_{agent}_{setting}") + ".png"


def plot_agent(rows: Any, outdir: Path) -> list[Path]:
    """One figure per (agent, setting): the mean regret over runs against the round, one curve per
    player with its 95 % band over runs; on log-log axes (fitted slope in the legend, the rates
    ∝ t^{1/2} and ∝ t dashed grey) when every value is positive, else on linear axes with
    sqrt(t ln K / 2) dashed grey."""
    from regretlab import plot_style as style
    from regretlab.plot import columns, curve_stats

    cols = columns(rows)
    paths = []
    for agent, setting in dict.fromkeys(zip(cols["agent"].tolist(), cols["setting"].tolist(), strict=True)):
        sel = (cols["agent"] == agent) & (cols["setting"] == setting)
        players = sorted(set(cols["player"][sel].tolist()))
        runs = len(set(cols["run"][sel].tolist()))
        curves = []
        for i in players:
            mine = sel & (cols["player"] == i)
            t, mean, half = curve_stats(cols["round"][mine], cols["regret"][mine].astype(float))
            learner = str(cols["learner"][mine][0])
            curves.append((learner if len(players) == 1 else f"player {i} ({learner})", learner, t.astype(float),
                           mean, half))
        values = np.concatenate([np.concatenate([m - h, m + h]) for *_, m, h in curves])
        loglog = bool((values > 0).all())
        fig, ax = style.figure()
        for label, learner, t, mean, half in curves:
            style.line(ax, t, mean, band=half if runs > 1 else None, name=learner, label=label, slope=loglog)
        t = curves[0][2]
        K = len(str(cols["strategy"][sel][0]).split(","))
        if loglog:
            first = min(float(c[3][0]) for c in curves)
            style.slope_guide(ax, t, first, 0.5, r"$\propto t^{1/2}$")
            style.slope_guide(ax, t, first, 1.0, r"$\propto t$ (linear regret)")
            style.set_scale(ax, "x", t)
            style.set_scale(ax, "y", np.concatenate([values, first * (t / t[0]) ** 0.5, first * t / t[0]]))
        else:
            style.reference(ax, t, np.sqrt(t * math.log(max(K, 2)) / 2), r"$\sqrt{t \ln K / 2}$")
        ax.set_xlabel("round $t$")
        ax.set_ylabel("regret (mean over runs)")
        feedback = str(cols["feedback"][sel][0])
        style.title(ax, f"Regret of {agent}", setting=f"{setting}, {feedback} feedback, K = {K}", T=int(t.max()),
                    runs=runs)
        style.legend(ax)
        paths.extend(style.save(fig, Path(outdir) / figure_name(agent, setting)))
    return paths


register_experiment(Experiment(
    NAME, AgentRunConfig, run_agent, plot_agent,
    demo={"agent": "hedge", "setting": "alternating", "T": 64, "runs": 2}, summarize=summarize_agent,
    description="One agent (learner, chat endpoint, local LM, regret-loss model) on a named setting, per round.",
    reference="Park et al. ICLR 2025; spec §2.1-2.2",
))
