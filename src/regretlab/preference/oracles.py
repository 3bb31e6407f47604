"""Preference oracles ``(prompt, a, b) -> P(a > b)`` for the INPO trainer.

* :class:`CallableOracle` wraps any Python callable.
* :class:`PairwiseModelOracle` loads a pairwise preference causal LM from a local path and reads
  P(A > B) from the logits of the tokens ``A`` and ``B`` (averaged over both orders), as the
  RLHFlow pair-preference model used by INPO (spec §1.2 step 3).
* :class:`RewardModelOracle` loads a Bradley–Terry reward model (sequence classifier, one
  label): ``P(a > b) = sigmoid(r(a) - r(b))``.
* :class:`HTTPJudgeOracle` asks an LLM judge behind an OpenAI-compatible ``/chat/completions``
  endpoint (stdlib ``urllib``; no client library needed).

Every value goes through :func:`check_preference_value`: NaN or outside [0, 1] is an error.
torch / transformers are imported inside the model oracles only.
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from typing import Any, Callable, Protocol

__all__ = [
    "PreferenceOracle", "check_preference_value", "CallableOracle", "PairwiseModelOracle",
    "RewardModelOracle", "HTTPJudgeOracle", "PAIR_TEMPLATE", "JUDGE_TEMPLATE",
]

#: Prompt of the RLHFlow pair-preference model (spec §1.2 step 3).
PAIR_TEMPLATE = "[CONTEXT] {context} [RESPONSE A] {a} [RESPONSE B] {b} \n"
#: Prompt sent to an LLM judge.
JUDGE_TEMPLATE = (
    "Which response answers the instruction better? Reply with the single letter A or B.\n\n"
    "[INSTRUCTION]\n{context}\n\n[RESPONSE A]\n{a}\n\n[RESPONSE B]\n{b}\n"
)


class PreferenceOracle(Protocol):
    """``oracle(prompt, a, b) -> P(a > b | prompt)`` in [0, 1]."""

    def __call__(self, prompt: str, a: str, b: str) -> float: ...


def check_preference_value(value: Any, where: str = "oracle") -> float:
    """Return ``float(value)`` or raise a ValueError when it is NaN or outside [0, 1]."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{where} must return a probability P(a > b) in [0, 1], got {value!r}") from None
    if math.isnan(v) or v < 0 or v > 1:
        raise ValueError(f"{where} returned {v!r}; a preference oracle must return P(a > b) in [0, 1]")
    return v


class CallableOracle:
    """Any callable ``fn(prompt, a, b) -> P(a > b)``, with its outputs checked."""

    def __init__(self, fn: Callable[[str, str, str], float]) -> None:
        if not callable(fn):
            raise TypeError(f"fn must be callable (prompt, a, b) -> P(a > b), got {type(fn).__name__}")
        self.fn = fn

    def __call__(self, prompt: str, a: str, b: str) -> float:
        return check_preference_value(self.fn(prompt, a, b), f"oracle {getattr(self.fn, '__name__', 'fn')}")


class PairwiseModelOracle:
    """Pairwise preference LM from a local path: P(A > B) from the next-token logits of ``A`` vs ``B``.

    ``P(a > b) = (softmax_A(prompt(a, b)) + softmax_B(prompt(b, a))) / 2`` so that
    ``P(a > b) + P(b > a) = 1`` exactly (position bias cancels).

    Args:
        path: local directory with a causal LM and its tokenizer (never downloaded).
        template: format string with ``{context}``, ``{a}``, ``{b}``.
        tokens: the two answer tokens.  device: torch device.
    """

    def __init__(self, path: str, template: str = PAIR_TEMPLATE, tokens: tuple[str, str] = ("A", "B"),
                 device: str = "cpu") -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True).to(device).eval()
        self.template, self.device, self._torch = template, device, torch
        ids = [self.tokenizer.convert_tokens_to_ids(t) for t in tokens]
        if any(i is None or i == self.tokenizer.unk_token_id for i in ids):
            raise ValueError(f"tokens {tokens!r} are not single tokens of the tokenizer at {path!r}")
        self.ids = ids

    def _first(self, prompt: str, a: str, b: str) -> float:
        torch = self._torch
        enc = self.tokenizer(self.template.format(context=prompt, a=a, b=b), return_tensors="pt").to(self.device)
        with torch.no_grad():
            logits = self.model(**enc).logits[0, -1, self.ids].float()
        return float(torch.softmax(logits, -1)[0])

    def __call__(self, prompt: str, a: str, b: str) -> float:
        p = 0.5 * (self._first(prompt, a, b) + 1.0 - self._first(prompt, b, a))
        return check_preference_value(p, "PairwiseModelOracle")


class RewardModelOracle:
    """Bradley–Terry reward model from a local path: ``P(a > b) = sigmoid(r(prompt, a) - r(prompt, b))``."""

    def __init__(self, path: str, device: str = "cpu", separator: str = " ") -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.model = AutoModelForSequenceClassification.from_pretrained(path, local_files_only=True).to(device).eval()
        self.device, self.separator, self._torch = device, separator, torch

    def reward(self, prompt: str, response: str) -> float:
        """The scalar reward r(prompt, response)."""
        enc = self.tokenizer(prompt + self.separator + response, return_tensors="pt").to(self.device)
        with self._torch.no_grad():
            return float(self.model(**enc).logits[0, 0])

    def __call__(self, prompt: str, a: str, b: str) -> float:
        d = self.reward(prompt, a) - self.reward(prompt, b)
        return check_preference_value(1.0 / (1.0 + math.exp(-d)), "RewardModelOracle")


class HTTPJudgeOracle:
    """LLM judge over an OpenAI-compatible ``POST {base_url}/chat/completions`` endpoint.

    Each order (a, b) and (b, a) is asked once; the answer letter (or, when the server returns
    ``logprobs``, the softmax over the ``A``/``B`` top log-probs) gives P(first wins); the two
    orders are averaged: ``P(a > b) = (p(a, b) + 1 - p(b, a)) / 2``.

    Args:
        base_url: e.g. ``http://127.0.0.1:8000/v1``.  model: model name sent to the server.
        api_key: optional bearer token.  template: prompt with ``{context}``, ``{a}``, ``{b}``.
        timeout: seconds per request.
    """

    def __init__(self, base_url: str, model: str, api_key: str | None = None,
                 template: str = JUDGE_TEMPLATE, timeout: float = 60.0) -> None:
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}")
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model, self.api_key, self.template, self.timeout = model, api_key, template, timeout

    def _ask(self, prompt: str, a: str, b: str) -> float:
        body = {
            "model": self.model,
            "messages": [{"role": "user", "content": self.template.format(context=prompt, a=a, b=b)}],
            "max_tokens": 1, "temperature": 0.0, "logprobs": True, "top_logprobs": 5,
        }
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        req = urllib.request.Request(self.url, data=json.dumps(body).encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                data = json.loads(resp.read())
        except urllib.error.URLError as exc:
            raise ConnectionError(f"judge at {self.url} did not answer: {exc}") from None
        try:
            choice = data["choices"][0]
        except (KeyError, IndexError, TypeError):
            raise ValueError(f"judge at {self.url} returned no choices: {str(data)[:200]}") from None
        top = ((choice.get("logprobs") or {}).get("content") or [{}])[0].get("top_logprobs") or []
        lp = {t.get("token", "").strip(): t.get("logprob") for t in top}
        if "A" in lp and "B" in lp:
            return 1.0 / (1.0 + math.exp(float(lp["B"]) - float(lp["A"])))
        text = ((choice.get("message") or {}).get("content") or "").strip().upper()
        if text.startswith("A"):
            return 1.0
        if text.startswith("B"):
            return 0.0
        raise ValueError(f"judge at {self.url} answered {text[:40]!r}; expected 'A' or 'B'")

    def __call__(self, prompt: str, a: str, b: str) -> float:
        p = 0.5 * (self._ask(prompt, a, b) + 1.0 - self._ask(prompt, b, a))
        return check_preference_value(p, "HTTPJudgeOracle")
