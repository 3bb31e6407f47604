"""Online aggregation of safety experts: EWA/Hedge, Fixed-Share and a category-aware variant.

Every expert ``i`` scores an item with ``p_{t,i} = Pr(unsafe)``; the ensemble predicts from the
current weights and, on the rounds where a label ``y_t ∈ {0, 1}`` arrives, pays each expert its
loss and updates the weights. Rounds without a label (``NaN``) leave the state unchanged.
Spec §5 (AEGIS, Ghosh et al. 2024, arXiv 2404.05993); algorithms from Cesa-Bianchi & Lugosi
(2006) "Prediction, Learning, and Games", chapters 2, 3 and 5.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from regretlab.core.errors import check_int, check_positive, check_probability
from regretlab.core.rng import spawn_keys
from regretlab.core.types import FullInfo

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


def _tree_where(mask: np.ndarray, new: Any, old: Any) -> Any:
    """Per-run select between two states: run ``b`` takes ``new`` where ``mask[b]``."""
    fields = []
    for a, b in zip(new, old):
        a_arr = np.asarray(a)
        if a_arr.ndim >= 1 and a_arr.shape[0] == mask.shape[0]:
            m = mask.reshape((-1,) + (1,) * (a_arr.ndim - 1))
            fields.append(np.where(m, a_arr, b))
        elif mask.all():
            fields.append(a)
        elif not mask.any():
            fields.append(b)
        elif np.array_equal(np.asarray(a), np.asarray(b)):
            fields.append(a)
        else:
            # e.g. the round counter ``t`` of regretlab.experts learners is one int for the batch
            raise ValueError(
                "label: the runs of a batch must be labelled on the same rounds (the weight "
                "learner's state keeps a round counter shared by the batch); use batch=1 or one "
                "label schedule for all runs"
            )
    return type(new)(*fields)


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
    """State of an :class:`Aggregator`: the weight learner's state."""

    learner: Any  # the weight learner's state (batched, leading axis B)


@dataclass(frozen=True)
class Aggregator:
    """Expert aggregation for P(unsafe): ``p̂_t = Σ_i w_{t,i} p_{t,i}``, ``w`` from a weight learner.

    The weight learner (EWA, Fixed-Share, or any learner of the regretlab contract) receives the
    utility ``u_{t,i} = -ℓ(p_{t,i}, y_t)`` on labelled rounds only. For the 0/1 loss the ensemble
    is the randomised vote ``p̂_t = Σ_i w_{t,i} 1[p_{t,i} >= τ]`` (the probability of flagging), whose
    expected 0/1 loss is ``|p̂_t - y_t|``.

    Args:
        learner: weight learner with ``init(keys, N)``, ``strategy(state)``, ``update(state, FullInfo)``.
        loss: ``'absolute'``, ``'square'``, ``'log'`` or ``'zero_one'``.
        threshold: τ, the decision threshold (0/1 loss and :meth:`decide`).
    """

    learner: Any
    loss: str = "absolute"
    threshold: float = 0.5

    def __post_init__(self) -> None:
        _check_loss(self.loss)
        check_probability("threshold", self.threshold)

    def init(self, num_experts: int, batch: int = 1, seed: int = 0) -> AggregatorState:
        """Uniform weights for ``batch`` runs over ``num_experts`` experts."""
        check_int("num_experts", num_experts)
        return AggregatorState(self.learner.init(spawn_keys(seed, batch), num_experts))

    def weights(self, state: AggregatorState) -> np.ndarray:
        """Current weights ``[B, N]``."""
        return self.learner.strategy(state.learner)

    def _inputs(self, scores: np.ndarray) -> np.ndarray:
        return (scores >= self.threshold).astype(np.float64) if self.loss == "zero_one" else scores

    def predict(self, state: AggregatorState, scores: Any) -> np.ndarray:
        """Ensemble probability of "unsafe" ``[B]`` from expert scores ``[B, N]``."""
        w = self.weights(state)
        return self._mix(w, _scores(scores, *w.shape))

    def _mix(self, w: np.ndarray, p: np.ndarray) -> np.ndarray:
        return np.einsum("bn,bn->b", w, self._inputs(p))

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

    def update(self, state: AggregatorState, scores: Any, label: Any) -> AggregatorState:
        """Pay each expert ``ℓ(p_{t,i}, y_t)`` on labelled runs; NaN labels leave those runs as they were."""
        p = _scores(scores)
        return self._update(state, p, _labels(label, p.shape[0]))

    def _update(self, state: AggregatorState, p: np.ndarray, y: np.ndarray) -> AggregatorState:
        labelled = ~np.isnan(y)
        if not labelled.any():
            return state
        losses = loss_values(p, np.where(labelled, y, 0.0)[:, None], self.loss, self.threshold)
        new = self.learner.update(state.learner, FullInfo(utility=-losses))
        if labelled.all():
            return AggregatorState(new)
        return AggregatorState(_tree_where(labelled, new, state.learner))


def ewa(
    loss: str = "absolute",
    lr: float | None = None,
    horizon: int | None = None,
    schedule: str | None = None,
    num_experts: int | None = None,
    threshold: float = 0.5,
) -> Aggregator:
    """EWA/Hedge aggregation with the rate that has a proven bound for ``loss`` (see :func:`default_lr`).

    ``w_{t+1,i} ∝ w_{t,i} exp(-η ℓ(p_{t,i}, y_t))``; with ``horizon=T`` (labelled rounds) and no
    ``lr`` the absolute/0-1 rate is ``sqrt(8 ln N / T)``; without a horizon it is anytime,
    ``η_t = sqrt(8 ln N / t)``.

    Args:
        loss: one of ``LOSSES``.
        lr: fixed η (overrides the default).
        horizon: labelled rounds T the fixed rate is tuned for.
        schedule: ``'fixed'`` or ``'anytime'`` (default: fixed when a rate is known, else anytime).
        num_experts: N, needed to tune the fixed rate from ``horizon``.
        threshold: decision threshold τ.
    """
    from regretlab.experts import hedge

    _check_loss(loss)
    if lr is None and loss in ("square", "log"):
        lr = default_lr(loss, 2, None)
    if lr is None and horizon is not None:
        if num_experts is None:
            raise ValueError("num_experts must be given with horizon to tune the learning rate")
        lr = default_lr(loss, num_experts, horizon)
    if schedule is None:
        schedule = "fixed" if lr is not None else "anytime"
    return Aggregator(hedge(lr=lr, schedule=schedule, horizon=horizon), loss, threshold)


def fixed_share(
    lr: float, alpha: float, loss: str = "absolute", threshold: float = 0.5
) -> Aggregator:
    """Fixed-Share aggregation: ``v ∝ w_t e^{-η ℓ_t}``, ``w_{t+1} = (1-α) v + α/N`` (Herbster & Warmuth 1998).

    Args:
        lr: η > 0 (see :func:`fixed_share_lr`).
        alpha: share rate α in [0, 1).
        loss: one of ``LOSSES``.
        threshold: decision threshold τ.
    """
    from regretlab.experts import fixed_share as share

    check_positive("lr", lr)
    check_probability("alpha", alpha, open_right=True)
    return Aggregator(share(lr=lr, alpha=alpha), loss, threshold)


class CategoryState(NamedTuple):
    """State of a :class:`CategoryAware` ensemble: one aggregator state per category."""

    per_category: tuple  # C states, each batched over [B]


@dataclass(frozen=True)
class CategoryAware:
    """Category-aware (sleeping) ensemble: one aggregator per category, awake only on its rounds.

    Round ``t`` of category ``c_t`` is predicted and learned by aggregator ``c_t`` alone, so the regret
    on each category's rounds obeys that aggregator's bound with ``T -> T_c`` (the sleeping-experts
    reduction with groups = categories; Blum & Mansour 2007, spec §5.2 and §7).

    Args:
        aggregators: one :class:`Aggregator` per category (they may have different horizons).
    """

    aggregators: tuple = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if len(self.aggregators) < 1:
            raise ValueError("aggregators must hold at least one Aggregator (one per category)")

    @property
    def num_categories(self) -> int:
        return len(self.aggregators)

    def init(self, num_experts: int, batch: int = 1, seed: int = 0) -> CategoryState:
        return CategoryState(tuple(a.init(num_experts, batch, seed) for a in self.aggregators))

    def _category(self, category: Any, batch: int) -> np.ndarray:
        c = np.asarray(category).reshape(-1)
        if c.shape[0] != batch or not np.issubdtype(c.dtype, np.integer):
            raise ValueError(f"category must be an integer array of shape [{batch}], got {category!r}")
        if (c < 0).any() or (c >= self.num_categories).any():
            raise ValueError(f"category must be in 0..{self.num_categories - 1}, got {c[(c < 0) | (c >= self.num_categories)][0]}")
        return c

    def weights(self, state: CategoryState, category: Any) -> np.ndarray:
        """Weights ``[B, N]`` of each run's category."""
        first = self.aggregators[0].weights(state.per_category[0])
        c = self._category(category, first.shape[0])
        out = np.empty_like(first)
        for k in np.unique(c):
            rows = c == k
            out[rows] = self.aggregators[k].weights(state.per_category[k])[rows]
        return out

    def predict(self, state: CategoryState, scores: Any, category: Any) -> np.ndarray:
        """Ensemble probability ``[B]`` from the aggregator of each run's category."""
        p = _scores(scores)
        c = self._category(category, p.shape[0])
        out = np.empty(p.shape[0])
        for k in np.unique(c):  # only the awake categories are evaluated
            rows = c == k
            out[rows] = self.aggregators[k].predict(state.per_category[k], p)[rows]
        return out

    def update(self, state: CategoryState, scores: Any, label: Any, category: Any) -> CategoryState:
        """Update the aggregator of each run's category on its labelled runs; the others sleep."""
        p = _scores(scores)
        y = _labels(label, p.shape[0])
        c = self._category(category, p.shape[0])
        out = list(state.per_category)
        for k in np.unique(c):
            out[k] = self.aggregators[k].update(out[k], p, np.where(c == k, y, np.nan))
        return CategoryState(tuple(out))


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


def run_stream(
    ensemble: Aggregator | CategoryAware,
    scores: np.ndarray,
    labels: np.ndarray,
    categories: np.ndarray | None = None,
    record_every: int = 0,
) -> dict[str, np.ndarray]:
    """Play a whole stream: predict every round, update on labelled rounds.

    Args:
        ensemble: an :class:`Aggregator` or :class:`CategoryAware`.
        scores: ``[B, T, N]`` expert probabilities.
        labels: ``[B, T]`` labels (NaN where unlabelled).
        categories: ``[B, T]`` int categories (required for :class:`CategoryAware`).
        record_every: if > 0, record the weights every that many rounds.

    Returns:
        ``prediction [B, T]``, ``ensemble_loss [B, T]`` and ``expert_loss [B, T, N]`` (NaN where
        unlabelled), and ``weights [B, T//record_every, N]`` when recorded.
    """
    p = np.asarray(scores, dtype=np.float64)
    if p.ndim != 3:
        raise ValueError(f"scores must have shape [B, T, N], got shape {list(p.shape)}")
    b, t, n = p.shape
    y = np.asarray(labels, dtype=np.float64)
    if y.shape != (b, t):
        raise ValueError(f"labels must have shape [{b}, {t}], got shape {list(y.shape)}")
    _scores(p.reshape(b * t, n))
    _labels(y.reshape(-1), b * t)
    sleeping = isinstance(ensemble, CategoryAware)
    if sleeping and categories is None:
        raise ValueError("categories [B, T] are required by a CategoryAware ensemble")
    agg0 = ensemble.aggregators[0] if sleeping else ensemble
    state = ensemble.init(n, b)
    pred = np.empty((b, t))
    weights = []
    for step in range(t):
        if sleeping:
            c = categories[:, step]
            if record_every and step % record_every == 0:
                weights.append(ensemble.weights(state, c))
            pred[:, step] = ensemble.predict(state, p[:, step], c)
            state = ensemble.update(state, p[:, step], y[:, step], c)
        else:  # inputs were checked once above: use the unchecked steps
            w = ensemble.weights(state)
            if record_every and step % record_every == 0:
                weights.append(w)
            pred[:, step] = ensemble._mix(w, p[:, step])
            state = ensemble._update(state, p[:, step], y[:, step])
    labelled = ~np.isnan(y)
    yy = np.where(labelled, y, 0.0)
    exp_loss = np.where(labelled[:, :, None], loss_values(p, yy[:, :, None], agg0.loss, agg0.threshold), np.nan)
    if agg0.loss == "zero_one":
        ens_loss = np.abs(pred - yy)
    else:
        ens_loss = loss_values(pred, yy, agg0.loss)
    out = {
        "prediction": pred,
        "ensemble_loss": np.where(labelled, ens_loss, np.nan),
        "expert_loss": exp_loss,
    }
    if record_every:
        out["weights"] = np.stack(weights, axis=1)
    return out
