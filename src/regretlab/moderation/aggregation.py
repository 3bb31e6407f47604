"""Online aggregation of safety experts: EWA, Fixed-Share and a category-aware (sleeping) ensemble.

Every expert ``i`` scores an item with ``p_{t,i} = Pr(unsafe)``; the ensemble predicts from the
current weights and, on the rounds where a label ``y_t ∈ {0, 1}`` arrives, pays each expert its
loss and updates the weights. Rounds without a label leave the state unchanged.

The aggregators are experts learners of the one contract (:mod:`regretlab.core.types`),
registered in family ``"experts"``: ``init(keys [B], K) -> state`` (a per-run round counter
``t [B]``: the labelled rounds each run learned from), ``strategy(state, context) -> [B, K]``
(the weights) and ``update(state, FullInfo(utility = -ℓ [B, K], awake [B, K]))``; a run whose
``awake`` row is all ``False`` (no label this round) is left exactly as it was. On top of the
contract they predict (``predict(state, scores) -> [B]`` ensemble probability) and learn from
labels directly (``learn(state, scores, label)``, ``NaN`` = no label), which is what the service
does. :class:`ModerationStream` is a moderation stream as a setting of :func:`regretlab.run.run`
and :func:`run_stream` plays one through it.

Spec §5 (AEGIS, Ghosh et al. 2024, arXiv 2404.05993); algorithms from Cesa-Bianchi & Lugosi
(2006) "Prediction, Learning, and Games", chapters 2, 3 and 5.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_array, check_int, check_positive, check_probability
from regretlab.core.registry import register
from regretlab.core.types import FullInfo
from regretlab.experts.fixed_share import FixedShare as ExpertsFixedShare
from regretlab.experts.hedge import Hedge

LOSSES = ("absolute", "square", "log", "zero_one")
LOG_LOSS_EPS = 1e-6  # probabilities are clipped to [eps, 1-eps] so that log loss is finite


def _check_loss(loss: str) -> str:
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {loss!r}")
    return loss


def loss_values(prob: np.ndarray, label: np.ndarray, loss: str, threshold: float = 0.5) -> np.ndarray:
    """Loss of a probability of "unsafe" against a 0/1 label, elementwise.

    ``absolute: |p - y|``, ``square: (p - y)^2``, ``log: -ln(p^y (1-p)^{1-y})`` (p clipped to
    ``[1e-6, 1-1e-6]``), ``zero_one: 1[1(p >= τ) != y]``.

    Args:
        prob: ``[...]`` probabilities in [0, 1].
        label: labels broadcastable to ``prob`` (0 or 1).
        loss: one of ``LOSSES``.
        threshold: τ of the 0/1 loss.

    Returns:
        ``[...]`` losses (in [0, 1] except log loss, which is at most ``ln(1e6) ≈ 13.8``).
    """
    _check_loss(loss)
    p = np.asarray(prob, dtype=np.float64)
    y = np.asarray(label, dtype=np.float64)
    if loss == "absolute":
        return np.abs(p - y)
    if loss == "square":
        return (p - y) ** 2
    if loss == "log":
        q = np.clip(p, LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS)
        return -(y * np.log(q) + (1.0 - y) * np.log1p(-q))
    return ((p >= threshold).astype(np.float64) != y).astype(np.float64)


def default_lr(loss: str, num_experts: int, horizon: int | None) -> float | None:
    """The learning rate with a proven bound for ``loss`` (None: use the anytime schedule).

    absolute / 0-1 (convex, bounded in [0, 1]): ``η = sqrt(8 ln N / T)``, regret ``<= sqrt(T ln N/2)``;
    square loss is 1/2-exp-concave on [0, 1]: ``η = 1/2``, regret ``<= 2 ln N``;
    log loss is 1-exp-concave: ``η = 1``, regret ``<= ln N`` (Cesa-Bianchi & Lugosi 2006, Prop 3.1 and §3.3).
    """
    _check_loss(loss)
    if loss == "square":
        return 0.5
    if loss == "log":
        return 1.0
    if horizon is None:
        return None
    return math.sqrt(8.0 * math.log(max(num_experts, 2)) / horizon)


def regret_bound(loss: str, num_experts: int, rounds: int, schedule: str = "fixed") -> float:
    """The worst-case regret bound of :func:`default_lr` after ``rounds`` labelled rounds."""
    log_n = math.log(num_experts)
    if loss == "square":
        return 2.0 * log_n
    if loss == "log":
        return log_n
    if schedule == "fixed":
        return math.sqrt(rounds * log_n / 2.0)
    return 2.0 * math.sqrt(rounds * log_n / 2.0) + math.sqrt(log_n / 8.0)


def fixed_share_bound(num_experts: int, rounds: int, switches: int, lr: float, alpha: float) -> float:
    """Fixed-Share's tracking-regret bound against any sequence with ``switches`` switches.

    ``((m+1) ln N + m ln(1/α) + (T-m-1) ln(1/(1-α))) / η + η T / 8`` for losses in [0, 1]
    (Herbster & Warmuth 1998; Cesa-Bianchi & Lugosi 2006, Thm 5.2).
    """
    m, n, t = switches, num_experts, rounds
    cost = (m + 1) * math.log(n) + m * math.log(1.0 / alpha) + (t - m - 1) * -math.log1p(-alpha)
    return cost / lr + lr * t / 8.0


def fixed_share_lr(num_experts: int, rounds: int, switches: int) -> tuple[float, float]:
    """``(η, α)`` tuned for ``switches`` switches in ``rounds``: ``α = m/(T-1)``, η minimising the bound."""
    m = max(switches, 1)
    alpha = m / (rounds - 1)
    cost = (m + 1) * math.log(num_experts) + m * math.log(1.0 / alpha) + (rounds - m - 1) * -math.log1p(-alpha)
    return math.sqrt(8.0 * cost / rounds), alpha


def _labels(label: Any, batch: int) -> np.ndarray:
    y = np.asarray(label, dtype=np.float64).reshape(-1)
    if y.shape[0] != batch:
        raise ValueError(f"label must have shape [{batch}], got shape {list(np.shape(label))}")
    ok = np.isnan(y) | (y == 0.0) | (y == 1.0)
    if not ok.all():
        raise ValueError(f"label must be 0, 1 or NaN (unlabelled), got {y[~ok][0]!r}")
    return y


def _scores(scores: Any, batch: int | None = None, experts: int | None = None) -> np.ndarray:
    p = np.asarray(scores, dtype=np.float64)
    if p.ndim != 2 or (batch is not None and p.shape[0] != batch) or (experts is not None and p.shape[1] != experts):
        want = f"[{batch if batch is not None else 'B'}, {experts if experts is not None else 'N'}]"
        raise ValueError(f"scores must have shape {want}, got shape {list(p.shape)}")
    if not (np.isfinite(p).all() and (p >= 0).all() and (p <= 1).all()):
        raise ValueError("scores must be probabilities in [0, 1]; got a value outside it or non-finite")
    return p



class AggregatorState(NamedTuple):
    """State of an :class:`Aggregator`."""

    t: np.ndarray  # [B] labelled rounds each run has learned from
    key: np.ndarray  # [B] uint64 learner keys (the aggregators are deterministic: unused)
    signal: np.ndarray  # [B, N] EWA: cumulative utility −Σ ℓ; Fixed-Share: the weights w_t


@dataclass(frozen=True)
class ModerationRound:
    """What a moderation round shows before the ensemble predicts (the context of a setting round).

    Attributes:
        scores: ``[B, N]`` the experts' probabilities of "unsafe".
        category: ``[B]`` int category of each run's item, or ``None``.
        labelled: ``[B]`` bool, whether the label of the item will arrive this round.
    """

    scores: np.ndarray  # [B, N]
    category: np.ndarray | None = None  # [B] int
    labelled: np.ndarray | None = None  # [B] bool


def _context_scores(context: Any) -> Any:
    return context.scores if isinstance(context, ModerationRound) else context


def _service_form(keys: Any, num_experts: Any, batch: int, seed: int) -> tuple[Any, Any]:
    """``init(num_experts, batch=1, seed=0)``: an int (or nothing) where the run keys go."""
    if keys is not None and np.ndim(keys) != 0:
        return keys, num_experts
    if keys is None:
        return rng.spawn_keys(seed, check_int("batch", batch)), num_experts
    if num_experts is not None:  # init(N, B): the second positional is the batch
        batch = num_experts
    return rng.spawn_keys(seed, check_int("batch", batch)), keys


def _awake_rows(feedback: Any, batch: int, k: int) -> tuple[np.ndarray, np.ndarray | None]:
    """``(utility [B, K], awake [B, K] | None)`` of a full-information feedback, checked."""
    if not isinstance(feedback, FullInfo):
        raise TypeError(f"feedback must be FullInfo(utility=[B, K], awake=None) for an aggregator, "
                        f"got {type(feedback).__name__}")
    awake = feedback.awake
    if awake is not None:
        awake = np.asarray(awake)
        if awake.shape != (batch, k) or awake.dtype != np.bool_:
            raise ValueError(f"feedback.awake must be a bool array of shape [{batch}, {k}], got "
                             f"{awake.dtype} {list(awake.shape)}")
        if awake.all():
            awake = None
    if awake is None:
        return check_array("feedback.utility", feedback.utility, shape=(batch, k)), None
    # asleep entries are never read (a NaN placeholder is harmless)
    u = check_array("feedback.utility", np.where(awake, feedback.utility, 0.0), shape=(batch, k))
    return u, awake


class Aggregator:
    """Expert aggregation for P(unsafe): ``p̂_t = Σ_i w_{t,i} p_{t,i}`` with learned weights ``w``.

    The weights learn from the utilities ``u_{t,i} = -ℓ(p_{t,i}, y_t)`` of the labelled rounds.
    For the 0/1 loss the ensemble is the randomised vote ``p̂_t = Σ_i w_{t,i} 1[p_{t,i} >= τ]``
    (the probability of flagging), whose expected 0/1 loss is ``|p̂_t - y_t|``. Subclasses
    (:class:`EWA`, :class:`FixedShare`) define the weights and their step.

    Contract (experts learners): ``init(keys [B], N)``, ``strategy(state) -> [B, N]``,
    ``update(state, FullInfo(utility [B, N], awake [B, N] | None))``: a run with no awake expert
    is unchanged (``t`` too); a run with some experts asleep learns with every asleep expert
    credited with the weighted utility of the awake ones (the specialists reduction).

    Args:
        loss: ``'absolute'``, ``'square'``, ``'log'`` or ``'zero_one'``.
        threshold: τ, the decision threshold (0/1 loss and :meth:`decide`).
    """

    feedback: ClassVar[type] = FullInfo
    name = "aggregator"

    def __init__(self, loss: str = "absolute", threshold: float = 0.5) -> None:
        self.loss = _check_loss(loss)
        self.threshold = check_probability("threshold", threshold)

    # -- the two pieces of a weight rule -----------------------------------------------------
    def initial_signal(self, batch: int, k: int) -> np.ndarray:
        return np.zeros((batch, k))

    def weights_from(self, state: AggregatorState) -> np.ndarray:
        raise NotImplementedError

    def advance(self, state: AggregatorState, utility: np.ndarray) -> np.ndarray:
        """The next signal of every run given this round's utilities ``[B, N]``."""
        raise NotImplementedError

    # -- the contract --------------------------------------------------------------------------
    def init(self, keys: Any = None, num_experts: int | None = None, batch: int = 1, seed: int = 0) -> AggregatorState:
        """Uniform weights over ``num_experts`` experts for the runs of ``keys [B]``.

        ``init(num_experts, batch=1, seed=0)`` (an int first, or no keys) is the same with keys
        ``spawn_keys(seed, batch)``: the form the service uses.
        """
        keys, num_experts = _service_form(keys, num_experts, batch, seed)
        k = check_int("num_experts", num_experts)
        arr = np.asarray(keys)
        if arr.ndim != 1 or arr.size < 1 or not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"keys must be a 1-d integer array of run keys (regretlab.core.rng.spawn_keys), "
                             f"got shape {list(arr.shape)} dtype {arr.dtype}")
        expected = getattr(self, "num_experts", None)
        if expected is not None and expected != k:
            raise ValueError(f"num_experts: this aggregator was tuned for {expected} experts, got {k}")
        key = rng.derive(arr.astype(np.uint64), "learner")
        return AggregatorState(np.zeros(key.size, dtype=np.int64), key, self.initial_signal(key.size, k))

    def strategy(self, state: AggregatorState, context: Any = None) -> np.ndarray:
        """The weights ``[B, N]`` (the context, e.g. the round's scores, does not change them)."""
        return self.weights_from(state)

    def update(self, state: AggregatorState, feedback: Any, label: Any = None) -> AggregatorState:
        """Next state after ``FullInfo(utility [B, N], awake)``; ``update(state, scores, label)``
        is :meth:`learn`."""
        if label is not None:
            return self.learn(state, feedback, label)
        b, k = state.signal.shape
        utility, awake = _awake_rows(feedback, b, k)
        if awake is None:
            rows = np.ones(b, dtype=bool)
        else:
            rows = awake.any(axis=1)
            if not rows.any():
                return state
            if (rows & ~awake.all(axis=1)).any():  # some experts asleep: credit them the mixture's utility
                w = np.where(awake, self.weights_from(state), 0.0)
                total = w.sum(axis=1, keepdims=True)
                count = np.maximum(awake.sum(axis=1, keepdims=True), 1)
                w = np.where(total > 0, w / np.where(total > 0, total, 1.0), awake / count)
                utility = np.where(awake, utility, np.sum(w * utility, axis=1, keepdims=True))
        signal = self.advance(state, utility)
        if not rows.all():
            signal = np.where(rows[:, None], signal, state.signal)
        return AggregatorState(state.t + rows, state.key, signal)

    # -- moderation ----------------------------------------------------------------------------
    def weights(self, state: AggregatorState) -> np.ndarray:
        """Current weights ``[B, N]``."""
        return self.weights_from(state)

    def _inputs(self, scores: np.ndarray) -> np.ndarray:
        return (scores >= self.threshold).astype(np.float64) if self.loss == "zero_one" else scores

    def mix(self, weights: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """``[B]`` ensemble probability from weights ``[B, N]`` and checked scores ``[B, N]``."""
        return np.einsum("bn,bn->b", weights, self._inputs(scores))

    def predict(self, state: AggregatorState, context: Any) -> np.ndarray:
        """Ensemble probability of "unsafe" ``[B]`` from expert scores ``context [B, N]`` (or a
        :class:`ModerationRound`)."""
        w = self.weights(state)
        return self.mix(w, _scores(_context_scores(context), *w.shape))

    def decide(self, prediction: np.ndarray) -> np.ndarray:
        """Hard decision ``1[p̂ >= τ]`` ``[B]``."""
        return np.asarray(prediction) >= self.threshold

    def expert_losses(self, scores: Any, label: Any) -> np.ndarray:
        """Each expert's loss ``[B, N]`` (NaN rows for unlabelled runs)."""
        p = _scores(scores)
        y = _labels(label, p.shape[0])
        return loss_values(p, y[:, None], self.loss, self.threshold)

    def ensemble_loss(self, prediction: Any, label: Any) -> np.ndarray:
        """The ensemble's loss ``[B]``: ``ℓ(p̂, y)``; expected 0/1 loss ``|p̂ - y|`` for ``zero_one``."""
        y = _labels(label, np.shape(prediction)[0])
        if self.loss == "zero_one":
            return np.abs(np.asarray(prediction) - y)
        return loss_values(prediction, y, self.loss)

    def learn(self, state: AggregatorState, scores: Any, label: Any) -> AggregatorState:
        """Pay each expert ``ℓ(p_{t,i}, y_t)`` on labelled runs; ``NaN`` labels leave those runs as they were."""
        p = _scores(scores, *state.signal.shape)
        y = _labels(label, p.shape[0])
        labelled = ~np.isnan(y)
        if not labelled.any():
            return state
        losses = loss_values(p, np.where(labelled, y, 0.0)[:, None], self.loss, self.threshold)
        awake = None if labelled.all() else np.broadcast_to(labelled[:, None], p.shape)
        return self.update(state, FullInfo(utility=-losses, awake=awake))

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_") and v is not None)
        return f"{self.name}({params})"


class EWA(Aggregator):
    r"""Exponentially weighted average: :math:`w_{t,i} \propto \exp(-\eta_t L_{t-1,i})`.

    ``L_{t-1,i}`` is expert i's cumulative loss over the run's labelled rounds; ``η_t = η``
    (``schedule="fixed"``: ``lr``, or ``sqrt(8 ln N / T)`` from ``horizon``) or ``η / sqrt(t)``
    with ``t`` the run's own count of labelled rounds (``"anytime"``; ``sqrt(8 ln N / t)`` without
    ``lr``). Hedge on the experts' utilities ``-ℓ``: the weights and their step are those of
    :func:`regretlab.experts.hedge` (``rule(N)``); the aggregator adds the moderation API
    (``predict``, ``learn``, losses) and keeps its own state layout (``AggregatorState``, what
    the service stores) and its rule for partly asleep rows (always renormalised over the awake
    experts).
    """

    name = "ewa"

    def __init__(self, loss: str = "absolute", lr: float | None = None, schedule: str = "fixed",
                 horizon: int | None = None, num_experts: int | None = None, threshold: float = 0.5) -> None:
        super().__init__(loss, threshold)
        if schedule not in ("fixed", "anytime"):
            raise ValueError(f"schedule must be 'fixed' or 'anytime', got {schedule!r}")
        self.lr = None if lr is None else check_positive("lr", lr)
        self.horizon = None if horizon is None else check_int("horizon", horizon, minimum=1)
        if schedule == "fixed" and self.lr is None and self.horizon is None:
            raise ValueError("ewa with schedule='fixed' needs lr > 0 or horizon >= 1 (to tune the rate)")
        self.schedule = schedule
        self.num_experts = None if num_experts is None else check_int("num_experts", num_experts)

    def _base(self, k: int) -> float | None:
        if self.lr is not None:
            return self.lr
        if self.horizon is not None:
            return math.sqrt(8.0 * math.log(max(k, 2)) / self.horizon)
        return None

    def rule(self, k: int) -> Hedge:
        """The weight rule: :func:`regretlab.experts.hedge` with this rate for ``k`` experts.

        ``fixed``: ``hedge(lr)`` or ``hedge(horizon=T)``; ``anytime``: ``hedge(lr, "anytime")``
        (``η / sqrt(t)``, η the fixed rate when one is known) or ``hedge(schedule="anytime")``
        (``sqrt(8 ln N / t)``). Its ``t`` is the run's own count of labelled rounds.
        """
        rules = self.__dict__.setdefault("_rules", {})
        if k not in rules:
            if self.schedule == "fixed":
                rules[k] = Hedge(self.lr, "fixed", self.horizon)
            else:  # with a horizon but no lr, the anytime rate starts from the tuned fixed one
                rules[k] = Hedge(self._base(k), "anytime")
        return rules[k]

    def rate(self, k: int, t: int) -> float:
        """η used after ``t`` labelled rounds with ``k`` experts."""
        return self.rule(k).rate(k, t)

    def weights_from(self, state: AggregatorState) -> np.ndarray:
        # Hedge's strategy: softmax_rows at each run's own rate (one rate when all runs agree)
        return self.rule(state.signal.shape[1]).strategy_from(state, state.signal)

    def advance(self, state: AggregatorState, utility: np.ndarray) -> np.ndarray:
        return self.rule(state.signal.shape[1]).advance(state, utility, None).signal


class FixedShare(Aggregator):
    r"""Fixed-Share: :math:`v \propto w_t e^{-\eta \ell_t}`, :math:`w_{t+1} = (1-\alpha) v + \alpha/N`.

    The share step happens on labelled rounds only; it is the step of
    :func:`regretlab.experts.fixed_share` (``rule``). ``signal`` holds ``w_t``.
    """

    name = "fixed_share"

    def __init__(self, lr: float, alpha: float, loss: str = "absolute", threshold: float = 0.5) -> None:
        super().__init__(loss, threshold)
        self.lr = check_positive("lr", lr)
        self.alpha = check_probability("alpha", alpha, open_right=True)
        self._rule = ExpertsFixedShare(self.lr, self.alpha)

    @property
    def rule(self) -> ExpertsFixedShare:
        """The weight rule: :func:`regretlab.experts.fixed_share` with this ``lr`` and ``alpha``."""
        return self._rule

    def initial_signal(self, batch: int, k: int) -> np.ndarray:
        return np.full((batch, k), 1.0 / k)

    def weights_from(self, state: AggregatorState) -> np.ndarray:
        return state.signal

    def advance(self, state: AggregatorState, utility: np.ndarray) -> np.ndarray:
        return self._rule.advance(state, utility, None).signal


@register("moderation_ewa", family="experts", tunes=("horizon",), test_params=[
    {}, {"loss": "square"}, {"loss": "log"}, {"loss": "zero_one", "horizon": 100}, {"lr": 0.5, "schedule": "anytime"},
])
def ewa(
    loss: str = "absolute",
    lr: float | None = None,
    horizon: int | None = None,
    schedule: str | None = None,
    num_experts: int | None = None,
    threshold: float = 0.5,
) -> EWA:
    """EWA aggregation of safety experts with the rate that has a proven bound for ``loss``.

    w_{t+1,i} ∝ w_{t,i} exp(−η_t ℓ(p_{t,i}, y_t)) on labelled rounds, p̂_t = Σ_i w_{t,i} p_{t,i}.
    Rates (:func:`default_lr`): square loss η = 1/2 (regret ≤ 2 ln N), log loss η = 1 (≤ ln N);
    absolute / 0-1 with ``horizon=T`` (labelled rounds) η = sqrt(8 ln N / T) (≤ sqrt(T ln N / 2)),
    without a horizon anytime η_t = sqrt(8 ln N / t), t the run's own labelled rounds.

    Args:
        loss: one of ``LOSSES``.
        lr: fixed η (overrides the default).
        horizon: labelled rounds T the fixed rate is tuned for.
        schedule: ``'fixed'`` or ``'anytime'`` (default: fixed when a rate is known, else anytime).
        num_experts: N, optional: ``init`` then checks that the ensemble has N experts.
        threshold: decision threshold τ.

    Returns:
        An :class:`EWA` (state ``t [B]``, ``signal [B, N]`` = −cumulative loss).

    Example:
        >>> agg = ewa("absolute", lr=1.0); state = agg.init(rng.spawn_keys(0, 1), 2)
        >>> agg.predict(state, [[0.9, 0.1]]).tolist()   # uniform weights
        [0.5]
        >>> state = agg.learn(state, [[0.9, 0.1]], [1.0])   # expert 0 was right
        >>> w = agg.weights(state)[0]; bool(np.isclose(w[0] / w[1], np.exp(0.8)))
        True
        >>> agg.learn(state, [[0.9, 0.1]], [np.nan]) is state   # no label: nothing changes
        True

    Cesa-Bianchi & Lugosi, "Prediction, Learning, and Games", 2006, Thm 2.2, 2.3 and Prop 3.1.
    """
    _check_loss(loss)
    if lr is None and loss in ("square", "log"):
        lr = default_lr(loss, 2, None)
    if schedule is None:
        schedule = "fixed" if lr is not None or horizon is not None else "anytime"
    return EWA(loss, lr, schedule, horizon, num_experts, threshold)


@register("moderation_fixed_share", family="experts", test_params=[{"lr": 0.3, "alpha": 0.01},
                                                                   {"lr": 0.5, "alpha": 0.1, "loss": "square"}])
def fixed_share(lr: float, alpha: float, loss: str = "absolute", threshold: float = 0.5) -> FixedShare:
    """Fixed-Share aggregation of safety experts, for a best expert that changes over time.

    v ∝ w_t e^{−η ℓ_t}, w_{t+1} = (1 − α) v + α/N on labelled rounds; tracking regret against the
    best sequence with m switches ≤ ((m+1) ln N + m ln(1/α) + (T−m−1) ln(1/(1−α)))/η + ηT/8
    (:func:`fixed_share_bound`; tuned η, α from :func:`fixed_share_lr`).

    Args:
        lr: η > 0.
        alpha: share rate α in [0, 1).
        loss: one of ``LOSSES``.
        threshold: decision threshold τ.

    Returns:
        A :class:`FixedShare` (state ``t [B]``, ``signal [B, N]`` = the weights).

    Example:
        >>> agg = fixed_share(lr=2.0, alpha=0.1); state = agg.init(rng.spawn_keys(0, 1), 2)
        >>> for _ in range(20):
        ...     state = agg.learn(state, [[1.0, 0.0]], [0.0])   # expert 0 always wrong
        >>> bool(agg.weights(state)[0, 0] >= 0.1 / 2)   # never below α/N: it can come back
        True

    Herbster & Warmuth, "Tracking the best expert", Machine Learning 1998.
    """
    return FixedShare(lr, alpha, loss, threshold)


class CategoryState(NamedTuple):
    """State of a :class:`CategoryAware` ensemble."""

    t: np.ndarray  # [B] rounds on which some category learned
    per_category: tuple  # C AggregatorStates, each batched over [B]


def _category_of(context: Any, batch: int, num: int) -> np.ndarray | None:
    c = context.category if isinstance(context, ModerationRound) else context
    if c is None:
        return None
    c = np.asarray(c)
    if c.shape != (batch,) or not np.issubdtype(c.dtype, np.integer):
        raise ValueError(f"category must be an integer array of shape [{batch}], got {c.dtype} {list(c.shape)}")
    if (c < 0).any() or (c >= num).any():
        raise ValueError(f"category must be in 0..{num - 1}, got {c[(c < 0) | (c >= num)][0]}")
    return c


class CategoryAware:
    """Category-aware (sleeping) ensemble: one aggregator per category, awake only on its rounds.

    As an experts learner it plays over the ``K = C N`` specialists (category c, expert i):
    ``strategy(state, context)`` puts the weights of the round's category (``context`` a
    :class:`ModerationRound` or a ``[B]`` int array) on that category's block and 0 elsewhere
    (without a category: every block's weights over C); ``update(state, FullInfo(u [B, C N],
    awake [B, C N]))`` updates, per run, the aggregators whose block has an awake specialist
    (the round's category when its label arrives). So the regret on each category's rounds obeys
    that aggregator's bound with ``T -> T_c`` (sleeping experts with groups = categories; Blum &
    Mansour 2007, spec §5.2 and §7).

    Args:
        aggregators: one :class:`Aggregator` per category (they may have different horizons),
            all with the same loss and threshold.
    """

    feedback: ClassVar[type] = FullInfo
    name = "category_aware"

    def __init__(self, aggregators: tuple = ()) -> None:
        self.aggregators = tuple(aggregators)
        if len(self.aggregators) < 1 or not all(isinstance(a, Aggregator) for a in self.aggregators):
            raise ValueError("aggregators must hold at least one Aggregator (one per category)")
        if len({(a.loss, a.threshold) for a in self.aggregators}) != 1:
            raise ValueError("aggregators must share one loss and one threshold, got "
                             f"{sorted({(a.loss, a.threshold) for a in self.aggregators})}")
        self.loss, self.threshold = self.aggregators[0].loss, self.aggregators[0].threshold

    @property
    def num_categories(self) -> int:
        return len(self.aggregators)

    def init(self, keys: Any = None, num_actions: int | None = None, batch: int = 1, seed: int = 0) -> CategoryState:
        """State for the runs of ``keys [B]`` over ``num_actions = C N`` specialists.

        ``init(num_experts, batch=1, seed=0)`` (an int first) is the same for N experts with keys
        ``spawn_keys(seed, batch)``.
        """
        c = self.num_categories
        if keys is None or np.ndim(keys) == 0:
            keys, n = _service_form(keys, num_actions, batch, seed)
            num_actions = c * check_int("num_experts", n)
        k = check_int("num_actions", num_actions)
        if k % c:
            raise ValueError(f"num_actions must be a multiple of the {c} categories (C x N specialists), got {k}")
        per = tuple(a.init(keys, k // c) for a in self.aggregators)
        return CategoryState(np.zeros(per[0].t.size, dtype=np.int64), per)

    def _experts(self, state: CategoryState) -> tuple[int, int]:
        return state.per_category[0].signal.shape

    def weights(self, state: CategoryState, category: Any) -> np.ndarray:
        """Weights ``[B, N]`` of each run's category."""
        b, n = self._experts(state)
        c = _category_of(category, b, self.num_categories)
        if c is None:
            raise ValueError("category must be given: [B] int categories (or a ModerationRound with one)")
        out = np.empty((b, n))
        for k in np.unique(c):  # only the awake categories are evaluated
            rows = c == k
            out[rows] = self.aggregators[k].weights(state.per_category[k])[rows]
        return out

    def strategy(self, state: CategoryState, context: Any = None) -> np.ndarray:
        """``[B, C N]``: the round's category's weights on its block (see the class docstring)."""
        b, n = self._experts(state)
        c = _category_of(context, b, self.num_categories)
        if c is None:
            return np.concatenate([a.weights(s) for a, s in zip(self.aggregators, state.per_category)], 1) / self.num_categories
        out = np.zeros((b, self.num_categories * n))
        w = self.weights(state, c)
        for k in np.unique(c):
            rows = c == k
            out[rows, k * n:(k + 1) * n] = w[rows]
        return out

    def update(self, state: CategoryState, feedback: Any) -> CategoryState:
        """Each category's aggregator learns on the runs where its block is awake."""
        b, n = self._experts(state)
        utility, awake = _awake_rows(feedback, b, self.num_categories * n)
        out = list(state.per_category)
        rows = np.zeros(b, dtype=bool) if awake is not None else np.ones(b, dtype=bool)
        for k, agg in enumerate(self.aggregators):
            block = slice(k * n, (k + 1) * n)
            sub = None if awake is None else awake[:, block]
            if sub is not None and not sub.any():
                continue
            out[k] = agg.update(out[k], FullInfo(utility[:, block], sub))
            if sub is not None:
                rows |= sub.any(axis=1)
        if not rows.any():
            return state
        return CategoryState(state.t + rows, tuple(out))

    def predict(self, state: CategoryState, context: Any) -> np.ndarray:
        """Ensemble probability ``[B]`` from the aggregator of each run's category (``context`` a
        :class:`ModerationRound` with scores and category)."""
        b, n = self._experts(state)
        if not isinstance(context, ModerationRound):
            raise TypeError("context must be a ModerationRound(scores [B, N], category [B]) for a category-aware ensemble")
        w = self.weights(state, context)
        return self.aggregators[0].mix(w, _scores(context.scores, b, n))

    def decide(self, prediction: np.ndarray) -> np.ndarray:
        """Hard decision ``1[p̂ >= τ]`` ``[B]``."""
        return np.asarray(prediction) >= self.threshold

    def learn(self, state: CategoryState, scores: Any, label: Any, category: Any) -> CategoryState:
        """Update the aggregator of each run's category on its labelled runs; the others sleep."""
        b, n = self._experts(state)
        p = _scores(scores, b, n)
        y = _labels(label, b)
        c = _category_of(category, b, self.num_categories)
        if c is None:
            raise ValueError("category must be given: [B] int categories")
        labelled = ~np.isnan(y)
        losses = loss_values(p, np.where(labelled, y, 0.0)[:, None], self.loss, self.threshold)
        utility = np.tile(-losses, self.num_categories)
        awake = (np.arange(self.num_categories)[None, :] == c[:, None]) & labelled[:, None]
        return self.update(state, FullInfo(utility, np.repeat(awake, n, axis=1)))

    def __repr__(self) -> str:
        return f"category_aware({', '.join(map(repr, self.aggregators))})"


@register("moderation_category_aware", family="experts", test_params=[{"categories": 1}, {"horizons": (40,)}])
def category_aware(categories: int | None = None, horizons: tuple[int, ...] | None = None, loss: str = "absolute",
                   threshold: float = 0.5) -> CategoryAware:
    """Category-aware (sleeping) EWA: one EWA per category, learning only on its category's rounds.

    For category c with labelled rounds T_c: w^c_{t+1,i} ∝ w^c_{t,i} exp(−η_c ℓ(p_{t,i}, y_t))
    on the rounds of c only, p̂_t = Σ_i w^{c_t}_{t,i} p_{t,i}; per-category regret ≤ the EWA bound
    with T → T_c (sqrt(T_c ln N / 2) with ``horizons``). As an experts learner it plays over
    the C·N (category, expert) specialists.

    Args:
        categories: C (anytime EWA in each), or
        horizons: T_c per category (tuned fixed rates; C = len(horizons)).
        loss: one of ``LOSSES``.
        threshold: decision threshold τ.

    Returns:
        A :class:`CategoryAware` of :func:`ewa` aggregators.

    Example:
        >>> ens = category_aware(categories=2); state = ens.init(3)   # 3 experts, C N = 6
        >>> state = ens.learn(state, [[1.0, 0.0, 0.5]], [0.0], [1])   # a category-1 item
        >>> ens.weights(state, [0]).round(3).tolist()   # category 0 slept
        [[0.333, 0.333, 0.333]]
        >>> bool(ens.weights(state, [1])[0, 1] > 0.5)   # category 1 learned expert 1 was right
        True

    Blum & Mansour, "From external to internal regret", JMLR 2007 (sleeping experts); spec §5.2.
    """
    if (categories is None) == (horizons is None):
        raise ValueError("give one of categories (C anytime EWAs) or horizons (T_c per category)")
    if horizons is not None:
        return CategoryAware(tuple(ewa(loss, horizon=int(h), threshold=threshold) for h in horizons))
    return CategoryAware(tuple(ewa(loss, threshold=threshold) for _ in range(check_int("categories", categories))))


def upgrade_state(value: Any) -> Any:
    """An aggregator state saved (as JSON) by the version whose round counter was one int per
    batch (``{"learner": {"t", "key", "signal", "aux"}}``), in today's layout (``t [B]``)."""
    if isinstance(value, dict) and "learner" in value and "t" not in value:
        old = value["learner"]
        batch = len(old["signal"])
        return {"t": [int(old["t"])] * batch, "key": old["key"], "signal": old["signal"]}
    return value


def best_switching_loss(losses: np.ndarray, switches: int) -> np.ndarray:
    """Cumulative loss of the best expert sequence with at most ``switches`` switches (dynamic programming).

    ``V_t(i, s) = ℓ_t(i) + min(V_{t-1}(i, s), min_j V_{t-1}(j, s-1))``.

    Args:
        losses: ``[B, T, N]`` expert losses.
        switches: the most switches m >= 0.

    Returns:
        ``[B]`` the minimum over sequences of the summed loss.
    """
    lo = np.asarray(losses, dtype=np.float64)
    if lo.ndim != 3:
        raise ValueError(f"losses must have shape [B, T, N], got shape {list(lo.shape)}")
    m = check_int("switches", switches, minimum=0)
    b, t, n = lo.shape
    v = np.full((b, n, m + 1), np.inf)
    v[:, :, 0] = lo[:, 0, :]
    if m > 0:
        v[:, :, 1:] = np.inf
    for step in range(1, t):
        switched = np.concatenate(
            [np.full((b, n, 1), np.inf), np.broadcast_to(v.min(axis=1, keepdims=True)[:, :, :-1], (b, n, m))],
            axis=2,
        )
        v = np.minimum(v, switched) + lo[:, step, :, None]
    return v.min(axis=(1, 2))



class StreamState(NamedTuple):
    """State of a :class:`ModerationStream`."""

    t: int  # rounds played
    prediction: np.ndarray  # [B] the last round's ensemble probability
    ensemble_loss: np.ndarray  # [B] Σ ℓ(p̂_t, y_t) over the labelled rounds so far
    expert_loss: np.ndarray  # [B, N] Σ ℓ(p_{t,i}, y_t) over the labelled rounds so far


class ModerationStream:
    """A moderation stream as a one-player setting of :func:`regretlab.run.run`.

    Round t shows a :class:`ModerationRound` (scores, category, whether the label arrives); the
    ensemble plays its weights ``w_t``; the stream predicts ``p̂_t`` from them and, when the
    label arrives, answers the utilities ``u_{t,i} = −ℓ(p_{t,i}, y_t)`` with every expert awake.
    A round without a label answers ``u = 0`` with **every expert asleep**: an aggregator leaves
    that run exactly as it was (its round counter too), so tuned and anytime rates see only the
    labelled rounds and the published bounds (with ``T`` the labelled rounds) and numbers hold;
    in the ledger such a round adds nothing, so ``trace.regret`` is the regret on the labelled
    rounds. With ``categories`` the actions are the ``C N`` (category, expert) specialists: the
    round's category's block is awake (when labelled) and the other blocks are credited with the
    ensemble's utility, so the ledger's external regret is the largest per-category regret.

    ``evaluate`` records ``prediction`` (this round's p̂), ``ensemble_loss`` (cumulative
    ``ℓ(p̂, y)``: for square and log loss smaller than the weights' linear loss the ledger counts)
    and ``ensemble_regret`` (that minus the best expert's cumulative loss, what the exp-concave
    bounds are about).

    Args:
        scores: ``[B, T, N]`` expert probabilities.
        labels: ``[B, T]`` labels 0/1 (NaN where unlabelled).
        categories: ``[B, T]`` int categories (for a :class:`CategoryAware` ensemble), or ``None``.
        loss, threshold: the ensemble's loss and decision threshold.
        num_categories: C (default: ``max(categories) + 1``).
    """

    num_players = 1
    samples_actions = False  # the ensemble plays its weights (expected loss), nothing is drawn

    def __init__(self, scores: Any, labels: Any, categories: Any = None, *, loss: str = "absolute",
                 threshold: float = 0.5, num_categories: int | None = None, name: str = "moderation") -> None:
        p = np.asarray(scores, dtype=np.float64)
        if p.ndim != 3:
            raise ValueError(f"scores must have shape [B, T, N], got shape {list(p.shape)}")
        b, t, n = p.shape
        y = np.asarray(labels, dtype=np.float64)
        if y.shape != (b, t):
            raise ValueError(f"labels must have shape [{b}, {t}], got shape {list(y.shape)}")
        _scores(p.reshape(b * t, n))
        _labels(y.reshape(-1), b * t)
        self.loss, self.threshold = _check_loss(loss), check_probability("threshold", threshold)
        self.scores, self.labels, self.name = p, y, str(name)
        self.labelled = ~np.isnan(y)  # [B, T]
        self.categories = None
        self.num_categories = 1
        if categories is not None:
            c = np.asarray(categories)
            if c.shape != (b, t) or not np.issubdtype(c.dtype, np.integer) or (c < 0).any():
                raise ValueError(f"categories must be non-negative integers of shape [{b}, {t}], got "
                                 f"{c.dtype} {list(c.shape)}")
            self.num_categories = int(c.max()) + 1 if num_categories is None else check_int("num_categories", num_categories)
            if c.max() >= self.num_categories:
                raise ValueError(f"categories must be in 0..{self.num_categories - 1}, got {int(c.max())}")
            self.categories = c.astype(np.int64)
        self.batch, self.horizon, self.num_experts = b, t, n
        self.num_actions = (self.num_categories * n,)
        # every round's expert losses and inputs at once (elementwise: the same numbers as per round)
        self._y = np.where(self.labelled, y, 0.0)
        self._losses = loss_values(p, self._y[:, :, None], self.loss, self.threshold)  # [B, T, N]
        self._utility = np.where(self.labelled[:, :, None], -self._losses, 0.0)  # [B, T, N]
        self._inputs = (p >= self.threshold).astype(np.float64) if self.loss == "zero_one" else p
        top = -math.log(LOG_LOSS_EPS) if self.loss == "log" else 1.0
        self.utility_range = (-top, 0.0)

    @classmethod
    def for_ensemble(cls, ensemble: Any, scores: Any, labels: Any, categories: Any = None) -> "ModerationStream":
        """The stream an ensemble is paid on (its loss and threshold; its categories when it has them)."""
        if isinstance(ensemble, CategoryAware):
            if categories is None:
                raise ValueError("categories [B, T] are required by a CategoryAware ensemble")
            return cls(scores, labels, categories, loss=ensemble.loss, threshold=ensemble.threshold,
                       num_categories=ensemble.num_categories)
        return cls(scores, labels, loss=ensemble.loss, threshold=ensemble.threshold)

    def init(self, keys: np.ndarray) -> StreamState:
        if int(np.size(keys)) != self.batch:
            raise ValueError(f"this stream holds {self.batch} runs; got {int(np.size(keys))} run keys")
        return StreamState(0, np.zeros(self.batch), np.zeros(self.batch), np.zeros((self.batch, self.num_experts)))

    def context(self, state: StreamState, player: int) -> ModerationRound:
        t = state.t
        return ModerationRound(self.scores[:, t], None if self.categories is None else self.categories[:, t],
                               self.labelled[:, t])

    def awake(self, context: ModerationRound, player: int) -> np.ndarray:
        """``[B, K]``: the experts (specialists) that learn this round."""
        labelled = np.asarray(context.labelled)
        if context.category is None:
            return np.repeat(labelled[:, None], self.num_actions[0], axis=1)
        own = (np.arange(self.num_categories)[None, :] == context.category[:, None]) & labelled[:, None]
        return np.repeat(own, self.num_experts, axis=1)

    def step(self, state: StreamState, strategies: tuple[np.ndarray, ...],
             actions: tuple[Any, ...]) -> tuple[StreamState, tuple[np.ndarray, ...]]:
        t, n = state.t, self.num_experts
        labelled, yy, losses, u = self.labelled[:, t], self._y[:, t], self._losses[:, t], self._utility[:, t]
        w = strategies[0]
        if self.categories is not None:  # the round's category's block of the specialists
            w = w.reshape(self.batch, self.num_categories, n)[np.arange(self.batch), self.categories[:, t]]
        pred = np.einsum("bn,bn->b", w, self._inputs[:, t])
        ens = np.abs(pred - yy) if self.loss == "zero_one" else loss_values(pred, yy, self.loss)
        if self.categories is not None:
            value = np.einsum("bn,bn->b", w, u)  # what the ensemble's weights earned
            own = np.arange(self.num_categories)[None, :] == self.categories[:, t][:, None]  # [B, C]
            u = np.where(own[:, :, None], u[:, None, :], value[:, None, None]).reshape(self.batch, -1)
        nxt = StreamState(t + 1, pred, state.ensemble_loss + np.where(labelled, ens, 0.0),
                          state.expert_loss + np.where(labelled[:, None], losses, 0.0))
        return nxt, (u,)

    def evaluate(self, state: StreamState, ledger: Any) -> dict[str, np.ndarray]:
        return {"prediction": state.prediction, "ensemble_loss": state.ensemble_loss,
                "ensemble_regret": state.ensemble_loss - state.expert_loss.min(axis=1)}

    def __repr__(self) -> str:
        return self.name


def run_stream(
    ensemble: Aggregator | CategoryAware,
    scores: np.ndarray,
    labels: np.ndarray,
    categories: np.ndarray | None = None,
    record_every: int = 0,
    progress: bool | None = False,
) -> dict[str, np.ndarray]:
    """Play a whole stream: predict every round, learn on labelled rounds (a view of :func:`regretlab.run.run`
    on a :class:`ModerationStream`).

    Args:
        ensemble: an :class:`Aggregator` or :class:`CategoryAware`.
        scores: ``[B, T, N]`` expert probabilities.
        labels: ``[B, T]`` labels (NaN where unlabelled; each run may have its own schedule).
        categories: ``[B, T]`` int categories (required for :class:`CategoryAware`, ignored otherwise).
        record_every: if > 0, record the weights every that many rounds.
        progress: a progress bar (see :func:`regretlab.run.run`; off by default).

    Returns:
        ``prediction [B, T]``, ``ensemble_loss [B, T]`` and ``expert_loss [B, T, N]`` (NaN where
        unlabelled), and ``weights [B, ceil(T/record_every), N]`` when recorded.

    Example:
        >>> from regretlab.moderation import simulate_pool
        >>> s = simulate_pool(rounds=300, batch=2, seed=0)
        >>> out = run_stream(ewa("absolute", horizon=300), s.scores, s.labels)
        >>> regret = np.nansum(out["ensemble_loss"], 1) - np.nansum(out["expert_loss"], 1).min(1)
        >>> bool((regret <= regret_bound("absolute", 4, 300)).all())
        True
    """
    from regretlab.run import run

    setting = ModerationStream.for_ensemble(ensemble, scores, labels, categories)
    p, y = setting.scores, setting.labels
    b, t, n = p.shape
    trace = run(ensemble, setting, t, keys=rng.spawn_keys(0, b), every=1, history=bool(record_every), progress=progress)
    pred = np.ascontiguousarray(trace.metrics["prediction"].T)
    labelled = setting.labelled
    yy = np.where(labelled, y, 0.0)
    exp_loss = np.where(labelled[:, :, None], loss_values(p, yy[:, :, None], setting.loss, setting.threshold), np.nan)
    if setting.loss == "zero_one":
        ens_loss = np.abs(pred - yy)
    else:
        ens_loss = loss_values(pred, yy, setting.loss)
    out = {
        "prediction": pred,
        "ensemble_loss": np.where(labelled, ens_loss, np.nan),
        "expert_loss": exp_loss,
    }
    if record_every:
        idx = np.arange(0, t, check_int("record_every", record_every))
        w = trace.strategies[idx]  # [n, B, K]
        if setting.categories is not None:
            cats = setting.categories[:, idx].T  # [n, B]
            w = w.reshape(idx.size, b, setting.num_categories, n)[np.arange(idx.size)[:, None], np.arange(b)[None, :], cats]
        out["weights"] = np.ascontiguousarray(w.transpose(1, 0, 2))
    return out

