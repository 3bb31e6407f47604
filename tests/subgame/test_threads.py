"""Range-vector CFR on several threads (issue 19, "Every core"): the sweeps split hands into
blocks and the terminal nodes over the threads, computing every number by the same operations as
the serial sweep, so a solve at 2 (or 3) threads equals the 1-thread solve bit for bit."""

import numpy as np
import pytest

from regretlab.games.cfr import max_threads
from regretlab.games.subgame import make_solver, subgame

TURN_DECK = [4 * r + s for r in (9, 10, 11, 12) for s in range(4)]  # J Q K A, four suits
RIVER_DECK = [4 * r + s for r in (7, 8, 9, 10, 11, 12) for s in range(4)]  # 9 .. A

pytestmark = pytest.mark.skipif(max_threads() < 2, reason="Numba was started with one thread")


def _solve(threads, algo, iterations, local="", **kw):
    g = subgame(**kw)
    s = make_solver(algo, local=local, threads=threads)
    return s.update(s.init(g), g, iterations)


CASES = [
    # river, every CFR-family rule (alternating updates; CFR is alternating too)
    ("cfr+", dict(board="9sTsJhQdKc", pot=4, stacks=8, oop_range="full", ip_range="QQ+,AK:0.5,T9s",
                  bets="0.5,allin", raise_cap=2, deck=RIVER_DECK)),
    ("dcfr", dict(board="9sTsJhQdKc", pot=4, stacks=8, oop_range="full", ip_range="full",
                  bets="0.5,1,allin", raise_cap=2, deck=RIVER_DECK)),
    ("pcfr+", dict(board="9sTsJhQdKc", pot=4, stacks=8, oop_range="QQ+,JT", ip_range="full",
                   bets="1,allin", raise_cap=1, deck=RIVER_DECK)),
    # turn with chance nodes, with and without suit isomorphism (the isomorphic backward pass
    # reads other hands' child values, so it runs on all hands at once while the rest splits)
    ("cfr", dict(board="JsJhQsQh", pot=4, stacks=6, oop_range="full", ip_range="QQ+,AK:0.5", bets="1,allin",
                 raise_cap=1, deck=TURN_DECK)),
    ("dcfr", dict(board="JsJhQsQh", pot=4, stacks=6, oop_range="full", ip_range="QQ+,AK:0.5", bets="1,allin",
                  raise_cap=1, deck=TURN_DECK, isomorphism=True)),
]


@pytest.mark.parametrize("algo,kw", CASES)
def test_two_and_three_threads_equal_one_bit_for_bit(algo, kw):
    one = _solve(1, algo, 25, **kw)
    for threads in sorted({2, min(3, max_threads())}):
        many = _solve(threads, algo, 25, **kw)
        for name in ("cumulative", "strategy", "regret", "last"):
            assert np.array_equal(getattr(one, name), getattr(many, name)), (threads, name)


def test_a_local_rule_on_threads_equals_one_thread():
    kw = CASES[0][1]
    one = _solve(1, "cfr+", 8, local="hedge(lr=0.5)", **kw)
    two = _solve(2, "cfr+", 8, local="hedge(lr=0.5)", **kw)
    assert np.array_equal(one.cumulative, two.cumulative) and np.array_equal(one.strategy, two.strategy)


def test_threads_must_be_a_count_of_cores():
    with pytest.raises(ValueError, match="threads"):
        make_solver("dcfr", threads=0)


def test_float32_storage_on_threads_equals_one_thread():
    kw = CASES[1][1]
    g = subgame(**kw)
    one, two = make_solver("dcfr", dtype="float32"), make_solver("dcfr", threads=2, dtype="float32")
    a, b = one.update(one.init(g), g, 20), two.update(two.init(g), g, 20)
    assert a.regret.dtype == np.float32
    for name in ("cumulative", "strategy", "regret", "last"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
