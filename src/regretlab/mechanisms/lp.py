"""The section 3.2 linear program for the optimal correlated incentive-compatible mechanism.

Variables (named blocks): ``phi[b]``, ``x[b, s, a] = phi(b) pi(a | b, s)``,
``y_i[b, s, theta] = phi(b) gamma_i(b, s, theta)`` and the auxiliary
``z_i[b_i, b'_i, s_i]`` that linearise the deviator's best report signal by signal, so that the
``|S_i|^{|S_i|}`` report maps never appear (spec ``specs/regret-papers.md`` section 3.2;
Cacciamani, Castiglioni, Gatti, ICLR 2024). The matrix is assembled sparse (COO from index
arrays) and solved with HiGHS through :func:`scipy.optimize.linprog`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from regretlab.core.errors import check_positive
from regretlab.mechanisms._fits import check_fits
from regretlab.mechanisms.instance import InfoInstance, Mechanism

PHI_FLOOR = 1e-10  # recommendation probabilities below this are treated as 0 when decoding

#: Peak memory per nonzero of assembling the LP and solving it with HiGHS, measured at 290-400
#: bytes on instances of 2-5 agents with 0.2-8 million nonzeros.
BYTES_PER_NONZERO = 400


class MechanismLPInfeasible(ValueError):
    """The mechanism LP has no feasible point; ``violations`` lists the constraints that fail.

    Attributes:
        violations: ``[(label, amount)]`` of the constraints an elastic (phase-1) LP could not
            satisfy, largest first; ``amount`` is the minimal total violation attributed to it.
    """

    def __init__(self, message: str, violations: list[tuple[str, float]]):
        super().__init__(message)
        self.violations = violations


@dataclass
class _Group:
    name: str
    shape: tuple[int, ...]
    axes: tuple[str, ...]
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    rhs: np.ndarray

    def label(self, k: int) -> str:
        idx = np.unravel_index(k, self.shape) if self.shape else ()
        inner = ", ".join(f"{a}={int(v)}" for a, v in zip(self.axes, idx))
        return f"{self.name}[{inner}]"


@dataclass
class LinearProgram:
    """A sparse LP assembled from named variable blocks and named constraint groups.

    ``add_block`` returns an integer index array of the block's shape; constraint groups are
    given as COO triplets in local row numbers, so every row keeps a readable label for
    infeasibility reports.
    """

    blocks: dict[str, tuple[int, tuple[int, ...]]] = field(default_factory=dict)
    lower: list[np.ndarray] = field(default_factory=list)
    upper: list[np.ndarray] = field(default_factory=list)
    size: int = 0
    le: list[_Group] = field(default_factory=list)
    eq: list[_Group] = field(default_factory=list)

    def add_block(self, name: str, shape: tuple[int, ...], lb: float = 0.0, ub: float = np.inf) -> np.ndarray:
        count = int(np.prod(shape))
        idx = np.arange(self.size, self.size + count).reshape(shape)
        self.blocks[name] = (self.size, tuple(shape))
        self.lower.append(np.full(count, lb))
        self.upper.append(np.full(count, ub))
        self.size += count
        return idx

    def block(self, name: str, solution: np.ndarray) -> np.ndarray:
        start, shape = self.blocks[name]
        return solution[start : start + int(np.prod(shape))].reshape(shape)

    def _group(self, name, shape, axes, rows, cols, vals, rhs) -> _Group:
        rows, cols, vals = np.broadcast_arrays(np.asarray(rows), np.asarray(cols), np.asarray(vals, float))
        rhs = np.broadcast_to(np.asarray(rhs, float), (int(np.prod(shape)),)).copy()
        return _Group(name, tuple(shape), tuple(axes), rows.ravel(), cols.ravel(), vals.ravel(), rhs)

    def add_le(self, name, shape, axes, rows, cols, vals, rhs=0.0) -> None:
        """Rows ``sum vals * var[cols] <= rhs`` (triplets may repeat; repeats add up)."""
        self.le.append(self._group(name, shape, axes, rows, cols, vals, rhs))

    def add_eq(self, name, shape, axes, rows, cols, vals, rhs=0.0) -> None:
        self.eq.append(self._group(name, shape, axes, rows, cols, vals, rhs))

    def matrices(self, groups: list[_Group]) -> tuple[sp.csr_matrix | None, np.ndarray | None]:
        if not groups:
            return None, None
        rows, cols, vals, rhs = [], [], [], []
        offset = 0
        for g in groups:
            rows.append(g.rows + offset)
            cols.append(g.cols)
            vals.append(g.vals)
            rhs.append(g.rhs)
            offset += g.rhs.size
        mat = sp.coo_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(offset, self.size),
        ).tocsr()
        return mat, np.concatenate(rhs)

    def solve(self, objective: np.ndarray, *, maximize: bool = True, dense: bool = False, method: str = "highs") -> Any:
        a_ub, b_ub = self.matrices(self.le)
        a_eq, b_eq = self.matrices(self.eq)
        if dense:
            a_ub = None if a_ub is None else a_ub.toarray()
            a_eq = None if a_eq is None else a_eq.toarray()
        bounds = np.column_stack([np.concatenate(self.lower), np.concatenate(self.upper)])
        c = -objective if maximize else objective
        return linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method=method)

    def diagnose(self, top: int = 5) -> list[tuple[str, float]]:
        """Phase-1 LP: minimise the total violation of the ``<=`` rows; return the worst rows."""
        a_ub, b_ub = self.matrices(self.le)
        a_eq, b_eq = self.matrices(self.eq)
        m = b_ub.size
        a_ub = sp.hstack([a_ub, -sp.identity(m, format="csr")]).tocsr()
        if a_eq is not None:
            a_eq = sp.hstack([a_eq, sp.csr_matrix((a_eq.shape[0], m))]).tocsr()
        bounds = np.column_stack(
            [np.concatenate(self.lower + [np.zeros(m)]), np.concatenate(self.upper + [np.full(m, np.inf)])]
        )
        c = np.concatenate([np.zeros(self.size), np.ones(m)])
        res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if res.status != 0:
            return [("equality constraints (recommendation/decision marginals)", float("inf"))]
        slack = res.x[self.size :]
        out, offset = [], 0
        for g in self.le:
            for k in range(g.rhs.size):
                if slack[offset + k] > 1e-9:
                    out.append((g.label(k), float(slack[offset + k])))
            offset += g.rhs.size
        out.sort(key=lambda t: -t[1])
        return out[:top]


@dataclass(frozen=True)
class LPSize:
    """The size of a mechanism LP, known before it is built (see :func:`correlated_lp_size`).

    Attributes:
        variables, rows, nonzeros: of the constraint matrix (nonzeros before duplicates add up).
        nbytes: estimated peak memory of building and solving it.
    """

    variables: int
    rows: int
    nonzeros: int
    nbytes: int

    def describe(self) -> str:
        return (f"an LP with {self.variables:.3g} variables, {self.rows:.3g} constraints and "
                f"{self.nonzeros:.3g} nonzeros")


def correlated_lp_size(
    efforts: Sequence[int],
    signals: Sequence[int],
    states: int,
    actions: int,
    *,
    state_observed: bool = True,
    formulation: str = "compact",
) -> LPSize:
    """Variables, constraints, nonzeros and peak memory of :func:`build_correlated_lp` (exact counts
    from the sizes alone, in Python integers, so astronomically large instances are counted too).

    Args:
        efforts, signals: ``|B_i|`` and ``|S_i|`` per agent.
        states, actions: ``|Theta|`` and ``|A|``.
        state_observed, formulation: as in :class:`InfoInstance` and :func:`build_correlated_lp`.
    """
    bs, ss = [int(b) for b in efforts], [int(s) for s in signals]
    n, nt, na = len(bs), int(states), int(actions)
    tp = nt if state_observed else 1
    nb, ns = math.prod(bs), math.prod(ss)
    variables = nb + nb * ns * na + n * nb * ns * tp
    rows = nb * ns + 1 + n * nb * ns * tp
    nnz = nb * ns * na + nb * ns + nb + 2 * n * nb * ns * tp
    extra = 0  # index arrays built beside the triplets
    for bi, si in zip(bs, ss):
        if formulation == "enumerated":
            npsi = si ** si
            rows += bi * bi * npsi
            nnz += 2 * bi * npsi * nb * ns * nt + bi * npsi * nb
            extra += 8 * (npsi * si + bi * npsi * nb * ns * nt // bi)
        else:
            variables += bi * bi * si
            rows += bi * bi * si * si + bi * bi
            nnz += bi * si * nb * ns * nt + bi * bi * si * si + bi * nb * ns * nt + bi * bi * si + bi * nb
    dense = 8 * (3 * nb * nt * ns + 2 * nb * ns * na + 2 * variables)  # joint law, weights, objective
    return LPSize(variables, rows, nnz, BYTES_PER_NONZERO * nnz + dense + extra)


def _agent_views(inst: InfoInstance, i: int, y_idx: np.ndarray):
    """Index and probability arrays with agent ``i``'s axes first.

    Returns ``(yi, p_i, p_others)`` where ``yi [B_i, S_i, R_b..., R_s..., Theta]`` indexes the
    ``y_i`` block (the state axis broadcast when payments ignore the state),
    ``p_i [B_i, Theta, S_i]`` and ``p_others [R_b..., R_s..., Theta]``.
    """
    n = inst.num_agents
    yi = np.moveaxis(y_idx, [i, n + i], [0, 1])
    if yi.shape[-1] != inst.num_states:
        yi = np.broadcast_to(yi, yi.shape[:-1] + (inst.num_states,))
    po = inst.joint_signal_others(i)  # (R_b..., Theta, R_s...)
    po = np.moveaxis(po, n - 1, -1) if n > 1 else po  # (R_b..., R_s..., Theta)
    return yi, inst.signals[i], po


def build_correlated_lp(
    inst: InfoInstance,
    *,
    slack: float = 0.0,
    required: Mapping[tuple[int, ...], float] | None = None,
    formulation: str = "compact",
) -> tuple[LinearProgram, np.ndarray]:
    """Assemble the section 3.2 LP.

    Args:
        inst: the instance.
        slack: tighten every effort-deviation IC row by ``slack * phi_i(b_i)`` (robust version used
            by the online learner's commitment phase; 0 gives the exact LP).
        required: optional ``{effort profile tuple: minimum probability}`` lower bounds on ``phi``.
        formulation: ``"compact"`` (the ``z`` variables, polynomial size) or ``"enumerated"``
            (one row per deviation ``b'_i`` and report map ``psi``; exponential, for checks and
            the benchmark).

    Returns:
        ``(lp, objective)``.
    """
    if formulation not in ("compact", "enumerated"):
        raise ValueError(f"formulation must be 'compact' or 'enumerated', got {formulation!r}")
    slack = check_positive("slack", slack, allow_zero=True)
    n, bs, ss = inst.num_agents, inst.efforts, inst.signal_sizes
    size = correlated_lp_size(bs, ss, inst.num_states, inst.num_actions, state_observed=inst.state_observed,
                              formulation=formulation)
    check_fits(f"the {formulation} correlated-mechanism LP of {n} agents (efforts {list(bs)}, signals {list(ss)}, "
               f"{inst.num_states} states, {inst.num_actions} actions; {size.describe()})", size.nbytes)
    nb, ns, na, nt = inst.num_profiles, inst.num_signal_profiles, inst.num_actions, inst.num_states
    tp = nt if inst.state_observed else 1
    mu, cap = inst.prior, inst.payment_cap
    joint = inst.joint_signal  # [nB, Theta, nS]

    lp = LinearProgram()
    phi = lp.add_block("phi", (nb,))
    x = lp.add_block("x", (nb, ns, na))
    ys = [lp.add_block(f"y{i}", bs + ss + (tp,), 0.0, cap) for i in range(n)]

    # objective: sum mu P u x - sum mu P y
    weights = mu[None, :, None] * joint  # [nB, Theta, nS]
    obj_x = np.einsum("bts,at->bsa", weights, inst.utility)
    obj_terms = [(x.ravel(), obj_x.ravel())]
    for i in range(n):
        w = weights.reshape(bs + (nt,) + ss)
        w = np.moveaxis(w, n, -1)  # (Bs..., Ss..., Theta)
        if tp == 1:
            w = w.sum(axis=-1, keepdims=True)
        obj_terms.append((ys[i].ravel(), -w.ravel()))

    # sum_a x(b,s,a) = phi(b)
    rows = np.arange(nb * ns).reshape(nb, ns)
    lp.add_eq("decision", (nb, ns), ("b", "s"), rows[:, :, None], x, 1.0)
    lp.add_eq("decision", (nb, ns), ("b", "s"), rows, phi[:, None], -1.0)
    lp.eq[-2:] = [_merge(lp.eq[-2], lp.eq[-1])]
    lp.add_eq("recommendation", (1,), (), np.zeros(nb, int), phi, 1.0, 1.0)

    # y_i <= M phi  (limited liability, scaled)
    phi_full = phi.reshape(bs)
    for i in range(n):
        y = ys[i]
        r = np.arange(y.size).reshape(y.shape)
        ph = np.broadcast_to(phi_full.reshape(bs + (1,) * (n + 1)), y.shape)
        g1 = lp._group(f"cap{i}", y.shape, (), r, y, 1.0, 0.0)
        g2 = lp._group(f"cap{i}", y.shape, (), r, ph, -cap, 0.0)
        lp.le.append(_merge(g1, g2))

    z_blocks = []
    for i in range(n):
        bi, si = bs[i], ss[i]
        yi, p_i, po = _agent_views(inst, i, ys[i])
        rest = po.shape[:-1]
        nrest = int(np.prod(rest)) if rest else 1
        yi = yi.reshape(bi, si, nrest, nt)
        po = po.reshape(nrest, nt)
        phi_i = np.moveaxis(phi_full, i, 0).reshape(bi, -1)  # [B_i, R_b]
        c = inst.costs[i]
        # obedient expected payment: sum_{rest, s_i, theta} mu P_i(s_i|b_i) P_-i y_i(b_i, s_i, ...)
        ob_coef = mu[None, None, None, :] * np.transpose(p_i, (0, 2, 1))[:, :, None, :] * po[None, None]
        dev = np.arange(bi)
        delta_c = c[:, None] - c[None, :] + slack * (dev[:, None] != dev[None, :])  # [b_i, b']
        ob_rows = np.arange(bi * bi).reshape(bi, bi)

        if formulation == "compact":
            z = lp.add_block(f"z{i}", (bi, bi, si))
            z_blocks.append(z)
            # report rows (b_i, b', s_i, s'): sum mu P_i(s_i|b') P_-i y_i(b_i, s', rest) - z <= 0
            rep_rows = np.arange(bi * bi * si * si).reshape(bi, bi, si, si)
            coef = (
                mu[None, None, None, None, None, :]
                * np.transpose(p_i, (0, 2, 1))[None, :, :, None, None, :]
                * po[None, None, None, None]
            )  # [1, b', s_i, 1, rest, theta]
            cols = yi[:, None, None, :, :, :]  # [b_i, 1, 1, s', rest, theta]
            g1 = lp._group(
                f"report{i}", (bi, bi, si, si), ("agent_effort", "deviation", "signal", "report"),
                rep_rows[..., None, None], cols, coef, 0.0,
            )
            g2 = lp._group(
                f"report{i}", (bi, bi, si, si), (), rep_rows, z[:, :, :, None], -1.0, 0.0
            )
            lp.le.append(_merge(g1, g2))
            # obedience rows (b_i, b'): sum_s z - obedient payment + (c(b_i) - c(b') + slack) phi_i <= 0
            parts = [
                lp._group("", (bi, bi), (), ob_rows[:, :, None], z, 1.0, 0.0),
                lp._group("", (bi, bi), (), ob_rows[:, :, None, None, None], yi[:, None], -ob_coef[:, None], 0.0),
                lp._group("", (bi, bi), (), ob_rows[:, :, None], phi_i[:, None, :], delta_c[:, :, None], 0.0),
            ]
            g = _merge(*parts)
            g.name, g.axes = f"obedience{i}", ("recommended", "deviation")
            lp.le.append(g)
        else:
            maps = np.array(list(itertools.product(range(si), repeat=si)))  # [Psi, S_i]
            npsi = len(maps)
            rows_e = np.arange(bi * bi * npsi).reshape(bi, bi, npsi)
            # deviation payment: sum_{s_i, rest, theta} mu P_i(s_i|b') P_-i y_i(b_i, psi(s_i), rest)
            coef = (
                mu[None, None, None, None, :]
                * np.transpose(p_i, (0, 2, 1))[:, None, :, None, :]
                * po[None, None, None]
            )  # [b', 1, s_i, rest, theta]
            cols = yi[:, maps]  # [b_i, Psi, s_i, rest, theta]
            parts = [
                lp._group("", (bi, bi, npsi), (), rows_e[:, :, :, None, None, None], cols[:, None], coef[None], 0.0),
                lp._group("", (bi, bi, npsi), (), rows_e[:, :, :, None, None, None], yi[:, None, None], -ob_coef[:, None, None], 0.0),
                lp._group("", (bi, bi, npsi), (), rows_e[:, :, :, None], phi_i[:, None, None, :], delta_c[:, :, None, None], 0.0),
            ]
            g = _merge(*parts)
            g.name, g.axes = f"ic{i}", ("recommended", "deviation", "report_map")
            lp.le.append(g)

    if required:
        prof, lo = [], []
        for key, val in required.items():
            key = tuple(int(v) for v in np.atleast_1d(key))
            if len(key) != n or any(not 0 <= k < b for k, b in zip(key, bs)):
                raise ValueError(f"required profile {key} is not an effort profile of sizes {bs}")
            prof.append(int(np.ravel_multi_index(key, bs)))
            lo.append(float(val))
        r = np.arange(len(prof))
        lp.add_le("required", (len(prof),), ("profile",), r, phi[prof], -1.0, -np.asarray(lo))

    objective = np.zeros(lp.size)
    for cols, vals in obj_terms:
        np.add.at(objective, cols, vals)
    return lp, objective


def _merge(*groups: _Group) -> _Group:
    g0 = groups[0]
    return _Group(
        g0.name, g0.shape, g0.axes,
        np.concatenate([g.rows for g in groups]),
        np.concatenate([g.cols for g in groups]),
        np.concatenate([g.vals for g in groups]),
        g0.rhs,
    )


def solve_correlated(
    inst: InfoInstance,
    *,
    slack: float = 0.0,
    required: Mapping[tuple[int, ...], float] | None = None,
    formulation: str = "compact",
    dense: bool = False,
    method: str = "highs",
) -> Mechanism:
    """Optimal correlated IC mechanism by the section 3.2 LP.

    ``max sum mu P u x - sum mu P y`` s.t. ``sum_a x = phi``, ``sum phi = 1``, ``0 <= y_i <= M phi``,
    ``z_i[b_i,b',s_i] >= sum mu P_i(s_i|b') P_-i y_i((b_i,b_-i),(s',s_-i),theta)`` for all ``s'``,
    and obedient payment ``- c(b_i) phi_i(b_i) >= sum_s z_i[b_i,b',s] - c(b') phi_i(b_i)``.

    Args:
        inst: the instance.
        slack, required, formulation: see :func:`build_correlated_lp`.
        dense: hand HiGHS dense matrices (benchmark baseline).
        method: a :func:`scipy.optimize.linprog` HiGHS method.

    Returns:
        The :class:`Mechanism` with ``pi = x / phi`` and ``gamma_i = y_i / phi`` (and the Bayes
        decision, zero payments on profiles with ``phi = 0``); ``value`` is the LP optimum.

    Raises:
        MechanismLPInfeasible: with the constraints a phase-1 LP could not satisfy.

    Example:
        >>> from regretlab.mechanisms import etc_instance
        >>> round(solve_correlated(etc_instance()).value, 4)
        0.8575

    Reference: Cacciamani, Castiglioni & Gatti, "Online Information Acquisition: Hiring Multiple
    Agents", ICLR 2024 (section 3.2 of the spec).
    """
    lp, objective = build_correlated_lp(inst, slack=slack, required=required, formulation=formulation)
    res = lp.solve(objective, dense=dense, method=method)
    if res.status == 2:
        viol = lp.diagnose()
        detail = "; ".join(f"{lab} short by {amt:.4g}" for lab, amt in viol)
        raise MechanismLPInfeasible(
            "the correlated-mechanism LP is infeasible: no IC mechanism satisfies the constraints "
            f"(slack={slack}, required={dict(required or {})}, payment_cap={inst.payment_cap}); "
            f"violated: {detail}",
            viol,
        )
    if res.status != 0:
        raise RuntimeError(f"HiGHS failed on the mechanism LP: {res.message}")
    phi = np.clip(lp.block("phi", res.x), 0, None)
    x = lp.block("x", res.x)
    ys = [lp.block(f"y{i}", res.x) for i in range(inst.num_agents)]
    return decode(inst, phi, x, ys, value=-res.fun)


def bayes_decision(inst: InfoInstance) -> np.ndarray:
    """``[nB, nS, A]`` one-hot: the action maximising ``sum_theta mu P(s|b,theta) u(a,theta)``."""
    w = np.einsum("t,bts,at->bsa", inst.prior, inst.joint_signal, inst.utility)
    out = np.zeros_like(w)
    np.put_along_axis(out, w.argmax(axis=-1)[..., None], 1.0, axis=-1)
    return out


def decode(inst: InfoInstance, phi, x, ys: Sequence[np.ndarray], value: float) -> Mechanism:
    """Recover ``(phi, pi, gamma)`` from the LP's scaled variables."""
    nb, ns, nt = inst.num_profiles, inst.num_signal_profiles, inst.num_states
    phi = np.where(phi > PHI_FLOOR, phi, 0.0)
    phi = phi / phi.sum()
    on = phi > 0
    pi = bayes_decision(inst)
    pi[on] = np.clip(x[on], 0, None) / np.clip(x[on].sum(axis=-1, keepdims=True), 1e-300, None)
    gamma = np.zeros((inst.num_agents, nb, ns, nt))
    for i, y in enumerate(ys):
        y = y.reshape(nb, ns, -1)
        g = np.zeros((nb, ns, y.shape[-1]))
        g[on] = y[on] / phi[on, None, None]
        gamma[i] = np.broadcast_to(np.clip(g, 0, inst.payment_cap), (nb, ns, nt))
    return Mechanism(phi, pi, gamma, float(value))
