"""Iterative INPO (and iterative DPO / IPO baselines) for any Hugging Face causal LM.

Per iteration t (spec §1.2, "Full LLM pipeline"):

1. sample K responses per prompt from pi_t (``model.generate``, temperature ``temperature``);
2. query the preference oracle ``(prompt, a, b) -> P(a > b)``;
3. build pairs: tournament selection (best vs. worst by knock-out, kept if P > 1/2), or
   ``lambda_P`` ordering of random disjoint pairs (the sampling the INPO theory assumes);
4. precompute log pi_ref and log pi_t of (chosen, rejected);
5. minimise the INPO loss ``(h - eta/2)^2`` from pi_t (or the DPO / IPO loss);
6. checkpoint ``output_dir/iter_XXX`` (weights, the pairs as JSONL, ``state.json`` written last).

``train(resume=True)`` restarts after the last finished iteration; every random stream is
derived from ``(seed, iteration)``, so a resumed run reaches the same weights as one that was never
interrupted. ``[llm]`` extra: torch, transformers.

Reference: Zhang et al., "Iterative Nash Policy Optimization", ICLR 2025, arXiv 2407.00617;
iterative DPO baseline: Dong et al., "RLHF Workflow", TMLR 2024; IPO: Azar et al., AISTATS 2024.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import torch
from transformers import LogitsProcessor, LogitsProcessorList

from regretlab.core.errors import check_int, check_positive
from regretlab.preference.data import PreferenceExample, check_example, save_jsonl
from regretlab.preference.loss import check_eta_tau, tournament_pair
from regretlab.preference.oracles import check_preference_value
from regretlab.preference.torch_loss import preference_loss

__all__ = ["TrainerConfig", "PreferenceTrainer", "sequence_logprobs", "preference_step", "IterationResult"]


@dataclass(frozen=True)
class TrainerConfig:
    """Hyper-parameters of iterative preference optimisation.

    Attributes:
        loss: ``"inpo"``, ``"dpo"`` (iterative DPO, Bradley–Terry) or ``"ipo"``.
        eta: INPO step eta > 0 (authors' code: ``eta_code = 1/eta``).
        tau: INPO KL strength tau >= 0 with ``eta tau < 1`` (authors' ``ratio = eta tau``).
        beta: DPO / IPO temperature.
        reference: baselines' reference log-probs: ``"initial"`` (pi_ref) or ``"last"`` (pi_t).
        iterations: number of outer iterations T.
        num_samples: responses K sampled per prompt.
        pair_selection: ``"tournament"`` (one pair per prompt), ``"random"`` (K/2 disjoint pairs
            ordered by lambda_P) or ``"all"`` (all K(K-1)/2 pairs ordered by lambda_P).
        max_new_tokens, min_new_tokens, temperature: sampling (temperature 1 and
            ``min_new_tokens = 0`` sample exactly from pi_t; ``min_new_tokens`` suppresses EOS early,
            which tilts the sampling distribution but not the log-probs the loss uses).
        allowed_tokens: if set, responses use only these token ids (generation and log-probs).
        learning_rate, epochs, batch_size, max_grad_norm, lr_schedule (``"constant"``/``"cosine"``):
            the per-iteration optimisation (AdamW, fresh each iteration, started from pi_t).
        generation_batch_size: prompts per ``generate`` call.
        seed: master seed.
    """

    loss: str = "inpo"
    eta: float = 2.0
    tau: float = 0.1
    beta: float = 0.1
    reference: str = "initial"
    iterations: int = 3
    num_samples: int = 8
    pair_selection: str = "tournament"
    max_new_tokens: int = 64
    min_new_tokens: int = 0
    temperature: float = 1.0
    allowed_tokens: tuple[int, ...] | None = None
    learning_rate: float = 5e-7
    epochs: int = 1
    batch_size: int = 8
    max_grad_norm: float = 1.0
    lr_schedule: str = "cosine"
    generation_batch_size: int = 16
    seed: int = 0

    def __post_init__(self) -> None:
        if self.loss not in ("inpo", "dpo", "ipo"):
            raise ValueError(f"loss must be 'inpo', 'dpo' or 'ipo', got {self.loss!r}")
        check_eta_tau(self.eta, self.tau)
        check_positive("beta", self.beta)
        if self.reference not in ("initial", "last"):
            raise ValueError(f"reference must be 'initial' or 'last', got {self.reference!r}")
        check_int("iterations", self.iterations)
        check_int("num_samples", self.num_samples, minimum=2)
        if self.pair_selection not in ("tournament", "random", "all"):
            raise ValueError(f"pair_selection must be 'tournament', 'random' or 'all', got {self.pair_selection!r}")
        check_int("max_new_tokens", self.max_new_tokens)
        check_int("min_new_tokens", self.min_new_tokens, minimum=0)
        check_positive("temperature", self.temperature)
        check_positive("learning_rate", self.learning_rate)
        check_int("epochs", self.epochs)
        check_int("batch_size", self.batch_size)
        check_positive("max_grad_norm", self.max_grad_norm, allow_zero=True)
        if self.lr_schedule not in ("constant", "cosine"):
            raise ValueError(f"lr_schedule must be 'constant' or 'cosine', got {self.lr_schedule!r}")
        check_int("generation_batch_size", self.generation_batch_size)
        check_int("seed", self.seed, minimum=0)
        if self.allowed_tokens is not None:
            object.__setattr__(self, "allowed_tokens", tuple(int(t) for t in self.allowed_tokens))
            if len(self.allowed_tokens) < 2:
                raise ValueError("allowed_tokens must hold at least two token ids")


@dataclass
class IterationResult:
    """What one iteration did (also written to ``state.json``)."""

    iteration: int
    pairs: int
    discarded_empty: int
    loss_first: float
    loss_last: float
    generated_tokens: int
    generation_seconds: float
    train_tokens: int
    train_seconds: float
    extra: dict = field(default_factory=dict)


class _AllowedTokens(LogitsProcessor):
    def __init__(self, mask: torch.Tensor) -> None:
        self.mask = mask

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        return scores.masked_fill(~self.mask.to(scores.device), float("-inf"))


def _seed(*parts: int) -> int:
    return int(np.random.SeedSequence(list(parts)).generate_state(1, dtype=np.uint64)[0] % (2**63 - 1))


def sequence_logprobs(model: torch.nn.Module, prompts: Sequence[Sequence[int]], responses: Sequence[Sequence[int]],
                      pad_id: int, allowed_mask: torch.Tensor | None = None) -> torch.Tensor:
    """``log pi(response | prompt)`` summed over response tokens, one forward pass, right padding.

    Args:
        model: causal LM.  prompts, responses: token-id lists (N each).  pad_id: padding id.
        allowed_mask: optional ``[V]`` bool mask restricting the response vocabulary.
    Returns:
        ``[N]`` float32 log-probabilities (differentiable when grad is enabled).
    """
    device = next(model.parameters()).device
    seqs = [list(p) + list(r) for p, r in zip(prompts, responses)]
    L = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), L), pad_id, dtype=torch.long)
    attn = torch.zeros((len(seqs), L), dtype=torch.long)
    target_mask = torch.zeros((len(seqs), L - 1), dtype=torch.bool)
    for i, (p, s) in enumerate(zip(prompts, seqs)):
        ids[i, : len(s)] = torch.tensor(s)
        attn[i, : len(s)] = 1
        target_mask[i, len(p) - 1: len(s) - 1] = True
    ids, attn, target_mask = ids.to(device), attn.to(device), target_mask.to(device)
    logits = model(input_ids=ids, attention_mask=attn).logits[:, :-1].float()
    if allowed_mask is not None:
        logits = logits.masked_fill(~allowed_mask.to(device), float("-inf"))
    targets = ids[:, 1:]
    tok = logits.gather(-1, targets.unsqueeze(-1)).squeeze(-1) - torch.logsumexp(logits, -1)
    return torch.where(target_mask, tok, torch.zeros_like(tok)).sum(-1)


def preference_step(model: torch.nn.Module, optimizer: torch.optim.Optimizer, prompts: Sequence[Sequence[int]],
                    chosen: Sequence[Sequence[int]], rejected: Sequence[Sequence[int]], ref_w: torch.Tensor,
                    ref_l: torch.Tensor, last_w: torch.Tensor, last_l: torch.Tensor, config: TrainerConfig,
                    pad_id: int, allowed_mask: torch.Tensor | None = None) -> float:
    """One optimiser step on a batch of pairs: chosen and rejected in one forward pass, loss, backward, step.

    ``ref_*`` and ``last_*`` are the precomputed ``[N]`` log-probs under pi_ref and pi_t, so INPO
    and DPO cost the same. Returns the batch loss.
    """
    n = len(prompts)
    lp = sequence_logprobs(model, list(prompts) + list(prompts), list(chosen) + list(rejected), pad_id, allowed_mask)
    loss = preference_loss(config.loss, lp[:n], lp[n:], ref_w, ref_l, last_w, last_l,
                           eta=config.eta, tau=config.tau, beta=config.beta)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if config.max_grad_norm > 0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
    optimizer.step()
    return float(loss.detach())


class PreferenceTrainer:
    """Iterative INPO / DPO / IPO on a Hugging Face causal LM with a preference oracle.

    Args:
        model: the policy, initialised at pi_ref (trained in place).
        tokenizer: its tokenizer (needs ``pad_token_id`` and ``eos_token_id``).
        oracle: ``oracle(prompt, a, b) -> P(a > b)`` (see :mod:`.oracles`).
        prompts: training prompts (strings).
        config: :class:`TrainerConfig`.
        output_dir: checkpoint folder (``None``: no checkpoints).
        ref_model: pi_ref (default: a frozen copy of ``model`` taken now).
        callback: ``callback(trainer, result)`` after each iteration (e.g. to evaluate).

    Example:
        >>> from regretlab.preference.tiny import tiny_causal_lm, word_tokenizer
        >>> tok = word_tokenizer(["p0", "p1", "a", "b"])
        >>> model = tiny_causal_lm(len(tok), hidden=16, layers=1, heads=2, seed=0)
        >>> letters = tuple(tok.convert_tokens_to_ids(w) for w in ("a", "b"))
        >>> oracle = lambda prompt, y1, y2: 1.0 if y1.count("a") > y2.count("a") else 0.5
        >>> cfg = TrainerConfig(iterations=1, num_samples=4, max_new_tokens=2, min_new_tokens=2,
        ...                     allowed_tokens=letters, epochs=1)
        >>> results = PreferenceTrainer(model, tok, oracle, ["p0", "p1"], cfg).train()
        >>> len(results)
        1
    """

    def __init__(self, model: torch.nn.Module, tokenizer: Any, oracle: Callable[[str, str, str], float],
                 prompts: Sequence[str], config: TrainerConfig | None = None, output_dir: str | Path | None = None,
                 ref_model: torch.nn.Module | None = None,
                 callback: Callable[["PreferenceTrainer", IterationResult], None] | None = None) -> None:
        self.config = config or TrainerConfig()
        if not callable(oracle):
            raise TypeError(f"oracle must be callable (prompt, a, b) -> P(a > b), got {type(oracle).__name__}")
        prompts = list(prompts)
        if not prompts or not all(isinstance(p, str) for p in prompts):
            raise ValueError("prompts must be a non-empty list of strings")
        if tokenizer.pad_token_id is None or tokenizer.eos_token_id is None:
            raise ValueError("tokenizer needs pad_token_id and eos_token_id (set tokenizer.pad_token)")
        self.model, self.tokenizer, self.oracle, self.prompts = model, tokenizer, oracle, prompts
        self.output_dir = None if output_dir is None else Path(output_dir)
        self.ref_model = ref_model if ref_model is not None else copy.deepcopy(model)
        self.ref_model.eval().requires_grad_(False)
        self.callback = callback
        self.iteration = 0  # finished iterations
        self.history: list[IterationResult] = []
        self.device = next(model.parameters()).device
        V = model.get_output_embeddings().weight.shape[0]
        self.allowed_mask = None
        if self.config.allowed_tokens is not None:
            mask = torch.zeros(V, dtype=torch.bool)
            mask[list(self.config.allowed_tokens)] = True
            self.allowed_mask = mask.to(self.device)
        self._prompt_ids = [self._encode(p) for p in prompts]

    # -- helpers -----------------------------------------------------------------------------
    def _encode(self, text: str) -> list[int]:
        ids = self.tokenizer(text, add_special_tokens=True)["input_ids"]
        if not ids:
            raise ValueError(f"prompt {text!r} tokenizes to nothing")
        return list(ids)

    def _logprobs(self, model: torch.nn.Module, prompts, responses, batch: int | None = None) -> torch.Tensor:
        batch = batch or 4 * self.config.batch_size
        out = []
        for i in range(0, len(prompts), batch):
            out.append(sequence_logprobs(model, prompts[i:i + batch], responses[i:i + batch],
                                         self.tokenizer.pad_token_id, self.allowed_mask))
        return torch.cat(out)

    @torch.no_grad()
    def sample(self, iteration: int) -> list[list[list[int]]]:
        """K sampled responses (token ids, cut after the first EOS, EOS kept) per prompt from the current policy."""
        cfg = self.config
        self.model.eval()
        eos = self.tokenizer.eos_token_id
        procs = LogitsProcessorList([_AllowedTokens(self.allowed_mask)]) if self.allowed_mask is not None else None
        with self._rng(_seed(cfg.seed, iteration, 1)):
            return self._sample(procs, eos)

    @contextlib.contextmanager
    def _rng(self, seed: int) -> Iterator[None]:
        """Seed torch's global generators inside a fork, leaving the caller's random state untouched."""
        devices = [self.device] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            yield

    def _sample(self, procs: Any, eos: int) -> list[list[list[int]]]:
        cfg = self.config
        out: list[list[list[int]]] = []
        pad = self.tokenizer.pad_token_id
        for i in range(0, len(self._prompt_ids), cfg.generation_batch_size):
            chunk = self._prompt_ids[i:i + cfg.generation_batch_size]
            L = max(len(p) for p in chunk)
            ids = torch.full((len(chunk), L), pad, dtype=torch.long)
            attn = torch.zeros_like(ids)
            for j, p in enumerate(chunk):  # left padding for generation
                ids[j, L - len(p):] = torch.tensor(p)
                attn[j, L - len(p):] = 1
            gen = self.model.generate(
                input_ids=ids.to(self.device), attention_mask=attn.to(self.device), do_sample=True,
                num_return_sequences=cfg.num_samples, max_new_tokens=cfg.max_new_tokens,
                min_new_tokens=cfg.min_new_tokens, temperature=cfg.temperature, top_k=0, top_p=1.0,
                pad_token_id=pad, eos_token_id=eos, logits_processor=procs)
            gen = gen[:, L:].tolist()
            for j in range(len(chunk)):
                rows = []
                for seq in gen[j * cfg.num_samples:(j + 1) * cfg.num_samples]:
                    if eos in seq:
                        seq = seq[: seq.index(eos) + 1]
                    rows.append(seq)
                out.append(rows)
        return out

    def _text(self, ids: Sequence[int]) -> str:
        return self.tokenizer.decode(list(ids), skip_special_tokens=True)

    def build_pairs(self, samples: list[list[list[int]]], iteration: int) -> tuple[list[tuple[int, list[int], list[int]]], int]:
        """Query the oracle and select (prompt index, chosen ids, rejected ids) pairs; count discarded empties."""
        cfg = self.config
        rng = np.random.default_rng(_seed(cfg.seed, iteration, 2))
        pairs, discarded = [], 0
        for x, rows in enumerate(samples):
            texts = [self._text(r) for r in rows]
            keep = [k for k, t in enumerate(texts) if t.strip()]
            discarded += len(rows) - len(keep)
            if len(keep) < 2:
                continue
            prompt = self.prompts[x]
            cache: dict[tuple[int, int], float] = {}

            def pref(i: int, j: int) -> float:
                if (i, j) not in cache:
                    v = check_preference_value(self.oracle(prompt, texts[keep[i]], texts[keep[j]]),
                                               f"oracle on prompt {x}")
                    cache[(i, j)], cache[(j, i)] = v, 1.0 - v
                return cache[(i, j)]

            if cfg.pair_selection == "tournament":
                sel = tournament_pair(len(keep), pref)
                chosen = [] if sel is None else [sel]
            else:
                order = rng.permutation(len(keep))
                if cfg.pair_selection == "random":
                    cand = [(order[k], order[k + 1]) for k in range(0, len(keep) - 1, 2)]
                else:
                    cand = [(order[a], order[b]) for a in range(len(keep)) for b in range(a + 1, len(keep))]
                chosen = []
                for i, j in cand:
                    chosen.append((i, j) if rng.random() < pref(int(i), int(j)) else (j, i))  # lambda_P
            for i, j in chosen:
                pairs.append((x, rows[keep[int(i)]], rows[keep[int(j)]]))
        return pairs, discarded

    # -- optimisation --------------------------------------------------------------------------
    def optimize(self, pairs: Sequence[tuple[int, Sequence[int], Sequence[int]]], iteration: int,
                 prompt_ids: Sequence[Sequence[int]] | None = None) -> tuple[float, float, int]:
        """Minimise the configured loss from the current weights (= pi_t) on ``pairs``.

        Returns:
            ``(first batch loss, last batch loss, trained tokens)``.
        """
        cfg = self.config
        prompt_ids = self._prompt_ids if prompt_ids is None else prompt_ids
        P = [list(prompt_ids[x]) for x, _, _ in pairs]
        W = [list(w) for _, w, _ in pairs]
        Lr = [list(lo) for _, _, lo in pairs]
        with torch.no_grad():
            self.model.eval()
            last_w, last_l = self._logprobs(self.model, P, W), self._logprobs(self.model, P, Lr)
            if cfg.loss == "inpo" or cfg.reference == "initial":
                ref_w, ref_l = self._logprobs(self.ref_model, P, W), self._logprobs(self.ref_model, P, Lr)
            else:
                ref_w, ref_l = last_w, last_l
        n = len(pairs)
        steps = cfg.epochs * math.ceil(n / cfg.batch_size)
        opt = torch.optim.AdamW([p for p in self.model.parameters() if p.requires_grad], lr=cfg.learning_rate,
                                weight_decay=0.0)
        sched = None
        if cfg.lr_schedule == "cosine":
            sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * s / max(steps, 1))))
        gen = torch.Generator().manual_seed(_seed(cfg.seed, iteration, 3))
        with self._rng(_seed(cfg.seed, iteration, 4)):  # dropout, if the model has any
            return self._fit(opt, sched, gen, P, W, Lr, ref_w, ref_l, last_w, last_l)

    def _fit(self, opt, sched, gen, P, W, Lr, ref_w, ref_l, last_w, last_l) -> tuple[float, float, int]:
        cfg = self.config
        n = len(P)
        self.model.train()
        first = last = float("nan")
        tokens = 0
        for _ in range(cfg.epochs):
            perm = torch.randperm(n, generator=gen).tolist()
            for s in range(0, n, cfg.batch_size):
                idx = perm[s:s + cfg.batch_size]
                bp = [P[i] for i in idx]
                ti = torch.tensor(idx, device=ref_w.device)
                loss = preference_step(self.model, opt, bp, [W[i] for i in idx], [Lr[i] for i in idx],
                                       ref_w[ti], ref_l[ti], last_w[ti], last_l[ti], cfg,
                                       self.tokenizer.pad_token_id, self.allowed_mask)
                if sched is not None:
                    sched.step()
                last = loss
                first = last if math.isnan(first) else first
                tokens += sum(2 * len(bp[k]) + len(W[i]) + len(Lr[i]) for k, i in enumerate(idx))  # forward tokens
        self.model.eval()
        return first, last, tokens

    def train_offline(self, examples: Sequence[PreferenceExample | dict]) -> tuple[float, float, int]:
        """One optimisation pass on fixed prompt/chosen/rejected pairs (pi_t = the current model)."""
        exs = [check_example(e, f"examples[{i}]") for i, e in enumerate(examples)]
        if not exs:
            raise ValueError("examples must hold at least one pair")
        eos_id = self.tokenizer.eos_token_id
        # responses end with EOS, as generated ones do, unless the response vocabulary excludes it
        eos = [eos_id] if self.allowed_mask is None or bool(self.allowed_mask[eos_id]) else []
        prompts = [self._encode(e.prompt) for e in exs]
        pairs = [(i, self._encode_response(e.chosen) + eos, self._encode_response(e.rejected) + eos)
                 for i, e in enumerate(exs)]
        return self.optimize(pairs, self.iteration + 1, prompt_ids=prompts)

    def _encode_response(self, text: str) -> list[int]:
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        if not ids:
            raise ValueError(f"response {text!r} tokenizes to nothing; pairs need non-empty responses")
        return list(ids)

    # -- iterations, checkpoints ---------------------------------------------------------------
    def step(self) -> IterationResult:
        """Run one full iteration t = ``self.iteration + 1`` and checkpoint it."""
        t = self.iteration + 1
        t0 = time.perf_counter()
        samples = self.sample(t)
        t_gen = time.perf_counter() - t0
        gen_tokens = sum(len(r) for rows in samples for r in rows)
        pairs, discarded = self.build_pairs(samples, t)
        t1 = time.perf_counter()
        if pairs:
            first, last, tokens = self.optimize(pairs, t)
        else:
            first = last = float("nan")
            tokens = 0
        res = IterationResult(t, len(pairs), discarded, first, last, gen_tokens, t_gen, tokens,
                              time.perf_counter() - t1)
        self.iteration = t
        self.history.append(res)
        if self.output_dir is not None:
            self._save(t, pairs, res)
        if self.callback is not None:
            self.callback(self, res)
        return res

    def train(self, resume: bool = True) -> list[IterationResult]:
        """Run the remaining iterations (after the last finished checkpoint when ``resume``)."""
        if resume and self.output_dir is not None:
            self.resume()
        while self.iteration < self.config.iterations:
            self.step()
        return self.history

    def _save(self, t: int, pairs, res: IterationResult) -> None:
        d = self.output_dir / f"iter_{t:03d}"
        d.mkdir(parents=True, exist_ok=True)
        (d / "state.json").unlink(missing_ok=True)
        self.model.save_pretrained(d)
        self.tokenizer.save_pretrained(d)
        save_jsonl([PreferenceExample(self.prompts[x], self._text(w), self._text(lo)) for x, w, lo in pairs],
                   d / "pairs.jsonl")
        state = {"iteration": t, "config": asdict(self.config), "result": asdict(res),
                 "history": [asdict(h) for h in self.history]}
        tmp = d / "state.json.tmp"
        tmp.write_text(json.dumps(state, indent=1, default=float))
        tmp.rename(d / "state.json")  # the marker of a finished iteration

    def last_checkpoint(self) -> Path | None:
        """The folder of the last finished iteration (one with ``state.json``), if any."""
        if self.output_dir is None or not self.output_dir.exists():
            return None
        done = sorted(p for p in self.output_dir.glob("iter_*") if (p / "state.json").exists())
        return done[-1] if done else None

    def resume(self) -> int:
        """Load the weights of the last finished iteration; returns the number of finished iterations."""
        ck = self.last_checkpoint()
        if ck is None:
            return self.iteration
        from safetensors.torch import load_file

        state = {}
        for f in sorted(ck.glob("*.safetensors")):
            state.update(load_file(str(f), device=str(self.device)))
        if not state:
            raise FileNotFoundError(f"checkpoint {str(ck)!r} holds no .safetensors weights")
        missing, unexpected = self.model.load_state_dict(state, strict=False)
        if unexpected:
            raise ValueError(f"checkpoint {str(ck)!r} does not match the model: unexpected keys {unexpected[:3]}")
        if missing:
            self.model.tie_weights()
        info = json.loads((ck / "state.json").read_text())
        self.iteration = int(info["iteration"])
        self.history = [IterationResult(**h) for h in info.get("history", [])]
        return self.iteration
