"""Regret against a benchmark outside the learner's own actions.

:mod:`regretlab.metrics.ledger` compares a learner with the best *fixed action* in hindsight.
Some learners are measured against something else, and their loops keep the running sums here:

* a **known optimum per round** (a principal against the value ``OPT`` of the best mechanism):
  ``R_T = T OPT - sum_t E[V_t]``, with the learner committing to one decision for a block of
  rounds (:class:`ValueBook`, :func:`benchmark_regret`);
* a **comparator class** solved after the fact (the best policy among the fair ones):
  ``R_T = sum_t loss_t(learner) - min_{pi in Q} sum_t loss_t(pi)`` (:func:`comparator_regret`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regretlab.core.errors import check_int

__all__ = ["ValueBook", "benchmark_regret", "comparator_regret"]


@dataclass
class ValueBook:
    """Running ``sum_t E[V_t]`` of a learner that plays one decision for blocks of rounds.

    Attributes:
        rounds: rounds recorded so far.
        earned: ``sum_t E[V_t]`` so far (expected value per round times the rounds it was played).

    Example:
        >>> book = ValueBook()
        >>> book.add(0.5, 10); book.add(0.8, 90)
        >>> book.rounds, round(book.earned, 6)
        (100, 77.0)
    """

    rounds: int = 0
    earned: float = 0.0

    def add(self, value: float, rounds: int = 1) -> None:
        """Record ``rounds`` rounds of a decision worth ``value`` per round (in expectation)."""
        rounds = check_int("rounds", rounds, minimum=0)
        self.earned += rounds * value
        self.rounds += rounds


def benchmark_regret(optimum: float, book: ValueBook, horizon: int | None = None) -> float:
    """Regret against a known per-round optimum: ``R_T = T OPT - sum_t E[V_t]``.

    Args:
        optimum: ``OPT``, the best achievable expected value per round.
        book: the learner's :class:`ValueBook`.
        horizon: ``T`` (default: the rounds recorded).
    Returns:
        ``R_T`` (a float).

    Example:
        >>> book = ValueBook()
        >>> book.add(0.5, 10); book.add(0.8, 90)
        >>> round(benchmark_regret(0.8, book), 6)
        3.0

    Reference: the principal's regret of Cacciamani, Castiglioni & Gatti, ICLR 2024 (section 3.3).
    """
    t = book.rounds if horizon is None else check_int("horizon", horizon, minimum=0)
    return t * optimum - book.earned


def comparator_regret(total: np.ndarray, comparator: np.ndarray) -> np.ndarray:
    """Regret against a comparator class: ``R_T = sum_t loss_t(learner) - min_{pi in Q} sum_t loss_t(pi)``.

    Args:
        total: ``[B]`` the learner's total loss per run (e.g. expected mistakes ``sum_t Err(pi_t)``).
        comparator: ``[B]`` the best total in the class ``Q`` (NaN where it was not computed).
    Returns:
        ``[B]`` the regret (NaN where the comparator is NaN).

    Example:
        >>> comparator_regret(np.array([12.0, 9.0]), np.array([10.0, np.nan])).tolist()
        [2.0, nan]

    Reference: accuracy regret against the fair policies, Bechavod & Roth, ICML 2023 (spec §6.4).
    """
    return np.asarray(total, dtype=np.float64) - np.asarray(comparator, dtype=np.float64)
