"""Explore-then-commit principal for unknown signal models and costs (spec section 3.3).

Known to the principal: prior ``mu``, utility ``u``, cap ``M`` and (Assumption 1) for every agent
``i`` and effort ``b`` a scoring rule ``gamma^{i,b}`` under which ``b`` is the agent's strict best
response by a margin ``iota > 0`` (and truthful reporting is optimal). Unknown: ``P_i`` and ``c_i``.

Phase 1 (signals): ``N_1`` rounds per effort level paying every agent ``gamma^{i,b}``; estimate
``P_i(s | b, theta)`` from the (report, state) counts. Phase 2 (costs): for each effort ``d != 0``
binary-search the weight ``alpha`` of ``alpha gamma^{i,d} + (1 - alpha) gamma^{i,0}`` at which the
agent's effort (inferred from its reports by likelihood) flips; the flip point gives
``c_i(d) - c_i(0)``. Phase 3 (commit): solve the section 3.2 LP on the estimates with IC rows
tightened by ``delta`` and mix each agent's payment with ``gamma^{i,b_i}`` at weight ``w``.
Regret ``R_T = T OPT - E sum_t V_t`` is ``O~(T^{2/3})`` with ``N_1, N_2 ~ T^{2/3}`` and
``delta, w ~ T^{-1/3}`` (Cacciamani, Castiglioni, Gatti, ICLR 2024).

All expected values are computed exactly against best-responding agents; only the estimation
counts are random, so the returned regret is the conditional expectation given the estimates.

Why this loop is not :func:`regretlab.run.run`: the principal's decision in a phase is a whole
mechanism (recommendations, decisions, payments) built from the estimates so far, played for a
block of rounds against agents who best-respond to it, and its regret is against ``OPT``, the
value of the best mechanism for the true instance, not against the best of a finite set of
actions whose counterfactual utilities a ledger could sum. The accounting is
:func:`regretlab.metrics.benchmark.benchmark_regret` over a :class:`~regretlab.metrics.benchmark.ValueBook`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.optimize import linprog

from regretlab.core.errors import check_int
from regretlab.mechanisms.agents import best_response, mechanism_value
from regretlab.mechanisms.instance import InfoInstance, Mechanism
from regretlab.mechanisms.lp import MechanismLPInfeasible, solve_correlated
from regretlab.metrics.benchmark import ValueBook, benchmark_regret


def assumption_rules(inst: InfoInstance) -> tuple[list[np.ndarray], np.ndarray]:
    """Assumption-1 scoring rules ``gamma^{i,b} [S_i, Theta]`` and their margins ``iota_i``.

    For each ``(i, b)``: ``max iota`` s.t. ``0 <= g <= M``; truthful reports are weakly optimal
    under every effort (``sum_theta mu P(s|d,theta)(g(s,theta) - g(s',theta)) >= 0``), strictly by
    ``iota`` under ``b``; and ``E_b[g] - c(b) >= E_d[g] - c(d) + iota`` for ``d != b``.

    Returns:
        ``(rules, iota)``: ``rules[i]`` is ``[B_i, S_i, Theta]``; ``iota [n]`` the smallest margin.

    Example:
        >>> rules, iota = assumption_rules(etc_instance())
        >>> [g.shape for g in rules], bool((iota > 0).all())
        ([(2, 2, 2), (2, 2, 2)], True)

    Reference: Assumption 1 of Cacciamani, Castiglioni & Gatti, ICLR 2024.
    """
    rules, margins = [], []
    for i, p in enumerate(inst.signals):
        bi, nt, si = p.shape
        c, mu, cap = inst.costs[i], inst.prior, inst.payment_cap
        out = np.zeros((bi, si, nt))
        worst = np.inf
        nv = si * nt + 1
        for b in range(bi):
            rows, rhs = [], []
            for d in range(bi):
                for s in range(si):
                    for s2 in range(si):
                        if s2 == s:
                            continue
                        row = np.zeros(nv)
                        row[s * nt : (s + 1) * nt] -= mu * p[d, :, s]
                        row[s2 * nt : (s2 + 1) * nt] += mu * p[d, :, s]
                        rows.append(row)
                        rhs.append(0.0)
                if d != b:
                    row = np.zeros(nv)
                    row[:-1] = (mu[None, :] * (p[d].T - p[b].T)).ravel()
                    row[-1] = 1.0
                    rows.append(row)
                    rhs.append(c[d] - c[b])
            obj = np.zeros(nv)
            obj[-1] = -1.0
            bounds = [(0, cap)] * (nv - 1) + [(None, cap)]
            res = linprog(obj, A_ub=np.asarray(rows), b_ub=np.asarray(rhs), bounds=bounds, method="highs")
            if res.status != 0:
                raise ValueError(f"no Assumption-1 scoring rule for agent {i}, effort {b}: {res.message}")
            out[b] = res.x[:-1].reshape(si, nt)
            worst = min(worst, res.x[-1])
        rules.append(out)
        margins.append(worst)
    return rules, np.asarray(margins)


@dataclass(frozen=True)
class PhaseSchedule:
    """Pluggable phase lengths of the ETC learner (callables of the horizon ``T``).

    Attributes:
        explore: rounds ``N_1`` per effort level in phase 1.
        search: rounds ``N_2`` per binary-search step in phase 2.
        steps: binary-search steps per effort pair.
        slack: IC tightening ``delta`` of the committed LP.
        mix: weight ``w`` of the strictly IC scoring rule mixed into the committed payments.
    """

    explore: Callable[[int], int]
    search: Callable[[int], int]
    steps: Callable[[int], int]
    slack: Callable[[int], float]
    mix: Callable[[int], float]

    @staticmethod
    def power(exponent: float = 2 / 3, c_explore: float = 1.0, c_search: float = 0.5,
              c_slack: float = 0.1, c_mix: float = 0.1) -> "PhaseSchedule":
        """``N_1 = c T^e``, ``N_2 = c T^e / steps``, ``steps = ceil(log2 T^{1-e})``, ``delta, w ~ T^{e-1}``."""
        def steps(t: int) -> int:
            return max(1, math.ceil((1 - exponent) * math.log2(t)))

        return PhaseSchedule(
            explore=lambda t: max(1, math.ceil(c_explore * t ** exponent)),
            search=lambda t: max(1, math.ceil(c_search * t ** exponent / steps(t))),
            steps=steps,
            slack=lambda t: c_slack * t ** (exponent - 1),
            mix=lambda t: min(1.0, c_mix * t ** (exponent - 1)),
        )


def _uncorrelated_mechanism(inst: InfoInstance, profile: tuple[int, ...], rules: list[np.ndarray]) -> Mechanism:
    """Point-mass recommendation, prior-optimal decision, payments ``rules[i] [S_i, Theta]``."""
    nb, ns, nt, na = inst.num_profiles, inst.num_signal_profiles, inst.num_states, inst.num_actions
    phi = np.zeros(nb)
    phi[np.ravel_multi_index(profile, inst.efforts)] = 1.0
    decision = np.zeros((nb, ns, na))
    decision[:, :, int(np.argmax(inst.utility @ inst.prior))] = 1.0
    sig_idx = np.array(list(np.ndindex(*inst.signal_sizes)))
    gamma = np.zeros((inst.num_agents, nb, ns, nt))
    for i, g in enumerate(rules):
        gamma[i] = g[sig_idx[:, i]][None]
    return Mechanism(phi, decision, gamma)


def _counts(rng, inst, i, effort, report_map, rounds) -> np.ndarray:
    """``[Theta, S_i]`` counts of (state, report) over ``rounds`` rounds."""
    p = inst.prior[:, None] * inst.signals[i][effort]  # [T, S_i]
    raw = rng.multinomial(rounds, p.ravel()).reshape(p.shape)
    out = np.zeros_like(raw)
    for s in range(p.shape[1]):
        out[:, report_map[s]] += raw[:, s]
    return out


@dataclass(frozen=True)
class ETCResult:
    """Outcome of one run of :func:`explore_then_commit` (values are per-round expectations)."""

    regret: float
    optimum: float
    commit_value: float
    explore_rounds: int
    signal_estimates: tuple[np.ndarray, ...]
    cost_estimates: tuple[np.ndarray, ...]
    obedient: bool


def explore_then_commit(
    inst: InfoInstance,
    horizon: int,
    rng: np.random.Generator,
    *,
    schedule: PhaseSchedule | None = None,
    rules: list[np.ndarray] | None = None,
    optimum: float | None = None,
) -> ETCResult:
    """Explore-then-commit principal (section 3.3): learn signal laws and costs, then commit to the robust LP mechanism.

    Phases: ``N_1`` rounds per effort level paying the Assumption-1 rules (signal counts),
    binary searches of ``N_2`` rounds per step on mixed rules (cost differences), then the rest
    of the ``horizon`` with the section 3.2 LP solved on the estimates (IC tightened by
    ``delta``, mixed with the strict rules at weight ``w``). ``R_T = T OPT - sum_t E[V_t]``.

    Args:
        inst: the true instance (agents know it; the learner only reads ``prior``, ``utility``,
            ``payment_cap`` and the Assumption-1 ``rules``).
        horizon: ``T``.
        rng: generator for the observation counts.
        schedule: phase lengths (default :meth:`PhaseSchedule.power`).
        rules: Assumption-1 rules (default :func:`assumption_rules` of ``inst``).
        optimum: ``OPT`` if already known.

    Returns:
        An :class:`ETCResult` with ``regret = T OPT - sum_t E[V_t]`` (a float).

    Example:
        >>> res = explore_then_commit(etc_instance(), 3000, np.random.default_rng(1))
        >>> res.explore_rounds < 3000, bool(res.regret >= 0)
        (True, True)

    Reference: Cacciamani, Castiglioni & Gatti, "Online Information Acquisition: Hiring Multiple
    Agents", ICLR 2024.
    """
    horizon = check_int("horizon", horizon)
    schedule = schedule or PhaseSchedule.power()
    if rules is None:
        rules, _ = assumption_rules(inst)
    opt = solve_correlated(inst).value if optimum is None else float(optimum)
    n = inst.num_agents
    book = ValueBook()  # sum_t E[V_t] of the mechanisms played, phase by phase

    def play(mech: Mechanism, rounds: int):
        rounds = min(rounds, horizon - book.rounds)
        beh = best_response(inst, mech)
        book.add(mechanism_value(inst, mech, beh), rounds)
        return beh, rounds

    # Phase 1: signal laws, every agent explored in parallel.
    n1 = schedule.explore(horizon)
    counts = [np.zeros((b, inst.num_states, s)) for b, s in zip(inst.efforts, inst.signal_sizes)]
    for k in range(max(inst.efforts)):
        profile = tuple(k % b for b in inst.efforts)
        mech = _uncorrelated_mechanism(inst, profile, [rules[i][profile[i]] for i in range(n)])
        beh, rounds = play(mech, n1)
        for i in range(n):
            e = int(beh.effort[i][profile[i]])
            counts[i][profile[i]] += _counts(rng, inst, i, e, beh.report[i][profile[i]], rounds)
    p_hat = []
    for c in counts:
        tot = c.sum(axis=2, keepdims=True)
        p_hat.append(np.where(tot > 0, c / np.maximum(tot, 1), 1.0 / c.shape[2]))

    # Phase 2: cost differences c_i(d) - c_i(0) by binary search on the mixing weight.
    n2, steps = schedule.search(horizon), schedule.steps(horizon)
    lo = [np.zeros(b) for b in inst.efforts]
    hi = [np.ones(b) for b in inst.efforts]
    for d in range(1, max(inst.efforts)):
        active = [d < b for b in inst.efforts]
        for _ in range(steps):
            alpha = [(lo[i][d] + hi[i][d]) / 2 if active[i] else 0.0 for i in range(n)]
            pay = [
                alpha[i] * rules[i][d] + (1 - alpha[i]) * rules[i][0] if active[i] else rules[i][0]
                for i in range(n)
            ]
            profile = tuple(d if active[i] else 0 for i in range(n))
            mech = _uncorrelated_mechanism(inst, profile, pay)
            beh, rounds = play(mech, n2)
            for i in range(n):
                if not active[i]:
                    continue
                e = int(beh.effort[i][profile[i]])
                obs = _counts(rng, inst, i, e, beh.report[i][profile[i]], rounds)
                ll = [float((obs * np.log(np.clip(p_hat[i][x], 1e-12, None))).sum()) for x in (0, d)]
                if ll[1] >= ll[0]:  # still the costly effort: the flip point is below alpha
                    hi[i][d] = alpha[i]
                else:
                    lo[i][d] = alpha[i]
    c_hat = []
    for i in range(n):
        est = np.zeros(inst.efforts[i])
        for d in range(1, inst.efforts[i]):
            a = (lo[i][d] + hi[i][d]) / 2
            g = a * rules[i][d] + (1 - a) * rules[i][0]
            diff = inst.prior[:, None] * (p_hat[i][d] - p_hat[i][0])  # [T, S_i]
            est[d] = float((diff * g.T).sum())
        c_hat.append(np.clip(est - est.min(), 0, None))

    # Phase 3: commit to the robust LP solution mixed with the strictly IC rules.
    estimate = inst.with_model(p_hat, c_hat)
    delta = schedule.slack(horizon)
    while True:
        try:
            mech = solve_correlated(estimate, slack=delta)
            break
        except MechanismLPInfeasible:
            if delta < 1e-9:
                raise
            delta /= 2
    w = schedule.mix(horizon)
    sig_idx = np.array(list(np.ndindex(*inst.signal_sizes)))
    prof_idx = np.array(list(np.ndindex(*inst.efforts)))
    gamma = mech.payment.copy()
    for i in range(n):
        strict = rules[i][prof_idx[:, i]][:, sig_idx[:, i], :]  # [nB, nS, T]
        gamma[i] = (1 - w) * gamma[i] + w * strict
    committed = Mechanism(mech.recommendation, mech.decision, gamma)
    explore_rounds = book.rounds
    beh, rounds = play(committed, horizon - book.rounds)
    commit_value = mechanism_value(inst, committed, beh)
    return ETCResult(
        regret=benchmark_regret(opt, book, horizon),
        optimum=opt,
        commit_value=commit_value,
        explore_rounds=explore_rounds,
        signal_estimates=tuple(p_hat),
        cost_estimates=tuple(c_hat),
        obedient=beh.is_obedient(),
    )


def etc_instance() -> InfoInstance:
    """The fixed two-agent instance of target 3 (section 3.4): binary state, signals, efforts.

    Shirking (effort 0, free) gives a signal independent of the state; working gives a signal
    that matches the state with probability 0.85 (agent 0) or 0.8 (agent 1). The principal picks
    a safe action (utility 0.7) or bets on a state (utility 1 if right, 0 if wrong).

    Returns:
        An :class:`InfoInstance` with 2 agents, 2 efforts, 2 signals, 2 states and 3 actions.

    Example:
        >>> inst = etc_instance()
        >>> inst.num_agents, inst.num_actions, inst.payment_cap
        (2, 3, 1.0)
    """
    work0 = np.array([[0.85, 0.15], [0.15, 0.85]])
    work1 = np.array([[0.8, 0.2], [0.2, 0.8]])
    shirk = np.array([[0.5, 0.5], [0.5, 0.5]])
    utility = np.array([[1.0, 0.0], [0.0, 1.0], [0.7, 0.7]])
    return InfoInstance(
        (np.stack([shirk, work0]), np.stack([shirk, work1])),
        (np.array([0.0, 0.005]), np.array([0.0, 0.005])),
        np.array([0.5, 0.5]),
        utility,
        payment_cap=1.0,
    )
