"""Information-acquisition instances and mechanisms (Cacciamani, Castiglioni, Gatti, ICLR 2024).

A principal hires ``n`` agents. Agent ``i`` picks an effort ``b_i`` in ``B_i`` at cost ``c_i(b_i)``,
privately observes a signal ``s_i ~ P_i(. | b_i, theta)`` (independent across agents given the
state ``theta ~ mu``), and reports it. The principal then picks an action ``a`` with utility
``u(a, theta)`` and pays each agent ``gamma_i in [0, M]`` (limited liability).

Joint profiles are flattened in C order: ``b = ravel_multi_index((b_1..b_n), (|B_1|..|B_n|))`` and
likewise for signal profiles ``s``. Spec: ``specs/regret-papers.md`` section 3.1.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

import numpy as np

from regretlab.core.errors import check_array, check_int, check_positive

_TOL = 1e-9


@dataclass(frozen=True, eq=False)
class InfoInstance:
    """A multi-agent information-acquisition instance (spec section 3.1).

    Attributes:
        signals: one array per agent, ``P_i [B_i, Theta, S_i]``, rows summing to 1 over ``S_i``.
        costs: one array per agent, ``c_i [B_i] >= 0``.
        prior: ``mu [Theta]`` on the simplex.
        utility: principal utility ``u [A, Theta]`` in [0, 1].
        payment_cap: ``M > 0``, the limited-liability cap on each payment.
        state_observed: ``True`` (the paper's model): the principal sees ``theta`` ex post and
            payments may depend on it. ``False``: peer-prediction variant, payments depend only
            on the recommendation and the reports.

    Example:
        >>> inst = random_instance(np.random.default_rng(0))
        >>> inst.num_agents, inst.num_profiles, inst.num_signal_profiles
        (2, 4, 4)
    """

    signals: tuple[np.ndarray, ...]
    costs: tuple[np.ndarray, ...]
    prior: np.ndarray  # [Theta]
    utility: np.ndarray  # [A, Theta]
    payment_cap: float = 1.0
    state_observed: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.signals, (list, tuple)) or len(self.signals) == 0:
            raise ValueError(
                f"signals must be a non-empty list of per-agent arrays [B_i, Theta, S_i], "
                f"got {type(self.signals).__name__}"
            )
        if not isinstance(self.costs, (list, tuple)) or len(self.costs) != len(self.signals):
            n = len(self.costs) if isinstance(self.costs, (list, tuple)) else "?"
            raise ValueError(
                f"costs must be a list with one array per agent ({len(self.signals)}), got {n}"
            )
        prior = check_array("prior", self.prior, shape=(None,))
        if prior.size == 0 or (prior < -_TOL).any() or abs(prior.sum() - 1) > 1e-8:
            raise ValueError(f"prior must be a probability vector over states, got {prior.tolist()}")
        theta = prior.size
        utility = check_array("utility", self.utility, shape=(None, theta))
        if utility.shape[0] == 0:
            raise ValueError("utility must have at least one principal action (shape [A, Theta])")
        if (utility < -_TOL).any() or (utility > 1 + _TOL).any():
            raise ValueError(
                f"utility must lie in [0, 1], got range [{utility.min():.3g}, {utility.max():.3g}]"
            )
        cap = check_positive("payment_cap", self.payment_cap)
        signals, costs = [], []
        for i, (p, c) in enumerate(zip(self.signals, self.costs)):
            p = check_array(f"signals[{i}]", p, shape=(None, theta, None))
            if p.shape[0] == 0 or p.shape[2] == 0:
                raise ValueError(f"signals[{i}] must have >= 1 effort and >= 1 signal, got {p.shape}")
            if (p < -_TOL).any():
                raise ValueError(f"signals[{i}] has a negative probability {p.min():.3g}")
            sums = p.sum(axis=2)
            bad = np.argwhere(np.abs(sums - 1) > 1e-8)
            if bad.size:
                b, t = bad[0]
                raise ValueError(
                    f"signals[{i}][effort {b}, state {t}] must sum to 1 over signals, "
                    f"got {sums[b, t]:.6g}"
                )
            c = check_array(f"costs[{i}]", c, shape=(p.shape[0],))
            if (c < 0).any():
                raise ValueError(
                    f"costs[{i}] must be >= 0 (costs of effort), got {c.tolist()}"
                )
            signals.append(np.clip(p, 0, None))
            costs.append(c)
        object.__setattr__(self, "signals", tuple(signals))
        object.__setattr__(self, "costs", tuple(costs))
        object.__setattr__(self, "prior", np.clip(prior, 0, None))
        object.__setattr__(self, "utility", utility)
        object.__setattr__(self, "payment_cap", cap)
        object.__setattr__(self, "state_observed", bool(self.state_observed))

    # --- sizes ------------------------------------------------------------------------------
    @property
    def num_agents(self) -> int:
        return len(self.signals)

    @property
    def efforts(self) -> tuple[int, ...]:
        return tuple(p.shape[0] for p in self.signals)

    @property
    def signal_sizes(self) -> tuple[int, ...]:
        return tuple(p.shape[2] for p in self.signals)

    @property
    def num_states(self) -> int:
        return self.prior.size

    @property
    def num_actions(self) -> int:
        return self.utility.shape[0]

    @property
    def num_profiles(self) -> int:
        return int(np.prod(self.efforts))

    @property
    def num_signal_profiles(self) -> int:
        return int(np.prod(self.signal_sizes))

    # --- joint arrays -------------------------------------------------------------------------
    @cached_property
    def joint_signal(self) -> np.ndarray:
        """``P(s | b, theta)`` as ``[num_profiles, Theta, num_signal_profiles]``."""
        return joint_signal_law(self.signals).reshape(
            self.num_profiles, self.num_states, self.num_signal_profiles
        )

    def joint_signal_others(self, i: int) -> np.ndarray:
        """``P_{-i}(s_{-i} | b_{-i}, theta)`` with shape ``(B_{-i}..., Theta, S_{-i}...)``."""
        others = [p for j, p in enumerate(self.signals) if j != i]
        if not others:
            return np.ones((self.num_states,))
        return joint_signal_law(others)

    def with_model(self, signals: Sequence[np.ndarray], costs: Sequence[np.ndarray]) -> "InfoInstance":
        """A copy with estimated signal models and costs (used by the online learner)."""
        return InfoInstance(
            tuple(signals), tuple(costs), self.prior, self.utility, self.payment_cap,
            self.state_observed,
        )


def joint_signal_law(signals: Sequence[np.ndarray]) -> np.ndarray:
    """Product law ``P(s | b, theta) = prod_i P_i(s_i | b_i, theta)``.

    Args:
        signals: ``P_i [B_i, Theta, S_i]`` per agent.

    Returns:
        Array of shape ``(B_1, ..., B_n, Theta, S_1, ..., S_n)``.
    """
    n = len(signals)
    theta = signals[0].shape[1]
    out = np.ones((1,) * n + (theta,) + (1,) * n)
    for i, p in enumerate(signals):
        shape = [1] * (2 * n + 1)
        shape[i] = p.shape[0]
        shape[n] = theta
        shape[n + 1 + i] = p.shape[2]
        out = out * p.reshape(shape)
    return out


@dataclass(frozen=True, eq=False)
class Mechanism:
    """A (possibly correlated) mechanism ``(phi, pi, gamma)`` (spec section 3.1).

    Attributes:
        recommendation: ``phi [num_profiles]`` distribution over joint effort profiles.
        decision: ``pi [num_profiles, num_signal_profiles, A]``, the principal's action law given
            the recommendation and the reported signal profile.
        payment: ``gamma [n, num_profiles, num_signal_profiles, Theta]`` in ``[0, M]``.
        value: the principal's expected utility when every agent obeys and reports truthfully
            (filled by the solvers; ``nan`` when unknown).
    """

    recommendation: np.ndarray  # [nB]
    decision: np.ndarray  # [nB, nS, A]
    payment: np.ndarray  # [n, nB, nS, Theta]
    value: float = float("nan")


def random_instance(
    rng: np.random.Generator,
    *,
    agents: int = 2,
    efforts: int = 2,
    signals: int = 2,
    states: int = 2,
    actions: int = 2,
    payment_cap: float = 1.0,
    cost_scale: float = 0.2,
    state_observed: bool = True,
) -> InfoInstance:
    """A random instance: Dirichlet signal laws and prior, uniform utilities, uniform costs.

    Effort 0 costs nothing and yields a signal independent of the state (shirking), so the
    "nobody works" mechanism is always IC and information has to be paid for.

    Args:
        rng: NumPy generator.
        agents, efforts, signals, states, actions: sizes ``n, |B_i|, |S_i|, |Theta|, |A|``.
        payment_cap: ``M``.
        cost_scale: costs of efforts ``1..`` are uniform in ``[0, cost_scale]``.
        state_observed: see :class:`InfoInstance`.

    Returns:
        An :class:`InfoInstance` (``signals[i] [|B_i|, Theta, |S_i|]``, ``costs[i] [|B_i|]``,
        ``prior [Theta]``, ``utility [A, Theta]``).

    Example:
        >>> inst = random_instance(np.random.default_rng(0), agents=2, efforts=2, signals=2)
        >>> inst.num_agents, inst.efforts, inst.signal_sizes
        (2, (2, 2), (2, 2))
    """
    agents = check_int("agents", agents)
    efforts = check_int("efforts", efforts)
    signals = check_int("signals", signals)
    states = check_int("states", states)
    actions = check_int("actions", actions)
    sig = []
    for _ in range(agents):
        p = rng.dirichlet(np.ones(signals), size=(efforts, states))
        p[0] = rng.dirichlet(np.ones(signals))[None, :]  # effort 0: signal independent of the state
        sig.append(p)
    sig = tuple(sig)
    costs = tuple(
        np.concatenate([[0.0], rng.uniform(0, cost_scale, efforts - 1)]) for _ in range(agents)
    )
    prior = rng.dirichlet(np.ones(states))
    util = rng.uniform(0, 1, (actions, states))
    return InfoInstance(sig, costs, prior, util, payment_cap, state_observed)
