"""CLI commands of the mechanisms and fairness parts (loaded by ``regretlab.cli``).

Every option is checked before any work, and errors name the option as typed; sizes that cannot
fit in memory are refused up front with the estimate.
"""

from __future__ import annotations

from typing import Optional

import typer

#: the exhaustive IC check runs when its estimated time is below this many seconds
IC_CHECK_SECONDS = 120.0


def register(app: typer.Typer) -> None:
    @app.command("mechanism-lp")
    def mechanism_lp(
        seed: int = typer.Option(0, help="Seed of the random instance."),
        agents: int = typer.Option(2, help="Number of agents n."),
        efforts: int = typer.Option(2, help="Efforts per agent |B_i|."),
        signals: int = typer.Option(2, help="Signals per agent |S_i|."),
        states: int = typer.Option(2, help="States |Theta|."),
        actions: int = typer.Option(2, help="Principal actions |A|."),
        cap: float = typer.Option(1.0, help="Payment cap M."),
        cost_scale: float = typer.Option(0.05, help="Costs of effort uniform in [0, cost_scale]."),
        peer: bool = typer.Option(False, help="Peer-prediction variant (state not observed)."),
        progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar for the IC check."),
    ) -> None:
        """Solve the optimal correlated IC mechanism LP on a random instance and check IC exhaustively."""
        import sys
        import time

        import numpy as np

        from regretlab.core.errors import check_int, check_positive
        from regretlab.mechanisms import check_ic, random_instance, solve_correlated, solve_uncorrelated
        from regretlab.mechanisms._fits import check_fits
        from regretlab.mechanisms.agents import ic_check_cost
        from regretlab.mechanisms.lp import correlated_lp_size

        check_int("--seed", seed, minimum=0)
        for opt, value in (("--agents", agents), ("--efforts", efforts), ("--signals", signals),
                           ("--states", states), ("--actions", actions)):
            check_int(opt, value, minimum=1)
        check_positive("--cap", cap)
        check_positive("--cost-scale", cost_scale, allow_zero=True)
        size = correlated_lp_size([efforts] * agents, [signals] * agents, states, actions, state_observed=not peer)
        nb, ns = efforts ** agents, signals ** agents
        # beside the LP: the two mechanisms' decision and payment tables and the Bayes/information tables
        tables = 8 * nb * ns * (2 * agents * states + 4 * actions + 2 * states)
        typed = (f"mechanism-lp --agents {agents} --efforts {efforts} --signals {signals} --states {states} "
                 f"--actions {actions}{' --peer' if peer else ''}")
        check_fits(f"{typed} ({size.describe()}, {nb:.3g} effort profiles x {ns:.3g} signal profiles)",
                   size.nbytes + tables, seconds=0.5e-6 * size.nonzeros + 20e-6 * nb)

        inst = random_instance(np.random.default_rng(seed), agents=agents, efforts=efforts,
                               signals=signals, states=states, actions=actions, payment_cap=cap,
                               cost_scale=cost_scale, state_observed=not peer)
        if size.nonzeros > 2_000_000:
            print(f"solving {size.describe()} (large: this can take minutes)", file=sys.stderr)
        t0 = time.perf_counter()
        mech = solve_correlated(inst)
        ms = 1e3 * (time.perf_counter() - t0)
        unc = solve_uncorrelated(inst)
        support = np.flatnonzero(mech.recommendation > 0)
        print(f"OPT correlated   = {mech.value:.6f}  (LP {ms:.1f} ms)")
        print(f"OPT uncorrelated = {unc.value:.6f}  gap = {mech.value - unc.value:.3g}")
        for b in support:
            print(f"  recommend {tuple(int(v) for v in np.unravel_index(b, inst.efforts))}"
                  f" with probability {mech.recommendation[b]:.4f}")
        if max(inst.signal_sizes) > 6:
            print(f"exhaustive IC check skipped: --signals {signals} gives {signals ** signals:,} report maps per "
                  f"agent (it runs for --signals <= 6)")
            return
        calls, seconds = ic_check_cost(inst)
        if seconds > IC_CHECK_SECONDS:
            print(f"exhaustive IC check skipped: {calls:,} report-map evaluations over "
                  f"{nb * ns * states:,} joint outcomes each would take about {seconds / 60:.0f} min "
                  f"(it runs below {IC_CHECK_SECONDS / 60:.0f} min; fewer --agents, --efforts or --signals)")
            return
        rep = check_ic(inst, mech, progress=progress and seconds > 2)  # a bar only where it helps
        print(f"exhaustive IC check: {'pass' if rep.ok else 'FAIL'} ({rep.checked} deviations, "
              f"max gain {rep.max_gain:.2e})")

    @app.command("fair-run")
    def fair_run(
        algorithm: str = typer.Option("exp2", help="exp2 or ftpl."),
        horizon: int = typer.Option(2000, "--T", help="Rounds T."),
        c: Optional[float] = typer.Option(None, "--C", help="Lagrange weight C >= 0 (default T^(1/4))."),
        runs: int = typer.Option(4, help="Independent runs."),
        seed: int = typer.Option(0, help="Root seed."),
        progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar."),
    ) -> None:
        """Fair lending with one-sided feedback: Lagrangian regret, accuracy regret, violations."""
        from regretlab.core.errors import check_int, check_positive
        from regretlab.fairness import run_fair_learning
        from regretlab.mechanisms._fits import check_fits

        if algorithm not in ("exp2", "ftpl"):
            raise ValueError(f"--algorithm must be 'exp2' or 'ftpl', got {algorithm!r}")
        check_int("--T", horizon, minimum=1)
        if c is not None:
            check_positive("--C", c, allow_zero=True)
        check_int("--runs", runs, minimum=1)
        check_int("--seed", seed, minimum=0)
        # kept individuals [T, runs, k=4, F=2] and, per run, the comparator's [T, k, H=64] predictions
        # and [T, k, k] distances; about 0.1 ms per round (a lower estimate)
        check_fits(f"fair-run --T {horizon} --runs {runs}", horizon * (64 * runs + 2048), seconds=1e-4 * horizon)
        weight = horizon ** 0.25 if c is None else c
        res = run_fair_learning(algorithm, horizon, weight, batch=runs, seed=seed,
                                progress=progress and horizon * runs >= 20_000)  # a bar where it takes seconds
        print(f"{algorithm}  T={horizon}  C={weight:.3f}  runs={runs}")
        print(f"lagrangian regret  {res.lagrangian_regret.mean():10.2f}")
        print(f"accuracy regret    {res.accuracy_regret.mean():10.2f}  (errors {res.errors.mean():.1f},"
              f" best fair policy {res.best_fair_errors.mean():.1f})")
        print(f"violations         {res.violations.mean():10.2f}")
