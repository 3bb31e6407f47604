"""``regretlab fair-run``: options checked by the names the user typed; sizes that cannot fit refused."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _cli(*args, cwd=None, progress=False):
    env = {**os.environ, "REGRETLAB_PROGRESS": "1" if progress else "0", "COLUMNS": "200", "NO_COLOR": "1"}
    r = subprocess.run([sys.executable, "-m", "regretlab.cli", "fair-run", *args], capture_output=True, text=True,
                       env=env, timeout=240, cwd=cwd)
    return r.returncode, r.stdout, r.stderr


def test_runs_zero_names_runs_not_batch(tmp_path):
    # issue "Hardening" 5: the message named the internal parameter 'batch'
    rc, out, err = _cli("--runs", "0", cwd=tmp_path)
    assert rc == 2 and "Traceback" not in err
    assert "error: --runs must be an integer >= 1, got 0" in err and "batch" not in err


@pytest.mark.parametrize("args, message", [
    (["--T", "0"], "--T must be an integer >= 1, got 0"),
    (["--C", "nan"], "--C must be a finite number, got nan"),
    (["--C", "-2"], "--C must be >= 0, got -2.0"),
    (["--algorithm", "ucb"], "--algorithm must be 'exp2' or 'ftpl', got 'ucb'"),
    (["--seed", "-1"], "--seed must be an integer >= 0, got -1"),
    (["--T", "100000000000"], "fair-run --T 100000000000 --runs 4 needs about"),
])
def test_bad_options_are_named(tmp_path, args, message):
    rc, out, err = _cli(*args, cwd=tmp_path)
    assert rc == 2 and "Traceback" not in err and message in err, err


def test_default_run_unchanged_and_shows_progress(tmp_path):
    rc, out, err = _cli("--T", "300", "--runs", "2", cwd=tmp_path, progress=True)
    assert rc == 0, err
    assert "exp2  T=300  C=4.162  runs=2" in out
    rc2, out2, _ = _cli("--T", "300", "--runs", "2", "--C", f"{300 ** 0.25!r}", cwd=tmp_path)
    assert rc2 == 0 and out2 == out  # the default C is T^(1/4); same seed, same numbers
