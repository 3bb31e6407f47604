"""Summary numbers: estimates rounded to their standard error, verdicts in words."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regretlab.summary import Estimate, Verdict, entries, format_estimate, format_number


@pytest.mark.parametrize("mean, se, text", [
    (0.0033296031363212, 0.000123, "0.00333 ± 0.00012"),   # the example
    (12345.6, 234.0, "12350 ± 230"),
    (0.5, 0.0996, "0.50 ± 0.10"),                          # the se rounds up a digit: 0.10, not 0.100
    (-1.23456, 0.0123, "-1.235 ± 0.012"),
    (-0.00001, 0.001, "0.0000 ± 0.0010"),                  # no negative zero
    (100.0, 0.0, "100.000 ± 0"),                           # runs that all agree
    (0.0926126, None, "0.09261"),                          # deterministic: 4 significant figures
    (3.3296e-7, 1.23e-8, "(3.33 ± 0.12)e-07"),
    (2.5e7, 3.1e5, "(2.500 ± 0.031)e+07"),
    (float("nan"), 0.1, "nan"),
])
def test_format_estimate(mean, se, text):
    assert format_estimate(mean, se) == text


def _decimals(s: str) -> int:
    return len(s.split(".")[1]) if "." in s else 0


@settings(max_examples=300, deadline=None)
@given(st.floats(-1e5, 1e5, allow_nan=False), st.floats(1e-6, 1e4, allow_nan=False))
def test_format_estimate_rounds_the_mean_to_the_se(mean, se):
    text = format_estimate(mean, se)
    if "e" in text:
        return
    m, s = text.split(" ± ")
    assert _decimals(m) == _decimals(s)
    digits = s.replace(".", "").lstrip("0")
    if _decimals(s) == 0:
        digits = digits.rstrip("0") or "0"  # 230: the zero only holds the place
        assert len(digits) <= 2, text
    else:
        assert len(digits) == 2, text  # two significant figures
    unit = 10.0 ** (math.floor(math.log10(float(s))) - 1)  # the place of the se's second digit
    assert abs(float(m) - mean) <= unit / 2 + 1e-9 * max(1.0, abs(mean))
    assert abs(float(s) - se) <= max(unit / 2, 0.051 * se) + 1e-12


def test_format_number():
    assert format_number(0.0033296031363212) == "0.003330"
    assert format_number(1234567.0) == "1.235e+06"
    assert format_number(-0.5) == "-0.5000"


def test_estimate_is_a_float_that_prints_rounded():
    e = Estimate.of([1.0, 1.2, 0.9, 1.1])
    assert isinstance(e, float) and e == pytest.approx(1.05)
    assert e.se == pytest.approx(np.std([1.0, 1.2, 0.9, 1.1], ddof=1) / 2)
    assert str(e) == format_estimate(1.05, e.se) and f"{e}" == str(e) and f"{e:.1f}" == "1.1"
    assert e < 2 and e + 1 == pytest.approx(2.05)
    assert Estimate.of([3.0]).se is None and str(Estimate.of([3.0])) == "3.000"
    lo, hi = e.interval()
    assert lo < e < hi
    import pickle

    assert pickle.loads(pickle.dumps(e)).se == e.se
    with pytest.raises(ValueError, match="at least one value"):
        Estimate.of([])


def test_verdict_words_and_statuses():
    v = Verdict("hedge: slope", 0.49, (0.45, 0.52), quantity="slope")
    assert v.holds and v.status == "holds" and v.text() == "slope 0.4900 ∈ [0.45, 0.52]: holds"
    v = Verdict("switching: slope vs B", -0.181, (-0.6, -0.4), quantity="slope")
    assert v.status == "fails" and v.text() == "slope -0.1810 ∉ [-0.6, -0.4]: does not hold"
    v = Verdict("x", 0.3, (None, 0.2), holds=False, demo_size="needs T = 10^5; this run has T = 10^3")
    assert v.status == "demo size" and "does not hold at demo size (needs T = 10^5" in v.text()
    v = Verdict("x", 0.004, (None, 5e-3), demo_size="stops at N = 16000")
    assert v.holds is None and v.status == "demo size" and "(target ≤ 0.005)" in v.text()
    assert "not tested at demo size" in v.text()
    v = Verdict("gap not monotone", "3 rises", "not monotone", holds=True)
    assert v.text() == "3 rises (target: not monotone): holds"
    assert Verdict("no decision", 1.0, "a word target").status == "not tested"
    assert Verdict("nan", float("nan"), (0, 1)).status == "fails"
    assert "full size: docs/figures/x.png" in Verdict("x", 1, (0, 2), full_size="docs/figures/x.png").text()
    with pytest.raises(ValueError, match="low, high"):
        Verdict("x", 1, (1, 2, 3))


def test_verdicts_and_pairs_mix_in_one_summary():
    v = Verdict("hedge: slope", Estimate(0.4860, 0.004), (0.45, 0.52), quantity="slope")
    summary = [("final regret", Estimate(13.2, 0.4)), ("pi*", [0.45, 0.15]), ("gap", 0.0926126), v]
    assert dict(summary)["hedge: slope"] is v  # a verdict unpacks as (claim, verdict)
    label, value = v
    assert label == "hedge: slope" and value is v and len(v) == 2 and v[0] == "hedge: slope"
    rows = entries(summary)
    assert rows[0] == ("final regret", "13.20 ± 0.40", None)
    assert rows[1] == ("pi*", "[0.45, 0.15]", None)
    assert rows[2] == ("gap", "0.09261", None)
    assert rows[3] == ("hedge: slope", "0.4860 ± 0.0040", v)
    assert entries([("wrapped", v)])[0][2] is v


def test_format_estimate_refuses_bad_digits():
    with pytest.raises(ValueError, match="digits"):
        format_estimate(1.0, 0.1, digits=0)
    assert math.isnan(float(format_estimate(float("nan"))))
    assert re.fullmatch(r"-?\d+\.\d+ ± \d\.\d+", format_estimate(-2.0, 0.25))
