"""Memory of range-vector CFR (issue 19, "Memory to the limit"): float32 storage of regrets,
averages and predictions; the solver's bytes known before allocating (``--dry-run``); a subgame
that will not fit refused in one line; float32 checkpoints resume bit for bit."""

import subprocess
import sys

import numpy as np
import pytest

from regretlab.games.subgame import exploitability, make_solver, subgame
from regretlab.games.subgame.checkpoint import load_checkpoint, save_checkpoint

RIVER_DECK = [4 * r + s for r in (7, 8, 9, 10, 11, 12) for s in range(4)]  # 9 .. A
SPOT = dict(board="9sTsJhQdKc", pot=4, stacks=8, oop_range="full", ip_range="QQ+,AK:0.5,T9s", bets="0.5,allin",
            raise_cap=2, deck=RIVER_DECK)


def _solve(dtype, iterations=200, algo="dcfr"):
    g = subgame(**SPOT)
    s = make_solver(algo, dtype=dtype)
    st = s.update(s.init(g), g, iterations)
    return g, s, st


@pytest.mark.parametrize("algo", ["dcfr", "cfr+", "pcfr+"])
def test_float32_storage_solves_to_the_float64_exploitability(algo):
    g, s64, a = _solve("float64", algo=algo)
    _, s32, b = _solve("float32", algo=algo)
    assert b.regret.dtype == b.cumulative.dtype == b.last.dtype == np.float32
    assert a.regret.dtype == np.float64 and b.strategy.dtype == np.float64
    e64 = exploitability(g, s64.average_policy(a, g))["pct_pot"]
    e32 = exploitability(g, s32.average_policy(b, g))["pct_pot"]
    # float32 keeps ~7 digits of each regret: after 200 iterations the two solves' exploitability
    # agree to far less than the solve's own progress over its last iterations
    assert abs(e32 - e64) <= 0.02 * e64 + 1e-6, (e32, e64)


def test_solver_bytes_count_the_arrays_actually_allocated():
    g = subgame(**SPOT)
    for dtype in ("float64", "float32"):
        s = make_solver("dcfr", dtype=dtype)
        st = s.init(g)
        need = g.solver_bytes(dtype)
        rows = sum(getattr(st, k).nbytes for k in ("cumulative", "strategy", "regret", "last"))
        opp, own, value, inst, reach = g.work()
        rows += inst.nbytes + reach.nbytes + g.legal.nbytes
        assert need["rows"] == rows
        assert need["node_vectors"] == opp.nbytes + own.nbytes + value.nbytes
    assert g.solver_bytes("float32")["per_infoset_action"] == g.solver_bytes("float64")["per_infoset_action"] - 12


def test_a_subgame_that_does_not_fit_is_refused_before_allocating(monkeypatch):
    import regretlab.core.errors as errors

    g = subgame(**SPOT)
    monkeypatch.setattr(errors, "memory_available", lambda: 1000)
    with pytest.raises(ValueError, match=r"the subgame \(public tree: .* needs about .* of memory .* only 1000 B"):
        make_solver("dcfr").init(g)


def test_float32_checkpoint_resumes_bit_for_bit(tmp_path):
    g = subgame(**SPOT)
    s = make_solver("pcfr+", dtype="float32")
    path = tmp_path / "ck.npz"
    save_checkpoint(path, s.update(s.init(g), g, 7), {"algo": "pcfr+", "dtype": "float32"})
    state, _ = load_checkpoint(path, g, {"algo": "pcfr+", "dtype": "float32"})
    assert state.regret.dtype == np.float32
    a, b = s.update(state, g, 6), s.update(s.init(g), g, 13)
    for k in ("cumulative", "strategy", "regret", "last"):
        assert np.array_equal(getattr(a, k), getattr(b, k)), k
    with pytest.raises(ValueError, match="dtype='float32', not 'float64'"):
        load_checkpoint(path, g, {"algo": "pcfr+", "dtype": "float64"})
    with pytest.raises(ValueError, match="float32 regrets but this solver stores float64"):
        make_solver("pcfr+").update(state, g, 1)


def test_cli_dry_run_prints_bytes_and_allocates_nothing():
    out = subprocess.run([sys.executable, "-m", "regretlab.cli", "subgame", "solve", "--board", "Ks7h2d3c8s",
                          "--pot", "10", "--stacks", "95", "--dry-run", "--dtype", "float32"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "29 bytes per information-set action (237,820 of them" in out.stdout
    assert "estimated solver memory" in out.stdout and "exploitability" not in out.stdout
