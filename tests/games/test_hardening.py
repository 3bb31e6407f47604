"""Hardening of the games commands (issue: hardening, games part): default checkpoints that
resume and say so, OpenSpiel games keep their full identity, sizes refused before building,
every loader names the file and the problem, JSON depth bounded, output paths checked before
any work, progress and a human description instead of a repr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from regretlab.games.io import load_game, load_policy, load_treeplex, read_json, save_policy, save_treeplex
from regretlab.games.poker import KuhnPoker, LeducPoker, kuhn_poker, leduc_poker
from regretlab.games.solve import SolveConfig, default_checkpoint, load_checkpoint, solve


def cli(*argv: str, cwd: Path, timeout: float = 240) -> tuple[int, str, str]:
    env = {**os.environ, "REGRETLAB_PROGRESS": "0", "COLUMNS": "200", "NO_COLOR": "1"}
    r = subprocess.run([sys.executable, "-m", "regretlab.cli", *argv], cwd=cwd, capture_output=True,
                       text=True, timeout=timeout, env=env)
    return r.returncode, r.stdout, r.stderr


def one_error(rc: int, out: str, err: str, *needles: str) -> str:
    text = out + err
    assert rc == 2, text
    assert "Traceback" not in text, text
    line = [ln for ln in text.splitlines() if ln.startswith("error:")]
    assert len(line) == 1, text
    for needle in needles:
        assert needle.lower() in line[0].lower(), (needle, line[0])
    return line[0]


# -- 1. checkpointing asked for -> a default file; a resumed solve says from where ------------------


def test_checkpoint_every_writes_default_checkpoint_and_resume_says_so(tmp_path):
    rc, out, err = cli("solve", "kuhn", "--iterations", "200", "--checkpoint-every", "100", cwd=tmp_path)
    assert rc == 0, out + err
    ck = Path("results") / "checkpoints" / "kuhn-p2-cfr+-seed0-every100.npz"
    assert (tmp_path / ck).stat().st_size > 0
    assert str(ck) in err and "resume" in err
    # the killed-and-rerun case: the same command with more iterations continues
    rc, out, err = cli("solve", "kuhn", "--iterations", "300", "--checkpoint-every", "100", cwd=tmp_path)
    assert rc == 0, out + err
    assert f"resumed from iteration 200 of checkpoint {ck}" in err
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    rc2, out2, _ = cli("solve", "kuhn", "--iterations", "300", "--checkpoint-every", "100", cwd=fresh)
    assert rc2 == 0 and out.splitlines()[0] == out2.splitlines()[0]  # bit-identical numbers
    assert default_checkpoint(SolveConfig("kuhn", 2, "cfr+", 300, 100)) == ck
    # nothing asked for: no file is written
    plain = tmp_path / "plain"
    plain.mkdir()
    assert cli("solve", "kuhn", "--iterations", "50", cwd=plain)[0] == 0
    assert not (plain / "results").exists()


def test_checkpoint_folder_gets_a_named_file(tmp_path):
    (tmp_path / "cks").mkdir()
    rc, out, err = cli("solve", "kuhn", "--iterations", "100", "--checkpoint", "cks", cwd=tmp_path)
    assert rc == 0, out + err
    assert (tmp_path / "cks" / "kuhn-p2-cfr+-seed0-every100.npz").exists()


# -- 2. OpenSpiel games imported from a pyspiel.Game keep their identity ------------------------------


@pytest.mark.parametrize("text", [
    "kuhn_poker(players=5)",
    "liars_dice(numdice=2,dice_sides=2)",
    "turn_based_simultaneous_game(game=goofspiel(num_cards=3))",
])
def test_to_openspiel_policy_rebuilds_the_same_game(text):
    pyspiel = pytest.importorskip("pyspiel")
    from open_spiel.python.algorithms import exploitability as os_exploitability

    from regretlab.games.evaluation import nash_conv, random_policy
    from regretlab.games.openspiel import from_openspiel, to_openspiel_policy

    og = pyspiel.load_game(text)
    g = from_openspiel(og)
    pol = random_policy(g, 1, concentration=0.5)
    tab = to_openspiel_policy(g, pol)  # no openspiel_game given: rebuilt from the treeplex
    assert str(tab.game) == str(og)
    assert os_exploitability.nash_conv(og, tab) == pytest.approx(nash_conv(g, pol), abs=1e-9)


def test_to_openspiel_policy_refuses_a_mismatched_game(tmp_path):
    pyspiel = pytest.importorskip("pyspiel")
    from regretlab.games.openspiel import from_openspiel, to_openspiel_policy

    g = from_openspiel(pyspiel.load_game("kuhn_poker(players=3)"))
    with pytest.raises(ValueError, match="does not match"):
        to_openspiel_policy(g, g.uniform_policy(), pyspiel.load_game("kuhn_poker"))
    # the identity survives save_treeplex / load_treeplex
    h = load_treeplex(save_treeplex(g, tmp_path / "k3.npz"))
    assert to_openspiel_policy(h, h.uniform_policy()).game.num_players() == 3


# -- 3. sizes that cannot fit are refused before building -------------------------------------------


@pytest.mark.parametrize("game", [KuhnPoker(2), KuhnPoker(3), KuhnPoker(5), LeducPoker(2)])
def test_tree_size_estimates_are_exact(game):
    from regretlab.games.treeplex import build_treeplex

    tp = build_treeplex(game)
    assert tuple(game.tree_size()) == (tp.num_nodes, tp.num_terminals)


def test_holdem_tree_size_is_exact():
    from regretlab.games.holdem import LimitHoldem, limit_holdem

    for params in ({}, {"board": (1,)}, {"hole_cards": 2, "board": (1,), "max_raises": 1}):
        tp = limit_holdem(**params)
        assert tuple(LimitHoldem(**params).tree_size()) == (tp.num_nodes, tp.num_terminals)
    assert LeducPoker(3).tree_size().nodes == 1_831_601


@pytest.mark.parametrize("argv, needles", [
    (("solve", "kuhn", "--players", "30"), ("kuhn --players 30", "nodes", "memory", "available")),
    (("solve", "leduc", "--players", "5"), ("leduc --players 5", "nodes", "memory", "available")),
    (("play", "kuhn", "--players", "30"), ("kuhn --players 30", "memory")),
    (("nfg", "solve", "random", "--players", "12", "--actions", "12"),
     ("--players 12 --actions 12", "12^12", "memory", "available")),
    (("nfg", "play", "random", "--players", "12", "--actions", "12"), ("--players 12 --actions 12", "memory")),
])
def test_huge_sizes_are_refused_up_front(tmp_path, argv, needles):
    t0 = time.perf_counter()
    one_error(*cli(*argv, cwd=tmp_path), *needles)
    assert time.perf_counter() - t0 < 60  # before: 68 s of building, then a MemoryError


def test_builder_stops_cleanly_when_memory_runs_out(monkeypatch):
    # games without a size formula (OpenSpiel, JSON) are watched while building
    import regretlab.games.sizes as sizes
    from regretlab.games.treeplex import build_treeplex

    class Unsized(KuhnPoker):
        tree_size = None

    monkeypatch.setattr(sizes, "available_memory", lambda: 1024)
    with pytest.raises(ValueError, match="stopped after .* nodes"):
        build_treeplex(Unsized(5))


# -- 4. every loader names the file, the option and the problem --------------------------------------


def _checkpoint(tmp_path: Path) -> Path:
    ck = tmp_path / "ck.npz"
    solve(SolveConfig("kuhn", 2, "cfr+", 200, 100), kuhn_poker(), checkpoint=ck)
    return ck


def _rewrite(src: Path, dst: Path, **changes) -> Path:
    with np.load(src) as data:
        arrays = {k: data[k] for k in data.files}
    arrays.update(changes)
    np.savez(dst, **arrays)
    return dst


def test_checkpoint_loader_checks_everything(tmp_path):
    ck = _checkpoint(tmp_path)
    cfg, g = SolveConfig("kuhn", 2, "cfr+", 300, 100), kuhn_poker()
    with np.load(ck) as data:
        regret = data["state_regret"].copy()
    regret[0, 0] = np.nan

    def write(name: str, data: bytes) -> Path:
        (tmp_path / name).write_bytes(data)
        return tmp_path / name

    cases = {
        "empty": (write("e.npz", b""), "empty"),
        "truncated": (write("t.npz", ck.read_bytes()[:200]), "truncated"),
        "text": (write("x.npz", b"hello\n"), "text file"),
        "nan": (_rewrite(ck, tmp_path / "n.npz", state_regret=regret), "finite"),
        "negative t": (_rewrite(ck, tmp_path / "m.npz", state_t=np.array(-5)), ">= 0, got -5"),
        "shape": (_rewrite(ck, tmp_path / "s.npz", state_regret=np.zeros((3, 2))), "needs [12, 2]"),
        "missing": (_rewrite(ck, tmp_path / "k.npz", kind=np.array("CFRState"), config=np.array("{}")), "game="),
    }
    for label, (path, needle) in cases.items():
        with pytest.raises(ValueError, match="--checkpoint") as exc:
            load_checkpoint(path, cfg, g, what="--checkpoint")
        assert needle in str(exc.value) and str(path) in str(exc.value), (label, exc.value)
    state, curve = load_checkpoint(ck, cfg, g)
    assert state.t == 200 and curve["iteration"] == [100, 200]


@pytest.mark.parametrize("kind", ["empty", "truncated", "text", "nan", "negative"])
def test_solve_command_names_a_bad_checkpoint(tmp_path, kind):
    ck = _checkpoint(tmp_path)
    bad = tmp_path / "bad.npz"
    if kind == "empty":
        bad.write_bytes(b"")
    elif kind == "truncated":
        bad.write_bytes(ck.read_bytes()[: ck.stat().st_size // 2])
    elif kind == "text":
        bad.write_text("not a checkpoint\n")
    elif kind == "nan":
        with np.load(ck) as data:
            r = data["state_regret"].copy()
        r[1, 1] = np.inf
        _rewrite(ck, bad, state_regret=r)
    else:
        _rewrite(ck, bad, state_t=np.array(-5))
    expect = {"empty": "empty", "truncated": "truncated", "text": "text file", "nan": "finite",
              "negative": "got -5"}[kind]
    one_error(*cli("solve", "kuhn", "--iterations", "300", "--checkpoint", "bad.npz", cwd=tmp_path),
              "--checkpoint 'bad.npz'", expect)


@pytest.mark.parametrize("kind, expect", [
    ("empty", "empty"), ("truncated", "truncated"), ("text", "text file"), ("other", "lacks the arrays policy"),
    ("off simplex", "sum to 1"), ("nan", "finite"), ("other game", "unknown to game"),
])
def test_play_names_a_bad_policy(tmp_path, kind, expect):
    g = kuhn_poker()
    good = save_policy(g, g.uniform_policy(), tmp_path / "good.npz")
    bad = tmp_path / "pol.npz"
    if kind == "empty":
        bad.write_bytes(b"")
    elif kind == "truncated":
        bad.write_bytes(good.read_bytes()[:100])
    elif kind == "text":
        bad.write_text("0.5 0.5\n")
    elif kind == "other":
        np.savez(bad, x=np.zeros(2))
    elif kind in ("off simplex", "nan"):
        p = g.uniform_policy()
        p[0] = [0.9, 0.3] if kind == "off simplex" else [np.nan, 0.5]
        np.savez(bad, policy=p, keys=np.array(g.infoset_keys), actions=g.infoset_actions)
    else:
        save_policy(leduc_poker(), leduc_poker().uniform_policy(), bad)
    one_error(*cli("play", "kuhn", "--policy", "pol.npz", cwd=tmp_path), "--policy 'pol.npz'", expect)


@pytest.mark.parametrize("kind, expect", [
    ("empty", "empty"), ("truncated", "truncated"), ("text", "text file"), ("other", "lacks the arrays payoffs"),
    ("nan", "finite"), ("strings", "numbers"),
])
def test_nfg_solve_names_a_bad_game_file(tmp_path, kind, expect):
    from regretlab.games.normal_form import random_game

    good = random_game(3, seed=1).save(tmp_path / "good.npz")
    bad = tmp_path / "g.npz"
    if kind == "empty":
        bad.write_bytes(b"")
    elif kind == "truncated":
        bad.write_bytes(good.read_bytes()[:150])
    elif kind == "text":
        bad.write_text("1 2 3\n")
    elif kind == "other":
        np.savez(bad, x=np.zeros(2))
    elif kind == "nan":
        p = np.ones((2, 2, 2))
        p[0, 1, 1] = np.nan
        np.savez(bad, payoffs=p)
    else:
        np.savez(bad, payoffs=np.array([["a", "b"], ["c", "d"]]))
    one_error(*cli("nfg", "solve", "g.npz", cwd=tmp_path), "'g.npz'", expect)


# -- 5. JSON: bounded depth, garbage names the file and the position ---------------------------------


def test_deep_json_is_refused_without_recursion_error(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    for loader in (load_game, read_json, lambda p: load_policy(kuhn_poker(), p)):
        with pytest.raises(ValueError, match=r"deep\.json.*100,000 levels deep"):
            loader(deep)
    from regretlab.games.normal_form import NormalFormGame

    with pytest.raises(ValueError, match="100,000 levels deep"):
        NormalFormGame.load(deep)
    one_error(*cli("solve", "deep.json", cwd=tmp_path), "deep.json", "levels deep")
    # a legitimately deep (but bounded) document still loads
    ok = tmp_path / "ok.json"
    ok.write_text("[" * 3000 + "]" * 3000)
    assert isinstance(read_json(ok), list)


def test_garbage_json_names_file_and_position(tmp_path):
    bad = tmp_path / "g.json"
    bad.write_text('{"format": "regretlab.efg/1",\n  "root": {oops}}')
    with pytest.raises(ValueError, match=r"g\.json.*line 2 column 12"):
        load_game(bad)
    (tmp_path / "b.json").write_bytes(bytes(range(256)))
    with pytest.raises(ValueError, match="not UTF-8"):
        load_game(tmp_path / "b.json")
    one_error(*cli("nfg", "solve", "g.json", cwd=tmp_path), "'g.json'", "line 2 column 12")
    doc = {"format": "regretlab.efg/1", "num_players": 2, "root": {"type": "terminal"}}
    (tmp_path / "n.json").write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=r"n\.json.*missing field 'utilities'"):
        load_game(tmp_path / "n.json")


# -- 6. output paths: checked before any work, written exactly where the message says -----------------


def test_bad_out_suffix_is_refused_before_the_solve(tmp_path):
    t0 = time.perf_counter()
    # 10^8 CFR+ iterations would take hours: the error must come first
    one_error(*cli("solve", "kuhn", "--iterations", "100000000", "--out", "p.txt", cwd=tmp_path),
              "--out", "'p.txt'", ".json")
    one_error(*cli("solve", "kuhn", "--iterations", "100000000", "--plot", "c.txt", cwd=tmp_path),
              "--plot", "'c.txt'", ".png")
    assert time.perf_counter() - t0 < 60


def test_plot_into_a_folder_writes_the_file_it_names(tmp_path):
    (tmp_path / "somedir").mkdir()
    rc, out, err = cli("solve", "kuhn", "--iterations", "100", "--plot", "somedir", "--out", "somedir",
                       cwd=tmp_path)
    assert rc == 0, out + err
    said = [ln.split(" to ", 1)[1] for ln in out.splitlines() if " written to " in ln]
    assert len(said) == 2
    for path in said:
        assert path.startswith("somedir/") and (tmp_path / path).stat().st_size > 0
    assert not (tmp_path / "somedir.png").exists()


# -- 7. a human description and progress ------------------------------------------------------------


def test_solve_describes_the_game_instead_of_a_repr(tmp_path):
    rc, out, err = cli("solve", "kuhn", "--iterations", "10", cwd=tmp_path)
    assert rc == 0
    assert "Treeplex(" not in out + err
    assert "kuhn_poker: 2 players, 58 nodes, 12 information sets" in err


def test_progress_callbacks_of_long_work():
    from regretlab.games.normal_form import play, random_game, support_enumeration
    from regretlab.games.treeplex import build_progress, build_treeplex

    seen: list = []
    with build_progress(lambda name, done, total: seen.append((name, done, total))):
        tp = build_treeplex(KuhnPoker(5))
    assert seen[0] == ("kuhn_poker(players=5)", 0, tp.num_nodes)
    assert seen[-1][1] == seen[-1][2] == tp.num_nodes and len(seen) > 3
    steps: list = []
    eqs = support_enumeration(random_game(4, seed=0), on_progress=lambda d, t: steps.append((d, t)))
    assert eqs and steps[-1] == (69, 69)
    rounds: list = []
    from regretlab.experts import hedge

    play(random_game(3, seed=0), hedge(horizon=20), 20, on_round=rounds.append)
    assert rounds == list(range(1, 21))
