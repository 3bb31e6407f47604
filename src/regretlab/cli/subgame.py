"""``regretlab subgame``: solve a no-limit hold'em subgame with range-vector CFR and show a
node's strategy grid (:mod:`regretlab.games.subgame`, experiment ``games_subgame``)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

_OPTIONS = {"board": "--board", "pot": "--pot", "stacks": "--stacks", "oop_range": "--oop-range",
            "ip_range": "--ip-range", "bets": "--bets", "raises": "--raises", "raise_cap": "--raise-cap",
            "algo": "--algo", "local": "--local", "iterations": "--iterations", "checkpoint_every": "--every",
            "target_exploitability": "--target-exploitability", "big_blind": "--big-blind",
            "isomorphism": "--isomorphism", "dtype": "--dtype"}


def parse_target(text: str) -> float:
    """``"0.3%"`` or ``"0.3"`` -> 0.3 (% of the pot); ``"0"``: no target."""
    t = str(text).strip()
    try:
        value = float(t[:-1] if t.endswith("%") else t)
    except ValueError:
        raise ValueError(f"--target-exploitability must be a percentage of the pot such as 0.3%, got {text!r}") from None
    if not value >= 0:
        raise ValueError(f"--target-exploitability must be >= 0% of the pot, got {text!r}")
    return value


def print_grid(actions: list[str], grids: object, weight: object, title: str) -> None:
    """One 13x13 table per action: the percentage of the cell's range that takes it ('.' where
    the acting player holds no hand of the cell)."""
    import numpy as np

    from regretlab.games.subgame.ranges import GRID_RANKS

    print(title)
    g = np.asarray(grids)
    w = np.asarray(weight)
    for a, name in enumerate(actions):
        print(f"\n{name}:")
        print("     " + " ".join(f"{r:>4}" for r in GRID_RANKS))
        for i in range(13):
            cells = []
            for j in range(13):
                v = g[a, i, j]
                cells.append("   ." if w[i, j] <= 0 or not np.isfinite(v) else f"{100 * v:4.0f}")
            print(f"  {GRID_RANKS[i]}  " + " ".join(cells))
    print("\nrows: first card, columns: second; suited above the diagonal, offsuit below, pairs on it")


def register(app: typer.Typer) -> None:
    """Add ``regretlab subgame solve`` and ``regretlab subgame show``."""
    sub = typer.Typer(help="No-limit hold'em subgames: range-vector CFR, strategy grids.", no_args_is_help=True)

    @sub.command("solve")
    def solve_cmd(
        board: str = typer.Option(..., "--board", help="3, 4 or 5 cards, e.g. 'Ks7h2d'"),
        pot: float = typer.Option(..., "--pot", help="chips in the pot"),
        stacks: float = typer.Option(..., "--stacks", help="effective stack behind each player (chips)"),
        oop_range: str = typer.Option("full", "--oop-range", help="OOP's range, e.g. 'AA,KK,AKs,QJo:0.5,T9s+,22-55'"),
        ip_range: str = typer.Option("full", "--ip-range", help="IP's range"),
        bets: str = typer.Option("0.33,0.75,allin", "--bets", help="bet sizes as pot fractions, and allin"),
        raises: str = typer.Option("", "--raises", help="raise sizes (default: the bet sizes)"),
        raise_cap: int = typer.Option(3, "--raise-cap", help="bets plus raises per street"),
        algo: str = typer.Option("dcfr", "--algo", help="cfr | cfr+ | linear_cfr | dcfr | pcfr+"),
        local: str = typer.Option("", "--local", help="an experts learner replacing the local rule, e.g. 'hedge(lr=0.5)'"),
        iterations: int = typer.Option(1000, "--iterations", help="most iterations"),
        every: int = typer.Option(25, "--every", help="iterations between exploitability evaluations"),
        target: str = typer.Option("0.3%", "--target-exploitability", help="stop at this exploitability (% of the pot; 0: never)"),
        big_blind: float = typer.Option(1.0, "--big-blind", help="chips per big blind (mbb/hand)"),
        out: Optional[Path] = typer.Option(None, "--out", help="write the strategy per node and hand (.json or .parquet)"),
        plot: Optional[Path] = typer.Option(None, "--plot", help="the root's 13x13 strategy grid (.png/.svg/.pdf)"),
        store: Optional[Path] = typer.Option(None, "--store", help="DuckDB store: the solve becomes a cell of "
                                                                   "experiment games_subgame"),
        seed: int = typer.Option(0, "--seed", help="the cell's seed (CFR draws nothing)"),
        progress: bool = typer.Option(True, "--progress/--no-progress", help="show a progress bar"),
        threads: int = typer.Option(1, "--threads", help="cores of the sweeps (the same numbers at any count)"),
        dtype: str = typer.Option("float64", "--dtype", help="storage of regrets and averages: float64 | float32"),
        dry_run: bool = typer.Option(False, "--dry-run", help="print the tree size and the solver's memory "
                                                              "(bytes per information-set action), then stop"),
        isomorphism: bool = typer.Option(True, "--isomorphism/--no-isomorphism",
                                         help="merge suit-isomorphic turn/river cards (exact)"),
        checkpoint: Optional[Path] = typer.Option(None, "--checkpoint", help="save the solver state here after "
                                                  "each evaluation; resume from it if it exists (bit-identical)"),
    ) -> None:
        """Solve a subgame; shows exploitability as it falls; stores the result with --store."""
        import time
        from dataclasses import asdict

        from regretlab.cli.games import _output_file, _store_curve
        from regretlab.experiments import games_subgame as exp
        from regretlab.games.subgame import export_strategy
        from regretlab.progress import bar

        if seed < 0:
            raise ValueError(f"--seed must be >= 0, got {seed}")
        config = exp.Config(board=board, pot=float(pot), stacks=float(stacks), oop_range=oop_range,
                            ip_range=ip_range, bets=bets, raises=raises, raise_cap=raise_cap, algo=algo, local=local,
                            iterations=iterations, checkpoint_every=every, target_exploitability=parse_target(target),
                            big_blind=float(big_blind), isomorphism=bool(isomorphism), dtype=dtype)
        from regretlab.sweep import validate_config

        validate_config(config, names=_OPTIONS)
        out_path = None if out is None else _output_file("--out", out, (".json", ".parquet"), "strategy.parquet")
        plot_path = None if plot is None else _output_file("--plot", plot, (".png", ".svg", ".pdf"), "root_grid.png")
        cell = None
        if store is not None:
            from regretlab.store import Store
            from regretlab.sweep import Cell

            cell = Cell(exp.NAME, tuple(sorted(asdict(config).items())), seed)
            with Store(store) as st:  # a bad, damaged or busy store fails now, not after the solve
                st.check(exp.NAME)
        from regretlab.games.cfr import check_threads
        from regretlab.games.subgame import make_solver
        from regretlab.games.subgame.checkpoint import load_checkpoint, save_checkpoint

        solver = make_solver(config.algo, config.local, config.iterations, check_threads(threads, "--threads"),
                             config.dtype)
        if checkpoint is not None and solver.fused is None:
            raise ValueError("--checkpoint keeps the state of the regret-matching rules (cfr, cfr+, linear_cfr, dcfr, "
                             "pcfr+); it cannot be combined with --local")
        game = exp.build(config)
        print(game.describe())
        if dry_run:
            from regretlab.core.errors import format_bytes, memory_available

            need = game.solver_bytes(config.dtype)
            avail = memory_available()
            verdict = "unknown" if avail is None else "fits" if need["total"] <= avail else "does NOT fit"
            shown = "an unknown amount" if avail is None else format_bytes(avail)
            print(f"solver={solver.name} dtype={config.dtype} threads={threads}: {need['per_infoset_action']} bytes per "
                  f"information-set action ({game.num_rows * game.max_actions:,} of them: "
                  f"{format_bytes(need['rows'])}), node vectors {format_bytes(need['node_vectors'])}")
            print(f"estimated solver memory {format_bytes(need['total'])}; available {shown}: {verdict}")
            return
        settings = {k: v for k, v in asdict(config).items()
                    if k not in ("iterations", "checkpoint_every", "target_exploitability", "big_blind")}
        resumed, before = None, {"iteration": [], "exploitability_pct": [], "mbb": [], "seconds": []}
        if checkpoint is not None and checkpoint.exists():
            resumed, saved = load_checkpoint(checkpoint, game, settings, "--checkpoint")
            before.update({k: list(saved.get(k, [])) for k in before})
            print(f"resuming from {checkpoint} at iteration {resumed.t}")
        offset = before["seconds"][-1] if before["seconds"] else 0.0
        seen = {k: list(v) for k, v in before.items()}
        started = time.time()
        with bar(iterations, f"{algo} subgame", fields=("exploitability",), disable=not progress) as b:
            def on_eval(state: object, e: dict) -> None:
                b.update(state.t, exploitability=f"{e['pct_pot']:.4g}% pot")  # type: ignore[attr-defined]
                if checkpoint is not None:
                    for k, v in (("iteration", state.t), ("exploitability_pct", e["pct_pot"]),  # type: ignore[attr-defined]
                                 ("mbb", e["mbb"]), ("seconds", offset + e["seconds"])):
                        seen[k].append(v)
                    save_checkpoint(checkpoint, state, settings, seen)

            state, curve = solver.solve(game, config.iterations, state=resumed, every=config.checkpoint_every,
                                        target=config.target_exploitability or None, callback=on_eval)
        curve = {k: before[k] + [offset + x for x in v] if k == "seconds" else before[k] + list(v)
                 for k, v in curve.items()}
        if not curve["iteration"]:
            raise ValueError(f"--checkpoint {str(checkpoint)!r} is already at iteration {state.t} >= --iterations "
                             f"{config.iterations} and holds no curve")
        policy = solver.average_policy(state, game)
        print(f"board={board} algo={solver.name} iterations={state.t} "
              f"exploitability={curve['exploitability_pct'][-1]:.6g}% of the pot "
              f"({curve['mbb'][-1]:.6g} mbb/hand) solver_seconds={curve['seconds'][-1]:.3f}")
        rows = exp.columns(game, policy, curve)
        if out_path is not None:
            print(f"strategy written to {export_strategy(game, policy, str(out_path))}")
        if plot_path is not None:
            from regretlab.games.subgame import node_grid

            actions, grids, weight = node_grid(game, policy, 0)
            labels, probs, ws = _cells(grids, weight)
            written = exp.plot_grid(labels, actions, probs, ws, plot_path, title=f"OOP at the root, {board}")
            print(f"grid written to {written[0]}")
        if cell is not None:
            assert store is not None
            _store_curve(store, cell, rows, started)

    @sub.command("show")
    def show_cmd(
        strategy: Path = typer.Argument(..., help="a strategy file written by 'subgame solve --out' (.parquet or .json)"),
        node: str = typer.Option("root", "--node", help="actions from the root separated by '/', e.g. 'check/bet'"),
        plot: Optional[Path] = typer.Option(None, "--plot", help="also draw the grid (.png/.svg/.pdf)"),
    ) -> None:
        """Print a node's strategy as 13x13 grids (one per action) from a strategy file."""
        from regretlab.cli.games import _output_file

        if not strategy.exists():
            raise FileNotFoundError(f"no strategy file at {strategy}; write one with regretlab subgame solve --out")
        plot_path = None if plot is None else _output_file("--plot", plot, (".png", ".svg", ".pdf"), "grid.png")
        paths = _paths(strategy)
        path = _match(paths, node)
        import numpy as np

        from regretlab.games.subgame.ranges import _CELLS, to_grid

        player, actions, sel = _read(strategy, path)
        values = np.zeros((len(actions[path]), 1326))
        weights = np.zeros(1326)
        for _, combo, a, prob, w in sel:
            values[actions[path].index(a), combo] = prob
            weights[combo] = w
        grids = np.array([to_grid(values[a], weights) for a in range(len(actions[path]))])
        cell_weight = np.zeros((13, 13))
        np.add.at(cell_weight, (_CELLS[:, 0], _CELLS[:, 1]), weights)
        who = "OOP" if player[path] == 0 else "IP"
        print_grid(actions[path], grids, cell_weight, f"{who} at {path} ({strategy})")
        if plot_path is not None:
            from regretlab.experiments import games_subgame as exp

            labels, probs, ws = _cells(grids, cell_weight)
            print(f"grid written to {exp.plot_grid(labels, actions[path], probs, ws, plot_path, title=f'{who} at {path}')[0]}")

    app.add_typer(sub, name="subgame")


def _cells(grids: object, weight: object) -> tuple[list[str], object, object]:
    import numpy as np

    from regretlab.games.subgame.ranges import grid_label

    g, w = np.asarray(grids), np.asarray(weight)
    cells = [(i, j) for i in range(13) for j in range(13) if w[i, j] > 0]
    return ([grid_label(i, j) for i, j in cells], np.array([[g[a, i, j] for a in range(g.shape[0])] for i, j in cells]),
            np.array([w[i, j] for i, j in cells]))


def _paths(path: Path) -> list[str]:
    """The decision-node paths stored in a strategy file, in file order."""
    import json

    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return list(dict.fromkeys(pq.read_table(path, columns=["path"]).column("path").to_pylist()))
    if path.suffix == ".json":
        return [" ".join(n["path"]) or "root" for n in json.loads(path.read_text())["nodes"]]
    raise ValueError(f"the strategy file must end in .parquet or .json, got {str(path)!r}")


def _read(path: Path, want: str) -> tuple[dict, dict, list]:
    """(player per path, actions per path, rows (path, combo, action, probability, weight)) of
    the node ``want`` of a strategy file."""
    import json

    from regretlab.games.subgame.cards import combo_index, parse_cards

    rows, actions, player = [], {}, {}
    if path.suffix == ".parquet":
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        t = table.filter(pc.equal(table["path"], want)).to_pydict()
        for p, pl, combo, a, prob, w in zip(t["path"], t["player"], t["combo"], t["action"], t["probability"],
                                            t["range_weight"]):
            if p not in actions:
                actions[p], player[p] = [], int(pl)
            if a not in actions[p]:
                actions[p].append(a)
            rows.append((p, int(combo), a, float(prob), float(w)))
    else:
        for n in json.loads(path.read_text())["nodes"]:
            p = " ".join(n["path"]) or "root"
            if p != want:
                continue
            actions[p] = list(n["actions"])
            player[p] = 0 if n["player"] == "OOP" else 1
            for hand, entry in n["hands"].items():
                a, b = parse_cards(hand, "hand")
                for act, prob in zip(n["actions"], entry["strategy"]):
                    rows.append((p, combo_index(a, b), act, float(prob), float(entry["weight"])))
    return player, actions, rows


def _match(paths: list[str], node: str) -> str:
    """The stored path named by ``node`` ('root', or actions separated by '/', each matching a
    stored action label or its start)."""
    want = [s.strip() for s in node.split("/") if s.strip()] if node.strip() not in ("", "root") else []
    if not want:
        return "root"
    for p in paths:
        steps = [] if p == "root" else _split(p)
        if len(steps) == len(want) and all(s == w or s.startswith(w) for s, w in zip(steps, want)):
            return p
    raise ValueError(f"no decision node {node!r} in the strategy file; nodes there include: "
                     + ", ".join(p if p == "root" else "/".join(_split(p)) for p in paths[:8]))


def _split(path: str) -> list[str]:
    """Action labels of a stored path ('bet 3.3 call Kh' -> ['bet 3.3', 'call', 'Kh'])."""
    words = path.split()
    out: list[str] = []
    k = 0
    while k < len(words):
        w = words[k]
        if w in ("bet", "raise", "allin") and k + 1 < len(words):
            out.append(f"{w} {words[k + 1]}")
            k += 2
        else:
            out.append(w)
            k += 1
    return out
