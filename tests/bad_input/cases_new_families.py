"""Bad input to `regretlab run` for the new families: a learner of another family, and a learner
that needs parameters the experiment cannot give."""

_NONSTAT = ["run", "bandits_nonstationary", "--runs", "1", "--set", "min_T=50", "--set", "max_T=100"]
_ADAPTIVE = ["run", "experts_adaptive", "--T", "50", "--runs", "1"]

CASES = [
    dict(id="nonstat-contextual-learner", argv=_NONSTAT + ["--algo", "linucb"],
         expect="--algo must name K-armed bandit learners (family 'bandits': e.g. sw_ucb, d_ucb, exp3_s, m_ucb), "
                "got 'linucb' of family 'contextual'",
         note="a contextual learner needs features the K-armed environment does not have"),
    dict(id="experts-adaptive-bandit-learner", argv=_ADAPTIVE + ["--algo", "ucb1"],
         expect="--algo must name experts learners (full information: e.g. hedge, fixed_share, flh, cbce), "
                "got 'ucb1' of family 'bandits'",
         note="the interval regret is of full-information learners"),
    dict(id="experts-adaptive-learner-needs-parameters", argv=_ADAPTIVE + ["--algo", "moderation_fixed_share"],
         expect="learner 'moderation_fixed_share' needs the parameter(s) lr, alpha, which this caller does not give",
         note="a learner with required parameters the experiment does not set"),
]
