"""Exp4's expected regret against the best expert / policy, computed exactly (no sampling).

The expected regret of a bandit learner on a fixed (oblivious) reward sequence is an average over
the learner's action paths. With ``K <= 3`` arms and ``T <= 5`` rounds there are at most ``3^5``
paths, so the test plays them all in one batch (a row per path prefix, weighted by its
probability) and gets ``E[sum_t <p_t, l_t>]`` exactly, with no Monte Carlo error: the bound is then
checked with no statistical margin, on arbitrary (Hypothesis-drawn) rewards and advice.

The bound checked is the one for the algorithm as implemented (loss-based exponential weights on
importance-weighted losses, ``p_t = (1 - γ) q_t^T ξ_t + γ/K``): Bubeck & Cesa-Bianchi, "Regret
analysis of stochastic and nonstochastic multi-armed bandit problems", 2012, Thm 4.2 (Exp4
without mixing, ``η = sqrt(2 ln N / (T K))``: ``R_T <= sqrt(2 T K ln N)``; Lattimore & Szepesvári,
"Bandit Algorithms", 2020, Thm 18.1 states the same). Its proof, for any fixed ``η > 0``, gives
``R_T <= ln N / η + η K T / 2``: exponential weights on the non-negative estimated expert losses
``ŷ_t(j) = ξ_t(j, A_t) l_t(A_t) / p_t(A_t)`` have regret ``<= ln N/η + (η/2) sum_t sum_j q_t(j) ŷ_t(j)^2``
and ``E sum_j q_t(j) ŷ_t(j)^2 <= sum_a l_t(a)^2 <= K`` (as ``ξ(j,a)^2 <= ξ(j,a)``). With mixing
``γ`` the same steps (``sum_j q_j ξ(j,a) <= p(a)/(1-γ)`` and ``<p_t, l_t> <= q_t^T ξ_t l_t + γ``)
give ``R_T <= γ T + ln N / η + η K T / 2`` — our derivation, assumed for the ``exploration > 0``
cases. (Auer, Cesa-Bianchi, Freund & Schapire 2002, Thm 7.1 is the gain-based Exp4 with
``η = γ/K``, bound ``(e - 1) γ G_max + K ln N / γ``; it is not the update implemented here.)
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings, target
from hypothesis import strategies as st

from regretlab.bandits.adversarial import exp4
from regretlab.bandits.contextual import policy_exp4
from regretlab.core import Bandit, rng

PROPS = settings(max_examples=30, deadline=None)


def _take(state, idx):
    """Rows ``idx`` of a batched state (every array with the run axis first; nested states too)."""
    if isinstance(state, tuple) and hasattr(state, "_fields"):
        return type(state)(*(_take(v, idx) for v in state))
    if isinstance(state, np.ndarray) and state.ndim >= 1:
        return state[idx]
    return state


class Column:
    """A policy that reads its distribution over the arms off column ``j`` of the per-arm features
    ``[B, K, N]``: arbitrary advice sequences become contexts of a policy class."""

    def __init__(self, j):
        self.j = j

    def __call__(self, x):
        return x[:, :, self.j]

    def __repr__(self):
        return f"Column({self.j})"


def expected_regret(learner, advice, rewards, lo, contextual):
    """Exact expected regret ``E[sum_t <p_t, l_t>] - min_j sum_t <ξ_t(j), l_t>`` in normalised losses
    ``l = (hi - r)`` (``hi - lo = 1``), over every action path of ``learner``."""
    t_len, n, k = advice.shape
    losses = (lo + 1.0) - rewards  # [T, K] in [0, 1]
    state = learner.init(rng.spawn_keys(0, 1), k)
    weight = np.ones(1)
    expected = 0.0
    for t in range(t_len):
        b = weight.size
        ctx = np.broadcast_to(advice[t].T, (b, k, n)).copy() if contextual else np.broadcast_to(advice[t], (b, n, k))
        p = learner.strategy(state, ctx)
        assert np.allclose(p.sum(axis=1), 1.0)
        expected += float(weight @ (p @ losses[t]))
        rows, acts = np.nonzero(p > 0)  # extend every path by every arm it can pull
        state = _take(state, rows)
        prob = p[rows, acts]
        weight = weight[rows] * prob
        ctx = ctx[rows]
        fb = Bandit(acts.astype(np.int64), rewards[t, acts], prob, context=ctx)
        state = learner.update(state, fb) if contextual else learner.update(state, fb, context=ctx)
    assert math.isclose(weight.sum(), 1.0, rel_tol=1e-9)  # the paths' probabilities add up
    best = (np.einsum("tnk,tk->n", advice, losses)).min()
    return expected - best


@st.composite
def problems(draw):
    """``(advice [T, N, K], rewards [T, K])``: any distributions (zeros allowed), any rewards in [0, 1]."""
    k = draw(st.integers(2, 3))
    n = draw(st.integers(2, 4))
    t_len = draw(st.integers(1, 5 if k == 2 else 4))
    unit = st.floats(0.0, 1.0)
    raw = np.array(draw(st.lists(unit, min_size=t_len * n * k, max_size=t_len * n * k))).reshape(t_len, n, k)
    pick = np.array(draw(st.lists(st.integers(0, k - 1), min_size=t_len * n, max_size=t_len * n))).reshape(t_len, n)
    raw[np.arange(t_len)[:, None], np.arange(n)[None, :], pick] += 1e-3  # every row has some mass
    advice = raw / raw.sum(axis=2, keepdims=True)
    rewards = np.array(draw(st.lists(unit, min_size=t_len * k, max_size=t_len * k))).reshape(t_len, k)
    return advice, rewards


@PROPS
@given(problems(), st.booleans())
def test_exp4_tuned_rate_expected_regret_at_most_sqrt_2TKlnN(problem, contextual):
    """Bubeck & Cesa-Bianchi 2012, Thm 4.2 (Lattimore & Szepesvári 2020, Thm 18.1): the default
    rate ``η = sqrt(2 ln N/(T K))``, ``γ = 0``: ``E R_T <= sqrt(2 T K ln N)`` against the best expert,
    for the registered ``exp4`` (advice as context) and ``policy_exp4`` (the same advice as the
    policies' values on per-arm features)."""
    advice, rewards = problem
    t_len, n, k = advice.shape
    if contextual:
        learner = policy_exp4([Column(j) for j in range(n)], dim=n, horizon=t_len)
        lo = 0.0  # policy_exp4's default reward range (0, 1)
    else:
        learner = exp4(num_experts=n, horizon=t_len)
        lo, rewards = -1.0, rewards - 1.0  # exp4's default reward range (-1, 0)
    regret = expected_regret(learner, advice, rewards, lo, contextual)
    bound = math.sqrt(2 * t_len * k * math.log(n))
    target(regret / bound)
    assert regret <= bound + 1e-9


@PROPS
@given(problems(), st.sampled_from([0.05, 0.3, 1.0, 3.0]), st.sampled_from([0.0, 0.1, 0.5]))
def test_exp4_any_rate_and_mixing(problem, lr, gamma):
    """The proof of Thm 4.2 (Bubeck & Cesa-Bianchi 2012) for a fixed rate, with mixing γ (derivation
    in the module docstring): ``E R_T <= γ T + ln N / η + η K T / 2``."""
    advice, rewards = problem
    t_len, n, k = advice.shape
    learner = policy_exp4([Column(j) for j in range(n)], dim=n, lr=lr, exploration=gamma)
    regret = expected_regret(learner, advice, rewards, 0.0, True)
    bound = gamma * t_len + math.log(n) / lr + lr * k * t_len / 2
    target(regret / bound)
    assert regret <= bound + 1e-9


def test_the_exact_expectation_matches_sampled_runs():
    """The path enumeration is the expectation of the driver-free sampled protocol: 4000 sampled
    runs of the same learner agree with it within 4 standard errors."""
    gen = np.random.default_rng(3)
    t_len, n, k = 4, 3, 3
    advice = gen.dirichlet(np.ones(k), size=(t_len, n))
    rewards = gen.uniform(size=(t_len, k))
    learner = policy_exp4([Column(j) for j in range(n)], dim=n, lr=1.0)
    exact = expected_regret(learner, advice, rewards, 0.0, True)
    b = 4000
    state = learner.init(rng.spawn_keys(1, b), k)
    total = np.zeros(b)
    for t in range(t_len):
        ctx = np.broadcast_to(advice[t].T, (b, k, n)).copy()
        p = learner.strategy(state, ctx)
        a = (gen.uniform(size=(b, 1)) > np.cumsum(p, axis=1)).sum(axis=1).clip(0, k - 1)
        total += 1.0 - rewards[t, a]
        state = learner.update(state, Bandit(a, rewards[t, a], p[np.arange(b), a], context=ctx))
    sampled = total - np.einsum("tnk,tk->n", advice, 1.0 - rewards).min()
    assert abs(sampled.mean() - exact) <= 4 * sampled.std() / math.sqrt(b)
