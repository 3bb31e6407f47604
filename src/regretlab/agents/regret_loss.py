"""Regret-loss training of models that map a loss history to a strategy (``[llm]`` extra, torch).

Park, Liu, Ozdaglar & Zhang, "Do LLM agents have regret?" (ICLR 2025), spec §2.4:

``R_theta(l_{1:T}) = sum_t <l_t, M_theta(l_{1:t-1})> - min_i sum_t l_t(i)``,
``L(theta; k, N) = E[ sum_j h(R_j) f(R_j, k) / sum_j f(R_j, k) ]`` over N i.i.d. sequences,
``h(x) = max(x, 0)^2`` (or ``x``), ``f(x, k) = exp(k x)``.

Models: a single-layer linear self-attention (LSA; the module of Mahankali et al., ICLR 2024,
spec regression §1, on loss tokens) whose minimisers implement FTRL with a Euclidean
regulariser ``pi_t = 1/d - c (L_{t-1} - mean L_{t-1})``, and a small causal softmax transformer.
Training draws fresh sequences every step and checkpoints (model, optimiser, step, sampler
state) so that an interrupted run resumes exactly. torch is imported here only.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass
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
    losses: list[float]  # training regret-loss per step
    resumed_from: int  # step the run resumed from (0 = fresh)


def _validate(cfg: TrainConfig) -> None:
    check_int("d", cfg.d, minimum=2)
    check_int("T", cfg.T, minimum=2)
    check_int("steps", cfg.steps, minimum=0)
    check_int("batch", cfg.batch, minimum=1)
    check_int("N", cfg.N, minimum=1)
    check_positive("k", cfg.k, allow_zero=True)
    check_positive("lr", cfg.lr)
    check_int("checkpoint_every", cfg.checkpoint_every, minimum=1)
    if cfg.data not in SAMPLERS:
        raise ValueError(f"data must be one of {', '.join(SAMPLERS)}, got {cfg.data!r}")
    if cfg.data == "regrettable" and cfg.d != 2:
        raise ValueError(f"the regrettable sampler needs d = 2, got d = {cfg.d}")


def build(cfg: TrainConfig) -> nn.Module:
    torch.manual_seed(cfg.seed)
    params = {"width": cfg.width, "layers": cfg.layers} if cfg.model == "transformer" else {}
    return make_model(cfg.model, cfg.d, cfg.T, **params).double()


def train(cfg: TrainConfig, checkpoint: str | Path | None = None, stop_after: int | None = None,
          threads: int | None = 1) -> TrainResult:
    """Minimise the regret-loss with Adam on fresh sequences; checkpoint and resume.

    Args:
        cfg: the training config.
        checkpoint: a file; if it exists and holds the same config, training resumes from it.
        stop_after: stop after this many steps of this call (simulates an interruption).
        threads: torch CPU threads (these models are tiny: one thread is the fastest).
    Returns:
        :class:`TrainResult`; the same config and seed give the same model whether or not the
        run was interrupted and resumed.
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
        blob = torch.load(path, weights_only=False)
        if blob["config"] != asdict(cfg):
            raise ValueError(f"checkpoint {path} was written for another config: {blob['config']}")
        model.load_state_dict(blob["model"])
        opt.load_state_dict(blob["optimizer"])
        gen.set_state(blob["generator"])
        losses, step = list(blob["losses"]), int(blob["step"])
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

    done = 0
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
    save()
    return TrainResult(model, cfg, losses, resumed)


def load(checkpoint: str | Path) -> nn.Module:
    """The model stored in a training checkpoint."""
    path = Path(checkpoint)
    if not path.is_file():
        raise ValueError(f"checkpoint must be an existing file written by train(), got {str(checkpoint)!r}")
    blob = torch.load(path, weights_only=False)
    cfg = TrainConfig(**blob["config"])
    model = build(cfg)
    model.load_state_dict(blob["model"])
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
