"""The range-vector river subgames of an OpenSpiel ``universal_poker`` game: a policy solved by
range-vector CFR+ has, in OpenSpiel's own tree (its deals, fcpa betting, ACPC hand evaluator
and returns), the same expected value and best-response values to 1e-9 (card removal
included: on the 12-card deck each hand meets 10 opponent hands)."""

import pytest

pyspiel = pytest.importorskip("pyspiel")

from regretlab.games.subgame import exploitability, make_solver  # noqa: E402
from regretlab.games.subgame import openspiel as U  # noqa: E402


@pytest.mark.parametrize("num_ranks,every", [(3, 25), (4, 55)])
def test_subgame_values_equal_openspiel_universal_poker(num_ranks, every):
    p = U.params(num_ranks, 3)
    game = pyspiel.load_game("universal_poker", p)
    for board in U.boards(p)[::every][:4]:
        g = U.board_subgame(p, board)
        s = make_solver("cfr+")
        pol = s.average_policy(s.update(s.init(g), g, 20), g)
        ours = exploitability(g, pol)
        theirs = U.openspiel_values(game, p, board, g, pol)
        for k, v in theirs.items():
            assert abs(v - ours[k]) <= 1e-9, (board, k)
        assert ours["chips"] > 0
