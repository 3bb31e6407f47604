"""A lightweight language model that plays hold'em: a tiny Llama-style causal LM (a
``transformers`` config, trained from scratch on CPU) with a word-level poker tokenizer,
supervised fine-tuning on (prompt -> action) pairs, then RLHF (DPO / INPO / IPO) with the
project's preference trainer (:class:`regretlab.preference.trainer.PreferenceTrainer`) on
preference pairs; checkpoints and resume for both stages.

SFT minimises the cross-entropy of the action tokens (and the end token) given the prompt:
``-(1/N) sum_n sum_{j} log pi(y_{n,j} | x_n, y_{n,<j})`` (AdamW, shuffled mini-batches seeded by
``(seed, epoch)``; a checkpoint ``sft/epoch_XXX`` after each epoch, ``state.json`` written last).
The RLHF stage runs ``PreferenceTrainer.train_offline`` on the fixed pairs (reference policy =
the SFT model). PokerGPT (Huang et al. 2024, arXiv 2401.06781) fine-tunes OPT-1.3B the same way;
any local Hugging Face causal LM can stand in for the tiny model (:func:`load_model`).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from regretlab.poker.env import Observation, TableConfig
from regretlab.poker.prompts import render, vocabulary

__all__ = ["LMAgent", "load_model", "poker_tokenizer", "rlhf", "sft", "threads", "tiny_model"]


def poker_tokenizer(config: TableConfig) -> Any:
    """Word-level tokenizer over :func:`~regretlab.poker.prompts.vocabulary` (``[PAD] [EOS] [UNK]`` first)."""
    from regretlab.preference.tiny import word_tokenizer

    return word_tokenizer(vocabulary(config))


def tiny_model(tokenizer: Any, hidden: int = 48, layers: int = 2, heads: int = 4, max_positions: int = 320,
               seed: int = 0) -> Any:
    """A randomly initialised Llama-style causal LM for ``tokenizer`` (seeded)."""
    from regretlab.preference.tiny import tiny_causal_lm

    return tiny_causal_lm(len(tokenizer), arch="llama", hidden=hidden, layers=layers, heads=heads,
                          max_positions=max_positions, seed=seed)


def load_model(path: str | Path) -> tuple[Any, Any]:
    """A saved (or any local Hugging Face) causal LM and its tokenizer from ``path``."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"model folder {str(p)!r} does not exist")
    tok = AutoTokenizer.from_pretrained(str(p))
    return AutoModelForCausalLM.from_pretrained(str(p)).eval(), tok


@contextlib.contextmanager
def threads(n: int | None = 1) -> Iterator[None]:
    """Run torch with ``n`` intra-op threads inside the block (restored after). A tiny model's
    matrices are too small to gain from threads; on a busy machine extra threads cost 10-40x."""
    if n is None:
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(old)


def _encode(tok: Any, text: str) -> list[int]:
    return list(tok(text, add_special_tokens=False)["input_ids"])


def _last_epoch(out: Path) -> Path | None:
    done = sorted(p for p in out.glob("epoch_*") if (p / "state.json").exists())
    return done[-1] if done else None


def sft(model: Any, tokenizer: Any, pairs: Sequence[tuple[str, str]], *, epochs: int = 3, lr: float = 3e-3,
        batch_size: int = 32, seed: int = 0, output_dir: str | Path | None = None,
        resume: bool = True, num_threads: int | None = 1) -> list[dict[str, float]]:
    """Supervised fine-tuning on ``(prompt, action)`` pairs (loss on the action tokens and EOS).

    Args:
        model, tokenizer: the LM (trained in place) and its tokenizer.
        pairs: training pairs.  epochs, lr, batch_size: AdamW optimisation.  seed: shuffling seed.
        output_dir: checkpoint folder (``epoch_XXX`` per epoch: weights, optimiser, ``state.json``).
        resume: continue after the last finished epoch in ``output_dir``.
        num_threads: torch threads while training (``None``: leave torch's setting).
    Returns:
        Per epoch: ``{"epoch", "loss", "tokens", "seconds", "tokens_per_second"}`` (all epochs so far).

    Example:
        >>> from regretlab.preference.tiny import word_tokenizer
        >>> tok = word_tokenizer(["a", "b", "x", "y"])
        >>> m = tiny_model(tok, hidden=16, layers=1, heads=2, max_positions=16)
        >>> h = sft(m, tok, [("a", "x"), ("b", "y")] * 8, epochs=30, lr=1e-2, batch_size=16)
        >>> h[-1]["loss"] < h[0]["loss"]
        True
    """
    if not pairs:
        raise ValueError("pairs must hold at least one (prompt, action) pair")
    with threads(num_threads):
        return _sft(model, tokenizer, pairs, epochs, lr, batch_size, seed, output_dir, resume)


def _sft(model: Any, tokenizer: Any, pairs: Sequence[tuple[str, str]], epochs: int, lr: float, batch_size: int,
         seed: int, output_dir: str | Path | None, resume: bool) -> list[dict[str, float]]:
    eos, pad = tokenizer.eos_token_id, tokenizer.pad_token_id
    data = [(_encode(tokenizer, p), _encode(tokenizer, a) + [eos]) for p, a in pairs]
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    history: list[dict[str, float]] = []
    start = 0
    out = None if output_dir is None else Path(output_dir)
    if out is not None and resume and out.exists():
        ck = _last_epoch(out)
        if ck is not None:
            from safetensors.torch import load_file

            state = {}
            for f in sorted(ck.glob("*.safetensors")):
                state.update(load_file(str(f)))
            model.load_state_dict(state, strict=False)
            opt.load_state_dict(torch.load(ck / "optimizer.pt", weights_only=True))
            info = json.loads((ck / "state.json").read_text())
            start, history = int(info["epoch"]), list(info["history"])
    for epoch in range(start + 1, epochs + 1):
        g = torch.Generator().manual_seed(int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0]))
        perm = torch.randperm(len(data), generator=g).tolist()
        model.train()
        t0, tokens, losses = time.perf_counter(), 0, []
        for s in range(0, len(data), batch_size):
            batch = [data[i] for i in perm[s:s + batch_size]]
            L = max(len(p) + len(a) for p, a in batch)
            ids = torch.full((len(batch), L), pad, dtype=torch.long)
            att = torch.zeros_like(ids)
            lab = torch.full_like(ids, -100)
            for k, (p, a) in enumerate(batch):
                seq = p + a
                ids[k, :len(seq)] = torch.tensor(seq)
                att[k, :len(seq)] = 1
                lab[k, len(p):len(seq)] = torch.tensor(a)
                tokens += len(seq)
            loss = model(input_ids=ids, attention_mask=att, labels=lab).loss
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            losses.append(float(loss.detach()))
        sec = time.perf_counter() - t0
        history.append({"epoch": epoch, "loss": float(np.mean(losses)), "tokens": tokens, "seconds": sec,
                        "tokens_per_second": tokens / sec if sec > 0 else float("nan")})
        if out is not None:
            d = out / f"epoch_{epoch:03d}"
            d.mkdir(parents=True, exist_ok=True)
            (d / "state.json").unlink(missing_ok=True)
            model.save_pretrained(d)
            tokenizer.save_pretrained(d)
            torch.save(opt.state_dict(), d / "optimizer.pt")
            (d / "state.json").write_text(json.dumps({"epoch": epoch, "history": history}))
    model.eval()
    return history


def rlhf(model: Any, tokenizer: Any, examples: Sequence[dict[str, str]], *, loss: str = "dpo", epochs: int = 1,
         lr: float = 1e-3, beta: float = 0.1, eta: float = 2.0, tau: float = 0.1, batch_size: int = 32,
         seed: int = 0, output_dir: str | Path | None = None, resume: bool = True,
         num_threads: int | None = 1) -> dict[str, Any]:
    """RLHF on fixed preference pairs with the project's trainer (``loss`` in ``dpo, inpo, ipo``).

    The reference policy is ``model`` as it is now (the SFT model). With ``output_dir`` the result is
    saved there (weights + ``state.json``); with ``resume`` a finished run is loaded instead of rerun.
    Returns ``{"pairs", "loss_first", "loss_last", "tokens", "seconds", "tokens_per_second"}``.
    """
    from regretlab.preference.trainer import PreferenceTrainer, TrainerConfig

    if not examples:
        raise ValueError("examples must hold at least one preference pair")
    out = None if output_dir is None else Path(output_dir)
    if out is not None and resume and (out / "state.json").exists():
        from safetensors.torch import load_file

        state = {}
        for f in sorted(out.glob("*.safetensors")):
            state.update(load_file(str(f)))
        model.load_state_dict(state, strict=False)
        model.eval()
        return json.loads((out / "state.json").read_text())
    cfg = TrainerConfig(loss=loss, beta=beta, eta=eta, tau=tau, iterations=1, num_samples=2,
                        learning_rate=lr, epochs=epochs, batch_size=batch_size, lr_schedule="constant", seed=seed)
    trainer = PreferenceTrainer(model, tokenizer, lambda p, a, b: 0.5, [e["prompt"] for e in examples[:1]], cfg)
    t0 = time.perf_counter()
    with threads(num_threads):
        first, last, tokens = trainer.train_offline(list(examples))
    sec = time.perf_counter() - t0
    res = {"pairs": len(examples), "loss_first": float(first), "loss_last": float(last), "tokens": int(tokens),
           "seconds": sec, "tokens_per_second": tokens / sec if sec > 0 else float("nan"), "loss": loss}
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "state.json").unlink(missing_ok=True)
        model.save_pretrained(out)
        tokenizer.save_pretrained(out)
        (out / "state.json").write_text(json.dumps(res))
    model.eval()
    return res


def _kind_first(menu: list[str], scores: list[float]) -> str:
    """The most likely size of the kind with the most total probability (``decode="kind"``)."""
    kinds: dict[str, list[int]] = {}
    for i, a in enumerate(menu):
        kinds.setdefault(a.split()[0], []).append(i)
    mass = {k: float(np.logaddexp.reduce([scores[i] for i in ix])) for k, ix in kinds.items()}
    best = max(mass, key=lambda k: mass[k])
    return menu[max(kinds[best], key=lambda i: scores[i])]


class LMAgent:
    """The language model as a player, a batch of tables per call.

    ``decode="score"`` (the default): the answer is the legal action whose text the model finds
    most likely, ``argmax_a sum_j log pi(a_j | prompt, a_<j)`` over the legal menu ``a`` (its words
    and the end token); an illegal answer is impossible by construction. ``decode="generate"``:
    free text, greedy decoding of up to ``max_new_tokens`` words, read by the arena's parser (an
    illegal answer is re-asked once by sampling at temperature 1 from the decision's own seeded
    stream, then a recorded fallback). ``decode="kind"``: the same scores, but first the action
    kind (fold / check / call / bet / raise) with the most probability summed over its legal sizes,
    then its most likely size (a raise's probability is split over up to four sizes, so the single
    most likely action under-picks raising; greedy free text chooses the kind first too).

    Args:
        model, tokenizer: the LM.  name: label in records.  max_new_tokens: answer length cap.
        decode: ``score``, ``kind`` or ``generate``.  features: render prompts with the strength / equity /
            pot-odds part (:func:`~regretlab.poker.prompts.render`; as the model was trained).
    """

    def __init__(self, model: Any, tokenizer: Any, name: str = "lm", max_new_tokens: int = 3,
                 num_threads: int | None = 1, decode: str = "score", features: bool = True) -> None:
        if decode not in ("score", "kind", "generate"):
            raise ValueError(f"decode must be 'score', 'kind' or 'generate', got {decode!r}")
        self.model, self.tok, self.name, self.max_new_tokens = model.eval(), tokenizer, name, max_new_tokens
        self.num_threads, self.decode, self.features = num_threads, decode, bool(features)

    @torch.no_grad()
    def scores(self, prompts: list[str], answers: list[list[str]]) -> list[list[float]]:
        """``log pi(answer + EOS | prompt)`` of every candidate answer of every prompt."""
        eos, pad = self.tok.eos_token_id, self.tok.pad_token_id
        seqs, spans = [], []
        for p, cands in zip(prompts, answers):
            pe = _encode(self.tok, p)
            for a in cands:
                ae = _encode(self.tok, a) + [eos]
                seqs.append(pe + ae)
                spans.append((len(pe), len(pe) + len(ae)))
        out: list[float] = []
        step = 64
        for b in range(0, len(seqs), step):
            chunk, sp = seqs[b:b + step], spans[b:b + step]
            L = max(len(x) for x in chunk)
            ids = torch.full((len(chunk), L), pad, dtype=torch.long)
            att = torch.zeros_like(ids)
            for k, x in enumerate(chunk):  # right padding: positions are the default 0..L-1
                ids[k, :len(x)] = torch.tensor(x)
                att[k, :len(x)] = 1
            logp = torch.log_softmax(self.model(input_ids=ids, attention_mask=att).logits.float(), -1)
            for k, (s0, s1) in enumerate(sp):
                tgt = ids[k, s0:s1]
                out.append(float(logp[k, s0 - 1:s1 - 1].gather(1, tgt[:, None]).sum()))
        res, i = [], 0
        for cands in answers:
            res.append(out[i:i + len(cands)])
            i += len(cands)
        return res

    @torch.no_grad()
    def _generate(self, prompts: list[str], sample: bool = False, seed: int = 0) -> list[str]:
        """Greedy (or sampled) decoding with the KV cache, left-padded batch, own loop (no ``generate``)."""
        pad, eos = self.tok.pad_token_id, self.tok.eos_token_id
        enc = [_encode(self.tok, p) for p in prompts]
        L = max(len(e) for e in enc)
        ids = torch.full((len(enc), L), pad, dtype=torch.long)
        att = torch.zeros_like(ids)
        for k, e in enumerate(enc):  # left padding
            ids[k, L - len(e):] = torch.tensor(e)
            att[k, L - len(e):] = 1
        gen = torch.Generator().manual_seed(int(seed))
        pos = (att.cumsum(1) - 1).clamp(min=0)
        out = self.model(input_ids=ids, attention_mask=att, position_ids=pos, use_cache=True)
        # transformers >= 5.2x names the KV cache ``cache`` (``past_key_values`` before)
        key = "cache" if "cache" in out else "past_key_values"
        past, logits = out[key], out.logits[:, -1]
        done = torch.zeros(len(enc), dtype=torch.bool)
        answer: list[list[int]] = [[] for _ in enc]
        nxt_pos = pos[:, -1:] + 1
        for _ in range(self.max_new_tokens):
            if sample:
                nxt = torch.multinomial(torch.softmax(logits.float(), -1), 1, generator=gen).squeeze(1)
            else:
                nxt = logits.argmax(-1)
            for k, t in enumerate(nxt.tolist()):
                if not done[k]:
                    if t == eos:
                        done[k] = True
                    else:
                        answer[k].append(t)
            if bool(done.all()):
                break
            att = torch.cat([att, torch.ones((len(enc), 1), dtype=att.dtype)], 1)
            out = self.model(input_ids=nxt[:, None], attention_mask=att, position_ids=nxt_pos,
                             use_cache=True, **{key: past})
            past, logits = out[key], out.logits[:, -1]
            nxt_pos = nxt_pos + 1
        return [self.tok.decode(a, skip_special_tokens=True).strip() for a in answer]

    def act(self, observations: Sequence[Observation]) -> list[str]:
        prompts = [render(o, self.features) for o in observations]
        with threads(self.num_threads):
            if self.decode == "generate":
                return self._generate(prompts)
            menus = [[a.text() for a in o.legal] for o in observations]
            sc = self.scores(prompts, menus)
            if self.decode == "score":
                return [m[int(np.argmax(s))] for m, s in zip(menus, sc)]
            return [_kind_first(m, s) for m, s in zip(menus, sc)]

    def reask(self, o: Observation, error: str) -> str:
        seed = int(o.rng().integers(2**31))
        with threads(self.num_threads):
            return self._generate([render(o, self.features)], sample=True, seed=seed)[0]
