"""Bad input to the adaptive-regret experiment: regretlab run experts_adaptive."""

CASES = [
    dict(id="experts-adaptive-period-zero", argv=["run", "experts_adaptive", "--set", "period=0"],
         expect="period must be an integer >= 1, got 0"),
    dict(id="experts-adaptive-one-action", argv=["run", "experts_adaptive", "--set", "K=1"],
         expect="K (actions) must be an integer >= 2, got 1"),
    dict(id="experts-adaptive-no-learner", argv=["run", "experts_adaptive", "--set", "algo="],
         expect="algo must name at least one learner, got ''"),
    dict(id="experts-adaptive-unknown-learner", argv=["run", "experts_adaptive", "--set", "algo=flh,nope"],
         expect="unknown learner 'nope'"),
]
