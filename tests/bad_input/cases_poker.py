"""Bad input to the poker commands: records, train, arena."""

from __future__ import annotations


def _text(name, body):
    def setup(tmp):
        (tmp / name).write_text(body)
    return setup


CASES = [
    dict(id="poker-arena-one-seat", argv=["poker", "arena", "--seat", "tag"],
         expect="players must be an integer in 2..9", note="one seat"),
    dict(id="poker-arena-ten-seats", argv=["poker", "arena", *(["--seat", "random"] * 10)],
         expect="players must be an integer in 2..9", note="ten seats"),
    dict(id="poker-arena-unknown-seat", argv=["poker", "arena", "--seat", "tag", "--seat", "shark"],
         expect="--seat 'shark' is unknown", note="no such bot"),
    dict(id="poker-records-bad-limit", argv=["poker", "records", "--limit", "pot"],
         expect="limit must be 'no' or 'fixed'", note="pot-limit is not offered"),
    dict(id="poker-train-malformed-phh", argv=["poker", "train", "bad.phh"], setup=_text("bad.phh", "x = = 1\n"),
         expect="malformed PHH", note="not TOML"),
    dict(id="poker-train-phh-illegal-bet", argv=["poker", "train", "bet.phh"],
         setup=_text("bet.phh", "variant = 'NT'\nantes = [0, 0]\nblinds_or_straddles = [1, 2]\nmin_bet = 2\n"
                                "starting_stacks = [100, 100]\nactions = ['d dh p1 AsAh', 'd dh p2 KsKh', "
                                "'p2 cbr 3']\n"),
         expect="PHH hand does not follow the rules", note="a raise to 3 (below the minimum 4)"),
    dict(id="poker-train-missing-records", argv=["poker", "train", "nope.jsonl"],
         expect="records file 'nope.jsonl' does not exist", rc=2),
    dict(id="poker-train-bad-jsonl", argv=["poker", "train", "r.jsonl"], setup=_text("r.jsonl", "{not json\n"),
         expect="line 1 is not JSON", note="a broken line"),
]
