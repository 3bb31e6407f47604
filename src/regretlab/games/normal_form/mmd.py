"""Magnetic mirror descent (MMD): a last-iterate learner for normal-form games.

With the negative-entropy mirror map and a magnet ``ρ`` (uniform), one step on utilities
``u_t [B, K]`` is (Sokota et al. 2023, eq. (2) with ψ = negative entropy)

    x_{t+1}(a) ∝ [x_t(a) ρ(a)^{ηα} exp(η u_t(a))]^{1 / (1 + ηα)}.

In self-play of a two-player zero-sum game the *last iterate* converges linearly to the logit
QRE with temperature α (Sokota et al., Thm 3.4 for η ≤ α / L²); small α makes it an
approximate Nash equilibrium. It is a ``dynamics`` learner (registered ``"mmd"``) — with a
fixed α > 0 it is not a no-regret learner against adversaries (it stays α-regularised).

Example:
    >>> from regretlab.games.normal_form import rescale, zero_sum_game
    >>> res = mmd_self_play(rescale(zero_sum_game(4, seed=0)), T=2000, lr=0.5, temperature=0.01, every=1000)
    >>> res.nash_conv.round(3).tolist()  # the last iterate settles at the QRE, NashConv O(α)
    [0.011, 0.005]
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from regretlab.core import rng
from regretlab.core.errors import check_int, check_positive
from regretlab.core.registry import register
from regretlab.core.types import FullInfo
from regretlab.experts._base import CumulativeState, PlaysItsState
from regretlab.games.normal_form.game import NormalFormGame
from regretlab.games.normal_form.gaps import nash_conv


class MMD(PlaysItsState):
    """Magnetic mirror descent with negative entropy; the state's ``signal`` is the strategy."""

    name = "mmd"
    uses_played = False

    def __init__(self, lr: float = 0.1, temperature: float = 0.05):
        self.lr = check_positive("lr", lr)
        self.temperature = check_positive("temperature", temperature, allow_zero=True)

    def advance(self, state: CumulativeState, utility: np.ndarray, played: np.ndarray) -> CumulativeState:
        k = state.signal.shape[1]
        ea = self.lr * self.temperature
        logx = np.log(np.maximum(state.signal, 1e-300))
        z = (logx + ea * np.log(1.0 / k) + self.lr * utility) / (1.0 + ea)
        z -= z.max(axis=1, keepdims=True)
        x = np.exp(z)
        x /= x.sum(axis=1, keepdims=True)
        return state._replace(t=state.t + 1, signal=x)


@register("mmd", family="dynamics", test_params=[{}, {"lr": 1.0, "temperature": 0.2}, {"temperature": 0.0}])
def mmd(lr: float = 0.1, temperature: float = 0.05) -> MMD:
    """Magnetic mirror descent: ``x ∝ [x ρ^{ηα} e^{η u}]^{1/(1+ηα)}`` with a uniform magnet ρ.

    Args:
        lr: step size η > 0.
        temperature: regularisation α >= 0 (0: plain Hedge-style mirror descent on the last
            iterate, i.e. exponentiated gradient).

    Returns:
        a full-information learner; ``strategy`` ``[B, K]``.

    Example:
        >>> from regretlab.core import FullInfo, rng
        >>> m = mmd(lr=1.0, temperature=0.0); s = m.init(rng.spawn_keys(0, 1), 2)
        >>> m.strategy(m.update(s, FullInfo(np.array([[np.log(3.0), 0.0]])))).round(6).tolist()
        [[0.75, 0.25]]

    References:
        S. Sokota, R. D'Orazio, J. Z. Kolter, N. Loizou, M. Lanctot, I. Mitliagkas, N. Brown,
        C. Kroer, "A unified approach to reinforcement learning, quantal response equilibria,
        and two-player zero-sum games", ICLR 2023 (linear last-iterate convergence to the QRE).
    """
    return MMD(lr, temperature)


class MMDResult(NamedTuple):
    """Last-iterate curve of MMD self-play."""

    rounds: np.ndarray  # [R]
    nash_conv: np.ndarray  # [R] NashConv of the last iterate after each recorded round
    strategies: list  # P arrays [K_i], the last iterate


def mmd_self_play(game: NormalFormGame, T: int, lr: float = 0.1, temperature: float = 0.05,
                  every: int = 1, seed: int = 0) -> MMDResult:
    """Every player runs :func:`mmd` on its expected utilities ``u_i(·, x_-i^t)``; records the
    NashConv of the last iterate (``gaps.nash_conv``) every ``every`` rounds and at T.

    Args:
        game: a :class:`NormalFormGame` (utilities ideally in [0, 1], see ``rescale``).
        T: rounds.
        lr, temperature: MMD's η and α.
        every: recording period.
        seed: seed of the (unused by MMD, kept for the contract) learner keys.
    """
    if not isinstance(game, NormalFormGame):
        raise TypeError(f"game must be a NormalFormGame, got {type(game).__name__}")
    T = check_int("T", T)
    every = check_int("every", every)
    learner = mmd(lr, temperature)
    keys = rng.spawn_keys(seed, 1)
    states = [learner.init(keys, k) for k in game.num_actions]
    rounds, curve = [], []
    for t in range(1, T + 1):
        xs = [learner.strategy(s) for s in states]
        states = [learner.update(states[i], FullInfo(game.deviation_utilities(xs, i)))
                  for i in range(game.num_players)]
        if t % every == 0 or t == T:
            last = [learner.strategy(s)[0] for s in states]
            rounds.append(t)
            curve.append(float(nash_conv(game, last)))
    return MMDResult(np.array(rounds), np.array(curve), [learner.strategy(s)[0] for s in states])


__all__ = ["MMD", "MMDResult", "mmd", "mmd_self_play"]
