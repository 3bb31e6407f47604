"""Range-vector CFR+ against OpenSpiel's ``CFRPlusSolver`` on a ``universal_poker`` river game.

The game (:mod:`regretlab.games.subgame.openspiel`): one no-limit round, 9-card deck (ranks
2-4, suits c d h), two hole cards, five board cards, blinds 1/1, stacks 5, ``fcpa`` betting.
``universal_poker`` deals the board by chance and has no ranges, so regretlab solves it as its
126 river subgames (one per board, full ranges) and OpenSpiel solves the whole tree. One run:

* OpenSpiel ``pyspiel.CFRPlusSolver`` (C++): construction and ``--iterations`` iterations;
* regretlab range-vector CFR+ (``SubgameCFR(cfr_plus())``) on the 126 subgames, the same
  iterations: seconds per iteration, the ratio;
* equality: each board's expected value and exploitability of regretlab's policy evaluated in
  OpenSpiel's tree against regretlab's own evaluation (game means); and OpenSpiel's average
  policy against regretlab's, information state by information state. The trajectories agree
  after one iteration and part from the second: in this game each hand knows the opponent's
  (4 cards left), many actions are worth exactly the same, and regretlab's regret there is a
  rounding residue (1e-17, from the range weights scaled by 1/Z) where OpenSpiel's is exactly 0,
  so regret matching+ plays the action purely in one and uniformly in the other.

The full game's treeplex import (``regretlab.games.openspiel.from_openspiel``) is not run:
``universal_poker`` deals the cards one at a time, 9! = 362,880 card orders times the betting,
which OpenSpiel itself takes ~35 s per CFR+ iteration to traverse.

Usage: ``python benchmarks/subgame_openspiel.py [--iterations 2]``.
"""

from __future__ import annotations

import argparse
import os
import time
from itertools import combinations

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iterations", type=int, default=2)
    ap.add_argument("--delay", type=int, default=0, help="regretlab cfr_plus(delay=...): iterates left out of the average")
    ap.add_argument("--repeats", type=int, default=5, help="regretlab timing: best of this many")
    args = ap.parse_args()
    import pyspiel

    from regretlab.games.cfr import cfr_plus
    from regretlab.games.subgame import SubgameCFR, exploitability
    from regretlab.games.subgame import openspiel as U

    p = U.params(3, 3)
    game = pyspiel.load_game("universal_poker", p)
    print(f"game: {game}")
    n = args.iterations
    subs = [(b, U.board_subgame(p, b)) for b in U.boards(p)]
    solver = SubgameCFR(cfr_plus(delay=args.delay))
    solver.update(solver.init(subs[0][1]), subs[0][1], 2)  # compile
    best = float("inf")
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        states = [solver.update(solver.init(g), g, n) for _, g in subs]
        best = min(best, time.perf_counter() - t0)
    ours = best / n
    print(f"regretlab range-vector CFR+: {len(subs)} subgames ({subs[0][1].describe()}), {n} iterations: "
          f"{1e3 * ours:.3f} ms/iteration (best of {args.repeats}, init included)")
    t0 = time.perf_counter()
    os_solver = pyspiel.CFRPlusSolver(game)
    built = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(n):
        os_solver.evaluate_and_update_policy()
    theirs = (time.perf_counter() - t0) / n
    print(f"OpenSpiel CFRPlusSolver: built in {built:.1f} s, {theirs:.2f} s/iteration")
    print(f"  ratio (OpenSpiel s/it over regretlab s/it): {theirs / ours:,.0f}x")
    table = os_solver.average_policy()
    cards = U.deck(p)
    worst, checked, unreached, diffs = 0.0, 0, 0, []
    evs, expl = [], []
    for (board, g), st in zip(subs, states):
        pol = solver.average_policy(st, g)
        e = exploitability(g, pol)
        o = U.openspiel_values(game, p, board, g, pol)
        evs.append((e["value_oop"], o["value_oop"]))
        expl.append((e["chips"], o["chips"]))
        t = g.tree
        where = {int(c): i for i, c in enumerate(t.hand_combo)}
        rest = [k for k in range(len(cards)) if k not in board]
        for h0 in combinations(rest, 2):
            for h1 in [h for h in combinations(rest, 2) if not set(h) & set(h0)]:
                s = game.new_initial_state()
                for k in (*h0, *h1, *board):
                    s.apply_action(k)
                stack = [(s, 0)]
                while stack:
                    s, node = stack.pop()
                    if s.is_terminal():
                        continue
                    i = s.current_player()
                    hand = (h0, h1)[i]
                    row = g.row(node, where[U.combo_index(cards[hand[0]], cards[hand[1]])])
                    probs = dict(table.action_probabilities(s))
                    reached = st.cumulative[row].sum() > 0  # rows never reached: both sides' defaults
                    for j, a in enumerate(s.legal_actions()):
                        if reached:
                            worst = max(worst, abs(probs[a] - pol[row, j]))
                        else:
                            unreached += 1
                            if abs(probs[a] - pol[row, j]) > 1e-12 and len(diffs) < 3:
                                diffs.append((s.information_state_string(), probs, pol[row]))
                        c = s.clone()
                        c.apply_action(a)
                        stack.append((c, int(t.first_child[node]) + j))
                    checked += 1
    ev, ex = np.array(evs), np.array(expl)
    print(f"  average policies after {n} iterations: {checked:,} information-state visits, largest difference "
          f"{worst:.2e} where regretlab's average has weight ({unreached:,} action entries never reached)")
    for d in diffs:
        print("    unreached, differs:", d)
    print(f"  game value to player 0: regretlab {ev[:, 0].mean():.12f}, in OpenSpiel's tree {ev[:, 1].mean():.12f} "
          f"(diff {abs(ev[:, 0].mean() - ev[:, 1].mean()):.1e}); exploitability (chips) {ex[:, 0].mean():.12f} vs "
          f"{ex[:, 1].mean():.12f} (diff {abs(ex[:, 0].mean() - ex[:, 1].mean()):.1e})")


if __name__ == "__main__":
    main()
