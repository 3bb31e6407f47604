"""The whole PokerGPT pipeline in one call: bot tournament -> filtered records -> SFT -> RLHF ->
arena, returning the win rate of each training stage against each opponent bot.

Stages: ``bots`` (the ``teacher`` bot itself in the hero seat), ``sft`` (the LM after SFT) and
``sft+rlhf`` (after DPO / INPO on the preference pairs), the LM choosing the legal action it
finds most likely (:class:`~regretlab.poker.model.LMAgent`, ``decode="score"``); with
``free_text`` also ``sft:text`` and ``sft+rlhf:text``, the same models answering in free text
(greedy decoding, read by the arena's parser, illegal answers counted). The hero plays against
``players - 1`` copies of one opponent bot; duplicate deals with seat rotation (:mod:`.arena`).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from regretlab.poker.arena import arena
from regretlab.poker.bots import make_bot
from regretlab.poker.env import TableConfig
from regretlab.poker.pipeline import (
    decisions,
    keep_players,
    preference_pairs,
    sft_pairs,
    simulated_pairs,
)

__all__ = ["STAGES", "TEXT_STAGES", "evaluate_stages", "train_pipeline"]

STAGES = ("bots", "sft", "sft+rlhf")
TEXT_STAGES = ("sft:text", "sft+rlhf:text")


def train_pipeline(config: TableConfig, records: Sequence[dict[str, Any]], *, percentile: float = 50.0,
                   hidden: int = 48, layers: int = 2, heads: int = 4, epochs: int = 3, lr: float = 3e-3,
                   rlhf_loss: str = "dpo", rlhf_lr: float = 1e-4, rlhf_epochs: int = 1, beta: float = 0.1,
                   seed: int = 0, output_dir: str | Path | None = None, resume: bool = True,
                   preference: str = "outcome", rollouts: int = 8, features: bool = True,
                   max_pairs: int | None = None, rlhf_rounds: int = 1) -> dict[str, Any]:
    """Filter, build pairs, SFT then RLHF a tiny LM on ``records``; returns models and statistics.

    ``preference``: ``"outcome"`` (:func:`~regretlab.poker.pipeline.preference_pairs`) or
    ``"simulated"`` (:func:`~regretlab.poker.pipeline.simulated_pairs` with ``rollouts`` and
    ``max_pairs``: the action taken against a random other legal action) or ``"focused"`` (the same
    rollouts, but the other action is the SFT model's own answer, at the decisions where it
    disagrees with the recorded player).
    ``rlhf_rounds`` (focused pairs only): after each RLHF round, focused pairs are built again from
    the current model's own answers (where it still disagrees with the recorded player, ranked by
    the same rollouts) and the model is trained again by RLHF with itself as the reference: an
    iterated, DAgger-like correction (Ross et al. 2011) with rollout values as the expert.
    ``features``: prompts with the strength / equity / pot-odds part (:func:`~regretlab.poker.prompts.render`).

    Returns:
        ``{"tokenizer", "sft_model", "rlhf_model", "kept", "sft_pairs", "preference_pairs",
        "sft_history", "rlhf", "rounds"}`` (``sft_model`` is a copy taken before RLHF; ``rounds``: the
        pairs and RLHF statistics of each round; ``preference_pairs`` counts the pairs of all rounds).
    """
    from regretlab.poker.model import poker_tokenizer, rlhf, sft, tiny_model

    if isinstance(rlhf_rounds, bool) or not isinstance(rlhf_rounds, int) or rlhf_rounds < 1:
        raise ValueError(f"rlhf_rounds must be an integer >= 1, got {rlhf_rounds!r}")
    if rlhf_rounds > 1 and preference != "focused":
        raise ValueError(f"rlhf_rounds > 1 needs preference='focused', got {preference!r}")
    kept = keep_players(records, percentile)
    rows = decisions(records, kept, features)
    if not rows:
        raise ValueError("the kept players made no decisions; lower the percentile or play more hands")
    pairs = sft_pairs(rows)
    if preference == "outcome":
        prefs = preference_pairs(rows, seed)
    elif preference == "simulated":
        prefs = simulated_pairs(records, kept, rollouts=rollouts, max_pairs=max_pairs, seed=seed,
                                features=features)
    elif preference == "focused":
        prefs = []  # built after SFT, from the SFT model's own answers
    else:
        raise ValueError(f"preference must be 'outcome', 'simulated' or 'focused', got {preference!r}")
    tok = poker_tokenizer(config)
    longest = max(len(p.split()) for p, _ in pairs) + 8
    model = tiny_model(tok, hidden=hidden, layers=layers, heads=heads, max_positions=max(64, longest + 16), seed=seed)
    out = None if output_dir is None else Path(output_dir)
    hist = sft(model, tok, pairs, epochs=epochs, lr=lr, seed=seed, output_dir=None if out is None else out / "sft",
               resume=resume)
    sft_model = copy.deepcopy(model)
    rounds: list[dict[str, Any]] = []
    res: dict[str, Any] = {}
    for r in range(rlhf_rounds):
        if preference == "focused":
            from regretlab.poker.model import LMAgent

            prefs = simulated_pairs(records, kept, rollouts=rollouts, max_pairs=max_pairs, seed=seed,
                                    features=features,
                                    policy=LMAgent(model, tok, "sft", decode="score", features=features))
        if not prefs:
            break
        res = rlhf(model, tok, prefs, loss=rlhf_loss, lr=rlhf_lr, epochs=rlhf_epochs, beta=beta, seed=seed,
                   output_dir=None if out is None else out / ("rlhf" if r == 0 else f"rlhf{r + 1}"), resume=resume)
        rounds.append({"pairs": len(prefs), **res})
    prefs_total = sum(x["pairs"] for x in rounds)
    return {"tokenizer": tok, "sft_model": sft_model, "rlhf_model": model, "kept": sorted(kept),
            "sft_pairs": len(pairs), "preference_pairs": prefs_total, "sft_history": hist, "rlhf": res,
            "rounds": rounds, "features": features}


def evaluate_stages(config: TableConfig, trained: dict[str, Any], teacher: str, opponents: Sequence[str],
                    deals: int, seed: int = 0, tables: int = 64, free_text: bool = False) -> list[dict[str, Any]]:
    """Win rate (mbb/hand, 95% interval), illegal-answer rate and response time of every stage
    (with ``free_text`` also the free-text stages) against every opponent; one row per (stage, opponent)."""
    from regretlab.poker.model import LMAgent

    tok, feat = trained["tokenizer"], bool(trained.get("features", True))
    heroes: dict[str, Any] = {"bots": make_bot(teacher)}
    for stage, key in (("sft", "sft_model"), ("sft+rlhf", "rlhf_model")):
        heroes[stage] = LMAgent(trained[key], tok, stage, decode="score", features=feat)
        heroes[stage + ":text"] = LMAgent(trained[key], tok, stage, decode="generate", features=feat)
    rows = []
    for stage in STAGES + (TEXT_STAGES if free_text else ()):
        hero = heroes[stage]
        for opp in opponents:
            bot = make_bot(opp)
            name = f"hero:{stage}"
            hero.name = name
            t0 = time.perf_counter()
            _, res = arena(config, [hero] + [bot] * (config.players - 1), deals, seed=seed, tables=tables)
            r = next(x for x in res if x.name == name)
            rows.append({"stage": stage, "opponent": opp, "mbb_per_hand": r.mbb_per_hand, "ci_low": r.ci_low,
                         "ci_high": r.ci_high, "bb_per_100": r.bb_per_100, "hands": r.hands, "deals": r.deals,
                         "decisions": r.decisions, "illegal_rate": r.illegal_rate, "fallbacks": r.fallbacks,
                         "seconds_per_decision": r.seconds_per_decision, "seconds": time.perf_counter() - t0})
        hero.name = teacher if stage == "bots" else stage.split(":")[0]
    return rows
