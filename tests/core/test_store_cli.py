"""The DuckDB store and the command line (one clear error line, no traceback)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from regretlab import __version__
from regretlab.cli import main
from regretlab.store import Store, cell_key


def test_store_roundtrip_and_metadata(tmp_path):
    with Store(tmp_path / "r.duckdb") as db:
        k1 = db.put("exp_a", {"T": 10}, 3, {"round": np.arange(3), "regret": np.ones(3)})
        db.put("exp_a", {"T": 20}, 3, {"round": np.arange(2), "regret": np.zeros(2), "extra": np.ones(2)})
        assert k1 == cell_key("exp_a", {"T": 10}, 3)
        rows = db.rows("exp_a").to_pydict()
        assert len(rows["round"]) == 5 and "extra" in rows
        cells = db.cells("exp_a").to_pydict()
        assert cells["version"] == [__version__] * 2 and cells["seed"] == [3, 3]
        assert '"T":10' in cells["config"][0]
        paths = db.export_parquet(tmp_path / "pq")
        assert {p.name for p in paths} == {"cells.parquet", "exp_a.parquet"}
    with Store(tmp_path / "r.duckdb") as db:  # reopened: nothing lost
        assert db.status(k1) == "ok"


def test_store_write_is_atomic(tmp_path):
    with Store(tmp_path / "r.duckdb") as db:
        with pytest.raises(ValueError, match="equal length"):
            db.put("exp_b", {}, 0, {"a": np.arange(3), "b": np.arange(2)})
        assert db.status(cell_key("exp_b", {}, 0)) is None


def _cli(args, cwd):
    return subprocess.run([sys.executable, "-m", "regretlab.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_cli_run_show_report(tmp_path):
    r = _cli(["run", "experts", "--algo", "hedge,ftl", "--env", "alternating", "--T", "200", "--runs", "5",
              "--seed", "0", "--loglog"], tmp_path)
    assert r.returncode == 0, r.stderr
    key = next(ln.split()[2] for ln in r.stdout.splitlines() if ln.startswith("stored cell"))
    assert (tmp_path / "results" / f"experts_regret_{key[:8]}.png").stat().st_size > 1000  # one per cell
    assert (tmp_path / "results" / f"experts_regret_loglog_{key[:8]}.png").exists()
    assert "ftl" in r.stdout and "100.000" in r.stdout  # FTL regret T/2
    r = _cli(["show", "experts"], tmp_path)
    assert r.returncode == 0 and "experts" in r.stdout
    r = _cli(["report", "experts"], tmp_path)
    assert r.returncode == 0
    assert "data:image/png;base64" in (tmp_path / "results" / "report.html").read_text()


@pytest.mark.parametrize(
    "args, needle",
    [
        (["run", "experts", "--algo", "hedgee"], "unknown learner 'hedgee'"),
        (["run", "experts", "--T", "0"], "T must be >= 1"),
        (["run", "experts", "--env", "nope"], "unknown environment 'nope'"),
        (["run", "nope"], "unknown experiment 'nope'"),
        (["run", "experts", "--set", "lr"], "--set expects key=value"),
        (["run", "experts", "--set", "foo=1"], "unknown parameter(s) foo"),
        (["list", "things"], "list takes one of"),
        (["sweep", "experts", "--grid", "algo=hedge T=5:5"], "is empty"),
        (["sweep", "experts", "--grid", "colour=red"], "unknown grid key(s) colour"),
        (["sweep", "experts", "--grid", "T10"], "malformed grid token"),
        (["sweep", "experts", "--grid", "algo=hedge,T=1e3"], "malformed grid value 'T=1e3'"),
        (["sweep", "experts", "--grid", "T=-5"], "T must be >= 1"),
        (["sweep", "experts", "--grid", "algo=nope"], "unknown learner 'nope'"),
        (["run", "experts", "--set", "T=abc"], "parameter T expects a int"),
    ],
)
def test_cli_bad_input_is_one_clear_line(tmp_path, args, needle):
    r = _cli(args, tmp_path)
    assert r.returncode != 0
    assert needle in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) <= 3


def test_cli_list(capsys):
    main(["list", "learners"])
    out = capsys.readouterr().out
    assert "adahedge" in out and "regret_matching_plus" in out


def test_store_held_by_another_process_is_a_clear_error(tmp_path):
    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen([sys.executable, "-c",
                               f"from regretlab.store import Store; import time; s = Store({str(path)!r}); "
                               "print('open', flush=True); time.sleep(30)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(ValueError, match="in use by another process"):
            Store(path, wait=0.5)
    finally:
        holder.kill()
        holder.wait()
    with Store(path, wait=10) as db:  # free again once the holder is gone
        assert db.cells().num_rows == 0
