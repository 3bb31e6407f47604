"""Benchmark: the certified multihomogeneous homotopy for support systems (support_homotopy).

Run: ``OPENBLAS_NUM_THREADS=1 python benchmarks/support_homotopy.py``. CPU seconds (median over
seeded random systems) per support system:

* on the shapes support_systems solves in closed form (resultants, Cramer's rule), the
  homotopy against that solver (ratio = homotopy / closed form);
* on the other shapes, the homotopy (certified) against the Newton fallback it replaces
  (``8 + 4 Σ(k_i - 1)`` Dirichlet starts, as enumerate_supports does; not exhaustive), with the
  number of paths (the multihomogeneous Bézout number) and how often the certificate held,
  and the same homotopy with the NumPy reference tracker (``compiled=False``; speed-up =
  reference / compiled);
* whole games (seed 1): enumerate_supports's CPU seconds and whether the result is certified,
  against the same run with the homotopy switched off (the Newton fallback, uncertified).
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from regretlab.games.normal_form import NormalFormGame, support_homotopy
from regretlab.games.normal_form.nplayer import _newton, enumerate_supports
from regretlab.games.normal_form.support_homotopy import (
    bezout_number,
    solve_by_homotopy,
)
from regretlab.games.normal_form.support_systems import solve_support


def _cpu(fn):
    t0 = time.process_time()
    out = fn()
    return time.process_time() - t0, out


def _newton_fallback(tens, rng):
    ks = list(tens.shape[1:])
    m = 8 + 4 * (sum(ks) - len(ks))
    z = np.concatenate([rng.dirichlet(np.ones(k), size=m) for k in ks], axis=1)
    return _newton(tens, z, ks)


def main(reps: int = 5) -> None:
    solve_by_homotopy(np.random.default_rng(0).standard_normal((3, 2, 2, 2)))  # warm imports, compile
    print("closed-form shapes: CPU seconds per support system (median of", reps, "seeded systems)")
    print(f"{'shape':>10} {'paths':>6} {'closed form':>12} {'homotopy':>9} {'ratio':>7}")
    for shape in [(2, 2, 2), (3, 3, 3), (2, 2, 2, 2), (3, 3, 2, 2)]:
        rng = np.random.default_rng(sum(shape))
        cf, ho = [], []
        for _ in range(reps):
            tens = rng.standard_normal((len(shape),) + shape)
            cf.append(_cpu(lambda tens=tens: solve_support(tens))[0])
            ho.append(_cpu(lambda tens=tens: solve_by_homotopy(tens))[0])
        a, b = statistics.median(cf), statistics.median(ho)
        print(f"{'x'.join(map(str, shape)):>10} {bezout_number(shape):>6} {a:>12.4f} {b:>9.4f} {b / a:>6.1f}x")
    print("\nother shapes: the certified homotopy vs the Newton fallback it replaces")
    print(f"{'shape':>12} {'paths':>6} {'certified':>9} {'newton':>8} {'homotopy':>9} {'ratio':>7} "
          f"{'numpy trk':>9} {'speed-up':>8}")
    for shape in [(4, 3, 2), (4, 3, 3), (3, 2, 2, 2), (4, 4, 4), (2, 2, 2, 2, 2), (3, 3, 3, 2), (2,) * 6]:
        rng = np.random.default_rng(sum(shape) + 1)
        nw, ho, rf, ok = [], [], [], 0
        for _ in range(reps if len(shape) < 6 else 2):
            tens = rng.standard_normal((len(shape),) + shape)
            nw.append(_cpu(lambda tens=tens, rng=rng: _newton_fallback(tens, rng))[0])
            dt, sol = _cpu(lambda tens=tens: solve_by_homotopy(tens))
            ho.append(dt)
            ok += sol is not None
            rf.append(_cpu(lambda tens=tens: solve_by_homotopy(tens, compiled=False))[0])
        a, b, r = statistics.median(nw), statistics.median(ho), statistics.median(rf)
        print(f"{'x'.join(map(str, shape)):>12} {bezout_number(shape):>6} {ok:>5}/{len(ho):<3} {a:>8.4f} {b:>9.4f} "
              f"{b / a:>6.1f}x {r:>9.4f} {r / b:>7.1f}x")
    print("\nwhole games: enumerate_supports, CPU seconds, with the homotopy vs with the Newton fallback")
    print(f"{'game':>10} {'#eq':>4} {'certified':>9} {'cpu s':>7} {'newton #eq':>10} {'certified':>9} {'cpu s':>7} "
          f"{'ratio':>7}")
    for shape in [(4, 3, 2), (3, 2, 2, 2), (2, 2, 2, 2, 2), (4, 4, 3), (4, 4, 4), (5, 4, 3), (3, 3, 3, 3)]:
        g = NormalFormGame(np.random.default_rng(1).standard_normal((len(shape),) + shape))
        dt, res = _cpu(lambda g=g: enumerate_supports(g, time_limit=600))
        real = support_homotopy.solve_by_homotopy
        support_homotopy.solve_by_homotopy = lambda tens, **kw: None  # the fallback as before
        try:
            dn, rn = _cpu(lambda g=g: enumerate_supports(g, time_limit=600))
        finally:
            support_homotopy.solve_by_homotopy = real
        print(f"{'x'.join(map(str, shape)):>10} {len(res.equilibria):>4} {res.certified!s:>9} {dt:>7.2f} "
              f"{len(rn.equilibria):>10} {rn.certified!s:>9} {dn:>7.2f} {dt / dn:>6.1f}x")

if __name__ == "__main__":
    main()
