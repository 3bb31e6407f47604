"""Iterative preference optimisation (INPO, Nash-MD, online IPO, SPPO, DNO, SPIN, XPO, DPO, IPO) for any HF causal LM.

Per iteration t (spec §1.2, "Full LLM pipeline"):

1. sample K responses per prompt by the method's sampling rule (``model.generate``, temperature
   ``temperature``): from pi_t; from the token-level geometric mixture ``pi_t^(1-b) ref^b`` (Nash-MD with
   ``b = eta tau``, online IPO / IPO-MD with ``b = mixture``); half from pi_t and half from pi_ref (XPO);
   SPIN pairs the prompt's demonstration with each sample;
2. query the preference oracle ``(prompt, a, b) -> P(a > b)``;
3. build pairs: tournament selection (best vs. worst by knock-out, kept if P > 1/2), or
   ``lambda_P`` ordering of random disjoint pairs (the sampling the INPO theory assumes);
4. precompute log pi_ref and log pi_t of (chosen, rejected);
5. minimise the method's loss (:mod:`.torch_loss`) from pi_t; SPPO and DNO regress on win rates
   ``P̂(y > pi_t)`` estimated from the other K - 2 samples of the prompt (leave-pair-out: unbiased);
6. checkpoint ``output_dir/iter_XXX`` (weights, the pairs and the samples as JSONL, ``state.json`` written last,
   with the checkpoint :data:`CHECKPOINT_FORMAT`).

``train(resume=True)`` restarts after the last finished iteration; every random stream is
derived from ``(seed, iteration)`` (and the prompt's index for sampling and pairing), so a resumed run reaches the same weights as one that was never
interrupted. ``[llm]`` extra: torch, transformers.

Several processes (``regretlab preference train --processes N``: ``torchrun`` on CPU with gloo,
``accelerate launch --multi_gpu`` on GPUs; or an ``accelerate.Accelerator`` passed in, or any launcher that
sets ``WORLD_SIZE``): each process samples, queries the oracle about and pairs its shard of the prompts
(``rank, rank + N, ...``; every prompt from its own random stream ``(seed, iteration, prompt)``, so its
responses and pairs do not depend on the shard), and the shards are gathered in prompt order onto every
process; the optimisation is data-parallel, each global batch of ``batch_size`` pairs split
across the processes (DDP all-reduces the gradients, each process's loss weighted by its share of the
batch), so N processes follow the loss curve of one process to float rounding; only the main process
writes checkpoints.

Reference: Zhang et al., "Iterative Nash Policy Optimization", ICLR 2025, arXiv 2407.00617;
iterative DPO baseline: Dong et al., "RLHF Workflow", TMLR 2024; IPO: Azar et al., AISTATS 2024.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import torch
from transformers import LogitsProcessor, LogitsProcessorList

from regretlab.core.errors import check_int, check_positive, check_probability
from regretlab.preference.data import PreferenceExample, check_example, save_jsonl
from regretlab.preference.loss import check_eta_tau, tournament_pair
from regretlab.preference.oracles import check_preference_value
from regretlab.preference.torch_loss import METHOD_LOSSES, preference_loss

__all__ = ["CHECKPOINT_FORMAT", "TrainerConfig", "PreferenceTrainer", "sequence_logprobs", "preference_step", "IterationResult"]


#: Version of ``iter_XXX/state.json``. 1: no ``format`` key (before per-prompt sampling streams); 2: adds
#: ``format`` and ``iter_XXX/samples.jsonl``. Both resume (the weights and history are read the same way).
CHECKPOINT_FORMAT = 2


@dataclass(frozen=True)
class TrainerConfig:
    """Hyper-parameters of iterative preference optimisation.

    Attributes:
        loss: one of :data:`~regretlab.preference.torch_loss.METHOD_LOSSES`: ``"inpo"``, ``"nash_md"``,
            ``"online_ipo"``, ``"ipo"``, ``"sppo"``, ``"dno"``, ``"spin"``, ``"dpo"`` (iterative DPO,
            Bradley–Terry), ``"xpo"`` (``-`` may replace ``_``).
        eta: INPO / Nash-MD / SPPO step eta > 0 (authors' INPO code: ``eta_code = 1/eta``); DNO's eta.
        tau: INPO / Nash-MD KL strength tau >= 0 with ``eta tau < 1`` (Nash-MD: ``<= 1``; INPO code's
            ``ratio = eta tau``).
        beta: DPO / IPO / XPO temperature.
        alpha: XPO's exploration coefficient (>= 0).
        lam: SPIN's lambda (> 0).
        mixture: online IPO's geometric-mixture weight in [0, 1] (0: online IPO, > 0: IPO-MD). With
            mixture 0 and a full minimisation per iteration the loop is iterative IPO; the online
            algorithm (one SGD step per fresh batch) is ``epochs=1`` with one batch per iteration.
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
    alpha: float = 1e-4
    lam: float = 1.0
    mixture: float = 0.0
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
        loss = str(self.loss).replace("-", "_")
        if loss not in METHOD_LOSSES:
            raise ValueError(f"loss must be one of {', '.join(repr(k) for k in METHOD_LOSSES)}, got {self.loss!r}")
        object.__setattr__(self, "loss", loss)
        if loss == "inpo":
            check_eta_tau(self.eta, self.tau)
        else:
            check_positive("eta", self.eta)
            check_positive("tau", self.tau, allow_zero=True)
            if loss == "nash_md" and self.eta * self.tau > 1:
                raise ValueError(f"eta * tau (Nash-MD's mixture weight) must be in [0, 1], got {self.eta * self.tau:g}")
        check_positive("beta", self.beta)
        check_positive("alpha", self.alpha, allow_zero=True)
        check_positive("lam", self.lam)
        check_probability("mixture", self.mixture)
        if loss in ("sppo", "dno") and self.num_samples < 3:
            raise ValueError(f"num_samples must be >= 3 for {loss} (win rates come from the other K - 2 samples)")
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


class _GeometricMixture(LogitsProcessor):
    """Token-level geometric mixture ``(1 - b) log pi_t + b log ref`` of the policy's scores and the reference's.

    The reference is run on the whole prefix at each step (no cache: tiny models; the cost is the reference's
    forward over the generated prefix). Left padding is masked and position ids follow the mask.
    """

    def __init__(self, ref_model: torch.nn.Module, weight: float, pad_id: int, mask: torch.Tensor | None) -> None:
        self.ref_model, self.weight, self.pad_id, self.mask = ref_model, weight, pad_id, mask
        self.prompt_len: int | None = None

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        if self.prompt_len is None:
            self.prompt_len = input_ids.shape[1]
        # only the prompt's left padding is padding; generated pad tokens (after EOS) are ignored anyway
        attn = torch.ones_like(input_ids)
        attn[:, : self.prompt_len] = (input_ids[:, : self.prompt_len] != self.pad_id).long().cumsum(-1).clamp(max=1)
        pos = (attn.cumsum(-1) - 1).clamp(min=0)
        ref = self.ref_model(input_ids=input_ids, attention_mask=attn, position_ids=pos).logits[:, -1].float()
        if self.mask is not None:
            ref = ref.masked_fill(~self.mask.to(ref.device), float("-inf"))
        mixed = (1 - self.weight) * torch.log_softmax(scores.float(), -1) + self.weight * torch.log_softmax(ref, -1)
        return torch.nan_to_num(mixed, nan=float("-inf")).to(scores.dtype)


class _AllowedTokens(LogitsProcessor):
    def __init__(self, mask: torch.Tensor) -> None:
        self.mask = mask

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        return scores.masked_fill(~self.mask.to(scores.device), float("-inf"))


class _PromptSeededDraw(LogitsProcessor):
    """The last processor of a greedy ``generate``: makes its argmax an exact draw from ``softmax(scores / T)``.

    Gumbel-max (exponential race): ``argmax_v (s_v / T - log E_v)`` with ``E_v ~ Exp(1)`` i.i.d. is distributed as
    ``softmax(s / T)``. The K rows of a prompt draw their ``E`` from that prompt's own ``torch.Generator`` (seeded
    from ``(seed, iteration, stream, prompt index)``), one ``[K, V]`` draw per decoding step, so a prompt's responses
    do not depend on which other prompts share its batch or its process.
    """

    def __init__(self, seeds: Sequence[int], k: int, temperature: float, device: torch.device) -> None:
        self.gens = [torch.Generator(device=device).manual_seed(int(s)) for s in seeds]
        self.k, self.temperature = k, float(temperature)

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        V = scores.shape[-1]
        e = torch.cat([torch.empty((self.k, V), dtype=torch.float32, device=scores.device).exponential_(generator=g)
                       for g in self.gens])
        # E = 0 would give +inf (and NaN on a masked -inf score): clamp to the smallest normal float
        return scores.float() / self.temperature - e.clamp_min(torch.finfo(torch.float32).tiny).log()


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
                    pad_id: int, allowed_mask: torch.Tensor | None = None, target: torch.Tensor | None = None,
                    from_ref_w: torch.Tensor | None = None, loss_scale: float = 1.0) -> float:
    """One optimiser step on a batch of pairs: chosen and rejected in one forward pass, loss, backward, step.

    ``ref_*`` and ``last_*`` are the precomputed ``[N]`` log-probs under pi_ref and pi_t, so every method
    costs the same forward/backward as DPO. ``target`` (SPPO, DNO) and ``from_ref_w`` (XPO) are the per-pair
    extras of :func:`~regretlab.preference.torch_loss.preference_loss`. ``loss_scale`` multiplies the loss
    before ``backward`` (a data-parallel process's share of the global batch). Returns the (unscaled) batch loss.
    """
    n = len(prompts)
    lp = sequence_logprobs(model, list(prompts) + list(prompts), list(chosen) + list(rejected), pad_id, allowed_mask)
    loss = preference_loss(config.loss, lp[:n], lp[n:], ref_w, ref_l, last_w, last_l,
                           eta=config.eta, tau=config.tau, beta=config.beta, target=target,
                           from_ref_w=from_ref_w, alpha=config.alpha, lam=config.lam)
    optimizer.zero_grad(set_to_none=True)
    (loss * loss_scale if loss_scale != 1.0 else loss).backward()
    if config.max_grad_norm > 0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
    optimizer.step()
    return float(loss.detach())


class _Failure:
    """An exception raised on one process while sampling or judging, sent to the others (picklable)."""

    def __init__(self, rank: int, exc: BaseException) -> None:
        self.rank, self.exc_type, self.message = rank, type(exc).__name__, str(exc)
        self.exc = exc

    def __getstate__(self) -> dict:
        return {"rank": self.rank, "exc_type": self.exc_type, "message": self.message}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.exc = None

    def error(self) -> BaseException:
        """The same error on the other processes: same builtin type (else RuntimeError) and message."""
        import builtins

        cls = getattr(builtins, self.exc_type, None)
        if not (isinstance(cls, type) and issubclass(cls, Exception)):
            return RuntimeError(f"process {self.rank}: {self.exc_type}: {self.message}")
        try:
            return cls(self.message)
        except (TypeError, ValueError):  # a builtin that needs other arguments (UnicodeDecodeError, ...)
            return RuntimeError(f"process {self.rank}: {self.exc_type}: {self.message}")


class PreferenceTrainer:
    """Iterative preference optimisation (any of :data:`METHOD_LOSSES`) on a HF causal LM with a preference oracle.

    Args:
        model: the policy, initialised at pi_ref (trained in place).
        tokenizer: its tokenizer (needs ``pad_token_id`` and ``eos_token_id``).
        oracle: ``oracle(prompt, a, b) -> P(a > b)`` (see :mod:`.oracles`).
        prompts: training prompts (strings).
        config: :class:`TrainerConfig`.
        output_dir: checkpoint folder (``None``: no checkpoints).
        ref_model: pi_ref (default: a frozen copy of ``model`` taken now).
        callback: ``callback(trainer, result)`` after each iteration (e.g. to evaluate).
        demonstrations: SPIN's demonstration response for each prompt (required for ``loss="spin"``).
        accelerator: an ``accelerate.Accelerator`` for a multi-process run (default: one is made when the
            process was started by ``accelerate launch`` / ``torchrun`` with ``WORLD_SIZE > 1``; ``False``: never).
            The model is prepared (DDP) and moved to its device; ``callback`` runs on every process
            (``trainer.is_main_process`` tells the main one).

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
                 callback: Callable[["PreferenceTrainer", IterationResult], None] | None = None,
                 demonstrations: Sequence[str] | None = None, accelerator: Any = None) -> None:
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
        if accelerator is None and int(os.environ.get("WORLD_SIZE", "1")) > 1:
            from accelerate import Accelerator  # launched on several processes

            accelerator = Accelerator()
        self.accelerator = None if accelerator is False else accelerator
        self._train_model = model  # the module the training forward runs through (DDP when distributed)
        if self.accelerator is not None:
            self._train_model = self.accelerator.prepare(model)
            self.model = self.accelerator.unwrap_model(self._train_model)
            self.ref_model.to(self.accelerator.device)
        self.callback = callback
        self.iteration = 0  # finished iterations
        self.history: list[IterationResult] = []
        self.last_samples: list[list[list[int]]] | None = None  # every prompt's responses of the last step()
        self.device = next(model.parameters()).device
        V = model.get_output_embeddings().weight.shape[0]
        self.allowed_mask = None
        if self.config.allowed_tokens is not None:
            mask = torch.zeros(V, dtype=torch.bool)
            mask[list(self.config.allowed_tokens)] = True
            self.allowed_mask = mask.to(self.device)
        self._prompt_ids = [self._encode(p) for p in prompts]
        self._demo_ids: list[list[int]] | None = None
        if self.config.loss == "spin":
            if demonstrations is None or len(demonstrations) != len(prompts):
                raise ValueError("loss 'spin' needs demonstrations: one response string per prompt")
            self._demo_ids = [self._encode_response(d) + self._eos_suffix() for d in demonstrations]

    # -- processes -----------------------------------------------------------------------------
    @property
    def num_processes(self) -> int:
        """Number of data-parallel processes (1 without an accelerator)."""
        return 1 if self.accelerator is None else int(self.accelerator.num_processes)

    @property
    def process_index(self) -> int:
        return 0 if self.accelerator is None else int(self.accelerator.process_index)

    @property
    def is_main_process(self) -> bool:
        """True on the process that writes checkpoints (every process samples and judges its shard)."""
        return self.process_index == 0

    def _wait(self) -> None:
        if self.num_processes > 1:
            self.accelerator.wait_for_everyone()

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
    def sample(self, iteration: int, indices: Sequence[int] | None = None) -> list[list[list[int]]]:
        """K sampled responses (token ids, cut after the first EOS, EOS kept) per prompt from the current policy.

        ``indices``: the prompts to sample (default: all), in that order. Prompt ``x``'s responses come from its
        own random stream (``(seed, iteration, x)``), so they are the same whichever prompts are sampled with it
        and on whichever process.
        """
        cfg = self.config
        self.model.eval()
        indices = list(range(len(self._prompt_ids))) if indices is None else [int(x) for x in indices]
        eos = self.tokenizer.eos_token_id
        base = [_AllowedTokens(self.allowed_mask)] if self.allowed_mask is not None else []
        weight = {"nash_md": cfg.eta * cfg.tau, "online_ipo": cfg.mixture}.get(cfg.loss, 0.0)
        with self._rng(_seed(cfg.seed, iteration, 1)):  # the draws use their own generators; this guards the rest
            if cfg.loss == "xpo":  # XPO: ceil(K/2) responses from pi_t, floor(K/2) from pi_ref, paired up
                k = (cfg.num_samples + 1) // 2
                mine = self._sample(base, eos, self.model, k, indices, iteration, stream=1)
                ref = self._sample(base, eos, self.ref_model, cfg.num_samples - k, indices, iteration, stream=5)
                return [a + b for a, b in zip(mine, ref)]
            mix = None
            if weight > 0:
                mix = (self.ref_model, weight, self.tokenizer.pad_token_id, self.allowed_mask)
            return self._sample(base, eos, self.model, cfg.num_samples, indices, iteration, stream=1, mixture=mix)

    @contextlib.contextmanager
    def _rng(self, seed: int) -> Iterator[None]:
        """Seed torch's global generators inside a fork, leaving the caller's random state untouched."""
        devices = [self.device] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            yield

    def _sample(self, base: list, eos: int, model: torch.nn.Module, k: int, indices: Sequence[int], iteration: int,
                stream: int, mixture: tuple | None = None) -> list[list[list[int]]]:
        cfg = self.config
        out: list[list[list[int]]] = []
        pad = self.tokenizer.pad_token_id
        device = next(model.parameters()).device
        for i in range(0, len(indices), cfg.generation_batch_size):
            xs = indices[i:i + cfg.generation_batch_size]
            procs = [] if mixture is None else [_GeometricMixture(*mixture)]  # learns the prompt length: fresh
            procs += list(base) + [_PromptSeededDraw([_seed(cfg.seed, iteration, stream, x) for x in xs], k,
                                                     cfg.temperature, device)]
            chunk = [self._prompt_ids[x] for x in xs]
            L = max(len(p) for p in chunk)
            ids = torch.full((len(chunk), L), pad, dtype=torch.long)
            attn = torch.zeros_like(ids)
            for j, p in enumerate(chunk):  # left padding for generation
                ids[j, L - len(p):] = torch.tensor(p)
                attn[j, L - len(p):] = 1
            # each prompt's K rows side by side; greedy decoding of the Gumbel-perturbed scores = sampling
            ids, attn = ids.repeat_interleave(k, 0), attn.repeat_interleave(k, 0)
            gen = model.generate(
                input_ids=ids.to(device), attention_mask=attn.to(device), do_sample=False, num_beams=1,
                max_new_tokens=cfg.max_new_tokens, min_new_tokens=cfg.min_new_tokens,
                pad_token_id=pad, eos_token_id=eos, logits_processor=LogitsProcessorList(procs))
            gen = gen[:, L:].tolist()
            for j in range(len(chunk)):
                rows = []
                for seq in gen[j * k:(j + 1) * k]:
                    if eos in seq:
                        seq = seq[: seq.index(eos) + 1]
                    rows.append(seq)
                out.append(rows)
        return out

    def _text(self, ids: Sequence[int]) -> str:
        return self.tokenizer.decode(list(ids), skip_special_tokens=True)

    def build_pairs(self, samples: list[list[list[int]]], iteration: int,
                    indices: Sequence[int] | None = None) -> tuple[list[tuple], int]:
        """Query the oracle and select pairs ``(prompt index, chosen ids, rejected ids, target, from_ref_w)``.

        ``samples[j]`` are the responses to prompt ``indices[j]`` (default: prompt ``j``). ``target`` is SPPO's
        ``eta (P̂_w - P̂_l)`` or DNO's ``sigmoid(P̂_w - P̂_l)`` (0 otherwise), with ``P̂(y) = mean P(y > y_k)``
        over the prompt's samples other than the pair (leave-pair-out); ``from_ref_w`` is True where XPO's
        winner was sampled from pi_ref. Each prompt's random pairing and lambda_P draws come from its own
        stream ``(seed, iteration, prompt index)``, so a prompt's pairs do not depend on the other prompts.
        Also returns the number of discarded empty responses.
        """
        indices = range(len(samples)) if indices is None else indices
        if len(indices) != len(samples):
            raise ValueError(f"indices has {len(indices)} prompt indices for {len(samples)} sample lists")
        pairs, discarded = [], 0
        for x, rows in zip(indices, samples):
            got, d = self._judge(int(x), rows, iteration)
            pairs += got
            discarded += d
        return pairs, discarded

    def _judge(self, x: int, rows: list[list[int]], iteration: int) -> tuple[list[tuple], int]:
        """The pairs of prompt ``x`` from its responses ``rows``, and the number of empty responses dropped."""
        cfg = self.config
        rng = np.random.default_rng(_seed(cfg.seed, iteration, 2, x))
        pairs: list[tuple] = []
        half = (cfg.num_samples + 1) // 2  # XPO: rows[:half] from pi_t, rows[half:] from pi_ref
        texts = [self._text(r) for r in rows]
        keep = [k for k, t in enumerate(texts) if t.strip()]
        discarded = len(rows) - len(keep)
        if cfg.loss == "spin":  # the demonstration beats every self-generated response; no oracle
            pairs += [(x, self._demo_ids[x], rows[k], 0.0, False) for k in keep]
            return pairs, discarded
        if len(keep) < 2:
            return pairs, discarded
        prompt = self.prompts[x]
        cache: dict[tuple[int, int], float] = {}

        def pref(i: int, j: int) -> float:
            if i == j:
                return 0.5
            if (i, j) not in cache:
                v = check_preference_value(self.oracle(prompt, texts[keep[i]], texts[keep[j]]),
                                           f"oracle on prompt {x}")
                cache[(i, j)], cache[(j, i)] = v, 1.0 - v
            return cache[(i, j)]

        n = len(keep)
        if cfg.loss == "xpo":
            mine = [i for i in range(n) if keep[i] < half]
            theirs = [i for i in range(n) if keep[i] >= half]
            cand = list(zip(mine, theirs))
        elif cfg.pair_selection == "tournament":
            sel = tournament_pair(n, pref)
            cand = [] if sel is None else [sel]
        else:
            order = rng.permutation(n)
            if cfg.pair_selection == "random":
                cand = [(order[k], order[k + 1]) for k in range(0, n - 1, 2)]
            else:
                cand = [(order[a], order[b]) for a in range(n) for b in range(a + 1, n)]
        if cfg.loss in ("sppo", "dno"):
            if n < 3:
                return pairs, discarded
            M = np.array([[pref(i, j) for j in range(n)] for i in range(n)])
        for i, j in cand:
            i, j = int(i), int(j)
            if cfg.pair_selection != "tournament" or cfg.loss == "xpo":
                i, j = (i, j) if rng.random() < pref(i, j) else (j, i)  # lambda_P
            target = 0.0
            if cfg.loss in ("sppo", "dno"):
                others = [k for k in range(n) if k not in (i, j)]
                diff = float(M[i, others].mean() - M[j, others].mean())
                target = cfg.eta * diff if cfg.loss == "sppo" else 1 / (1 + math.exp(-diff))
            pairs.append((x, rows[keep[i]], rows[keep[j]], target, cfg.loss == "xpo" and keep[i] >= half))
        return pairs, discarded

    # -- optimisation --------------------------------------------------------------------------
    def optimize(self, pairs: Sequence[tuple], iteration: int,
                 prompt_ids: Sequence[Sequence[int]] | None = None) -> tuple[float, float, int]:
        """Minimise the configured loss from the current weights (= pi_t) on ``pairs``.

        A pair is ``(prompt index, chosen ids, rejected ids)`` with optional ``target`` and ``from_ref_w``
        (see :meth:`build_pairs`).

        Returns:
            ``(first batch loss, last batch loss, trained tokens)``.
        """
        cfg = self.config
        prompt_ids = self._prompt_ids if prompt_ids is None else prompt_ids
        P = [list(prompt_ids[p[0]]) for p in pairs]
        W = [list(p[1]) for p in pairs]
        Lr = [list(p[2]) for p in pairs]
        target = torch.tensor([float(p[3]) if len(p) > 3 else 0.0 for p in pairs], device=self.device)
        from_ref = torch.tensor([bool(p[4]) if len(p) > 4 else False for p in pairs], device=self.device)
        with torch.no_grad():
            self.model.eval()
            last_w, last_l = self._logprobs(self.model, P, W), self._logprobs(self.model, P, Lr)
            if cfg.loss in ("inpo", "nash_md", "online_ipo", "xpo") or (
                    cfg.loss in ("dpo", "ipo") and cfg.reference == "initial"):
                ref_w, ref_l = self._logprobs(self.ref_model, P, W), self._logprobs(self.ref_model, P, Lr)
            else:  # SPPO, DNO and SPIN regress on log pi / pi_t only
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
            return self._fit(opt, sched, gen, P, W, Lr, ref_w, ref_l, last_w, last_l, target, from_ref)

    def _fit(self, opt, sched, gen, P, W, Lr, ref_w, ref_l, last_w, last_l, target, from_ref) -> tuple[float, float, int]:
        cfg = self.config
        n = len(P)
        self._train_model.train()
        first = last = float("nan")
        tokens = 0
        world, rank = self.num_processes, self.process_index
        self._step_losses = []
        for _ in range(cfg.epochs):
            perm = torch.randperm(n, generator=gen).tolist()
            for s in range(0, n, cfg.batch_size):
                idx = perm[s:s + cfg.batch_size]
                tokens += sum(2 * len(P[i]) + len(W[i]) + len(Lr[i]) for i in idx)  # forward tokens
                scale = 1.0
                if world > 1:  # this process's share; mean of the global batch = sum over processes / world
                    mine = idx[rank::world]
                    scale = len(mine) * world / len(idx)
                    mine = mine or idx[:1]  # no pair here: a zero-weight forward keeps DDP's all-reduce in step
                else:
                    mine = idx
                ti = torch.tensor(mine, device=ref_w.device)
                loss = preference_step(self._train_model, opt, [P[i] for i in mine], [W[i] for i in mine],
                                       [Lr[i] for i in mine], ref_w[ti], ref_l[ti], last_w[ti], last_l[ti], cfg,
                                       self.tokenizer.pad_token_id, self.allowed_mask, target[ti], from_ref[ti],
                                       loss_scale=scale)
                if world > 1:  # the global batch loss
                    share = torch.tensor([loss * scale / world], dtype=torch.float64, device=ref_w.device)
                    loss = float(self.accelerator.reduce(share, reduction="sum")[0])
                if sched is not None:
                    sched.step()
                last = loss
                first = last if math.isnan(first) else first
                self._step_losses.append(loss)
        self._train_model.eval()
        return first, last, tokens

    def train_offline(self, examples: Sequence[PreferenceExample | dict]) -> tuple[float, float, int]:
        """One optimisation pass on fixed prompt/chosen/rejected pairs (pi_t = the current model)."""
        exs = [check_example(e, f"examples[{i}]") for i, e in enumerate(examples)]
        if not exs:
            raise ValueError("examples must hold at least one pair")
        eos = self._eos_suffix()
        prompts = [self._encode(e.prompt) for e in exs]
        pairs = [(i, self._encode_response(e.chosen) + eos, self._encode_response(e.rejected) + eos)
                 for i, e in enumerate(exs)]
        return self.optimize(pairs, self.iteration + 1, prompt_ids=prompts)

    def _eos_suffix(self) -> list[int]:
        """Responses end with EOS, as generated ones do, unless the response vocabulary excludes it."""
        eos_id = self.tokenizer.eos_token_id
        return [eos_id] if self.allowed_mask is None or bool(self.allowed_mask[eos_id]) else []

    def _encode_response(self, text: str) -> list[int]:
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        if not ids:
            raise ValueError(f"response {text!r} tokenizes to nothing; pairs need non-empty responses")
        return list(ids)

    # -- iterations, checkpoints ---------------------------------------------------------------
    def step(self) -> IterationResult:
        """Run one full iteration t = ``self.iteration + 1`` and checkpoint it.

        On N processes each samples and judges the prompts ``rank, rank + N, ...``; the per-prompt results
        are gathered so that every process holds the same samples and pairs, in prompt order, as one process.
        """
        t = self.iteration + 1
        t0 = time.perf_counter()
        samples, pairs, discarded, timing = self._sample_and_judge(t)
        t_gen = timing["generation_seconds"]
        gen_tokens = sum(len(r) for rows in samples for r in rows)
        t1 = time.perf_counter()
        self._step_losses = []
        if pairs:
            first, last, tokens = self.optimize(pairs, t)
        else:
            first = last = float("nan")
            tokens = 0
        t2 = time.perf_counter()
        extra = {"losses": list(self._step_losses), "judge_seconds": timing["judge_seconds"],
                 "gather_seconds": timing["gather_seconds"], "processes": self.num_processes}
        res = IterationResult(t, len(pairs), discarded, first, last, gen_tokens, t_gen, tokens, t2 - t1, extra)
        self.iteration = t
        self.history.append(res)
        self.last_samples = samples
        if self.output_dir is not None:
            if self.is_main_process:
                self._save(t, pairs, res, samples)
            self._wait()
        res.extra["iteration_seconds"] = time.perf_counter() - t0  # also in state.json from the next iteration on
        if self.callback is not None:
            self.callback(self, res)
        return res

    def _sample_and_judge(self, t: int) -> tuple[list, list[tuple], int, dict]:
        """Sample and judge this process's shard of the prompts, then gather every shard on every process.

        Returns ``(samples of every prompt, pairs in prompt order, discarded responses, timing)``; the timing is
        the slowest process's sampling and judging seconds, and the main process's wait in the gather.
        """
        world, rank = self.num_processes, self.process_index
        mine = list(range(rank, len(self._prompt_ids), world))
        t0 = time.perf_counter()
        try:
            samples = self.sample(t, mine)
            t1 = time.perf_counter()
            judged = [self._judge(x, rows, t) for x, rows in zip(mine, samples)]
            local: Any = (mine, samples, judged, t1 - t0, time.perf_counter() - t1)
        except Exception as exc:  # every process learns of it and raises it, instead of waiting in the gather
            if world == 1:
                raise
            local = _Failure(rank, exc)
        t2 = time.perf_counter()
        shards = self._gather(local)
        t_gather = time.perf_counter() - t2
        failed = [f for f in shards if isinstance(f, _Failure)]
        if failed:  # the first failed process's error, raised on every process (marked ``on_every_process``)
            f = failed[0]
            exc = local.exc if isinstance(local, _Failure) and local.rank == f.rank else f.error()
            with contextlib.suppress(AttributeError, TypeError):
                exc.on_every_process = True
            raise exc
        by_prompt: dict[int, tuple] = {}
        for idx, smp, jd, _, _ in shards:
            for x, rows, (got, d) in zip(idx, smp, jd):
                by_prompt[x] = (rows, got, d)
        order = sorted(by_prompt)
        samples = [by_prompt[x][0] for x in order]
        pairs = [p for x in order for p in by_prompt[x][1]]
        discarded = sum(by_prompt[x][2] for x in order)
        timing = {"generation_seconds": max(sh[3] for sh in shards), "judge_seconds": max(sh[4] for sh in shards),
                  "gather_seconds": t_gather}
        return samples, pairs, discarded, timing

    def _gather(self, obj: Any) -> list[Any]:
        """``[obj of process 0, obj of process 1, ...]`` on every process."""
        if self.num_processes == 1:
            return [obj]
        import torch.distributed as dist

        out: list[Any] = [None] * self.num_processes
        dist.all_gather_object(out, obj)
        return out

    def train(self, resume: bool = True) -> list[IterationResult]:
        """Run the remaining iterations (after the last finished checkpoint when ``resume``)."""
        if resume and self.output_dir is not None:
            self.resume()
        while self.iteration < self.config.iterations:
            self.step()
        return self.history

    def _save(self, t: int, pairs, res: IterationResult, samples: Sequence[Sequence[Sequence[int]]] | None = None) -> None:
        d = self.output_dir / f"iter_{t:03d}"
        d.mkdir(parents=True, exist_ok=True)
        (d / "state.json").unlink(missing_ok=True)
        self.model.save_pretrained(d)
        self.tokenizer.save_pretrained(d)
        save_jsonl([PreferenceExample(self.prompts[p[0]], self._text(p[1]), self._text(p[2])) for p in pairs],
                   d / "pairs.jsonl")
        if samples is not None:  # every sampled response, by prompt (format 2)
            with open(d / "samples.jsonl", "w", encoding="utf-8") as fh:
                fh.writelines(json.dumps({"prompt": self.prompts[x], "responses": [self._text(r) for r in rows]},
                                         ensure_ascii=False) + "\n" for x, rows in enumerate(samples))
        state = {"format": CHECKPOINT_FORMAT, "iteration": t, "config": asdict(self.config), "result": asdict(res),
                 "history": [asdict(h) for h in self.history]}
        tmp = d / "state.json.tmp"
        tmp.write_text(json.dumps(state, indent=1, default=float))
        tmp.rename(d / "state.json")  # the marker of a finished iteration

    def save_pretrained(self, path: str | Path) -> Path:
        """Write the current policy and its tokenizer as a normal Hugging Face model folder.

        ``AutoModelForCausalLM.from_pretrained(path)`` / ``AutoTokenizer.from_pretrained(path)`` load it back
        (each ``iter_XXX`` checkpoint is such a folder too). Only the main process writes; returns ``path``.
        """
        d = Path(path)
        if self.is_main_process:
            d.mkdir(parents=True, exist_ok=True)
            self.model.save_pretrained(d)
            self.tokenizer.save_pretrained(d)
        self._wait()
        return d

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
        fmt = info.get("format", 1)
        if not isinstance(fmt, int) or not 1 <= fmt <= CHECKPOINT_FORMAT:
            raise ValueError(f"checkpoint {str(ck)!r} has format {fmt!r}; this regretlab reads formats 1 to "
                             f"{CHECKPOINT_FORMAT} (a newer regretlab wrote it)")
        self.iteration = int(info["iteration"])
        self.history = [IterationResult(**h) for h in info.get("history", [])]
        return self.iteration
