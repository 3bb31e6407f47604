"""Hold'em speed: hands/s of the compiled batched engine and of the pokerkit-based environment vs
pokerkit's state machine one table at a time, decisions/s of the trained language model, and
training tokens/s.

1. Engine: ``H`` hands of ``players``-handed no-limit hold'em (stacks 100) between calling stations
   (every decision the check/call: the time is the engine's) and between random bots (uniform over
   the environment's menu: fold, check/call, min raise, half pot, pot, all-in), played by
   :func:`regretlab.poker.engine.play_hands` (the bots decided inside the compiled loop, ``--tables``
   tables in flight) and by the engine's step API from Python (``reset / legal / step`` over the
   tables, the calling-station decision taken in NumPy), against the same number of hands driven on
   pokerkit's ``State`` directly, one table at a time, with the same bots (pokerkit's own legality
   queries build the random bot's menu). The pokerkit-based environment
   (:func:`regretlab.poker.env.play_hands`, one pokerkit ``State`` per table) is timed too. Best of
   ``--repeats``, timed in alternation; the engine is compiled (and warmed) before timing.
2. The tiny LM (hidden 48, 2 layers) deciding a batch of 64 tables: decisions/s (greedy, own KV-cache loop).
3. SFT and DPO training tokens/s on the pairs of a small bot tournament.

    python benchmarks/poker.py            # 6-max, 300 hands
    python benchmarks/poker.py --quick
    python benchmarks/poker.py --engine-only
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def pokerkit_direct(config, hands: int, seed: int, bot: str = "calling_station") -> float:
    """Seconds to play ``hands`` hands on pokerkit's State, one table at a time: check/call, or a
    random bot (uniform over the environment's menu, from pokerkit's legality queries)."""
    import warnings

    import numpy as np

    from regretlab.poker.env import deck_for, legal_actions, new_state

    warnings.simplefilter("ignore")  # a random board card may equal a dealt one: pokerkit warns
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    for h in range(hands):
        deck = deck_for(seed, h)
        s = new_state(config)
        k = 0
        while s.status:
            if s.can_burn_card():
                s.burn_card(deck[k]); k += 1
            elif s.can_deal_hole():
                s.deal_hole(deck[k] + deck[k + 1]); k += 2
            elif s.can_deal_board():
                m = 3 if not list(s.get_board_cards(0)) else 1
                s.deal_board("".join(deck[k:k + m])); k += m
            elif bot == "calling_station":
                s.check_or_call()
            else:
                menu, _, _ = legal_actions(s)
                a = menu[int(rng.integers(len(menu)))]
                if a.kind == "fold":
                    s.fold()
                elif a.kind in ("check", "call"):
                    s.check_or_call()
                else:
                    s.complete_bet_or_raise_to(a.amount)
    return time.perf_counter() - t0


def engine_compiled(config, hands: int, seed: int, tables: int, bot: str = "calling_station") -> float:
    from regretlab.poker.engine import play_hands

    t0 = time.perf_counter()
    play_hands(config, [bot] * config.players, hands, seed=seed, tables=tables)
    return time.perf_counter() - t0


def _timed(f) -> float:
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def engine_steps(config, hands: int, seed: int, tables: int) -> float:
    """Calling stations through the step API: the decisions taken in Python/NumPy, all tables at once."""
    import numpy as np

    from regretlab.poker.engine import CALL, HoldemEngine

    t0 = time.perf_counter()
    for h0 in range(0, hands, tables):
        ids = np.arange(h0, min(hands, h0 + tables))
        eng = HoldemEngine(config, len(ids), seed)
        eng.reset(ids)
        kinds = np.full(len(ids), CALL)
        while not eng.done.all():
            eng.legal()
            eng.step(kinds)
    return time.perf_counter() - t0


def env_batched(config, hands: int, seed: int, tables: int) -> float:
    from regretlab.poker.bots import CallingStation
    from regretlab.poker.env import play_hands

    t0 = time.perf_counter()
    play_hands(config, [CallingStation()] * config.players, hands, seed=seed, tables=tables)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--players", type=int, default=6)
    ap.add_argument("--hands", type=int, default=300)
    ap.add_argument("--tables", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--engine-only", action="store_true", help="skip the language-model part")
    a = ap.parse_args()
    if a.quick:
        a.hands, a.repeats = 60, 1
    from regretlab.poker.env import TableConfig

    cfg = TableConfig(players=a.players, stack=100)
    t0 = time.perf_counter()
    for bot in ("calling_station", "random"):  # compile (or load the cache) and warm up
        engine_compiled(cfg, 8, 0, 4, bot)
    engine_steps(cfg, 8, 0, 4)
    print(f"engine compile/load: {time.perf_counter() - t0:.1f} s")
    times: dict[str, list[float]] = {}
    for r in range(a.repeats):
        for bot in ("calling_station", "random"):
            times.setdefault(f"engine {bot}", []).append(engine_compiled(cfg, a.hands, r, a.tables, bot))
            times.setdefault(f"pokerkit {bot}", []).append(pokerkit_direct(cfg, a.hands, r, bot))
        times.setdefault("engine steps", []).append(engine_steps(cfg, a.hands, r, a.tables))
        times.setdefault("environment", []).append(env_batched(cfg, a.hands, r, a.tables))
    best = {k: min(v) for k, v in times.items()}
    rate = {k: a.hands / v for k, v in best.items()}
    big = 100 * a.hands
    t_big = engine_compiled(cfg, big, 0, a.tables)
    print(f"{a.players}-max no-limit, stacks 100, {a.hands} hands, best of {a.repeats}:")
    for bot in ("calling_station", "random"):
        e, p = rate[f"engine {bot}"], rate[f"pokerkit {bot}"]
        print(f"  {bot:16s} compiled engine ({a.tables} tables): {e:12,.0f} hands/s | pokerkit State, one "
              f"table at a time: {p:6,.1f} hands/s | ratio {e / p:,.0f}x (goal >= 20x)")
    p = rate["pokerkit calling_station"]
    print(f"  calling_station  engine step API from Python ({a.tables} tables): {rate['engine steps']:,.0f} hands/s "
          f"| ratio {rate['engine steps'] / p:,.0f}x")
    print(f"  calling_station  pokerkit-based environment ({a.tables} tables): {rate['environment']:,.1f} hands/s "
          f"| ratio {rate['environment'] / p:.2f}x")
    print(f"  calling_station  compiled engine, {big:,} hands: {big / t_big:,.0f} hands/s")
    mix = ["tag", "lag", "random", "calling_station", "tag", "lag", "random", "calling_station", "tag"][:a.players]
    hm = max(a.hands // 3, 1)
    engine_compiled(cfg, 8, 0, 4, "tag")
    from regretlab.poker.bots import make_bot
    from regretlab.poker.engine import play_hands as engine_play
    from regretlab.poker.env import play_hands as env_play

    te = tp = float("inf")
    for r in range(a.repeats):
        te = min(te, _timed(lambda s=r: engine_play(cfg, mix, hm, seed=s, tables=a.tables)))
        tp = min(tp, _timed(lambda s=r: env_play(cfg, [make_bot(b) for b in mix], hm, seed=s, tables=a.tables)))
    print(f"  {'+'.join(dict.fromkeys(mix))} ({hm} hands; threshold bots: Monte-Carlo hand strength, 24 draws): "
          f"compiled engine {hm / te:,.0f} hands/s | pokerkit-based environment, same bots in Python "
          f"{hm / tp:,.1f} hands/s | ratio {tp / te:,.0f}x")
    if a.engine_only:
        return

    import torch  # noqa: F401

    from regretlab.poker.arena import arena
    from regretlab.poker.bots import CallingStation
    from regretlab.poker.model import LMAgent, poker_tokenizer, rlhf, sft, tiny_model
    from regretlab.poker.pipeline import (
        bot_tournament,
        decisions,
        keep_players,
        preference_pairs,
        sft_pairs,
    )

    recs = bot_tournament(cfg, ["tag", "lag", "random", "calling_station", "tag", "lag"][: a.players],
                          4 if a.quick else 10, seed=0)
    rows = decisions(recs, keep_players(recs, 50))
    pairs = sft_pairs(rows)
    tok = poker_tokenizer(cfg)
    m = tiny_model(tok, hidden=48, layers=2, max_positions=max(len(p.split()) for p, _ in pairs) + 24)
    h = sft(m, tok, pairs, epochs=1 if a.quick else 2)
    print(f"SFT: {len(pairs)} pairs, {h[-1]['tokens_per_second']:,.0f} training tokens/s")
    r = rlhf(m, tok, preference_pairs(rows), loss="dpo", lr=1e-4)
    print(f"DPO: {r['pairs']} pairs, {r['tokens_per_second']:,.0f} training tokens/s (forward tokens)")
    lm = LMAgent(m, tok, "lm")
    from regretlab.poker.env import _Table

    obs = [_Table(cfg, h, 0, ["x"] * cfg.players, 0).observation() for h in range(64)]
    for decode in ("generate", "score"):  # free text (greedy) and the most likely legal action
        lm.decode = decode
        lm.act(obs[:4])
        t0 = time.perf_counter()
        lm.act(obs)
        sec = time.perf_counter() - t0
        print(f"LM decisions ({decode}), a batch of 64 tables: {64 / sec:,.0f} decisions/s "
              f"({1000 * sec / 64:.2f} ms each)")
    t0 = time.perf_counter()
    _, res = arena(cfg, [lm] + [CallingStation()] * (cfg.players - 1), 4 if a.quick else 10, seed=1, tables=64)
    me = next(x for x in res if x.name == "lm")
    print(f"LM in the arena: {me.decisions} decisions, {1000 * me.seconds_per_decision:.2f} ms per decision "
          f"(incl. re-asks, batches as tables wait)")


if __name__ == "__main__":
    main()
