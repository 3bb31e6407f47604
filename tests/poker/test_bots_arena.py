"""Hand strength, baseline bots, the arena's statistics and its handling of bad answers."""

from __future__ import annotations

import numpy as np
import pytest

from regretlab.poker.arena import arena, win_rates
from regretlab.poker.bots import (
    CallingStation,
    RandomBot,
    ThresholdBot,
    lag,
    make_bot,
    tag,
)
from regretlab.poker.env import TableConfig
from regretlab.poker.equity import hand_class, hand_strength, preflop_strength

# Pre-flop equity against one random hand, the classic table (e.g. Sklansky & Malmuth, "Hold'em
# Poker for Advanced Players"; also pokerstove): AA 85.2%, KK 82.4%, AKs 67.0%, 72o 34.6%, 32o 32.3%.
REFERENCE = {"AA": 0.852, "KK": 0.824, "AKs": 0.670, "72o": 0.346, "32o": 0.323}


@pytest.mark.parametrize("cls, value", sorted(REFERENCE.items()))
def test_preflop_table_matches_reference(cls, value):
    hole = {"AA": ["As", "Ah"], "KK": ["Ks", "Kh"], "AKs": ["As", "Ks"], "72o": ["7s", "2h"], "32o": ["3s", "2h"]}[cls]
    assert hand_class(hole) == cls
    assert abs(preflop_strength(hole) - value) < 0.06  # 400 draws per class: standard error 0.025


def test_board_royal_flush_ties_everyone():
    board = ["As", "Ks", "Qs", "Js", "Ts"]
    assert hand_strength(["2c", "3d"], board, 10, np.random.default_rng(0)) == 0.5


def test_hand_strength_monte_carlo_is_seeded_and_sane():
    a = hand_strength(["Ah", "Ad"], ["Ac", "7d", "2s"], 50, np.random.default_rng(3))
    b = hand_strength(["Ah", "Ad"], ["Ac", "7d", "2s"], 50, np.random.default_rng(3))
    assert a == b and a > 0.9


def test_tight_aggressive_beats_random_heads_up():
    cfg = TableConfig(players=2, stack=40)  # 20 big blinds: the random bot's all-ins stay affordable
    _, res = arena(cfg, [tag(samples=12), RandomBot()], deals=80, seed=0)
    hero = next(r for r in res if r.name == "tag")
    assert hero.ci_low > 0, hero


def test_duplicate_dealing_cancels_luck_between_identical_players():
    cfg = TableConfig(players=4)
    a, b = CallingStation(), CallingStation()
    b.name = "other_station"
    _, res = arena(cfg, [a, b, a, b], deals=5, seed=2)
    assert all(r.mbb_per_hand == 0 and r.ci_low == 0 == r.ci_high for r in res)


def test_win_rate_statistics_by_hand():
    cfg = TableConfig(players=2)
    recs, res = arena(cfg, [RandomBot(), CallingStation()], deals=8, seed=1)
    r = next(x for x in res if x.name == "random")
    per_deal = [np.mean([1000 * h["winnings"][h["seats"].index("random")] / 2 for h in recs[2 * d:2 * d + 2]])
                for d in range(8)]
    assert r.mbb_per_hand == pytest.approx(np.mean(per_deal))
    assert r.ci_high - r.mbb_per_hand == pytest.approx(1.96 * np.std(per_deal, ddof=1) / np.sqrt(8))
    assert r.bb_per_100 == pytest.approx(r.mbb_per_hand / 10)
    assert r.hands == 16 and r.deals == 8


class Nonsense:
    name = "nonsense"

    def act(self, obs):
        return ["banana split"] * len(obs)


class Crashes:
    name = "crashes"

    def act(self, obs):
        raise RuntimeError("model server fell over")


class SecondTime:
    name = "second_time"

    def act(self, obs):
        return ["raise 1"] * len(obs)

    def reask(self, o, error):
        assert "illegal bet size" in error or "not legal" in error
        return next(a for a in o.legal if a.kind in ("check", "call")).text()


@pytest.mark.parametrize("agent", [Nonsense(), Crashes()])
def test_nonsense_answers_fall_back_and_no_hand_is_lost(agent):
    cfg = TableConfig(players=3)
    recs, res = arena(cfg, [agent, RandomBot(), CallingStation()], deals=4, seed=0)
    assert len(recs) == 12 and sorted(r["hand"] for r in recs) == list(range(12))
    assert all(sum(r["winnings"]) == 0 for r in recs)
    me = next(r for r in res if r.name == agent.name)
    assert me.decisions > 0 and me.illegal_rate == 1.0 and me.fallbacks == me.decisions
    fb = [a for r in recs for a in r["actions"] if a.get("fallback")]
    assert len(fb) == me.fallbacks and all(a["action"] in ("check", "fold") for a in fb)


def test_reask_once_then_legal():
    _, res = arena(TableConfig(players=2), [SecondTime(), CallingStation()], deals=3, seed=0)
    me = next(r for r in res if r.name == "second_time")
    assert me.illegal == me.decisions > 0 and me.fallbacks == 0


def test_bots_by_name_and_styles():
    assert isinstance(make_bot("tag"), ThresholdBot) and make_bot("lag").bluff > 0 == make_bot("tag").bluff
    assert lag().raise_at < tag().raise_at
    with pytest.raises(ValueError, match="unknown bot 'shark'"):
        make_bot("shark")


def test_win_rates_need_records():
    assert win_rates([], TableConfig()) == []


def _endpoint(reply):
    """An OpenAI-compatible endpoint (``/chat/completions``) answering ``reply(prompt)``, in process."""
    import httpx

    from regretlab.agents.text import ChatAgent

    def handle(request):
        import json

        prompt = json.loads(request.content)["messages"][-1]["content"]
        return httpx.Response(200, json={"choices": [{"message": {"role": "assistant", "content": reply(prompt)}}]})

    return ChatAgent("http://127.0.0.1:9/v1", "mock", transport=httpx.MockTransport(handle), request_retries=0)


def test_chat_endpoint_at_the_table():
    from regretlab.poker.arena import TextAgent

    def reply(prompt):  # check or call, read from the legal actions in the prompt
        legal = prompt.split("| legal ")[1].split(" |")[0].split()
        return "check" if "check" in legal else "call"

    sensible = TextAgent(_endpoint(reply), name="chat")
    nonsense = TextAgent(_endpoint(lambda p: "I would like a sandwich"), name="chat_nonsense")
    recs, res = arena(TableConfig(players=3), [sensible, nonsense, CallingStation()], deals=2, seed=0)
    assert len(recs) == 6 and all(sum(r["winnings"]) == 0 for r in recs)
    by = {r.name: r for r in res}
    assert by["chat"].illegal == 0 and by["chat"].decisions > 0
    assert by["chat_nonsense"].illegal_rate == 1.0 and by["chat_nonsense"].fallbacks == by["chat_nonsense"].decisions
    assert any(a.get("answer") == "I would like a sandwich" for r in recs for a in r["actions"])
