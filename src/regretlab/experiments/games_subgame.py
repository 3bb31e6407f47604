"""One hold'em subgame solve as an experiment: range-vector CFR on a no-limit river, turn or
flop spot, the exploitability of its average strategy (in % of the pot and mbb/hand) every
``checkpoint_every`` iterations until ``target_exploitability`` or ``iterations``.

``regretlab subgame solve`` runs this experiment's config with a progress bar and stores the
cell through :func:`regretlab.sweep.store_cell`, so ``regretlab run games_subgame`` and a sweep
give the same cell. Rows: ``part = "curve"`` rows (``iteration``, ``exploitability_pct``,
``mbb``, ``seconds``: solver time without evaluation, the only column that changes run to run)
and ``part = "root"`` rows: the root's strategy per 13x13 grid cell and action
(``cell``, ``action``, ``probability``, ``weight`` = the OOP range in the cell) for the grid
figure. CFR draws nothing: every seed gives the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Mapping

import numpy as np

from regretlab.experiments import Experiment, register_experiment

NAME = "games_subgame"


@dataclass(frozen=True)
class Config:
    """What ``regretlab subgame solve`` solves (its options of the same names).

    Attributes:
        board: 3, 4 or 5 cards, e.g. ``"Ks7h2d"``.
        pot: chips in the pot.
        stacks: effective stack behind each player, in chips.
        oop_range: the out-of-position player's range (``"AA,KK,AKs,QJo:0.5"``; ``"full"``).
        ip_range: the in-position player's range.
        bets: bet sizes as pot fractions, with ``allin``: ``"0.33,0.75,allin"``.
        raises: raise sizes (``""``: the bet sizes).
        raise_cap: bets plus raises per street.
        algo: ``cfr``, ``cfr+``, ``linear_cfr``, ``dcfr`` or ``pcfr+``.
        local: ``""`` or a registered experts learner replacing the algorithm's local rule
            (``hedge(lr=0.5)``): the general path, batched over the information sets.
        iterations: most iterations.
        checkpoint_every: iterations between exploitability evaluations.
        target_exploitability: stop once the exploitability is at most this, % of the pot
            (0: run every iteration).
        big_blind: chips per big blind (mbb/hand).
        isomorphism: merge suit-isomorphic turn/river cards into one chance branch (exact).
        dtype: storage of regrets, averages and predictions: ``float64``, or ``float32`` (half
            the bytes; the fused rules only).
    """

    board: str = "Ks7h2d3c8s"
    pot: float = 10.0
    stacks: float = 95.0
    oop_range: str = "full"
    ip_range: str = "full"
    bets: str = "0.33,0.75,allin"
    raises: str = ""
    raise_cap: int = 3
    algo: str = "dcfr"
    local: str = ""
    iterations: int = 1000
    checkpoint_every: int = 25
    target_exploitability: float = 0.3
    big_blind: float = 1.0
    isomorphism: bool = True
    dtype: str = "float64"

    learner_fields: ClassVar[tuple[str, ...]] = ()
    size_fields: ClassVar[tuple[str, ...]] = ("iterations", "checkpoint_every", "raise_cap")

    def validate(self, names: Mapping[str, str] | None = None) -> None:
        """Every field checked before any work (the ranges, board, bets and sizes too)."""
        from regretlab.games.subgame.cards import parse_cards
        from regretlab.games.subgame.ranges import parse_range
        from regretlab.games.subgame.tree import parse_bets

        def label(field: str) -> str:
            return (names or {}).get(field, field)

        try:
            board = parse_cards(self.board, label("board"))
        except (TypeError, ValueError) as exc:
            raise ValueError(str(exc)) from None
        if len(board) not in (3, 4, 5):
            raise ValueError(f"{label('board')} must have 3, 4 or 5 cards, got {len(board)}")
        for f in ("pot", "stacks", "big_blind", "target_exploitability"):
            v = getattr(self, f)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
                raise ValueError(f"{label(f)} must be a number, got {v!r}")
        if self.pot <= 0:
            raise ValueError(f"{label('pot')} must be > 0 chips, got {self.pot:g}")
        if self.stacks < 0:
            raise ValueError(f"{label('stacks')} must be >= 0 chips behind, got {self.stacks:g}")
        if self.big_blind <= 0:
            raise ValueError(f"{label('big_blind')} must be > 0 chips, got {self.big_blind:g}")
        if self.target_exploitability < 0:
            raise ValueError(f"{label('target_exploitability')} must be >= 0 (% of the pot), got "
                             f"{self.target_exploitability:g}")
        for f, what in (("oop_range", "the OOP range"), ("ip_range", "the IP range")):
            try:
                parse_range(getattr(self, f), board=board, what=f"{label(f)}")
            except (TypeError, ValueError) as exc:
                raise ValueError(str(exc)) from None
        try:
            parse_bets(self.bets)
            if self.raises:
                parse_bets(self.raises)
        except ValueError as exc:
            raise ValueError(f"{label('bets')}: {exc}") from None
        from regretlab.games.solve import local_rule

        if self.algo not in ("cfr", "cfr+", "linear_cfr", "dcfr", "pcfr+"):
            raise ValueError(f"{label('algo')} must be one of cfr, cfr+, linear_cfr, dcfr, pcfr+, got {self.algo!r}")
        if self.local:
            local_rule(self.local, self.iterations, label("local"))
        if self.dtype not in ("float64", "float32"):
            raise ValueError(f"{label('dtype')} must be float64 or float32, got {self.dtype!r}")
        if self.dtype == "float32" and self.local:
            raise ValueError(f"{label('dtype')} float32 stores the regret-matching rules' arrays; "
                             f"it cannot be combined with {label('local')} {self.local!r}")


def build(config: Config) -> Any:
    """The :class:`~regretlab.games.subgame.SubgameGame` of ``config``."""
    from regretlab.games.subgame import subgame

    return subgame(config.board, config.pot, config.stacks, config.oop_range, config.ip_range, bets=config.bets,
                   raises=config.raises or None, raise_cap=config.raise_cap, big_blind=config.big_blind,
                   isomorphism=bool(config.isomorphism))


def solve(config: Config, callback: Any = None) -> tuple[Any, Any, Any, dict]:
    """(game, solver, state, curve) of ``config`` (:meth:`SubgameCFR.solve`)."""
    from regretlab.games.subgame import make_solver

    config.validate()
    game = build(config)
    solver = make_solver(config.algo, config.local, config.iterations, dtype=config.dtype)
    target = config.target_exploitability if config.target_exploitability > 0 else None
    state, curve = solver.solve(game, config.iterations, every=config.checkpoint_every, target=target,
                                callback=callback)
    return game, solver, state, curve


def columns(game: Any, policy: np.ndarray, curve: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """This experiment's rows from a solve: the curve, then the root's grid (module docstring)."""
    from regretlab.games.subgame import node_grid
    from regretlab.games.subgame.ranges import grid_label

    actions, grids, weight = node_grid(game, policy, 0)
    n = len(curve["iteration"])
    cells = [(i, j) for i in range(13) for j in range(13) if weight[i, j] > 0]
    m = len(cells) * len(actions)
    nan = [float("nan")] * m
    return {
        "part": np.array(["curve"] * n + ["root"] * m),
        "iteration": np.array(list(curve["iteration"]) + [-1] * m, dtype=np.int64),
        "exploitability_pct": np.array(list(curve["exploitability_pct"]) + nan, dtype=np.float64),
        "mbb": np.array(list(curve["mbb"]) + nan, dtype=np.float64),
        "seconds": np.array(list(curve["seconds"]) + nan, dtype=np.float64),
        "cell": np.array([""] * n + [grid_label(i, j) for i, j in cells for _ in actions]),
        "action": np.array([""] * n + [a for _ in cells for a in actions]),
        "probability": np.array([float("nan")] * n + [float(grids[k, i, j]) for i, j in cells
                                                       for k in range(len(actions))], dtype=np.float64),
        "weight": np.array([float("nan")] * n + [float(weight[i, j]) for i, j in cells for _ in actions],
                           dtype=np.float64),
    }


def run(config: Config, seed: int) -> dict[str, np.ndarray]:
    """Solve the spot (module docstring); ``seed`` is unused (CFR is deterministic)."""
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    game, solver, state, curve = solve(config)
    return columns(game, solver.average_policy(state, game), curve)


# -- analysis ----------------------------------------------------------------------------------
def _cols(rows: Any) -> dict[str, np.ndarray]:
    cols = rows.to_pydict() if hasattr(rows, "to_pydict") else dict(rows)
    return {k: np.asarray(v) for k, v in cols.items()}


def _title(cols: Mapping[str, np.ndarray]) -> str:
    import json

    configs = {str(c) for c in cols.get("cell_config", [])}
    if len(configs) == 1:
        c = json.loads(configs.pop())
        return f"{c.get('board', '')}, pot {c.get('pot', '')}, stacks {c.get('stacks', '')}, {c.get('algo', '')}"
    return "hold'em subgame"


def plot_grid(labels: list[str], actions: list[str], probability: np.ndarray, weight: np.ndarray,
              out: Path, title: str = "") -> list[Path]:
    """A node's strategy as a 13x13 grid (rows and columns A..2, suited above the diagonal):
    each cell split into bars of the action probabilities, the cell's range weight as opacity.

    Args:
        labels: cell labels ``"AKs"`` of the rows of ``probability``.
        actions: the action labels.
        probability: ``[cells, A]``.
        weight: ``[cells]`` range weight per cell.
        out: PNG path (SVG and PDF beside it).
        title: the setting line of the title.
    """
    from regretlab import plot_style as style
    from regretlab.games.subgame.ranges import GRID_RANKS

    fig, ax = style.figure(width=6.4, height=6.4)
    palette = ["#4c72b0", "#55a868", "#c44e52", "#8172b2", "#ccb974", "#64b5cd", "#8c8c8c"]
    wmax = float(np.max(weight)) if len(weight) else 1.0
    index = {lab: k for k, lab in enumerate(labels)}
    for i in range(13):
        for j in range(13):
            lab = (GRID_RANKS[i] * 2 if i == j else GRID_RANKS[min(i, j)] + GRID_RANKS[max(i, j)]
                   + ("s" if i < j else "o"))
            k = index.get(lab)
            x0 = 0.0
            if k is not None:
                alpha = 0.25 + 0.75 * float(weight[k]) / wmax if wmax > 0 else 1.0
                for a in range(len(actions)):
                    wdt = float(probability[k, a])
                    ax.add_patch(_rect((j + x0, 12 - i), wdt, 1.0, palette[a % len(palette)], alpha))
                    x0 += wdt
            ax.text(j + 0.5, 12 - i + 0.5, lab, ha="center", va="center", fontsize=6)
    for a, name in enumerate(actions):
        ax.add_patch(_rect((0, 0), 0, 0, palette[a % len(palette)], 1.0, label=name))
    ax.set_xlim(0, 13)
    ax.set_ylim(0, 13)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect("equal")
    for side in ax.spines.values():
        side.set_visible(False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=min(len(actions), 4), fontsize=7, frameon=False)
    style.title(ax, "Strategy per hand class", setting=title)
    return style.save(fig, out)


def _rect(xy: tuple, w: float, h: float, color: str, alpha: float, label: str | None = None) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle(xy, w, h, facecolor=color, alpha=alpha, edgecolor="white", linewidth=0.3, label=label)


def plot(rows: Any, outdir: Path) -> list[Path]:
    """Exploitability (% of the pot) against iterations and solver seconds, and the root's
    strategy grid (of the last cell's root rows)."""
    from regretlab.plot import companions, exploitability_curves

    cols = _cols(rows)
    part = cols.get("part", np.array(["curve"] * len(cols["iteration"])))
    curve = part == "curve"
    order = np.argsort(cols["iteration"][curve], kind="stable")
    curves = {str(_title(cols)): {"iteration": cols["iteration"][curve][order],
                                  "exploitability": cols["exploitability_pct"][curve][order],
                                  "seconds": cols["seconds"][curve][order]}}
    paths = companions(exploitability_curves(curves, Path(outdir) / f"{NAME}_exploitability.png",
                                             title="exploitability in % of the pot"))
    root = part == "root"
    if root.any():
        keys = cols["cell_key"][root] if "cell_key" in cols else None
        sel = np.flatnonzero(root)
        if keys is not None:
            sel = sel[cols["cell_key"][sel] == keys[-1]]
        actions = list(dict.fromkeys(cols["action"][sel].tolist()))
        labels = list(dict.fromkeys(cols["cell"][sel].tolist()))
        prob = np.zeros((len(labels), len(actions)))
        weight = np.zeros(len(labels))
        for k in sel:
            r, a = labels.index(str(cols["cell"][k])), actions.index(str(cols["action"][k]))
            prob[r, a] = float(cols["probability"][k])
            weight[r] = float(cols["weight"][k])
        paths += plot_grid(labels, actions, prob, weight, Path(outdir) / f"{NAME}_root_grid.png",
                           title=f"OOP at the root, {_title(cols)}")
    return paths


def summarize(rows: Any) -> list[Any]:
    """The last evaluation's exploitability (% pot, mbb/hand), its iteration and solver seconds;
    the verdict that the exploitability fell below its first evaluation's."""
    from regretlab.summary import Verdict

    cols = _cols(rows)
    part = cols.get("part", np.array(["curve"] * len(cols["iteration"])))
    c = part == "curve"
    it, e, mbb, sec = cols["iteration"][c], cols["exploitability_pct"][c], cols["mbb"][c], cols["seconds"][c]
    last, first = int(np.argmax(it)), int(np.argmin(it))
    out: list[Any] = [(f"exploitability at iteration {int(it[last])}, % of the pot", float(e[last])),
                      (f"exploitability at iteration {int(it[last])}, mbb/hand", float(mbb[last])),
                      ("solver seconds", float(sec[last]))]
    if first != last:
        out.append(Verdict(f"converges: below iteration {int(it[first])}'s", float(e[last]), (None, float(e[first])),
                           holds=bool(e[last] < e[first])))
    return out


register_experiment(Experiment(
    NAME, Config, run, plot,
    demo={"board": "Ks7h2d3c8s", "pot": 10.0, "stacks": 20.0, "oop_range": "AA,KK,77,AK,KQ,QJs,T9s,65s",
          "ip_range": "QQ+,88,AK,KQ,KJs,JTs,98s", "bets": "0.5,allin", "raise_cap": 2, "iterations": 200,
          "checkpoint_every": 20, "target_exploitability": 0.3},
    summarize=summarize,
    description="a no-limit hold'em subgame solved by range-vector CFR: exploitability (% of the pot, mbb/hand) "
                "against iterations and the root's 13x13 strategy grid",
    reference="Brown & Sandholm 2019 (DCFR); Moravcik et al. 2017 (DeepStack, range vectors); Johanson et al. "
              "2011 (fast best response with card removal)",
))
