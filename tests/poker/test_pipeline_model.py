"""The PokerGPT pipeline: win-rate filter, prompts, SFT and preference pairs; the tiny LM's SFT
and RLHF with checkpoints and resume; the LM at the table; the experiment at demo size."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from regretlab.poker.arena import arena
from regretlab.poker.bots import CallingStation, RandomBot
from regretlab.poker.env import TableConfig
from regretlab.poker.pipeline import (
    bot_tournament,
    decisions,
    keep_players,
    player_win_rates,
    preference_pairs,
    sft_pairs,
)
from regretlab.poker.prompts import check_words

CFG = TableConfig(players=3, stack=20)


@pytest.fixture(scope="module")
def records():
    return bot_tournament(CFG, ["tag", "lag", "random"], 6, seed=0)


def test_filter_keeps_players_above_percentile(records):
    rates = player_win_rates(records)
    kept = keep_players(records, 50)
    cut = np.percentile(list(rates.values()), 50)
    assert kept == {k for k, v in rates.items() if v >= cut} and 0 < len(kept) < 3
    assert keep_players(records, 0) == set(rates)
    with pytest.raises(ValueError, match="percentile must lie in"):
        keep_players(records, 101)


def test_decisions_prompts_and_pairs(records):
    kept = keep_players(records, 50)
    rows = decisions(records, kept)
    n_actions = sum(1 for r in records for a in r["actions"] if r["seats"][a["seat"]] in kept)
    assert len(rows) == n_actions
    assert not check_words([x["prompt"] for x in rows] + [x["action"] for x in rows], CFG)
    assert all(x["action"] in x["legal"] for x in rows)
    assert sft_pairs(rows)[0] == (rows[0]["prompt"], rows[0]["action"])
    prefs = preference_pairs(rows, seed=0)
    assert prefs and prefs == preference_pairs(rows, seed=0)
    for e in prefs:
        assert e["chosen"] != e["rejected"]


@pytest.fixture(scope="module")
def trained(records, tmp_path_factory):
    from regretlab.poker.pokergpt import train_pipeline

    out = tmp_path_factory.mktemp("pokergpt")
    return train_pipeline(CFG, records, hidden=16, layers=1, heads=2, epochs=2, seed=0, output_dir=out), out


def test_sft_resume_equals_uninterrupted(records, trained, tmp_path):
    from regretlab.poker.model import poker_tokenizer, sft, tiny_model

    rows = decisions(records, keep_players(records, 50))
    pairs = sft_pairs(rows)[:40]
    tok = poker_tokenizer(CFG)

    def fresh():
        return tiny_model(tok, hidden=16, layers=1, heads=2, max_positions=128, seed=1)

    a = fresh()
    ha = sft(a, tok, pairs, epochs=2, seed=3)
    b = fresh()
    sft(b, tok, pairs, epochs=1, seed=3, output_dir=tmp_path / "ck")
    c = fresh()
    hc = sft(c, tok, pairs, epochs=2, seed=3, output_dir=tmp_path / "ck")  # resumes after epoch 1
    assert [h["epoch"] for h in hc] == [1, 2]
    assert hc[-1]["loss"] == pytest.approx(ha[-1]["loss"], rel=1e-4)
    for (k, p), q in zip(a.state_dict().items(), c.state_dict().values()):
        assert torch.allclose(p, q, atol=1e-5), k


def test_rlhf_moves_the_model_and_resumes(trained):
    from regretlab.poker.model import rlhf

    tr, out = trained
    assert (out / "sft" / "epoch_002" / "state.json").exists() and (out / "rlhf" / "state.json").exists()
    diff = sum(float((p - q).abs().sum()) for p, q in zip(tr["sft_model"].parameters(), tr["rlhf_model"].parameters()))
    assert diff > 0
    assert tr["rlhf"]["pairs"] == tr["preference_pairs"] > 0
    again = rlhf(tr["rlhf_model"], tr["tokenizer"], [{"prompt": "x", "chosen": "fold", "rejected": "check"}],
                 output_dir=out / "rlhf")  # finished: loaded, not rerun
    assert again["pairs"] == tr["preference_pairs"]


def test_language_model_at_the_table_never_crashes(trained):
    from regretlab.poker.model import LMAgent

    tr, _ = trained
    lm = LMAgent(tr["rlhf_model"], tr["tokenizer"], "lm")
    recs, res = arena(CFG, [lm, RandomBot(), CallingStation()], deals=3, seed=4)
    assert len(recs) == 9 and all(sum(r["winnings"]) == 0 for r in recs)
    me = next(r for r in res if r.name == "lm")
    assert me.decisions > 0 and 0 <= me.illegal_rate <= 1 and me.seconds_per_decision > 0
    recs2, _ = arena(CFG, [lm, RandomBot(), CallingStation()], deals=3, seed=4)
    def acts(rs):
        return [[{k: v for k, v in a.items() if k != "seconds"} for a in r["actions"]] for r in rs]

    assert acts(recs2) == acts(recs)  # greedy answers and seeded re-asks


def test_experiment_demo(tmp_path, monkeypatch):
    from regretlab import plot_style as style
    from regretlab.experiments import get_experiment
    from regretlab.store import Store
    from regretlab.summary import Verdict, entries
    from regretlab.testing import assert_rounded_to_se, figure_problems

    problems: list[str] = []
    real = style.save

    def save(fig, path, formats_=None):
        problems.extend(figure_problems(fig, path, symlog=False))
        return real(fig, path, formats_)

    monkeypatch.setattr(style, "save", save)

    exp = get_experiment("games_pokergpt")
    cfg = exp.make_config(**exp.demo)
    rows = exp.run(cfg, 0)
    assert sorted(set(rows["stage"])) == ["bots", "sft", "sft+rlhf"]
    assert all(lo <= m <= hi for m, lo, hi in zip(rows["mbb_per_hand"], rows["ci_low"], rows["ci_high"]))
    with Store(tmp_path / "s.duckdb") as db:
        db.put("games_pokergpt", cfg, 0, rows)
        stored = db.rows("games_pokergpt")
    paths = exp.plot(stored, tmp_path)
    assert {p.suffix for p in paths} == {".png", ".svg", ".pdf"} and not problems, problems
    summary = exp.summarize(stored)
    for _, text, _ in entries(summary):
        assert_rounded_to_se(text)
    verdicts = [v for v in summary if isinstance(v, Verdict)]
    assert verdicts and all(v.status in ("holds", "demo size") for v in verdicts)
    assert get_experiment("games_pokergpt_standin").name == "games_pokergpt_standin"


def test_simulated_value_of_folding_is_the_chips_already_in(records):
    from regretlab.poker.env import contributions
    from regretlab.poker.pipeline import simulated_pairs, simulated_value

    r = next(x for x in records if any(a["action"] == "fold" for a in x["actions"]))
    k = next(i for i, a in enumerate(r["actions"]) if a["action"] == "fold")
    seat = r["actions"][k]["seat"]
    put = contributions({**r, "actions": r["actions"][:k]})[seat]  # what it had put in before folding
    assert simulated_value(r, k, "fold", rollouts=3) == -put
    pairs = simulated_pairs(records[:2], rollouts=2, max_pairs=3, seed=1)
    assert pairs == simulated_pairs(records[:2], rollouts=2, max_pairs=3, seed=1)
    assert pairs and all(p["chosen"] != p["rejected"] for p in pairs)


def test_focused_pairs_contrast_the_policy_with_the_player_where_they_differ(records):
    from regretlab.poker.env import replay
    from regretlab.poker.pipeline import simulated_pairs, simulated_value

    class FirstLegal:  # a policy that always answers the first item of the menu
        def act(self, obs):
            return [o.legal[0].text() for o in obs]

    recs = records[:3]
    pairs = simulated_pairs(recs, rollouts=2, seed=1, policy=FirstLegal())
    expected = []
    for r in recs:
        def take(o, a, r=r, k=iter(range(len(r["actions"])))):
            i = next(k)
            taken = a["action"] if a["action"] in ("fold", "check") else f"{a['action']} {a['amount']}"
            alt = o.legal[0].text()
            if alt != taken:
                v1, v2 = simulated_value(r, i, taken, 2, 1), simulated_value(r, i, alt, 2, 1)
                if v1 != v2:
                    expected.append((taken, alt) if v1 > v2 else (alt, taken))
        replay(r, take)
    assert [(p["chosen"], p["rejected"]) for p in pairs] == expected and expected


def test_second_round_of_focused_pairs_comes_from_the_trained_models_own_answers(records, tmp_path):
    from regretlab.poker.model import LMAgent
    from regretlab.poker.pipeline import simulated_pairs
    from regretlab.poker.pokergpt import train_pipeline

    kw = {"hidden": 16, "layers": 1, "heads": 2, "epochs": 1, "seed": 0, "preference": "focused", "rollouts": 2, "max_pairs": 6,
              "rlhf_lr": 1e-2}
    one = train_pipeline(CFG, records, rlhf_rounds=1, **kw)
    two = train_pipeline(CFG, records, rlhf_rounds=2, output_dir=tmp_path, **kw)
    assert [r["pairs"] for r in one["rounds"]] == [r["pairs"] for r in two["rounds"][:1]]
    # round 2's pairs: the round-1 model's disagreements with the recorded players, ranked by rollouts
    again = simulated_pairs(records, set(two["kept"]), rollouts=2, max_pairs=6, seed=0,
                            policy=LMAgent(one["rlhf_model"], one["tokenizer"], decode="score"))
    assert len(two["rounds"]) == 2 and two["rounds"][1]["pairs"] == len(again) > 0
    assert two["preference_pairs"] == sum(r["pairs"] for r in two["rounds"])
    assert (tmp_path / "rlhf2" / "state.json").exists()
    p1 = dict(one["rlhf_model"].named_parameters())
    assert any(not torch.equal(p1[k], v) for k, v in two["rlhf_model"].named_parameters())
    for bad, msg in (({"rlhf_rounds": 0}, "rlhf_rounds must be an integer >= 1"),
                     ({"rlhf_rounds": 2, "preference": "outcome"}, "needs preference='focused'")):
        with pytest.raises(ValueError, match=msg):
            train_pipeline(CFG, records, **{**kw, **bad})


def test_engine_tournament_records_feed_the_pipeline():
    from regretlab.experiments.games_pokergpt_holdem import Config
    from regretlab.poker.env import replay
    from regretlab.poker.pipeline import engine_tournament

    recs = engine_tournament(CFG, ["tag", "calling_station", "random"], 3, seed=4, first_hand=100)
    assert [r["hand"] for r in recs] == list(range(100, 109)) and [r["deal"] for r in recs] == [0, 1, 2] * 3
    for r in recs:  # the environment replays every engine record to the same payoffs
        t = replay(r)
        assert t.done and [int(a) - b for a, b in zip(t.state.stacks, t.start)] == r["winnings"]
    # duplicate dealing: deal d has the same cards at every rotation (seats rotate over them)
    assert all(recs[d]["hole"] == recs[3 + d]["hole"] == recs[6 + d]["hole"] for d in range(3))
    assert recs[3]["seats"] == ["calling_station", "random", "tag"]
    rows = decisions(recs, {"tag"})
    assert len(rows) == sum(1 for r in recs for a in r["actions"] if r["seats"][a["seat"]] == "tag") > 0
    with pytest.raises(ValueError, match="one bot per seat"):
        engine_tournament(CFG, ["tag"], 1)
    for bad, msg in (({"extra_deals": 2, "extra_bots": "tag,lag"}, "extra_bots must name one bot per seat"),
                     ({"extra_deals": 2, "extra_bots": "tag,lag,shark,random,tag,lag"}, "extra_bots must name bots"),
                     ({"extra_deals": -1}, "extra_deals must be an integer >= 0"),
                     ({"rlhf_rounds": 2, "preference": "simulated"}, "rlhf_rounds > 1 needs preference=focused")):
        with pytest.raises(ValueError, match=msg):
            Config(**bad).validate()
