"""Write ``gambit_reference.json``: Gambit's answers on seeded games, the reference values of
``test_gambit_reference.py``.

pygambit is a source-only package on PyPI (a C++ build of about 15 minutes on two cores), so it
is the ``[gambit]`` extra, not a test dependency; this script ran once with it installed and its
output is committed. Run again with ``python tests/nfg/make_gambit_reference.py`` (pygambit
installed) to refresh; ``test_gambit_reference.py`` also runs the same comparisons live when
pygambit is importable.

Games (payoffs written into the file, so the tests need no generator):

* ``generic``: seeded n-player games with payoffs uniform on [-1, 1] rounded to 6 decimals
  (generic with probability 1): Gambit's ``enumpoly`` (all equilibria by support enumeration
  with polynomial solving), ``gnm``, ``ipa``, ``simpdiv`` (from the centroid), ``logit``
  (the end of the principal branch) and the logit QRE at fixed λ (``logit_solve_lambda``);
* ``bimatrix``: seeded degenerate bimatrix games with small integer payoffs (ties): the extreme
  equilibria of ``enummixed`` in exact rationals, and ``lcp``.
"""

from __future__ import annotations

import json
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

OUT = Path(__file__).with_name("gambit_reference.json")
GENERIC = [((2, 2, 2), s) for s in range(3)] + [((3, 3, 2), s) for s in range(3)] + \
          [((2, 2, 2, 2), s) for s in range(2)] + [((3, 3, 3), s) for s in range(2)]
BIMATRIX = [((3, 3), s) for s in range(4)] + [((4, 4), s) for s in range(3)] + [((3, 5), s) for s in range(2)]
LAMBDAS = [0.25, 1.0, 4.0, 16.0]


def _profile(game, eq) -> list[list[float]]:
    return [[float(eq[s]) for s in p.strategies] for p in game.players]


def _exact(game, eq) -> list[list[str]]:
    return [[str(Fraction(str(eq[s]))) for s in p.strategies] for p in game.players]


def main() -> None:
    import pygambit as gbt

    out = {"pygambit": gbt.__version__, "lambdas": LAMBDAS, "generic": [], "bimatrix": []}
    for shape, seed in GENERIC:
        rng = np.random.default_rng(seed)
        P = np.round(rng.uniform(-1, 1, size=(len(shape), *shape)), 6)
        g = gbt.Game.from_arrays(*P)
        t0 = time.perf_counter()
        enum = gbt.nash.enumpoly_solve(g)
        t_enum = time.perf_counter() - t0
        start = g.mixed_strategy_profile(rational=True)
        row = {
            "shape": list(shape), "seed": seed, "payoffs": P.tolist(),
            "enumpoly": [_profile(g, e) for e in enum.equilibria], "enumpoly_seconds": t_enum,
            "gnm": [_profile(g, e) for e in gbt.nash.gnm_solve(g).equilibria],
            "ipa": [_profile(g, e) for e in gbt.nash.ipa_solve(g).equilibria],
            "simpdiv": [_profile(g, e) for e in gbt.nash.simpdiv_solve(start).equilibria],
            "logit": [_profile(g, e) for e in gbt.nash.logit_solve(g).equilibria],
            "logit_lambda": [_profile(g, q.profile) for q in gbt.qre.logit_solve_lambda(g, lam=LAMBDAS)],
        }
        out["generic"].append(row)
        print(shape, seed, len(row["enumpoly"]), "equilibria", file=sys.stderr)
    for shape, seed in BIMATRIX:
        rng = np.random.default_rng(100 + seed)
        A, B = rng.integers(0, 3, size=(2, *shape))
        g = gbt.Game.from_arrays(A.astype(int), B.astype(int))
        row = {"shape": list(shape), "seed": seed, "A": A.tolist(), "B": B.tolist(),
               "enummixed": [_exact(g, e) for e in gbt.nash.enummixed_solve(g, rational=True).equilibria],
               "lcp": [_exact(g, e) for e in gbt.nash.lcp_solve(g, rational=True).equilibria]}
        out["bimatrix"].append(row)
        print(shape, seed, len(row["enummixed"]), "extreme equilibria", file=sys.stderr)
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT.name}", file=sys.stderr)


if __name__ == "__main__":
    main()
