"""Players of classical game dynamics written as learners (family ``"dynamics"``).

Fictitious play is follow-the-leader fed the utilities of the opponents' realized actions: the
sum of ``u_i(·, a_{-i}^s)`` over past rounds is ``t · u_i(·, x̄_{-i}^t)`` with ``x̄`` the
empirical action frequencies, so its leader is a best response to the empirical play. Played by
the one driver in :class:`~regretlab.games.normal_form.setting.NormalFormSetting` (realized
mode) it is Brown's fictitious play, and the conformance suite checks it like any learner.
Replicator dynamics is not here: it is a continuous-time flow of all populations together
(each RK4 stage needs every player's intermediate state), not a per-player learner.
"""

from __future__ import annotations

import numpy as np

from regretlab.core.registry import register
from regretlab.experts._base import CumulativeState
from regretlab.experts.ftl import FTL

__all__ = ["FictitiousPlay", "fictitious_player"]


class FictitiousPlay(FTL):
    """Uniform in round 1, then the action with the largest cumulative utility (ties: lowest index)."""

    name = "fictitious_play"

    def strategy_from(self, state: CumulativeState, signal: np.ndarray) -> np.ndarray:
        b, k = signal.shape
        first = np.broadcast_to(np.asarray(state.t) == 0, (b,))[:, None]  # an int or per-run [B] clock
        return np.where(first, 1.0 / k, super().strategy_from(state, signal))


@register("fictitious_play", family="dynamics")
def fictitious_player() -> FictitiousPlay:
    r"""Fictitious play as a learner: a best response to the opponents' empirical play (Brown 1951).

    :math:`x^1 = \mathrm{uniform}`, :math:`x^{t+1} = e_{a^{t+1}}` with
    :math:`a^{t+1} = \arg\max_a \sum_{s \le t} u_s(a)` (ties to the lowest index). With realized
    feedback ``u_s = u_i(·, a_{-i}^s)`` this is :math:`\arg\max_a u_i(a, \bar x_{-i}^t)`; the
    empirical frequencies converge to a Nash equilibrium in two-player zero-sum games
    (Robinson 1951) and may cycle otherwise (Shapley 1964). Linear regret in the worst case.

    Registered as ``"fictitious_play"`` (family ``"dynamics"``); ``normal_form.fictitious_play``
    is this learner played by every player of a game.

    Returns:
        A full-information learner; ``strategy`` is ``[B, K]`` (uniform, then one-hot).

    Example:
        >>> from regretlab.games.normal_form import rock_paper_scissors
        >>> from regretlab.games.normal_form.setting import NormalFormSetting
        >>> from regretlab.run import run
        >>> game = rock_paper_scissors()
        >>> tr = run(fictitious_player(), NormalFormSetting(game, "realized", average="actions"),
        ...          T=2000, batch=2, every=2000, joint=True)
        >>> bool((tr.metrics["nash_conv"][-1] < 0.05).all())
        True

    References:
        G. W. Brown, "Iterative solution of games by fictitious play", 1951; J. Robinson, "An
        iterative method of solving a game", Annals of Mathematics 54, 1951.
    """
    return FictitiousPlay()
