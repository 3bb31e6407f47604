"""Every core: the compiled CFR sweeps on 2 threads give the serial sweeps' numbers.

The parallel sweeps split the public tree into groups of whole subtrees (or a per-history
tree into the nodes of a depth level) and keep every sum in the serial order, so 1 and 2
threads agree bit for bit; the tests ask for equality (stricter than the 1e-12 asked for).
"""

import numpy as np
import pytest

from regretlab.games.cfr import cfr_plus, dcfr, max_threads, pcfr_plus, vanilla_cfr
from regretlab.games.evaluation import nash_conv
from regretlab.games.factored import public_layout, subtree_split
from regretlab.games.poker import kuhn_poker, leduc_poker

pytestmark = pytest.mark.skipif(max_threads() < 2, reason="Numba may use only one thread here")


def _liars(**params):
    pytest.importorskip("pyspiel")
    from regretlab.games.openspiel import from_openspiel

    return from_openspiel("liars_dice", **params)


GAMES = {
    "kuhn": lambda: kuhn_poker(),
    "kuhn3": lambda: kuhn_poker(3),
    "leduc": lambda: leduc_poker(),
    "liars_dice": lambda: _liars(dice_sides=4),
}


def _same(a, b):
    return np.array_equal(a.cumulative, b.cumulative) and np.array_equal(a.strategy, b.strategy)


@pytest.mark.parametrize("name", list(GAMES))
@pytest.mark.parametrize("make", [cfr_plus, vanilla_cfr, pcfr_plus, dcfr])
def test_two_threads_equal_one_thread(name, make):
    game = GAMES[name]()
    one = make().solve(game, 25)
    two = make(threads=2).solve(game, 25)
    assert _same(one, two)
    s = make()
    assert nash_conv(game, s.average_policy(one, game)) == nash_conv(game, s.average_policy(two, game))


@pytest.mark.parametrize("kw", [{"updates": "simultaneous"}, {"backend": "numba_nodes"},
                                {"fused": False}, {"fused": False, "backend": "numba_nodes"}])
def test_two_threads_every_path(kw):
    game = leduc_poker()
    one = cfr_plus(**kw).solve(game, 12)
    two = cfr_plus(threads=2, **kw).solve(game, 12)
    assert _same(one, two)


def test_a_run_split_over_thread_counts_equals_one_run():
    game = _liars(dice_sides=4)
    whole = cfr_plus().solve(game, 20)
    part = cfr_plus(threads=2).solve(game, 7)
    part = cfr_plus().update(part, game, 6)
    part = cfr_plus(threads=2).update(part, game, 7)
    assert _same(whole, part)


@pytest.mark.parametrize("groups", [1, 2, 3, 5])
def test_subtree_split_covers_every_position_once(groups):
    lay = public_layout(leduc_poker())
    sp = subtree_split(lay, groups)
    listed = np.concatenate([sp.top, sp.group_positions])
    assert np.array_equal(np.sort(listed), np.sort(lay.internal))
    assert sp.group_start.shape == (groups + 1,)
    # subtrees sharing an information set are in one group
    owner = np.full(lay.num_positions, -1)
    for g in range(groups):
        owner[sp.group_positions[sp.group_start[g]:sp.group_start[g + 1]]] = g
    seen = {}
    for m in sp.group_positions:
        for s in np.unique(lay.infoset[m]):
            assert seen.setdefault(int(s), owner[m]) == owner[m]


def test_threads_are_checked():
    with pytest.raises(ValueError, match="threads must be between 1 and"):
        cfr_plus(threads=max_threads() + 1)
    with pytest.raises(ValueError, match="threads"):
        cfr_plus(threads=0)
