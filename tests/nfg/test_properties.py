"""Hypothesis properties: solver outputs satisfy their defining inequalities on arbitrary games."""

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis", reason="property tests use hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402

from regretlab.games.normal_form import (  # noqa: E402
    DegenerateGameWarning, NormalFormGame, cce_gap, ce_gap, correlated_equilibrium,
    lemke_howson, nash_conv, support_enumeration,
)

payoff = st.floats(-5, 5, allow_nan=False, allow_infinity=False, width=64)


@st.composite
def games(draw, max_players=3):
    p = draw(st.integers(2, max_players))
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=p, max_size=p)))
    return NormalFormGame(draw(arrays(np.float64, (p,) + shape, elements=payoff)))


@pytest.mark.parametrize("objective", ["welfare", "max_entropy"])
@settings(max_examples=12, deadline=None)
@given(game=games())
def test_lp_equilibria_satisfy_incentive_constraints(objective, game):
    # Aumann (1974) / Moulin & Vial (1978): a CE and a CCE always exist; the LP's is exact
    scale = max(1.0, float(np.abs(game.payoffs).max()))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "mixed in a strictly feasible point"
        ce = correlated_equilibrium(game, "ce", objective)
        cce = correlated_equilibrium(game, "cce", objective)
    assert ce_gap(game, ce.joint) <= 1e-9 * scale
    assert cce_gap(game, cce.joint) <= 1e-9 * scale


@settings(max_examples=40, deadline=None)
@given(games(max_players=2))
def test_bimatrix_solvers_return_equilibria(game):
    # Nash (1951): an equilibrium exists, and Lemke–Howson always finds one (also degenerate,
    # with the lexicographic rule); support enumeration's answers are all equilibria
    scale = max(1.0, float(np.abs(game.payoffs).max()))
    x, y = lemke_howson(game)
    assert nash_conv(game, [x, y]) <= 1e-8 * scale
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DegenerateGameWarning)
            for x, y in support_enumeration(game):
                assert nash_conv(game, [x, y]) <= 1e-8 * scale
