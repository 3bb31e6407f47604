"""Bandits: adversarial (Exp3 family), stochastic baselines, combinatorial semi-bandits, switching costs.

Importing this package registers the K-armed learners (``@register``, family ``"bandits"``) and the
stochastic environments (``@register_env``). Exp4 and the semi-bandit learners (Exp2, FTPL) are
imported directly: they need context in ``update`` / ``SemiBandit`` feedback, which ``run()`` does
not pass.
"""

from regretlab.bandits import adversarial, combinatorial, stochastic, switching
from regretlab.bandits.adversarial import bandit_ftpl, exp3, exp3_ix, exp3p, exp4, tsallis_inf
from regretlab.bandits.combinatorial import (
    CallbackOracle,
    EnumerationOracle,
    ERMOracle,
    FixedSetOracle,
    TopMOracle,
    check_action_set,
    exp2,
    ftpl_semibandit,
    m_sets,
)
from regretlab.bandits.play import ArrayEnv, play
from regretlab.bandits.switching import (
    BatchedExp3,
    BudgetExceeded,
    LazyHedge,
    MultiScaleRandomWalk,
    batching,
    mrw_losses,
    setting_a,
    setting_b,
    simulate,
)
from regretlab.bandits.stochastic import (
    bernoulli_bandit,
    epsilon_greedy,
    gap_means,
    gaussian_bandit,
    kl_ucb,
    moss,
    thompson,
    ucb1,
)

__all__ = [
    "BatchedExp3", "BudgetExceeded", "LazyHedge", "MultiScaleRandomWalk", "batching", "mrw_losses",
    "setting_a", "setting_b", "simulate", "switching",
    "ArrayEnv", "CallbackOracle", "ERMOracle", "EnumerationOracle", "FixedSetOracle", "TopMOracle",
    "adversarial", "bandit_ftpl", "bernoulli_bandit", "check_action_set", "combinatorial",
    "epsilon_greedy", "exp2", "exp3", "exp3_ix", "exp3p", "exp4", "ftpl_semibandit", "gap_means",
    "gaussian_bandit", "kl_ucb", "m_sets", "moss", "play", "stochastic", "thompson", "tsallis_inf",
    "ucb1",
]
