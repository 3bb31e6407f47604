"""Name -> factory registries for learners, environments and experiments.

``@register("hedge", family="experts", test_params=[{...}])`` records a factory together with the
parameter sets the conformance suite runs it with (scikit-learn/river style).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Entry:
    """One registered factory."""

    name: str
    factory: Callable[..., Any]
    family: str
    test_params: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    summary: str = ""


class Registry:
    """A named collection of factories with helpful lookup errors."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry] = {}

    def add(
        self,
        name: str,
        factory: Callable[..., Any],
        *,
        family: str = "",
        test_params: list[dict[str, Any]] | None = None,
    ) -> None:
        if name in self._entries and self._entries[name].factory is not factory:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        doc = (factory.__doc__ or "").strip().splitlines()
        self._entries[name] = Entry(
            name, factory, family, tuple(test_params or ({},)), doc[0] if doc else ""
        )

    def get(self, name: str) -> Entry:
        _load_builtins()
        try:
            return self._entries[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self._entries), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            known = ", ".join(sorted(self._entries))
            raise ValueError(f"unknown {self.kind} {name!r}{hint} (known: {known})") from None

    def make(self, name: str, **params: Any) -> Any:
        return self.get(name).factory(**params)

    def names(self, family: str | None = None) -> list[str]:
        _load_builtins()
        return sorted(n for n, e in self._entries.items() if family is None or e.family == family)

    def entries(self, family: str | None = None) -> list[Entry]:
        return [self._entries[n] for n in self.names(family)]

    def __contains__(self, name: str) -> bool:
        _load_builtins()
        return name in self._entries


learners = Registry("learner")
environments = Registry("environment")


def register(
    name: str, *, family: str, test_params: list[dict[str, Any]] | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering a learner factory under ``name``."""

    def deco(factory: Callable[..., Any]) -> Callable[..., Any]:
        learners.add(name, factory, family=family, test_params=test_params)
        return factory

    return deco


def register_env(
    name: str, *, family: str = "losses", test_params: list[dict[str, Any]] | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering an environment factory under ``name``."""

    def deco(factory: Callable[..., Any]) -> Callable[..., Any]:
        environments.add(name, factory, family=family, test_params=test_params)
        return factory

    return deco


# Packages whose import registers learners/environments. A package that is not present yet
# (being built by another part of the project) is skipped; an import error inside a present
# package is raised, never hidden.
BUILTIN_PACKAGES = (
    "regretlab.experts",
    "regretlab.envs",
    "regretlab.bandits",
    "regretlab.regression",
)
_loaded = False


def _load_builtins() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    import importlib
    import importlib.util

    for mod in BUILTIN_PACKAGES:
        if importlib.util.find_spec(mod) is not None:
            importlib.import_module(mod)
