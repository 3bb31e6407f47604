"""Why the first PokerGPT model lost (docs/poker.md): legal-action scoring, the prompt's strength /
equity / pot-odds part, and that an agent is credited with the winnings of the seat it played
under seat rotation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from regretlab.poker.arena import arena
from regretlab.poker.bots import CallingStation, RandomBot
from regretlab.poker.env import TableConfig, parse_action
from regretlab.poker.equity import preflop_strength
from regretlab.poker.prompts import features, render

CFG = TableConfig(players=3, stack=20)


class Recorder:
    """Plays like the wrapped bot and notes (hand, seat, hole cards) of every decision it gets."""

    def __init__(self, bot, name):
        self.bot, self.name, self.seen = bot, name, []

    def act(self, observations):
        for o in observations:
            self.seen.append((o.hand, o.seat, tuple(o.hole), o.names[o.seat]))
        return self.bot.act(observations)


def test_each_agent_is_credited_with_its_own_seat_under_rotation():
    agents = [Recorder(RandomBot(), "a"), Recorder(CallingStation(), "b"), Recorder(RandomBot(), "c")]
    recs, res = arena(CFG, agents, deals=6, seed=3)
    by_hand = {r["hand"]: r for r in recs}
    for k, ag in enumerate(agents):
        assert ag.seen
        for hand, seat, hole, name in ag.seen:
            r = by_hand[hand]
            assert name == ag.name and r["seats"][seat] == ag.name  # the record names it at that seat
            assert tuple(r["hole"][seat]) == hole                  # with the cards it was shown
            assert seat == (k + hand % 3) % 3                      # agent k sits at (k + rotation) % n
    # its win rate is the mean over deals of the winnings at the seats it held
    for ag in agents:
        per_deal = {}
        for r in recs:
            for name, w in zip(r["seats"], r["winnings"]):
                if name == ag.name:
                    per_deal.setdefault(r["hand"] // 3, []).append(1000.0 * w / CFG.big_blind)
        mine = next(x for x in res if x.name == ag.name)
        assert mine.hands == 18 and np.isclose(mine.mbb_per_hand, np.mean([np.mean(v) for v in per_deal.values()]))


def test_prompt_features_are_strength_equity_and_pot_odds():
    from regretlab.poker.env import _Table

    t = _Table(TableConfig(players=3), hand=5, seed=2, names=["a", "b", "c"], slot=0)
    o = t.observation()
    s, e, p = features(o)
    assert s == int(5 * round(20 * preflop_strength(o.hole)))
    assert e == int(5 * round(20 * preflop_strength(o.hole) ** 2))  # two opponents still in
    assert p == int(5 * round(20 * o.to_call / (o.pot + o.to_call)))
    assert f"strength {s} equity {e} odds {p}" in render(o)
    assert "strength" not in render(o, features=False)
    assert features(o) == features(o)  # seeded


@pytest.fixture(scope="module")
def lm():
    from regretlab.poker.model import poker_tokenizer, tiny_model

    tok = poker_tokenizer(CFG)
    return tiny_model(tok, hidden=16, layers=1, heads=2, max_positions=256, seed=1), tok


def test_legal_action_scoring_never_answers_illegally(lm):
    from regretlab.poker.model import LMAgent

    model, tok = lm
    agent = LMAgent(model, tok, "lm")  # untrained: its free text would be nonsense
    recs, res = arena(CFG, [agent, RandomBot(), RandomBot()], deals=4, seed=1)
    me = next(r for r in res if r.name == "lm")
    assert me.decisions > 0 and me.illegal == 0 and me.fallbacks == 0
    assert not any(a.get("fallback") for r in recs for a in r["actions"])
    text = LMAgent(model, tok, "lm", decode="generate")
    _, res2 = arena(CFG, [text, RandomBot(), RandomBot()], deals=4, seed=1)
    assert next(r for r in res2 if r.name == "lm").illegal > 0  # the free-text path is still measured
    with pytest.raises(ValueError, match="decode must be"):
        LMAgent(model, tok, decode="beam")


def test_scores_are_the_sequence_log_probabilities(lm):
    from regretlab.poker.model import LMAgent, _encode

    model, tok = lm
    agent = LMAgent(model, tok)
    prompts = ["hand As Ad | action", "seats 3 limit no | board none | legal fold call 2 | action"]
    cands = [["fold", "raise 12", "call 2"], ["check"]]
    got = agent.scores(prompts, cands)
    for p, cs, row in zip(prompts, cands, got):
        for a, v in zip(cs, row):
            x, y = _encode(tok, p), _encode(tok, a) + [tok.eos_token_id]
            with torch.no_grad():
                lp = torch.log_softmax(model(input_ids=torch.tensor([x + y])).logits[0].float(), -1)
            want = sum(float(lp[len(x) - 1 + j, t]) for j, t in enumerate(y))
            assert abs(v - want) < 1e-4  # padding in the batch changes nothing


def test_kind_first_decoding_sums_a_kind_over_its_sizes():
    from regretlab.poker.model import _kind_first

    menu = ["fold", "call 2", "raise 4", "raise 7", "raise 200"]
    lp = np.log([0.30, 0.25, 0.20, 0.15, 0.10])
    assert _kind_first(menu, list(lp)) == "raise 4"  # raise holds 0.45 > fold 0.30; its likeliest size
    assert menu[int(np.argmax(lp))] == "fold"        # while the single most likely action is fold


def test_scored_answer_is_the_most_likely_legal_action(lm):
    from regretlab.poker.env import _Table
    from regretlab.poker.model import LMAgent

    model, tok = lm
    agent = LMAgent(model, tok)
    for hand in range(5):
        o = _Table(CFG, hand=hand, seed=0, names=["a", "b", "c"], slot=0).observation()
        ans = agent.act([o])[0]
        menu = [a.text() for a in o.legal]
        sc = agent.scores([render(o)], [menu])[0]
        assert ans == menu[int(np.argmax(sc))] and parse_action(ans, o) in o.legal
        kind = LMAgent(model, tok, decode="kind").act([o])[0]
        assert kind in menu


def test_share_is_the_ratio_the_threshold_bots_decide_on():
    from regretlab.poker.bots import tag
    from regretlab.poker.env import _Table
    from regretlab.poker.prompts import share

    for hand in range(6):  # pre-flop the strength is the stored table's, so the bot's r is exact
        o = _Table(TableConfig(players=4), hand=hand, seed=3, names=["a", "b", "c", "d"], slot=0).observation()
        _, r = tag().strength(o)
        assert share(preflop_strength(o.hole), 3) == int(10 * round(min(r, 3.0) * 10))
        assert f"share {share(preflop_strength(o.hole), 3)} |" in render(o)
    assert share(0.99, 8) == 300  # capped: every value is a word of the vocabulary


def test_teacher_agreement_tallies_by_street_and_strength():
    from regretlab.poker.agreement import teacher_agreement
    from regretlab.poker.bots import tag

    same = teacher_agreement(CFG, tag(), tag(), CallingStation(), 3, seed=1)
    assert same["all"]["kind"] == same["all"]["exact"] == 1.0
    a = teacher_agreement(CFG, CallingStation(), tag(), CallingStation(), 3, seed=1)
    n = a["all"]["decisions"]
    assert n == sum(g["decisions"] for g in a["street"].values()) == sum(g["decisions"] for g in a["strength"].values())
    assert {k for _, k in a["all"]["pairs"]} <= {"check", "call"}  # the station never folds or raises
    agree = sum(c for (t, k), c in a["all"]["pairs"].items() if t == k)
    assert a["all"]["kind"] == pytest.approx(agree / n)
