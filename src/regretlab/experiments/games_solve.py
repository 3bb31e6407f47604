"""One solve of an extensive-form game as an experiment: a CFR-family or MCCFR solver run for
``iterations`` iterations, the exploitability of its average strategy evaluated every
``checkpoint_every`` iterations (and at the last one).

``regretlab solve`` runs this experiment's config with a progress bar and checkpoints, and
stores its curve as a ``games_solve`` cell (:func:`regretlab.sweep.store_cell`); a cell of
``regretlab sweep games_solve --grid 'algo=cfr,cfr+ iterations=100,1000'`` or ``regretlab run
games_solve`` is the same cell, so each skips what the other stored. Rows: one per evaluation,
columns ``iteration``, ``exploitability`` (NashConv / P), ``nash_conv`` and ``seconds`` (solver
time so far; the only column that is not the same on every run).

The cell's seed seeds MCCFR's sampling and a randomised local rule; the CFR family draws
nothing, so its curve is the same for every seed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Mapping

import numpy as np

from regretlab.experiments import Experiment, register_experiment

NAME = "games_solve"


@dataclass(frozen=True)
class Config:
    """What ``regretlab solve`` solves (its options of the same names).

    Attributes:
        game: ``kuhn``, ``leduc``, ``holdem``, ``openspiel:<name>`` or a game ``.json`` file.
        players: players of a built-in game.
        params: game parameters ``"key=value,key=value"`` (hold'em, OpenSpiel), e.g.
            ``"ranks=3,board=1"``.
        algo: ``cfr``, ``cfr+``, ``linear_cfr``, ``dcfr``, ``pcfr+``, ``mccfr-external`` or
            ``mccfr-outcome``, or ``sequence-form-lp`` (the exact equilibrium of a two-player
            zero-sum game by one LP, :mod:`regretlab.games.sequence_form`: its curve is one point
            at iteration 1, and ``iterations`` / ``checkpoint_every`` do not apply).
        iterations: total iterations.
        checkpoint_every: evaluation period K: the curve has a point every K iterations and at
            the last one (``regretlab solve`` also checkpoints there).
        local: ``""`` (the algorithm's own rule) or a registered experts learner that replaces
            it, ``name`` or ``name(key=value, ...)``, e.g. ``hedge`` or ``hedge(lr=0.5)``
            (:func:`regretlab.games.solve.local_rule`); the algorithm keeps its averaging and
            update order, and a rule other than the regret-matching ones runs CFR's general path.
    """

    game: str = "leduc"
    players: int = 2
    params: str = ""
    algo: str = "cfr+"
    iterations: int = 1000
    checkpoint_every: int = 100
    local: str = ""

    # the learner names here are not learners' (``algo`` names a solver): validate() checks them
    learner_fields: ClassVar[tuple[str, ...]] = ()

    def validate(self, names: Mapping[str, str] | None = None) -> None:
        """Check every field before any work; errors name a field as ``names`` says it was
        typed (``{"algo": "--algo"}``), else by its own name."""
        from regretlab.core.errors import check_int
        from regretlab.games.registry import BUILTIN
        from regretlab.games.solve import check_algo, local_rule, parse_params

        def label(field: str) -> str:
            return (names or {}).get(field, field)

        if not isinstance(self.game, str) or not self.game.strip():
            raise ValueError(f"{label('game')} must be a game name or file, got {self.game!r}")
        if not (self.game in BUILTIN or self.game.startswith("openspiel:") or self.game.endswith(".json")):
            raise ValueError(f"unknown {label('game')} {self.game!r}; expected one of {sorted(set(BUILTIN))}, "
                             "'openspiel:<name>' or a path ending in .json")
        check_int(label("players"), self.players, minimum=2 if self.game in BUILTIN else 1)
        check_int(label("iterations"), self.iterations, minimum=1)
        check_int(label("checkpoint_every"), self.checkpoint_every, minimum=1)
        check_algo(self.algo, label("algo"))
        if not isinstance(self.params, str):
            raise TypeError(f"{label('params')} must be 'key=value,...' text, got {self.params!r}")
        try:
            parse_params(self.params)
        except ValueError as exc:
            raise ValueError(f"{label('params')}: {exc}") from None
        if not isinstance(self.local, str):
            raise TypeError(f"{label('local')} must be an experts learner name, got {self.local!r}")
        if self.local and self.algo == "sequence-form-lp":
            raise ValueError(f"{label('local')} does not apply to {label('algo')} sequence-form-lp "
                             f"(an LP has no local rule), got {self.local!r}")
        if self.local:
            local_rule(self.local, self.iterations, label("local"))


def solve_config(config: Config, seed: int) -> Any:
    """The :class:`regretlab.games.solve.SolveConfig` of a cell (``seed``: MCCFR's)."""
    from regretlab.games.solve import SolveConfig

    return SolveConfig(config.game, config.players, config.algo, config.iterations,
                       config.checkpoint_every, int(seed), config.params, config.local)


def load_game(config: Config) -> Any:
    """The treeplex of ``config.game``, refused up front when a built-in tree cannot fit."""
    from regretlab.games import registry
    from regretlab.games.sizes import check_tree_fits
    from regretlab.games.solve import parse_params

    params = parse_params(config.params)
    if config.game in registry.BUILTIN:
        check_tree_fits(registry.game_definition(config.game, config.players, **params))
    return registry.load(config.game, config.players, **params)


def columns(curve: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """A solve's curve (:func:`regretlab.games.solve.solve`) as this experiment's rows."""
    return {"iteration": np.asarray(curve["iteration"], dtype=np.int64),
            "exploitability": np.asarray(curve["exploitability"], dtype=np.float64),
            "nash_conv": np.asarray(curve["nash_conv"], dtype=np.float64),
            "seconds": np.asarray(curve["seconds"], dtype=np.float64)}


def run(config: Config, seed: int) -> dict[str, np.ndarray]:
    """Solve ``config.game`` with ``config.algo``: the exploitability curve (module docstring)."""
    from regretlab.games.solve import solve

    config.validate()
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    _, _, curve = solve(solve_config(config, seed), load_game(config))
    return columns(curve)


# -- analysis ----------------------------------------------------------------------------------
def _cells(rows: Any) -> list[tuple[str, dict[str, np.ndarray]]]:
    """Stored rows split by cell, each labelled by what tells it apart from the others:
    ``algo[local]``, then any other config field that differs, then the seed when seeds differ.
    Rows not from the store are one cell labelled by nothing more than ``solve``."""
    cols = rows.to_pydict() if hasattr(rows, "to_pydict") else dict(rows)
    cols = {k: np.asarray(v) for k, v in cols.items()}
    if "cell_key" not in cols:
        return [("solve", cols)]
    keys = list(dict.fromkeys(cols["cell_key"].tolist()))
    parts = []
    for key in keys:
        mask = cols["cell_key"] == key
        part = {k: v[mask] for k, v in cols.items()}
        config = json.loads(str(part["cell_config"][0])) if "cell_config" in part else {}
        seed = int(part["cell_seed"][0]) if "cell_seed" in part else 0
        parts.append((config, seed, part))
    fields = sorted({f for c, _, _ in parts for f in c} - {"algo", "local"})
    differ = [f for f in fields if len({json.dumps(c.get(f)) for c, _, _ in parts}) > 1]
    seeds = len({s for _, s, _ in parts}) > 1
    from regretlab.games.solve import solver_label

    out = []
    for config, seed, part in parts:
        label = solver_label(str(config.get("algo", "solve")), str(config.get("local", "")))
        extra = [f"{f}={config.get(f)}" for f in differ] + ([f"seed={seed}"] if seeds else [])
        out.append((" ".join([label, *extra]), part))
    return out


def _title(rows: Any) -> str:
    cols = rows.to_pydict() if hasattr(rows, "to_pydict") else dict(rows)
    games = sorted({json.loads(c).get("game", "") for c in cols.get("cell_config", [])} - {""})
    return ", ".join(games) or "solve"


def plot(rows: Any, outdir: Path) -> list[Path]:
    """Exploitability of the average strategy against iterations and against solver time (log-log),
    a line per cell (:func:`regretlab.plot.exploitability_curves`)."""
    from regretlab.plot import companions, exploitability_curves

    curves = {}
    for label, part in _cells(rows):
        order = np.argsort(part["iteration"], kind="stable")
        curves[label] = {"iteration": part["iteration"][order], "exploitability": part["exploitability"][order]}
        if "seconds" in part:
            curves[label]["seconds"] = part["seconds"][order]
    return companions(exploitability_curves(curves, Path(outdir) / f"{NAME}_exploitability.png", title=_title(rows)))


def summarize(rows: Any) -> list[Any]:
    """Per cell: the last iteration's exploitability and NashConv, and the solver's seconds; and
    the verdict that exploitability at the last iteration is below its first evaluation's (the
    average strategy converges). Seeds of one config are separate cells (one curve each)."""
    from regretlab.summary import Verdict

    out: list[Any] = []
    verdicts: list[Any] = []
    cells = _cells(rows)
    for label, part in cells:
        last = int(np.argmax(part["iteration"]))
        first = int(np.argmin(part["iteration"]))
        t = int(part["iteration"][last])
        prefix = f"{label}: " if len(cells) > 1 else ""
        out += [(f"{prefix}exploitability at iteration {t}", float(part["exploitability"][last])),
                (f"{prefix}NashConv at iteration {t}", float(part["nash_conv"][last])),
                (f"{prefix}solver seconds", float(part["seconds"][last]))]
        if first != last:
            t0, e0 = int(part["iteration"][first]), float(part["exploitability"][first])
            verdicts.append(Verdict(f"{prefix}converges: below iteration {t0}'s", float(part["exploitability"][last]),
                                    (None, e0), holds=bool(part["exploitability"][last] < e0)))
    return out + verdicts


register_experiment(Experiment(
    NAME, Config, run, plot,
    demo={"game": "kuhn", "algo": "cfr+", "iterations": 300},
    summarize=summarize,
    description="one regretlab solve: exploitability of a CFR-family or MCCFR solver's average strategy "
                "against iterations",
    reference="Zinkevich et al. 2007 (CFR); Tammelin 2014 (CFR+); Lanctot et al. 2009 (MCCFR)",
))
