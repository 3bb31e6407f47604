"""Named settings for the agent harness (spec §2.1) and one call that runs an agent on one.

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
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from regretlab.agents.harness import (
    AgentRunError,
    AgentTrace,
    GameTrace,
    LearnerAgent,
    play,
    play_game,
)
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
    """The setting ``name`` or a ValueError listing the known ones.

    Args:
        name: a name of :func:`setting_names`, ``game:randomKxK...`` or a registered environment.
        num_actions: ``K`` of the online settings that take it.
    Returns:
        A :class:`Setting`: ``kind`` (``"online"`` or ``"game"``), ``make(T, seed)`` (the
        environment or game) and ``num_actions``.

    Example:
        >>> get_setting("alternating").kind, get_setting("game:matching_pennies").num_actions
        ('online', (2, 2))
    """
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
    """EXP3: Hedge on importance-weighted loss estimates, ``eta = sqrt(2 ln K / (T K))`` (spec §2.3).

    ``p_t ∝ exp(-eta sum_s l_hat_s)``, ``l_hat_s(i) = l_s(i) 1[a_s = i] / p_s(i)``.

    Args:
        horizon: ``T``. num_actions: ``K``.
    Returns:
        A :class:`LearnerAgent` named ``exp3`` (give it bandit feedback).

    Example:
        >>> round(exp3(1000, 2).learner.lr, 6)
        0.026328

    Reference: Auer, Cesa-Bianchi, Freund & Schapire, SIAM J. Comput. 2002.
    """
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
                feedback: str = "full", num_actions: int = 2, progress: bool = False) -> tuple[Any, str | None]:
    """Run an agent on a named setting: :func:`play` for online learning, :func:`play_game` for games.

    Nothing is stored here: ``regretlab agent run`` is the experiment ``agents_run``
    (:mod:`regretlab.experiments.agents_run`), stored through the sweep path like any other.

    Args:
        agent_factory: ``(T, num_actions) -> agent``; called once per player in a game.
        setting: a name of :func:`setting_names` (or a registered environment).
        T: rounds (>= 2). runs: independent runs ``B``. seed: root seed.
        feedback: ``full``/``bandit`` (online) or ``realized``/``expected`` (games; anything else
            is taken as ``realized``).
        num_actions: ``K`` of the online settings.
        progress: show a progress bar over the rounds.
    Returns:
        ``(trace, error)``: an :class:`AgentTrace` or :class:`GameTrace` and ``None``, or, when the
        run stopped early (an endpoint down after its retries), the partial trace of the finished
        rounds and the error text.

    Example:
        >>> from regretlab.agents import as_agent
        >>> trace, error = run_setting(lambda T, k: as_agent("ftl", horizon=T), "alternating", 64)
        >>> float(trace.regret[-1, 0]), error
        (32.0, None)
    """
    T = check_int("T", T, minimum=2)
    runs = check_int("runs", runs, minimum=1)
    spec = get_setting(setting, num_actions)
    try:
        if spec.kind == "online":
            env = spec.make(T, seed)
            trace: Any = play(agent_factory(T, env.num_actions), env, T, batch=runs, seed=seed, feedback=feedback,
                              progress=progress)
        else:
            game = spec.make(T, seed)
            agents = [agent_factory(T, k) for k in game.num_actions]
            trace = play_game(agents, game, T, batch=runs, seed=seed,
                              feedback=feedback if feedback in ("realized", "expected") else "realized",
                              progress=progress)
    except AgentRunError as exc:
        return exc.partial, str(exc)
    return trace, None
