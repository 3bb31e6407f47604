"""``regretlab mechanism-lp``: sizes that cannot fit are refused up front; options are checked by name."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from regretlab.mechanisms import random_instance
from regretlab.mechanisms.lp import build_correlated_lp, correlated_lp_size


def _cli(*args, cwd=None):
    env = {**os.environ, "REGRETLAB_PROGRESS": "0", "COLUMNS": "200", "NO_COLOR": "1"}
    r = subprocess.run([sys.executable, "-m", "regretlab.cli", *args], capture_output=True, text=True, env=env,
                       timeout=240, cwd=cwd)
    return r.returncode, r.stdout, r.stderr


@pytest.mark.parametrize("sizes", [(2, 2, 2, 2, 2, True), (3, 3, 4, 2, 3, True), (3, 2, 3, 3, 2, False)])
@pytest.mark.parametrize("formulation", ["compact", "enumerated"])
def test_lp_size_is_known_exactly_before_the_lp_is_built(sizes, formulation):
    n, b, s, t, a, observed = sizes
    inst = random_instance(np.random.default_rng(0), agents=n, efforts=b, signals=s, states=t, actions=a,
                           state_observed=observed)
    lp, _ = build_correlated_lp(inst, formulation=formulation)
    est = correlated_lp_size(inst.efforts, inst.signal_sizes, t, a, state_observed=observed, formulation=formulation)
    assert est.variables == lp.size
    assert est.rows == sum(g.rhs.size for g in lp.le + lp.eq)
    assert est.nonzeros == sum(g.rows.size for g in lp.le + lp.eq)


def test_library_refuses_an_lp_that_cannot_fit():
    # 8 agents, 4 efforts, 6 signals: the instance is tiny, its LP has 5e13 nonzeros
    inst = random_instance(np.random.default_rng(0), agents=8, efforts=4, signals=6)
    with pytest.raises(ValueError, match=r"correlated-mechanism LP of 8 agents .* needs about .* PiB of memory"):
        build_correlated_lp(inst)


def test_check_names_the_estimate_and_the_memory_available(monkeypatch):
    import regretlab.core.errors as core_errors
    from regretlab.mechanisms import _fits

    monkeypatch.setattr(core_errors, "memory_available", lambda: 2 * 1024**3)
    _fits.check_fits("small", 1024**3)
    with pytest.raises(ValueError, match=r"^big needs about 3 GiB of memory \(estimate\), but only 2 GiB is available"):
        _fits.check_fits("big", 3 * 1024**3)


def test_cli_refuses_an_lp_that_cannot_fit_in_one_line(tmp_path):
    # issue "Hardening" 4: this gave NumPy _ArrayMemoryError tracebacks
    rc, out, err = _cli("mechanism-lp", "--agents", "8", "--signals", "6", "--efforts", "4", cwd=tmp_path)
    assert rc == 2 and "Traceback" not in err and "MemoryError" not in err, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("error: mechanism-lp --agents 8 --efforts 4 --signals 6 --states 2 --actions 2")
    assert "5.32e+13 nonzeros" in line and "needs about" in line and "PiB of memory" in line and "available" in line


def test_cli_solves_and_checks_and_names_skipped_checks(tmp_path):
    rc, out, err = _cli("mechanism-lp", "--seed", "3", "--cost-scale", "0.02", cwd=tmp_path)
    assert rc == 0, err
    assert "OPT correlated   = 0.715070" in out and "exhaustive IC check: pass (32 deviations" in out
    rc, out, err = _cli("mechanism-lp", "--signals", "7", cwd=tmp_path)
    assert rc == 0 and "exhaustive IC check skipped: --signals 7 gives 823,543 report maps per agent" in out


@pytest.mark.parametrize("args, message", [
    (["--agents", "0"], "--agents must be an integer >= 1, got 0"),
    (["--cap", "nan"], "--cap must be a finite number, got nan"),
    (["--cost-scale", "-0.1"], "--cost-scale must be >= 0, got -0.1"),
])
def test_cli_names_the_option(tmp_path, args, message):
    rc, out, err = _cli("mechanism-lp", *args, cwd=tmp_path)
    assert rc == 2 and "Traceback" not in err and message in err, err
