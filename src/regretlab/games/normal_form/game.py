"""Normal-form games for any number of players as one payoff tensor ``[P, K1, ..., KP]``."""

from __future__ import annotations

import json
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np


def _as_payoffs(payoffs: Any) -> np.ndarray:
    """Validate and return the payoff tensor; errors name the argument and the expectation."""
    if isinstance(payoffs, (list, tuple)) and len(payoffs) > 0 and all(
        isinstance(p, (np.ndarray, list, tuple)) for p in payoffs
    ):
        shapes = [np.shape(p) for p in payoffs]
        if len(set(shapes)) > 1:
            raise ValueError(
                "payoffs: the players' payoff arrays must all have the same shape [K1, ..., KP], "
                f"got shapes {[list(s) for s in shapes]}"
            )
    try:
        arr = np.asarray(payoffs, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"payoffs must be an array of numbers of shape [P, K1, ..., KP], got {type(payoffs).__name__}"
        ) from exc
    if arr.ndim < 2:
        raise ValueError(
            f"payoffs must have shape [P, K1, ..., KP] with P >= 1, got shape {list(arr.shape)}"
        )
    num_players = arr.ndim - 1
    if arr.shape[0] != num_players:
        raise ValueError(
            "payoffs must have shape [P, K1, ..., KP] (leading axis = number of players = number "
            f"of action axes), got shape {list(arr.shape)}: {arr.shape[0]} payoff tables for "
            f"{num_players} action axes"
        )
    if min(arr.shape[1:]) < 1:
        raise ValueError(f"payoffs: every player needs >= 1 action, got shape {list(arr.shape)}")
    if not np.isfinite(arr).all():
        idx = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(
            f"payoffs must be finite, got {arr[idx]!r} at index {list(idx)} "
            f"(player {idx[0]}, joint action {list(idx[1:])})"
        )
    return arr


_LETTERS = string.ascii_lowercase


@dataclass(frozen=True, eq=False)
class NormalFormGame:
    """A finite P-player normal-form game; ``payoffs[i, a1, ..., aP]`` is player i's utility.

    Args:
        payoffs: ``[P, K1, ..., KP]`` utilities (a list of P arrays ``[K1, ..., KP]`` also works).
        name: a label for plots and files.

    Example:
        >>> g = NormalFormGame.from_bimatrix([[1, -1], [-1, 1]], [[-1, 1], [1, -1]])
        >>> g.num_players, g.num_actions
        (2, (2, 2))
    """

    payoffs: np.ndarray  # [P, K1, ..., KP]
    name: str = ""
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        arr = _as_payoffs(self.payoffs)
        arr.setflags(write=False)
        object.__setattr__(self, "payoffs", arr)
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a str, got {type(self.name).__name__}")

    # ----------------------------------------------------------------------------- basic facts
    @property
    def num_players(self) -> int:
        return self.payoffs.shape[0]

    @property
    def num_actions(self) -> tuple[int, ...]:
        return tuple(int(k) for k in self.payoffs.shape[1:])

    @property
    def shape(self) -> tuple[int, ...]:
        """The joint-action shape ``(K1, ..., KP)``."""
        return self.num_actions

    @classmethod
    def from_bimatrix(cls, row: Any, col: Any, name: str = "") -> "NormalFormGame":
        """A two-player game from the row player's ``A [K1, K2]`` and column player's ``B [K1, K2]``."""
        a = np.asarray(row, dtype=np.float64)
        b = np.asarray(col, dtype=np.float64)
        if a.ndim != 2 or a.shape != b.shape:
            raise ValueError(
                f"row and col must be matrices of the same shape [K1, K2], got shapes "
                f"{list(a.shape)} and {list(b.shape)}"
            )
        return cls(np.stack([a, b]), name=name)

    def bimatrix(self) -> tuple[np.ndarray, np.ndarray]:
        """``(A, B)`` for a two-player game."""
        if self.num_players != 2:
            raise ValueError(f"bimatrix() needs a 2-player game, this one has {self.num_players}")
        return self.payoffs[0], self.payoffs[1]

    def is_zero_sum(self, atol: float = 1e-12) -> bool:
        """True when the utilities sum to a constant over all joint actions (constant-sum)."""
        total = self.payoffs.sum(axis=0)
        return bool(np.ptp(total) <= atol)

    # ----------------------------------------------------------------------------- utilities
    def check_strategies(self, strategies: Sequence[Any], name: str = "strategies") -> list[np.ndarray]:
        """Validate a product profile: P arrays ``[K_i]`` or batched ``[B, K_i]`` on the simplex."""
        if not isinstance(strategies, (list, tuple)) or len(strategies) != self.num_players:
            got = len(strategies) if isinstance(strategies, (list, tuple)) else type(strategies).__name__
            raise ValueError(f"{name} must be a list of {self.num_players} strategies, got {got}")
        out = []
        for i, (x, k) in enumerate(zip(strategies, self.num_actions)):
            x = np.asarray(x, dtype=np.float64)
            if x.shape[-1:] != (k,) or x.ndim not in (1, 2):
                raise ValueError(
                    f"{name}[{i}] must have shape [{k}] or [B, {k}], got shape {list(x.shape)}"
                )
            if not np.isfinite(x).all() or (x < -1e-9).any() or not np.allclose(x.sum(-1), 1.0, atol=1e-6):
                raise ValueError(f"{name}[{i}] must be a probability vector (>= 0, sums to 1), got {x!r}")
            out.append(x)
        return out

    def deviation_utilities(self, strategies: Sequence[np.ndarray], player: int) -> np.ndarray:
        """``u_i(a_i, x_{-i})`` for every pure action of ``player`` against the others' mixtures.

        Args:
            strategies: P arrays ``[B, K_j]`` (or ``[K_j]``), the mixed strategies.
            player: index i.

        Returns:
            ``[B, K_i]`` (or ``[K_i]`` if no batch axis was given).
        """
        batched = np.ndim(strategies[0]) == 2
        xs = [np.atleast_2d(np.asarray(x, dtype=np.float64)) for x in strategies]
        p = self.num_players
        letters = _LETTERS[:p]
        terms = [f"{letters}"]
        ops: list[np.ndarray] = [self.payoffs[player]]
        for j in range(p):
            if j != player:
                terms.append(f"z{letters[j]}")
                ops.append(xs[j])
        if p == 1:  # nobody else: the utility vector does not depend on a strategy
            out = np.broadcast_to(self.payoffs[player], (xs[0].shape[0], self.num_actions[0])).copy()
            return out if batched else out[0]
        spec = ",".join(terms) + f"->z{letters[player]}"
        out = np.einsum(spec, *ops)  # optimize=True costs ~80 µs of path search per call
        return out if batched else out[0]

    def expected_utility(self, strategies: Sequence[np.ndarray]) -> np.ndarray:
        """``u_i(x)`` for every player of a product profile: ``[P]`` or ``[B, P]``."""
        batched = np.ndim(strategies[0]) == 2
        xs = [np.atleast_2d(np.asarray(x, dtype=np.float64)) for x in strategies]
        vals = np.stack(
            [np.einsum("zk,zk->z", self.deviation_utilities(xs, i), xs[i]) for i in range(self.num_players)],
            axis=-1,
        )
        return vals if batched else vals[0]

    def joint_from_product(self, strategies: Sequence[np.ndarray]) -> np.ndarray:
        """The product distribution ``x_1 ⊗ ... ⊗ x_P``: ``[K1..KP]`` or ``[B, K1..KP]``."""
        batched = np.ndim(strategies[0]) == 2
        xs = [np.atleast_2d(np.asarray(x, dtype=np.float64)) for x in strategies]
        letters = _LETTERS[: self.num_players]
        spec = ",".join(f"z{c}" for c in letters) + f"->z{letters}"
        out = np.einsum(spec, *xs)
        return out if batched else out[0]

    # ----------------------------------------------------------------------------- load / save
    def to_dict(self) -> dict[str, Any]:
        return {"format": "regretlab.normal_form/1", "name": self.name,
                "num_actions": list(self.num_actions), "payoffs": self.payoffs.tolist()}

    def save(self, path: str | Path) -> Path:
        """Write the game to ``.npz`` or ``.json`` (chosen by the suffix)."""
        path = Path(path)
        if path.suffix == ".npz":
            np.savez(path, payoffs=self.payoffs, name=np.array(self.name))
        elif path.suffix == ".json":
            path.write_text(json.dumps(self.to_dict()))
        else:
            raise ValueError(f"path must end in .npz or .json, got {str(path)!r}")
        return path

    @classmethod
    def load(cls, path: str | Path, what: str = "game file") -> "NormalFormGame":
        """Read a game written by :meth:`save` (``.npz`` or ``.json``).

        Every error names ``what`` and the path: missing or damaged file, invalid or too deeply
        nested JSON, no ``payoffs``, a tensor of the wrong shape, non-numbers, non-finite payoffs.
        """
        from regretlab.games.io import read_json, read_npz

        path = Path(path)
        shown = str(path)
        if path.suffix not in (".npz", ".json"):
            raise ValueError(f"{what} must end in .npz or .json, got {shown!r}")
        if path.suffix == ".npz":
            data = read_npz(path, what, required=("payoffs",))
            payoffs = data["payoffs"]
            if not (np.issubdtype(payoffs.dtype, np.number) or payoffs.dtype == bool):
                raise ValueError(f"{what} {shown!r}: 'payoffs' must hold numbers, got dtype {payoffs.dtype}")
            name = str(data["name"]) if "name" in data and data["name"].ndim == 0 else ""
            declared = None
        else:
            data = read_json(path, what)
            if not isinstance(data, dict) or "payoffs" not in data:
                raise ValueError(f"{what} {shown!r} must hold a JSON object with a 'payoffs' field")
            payoffs, name, declared = data["payoffs"], str(data.get("name", "")), data.get("num_actions")
        try:
            game = cls(payoffs, name=name)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{what} {shown!r}: {exc}") from None
        if declared is not None and list(game.num_actions) != list(declared):
            raise ValueError(
                f"{what} {shown!r}: num_actions {declared} does not match the payoff "
                f"tensor's shape {list(game.num_actions)}"
            )
        return game

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return f"NormalFormGame{label}(players={self.num_players}, actions={self.num_actions})"
