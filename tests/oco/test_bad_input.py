"""Bad input to the OCO learners (issue 17, Show: "a domain mismatch for a gradient ... a one-line
error naming the argument and what was expected"), beyond what test_conformance.py and
test_driver.py check: a loss sequence whose data has another dimension than its domain, a gradient
of another dimension for a learner made on a fixed-dimension domain, and the learners that need a
bounded domain (MetaGrad, Ader) on ``R^D``."""

from __future__ import annotations

import numpy as np
import pytest

from regretlab.core import Gradient, learners, rng
from regretlab.oco import ClassSimplex, Simplex, ader, from_sequence, metagrad

CASES = [(e.name, e.test_params[0]) for e in learners.entries("oco")]


def test_loss_data_of_another_dimension_than_the_domain():
    with pytest.raises(ValueError, match=r"^data\['c'\]\.shape\[-1\] = 4 does not match the domain "
                                         r"ClassSimplex\(\['a', 'b', 'c'\]\) of dimension 3$"):
        from_sequence("linear", {"c": np.ones((5, 4))}, ClassSimplex(["a", "b", "c"]))


@pytest.mark.parametrize("name,params", CASES, ids=[n for n, _ in CASES])
def test_a_gradient_for_another_domain_names_the_domain(name, params):
    if "domain" in params:
        pytest.skip("made for its own domain")
    learner = learners.make(name, **{**params, "domain": Simplex(3)})
    state = learner.init(rng.spawn_keys(0, 2), 3)
    with pytest.raises(ValueError, match=r"^feedback.grad must have shape \[B, D\] = \[2, 3\] \(the domain "
                                         r"Simplex\(dim=3\) has D = 3\), got shape \[2, 4\]$") as info:
        learner.update(state, Gradient(np.zeros((2, 4))))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("make,name", [(metagrad, "metagrad"), (ader, "ader")])
def test_learners_that_need_a_bounded_domain_say_so(make, name):
    with pytest.raises(ValueError, match=rf"^{name} needs a bounded domain \(.*\), got Reals\(\); use Ball, Box "
                                         "or Simplex"):
        make("reals")
