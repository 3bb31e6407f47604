"""Regret-loss training of models that map a loss history to a strategy (``[llm]`` extra, torch).

Park, Liu, Ozdaglar & Zhang, "Do LLM agents have regret?" (ICLR 2025), spec §2.4:

``R_theta(l_{1:T}) = sum_t <l_t, M_theta(l_{1:t-1})> - min_i sum_t l_t(i)``,
``L(theta; k, N) = E[ sum_j h(R_j) f(R_j, k) / sum_j f(R_j, k) ]`` over N i.i.d. sequences,
``h(x) = max(x, 0)^2`` (or ``x``), ``f(x, k) = exp(k x)``.

Models: a single-layer linear self-attention (LSA; the module of Mahankali et al., ICLR 2024,
spec regression §1, on loss tokens) whose minimisers implement FTRL with a Euclidean
regulariser ``pi_t = 1/d - c (L_{t-1} - mean L_{t-1})``, and a small causal softmax transformer.
Training draws fresh sequences every step and checkpoints (model, optimiser, step, sampler
state) so that an interrupted run resumes exactly, and a finished one extends: the number of
steps is not part of a checkpoint's identity, so 300 steps then 300 more equal 600 in one go.
Checkpoints hold tensors and plain values only and are read with ``torch.load(weights_only=True)``
(a file that would need arbitrary Python objects is refused, never unpickled). torch is imported
here only.
"""

from __future__ import annotations

import math
import os
import re
import warnings
import zipfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from regretlab.agents.harness import Agent, History
from regretlab.core.errors import check_int, check_positive
from regretlab.core.simplex import project_simplex


# ----------------------------------------------------------------------------- the loss
def sequence_regret(losses: torch.Tensor, strategies: torch.Tensor) -> torch.Tensor:
    """``R = sum_t <l_t, pi_t> - min_i sum_t l_t(i)``.

    Args:
        losses, strategies: ``[..., T, d]``.
    Returns:
        ``[...]`` regret of each sequence.
    """
    return (losses * strategies).sum(dim=(-1, -2)) - losses.sum(dim=-2).min(dim=-1).values


def regret_loss(regret: torch.Tensor, k: float = 1.0, h: str = "square") -> torch.Tensor:
    """The regret-loss of spec §2.4 on ``regret [n, N]``: softmax(k R)-weighted ``h(R)``, averaged over n.

    ``h="square"``: ``max(R, 0)^2``; ``h="identity"``: ``R``. ``k = 0`` weighs the N sequences
    equally; ``k -> inf`` keeps the worst one.
    """
    if h == "square":
        hv = torch.clamp(regret, min=0.0) ** 2
    elif h == "identity":
        hv = regret
    else:
        raise ValueError(f"h must be 'square' or 'identity', got {h!r}")
    w = torch.softmax(k * regret, dim=-1)
    return (w * hv).sum(dim=-1).mean()


# ----------------------------------------------------------------------------- models
class LinearSelfAttention(nn.Module):
    """One causal linear self-attention layer on loss tokens ``e_s = (l_s, 1)``.

    ``o_t = W_PV (sum_{s<t} e_s e_s^T) W_KQ q`` with the constant query ``q = (0, ..., 0, 1)``;
    ``pi_t = 1/d + o_t - mean(o_t)`` (sums to 1, unprojected as in spec §2.4).

    Args:
        d: number of actions.
    """

    kind = "lsa"

    def __init__(self, d: int, init_scale: float = 0.01) -> None:
        super().__init__()
        self.d = d
        self.w_pv = nn.Parameter(init_scale * torch.randn(d, d + 1))  # [d, d+1] value-projection rows
        self.w_kq = nn.Parameter(init_scale * torch.randn(d + 1) + torch.eye(d + 1)[d])  # [d+1] W_KQ q

    def forward(self, losses: torch.Tensor) -> torch.Tensor:
        """``losses [..., T, d] -> strategies [..., T, d]``; ``pi_t`` sees ``l_1..l_{t-1}`` only."""
        ones = torch.ones(losses.shape[:-1] + (1,), dtype=losses.dtype)
        e = torch.cat([losses, ones], dim=-1)  # [..., T, d+1]
        score = e @ self.w_kq  # [..., T]   e_s^T W_KQ q
        inc = (score.unsqueeze(-1) * e) @ self.w_pv.T  # [..., T, d]  W_PV e_s (e_s^T W_KQ q)
        prefix = torch.cumsum(inc, dim=-2) - inc  # sum over s < t
        return 1.0 / self.d + prefix - prefix.mean(dim=-1, keepdim=True)

    def effective_map(self) -> np.ndarray:
        """``W_PV W_KQ q``-style linear part ``[d, d+1]`` scaled by the query weight (for reports)."""
        with torch.no_grad():
            return (self.w_pv * self.w_kq[-1]).numpy()


class SoftmaxTransformer(nn.Module):
    """A small causal softmax transformer: tokens ``(l_s, L_s / sqrt(T), s / T)``, a learned start
    token, learned positions, ``layers`` pre-norm encoder layers, softmax head -> ``pi_t``."""

    kind = "transformer"

    def __init__(self, d: int, horizon: int, width: int = 32, heads: int = 2, layers: int = 2) -> None:
        super().__init__()
        self.d, self.horizon = d, horizon
        self.embed = nn.Linear(2 * d + 1, width)
        self.start = nn.Parameter(torch.zeros(width))
        self.pos = nn.Parameter(0.02 * torch.randn(horizon, width))
        layer = nn.TransformerEncoderLayer(width, heads, 2 * width, dropout=0.0, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(width, d)

    def forward(self, losses: torch.Tensor) -> torch.Tensor:
        """``losses [..., T, d] -> strategies [..., T, d]``, causal (``pi_t`` sees ``l_{<t}``)."""
        lead, (T, d) = losses.shape[:-2], losses.shape[-2:]
        if T > self.horizon:
            raise ValueError(f"sequence length {T} exceeds the model's horizon {self.horizon}")
        x = losses.reshape(-1, T, d)
        cum = torch.cumsum(x, dim=1) / math.sqrt(self.horizon)
        t = torch.arange(1, T + 1, dtype=x.dtype).view(1, T, 1).expand(x.shape[0], T, 1) / self.horizon
        tok = self.embed(torch.cat([x, cum, t], dim=-1))[:, :-1]  # token s feeds pi_{s+1}
        tok = torch.cat([self.start.expand(x.shape[0], 1, -1), tok], dim=1) + self.pos[:T]
        mask = torch.triu(torch.full((T, T), float("-inf")), diagonal=1)
        h = self.encoder(tok, mask=mask)
        return torch.softmax(self.head(h), dim=-1).reshape(*lead, T, d)


def make_model(kind: str, d: int, horizon: int, **params: Any) -> nn.Module:
    """``"lsa"`` or ``"transformer"``."""
    if kind == "lsa":
        return LinearSelfAttention(d, **params)
    if kind == "transformer":
        return SoftmaxTransformer(d, horizon, **params)
    raise ValueError(f"model kind must be 'lsa' or 'transformer', got {kind!r}")


# ----------------------------------------------------------------------------- data
def uniform_sampler(gen: torch.Generator, shape: tuple[int, ...]) -> torch.Tensor:
    """i.i.d. ``U[0,1]`` losses of ``shape [..., T, d]`` (spec §2.6 target 3)."""
    return torch.rand(shape, generator=gen, dtype=torch.float64)


def regrettable_sampler(gen: torch.Generator, shape: tuple[int, ...]) -> torch.Tensor:
    """Half i.i.d. ``U[0,1]``, half alternating-type sequences (d = 2): ``(c, 0)`` then the unit
    loss flipping sides every round, with a random first value ``c``, a random side and
    ``U[0, noise]`` noise with ``noise ~ U[0, 0.2]`` (spec §2.1 (a), (c)); clipped to [0, 1]."""
    *lead, T, d = shape
    x = torch.rand(shape, generator=gen, dtype=torch.float64)
    flat = x.reshape(-1, T, d)
    n = flat.shape[0]
    alt = torch.zeros(n, T, d, dtype=torch.float64)
    side = torch.randint(0, d, (n,), generator=gen)
    other = (side + 1) % d
    first = torch.rand(n, generator=gen, dtype=torch.float64)
    rows = torch.arange(n)
    alt[rows, 0, side] = first
    for t in range(1, T):
        hit = other if t % 2 else side
        alt[rows, t, hit] = 1.0
    noise = 0.2 * torch.rand(n, 1, 1, generator=gen, dtype=torch.float64)
    alt = torch.clamp(alt + noise * torch.rand(n, T, d, generator=gen, dtype=torch.float64), 0.0, 1.0)
    pick = torch.rand(n, 1, 1, generator=gen, dtype=torch.float64) < 0.5
    return torch.where(pick, alt, flat).reshape(shape)


SAMPLERS: dict[str, Callable[[torch.Generator, tuple[int, ...]], torch.Tensor]] = {
    "uniform": uniform_sampler, "regrettable": regrettable_sampler,
}


# ----------------------------------------------------------------------------- training
@dataclass(frozen=True)
class TrainConfig:
    """Regret-loss training (defaults: spec §2.6 target 3).

    Attributes:
        model: ``"lsa"`` or ``"transformer"``. d: actions. T: horizon.
        steps: Adam steps. batch: samples per step, each of ``N`` sequences. k: softmax weight.
        h: ``"square"`` or ``"identity"``. lr: Adam rate. data: a key of :data:`SAMPLERS`.
        seed: initialisation and data seed. checkpoint_every: steps between checkpoints.
    """

    model: str = "lsa"
    d: int = 2
    T: int = 25
    steps: int = 5000
    batch: int = 64
    N: int = 8
    k: float = 1.0
    h: str = "square"
    lr: float = 1e-3
    data: str = "uniform"
    seed: int = 0
    checkpoint_every: int = 500
    width: int = 32
    layers: int = 2


@dataclass
class TrainResult:
    model: nn.Module
    config: TrainConfig
    losses: list[float]  # training regret-loss per step (all steps, those of earlier runs included)
    resumed_from: int  # step the run resumed from (0 = fresh)

    @property
    def step(self) -> int:
        """Steps the model has been trained for."""
        return len(self.losses)

    def final_loss(self, window: int = 50) -> float:
        """Mean training regret-loss of the last ``window`` steps (``nan`` before any step)."""
        tail = self.losses[-window:]
        return float(sum(tail) / len(tail)) if tail else float("nan")


def _validate(cfg: TrainConfig) -> None:
    if cfg.model not in ("lsa", "transformer"):
        raise ValueError(f"model kind must be 'lsa' or 'transformer', got {cfg.model!r}")
    check_int("d", cfg.d, minimum=2)
    check_int("T", cfg.T, minimum=2)
    check_int("steps", cfg.steps, minimum=1)
    check_int("batch", cfg.batch, minimum=1)
    check_int("N", cfg.N, minimum=1)
    check_positive("k", cfg.k, allow_zero=True)
    check_positive("lr", cfg.lr)
    check_int("checkpoint_every", cfg.checkpoint_every, minimum=1)
    check_int("seed", cfg.seed, minimum=0)
    if cfg.h not in ("square", "identity"):
        raise ValueError(f"h must be 'square' or 'identity', got {cfg.h!r}")
    if cfg.data not in SAMPLERS:
        raise ValueError(f"data must be one of {', '.join(SAMPLERS)}, got {cfg.data!r}")
    if cfg.data == "regrettable" and cfg.d != 2:
        raise ValueError(f"the regrettable sampler needs d = 2, got d = {cfg.d}")


def build(cfg: TrainConfig) -> nn.Module:
    torch.manual_seed(cfg.seed)
    params = {"width": cfg.width, "layers": cfg.layers} if cfg.model == "transformer" else {}
    return make_model(cfg.model, cfg.d, cfg.T, **params).double()


# ----------------------------------------------------------------------------- checkpoints
#: Config fields that do not change the numbers of a step: a checkpoint trained for 300 steps
#: (checkpointing every 30) continues to 600 steps (checkpointing every 60).
NOT_IDENTITY = ("steps", "checkpoint_every")
_CHECKPOINT_KEYS = ("config", "model", "optimizer", "generator", "losses", "step")


def identity(cfg: TrainConfig | dict[str, Any]) -> dict[str, Any]:
    """The config fields a checkpoint must match to be resumed (all but :data:`NOT_IDENTITY`)."""
    d = asdict(cfg) if isinstance(cfg, TrainConfig) else dict(cfg)
    return {k: v for k, v in d.items() if k not in NOT_IDENTITY}


def config_differences(stored: dict[str, Any], cfg: TrainConfig) -> list[tuple[str, Any, Any]]:
    """``[(field, stored value, requested value)]`` of the identity fields that differ."""
    want = identity(cfg)
    have = identity(stored)
    return [(k, have.get(k), want[k]) for k in want if have.get(k) != want[k]]


def read_checkpoint(checkpoint: str | Path, what: str = "checkpoint") -> dict[str, Any]:
    """Read a training checkpoint safely: tensors and plain values only.

    The file must be a torch zip archive read by ``torch.load(weights_only=True)``: a file whose
    unpickling would build arbitrary Python objects (and so could run code) is refused with a
    ``ValueError`` before any such object is made. The stored config must be plain values.

    Args:
        checkpoint: the file.
        what: how the file is named in error messages (the CLI passes ``"--checkpoint"``).
    Returns:
        The checkpoint dict (``config``, ``model``, ``optimizer``, ``generator``, ``losses``, ``step``).
    """
    path = Path(checkpoint)
    if not path.exists():
        raise FileNotFoundError(f"{what} {str(path)!r} does not exist (expected a file written by agent train)")
    if not path.is_file():
        raise ValueError(f"{what} {str(path)!r} is not a file (expected a file written by agent train)")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{what} {str(path)!r} is not a checkpoint written by agent train "
                         f"(expected a torch zip archive; refused without unpickling it)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - UnpicklingError, RuntimeError (corrupt zip), EOFError ...
        found = re.search(r"Unsupported global: GLOBAL ([\w.]+)", str(exc))
        why = (f"it holds a Python object ({found.group(1)}) beyond tensors and plain values, and loading "
               f"it could run code" if found else f"it could not be read as tensors and plain values "
               f"({type(exc).__name__})")
        raise ValueError(f"{what} {str(path)!r} refused: {why}; only checkpoints written by agent train load") from None
    if not isinstance(blob, dict) or any(k not in blob for k in _CHECKPOINT_KEYS):
        have = sorted(blob) if isinstance(blob, dict) else type(blob).__name__
        raise ValueError(f"{what} {str(path)!r} is not a checkpoint written by agent train "
                         f"(expected keys {', '.join(_CHECKPOINT_KEYS)}; got {have})")
    config = blob["config"]
    names = {f.name for f in fields(TrainConfig)}
    if (not isinstance(config, dict) or set(config) - names
            or not all(isinstance(v, (str, int, float, bool)) for v in config.values())):
        raise ValueError(f"{what} {str(path)!r} has no valid training config (expected plain values for "
                         f"{', '.join(sorted(names))})")
    if not isinstance(blob["step"], int) or blob["step"] < 0 or len(blob["losses"]) != blob["step"]:
        raise ValueError(f"{what} {str(path)!r} is damaged: step {blob['step']!r} with {len(blob['losses'])} losses")
    return blob


def _config_of(blob: dict[str, Any], what: str, path: Path) -> TrainConfig:
    try:
        cfg = TrainConfig(**blob["config"])
        _validate(cfg)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} {str(path)!r} holds an invalid training config: {exc}") from None
    return cfg


def train(cfg: TrainConfig, checkpoint: str | Path | None = None, stop_after: int | None = None,
          threads: int | None = 1, progress: bool = False) -> TrainResult:
    """Minimise the regret-loss with Adam on fresh sequences; checkpoint and resume.

    Args:
        cfg: the training config.
        checkpoint: a file; if it exists and holds the same config (``steps`` and
            ``checkpoint_every`` aside), training resumes from its step up to ``cfg.steps``.
        stop_after: stop after this many steps of this call (simulates an interruption).
        threads: torch CPU threads (these models are tiny: one thread is the fastest).
        progress: show a progress bar (steps, mean regret-loss of the last 50 steps).
    Returns:
        :class:`TrainResult`; the same config and seed give the same model whether or not the
        run was interrupted and resumed, or trained in several calls of increasing ``steps``.
    Raises:
        ValueError: a checkpoint of another config, or one already past ``cfg.steps``.
    """
    _validate(cfg)
    if threads is not None:
        torch.set_num_threads(check_int("threads", threads))
    model = build(cfg)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    gen = torch.Generator().manual_seed(cfg.seed + 1)
    losses: list[float] = []
    step = 0
    path = Path(checkpoint) if checkpoint is not None else None
    if path is not None and path.exists():
        blob = read_checkpoint(path)
        diff = config_differences(blob["config"], cfg)
        if diff:
            detail = ", ".join(f"{k}={old!r} (now {new!r})" for k, old, new in diff)
            raise ValueError(f"checkpoint {str(path)!r} was written for another config: {detail}")
        if blob["step"] > cfg.steps:
            raise ValueError(f"steps={cfg.steps} is fewer than the {blob['step']} steps checkpoint "
                             f"{str(path)!r} already holds; ask for more steps to extend it")
        model.load_state_dict(blob["model"])
        opt.load_state_dict(blob["optimizer"])
        gen.set_state(blob["generator"])
        losses, step = [float(v) for v in blob["losses"]], int(blob["step"])
    resumed = step
    sampler = SAMPLERS[cfg.data]

    def save() -> None:
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        torch.save({"config": asdict(cfg), "model": model.state_dict(), "optimizer": opt.state_dict(),
                    "generator": gen.get_state(), "losses": losses, "step": step}, tmp)
        os.replace(tmp, path)  # atomic: a crash never leaves a half-written checkpoint

    from regretlab.progress import bar

    done = 0
    pbar = bar(cfg.steps, f"regret-loss {cfg.model}", fields=("loss",)) if progress else None
    try:
        if pbar is not None:
            pbar.update(step)
        while step < cfg.steps:
            if stop_after is not None and done >= stop_after:
                break
            seqs = sampler(gen, (cfg.batch, cfg.N, cfg.T, cfg.d))
            loss = regret_loss(sequence_regret(seqs, model(seqs)), cfg.k, cfg.h)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
            step += 1
            done += 1
            if step % cfg.checkpoint_every == 0 or step == cfg.steps:
                save()
            if pbar is not None:
                tail = losses[-50:]
                pbar.update(step, loss=sum(tail) / len(tail))
    finally:
        if pbar is not None:
            pbar.close()
    if done or resumed == 0:
        save()
    return TrainResult(model, cfg, losses, resumed)


def load(checkpoint: str | Path, what: str = "checkpoint") -> nn.Module:
    """The model stored in a training checkpoint (read safely, see :func:`read_checkpoint`)."""
    path = Path(checkpoint)
    blob = read_checkpoint(path, what)
    model = build(_config_of(blob, what, path))
    try:
        model.load_state_dict(blob["model"])
    except (RuntimeError, TypeError, AttributeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"{what} {str(path)!r} holds weights that do not fit its config: {first}") from None
    return model


# ----------------------------------------------------------------------------- evaluation
def model_regret(model: nn.Module, losses: np.ndarray) -> np.ndarray:
    """Regret ``[n]`` of a model's raw outputs on ``losses [n, T, d]``."""
    with torch.no_grad():
        x = torch.as_tensor(losses, dtype=torch.float64)
        return sequence_regret(x, model(x)).numpy()


def baseline_regret(losses: np.ndarray, rule: str, eta: float) -> np.ndarray:
    """Regret ``[n]`` of FTRL with a fixed rate on ``losses [n, T, d]``: ``"hedge"`` (entropy),
    ``"l2"`` (Euclidean, projected) or ``"l2_raw"`` (Euclidean, unprojected ``1/d - eta (L - mean L)``)."""
    n, T, d = losses.shape
    cum = np.cumsum(losses, axis=1) - losses  # L_{t-1}
    if rule == "hedge":
        z = -eta * cum
        z -= z.max(axis=-1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=-1, keepdims=True)
    elif rule == "l2":
        p = project_simplex((-eta * cum).reshape(-1, d)).reshape(n, T, d)
    elif rule == "l2_raw":
        p = 1.0 / d - eta * (cum - cum.mean(axis=-1, keepdims=True))
    else:
        raise ValueError(f"rule must be 'hedge', 'l2' or 'l2_raw', got {rule!r}")
    return (losses * p).sum(axis=(1, 2)) - losses.sum(axis=1).min(axis=-1)


def tuned_baseline(losses: np.ndarray, rules: tuple[str, ...] = ("hedge", "l2"),
                   etas: np.ndarray | None = None, objective: str = "mean") -> dict[str, Any]:
    """The best fixed-rate FTRL over a grid of rates, tuned on ``losses`` itself (an oracle tuning).

    ``objective``: ``"mean"`` regret or ``"square"`` (mean ``max(R,0)^2``, the training loss at k=0).
    """
    grid = np.geomspace(1e-3, 10.0, 81) if etas is None else np.asarray(etas)
    best: dict[str, Any] = {"value": np.inf}
    for rule in rules:
        for eta in grid:
            r = baseline_regret(losses, rule, float(eta))
            v = r.mean() if objective == "mean" else (np.maximum(r, 0) ** 2).mean()
            if v < best["value"]:
                best = {"value": float(v), "rule": rule, "eta": float(eta), "mean_regret": float(r.mean())}
    return best


def affine_fit(model: nn.Module, losses: np.ndarray) -> dict[str, float]:
    """Regress the model's ``pi_t - 1/d`` on the centred cumulative loss ``L_{t-1} - mean`` (and
    ``t - 1``, the only other input an FTRL rule could use) over all sequences and rounds.

    Returns ``r2`` (of the affine fit), ``slope`` (the common coefficient on the centred loss of
    the same action; FTRL-L2 has ``-c < 0``), ``cross`` (mean off-diagonal coefficient).
    """
    n, T, d = losses.shape
    with torch.no_grad():
        p = model(torch.as_tensor(losses, dtype=torch.float64)).numpy()
    cum = np.cumsum(losses, axis=1) - losses
    centred = (cum - cum.mean(axis=-1, keepdims=True)).reshape(-1, d)
    t = np.broadcast_to(np.arange(T, dtype=float)[None, :, None], (n, T, 1)).reshape(-1, 1)
    X = np.hstack([centred, t, np.ones_like(t)])
    Y = p.reshape(-1, d) - 1.0 / d
    coef, *_ = np.linalg.lstsq(X, Y, rcond=None)
    resid = Y - X @ coef
    r2 = 1.0 - (resid ** 2).sum() / ((Y - Y.mean(axis=0)) ** 2).sum()
    diag = np.diag(coef[:d]).mean()
    cross = (coef[:d].sum() - np.trace(coef[:d])) / max(d * d - d, 1)
    return {"r2": float(r2), "slope": float(diag), "cross": float(cross)}


class ModelAgent(Agent):
    """A trained history -> strategy model as a harness agent (full-information losses).

    Outputs off the simplex (an unprojected LSA) are projected (Euclidean) before they are played;
    ``records`` notes the rounds where that happened.
    """

    accepts = ("full",)

    def __init__(self, model: nn.Module, name: str | None = None) -> None:
        self.model = model.eval()
        self.name = name or str(getattr(model, "kind", "model"))

    def reset(self, keys: np.ndarray, num_actions: int) -> None:
        super().reset(keys, num_actions)
        d = getattr(self.model, "d", num_actions)
        if d != num_actions:
            raise ValueError(f"the model plays {d} actions, the setting has {num_actions}")
        self.batch, self.k = len(keys), num_actions

    def act(self, history: History) -> np.ndarray:
        past = history.losses() if history.t else np.zeros((0, self.batch, self.k))  # [t, B, K]
        seq = np.concatenate([past, np.zeros((1, self.batch, self.k))], axis=0).transpose(1, 0, 2)
        with torch.no_grad():
            raw = self.model(torch.as_tensor(seq, dtype=torch.float64))[:, -1].numpy()
        p = project_simplex(raw)
        off = np.abs(p - raw).max(axis=1) > 1e-9
        for b in np.flatnonzero(off):
            self.records.append({"run": int(b), "reply": ",".join(f"{x:.6g}" for x in raw[b]), "strategy": p[b],
                                 "error": "model output off the simplex; projected"})
        return p
