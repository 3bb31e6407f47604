"""``regretlab poker records|train|arena``: hold'em records by bot tournaments (JSONL, PHH),
training the PokerGPT-style LM on them (SFT, then DPO/INPO), and arenas of bots, trained models and
chat models with win rates and confidence intervals."""

from __future__ import annotations

from pathlib import Path

import typer


def _table(players: int, limit: str, stack: int, small_blind: int, big_blind: int, ante: int):
    from regretlab.poker.env import TableConfig

    return TableConfig(players=players, limit=limit, small_blind=small_blind, big_blind=big_blind, ante=ante,
                       stack=stack)


def _read_records(path: Path) -> list[dict]:
    from regretlab.poker.env import phh_to_records, read_jsonl

    if not path.exists():
        raise FileNotFoundError(f"records file {str(path)!r} does not exist")
    if path.suffix.lower() == ".phh":
        text = path.read_text()
        hands = [h for h in text.split("\n\n\n") if h.strip()] if "\n\n\n" in text else [text]
        return [phh_to_records(h) for h in hands]
    if path.suffix.lower() == ".phhs":
        raise ValueError(f"{str(path)!r}: give one hand per .phh file or JSONL records")
    recs = read_jsonl(path)
    if not recs:
        raise ValueError(f"records file {str(path)!r} holds no hands")
    for k, r in enumerate(recs):
        missing = [f for f in ("config", "seats", "stacks", "hole", "board", "actions", "winnings") if f not in r]
        if missing:
            raise ValueError(f"{str(path)!r}: hand {k + 1} lacks the fields {', '.join(missing)}")
    return recs


def _agent(spec: str, seat: int):
    """``random | calling_station | tag | lag | model:<folder> | chat:<base_url>#<model>``."""
    from regretlab.poker.bots import BOTS, make_bot

    if spec in BOTS:
        return make_bot(spec)
    if spec.startswith("model:"):
        from regretlab.poker.model import LMAgent, load_model

        m, tok = load_model(spec[len("model:"):])
        return LMAgent(m, tok, name=spec)
    if spec.startswith("chat:"):
        from regretlab.agents.text import ChatAgent
        from regretlab.poker.arena import TextAgent

        url, _, model = spec[len("chat:"):].partition("#")
        if not model:
            raise ValueError(f"--seat {spec!r}: write chat:<base_url>#<model>")
        return TextAgent(ChatAgent(url, model), name=spec)
    raise ValueError(f"--seat {spec!r} is unknown: use {', '.join(BOTS)}, model:<folder> or chat:<base_url>#<model>")


def register(app: typer.Typer) -> None:
    """Add the ``poker`` commands to the ``regretlab`` app."""
    poker = typer.Typer(help="Multi-player Texas hold'em: records, PokerGPT training, arenas.", no_args_is_help=True)

    players_opt = typer.Option(6, "--players", help="seats at the table, 2..9")
    limit_opt = typer.Option("no", "--limit", help="no | fixed")
    stack_opt = typer.Option(100, "--stack", help="starting stack in chips")
    sb_opt = typer.Option(1, "--small-blind")
    bb_opt = typer.Option(2, "--big-blind")
    ante_opt = typer.Option(0, "--ante")

    @poker.command("records")
    def records_cmd(
        out: Path = typer.Option(Path("poker_records.jsonl"), "--out", help="JSONL file (one hand per line)"),
        bots: str = typer.Option("tag,lag,random,calling_station,tag,lag", help="one bot per seat (comma-separated)"),
        deals: int = typer.Option(50, help="duplicate deals (each played once per seat, seats rotated)"),
        phh: Path | None = typer.Option(None, help="also write every hand as PHH into this folder"),
        seed: int = typer.Option(0), players: int = players_opt, limit: str = limit_opt, stack: int = stack_opt,
        small_blind: int = sb_opt, big_blind: int = bb_opt, ante: int = ante_opt,
    ) -> None:
        """Play a bot tournament and write its hand records."""
        from regretlab.poker.env import record_to_phh, write_jsonl
        from regretlab.poker.pipeline import bot_tournament, player_win_rates

        cfg = _table(players, limit, stack, small_blind, big_blind, ante)
        names = [b.strip() for b in bots.split(",") if b.strip()]
        if deals < 1:
            raise ValueError(f"--deals must be >= 1, got {deals}")
        recs = bot_tournament(cfg, names, deals, seed=seed)
        write_jsonl(recs, out)
        if phh is not None:
            phh.mkdir(parents=True, exist_ok=True)
            for r in recs:
                (phh / f"hand_{r['hand']:06d}.phh").write_text(record_to_phh(r))
        for name, bb in player_win_rates(recs).items():
            print(f"{name}: {1000 * bb:+.0f} mbb/hand")
        print(f"wrote {len(recs)} hands to {out}")

    @poker.command("train")
    def train_cmd(
        records: Path = typer.Argument(..., help="records (.jsonl from `poker records`, or one .phh hand)"),
        out: Path = typer.Option(Path("pokergpt_model"), "--out", help="checkpoint folder (resumed)"),
        percentile: float = typer.Option(50.0, help="keep decisions of players at or above this win-rate percentile"),
        epochs: int = typer.Option(4, help="SFT epochs"), hidden: int = typer.Option(48), layers: int = typer.Option(2),
        rlhf: str = typer.Option("dpo", help="dpo | inpo | ipo | none"),
        rlhf_lr: float = typer.Option(1e-4), seed: int = typer.Option(0),
        preference: str = typer.Option("outcome", help="outcome | simulated (two actions ranked by rollouts) | "
                                                         "focused (the SFT model's answer vs the player's, where they differ)"),
        rollouts: int = typer.Option(8, help="rollouts per simulated value"),
    ) -> None:
        """SFT (then RLHF) a tiny Llama-style LM on the records; checkpoints under --out (resumed)."""
        from regretlab.poker.pipeline import (
            decisions,
            keep_players,
            preference_pairs,
            sft_pairs,
        )

        if preference not in ("outcome", "simulated", "focused"):
            raise ValueError(f"--preference must be outcome, simulated or focused, got {preference!r}")
        if rlhf not in ("dpo", "inpo", "ipo", "none"):
            raise ValueError(f"--rlhf must be dpo, inpo, ipo or none, got {rlhf!r}")
        recs = _read_records(records)
        from regretlab.poker.env import _config
        from regretlab.poker.model import poker_tokenizer, sft, tiny_model
        from regretlab.poker.model import rlhf as run_rlhf

        cfg = _config(recs[0])
        rows = decisions(recs, keep_players(recs, percentile))
        if not rows:
            raise ValueError("the kept players made no decisions; lower --percentile or give more hands")
        pairs = sft_pairs(rows)
        tok = poker_tokenizer(cfg)
        m = tiny_model(tok, hidden=hidden, layers=layers, heads=2 if hidden < 32 else 4,
                       max_positions=max(len(p.split()) for p, _ in pairs) + 24, seed=seed)
        h = sft(m, tok, pairs, epochs=epochs, seed=seed, output_dir=out / "sft")
        print(f"SFT: {len(pairs)} pairs, loss {h[-1]['loss']:.3f}, {h[-1]['tokens_per_second']:.0f} tokens/s")
        final = out / "sft" / f"epoch_{epochs:03d}"
        if rlhf != "none":
            if preference == "outcome":
                prefs = preference_pairs(rows, seed)
            else:
                from regretlab.poker.model import LMAgent
                from regretlab.poker.pipeline import simulated_pairs

                policy = LMAgent(m, tok, "sft") if preference == "focused" else None
                prefs = simulated_pairs(recs, keep_players(recs, percentile), rollouts=rollouts, seed=seed,
                                        policy=policy)
            r = run_rlhf(m, tok, prefs, loss=rlhf, lr=rlhf_lr, seed=seed, output_dir=out / "rlhf")
            print(f"{rlhf.upper()}: {r['pairs']} pairs, loss {r['loss_first']:.3f} -> {r['loss_last']:.3f}")
            final = out / "rlhf"
        print(f"model: {final} (use --seat model:{final} in `regretlab poker arena`)")

    @poker.command("arena")
    def arena_cmd(
        seat: list[str] = typer.Option(..., "--seat", help="one per seat: random | calling_station | tag | lag | "
                                                          "model:<folder> | chat:<base_url>#<model>"),
        deals: int = typer.Option(50, help="duplicate deals (each played once per seat, seats rotated)"),
        out: Path | None = typer.Option(None, "--out", help="write the hand records (JSONL)"),
        seed: int = typer.Option(0), limit: str = limit_opt, stack: int = stack_opt,
        small_blind: int = sb_opt, big_blind: int = bb_opt, ante: int = ante_opt,
    ) -> None:
        """Seat agents, play duplicate deals, print win rates (mbb/hand, bb/100, 95% CI)."""
        from regretlab.poker.arena import arena
        from regretlab.poker.env import write_jsonl

        cfg = _table(len(seat), limit, stack, small_blind, big_blind, ante)
        if deals < 1:
            raise ValueError(f"--deals must be >= 1, got {deals}")
        pool: dict[str, object] = {}
        agents = [pool.setdefault(s, _agent(s, i)) for i, s in enumerate(seat)]
        recs, res = arena(cfg, agents, deals, seed=seed)
        if out is not None:
            write_jsonl(recs, out)
        for r in res:
            print(f"{r.name}: {r.mbb_per_hand:+.0f} mbb/hand [{r.ci_low:+.0f}, {r.ci_high:+.0f}] "
                  f"({r.bb_per_100:+.1f} bb/100), {r.hands} hands, illegal {100 * r.illegal_rate:.1f}% "
                  f"({r.fallbacks} fallbacks), {1000 * r.seconds_per_decision:.2f} ms/decision")

    app.add_typer(poker, name="poker")
