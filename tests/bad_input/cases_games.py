"""Bad input to the games commands: solve, play, nfg solve, nfg play."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _checkpoint(tmp: Path) -> Path:
    from regretlab.games.poker import kuhn_poker
    from regretlab.games.solve import SolveConfig, solve

    ck = tmp / "good.npz"
    solve(SolveConfig("kuhn", 2, "cfr+", 200, 100), kuhn_poker(), checkpoint=ck)
    return ck


def _rewrite(tmp: Path, **changes) -> None:
    with np.load(_checkpoint(tmp)) as data:
        arrays = {k: data[k] for k in data.files}
    arrays.update({k: v(arrays) if callable(v) else v for k, v in changes.items()})
    np.savez(tmp / "ck.npz", **arrays)


def _nan_regret(arrays):
    r = arrays["state_regret"].copy()
    r[0, 0] = np.nan
    return r


def _empty(name):
    return lambda tmp: (tmp / name).write_bytes(b"")


def _text(name):
    return lambda tmp: (tmp / name).write_text("just some text\n")


def _truncated_checkpoint(tmp):
    data = _checkpoint(tmp).read_bytes()
    (tmp / "ck.npz").write_bytes(data[: len(data) // 2])


def _policy(tmp, edit=None):
    from regretlab.games.io import save_policy
    from regretlab.games.poker import kuhn_poker

    g = kuhn_poker()
    path = save_policy(g, g.uniform_policy(), tmp / "pol.npz")
    if edit is not None:
        p = g.uniform_policy()
        edit(p)
        np.savez(path, policy=p, keys=np.array(g.infoset_keys), actions=g.infoset_actions)


def _truncated_policy(tmp):
    _policy(tmp)
    data = (tmp / "pol.npz").read_bytes()
    (tmp / "pol.npz").write_bytes(data[:100])


def _nfg(tmp, payoffs=None, truncate=False):
    path = tmp / "g.npz"
    np.savez(path, payoffs=np.ones((2, 2, 2)) if payoffs is None else payoffs)
    if truncate:
        path.write_bytes(path.read_bytes()[:120])


def _nan_payoffs():
    p = np.ones((2, 2, 2))
    p[1, 0, 1] = np.nan
    return p


def _deep(name):
    return lambda tmp: (tmp / name).write_text("[" * 100_000 + "]" * 100_000)


def _garbage(name):
    return lambda tmp: (tmp / name).write_text('{"format": "regretlab.efg/1",\n "root": {oops}}')


CASES = [
    # solve --checkpoint
    dict(id="solve-checkpoint-empty", argv=["solve", "kuhn", "--checkpoint", "ck.npz"], setup=_empty("ck.npz"),
         expect="--checkpoint 'ck.npz' is empty", note="0-byte file"),
    dict(id="solve-checkpoint-truncated", argv=["solve", "kuhn", "--checkpoint", "ck.npz"],
         setup=_truncated_checkpoint, expect="truncated", note="first half of a checkpoint"),
    dict(id="solve-checkpoint-text", argv=["solve", "kuhn", "--checkpoint", "ck.npz"], setup=_text("ck.npz"),
         expect="text file", note="a text file"),
    dict(id="solve-checkpoint-nan", argv=["solve", "kuhn", "--iterations", "300", "--checkpoint", "ck.npz"],
         setup=lambda tmp: _rewrite(tmp, state_regret=_nan_regret), expect="state_regret must be finite",
         note="NaN regret"),
    dict(id="solve-checkpoint-negative-t", argv=["solve", "kuhn", "--iterations", "300", "--checkpoint", "ck.npz"],
         setup=lambda tmp: _rewrite(tmp, state_t=np.array(-5)), expect="got -5", note="t = -5"),
    dict(id="solve-checkpoint-wrong-shape", argv=["solve", "kuhn", "--iterations", "300", "--checkpoint", "ck.npz"],
         setup=lambda tmp: _rewrite(tmp, state_regret=np.zeros((3, 2))), expect="needs [12, 2]",
         note="regrets of another game"),
    dict(id="solve-checkpoint-no-arrays", argv=["solve", "kuhn", "--checkpoint", "ck.npz"],
         setup=lambda tmp: np.savez(tmp / "ck.npz", x=np.zeros(2)), expect="lacks the arrays",
         note="an unrelated .npz"),
    dict(id="solve-checkpoint-other-settings", argv=["solve", "kuhn", "--algo", "cfr", "--checkpoint", "good.npz"],
         setup=_checkpoint, expect="algo='cfr+'", note="written by cfr+"),
    dict(id="solve-checkpoint-txt", argv=["solve", "kuhn", "--checkpoint", "ck.txt"], expect=".npz"),
    # play --policy
    dict(id="play-policy-empty", argv=["play", "kuhn", "--policy", "pol.npz"], setup=_empty("pol.npz"),
         expect="--policy 'pol.npz' is empty", note="0-byte file"),
    dict(id="play-policy-truncated", argv=["play", "kuhn", "--policy", "pol.npz"], setup=_truncated_policy,
         expect="truncated", note="first 100 bytes of a policy"),
    dict(id="play-policy-text", argv=["play", "kuhn", "--policy", "pol.npz"], setup=_text("pol.npz"),
         expect="text file", note="a text file"),
    dict(id="play-policy-off-simplex", argv=["play", "kuhn", "--policy", "pol.npz"],
         setup=lambda tmp: _policy(tmp, lambda p: p.__setitem__(0, [0.9, 0.3])), expect="sum to 1",
         note="a row summing to 1.2"),
    dict(id="play-policy-nan", argv=["play", "kuhn", "--policy", "pol.npz"],
         setup=lambda tmp: _policy(tmp, lambda p: p.__setitem__(0, [np.nan, 0.5])), expect="finite",
         note="a NaN probability"),
    dict(id="play-policy-other-game", argv=["play", "leduc", "--policy", "pol.npz"], setup=_policy,
         expect="unknown to game", note="a Kuhn policy for Leduc"),
    dict(id="play-policy-json-garbage", argv=["play", "kuhn", "--policy", "pol.json"], setup=_garbage("pol.json"),
         expect="line 2 column 11", note="invalid JSON"),
    dict(id="play-policy-json-deep", argv=["play", "kuhn", "--policy", "pol.json"], setup=_deep("pol.json"),
         expect="levels deep", note="nested 100,000 levels"),
    dict(id="play-seat-out-of-range", argv=["play", "kuhn", "--seat", "2"], expect="--seat"),
    # nfg solve GAME.npz / GAME.json
    dict(id="nfg-solve-npz-empty", argv=["nfg", "solve", "g.npz"], setup=_empty("g.npz"),
         expect="'g.npz' is empty", note="0-byte file"),
    dict(id="nfg-solve-npz-truncated", argv=["nfg", "solve", "g.npz"], setup=lambda tmp: _nfg(tmp, truncate=True),
         expect="truncated", note="first 120 bytes of a game"),
    dict(id="nfg-solve-npz-text", argv=["nfg", "solve", "g.npz"], setup=_text("g.npz"), expect="text file",
         note="a text file"),
    dict(id="nfg-solve-npz-nan", argv=["nfg", "solve", "g.npz"], setup=lambda tmp: _nfg(tmp, _nan_payoffs()),
         expect="finite", note="a NaN payoff"),
    dict(id="nfg-solve-npz-no-payoffs", argv=["nfg", "solve", "g.npz"],
         setup=lambda tmp: np.savez(tmp / "g.npz", x=np.zeros(2)), expect="lacks the arrays payoffs"),
    dict(id="nfg-solve-npz-bad-shape", argv=["nfg", "solve", "g.npz"],
         setup=lambda tmp: _nfg(tmp, np.ones((3, 2, 2))), expect="shape", note="3 tables for 2 players"),
    dict(id="nfg-solve-json-deep", argv=["nfg", "solve", "g.json"], setup=_deep("g.json"), expect="levels deep",
         note="nested 100,000 levels"),
    dict(id="nfg-solve-json-garbage", argv=["nfg", "solve", "g.json"], setup=_garbage("g.json"),
         expect="line 2 column 11", note="invalid JSON"),
    dict(id="nfg-solve-unknown-method", argv=["nfg", "solve", "chicken", "--method", "simplex"], expect="--method"),
    dict(id="nfg-solve-save-txt", argv=["nfg", "solve", "chicken", "--save", "g.txt"], expect="--save"),
    # solve GAME.json
    dict(id="solve-json-deep", argv=["solve", "deep.json"], setup=_deep("deep.json"), expect="levels deep",
         note="nested 100,000 levels"),
    dict(id="solve-json-garbage", argv=["solve", "g.json"], setup=_garbage("g.json"), expect="line 2 column 11",
         note="invalid JSON"),
    # sizes that cannot fit: refused from the parameters, before building
    dict(id="solve-kuhn-30-players", argv=["solve", "kuhn", "--players", "30"], expect="of memory",
         note="8e33 deals"),
    dict(id="solve-leduc-5-players", argv=["solve", "leduc", "--players", "5"], expect="of memory"),
    dict(id="play-kuhn-30-players", argv=["play", "kuhn", "--players", "30"], expect="of memory"),
    dict(id="nfg-solve-random-12-players", argv=["nfg", "solve", "random", "--players", "12", "--actions", "12"],
         expect="of memory", note="12 x 12^12 payoffs"),
    dict(id="nfg-play-random-12-players", argv=["nfg", "play", "random", "--players", "12", "--actions", "12"],
         expect="of memory"),
    # output paths, checked before any work
    dict(id="solve-out-txt", argv=["solve", "kuhn", "--iterations", "100000000", "--out", "p.txt"],
         expect="--out must be a .json or .npz file", note="checked before 10^8 iterations"),
    dict(id="solve-plot-txt", argv=["solve", "kuhn", "--iterations", "100000000", "--plot", "c.txt"],
         expect="--plot must be a .png"),
    # numbers
    dict(id="solve-players-1", argv=["solve", "kuhn", "--players", "1"], expect="--players"),
    dict(id="solve-iterations-0", argv=["solve", "kuhn", "--iterations", "0"], expect="--iterations"),
    dict(id="solve-checkpoint-every-0", argv=["solve", "kuhn", "--checkpoint-every", "0"],
         expect="--checkpoint-every"),
    dict(id="solve-unknown-algo", argv=["solve", "kuhn", "--algo", "cfr++"], expect="--algo must be one of"),
]
