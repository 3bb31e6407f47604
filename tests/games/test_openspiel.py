"""Differential tests against OpenSpiel (a test dependency): tree import, exploitability,
CFR/CFR+ convergence, policy conversion."""

import numpy as np
import pytest

pyspiel = pytest.importorskip("pyspiel", reason="OpenSpiel is the differential-test oracle")
from open_spiel.python.algorithms import exploitability as os_exploitability  # noqa: E402

from regretlab.games.cfr import cfr_plus, vanilla_cfr  # noqa: E402
from regretlab.games.evaluation import exploitability, nash_conv, random_policy  # noqa: E402
from regretlab.games.openspiel import (  # noqa: E402
    from_openspiel, from_openspiel_policy, to_openspiel_policy,
)
from regretlab.games.poker import kuhn_poker, leduc_poker  # noqa: E402

GAMES = [("kuhn_poker", {}), ("leduc_poker", {}), ("kuhn_poker", {"players": 3})]


@pytest.mark.parametrize("name, params", GAMES)
def test_random_policy_exploitability_matches_openspiel(name, params):
    g = from_openspiel(name, **params)
    og = pyspiel.load_game(name, params)
    for seed in range(3):
        pol = random_policy(g, seed, concentration=0.5)
        tab = to_openspiel_policy(g, pol, og)
        assert nash_conv(g, pol) == pytest.approx(os_exploitability.nash_conv(og, tab), abs=1e-9)
        if og.num_players() == 2:  # OpenSpiel defines exploitability for two players only
            assert exploitability(g, pol) == pytest.approx(
                os_exploitability.exploitability(og, tab), abs=1e-9)


@pytest.mark.parametrize("name, params, builtin", [
    ("kuhn_poker", {}, kuhn_poker(2)), ("leduc_poker", {}, leduc_poker(2)),
    ("kuhn_poker", {"players": 3}, kuhn_poker(3)),
])
def test_builtin_games_equal_openspiel_games(name, params, builtin):
    # Our own Kuhn/Leduc definitions use OpenSpiel's information-state strings as keys; a
    # policy carried over by key must have the same NashConv in both trees.
    g = from_openspiel(name, **params)
    assert set(g.infoset_keys) == set(builtin.infoset_keys)
    assert (g.num_nodes, g.num_terminals) == (builtin.num_nodes, builtin.num_terminals)
    pol = random_policy(g, 3)
    mapped = np.array([pol[g.infoset_index(k)] for k in builtin.infoset_keys])
    assert nash_conv(builtin, mapped) == pytest.approx(nash_conv(g, pol), abs=1e-12)


@pytest.mark.parametrize("name, params", GAMES)
@pytest.mark.parametrize("ours, theirs", [(vanilla_cfr, "CFRSolver"), (cfr_plus, "CFRPlusSolver")])
def test_cfr_convergence_at_least_as_good_as_openspiel(name, params, ours, theirs):
    og = pyspiel.load_game(name, params)
    g = from_openspiel(name, **params)
    solver = getattr(pyspiel, theirs)(og)
    s = ours()
    st = s.init(g)
    for T in (10, 50):
        for _ in range(T - st.t):
            solver.evaluate_and_update_policy()
        st = s.update(st, g, T - st.t)
        theirs_nc = pyspiel.nash_conv(og, solver.average_policy())
        ours_nc = nash_conv(g, s.average_policy(st, g))
        assert ours_nc <= theirs_nc * (1 + 1e-6) + 1e-12, (T, ours_nc, theirs_nc)


def test_policy_round_trip_and_openspiel_average_policy():
    g = from_openspiel("leduc_poker")
    og = pyspiel.load_game("leduc_poker")
    pol = random_policy(g, 5)
    back = from_openspiel_policy(g, to_openspiel_policy(g, pol, og))
    np.testing.assert_allclose(back, pol, atol=1e-15)
    # default game reload from metadata, and a builtin game maps onto OpenSpiel's game too
    tab = to_openspiel_policy(leduc_poker(), leduc_poker().uniform_policy())
    assert os_exploitability.nash_conv(og, tab) == pytest.approx(4.747222222, abs=1e-8)


def test_bad_openspiel_games():
    with pytest.raises(ValueError, match="not sequential"):
        from_openspiel("matrix_rps")
    with pytest.raises(ValueError, match="unknown OpenSpiel game"):
        from_openspiel("leduc_pokr")
    with pytest.raises(ValueError, match="could not load"):
        from_openspiel("leduc_poker", playerz=3)
    # Leduc's observation string drops the betting history: keyed by it, a player's
    # information set is reached after different own histories (imperfect recall)
    with pytest.raises(ValueError, match="not perfect-recall"):
        from_openspiel("leduc_poker", key="observation")
    with pytest.raises(ValueError, match="does not provide observation"):
        from_openspiel("liars_dice", key="observation")
    with pytest.raises(TypeError, match="OpenSpiel game name"):
        from_openspiel(42)
    with pytest.raises(ValueError, match="key must be"):
        from_openspiel("kuhn_poker", key="history")


@pytest.mark.parametrize("name, params", [
    ("tiny_hanabi", {}),  # general-sum, cooperative
    ("first_sealed_auction", {}),  # no deal-first structure: per-history sweep
    ("leduc_poker", {"suit_isomorphism": True}),  # chance outcomes of unequal probability
    ("liars_dice", {"dice_sides": 4}),
    ("kuhn_poker", {"players": 4}),
])
def test_other_openspiel_games_match(name, params):
    # After 30 CFR+ iterations, OpenSpiel's own nash_conv of our average policy equals ours.
    g = from_openspiel(name, **params)
    og = pyspiel.load_game(name, params)
    s = cfr_plus()
    pol = s.average_policy(s.solve(g, 30), g)
    assert nash_conv(g, pol) == pytest.approx(
        os_exploitability.nash_conv(og, to_openspiel_policy(g, pol, og)), abs=1e-9)
