"""``regretlab agent ...``: measure the regret of any agent; train regret-loss models.

    regretlab agent run --agent hedge --setting alternating -T 100
    regretlab agent run --endpoint http://127.0.0.1:8000/v1 --model my-model --setting gaussian -T 25
    regretlab agent run --local path/to/hf-model --setting game:random3x3 -T 25
    regretlab agent train --model lsa --steps 5000 --checkpoint results/lsa.pt
    regretlab agent settings
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    """Add the ``agent`` command group."""
    agent_app = typer.Typer(help="Measure the regret of agents (learners, chat endpoints, local LMs, trained models).",
                            no_args_is_help=True)
    app.add_typer(agent_app, name="agent")

    @agent_app.command("settings")
    def settings_cmd() -> None:
        """List the named settings."""
        from regretlab.agents.settings import setting_names

        typer.echo("\n".join(setting_names()))

    @agent_app.command("run")
    def run_cmd(
        agent: Optional[str] = typer.Option(None, "--agent", help="a registered learner name (or exp3); in a game, comma-separated names per player"),
        endpoint: Optional[str] = typer.Option(None, "--endpoint", help="OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1"),
        model: Optional[str] = typer.Option(None, "--model", help="model name served by --endpoint"),
        api_key_env: str = typer.Option("OPENAI_API_KEY", "--api-key-env", help="environment variable holding the key"),
        local: Optional[Path] = typer.Option(None, "--local", help="folder of a local Hugging Face causal LM"),
        checkpoint: Optional[Path] = typer.Option(None, "--checkpoint", help="a regret-loss checkpoint (agent train)"),
        setting: str = typer.Option("gaussian", "--setting", help="setting name (regretlab agent settings)"),
        horizon: int = typer.Option(25, "--T", "-T", help="rounds (>= 2)"),
        runs: int = typer.Option(1, "--runs", help="independent runs"),
        actions: int = typer.Option(2, "--K", help="actions (online settings)"),
        feedback: Optional[str] = typer.Option(None, "--feedback", help="full (default) or bandit (online); realized (default) or expected (games)"),
        seed: int = typer.Option(0, "--seed", help="root seed"),
        timeout: float = typer.Option(60.0, "--timeout", help="seconds per endpoint request"),
        retries: int = typer.Option(2, "--retries", help="re-asks after an invalid reply (then the fallback)"),
        request_retries: int = typer.Option(2, "--request-retries", help="retries of a refused/timed-out request"),
        backoff: float = typer.Option(0.5, "--backoff", help="seconds before the first request retry (then doubling)"),
        fallback: str = typer.Option("uniform", "--fallback", help="uniform or previous"),
        store: Path = typer.Option(Path("results") / "regretlab.duckdb", "--store", help="DuckDB results file"),
        out: Path = typer.Option(Path("results"), "--out", help="folder for the regret plot"),
        progress: bool = typer.Option(True, "--progress/--no-progress", help="show a progress bar"),
    ) -> None:
        """Run one agent on a setting: the cell of experiment agents_run (every round and every
        prompt/reply stored), with regret and verdicts; regretlab show/report/export/sweep see it."""
        import os

        from regretlab.core.errors import check_int

        UserError = ValueError  # the CLI's main prints a ValueError as one line (exit code 2)

        if agent is None and endpoint is None and local is None and checkpoint is None:
            raise UserError("give exactly one of --agent NAME, --endpoint URL (with --model), --local PATH, "
                            "--checkpoint PATH")
        if agent is not None and not [a for a in agent.split(",") if a.strip()]:
            raise UserError(f"--agent must name a learner (regretlab list learners) or exp3, got {agent!r}")
        if endpoint is not None and model is not None and not model.strip():
            raise UserError("--model must be a non-empty model name")
        check_int("--seed", seed, minimum=0)
        _check_outputs(store, out)
        params = {"agent": agent, "endpoint": endpoint, "model": model, "api_key_env": api_key_env,
                  "local": None if local is None else str(local),
                  "checkpoint": None if checkpoint is None else str(checkpoint), "setting": setting, "T": horizon,
                  "runs": runs, "K": actions, "feedback": feedback, "timeout": timeout, "retries": retries,
                  "request_retries": request_retries, "backoff": backoff, "fallback": fallback}
        old = os.environ.get("REGRETLAB_PROGRESS")
        if not progress:
            os.environ["REGRETLAB_PROGRESS"] = "0"
        try:
            _run_agent_cell({k: v for k, v in params.items() if v is not None}, seed, store, out)
        finally:
            if not progress:
                if old is None:
                    os.environ.pop("REGRETLAB_PROGRESS", None)
                else:
                    os.environ["REGRETLAB_PROGRESS"] = old

    @agent_app.command("train")
    def train_cmd(
        model: str = typer.Option("lsa", "--model", help="lsa or transformer"),
        data: str = typer.Option("uniform", "--data", help="uniform or regrettable"),
        horizon: int = typer.Option(25, "--T", "-T", help="sequence length"),
        actions: int = typer.Option(2, "--K", help="actions d"),
        steps: int = typer.Option(5000, "--steps", help="total Adam steps; a checkpoint with fewer is extended"),
        batch: int = typer.Option(64, "--batch"),
        n: int = typer.Option(8, "--N", help="sequences per regret-loss sample"),
        k: float = typer.Option(1.0, "--k", help="softmax weight of the regret-loss"),
        h: str = typer.Option("square", "--h", help="square or identity"),
        lr: float = typer.Option(1e-3, "--lr"),
        seed: int = typer.Option(0, "--seed"),
        checkpoint: Path = typer.Option(Path("results") / "regret_loss.pt", "--checkpoint", help="resumed (and extended to --steps) if it exists"),
        progress: bool = typer.Option(True, "--progress/--no-progress", help="show a progress bar"),
    ) -> None:
        """Train a model with the regret-loss (spec §2.4); resumes from --checkpoint and extends it to --steps."""
        from rich.console import Console

        from regretlab.core.errors import check_int, check_positive

        if model not in ("lsa", "transformer"):
            raise ValueError(f"--model must be 'lsa' or 'transformer', got {model!r}")
        if data not in ("uniform", "regrettable"):
            raise ValueError(f"--data must be 'uniform' or 'regrettable', got {data!r}")
        check_int("--T", horizon, minimum=2)
        check_int("--K", actions, minimum=2)
        if data == "regrettable" and actions != 2:
            raise ValueError(f"--data regrettable needs --K 2 (alternating losses over two actions), got --K {actions}")
        check_int("--steps", steps, minimum=1)
        check_int("--batch", batch, minimum=1)
        check_int("--N", n, minimum=1)
        check_positive("--k", k, allow_zero=True)
        if h not in ("square", "identity"):
            raise ValueError(f"--h must be 'square' or 'identity', got {h!r}")
        check_positive("--lr", lr)
        check_int("--seed", seed, minimum=0)
        if checkpoint.exists() and not checkpoint.is_file():
            raise ValueError(f"--checkpoint must be a file, got the folder {str(checkpoint)!r}")
        from regretlab.mechanisms._fits import check_fits

        # one step's float64 tensors kept for the backward pass: the losses and about a dozen
        # [batch, N, T, d+1] intermediates; the transformer adds width-32 activations and T x T
        # attention per layer (2 layers, 2 heads)
        per_seq = horizon * 12 * (actions + 1) + (2 * (24 * 32 + 4 * 2 * horizon) * horizon if model == "transformer" else 0)
        check_fits(f"agent train --batch {batch} --N {n} -T {horizon} --K {actions} --model {model}",
                   8 * batch * n * per_seq)

        from regretlab.agents.regret_loss import TrainConfig, config_differences, read_checkpoint, train

        cfg = TrainConfig(model=model, d=actions, T=horizon, steps=steps, batch=batch, N=n, k=k, h=h, lr=lr, data=data,
                          seed=seed, checkpoint_every=max(1, min(500, steps // 10 or 1)))
        con = Console(stderr=True, highlight=False)
        done = 0
        if checkpoint.exists():
            blob = read_checkpoint(checkpoint, "--checkpoint")
            diff = config_differences(blob["config"], cfg)
            if diff:
                detail = ", ".join(f"{_TRAIN_OPTION.get(f, f)} {old} (not {new})" for f, old, new in diff)
                raise ValueError(f"--checkpoint {str(checkpoint)!r} was trained with {detail}; give the same "
                                 f"options to resume it, or another --checkpoint to start afresh")
            done = int(blob["step"])
            if done > steps:
                raise ValueError(f"--steps {steps} is fewer than the {done} steps --checkpoint {str(checkpoint)!r} "
                                 f"already holds; give --steps > {done} to extend it")
            if done == steps:
                tail = blob["losses"][-50:]
                print(f"--checkpoint {checkpoint} already holds {done} steps of {model} training (final "
                      f"regret-loss {sum(tail) / len(tail):.4f}); nothing to do (give --steps > {done} to train on)")
                return
            con.print(f"resuming {checkpoint} from step {done} to {steps}")
        else:
            con.print(f"training {model} for {steps} steps; checkpoint {checkpoint} every {cfg.checkpoint_every} steps")
        res = train(cfg, checkpoint, progress=progress)
        ran = f"steps {done + 1}-{steps}, resumed from step {done}" if done else "from scratch"
        print(f"trained {model} to step {res.step} of {steps} ({ran}); final regret-loss {res.final_loss():.4f} "
              f"(mean of the last {min(50, res.step)} steps); checkpoint {checkpoint}")
        print(f"play it: regretlab agent run --checkpoint {checkpoint} --setting alternating -T {horizon} --K {actions}")


_TRAIN_OPTION = {"model": "--model", "d": "--K", "T": "--T", "batch": "--batch", "N": "--N", "k": "--k", "h": "--h",
                 "lr": "--lr", "data": "--data", "seed": "--seed"}


def _check_outputs(store: Path, out: Path) -> None:
    """Refuse a --store that is a folder or an --out that is a file before any work."""
    if store.exists() and store.is_dir():
        raise ValueError(f"--store must be a DuckDB file, got the folder {str(store)!r}")
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out must be a folder for the regret plot, got the file {str(out)!r}")


# the options of `agent run` by config field of agents_run, to name them as the user typed them
RUN_OPTIONS = {"agent": "--agent", "endpoint": "--endpoint", "model": "--model", "api_key_env": "--api-key-env",
               "local": "--local", "checkpoint": "--checkpoint", "setting": "--setting", "T": "--T", "runs": "--runs",
               "K": "--K", "feedback": "--feedback", "timeout": "--timeout", "retries": "--retries",
               "request_retries": "--request-retries", "backoff": "--backoff", "fallback": "--fallback"}


def _run_agent_cell(params: dict, seed: int, store: Path, out: Path) -> None:
    """The path of ``regretlab run``: check the config, build the cell, run it with
    :func:`regretlab.sweep.execute`, store it with :func:`regretlab.sweep.store_cell` (a stopped
    run as a failed cell with its finished rounds), then print the verdicts and draw the plot."""
    from rich.console import Console
    from rich.table import Table

    from regretlab.core.errors import check_fits
    from regretlab.experiments import agents_run, get_experiment
    from regretlab.store import Store, StoreInUse, save_pending
    from regretlab.sweep import Cell, execute, store_cell, validate_config

    exp = get_experiment(agents_run.NAME)
    config = exp.make_config(**params)
    agents_run.check(config, names=RUN_OPTIONS)  # every option, the setting and the checkpoint: before any work
    nbytes, seconds = config.estimate()
    check_fits(f"agent run -T {config.T} --runs {config.runs} on {config.setting}", nbytes, seconds=seconds)
    validate_config(config, names=RUN_OPTIONS)
    cell = Cell(agents_run.NAME, tuple(sorted(params.items())), seed)
    key = cell.key
    with Store(store) as db:  # a bad, damaged or busy store fails now, not after the work
        db.check(agents_run.NAME)
    status, rows, started, error = execute(cell.experiment, cell.params, cell.seed)
    first = (error or "failed").splitlines()[0]
    message = re.sub(r"^[A-Za-z_.]*(Error|Stopped|Exception): ", "", first)
    if status != "ok":
        kept = agents_run.take_partial(key)
        if rows is None and kept is not None:
            from regretlab.store import to_arrow

            rows = to_arrow(kept)  # the finished rounds of a stopped run (execute reports only the error)
        if not first.startswith("AgentStopped"):
            raise ValueError(message)
    rounds = max(rows.column("round").to_pylist()) if rows is not None and rows.num_rows else 0
    try:
        with Store(store, wait=120.0) as db:
            store_cell(db, cell, (status, rows, started, error), key)
        where = f"stored cell {key} in {store} (experiment {agents_run.NAME})"
    except (StoreInUse, ValueError) as exc:
        if status != "ok":
            raise ValueError(f"{message}; the {rounds} finished rounds could not be stored: {exc}") from None
        path = save_pending(store, cell.experiment, cell.config, seed, rows, started=started, key=key)
        where = f"kept cell {key} in {path}; it is added to {store} the next time the store is opened"
    con = Console(width=160)
    shown = rows is not None and rows.num_rows > 0
    feedback = str(rows.column("feedback")[0]) if shown else config.feedback
    agent = str(rows.column("agent")[0]) if shown else ""
    table = Table(title=f"{agent} on {config.setting} (T={config.T}, runs={config.runs}, feedback={feedback})")
    for col in ("agent", "player", "rounds", "final regret", "CCE gap", "trend p", "slope", "slope p", "verdict",
                "fallbacks"):
        table.add_column(col)
    for v in agents_run.verdicts(rows) if shown else []:
        table.add_row(v["learner"], str(v["player"]), str(v["rounds"]), f"{v['final_regret']:.3f}",
                      f"{v['cce_gap']:.4f}" if v["cce_gap"] == v["cce_gap"] else "-", f"{v['trend_pvalue']:.3g}",
                      f"{v['slope']:.3f}", f"{v['slope_pvalue']:.3g}", v["verdict"], str(v["fallbacks"]))
    con.print(table)
    if shown:
        for path in exp.plot(rows, out):
            con.print(f"regret plot: {path}")
    con.print(where)
    if status != "ok":
        raise ValueError(f"run stopped early, {rounds} rounds kept in {store}: {message}")
