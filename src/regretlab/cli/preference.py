"""``regretlab preference ...``: solve tabular preference games and run the INPO trainer.

Every option is checked before any work, and an error names the option (or the file and line) as
the user typed it. torch / transformers are imported inside the ``train`` command only.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, Optional

import typer

#: the trainer's methods, as the CLI spells them (``_`` -> ``-``); mirrors torch_loss.METHOD_LOSSES
METHODS = ("inpo", "nash-md", "online-ipo", "ipo", "sppo", "dno", "spin", "dpo", "xpo")

#: TrainerConfig fields and the options that set them (for messages of checks the CLI leaves to it)
_TRAIN_OPTIONS = {"loss": "--method", "eta": "--eta", "alpha": "--alpha", "lam": "--lam", "mixture": "--mixture", "tau": "--tau", "beta": "--beta", "iterations": "--iterations",
                  "num_samples": "--samples", "pair_selection": "--pairs", "max_new_tokens": "--max-new-tokens",
                  "learning_rate": "--learning-rate", "epochs": "--epochs", "batch_size": "--batch-size",
                  "seed": "--seed"}


def _read_text(path: Path, option: str, kind: str = "file") -> str:
    if not path.exists():
        raise FileNotFoundError(f"{option} {kind} {str(path)!r} does not exist")
    if not path.is_file():
        raise ValueError(f"{option} must be a {kind}, got the folder {str(path)!r}")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{option} {kind} {str(path)!r} is not UTF-8 text (byte {exc.start}); expected JSON") from None


def _read_matrix(path: Path) -> Any:
    """The preference array of ``MATRIX``; errors name the file (and line) and the problem."""
    text = _read_text(path, "MATRIX")
    if not text.strip():
        raise ValueError(f"MATRIX file {str(path)!r} is empty; expected a JSON [Y, Y] or [X, Y, Y] array")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"MATRIX file {str(path)!r} is not valid JSON: {exc.msg} at line {exc.lineno}, "
                         f"column {exc.colno}") from None


def _parse_ref(text: str) -> Any:
    """``--ref 0.6,0.3,0.1`` as numbers; errors name --ref and the bad entry."""
    import numpy as np

    parts = text.split(",")
    values = []
    for i, part in enumerate(parts, 1):
        item = part.strip()
        if not item:
            raise ValueError(f"--ref entry {i} of {len(parts)} is empty in {text!r}; expected comma-separated "
                             f"probabilities such as 0.6,0.3,0.1")
        try:
            v = float(item)
        except ValueError:
            raise ValueError(f"--ref entry {i} of {len(parts)} is {item!r}, not a number; expected comma-separated "
                             f"probabilities such as 0.6,0.3,0.1") from None
        if not math.isfinite(v) or v <= 0:
            raise ValueError(f"--ref entry {i} is {item!r}; every entry must be a probability > 0 (full support)")
        values.append(v)
    ref = np.array(values)
    if abs(ref.sum() - 1) > 1e-6:
        raise ValueError(f"--ref entries must sum to 1, got {ref.sum():.6g} for {text!r}")
    return ref


def _check_prompts(path: Path) -> None:
    """Name the file and line of a bad prompt before load_prompts reads it."""
    text = _read_text(path, "--prompts")
    count = 0
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        count += 1
        if path.suffix == ".jsonl":
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"--prompts file {str(path)!r} line {i} is not valid JSON: {exc.msg} at column "
                                 f"{exc.colno}") from None
            if not isinstance(row, dict) or not isinstance(row.get("prompt"), str):
                raise ValueError(f"--prompts file {str(path)!r} line {i} must be a JSON object with a string "
                                 f"'prompt' field")
    if count == 0:
        raise ValueError(f"--prompts file {str(path)!r} has no prompts (expected one per line, or JSONL objects "
                         f"with a 'prompt' field)")


def _check_folder(path: Optional[Path], option: str) -> None:
    if path is None:
        return
    if not path.exists():
        raise FileNotFoundError(f"{option} folder {str(path)!r} does not exist")
    if not path.is_dir():
        raise ValueError(f"{option} must be a folder holding a saved Hugging Face model, got the file {str(path)!r}")
    if not (path / "config.json").is_file():
        raise ValueError(f"{option} folder {str(path)!r} holds no config.json; expected a model folder written by "
                         f"save_pretrained")


def _check_output(output: Path) -> None:
    """``--output`` is a folder (or absent); the last finished iteration's state.json must parse."""
    if not output.exists():
        return
    if not output.is_dir():
        raise ValueError(f"--output must be a folder for the iteration checkpoints, got the file {str(output)!r}")
    done = sorted(p for p in output.glob("iter_*") if (p / "state.json").exists())
    if not done:
        return
    state = done[-1] / "state.json"
    try:
        info = json.loads(state.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        where = f" at line {exc.lineno}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise ValueError(f"--output checkpoint {str(state)!r} is not valid JSON{where}; remove that iteration "
                         f"folder to redo it") from None
    if not isinstance(info, dict) or not isinstance(info.get("iteration"), int):
        raise ValueError(f"--output checkpoint {str(state)!r} has no integer 'iteration'; remove that iteration "
                         f"folder to redo it")


def _load_failure(option: str, path: Path, exc: BaseException) -> ValueError:
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return ValueError(f"{option} {str(path)!r} could not be loaded as a Hugging Face model: {first}")


def _launch(params: dict, processes: int, cpu: bool) -> int:
    """Run this ``preference train`` command again on ``processes`` processes; returns the launcher's exit code.

    CPU: ``torch.distributed.run --standalone`` (torchrun; accelerate's own CPU launcher needs MPI), and each
    process's ``accelerate.Accelerator`` picks the gloo backend; CUDA: ``accelerate launch --multi_gpu``. The
    options are those of the current command (``--processes`` left out).
    """
    import subprocess
    import sys

    try:
        import accelerate  # noqa: F401
    except ImportError:
        raise ValueError("--processes > 1 needs the 'accelerate' package ([llm] extra: pip install accelerate)") \
            from None
    args = []
    for name, value in params.items():
        if value is not None and name != "processes":
            args += ["--" + name.replace("_", "-"), str(value)]
    if cpu:
        cmd = [sys.executable, "-c", "from regretlab.cli.preference import _torchrun; _torchrun()", "--standalone",
               "--nproc_per_node", str(processes)]
    else:
        cmd = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", str(processes),
               "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no"]
    env = {**os.environ, "ACCELERATE_USE_CPU": str(cpu).lower()}
    return subprocess.run(cmd + ["-m", "regretlab.cli", "preference", "train", *args], env=env).returncode


def first_failure(failures: dict) -> tuple[int, object]:
    """``(rank, failure)`` of the process that failed by itself: the earliest with a positive exit code, not one
    the launcher then stopped with a signal (a negative code: when rank 1 raises first, rank 0 is sent SIGTERM
    and is reported failed too); the lowest rank when none exited by itself.

    Example:
        >>> from types import SimpleNamespace as F
        >>> first_failure({0: F(exitcode=-15, timestamp=2), 1: F(exitcode=2, timestamp=1)})[0]
        1
    """
    own = {r: f for r, f in failures.items() if isinstance(f.exitcode, int) and f.exitcode > 0}
    if own:
        return min(own.items(), key=lambda item: (getattr(item[1], "timestamp", 0), item[0]))
    return min(failures.items(), key=lambda item: item[0])


def _torchrun() -> None:
    """``python -m torch.distributed.run`` (arguments from ``sys.argv``), without its traceback when a process fails.

    The processes print their own errors (a sampling or judging error once, by the main process); a failed run
    exits with the first failed process's code and, unless that code is 2 (an error already printed), one line.
    """
    import sys

    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.run import parse_args, run

    try:
        run(parse_args(sys.argv[1:]))
    except ChildFailedError as exc:
        rank, failure = first_failure(exc.failures)
        code = failure.exitcode if isinstance(failure.exitcode, int) and failure.exitcode > 0 else 1
        if code != 2:
            from regretlab.cli import error_line

            error_line(f"process {rank} of the run failed with exit code {failure.exitcode} (its output is above)")
        sys.exit(code)


def register(app: typer.Typer) -> None:
    """Add the ``preference`` command group to the ``regretlab`` app."""
    sub = typer.Typer(help="Preference learning with general preferences (INPO, Nash-MD, online IPO, SPPO, DNO, SPIN, XPO, DPO, IPO).", no_args_is_help=True)

    @sub.command("nash")
    def nash_cmd(
        matrix: Path = typer.Argument(..., help="JSON file: a [Y, Y] or [X, Y, Y] preference array P[y, y'] = Pr(y beats y')"),
        tau: float = typer.Option(0.1, help="KL strength tau (0: von Neumann winner, single context only)"),
        ref: Optional[str] = typer.Option(None, help="reference policy as comma-separated numbers (default uniform)"),
    ) -> None:
        """Print the regularised Nash policy pi*_tau and its duality gap."""
        import numpy as np

        from regretlab.core.errors import check_positive
        from regretlab.preference import PreferenceGame, duality_gap, regularized_nash, von_neumann_winner
        from regretlab.preference.games import check_preference

        check_positive("--tau", tau, allow_zero=True)
        ref_arr = None if ref is None else _parse_ref(ref)
        P = check_preference(f"the matrix in MATRIX file {str(matrix)!r}", _read_matrix(matrix))
        X, Y = P.shape[0], P.shape[1]
        if ref_arr is not None and ref_arr.size != Y:
            raise ValueError(f"--ref has {ref_arr.size} entries but the matrix has {Y} responses; "
                             f"ref must have shape [{Y}]")
        if tau == 0 and X != 1:
            raise ValueError(f"--tau 0 (the von Neumann winner) needs a single [Y, Y] matrix; MATRIX file "
                             f"{str(matrix)!r} holds {X} contexts")
        game = PreferenceGame.make(P if X > 1 else P[0], ref_arr, tau=tau)
        pi = von_neumann_winner(P[0]) if tau == 0 else regularized_nash(game)
        np.set_printoptions(precision=6, suppress=True)
        print(f"pi* = {np.asarray(pi)}")
        print(f"duality gap = {duality_gap(game, pi):.3e}")

    @sub.command("train")
    def train_cmd(
        ctx: typer.Context,
        model: Path = typer.Option(..., help="local Hugging Face causal LM folder (policy and pi_ref)"),
        prompts: Path = typer.Option(..., help="prompts: .jsonl with a 'prompt' field, or text, one per line"),
        output: Path = typer.Option(..., help="checkpoint folder (iter_XXX/ per iteration; resumes)"),
        method: Optional[str] = typer.Option(None, help="inpo | nash-md | online-ipo | ipo | sppo | dno | spin | dpo | "
                                             "xpo (default inpo)"),
        loss: Optional[str] = typer.Option(None, help="older name of --method"),
        eta: float = typer.Option(2.0, help="INPO / Nash-MD / SPPO step eta (INPO authors' eta_code = 1/eta); DNO's eta"),
        tau: float = typer.Option(0.1, help="INPO / Nash-MD KL strength tau (INPO authors' ratio = eta*tau)"),
        beta: float = typer.Option(0.1, help="DPO / IPO / online-IPO / XPO beta"),
        alpha: float = typer.Option(1e-4, help="XPO exploration coefficient alpha >= 0"),
        lam: float = typer.Option(1.0, help="SPIN lambda > 0"),
        mixture: float = typer.Option(0.0, help="online-IPO geometric-mixture weight in [0, 1] (> 0: IPO-MD)"),
        demonstrations: Optional[Path] = typer.Option(None, help="SPIN: text file, one demonstration per prompt line"),
        iterations: int = typer.Option(3, help="outer iterations"),
        samples: int = typer.Option(8, help="responses K per prompt"),
        pairs: str = typer.Option("tournament", help="tournament | random | all"),
        max_new_tokens: int = typer.Option(64, help="generation length"),
        learning_rate: float = typer.Option(5e-7, help="AdamW learning rate"),
        batch_size: int = typer.Option(8, help="pairs per step"),
        epochs: int = typer.Option(1, help="passes over each iteration's pairs"),
        pair_model: Optional[Path] = typer.Option(None, help="oracle: pairwise preference LM folder"),
        reward_model: Optional[Path] = typer.Option(None, help="oracle: Bradley-Terry reward model folder"),
        judge_url: Optional[str] = typer.Option(None, help="oracle: OpenAI-compatible base URL of an LLM judge"),
        judge_model: str = typer.Option("judge", help="model name sent to the judge"),
        device: str = typer.Option("cpu", help="torch device"),
        seed: int = typer.Option(0, help="seed"),
        processes: int = typer.Option(1, help="data-parallel processes (> 1: relaunched through `accelerate launch`; "
                                      "--device cpu uses the gloo backend)"),
    ) -> None:
        """Iterative preference optimisation (INPO, Nash-MD, online IPO, SPPO, DNO, SPIN, XPO, DPO, IPO) on a local
        causal LM with a preference oracle; resumes from OUTPUT."""
        import re

        from regretlab.core.errors import check_int, check_positive, check_probability

        # every option first (cheap), then the files, then the models (slow)
        if method is not None and loss is not None and method.replace("_", "-") != loss.replace("_", "-"):
            raise ValueError(f"give --method or its older name --loss, not both (got --method {method} --loss {loss})")
        option = "--method" if method is not None or loss is None else "--loss"
        chosen_method = (method if method is not None else loss if loss is not None else "inpo").replace("_", "-")
        if chosen_method not in METHODS:
            raise ValueError(f"{option} must be one of {' | '.join(METHODS)}, got {chosen_method!r}")
        check_positive("--eta", eta)
        check_positive("--tau", tau, allow_zero=True)
        if chosen_method == "inpo" and eta * tau >= 1:
            raise ValueError(f"--eta times --tau must be < 1 (INPO's step), got --eta {eta:g} --tau {tau:g} "
                             f"(product {eta * tau:g})")
        if chosen_method == "nash-md" and eta * tau > 1:
            raise ValueError(f"--eta times --tau is Nash-MD's mixture weight and must be in [0, 1], got --eta {eta:g} "
                             f"--tau {tau:g} (product {eta * tau:g})")
        check_positive("--beta", beta)
        check_positive("--alpha", alpha, allow_zero=True)
        check_positive("--lam", lam)
        check_probability("--mixture", mixture)
        if chosen_method in ("sppo", "dno") and samples < 3:
            raise ValueError(f"--samples must be >= 3 for --method {chosen_method} (win rates come from the other "
                             f"samples), got {samples}")
        if (chosen_method == "spin") != (demonstrations is not None):
            raise ValueError("--demonstrations is required by --method spin and used by it only")
        check_int("--iterations", iterations)
        check_int("--samples", samples, minimum=2)
        if pairs not in ("tournament", "random", "all"):
            raise ValueError(f"--pairs must be 'tournament', 'random' or 'all', got {pairs!r}")
        check_int("--max-new-tokens", max_new_tokens)
        check_positive("--learning-rate", learning_rate)
        check_int("--batch-size", batch_size)
        check_int("--epochs", epochs)
        check_int("--seed", seed, minimum=0)
        chosen = [o for o in (pair_model, reward_model, judge_url) if o is not None]
        if len(chosen) != 1:
            raise ValueError("give exactly one oracle: --pair-model, --reward-model or --judge-url")
        if judge_url is not None and not re.match(r"https?://[^/\s]+", judge_url):
            raise ValueError(f"--judge-url must be an http(s) URL such as http://127.0.0.1:8000/v1, got {judge_url!r}")
        if not judge_model.strip():
            raise ValueError("--judge-model must be a non-empty model name")
        _check_folder(model, "--model")
        _check_folder(pair_model, "--pair-model")
        _check_folder(reward_model, "--reward-model")
        _check_prompts(prompts)
        demos = None
        if demonstrations is not None:
            demos = [ln for ln in _read_text(demonstrations, "--demonstrations").splitlines() if ln.strip()]
            if not demos:
                raise ValueError(f"--demonstrations file {str(demonstrations)!r} is empty; expected one response "
                                 f"per prompt")
        _check_output(output)
        check_int("--processes", processes)

        from regretlab.preference.trainer import TrainerConfig

        try:
            cfg = TrainerConfig(loss=chosen_method.replace("-", "_"), eta=eta, tau=tau, beta=beta, alpha=alpha, lam=lam,
                                mixture=mixture, iterations=iterations, num_samples=samples,
                                pair_selection=pairs, max_new_tokens=max_new_tokens, learning_rate=learning_rate,
                                batch_size=batch_size, epochs=epochs, seed=seed)
        except (TypeError, ValueError) as exc:  # a check the CLI does not repeat: name the option
            msg = str(exc)
            field = next((f for f in sorted(_TRAIN_OPTIONS, key=len, reverse=True) if msg.startswith(f)), None)
            raise type(exc)(_TRAIN_OPTIONS[field] + msg[len(field):] if field else msg) from None

        import torch

        try:
            dev = torch.device(device)
        except (RuntimeError, ValueError, TypeError):
            raise ValueError(f"--device must be a torch device such as cpu or cuda:0, got {device!r}") from None
        if dev.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"--device {device}: CUDA is not available on this machine; use --device cpu")
        if processes > 1 and "WORLD_SIZE" not in os.environ:
            raise typer.Exit(_launch(ctx.params, processes, dev.type == "cpu"))
        accelerator = None
        if int(os.environ.get("WORLD_SIZE", "1")) > 1:  # one of the launched processes
            try:
                from accelerate import Accelerator
            except ImportError:
                raise ValueError("a multi-process run needs the 'accelerate' package ([llm] extra)") from None
            accelerator = Accelerator(cpu=dev.type == "cpu")
            device = str(accelerator.device)
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from regretlab.preference.data import load_prompts
        from regretlab.preference.oracles import HTTPJudgeOracle, PairwiseModelOracle, RewardModelOracle
        from regretlab.preference.trainer import PreferenceTrainer

        try:
            tok = AutoTokenizer.from_pretrained(str(model), local_files_only=True)
            lm = AutoModelForCausalLM.from_pretrained(str(model), local_files_only=True).to(device)
        except (OSError, ValueError, KeyError) as exc:
            raise _load_failure("--model", model, exc) from None
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token
        if pair_model is not None:
            try:
                oracle = PairwiseModelOracle(str(pair_model), device=device)
            except (OSError, KeyError) as exc:
                raise _load_failure("--pair-model", pair_model, exc) from None
        elif reward_model is not None:
            try:
                oracle = RewardModelOracle(str(reward_model), device=device)
            except (OSError, KeyError) as exc:
                raise _load_failure("--reward-model", reward_model, exc) from None
        else:
            oracle = HTTPJudgeOracle(judge_url, judge_model)
        prompt_list = load_prompts(prompts)
        if demos is not None and len(demos) != len(prompt_list):
            raise ValueError(f"--demonstrations has {len(demos)} lines but --prompts has {len(prompt_list)} prompts; "
                             f"give one demonstration per prompt")
        trainer = PreferenceTrainer(lm, tok, oracle, prompt_list, cfg, output, demonstrations=demos,
                                    accelerator=accelerator if accelerator is not None else False)
        say = print if trainer.is_main_process else (lambda *a: None)
        done = trainer.resume()
        if done:
            say(f"resuming after iteration {done}")
        while trainer.iteration < cfg.iterations:
            try:
                r = trainer.step()
            except Exception as exc:
                if not getattr(exc, "on_every_process", False):
                    raise
                # a sampling or judging error, raised on every process: the main process prints it, once
                if trainer.is_main_process:
                    from regretlab.cli import error_line

                    error_line(str(exc) or type(exc).__name__)
                trainer.accelerator.wait_for_everyone()
                raise typer.Exit(2) from None
            say(f"iteration {r.iteration}: {r.pairs} pairs, loss {r.loss_first:.4f} -> {r.loss_last:.4f}, "
                f"{r.generated_tokens / max(r.generation_seconds, 1e-9):.0f} generated tok/s")
        procs = ""
        if trainer.num_processes > 1:
            procs = f" on {trainer.num_processes} processes ({getattr(trainer.accelerator.state, 'backend', None)})"
        say(f"done: {cfg.loss.replace('_', '-')}, {trainer.iteration} iterations{procs}; checkpoints in {output}")

    app.add_typer(sub, name="preference")
