"""``regretlab solve`` and ``regretlab play``: solve a game with the CFR family, play against a policy."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    """Add the games commands to the ``regretlab`` app."""

    @app.command("solve")
    def solve_cmd(
        game: str = typer.Argument(..., help="kuhn | leduc | holdem | openspiel:<name> | file.json"),
        players: int = typer.Option(2, help="players of a built-in game"),
        algo: str = typer.Option("cfr+", help="cfr | cfr+ | linear_cfr | dcfr | pcfr+ | mccfr-external | mccfr-outcome"),
        iterations: int = typer.Option(1000, help="total iterations"),
        checkpoint_every: int = typer.Option(100, help="evaluate exploitability and checkpoint every K iterations"),
        checkpoint: Optional[Path] = typer.Option(None, help="checkpoint file (.npz); resumed when it exists"),
        resume: bool = typer.Option(True, help="resume from --checkpoint if it exists"),
        out: Optional[Path] = typer.Option(None, help="write the average policy (.json or .npz)"),
        store: Optional[Path] = typer.Option(None, help="DuckDB store for the exploitability curve"),
        plot: Optional[Path] = typer.Option(None, help="PNG of the exploitability curve"),
        seed: int = typer.Option(0, help="seed of the MCCFR samplers"),
        param: list[str] = typer.Option([], help="game parameter key=value (repeatable), e.g. ranks=4, board=1-1"),
        progress: bool = typer.Option(True, help="show a progress bar"),
    ) -> None:
        """Solve GAME; prints exploitability as it goes; checkpoints resume bit-identically."""
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        from regretlab.games import registry
        from regretlab.games.io import save_policy
        from regretlab.games.solve import SolveConfig, parse_params, plot_curve, solve

        console = Console(stderr=True)
        params_text = ",".join(param)
        config = SolveConfig(game, players, algo, iterations, checkpoint_every, seed, params_text)
        tp = registry.load(game, players, **parse_params(params_text))
        console.print(f"{tp!r}")
        with Progress(
            TextColumn("[bold]{task.fields[algo]}[/]"), BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TextColumn("exploitability [cyan]{task.fields[expl]}[/]"), TimeElapsedColumn(),
            console=console, disable=not progress, transient=False,
        ) as bar:
            task = bar.add_task("solve", total=iterations, algo=algo, expl="-")

            def on_checkpoint(t: int, e: float) -> None:
                bar.update(task, completed=t, expl=f"{e:.6g}")

            solver, state, curve = solve(config, tp, checkpoint=checkpoint, resume=resume,
                                         on_checkpoint=on_checkpoint)
        policy = solver.average_policy(state, tp)
        print(f"game={tp.name} algo={algo} iterations={state.t} "
              f"exploitability={curve['exploitability'][-1]:.9g} "
              f"nash_conv={curve['nash_conv'][-1]:.9g}")
        if out is not None:
            save_policy(tp, policy, out)
            print(f"policy written to {out}")
        if store is not None:
            from regretlab.store import Store

            with Store(store) as st:
                key = st.put("games_solve", config, seed, {k: curve[k] for k in curve})
            print(f"curve stored in {store} (experiment games_solve, cell {key})")
        if plot is not None:
            plot_curve({algo: curve}, plot, title=f"{tp.name}")
            print(f"plot written to {plot}")

    @app.command("play")
    def play_cmd(
        game: str = typer.Argument("leduc", help="kuhn | leduc"),
        players: int = typer.Option(2, help="number of players (you take one seat)"),
        seat: int = typer.Option(0, help="your seat (0 acts first)"),
        policy: Optional[Path] = typer.Option(None, help="opponents' policy file; default: solve with CFR+"),
        iterations: int = typer.Option(2000, help="CFR+ iterations when no --policy is given"),
        hands: int = typer.Option(1, help="hands to play"),
        seed: int = typer.Option(0, help="seed for cards and the bots' actions"),
    ) -> None:
        """Play GAME in the terminal against a solved policy (type fold/call/raise or f/c/r)."""
        import numpy as np

        from regretlab.games import registry
        from regretlab.games.cfr import cfr_plus
        from regretlab.games.io import load_policy
        from regretlab.games.render import describe_action, render
        from regretlab.games.treeplex import CHANCE, TERMINAL

        gdef = registry.game_definition(game, players)
        tp = registry.load(game, players)
        if not 0 <= seat < players:
            raise ValueError(f"seat must be in [0, {players}), got {seat}")
        if policy is not None:
            sigma = load_policy(tp, policy)
        else:
            solver = cfr_plus()
            sigma = solver.average_policy(solver.solve(tp, iterations), tp)
        rng = np.random.default_rng(seed)
        total = 0.0
        for h in range(hands):
            s = gdef.initial_state()
            while gdef.current_player(s) != TERMINAL:
                cur = gdef.current_player(s)
                if cur == CHANCE:
                    acts, probs = zip(*gdef.chance_outcomes(s))
                    s = gdef.apply(s, int(rng.choice(acts, p=np.array(probs) / sum(probs))))
                    continue
                legal = list(gdef.legal_actions(s))
                if cur == seat:
                    print(render(gdef, s, seat))
                    a = _ask(gdef, legal)
                else:
                    row = sigma[tp.infoset_index(gdef.infoset_key(s))][: len(legal)]
                    a = legal[int(rng.choice(len(legal), p=row / row.sum()))]
                    print(f"P{cur}: {describe_action(gdef, s, a)}")
                s = gdef.apply(s, a)
            print(render(gdef, s, seat))
            total += gdef.returns(s)[seat]
            print(f"hand {h + 1}: you {gdef.returns(s)[seat]:+g}, total {total:+g}\n")


def _ask(gdef, legal: list[int]) -> int:
    names = {gdef.action_name(a).lower(): a for a in legal}
    short = {n[0]: a for n, a in names.items()}
    aliases = {"check": "call", "bet": "raise", "k": "call", "b": "raise", "x": "call"}
    while True:
        try:
            text = input("your action> ").strip().lower()
        except EOFError:
            raise typer.Abort() from None
        if text in names:
            return names[text]
        if text in short:
            return short[text]
        if aliases.get(text) in names:
            return names[aliases[text]]
        print(f"choose one of: {', '.join(names)}")
