"""Hardening of the core commands (run, sweep, show, report, export) and the store: each test
here is a problem a new user met on the command line (issue: hardening)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from regretlab import __version__

ENV = {**os.environ, "REGRETLAB_PROGRESS": "0", "COLUMNS": "250", "NO_COLOR": "1"}


def _cli(args, cwd, env=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "regretlab.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env=env or ENV)


def _one_error_line(r, rc=2):
    assert "Traceback" not in r.stderr + r.stdout, r.stderr
    assert r.returncode == rc, (r.returncode, r.stdout, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    return lines[0]


# A CLI whose experiment 'test_probe' leaves a file 'computed' when it runs: a command refused
# "before any work" must not leave it.
PROBE = textwrap.dedent("""
    import sys, time
    from dataclasses import dataclass
    from pathlib import Path
    import numpy as np
    from regretlab.experiments import Experiment, register_experiment
    from regretlab.cli import main

    @dataclass(frozen=True)
    class ProbeConfig:
        T: int = 10
        sleep: float = 0.0

    def _run(config, seed):
        Path("computed").write_text("yes")
        time.sleep(config.sleep)
        return {"round": np.arange(config.T), "regret": np.zeros(config.T)}

    register_experiment(Experiment("test_probe", ProbeConfig, _run))
    main(sys.argv[1:])
""")


def _probe(args, cwd, timeout=300):
    return subprocess.run([sys.executable, "-c", PROBE, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=ENV)


# -- 1. show / report never pool cells of different configs ------------------------------------
def test_show_and_report_group_cells_by_differing_config(tmp_path):
    from regretlab.experiments import get_experiment
    from regretlab.experiments.experts import summarize_experts

    for env in ("alternating", "adaptive"):
        r = _cli(["run", "experts", "--algo", "hedge", "--env", env, "--T", "300", "--runs", "4"], tmp_path)
        assert r.returncode == 0, r.stderr
    r = _cli(["show", "experts"], tmp_path)
    assert r.returncode == 0, r.stderr
    exp = get_experiment("experts")
    for env in ("alternating", "adaptive"):  # each run's own final regret, not a pooled one
        rows = exp.run(exp.make_config(algo="hedge", env=env, T=300, runs=4), 0)
        final = summarize_experts(rows)[0][1].split("  ")[0]
        line = next(ln for ln in r.stdout.splitlines() if "final regret" in ln and f" {env} " in ln)
        assert final in line, (final, line)
    assert "differ" in r.stdout and " env " in r.stdout  # the table says how it is split
    r = _cli(["report", "experts"], tmp_path)
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "results" / "report.html").read_text()
    assert "<h3>env=adaptive</h3>" in page and "<h3>env=alternating</h3>" in page


def test_a_sweep_over_T_keeps_each_horizon_apart(tmp_path):
    r = _cli(["sweep", "experts", "--grid", "algo=hedge T=100,400 runs=3", "--backend", "serial"], tmp_path)
    assert r.returncode == 0, r.stderr
    r = _cli(["show", "experts"], tmp_path)
    assert r.returncode == 0, r.stderr
    finals = [ln for ln in r.stdout.splitlines() if "hedge: final regret" in ln]
    assert len(finals) == 2 and "(T=100)" in finals[0] and "(T=400)" in finals[1], r.stdout


# -- 2. a file that is not a DuckDB store --------------------------------------------------------
def test_non_duckdb_store_is_refused(tmp_path):
    (tmp_path / "mydata.json").write_text('{"a": 1}\n')
    r = _cli(["run", "experts", "--T", "50", "--runs", "2", "--store", "mydata.json"], tmp_path)
    line = _one_error_line(r)
    assert "mydata.json" in line and "not a DuckDB" in line
    assert (tmp_path / "mydata.json").read_text() == '{"a": 1}\n'
    assert not list(tmp_path.rglob("*.png"))  # refused before any work


# -- 3. a truncated store: one line from every command, and `run` does no work -------------------
def _truncated_store(tmp_path):
    from regretlab.store import Store

    path = tmp_path / "r.duckdb"
    with Store(path) as db:
        for i in range(20):
            db.put("experts", {"T": i}, 0, {"round": np.arange(20000), "regret": np.random.rand(20000),
                                            "learner": ["hedge"] * 20000})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.mark.parametrize("args", [["show"], ["export"], ["report", "experts"],
                                  ["sweep", "experts", "--grid", "algo=hedge T=50 runs=2"]])
def test_damaged_store_is_one_line(tmp_path, args):
    _truncated_store(tmp_path)
    line = _one_error_line(_cli([*args, "--store", "r.duckdb"], tmp_path))
    assert "r.duckdb" in line and "damaged" in line


def test_run_checks_a_damaged_store_before_computing(tmp_path):
    _truncated_store(tmp_path)
    line = _one_error_line(_probe(["run", "test_probe", "--store", "r.duckdb"], tmp_path))
    assert "r.duckdb" in line and "damaged" in line
    assert not (tmp_path / "computed").exists()


# -- 4. a store held by another process: refused before the work; a result is never lost --------
def test_run_checks_the_lock_before_computing(tmp_path):
    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen([sys.executable, "-c",
                               f"from regretlab.store import Store; import time; s = Store({str(path)!r}); "
                               "print('open', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        line = _one_error_line(_probe(["run", "test_probe", "--store", str(path)], tmp_path))
        assert "in use by another process" in line
        assert not (tmp_path / "computed").exists()
    finally:
        holder.kill()
        holder.wait()


def test_run_keeps_a_cell_it_cannot_store_and_the_store_adds_it_later(tmp_path, monkeypatch, capsys):
    from regretlab import cli
    from regretlab.store import Store, StoreInUse, pending_dir

    store = tmp_path / "s.duckdb"
    real = cli._open_store
    calls = []

    def busy_on_write(path, experiment=None, **kw):
        calls.append(kw)
        if kw.get("wait", 10.0) > 10.0:  # the write after the work: another process took the store
            raise StoreInUse(f"the results store {str(path)!r} is in use by another process")
        return real(path, experiment, **kw)

    monkeypatch.setattr(cli, "_open_store", busy_on_write)
    cli.main(["run", "experts", "--algo", "hedge", "--T", "60", "--runs", "2", "--store", str(store),
              "--out", str(tmp_path / "fig"), "--no-progress"])
    out = capsys.readouterr()
    kept = list(pending_dir(store).glob("*.parquet"))
    assert len(kept) == 1 and str(kept[0]) in out.out and "in use" in out.err
    with Store(store) as db:  # the next open adds it
        assert db.cells("experts").num_rows == 1 and db.rows("experts").num_rows == 60 * 2
        assert db.status(kept[0].stem) == "ok"
    assert not pending_dir(store).exists()


# -- 5. a SIGKILLed sweep takes its workers with it -----------------------------------------------
def _children(pid):
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigkilled_sweep_leaves_no_workers(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "regretlab.cli", "sweep", "experts", "--grid",
                             "algo=hedge T=300000 runs=20 seed=0:4", "--workers", "2", "--store", "s.duckdb"],
                            cwd=tmp_path, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        kids: list[int] = []
        while time.monotonic() < deadline and len(kids) < 3:  # two workers and the resource tracker
            time.sleep(0.5)
            kids = _children(proc.pid)
        assert len(kids) >= 3, f"the sweep started {kids}"
        time.sleep(2.0)  # the workers are computing
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_alive(k) for k in kids):
            time.sleep(0.1)
        left = [k for k in kids if _alive(k)]
        assert not left, f"still alive 5 s after the sweep was killed: {left}"
    finally:
        for k in _children(proc.pid) + locals().get("kids", []):
            try:
                os.kill(k, signal.SIGKILL)
            except OSError:
                pass


# -- 6. figures of different cells never overwrite each other --------------------------------------
def test_two_runs_at_once_write_their_own_figures(tmp_path):
    procs = [subprocess.Popen([sys.executable, "-m", "regretlab.cli", "run", "experts", "--algo", "hedge",
                               "--T", str(T), "--runs", "3"], cwd=tmp_path, env=ENV,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for T in (200, 300)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    figures = sorted((tmp_path / "results").glob("experts_regret_*.png"))
    assert len(figures) == 2
    printed = [[str(f.relative_to(tmp_path)) in out for f in figures] for out, _err in outs]
    assert sorted(printed) == [[False, True], [True, False]]  # each run names its own figure
    assert figures[0].read_bytes() != figures[1].read_bytes()


# -- 7. every cell's config is checked before any work -------------------------------------------
@pytest.mark.parametrize("grid, needle", [("T=nan", "grid key T=nan"), ("T=100,nan", "grid key T=nan"),
                                          ("T=1.5", "grid key T=1.5"), ("runs=nan", "grid key runs=nan")])
def test_sweep_rejects_bad_grid_values_before_work(tmp_path, grid, needle):
    line = _one_error_line(_cli(["sweep", "experts", "--grid", grid], tmp_path))
    assert needle in line and "whole number" in line
    assert not (tmp_path / "results").exists()  # no store, no failed cell


# -- 8. messages are printed as they are (no rich markup) -----------------------------------------
@pytest.mark.parametrize("value", ["[/]", "x[bold]y", "[red]nan[/red]", "P[y y'] + P[y' y] = 1"])
def test_error_messages_print_user_text_verbatim(tmp_path, value):
    line = _one_error_line(_cli(["run", "experts", "--algo", value], tmp_path))
    assert repr(value) in line


def test_click_usage_errors_print_verbatim(tmp_path):
    r = _cli(["run", "experts", "--bogus[/]"], tmp_path)
    assert "Traceback" not in r.stderr and r.returncode == 2
    assert "--bogus[/]" in r.stderr


# -- 9. sizes that cannot fit are refused up front -------------------------------------------------
def test_huge_sizes_are_refused_up_front(tmp_path):
    t0 = time.monotonic()
    line = _one_error_line(_cli(["run", "experts", "--T", "1e12", "--runs", "1000"], tmp_path))
    assert time.monotonic() - t0 < 60
    assert "--T=1e+12" in line and "--runs=1000" in line and "estimate" in line
    line = _one_error_line(_cli(["run", "experts", "--T", "100", "--runs", "100000000000"], tmp_path))
    assert "--runs=1e+11" in line and "memory" in line and "available" in line


def test_check_fits_names_size_estimate_and_memory():
    from regretlab.core.errors import check_fits, memory_available

    check_fits("K=10", 80, seconds=1.0)
    avail = memory_available()
    assert avail is None or avail > 0
    with pytest.raises(ValueError, match=r"K=1e9 needs about .* of memory \(estimate\), but only .* is available"):
        check_fits("K=1e9", 8e18)
    with pytest.raises(ValueError, match=r"T=1e12 would take at least .* \(estimate\)"):
        check_fits("T=1e12", 10, seconds=1e12)


def test_run_refuses_arrays_that_cannot_fit():
    from regretlab.run import run

    with pytest.raises(ValueError, match=r"run\(T=10, batch=1000000000000, .* needs about"):
        run("hedge", "alternating", T=10, batch=10**12)


# -- 10. grid files ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name, text, needle", [
    ("g.yaml", "grid: [1, 2\nT: {", "not valid YAML"),
    ("g.yaml", "T: !!python/object:os.system {}\n", "not valid YAML"),
    ("g.yml", "- 1\n- 2\n", "must hold a mapping"),
    ("g.toml", "[grid\nT = [1,", "not valid TOML"),
    ("g.toml", "T = [{a = 1}]\n", "numbers or strings"),
])
def test_grid_file_problems_are_one_line(tmp_path, name, text, needle):
    (tmp_path / name).write_text(text)
    line = _one_error_line(_cli(["sweep", "experts", "--grid-file", name], tmp_path))
    assert needle in line and name in line


# -- 11. messages name what the user typed ----------------------------------------------------------
@pytest.mark.parametrize("args, needle", [
    (["--T", "nan"], "--T must be a whole number >= 1, got nan"),
    (["--T", "2.5"], "--T must be a whole number >= 1, got 2.5"),
    (["--T", "inf"], "--T must be a whole number >= 1, got inf"),
    (["--runs", "0"], "--runs must be >= 1, got 0"),
    (["--K", "-1"], "--K must be >= 0"),
    (["--seed", "-1"], "--seed must be >= 0"),
    (["--set", "every=-3"], "every must be >= 0"),
])
def test_run_messages_name_the_option(tmp_path, args, needle):
    line = _one_error_line(_cli(["run", "experts", *args], tmp_path))
    assert needle in line and "horizon" not in line


def test_fixed_share_names_alpha_and_its_range():
    from regretlab.experts import fixed_share

    for kwargs in ({"alpha": 2}, {"alpha": 2, "horizon": 100}, {"alpha": float("nan"), "lr": 0.1}):
        with pytest.raises(ValueError, match=r"alpha .* \[0, 1\]") as info:
            fixed_share(**kwargs)
        assert "lr" not in str(info.value) and "horizon" not in str(info.value)


# -- 12. --version, and no <bool> metavar on flags ---------------------------------------------------
def test_version_option_and_flag_metavars(tmp_path):
    r = _cli(["--version"], tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == __version__
    assert _cli(["version"], tmp_path).stdout.strip() == __version__
    for args in (["--help"], ["run", "--help"], ["sweep", "--help"], ["show", "--help"]):
        r = _cli(args, tmp_path)
        assert r.returncode == 0 and "--help" in r.stdout
        assert "<bool>" not in r.stdout, r.stdout


# -- 13. progress on long work --------------------------------------------------------------------
def test_run_and_sweep_show_progress(tmp_path):
    env = {**ENV, "REGRETLAB_PROGRESS": "1", "TTY_INTERACTIVE": "1", "TTY_COMPATIBLE": "1"}
    r = _cli(["run", "experts", "--T", "3000", "--runs", "5"], tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    assert "experts: rounds" in r.stderr and "learner" in r.stderr
    assert "stored cell" in r.stdout and "figures:" in r.stdout
    r = _cli(["sweep", "experts", "--grid", "algo=hedge T=300 runs=2 seed=0:3", "--backend", "serial",
              "--store", "s2.duckdb"], tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    assert "cells" in r.stderr and "3/3" in r.stderr
    assert "3 done" in r.stdout and "regretlab show experts" in r.stdout
