"""Bad input to the core commands: run, sweep, show, report, export."""

CASES = [
    dict(id="run-unknown-experiment", argv=["run", "nosuch"], expect="experiment"),
]
