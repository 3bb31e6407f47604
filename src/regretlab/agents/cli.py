"""``regretlab agent ...``: measure the regret of any agent; train regret-loss models.

    regretlab agent run --agent hedge --setting alternating -T 100
    regretlab agent run --endpoint http://127.0.0.1:8000/v1 --model my-model --setting gaussian -T 25
    regretlab agent run --local path/to/hf-model --setting game:random3x3 -T 25
    regretlab agent train --model lsa --steps 5000 --checkpoint results/lsa.pt
    regretlab agent settings
"""

from __future__ import annotations

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
        fallback: str = typer.Option("uniform", "--fallback", help="uniform or previous"),
        store: Path = typer.Option(Path("results") / "regretlab.duckdb", "--store", help="DuckDB results file"),
        out: Path = typer.Option(Path("results"), "--out", help="folder for the regret plot"),
        progress: bool = typer.Option(True, "--progress/--no-progress", help="show a progress bar"),
    ) -> None:
        """Run one agent on a setting, store every round (and every prompt/reply), report regret and verdicts."""
        from rich.console import Console
        from rich.table import Table

        from regretlab.agents.settings import get_setting, run_setting, summarize
        from regretlab.core.errors import check_int, check_positive
        from regretlab.store import Store

        UserError = ValueError  # the CLI's main prints a ValueError as one line (exit code 2)

        chosen = [x for x in (agent, endpoint, local, checkpoint) if x is not None]
        if len(chosen) != 1:
            raise UserError("give exactly one of --agent NAME, --endpoint URL (with --model), --local PATH, --checkpoint PATH")
        if agent is not None and not [a for a in agent.split(",") if a.strip()]:
            raise UserError(f"--agent must name a learner (regretlab list learners) or exp3, got {agent!r}")
        if model is not None and endpoint is None:
            raise UserError("--model names the model served by --endpoint; give --endpoint URL too")
        if endpoint is not None:
            import re

            if not re.match(r"https?://[^/\s]+", endpoint):
                raise UserError(f"--endpoint must be an http(s) URL such as http://127.0.0.1:8000/v1, got {endpoint!r}")
            if model is not None and not model.strip():
                raise UserError("--model must be a non-empty model name")
        if horizon < 2:
            raise UserError(f"--T must be >= 2 (the sublinearity tests need at least two rounds), got {horizon}")
        check_int("--runs", runs, minimum=1)
        check_int("--K", actions, minimum=2)
        check_int("--seed", seed, minimum=0)
        check_positive("--timeout", timeout)
        check_int("--retries", retries, minimum=0)
        check_int("--request-retries", request_retries, minimum=0)
        if fallback not in ("uniform", "previous"):
            raise UserError(f"--fallback must be 'uniform' or 'previous', got {fallback!r}")
        _check_outputs(store, out)
        if local is not None:
            if not local.exists():
                raise FileNotFoundError(f"--local folder {str(local)!r} does not exist")
            if not local.is_dir():
                raise UserError(f"--local must be a folder holding a saved Hugging Face model, got the file {str(local)!r}")
            if not (local / "config.json").is_file():
                raise UserError(f"--local folder {str(local)!r} holds no config.json; expected a model folder "
                                f"written by save_pretrained")
        try:
            spec = get_setting(setting, actions)  # unknown setting: one clear error before any work
        except ValueError as exc:
            raise UserError(f"--setting: {exc}") from None
        online_fb, game_fb = ("full", "bandit"), ("realized", "expected")
        if feedback is None:
            feedback = "full" if spec.kind == "online" else "realized"
        if feedback not in (online_fb if spec.kind == "online" else game_fb):
            raise UserError(f"--feedback for {'an online' if spec.kind == 'online' else 'a game'} setting must be one of "
                            f"{', '.join(online_fb if spec.kind == 'online' else game_fb)}, got {feedback!r}")
        # the trace (per-round arrays) and the stored rows (numbers and strategy/loss strings per
        # round and run): about 300 B per round plus 400 B + 50 B per action per round and run (measured
        # 447 MB at -T 200000 --runs 4, K = 2)
        width = spec.num_actions if isinstance(spec.num_actions, int) else sum(spec.num_actions)
        from regretlab.mechanisms._fits import check_fits

        check_fits(f"agent run -T {horizon} --runs {runs} on {setting}",
                   horizon * (300 + runs * (400 + 50 * width)), seconds=2e-6 * horizon * runs)
        if spec.kind == "online" and agent is not None and "," in agent.strip(", "):
            raise UserError(f"--agent takes one name in an online-learning setting (several names only in a "
                            f"game, where player i gets the i-th), got {agent!r}; run once per agent to compare")
        if checkpoint is not None:
            from regretlab.agents.regret_loss import read_checkpoint

            trained = read_checkpoint(checkpoint, "--checkpoint")["config"]
            need = spec.num_actions if isinstance(spec.num_actions, int) else sorted(set(spec.num_actions))
            if need != trained.get("d") and need != [trained.get("d")]:
                raise UserError(f"--checkpoint {str(checkpoint)!r} plays {trained.get('d')} actions; setting "
                                f"{setting!r} has {need} (give --K {trained.get('d')} or train with --K {need})")
            if trained.get("model") == "transformer" and horizon > int(trained.get("T", horizon)):
                raise UserError(f"--T {horizon} exceeds the {trained['T']} rounds the --checkpoint transformer "
                                f"was trained for; give --T <= {trained['T']}")
        factory, label = _factory(agent, endpoint, model, api_key_env, local, checkpoint, timeout, retries,
                                  request_retries, fallback, seed, feedback,
                                  (-1.0, 0.0) if spec.kind == "online" else (0.0, 1.0))
        with Store(store) as db:
            trace, error = run_setting(factory, setting, horizon, runs=runs, seed=seed, feedback=feedback,
                                       num_actions=actions, progress=progress, store=db, label=label)
        con = Console(width=160)
        table = Table(title=f"{label} on {setting} (T={horizon}, runs={runs}, feedback={feedback})")
        for col in ("agent", "player", "rounds", "final regret", "CCE gap", "trend p", "slope", "slope p", "verdict", "fallbacks"):
            table.add_column(col)
        for s in summarize(trace):
            verdict = ("sublinear" if s["trend_reject"] and s["slope_sublinear"] else
                       "mixed" if s["trend_reject"] or s["slope_sublinear"] else "not sublinear")
            table.add_row(str(s["agent"]), str(s["player"]), str(s["rounds"]), f"{s['final_regret']:.3f}",
                          f"{s['cce_gap']:.4f}" if "cce_gap" in s else "-", f"{s['trend_pvalue']:.3g}",
                          f"{s['slope']:.3f}", f"{s['slope_pvalue']:.3g}", verdict, str(s["fallbacks"]))
        con.print(table)
        if trace.regret.shape[0] >= 1:
            import re

            stem = re.sub(r"[^A-Za-z0-9_.+-]", "_", f"agent_{label}_{setting}")
            path = _plot(trace, out / f"{stem}.png")
            con.print(f"regret plot: {path}")
        con.print(f"stored in {store} (experiments agent, agent_transcripts, agent_tests)")
        if error is not None:
            raise UserError(f"run stopped early, {trace.regret.shape[0]} rounds kept in {store}: {error}")

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


def _factory(agent, endpoint, model, api_key_env, local, checkpoint, timeout, retries, request_retries, fallback,
             seed, feedback, utility_range=None):
    UserError = ValueError

    if agent is not None:
        from regretlab.agents.harness import as_agent
        from regretlab.agents.settings import exp3
        from regretlab.core import learners

        names = [a.strip() for a in agent.split(",") if a.strip()]
        for a in names:
            if a != "exp3":
                learners.get(a)  # unknown name: clear error now
        calls = iter(range(10**9))

        def make(T, k):  # in a game, player i gets names[i % len(names)]
            a = names[next(calls) % len(names)]
            return exp3(T, k) if a == "exp3" else as_agent(a, horizon=T, utility_range=utility_range)

        return make, ",".join(names)
    if endpoint is not None:
        if not model:
            raise UserError("--endpoint needs --model NAME (the model the endpoint serves)")
        from regretlab.agents.text import ChatAgent

        return (lambda T, k: ChatAgent(endpoint, model, api_key_env=api_key_env, timeout=timeout,
                                       request_retries=request_retries, max_retries=retries, fallback=fallback,
                                       seed=seed)), f"chat:{model}"
    if local is not None:
        from regretlab.agents.text import HFAgent

        try:
            loaded = HFAgent(str(local), max_retries=retries, fallback=fallback)
        except (OSError, ValueError, KeyError) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise UserError(f"--local {str(local)!r} is not a loadable Hugging Face causal LM: {first}") from None
        pair = (loaded.model, loaded.tokenizer)
        return (lambda T, k: HFAgent(pair, max_retries=retries, fallback=fallback, name=loaded.name)), loaded.name
    if feedback == "bandit":
        raise UserError("a --checkpoint model reads full loss vectors; use --feedback full")
    from regretlab.agents.regret_loss import ModelAgent, load

    net = load(checkpoint, "--checkpoint")
    return (lambda T, k: ModelAgent(net, name=f"{net.kind}")), f"model:{Path(checkpoint).stem}"


def _plot(trace, path: Path) -> Path:
    from regretlab.agents.harness import AgentTrace
    from regretlab.plot import line_plot

    t = None
    series = {}
    if isinstance(trace, AgentTrace):
        t = np.arange(1, trace.regret.shape[0] + 1)
        series[trace.agent] = (t, trace.regret.mean(axis=1))
    else:
        t = np.arange(1, trace.regret.shape[0] + 1)
        for i, name in enumerate(trace.agents):
            series[f"player {i} ({name})"] = (t, trace.regret[:, :, i].mean(axis=1))
    series["sqrt(t)"] = (t, np.sqrt(t))
    return line_plot(series, path, xlabel="round t", ylabel="regret", title="Regret (mean over runs)")


import numpy as np  # noqa: E402  (light; kept at the bottom so that the module stays cheap to scan)
