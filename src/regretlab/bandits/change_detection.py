r"""Actively adaptive bandits for piecewise-stationary rewards: a UCB index on the samples since the
last detected change, a change detector on each arm, and forced exploration so that every arm keeps
being watched.

* :func:`m_ucb` (Cao, Wen, Kveton & Xie 2019): UCB1 + a two-window mean-shift test on the last
  ``w`` samples of the pulled arm; a detection restarts every arm.
* :func:`glr_kl_ucb` (Besson, Kaufmann, Maillard & Seznec 2022): kl-UCB + the Bernoulli
  generalised likelihood ratio test over every split point of the arm's samples since its
  restart; a detection restarts the arm (``local``) or every arm (``global``).

Both follow the batched contract (``feedback = Bandit``, one-hot strategies, a per-run round
counter ``t [B]``) with rewards normalised to ``x = (r - lo)/(hi - lo) ∈ [0, 1]``. Each state
keeps ``tau``, the round of the last restart (per run, or per run and arm), and ``changes [B]``,
the detections so far. Past samples live in windows that successive states share
(:mod:`regretlab.bandits._windows`), so an update costs ``O(B w)`` at most, not a copy of them.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from regretlab.core.errors import check_int, check_positive, check_probability
from regretlab.core.registry import register

from regretlab.bandits._common import check_range, init_keys, round_counter
from regretlab.bandits._windows import RingView, new_view
from regretlab.bandits.nonstationary import _IndexBase

__all__ = ["DetectState", "GLRklUCB", "MUCB", "glr_kl_ucb", "m_ucb"]


class DetectState(NamedTuple):
    """State of M-UCB and GLR-kl-UCB."""

    t: np.ndarray  # [B] int64 rounds played
    key: np.ndarray  # [B] uint64 learner keys
    count: np.ndarray  # [B, K] pulls of each arm since its last restart
    total: np.ndarray  # [B, K] their normalised rewards summed
    tau: np.ndarray  # [B] (M-UCB) or [B, K] (GLR) int64: round (1-based) of the last restart, 0 before any
    changes: np.ndarray  # [B] int64 changes detected so far
    window: RingView  # per (run, arm): M-UCB's last w rewards, GLR's checkpoints of running sums


def _period(k: int, exploration: float) -> int:
    """``⌊K/γ⌋`` (0: no forced exploration)."""
    return 0 if exploration == 0.0 else max(int(math.floor(k / exploration)), k)


class MUCB(_IndexBase):
    r"""M-UCB: UCB1 restarted when a mean shift is detected on the pulled arm.

    Forced exploration pulls arm ``r`` when ``r = (t - τ) mod ⌊K/γ⌋ ∈ [1, K]``; otherwise
    :math:`\arg\max_i \bar X_i + \sqrt{2 \ln(t - \tau)/n_i}` on the samples since the restart
    ``τ``. Once the pulled arm has ``w`` samples since ``τ``, a change is declared when
    :math:`|\sum_{j=w/2+1}^{w} Y_j - \sum_{j=1}^{w/2} Y_j| > b` over its last ``w`` rewards.
    With ``w``, ``b``, ``γ`` as in Cao et al. 2019 (Thm 1, Cor. 1): ``E[R_T] = O(sqrt(M K T ln T))``
    for ``M`` segments whose changes are large enough to be detected.
    """

    name = "m_ucb"

    def __init__(self, window: int, threshold: float | None, exploration: float, horizon: int,
                 reward_range: tuple[float, float] = (0.0, 1.0)) -> None:
        window = check_int("window", window, minimum=2)
        if window % 2:
            raise ValueError(f"window must be an even integer >= 2, got {window}")
        self.window = window
        self.threshold = None if threshold is None else check_positive("threshold", threshold)
        self.exploration = check_probability("exploration", exploration)
        self.horizon = check_int("horizon", horizon)
        self.reward_range = check_range("reward_range", reward_range)

    def threshold_for(self, k: int) -> float:
        """``b``: given, or Cao et al.'s ``sqrt(w ln(2 K T²) / 2)``."""
        if self.threshold is not None:
            return self.threshold
        return math.sqrt(self.window * math.log(2 * k * self.horizon**2) / 2)

    def init(self, keys: Any, num_actions: int) -> DetectState:
        """State for ``B = len(keys)`` runs over ``K = num_actions`` arms."""
        k = check_int("num_actions", num_actions)
        key = init_keys(keys)
        b = key.size
        return DetectState(round_counter(b), key, np.zeros((b, k)), np.zeros((b, k)), round_counter(b),
                           round_counter(b), new_view(1, b, k, self.window))

    def strategy(self, state: DetectState, context: Any = None) -> np.ndarray:
        from regretlab.bandits import _nonstationary_kernels as kern

        k = state.count.shape[1]
        arm = kern.m_ucb_choice(state.count, state.total, state.t, state.tau, _period(k, self.exploration))
        return kern.one_hot(arm, k)

    def update(self, state: DetectState, feedback: Any) -> DetectState:
        from regretlab.bandits import _nonstationary_kernels as kern

        b, k = state.count.shape
        a, x = self._feedback(b, k, feedback)
        view = state.window
        ring = view.writable()
        head = view.head.copy()
        count, total, tau, hit = kern.m_ucb_step(ring.data, head, state.count, state.total, state.tau, state.t,
                                                 a, x, self.window, self.threshold_for(k))
        return DetectState(state.t + 1, state.key, count, total, tau, state.changes + hit,
                           view.appended(ring, head))


def _m_ucb_window(horizon: int, k: int, min_change: float) -> int:
    """Cao et al.'s ``w = (4/δ²)(sqrt(ln(2KT²)) + sqrt(ln(2T)))²``, rounded up to even."""
    w = 4.0 / min_change**2 * (math.sqrt(math.log(2 * k * horizon**2)) + math.sqrt(math.log(2 * horizon))) ** 2
    w = int(math.ceil(w))
    return w + (w % 2)


@register("m_ucb", family="bandits", tunes=("horizon", "reward_range"),
          test_params=[{"horizon": 2000, "window": 20, "reward_range": (-1e6, 1e6)},
                       {"horizon": 200, "window": 10, "threshold": 1.0, "exploration": 0.1, "reward_range": (-1e6, 1e6)}])
def m_ucb(horizon: int, window: int | None = None, threshold: float | None = None,
          exploration: float | None = None, *, changes: int = 1, min_change: float = 0.5,
          num_actions: int = 2, reward_range: tuple[float, float] = (0.0, 1.0)) -> MUCB:
    r"""M-UCB: UCB1 on the samples since the last detected change, with a windowed mean-shift test.

    .. math::
        A_t = \begin{cases} r & r = (t-\tau) \bmod \lfloor K/\gamma\rfloor \in [1, K] \\
        \arg\max_i \bar X_i + \sqrt{2\ln(t-\tau)/n_i} & \text{otherwise,}\end{cases}\qquad
        \Big|\sum_{j > w/2} Y_j - \sum_{j \le w/2} Y_j\Big| > b \Rightarrow \tau \leftarrow t,\ n \leftarrow 0.

    Args:
        horizon: ``T``.
        window: ``w`` (even): the pulled arm's last ``w`` samples are tested; default Cao et al.'s
            ``(4/δ²)(sqrt(ln(2KT²)) + sqrt(ln(2T)))²`` with ``δ = min_change`` and ``K = num_actions``.
        threshold: ``b``; default ``sqrt(w ln(2KT²)/2)`` (with the run's ``K``).
        exploration: ``γ ∈ [0, 1]``; default ``sqrt(changes K ln T / T)`` (capped at 1).
        changes: ``M - 1`` change points; min_change: ``δ``, the smallest change of a mean to detect;
        num_actions: ``K`` (for the defaults only).
        reward_range: declared ``(low, high)`` of rewards (default ``(0, 1)``).

    Returns:
        An :class:`MUCB` learner (``feedback = Bandit``; ``state.changes`` counts detections):
        ``E[R_T] = O(sqrt(M K T ln T))`` when every change is at least ``δ`` and the segments
        are long enough (Cao et al. 2019, Thm 1 and Cor. 1).

    Example:
        >>> learner = m_ucb(horizon=10_000, min_change=0.5, changes=2)
        >>> learner.window, round(learner.threshold_for(2), 2), round(learner.exploration, 3)
        (924, 95.66, 0.061)

    Paper: Cao, Wen, Kveton & Xie, "Nearly optimal adaptive procedure with change detection for
    piecewise-stationary bandit", AISTATS 2019, Algorithm 1 and Thm 1.
    """
    t = check_int("horizon", horizon)
    k = check_int("num_actions", num_actions)
    if window is None:
        window = _m_ucb_window(t, k, check_positive("min_change", min_change))
    if exploration is None:
        exploration = min(1.0, math.sqrt(check_int("changes", changes) * k * math.log(max(t, 2)) / t))
    return MUCB(window, threshold, exploration, t, reward_range)


class GLRklUCB(_IndexBase):
    r"""GLR-kl-UCB: kl-UCB on each arm's samples since its restart + the Bernoulli GLR change detector.

    Index :math:`\max\{q : n_i\, \mathrm{kl}(\hat\mu_i, q) \le \ln(t - \tau_i)\}`; forced exploration
    with probability ``α`` (deterministic, every ``⌊K/α⌋`` rounds); a change on arm ``i`` when
    :math:`\max_{s<n} s\,\mathrm{kl}(\hat\mu_{1:s}, \hat\mu_{1:n}) + (n-s)\,\mathrm{kl}(\hat\mu_{s+1:n}, \hat\mu_{1:n}) \ge \beta(n, \delta)`,
    ``β(n, δ) = ln(n^{3/2}/δ)``. Regret ``O(sqrt(Υ T ln T))`` with ``α``, ``δ`` tuned to a known
    number of changes ``Υ``, ``O(Υ sqrt(T ln T))`` otherwise (Besson et al. 2022; ``K`` and gaps
    in the constants).
    """

    name = "glr_kl_ucb"

    def __init__(self, delta: float, exploration: float, restart: str = "local", step: int = 10,
                 history: int = 256, iters: int = 30, reward_range: tuple[float, float] = (0.0, 1.0)) -> None:
        self.delta = check_probability("delta", delta)
        if self.delta == 0.0:
            raise ValueError("delta must be in (0, 1], got 0.0")
        self.exploration = check_probability("exploration", exploration)
        if restart not in ("local", "global"):
            raise ValueError(f"restart must be 'local' or 'global', got {restart!r}")
        self.restart = restart
        self.step = check_int("step", step)
        self.history = check_int("history", history, minimum=2)
        self.iters = check_int("iters", iters)
        self.reward_range = check_range("reward_range", reward_range)

    def init(self, keys: Any, num_actions: int) -> DetectState:
        """State for ``B = len(keys)`` runs over ``K = num_actions`` arms."""
        k = check_int("num_actions", num_actions)
        key = init_keys(keys)
        b = key.size
        return DetectState(round_counter(b), key, np.zeros((b, k)), np.zeros((b, k)),
                           np.zeros((b, k), dtype=np.int64), round_counter(b), new_view(1, b, k, self.history))

    def strategy(self, state: DetectState, context: Any = None) -> np.ndarray:
        from regretlab.bandits import _nonstationary_kernels as kern

        k = state.count.shape[1]
        arm = kern.glr_choice(state.count, state.total, state.t, state.tau, _period(k, self.exploration),
                              self.restart == "local", self.iters)
        return kern.one_hot(arm, k)

    def update(self, state: DetectState, feedback: Any) -> DetectState:
        from regretlab.bandits import _nonstationary_kernels as kern

        b, k = state.count.shape
        a, x = self._feedback(b, k, feedback)
        view = state.window
        ring = view.writable()
        head = view.head.copy()
        count, total, tau, hit = kern.glr_step(ring.data, head, state.count, state.total, state.tau, state.t, a, x,
                                               self.step, self.history, self.delta, self.restart == "local")
        return DetectState(state.t + 1, state.key, count, total, tau, state.changes + hit,
                           view.appended(ring, head))


@register("glr_kl_ucb", family="bandits", tunes=("horizon", "reward_range"),
          test_params=[{"horizon": 2000, "reward_range": (-1e6, 1e6)},
                       {"horizon": 200, "restart": "global", "step": 1, "history": 8, "exploration": 0.2, "reward_range": (-1e6, 1e6)}])
def glr_kl_ucb(horizon: int, delta: float | None = None, exploration: float | None = None, *,
               restart: str = "local", changes: int = 1, step: int = 10, history: int = 256, iters: int = 30,
               num_actions: int = 2, reward_range: tuple[float, float] = (0.0, 1.0)) -> GLRklUCB:
    r"""GLR-kl-UCB: kl-UCB restarted by a Bernoulli GLR change-point test on each arm.

    .. math::
        A_t = \arg\max_i \max\{q : n_i\,\mathrm{kl}(\hat\mu_i, q) \le \ln(t - \tau_i)\}\ \text{(or forced exploration)},\\
        \max_{s < n}\ s\,\mathrm{kl}(\hat\mu_{1:s}, \hat\mu_{1:n}) + (n - s)\,\mathrm{kl}(\hat\mu_{s+1:n}, \hat\mu_{1:n})
        \ge \ln\frac{n^{3/2}}{\delta} \Rightarrow \text{restart}.

    The test runs every ``step`` samples of an arm over the split points ``s = n - j step`` of its
    last ``history`` checkpoints (the paper's sub-sampling of the test, §6), so it costs
    ``O(history / step)`` per round.

    Args:
        horizon: ``T``.
        delta: the detector's confidence ``δ``; default ``1/sqrt(T)``.
        exploration: ``α``; default ``sqrt(changes K ln T / T)`` (``K = num_actions``, capped at 1).
        restart: ``"local"`` (restart the arm that changed) or ``"global"`` (every arm).
        changes: ``Υ`` for the defaults; num_actions: ``K`` for the default ``α``.
        step / history: test every ``step`` samples over the ``history`` newest checkpoints.
        iters: bisection steps of the kl-UCB index.
        reward_range: declared ``(low, high)`` of rewards (default ``(0, 1)``).

    Returns:
        A :class:`GLRklUCB` learner (``feedback = Bandit``; ``state.changes`` counts detections):
        ``R_T = O(sqrt(Υ T ln T))`` with ``α`` and ``δ`` tuned to a known ``Υ``.

    Example:
        >>> learner = glr_kl_ucb(horizon=10_000, changes=2)
        >>> learner.delta, round(learner.exploration, 3), learner.restart
        (0.01, 0.061, 'local')

    Paper: Besson, Kaufmann, Maillard & Seznec, "Efficient change-point detection for tackling
    piecewise-stationary bandits", JMLR 23 (2022), Algorithm 1 (GLR-klUCB) and its regret bounds.
    """
    t = check_int("horizon", horizon)
    k = check_int("num_actions", num_actions)
    if delta is None:
        delta = 1.0 / math.sqrt(t)
    if exploration is None:
        exploration = min(1.0, math.sqrt(check_int("changes", changes) * k * math.log(max(t, 2)) / t))
    return GLRklUCB(delta, exploration, restart, step, history, iters, reward_range)
