"""The agent-regret harness: any agent (learner, callable, chat model, local LM, trained
transformer) that maps a history to a strategy, played in online learning or repeated games.

Online learning (Park et al., "Do LLM agents have regret?", ICLR 2025, spec §2.1): each round
the agent announces ``pi_t in Delta_K``; the environment reveals ``l_t in [0,1]^K`` (full
information) or only ``l_t(a_t)`` with ``a_t ~ pi_t`` (bandit).
``Regret_T = sum_t <l_t, pi_t> - min_i sum_t l_t(i)`` (expected over ``a_t``).

Repeated games: player ``i`` announces ``x_i^t``, receives the payoff vector
``u_i(., a_{-i}^t)`` (``feedback="realized"``) or ``u_i(., x_{-i}^t)`` (``"expected"``); the
empirical CCE gap of the joint play equals ``max_i Regret_i / T`` (Hart & Mas-Colell 2000).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_int
from regretlab.core.simplex import project_simplex
from regretlab.core.types import Bandit, FullInfo


class EndpointError(RuntimeError):
    """A model endpoint refused, failed or timed out after the bounded retries."""


class AgentRunError(RuntimeError):
    """A run stopped early; ``partial`` holds the trace of the rounds that finished."""

    def __init__(self, message: str, partial: "AgentTrace | GameTrace | None") -> None:
        super().__init__(message)
        self.partial = partial


@dataclass
class History:
    """What an agent has seen so far, for ``B`` runs (lists grow by one entry per round).

    Attributes:
        kind: ``"loss"`` (online learning, lower is better) or ``"payoff"`` (games).
        feedback: ``"full"`` or ``"bandit"``.
        num_actions: K.
        action_names: K labels shown to text agents.
        strategies: per round ``[B, K]`` the agent's announced strategies.
        values: per round ``[B, K]`` the revealed losses/payoffs in [0, 1] (full information).
        actions: per round ``[B]`` sampled actions.
        observed: per round ``[B]`` the loss/payoff of the sampled action (bandit feedback).
        player: index of the player in a game (0 in online learning).
    """

    kind: str
    feedback: str
    num_actions: int
    action_names: list[str]
    strategies: list[np.ndarray] = field(default_factory=list)  # T x [B, K]
    values: list[np.ndarray] = field(default_factory=list)  # T x [B, K]
    actions: list[np.ndarray] = field(default_factory=list)  # T x [B]
    observed: list[np.ndarray] = field(default_factory=list)  # T x [B]
    player: int = 0

    @property
    def t(self) -> int:
        """Rounds completed."""
        return len(self.strategies)

    def losses(self) -> np.ndarray:
        """``[t, B, K]`` the full-information values as losses (payoffs enter as ``1 - u``)."""
        if not self.values:
            return np.zeros((0, 0, self.num_actions))
        v = np.stack(self.values)
        return v if self.kind == "loss" else 1.0 - v


class Agent:
    """Base class: ``reset`` for ``B`` runs, ``act(history) -> [B, K]``, ``observe(feedback)``.

    Agents that talk to models append dicts to ``self.records`` (prompt, reply, parsed
    strategy, fallback flag); the harness drains and stores them with the run.
    """

    name = "agent"
    accepts: tuple[str, ...] = ("full", "bandit")

    def reset(self, keys: np.ndarray, num_actions: int) -> None:
        self.records: list[dict[str, Any]] = []

    def act(self, history: History) -> np.ndarray:
        raise NotImplementedError

    def observe(self, feedback: Any) -> None:
        """Receive this round's feedback (``FullInfo`` utilities or ``Bandit``)."""

    def drain(self) -> list[dict[str, Any]]:
        out, self.records = getattr(self, "records", []), []
        return out


def check_strategy(p: Any, batch: int, k: int, who: str) -> np.ndarray:
    """``p`` as a ``[B, K]`` array on the simplex, or a clear error naming ``who``."""
    arr = np.asarray(p, dtype=np.float64)
    if arr.shape == (k,):
        arr = np.broadcast_to(arr, (batch, k))
    if arr.shape != (batch, k):
        raise ValueError(f"{who} must return a strategy of shape [{batch}, {k}], got shape {list(arr.shape)}")
    low, total = arr.min(), arr.sum(axis=1)
    if not (low >= -1e-9) or not (np.abs(total - 1.0).max() <= 1e-6):  # NaN fails both comparisons
        raise ValueError(f"{who} must return probability vectors (finite, >= 0, rows sum to 1), got {arr[0].tolist()}")
    if low >= 0.0:
        return arr
    arr = np.maximum(arr, 0.0)
    return arr / arr.sum(axis=1, keepdims=True)


class LearnerAgent(Agent):
    """Any batched learner (``init``/``strategy``/``update``) as an agent.

    With bandit feedback a full-information learner is fed importance-weighted estimates
    ``u_hat(i) = u 1[a = i] / pi(i)`` (with losses: ``-l(a)/pi(a)`` on the played action), so
    ``LearnerAgent(hedge(lr=sqrt(2 ln K/(T K))))`` is EXP3 (Auer et al., SIAM J. Comput. 2002).
    """

    def __init__(self, learner: Any, name: str | None = None) -> None:
        for attr in ("init", "strategy", "update"):
            if not callable(getattr(learner, attr, None)):
                raise TypeError(f"learner must have init/strategy/update methods, got {learner!r}")
        self.learner = learner
        self.name = name or str(getattr(learner, "name", type(learner).__name__))
        if getattr(learner, "feedback", FullInfo) is Bandit:  # a bandit learner cannot use full vectors
            self.accepts = ("bandit",)

    def reset(self, keys: np.ndarray, num_actions: int) -> None:
        super().reset(keys, num_actions)
        self.state = self.learner.init(keys, num_actions)
        self.k = num_actions

    def act(self, history: History) -> np.ndarray:
        return self.learner.strategy(self.state)

    def observe(self, feedback: Any) -> None:
        if isinstance(feedback, Bandit) and getattr(self.learner, "feedback", FullInfo) is FullInfo:
            b = feedback.action.size
            est = np.zeros((b, self.k))
            est[np.arange(b), feedback.action] = feedback.reward / np.maximum(feedback.prob, 1e-12)
            feedback = FullInfo(est)
        self.state = self.learner.update(self.state, feedback)


class CallableAgent(Agent):
    """A Python function ``fn(history) -> [B, K]`` (or ``[K]``) as an agent (spec §2.7)."""

    def __init__(self, fn: Callable[[History], Any], name: str = "callable") -> None:
        if not callable(fn):
            raise TypeError(f"fn must be callable, got {fn!r}")
        self.fn, self.name = fn, name

    def reset(self, keys: np.ndarray, num_actions: int) -> None:
        super().reset(keys, num_actions)
        self.batch, self.k = len(keys), num_actions

    def act(self, history: History) -> np.ndarray:
        return check_strategy(self.fn(history), self.batch, self.k, f"agent {self.name!r}")


def as_agent(obj: Any, horizon: int | None = None, utility_range: tuple[float, float] | None = None,
             **params: Any) -> Agent:
    """An :class:`Agent` from an agent, a learner object, a registered learner name or a callable.

    A learner made by name gets ``utility_range`` as its ``reward_range`` when it declares one
    (bandit learners): ``(-1, 0)`` for loss streams (utility = -loss), ``(0, 1)`` for games.
    """
    if isinstance(obj, Agent):
        return obj
    if isinstance(obj, str):
        from regretlab.run import make_learner

        return LearnerAgent(make_learner(obj, horizon or 1000, utility_range=utility_range, **params), name=obj)
    if all(callable(getattr(obj, a, None)) for a in ("init", "strategy", "update")):
        return LearnerAgent(obj)
    if callable(obj):
        return CallableAgent(obj, getattr(obj, "__name__", "callable"))
    raise TypeError(f"agent must be an Agent, a learner, a registered learner name or a callable, got {obj!r}")


# --------------------------------------------------------------------------- online learning
@dataclass
class AgentTrace:
    """Everything one harness run produced.

    Attributes:
        regret: ``[t, B]`` expected external regret after each round.
        strategies / losses: ``[t, B, K]`` announced strategies and revealed losses in [0, 1].
        actions: ``[t, B]`` sampled actions.
        records: transcripts: dicts with ``round``, ``run`` and the agent's prompt/reply/strategy.
        fallbacks: number of rounds answered by the declared fallback.
    """

    agent: str
    setting: str
    feedback: str
    horizon: int
    seed: int
    regret: np.ndarray  # [t, B]
    strategies: np.ndarray  # [t, B, K]
    losses: np.ndarray  # [t, B, K]
    actions: np.ndarray  # [t, B]
    records: list[dict[str, Any]]
    seconds: float = 0.0

    @property
    def rounds(self) -> int:
        return self.regret.shape[0]

    @property
    def fallbacks(self) -> int:
        return int(sum(bool(r.get("fallback")) for r in self.records))

    def tests(self, run: int | None = None) -> dict[str, Any]:
        """Both sublinearity detectors (spec §2.2) on the mean (or one run's) regret curve."""
        return sublinearity(self.regret.mean(axis=1) if run is None else self.regret[:, run])

    def to_rows(self) -> dict[str, np.ndarray]:
        """Tidy columns, one row per (run, round)."""
        n, b = self.regret.shape
        k = self.strategies.shape[-1]
        return {
            "learner": np.array([self.agent] * (n * b)), "setting": np.array([self.setting] * (n * b)),
            "feedback": np.array([self.feedback] * (n * b)),
            "run": np.tile(np.arange(b), n), "round": np.repeat(np.arange(1, n + 1), b),
            "regret": self.regret.reshape(-1),
            "action": self.actions.reshape(-1).astype(np.int64),
            "strategy": np.array([",".join(f"{x:.6g}" for x in row) for row in self.strategies.reshape(n * b, k)]),
            "loss": np.array([",".join(f"{x:.6g}" for x in row) for row in self.losses.reshape(n * b, k)]),
        }


def sublinearity(curve: np.ndarray) -> dict[str, Any]:
    """Trend test and regression test on one regret curve, as a flat dict (NaN when undefined)."""
    from regretlab.metrics import slope_test, trend_test

    out: dict[str, Any] = {"trend_statistic": np.nan, "trend_pvalue": np.nan, "trend_reject": False,
                           "slope": np.nan, "slope_pvalue": np.nan, "slope_sublinear": False}
    if curve.size >= 2:
        tr = trend_test(curve)
        out.update(trend_statistic=tr.statistic, trend_pvalue=tr.pvalue, trend_reject=tr.reject)
    try:
        st = slope_test(curve)
        out.update(slope=st.slope, slope_pvalue=st.pvalue, slope_sublinear=st.sublinear)
    except ValueError:
        pass  # fewer than 3 rounds with positive regret: no-regret by construction, slope undefined
    return out


def _env_name(env: Any) -> str:
    return str(getattr(env, "name", type(env).__name__))


def play(
    agent: Any,
    env: Any,
    T: int,
    *,
    batch: int = 1,
    seed: int = 0,
    feedback: str = "full",
    action_names: Sequence[str] | None = None,
    progress: bool = False,
    on_round: Callable[[int], None] | None = None,
) -> AgentTrace:
    """Play ``agent`` against a loss environment for ``T`` rounds in ``batch`` runs.

    Args:
        agent: an :class:`Agent`, a learner, a registered learner name or a callable.
        env: a loss environment (``regretlab.envs``) or a registered name.
        T: rounds (>= 2, so that the detectors are defined).
        feedback: ``"full"`` (the whole loss vector) or ``"bandit"`` (the sampled action's loss).
        action_names: labels shown to text agents (default ``A1..AK``).
        progress: show a progress bar.
    Returns:
        An :class:`AgentTrace`. If the agent raises (an endpoint down after its retries), an
        :class:`AgentRunError` carries the partial trace of the finished rounds.

    Example:
        >>> from regretlab.envs import alternating
        >>> tr = play("ftl", alternating(), T=64)
        >>> float(tr.regret[-1, 0])
        32.0
    """
    from regretlab.core.registry import environments

    T = check_int("T", T, minimum=2)
    batch = check_int("batch", batch, minimum=1)
    if feedback not in ("full", "bandit"):
        raise ValueError(f"feedback must be 'full' or 'bandit', got {feedback!r}")
    if isinstance(env, str):
        from regretlab.run import make_env

        environments.get(env)
        env = make_env(env, T)
    agent = as_agent(agent, horizon=T)
    if feedback not in agent.accepts:
        raise ValueError(f"agent {agent.name!r} accepts feedback {agent.accepts}, got {feedback!r}")
    k = check_int("env.num_actions", getattr(env, "num_actions", None), minimum=1)
    names = list(action_names) if action_names is not None else [f"A{i + 1}" for i in range(k)]
    if len(names) != k:
        raise ValueError(f"action_names must name {k} actions, got {len(names)}")
    keys = rng.spawn_keys(seed, batch)
    agent.reset(keys, k)
    estate = env.init(keys)
    akeys = rng.derive(keys, "action")
    hist = History("loss", feedback, k, names)
    rows = np.arange(batch)
    cum_loss, cum_exp = np.zeros((batch, k)), np.zeros(batch)
    regret: list[np.ndarray] = []
    true_losses: list[np.ndarray] = []  # the full vectors, kept even when the agent sees only bandit feedback
    records: list[dict[str, Any]] = []
    bar = _bar(T, f"{agent.name} vs {_env_name(env)}") if progress else None
    start = time.perf_counter()

    def trace() -> AgentTrace:
        n = len(regret)
        st = np.stack(hist.strategies[:n]) if n else np.zeros((0, batch, k))
        return AgentTrace(agent.name, _env_name(env), feedback, T, seed,
                          np.stack(regret) if n else np.zeros((0, batch)), st,
                          np.stack(true_losses[:n]) if n else np.zeros((0, batch, k)),
                          np.stack(hist.actions[:n]) if n else np.zeros((0, batch), dtype=np.int64),
                          records, time.perf_counter() - start)

    try:
        for t in range(T):
            try:
                p = check_strategy(agent.act(hist), batch, k, f"agent {agent.name!r}")
            except (EndpointError, KeyboardInterrupt) as exc:
                records.extend(_tag(agent.drain(), t))
                raise AgentRunError(f"round {t + 1} of {T}: {exc}", trace()) from exc
            records.extend(_tag(agent.drain(), t))
            estate, u = env.step(estate, p)
            loss = -np.asarray(u, dtype=np.float64)
            a = rng.sample_actions(akeys, t, p)
            cum_loss += loss
            cum_exp += np.einsum("bk,bk->b", p, loss)
            regret.append(cum_exp - cum_loss.min(axis=1))
            true_losses.append(loss)
            hist.strategies.append(p)
            hist.values.append(loss if feedback == "full" else np.full_like(loss, np.nan))
            hist.actions.append(a)
            hist.observed.append(loss[rows, a])
            if feedback == "full":
                agent.observe(FullInfo(-loss))
            else:
                agent.observe(Bandit(a, -loss[rows, a], p[rows, a]))
            if bar is not None:
                bar.advance(t + 1)
            if on_round is not None:
                on_round(t + 1)
    finally:
        if bar is not None:
            bar.close()
    return trace()


def _tag(recs: list[dict[str, Any]], t: int) -> list[dict[str, Any]]:
    for r in recs:
        r.setdefault("round", t + 1)
        r.setdefault("run", 0)
    return recs


def transcript_rows(records: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Transcripts as tidy columns (round, run, player, attempt, prompt, reply, strategy, fallback, error)."""
    cols: dict[str, list[Any]] = {k: [] for k in ("round", "run", "player", "attempt", "prompt", "reply",
                                                  "strategy", "fallback", "error")}
    for r in records:
        cols["round"].append(int(r.get("round", 0)))
        cols["run"].append(int(r.get("run", 0)))
        cols["player"].append(int(r.get("player", 0)))
        cols["attempt"].append(int(r.get("attempt", 0)))
        cols["prompt"].append(str(r.get("prompt", "")))
        cols["reply"].append(str(r.get("reply", "")))
        s = r.get("strategy")
        cols["strategy"].append("" if s is None else ",".join(f"{x:.6g}" for x in np.ravel(s)))
        cols["fallback"].append(bool(r.get("fallback", False)))
        cols["error"].append(str(r.get("error", "")))
    return cols


# --------------------------------------------------------------------------- repeated games
@dataclass
class GameTrace:
    """A repeated game's record.

    Attributes:
        regret: ``[t, B, P]`` each player's expected external regret (own mixing averaged out).
        realized_regret: ``[t, B, P]`` regret of the sampled actions.
        cce_gap: ``[t, B]`` CCE gap of the empirical joint distribution after each round.
        strategies: P arrays ``[t, B, K_i]``; actions ``[t, B, P]``.
    """

    agents: list[str]
    game: str
    feedback: str
    horizon: int
    seed: int
    regret: np.ndarray  # [t, B, P]
    realized_regret: np.ndarray  # [t, B, P]
    cce_gap: np.ndarray  # [t, B]
    strategies: list[np.ndarray]
    actions: np.ndarray  # [t, B, P]
    joint: np.ndarray  # [B, K1..KP] empirical joint distribution at the end
    records: list[dict[str, Any]]
    seconds: float = 0.0

    @property
    def fallbacks(self) -> int:
        return int(sum(bool(r.get("fallback")) for r in self.records))

    def tests(self, player: int) -> dict[str, Any]:
        return sublinearity(self.regret[:, :, player].mean(axis=1))

    def to_rows(self) -> dict[str, np.ndarray]:
        n, b, p = self.regret.shape
        return {
            "game": np.array([self.game] * (n * b * p)),
            "learner": np.array([self.agents[i] for _ in range(n * b) for i in range(p)]),
            "player": np.tile(np.arange(p), n * b),
            "run": np.tile(np.repeat(np.arange(b), p), n),
            "round": np.repeat(np.arange(1, n + 1), b * p),
            "regret": self.regret.reshape(-1),
            "realized_regret": self.realized_regret.reshape(-1),
            "cce_gap": np.repeat(self.cce_gap.reshape(-1), p),
        }


def play_game(
    agents: Sequence[Any],
    game: Any,
    T: int,
    *,
    batch: int = 1,
    seed: int = 0,
    feedback: str = "realized",
    every: int = 1,
    progress: bool = False,
) -> GameTrace:
    """Repeated play of a normal-form game by ``P`` agents with payoff-vector feedback.

    Each round every player ``i`` announces ``x_i^t [B, K_i]``, actions ``a_i^t ~ x_i^t`` are
    drawn, and player ``i`` receives ``u_i(., a_{-i}^t)`` (``"realized"``) or ``u_i(., x_{-i}^t)``
    (``"expected"``). The empirical joint distribution is ``(1/T) sum_t delta(a^t)`` (realized) or
    ``(1/T) sum_t (x)_i x_i^t`` (expected); its CCE gap equals ``max_i R_i / T`` where ``R_i`` is
    the realized (resp. expected) regret.

    Args:
        agents: P agents (or learner names / learners / callables).
        game: a :class:`~regretlab.games.normal_form.NormalFormGame` with payoffs in [0, 1].
        T: rounds (>= 2). every: compute the CCE gap every ``every`` rounds (NaN between).
    Returns:
        A :class:`GameTrace`.
    """
    from regretlab.games.normal_form import cce_gap

    T = check_int("T", T, minimum=2)
    batch = check_int("batch", batch, minimum=1)
    every = check_int("every", every, minimum=1)
    if feedback not in ("realized", "expected"):
        raise ValueError(f"feedback must be 'realized' or 'expected', got {feedback!r}")
    P, ks = game.num_players, game.num_actions
    if len(agents) != P:
        raise ValueError(f"agents must list one agent per player ({P}), got {len(agents)}")
    agents = [as_agent(a, horizon=T) for a in agents]
    keys = rng.spawn_keys(seed, batch)
    pkeys = rng.split(keys, P)  # [B, P] independent streams per player
    hists = [History("payoff", "full", k, [f"A{j + 1}" for j in range(k)], player=i) for i, k in enumerate(ks)]
    for i, ag in enumerate(agents):
        ag.reset(pkeys[:, i], ks[i])
    akeys = [rng.derive(pkeys[:, i], "action") for i in range(P)]
    cum_v = [np.zeros((batch, k)) for k in ks]
    cum_exp, cum_real = np.zeros((batch, P)), np.zeros((batch, P))
    joint = np.zeros((batch,) + tuple(ks))
    rows = np.arange(batch)
    reg: list[np.ndarray] = []  # T x [B, P]
    rreg: list[np.ndarray] = []  # T x [B, P]
    gaps: list[np.ndarray] = []  # T x [B]
    acts: list[np.ndarray] = []  # T x [B, P]
    recs: list[dict[str, Any]] = []
    bar = _bar(T, f"{'+'.join(a.name for a in agents)} on {game.name or 'game'}") if progress else None
    start = time.perf_counter()

    def trace() -> GameTrace:
        n = len(reg)
        strat = [np.stack(h.strategies[:n]) if n else np.zeros((0, batch, k)) for h, k in zip(hists, ks)]
        return GameTrace([a.name for a in agents], game.name or "game", feedback, T, seed,
                         np.stack(reg) if n else np.zeros((0, batch, P)),
                         np.stack(rreg) if n else np.zeros((0, batch, P)),
                         np.stack(gaps) if n else np.zeros((0, batch)), strat,
                         np.stack(acts) if n else np.zeros((0, batch, P), dtype=np.int64),
                         joint / max(n, 1), recs, time.perf_counter() - start)

    try:
        for t in range(T):
            xs = []
            for i, ag in enumerate(agents):
                try:
                    xs.append(check_strategy(ag.act(hists[i]), batch, ks[i], f"agent {ag.name!r}"))
                except (EndpointError, KeyboardInterrupt) as exc:
                    recs.extend(_tag([dict(r, player=i) for r in ag.drain()], t))
                    raise AgentRunError(f"round {t + 1} of {T}, player {i}: {exc}", trace()) from exc
                recs.extend(_tag([dict(r, player=i) for r in ag.drain()], t))
            a = np.stack([rng.sample_actions(akeys[i], t, xs[i]) for i in range(P)], axis=1)  # [B, P]
            onehot = [np.eye(k)[a[:, i]] for i, k in enumerate(ks)]
            if feedback == "expected":
                joint += game.joint_from_product(xs)
            else:
                np.add.at(joint, (rows,) + tuple(a[:, i] for i in range(P)), 1.0)
            for i in range(P):
                others = [xs[j] if feedback == "expected" else onehot[j] for j in range(P)]
                others[i] = xs[i]
                v = game.deviation_utilities(others, i)  # [B, K_i]
                cum_v[i] += v
                cum_exp[:, i] += np.einsum("bk,bk->b", xs[i], v)
                cum_real[:, i] += v[rows, a[:, i]]
                hists[i].strategies.append(xs[i])
                hists[i].values.append(v)
                hists[i].actions.append(a[:, i])
                hists[i].observed.append(v[rows, a[:, i]])
                if "full" in agents[i].accepts:
                    agents[i].observe(FullInfo(v))
                else:  # a bandit learner sees only the payoff of the action it played
                    agents[i].observe(Bandit(a[:, i], v[rows, a[:, i]], xs[i][rows, a[:, i]]))
            best = np.stack([c.max(axis=1) for c in cum_v], axis=1)
            reg.append(best - cum_exp)
            rreg.append(best - cum_real)
            acts.append(a)
            if (t + 1) % every == 0 or t + 1 == T:
                gaps.append(np.atleast_1d(cce_gap(game, joint / (t + 1))))
            else:
                gaps.append(np.full(batch, np.nan))
            if bar is not None:
                bar.advance(t + 1)
    finally:
        if bar is not None:
            bar.close()
    return trace()


def _bar(total: int, label: str) -> Any:
    """The library's progress bar (regretlab.progress): rounds done, off with REGRETLAB_PROGRESS=0."""
    from regretlab.progress import bar

    return bar(total, f"{label} (rounds)", transient=True)


def simplex_fallback(kind: str, k: int, previous: np.ndarray | None) -> np.ndarray:
    """The declared fallback strategy: ``"uniform"`` or ``"previous"`` (uniform at round 1)."""
    if kind == "previous" and previous is not None:
        return project_simplex(np.asarray(previous, dtype=float)[None])[0]
    return np.full(k, 1.0 / k)
