"""Bad input to the contextual-bandit experiment: an unknown dataset, a learner of another family,
a learner that does not exist."""

_RUN = ["run", "bandits_contextual", "--runs", "2", "-T", "10", "--no-progress", "--store", "s.duckdb", "--out", "o"]

CASES = [
    dict(id="contextual-unknown-dataset", argv=_RUN + ["--set", "dataset=mnist"],
         expect="dataset must be one of digits, wine, breast_cancer, got 'mnist'",
         note="the datasets that ship with scikit-learn"),
    dict(id="contextual-learner-of-another-family", argv=_RUN + ["--algo", "exp3"],
         expect="--algo must name contextual learners",
         note="a K-armed bandit learner cannot read a context"),
    dict(id="contextual-unknown-learner", argv=_RUN + ["--algo", "linucbb"],
         expect="unknown learner 'linucbb'; did you mean linucb",
         note="a typo gets the close names"),
]
