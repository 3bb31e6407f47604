"""Seeds as a batch axis: B MCCFR seeds in one compiled pass equal B solo runs, row by row."""

import numpy as np
import pytest

from regretlab.games import local as rules
from regretlab.games.cfr import max_threads
from regretlab.games.mccfr import mccfr, mccfr_batch
from regretlab.games.poker import kuhn_poker, leduc_poker


def _solo_regret(solver, state, game):
    regret, _ = rules.gather(solver.fused_rule, state.local, game)
    return regret


@pytest.mark.parametrize("sampling", ["external", "outcome"])
@pytest.mark.parametrize("threads", sorted({1, min(2, max_threads())}))
def test_every_row_equals_a_solo_run(sampling, threads):
    game = leduc_poker()
    seeds = [0, 7, 3, 12]
    st = mccfr_batch(sampling, seeds=seeds, threads=threads).solve(game, 150)
    for b, seed in enumerate(seeds):
        solo = mccfr(sampling, seed=seed)
        ref = solo.solve(game, 150)
        assert np.array_equal(st.cumulative[b], ref.cumulative)
        assert np.array_equal(st.regret[b], _solo_regret(solo, ref, game))


def test_blocks_resume_and_solo_continuation():
    game = kuhn_poker()
    batch = mccfr_batch("external", seeds=range(3))
    whole = batch.solve(game, 90)
    part = batch.update(batch.update(batch.init(game), game, 40), game, 50)
    assert np.array_equal(whole.cumulative, part.cumulative) and np.array_equal(whole.regret, part.regret)
    # a row handed to the solo solver goes on as that seed's solo run
    half = batch.solve(game, 40)
    go_on = batch.solo(2).update(batch.solo_state(half, game, 2), game, 50)
    assert np.array_equal(go_on.cumulative, whole.cumulative[2])
    # checkpoint arrays round trip to the bit
    back = batch.from_arrays(game, **batch.to_arrays(half, game))
    nxt, ref = batch.update(back, game, 50), whole
    assert np.array_equal(nxt.cumulative, ref.cumulative)


def test_curve_has_a_band_over_seeds():
    game = kuhn_poker()
    _, curve = mccfr_batch("external", seeds=range(6)).curve(game, 300, 100)
    assert curve["iteration"].tolist() == [100, 200, 300]
    assert curve["exploitability"].shape == (3, 6)
    assert (curve["low"] <= curve["mean"]).all() and (curve["mean"] <= curve["high"]).all()
    # seeds differ, so the band has width; MCCFR converges, so the last mean is below the first
    assert (curve["high"] > curve["low"]).all()
    assert curve["mean"][-1] < curve["mean"][0]


def test_bad_input():
    with pytest.raises(ValueError, match="distinct"):
        mccfr_batch(seeds=[1, 1])
    with pytest.raises(ValueError, match="at least one"):
        mccfr_batch(seeds=[])
    with pytest.raises(ValueError, match="seeds"):
        mccfr_batch(seeds=[-1])
    with pytest.raises(ValueError, match="sampling"):
        mccfr_batch("chance")
    batch = mccfr_batch(seeds=range(2))
    with pytest.raises(ValueError, match="another game"):
        batch.update(batch.init(kuhn_poker()), leduc_poker(), 1)
    with pytest.raises(ValueError, match="seeds"):
        mccfr_batch(seeds=[5, 6]).from_arrays(kuhn_poker(), **batch.to_arrays(batch.init(kuhn_poker()), kuhn_poker()))
