"""Bandits: adversarial (Exp3 family, Exp4), stochastic baselines, combinatorial semi-bandits, switching costs.

Every learner is on the library's contract (``init(keys, K)``, ``strategy(state, context)``,
``update(state, feedback)``) and registers itself on import: family ``"bandits"`` (K-armed,
``Bandit`` feedback, Exp4 with advice as context), ``"switching"`` (batched Exp3, lazy Hedge,
batching; ``Bandit`` / ``FullInfo``) and ``"semibandits"`` (Exp2, FTPL; ``SemiBandit``). The
stochastic environments register with ``@register_env``. :func:`regretlab.run.run` plays them;
:func:`play` and :func:`simulate` are views of it that report what bandit papers plot.
"""

from regretlab.bandits import adversarial, combinatorial, stochastic, switching
from regretlab.bandits.adversarial import bandit_ftpl, exp3, exp3_ix, exp3p, exp4, tsallis_inf
from regretlab.bandits.combinatorial import (
    CallbackOracle,
    EnumerationOracle,
    ERMOracle,
    FixedSetOracle,
    SemiBanditRound,
    SemiBanditSetting,
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
    batched_exp3,
    batching,
    lazy_hedge,
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
    "BatchedExp3", "BudgetExceeded", "LazyHedge", "MultiScaleRandomWalk", "batched_exp3", "batching",
    "lazy_hedge", "mrw_losses", "setting_a", "setting_b", "simulate", "switching",
    "ArrayEnv", "CallbackOracle", "ERMOracle", "EnumerationOracle", "FixedSetOracle", "SemiBanditRound",
    "SemiBanditSetting", "TopMOracle",
    "adversarial", "bandit_ftpl", "bernoulli_bandit", "check_action_set", "combinatorial",
    "epsilon_greedy", "exp2", "exp3", "exp3_ix", "exp3p", "exp4", "ftpl_semibandit", "gap_means",
    "gaussian_bandit", "kl_ucb", "m_sets", "moss", "play", "stochastic", "thompson", "tsallis_inf",
    "ucb1",
]
