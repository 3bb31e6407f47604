"""Suit isomorphism of chance branches is exact: the solve with one branch per orbit of
turn/river cards equals the solve with every card (values, exploitability, root strategy)."""

import numpy as np
import pytest

from regretlab.games.subgame import exploitability, make_solver, subgame, values
from regretlab.games.subgame.cards import parse_cards
from regretlab.games.subgame.ranges import parse_range
from regretlab.games.subgame.tree import suit_symmetries

TURN_DECK = [4 * r + s for r in (9, 10, 11, 12) for s in range(4)]  # J Q K A, four suits
FLOP_DECK = [4 * r + s for r in (10, 11, 12) for s in range(4)]  # Q K A


def _solve(iso, algo, iterations, **kw):
    g = subgame(isomorphism=iso, **kw)
    s = make_solver(algo)
    state = s.update(s.init(g), g, iterations)
    pol = s.average_policy(state, g)
    return g, pol, exploitability(g, pol), [values(g, pol, p) for p in range(2)]


def _assert_same(kw, algo, iterations, fewer):
    g0, p0, e0, v0 = _solve(False, algo, iterations, **kw)
    g1, p1, e1, v1 = _solve(True, algo, iterations, **kw)
    assert g1.tree.num_nodes * fewer <= g0.tree.num_nodes  # the isomorphic tree is smaller
    for k in e0:
        assert abs(e0[k] - e1[k]) <= 1e-9, k
    for a, b in zip(v0, v1):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-9)
    H = g0.tree.num_hands  # the root (before any chance node) has the same rows in both trees
    np.testing.assert_allclose(p0[:H], p1[:H], rtol=0, atol=1e-9)
    return e1


@pytest.mark.parametrize("board,deck,algo", [("JsJhQsQh", TURN_DECK, "cfr+"), ("QsKsAs", FLOP_DECK, "dcfr")])
def test_tiny_deck_isomorphic_solve_equals_the_full_one(board, deck, algo):
    kw = dict(board=board, pot=4, stacks=6, oop_range="full", ip_range="QQ+,AK:0.5", bets="1,allin", raise_cap=1,
              deck=deck)
    _assert_same(kw, algo, 60, 1.5)


def lift_rows(full, iso):
    """``[R_full]`` the iso row of each full-tree row: walk both trees together carrying the suit
    permutation ``pi`` (full-tree cards -> iso-tree cards) of the path; at a chance node the full
    tree's card ``y`` is ``pi(y)`` in the iso tree, dealt there as the representative ``x`` with
    ``sigma(x) = pi(y)``, after which ``pi <- sigma^-1 pi``."""
    from regretlab.games.subgame.cards import COMBOS, _INDEX, card_id
    from regretlab.games.subgame.tree import _suit_map

    tf, ti = full.tree, iso.tree
    assert np.array_equal(tf.hand_combo, ti.hand_combo)
    where = np.full(COMBOS.shape[0], -1)
    where[ti.hand_combo] = np.arange(ti.num_hands)
    maps = [_suit_map(p) for p in ti.meta["suit_perms"]]
    out = np.full(full.num_rows, -1)
    stack = [(0, 0, np.arange(52))]
    while stack:
        nf, ni, pi = stack.pop()
        if tf.kind[nf] >= 0:
            hands = where[_INDEX[pi[tf.hands[:, 0]], pi[tf.hands[:, 1]]]]
            out[tf.decision[nf] * tf.num_hands + np.arange(tf.num_hands)] = ti.decision[ni] * ti.num_hands + hands
        kids_f, kids_i = list(tf.children(nf)), list(ti.children(ni))
        if tf.kind[nf] == -1:  # chance
            reps = {card_id(ti.labels[c]): c for c in kids_i}
            for c in kids_f:
                y = int(pi[card_id(tf.labels[c])])
                m = next(m for m in maps if int(np.argsort(m)[y]) in reps)
                x = int(np.argsort(m)[y])
                stack.append((c, reps[x], np.argsort(m)[pi]))
        else:
            stack.extend((a, b, pi) for a, b in zip(kids_f, kids_i))
    assert (out >= 0).all()
    return out


def test_real_turn_spot_isomorphic_values_and_updates_equal_the_full_tree():
    """On a real (52-card) turn, the full tree's own CFR run breaks the suit symmetry by
    rounding (sums over hands in a different order per card: 1e-16, which regret matching
    amplifies at exact ties within a few iterations), so the equality is checked on the
    operators: a symmetric state lifted from the isomorphic tree gives, in the full tree, the
    same values and exploitability and the same next iteration, to 1e-9."""
    # a monotone turn: the suit permutations of h, d, c fix the board and any range given as text
    kw = dict(board="Ks9s5s2s", pot=10, stacks=20, oop_range="AA,KK,QQ,AK,KQ,QJs,T9s",
              ip_range="AQ+,JJ,TT,KJs,87s", bets="1,allin", raise_cap=1)
    full, iso = subgame(isomorphism=False, **kw), subgame(isomorphism=True, **kw)
    assert iso.tree.num_nodes * 2 <= full.tree.num_nodes and len(iso.tree.meta["suit_perms"]) == 6
    rows = lift_rows(full, iso)
    s = make_solver("dcfr")
    state = s.update(s.init(iso), iso, 20)
    pol_i = s.average_policy(state, iso)
    pol_f = pol_i[rows]
    e_i, e_f = exploitability(iso, pol_i), exploitability(full, pol_f)
    for k in e_i:
        assert abs(e_i[k] - e_f[k]) <= 1e-9, k
    for p in range(2):
        np.testing.assert_allclose(values(iso, pol_i, p, True), values(full, pol_f, p, True), rtol=0, atol=1e-9)
    lifted = state._replace(**{k: getattr(state, k)[rows] for k in ("cumulative", "strategy", "regret", "last")})
    nxt_i, nxt_f = s.update(state, iso, 1), s.update(lifted, full, 1)
    for k in ("cumulative", "strategy", "regret"):
        np.testing.assert_allclose(getattr(nxt_i, k)[rows], getattr(nxt_f, k), rtol=0, atol=1e-9)


def test_symmetry_group_respects_ranges_deck_and_board():
    full = parse_range("full")
    assert len(suit_symmetries(parse_cards("Ks7h2d3c"), None, [full, full])) == 1  # rainbow: none
    assert len(suit_symmetries(parse_cards("KsKh7d"), None, [full, full])) == 2  # s<->h (7d fixes d and c)
    one = parse_range("AsKs")  # a suited combo of spades only fixes spades
    assert len(suit_symmetries(parse_cards("Qs9s5s"), None, [full, one])) == 6
    assert len(suit_symmetries(parse_cards("Qs9s5s"), None, [full, parse_range("AhKh")])) == 2
    assert len(suit_symmetries(parse_cards("Qs9s5s"), [c for c in range(52) if c != 3], [full, full])) == 2
