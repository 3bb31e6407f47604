"""Games: extensive-form games as flat arrays with the CFR family (``regretlab.games``), and
normal-form and Markov games with no-regret dynamics and equilibrium solvers
(``regretlab.games.normal_form``, ``regretlab.games.markov``)."""

from regretlab.games.treeplex import CHANCE, TERMINAL, GameDefinition, Treeplex, build_treeplex
from regretlab.games.poker import KuhnPoker, LeducPoker, kuhn_poker, leduc_poker
from regretlab.games.evaluation import (
    best_response, expected_value, exploitability, head_to_head, nash_conv, random_policy,
)
from regretlab.games.cfr import (
    CFR, CFRState, cfr, cfr_plus, dcfr, delayed, discounted, linear, linear_cfr, make_solver,
    pcfr_plus, polynomial, predictive, regret_matching, regret_matching_plus, uniform, vanilla_cfr,
)
from regretlab.games.mccfr import MCCFR, mccfr
from regretlab.games.io import (
    load_game, load_policy, load_treeplex, save_game, save_policy, save_treeplex,
)
from regretlab.games.openspiel import from_openspiel, from_openspiel_policy, to_openspiel_policy
from regretlab.games.registry import load as make_game
