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


if __name__ == "__main__":
    np.savez_compressed(PINNED, **{_key(c, s, m): final_strategies(n, p, s, m)
                                   for c, n, p in cases() for s in SEEDS for m in (False, True)})
    print(f"wrote {PINNED}")
