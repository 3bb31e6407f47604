"""A contextual INPO toy with an exact duality gap: a tiny random transformer over enumerable responses.

Prompts are single tokens ``c0 .. c{X-1}``; responses are every word of ``length`` letters over a
small alphabet (``|Y| = len(alphabet) ** length``), generated with the vocabulary restricted to the
alphabet, so ``pi(y|x)`` is computable exactly by enumeration. A hidden blade–chest preference
(intransitive) labels the pairs. The policy after each iteration is read off the network and its
exact duality gap in the tau-regularised game is computed with :func:`games.duality_gap`.

``[llm]`` extra. Reference: INPO (arXiv 2407.00617); spec §1.5 target 3.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from regretlab.core.errors import check_int, check_positive
from regretlab.preference.games import PreferenceGame, blade_chest, duality_gap, regularized_nash
from regretlab.preference.tiny import tiny_causal_lm, word_tokenizer
from regretlab.preference.trainer import PreferenceTrainer, TrainerConfig, sequence_logprobs

__all__ = ["ContextualToy", "make_toy", "toy_policy", "run_toy"]


@dataclass
class ContextualToy:
    """The toy problem.

    Attributes:
        tokenizer: word tokenizer over prompts + alphabet.
        prompts: ``X`` prompt strings.
        responses: ``Y`` response token-id tuples.
        texts: ``Y`` response strings (as decoded).
        P: hidden preference.  # [X, Y, Y]
        tau: KL strength of the game the gap is measured in.
        allowed: alphabet token ids.
    """

    tokenizer: Any
    prompts: list[str]
    responses: list[tuple[int, ...]]
    texts: list[str]
    P: np.ndarray  # [X, Y, Y]
    tau: float
    allowed: tuple[int, ...]

    def oracle(self, prompt: str, a: str, b: str) -> float:
        """The hidden preference ``P[x, a, b]`` looked up by strings."""
        x = self._x[prompt]
        return float(self.P[x, self._y[a], self._y[b]])

    def __post_init__(self) -> None:
        self._x = {p: i for i, p in enumerate(self.prompts)}
        self._y = {t: i for i, t in enumerate(self.texts)}

    def game(self, ref: np.ndarray) -> PreferenceGame:
        """The tau-regularised game with reference policy ``ref`` ``[X, Y]``."""
        return PreferenceGame.make(self.P, ref, tau=self.tau)


def make_toy(num_contexts: int = 8, alphabet: tuple[str, ...] = ("a", "b", "c"), length: int = 2,
             scale: float = 1.0, tau: float = 0.1, seed: int = 0) -> ContextualToy:
    """Build the toy: X prompts, ``len(alphabet)**length`` responses, blade–chest preference (``scale``, ``seed``)."""
    X = check_int("num_contexts", num_contexts)
    L = check_int("length", length)
    tau = check_positive("tau", tau)
    prompts = [f"c{i}" for i in range(X)]
    tok = word_tokenizer(prompts + list(alphabet))
    allowed = tuple(tok.convert_tokens_to_ids(a) for a in alphabet)
    responses = list(itertools.product(allowed, repeat=L))
    texts = [tok.decode(list(r)) for r in responses]
    if len(set(texts)) != len(texts):
        raise ValueError("alphabet letters must decode to distinct responses")
    P = blade_chest(X, len(responses), scale=scale, seed=seed)
    return ContextualToy(tok, prompts, responses, texts, P, tau, allowed)


@torch.no_grad()
def toy_policy(toy: ContextualToy, model: torch.nn.Module) -> np.ndarray:
    """Exact ``pi(y|x)`` of ``model`` on the toy, by enumerating every response, ``[X, Y]``."""
    model.eval()
    mask = torch.zeros(model.get_output_embeddings().weight.shape[0], dtype=torch.bool)
    mask[list(toy.allowed)] = True
    prompts = [toy.tokenizer(p)["input_ids"] for p in toy.prompts]
    X, Y = len(prompts), len(toy.responses)
    lp = sequence_logprobs(model, [prompts[x] for x in range(X) for _ in range(Y)],
                           [list(r) for _ in range(X) for r in toy.responses], toy.tokenizer.pad_token_id, mask)
    pi = lp.double().exp().reshape(X, Y).cpu().numpy()
    return pi / pi.sum(-1, keepdims=True)


def run_toy(loss: str = "inpo", iterations: int = 10, num_samples: int = 32, eta: float = 2.0,
            beta: float | None = None, learning_rate: float = 1e-2, epochs: int = 4, batch_size: int = 256,
            hidden: int = 32, layers: int = 1, toy: ContextualToy | None = None, seed: int = 0,
            threads: int | None = 1, **config: Any) -> dict[str, np.ndarray]:
    """Run iterative INPO (or another trainer method; DPO/IPO: ``beta = tau``) on the toy; exact gap per iteration.

    Args:
        loss: a trainer loss (:data:`~regretlab.preference.torch_loss.METHOD_LOSSES`; ``"spin"`` needs
            ``demonstrations``, which the toy does not have).  iterations: outer iterations.
        num_samples: K samples per prompt (all K(K-1)/2 pairs, ordered by lambda_P).
        eta: INPO step.  beta: DPO/IPO temperature (default tau).  learning_rate, epochs, batch_size:
            Adam optimisation per iteration.  hidden, layers: transformer size.  toy: the problem
            (default :func:`make_toy`).  seed: model and sampling seed.  config: more
            :class:`TrainerConfig` fields.  threads: torch CPU threads during the run (one is
            fastest for this tiny model and robust on a busy machine; ``None`` leaves torch's setting).
    Returns:
        Columns ``iteration [T+1]``, ``gap [T+1]`` (iteration 0 = pi_ref), ``nash_gap_of_ref``, and
        the final policy ``policy [X, Y]``.
    """
    old = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(check_int("threads", threads))
    try:
        return _run_toy(loss, iterations, num_samples, eta, beta, learning_rate, epochs, batch_size, hidden,
                        layers, toy or make_toy(), seed, config)
    finally:
        torch.set_num_threads(old)


def _run_toy(loss, iterations, num_samples, eta, beta, learning_rate, epochs, batch_size, hidden, layers, toy,
             seed, config):
    model = tiny_causal_lm(len(toy.tokenizer), hidden=hidden, layers=layers, heads=2, seed=seed)
    ref = toy_policy(toy, model)
    game = toy.game(ref)
    L = len(toy.responses[0])
    fields = dict(loss=loss, eta=eta, tau=toy.tau, beta=toy.tau if beta is None else beta, iterations=iterations,
                  num_samples=num_samples, pair_selection="all", max_new_tokens=L, min_new_tokens=L,
                  allowed_tokens=toy.allowed, learning_rate=learning_rate, epochs=epochs, batch_size=batch_size,
                  lr_schedule="constant", generation_batch_size=len(toy.prompts), seed=seed)
    fields.update(config)  # any other TrainerConfig field overrides the toy's defaults
    cfg = TrainerConfig(**fields)
    gaps = [duality_gap(game, ref)]

    def record(trainer: PreferenceTrainer, result: Any) -> None:
        gaps.append(duality_gap(game, toy_policy(toy, trainer.model)))

    trainer = PreferenceTrainer(model, toy.tokenizer, toy.oracle, toy.prompts, cfg, callback=record)
    trainer.train(resume=False)
    return {"iteration": np.arange(len(gaps)), "gap": np.array(gaps), "policy": toy_policy(toy, model),
            "ref": ref, "nash": regularized_nash(game)}
