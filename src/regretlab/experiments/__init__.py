"""Registered experiments: a declared config, a run function producing tidy rows, an analysis.

An experiment module in this package calls :func:`register_experiment` at import time::

    @dataclass(frozen=True)
    class Config:
        T: int = 10_000      # rounds
        runs: int = 100      # independent runs in one batch

    def run(config: Config, seed: int) -> dict[str, np.ndarray]:
        ...                  # columns of equal length: the tidy rows of one cell

    def plot(rows: pyarrow.Table, outdir: Path) -> list[Path]:
        ...                  # figures a paper would show

    register_experiment(Experiment("my_exp", Config, run, plot, demo={"T": 1000}))

Every module in this package is imported by :func:`load_all`, so adding a file registers it.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

_EXPERIMENTS: dict[str, "Experiment"] = {}


@dataclass(frozen=True)
class Experiment:
    """A registered experiment.

    Attributes:
        name: registry name (letters, digits, ``_``).
        config: frozen dataclass type of the experiment's parameters (documented fields).
        run: ``run(config, seed) -> columns`` computes one cell's tidy rows.
        plot: ``plot(rows, outdir) -> [paths]`` draws the figures from stored rows.
        demo: config overrides that make a run take seconds (used by ``regretlab demo`` and the
            smoke tests).
        summarize: optional ``summarize(rows) -> [(label, value)]`` headline numbers for reports.
        description: one line shown by ``regretlab list``.
        reference: where the numbers come from (paper, spec section).
        requires: optional ``requires() -> reason | None``: why the experiment cannot run on this
            install (an optional data set or extra missing), or ``None`` when it can. Smoke tests
            skip with the reason; ``regretlab list`` shows it.
    """

    name: str
    config: type
    run: Callable[[Any, int], Mapping[str, Any]]
    plot: Callable[[Any, Path], list[Path]] | None = None
    demo: Mapping[str, Any] = field(default_factory=dict)
    summarize: Callable[[Any], list[tuple[str, Any]]] | None = None
    description: str = ""
    reference: str = ""
    requires: Callable[[], str | None] | None = None

    def unavailable(self) -> str | None:
        """Why this experiment cannot run here (missing optional data or extra), or ``None``."""
        return None if self.requires is None else self.requires()

    def make_config(self, **overrides: Any) -> Any:
        """The config with ``overrides`` applied; unknown keys raise a clear error."""
        names = {f.name: f for f in dataclasses.fields(self.config)}
        unknown = sorted(set(overrides) - set(names))
        if unknown:
            raise ValueError(
                f"unknown parameter(s) {', '.join(unknown)} for experiment {self.name!r}; "
                f"expected one of: {', '.join(names)}"
            )
        coerced = {k: _coerce(names[k], v) for k, v in overrides.items()}
        return self.config(**coerced)


def _coerce(f: dataclasses.Field, value: Any) -> Any:
    """Coerce a CLI string/number to the type of a dataclass field's default."""
    default = f.default if f.default is not dataclasses.MISSING else None
    if default is None or not isinstance(value, str):
        if isinstance(default, int) and not isinstance(default, bool) and isinstance(value, float):
            if value.is_integer():
                return int(value)
        return value
    try:
        if isinstance(default, bool):
            if value.lower() in ("1", "true", "yes"):
                return True
            if value.lower() in ("0", "false", "no"):
                return False
            raise ValueError
        if isinstance(default, int):
            as_float = float(value)
            if not as_float.is_integer():
                raise ValueError
            return int(as_float)
        if isinstance(default, float):
            return float(value)
        if isinstance(default, tuple):
            return tuple(type(default[0])(v) if default else v for v in value.split("|"))
    except ValueError:
        raise ValueError(
            f"parameter {f.name} expects a {type(default).__name__}, got {value!r}"
        ) from None
    return value


def register_experiment(experiment: Experiment) -> Experiment:
    """Add ``experiment`` to the registry (re-registering the same name replaces it)."""
    if not dataclasses.is_dataclass(experiment.config):
        raise TypeError(f"experiment {experiment.name!r}: config must be a dataclass type")
    _EXPERIMENTS[experiment.name] = experiment
    return experiment


_loaded = False


def load_all() -> dict[str, Experiment]:
    """Import every module of this package (registering its experiments) and return them."""
    global _loaded
    if not _loaded:
        _loaded = True
        for info in pkgutil.iter_modules(__path__):
            if not info.name.startswith("_"):
                importlib.import_module(f"{__name__}.{info.name}")
    return dict(sorted(_EXPERIMENTS.items()))


def get_experiment(name: str) -> Experiment:
    """The registered experiment ``name`` or a clear error listing the known ones."""
    exps = load_all()
    if name not in exps:
        import difflib

        close = difflib.get_close_matches(name, list(exps), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown experiment {name!r}{hint} (known: {', '.join(exps)})")
    return exps[name]
