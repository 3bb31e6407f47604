"""PokerGPT stand-in (spec §9.3.5): a solver distilled into a text classifier.

Leduc states are sampled by CFR+ self-play, rendered as PokerGPT-style prompts (spec §9.1,
``regretlab.games.render``) and labelled with the solver's action; a bag-of-n-grams softmax
regression learns to imitate it from the text alone. The imitated policy (the classifier's
action probabilities at every information set, read from its prompt) is scored by exact
exploitability next to the CFR+ policy it imitates and the uniform policy. This is the
"language model distils a solver" pipeline of PokerGPT (Huang et al. 2024) without a language
model, on CPU.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from regretlab.experiments import Experiment, register_experiment


@dataclass(frozen=True)
class Config:
    iterations: int = 2000  # CFR+ iterations of the teacher
    samples: tuple = (200, 1000, 5000, 20000)  # training prompts (self-play decisions)
    features: int = 4096  # hashed n-gram buckets
    epochs: int = 1500  # full-batch gradient steps
    l2: float = 0.0  # ridge penalty of the softmax regression


def _tokens(text: str) -> list[str]:
    """Word 1-2-grams, whole lines, and pairs of lines (so a linear model can tie the hole
    card to the board and to the betting history)."""
    words = re.findall(r"[A-Za-z]+|\d+|[^\sA-Za-z\d]", text.lower())
    lines = [ln.strip().lower() for ln in text.splitlines() if ln.strip()]
    pairs = [a + "&" + b for k, a in enumerate(lines) for b in lines[k + 1:]]
    return words + [a + "_" + b for a, b in zip(words, words[1:])] + lines + pairs


def featurize(texts: list[str], dim: int) -> Any:
    """Hashed, L2-normalised bag of tokens (:func:`_tokens`) as a sparse ``[n, dim]`` matrix."""
    from scipy import sparse

    data, rows, cols = [], [], []
    for r, t in enumerate(texts):
        bag: dict[int, float] = {}
        for tok in _tokens(t):
            j = zlib.crc32(tok.encode()) % dim
            bag[j] = bag.get(j, 0.0) + 1.0
        norm = np.sqrt(sum(v * v for v in bag.values())) or 1.0
        for j, v in bag.items():
            rows.append(r)
            cols.append(j)
            data.append(v / norm)
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(texts), dim))


def train_softmax(X: np.ndarray, counts: np.ndarray, mask: np.ndarray, epochs: int,
                  l2: float) -> np.ndarray:
    """Softmax regression over legal actions (Adam, full batch).

    Minimises ``-(1/n) sum_{x,a} counts[x,a] log p(a|x) + l2/2 |W|^2`` where ``counts`` ``[R, A]``
    holds how often action a was the label of prompt x (duplicate prompts are merged).
    """
    d = X.shape[1]
    A = mask.shape[1]
    n = counts.sum()
    W = np.zeros((d, A))
    m = np.zeros_like(W)
    v = np.zeros_like(W)
    rows = counts.sum(axis=1, keepdims=True)
    for t in range(1, epochs + 1):
        P = predict(X, W, mask)
        grad = X.T @ (P * rows - counts) / n + l2 * W
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        W -= 0.05 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return W


def predict(X: np.ndarray, W: np.ndarray, mask: np.ndarray) -> np.ndarray:
    z = np.where(mask, X @ W, -np.inf)
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _prompts(gdef: Any, tp: Any) -> dict[int, str]:
    """One rendered prompt per information set (all states of an infoset render alike)."""
    from regretlab.games.render import render
    from regretlab.games.treeplex import CHANCE, TERMINAL

    out: dict[int, str] = {}
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
        if idx not in out:
            out[idx] = render(gdef, s, p)
        stack.extend(gdef.apply(s, a) for a in gdef.legal_actions(s))
    return out


def _self_play(tp: Any, policy: np.ndarray, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Sample ``n`` decisions (infoset, action) from self-play of ``policy`` on the treeplex."""
    from regretlab.games.treeplex import CHANCE, TERMINAL

    iset, act = [], []
    while len(iset) < n:
        node = 0
        while tp.node_player[node] != TERMINAL:
            fc, nc = tp.node_first_child[node], tp.node_num_children[node]
            if tp.node_player[node] == CHANCE:
                k = rng.choice(nc, p=tp.node_chance_prob[fc:fc + nc])
            else:
                s = tp.node_infoset[node]
                k = rng.choice(nc, p=policy[s, :nc] / policy[s, :nc].sum())
                iset.append(s)
                act.append(k)
            node = fc + k
    return np.array(iset[:n]), np.array(act[:n])


def run(config: Config, seed: int) -> dict[str, Any]:
    """Exploitability of the text-imitated policy for each training-set size."""
    from regretlab.games.cfr import cfr_plus
    from regretlab.games.evaluation import exploitability
    from regretlab.games.poker import LeducPoker, leduc_poker

    tp = leduc_poker()
    solver = cfr_plus()
    teacher = solver.average_policy(solver.solve(tp, config.iterations), tp)
    prompts = _prompts(LeducPoker(), tp)
    order = np.arange(tp.num_infosets)
    X_all = featurize([prompts[i] for i in order], config.features)
    mask = tp.legal_mask
    rng = np.random.default_rng(seed)
    cols: dict[str, list] = {k: [] for k in ("samples", "train_accuracy", "agreement",
                                             "exploitability_imitation",
                                             "exploitability_lookup",
                                             "exploitability_teacher",
                                             "exploitability_uniform")}
    e_teacher = exploitability(tp, teacher)
    e_uniform = exploitability(tp, tp.uniform_policy())
    for n in config.samples:
        s_idx, a_idx = _self_play(tp, teacher, int(n), rng)
        counts = np.zeros(mask.shape)
        np.add.at(counts, (s_idx, a_idx), 1.0)
        W = train_softmax(X_all, counts, mask, config.epochs, config.l2)
        P = predict(X_all, W, mask)
        train_acc = float((P[s_idx].argmax(1) == a_idx).mean())
        agree = float((P.argmax(1) == np.where(mask, teacher, -1).argmax(1)).mean())
        cols["samples"].append(int(n))
        cols["train_accuracy"].append(train_acc)
        cols["agreement"].append(agree)
        cols["exploitability_imitation"].append(exploitability(tp, P))
        # the same data as a lookup table (observed action frequencies, uniform where unseen)
        seen = counts.sum(axis=1, keepdims=True)
        lookup = np.where(seen > 0, counts / np.maximum(seen, 1.0), tp.uniform_policy())
        cols["exploitability_lookup"].append(exploitability(tp, lookup))
        cols["exploitability_teacher"].append(e_teacher)
        cols["exploitability_uniform"].append(e_uniform)
    return cols


def plot(rows: Any, outdir: Path) -> list[Path]:
    """Exploitability of the imitated policy and of a lookup table of the same samples against the
    number of training prompts (log-log), the CFR+ teacher and uniform play dashed grey."""
    from regretlab import plot_style as style

    c = rows.to_pydict() if hasattr(rows, "to_pydict") else dict(rows)
    order = np.argsort(c["samples"])
    x = np.asarray(c["samples"], dtype=float)[order]
    fig, ax = style.figure()
    imit = np.asarray(c["exploitability_imitation"], dtype=float)[order]
    look = np.asarray(c["exploitability_lookup"], dtype=float)[order]
    teacher = float(np.mean(c["exploitability_teacher"]))
    uniform = float(np.mean(c["exploitability_uniform"]))
    style.line(ax, x, imit, name="text classifier (imitation)", marker="o", color=style.PALETTE[0])
    style.line(ax, x, look, name="lookup table of the same samples", marker="s", color=style.PALETTE[1])
    style.hreference(ax, uniform, "uniform policy")
    style.hreference(ax, teacher, "CFR+ teacher")
    style.set_scale(ax, "x", x)
    style.set_scale(ax, "y", np.concatenate([imit, look, [teacher, uniform]]))
    ax.set_xlabel("training prompts")
    ax.set_ylabel("exploitability (Leduc)")
    cfg = {}
    if "cell_config" in c and len(c["cell_config"]):
        import json

        cfg = json.loads(str(c["cell_config"][0]))
    style.title(ax, "Distilling CFR+ into a prompt classifier", setting="Leduc poker",
                extra=f"teacher: {cfg['iterations']:,} CFR+ iterations" if "iterations" in cfg else None,
                runs="1 run")
    style.legend(ax)
    return style.save(fig, Path(outdir) / "games_pokergpt_standin.png")


def summarize(rows: Any) -> list[Any]:
    """At the largest training set: the exploitability of the imitation, the lookup table, the
    teacher and uniform play (one run), and spec §9.3.5's claim that the imitation sits between
    the teacher and uniform play (docs/games.md: from a few thousand prompts)."""
    from regretlab.summary import Verdict

    c = rows.to_pydict() if hasattr(rows, "to_pydict") else dict(rows)
    k = int(np.argmax(c["samples"]))
    n = int(c["samples"][k])
    imit, teacher, uniform = (float(c[key][k]) for key in
                              ("exploitability_imitation", "exploitability_teacher", "exploitability_uniform"))
    return [("samples", n),
            ("exploitability imitation", imit),
            ("exploitability lookup table", float(c["exploitability_lookup"][k])),
            ("exploitability CFR+ teacher", teacher),
            ("exploitability uniform", uniform),
            ("argmax agreement with the teacher", float(c["agreement"][k])),
            Verdict(f"the imitation ({n:,} prompts) is less exploitable than uniform play and more than its teacher",
                    imit, (teacher, uniform), quantity="exploitability")]


register_experiment(Experiment(
    "games_pokergpt_standin", Config, run, plot,
    demo={"iterations": 300, "samples": (200, 2000), "epochs": 150, "features": 2048},
    summarize=summarize,
    description="Leduc CFR+ policy imitated from PokerGPT-style text prompts; exploitability",
    reference="spec §9.1 and §9.3.5 (PokerGPT, Huang et al. 2024, stand-in)",
))
