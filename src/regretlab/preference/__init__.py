"""Preference learning with general (possibly intransitive) preferences: INPO.

NumPy core (always importable): :mod:`.games` (tabular preference games, duality gap, Nash
policies, closed-form OMD), :mod:`.methods` (population updates of INPO, Nash-MD, online IPO,
SPPO, DNO, SPIN, XPO, iterative DPO/IPO behind one interface), :mod:`.loss` (the INPO loss, lambda_P pair sampling, tournament
selection). The ``[llm]`` extra (torch, transformers) adds :mod:`.torch_loss`, :mod:`.trainer`,
:mod:`.oracles` and :mod:`.toy`; import those modules explicitly.

Reference: Zhang et al., "Iterative Nash Policy Optimization", ICLR 2025, arXiv 2407.00617.
"""

from regretlab.preference.games import (
    CYCLIC_P, CYCLIC_REF, OMDTrace, PreferenceGame, blade_chest, check_preference, duality_gap,
    kl, objective, omd, omd_step, preference, regularized_nash, von_neumann_winner, win_rate,
)

__all__ = [
    "CYCLIC_P", "CYCLIC_REF", "OMDTrace", "PreferenceGame", "blade_chest", "check_preference",
    "duality_gap", "kl", "objective", "omd", "omd_step", "preference", "regularized_nash",
    "von_neumann_winner", "win_rate",
]
