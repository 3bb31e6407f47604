"""Text protocol and the chat adapter against a local fake OpenAI-compatible server."""

from __future__ import annotations

import json

import numpy as np
import pytest

from regretlab.agents import (
    AgentRunError,
    ChatAgent,
    History,
    TextProtocol,
    play,
    play_game,
)
from regretlab.agents.settings import run_setting
from regretlab.agents.text import ParseError
from regretlab.envs import alternating, gaussian
from regretlab.games.normal_form import random_game

NAMES = ["A1", "A2"]


@pytest.mark.parametrize("reply, expected", [
    ('{"A1": 0.3, "A2": 0.7}', [0.3, 0.7]),
    ('Sure! Here it is: {"A1": 0.25, "A2": 0.75} Good luck.', [0.25, 0.75]),
    ("A1: 0.6, A2: 0.4", [0.6, 0.4]),
    ("[0.1, 0.9]", [0.1, 0.9]),
    ('{"A1": 30, "A2": 70}', [0.3, 0.7]),  # percentages
    ('{"A1": 0.333, "A2": 0.667}', [0.333, 0.667]),
])
def test_parse_accepts(reply, expected):
    p = TextProtocol().parse(reply, NAMES)
    assert np.allclose(p, np.array(expected) / sum(expected)) and p.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("reply, why", [
    ("", "empty"), ("I prefer the first one", "could not find"), ('{"A1": -0.2, "A2": 1.2}', ">= 0"),
    ('{"A1": 0.9, "A2": 0.9}', "sum to 1"), ("[0.2, 0.3, 0.5]", "expected 2"), (None, "empty"),
    ('{"A1": "NaN", "A2": 0.5}', "finite"),
])
def test_parse_rejects(reply, why):
    with pytest.raises(ParseError, match=why):
        TextProtocol().parse(reply, NAMES)


def test_render_uses_the_0_10_scale_and_names():
    h = History("loss", "full", 2, ["left", "right"])
    h.strategies.append(np.array([[0.5, 0.5]]))
    h.values.append(np.array([[0.5, 0.0]]))
    msgs = TextProtocol().messages(h, 0)
    assert "left, right" in msgs[0]["content"] and "0 to 10" in msgs[0]["content"]
    assert "Round 1: you chose (left 0.50, right 0.50); losses: left 5.00, right 0.00." in msgs[1]["content"]
    assert "Round 2" in msgs[1]["content"]
    hb = History("payoff", "bandit", 2, NAMES)
    hb.strategies.append(np.array([[1.0, 0.0]]))
    hb.actions.append(np.array([0]))
    hb.observed.append(np.array([0.42]))
    text = TextProtocol().user(hb, 0)
    assert "you played A1 and its payoff was 4.20" in text


def _cycling(n: int, body: dict) -> tuple[int, str | None]:
    # every 4th request garbage, every 5th out of range, every 7th empty choices, every 11th HTTP 500
    if n % 11 == 0:
        return 500, "overloaded"
    if n % 7 == 0:
        return 200, None
    if n % 5 == 0:
        return 200, '{"A1": 1.5, "A2": -0.5}'
    if n % 4 == 0:
        return 200, "I think A1 is nice."
    return 200, json.dumps({"A1": 0.7, "A2": 0.3})


def test_chat_agent_with_garbage_finishes_counts_and_stores_fallbacks(fake_server, tmp_path, monkeypatch):
    server = fake_server(_cycling)
    monkeypatch.setenv("FAKE_KEY", "sekret")
    make = lambda T, k: ChatAgent(server.url, "fake-model", api_key_env="FAKE_KEY", max_retries=1, backoff=0.0)
    tr, err = run_setting(make, "alternating", 30, runs=2)
    assert err is None and tr.rounds == 30
    assert tr.fallbacks > 0  # two bad replies in a row happen in this cycle
    # stored through the sweep path as a cell of agents_run: every round's prompts and replies kept
    from regretlab.experiments import agents_run, get_experiment
    from regretlab.store import Store
    from regretlab.sweep import Cell, execute

    params = (("api_key_env", "FAKE_KEY"), ("backoff", 0.0), ("endpoint", server.url), ("model", "fake-model"),
              ("retries", 1), ("runs", 2), ("setting", "alternating"), ("T", 30))
    cell = Cell("agents_run", params, 0)
    status, table, started, error = execute(cell.experiment, cell.params, cell.seed)
    assert status == "ok", error
    with Store(tmp_path / "db.duckdb") as db:
        db.put(cell.experiment, cell.config, 0, table, started=started, key=cell.key)
        rows = db.rows("agents_run").to_pydict()
        stored = db.rows("agents_run")
    assert len(rows["regret"]) == 60
    attempts = [a for t in rows["transcript"] for a in json.loads(t)]
    assert sum(rows["fallback"]) == sum(a["fallback"] for a in attempts) > 0
    assert any("could not find" in a["error"] for a in attempts) and any(">= 0" in a["error"] for a in attempts)
    assert all(a["prompt"].startswith("[system]") for a in attempts if not a["fallback"])
    assert sum(rows["asks"]) == sum(1 for a in attempts if not a["fallback"])
    (v,) = agents_run.verdicts(stored)
    assert v["fallbacks"] == sum(rows["fallback"]) and v["learner"] == "chat:fake-model"
    assert dict(get_experiment("agents_run").summarize(stored))
    assert server.requests[0]["path"] == "/v1/chat/completions"
    assert server.requests[0]["auth"] == "Bearer sekret"
    assert server.requests[0]["body"]["model"] == "fake-model"
    # every fallback round played the uniform strategy
    fb = [(r["round"], r["run"]) for r in tr.records if r.get("fallback")]
    for rnd, b in fb:
        assert np.allclose(tr.strategies[rnd - 1, b], 0.5)
    # and the regret is the regret of what was played
    best = tr.losses.sum(axis=0).min(axis=1)
    assert np.allclose(tr.regret[-1], np.einsum("tbk,tbk->b", tr.strategies, tr.losses) - best)


def test_chat_agent_in_a_repeated_game(fake_server):
    server = fake_server(lambda n, body: (200, '{"A1": 0.2, "A2": 0.5, "A3": 0.3}'))
    g = random_game(3, seed=0)
    tr = play_game([ChatAgent(server.url, "m"), "hedge"], g, T=5)
    assert tr.fallbacks == 0 and np.allclose(tr.strategies[0][:, 0], [0.2, 0.5, 0.3])
    assert "payoffs:" in server.requests[-1]["body"]["messages"][1]["content"]


def test_endpoint_that_dies_keeps_partial_results(fake_server):
    server = fake_server(lambda n, body: (200, '{"A1": 0.5, "A2": 0.5}') if n <= 3 else (503, "down"))
    agent = ChatAgent(server.url, "m", request_retries=2, backoff=0.0)
    with pytest.raises(AgentRunError, match=r"round 4 of 10: .*HTTP 503.*3 attempts") as info:
        play(agent, gaussian(), T=10)
    assert info.value.partial.rounds == 3 and len(server.requests) == 3 + 3


def test_endpoint_timeout_is_bounded(fake_server):
    server = fake_server(lambda n, body: (200, '{"A1": 0.5, "A2": 0.5}'), delay=1.0)
    agent = ChatAgent(server.url, "m", timeout=0.2, request_retries=1, backoff=0.0)
    with pytest.raises(AgentRunError, match="timed out after 0.2 s \\(2 attempts\\)") as info:
        play(agent, alternating(), T=5)
    assert info.value.partial.rounds == 0


def test_refused_connection_and_client_errors(fake_server):
    agent = ChatAgent("http://127.0.0.1:9/v1", "m", request_retries=1, backoff=0.0, timeout=2)
    with pytest.raises(AgentRunError, match="could not reach"):
        play(agent, alternating(), T=3)
    server = fake_server(lambda n, body: (401, "bad key"))
    with pytest.raises(AgentRunError, match="HTTP 401"):
        play(ChatAgent(server.url, "m", backoff=0.0), alternating(), T=3)
    assert len(server.requests) == 1  # a client error is not retried
    with pytest.raises(ValueError, match="base_url must be an http"):
        ChatAgent("localhost:8000", "m")


def test_chat_agent_under_bandit_feedback(fake_server):
    server = fake_server(lambda n, body: (200, '{"A1": 0.5, "A2": 0.5}'))
    tr = play(ChatAgent(server.url, "m"), gaussian(), T=4, feedback="bandit")
    last = server.requests[-1]["body"]["messages"]
    assert "only the loss (lower is better) of the action you played" in last[0]["content"]
    assert last[1]["content"].count("you played") == 3 and "losses:" not in last[1]["content"]
    assert tr.rounds == 4 and tr.fallbacks == 0


def test_endpoint_that_dies_in_a_game_keeps_the_finished_rounds(fake_server):
    # the partial trace is the driver's replay of the finished rounds: the same numbers as a full run's first rounds
    from regretlab.agents import CallableAgent

    reply = '{"A1": 0.2, "A2": 0.5, "A3": 0.3}'
    server = fake_server(lambda n, body: (200, reply) if n <= 2 else (503, "down"))
    g = random_game(3, seed=0)
    with pytest.raises(AgentRunError, match=r"round 3 of 6, player 0: .*HTTP 503") as info:
        play_game([ChatAgent(server.url, "m", request_retries=0, backoff=0.0), "hedge"], g, T=6, batch=1, seed=4)
    part = info.value.partial
    assert part.regret.shape == (2, 1, 2) and len(part.records) == 2
    full = play_game([CallableAgent(lambda h: np.array([0.2, 0.5, 0.3])), "hedge"], g, T=6, batch=1, seed=4)
    assert np.allclose(part.regret, full.regret[:2], atol=1e-12)
    assert np.allclose(part.cce_gap, full.cce_gap[:2], atol=1e-12)
    assert np.array_equal(part.actions, full.actions[:2])
