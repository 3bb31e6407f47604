"""Optimal uncorrelated mechanism: product recommendations and own-report scoring rules.

An uncorrelated mechanism recommends efforts independently, ``phi = prod_i phi_i``, and pays agent
``i`` by a scoring rule ``gamma_i(s_i, theta)`` of its own report only (``gamma_i(s_i)`` in the
peer-prediction variant where the state is not observed). Solver (spec section 3.4, target 2):
enumerate deterministic recommendation profiles, for each solve every agent's minimum-payment LP,
then optionally scan a grid of mixed ``phi_i``. Reference: Cacciamani, Castiglioni, Gatti (ICLR 2024).
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import linprog

from regretlab.core.errors import check_int
from regretlab.mechanisms.instance import InfoInstance, Mechanism
from regretlab.mechanisms.lp import bayes_decision


def min_payment_rule(inst: InfoInstance, i: int, weights: np.ndarray) -> tuple[float, np.ndarray | None]:
    """Cheapest scoring rule making every effort with positive weight IC for agent ``i``.

    ``min sum_b w_b E_{s,theta|b}[g(s,theta)]`` over ``0 <= g <= M`` s.t. for every ``b`` with
    ``w_b > 0`` and ``b'``: ``E_b[g] - c(b) >= sum_s max_{s'} sum_theta mu P(s|b',theta) g(s',theta) - c(b')``
    (the max linearised by ``z[b, b', s]``).

    Args:
        inst: instance.
        i: agent.
        weights: ``[B_i]`` recommendation probabilities ``phi_i``.

    Returns:
        ``(expected payment, g [S_i, Theta])`` or ``(inf, None)`` when no rule works.
    """
    p, c, mu, cap = inst.signals[i], inst.costs[i], inst.prior, inst.payment_cap
    bi, nt, si = p.shape
    tp = nt if inst.state_observed else 1
    support = np.flatnonzero(weights > 0)
    ng = si * tp
    nz = len(support) * bi * si
    gid = np.arange(ng).reshape(si, tp)
    gid_t = np.broadcast_to(gid, (si, nt)) if tp == 1 else gid
    zid = ng + np.arange(nz).reshape(len(support), bi, si)
    rows, cols, vals = [], [], []
    r = 0
    for k, b in enumerate(support):
        for d in range(bi):
            for s in range(si):
                for s2 in range(si):  # report rows: sum_theta mu P(s|d) g(s2) - z <= 0
                    cols += list(gid_t[s2]) + [zid[k, d, s]]
                    vals += list(mu * p[d, :, s]) + [-1.0]
                    rows += [r] * (nt + 1)
                    r += 1
            # obedience: sum_s z - E_b g + c(b) - c(d) <= 0  (constants to the rhs)
            cols += list(zid[k, d]) + list(gid_t.ravel())
            vals += [1.0] * si + list(-(mu[None, :] * p[b].T).ravel())
            rows += [r] * (si + si * nt)
            r += 1
    rhs = np.zeros(r)
    # rhs of the obedience rows: c(d) - c(b)
    r = 0
    for k, b in enumerate(support):
        for d in range(bi):
            r += si * si
            rhs[r] = c[d] - c[b]
            r += 1
    a = np.zeros((r, ng + nz))
    np.add.at(a, (np.asarray(rows), np.asarray(cols)), np.asarray(vals))
    obj = np.zeros(ng + nz)
    for b in support:
        np.add.at(obj, gid_t.ravel(), weights[b] * (mu[None, :] * p[b].T).ravel())
    bounds = [(0, cap)] * ng + [(0, None)] * nz
    res = linprog(obj, A_ub=a, b_ub=rhs, bounds=bounds, method="highs")
    if res.status != 0:
        return float("inf"), None
    g = res.x[:ng].reshape(si, tp)
    return float(res.fun), np.broadcast_to(g, (si, nt)).copy()


def information_value(inst: InfoInstance) -> np.ndarray:
    """``[nB]``: the principal's decision value ``sum_s max_a sum_theta mu P(s|b,theta) u(a,theta)``."""
    w = np.einsum("t,bts,at->bsa", inst.prior, inst.joint_signal, inst.utility)
    return w.max(axis=-1).sum(axis=-1)


def solve_uncorrelated(inst: InfoInstance, *, grid: int = 0) -> Mechanism:
    """Optimal uncorrelated mechanism (deterministic profiles, then an optional mixed grid).

    Value of a product ``phi``: ``sum_b phi(b) V_info(b) - sum_i min_g sum_{b_i} phi_i(b_i) E_{b_i}[g]``.

    Args:
        inst: instance.
        grid: if ``> 0``, also try every product of mixed ``phi_i`` on the grid with step
            ``1/grid`` (scoring rules shared by the efforts in an agent's support).

    Returns:
        The best :class:`Mechanism` found; payments do not depend on others' reports.

    Example:
        >>> from regretlab.mechanisms import etc_instance
        >>> round(solve_uncorrelated(etc_instance()).value, 4)
        0.8575

    Reference: Cacciamani, Castiglioni & Gatti, ICLR 2024 (uncorrelated mechanisms, spec section 3.2).
    """
    grid = check_int("grid", grid, minimum=0)
    n = inst.num_agents
    vinfo = information_value(inst)
    candidates: list[list[np.ndarray]] = []
    for i in range(n):
        bi = inst.efforts[i]
        pts = [np.eye(bi)[b] for b in range(bi)]
        if grid:
            for combo in itertools.product(range(grid + 1), repeat=bi):
                if sum(combo) == grid and max(combo) < grid:
                    pts.append(np.asarray(combo, float) / grid)
        candidates.append(pts)
    cache: dict[tuple[int, bytes], tuple[float, np.ndarray | None]] = {}

    def rule(i: int, w: np.ndarray):
        key = (i, w.tobytes())
        if key not in cache:
            cache[key] = min_payment_rule(inst, i, w)
        return cache[key]

    best_val, best = -np.inf, None
    for combo in itertools.product(*candidates):
        pays = [rule(i, w) for i, w in enumerate(combo)]
        if any(np.isinf(p[0]) for p in pays):
            continue
        phi = combo[0]
        for w in combo[1:]:
            phi = np.multiply.outer(phi, w)
        phi = phi.ravel()
        val = float(phi @ vinfo) - sum(p[0] for p in pays)
        if val > best_val + 1e-12:
            best_val, best = val, (phi, [p[1] for p in pays])
    phi, rules = best
    nb, ns, nt = inst.num_profiles, inst.num_signal_profiles, inst.num_states
    sig_idx = np.array(list(np.ndindex(*inst.signal_sizes)))
    gamma = np.zeros((n, nb, ns, nt))
    for i, g in enumerate(rules):
        gamma[i] = g[sig_idx[:, i]][None]
    return Mechanism(phi, bayes_decision(inst), gamma, best_val)
