"""Bad input to the online convex optimisation experiment (regretlab run oco_portfolio)."""

CASES = [
    dict(id="oco-unknown-learner", argv=["run", "oco_portfolio", "--algo", "nosuch", "--T", "16", "--runs", "1"],
         expect="unknown learner 'nosuch'"),
    dict(id="oco-experts-learner", argv=["run", "oco_portfolio", "--algo", "hedge", "--T", "16", "--runs", "1"],
         expect="is an OCO setting (it gives Gradient feedback); learner", note="a FullInfo learner on gradients"),
    dict(id="oco-assets-zero", argv=["run", "oco_portfolio", "--set", "D=0", "--T", "16"],
         expect="D must be an integer >= 1, got 0"),
    dict(id="oco-volatility-negative", argv=["run", "oco_portfolio", "--set", "volatility=-1", "--T", "16"],
         expect="volatility must be >= 0, got -1.0"),
    dict(id="oco-points-zero", argv=["run", "oco_portfolio", "--set", "points=0", "--T", "16"],
         expect="points must be an integer >= 1, got 0"),
]
