"""Treeplex construction: sizes, layout invariants, validation errors."""

import numpy as np
import pytest

from regretlab.games.poker import kuhn_poker, leduc_poker
from regretlab.games.treeplex import CHANCE, TERMINAL, GameDefinition, build_treeplex


@pytest.mark.parametrize(
    "make, players, nodes, terminals, infosets",
    [
        # Node/terminal/infoset counts of OpenSpiel 1.5's kuhn_poker and leduc_poker trees
        # (enumerated with pyspiel; Leduc's 936 information sets are also quoted in spec §9.3).
        (kuhn_poker, 2, 58, 30, 12),
        (kuhn_poker, 3, 617, 312, 48),
        (leduc_poker, 2, 9457, 5520, 936),
    ],
)
def test_sizes_match_openspiel(make, players, nodes, terminals, infosets):
    g = make(players)
    assert (g.num_nodes, g.num_terminals, g.num_infosets) == (nodes, terminals, infosets)


@pytest.mark.parametrize("g", [kuhn_poker(), kuhn_poker(3), leduc_poker()], ids=lambda g: g.name)
def test_layout_invariants(g):
    n = np.arange(g.num_nodes)
    inner = g.node_player != TERMINAL
    # children contiguous and after their parent; parent pointers consistent
    for k in range(g.max_actions):
        has = n[inner & (g.node_num_children > k)]
        child = g.node_first_child[has] + k
        assert (child > has).all()
        assert (g.node_parent[child] == has).all()
        assert (g.node_action[child] == k).all()
    # chance probabilities sum to one at every chance node
    ch = n[g.node_player == CHANCE]
    sums = np.array([g.node_chance_prob[g.node_first_child[c]: g.node_first_child[c] + g.node_num_children[c]].sum() for c in ch])
    np.testing.assert_allclose(sums, 1.0)
    # infoset ids increase along a player's own sequence (parents discovered first)
    has_parent = g.infoset_parent >= 0
    assert (g.infoset_parent[has_parent] < np.flatnonzero(has_parent)).all()
    assert (g.infoset_player[g.infoset_parent[has_parent]] == g.infoset_player[has_parent]).all()
    # zero-sum poker: utilities sum to zero at every terminal
    np.testing.assert_allclose(g.utilities.sum(axis=1), 0.0, atol=1e-12)
    assert g.num_sequences.sum() == g.infoset_num_actions.sum()


class _Toy(GameDefinition):
    """A one-shot game whose pieces can be broken to exercise the validation errors."""

    def __init__(self, probs=(0.5, 0.5), mix_players=False, mix_actions=False, forget=False):
        self.num_players = 2
        self.probs, self.mix_players, self.mix_actions, self.forget = probs, mix_players, mix_actions, forget
        self.name = "toy"

    @property
    def num_actions(self):
        return 3

    def initial_state(self):
        return ()

    def current_player(self, s):
        if len(s) == 0:
            return CHANCE
        if len(s) == 1:
            return 1 if (self.mix_players and s[0] == 1) else 0
        if len(s) == 2 and self.forget:
            return 0
        return TERMINAL

    def chance_outcomes(self, s):
        return list(enumerate(self.probs))

    def legal_actions(self, s):
        if self.mix_actions and len(s) == 1 and s[0] == 1:
            return [0, 1, 2]
        return [0, 1]

    def apply(self, s, a):
        return s + (a,)

    def returns(self, s):
        return [float(sum(s)), -float(sum(s))]

    def infoset_key(self, s):
        # the second decision forgets the first own action (imperfect recall)
        return "second" if len(s) == 2 else "first"


def test_valid_toy_builds():
    g = build_treeplex(_Toy())
    assert g.num_infosets == 1 and g.num_terminals == 4


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"probs": (0.5, 0.4)}, "sum to 1"),
        ({"probs": (1.2, -0.2)}, "positive"),
        ({"mix_players": True}, "mixes players"),
        ({"mix_actions": True}, "different legal actions"),
        ({"forget": True}, "perfect-recall"),
    ],
)
def test_invalid_games_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_treeplex(_Toy(**kwargs))


def test_bad_policy_shapes_and_rows():
    g = kuhn_poker()
    with pytest.raises(ValueError, match="shape"):
        g.check_policy(np.ones((3, 2)))
    bad = g.uniform_policy()
    bad[0] = [0.9, 0.3]
    with pytest.raises(ValueError, match="sum to 1"):
        g.check_policy(bad)
    with pytest.raises(ValueError, match="players"):
        kuhn_poker(1)


def test_opt_in_disk_cache(tmp_path, monkeypatch):
    from regretlab.games.poker import CACHE_ENV, KuhnPoker, cached_build

    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    a = cached_build(KuhnPoker(3))
    files = list(tmp_path.glob("*.npz"))
    assert len(files) == 1
    b = cached_build(KuhnPoker(3))  # read back from the file
    assert b.infoset_keys == a.infoset_keys
    np.testing.assert_array_equal(b.utilities, a.utilities)
