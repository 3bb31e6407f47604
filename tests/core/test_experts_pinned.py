"""Pinned final strategies of every registered experts learner (with each of its test_params).

``experts_pinned.npz`` was written by the code before the per-run round counter ``t [B]``
(commit 11205b4, where ``CumulativeState.t`` and the wrappers' ``t`` were one int for the
batch) from exactly :func:`final_strategies` below: two seeds, a fixed utility sequence, once
with every expert awake and once with random awake masks (at least one expert awake in every
row, so every row learns every round). With every row at the same round the numbers must not
move at all, so they are compared bit for bit.

Regenerate (only when a learner's numbers are meant to change): ``python tests/core/test_experts_pinned.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from regretlab.core import FullInfo, learners, rng

PINNED = Path(__file__).with_name("experts_pinned.npz")
B, K, T = 3, 4, 40
SEEDS = (0, 1)


def cases() -> list[tuple[str, str, dict]]:
    out = []
    for name in learners.names("experts"):
        for i, params in enumerate(learners.get(name).test_params):
            out.append((f"{name}-{i}", name, dict(params)))
    return out


def _sequence(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``utility [T, B, K]`` in [-1, 0] and ``awake [T, B, K]`` with an awake expert in every row."""
    gen = np.random.default_rng(1000 + seed)
    utility = -gen.random((T, B, K))
    awake = gen.random((T, B, K)) < 0.6
    first = gen.integers(0, K, size=(T, B))
    awake[np.arange(T)[:, None], np.arange(B)[None, :], first] = True
    return utility, awake


def final_strategies(name: str, params: dict, seed: int, masks: bool) -> np.ndarray:
    """``[B, K]`` strategy (no context) after ``T`` updates."""
    learner = learners.make(name, **params)
    state = learner.init(rng.spawn_keys(seed, B), K)
    utility, awake = _sequence(seed)
    for t in range(T):
        state = learner.update(state, FullInfo(utility[t], awake[t] if masks else None))
    return np.asarray(learner.strategy(state), dtype=np.float64)


def _key(case: str, seed: int, masks: bool) -> str:
    return f"{case}|seed{seed}|{'awake' if masks else 'all'}"


def _pinned() -> dict[str, np.ndarray]:
    with np.load(PINNED) as data:
        return {k: data[k] for k in data.files}


def _pinned_cases() -> list[tuple[str, str, dict]]:
    if not PINNED.exists():
        return []
    with np.load(PINNED) as data:
        pinned = {k.split("|")[0] for k in data.files}
    return [c for c in cases() if c[0] in pinned]


# Learners registered after the file was written are not pinned (their own tests cover them).
@pytest.mark.parametrize("case,name,params", _pinned_cases(), ids=[c[0] for c in _pinned_cases()])
def test_final_strategies_are_bit_identical(case, name, params):
    pinned = _pinned()
    for seed in SEEDS:
        for masks in (False, True):
            key = _key(case, seed, masks)
            np.testing.assert_array_equal(final_strategies(name, params, seed, masks), pinned[key], err_msg=key)


def test_every_pinned_case_is_still_registered():
    names = {_key(c, s, m) for c, _, _ in cases() for s in SEEDS for m in (False, True)}
    missing = sorted(set(_pinned()) - names)
    assert not missing, f"pinned but no longer registered: {missing[:5]}"
    assert len(_pinned_cases()) >= 36


# -- the per-row kernels behind per-run rates and counters equal the scalar ones ----------------
@pytest.mark.parametrize("scale", [1e-9, 0.3, 1.0, 1e6])
def test_softmax_rows_with_one_rate_per_row_equals_the_scalar_kernel(scale):
    from regretlab.core.kernels import softmax_rows

    x = np.random.default_rng(0).normal(size=(50, 7)) * 100
    np.testing.assert_array_equal(softmax_rows(x, np.full(50, scale)), softmax_rows(x, scale))
    rates = np.geomspace(1e-3, 10.0, 50) * scale
    mixed = softmax_rows(x, rates)
    for b in (0, 17, 49):
        np.testing.assert_array_equal(mixed[b], softmax_rows(x[b:b + 1], rates[b])[0])
    with pytest.raises(ValueError, match=r"shape \[50\]"):
        softmax_rows(x, np.ones(3))


@pytest.mark.parametrize("counter", [0, 1, 12345, 2**63 + 7])
def test_uniform_with_one_counter_per_row_equals_the_scalar_kernel(counter):
    keys = rng.spawn_keys(9, 64)
    same = np.full(64, counter, dtype=np.uint64)
    np.testing.assert_array_equal(rng.uniform(keys, same, 5), rng.uniform(keys, counter, 5))
    per_row = (np.arange(64, dtype=np.uint64) * np.uint64(7)) + np.uint64(counter % 2**64)
    mixed = rng.uniform(keys, per_row, 5)
    np.testing.assert_array_equal(mixed, rng.uniform_reference(keys, per_row, 5))
    for b in (0, 31, 63):
        np.testing.assert_array_equal(mixed[b], rng.uniform(keys[b:b + 1], int(per_row[b]), 5)[0])
    np.testing.assert_array_equal(rng.normal(keys, same, 3), rng.normal(keys, counter, 3))
    np.testing.assert_array_equal(rng.gumbel(keys, same, 3), rng.gumbel(keys, counter, 3))
    with pytest.raises(ValueError, match="counter"):
        rng.uniform(keys, np.zeros(3, dtype=np.int64), 2)


def test_every_row_has_one_is_numpys_reduction():
    from regretlab.core.kernels import every_row_has_one

    gen = np.random.default_rng(4)
    for shape in ((1, 1), (7, 3), (500, 2)):
        for p in (0.05, 0.5, 0.99):
            mask = gen.random(shape) < p
            assert every_row_has_one(mask) == bool(mask.any(axis=1).all())
    assert every_row_has_one(np.broadcast_to(np.array([[True], [True]]), (2, 4)))
    assert not every_row_has_one(np.zeros((3, 2), dtype=bool))


def test_only_awake_utilities_must_be_finite():
    learner = learners.make("hedge", lr=0.5)
    state = learner.init(rng.spawn_keys(0, 2), 3)
    awake = np.array([[True, False, True], [False, False, False]])
    u = np.array([[-1.0, np.nan, 0.0], [np.inf, np.nan, 1.0]])
    after = learner.update(state, FullInfo(u, awake))
    assert np.isfinite(after.signal).all() and after.t.tolist() == [1, 0]
    with pytest.raises(ValueError, match="finite on the awake actions"):
        learner.update(state, FullInfo(np.array([[np.nan, 0.0, 0.0], [0.0, 0.0, 0.0]]), awake))


if __name__ == "__main__":
    np.savez_compressed(PINNED, **{_key(c, s, m): final_strategies(n, p, s, m)
                                   for c, n, p in cases() for s in SEEDS for m in (False, True)})
    print(f"wrote {PINNED}")
