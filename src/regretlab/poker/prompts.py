"""PokerGPT-style prompts of hold'em decisions (Huang et al. 2024, "PokerGPT: An End-to-End
Lightweight Solver for Multi-Player Texas Hold'em via Large Language Model", arXiv 2401.06781).

A prompt states the game (seats, blinds, ante), the player's position and the button, every
stack and the chips in front of each seat, the player's own cards, the board, the pot and the
price to call, the action history street by street, and the legal actions with their sizes; the
answer is an action text (``fold``, ``check``, ``call 4``, ``bet 6``, ``raise 12``).

With ``features`` (the default) the prompt also states what a player computes from what it sees
and what the rule-based teachers decide on (:mod:`regretlab.poker.bots`): ``strength S equity E
odds P share R``, in percent rounded to multiples of 5 — ``S`` the hand strength against one
random hand (pre-flop: the stored 169-class table; after the flop: Monte Carlo with 32 draws from
the decision's own stream, a stream the bots do not use), ``E = S^k`` against the ``k`` opponents
still in, ``P = to_call / (pot + to_call)`` the pot odds, and ``R = (k + 1) S^k`` the equity over
the fair share (a multiple of 10, capped at 300: :func:`share`), the ratio the threshold bots
compare with their thresholds; unlike ``E`` it means the same at any number of opponents, so a
rule learned at a table where most players fold carries over to one where nobody does. Without them a 100k-parameter model
must learn hand strength from card words in a few thousand examples, which it does not
(docs/poker.md, "Why the first model lost").

The text is whitespace-separated words from a closed vocabulary (:func:`vocabulary`): the words
below, the 52 cards, seat labels ``p0..p8`` and the integers ``0..max_chips``; so a word-level
tokenizer covers every prompt of a game exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

from regretlab.poker.env import RANKS, STREETS, SUITS, Observation, TableConfig

__all__ = ["WORDS", "features", "render", "vocabulary"]

WORDS = ("seats", "blinds", "ante", "limit", "no", "fixed", "you", "are", "button", "stacks", "bets", "folded",
         "hand", "board", "none", "pot", "call", "to", "history", "legal", "action", "fold", "check", "bet",
         "raise", "|", "strength", "equity", "odds", "share", *STREETS)


def _pct5(x: float) -> int:
    return int(5 * round(20 * min(max(float(x), 0.0), 1.0)))


def _strength(o: Observation, samples: int = 32) -> tuple[float, int]:
    """``(HS, k)``: the hand strength against one random hand and the opponents still in."""
    import numpy as np

    from regretlab.poker.equity import hand_strength, preflop_strength

    if o.board:
        rng = np.random.default_rng(np.random.SeedSequence([int(o.seed), int(o.hand), 6271, int(o.decision)]))
        hs = hand_strength(o.hole, o.board, samples, rng)
    else:
        hs = preflop_strength(o.hole)
    return float(hs), max(1, sum(1 for i, f in enumerate(o.folded) if not f and i != o.seat))


SHARE_TOP = 300


def share(hs: float, k: int) -> int:
    """The equity ``hs^k`` over the fair share ``1/(k+1)``, in percent, a multiple of 10 capped at
    :data:`SHARE_TOP`: the ratio ``r = (k+1) hs^k`` the threshold bots decide on
    (:class:`~regretlab.poker.bots.ThresholdBot`), the same at any number of opponents.

    Example:
        >>> share(0.9, 5), share(0.5, 1), share(0.3, 2)
        (300, 100, 30)
    """
    return int(10 * round(min(max((k + 1) * float(hs) ** k, 0.0), SHARE_TOP / 100) * 10))


def features(o: Observation, samples: int = 32) -> tuple[int, int, int]:
    """``(strength, equity, odds)`` of the decision in percent, multiples of 5 (module docstring).

    Example:
        >>> from regretlab.poker.env import TableConfig, _Table
        >>> t = _Table(TableConfig(players=3), hand=0, seed=0, names=["a", "b", "c"], slot=0)
        >>> features(t.observation())
        (45, 20, 40)
    """
    return _features_of(o, *_strength(o, samples))


def _features_of(o: Observation, hs: float, k: int) -> tuple[int, int, int]:
    odds = o.to_call / (o.pot + o.to_call) if o.to_call > 0 else 0.0
    return _pct5(hs), _pct5(float(hs) ** k), _pct5(odds)


_features = features


def render(o: Observation, features: bool = True) -> str:
    """The prompt of one decision (``features``: with the strength / equity / pot-odds part).

    Example:
        >>> from regretlab.poker.env import TableConfig, _Table
        >>> t = _Table(TableConfig(players=3), hand=0, seed=0, names=["a", "b", "c"], slot=0)
        >>> for part in render(t.observation()).split(" | "):
        ...     print(part)
        seats 3 limit no blinds 1 2 ante 0
        you are p2 button p2
        stacks p0 199 p1 198 p2 200
        bets p0 1 p1 2 p2 0
        hand 7s 9c
        board none
        strength 45 equity 20 odds 40 share 60
        preflop pot 3 to call 2
        history none
        legal fold call 2 raise 4 raise 7 raise 200
        action
    """
    c = o.config
    n = c.players
    parts = [f"seats {n} limit {c.limit} blinds {c.small_blind} {c.big_blind} ante {c.ante}",
             f"you are p{o.seat} button p{n - 1 if n > 2 else 1}",
             "stacks " + " ".join(f"p{i} {s}" for i, s in enumerate(o.stacks)),
             "bets " + " ".join(f"p{i} {b}" for i, b in enumerate(o.bets))]
    folded = [f"p{i}" for i, f in enumerate(o.folded) if f]
    if folded:
        parts[-1] += " folded " + " ".join(folded)
    parts += ["hand " + " ".join(o.hole), "board " + (" ".join(o.board) if o.board else "none")]
    if features:
        hs, k = _strength(o)
        parts.append("strength {} equity {} odds {} share {}".format(*_features_of(o, hs, k), share(hs, k)))
    parts.append(f"{o.street} pot {o.pot} to call {o.to_call}")
    hist, street = [], None
    for seat, st, text in o.history:
        if st != street:
            hist.append(st)
            street = st
        hist.append(f"p{seat} {text}")
    parts.append("history " + (" ".join(hist) if hist else "none"))
    parts.append("legal " + " ".join(a.text() for a in o.legal))
    return " | ".join(parts) + " | action"


def vocabulary(config: TableConfig) -> list[str]:
    """Every word a prompt or an answer of ``config`` can hold."""
    cards = [r + s for r in RANKS for s in SUITS]
    top = max(sum(config.seat_stacks()), SHARE_TOP)  # chip counts, and the features' percentages
    return list(WORDS) + cards + [f"p{i}" for i in range(9)] + [str(k) for k in range(top + 1)]


def check_words(texts: Sequence[str], config: TableConfig) -> list[str]:
    """Words of ``texts`` outside :func:`vocabulary` (empty when the tokenizer covers them)."""
    v = set(vocabulary(config))
    return sorted({w for t in texts for w in t.split() if w not in v})
