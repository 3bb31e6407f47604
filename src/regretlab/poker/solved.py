"""The trained language model on a heads-up limit game small enough to solve: its exploitability,
computed exactly, next to the CFR+ policy it learned from.

Real heads-up limit hold'em (about 3.2e14 information sets) is not solvable here; Leduc hold'em
(the project's :class:`~regretlab.games.poker.LeducPoker`, equal to
:class:`~regretlab.games.holdem.LimitHoldem` with ``board=(1,)``: 6 cards, one hole card, one
board card, two limit betting rounds, 936 information sets) is. The pipeline is PokerGPT's
(Huang et al. 2024) with the solver as the high-win-rate player: CFR+ self-play decisions
rendered as prompts (:func:`regretlab.games.render.render`) -> SFT of the tiny Llama-style LM on
(prompt -> action text) -> the LM's policy at every information set, read from the prompt. The
policy is the model's distribution over the legal action texts, ``pi(a | x) proportional to
exp(log pi_LM(a + EOS | x))`` (``"softmax"``), or its argmax (``"argmax"``, how the arena plays);
both are scored by exact exploitability (:func:`regretlab.games.evaluation.exploitability`, the
NashConv / 2 of OpenSpiel) next to the CFR+ teacher and uniform play.
"""

from __future__ import annotations

import re
import time
from typing import Any

import numpy as np

__all__ = ["infoset_prompts", "lm_exploitability"]


def _words(text: str) -> str:
    return " ".join(re.findall(r"[A-Za-z']+|\d+|[^\sA-Za-z\d]", text.replace("\n", " | ")))


def _prompt(text: str) -> str:
    return _words(text.split("\n", 1)[-1])  # the first line (the game's rules) is the same everywhere


def infoset_prompts(gdef: Any, tp: Any) -> dict[int, tuple[str, list[str]]]:
    """Per information set: its prompt (words split off punctuation, without the rules line that
    every prompt shares) and the texts of its legal actions in the treeplex's child order.

    Example:
        >>> from regretlab.games.poker import LeducPoker, leduc_poker
        >>> info = infoset_prompts(LeducPoker(), leduc_poker())
        >>> len(info), sorted({a for _, acts in info.values() for a in acts})
        (936, ['bet 2', 'bet 4', 'call 2', 'call 4', 'check', 'fold', 'raise 2', 'raise 4'])
    """
    from regretlab.games.render import describe_action, render
    from regretlab.games.treeplex import CHANCE, TERMINAL

    out: dict[int, tuple[str, list[str]]] = {}
    stack = [gdef.initial_state()]
    while stack:
        s = stack.pop()
        p = gdef.current_player(s)
        if p == TERMINAL:
            continue
        if p == CHANCE:
            stack.extend(gdef.apply(s, a) for a, _ in gdef.chance_outcomes(s))
            continue
        idx = tp.infoset_index(gdef.infoset_key(s))
        acts = list(gdef.legal_actions(s))
        if idx not in out:
            out[idx] = (_prompt(render(gdef, s, p)), [_words(describe_action(gdef, s, a)) for a in acts])
        stack.extend(gdef.apply(s, a) for a in acts)
    return out


def lm_exploitability(iterations: int = 1000, samples: int = 4000, hidden: int = 32, layers: int = 1,
                      epochs: int = 3, lr: float = 3e-3, seed: int = 0) -> dict[str, Any]:
    """Train the tiny LM on ``samples`` CFR+ self-play decisions of Leduc; exact exploitabilities.

    Args:
        iterations: CFR+ iterations of the teacher.  samples: training decisions (prompt -> action).
        hidden, layers: the LM.  epochs, lr: SFT.  seed: sampling, initialisation and shuffling.
    Returns:
        ``{"exploitability_lm_softmax", "exploitability_lm_argmax", "exploitability_cfr",
        "exploitability_uniform", "agreement", "infosets", "samples", "seconds"}`` (``agreement``:
        share of information sets where the LM's argmax is the teacher's).

    """
    from regretlab.experiments.games_pokergpt import _self_play
    from regretlab.games.cfr import cfr_plus
    from regretlab.games.evaluation import exploitability
    from regretlab.games.poker import LeducPoker, leduc_poker
    from regretlab.poker.model import LMAgent, sft, tiny_model
    from regretlab.preference.tiny import word_tokenizer

    t0 = time.perf_counter()
    tp = leduc_poker()
    solver = cfr_plus()
    teacher = solver.average_policy(solver.solve(tp, int(iterations)), tp)
    info = infoset_prompts(LeducPoker(), tp)
    words = sorted({w for p, acts in info.values() for t in [p, *acts] for w in t.split()})
    tok = word_tokenizer(words)
    longest = max(len(p.split()) + max(len(a.split()) for a in acts) for p, acts in info.values()) + 2
    model = tiny_model(tok, hidden=hidden, layers=layers, heads=2 if hidden < 32 else 4,
                       max_positions=longest + 8, seed=seed)
    s_idx, a_idx = _self_play(tp, teacher, int(samples), np.random.default_rng(seed))
    pairs = [(info[int(s)][0], info[int(s)][1][int(a)]) for s, a in zip(s_idx, a_idx)]
    sft(model, tok, pairs, epochs=epochs, lr=lr, seed=seed)
    order = sorted(info)
    agent = LMAgent(model, tok)
    sc = agent.scores([info[i][0] for i in order], [info[i][1] for i in order])
    soft = np.zeros(tp.legal_mask.shape)
    hard = np.zeros(tp.legal_mask.shape)
    for i, row in zip(order, sc):
        z = np.asarray(row) - max(row)
        soft[i, :len(row)] = np.exp(z) / np.exp(z).sum()
        hard[i, int(np.argmax(row))] = 1.0
    best = np.where(tp.legal_mask, teacher, -1.0).argmax(1)
    return {"exploitability_lm_softmax": float(exploitability(tp, soft)),
            "exploitability_lm_argmax": float(exploitability(tp, hard)),
            "exploitability_cfr": float(exploitability(tp, teacher)),
            "exploitability_uniform": float(exploitability(tp, tp.uniform_policy())),
            "agreement": float(np.mean(hard.argmax(1)[order] == best[order])), "infosets": len(info),
            "samples": int(samples), "seconds": time.perf_counter() - t0}
