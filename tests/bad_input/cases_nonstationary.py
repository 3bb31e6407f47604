"""Bad input to the non-stationary bandit experiment: run bandits_nonstationary."""

CASES = [
    dict(id="nonstat-window-negative", argv=["run", "bandits_nonstationary", "--set", "sw_window=-5"],
         expect="--set sw_window must be >= 0 (0: the default), got -5", note="a window <= 0 (0: tuned to T)"),
    dict(id="nonstat-discount-above-one", argv=["run", "bandits_nonstationary", "--set", "discount=1.5"],
         expect="--set discount must be a number in (0, 1] (0: tuned to T), got 1.5"),
    dict(id="nonstat-discount-negative", argv=["run", "bandits_nonstationary", "--set", "discount=-0.2"],
         expect="--set discount must be a number in (0, 1] (0: tuned to T), got -0.2"),
    dict(id="nonstat-means-order", argv=["run", "bandits_nonstationary", "--set", "mid=0.95"],
         expect="means must satisfy 0 <= low + 0.1 <= mid < high <= 1"),
    dict(id="nonstat-one-arm", argv=["run", "bandits_nonstationary", "--K", "1"],
         expect="--K must be an integer >= 2, got 1"),
    dict(id="nonstat-horizons-reversed", argv=["run", "bandits_nonstationary", "--set", "min_T=4000", "--set", "max_T=1000"],
         expect="--set max_T must be >= min_T (4000), got 1000"),
    dict(id="nonstat-unknown-learner", argv=["run", "bandits_nonstationary", "--algo", "sw_ucb,nosuch"],
         expect="nosuch"),
]
