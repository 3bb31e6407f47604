"""`regretlab agent` CLI and the agents_* experiments at their demo size."""

from __future__ import annotations

import json

import pytest

from regretlab.cli import _load_plugins, app
from regretlab.experiments import get_experiment, load_all

_load_plugins()


def _invoke(args):
    from typer.testing import CliRunner

    return CliRunner().invoke(app, args, catch_exceptions=True)


def test_agent_run_stores_and_reports(tmp_path):
    store = tmp_path / "r.duckdb"
    res = _invoke(["agent", "run", "--agent", "hedge", "--setting", "alternating", "-T", "64", "--runs", "2",
                   "--store", str(store), "--out", str(tmp_path), "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "sublinear" in res.output and "hedge" in res.output
    assert (tmp_path / "agent_hedge_alternating.png").exists()
    from regretlab.store import Store

    with Store(store) as db:
        assert len(db.rows("agent").to_pydict()["regret"]) == 128
        t = db.rows("agent_tests").to_pydict()
        assert t["trend_reject"] == [True] and t["slope"][0] < 1


def test_agent_run_game_and_bandit(tmp_path):
    store = str(tmp_path / "r.duckdb")
    res = _invoke(["agent", "run", "--agent", "hedge", "--setting", "game:random3x3", "-T", "50", "--store", store,
                   "--out", str(tmp_path), "--no-progress"])
    assert res.exit_code == 0 and "CCE gap" in res.output
    res = _invoke(["agent", "run", "--agent", "exp3", "--setting", "gaussian", "--feedback", "bandit", "-T", "50",
                   "--store", store, "--out", str(tmp_path), "--no-progress"])
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("args, message", [
    (["--agent", "hedge", "--setting", "nope"], "unknown setting 'nope'"),
    (["--agent", "hedge", "-T", "1"], "T must be >= 2"),
    (["--agent", "nope"], "unknown learner 'nope'"),
    (["--agent", "hedge", "--endpoint", "http://x"], "give exactly one of"),
    (["--endpoint", "http://127.0.0.1:9/v1"], "--endpoint needs --model"),
    (["--agent", "hedge", "--setting", "game:random3x3", "--feedback", "bandit"], "feedback for a game setting"),
    (["--agent", "hedge,ftl", "--setting", "alternating"], "--agent takes one name in an online-learning setting"),
])
def test_agent_run_bad_input(tmp_path, args, message):
    res = _invoke(["agent", "run", *args, "--store", str(tmp_path / "r.duckdb"), "--no-progress"])
    assert res.exit_code != 0
    assert message in str(res.exception)


def test_agent_run_refused_endpoint_keeps_partial(tmp_path, fake_server):
    server = fake_server(lambda n, body: (200, '{"A1": 0.5, "A2": 0.5}') if n <= 4 else (500, "boom"))
    store = tmp_path / "r.duckdb"
    res = _invoke(["agent", "run", "--endpoint", server.url, "--model", "m", "-T", "10", "--request-retries", "1",
                   "--store", str(store), "--out", str(tmp_path), "--no-progress"])
    assert res.exit_code != 0 and "run stopped early, 4 rounds kept" in str(res.exception)
    from regretlab.store import Store

    with Store(store) as db:
        cells = db.cells("agent").to_pydict()
        assert cells["status"] == ["failed"] and "HTTP 500" in cells["error"][0]
        assert cells["nrows"] == [4]
        assert json.loads(cells["config"][0])["agent"] == "chat:m"


def test_agent_train_and_run_checkpoint(tmp_path):
    pytest.importorskip("torch", reason="the [llm] extra provides torch")
    ck = tmp_path / "lsa.pt"
    res = _invoke(["agent", "train", "--model", "lsa", "--steps", "30", "--lr", "0.01", "--batch", "8",
                   "--checkpoint", str(ck)])
    assert res.exit_code == 0 and ck.exists()
    res = _invoke(["agent", "run", "--checkpoint", str(ck), "--setting", "alternating", "-T", "25",
                   "--store", str(tmp_path / "r.duckdb"), "--out", str(tmp_path), "--no-progress"])
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("name", ["agents_detectors", "agents_cce", "agents_lsa", "agents_transformer", "agents_compare"])
def test_experiment_demo(name, tmp_path):
    if name in ("agents_lsa", "agents_transformer"):
        pytest.importorskip("torch", reason="the [llm] extra provides torch")
    exp = load_all()[name]
    rows = exp.run(exp.make_config(**exp.demo), 0)
    paths = exp.plot(rows, tmp_path)
    assert all(p.exists() and p.stat().st_size > 0 for p in paths)
    summary = dict(exp.summarize(rows))
    assert summary
    if name == "agents_cce":  # spec §2.6 target 4: below the bound, slope about -0.5
        assert float(summary["max over cells of gap / (2 sqrt(ln K / 2T))"]) <= 1.0
    if name == "agents_transformer":
        alt = [float(x) for x in summary["alternating: final regret transformer / FTL / Hedge"].split("/")]
        assert alt[0] < alt[1]
    assert get_experiment(name) is exp


def test_compare_with_a_chat_endpoint(fake_server):
    # the comparison table takes any OpenAI-compatible endpoint as one more agent
    server = fake_server(lambda n, body: (200, '{"A1": 0.5, "A2": 0.5}'))
    exp = load_all()["agents_compare"]
    cfg = exp.make_config(agents="ftl", settings="alternating", feedback="full", T=6, runs=2,
                          endpoint=server.url, model="fake")
    rows = exp.run(cfg, 0)
    summary = dict(exp.summarize(rows))
    assert "alternating / full / chat:fake" in summary and "alternating / full / ftl" in summary
    assert len(server.requests) == 6 * 2
    # the chat agent answered uniform every round: regret 0.5 * (0.5 + 5) - (0.5 + 2) = 0.25
    assert summary["alternating / full / chat:fake"].startswith("regret 0.25")


def test_multi_agent_game_cli(tmp_path):
    res = _invoke(["agent", "run", "--agent", "hedge,ftl", "--setting", "game:rock_paper_scissors", "-T", "40",
                   "--store", str(tmp_path / "r.duckdb"), "--out", str(tmp_path), "--no-progress"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "agent_hedge_ftl_game_rock_paper_scissors.png").exists()
