"""Online individually fair learning with one-sided feedback: the run loop and its metrics.

Each round ``k`` individuals arrive; the learner's randomised policy ``pi_t`` over the class ``H``
is audited by the panel; the reported pair becomes two synthetic full-information examples of
weight ``C``; labels are seen only for accepted individuals. The learner is Exp2 (explicit
``pi_t``) or Context-Semi-Bandit-FTPL with an ERM oracle (``pi_t`` is the law of the perturbed
leader, estimated by ``samples`` fresh draws per round). Reported separately (spec section 6.4):

* ``lagrangian_regret``: regret on the linearised Lagrangian losses against the best fixed
  ``h in H`` (what Exp2 / FTPL guarantee), from the :class:`~regretlab.metrics.ledger.Ledger`
  that records ``pi_t`` and every classifier's utility ``-L_t(h)``;
* ``accuracy_regret``: ``sum_t Err(pi_t) - min_{pi in Q} sum_t Err(pi)``, ``Q`` the policies that
  are ``(alpha - eps)``-fair on every round's pairs (found by a cutting-plane LP),
  :func:`regretlab.metrics.benchmark.comparator_regret`;
* ``violations``: the number of rounds on which the panel reported a violation.

Why this loop is not :func:`regretlab.run.run`: the semi-bandit update needs the action table of
the *audited* round (the synthetic coordinates are the pair the panel reports about the announced
``pi_t``), which exists only after the policy is announced, while the driver's feedback carries
the context it showed before the round; and FTPL's ``pi_t`` is estimated from fresh leader draws
for the audit and the accounting, while its played policy is its own perturbed leader, not a draw
from an announced strategy. The regret accounting is the library's (ledger and metrics).

Reference: Bechavod & Roth, "Individually Fair Learning with One-Sided Feedback", ICML 2023.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linprog

from regretlab.bandits.combinatorial import (
    EnumerationOracle,
    SemiBanditRound,
    exp2,
    ftpl_semibandit,
)
from regretlab.core import rng
from regretlab.core.errors import check_int, check_positive
from regretlab.core.types import SemiBandit
from regretlab.fairness.panel import Panel, lipschitz_auditor
from regretlab.fairness.reduction import (
    LendingStream,
    RoundContext,
    ThresholdClass,
    action_table,
    expected_errors,
    revealed_mask,
    round_losses,
)
from regretlab.metrics.benchmark import comparator_regret
from regretlab.metrics.ledger import Ledger, external

_STREAM_POLICY = 31  # draws that estimate FTPL's policy (never shared with the learner's own)


def default_panel(alpha: float = 0.05) -> Panel:
    """The section 6.6 panel: ``m = 3`` auditors ``d^j = L_j ||x - x'||``, ``L in {0.5, 1, 2}``, ``gamma = 2/3``.

    A pair ``(x, x')`` is reported when at least ``gamma m`` auditors find
    ``pi(x) - pi(x') > d^j(x, x') + alpha``.

    Args:
        alpha: the auditors' slack.
    Returns:
        A :class:`~regretlab.fairness.panel.Panel`.

    Example:
        >>> p = default_panel()
        >>> len(p.auditors), round(p.gamma, 3), p.alpha
        (3, 0.667, 0.05)

    Reference: Bechavod & Roth, ICML 2023 (spec section 6.6).
    """
    return Panel([lipschitz_auditor(s) for s in (0.5, 1.0, 2.0)], gamma=2 / 3, alpha=alpha)


@dataclass(frozen=True)
class FairRun:
    """Per-run totals of one fair-learning run (all arrays ``[B]``).

    Attributes:
        lagrangian_regret: linearised-Lagrangian regret vs the best fixed classifier.
        accuracy_regret: expected mistakes minus those of the best fair policy (nan if not computed).
        violations: rounds with a panel-reported violation.
        errors: ``sum_t Err(pi_t)``.
        best_fair_errors: ``min_{pi in Q} sum_t Err(pi)`` (nan if not computed).
    """

    lagrangian_regret: np.ndarray
    accuracy_regret: np.ndarray
    violations: np.ndarray
    errors: np.ndarray
    best_fair_errors: np.ndarray
    horizon: int
    c: float


class _FTPLPolicy:
    """Monte-Carlo law of FTPL's perturbed leader: ``[B, H]`` frequencies of ``samples`` leaders."""

    def __init__(self, learner: Any, num_policies: int, samples: int):
        self.learner, self.h, self.samples = learner, num_policies, samples

    def __call__(self, state: Any) -> np.ndarray:
        keys = rng.derive(state.key, _STREAM_POLICY)
        out = np.zeros((state.key.size, self.h))
        rows = np.arange(state.key.size)
        for r in range(self.samples):
            z = self.learner._perturbation(keys, state.t * self.samples + r)
            out[rows, self.learner.oracle.best(state.summary, z)] += 1.0
        return out / self.samples


def make_learner(algorithm: str, hclass: ThresholdClass, individuals: int, horizon: int, c: float, **kw):
    """Exp2 or FTPL on the reduction's semi-bandit (``D = k + 3`` coordinates, rewards ``-loss``).

    Exp2: uniform exploration ``gamma = min(1/2, sqrt(H / T))`` and rate
    ``eta = 3 sqrt(ln H / T) / (k + C)`` (the per-round loss range of a policy is ``k + C``;
    the generic tuning of :func:`regretlab.bandits.combinatorial.exp2` over ``m D`` coordinates is
    far slower here) unless given.
    FTPL: ``EnumerationOracle`` (exact ERM over ``H``) with separator contexts built from
    :meth:`ThresholdClass.separator`, Laplace noise, ``M = ceil(T^{1/3})`` resamples and
    ``epsilon = T^{-1/3} / (k + 2C)`` unless given (spec section 6.3).

    Args:
        algorithm: ``"exp2"`` or ``"ftpl"``.
        hclass: the classifier class (``H`` policies).
        individuals: ``k`` applicants per round.
        horizon: ``T``. c: the Lagrange weight ``C``.
        kw: overrides of the learner's parameters.
    Returns:
        A semi-bandit learner over ``H`` policies and ``k + 3`` components.

    Example:
        >>> learner = make_learner("exp2", ThresholdClass(2), 4, 1000, 1.0)
        >>> learner.name, round(learner.lr, 5)
        ('exp2', 0.03869)

    Reference: Bechavod & Roth, ICML 2023; Syrgkanis, Krishnamurthy & Schapire, ICML 2016 (FTPL).
    """
    span = max(1.0, c)
    reward_range = (-span, span)
    d = individuals + 3
    h = hclass.size
    if algorithm == "exp2":
        exploration = kw.pop("exploration", min(0.5, math.sqrt(h / horizon)))
        lr = kw.pop("lr", 3.0 * math.sqrt(math.log(h) / horizon) / (individuals + c))
        return exp2(num_policies=h, horizon=horizon, exploration=exploration, lr=lr,
                    reward_range=reward_range, **kw)
    if algorithm == "ftpl":
        pts = hclass.separator()
        k = individuals
        pad = (-len(pts)) % k
        pts = np.concatenate([pts, np.repeat(pts[:1], pad, axis=0)])
        separator = [RoundContext(pts[i : i + k]) for i in range(0, len(pts), k)]
        oracle = EnumerationOracle(lambda ctx: action_table(hclass, ctx), d, separator)
        eps = kw.pop("epsilon", horizon ** (-1 / 3) / (individuals + 2 * c))
        resamples = kw.pop("max_resamples", int(math.ceil(horizon ** (1 / 3))))
        return ftpl_semibandit(oracle, epsilon=eps, horizon=horizon, max_resamples=resamples,
                               reward_range=reward_range, **kw)
    raise ValueError(f"algorithm must be 'exp2' or 'ftpl', got {algorithm!r}")


def run_fair_learning(
    algorithm: str = "exp2",
    horizon: int = 1000,
    c: float = 1.0,
    *,
    batch: int = 4,
    seed: int = 0,
    stream: Any = None,
    panel: Panel | None = None,
    hclass: ThresholdClass | None = None,
    samples: int = 16,
    comparator: bool = True,
    fairness_eps: float | None = None,
    progress: bool = False,
    **learner_kw: Any,
) -> FairRun:
    """Fair online learning with one-sided feedback: the reduction played for ``horizon`` rounds in ``batch`` runs.

    Round ``t``: ``pi_t`` over ``H`` is announced; the panel audits it and may report a pair
    ``(x, x')``; the learner plays ``h_t`` and sees the semi-bandit losses of the Lagrangian
    ``L_C(h) = Err(h) + C [h(x) - h(x')]`` (labels only where ``h_t`` accepts, the synthetic pair
    always). ``lagrangian_regret = sum_t <pi_t, L_t> - min_h sum_t L_t(h)`` (the ledger),
    ``accuracy_regret = sum_t Err(pi_t) - min_{pi in Q} sum_t Err(pi)``.

    Args:
        algorithm: ``"exp2"`` or ``"ftpl"``.
        horizon: ``T``.
        c: Lagrange weight ``C`` of the fairness term.
        batch: independent runs ``B``.
        seed: root seed (run ``b`` uses key ``b`` of ``spawn_keys(seed, B)``).
        stream: data stream with ``draw(keys, t) -> (x [B, k, F], y [B, k])`` (default :class:`LendingStream`).
        panel: the auditing panel (default :func:`default_panel`).
        hclass: the classifier class (default 64 thresholds on 2 features).
        samples: leader draws per round estimating FTPL's randomised policy.
        comparator: solve the best-fair-policy LP for the accuracy regret.
        fairness_eps: ``eps`` of the comparator class ``Q`` (default ``alpha / 2``).
        progress: show a progress bar over the rounds (then the comparator's runs).
        learner_kw: overrides passed to :func:`make_learner`.

    Returns:
        A :class:`FairRun` of ``[B]`` totals.

    Example:
        >>> res = run_fair_learning("exp2", 200, 1.0, batch=2, comparator=False)
        >>> res.lagrangian_regret.shape, bool(np.isnan(res.accuracy_regret).all())
        ((2,), True)

    Reference: Bechavod & Roth, "Individually Fair Learning with One-Sided Feedback", ICML 2023 (spec §6).
    """
    horizon = check_int("horizon", horizon)
    batch = check_int("batch", batch)
    c = check_positive("c", c, allow_zero=True)
    stream = stream or LendingStream()
    panel = panel or default_panel()
    hclass = hclass or ThresholdClass(stream.num_features)
    k = stream.individuals
    learner = make_learner(algorithm, hclass, k, horizon, c, **learner_kw)
    keys = rng.spawn_keys(seed, batch)
    state = learner.init(keys, hclass.size)
    policy_law = _FTPLPolicy(learner, hclass.size, samples) if algorithm == "ftpl" else None
    mask = revealed_mask(k)
    book = Ledger((hclass.size,), batch)  # pi_t and every classifier's utility -L_t(h): the Lagrangian regret
    h_err = np.zeros((batch, hclass.size))
    errors = np.zeros(batch)
    violations = np.zeros(batch, dtype=np.int64)
    keep_x = np.empty((horizon, batch, k, stream.num_features)) if comparator else None
    from regretlab.progress import bar

    pbar = bar(horizon, f"fair learning {algorithm} (rounds)", transient=True) if progress else None
    every = max(1, horizon // 200)
    for t in range(horizon):
        if pbar is not None and t % every == 0:
            pbar.update(t)
        x, y = stream.draw(keys, t)
        pred = np.transpose(hclass.predict(x), (0, 2, 1))  # [B, H, k]
        if algorithm == "exp2":
            p = learner.strategy(state, action_table(hclass, RoundContext(x)))
        else:
            p = policy_law(state)
        favour = np.einsum("bh,bhk->bk", p, pred)
        viol = panel.detect(x, favour)
        ctx = RoundContext(x, viol.favoured, viol.other)
        table = action_table(hclass, ctx)
        loss = round_losses(y, viol, c)
        audited = SemiBanditRound(table if algorithm == "exp2" else ctx, mask)  # the round after the audit
        _, chosen = learner.act(state, audited)
        reward = np.where(chosen | mask, -loss, 0.0)
        state = learner.update(state, SemiBandit(chosen, reward, context=audited))
        book.record(0, p, -np.einsum("bhd,bd->bh", table, loss), None)
        book.end_round()
        h_err += (pred != y[:, None, :]).sum(axis=-1)
        errors += expected_errors(favour, y)
        violations += viol.found
        if comparator:
            keep_x[t] = x
    if pbar is not None:
        pbar.close()
    if comparator:
        eps = panel.alpha / 2 if fairness_eps is None else float(fairness_eps)
        cbar = bar(batch, "best fair policy (runs)", transient=True) if progress else None
        found = []
        for b in range(batch):
            found.append(best_fair_errors(hclass, keep_x[:, b], h_err[b], panel, eps))
            if cbar is not None:
                cbar.update(b + 1)
        if cbar is not None:
            cbar.close()
        best = np.array(found)
    else:
        best = np.full(batch, np.nan)
    book.snapshot()
    return FairRun(
        lagrangian_regret=external(book)[-1],
        accuracy_regret=comparator_regret(errors, best),
        violations=violations,
        errors=errors,
        best_fair_errors=best,
        horizon=horizon,
        c=c,
    )


def best_fair_errors(
    hclass: ThresholdClass,
    x: np.ndarray,
    errors_per_h: np.ndarray,
    panel: Panel,
    eps: float,
    *,
    max_rounds: int = 60,
    cuts: int = 400,
) -> float:
    """``min_{pi in Q} sum_t Err(pi)`` by cutting planes over the rounds' ordered pairs.

    ``Q = {p in Delta(H): sum_h p_h (h(x) - h(x')) <= d_gamma(x, x') + alpha - eps}`` for every
    round and pair; the error of ``p`` is ``errors_per_h @ p`` (linear).

    Args:
        hclass: the class.
        x: ``[T, k, F]`` one run's individuals.
        errors_per_h: ``[H]`` each classifier's total mistakes on the run.
        panel: defines ``d_gamma`` and ``alpha``.
        eps: margin of ``Q`` (``0 <= eps <= alpha``).

    Returns:
        The optimum.
    """
    pred = hclass.predict(x).astype(np.float32)  # [T, k, H]
    rhs = panel.aggregate_distance(x) + panel.alpha - eps  # [T, k, k]
    h = pred.shape[-1]
    rows: list[np.ndarray] = []
    bounds_rhs: list[float] = []
    p = None
    for _ in range(max_rounds):
        res = linprog(
            errors_per_h,
            A_ub=np.asarray(rows) if rows else None,
            b_ub=np.asarray(bounds_rhs) if rows else None,
            A_eq=np.ones((1, h)), b_eq=[1.0], bounds=(0, None), method="highs",
        )
        if res.status != 0:
            raise RuntimeError(f"best-fair-policy LP failed: {res.message}")
        p = res.x
        favour = pred @ p.astype(np.float32)  # [T, k]
        excess = favour[:, :, None] - favour[:, None, :] - rhs
        flat = excess.ravel()
        bad = np.flatnonzero(flat > 1e-6)  # above float32 rounding and HiGHS feasibility tolerance
        if bad.size == 0:
            return float(res.fun)
        top = bad[np.argsort(-flat[bad])[:cuts]]
        t_idx, i_idx, j_idx = np.unravel_index(top, excess.shape)
        for t, i, j in zip(t_idx, i_idx, j_idx):
            rows.append((pred[t, i] - pred[t, j]).astype(np.float64))
            bounds_rhs.append(float(rhs[t, i, j]))
    raise RuntimeError("best-fair-policy cutting planes did not converge")
