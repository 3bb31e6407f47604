"""The agent-regret harness: any agent (learner, callable, chat model, local LM, trained
transformer) that maps a history to a strategy, played in online learning or repeated games
through the one driver (:func:`regretlab.run.run`).

An agent becomes a learner of the one contract through :func:`as_learner`: its state holds the
:class:`History` the agent has seen and the per-run round ``t [B]``; ``strategy`` asks the agent,
``update`` records the feedback. :func:`play` is then ``run`` on the loss stream and
:func:`play_game` ``run`` on a :class:`~regretlab.games.normal_form.NormalFormSetting`; regret,
CCE gaps and the joint distribution of play come from :mod:`regretlab.metrics.ledger`.

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
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_int
from regretlab.core.simplex import project_simplex
from regretlab.core.types import Bandit, FullInfo
from regretlab.run import EnvSetting


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
        values: per round ``[B, K]`` the revealed losses/payoffs in [0, 1] (full information;
            NaN under bandit feedback, where the vector is not revealed).
        actions: per round ``[B]`` the sampled actions (bandit feedback: the agent is told what
            was drawn; under full information it is shown every value and this stays empty).
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
    """``p`` as a ``[B, K]`` array on the simplex, or a clear error naming ``who``.

    A ``[K]`` vector is shared by the ``B`` runs; entries down to ``-1e-9`` are clipped to 0 and
    the rows renormalised; rows must sum to 1 within ``1e-6``.

    Args:
        p: ``[B, K]`` or ``[K]`` probabilities.
        batch: ``B``. k: ``K``. who: named in the error.
    Returns:
        ``[B, K]`` float64.

    Example:
        >>> check_strategy([0.25, 0.75], 2, 2, "agent").tolist()
        [[0.25, 0.75], [0.25, 0.75]]
    """
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
        self.state = self.learner.update(self.state, learner_feedback(self.learner, feedback, self.k))


def learner_feedback(learner: Any, feedback: Any, num_actions: int) -> Any:
    """The feedback ``learner`` takes: a full-information learner given :class:`Bandit` feedback
    gets the importance-weighted estimate ``u_hat(i) = u 1[a = i] / pi(a)`` (``[B, K]``); other
    feedback passes unchanged.

    Example:
        >>> from regretlab.experts import hedge
        >>> fb = learner_feedback(hedge(lr=0.1), Bandit(np.array([1]), np.array([-0.5]), np.array([0.25])), 2)
        >>> fb.utility.tolist()
        [[0.0, -2.0]]
    """
    if isinstance(feedback, Bandit) and getattr(learner, "feedback", FullInfo) is FullInfo:
        b = feedback.action.size
        est = np.zeros((b, num_actions))
        est[np.arange(b), feedback.action] = feedback.reward / np.maximum(feedback.prob, 1e-12)
        return FullInfo(est)
    return feedback


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

    Args:
        obj: an :class:`Agent` (returned as is), a learner, a registered learner name or a
            callable ``history -> [B, K]``.
        horizon: ``T`` for a rate tuned to the horizon (names only; default 1000).
        utility_range: see above. params: parameters of a learner made by name.
    Returns:
        An :class:`Agent`.

    Example:
        >>> as_agent("hedge", horizon=100).name, as_agent(lambda h: [0.5, 0.5]).name
        ('hedge', '<lambda>')
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


# --------------------------------------------------------------------------- agents as learners
class _Log:
    """The rounds an agent has seen: append-only lists shared by successive states."""

    __slots__ = ("actions", "observed", "strategies", "values")

    def __init__(self, strategies: list[np.ndarray] | None = None, values: list[np.ndarray] | None = None,
                 actions: list[np.ndarray] | None = None, observed: list[np.ndarray] | None = None) -> None:
        self.strategies = [] if strategies is None else strategies  # n x [B, K]
        self.values = [] if values is None else values  # n x [B, K]
        self.actions = [] if actions is None else actions  # n x [B] (bandit feedback)
        self.observed = [] if observed is None else observed  # n x [B] (bandit feedback)

    def prefix(self, n: int) -> "_Log":
        """A copy of the first ``n`` rounds (for a state updated a second time)."""
        return _Log(self.strategies[:n], self.values[:n], self.actions[:n], self.observed[:n])


class AgentState(NamedTuple):
    """State of an agent played as a learner (:func:`as_learner`).

    Attributes:
        t: ``[B]`` rounds played, per run.
        log: the rounds seen; this state sees the first ``rounds`` entries of each list. The next
            state appends to the same lists (copy-on-update: a state updated a second time copies
            its ``rounds`` entries first), so an update costs O(1) and no state ever changes.
        rounds: the number of rounds this state has seen.
        names: the ``K`` action labels shown to text agents.
        inner: the wrapped learner's own state for a :class:`LearnerAgent` (played purely), else ``None``.
        answer: ``[p [B, K]]`` once the agent has been asked in this state, else ``[]``: an agent
            is asked once per state (a chat model would be paid twice for the same history).
    """

    t: np.ndarray  # [B]
    log: _Log
    rounds: int
    names: tuple[str, ...]
    inner: Any
    answer: list[np.ndarray]


class AgentLearner:
    """An :class:`Agent` as a learner of the one contract (made by :func:`as_learner`).

    ``init`` resets the agent and returns an empty :class:`AgentState`; ``strategy`` shows the
    agent the :class:`History` of its state and returns the checked ``[B, K]`` answer (asked
    once per state); ``update`` records the round's feedback in a new state (and passes it to the
    agent's ``observe``). A :class:`LearnerAgent` is played purely: its learner's state lives
    in :attr:`AgentState.inner`. The transcripts an agent writes (prompt, reply, strategy,
    fallback) are kept in :attr:`records`, tagged with ``round``, ``run`` and ``player``, and the
    newest state in :attr:`latest` (the driver returns curves, not learner states).

    Attributes:
        feedback: :class:`~regretlab.core.types.FullInfo` or :class:`~regretlab.core.types.Bandit`.
        rounds: rounds recorded in the newest state.
        interrupted: whether asking the agent raised (an endpoint down, Ctrl-C).
    """

    def __init__(self, agent: Any, feedback: str = "full", *, kind: str = "loss",
                 action_names: Sequence[str] | None = None, player: int = 0, horizon: int | None = None) -> None:
        self.agent = as_agent(agent, horizon=horizon)
        if feedback not in ("full", "bandit"):
            raise ValueError(f"feedback must be 'full' or 'bandit', got {feedback!r}")
        if feedback not in self.agent.accepts:
            raise ValueError(f"agent {self.agent.name!r} accepts feedback {self.agent.accepts}, got {feedback!r}")
        if kind not in ("loss", "payoff"):
            raise ValueError(f"kind must be 'loss' or 'payoff', got {kind!r}")
        self.mode, self.kind = feedback, kind
        self.feedback = FullInfo if feedback == "full" else Bandit
        self.action_names = None if action_names is None else [str(n) for n in action_names]
        self.player = check_int("player", player, minimum=0)
        self.horizon = None if horizon is None else check_int("horizon", horizon)
        self.name = self.agent.name
        kind_of = type(self.agent)
        self._pure = isinstance(self.agent, LearnerAgent) and all(
            getattr(kind_of, m) is getattr(LearnerAgent, m) for m in ("reset", "act", "observe"))
        self.records: list[dict[str, Any]] = []
        self.latest: AgentState | None = None
        self.interrupted = False

    @property
    def rounds(self) -> int:
        return 0 if self.latest is None else self.latest.rounds

    def init(self, keys: np.ndarray, num_actions: int) -> AgentState:
        """Reset the agent for ``B = len(keys)`` runs of ``num_actions`` actions."""
        k = check_int("num_actions", num_actions, minimum=1)
        names = self.action_names or [f"A{i + 1}" for i in range(k)]
        if len(names) != k:
            raise ValueError(f"action_names must name {k} actions, got {len(names)}")
        if self._pure:
            inner = self.agent.learner.init(keys, k)
        else:
            self.agent.reset(keys, k)
            inner = None
        self.records, self.interrupted = [], False
        self.latest = AgentState(np.zeros(len(keys), dtype=np.int64), _Log(), 0, tuple(names), inner, [])
        return self.latest

    def history(self, state: AgentState) -> History:
        """The :class:`History` the agent is shown in ``state``."""
        log = state.log if len(state.log.strategies) == state.rounds else state.log.prefix(state.rounds)
        return History(self.kind, self.mode, len(state.names), list(state.names), log.strategies, log.values,
                       log.actions, log.observed, self.player)

    def strategy(self, state: AgentState, context: Any = None) -> np.ndarray:
        """The agent's ``[B, K]`` strategy for the next round (asked once per state).

        After ``horizon`` rounds the run is over: the last announced strategy is returned and
        the agent is not asked about a round that is never played.
        """
        if state.answer:
            return state.answer[0]
        if self._pure:
            learner = self.agent.learner
            p = learner.strategy(state.inner, context) if context is not None else learner.strategy(state.inner)
        elif self.horizon is not None and 0 < self.horizon <= state.rounds:
            p = state.log.strategies[state.rounds - 1]
        else:
            try:
                p = self.agent.act(self.history(state))
            except BaseException:
                self.interrupted = True
                raise
            finally:
                for r in self.agent.drain():
                    r = dict(r)
                    r.setdefault("round", state.rounds + 1)
                    r.setdefault("run", 0)
                    r["player"] = self.player
                    self.records.append(r)
        p = check_strategy(p, state.t.size, len(state.names), f"agent {self.name!r}")
        state.answer.append(p)
        return p

    def update(self, state: AgentState, feedback: Any) -> AgentState:
        """A new state with the round recorded: values (losses ``-u`` or payoffs ``u``), and under
        bandit feedback the drawn action and its value."""
        p = self.strategy(state, getattr(feedback, "context", None))
        b, k = state.t.size, len(state.names)
        sign = -1.0 if self.kind == "loss" else 1.0
        if isinstance(feedback, FullInfo):
            value = sign * np.asarray(feedback.utility, dtype=np.float64)
            action = observed = None
        elif isinstance(feedback, Bandit):
            value = np.full((b, k), np.nan)
            action = np.asarray(feedback.action)
            observed = sign * np.asarray(feedback.reward, dtype=np.float64)
        else:
            raise TypeError(f"feedback must be FullInfo or Bandit, got {type(feedback).__name__}")
        inner = None
        if self._pure:
            learner = self.agent.learner
            inner = learner.update(state.inner, learner_feedback(learner, feedback, k))
        else:
            self.agent.observe(feedback)
        log = state.log if len(state.log.strategies) == state.rounds else state.log.prefix(state.rounds)
        log.strategies.append(p)
        log.values.append(value)
        if action is not None:
            log.actions.append(action)
            log.observed.append(observed)
        new = AgentState(state.t + 1, log, state.rounds + 1, state.names, inner, [])
        self.latest = new
        return new

    def played(self) -> list[np.ndarray]:
        """The strategies ``[B, K]`` of every round recorded in the newest state."""
        return [] if self.latest is None else self.latest.log.strategies[:self.latest.rounds]

    def __repr__(self) -> str:
        return f"as_learner({self.name}, {self.mode})"


def as_learner(agent: Any, feedback: str = "full", *, kind: str = "loss", action_names: Sequence[str] | None = None,
               player: int = 0, horizon: int | None = None) -> AgentLearner:
    """An agent as a learner of the one contract: ``p_t = agent.act(H_{t-1})``, ``H_t = H_{t-1} + round t``.

    The state holds the :class:`History` ``H`` the agent has seen and the round ``t [B]``;
    ``strategy(state)`` asks the agent (once per state), ``update(state, feedback)`` records the
    feedback (losses ``l = -u`` for ``kind="loss"``, payoffs ``u`` for ``"payoff"``; under
    bandit feedback only ``a_t`` and its value). So any agent plays through
    :func:`regretlab.run.run` and its regret comes from the ledger.

    Args:
        agent: an :class:`Agent`, a learner, a registered learner name or a callable ``history -> [B, K]``.
        feedback: ``"full"`` (``FullInfo(u [B, K])``) or ``"bandit"`` (``Bandit(a [B], u(a) [B], p(a) [B])``).
        kind: ``"loss"`` (online learning: the agent is shown losses) or ``"payoff"`` (games).
        action_names: ``K`` labels shown to text agents (default ``A1..AK``).
        player: the player index written into transcripts.
        horizon: rounds of the run; after them the agent is not asked again (default: always asked).
    Returns:
        An :class:`AgentLearner`; its ``records`` hold the agent's transcripts.

    Example:
        >>> from regretlab.envs import alternating
        >>> from regretlab.run import run
        >>> learner = as_learner(CallableAgent(lambda h: np.full(2, 0.5)), horizon=10)
        >>> run(learner, alternating(), T=10).final().tolist()  # uniform play: 0.5 (0.5 + 9) - (0.5 + 4)
        [0.25]

    Reference: Park et al., "Do LLM agents have regret?", ICLR 2025 (spec §2.1).
    """
    return AgentLearner(agent, feedback, kind=kind, action_names=action_names, player=player, horizon=horizon)


class _Replay:
    """Plays back recorded strategies (``n x [B, K]``): rebuilds the trace of a stopped run."""

    feedback = FullInfo

    def __init__(self, strategies: list[np.ndarray], name: str) -> None:
        self.strategies, self.name = strategies, name

    def init(self, keys: np.ndarray, num_actions: int) -> int:
        return 0

    def strategy(self, state: int, context: Any = None) -> np.ndarray:
        return self.strategies[min(state, len(self.strategies) - 1)]

    def update(self, state: int, feedback: Any) -> int:
        return state + 1


def _progress(total: int, label: str, show: bool, on_round: Callable[[int], None] | None) -> tuple[Any, Any]:
    """``(bar, callback)`` for the driver's ``progress``: a bar when asked, and ``on_round``."""
    bar = _bar(total, label) if show else None
    if bar is None and on_round is None:
        return None, False

    def report(done: int) -> None:
        if bar is not None:
            bar.update(done)
        if on_round is not None:
            on_round(done)

    return bar, report


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
        realized_regret: ``[t, B]`` regret of the sampled actions (from the ledger).
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
    realized_regret: np.ndarray | None = None  # [t, B]

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
    """Trend test and regression test on one regret curve, as a flat dict (NaN when undefined).

    The trend test asks whether ``R_t / t`` decreases; the regression test fits
    ``log R_t = a + s log t`` and asks whether ``s < 1`` (spec §2.2).

    Args:
        curve: ``[T]`` regret after each round.
    Returns:
        ``{trend_statistic, trend_pvalue, trend_reject, slope, slope_pvalue, slope_sublinear}``.

    Example:
        >>> out = sublinearity(np.sqrt(np.arange(1, 101)))
        >>> bool(out["trend_reject"]), round(out["slope"], 3), bool(out["slope_sublinear"])
        (True, 0.5, True)

    Reference: Park et al., "Do LLM agents have regret?", ICLR 2025.
    """
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


class LossStream(EnvSetting):
    """A loss environment as the one-player setting of :func:`play`: the environment's
    utilities (``-loss``) go to the agent, and the action drawn each round is evaluated
    (``trace.metrics["action"] [N, B]``) so that the trace keeps what was played."""

    def init(self, keys: np.ndarray) -> Any:
        return self.env.init(keys), None

    def context(self, state: Any, player: int) -> Any:
        return self.env.context(state[0])

    def step(self, state: Any, strategies: tuple[np.ndarray, ...],
             actions: tuple[np.ndarray | None, ...]) -> tuple[Any, tuple[np.ndarray, ...]]:
        inner, u = self.env.step(state[0], strategies[0])
        return (inner, actions[0]), (u,)

    def evaluate(self, state: Any, ledger: Any) -> dict[str, np.ndarray]:
        return {"action": state[1]}


def _online_trace(tr: Any, agent: str, env: Any, feedback: str, T: int, seed: int, batch: int, k: int,
                  records: list[dict[str, Any]], start: float) -> AgentTrace:
    if tr is None:  # stopped before the first round ended
        return AgentTrace(agent, _env_name(env), feedback, T, seed, np.zeros((0, batch)), np.zeros((0, batch, k)),
                          np.zeros((0, batch, k)), np.zeros((0, batch), dtype=np.int64), records,
                          time.perf_counter() - start, np.zeros((0, batch)))
    return AgentTrace(agent, _env_name(env), feedback, T, seed, tr.metrics["regret"], tr.strategies, -tr.utilities,
                      tr.metrics["action"].astype(np.int64), records, time.perf_counter() - start,
                      tr.metrics["realized_regret"])


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
    """Play ``agent`` against a loss environment for ``T`` rounds in ``batch`` runs, through the one driver.

    ``regret_T = sum_t <l_t, pi_t> - min_i sum_t l_t(i)`` from the ledger of
    ``run(as_learner(agent), LossStream(env), T)``: the agent announces ``pi_t``, the driver
    draws ``a_t ~ pi_t``, the agent sees ``l_t`` (full) or ``l_t(a_t)`` (bandit).

    Args:
        agent: an :class:`Agent`, a learner, a registered learner name or a callable.
        env: a loss environment (``regretlab.envs``) or a registered name.
        T: rounds (>= 2, so that the detectors are defined).
        batch: independent runs ``B``. seed: root seed (run keys ``spawn_keys(seed, B)``).
        feedback: ``"full"`` (the whole loss vector) or ``"bandit"`` (the sampled action's loss).
        action_names: labels shown to text agents (default ``A1..AK``).
        progress: show a progress bar.
        on_round: called with the number of rounds done (about 200 times a run; every round
            when ``T < 400``).
    Returns:
        An :class:`AgentTrace` (``regret [T, B]``, ``strategies``/``losses [T, B, K]``,
        ``actions [T, B]``). If the agent raises (an endpoint down after its retries, Ctrl-C),
        an :class:`AgentRunError` carries the partial trace of the finished rounds: the driver
        replays their recorded strategies on the same keys, which gives the same numbers.

    Example:
        >>> from regretlab.envs import alternating
        >>> tr = play("ftl", alternating(), T=64)
        >>> float(tr.regret[-1, 0])
        32.0

    Reference: Park et al., "Do LLM agents have regret?", ICLR 2025 (spec §2.1).
    """
    from regretlab.core.registry import environments
    from regretlab.run import run

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
    learner = as_learner(agent, feedback, kind="loss", action_names=names, horizon=T)
    setting = LossStream(env)
    keys = rng.spawn_keys(seed, batch)
    start = time.perf_counter()
    bar, report = _progress(T, f"{agent.name} vs {_env_name(env)}", progress, on_round)
    try:
        tr = run(learner, setting, T, keys=keys, seed=seed, history=True, progress=report)
    except (EndpointError, KeyboardInterrupt) as exc:
        done = learner.played()
        again = run(_Replay(done, agent.name), setting, len(done), keys=keys, seed=seed, history=True,
                    progress=False) if done else None
        partial = _online_trace(again, agent.name, env, feedback, T, seed, batch, k, learner.records, start)
        raise AgentRunError(f"round {len(done) + 1} of {T}: {exc}", partial) from exc
    finally:
        if bar is not None:
            bar.close()
    return _online_trace(tr, agent.name, env, feedback, T, seed, batch, k, learner.records, start)


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
        realized_regret: ``[t, B, P]`` regret of the sampled actions (NaN under expected play,
            where no action is drawn).
        cce_gap: ``[t, B]`` CCE gap of the empirical joint distribution after each round
            (every ``every`` rounds and at the last; NaN between).
        strategies: P arrays ``[t, B, K_i]``; actions ``[t, B, P]`` (-1 under expected play).
        joint: ``[B, K_1, ..., K_P]`` the empirical joint distribution of play at the end.
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


_GAME_SETTING: Any = None


def repeated_game(game: Any, mode: str = "realized") -> Any:
    """The setting of :func:`play_game`: ``NormalFormSetting(game, mode)`` whose players draw
    from the harness's key streams (player ``i``: child ``i`` of ``split(keys, P)``, its
    ``"action"`` stream for draws) and whose drawn actions are evaluated each record
    (``trace.metrics["action_i"] [N, B]``, realized play).

    Args:
        game: a :class:`~regretlab.games.normal_form.NormalFormGame`.
        mode: ``"realized"`` or ``"expected"``.
    Returns:
        A :class:`~regretlab.games.normal_form.NormalFormSetting` (no NashConv evaluation).

    Example:
        >>> from regretlab.games.normal_form import random_game
        >>> from regretlab.run import run
        >>> tr = run(["hedge", "hedge"], repeated_game(random_game(3, seed=0)), T=100, batch=2)
        >>> sorted(tr.metrics), tr.metrics["action_0"].shape
        (['action_0', 'action_1', 'cce_gap', 'regret'], (100, 2))
    """
    global _GAME_SETTING
    if _GAME_SETTING is None:
        from regretlab.games.normal_form.setting import NormalFormSetting

        class RepeatedGame(NormalFormSetting):
            __doc__ = repeated_game.__doc__

            def player_keys(self, keys: np.ndarray, player: int) -> tuple[np.ndarray, np.ndarray]:
                own = rng.split(keys, self.num_players)[:, player]
                return own, rng.derive(own, "action")

            def step(self, state: Any, strategies: tuple[np.ndarray, ...],
                     actions: tuple[np.ndarray | None, ...]) -> tuple[Any, tuple[np.ndarray, ...]]:
                _, us = super().step(state, strategies, actions)
                return actions, us

            def evaluate(self, state: Any, ledger: Any) -> dict[str, np.ndarray]:
                out = dict(super().evaluate(state, ledger))
                if self.samples_actions and state is not None:
                    out.update({f"action_{i}": a for i, a in enumerate(state)})
                return out

        _GAME_SETTING = RepeatedGame
    return _GAME_SETTING(game, mode, nash_conv=False)


def _game_trace(tr: Any, names: list[str], game: Any, feedback: str, T: int, seed: int, batch: int, every: int,
                records: list[dict[str, Any]], start: float) -> GameTrace:
    ks, p = tuple(game.num_actions), game.num_players
    label = getattr(game, "name", None) or "game"
    records = sorted(records, key=lambda r: (r["round"], r["player"]))  # a round's transcripts, player by player
    if tr is None:
        return GameTrace(names, label, feedback, T, seed, np.zeros((0, batch, p)), np.zeros((0, batch, p)),
                         np.zeros((0, batch)), [np.zeros((0, batch, k)) for k in ks],
                         np.zeros((0, batch, p), dtype=np.int64), np.zeros((batch,) + ks), records,
                         time.perf_counter() - start)
    n = tr.rounds.size
    regret = np.stack([pl["regret"] for pl in tr.players], axis=-1)
    realized = feedback == "realized"
    rreg = np.stack([pl["realized_regret"] for pl in tr.players], axis=-1) if realized else np.full_like(regret, np.nan)
    gap = np.array(tr.metrics["cce_gap"], dtype=np.float64)
    off = (tr.rounds % every != 0) & (tr.rounds != T)
    gap[off] = np.nan
    strategies = [np.stack(tr.ledger.books[i].history["strategy"]) for i in range(p)]
    actions = (np.stack([tr.metrics[f"action_{i}"] for i in range(p)], axis=-1).astype(np.int64) if realized
               else np.full((n, batch, p), -1, dtype=np.int64))
    return GameTrace(names, label, feedback, T, seed, regret, rreg, gap, strategies, actions,
                     tr.ledger.joint_distribution(), records, time.perf_counter() - start)


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
    """Repeated play of a normal-form game by ``P`` agents with payoff-vector feedback, through the one driver.

    Each round every player ``i`` announces ``x_i^t [B, K_i]``; under ``"realized"`` play the
    driver draws ``a_i^t ~ x_i^t`` and player ``i`` is shown ``u_i(., a_{-i}^t)``, under
    ``"expected"`` play ``u_i(., x_{-i}^t)`` (no draws); an agent that accepts only bandit
    feedback is shown ``u_i(a^t)``. The empirical joint distribution is ``(1/T) sum_t delta(a^t)``
    (realized) or ``(1/T) sum_t (x)_i x_i^t`` (expected); its CCE gap is ``max_i R_i / T``
    (:func:`regretlab.metrics.ledger.cce_gap`) with ``R_i`` the realized (resp. expected) regret.

    Args:
        agents: P agents (or learner names / learners / callables).
        game: a :class:`~regretlab.games.normal_form.NormalFormGame` with payoffs in [0, 1].
        T: rounds (>= 2). batch: runs ``B``. seed: root seed.
        feedback: ``"realized"`` or ``"expected"``.
        every: report the CCE gap every ``every`` rounds and at ``T`` (NaN between).
        progress: show a progress bar.
    Returns:
        A :class:`GameTrace` (``regret [T, B, P]``, ``cce_gap [T, B]``, ``joint [B, K_1..K_P]``).
        If an agent raises, an :class:`AgentRunError` carries the trace of the finished rounds.

    Example:
        >>> from regretlab.games.normal_form import random_game
        >>> tr = play_game(["hedge", "hedge"], random_game(3, seed=0), T=200, feedback="expected")
        >>> bool(np.isclose(tr.cce_gap[-1, 0], tr.regret[-1, 0].max() / 200))
        True

    Reference: Park et al., ICLR 2025 (spec §2.6 target 4); Hart & Mas-Colell, Econometrica 2000.
    """
    from regretlab.run import run

    T = check_int("T", T, minimum=2)
    batch = check_int("batch", batch, minimum=1)
    every = check_int("every", every, minimum=1)
    if feedback not in ("realized", "expected"):
        raise ValueError(f"feedback must be 'realized' or 'expected', got {feedback!r}")
    P, ks = game.num_players, game.num_actions
    if len(agents) != P:
        raise ValueError(f"agents must list one agent per player ({P}), got {len(agents)}")
    made = [as_agent(a, horizon=T) for a in agents]
    players = [as_learner(a, "full" if "full" in a.accepts else "bandit", kind="payoff",
                          action_names=[f"A{j + 1}" for j in range(ks[i])], player=i, horizon=T)
               for i, a in enumerate(made)]
    setting = repeated_game(game, feedback)
    keys = rng.spawn_keys(seed, batch)
    names = [a.name for a in made]
    start = time.perf_counter()
    bar, report = _progress(T, f"{'+'.join(names)} on {getattr(game, 'name', None) or 'game'}", progress, None)
    records = lambda: [r for pl in players for r in pl.records]
    try:
        tr = run(players, setting, T, keys=keys, seed=seed, history=True, joint=True, progress=report)
    except (EndpointError, KeyboardInterrupt) as exc:
        done = min(len(pl.played()) for pl in players)
        who = next((i for i, pl in enumerate(players) if pl.interrupted), 0)
        again = run([_Replay(pl.played()[:done], pl.name) for pl in players], setting, done, keys=keys, seed=seed,
                    history=True, joint=True, progress=False) if done else None
        partial = _game_trace(again, names, game, feedback, T, seed, batch, every, records(), start)
        raise AgentRunError(f"round {done + 1} of {T}, player {who}: {exc}", partial) from exc
    finally:
        if bar is not None:
            bar.close()
    return _game_trace(tr, names, game, feedback, T, seed, batch, every, records(), start)


def _bar(total: int, label: str) -> Any:
    """The library's progress bar (regretlab.progress): rounds done, off with REGRETLAB_PROGRESS=0."""
    from regretlab.progress import bar

    return bar(total, f"{label} (rounds)", transient=True)


def simplex_fallback(kind: str, k: int, previous: np.ndarray | None) -> np.ndarray:
    """The declared fallback strategy: ``"uniform"`` or ``"previous"`` (uniform at round 1)."""
    if kind == "previous" and previous is not None:
        return project_simplex(np.asarray(previous, dtype=float)[None])[0]
    return np.full(k, 1.0 / k)
