"""`regretlab agent` CLI and the agents_* experiments at their demo size."""

from __future__ import annotations

import json

import pytest

from regretlab.cli import _load_plugins, app
from regretlab.experiments import get_experiment, load_all

_load_plugins()


def _invoke(args, columns=None):
    from typer.testing import CliRunner

    env = {"COLUMNS": str(columns)} if columns else None
    return CliRunner(env=env).invoke(app, args, catch_exceptions=True)


def test_agent_run_stores_and_reports(tmp_path):
    store = tmp_path / "r.duckdb"
    res = _invoke(["agent", "run", "--agent", "hedge", "--setting", "alternating", "-T", "64", "--runs", "2",
                   "--store", str(store), "--out", str(tmp_path), "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "sublinear" in res.output and "hedge" in res.output
    assert (tmp_path / "agent_hedge_alternating.png").exists()
    from regretlab.store import Store

    with Store(store) as db:  # the cell of experiment agents_run: one row per (run, round)
        rows = db.rows("agents_run")
        assert len(rows.to_pydict()["regret"]) == 128
        from regretlab.experiments.agents_run import verdicts

        (v,) = verdicts(rows)
        assert v["trend_reject"] and v["slope"] < 1 and v["verdict"] == "sublinear"


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

    with Store(store) as db:  # a failed cell of agents_run that keeps the finished rounds
        cells = db.cells("agents_run").to_pydict()
        assert cells["status"] == ["failed"] and "HTTP 500" in cells["error"][0]
        assert cells["nrows"] == [4]
        config = json.loads(cells["config"][0])
        assert config["endpoint"] == server.url and config["model"] == "m"
        kept = db.rows("agents_run", with_config=False).to_pydict()
        assert kept["round"] == [1, 2, 3, 4] and set(kept["agent"]) == {"chat:m"}


def test_agent_train_and_run_checkpoint(tmp_path):
    pytest.importorskip("torch", reason="the [llm] extra provides torch")
    ck = tmp_path / "lsa.pt"
    res = _invoke(["agent", "train", "--model", "lsa", "--steps", "30", "--lr", "0.01", "--batch", "8",
                   "--checkpoint", str(ck)])
    assert res.exit_code == 0 and ck.exists()
    res = _invoke(["agent", "run", "--checkpoint", str(ck), "--setting", "alternating", "-T", "25",
                   "--store", str(tmp_path / "r.duckdb"), "--out", str(tmp_path), "--no-progress"])
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("name", ["agents_detectors", "agents_cce", "agents_lsa", "agents_transformer", "agents_compare",
                                  "agents_run"])
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
        (ratio,) = [v for k, v in summary.items() if k.startswith("largest CCE gap / its bound")]
        assert ratio.holds and float(ratio.value) <= 1.0
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


def _cli(args, cwd, progress=False):
    """``regretlab ARGS`` in a subprocess: (exit code, stdout, stderr)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "REGRETLAB_PROGRESS": "1" if progress else "0", "COLUMNS": "200", "NO_COLOR": "1"}
    r = subprocess.run([sys.executable, "-m", "regretlab.cli", *args], cwd=cwd, capture_output=True, text=True,
                       env=env, timeout=300)
    return r.returncode, r.stdout, r.stderr


def test_cli_refuses_a_crafted_checkpoint_without_running_it(tmp_path):
    # issue "Hardening" 1: agent run/train --checkpoint F.pt unpickled F with torch.load(weights_only=False)
    torch = pytest.importorskip("torch", reason="the [llm] extra provides torch")
    marker = tmp_path / "MARKER"

    class RunsCode:
        def __reduce__(self):
            return (exec, (f"open({str(marker)!r}, 'w').write('ran')",))

    torch.save({"config": {}, "model": RunsCode(), "optimizer": {}, "generator": None, "losses": [], "step": 0},
               tmp_path / "crafted.pt")
    for args in (["agent", "run", "--checkpoint", "crafted.pt", "--setting", "alternating", "--no-progress"],
                 ["agent", "train", "--steps", "5", "--checkpoint", "crafted.pt"]):
        rc, out, err = _cli(args, tmp_path)
        assert rc == 2 and "Traceback" not in err, err
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert lines == ["error: --checkpoint 'crafted.pt' refused: it holds a Python object (exec) beyond tensors "
                         "and plain values, and loading it could run code; only checkpoints written by agent train "
                         "load"], err
        assert not marker.exists()


def test_cli_train_rejects_zero_steps(tmp_path):
    # issue "Hardening" 2: --steps 0 exited 0 with "final regret-loss nan" and wrote a checkpoint
    pytest.importorskip("torch", reason="the [llm] extra provides torch")
    rc, out, err = _cli(["agent", "train", "--steps", "0", "--checkpoint", "ck.pt"], tmp_path)
    assert rc == 2 and "Traceback" not in err
    assert "error: --steps must be an integer >= 1, got 0" in err
    assert not (tmp_path / "ck.pt").exists()


def test_cli_train_extends_a_checkpoint_and_shows_progress(tmp_path):
    # issue "Hardening" 2 and 3: a 300-step checkpoint goes on to 600 steps (saying so), equal to 600 in one go;
    # training shows a progress bar (steps, loss) and ends with the final loss and the checkpoint path
    torch = pytest.importorskip("torch", reason="the [llm] extra provides torch")
    opts = ["--lr", "0.01", "--batch", "4", "--N", "2", "--seed", "1"]
    rc, out, err = _cli(["agent", "train", "--steps", "300", "--checkpoint", "a.pt", *opts], tmp_path, progress=True)
    assert rc == 0, err
    assert "regret-loss lsa" in err and "300/300" in err and "loss 0." in err  # the bar's last state
    assert "trained lsa to step 300 of 300 (from scratch)" in out and "checkpoint a.pt" in out
    rc, out, err = _cli(["agent", "train", "--steps", "600", "--checkpoint", "a.pt", *opts], tmp_path)
    assert rc == 0, err
    assert "resuming a.pt from step 300 to 600" in err
    assert "trained lsa to step 600 of 600 (steps 301-600, resumed from step 300)" in out
    final = out.split("final regret-loss ")[1].split()[0]
    rc, out, err = _cli(["agent", "train", "--steps", "600", "--checkpoint", "b.pt", *opts], tmp_path)
    assert rc == 0, err
    assert out.split("final regret-loss ")[1].split()[0] == final
    a, b = (torch.load(tmp_path / f, weights_only=True) for f in ("a.pt", "b.pt"))
    assert a["losses"] == b["losses"] and a["step"] == b["step"] == 600
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in b["model"])
    rc, out, err = _cli(["agent", "train", "--steps", "200", "--checkpoint", "a.pt", *opts], tmp_path)
    assert rc == 2 and "--steps 200 is fewer than the 600 steps --checkpoint 'a.pt' already holds" in err
    rc, out, err = _cli(["agent", "train", "--steps", "900", "--checkpoint", "a.pt", *opts[:-1], "2"], tmp_path)
    assert rc == 2 and "--checkpoint 'a.pt' was trained with --seed 1 (not 2)" in err


def test_agent_run_is_a_cell_like_any_other(tmp_path):
    # one way into the store: `agent run` and `regretlab run agents_run` are the same cell; show, report,
    # export and sweeps (which skip stored cells, so a sweep resumes) work on it
    store = str(tmp_path / "r.duckdb")
    res = _invoke(["agent", "run", "--agent", "hedge", "--setting", "alternating", "-T", "40", "--runs", "2",
                   "--store", store, "--out", str(tmp_path), "--no-progress"])
    assert res.exit_code == 0, res.output
    key = res.output.split("stored cell ")[1].split()[0]
    res = _invoke(["run", "agents_run", "-T", "40", "--runs", "2", "--set", "agent=hedge", "--set", "setting=alternating",
                   "--store", store, "--out", str(tmp_path / "figs"), "--no-progress"])
    assert res.exit_code == 0, res.output
    assert f"stored cell {key}" in res.output
    from regretlab.store import Store

    with Store(store) as db:
        assert db.cells("agents_run").to_pydict()["key"] == [key]
    res = _invoke(["show", "agents_run", "--store", store], columns=200)
    # the table may wrap a label over lines (rich keeps the width it first saw): read column 1 whole
    labels = " ".join(line.split("│")[1].strip() for line in res.output.splitlines() if line.startswith("│"))
    assert res.exit_code == 0 and "final mean regret after 40 rounds" in " ".join(labels.split()), res.output
    res = _invoke(["export", "--store", store, "--out", str(tmp_path / "pq")])
    assert res.exit_code == 0 and (tmp_path / "pq" / "agents_run.parquet").exists(), res.output
    res = _invoke(["report", "agents_run", "--store", store, "--out", str(tmp_path / "report.html")])
    assert res.exit_code == 0 and (tmp_path / "report.html").stat().st_size > 1000, res.output
    grid = ["sweep", "agents_run", "--grid", "agent=hedge,ftl setting=alternating T=40 runs=2", "--backend", "serial",
            "--store", store, "--no-progress"]
    res = _invoke(grid)
    assert res.exit_code == 0 and "1 done, 0 failed, 1 already stored" in res.output, res.output
    res = _invoke(grid)
    assert "0 done, 0 failed, 2 already stored" in res.output, res.output


def test_agents_run_cells_are_checked_before_any_work(tmp_path):
    # the config's estimate() checks it, so a sweep refuses a bad cell before running any
    from regretlab.experiments import get_experiment
    from regretlab.sweep import expand

    with pytest.raises(ValueError, match=r"grid key T=1: T must be >= 2"):
        expand("agents_run", {"agent": ["hedge"], "T": [1, 5]})
    # the rules between fields hold for whole cells (a grid over endpoints and models expands);
    # a cell that breaks one is refused by expand, naming the cell and the rule, before any work
    assert len(expand("agents_run", {"endpoint": ["http://127.0.0.1:9/v1"], "model": ["m", "n"]})) == 2
    for grid, message in (({"agent": ["hedge"], "endpoint": ["http://127.0.0.1:9/v1"], "model": ["m"]},
                           "give exactly one of agent NAME, endpoint URL"),
                          ({"setting": ["game:random3x3"], "feedback": ["bandit"]},
                           "feedback for a game setting must be one of realized")):
        with pytest.raises(ValueError, match="grid cell .*" + message):
            expand("agents_run", grid)
    with pytest.raises(ValueError, match="unknown setting 'nope'"):
        expand("agents_run", {"setting": ["nope"]})
    assert len(expand("agents_run", {"agent": ["hedge", "ftl"], "T": [5]})) == 2
    exp = get_experiment("agents_run")
    rows = exp.run(exp.make_config(setting="alternating", T=64), 0)  # nothing says who plays: hedge
    assert set(rows["learner"]) == {"hedge"}
