"""Text agents: a protocol that renders a round as a prompt and parses the reply into a strategy,
and two model back ends, a chat model over an OpenAI-compatible HTTP endpoint and a local
Hugging Face causal LM.

The prompt follows Park et al. (ICLR 2025, spec §2.1): the history of losses (or payoff
vectors) on a 0-10 scale, the action names, and an instruction to print a probability vector.
A malformed, out-of-range or missing reply is retried ``max_retries`` times (each retry tells the
model what was wrong), then the declared ``fallback`` strategy is used and recorded; the run never
crashes on a bad reply. A refused or timed-out request is retried ``request_retries`` times with
backoff, then :class:`EndpointError` stops the run (the harness keeps the finished rounds).
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from regretlab.agents.harness import Agent, EndpointError, History, simplex_fallback
from regretlab.core.errors import check_int, check_positive


class ParseError(ValueError):
    """A reply that is not a valid probability vector (the message says why)."""


_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


@dataclass(frozen=True)
class TextProtocol:
    """Renders rounds and parses replies.

    Attributes:
        scale: values in [0, 1] are shown multiplied by ``scale`` (the paper's 0-10 scale).
        max_history: show at most this many recent rounds (0 = all).
        decimals: digits shown for values and strategies.
    """

    scale: float = 10.0
    max_history: int = 0
    decimals: int = 2

    def system(self, hist: History) -> str:
        names = ", ".join(hist.action_names)
        what = "loss (lower is better)" if hist.kind == "loss" else "payoff (higher is better)"
        seen = ("after each round you see the " + what + " of every action"
                if hist.feedback == "full" else "after each round you see only the " + what + " of the action you played")
        goal = "minimise your total expected loss" if hist.kind == "loss" else "maximise your total expected payoff"
        example = json.dumps({n: round(1.0 / hist.num_actions, 2) for n in hist.action_names})
        return (f"You are repeatedly choosing among {hist.num_actions} actions: {names}. Each round you pick a "
                f"probability distribution over the actions and one action is drawn from it; {seen}, on a "
                f"scale from 0 to {self.scale:g}. Your goal is to {goal} over all rounds. "
                f"Reply with only a JSON object mapping every action to its probability (non-negative, "
                f"summing to 1), for example {example}.")

    def user(self, hist: History, run: int) -> str:
        d = self.decimals
        start = max(0, hist.t - self.max_history) if self.max_history else 0
        lines = []
        for s in range(start, hist.t):
            p = hist.strategies[s][run]
            chose = ", ".join(f"{n} {x:.{d}f}" for n, x in zip(hist.action_names, p))
            if hist.feedback == "full":
                vals = ", ".join(f"{n} {self.scale * v:.{d}f}" for n, v in zip(hist.action_names, hist.values[s][run]))
                lines.append(f"Round {s + 1}: you chose ({chose}); {hist.kind}es: {vals}." if hist.kind == "loss"
                             else f"Round {s + 1}: you chose ({chose}); payoffs: {vals}.")
            else:
                a = int(hist.actions[s][run])
                lines.append(f"Round {s + 1}: you chose ({chose}); you played {hist.action_names[a]} and its "
                             f"{hist.kind} was {self.scale * hist.observed[s][run]:.{d}f}.")
        head = "No rounds have been played yet." if hist.t == 0 else "History:\n" + "\n".join(lines)
        if start > 0:
            head = f"(rounds 1-{start} omitted)\n" + head
        return f"{head}\nRound {hist.t + 1}: give your probability distribution as JSON."

    def messages(self, hist: History, run: int) -> list[dict[str, str]]:
        return [{"role": "system", "content": self.system(hist)}, {"role": "user", "content": self.user(hist, run)}]

    def parse(self, reply: Any, names: list[str]) -> np.ndarray:
        """A ``[K]`` probability vector from a reply, or :class:`ParseError` saying what is wrong.

        Accepted: a JSON object ``{"A1": 0.3, ...}`` (anywhere in the text), a list ``[0.3, 0.7]``,
        or ``A1: 0.3, A2: 0.7``. Percentages summing to 100 are divided by 100; a sum within 2%
        of 1 is renormalised; anything else is rejected.
        """
        if not isinstance(reply, str) or not reply.strip():
            raise ParseError("the reply was empty")
        k = len(names)
        values = self._extract(reply, names)
        if values is None:
            raise ParseError(f"could not find a probability for each of {', '.join(names)}")
        v = np.array(values, dtype=float)
        if v.size != k:
            raise ParseError(f"expected {k} probabilities, got {v.size}")
        if not np.isfinite(v).all() or (v < 0).any():
            raise ParseError(f"probabilities must be finite and >= 0, got {v.tolist()}")
        total = v.sum()
        if abs(total - 100.0) <= 2.0 and (v > 1).any():
            v, total = v / 100.0, total / 100.0
        if abs(total - 1.0) > 0.02:
            raise ParseError(f"probabilities must sum to 1, got a sum of {total:.4g}")
        return v / total

    @staticmethod
    def _extract(reply: str, names: list[str]) -> list[float] | None:
        for m in re.finditer(r"\{[^{}]*\}", reply, flags=re.S):
            try:
                obj = json.loads(m.group(0))
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict) and all(n in obj for n in names):
                try:
                    return [float(obj[n]) for n in names]
                except (TypeError, ValueError):
                    return [math.nan] * len(names)
        pairs = {}
        for n in names:
            hit = re.search(re.escape(n) + r"\"?\s*[:=]\s*(" + _NUM + ")", reply)
            if hit:
                pairs[n] = float(hit.group(1))
        if len(pairs) == len(names):
            return [pairs[n] for n in names]
        lst = re.search(r"\[\s*(" + _NUM + r"(?:\s*,\s*" + _NUM + r")*)\s*\]", reply)
        if lst:
            return [float(x) for x in lst.group(1).split(",")]
        return None


class TextAgent(Agent):
    """A model that answers text prompts; subclasses implement ``complete(messages) -> str``.

    Every attempt (prompt, reply, parsed strategy or error, fallback flag) is appended to
    ``records``. Runs of a batch are queried one after the other.
    """

    name = "text"

    def __init__(self, protocol: TextProtocol | None = None, max_retries: int = 2, fallback: str = "uniform") -> None:
        self.protocol = protocol or TextProtocol()
        self.max_retries = check_int("max_retries", max_retries, minimum=0)
        if fallback not in ("uniform", "previous"):
            raise ValueError(f"fallback must be 'uniform' or 'previous', got {fallback!r}")
        self.fallback = fallback

    def complete(self, messages: list[dict[str, str]]) -> str:
        raise NotImplementedError

    def reset(self, keys: np.ndarray, num_actions: int) -> None:
        super().reset(keys, num_actions)
        self.batch, self.k = len(keys), num_actions

    def act(self, history: History) -> np.ndarray:
        out = np.empty((self.batch, self.k))
        for b in range(self.batch):
            messages = self.protocol.messages(history, b)
            prompt = "\n\n".join(f"[{m['role']}] {m['content']}" for m in messages)
            strategy = None
            for attempt in range(self.max_retries + 1):
                reply = self.complete(messages)
                try:
                    strategy = self.protocol.parse(reply, history.action_names)
                    self.records.append({"run": b, "attempt": attempt, "prompt": prompt, "reply": reply,
                                         "strategy": strategy, "fallback": False})
                    break
                except ParseError as exc:
                    self.records.append({"run": b, "attempt": attempt, "prompt": prompt, "reply": reply,
                                         "strategy": None, "fallback": False, "error": str(exc)})
                    messages = messages + [{"role": "assistant", "content": str(reply)},
                                           {"role": "user", "content": f"That reply was invalid: {exc}. Reply with "
                                            "only the JSON object of probabilities."}]
                    prompt = "\n\n".join(f"[{m['role']}] {m['content']}" for m in messages)
            if strategy is None:
                prev = history.strategies[-1][b] if history.strategies else None
                strategy = simplex_fallback(self.fallback, self.k, prev)
                self.records.append({"run": b, "attempt": self.max_retries + 1, "prompt": "", "reply": "",
                                     "strategy": strategy, "fallback": True,
                                     "error": f"{self.max_retries + 1} invalid replies; used the {self.fallback} fallback"})
            out[b] = strategy
        return out


class ChatAgent(TextAgent):
    """A chat model behind an OpenAI-compatible ``POST {base_url}/chat/completions`` endpoint.

    Args:
        base_url: e.g. ``http://127.0.0.1:8000/v1`` or ``https://api.openai.com/v1``.
        model: the model name the endpoint serves.
        api_key_env: name of the environment variable holding the key (sent as a bearer token
            when set; local servers usually need none).
        timeout: seconds per request. request_retries: extra tries on a refused/failed/timed-out
            request (exponential backoff from ``backoff`` seconds), then :class:`EndpointError`.
        temperature, max_tokens, seed: sent with every request.
    """

    def __init__(self, base_url: str, model: str, *, api_key_env: str = "OPENAI_API_KEY", timeout: float = 60.0,
                 request_retries: int = 2, backoff: float = 0.5, temperature: float = 0.0, max_tokens: int = 200,
                 seed: int | None = 0, protocol: TextProtocol | None = None, max_retries: int = 2,
                 fallback: str = "uniform", transport: Any = None) -> None:
        super().__init__(protocol, max_retries, fallback)
        if not isinstance(base_url, str) or not re.match(r"https?://", base_url):
            raise ValueError(f"base_url must be an http(s) URL such as http://127.0.0.1:8000/v1, got {base_url!r}")
        if not isinstance(model, str) or not model:
            raise ValueError(f"model must be a non-empty model name, got {model!r}")
        self.base_url, self.model = base_url.rstrip("/"), model
        self.name = f"chat:{model}"
        self.api_key_env = api_key_env
        self.timeout = check_positive("timeout", timeout)
        self.request_retries = check_int("request_retries", request_retries, minimum=0)
        self.backoff = check_positive("backoff", backoff, allow_zero=True)
        self.temperature, self.max_tokens, self.seed = float(temperature), check_int("max_tokens", max_tokens), seed
        self._transport = transport
        self._client: Any = None

    def _http(self) -> Any:
        if self._client is None:
            import httpx

            headers = {"Content-Type": "application/json"}
            key = os.environ.get(self.api_key_env, "") if self.api_key_env else ""
            if key:
                headers["Authorization"] = f"Bearer {key}"
            self._client = httpx.Client(timeout=self.timeout, headers=headers, transport=self._transport)
        return self._client

    def complete(self, messages: list[dict[str, str]]) -> str:
        import httpx

        body: dict[str, Any] = {"model": self.model, "messages": messages, "temperature": self.temperature,
                                "max_tokens": self.max_tokens}
        if self.seed is not None:
            body["seed"] = self.seed
        url = f"{self.base_url}/chat/completions"
        last = ""
        for attempt in range(self.request_retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                resp = self._http().post(url, json=body)
            except httpx.TimeoutException:
                last = f"request to {url} timed out after {self.timeout:g} s"
                continue
            except httpx.HTTPError as exc:
                last = f"could not reach {url}: {type(exc).__name__}: {exc}"
                continue
            if resp.status_code == 429 or resp.status_code >= 500:
                last = f"{url} answered HTTP {resp.status_code}: {resp.text[:200]}"
                continue
            if resp.status_code >= 400:  # a client error will not fix itself: no retry
                raise EndpointError(f"{url} answered HTTP {resp.status_code}: {resp.text[:200]}")
            try:
                content = resp.json()["choices"][0]["message"]["content"]
            except (ValueError, KeyError, IndexError, TypeError):
                return ""  # a reply without content counts as a missing reply (retried, then fallback)
            return content if isinstance(content, str) else ""
        raise EndpointError(f"{last} ({self.request_retries + 1} attempts)")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


class HFAgent(TextAgent):
    """A local Hugging Face causal LM (``[llm]`` extra): greedy decoding of the rendered prompt.

    Args:
        model: a folder with a saved model and tokenizer (loaded with ``local_files_only``), or a
            ``(model, tokenizer)`` pair already in memory.
        max_new_tokens: length of each reply.
    """

    def __init__(self, model: Any, *, max_new_tokens: int = 40, protocol: TextProtocol | None = None,
                 max_retries: int = 1, fallback: str = "uniform", name: str | None = None) -> None:
        super().__init__(protocol, max_retries, fallback)
        self.max_new_tokens = check_int("max_new_tokens", max_new_tokens)
        if isinstance(model, tuple):
            self.model, self.tokenizer = model
            self.name = name or f"hf:{type(self.model).__name__}"
        else:
            import os.path

            if not os.path.isdir(str(model)):
                raise ValueError(f"model must be a folder holding a saved Hugging Face model, got {model!r}")
            from transformers import AutoModelForCausalLM, AutoTokenizer

            self.tokenizer = AutoTokenizer.from_pretrained(str(model), local_files_only=True)
            self.model = AutoModelForCausalLM.from_pretrained(str(model), local_files_only=True)
            self.name = name or f"hf:{os.path.basename(str(model).rstrip('/'))}"
        self.model.eval()

    def complete(self, messages: list[dict[str, str]]) -> str:
        import torch

        tok = self.tokenizer
        if getattr(tok, "chat_template", None):
            text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        else:
            text = "\n\n".join(m["content"] for m in messages) + "\n\nAnswer: "
        enc = tok(text, return_tensors="pt")
        limit = getattr(self.model.config, "max_position_embeddings", None) or getattr(self.model.config, "n_positions", None)
        ids = enc["input_ids"]
        if limit is not None and ids.shape[1] + self.max_new_tokens > limit:
            ids = ids[:, -(limit - self.max_new_tokens):]  # keep the most recent context
        with torch.no_grad():
            out = self.model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=self.max_new_tokens,
                                      do_sample=False, pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else 0)
        return tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True)
