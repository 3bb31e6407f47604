"""CLI commands of the mechanisms and fairness parts (loaded by ``regretlab.cli``)."""

from __future__ import annotations

import typer


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
    ) -> None:
        """Solve the optimal correlated IC mechanism LP on a random instance and check IC exhaustively."""
        import time

        import numpy as np

        from regretlab.mechanisms import check_ic, random_instance, solve_correlated, solve_uncorrelated

        inst = random_instance(np.random.default_rng(seed), agents=agents, efforts=efforts,
                               signals=signals, states=states, actions=actions, payment_cap=cap,
                               cost_scale=cost_scale, state_observed=not peer)
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
        if max(inst.signal_sizes) <= 6:
            rep = check_ic(inst, mech)
            print(f"exhaustive IC check: {'pass' if rep.ok else 'FAIL'} ({rep.checked} deviations, "
                  f"max gain {rep.max_gain:.2e})")

    @app.command("fair-run")
    def fair_run(
        algorithm: str = typer.Option("exp2", help="exp2 or ftpl."),
        horizon: int = typer.Option(2000, "--T", help="Rounds T."),
        c: float = typer.Option(-1.0, "--C", help="Lagrange weight C (default T^(1/4))."),
        runs: int = typer.Option(4, help="Independent runs."),
        seed: int = typer.Option(0, help="Root seed."),
    ) -> None:
        """Fair lending with one-sided feedback: Lagrangian regret, accuracy regret, violations."""
        from regretlab.fairness import run_fair_learning

        weight = horizon ** 0.25 if c < 0 else c
        res = run_fair_learning(algorithm, horizon, weight, batch=runs, seed=seed)
        print(f"{algorithm}  T={horizon}  C={weight:.3f}  runs={runs}")
        print(f"lagrangian regret  {res.lagrangian_regret.mean():10.2f}")
        print(f"accuracy regret    {res.accuracy_regret.mean():10.2f}  (errors {res.errors.mean():.1f},"
              f" best fair policy {res.best_fair_errors.mean():.1f})")
        print(f"violations         {res.violations.mean():10.2f}")
