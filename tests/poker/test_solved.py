"""The LM on a heads-up limit game small enough to solve (Leduc): exact exploitability next to CFR+."""

from __future__ import annotations

import numpy as np


def test_lm_exploitability_is_exact_and_ordered():
    from regretlab.games.evaluation import exploitability
    from regretlab.games.poker import leduc_poker
    from regretlab.poker.solved import lm_exploitability

    r = lm_exploitability(iterations=30, samples=200, hidden=8, epochs=1, seed=0)
    tp = leduc_poker()
    assert r["infosets"] == tp.num_infosets == 936
    # uniform play on Leduc: NashConv 4.7472 (OpenSpiel, exploitability of the uniform policy), so NashConv/2 = 2.3736
    assert np.isclose(r["exploitability_uniform"], exploitability(tp, tp.uniform_policy()))
    assert abs(r["exploitability_uniform"] - 2.3736) < 1e-3
    assert 0 <= r["exploitability_cfr"] < r["exploitability_uniform"]
    assert r["exploitability_lm_softmax"] >= 0 and r["exploitability_lm_argmax"] >= 0
    assert 0 <= r["agreement"] <= 1
