"""``regretlab nfg ...`` commands: solve a normal-form game, play repeated games, check gaps.

``register(app)`` adds the ``nfg`` group; the CLI loads every module of ``regretlab.cli``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def _check_size(game: str, actions: int, players: int, what: str, extra: float = 0.0) -> None:
    """Refuse, before generating anything, a game whose payoff tensor cannot fit in memory.

    ``extra``: further bytes per payoff entry the command needs (LP matrices, joint arrays).
    """
    from regretlab.core.errors import check_int
    from regretlab.games.sizes import check_fits, human_count

    k = check_int("--actions", actions)
    p = 2 if game == "zero_sum" else check_int("--players", players)
    cells = k ** p
    entries = p * cells
    label = (f"{game} --players {p} --actions {k}: a payoff tensor of {p} x {k}^{p} = "
             f"{human_count(entries)} numbers; {what}")
    # the generator draws the tensor and the game keeps a validated copy: ~3 copies of 8 bytes
    check_fits(label, entries * 24.0 + cells * extra)


def _load(game: str, actions: int, players: int, seed: int, what: str = "generating it", extra: float = 0.0):
    from pathlib import Path

    from regretlab.games.normal_form import GENERATORS, NormalFormGame, make_game

    if game in GENERATORS:
        if game in ("random", "potential", "zero_sum"):
            _check_size(game, actions, players, what, extra)
        if game in ("random", "potential"):
            return make_game(game, num_actions=actions, num_players=players, seed=seed)
        if game == "zero_sum":
            return make_game(game, num_actions=actions, seed=seed)
        return make_game(game)
    if Path(game).suffix in (".npz", ".json"):
        return NormalFormGame.load(game, what="game file")
    if Path(game).suffix == ".nfg":
        from regretlab.games.gambit import read_nfg

        return read_nfg(game, what="game file")
    raise ValueError(f"game must be one of {', '.join(GENERATORS)} or a .npz/.json/.nfg file, got {game!r}")


def _support_pairs(g) -> int:
    from math import comb

    if g.num_players != 2:
        return 0
    m, n = g.num_actions
    return sum(comb(m, k) * comb(n, k) for k in range(1, min(m, n) + 1))


def _fmt(x) -> str:
    import numpy as np

    return np.array2string(np.asarray(x), precision=4, suppress_small=True, separator=", ")


def _solve_nplayer(g, method: str, time_limit: float, exact: bool) -> None:
    """``nfg solve --method enumerate|gnm|logit-path|simpdiv|ipa|vertex``: print every equilibrium with its NashConv."""
    from regretlab.games.normal_form import nash_conv
    from regretlab.games.normal_form.nplayer import (
        check_limits, enumerate_supports, global_newton, iterated_polymatrix, logit_homotopy,
        simplicial_subdivision,
    )

    check_limits(time_limit, 1)
    if method == "vertex":
        from regretlab.games.normal_form.vertex import vertex_enumeration

        if g.num_players != 2:
            raise ValueError(f"--method vertex needs a 2-player game, this one has {g.num_players} players "
                             "(use enumerate for more)")
        eqs = vertex_enumeration(g, exact=exact, time_limit=time_limit)
        print(f"{len(eqs)} extreme Nash equilibria" + (" (exact, certified)" if exact else ""))
        for x, y in eqs:
            if exact:
                print(f"  x=[{', '.join(map(str, x))}] y=[{', '.join(map(str, y))}]")
            else:
                print(f"  x={_fmt(x)} y={_fmt(y)} NashConv={nash_conv(g, [x, y]):.2e}")
        return
    solver = {"enumerate": enumerate_supports, "gnm": global_newton, "logit-path": logit_homotopy,
              "ipa": iterated_polymatrix, "simpdiv": simplicial_subdivision}[method]
    res = solver(g, time_limit=time_limit, progress=True)
    state = "complete" if res.complete else "stopped at a limit"
    if method == "enumerate" and res.complete:
        state = ("every support visited, certified: these are all the equilibria" if res.certified else
                 f"every support visited, not certified: Newton on {res.info['newton_supports']} supports, "
                 f"{res.info['continuum_supports']} with a continuum")
    print(f"{len(res.equilibria)} Nash equilibria ({method}, {state}, {res.iterations} steps, {res.seconds:.2f} s)")
    for prof, c in zip(res.equilibria, res.nash_conv):
        print("  " + " ".join(f"x{i + 1}={_fmt(x)}" for i, x in enumerate(prof)) + f" NashConv={c:.2e}")


def register(app: typer.Typer) -> None:
    nfg = typer.Typer(help="Normal-form and Markov games: equilibria, gaps, repeated play.", no_args_is_help=True)

    @nfg.command("solve")
    def solve(
        game: str = typer.Argument(..., help="generator name (random, chicken, ...) or a .npz/.json/.nfg file"),
        method: str = typer.Option("support", help="support | enumerate | lemke-howson | gnm | logit-path | simpdiv | ipa | vertex | zero-sum | "
                                   "cce | ce (enumerate, gnm, logit-path, simpdiv, ipa: any number of players)"),
        time_limit: float = typer.Option(60.0, "--time-limit", help="seconds for enumerate/gnm/ipa/vertex"),
        exact: bool = typer.Option(False, "--exact", help="vertex: rational arithmetic, certified equilibria"),
        objective: str = typer.Option("welfare", help="cce/ce objective: welfare | max_entropy"),
        actions: int = typer.Option(3, help="actions per player for random/zero_sum/potential"),
        players: int = typer.Option(2, help="players for random/potential"),
        seed: int = typer.Option(0, help="seed of the generated game"),
        save: Optional[str] = typer.Option(None, help="also write the game to this .npz/.json path"),
    ) -> None:
        """Compute equilibria of a normal-form game and print them with their gaps."""
        from regretlab.games.normal_form import (
            cce_gap, ce_gap, correlated_equilibrium, lemke_howson, nash_conv,
            support_enumeration, zero_sum_nash,
        )

        methods = ("support", "enumerate", "lemke-howson", "gnm", "logit-path", "simpdiv", "ipa", "vertex", "zero-sum", "cce", "ce")
        if method not in methods:
            raise ValueError(f"--method must be one of {', '.join(methods)}, got {method!r}")
        if save and Path(save).suffix not in (".npz", ".json"):
            raise ValueError(f"--save must end in .npz or .json, got {save!r}")
        # the CE/CCE LPs hold a sparse incentive matrix of ~P*K nonzeros per joint action
        extra = 24.0 * max(players, 2) * actions if method in ("cce", "ce") else 0.0
        g = _load(game, actions, players, seed, f"--method {method} on it", extra)
        if save:
            g.save(save)
        print(repr(g))
        if method in ("enumerate", "gnm", "logit-path", "simpdiv", "ipa", "vertex"):
            _solve_nplayer(g, method, time_limit, exact)
        elif method == "support":
            from regretlab.progress import bar

            with bar(_support_pairs(g), "support pairs", transient=True) as b:
                eqs = support_enumeration(g, on_progress=lambda done, total: b.update(done))
            print(f"{len(eqs)} Nash equilibria")
            for x, y in eqs:
                print(f"  x={_fmt(x)} y={_fmt(y)} NashConv={nash_conv(g, [x, y]):.2e}")
        elif method == "lemke-howson":
            if g.num_players != 2:
                raise ValueError(f"--method lemke-howson needs a 2-player game, this one has {g.num_players} "
                                 "players (use enumerate, gnm, simpdiv or ipa)")
            x, y = lemke_howson(g)
            print(f"x={_fmt(x)} y={_fmt(y)} NashConv={nash_conv(g, [x, y]):.2e}")
        elif method == "zero-sum":
            sol = zero_sum_nash(g)
            print(f"value={sol.value:.6f} row={_fmt(sol.row)} col={_fmt(sol.col)}")
        elif method in ("cce", "ce"):
            sol = correlated_equilibrium(g, method, objective)
            print(f"{method} ({sol.objective}) utilities={_fmt(sol.utilities)} "
                  f"cce_gap={cce_gap(g, sol.joint):.2e} ce_gap={ce_gap(g, sol.joint):.2e}")
            print(f"joint=\n{_fmt(sol.joint)}")
        else:
            raise ValueError(f"method must be support, lemke-howson, zero-sum, cce or ce, got {method!r}")

    @nfg.command("play")
    def play_cmd(
        game: str = typer.Argument(..., help="generator name or a .npz/.json file"),
        learner: str = typer.Option("hedge", help="registered learner name"),
        T: int = typer.Option(1000, "--T", help="rounds"),
        runs: int = typer.Option(1, help="independent runs"),
        actions: int = typer.Option(3),
        players: int = typer.Option(2),
        seed: int = typer.Option(0),
        mode: str = typer.Option("expected", help="expected | realized"),
    ) -> None:
        """Self-play of a registered learner; prints the CCE gap and each player's regret."""
        from regretlab.games.normal_form import play, rescale
        from regretlab.run import make_learner

        from regretlab.core.errors import check_int
        from regretlab.progress import bar

        check_int("--T", T)
        check_int("--runs", runs)
        # the joint distribution [runs, K1..KP] and one outer product per round
        g = rescale(_load(game, actions, players, seed, f"playing it with --runs {runs}", 16.0 * runs))
        with bar(T, f"{learner} self-play", transient=True) as b:
            res = play(g, make_learner(learner, T), T, batch=runs, seed=seed, mode=mode, every=T,
                       on_round=lambda n: b.update(n) if n % max(1, T // 200) == 0 or n == T else None)
        print(f"{learner} self-play on {g!r}, T={T}: CCE gap {_fmt(res.cce_gap[-1])}, "
              f"regret/T per player {_fmt(res.regret[-1] / T)}")

    @nfg.command("markov-separation")
    def markov_separation() -> None:
        """The spec §4.3 instance: gap_markov = 0 and gap_general = 0.5 for both players."""
        from regretlab.games.markov import mixture_gaps, separation_instance

        gaps = mixture_gaps(*separation_instance())
        print(f"gap_markov={_fmt(gaps.gap_markov)} gap_general={_fmt(gaps.gap_general)}")

    app.add_typer(nfg, name="nfg")
