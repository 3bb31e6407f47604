"""No-limit hold'em subgames solved by range-vector (public-tree) CFR.

* :mod:`.cards`: card ids, the 1,326 combinations, a compiled 7-card evaluator;
* :mod:`.ranges`: range text (``AA,KK,AKs,QJo:0.5,T9s+,22-55,A5s-A2s``) and 13x13 grids;
* :mod:`.tree`: the public tree (board, pot, stacks, bet abstraction, chance cards);
* :mod:`.kernels`: compiled sweeps with O(H) fold and showdown values and card removal;
* :mod:`.solver`: CFR with any CFR-family local rule, exact best response and exploitability,
  strategies per node and hand;
* :mod:`.history`: the same subgame built history by history as a treeplex (the check).

Example:
    >>> from regretlab.games.subgame import subgame, make_solver, exploitability
    >>> g = subgame("Ks7h2d3c8s", pot=10, stacks=20, oop_range="AA,KK,72o", ip_range="KQ,QQ",
    ...             bets="1,allin", raise_cap=1)
    >>> s = make_solver("dcfr"); state = s.update(s.init(g), g, 200)
    >>> bool(exploitability(g, s.average_policy(state, g))["pct_pot"] < 1.0)
    True
"""

from regretlab.games.subgame.cards import COMBOS, card_id, card_name, evaluate, parse_cards
from regretlab.games.subgame.ranges import from_grid, parse_range, to_grid
from regretlab.games.subgame.solver import (
    SubgameCFR,
    SubgameGame,
    SubgameState,
    exploitability,
    export_strategy,
    find_node,
    make_game,
    make_solver,
    node_grid,
    strategy_rows,
    subgame,
    values,
)
from regretlab.games.subgame.tree import Bets, PublicTree, build_tree, parse_bets

__all__ = ["COMBOS", "card_id", "card_name", "evaluate", "parse_cards", "from_grid", "parse_range", "to_grid",
           "SubgameCFR", "SubgameGame", "SubgameState", "exploitability", "export_strategy", "find_node",
           "make_game", "make_solver", "node_grid", "strategy_rows", "subgame", "values", "Bets", "PublicTree",
           "build_tree", "parse_bets"]
