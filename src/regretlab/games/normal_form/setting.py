"""A normal-form game as a setting of the one driver: repeated play, one learner per player.

Round t: every player announces ``x_i^t``. ``mode="expected"``: player i is shown
``u_i(·, x_{-i}^t)`` (no actions are drawn). ``mode="realized"``: the driver draws
``a^t ~ x^t`` and player i is shown ``u_i(·, a_{-i}^t)`` (bandit learners see ``u_i(a^t)``).
The ledger's ``max_i R^i_t / t`` is then the CCE gap of the empirical distribution of play
(Hart & Mas-Colell 2000), and the setting evaluates the NashConv of the time-averaged strategies.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from regretlab.games.normal_form.game import NormalFormGame
from regretlab.games.normal_form.gaps import nash_conv
from regretlab.metrics.ledger import Ledger, average_strategy

__all__ = ["NormalFormSetting", "pure_utilities"]

_MODES = ("expected", "realized")


def pure_utilities(game: NormalFormGame, actions: Sequence[np.ndarray], player: int) -> np.ndarray:
    """``u_i(·, a_{-i})`` for realized actions ``a_j [B]``: ``[B, K_i]``."""
    table = np.moveaxis(game.payoffs[player], player, -1)  # [K_{-i}..., K_i]
    others = tuple(a for j, a in enumerate(actions) if j != player)
    out = table[others] if others else table
    return np.broadcast_to(out, (actions[0].shape[0], table.shape[-1]))


class NormalFormSetting:
    """Repeated play of ``game`` (see the module docstring).

    Args:
        game: a :class:`NormalFormGame`.
        mode: ``"expected"`` (utilities against the others' mixtures) or ``"realized"``.
        nash_conv: also evaluate the NashConv of the average strategies at every record.

    Example:
        >>> from regretlab.games.normal_form import rock_paper_scissors
        >>> from regretlab.experts import hedge
        >>> from regretlab.run import run
        >>> tr = run(hedge(lr=0.1), NormalFormSetting(rock_paper_scissors()), T=500, batch=2)
        >>> tr.metrics["cce_gap"].shape, bool(tr.metrics["nash_conv"][-1].max() < 0.1)
        ((500, 2), True)
    """

    def __init__(self, game: NormalFormGame, mode: str = "expected", nash_conv: bool = True) -> None:
        if not isinstance(game, NormalFormGame):
            raise TypeError(f"game must be a NormalFormGame, got {type(game).__name__}")
        if mode not in _MODES:
            raise ValueError(f"mode must be 'expected' or 'realized', got {mode!r}")
        self.game, self.mode, self.track_nash_conv = game, mode, bool(nash_conv)
        self.num_players = game.num_players
        self.num_actions = tuple(int(k) for k in game.num_actions)
        self.samples_actions = mode == "realized"
        self.utility_range = (float(game.payoffs.min()), float(game.payoffs.max()))
        self.name = f"{getattr(game, 'name', 'game')} ({mode})"

    def init(self, keys: np.ndarray) -> None:
        return None

    def context(self, state: Any, player: int) -> None:
        return None

    def step(self, state: Any, strategies: tuple[np.ndarray, ...],
             actions: tuple[np.ndarray | None, ...]) -> tuple[Any, tuple[np.ndarray, ...]]:
        p = self.num_players
        if self.mode == "expected":
            return state, tuple(self.game.deviation_utilities(strategies, i) for i in range(p))
        return state, tuple(pure_utilities(self.game, actions, i) for i in range(p))  # type: ignore[arg-type]

    def evaluate(self, state: Any, ledger: Ledger) -> dict[str, np.ndarray]:
        if not self.track_nash_conv:
            return {}
        avg = [average_strategy(ledger, i) for i in range(self.num_players)]
        return {"nash_conv": nash_conv(self.game, avg)}

    def __repr__(self) -> str:
        return f"NormalFormSetting({self.name})"
