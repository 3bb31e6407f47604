"""Memory to the limit: float32 storage, the solver's bytes before allocating, a clear error
when a solve cannot fit, and checkpoints that resume to the bit for every solver and dtype."""

import numpy as np
import pytest

from regretlab.cli import main
from regretlab.games.cfr import cfr_plus, dcfr, max_threads, pcfr_plus

TWO = min(2, max_threads())  # 1 where Numba may use one thread only
from regretlab.games.evaluation import nash_conv
from regretlab.games.mccfr import mccfr, mccfr_batch
from regretlab.games.poker import kuhn_poker, leduc_poker
from regretlab.games.sizes import check_solver_fits, solver_bytes
from regretlab.games.solve import ALGOS, LP_ALGO, SolveConfig, solve


@pytest.mark.parametrize("make", [cfr_plus, pcfr_plus, dcfr])
def test_float32_storage_is_float32_and_converges_alike(make):
    g = leduc_poker()
    s64, s32 = make(), make(dtype="float32")
    a, b = s64.solve(g, 150), s32.solve(g, 150)
    assert a.cumulative.dtype == np.float64 and b.cumulative.dtype == np.float32
    assert s32.to_arrays(b, g)["regret"].dtype == np.float32
    # float32 rounding of the stored sums changes the iterates, not how far they get
    na, nb = nash_conv(g, s64.average_policy(a, g)), nash_conv(g, s32.average_policy(b, g))
    assert abs(na - nb) < 0.5 * na
    # and the threads do not change the float32 numbers either
    c = make(dtype="float32", threads=TWO).solve(g, 150)
    np.testing.assert_array_equal(b.cumulative, c.cumulative)


def test_float32_refused_where_it_cannot_run():
    from regretlab.experts import hedge
    from regretlab.games.cfr import cfr

    with pytest.raises(ValueError, match="fused"):
        cfr(local=hedge(lr=0.1), dtype="float32")
    with pytest.raises(ValueError, match="fused"):
        cfr_plus(backend="numpy", dtype="float32")
    with pytest.raises(ValueError, match="dtype must be one of"):
        cfr_plus(dtype="float16")
    with pytest.raises(ValueError, match="fused"):
        mccfr(local=hedge(lr=0.1), dtype="float32")


def test_batched_float32_rows_equal_solo_float32_runs():
    g = kuhn_poker()
    st = mccfr_batch("outcome", seeds=[2, 9], dtype="float32").solve(g, 200)
    assert st.regret.dtype == np.float32
    ref = mccfr("outcome", seed=9, dtype="float32").solve(g, 200)
    np.testing.assert_array_equal(st.cumulative[1], ref.cumulative)


@pytest.mark.parametrize("algo", [a for a in ALGOS if a != LP_ALGO])  # the LP is one exact solve: nothing to resume
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_every_solver_resumes_to_the_bit(tmp_path, algo, dtype):
    g = kuhn_poker()
    cfg = SolveConfig("kuhn", 2, algo, 90, 30, seed=3, dtype=dtype)
    solver, full, curve_full = solve(cfg, g)
    ck = tmp_path / "ck.npz"
    solve(SolveConfig("kuhn", 2, algo, 60, 30, seed=3, dtype=dtype), g, checkpoint=ck)
    _, resumed, curve = solve(cfg, g, checkpoint=ck, threads=TWO if algo[0] != "m" else 1)
    a, b = solver.to_arrays(full, g), solver.to_arrays(resumed, g)
    for k in a:
        assert a[k].dtype == b[k].dtype
        np.testing.assert_array_equal(a[k], b[k])
    assert curve["exploitability"] == curve_full["exploitability"]
    if dtype == "float32":
        assert a["cumulative"].dtype == np.float32
        other = "float64" if dtype == "float32" else "float32"
        with pytest.raises(ValueError, match="dtype"):
            solve(SolveConfig("kuhn", 2, algo, 120, 30, seed=3, dtype=other), g, checkpoint=ck)


def test_solver_bytes_and_a_clear_error_when_it_cannot_fit(monkeypatch):
    g = leduc_poker()
    b64, b32 = solver_bytes(g, "cfr+"), solver_bytes(g, "cfr+", "float32")
    assert b64.infoset_actions == g.num_infosets * g.max_actions
    assert b32.per_infoset_action < b64.per_infoset_action
    assert solver_bytes(g, "mccfr-external", seeds=64).per_infoset_action == 64 * 32
    from regretlab.core import errors

    monkeypatch.setattr(errors, "memory_available", lambda: 1000)
    with pytest.raises(ValueError, match=r"cfr\+ \(float64\) on leduc_poker .* needs about .* available"):
        check_solver_fits(g, "cfr+")
    with pytest.raises(ValueError, match="needs about"):
        solve(SolveConfig("leduc", 2, "cfr+", 10, 10), g)


def test_dry_run_prints_bytes_per_infoset_action_and_solves_nothing(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    main(["solve", "leduc", "--dry-run", "--dtype", "float32", "--no-progress"])
    out = capsys.readouterr().out
    assert "bytes per information-set action" in out and "infoset_actions=2808" in out
    assert "exploitability=" not in out
    with pytest.raises(SystemExit):
        main(["solve", "kuhn", "--dtype", "float16", "--no-progress"])
    assert "--dtype must be one of" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["solve", "kuhn", "--threads", "0", "--no-progress"])
    assert "--threads" in capsys.readouterr().err
