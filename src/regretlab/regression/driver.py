"""The prediction driver: ``run_predictor(learner, stream, T, batch, seed, every) -> PredictionTrace``.

The regression counterpart of :func:`regretlab.run.run`, with the same conventions (run keys
``spawn_keys(seed, B)``, so row ``b`` of a batch equals a solo run with ``keys[b:b+1]``;
records every ``every`` rounds and at ``T``; the one progress bar; sizes checked before work).
Each round, for all ``B`` runs at once: the stream shows the context ``x_t``; the learner
predicts ``ŷ_t = predict(state, x_t)``; the stream reveals ``y_t`` (an adaptive stream may look
at ``ŷ_t``) and, optionally, a mask of the runs that have a target this round; the learner gets
``Label(x_t, y_t, mask)``; the :class:`~regretlab.metrics.prediction.PredictionLedger` adds the
square loss (a distribution's own ``square_loss``, and its ``nll`` when it has one) and the
comparator's statistics, from which :mod:`regretlab.metrics.prediction` computes the loss of the
best ridge in hindsight and the regret. The driver never grades a learner.

A *prediction stream* has ``num_features`` (D), ``horizon`` (T, or ``None`` when unbounded),
``init(keys) -> state``, ``context(state) -> x`` and ``step(state, prediction) -> (state, y [B],
mask [B] | None)``; optional ``batch`` (a stream of recorded runs fixes B) and ``name``.
:class:`ArrayStream` plays recorded arrays (also with group membership and per-run row orders).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_fits, check_int
from regretlab.core.registry import learners
from regretlab.metrics import prediction as prediction_metrics
from regretlab.metrics.prediction import PredictionLedger, square_loss
from regretlab.regression.types import Grouped, Label, point

__all__ = ["ArrayStream", "PredictionTrace", "run_predictor"]


class ArrayStream:
    """A recorded regression stream.

    Args:
        X: ``[B, T, D]`` (one stream per run) or ``[T, D]`` rows.
        y: ``[B, T]`` or ``[T]`` targets.
        groups: optional ``[T, G]`` 0/1 membership of the rows (2-D ``X`` only): the context is
            then :class:`~regretlab.regression.types.Grouped` ``(x [B, D], groups [B, G])``.
        orders: optional ``[B, T']`` row order of each run (2-D ``X`` only; e.g. shuffles), which
            fixes B and T = T'. Without it every run sees rows ``0..T-1`` (any B).
        mask: optional ``[B, T]`` or ``[T]`` bool: rounds whose target is revealed (the others
            are predicted but neither scored nor learned from).
        name: shown in traces.
    """

    def __init__(self, X: Any, y: Any, *, groups: Any = None, orders: Any = None, mask: Any = None,
                 name: str = "arrays") -> None:
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if X.ndim not in (2, 3) or y.shape != X.shape[:-1]:
            raise ValueError(f"X must be [T, D] or [B, T, D] with y [T] or [B, T], got {list(X.shape)} and {list(y.shape)}")
        if not np.isfinite(X).all():
            raise ValueError("X must be finite, got a non-finite entry")
        if not np.isfinite(y).all():
            bad = np.flatnonzero(~np.isfinite(y.ravel()))[0]
            raise ValueError(f"y must be finite, got {float(y.ravel()[bad])!r} at flat index {bad}")
        self.X, self.y, self.name = X, y, str(name)
        self.num_features = X.shape[-1]
        self.batch: int | None = X.shape[0] if X.ndim == 3 else None
        self.horizon = X.shape[-2]
        self.groups = None
        if groups is not None:
            if X.ndim != 2:
                raise ValueError("groups need 2-D rows X [T, D] (one membership row per row of X)")
            groups = np.asarray(groups)
            if groups.ndim != 2 or groups.shape[0] != X.shape[0] or not np.isin(groups, (0, 1)).all():
                raise ValueError(f"groups must be a [T, G] 0/1 matrix with T = {X.shape[0]}, got shape {list(groups.shape)}")
            self.groups = groups.astype(bool)
        self.orders = None
        if orders is not None:
            if X.ndim != 2:
                raise ValueError("orders need 2-D rows X [T, D]")
            orders = np.asarray(orders)
            if orders.ndim != 2 or orders.shape[1] < 1 or not np.issubdtype(orders.dtype, np.integer):
                raise ValueError(f"orders must be a [B, T'] integer array of row indices, got shape {list(orders.shape)}")
            if orders.min() < 0 or orders.max() >= X.shape[0]:
                raise ValueError(f"orders must index rows 0..{X.shape[0] - 1}, got values in [{orders.min()}, {orders.max()}]")
            self.orders = orders.astype(np.int64)
            self.batch, self.horizon = orders.shape
        self.mask = None
        if mask is not None:
            mask = np.asarray(mask)
            want = (self.horizon,) if self.batch is None else (self.batch, self.horizon)
            if mask.dtype != np.bool_ or mask.shape not in (want, (self.horizon,)):
                raise ValueError(f"mask must be a bool array of shape {list(want)}, got {mask.dtype} {list(mask.shape)}")
            self.mask = mask

    def init(self, keys: np.ndarray) -> tuple[int, int]:
        b = int(np.size(keys))
        if self.batch is not None and b != self.batch:
            raise ValueError(f"this stream holds {self.batch} runs; got {b} run keys")
        return 0, b

    def _rows(self, t: int) -> Any:
        return t if self.orders is None else self.orders[:, t]

    def context(self, state: tuple[int, int]) -> Any:
        t, b = state
        if self.X.ndim == 3:
            return self.X[:, t]
        rows = self._rows(t)
        x = self.X[rows] if self.orders is not None else np.broadcast_to(self.X[t], (b, self.num_features))
        if self.groups is None:
            return x
        g = self.groups[rows] if self.orders is not None else np.broadcast_to(self.groups[t], (b, self.groups.shape[1]))
        return Grouped(x, g)

    def step(self, state: tuple[int, int], prediction: Any) -> tuple[tuple[int, int], np.ndarray, np.ndarray | None]:
        t, b = state
        if self.y.ndim == 2:
            y = self.y[:, t]
        elif self.orders is not None:
            y = self.y[self.orders[:, t]]
        else:
            y = np.full(b, self.y[t])
        mask = None
        if self.mask is not None:
            mask = self.mask[:, t] if self.mask.ndim == 2 else np.full(b, self.mask[t])
        return (t + 1, b), y, mask

    def __repr__(self) -> str:
        return self.name


@dataclass
class PredictionTrace:
    """Per-run loss curves of a prediction run, recorded every ``every`` rounds.

    Attributes:
        rounds: ``[N]`` 1-based rounds at which the curves were recorded.
        metrics: name -> ``[N, B]``: ``loss`` (cumulative square loss), and with a comparator
            ``comparator_loss`` (best ridge in hindsight, ``+ λ‖u‖²``) and ``regret``; ``nll``
            (cumulative) for learners that predict a distribution with an ``nll``.
        predictions / losses: ``[N, B]`` the point prediction and the loss of each recorded round
            when ``history=True`` (every round with ``every=1``), else ``None``.
        state: the learner's state after the last round.
        ledger: the :class:`~regretlab.metrics.prediction.PredictionLedger` the curves come from.
    """

    rounds: np.ndarray
    metrics: dict[str, np.ndarray]
    learner: str
    env: str
    seed: int
    batch: int
    horizon: int
    predictions: np.ndarray | None = None
    losses: np.ndarray | None = None
    seconds: float = 0.0
    state: Any = None
    ledger: PredictionLedger | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def regret(self) -> np.ndarray:
        """``[N, B]`` regret against the best ridge in hindsight."""
        if "regret" not in self.metrics:
            raise KeyError("this trace has no regret: it was run with ridge=None (no comparator)")
        return self.metrics["regret"]

    def final(self, name: str = "regret") -> np.ndarray:
        """``[B]`` value of a metric after the last round."""
        return self.metrics[name][-1]

    def mean(self, name: str = "regret") -> np.ndarray:
        """``[N]`` mean of a metric over runs."""
        return self.metrics[name].mean(axis=1)

    def to_rows(self) -> dict[str, Any]:
        """Tidy columns: one row per (run, recorded round) with every metric as a column."""
        n, b = self.metrics["loss"].shape
        cols: dict[str, Any] = {"learner": [self.learner] * (n * b), "env": [self.env] * (n * b),
                                "run": np.tile(np.arange(b), n), "round": np.repeat(self.rounds, b)}
        for name, values in self.metrics.items():
            cols[name] = values.reshape(-1)
        return cols


def _features(context: Any) -> np.ndarray | None:
    if isinstance(context, Grouped):
        return np.asarray(context.x, dtype=np.float64)
    if isinstance(context, np.ndarray) and context.ndim == 2:
        return context
    return None


def _stream(stream: Any) -> Any:
    if isinstance(stream, tuple) and len(stream) == 2:
        return ArrayStream(*stream)
    for method in ("init", "context", "step"):
        if not callable(getattr(stream, method, None)):
            raise TypeError(f"stream must be a prediction stream (init/context/step) or a pair (X, y), got {stream!r}")
    return stream


def run_predictor(
    learner: Any,
    stream: Any,
    T: int | None = None,
    batch: int | None = None,
    seed: int = 0,
    every: int = 1,
    *,
    keys: np.ndarray | None = None,
    history: bool = False,
    ridge: float | None = 1.0,
    progress: bool | Callable[[int], Any] | None = None,
) -> PredictionTrace:
    """Play a regressor on a prediction stream for ``T`` rounds in ``batch`` independent runs.

    Args:
        learner: a regressor (``feedback = Label``) or a registered name.
        stream: a prediction stream (see the module docstring), or a pair ``(X, y)``.
        T: rounds (default: the stream's horizon).
        batch: runs B (default: the stream's, else 1).
        seed: root seed; run ``b`` uses ``spawn_keys(seed, B)[b]``.
        every: record every ``every`` rounds (and at ``T``).
        keys: explicit ``[B]`` run keys (overrides ``seed``/``batch``).
        history: keep each recorded round's point prediction and loss (``[N, B]``).
        ridge: λ ≥ 0 of the best-ridge comparator (loss ``+ λ‖u‖²``; 0: least squares);
            ``None``: no comparator (no regret curve), e.g. when the context has no features.
        progress: a bar (default: when ``T * B >= 5e6``) or a callable given the rounds done.

    Returns:
        A :class:`PredictionTrace`.

    Example:
        >>> from regretlab.regression import vaw, vaw_bound
        >>> X = np.random.default_rng(0).standard_normal((200, 3)); y = X @ [1.0, -1.0, 0.5]
        >>> tr = run_predictor(vaw(1.0), (X, y))
        >>> bool(tr.final()[0] <= vaw_bound(X, y, 1.0))   # regret vs the best ridge, VAW's bound
        True
    """
    if isinstance(learner, str):
        learner = learners.make(learner)
    if not all(callable(getattr(learner, m, None)) for m in ("init", "predict", "update")):
        raise TypeError(f"learner must be a regressor (init/predict/update) or a registered name, got {learner!r}")
    if getattr(learner, "feedback", Label) is not Label:
        raise TypeError(f"run_predictor drives regressors (feedback Label), got {learner!r} with feedback "
                        f"{getattr(learner, 'feedback', None)!r}; use regretlab.run.run for it")
    stream = _stream(stream)
    horizon = getattr(stream, "horizon", None)
    if T is None:
        if horizon is None:
            raise ValueError(f"T must be given for the unbounded stream {stream!r}")
        T = horizon
    T = check_int("T", T, minimum=1)
    if horizon is not None and T > horizon:
        raise ValueError(f"T must be at most the stream's {horizon} rounds, got {T}")
    every = check_int("every", every, minimum=1)
    own = getattr(stream, "batch", None)
    if keys is not None:
        b = int(np.size(keys))
    elif batch is not None:
        b = check_int("batch", batch, minimum=1)
    else:
        b = own if own is not None else 1
    if own is not None and b != own:
        raise ValueError(f"batch must be {own} (the stream holds {own} runs), got {b}")
    dim = check_int("stream.num_features", getattr(stream, "num_features", None), minimum=1)
    n_rec = (T + every - 1) // every
    need = 8 * (4 * n_rec * b + (2 * n_rec * b if history else 0) + (b * dim * dim if ridge is not None else 0))
    check_fits(f"run_predictor(T={T}, batch={b}, D={dim}, every={every}" + (", history=True" if history else "") + ")",
               need)
    if keys is None:
        keys = rng.spawn_keys(seed, b)
    keys = np.asarray(keys, dtype=np.uint64)

    state = learner.init(keys, dim)
    sstate = stream.init(keys)
    book: PredictionLedger | None = None
    rounds = np.empty(n_rec, dtype=np.int64)
    preds: list[np.ndarray] = []
    losses: list[np.ndarray] = []
    from regretlab.progress import Rounds

    ticker = Rounds(T, b, f"{getattr(learner, 'name', learner)} on {getattr(stream, 'name', stream)}", progress)
    start = time.perf_counter()
    i = 0
    try:
        for t in range(T):
            x = stream.context(sstate)
            pred = learner.predict(state, x)
            sstate, y, mask = stream.step(sstate, pred)
            loss = square_loss(pred, y)
            if loss.shape != (b,) or not np.isfinite(loss).all():
                raise ValueError(f"{learner!r} predicted {np.asarray(point(pred)).tolist()[:4]} at round {t + 1}: "
                                 f"expected [{b}] finite values")
            nll = getattr(pred, "nll", None)
            extra = {"nll": nll(y)} if callable(nll) else {}
            if book is None:
                feats = _features(x) if ridge is not None else None
                book = PredictionLedger(b, None if feats is None else feats.shape[1],
                                        ridge=None if feats is None else ridge)
            book.record(loss, _features(x) if book.ridge is not None else None, y, mask, **extra)
            state = learner.update(state, Label(x, y, mask))
            if (t + 1) % every == 0 or t + 1 == T:
                book.snapshot()
                rounds[i] = t + 1
                if history:
                    preds.append(point(pred).copy())
                    losses.append(loss)
                i += 1
            ticker.done(t + 1)
    finally:
        ticker.close()
    assert book is not None
    metrics = {"loss": prediction_metrics.cumulative_loss(book)}
    if book.ridge is not None:
        metrics["comparator_loss"] = prediction_metrics.comparator_loss(book)
        metrics["regret"] = metrics["loss"] - metrics["comparator_loss"]
    for name in book.sums:
        if name != "loss":
            metrics[name] = prediction_metrics.cumulative_loss(book, name)
    return PredictionTrace(rounds, metrics, str(getattr(learner, "name", learner)), str(getattr(stream, "name", stream)),
                           int(seed), b, T, np.stack(preds) if history else None, np.stack(losses) if history else None,
                           time.perf_counter() - start, state, book)
