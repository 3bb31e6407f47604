"""The ledger: what regret accounting needs, kept round by round for every player of a run.

A setting (a loss stream, a bandit, a game) tells the driver, each round and for each player
``i``, the utility of every own action given what the others did (``u_t [B, K_i]``), the mixed
strategy played (``p_t [B, K_i]``) and the action drawn (``a_t [B]``). The :class:`Ledger` keeps
the sufficient statistics of those sequences, and the functions below turn them into regret;
nothing else in the library computes regret.

Statistics per player and run (sums over rounds so far):

* ``cum_utility [B, K]``: ``sum_t u_t`` (the best fixed action in hindsight is its argmax);
* ``expected [B]``: ``sum_t <p_t, u_t>``; ``realized [B]``: ``sum_t u_t(a_t)``;
* ``sum_strategy [B, K]``: ``sum_t p_t`` (time-averaged strategies, NashConv of the average);
* ``swap_gain [B, K, K]`` (opt-in): ``sum_t p_t(i) (u_t(j) - u_t(i))``;
* ``pseudo [B]`` (when the setting knows its mean utilities ``m_t``): ``sum_t max m_t - <p_t, m_t>``;
* ``switches [B]``: rounds with ``a_t != a_{t-1}``;
* ``history`` (opt-in): ``p_t`` and ``u_t`` at every recorded round, ``[N, B, K]``.

External regret (spec §0): ``R_T = max_k sum_t u_t(k) - sum_t <p_t, u_t>``. For players of a
repeated game, ``max_i R_T^i / T`` is the CCE gap of the empirical distribution of play (exact
for the recorded joint distribution: Hart & Mas-Colell 2000), and ``max_i`` swap regret ``/ T``
its CE gap (Blum & Mansour 2007).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from regretlab.core.errors import check_int

__all__ = [
    "Ledger",
    "OCOLedger",
    "PlayerBook",
    "average_strategy",
    "cce_gap",
    "ce_gap",
    "external",
    "pseudo",
    "realized",
    "swap",
]


@dataclass
class PlayerBook:
    """One player's running sums (see the module docstring) and their snapshots."""

    cum_utility: np.ndarray  # [B, K]
    expected: np.ndarray  # [B]
    realized: np.ndarray  # [B]
    sum_strategy: np.ndarray  # [B, K]
    switches: np.ndarray  # [B]
    last_action: np.ndarray  # [B], -1 before the first round
    swap_gain: np.ndarray | None = None  # [B, K, K]
    pseudo: np.ndarray | None = None  # [B]
    acted: bool = False  # whether actions were recorded (realized play)
    last_strategy: np.ndarray | None = None  # [B, K] the strategy of the latest recorded round
    snapshots: dict[str, list[np.ndarray]] = field(default_factory=dict)
    history: dict[str, list[np.ndarray]] = field(default_factory=dict)


class Ledger:
    """Running sums for ``len(num_actions)`` players over ``batch`` runs, snapshotted on request.

    Args:
        num_actions: ``K_i`` per player.
        batch: ``B`` runs.
        swap: also keep ``swap_gain`` (``O(B K^2)`` memory and work per round).
        history: also keep ``p_t`` and ``u_t`` at every snapshot.

    Example:
        >>> led = Ledger((2,), batch=1)
        >>> for u in ([0.0, 1.0], [0.0, 1.0]):
        ...     led.record(0, np.array([[0.5, 0.5]]), np.array([u]), np.array([0]))
        ...     led.end_round()
        >>> led.snapshot(); external(led)[:, 0].tolist()
        [1.0]
    """

    def __init__(self, num_actions: tuple[int, ...], batch: int, *, swap: bool = False,
                 history: bool = False, joint: bool = False) -> None:
        self.num_actions = tuple(check_int("num_actions", k) for k in num_actions)
        self.batch = check_int("batch", batch)
        self.track_swap, self.track_history = bool(swap), bool(history)
        b = self.batch
        self.books = [PlayerBook(np.zeros((b, k)), np.zeros(b), np.zeros(b), np.zeros((b, k)), np.zeros(b),
                                 np.full(b, -1), np.zeros((b, k, k)) if swap else None)
                      for k in self.num_actions]
        self.t = np.zeros(b, dtype=np.int64)  # rounds recorded, per run
        # the empirical joint distribution of play (summed): counts of action profiles, or sums of
        # the products of the mixed strategies when no actions are drawn
        self.joint = np.zeros((b,) + self.num_actions) if joint else None
        self.rounds: list[int] = []
        self._last: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(self.books)
        self._rows = np.arange(b)

    @property
    def num_players(self) -> int:
        return len(self.books)

    def record(self, player: int, strategy: np.ndarray, utility: np.ndarray, action: np.ndarray | None,
               mean_utility: np.ndarray | None = None) -> None:
        """Add one round of ``player``: ``strategy [B, K]``, ``utility [B, K]``, ``action [B]``.

        ``mean_utility [B, K]`` (or ``[K]``), when the setting knows it, adds to pseudo-regret.
        """
        bk = self.books[player]
        bk.cum_utility += utility
        bk.expected += np.einsum("bk,bk->b", strategy, utility)
        bk.sum_strategy += strategy
        bk.last_strategy = strategy
        if action is not None:  # expected play (no draws) has no realized statistics
            bk.realized += utility[self._rows, action]
            bk.switches += (action != bk.last_action) & (bk.last_action >= 0)
            bk.last_action = action
            bk.acted = True
        if bk.swap_gain is not None:
            bk.swap_gain += strategy[:, :, None] * (utility[:, None, :] - utility[:, :, None])
        if mean_utility is not None:
            m = np.broadcast_to(mean_utility, strategy.shape)
            if bk.pseudo is None:
                bk.pseudo = np.zeros(self.batch)
            bk.pseudo += m.max(axis=1) - np.einsum("bk,bk->b", strategy, m)
        if self.track_history:
            self._last[player] = (strategy, utility)

    def end_round(self, strategies: tuple[np.ndarray, ...] | None = None,
                  actions: tuple[np.ndarray | None, ...] | None = None) -> None:
        """Close the round for every player (advances the per-run round counter ``t [B]``).

        With ``joint=True`` the round's play is added to the joint distribution: the action
        profile drawn (``actions``) or, when no actions were drawn, the product of ``strategies``.
        """
        if self.joint is not None:
            if actions is not None and all(a is not None for a in actions):
                np.add.at(self.joint, (self._rows, *actions), 1.0)
            elif strategies is not None:
                letters = "abcdefghijklmnopqrstuvwxy"[:len(strategies)]
                self.joint += np.einsum(",".join(f"z{c}" for c in letters) + f"->z{letters}", *strategies)
            else:
                raise ValueError("a ledger with joint=True needs the round's strategies or actions")
        self.t += 1

    def joint_distribution(self) -> np.ndarray:
        """``[B, K_1, ..., K_P]`` empirical joint distribution of play so far (needs ``joint=True``)."""
        if self.joint is None:
            raise ValueError("the joint distribution needs a ledger made with joint=True")
        return self.joint / np.maximum(self.t, 1).reshape((-1,) + (1,) * len(self.num_actions))

    def snapshot(self) -> None:
        """Keep the current sums of every player (one more point on every curve)."""
        self.rounds.append(int(self.t.max()) if self.t.size else 0)
        for i, bk in enumerate(self.books):
            snap = bk.snapshots
            best = bk.cum_utility.max(axis=1)
            pairs = [("best", best), ("expected", bk.expected.copy())]
            if bk.acted:
                pairs += [("realized", bk.realized.copy()), ("switches", bk.switches.copy())]
            for name, value in pairs:
                snap.setdefault(name, []).append(value)
            if bk.swap_gain is not None:
                # sum over i of max_j gain(i, j), with j = i (gain 0) allowed
                snap.setdefault("swap", []).append(np.maximum(bk.swap_gain.max(axis=2), 0.0).sum(axis=1))
            if bk.pseudo is not None:
                snap.setdefault("pseudo", []).append(bk.pseudo.copy())
            if self.track_history and self._last[i] is not None:
                p, u = self._last[i]  # type: ignore[misc]
                bk.history.setdefault("strategy", []).append(p.copy())
                bk.history.setdefault("utility", []).append(u.copy())

    def curve(self, name: str, player: int = 0) -> np.ndarray:
        """``[N, B]`` snapshots of one statistic of one player."""
        snaps = self.books[player].snapshots.get(name)
        if not snaps:
            raise KeyError(f"the ledger has no {name!r} statistic for player {player}")
        return np.stack(snaps)


def external(ledger: Ledger, player: int = 0) -> np.ndarray:
    """Expected external regret ``max_k sum_t u_t(k) - sum_t <p_t, u_t>`` at each snapshot, ``[N, B]``."""
    return ledger.curve("best", player) - ledger.curve("expected", player)


def realized(ledger: Ledger, player: int = 0) -> np.ndarray:
    """Regret of the actions actually played, ``max_k sum_t u_t(k) - sum_t u_t(a_t)``, ``[N, B]``."""
    return ledger.curve("best", player) - ledger.curve("realized", player)


def swap(ledger: Ledger, player: int = 0) -> np.ndarray:
    """Swap regret ``sum_i max_j sum_t p_t(i) (u_t(j) - u_t(i))`` at each snapshot, ``[N, B]``."""
    if not ledger.track_swap:
        raise ValueError("swap regret needs a ledger made with swap=True (run(..., swap=True))")
    return ledger.curve("swap", player)


def pseudo(ledger: Ledger, player: int = 0) -> np.ndarray:
    """Pseudo-regret against the best mean, ``sum_t max m_t - <p_t, m_t>``, ``[N, B]``."""
    return ledger.curve("pseudo", player)


def _rounds(ledger: Ledger) -> np.ndarray:
    return np.maximum(np.asarray(ledger.rounds, dtype=np.float64), 1.0)[:, None]


def cce_gap(ledger: Ledger, kind: str = "expected") -> np.ndarray:
    """CCE gap of the empirical distribution of play, ``max_i R^i_t / t``, ``[N, B]``.

    ``kind="expected"`` uses the played mixtures (the distribution is the average of their
    products), ``"realized"`` the drawn actions (the empirical joint action distribution).
    """
    fn = {"expected": external, "realized": realized}.get(kind)
    if fn is None:
        raise ValueError(f"kind must be 'expected' or 'realized', got {kind!r}")
    return np.max([fn(ledger, i) for i in range(ledger.num_players)], axis=0) / _rounds(ledger)


def ce_gap(ledger: Ledger) -> np.ndarray:
    """CE gap of the averaged play, ``max_i SwapReg^i_t / t``, ``[N, B]`` (needs ``swap=True``)."""
    return np.max([swap(ledger, i) for i in range(ledger.num_players)], axis=0) / _rounds(ledger)


def average_strategy(ledger: Ledger, player: int = 0) -> np.ndarray:
    """Time-averaged strategy ``(1/t) sum_s p_s`` of every run now, ``[B, K]``."""
    bk = ledger.books[player]
    return bk.sum_strategy / np.maximum(ledger.t, 1)[:, None]


class OCOLedger:
    """The ledger of online convex optimisation: losses ``f_t(x_t)``, points and loss data per run.

    Each round the driver records the played points ``x [B, D]``, their losses ``f_t(x_t) [B]``,
    the round's loss data (handed to a comparator, which keeps what the best fixed point in
    hindsight needs; :mod:`regretlab.metrics.oco`) and, when a comparator sequence is given, the
    comparator's loss ``f_t(u_t) [B]``. Snapshots keep ``loss`` (cumulative), ``best`` (the best
    fixed point's cumulative loss) and ``comparator`` (the comparator sequence's).

    Args:
        batch: ``B`` runs.
        comparator: an object with ``add(data)`` and ``best() -> (loss [B], point [B, D])``
            (:class:`regretlab.metrics.oco.Comparator`).
        history: also keep ``x_t`` at every snapshot.

    Example:
        >>> from regretlab.metrics.oco import comparator, regret
        >>> from regretlab.oco.domains import Simplex
        >>> led = OCOLedger(1, comparator("linear", Simplex(), 2, 1))
        >>> for c in ([1.0, 0.0], [1.0, 0.0]):
        ...     x = np.array([[0.5, 0.5]]); data = {"c": np.array([c])}
        ...     led.record(x, np.einsum("bd,bd->b", data["c"], x), data)
        ...     led.end_round()
        >>> led.snapshot(); regret(led)[:, 0].tolist()
        [1.0]
    """

    def __init__(self, batch: int, comparator: object, *, history: bool = False) -> None:
        self.batch = check_int("batch", batch)
        self.comparator = comparator
        self.track_history = bool(history)
        self.loss = np.zeros(self.batch)  # [B] sum_t f_t(x_t)
        self.comparator_loss: np.ndarray | None = None  # [B] sum_t f_t(u_t), when a sequence is given
        self.sum_point = None  # [B, D] sum_t x_t
        self.t = np.zeros(self.batch, dtype=np.int64)
        self.rounds: list[int] = []
        self.snapshots: dict[str, list[np.ndarray]] = {}
        self.history: dict[str, list[np.ndarray]] = {}
        self.best_point: np.ndarray | None = None  # [B, D] the best fixed point at the last snapshot
        self._last: np.ndarray | None = None

    def record(self, point: np.ndarray, loss: np.ndarray, data: dict, comparator_loss: np.ndarray | None = None) -> None:
        """Add one round: ``point [B, D]``, ``loss [B]``, the loss ``data``, ``comparator_loss [B]``."""
        self.loss = self.loss + loss
        self.sum_point = point.copy() if self.sum_point is None else self.sum_point + point
        self.comparator.add(data)  # type: ignore[attr-defined]
        if comparator_loss is not None:
            self.comparator_loss = (np.zeros(self.batch) if self.comparator_loss is None else self.comparator_loss) \
                + comparator_loss
        self._last = point

    def end_round(self) -> None:
        """Close the round (advances the per-run round counter ``t [B]``)."""
        self.t += 1

    def snapshot(self) -> None:
        """Keep the current sums (one more point on every curve); solves for the best fixed point."""
        self.rounds.append(int(self.t.max()) if self.t.size else 0)
        best, point = self.comparator.best()  # type: ignore[attr-defined]
        self.best_point = point
        pairs = [("loss", self.loss.copy()), ("best", np.asarray(best, dtype=np.float64))]
        if self.comparator_loss is not None:
            pairs.append(("comparator", self.comparator_loss.copy()))
        for name, value in pairs:
            self.snapshots.setdefault(name, []).append(value)
        if self.track_history and self._last is not None:
            self.history.setdefault("point", []).append(self._last.copy())

    def curve(self, name: str) -> np.ndarray:
        """``[N, B]`` snapshots of one statistic."""
        snaps = self.snapshots.get(name)
        if not snaps:
            raise KeyError(f"the OCO ledger has no {name!r} statistic")
        return np.stack(snaps)

    def average_point(self) -> np.ndarray:
        """``[B, D]`` the time-averaged point ``(1/t) sum_s x_s`` (online-to-batch conversion)."""
        if self.sum_point is None:
            raise ValueError("the OCO ledger has recorded no round yet")
        return self.sum_point / np.maximum(self.t, 1)[:, None]
