"""``regretlab solve`` and ``regretlab play``: solve a game with the CFR family, play against a policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer


def _slug(text: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9_.+=-]+", "_", str(text)).strip("_") or "game"


def _output_file(option: str, path: Path, suffixes: tuple[str, ...], default_name: str) -> Path:
    """Check an output path before any work; a folder (existing, or written with a trailing
    slash) gets ``default_name`` inside it. Returns the file that will be written."""
    import os

    text = str(path)
    if path.is_dir() or text.endswith(("/", os.sep)):
        path = path / default_name
    elif path.suffix.lower() not in suffixes:
        raise ValueError(f"{option} must be a {' or '.join(suffixes)} file or a folder, got {text!r}")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ValueError(f"{option} {text!r}: {str(parent)!r} is a file, not a folder")
            if not os.access(parent, os.W_OK):
                raise ValueError(f"{option} {text!r}: folder {str(parent)!r} is not writable")
            break
    return path


class _BuildBar:
    """A transient bar for tree building, drawn only once a build passes its first report."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None

    def __call__(self, name: str, done: int, total: int | None) -> None:
        if not self.enabled or done == 0:
            return
        if self.bar is None:
            from regretlab.progress import bar

            self.bar = bar(total or 0, f"building {name}", fields=() if total else ("nodes",), transient=True)
        if total:
            self.bar.update(min(done, total))
        else:
            self.bar.update(nodes=f"{done:,}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _load_game(game: str, players: int, params: dict, progress: bool, typed: tuple[str, ...] = ()):
    """The treeplex of ``game``, refused up front when it cannot fit, with a bar while building."""
    from regretlab.games import registry
    from regretlab.games.sizes import check_tree_fits
    from regretlab.games.treeplex import build_progress

    if game in registry.BUILTIN:
        shown = " ".join([game, f"--players {players}", *(f"--param {p}" for p in typed)])
        check_tree_fits(registry.game_definition(game, players, **params), label=shown)
    watcher = _BuildBar(progress)
    try:
        with build_progress(watcher):
            return registry.load(game, players, **params)
    finally:
        watcher.close()


# the options of `solve` by config field of the games_solve experiment, to name them as typed
_SOLVE_OPTIONS = {"players": "--players", "params": "--param", "algo": "--algo",
                  "iterations": "--iterations", "checkpoint_every": "--checkpoint-every", "local": "--local"}


def _store_curve(store: Path, cell: Any, rows: dict, started: float) -> None:
    """Store a solve's curve as its ``games_solve`` cell through the one write path
    (:func:`regretlab.sweep.store_cell`); a store that is busy or damaged by now keeps the cell
    beside it (``<store>.pending/``), added the next time the store is opened."""
    import sys

    from regretlab.store import Store, StoreInUse, save_pending, to_arrow
    from regretlab.sweep import store_cell

    key = cell.key
    table = to_arrow(rows)
    try:
        with Store(store, wait=120.0) as st:
            st.check(cell.experiment)
            store_cell(st, cell, ("ok", table, started, None), key)
    except BaseException as exc:  # busy, damaged or interrupted: keep the computed cell anyway
        kept = save_pending(store, cell.experiment, cell.config, cell.seed, table, started=started, key=key)
        if not isinstance(exc, (StoreInUse, ValueError)):
            print(f"error: interrupted while storing; the curve is kept in {kept} and will be added to "
                  f"{store} the next time it is opened", file=sys.stderr, flush=True)
            raise
        print(f"warning: could not store the curve: {str(exc).split('; ')[0]}", file=sys.stderr, flush=True)
        print(f"kept cell {key} in {kept}; it is added to {store} the next time the store is opened "
              "(any regretlab command on it)")
        return
    print(f"curve stored in {store} (experiment {cell.experiment}, cell {key}); see it with: "
          f"regretlab show {cell.experiment} --store {store}")


def register(app: typer.Typer) -> None:
    """Add the games commands to the ``regretlab`` app."""

    @app.command("solve")
    def solve_cmd(
        game: str = typer.Argument(..., help="kuhn | leduc | holdem | openspiel:<name> | file.json"),
        players: int = typer.Option(2, help="players of a built-in game"),
        algo: str = typer.Option("cfr+", help="cfr | cfr+ | linear_cfr | dcfr | pcfr+ | mccfr-external | mccfr-outcome | "
                                              "mccfr-outcome-vr (VR-MCCFR baselines) | sequence-form-lp (exact, two-player zero-sum)"),
        local: str = typer.Option("", help="an experts learner replacing the algorithm's local rule (general "
                                           "CFR path), e.g. hedge, adahedge or 'hedge(lr=0.5)'"),
        iterations: int = typer.Option(1000, help="total iterations"),
        checkpoint_every: Optional[int] = typer.Option(
            None, help="evaluate exploitability and checkpoint every K iterations (without it: "
                       "evaluate every 100, checkpoint only with --checkpoint)"),
        checkpoint: Optional[Path] = typer.Option(
            None, help="checkpoint file (.npz) or folder; resumed when it exists (default with "
                       "--checkpoint-every: results/checkpoints/<game>-p<players>-<algo>-seed<seed>-every<K>.npz)"),
        resume: bool = typer.Option(True, help="resume from the checkpoint if it exists"),
        out: Optional[Path] = typer.Option(None, help="write the average policy (.json or .npz, or a folder)"),
        store: Optional[Path] = typer.Option(None, help="DuckDB store: the curve becomes a cell of experiment "
                                                        "games_solve (regretlab show / report games_solve)"),
        plot: Optional[Path] = typer.Option(None, help="exploitability curve (.png, .pdf or .svg, or a folder)"),
        seed: int = typer.Option(0, help="seed of the MCCFR samplers (and of a randomised --local rule)"),
        param: list[str] = typer.Option([], help="game parameter key=value (repeatable), e.g. ranks=4, board=1-1"),
        progress: bool = typer.Option(True, help="show a progress bar"),
        threads: int = typer.Option(1, help="cores of the compiled CFR sweeps (the same numbers at any "
                                            "count; numba.set_num_threads)"),
        dtype: str = typer.Option("float64", help="storage of regrets and averages: float64 or float32 "
                                                  "(half the memory; built-in regret-matching rules)"),
        dry_run: bool = typer.Option(False, "--dry-run", help="build the game, print the solver's memory "
                                                              "(bytes per information-set action) and stop"),
    ) -> None:
        """Solve GAME; shows exploitability as it goes; checkpoints resume bit-identically; with
        --store the curve is a cell of the experiment games_solve."""
        import sys
        import time
        from dataclasses import asdict

        from regretlab.core.errors import check_int
        from regretlab.experiments import games_solve
        from regretlab.games.io import save_policy
        from regretlab.games.solve import (
            checkpoint_problem,
            default_checkpoint,
            make_for,
            parse_params,
            solve,
            solver_label,
        )
        from regretlab.plot import exploitability_curves
        from regretlab.progress import bar

        def note(text: str) -> None:
            print(text, file=sys.stderr, flush=True)

        # every check of the arguments before any work
        from regretlab.games.registry import BUILTIN

        check_int("--players", players, minimum=2 if game in BUILTIN else 1)
        check_int("--iterations", iterations, minimum=1)
        from regretlab.games.cfr import check_threads

        check_threads(threads, "--threads")
        from regretlab.games.local import check_dtype

        dtype = check_dtype(dtype, "--dtype")
        if store is not None and dtype != "float64":
            raise ValueError("--store keeps float64 solves only (the games_solve cell has no dtype "
                             "field); solve with --dtype float32 without --store")
        every = 100 if checkpoint_every is None else check_int("--checkpoint-every", checkpoint_every, minimum=1)
        if seed < 0:
            raise ValueError(f"--seed must be >= 0, got {seed}")
        params_text = ",".join(param)
        parse_params(params_text)
        config = games_solve.Config(game=game, players=players, params=params_text, algo=algo,
                                    iterations=iterations, checkpoint_every=every, local=local)
        config.validate(_SOLVE_OPTIONS)  # unknown --algo or --local: one line now, not after building the game
        from dataclasses import replace

        solve_config = replace(games_solve.solve_config(config, seed), dtype=dtype)
        if dtype != "float64":
            make_for(solve_config, "--algo", "--local")  # a rule float32 cannot run: one line now
        label = solver_label(algo, local)
        stem = f"{_slug(Path(game).stem if game.endswith('.json') else game)}-{_slug(label)}"
        out_path = None if out is None else _output_file("--out", out, (".json", ".npz"), f"{stem}-policy.json")
        plot_path = None if plot is None else _output_file("--plot", plot, (".png", ".pdf", ".svg"),
                                                           f"{stem}-exploitability.png")
        ck_path, problem = None, None
        if checkpoint is not None or checkpoint_every is not None:
            problem = checkpoint_problem(make_for(solve_config, "--algo", "--local"))
            if problem is not None and checkpoint is not None:
                raise ValueError(f"--checkpoint: {problem}, so this solve cannot checkpoint; "
                                 "solve without --checkpoint")
            if problem is None:
                default = default_checkpoint(solve_config)
                ck_path = default if checkpoint is None else _output_file("--checkpoint", checkpoint, (".npz",),
                                                                          default.name)
        cell = None
        if store is not None:
            from regretlab.store import Store
            from regretlab.sweep import Cell

            cell = Cell(games_solve.NAME, tuple(sorted(asdict(config).items())), seed)
            with Store(store) as st:  # a bad, damaged or busy store fails now, not after the solve
                st.check(games_solve.NAME)

        tp = _load_game(game, players, parse_params(params_text), progress, tuple(param))
        note(tp.describe())
        if dry_run:
            from regretlab.games.sizes import available_memory, human_bytes, solver_bytes

            sb = solver_bytes(tp, algo, dtype, threads)
            avail = available_memory()
            print(f"game={tp.name} nodes={tp.num_nodes} infosets={tp.num_infosets} "
                  f"max_actions={tp.max_actions} infoset_actions={sb.infoset_actions}")
            print(f"solver={label} dtype={dtype} threads={threads}: {sb.per_infoset_action} bytes per "
                  f"information-set action, {sb.per_node} bytes per node")
            verdict = ("unknown" if avail is None else "fits" if sb.total <= avail else "does NOT fit")
            shown = "an unknown amount" if avail is None else human_bytes(avail)
            print(f"estimated solver memory {human_bytes(sb.total)} ({sb.describe()}); "
                  f"available {shown}: {verdict}")
            return
        if checkpoint_every is not None and ck_path is None:
            note(f"evaluating every {every} iterations; no checkpoint: {problem}")
        if ck_path is not None:
            exists = ck_path.exists()
            if exists and not resume:
                note(f"checkpoint {ck_path} exists; --no-resume: starting over and overwriting it")
            elif not exists:
                note(f"checkpointing every {every} iterations to {ck_path} (rerun the same command to resume)")

        started = time.time()
        with bar(iterations, label, fields=("exploitability",), disable=not progress) as b:
            def on_resume(t: int) -> None:
                if t >= iterations:
                    note(f"resumed from iteration {t} of checkpoint {ck_path}: nothing left to run "
                         f"(ask for more than --iterations {iterations} to go on)")
                else:
                    note(f"resumed from iteration {t} of checkpoint {ck_path}; running to {iterations}")
                b.update(min(t, iterations))

            def on_checkpoint(t: int, e: float) -> None:
                b.update(t, exploitability=e)

            solver, state, curve = solve(solve_config, tp, checkpoint=ck_path, resume=resume,
                                         on_checkpoint=on_checkpoint, on_resume=on_resume,
                                         checkpoint_name="--checkpoint", threads=threads)
        policy = solver.average_policy(state, tp)
        print(f"game={tp.name} algo={label} iterations={state.t} "
              f"exploitability={curve['exploitability'][-1]:.9g} "
              f"nash_conv={curve['nash_conv'][-1]:.9g}")
        if algo == "sequence-form-lp":
            print(f"game value for player 0: {state.value:.12g} (sequence-form LP, exact up to HiGHS' 1e-10 tolerances)")
        if ck_path is not None:
            print(f"checkpoint {ck_path} (iteration {state.t})")
        if out_path is not None:
            save_policy(tp, policy, out_path)
            print(f"policy written to {out_path}")
        if cell is not None:
            assert store is not None
            _store_curve(store, cell, games_solve.columns(curve), started)
        if plot_path is not None:
            written = exploitability_curves({label: curve}, plot_path, title=f"{tp.name}")
            print(f"plot written to {written}")

    @app.command("play")
    def play_cmd(
        game: str = typer.Argument("leduc", help="kuhn | leduc"),
        players: int = typer.Option(2, help="number of players (you take one seat)"),
        seat: int = typer.Option(0, help="your seat (0 acts first)"),
        policy: Optional[Path] = typer.Option(None, help="opponents' policy file; default: solve with CFR+"),
        iterations: int = typer.Option(2000, help="CFR+ iterations when no --policy is given"),
        hands: int = typer.Option(1, help="hands to play"),
        seed: int = typer.Option(0, help="seed for cards and the bots' actions"),
        progress: bool = typer.Option(True, help="show a progress bar while solving"),
    ) -> None:
        """Play GAME in the terminal against a solved policy (type fold/call/raise or f/c/r)."""
        import numpy as np

        from regretlab.core.errors import check_int
        from regretlab.games import registry
        from regretlab.games.cfr import cfr_plus
        from regretlab.games.io import load_policy
        from regretlab.games.render import describe_action, render
        from regretlab.games.treeplex import CHANCE, TERMINAL
        from regretlab.progress import bar

        check_int("--players", players, minimum=2)
        check_int("--iterations", iterations, minimum=1)
        check_int("--hands", hands, minimum=1)
        if not 0 <= seat < players:
            raise ValueError(f"--seat must be in [0, {players}), got {seat}")
        if policy is not None and not policy.exists():
            raise FileNotFoundError(f"--policy {str(policy)!r} does not exist")
        gdef = registry.game_definition(game, players)
        tp = _load_game(game, players, {}, progress)
        if policy is not None:
            sigma = load_policy(tp, policy, what="--policy")
        else:
            solver = cfr_plus()
            with bar(iterations, "cfr+ (the bots' policy)", transient=True, disable=not progress) as b:
                state = solver.solve(tp, iterations, every=max(1, iterations // 100),
                                     callback=lambda st: b.update(st.t))
            sigma = solver.average_policy(state, tp)
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
