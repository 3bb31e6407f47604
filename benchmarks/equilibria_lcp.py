"""Benchmark: two-player general-sum extensive-form equilibria (issue 18): the sequence-form LCP
(Lemke, :func:`regretlab.games.sequence_lcp.sequence_form_lcp`) against nashpy's Lemke–Howson on
the normal form of the same game, in the same process.

Run: ``OPENBLAS_NUM_THREADS=1 python benchmarks/equilibria_lcp.py [--gambit-limit S] [--leduc-limit S]
[--no-leduc]``.
The first game is Kuhn poker with seeded noise on both players' payoffs (general-sum, 12
information sets); its reduced normal form has 27 x 64 pure strategies (one per realization plan;
built here, not timed). Prints median wall times, both equilibria's NashConv in the extensive-form
game and the ratio. Then Leduc poker (4,062 LCP rows), zero-sum and with the same seeded payoff
noise: pivots, CPU seconds, NashConv (exact best responses), the value against the sequence-form
LP's (zero-sum), and Gambit's ``lcp_solve`` on the same game (pygambit, the ``[gambit]`` extra) in
a child process stopped after ``--gambit-limit`` seconds (CPU seconds reported). Also reported
without a peer: the agent-QRE branch of Kuhn to λ = 100.
"""

from __future__ import annotations

import dataclasses
import itertools
import statistics
import time
import warnings

import numpy as np


def _timed(fn, repeat=5):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def _perturbed_kuhn(seed: int):
    from regretlab.games import kuhn_poker

    g = kuhn_poker()
    u = g.utilities + np.random.default_rng(seed).uniform(-0.5, 0.5, g.utilities.shape)
    return dataclasses.replace(g, name=f"kuhn_perturbed_{seed}", utilities=u, meta={})


def _normal_form(game):
    """Pure strategies of each player as realization plans, and the payoff bimatrix."""
    import scipy.sparse as sp

    from regretlab.games.sequence_form import realization_plan, sequence_form

    sf = sequence_form(game)
    z0, z1 = sf.terminal_sequences[:, 0], sf.terminal_sequences[:, 1]
    mats = [sp.csr_matrix((sf.terminal_chance * game.utilities[:, p], (z0, z1)), shape=sf.payoff.shape)
            for p in range(2)]
    plans = []
    for p in range(2):
        mine = np.flatnonzero(game.infoset_player == p)
        rows = []
        for choice in itertools.product(*[range(game.infoset_num_actions[i]) for i in mine]):
            pol = game.uniform_policy()
            pol[mine] = 0.0
            pol[mine, list(choice)] = 1.0
            rows.append(realization_plan(game, pol, p))
        rows = np.unique(np.round(np.array(rows), 12), axis=0)  # the reduced normal form: one per plan
        plans.append(rows)
    a = plans[0] @ (mats[0] @ plans[1].T)
    b = plans[0] @ (mats[1] @ plans[1].T)
    return np.asarray(a), np.asarray(b), plans


PEER_LIMIT = 30.0  # seconds nashpy may take per game (its Lemke-Howson can cycle on degenerate games)


def _peer(a, b, queue) -> None:
    import nashpy

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        x, y = nashpy.Game(a, b).lemke_howson(initial_dropped_label=0)
        queue.put((time.perf_counter() - t0, np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)))


def _run_peer(a, b):
    """nashpy's Lemke-Howson in a child process, stopped after PEER_LIMIT seconds (None then)."""
    import multiprocessing as mp

    queue = mp.Queue()
    proc = mp.Process(target=_peer, args=(a, b, queue))
    proc.start()
    proc.join(PEER_LIMIT)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return None
    return queue.get() if not queue.empty() else None


def _noisy(game, seed: int):
    u = game.utilities + np.random.default_rng(seed).uniform(-0.5, 0.5, game.utilities.shape)
    return dataclasses.replace(game, name=f"{game.name}_perturbed_{seed}", utilities=u, meta={})


def gambit_game(game):
    """``game`` as a pygambit game, read from regretlab's ``.efg`` text (the writer gives chance
    probabilities as exact rationals summing to one, as Gambit requires)."""
    import io

    import pygambit as gbt

    from regretlab.games.gambit import efg_text

    return gbt.read_efg(io.StringIO(efg_text(game)))


def _gambit_child(game, queue) -> None:
    import pygambit as gbt

    from regretlab.games.evaluation import nash_conv

    g = gambit_game(game)
    t0 = time.process_time()
    eq = gbt.nash.lcp_solve(g, rational=False).equilibria[0]
    cpu = time.process_time() - t0
    pol = game.uniform_policy()
    index = {str(k): i for i, k in enumerate(game.infoset_keys)}
    for player in g.players:
        for iset in player.infosets:
            pol[index[iset.label], :len(iset.actions)] = [float(eq[a]) for a in iset.actions]
    queue.put((cpu, nash_conv(game, pol), [float(eq.payoff(p)) for p in g.players]))


def run_gambit(game, limit: float):
    """Gambit's ``lcp_solve`` in a child process: ``(cpu s, NashConv, values)``, ``None`` when it
    did not finish within ``limit`` seconds, or the reason it could not run."""
    import multiprocessing as mp

    try:
        import pygambit  # noqa: F401
    except ImportError:
        return "pygambit is not installed"
    queue = mp.Queue()
    proc = mp.Process(target=_gambit_child, args=(game, queue))
    proc.start()
    proc.join(limit)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return None
    return queue.get() if not queue.empty() else "the child process failed"


def leduc(gambit_limit: float, leduc_limit: float) -> None:
    from regretlab.games import leduc_poker
    from regretlab.games.sequence_form import sequence_form_lp
    from regretlab.games.sequence_lcp import sequence_form_lcp

    print(f"== Leduc poker (4,062 LCP rows): sequence-form LCP (compiled float Lemke) vs Gambit lcp_solve "
          f"(stopped after {gambit_limit:g} s wall), ours stopped after {leduc_limit:g} s wall ==")
    zs = leduc_poker()
    lp = sequence_form_lp(zs).value
    for g in (zs, _noisy(zs, 0)):
        t0 = time.process_time()
        try:
            sol = sequence_form_lcp(g, time_limit=leduc_limit)
        except (RuntimeError, TimeoutError) as exc:
            sol, cpu = None, time.process_time() - t0
            print(f"{g.name}: ours did not finish, {cpu:.1f} s CPU: {exc}", flush=True)
        if sol is not None:
            cpu = time.process_time() - t0
            _leduc_line(g, sol, cpu, lp if g is zs else None)
        peer = run_gambit(g, gambit_limit)
        if peer is None:
            print(f"  Gambit lcp_solve: did not finish in {gambit_limit:g} s wall (ours: {cpu:.1f} s CPU)",
                  flush=True)
        elif isinstance(peer, str):
            print(f"  Gambit lcp_solve: not run ({peer})", flush=True)
        else:
            print(f"  Gambit lcp_solve: {peer[0]:7.2f} s CPU, NashConv {peer[1]:.1e}, values "
                  f"{peer[2][0]:+.9f} {peer[2][1]:+.9f}; ratio {peer[0] / cpu:.2f}x", flush=True)


def _leduc_line(g, sol, cpu: float, lp: float | None) -> None:
    line = (f"{g.name}: ours {cpu:7.2f} s CPU, {sol.pivots} pivots ({sol.perturbations} cycle-breaking "
            f"perturbations), NashConv {sol.nash_conv:.1e}, values {sol.values[0]:+.9f} {sol.values[1]:+.9f}")
    if lp is not None:
        line += f" (LP value {lp:+.9f}, gap {abs(sol.values[0] - lp):.1e})"
    print(line, flush=True)


def main() -> None:
    import argparse

    from regretlab.games.evaluation import nash_conv
    from regretlab.games.sequence_form import behavioural
    from regretlab.games.sequence_lcp import sequence_form_lcp

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gambit-limit", type=float, default=120.0, help="seconds Gambit's lcp_solve may take")
    ap.add_argument("--leduc-limit", type=float, default=600.0, help="seconds our Lemke may take on each Leduc game")
    ap.add_argument("--no-leduc", action="store_true", help="skip the Leduc rows")
    args = ap.parse_args()
    print("== general-sum Kuhn poker (seeded payoff noise): sequence-form LCP vs nashpy Lemke-Howson "
          "on the 27x64 reduced normal form ==")
    for seed in (0, 1, 2):
        g = _perturbed_kuhn(seed)
        a, b, plans = _normal_form(g)
        sequence_form_lcp(g)  # compile the evaluation kernels once
        t_ours, sol = _timed(lambda g=g: sequence_form_lcp(g))
        gb = run_gambit(g, args.gambit_limit)
        if isinstance(gb, tuple):
            print(f"seed {seed}: Gambit lcp_solve on the .efg {gb[0] * 1e3:7.2f} ms CPU (NashConv {gb[1]:.1e}, "
                  f"values {gb[2][0]:+.6f} {gb[2][1]:+.6f})", flush=True)
        line = (f"seed {seed}: ours {t_ours * 1e3:7.2f} ms ({sol.pivots} pivots, NashConv {sol.nash_conv:.1e}, "
                f"values {sol.values[0]:+.6f} {sol.values[1]:+.6f}); ")
        peer = _run_peer(a, b)
        if peer is None:
            print(line + f"nashpy did not finish in {PEER_LIMIT:g} s", flush=True)
            continue
        t_peer, x, y = peer
        ok = x.shape == (a.shape[0],) and np.isfinite(x).all() and abs(x.sum() - 1) < 1e-6
        if not ok:
            print(line + f"nashpy {t_peer * 1e3:8.2f} ms but returned no equilibrium (strategies of "
                  f"lengths {x.shape[0]}, {y.shape[0]} for a {a.shape[0]}x{a.shape[1]} game)", flush=True)
            continue
        nc_peer = nash_conv(g, behavioural(g, (x @ plans[0], y @ plans[1])))
        print(line + f"nashpy {t_peer * 1e3:8.2f} ms (NashConv {nc_peer:.1e}); ratio {t_peer / t_ours:.2f}x "
              "(ours includes building the LCP and the exact NashConv check)", flush=True)

    if not args.no_leduc:
        leduc(args.gambit_limit, args.leduc_limit)

    from regretlab.games import kuhn_poker
    from regretlab.games.agent_qre import agent_qre_branch

    print("== agent QRE principal branch, Kuhn poker, λ to 100 (no peer) ==")
    t, br = _timed(lambda: agent_qre_branch(kuhn_poker(), 100.0), repeat=3)
    print(f"{t:.3f} s, {len(br.lam)} points, max residual {br.residual.max():.1e}, "
          f"NashConv at λ=100 {nash_conv(kuhn_poker(), br.policies[-1]):.2e}")


if __name__ == "__main__":
    main()
