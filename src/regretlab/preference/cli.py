"""``regretlab preference ...``: solve tabular preference games and run the INPO trainer.

torch / transformers are imported inside the ``train`` command only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    """Add the ``preference`` command group to the ``regretlab`` app."""
    sub = typer.Typer(help="Preference learning with general preferences (INPO).", no_args_is_help=True)

    @sub.command("nash")
    def nash_cmd(
        matrix: Path = typer.Argument(..., help="JSON file: a [Y, Y] or [X, Y, Y] preference array P[y, y'] = Pr(y beats y')"),
        tau: float = typer.Option(0.1, help="KL strength tau (0: von Neumann winner, single context only)"),
        ref: Optional[str] = typer.Option(None, help="reference policy as comma-separated numbers (default uniform)"),
    ) -> None:
        """Print the regularised Nash policy pi*_tau and its duality gap."""
        import numpy as np

        from regretlab.preference import PreferenceGame, duality_gap, regularized_nash, von_neumann_winner

        if not matrix.exists():
            raise FileNotFoundError(f"matrix file {str(matrix)!r} does not exist")
        P = np.asarray(json.loads(matrix.read_text()), dtype=float)
        ref_arr = None if ref is None else np.array([float(v) for v in ref.split(",")])
        game = PreferenceGame.make(P, ref_arr, tau=tau)
        pi = von_neumann_winner(P) if tau == 0 else regularized_nash(game)
        np.set_printoptions(precision=6, suppress=True)
        print(f"pi* = {np.asarray(pi)}")
        print(f"duality gap = {duality_gap(game, pi):.3e}")

    @sub.command("train")
    def train_cmd(
        model: Path = typer.Option(..., help="local Hugging Face causal LM folder (policy and pi_ref)"),
        prompts: Path = typer.Option(..., help="prompts: .jsonl with a 'prompt' field, or text, one per line"),
        output: Path = typer.Option(..., help="checkpoint folder (iter_XXX/ per iteration; resumes)"),
        loss: str = typer.Option("inpo", help="inpo | dpo | ipo"),
        eta: float = typer.Option(2.0, help="INPO step eta (authors' eta_code = 1/eta)"),
        tau: float = typer.Option(0.1, help="INPO KL strength tau (authors' ratio = eta*tau)"),
        beta: float = typer.Option(0.1, help="DPO/IPO beta"),
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
    ) -> None:
        """Iterative INPO (or DPO/IPO) on a local causal LM with a preference oracle; resumes from OUTPUT."""
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from regretlab.preference.data import load_prompts
        from regretlab.preference.oracles import HTTPJudgeOracle, PairwiseModelOracle, RewardModelOracle
        from regretlab.preference.trainer import PreferenceTrainer, TrainerConfig

        chosen = [o for o in (pair_model, reward_model, judge_url) if o is not None]
        if len(chosen) != 1:
            raise ValueError("give exactly one oracle: --pair-model, --reward-model or --judge-url")
        if pair_model is not None:
            oracle = PairwiseModelOracle(str(pair_model), device=device)
        elif reward_model is not None:
            oracle = RewardModelOracle(str(reward_model), device=device)
        else:
            oracle = HTTPJudgeOracle(judge_url, judge_model)
        if not model.exists():
            raise FileNotFoundError(f"model folder {str(model)!r} does not exist")
        tok = AutoTokenizer.from_pretrained(str(model), local_files_only=True)
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token
        lm = AutoModelForCausalLM.from_pretrained(str(model), local_files_only=True).to(device)
        cfg = TrainerConfig(loss=loss, eta=eta, tau=tau, beta=beta, iterations=iterations, num_samples=samples,
                            pair_selection=pairs, max_new_tokens=max_new_tokens, learning_rate=learning_rate,
                            batch_size=batch_size, epochs=epochs, seed=seed)
        trainer = PreferenceTrainer(lm, tok, oracle, load_prompts(prompts), cfg, output)
        done = trainer.resume()
        if done:
            print(f"resuming after iteration {done}")
        while trainer.iteration < cfg.iterations:
            r = trainer.step()
            print(f"iteration {r.iteration}: {r.pairs} pairs, loss {r.loss_first:.4f} -> {r.loss_last:.4f}, "
                  f"{r.generated_tokens / max(r.generation_seconds, 1e-9):.0f} generated tok/s")

    app.add_typer(sub, name="preference")
