"""``regretlab psro``, ``regretlab alpharank``, ``regretlab qre`` (``--efg``: agent QRE) and
``regretlab lcp``: meta-game methods, quantal response equilibria and the sequence-form LCP (issue 18). ``regretlab solve GAME --algo sequence-form-lp`` lives
with the other solves in ``games.py``.

``register(app)`` adds the commands; the CLI loads every module of ``regretlab.cli``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Optional

import typer


def _normal_form(spec: str, what: str):
    """A normal-form game from a generator name (``prisoners_dilemma``) or a ``.npz``/``.json`` file."""
    from regretlab.games.normal_form import GENERATORS, NormalFormGame, make_game

    if spec in GENERATORS:
        if spec in ("random", "potential", "zero_sum"):
            raise ValueError(f"{what}: generate {spec!r} games with regretlab nfg solve {spec} --save FILE, "
                             "then pass the file")
        return make_game(spec)
    if Path(spec).suffix in (".npz", ".json"):
        return NormalFormGame.load(spec, what=what)
    raise ValueError(f"{what} must be one of {', '.join(g for g in GENERATORS if g not in ('random', 'potential', 'zero_sum'))} "
                     f"or a normal-form .npz/.json file, got {spec!r}")


def _is_normal_form_file(spec: str) -> bool:
    if Path(spec).suffix == ".npz":
        return True
    if Path(spec).suffix == ".json" and Path(spec).is_file():
        with open(spec, "rb") as fh:
            head = fh.read(4096)
        return b"regretlab.normal_form/" in head
    return False


def _fmt(x) -> str:
    import numpy as np

    return np.array2string(np.asarray(x), precision=4, suppress_small=True, separator=", ")


def register(app: typer.Typer) -> None:
    """Add ``psro``, ``alpharank``, ``qre`` and ``lcp`` to the ``regretlab`` app."""

    @app.command("psro")
    def psro_cmd(
        game: str = typer.Argument(..., help="kuhn | leduc | openspiel:<name> | game.json (extensive form), "
                                             "or a normal-form .npz/.json file or generator name"),
        meta_solver: str = typer.Option("nash", help="nash (2 players) | uniform | alpharank | cce | ce "
                                                     "(extensive form: 2 players)"),
        iterations: int = typer.Option(100, help="most best-response rounds"),
        tol: float = typer.Option(0.0, help="stop once NashConv <= tol"),
        time_limit: Optional[float] = typer.Option(None, help="seconds; reaching it prints what was found"),
        players: int = typer.Option(2, help="players of a built-in extensive-form game"),
        alpha: float = typer.Option(10.0, help="α-rank's selection intensity (--meta-solver alpharank)"),
        out: Optional[Path] = typer.Option(None, help="extensive form: write the meta-profile policy (.json/.npz)"),
    ) -> None:
        """PSRO with exact best responses (double oracle with --meta-solver nash) on GAME."""
        from regretlab.core.errors import check_int, check_positive
        from regretlab.games.psro import META_SOLVERS, psro
        from regretlab.games.registry import BUILTIN

        if meta_solver not in META_SOLVERS:
            raise ValueError(f"--meta-solver must be one of {', '.join(META_SOLVERS)}, got {meta_solver!r}")
        check_int("--iterations", iterations, minimum=1)
        check_positive("--tol", tol, allow_zero=True)
        if time_limit is not None:
            check_positive("--time-limit", time_limit)
        check_positive("--alpha", alpha)
        if out is not None and out.suffix not in (".json", ".npz"):
            raise ValueError(f"--out must be a .json or .npz file, got {str(out)!r}")
        extensive = game in BUILTIN or game.startswith("openspiel:") or (
            game.endswith(".json") and not _is_normal_form_file(game))
        if extensive:
            from regretlab.games.registry import load

            check_int("--players", players, minimum=2)
            g = load(game, players)
            print(g.describe())
        else:
            g = _normal_form(game, "game")
            print(repr(g))
        if meta_solver == "nash" and (g.num_players != 2):
            raise ValueError(f"--meta-solver nash needs a 2-player game, {game!r} has {g.num_players}; "
                             "use --meta-solver uniform or alpharank")
        res = psro(g, meta_solver, iterations, tol=tol, time_limit=time_limit, alpha=alpha)
        curve = res.nash_conv
        shown = sorted({0, len(curve) - 1, *range(0, len(curve), max(1, len(curve) // 8))})
        for k in shown:
            print(f"  iteration {k:5d}  NashConv {curve[k]:.6g}")
        gap = "" if res.gap is None else f" {meta_solver}_gap={res.gap[-1]:.9g}"
        print(f"psro meta_solver={meta_solver} stopped={res.stopped} iterations={res.iterations} "
              f"populations={list(res.population_sizes)} nash_conv={curve[-1]:.9g}{gap}")
        if not extensive:
            for i, x in enumerate(res.profile):
                print(f"  player {i}: {_fmt(x)}")
        elif out is not None:
            from regretlab.games.io import save_policy

            save_policy(g, res.profile, out)
            print(f"policy written to {out}")

    @app.command("alpharank")
    def alpharank_cmd(
        game: str = typer.Argument(..., help="a normal-form .npz/.json file (e.g. a meta-game) or generator name"),
        alpha: str = typer.Option("100", help="selection intensity > 0, or inf"),
        m: int = typer.Option(50, help="population size"),
        population: str = typer.Option("auto", help="auto | single | multi"),
        global_model: bool = typer.Option(False, "--global-model", help="single population: the global "
                                                                        "population model, not local selection"),
        eps: float = typer.Option(0.01, help="the ε-perturbation of --alpha inf"),
        top: int = typer.Option(10, help="profiles to print"),
    ) -> None:
        """α-rank of GAME: the stationary distribution over (monomorphic) strategy profiles."""
        from regretlab.core.errors import check_int
        from regretlab.games.normal_form.alpharank import alpharank

        try:
            a = math.inf if alpha.strip().lower() in ("inf", "infinity") else float(alpha)
        except ValueError:
            raise ValueError(f"--alpha must be a number > 0 or inf, got {alpha!r}") from None
        if not a > 0 or math.isnan(a):
            raise ValueError(f"--alpha must be > 0 (or inf), got {alpha!r}")
        check_int("--top", top, minimum=1)
        check_int("--m", m, minimum=2)
        g = _normal_form(game, "game")
        print(repr(g))
        res = alpharank(g, a, m, population=population, local_selection=not global_model, eps=eps)
        kind = "single population" if res.populations == 1 else f"{res.populations} populations"
        print(f"alpha-rank ({kind}, alpha={alpha}, m={m}): {len(res.pi)} profiles")
        for rank, k in enumerate(res.ranking[:top], start=1):
            print(f"  {rank:3d}. profile {res.profiles[k].tolist()}  mass {res.pi[k]:.6g}")

    @app.command("qre")
    def qre_cmd(
        game: str = typer.Argument(..., help="a normal-form .npz/.json file or generator name; with --efg an "
                                             "extensive-form game: kuhn | openspiel:<name> | game.json"),
        lambda_max: float = typer.Option(100.0, help="trace the principal branch from 0 to this λ (> 0)"),
        counts: Optional[str] = typer.Option(None, help="observed action counts to fit λ to, players separated "
                                                        "by ';', e.g. '61,39;40,60'"),
        time_limit: Optional[float] = typer.Option(None, help="seconds the trace may take"),
        efg: bool = typer.Option(False, "--efg", help="GAME is extensive-form: trace its agent QRE "
                                                      "(McKelvey & Palfrey 1998)"),
        players: int = typer.Option(2, help="players of a built-in extensive-form game (--efg)"),
        out: Optional[Path] = typer.Option(None, help="--efg: write the policy at --lambda-max (.json/.npz)"),
    ) -> None:
        """Logit QRE: the principal branch of GAME (and, with --counts, the maximum-likelihood λ)."""
        import numpy as np

        from regretlab.core.errors import check_int, check_positive
        from regretlab.games.normal_form.qre import logit_branch, qre_mle

        check_positive("--lambda-max", lambda_max)
        if time_limit is not None:
            check_positive("--time-limit", time_limit)
        if efg:
            from regretlab.games.agent_qre import agent_qre_branch
            from regretlab.games.evaluation import expected_value, nash_conv
            from regretlab.games.registry import load

            if counts is not None:
                raise ValueError("--counts (QRE estimation) applies to normal-form games, not with --efg")
            if out is not None and out.suffix not in (".json", ".npz"):
                raise ValueError(f"--out must be a .json or .npz file, got {str(out)!r}")
            check_int("--players", players, minimum=1)
            g = load(game, players)
            print(g.describe())
            try:
                br = agent_qre_branch(g, lambda_max, time_limit=time_limit)
            except (TimeoutError, RuntimeError) as exc:
                raise ValueError(str(exc)) from None
            print(f"agent QRE principal branch: {len(br.lam)} points, max fixed-point residual {br.residual.max():.1e}")
            for k in sorted(set(np.linspace(0, len(br.lam) - 1, 6).round().astype(int).tolist())):
                vals = ", ".join(f"{v:.6g}" for v in expected_value(g, br.policies[k]))
                print(f"  lambda={br.lam[k]:10.4g}  NashConv {nash_conv(g, br.policies[k]):.6g}  values [{vals}]")
            if out is not None:
                from regretlab.games.io import save_policy

                save_policy(g, br.policies[-1], out)
                print(f"policy written to {out}")
            return
        if out is not None:
            raise ValueError("--out applies with --efg only")
        parsed = None
        if counts is not None:
            try:
                parsed = [[float(v) for v in part.split(",")] for part in counts.split(";")]
            except ValueError:
                raise ValueError(f"--counts must be numbers like '61,39;40,60', got {counts!r}") from None
        g = _normal_form(game, "game")
        print(repr(g))
        try:
            br = logit_branch(g, lambda_max, time_limit=time_limit)
        except (TimeoutError, RuntimeError) as exc:
            raise ValueError(str(exc)) from None
        print(f"principal branch: {len(br.lam)} points, max fixed-point residual {br.residual.max():.1e}")
        for k in sorted(set(np.linspace(0, len(br.lam) - 1, 6).round().astype(int).tolist())):
            print(f"  lambda={br.lam[k]:10.4g}  " + "  ".join(_fmt(p[k]) for p in br.profiles))
        if parsed is not None:
            fit = qre_mle(g, parsed, lambda_max, branch=br)
            bound = " (at the end of the searched range)" if fit.at_bound else ""
            print(f"maximum-likelihood lambda = {fit.lam:.6g} (standard error {fit.se:.3g}){bound}, "
                  f"log-likelihood {fit.log_likelihood:.6g}")

    @app.command("lcp")
    def lcp_cmd(
        game: str = typer.Argument(..., help="a two-player extensive-form game: kuhn | leduc | openspiel:<name> | "
                                             "game.json (general-sum allowed)"),
        exact: bool = typer.Option(False, "--exact", help="pivot in rational arithmetic (small games)"),
        time_limit: Optional[float] = typer.Option(None, help="seconds Lemke's algorithm may take"),
        players: int = typer.Option(2, help="players of a built-in game (the LCP needs 2)"),
        out: Optional[Path] = typer.Option(None, help="write the equilibrium policy (.json/.npz)"),
    ) -> None:
        """A Nash equilibrium of a two-player extensive-form game: the sequence-form LCP by Lemke's algorithm."""
        from regretlab.core.errors import check_int, check_positive
        from regretlab.games.registry import load
        from regretlab.games.sequence_lcp import sequence_form_lcp

        if time_limit is not None:
            check_positive("--time-limit", time_limit)
        check_int("--players", players, minimum=1)
        if out is not None and out.suffix not in (".json", ".npz"):
            raise ValueError(f"--out must be a .json or .npz file, got {str(out)!r}")
        g = load(game, players)
        print(g.describe())
        if g.num_players != 2:
            raise ValueError(f"the sequence-form LCP needs a 2-player game, {g.name!r} has {g.num_players} players")
        try:
            sol = sequence_form_lcp(g, exact=exact, time_limit=time_limit)
        except (TimeoutError, RuntimeError) as exc:
            raise ValueError(str(exc)) from None
        print(f"game={g.name} method=lemke pivots={sol.pivots} seconds={sol.seconds:.3g} "
              f"nash_conv={sol.nash_conv:.9g}")
        print(f"equilibrium values: player 0 {sol.values[0]:.12g}, player 1 {sol.values[1]:.12g}")
        if sol.exact_values is not None:
            print(f"exact values: {sol.exact_values[0]}, {sol.exact_values[1]}")
        if out is not None:
            from regretlab.games.io import save_policy

            save_policy(g, sol.policy, out)
            print(f"policy written to {out}")
