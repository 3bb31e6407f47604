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

__all__ = ["NormalFormSetting", "pure_utilities", "action_frequencies"]

_MODES = ("expected", "realized")
_AVERAGES = ("strategies", "actions")


def pure_utilities(game: NormalFormGame, actions: Sequence[np.ndarray], player: int) -> np.ndarray:
    """Player i's utility of each own action against the others' realized actions.

    ``out[b, k] = u_i(k, a_{-i}[b])``.

    Args:
        game: a :class:`NormalFormGame` with P players.
        actions: P arrays ``[B]`` of action indices (player i's own entry is not read).
        player: i.

    Returns:
        ``[B, K_i]`` (a read-only broadcast view when nobody else plays).

    Example:
        >>> from regretlab.games.normal_form import matching_pennies
        >>> pure_utilities(matching_pennies(), [np.array([0, 1]), np.array([1, 1])], 0).tolist()
        [[-1.0, 1.0], [-1.0, 1.0]]
    """
    table = np.moveaxis(game.payoffs[player], player, -1)  # [K_{-i}..., K_i]
    others = tuple(a for j, a in enumerate(actions) if j != player)
    out = table[others] if others else table
    return np.broadcast_to(out, (actions[0].shape[0], table.shape[-1]))


def action_frequencies(ledger: Ledger, player: int) -> np.ndarray:
    """Empirical frequency of each of ``player``'s actions, the marginal of the ledger's joint counts.

    ``out[b, k] = #{t : a_i^t = k} / t`` in realized play (in expected play the marginal of
    ``Σ_t ⊗_j x_j^t``, i.e. the average strategy).

    Args:
        ledger: a :class:`~regretlab.metrics.ledger.Ledger` made with ``joint=True``
            (``run(..., joint=True)``).
        player: i.

    Returns:
        ``[B, K_i]``.

    Example:
        >>> from regretlab.games.normal_form import matching_pennies
        >>> from regretlab.games.normal_form.players import fictitious_player
        >>> from regretlab.run import run
        >>> tr = run(fictitious_player(), NormalFormSetting(matching_pennies(), "realized"), T=4, joint=True)
        >>> action_frequencies(tr.ledger, 0).sum(axis=1).tolist()
        [1.0]
    """
    if ledger.joint is None:
        raise ValueError("action_frequencies needs a ledger made with joint=True (run(..., joint=True))")
    axes = tuple(1 + j for j in range(ledger.num_players) if j != player)
    # sums of whole counts are exact, so this equals counting each player's actions
    return ledger.joint.sum(axis=axes) / np.maximum(ledger.t, 1)[:, None]


class NormalFormSetting:
    r"""Repeated play of a normal-form game, one learner per player, as a setting of the one driver.

    Round t: every player announces :math:`x_i^t`. ``mode="expected"``: player i is shown
    :math:`u_i(\cdot, x_{-i}^t)` and no action is drawn; ``mode="realized"``: the driver draws
    :math:`a^t \sim x^t` and player i is shown :math:`u_i(\cdot, a_{-i}^t)` (a bandit learner
    :math:`u_i(a^t)`). The ledger's :math:`\max_i R^i_t / t` is the CCE gap of the empirical
    distribution of play (``trace.metrics["cce_gap"]``; Hart & Mas-Colell 2000), and the setting
    evaluates ``nash_conv`` of the time-averaged strategies (or of the empirical action
    frequencies) at every record.

    Args:
        game: a :class:`NormalFormGame`, payoffs ``[P, K_1, ..., K_P]`` (learners tuned for
            utilities in [0, 1] want ``rescale(game)``).
        mode: ``"expected"`` or ``"realized"``.
        nash_conv: also evaluate ``nash_conv`` ``[B]`` at every record.
        average: what ``nash_conv`` is of: ``"strategies"`` (the average :math:`\bar x_i^t` of
            the played mixtures) or ``"actions"`` (the empirical action frequencies; needs
            ``run(..., joint=True)``).

    Example:
        >>> from regretlab.games.normal_form import rock_paper_scissors
        >>> from regretlab.experts import hedge
        >>> from regretlab.run import run
        >>> tr = run(hedge(lr=0.1), NormalFormSetting(rock_paper_scissors()), T=500, batch=2)
        >>> tr.metrics["cce_gap"].shape, bool(tr.metrics["nash_conv"][-1].max() < 0.1)
        ((500, 2), True)

    References:
        S. Hart and A. Mas-Colell, "A simple adaptive procedure leading to correlated
        equilibrium", Econometrica 68, 2000; A. Blum and Y. Mansour, "Learning, regret
        minimization, and equilibria", ch. 4 of *Algorithmic Game Theory*, 2007.
    """

    def __init__(self, game: NormalFormGame, mode: str = "expected", nash_conv: bool = True,
                 average: str = "strategies") -> None:
        if not isinstance(game, NormalFormGame):
            raise TypeError(f"game must be a NormalFormGame, got {type(game).__name__}")
        if mode not in _MODES:
            raise ValueError(f"mode must be 'expected' or 'realized', got {mode!r}")
        if average not in _AVERAGES:
            raise ValueError(f"average must be 'strategies' or 'actions', got {average!r}")
        self.game, self.mode, self.track_nash_conv, self.average = game, mode, bool(nash_conv), average
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
        of = action_frequencies if self.average == "actions" else average_strategy
        return {"nash_conv": nash_conv(self.game, [of(ledger, i) for i in range(self.num_players)])}

    def __repr__(self) -> str:
        return f"NormalFormSetting({self.name})"
