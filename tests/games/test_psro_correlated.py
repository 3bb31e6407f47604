"""PSRO with the CE / CCE meta-solvers (JPSRO: Marris et al., ICML 2021)."""

from __future__ import annotations

import numpy as np
import pytest

from regretlab.games import kuhn_poker
from regretlab.games.evaluation import nash_conv
from regretlab.games.normal_form import NormalFormGame, chicken
from regretlab.games.normal_form.gaps import cce_gap, ce_gap
from regretlab.games.poker import kuhn_poker as kuhn
from regretlab.games.psro import psro


@pytest.mark.parametrize("kind", ["cce", "ce"])
def test_kuhn_marginals_reach_a_nash_equilibrium(kind):
    # two-player zero-sum: the marginals of a CCE (so of a CE) are minimax strategies, so the
    # product of the meta-marginals is a Nash equilibrium once JPSRO has converged
    res = psro(kuhn_poker(), kind, 100, tol=1e-12)
    assert res.stopped in ("tol", "converged")
    assert res.gap[-1] < 1e-9 and res.nash_conv[-1] < 1e-9
    assert nash_conv(kuhn_poker(), res.profile) < 1e-9
    assert res.joint.shape == res.population_sizes and abs(res.joint.sum() - 1) < 1e-12


@pytest.mark.parametrize("kind,gap", [("cce", cce_gap), ("ce", ce_gap)])
def test_normal_form_meta_distribution_is_an_equilibrium_of_the_whole_game(kind, gap):
    for game in (chicken(), NormalFormGame(np.random.default_rng(3).uniform(-1, 1, (3, 4, 3, 3)))):
        res = psro(game, kind, 200)
        assert res.stopped in ("tol", "converged")
        full = np.zeros(game.num_actions)
        full[np.ix_(*res.populations)] = res.joint
        # measured by the gap functions of the normal-form module, independently of PSRO's own curve
        assert gap(game, full) < 1e-9 and abs(res.gap[-1] - gap(game, full)) < 1e-12


def test_extensive_form_ce_needs_two_players():
    with pytest.raises(ValueError, match="needs 2 players"):
        psro(kuhn(3), "ce", 5)
    with pytest.raises(ValueError, match="meta_solver must be one of"):
        psro(kuhn_poker(), "prd", 5)
