"""Agents' side of a mechanism: exact best responses, the exhaustive IC check, values, simulation.

Behavioural model (spec section 3.4, target 3): told its recommended effort ``b_i``, agent ``i``
picks the effort ``b'_i`` and report map ``psi_i : S_i -> S_i`` that maximise its expected payment
minus cost, assuming the other agents obey and report truthfully; ties go to obedience, then to
truthful reports. Reference: Cacciamani, Castiglioni, Gatti (ICLR 2024), IC definition of
``specs/regret-papers.md`` section 3.1.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from regretlab.core.errors import check_int
from regretlab.mechanisms.instance import InfoInstance, Mechanism, joint_signal_law


@dataclass(frozen=True)
class Behaviour:
    """What each agent does after each recommendation.

    Attributes:
        effort: per agent ``[B_i]`` int, the effort taken when told ``b_i``.
        report: per agent ``[B_i, S_i]`` int, the report map used when told ``b_i``.
    """

    effort: tuple[np.ndarray, ...]
    report: tuple[np.ndarray, ...]

    @staticmethod
    def obedient(inst: InfoInstance) -> "Behaviour":
        return Behaviour(
            tuple(np.arange(b) for b in inst.efforts),
            tuple(np.tile(np.arange(s), (b, 1)) for b, s in zip(inst.efforts, inst.signal_sizes)),
        )

    def is_obedient(self) -> bool:
        return all((e == np.arange(e.size)).all() for e in self.effort) and all(
            (r == np.arange(r.shape[1])[None]).all() for r in self.report
        )


def _agent_axes_first(arr: np.ndarray, inst: InfoInstance, i: int) -> np.ndarray:
    """``(Bs..., Ss..., Theta)`` -> ``[B_i, S_i, R_b, R_s, Theta]`` (others flattened)."""
    n = inst.num_agents
    a = np.moveaxis(arr, [i, n + i], [0, 1])
    bi, si = inst.efforts[i], inst.signal_sizes[i]
    rb = inst.num_profiles // bi
    rs = inst.num_signal_profiles // si
    return a.reshape(bi, si, rb, rs, inst.num_states)


def report_payoffs(inst: InfoInstance, mech: Mechanism, i: int) -> np.ndarray:
    """``W[b_i, b', s, s']``: agent ``i``'s ex-ante expected payment from reporting ``s'`` after
    observing ``s`` under effort ``b'`` when told ``b_i`` (others obedient and truthful).

    ``W = sum_theta mu(theta) P_i(s|b',theta) G[b_i, s', theta]`` with
    ``G[b_i, s', theta] = sum_{b_-i} phi(b) sum_{s_-i} P_-i(s_-i|b_-i,theta) gamma_i(b,(s',s_-i),theta)``.

    Returns:
        ``[B_i, B_i, S_i, S_i]`` (not normalised by ``phi_i(b_i)``).
    """
    n = inst.num_agents
    shape = inst.efforts + inst.signal_sizes + (inst.num_states,)
    g = _agent_axes_first(mech.payment[i].reshape(shape), inst, i)  # [B_i, S_i, Rb, Rs, T]
    phi = np.moveaxis(mech.recommendation.reshape(inst.efforts), i, 0).reshape(inst.efforts[i], -1)
    po = inst.joint_signal_others(i)
    if n > 1:
        po = np.moveaxis(po, n - 1, -1)
    po = po.reshape(g.shape[2], g.shape[3], inst.num_states)  # [Rb, Rs, T]
    big_g = np.einsum("ar,rqt,asrqt->ast", phi, po, g)
    return np.einsum("t,dts,aqt->adsq", inst.prior, inst.signals[i], big_g)


def best_response(inst: InfoInstance, mech: Mechanism, *, tol: float = 1e-9) -> Behaviour:
    """Each agent's exact best response (effort and report map) to every recommendation.

    ``(b', psi) = argmax sum_s W[b_i, b', s, psi(s)] - c_i(b') phi_i(b_i)``; the best map is found
    signal by signal, ties (within ``tol`` times ``phi_i(b_i)``) go to obedience and truth.

    Args:
        inst: instance (the true model the agents know).
        mech: the announced mechanism.
        tol: relative tie tolerance.

    Returns:
        A :class:`Behaviour`: ``effort[i] [|B_i|]`` and ``report[i] [|B_i|, |S_i|]`` per recommendation.

    Example:
        >>> from regretlab.mechanisms import etc_instance, solve_correlated
        >>> inst = etc_instance()
        >>> best_response(inst, solve_correlated(inst)).is_obedient()
        True
    """
    efforts, reports = [], []
    for i in range(inst.num_agents):
        bi, si = inst.efforts[i], inst.signal_sizes[i]
        w = report_payoffs(inst, mech, i)
        phi_i = np.moveaxis(mech.recommendation.reshape(inst.efforts), i, 0).reshape(bi, -1).sum(1)
        eff = np.arange(bi)
        rep = np.tile(np.arange(si), (bi, 1))
        for b in range(bi):
            scale = tol * max(phi_i[b], 1e-300)
            if phi_i[b] <= 0:
                continue
            best_map = np.empty((bi, si), dtype=np.int64)
            vals = np.empty(bi)
            for d in range(bi):
                m = w[b, d]  # [S_i, S_i]
                top = m.max(axis=1)
                truthful_ok = np.diag(m) >= top - scale
                best_map[d] = np.where(truthful_ok, np.arange(si), m.argmax(axis=1))
                vals[d] = m[np.arange(si), best_map[d]].sum() - inst.costs[i][d] * phi_i[b]
            d_star = b if vals[b] >= vals.max() - scale else int(vals.argmax())
            eff[b] = d_star
            rep[b] = best_map[d_star]
        efforts.append(eff)
        reports.append(rep)
    return Behaviour(tuple(efforts), tuple(reports))


@dataclass(frozen=True)
class ICReport:
    """Result of :func:`check_ic`.

    Attributes:
        ok: every deviation gains at most ``tol``.
        max_gain: largest gain of a deviation ``(b', psi)`` over obedience, ex ante (scaled by
            ``phi_i(b_i)``, as in the LP's constraints).
        max_gain_conditional: the same gain divided by ``phi_i(b_i)`` (given the recommendation).
        worst: ``(agent, recommended, deviation effort, report map)`` of the largest gain.
        checked: number of (agent, recommendation, effort, report map) deviations evaluated.
    """

    ok: bool
    max_gain: float
    max_gain_conditional: float
    worst: tuple
    checked: int


def ic_check_cost(inst: InfoInstance) -> tuple[int, float]:
    """``(evaluations, seconds)`` of :func:`check_ic`: one evaluation per agent, deviation effort and
    report map, each over the whole joint law (``seconds`` measured at about 20 us + 5 ns per
    joint outcome; a lower estimate)."""
    calls = sum(b * s ** s for b, s in zip(inst.efforts, inst.signal_sizes))
    outcomes = inst.num_profiles * inst.num_signal_profiles * inst.num_states
    return calls, calls * (20e-6 + 5e-9 * outcomes)


def check_ic(inst: InfoInstance, mech: Mechanism, *, tol: float = 1e-7, max_maps: int = 100_000,
             progress: bool = False) -> ICReport:
    """Exhaustive incentive-compatibility check: every agent, recommendation, effort and report map.

    For each ``psi in S_i^{S_i}`` the deviator's payment is summed directly over the joint law
    ``P(s | (b', b_-i), theta)`` (no signal-by-signal decomposition), so this check is independent
    of the LP's ``z`` linearisation.

    Args:
        inst: instance.
        mech: mechanism to check.
        tol: allowed gain.
        max_maps: refuse instances with more report maps than this per agent.
        progress: show a progress bar over the deviations (regretlab.progress).

    Returns:
        An :class:`ICReport`.

    Example:
        >>> from regretlab.mechanisms import etc_instance, solve_correlated
        >>> inst = etc_instance()
        >>> check_ic(inst, solve_correlated(inst)).ok
        True
    """
    n = inst.num_agents
    shape_b = inst.efforts
    prior = inst.prior
    phi = mech.recommendation.reshape(shape_b)
    best = (-np.inf, -np.inf, None)
    checked = 0
    for i in range(n):
        si = inst.signal_sizes[i]
        if si ** si > max_maps:
            raise ValueError(
                f"check_ic enumerates |S_i|^|S_i| report maps; agent {i} has {si ** si} > max_maps={max_maps}"
            )
    from regretlab.progress import bar

    pbar = bar(ic_check_cost(inst)[0], "exhaustive IC check (deviations)", transient=True) if progress else None
    done = 0
    for i in range(n):
        si, bi = inst.signal_sizes[i], inst.efforts[i]
        gamma = mech.payment[i].reshape(shape_b + inst.signal_sizes + (inst.num_states,))
        phi_i = np.moveaxis(phi, i, 0).reshape(bi, -1).sum(1)

        def payoff(dev: int, psi: np.ndarray) -> np.ndarray:
            sig = list(inst.signals)
            sig[i] = np.broadcast_to(inst.signals[i][dev], inst.signals[i].shape)
            law = joint_signal_law(sig)  # (Bs..., T, Ss...)
            law = np.moveaxis(law, n, -1)  # (Bs..., Ss..., T)
            g = np.take(gamma, psi, axis=n + i)
            pay = (law * g * prior).sum(axis=tuple(range(n, 2 * n + 1)))  # (Bs...)
            pay = phi * pay
            return np.moveaxis(pay, i, 0).reshape(bi, -1).sum(1)  # [B_i]

        identity = np.arange(si)
        obedient = np.array([payoff(b, identity)[b] for b in range(bi)]) - inst.costs[i] * phi_i
        for dev in range(bi):
            for psi in itertools.product(range(si), repeat=si):
                psi = np.asarray(psi)
                util = payoff(dev, psi) - inst.costs[i][dev] * phi_i
                gain = util - obedient
                checked += bi
                for b in range(bi):
                    if phi_i[b] <= 0:
                        continue
                    if gain[b] > best[0]:
                        best = (float(gain[b]), float(gain[b] / phi_i[b]), (i, b, dev, tuple(psi.tolist())))
                done += 1
                if pbar is not None and done % 256 == 0:
                    pbar.update(done)
    if pbar is not None:
        pbar.close()
    return ICReport(best[0] <= tol, best[0], best[1], best[2], checked)


def mechanism_value(inst: InfoInstance, mech: Mechanism, behaviour: Behaviour | None = None) -> float:
    """Principal's expected utility (decision utility minus payments) under ``behaviour``.

    ``V = sum_b phi(b) sum_theta mu sum_s P(s | b', theta) [sum_a pi(a|b, r(s)) u(a,theta) - sum_i gamma_i(b, r(s), theta)]``
    where ``b'`` are the efforts actually taken and ``r`` the reports.

    Args:
        inst: true instance.
        mech: the mechanism.
        behaviour: agents' behaviour; obedient and truthful when ``None``.

    Returns:
        The value (a float).

    Example:
        >>> from regretlab.mechanisms import etc_instance, solve_correlated
        >>> inst = etc_instance()
        >>> round(float(mechanism_value(inst, solve_correlated(inst))), 4)
        0.8575
    """
    beh = behaviour or Behaviour.obedient(inst)
    sig_idx = np.array(list(np.ndindex(*inst.signal_sizes)))  # [nS, n] in C order
    total = 0.0
    for b in np.flatnonzero(mech.recommendation > 0):
        prof = np.unravel_index(b, inst.efforts)
        actual = tuple(int(beh.effort[i][prof[i]]) for i in range(inst.num_agents))
        law = inst.joint_signal[np.ravel_multi_index(actual, inst.efforts)]  # [T, nS]
        rep = np.stack([beh.report[i][prof[i]][sig_idx[:, i]] for i in range(inst.num_agents)], 1)
        r = np.ravel_multi_index(tuple(rep.T), inst.signal_sizes)  # [nS]
        decision = mech.decision[b, r] @ inst.utility  # [nS, T]
        pay = mech.payment[:, b, r, :].sum(axis=0)  # [nS, T]
        total += mech.recommendation[b] * float((inst.prior[:, None] * law * (decision.T - pay.T)).sum())
    return total


class AgentSimulator:
    """Round-by-round play of a mechanism against exactly best-responding agents.

    Example:
        >>> from regretlab.mechanisms import random_instance, solve_correlated
        >>> inst = random_instance(np.random.default_rng(0))
        >>> out = AgentSimulator(inst).play(solve_correlated(inst), 100, np.random.default_rng(1))
        >>> sorted(out)
        ['action', 'effort', 'recommendation', 'report', 'state', 'utility']
    """

    def __init__(self, inst: InfoInstance):
        self.inst = inst

    def play(self, mech: Mechanism, rounds: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Simulate ``rounds`` rounds; returns per-round arrays (principal utility net of payments)."""
        rounds = check_int("rounds", rounds)
        inst = self.inst
        beh = best_response(inst, mech)
        rec = rng.choice(inst.num_profiles, size=rounds, p=mech.recommendation)
        prof = np.stack(np.unravel_index(rec, inst.efforts), 1)  # [R, n]
        state = rng.choice(inst.num_states, size=rounds, p=inst.prior)
        effort = np.stack([beh.effort[i][prof[:, i]] for i in range(inst.num_agents)], 1)
        report = np.empty_like(effort)
        for i, p in enumerate(inst.signals):
            probs = p[effort[:, i], state]  # [R, S_i]
            u = rng.random(rounds)[:, None]
            cdf = np.cumsum(probs, axis=1)
            cdf[:, -1] = np.inf
            s = np.argmax(cdf > u, axis=1)
            report[:, i] = beh.report[i][prof[:, i], s]
        r = np.ravel_multi_index(tuple(report.T), inst.signal_sizes)
        pi = mech.decision[rec, r]  # [R, A]
        u = rng.random(rounds)[:, None]
        cdf = np.cumsum(pi, axis=1)
        cdf[:, -1] = np.inf
        action = np.argmax(cdf > u, axis=1)
        pay = mech.payment[:, rec, r, state].sum(axis=0)
        utility = inst.utility[action, state] - pay
        return {
            "recommendation": rec, "effort": effort, "state": state, "report": report,
            "action": action, "utility": utility,
        }
