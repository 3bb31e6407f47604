"""Checkpoints of range-vector CFR solves that resume bit-identically.

A checkpoint (``.npz``, written atomically: temp file then rename) holds the solver state of a
fused regret-matching rule (CFR, CFR+, linear CFR, DCFR, PCFR+): the iteration ``t``, the
regrets, the average-strategy numerators, the current strategy and the last instantaneous
regrets (the prediction), with the settings of the solve (JSON) and its curve so far. An
iteration depends on nothing else, so ``t`` iterations, a save, a load and ``u`` more give
the same bits as ``t + u`` uninterrupted iterations.

Loading checks everything before the solve resumes: a sound ``.npz``
(:func:`regretlab.games.io.read_npz`), the same settings (board, pot, stacks, ranges, bets,
algorithm ...), arrays of the subgame's shape ``[R, A]``, finite floats, an integer ``t >= 0``.

Example:
    >>> import tempfile, os
    >>> from regretlab.games.subgame import make_solver, subgame
    >>> g = subgame("Ks7h2d3c8s", 10, 20, "AA,72o", "KQ", bets="1,allin", raise_cap=1)
    >>> s = make_solver("dcfr")
    >>> path = os.path.join(tempfile.mkdtemp(), "ck.npz")
    >>> save_checkpoint(path, s.update(s.init(g), g, 5), {"algo": "dcfr"})
    >>> state, curve = load_checkpoint(path, g, {"algo": "dcfr"})
    >>> state.t, bool((s.update(state, g, 5).regret == s.update(s.init(g), g, 10).regret).all())
    (5, True)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import numpy as np

ARRAYS = ("cumulative", "strategy", "regret", "last")


def save_checkpoint(path: str | Path, state: Any, settings: Mapping[str, Any],
                    curve: Mapping[str, Any] | None = None) -> None:
    """Write ``state`` (a :class:`~regretlab.games.subgame.solver.SubgameState` of a fused
    rule), the solve's ``settings`` (JSON-able) and ``curve`` to ``path`` atomically."""
    if state.regret is None:
        raise ValueError("checkpoints keep the state of the regret-matching rules (cfr, cfr+, linear_cfr, dcfr, "
                         "pcfr+); a solve with --local keeps a learner state that is not saved")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    with open(tmp, "wb") as fh:
        np.savez(fh, settings=np.array(json.dumps(dict(settings), sort_keys=True)), state_t=np.array(int(state.t)),
                 **{f"state_{k}": np.asarray(getattr(state, k)) for k in ARRAYS},
                 **{f"curve_{k}": np.asarray(v) for k, v in (curve or {}).items()})
    tmp.replace(path)


def load_checkpoint(path: str | Path, game: Any, settings: Mapping[str, Any],
                    what: str = "checkpoint file") -> tuple[Any, dict[str, list]]:
    """``(state, curve)`` of the checkpoint at ``path`` for ``game`` solved with ``settings``
    (module docstring); every error is a ``ValueError`` naming ``what`` and the path."""
    from regretlab.games.io import read_npz
    from regretlab.games.subgame.solver import SubgameState

    shown = str(path)
    arrays = read_npz(path, what, required=("settings", "state_t", *(f"state_{k}" for k in ARRAYS)))
    try:
        saved = json.loads(str(arrays["settings"][()])) if arrays["settings"].ndim == 0 else None
    except json.JSONDecodeError:
        saved = None
    if not isinstance(saved, dict):
        raise ValueError(f"{what} {shown!r}: 'settings' is not the JSON settings of a regretlab subgame solve")
    want = json.loads(json.dumps(dict(settings), sort_keys=True))
    if "dtype" in want and "dtype" not in saved:  # written before the dtype option: float64
        saved["dtype"] = "float64"
    for k in sorted(set(saved) | set(want)):
        if saved.get(k) != want.get(k):
            raise ValueError(f"{what} {shown!r} was written with {k}={saved.get(k)!r}, not {want.get(k)!r}; "
                             "use another checkpoint path or the same settings")
    t_raw = arrays["state_t"]
    if t_raw.ndim != 0 or not np.issubdtype(t_raw.dtype, np.integer) or int(t_raw) < 0:
        raise ValueError(f"{what} {shown!r}: the iteration count state_t must be one integer >= 0, got {t_raw!r}")
    fields: dict[str, Any] = {}
    for k in ARRAYS:
        arr = arrays[f"state_{k}"]
        allowed = (np.float64,) if k == "strategy" else (np.float64, np.float32)
        if arr.dtype not in allowed:
            raise ValueError(f"{what} {shown!r}: state_{k} must hold "
                             f"{' or '.join(np.dtype(a).name for a in allowed)}, got dtype {arr.dtype}")
        if arr.shape != game.legal.shape:
            raise ValueError(f"{what} {shown!r}: state_{k} has shape {list(arr.shape)}, but this subgame needs "
                             f"{list(game.legal.shape)} (information sets x actions)")
        if not np.isfinite(arr).all():
            raise ValueError(f"{what} {shown!r}: state_{k} must be finite, but {int((~np.isfinite(arr)).sum())} "
                             f"of its {arr.size} entries are not")
        fields[k] = np.ascontiguousarray(arr)
    kinds = {fields[k].dtype for k in ("cumulative", "regret", "last")}
    if len(kinds) != 1:
        raise ValueError(f"{what} {shown!r}: state_cumulative, state_regret and state_last must share one dtype, "
                         f"got {sorted(d.name for d in kinds)}")
    curve = {k[len("curve_"):]: arrays[k].tolist() for k in arrays if k.startswith("curve_")}
    return SubgameState(int(t_raw), fields["cumulative"], fields["strategy"], fields["regret"], fields["last"],
                        None), curve


__all__ = ["save_checkpoint", "load_checkpoint"]
