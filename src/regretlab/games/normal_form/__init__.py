"""Normal-form games: payoff tensors, generators, equilibrium solvers, gaps and no-regret dynamics.

Repeated play is a setting of the one driver: ``run(learners, NormalFormSetting(game), T, ...)``
(``play`` is that run, named). The fictitious-play learner (registered ``"fictitious_play"``,
family ``"dynamics"``) is ``normal_form.players.fictitious_player``.

Example:
    >>> from regretlab.games.normal_form import rock_paper_scissors, zero_sum_nash
    >>> sol = zero_sum_nash(rock_paper_scissors())
    >>> sol.row.round(6).tolist(), abs(round(sol.value, 9))
    ([0.333333, 0.333333, 0.333333], 0.0)
"""

from regretlab.games.normal_form.game import NormalFormGame
from regretlab.games.normal_form.generators import (
    GENERATORS, chicken, coordination, make_game, matching_pennies, potential_game,
    prisoners_dilemma, random_game, rescale, rock_paper_scissors, shapley_game, zero_sum_game,
)
from regretlab.games.normal_form.gaps import (
    best_responses, cce_gap, ce_gap, check_joint, deviation_gains, nash_conv,
)
from regretlab.games.normal_form.lp import (
    CorrelatedSolution, ZeroSumSolution, correlated_equilibrium, incentive_matrix, zero_sum_nash,
)
from regretlab.games.normal_form.nash import (
    DegenerateGameWarning, lemke_howson, support_enumeration, support_enumeration_numpy,
)

__all__ = [
    "NormalFormGame", "GENERATORS", "make_game", "random_game", "zero_sum_game", "potential_game",
    "prisoners_dilemma", "coordination", "chicken", "matching_pennies", "shapley_game",
    "rock_paper_scissors", "rescale",
    "cce_gap", "ce_gap", "nash_conv", "deviation_gains", "best_responses", "check_joint",
    "zero_sum_nash", "correlated_equilibrium", "incentive_matrix", "ZeroSumSolution",
    "CorrelatedSolution",
    "support_enumeration", "support_enumeration_numpy", "lemke_howson", "DegenerateGameWarning",
]

from regretlab.games.normal_form.dynamics import (  # noqa: E402
    DynamicsResult, FictitiousPlayResult, ReplicatorResult, fictitious_play,
    optimistic_hedge_self_play, play, replicator_dynamics, self_play,
)

from regretlab.games.normal_form.setting import (  # noqa: E402
    NormalFormSetting, action_frequencies, pure_utilities,
)

__all__ += [
    "NormalFormSetting", "action_frequencies", "pure_utilities",
    "play", "self_play", "optimistic_hedge_self_play", "fictitious_play", "replicator_dynamics",
    "DynamicsResult", "FictitiousPlayResult", "ReplicatorResult",
]

from regretlab.games.normal_form.qre import (  # noqa: E402
    QREBranch, QREFit, logit_branch, logit_qre, logit_response, qre_mle, qre_residual,
)

__all__ += ["QREBranch", "QREFit", "logit_branch", "logit_qre", "logit_response", "qre_mle", "qre_residual"]

from regretlab.games.normal_form.alpharank import AlphaRankResult, alpharank, stationary_distribution  # noqa: E402

__all__ += ["AlphaRankResult", "alpharank", "stationary_distribution"]
