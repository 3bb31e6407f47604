"""Named settings for the agent harness (spec §2.1) and one call that runs, stores and reports.

Online learning: ``gaussian``, ``linear_trend``, ``sinusoidal`` (the paper's generators),
``alternating``, ``alternating_noisy``, ``adaptive``, ``adaptive_noisy`` (the regrettable
sequences; noisy = ``U[0, 0.1]`` added), or any registered environment name; feedback ``full`` or
``bandit``. Repeated games: ``game:random3x3``, ``game:random2x2``, ``game:random3x3x3`` (payoffs
``U[0,1]``) and ``game:<name>`` for the canonical games (prisoners_dilemma, coordination, chicken,
matching_pennies, shapley, rock_paper_scissors), payoffs rescaled to [0, 1].
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from regretlab.agents.harness import AgentRunError, AgentTrace, GameTrace, LearnerAgent, play, play_game, transcript_rows
from regretlab.core.errors import check_int

ONLINE = {
    "gaussian": ("gaussian", {}), "linear_trend": ("linear_trend", {}), "sinusoidal": ("sinusoidal", {}),
    "alternating": ("alternating", {}), "alternating_noisy": ("alternating", {"noise": 0.1}),
    "adaptive": ("adaptive", {}), "adaptive_noisy": ("adaptive", {"noise": 0.1}),
}
CANONICAL_GAMES = ("prisoners_dilemma", "coordination", "chicken", "matching_pennies", "shapley", "rock_paper_scissors")


def setting_names() -> list[str]:
    """Every named setting (online learning and games)."""
    return list(ONLINE) + ["game:random2x2", "game:random3x3", "game:random3x3x3"] + [f"game:{g}" for g in CANONICAL_GAMES]


@dataclass(frozen=True)
class Setting:
    name: str
    kind: str  # "online" or "game"
    make: Callable[[int, int], Any]  # (T, seed) -> environment or game
    num_actions: int | tuple[int, ...]


def get_setting(name: str, num_actions: int = 2) -> Setting:
    """The setting ``name`` or a ValueError listing the known ones."""
    from regretlab.core.registry import environments
    from regretlab.run import make_env

    if not isinstance(name, str) or not name:
        raise ValueError(f"setting must be a non-empty name, got {name!r}")
    k = check_int("num_actions", num_actions, minimum=2)
    if name.startswith("game:"):
        from regretlab.games.normal_form import make_game, random_game, rescale

        g = name[5:]
        m = re.fullmatch(r"random(\d+(?:x\d+)+)", g)
        if m:
            shape = tuple(int(x) for x in m.group(1).split("x"))
            if min(shape) < 2:
                raise ValueError(f"setting {name!r}: every player needs >= 2 actions")
            return Setting(name, "game", lambda T, seed: random_game(list(shape), seed=seed), shape)
        if g in CANONICAL_GAMES:
            game = rescale(make_game(g))
            return Setting(name, "game", lambda T, seed: game, game.num_actions)
    elif name in ONLINE:
        env_name, params = ONLINE[name]
        extra = {} if env_name == "alternating" else {"num_actions": k}
        kk = 2 if env_name == "alternating" else k
        return Setting(name, "online", lambda T, seed: make_env(env_name, T, **params, **extra), kk)
    elif name in environments:
        return Setting(name, "online", lambda T, seed: make_env(name, T), getattr(make_env(name, 100), "num_actions", k))
    import difflib

    known = setting_names() + [n for n in environments.names() if n not in ONLINE]
    close = difflib.get_close_matches(name, known, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise ValueError(f"unknown setting {name!r}{hint} (known: {', '.join(known)}; games also as game:randomKxK...)")


def exp3(horizon: int, num_actions: int) -> LearnerAgent:
    """EXP3: Hedge on importance-weighted loss estimates, ``eta = sqrt(2 ln K / (T K))`` (spec §2.3)."""
    from regretlab.experts import hedge

    return LearnerAgent(hedge(lr=math.sqrt(2 * math.log(num_actions) / (horizon * num_actions))), name="exp3")


def summarize(trace: AgentTrace | GameTrace) -> list[dict[str, Any]]:
    """Per agent (per player in a game): final mean regret and both detectors on the mean curve."""
    out = []
    if isinstance(trace, AgentTrace):
        tests = trace.tests()
        out.append({"agent": trace.agent, "player": 0, "rounds": trace.rounds,
                    "final_regret": float(trace.regret[-1].mean()) if trace.rounds else math.nan,
                    "fallbacks": trace.fallbacks, **tests})
    else:
        n = trace.regret.shape[0]
        for i, name in enumerate(trace.agents):
            tests = trace.tests(i) if n else {}
            gap = trace.cce_gap[-1] if n else np.array([math.nan])
            out.append({"agent": name, "player": i, "rounds": n,
                        "final_regret": float(trace.regret[-1, :, i].mean()) if n else math.nan,
                        "cce_gap": float(np.nanmean(gap)), "fallbacks": trace.fallbacks, **tests})
    return out


def run_setting(agent_factory: Callable[[int, Any], Any], setting: str, T: int, *, runs: int = 1, seed: int = 0,
                feedback: str = "full", num_actions: int = 2, players: int | None = None,
                progress: bool = False, store: Any = None, label: str = "") -> tuple[Any, str | None]:
    """Run an agent on a named setting; store its rows, transcripts and verdicts.

    Args:
        agent_factory: ``(T, num_actions) -> agent``; called once per player in a game.
        setting: a name of :func:`setting_names` (or a registered environment).
        T: rounds (>= 2). runs: independent runs. feedback: ``full``/``bandit`` (online) or
            ``realized``/``expected`` (games).
        store: a :class:`regretlab.store.Store`; rows go to experiments ``agent``,
            ``agent_transcripts`` and ``agent_tests``.
    Returns:
        ``(trace, error)``: the (possibly partial) trace and the error text when the run stopped
        early (an endpoint down after its retries); partial results are stored as a failed cell.
    """
    T = check_int("T", T, minimum=2)
    runs = check_int("runs", runs, minimum=1)
    spec = get_setting(setting, num_actions)
    config = {"agent": label, "setting": setting, "T": T, "runs": runs, "feedback": feedback,
              "num_actions": num_actions, "players": players}
    started = time.time()
    error = None
    try:
        if spec.kind == "online":
            env = spec.make(T, seed)
            trace: Any = play(agent_factory(T, env.num_actions), env, T, batch=runs, seed=seed, feedback=feedback,
                              progress=progress)
        else:
            if feedback not in ("realized", "expected"):
                feedback = "realized"
                config["feedback"] = feedback
            game = spec.make(T, seed)
            agents = [agent_factory(T, k) for k in game.num_actions]
            trace = play_game(agents, game, T, batch=runs, seed=seed, feedback=feedback, progress=progress)
    except AgentRunError as exc:
        trace, error = exc.partial, str(exc)
    if store is not None:
        status = "ok" if error is None else "failed"
        rows = trace.to_rows()
        store.put("agent", config, seed, rows if len(rows["round"]) else None, status=status, error=error, started=started)
        tr = transcript_rows(trace.records)
        store.put("agent_transcripts", config, seed, tr if tr["round"] else None, status=status, error=error,
                  started=started)
        summ = [x for x in summarize(trace) if x["rounds"]]
        cols: dict[str, Any] | None = None
        if summ:
            cols = {k: [s.get(k, math.nan) for s in summ] for k in summ[0]}
            for key in ("final_regret", "cce_gap", "trend_statistic", "trend_pvalue", "slope", "slope_pvalue"):
                cols[key] = [float(v) for v in cols.get(key, [math.nan] * len(summ))]  # stable column types
        store.put("agent_tests", config, seed, cols, status=status, error=error, started=started)
    return trace, error
